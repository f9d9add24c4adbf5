"""Issue 16, item 8: the language leaves no lasting trace on a reporter's browser."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

REPORTER_PAGES = (
    "/",
    "/report",
    "/report?category=retaliation",
    "/checkin",
    "/transparency",
)


@pytest.mark.parametrize("page", REPORTER_PAGES)
@pytest.mark.parametrize("lang", ["fr", "rw", "sw", "ar"])
def test_no_reporter_page_sets_a_lasting_cookie(client: FlaskClient, page: str, lang: str) -> None:
    separator = "&" if "?" in page else "?"
    response = client.get(f"{page}{separator}lang={lang}")
    assert response.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=") for c in cookies), "the choice is remembered"
    for cookie in cookies:
        attributes = cookie.lower()
        assert "expires=" not in attributes, cookie
        assert "max-age=" not in attributes, cookie


def test_the_language_holds_for_the_browsers_session(client: FlaskClient) -> None:
    client.get("/report?lang=fr")
    assert '<html lang="fr"' in client.get("/checkin").get_data(as_text=True)
