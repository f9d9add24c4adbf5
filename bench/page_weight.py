"""Gzip bytes of every reporter page, HTML plus the stylesheet, in every language.

A new connection on a slow network gets about 14 KB in its first round trip
(TCP's initial window of 10 segments): a page under that arrives in one.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.config import Config

BUDGET = 14 * 1024
TEXT = "The assessor at the border post asked for money to clear the goods. " * 9


@dataclass(frozen=True)
class PageWeight:
    page: str
    language: str
    html_gzip: int
    css_gzip: int

    @property
    def total(self) -> int:
        return self.html_gzip + self.css_gzip


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def _pages(client: FlaskClient, lang: str) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    client.get(f"/?lang={lang}")
    pages["/"] = client.get("/").data
    for category in ("taxpayer_fraud", "staff_misconduct", "retaliation", "other"):
        pages[f"/report?category={category}"] = client.get(f"/report?category={category}").data
    form = client.get("/report").get_data(as_text=True)
    pages["/report"] = form.encode()
    receipt = client.post(
        "/report",
        data={
            "csrf_token": _field(form, "csrf_token"),
            "form_token": _field(form, "form_token"),
            "category": "other",
            "body": TEXT,
        },
    ).get_data(as_text=True)
    pages["receipt"] = receipt.encode()
    pages["/report (error)"] = client.post("/report", data={"csrf_token": ""}).data
    checkin = client.get("/checkin").get_data(as_text=True)
    pages["/checkin"] = checkin.encode()
    codename = re.search(r'id="codename"[^>]*>([^<]+)<', receipt)
    if codename:
        client.post(
            "/checkin",
            data={"csrf_token": _field(checkin, "csrf_token"), "codename": codename.group(1)},
        )
        pages["/checkin (your reports)"] = client.get("/checkin").data
    pages["404"] = client.get("/no-such-page").data
    if has_route(client.application, "/transparency"):
        # The public statistics page (another issue): weighed when it exists.
        pages["/transparency"] = client.get("/transparency").data
    return pages


def has_route(app: Flask, path: str) -> bool:
    return any(rule.rule == path for rule in app.url_map.iter_rules())


def measure(config: Config) -> list[PageWeight]:
    app = create_app(config)
    css = _gz(app.test_client().get("/static/hotline.css").data)
    weights = []
    for lang in config.languages:
        client = app.test_client()
        for page, html in _pages(client, lang).items():
            weights.append(PageWeight(page, lang, _gz(html), css))
    app.extensions["hotline"].database.dispose()
    return weights
