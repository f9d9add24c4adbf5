"""Fuzzing fixtures: an application reached as through the onion service.

Every request of a Hypothesis run comes from the test client's one address;
through the onion service the per-address limits are off (as in production
behind Tor), so a run explores the forms instead of collecting 429s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from hotline import create_app
from hotline.intake.web.pages import ONION_ENVIRON_KEY
from tests.helpers.instance import Initialised
from tests.helpers.servers import ONION_HOST


@pytest.fixture
def onion_app(initialised: Initialised) -> Iterator[Flask]:
    config = initialised.config.with_changes(onion_url=f"http://{ONION_HOST}")
    app = create_app(config)
    # Every test-client request arrives "through the onion": what gunicorn's
    # onion listener decides in production (a client's Host header cannot).
    wsgi = app.wsgi_app

    def through_onion(environ: dict[str, Any], start_response: Any) -> Any:
        environ[ONION_ENVIRON_KEY] = True
        return wsgi(environ, start_response)

    app.wsgi_app = through_onion  # type: ignore[method-assign]
    yield app
    app.extensions["hotline"].database.dispose()
