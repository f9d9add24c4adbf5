"""``hotline stats``: publish what is due and print the public table.

``--json`` prints exactly what the page and the CSV show, as JSON. Every cell
is an object: ``{"value": 412, "suppressed": false}`` when published, and
``{"value": null, "suppressed": true, "reason": R}`` when hidden, where R is
``"fewer_than_5"`` (a count from 1 to 4: "fewer than 5" on the page, ``<5`` in
the CSV), ``"protects_another"`` (hidden so that a small count cannot be worked
out: ``x``; this may itself be a count from 1 to 4 where even "fewer than 5"
would give it away), ``"too_few_cases"`` (a share or median over fewer than 5
cases: ``x``) or ``"withheld"`` (a year with so few cases that no count of it
is published: ``x``). Amounts are in minor units (1/100 of the currency).
"""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import with_appcontext

from hotline.instance import current
from hotline.transparency.statistics import ensure_published, public_statistics
from hotline.transparency.tables import MEASURES, ROWS, PublicStatistics


def _text(stats: PublicStatistics) -> str:
    if not stats.years:
        return "Nothing published yet: figures appear after the first complete quarter."
    lines = [f"Published through {stats.through}. <5: fewer than 5; x: hidden."]
    for table in stats.years:
        title = str(table.year) if table.final else f"{table.year} so far (to {table.through})"
        rows = [r for r in ROWS if r in table.rows]
        lines += ["", title, f"{'':34}" + "".join(f"{r[:16]:>17}" for r in rows)]
        for measure in MEASURES:
            figures = [table.figure(r, measure) for r in rows]
            if all(f is None for f in figures):
                continue
            cells = "".join(f"{(f.csv if f else ''):>17}" for f in figures)
            lines.append(f"{measure:34}{cells}")
    return "\n".join(lines)


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the public table as JSON.")
@with_appcontext
def stats_command(as_json: bool) -> None:
    """Publish completed quarters that are due, then print the public statistics."""
    database = current().database
    published = ensure_published(database, current().clock.today())
    if published:
        click.echo("Published: " + ", ".join(str(q) for q in published), err=True)
    with database.transaction() as session:
        stats = public_statistics(session)
    if as_json:
        click.echo(json.dumps(stats.as_json(), indent=1, ensure_ascii=False))
    else:
        click.echo(_text(stats))


def register(app: Flask) -> None:
    app.cli.add_command(stats_command)
