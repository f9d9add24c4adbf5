"""The report form and the receipt are rendered once per language and variant,
then filled in per request: each visitor still gets their own tokens, codename
and reference, the right language and the right variant, and the kept pages
hold none of those values."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient

from hotline.intake.web.prerendered import EXTENSION, MAX_PAGES, Prerendered
from tests.helpers.reporter import check_in, element, file_report, hidden, open_form

TOKENS = re.compile(r'name="(?:csrf_token|form_token)" value="[^"]*"')


def kept_pages(app: Flask) -> list[str]:
    return [page for pages in app.extensions[EXTENSION].values() for page in pages._pages.values()]


def test_each_visitor_gets_their_own_tokens_on_the_same_page(app: Flask) -> None:
    first = app.test_client().get("/report?category=other").get_data(as_text=True)
    second = app.test_client().get("/report?category=other").get_data(as_text=True)
    assert hidden(first, "csrf_token") != hidden(second, "csrf_token")
    assert hidden(first, "form_token") != hidden(second, "form_token")
    assert TOKENS.sub("", first) == TOKENS.sub("", second)
    for page in kept_pages(app):
        assert hidden(first, "form_token") not in page
        assert hidden(first, "csrf_token") not in page


def test_a_kept_form_still_files_for_each_visitor(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    assert element(file_report(first, "first report"), "case-ref")
    # The second visitor's form comes from the kept page, with their own tokens.
    assert element(file_report(second, "second report"), "case-ref")


def test_language_category_and_check_in_each_get_their_own_page(app: Flask) -> None:
    visitor = app.test_client()
    english = visitor.get("/report?category=retaliation").get_data(as_text=True)
    french = visitor.get("/report?category=retaliation&lang=fr").get_data(as_text=True)
    assert 'lang="en"' in english
    assert "Make a report" in english
    assert 'lang="fr"' in french
    assert "Make a report" not in french
    other = visitor.get("/report?category=other&lang=en").get_data(as_text=True)
    assert 'value="retaliation" checked' in english
    assert 'value="other" checked' in other
    assert 'value="retaliation" checked' not in other

    reporter = app.test_client()
    receipt = file_report(reporter)
    check_in(reporter, element(receipt, "codename"))
    checked_in = reporter.get("/report?category=other").get_data(as_text=True)
    again = visitor.get("/report?category=other").get_data(as_text=True)
    assert "You are checked in" in checked_in
    assert "You are checked in" not in again


def test_every_receipt_shows_its_own_codename_and_reference(app: Flask) -> None:
    first = file_report(app.test_client(), "first report")
    second = file_report(app.test_client(), "second report")
    codenames = {element(first, "codename"), element(second, "codename")}
    references = {element(first, "case-ref"), element(second, "case-ref")}
    assert len(codenames) == 2
    assert len(references) == 2

    def without_values(page: str) -> str:
        for value in (element(page, "codename"), element(page, "case-ref")):
            page = page.replace(value, "")
        return page

    assert without_values(first) == without_values(second)
    for page in kept_pages(app):
        for value in codenames | references:
            assert value not in page


def test_made_up_query_values_do_not_grow_the_kept_pages(client: FlaskClient, app: Flask) -> None:
    for index in range(MAX_PAGES + 20):
        assert client.get(f"/report?category=made-up-{index}").status_code == 200
    assert len(kept_pages(app)) <= 2 * len(app.config["HOTLINE"].languages) * 5
    assert open_form(client)["form_token"]


def test_past_the_cap_pages_are_rendered_afresh_not_kept(app: Flask) -> None:
    pages = Prerendered(blanks=("token",))
    with app.test_request_context("/"):
        for index in range(MAX_PAGES + 5):

            def render(markers: Mapping[str, str], index: int = index) -> str:
                return f"{index}:{markers['token']}"

            assert pages.page(index, render, {"token": "<t>"}) == f"{index}:&lt;t&gt;"
    assert len(pages._pages) == MAX_PAGES
