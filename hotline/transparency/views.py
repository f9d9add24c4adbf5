"""Transparency pages: the public statistics (HTML and CSV) and the officer's own.

The public page is the same for everyone and holds nothing about any one
person, so unlike every other page it may be cached (one hour). It is
translated, has no script, and its chart is inline SVG drawn here.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Flask, Response, make_response, render_template, request
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup

from hotline.auth.session import current_officer, officer_required
from hotline.desk.access import designated_queues
from hotline.instance import current, db_session
from hotline.procedure import Category, Outcome
from hotline.transparency.charts import Series, bar_chart
from hotline.transparency.desk import DeskStatistics, desk_statistics
from hotline.transparency.statistics import ensure_published, public_statistics
from hotline.transparency.tables import ALL, CATEGORIES, MEASURES, ROWS, Figure, PublicStatistics

blueprint = Blueprint("transparency", __name__)
desk_blueprint = Blueprint("desk_stats", __name__, url_prefix="/officer")

PUBLIC_MAX_AGE = 3600


ROW_LABELS: dict[str, LazyString] = {**{c: c.lazy_label for c in Category}, ALL: _l("All")}
MEASURE_LABELS: dict[str, Any] = {
    "received": _l("Received"),
    "ongoing": _l("Still open at the end of the period"),
    "closed": _l("Closed by the end of the period"),
    "acknowledged_in_time_pct": _l("Acknowledged within 7 days"),
    "median_days_to_acknowledgement": _l("Median days to acknowledgement"),
    "median_days_to_closure": _l("Median days to closure"),
    "rewards_paid": _l("Rewards paid"),
    "rewards_paid_total_minor": _l("Rewards paid, total amount"),
}


def measure_label(measure: str) -> str:
    if measure.startswith("closed_"):
        return "– " + Outcome(measure.removeprefix("closed_")).label
    return str(MEASURE_LABELS[measure])


def show(figure: Figure | None, measure: str) -> str:
    """A cell as a reader sees it, in their language's number format."""
    if figure is None:
        return ""
    if figure.reason == "fewer_than_5":
        return str(_("fewer than 5"))
    if figure.reason is not None or figure.value is None:
        return "x"
    if measure == "acknowledged_in_time_pct":
        return str(format_percent(figure.value / 100))
    if measure == "rewards_paid_total_minor":
        return str(format_decimal(figure.value / 100, format="#,##0.00"))
    return str(format_decimal(figure.value))


def _public_statistics() -> PublicStatistics:
    ensure_published(current().database, current().clock.today())
    return public_statistics(db_session())


def _cacheable(response: Response, *, localised: bool) -> Response:
    # The same for everyone and about no one: shared caches may keep it.
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    if localised:
        response.vary.update(("Accept-Language", "Cookie"))
        if "lang" in request.args:
            # This response may set the language cookie: keep it out of shared caches.
            response.headers["Cache-Control"] = f"private, max-age={PUBLIC_MAX_AGE}"
    return response


def chart_title() -> str:
    return str(_("Disclosures received per year, by category"))


def _count(figure: Figure | None) -> int | None:
    if figure is None or figure.suppressed or figure.value is None:
        return None
    return int(figure.value)


def received_chart(stats: PublicStatistics) -> Markup | None:
    """Received per year by category, for complete years; hidden counts draw no bar."""
    years = sorted((t for t in stats.years if t.final), key=lambda t: t.year)
    if not years:
        return None
    series = []
    for category in CATEGORIES:
        figures = [t.figure(category, "received") for t in years]
        series.append(
            Series(
                label=str(ROW_LABELS[category]),
                values=[_count(f) for f in figures],
                markers=[f.csv if f else "" for f in figures],
            )
        )
    return bar_chart(
        chart_title(),
        [str(t.year) for t in years],
        series,
        width=360,
        hidden_label=_("fewer than 5"),
    )


@blueprint.get("/transparency")
def page() -> Response:
    stats = _public_statistics()
    html = render_template(
        "public/transparency.html",
        stats=stats,
        chart=received_chart(stats),
        chart_title=chart_title(),
        rows=ROWS,
        measures=MEASURES,
        row_labels=ROW_LABELS,
        measure_label=measure_label,
        show=show,
        format_date=format_date,
    )
    return _cacheable(make_response(html), localised=True)


@blueprint.get("/transparency.csv")
def csv_download() -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(_public_statistics().csv_rows())
    response = make_response(buffer.getvalue())
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = 'attachment; filename="hotline-statistics.csv"'
    return _cacheable(response, localised=False)


# --- the officer's own queues ------------------------------------------------------------


def _desk_charts(stats: DeskStatistics) -> list[tuple[str, Markup]]:
    months = [format_date(m, "MMM yy") for m in stats.months]
    by_category = _("Cases received per month, by category")
    by_channel = _("Cases received per month, by channel")
    return [
        (
            by_category,
            bar_chart(
                by_category,
                months,
                [Series(str(ROW_LABELS[c]), v) for c, v in stats.by_category.items()],
                stacked=True,
            ),
        ),
        (
            by_channel,
            bar_chart(
                by_channel,
                months,
                [Series(c.label, v) for c, v in stats.by_channel.items()],
                stacked=True,
            ),
        ),
    ]


@desk_blueprint.get("/stats")
@officer_required
def desk() -> Response:
    officer = current_officer()
    if officer is None:  # officer_required has already answered this case
        return make_response("", 401)
    session = db_session()
    # Need to know: only queues the session holds a key for AND the database
    # still designates the officer to; never anything routed elsewhere.
    queues = sorted(designated_queues(session, officer))
    stats = desk_statistics(session, queues, current().clock.today())
    return make_response(
        render_template(
            "officer/stats.html",
            stats=stats,
            charts=_desk_charts(stats),
            categories=CATEGORIES,
            outcomes=tuple(Outcome),
            row_labels=ROW_LABELS,
            format_date=format_date,
        )
    )


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_blueprint(desk_blueprint)
