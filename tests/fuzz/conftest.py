"""Fuzzing fixtures: an application reached as through the onion service.

Every request of a Hypothesis run comes from the test client's one address;
through the onion service the per-address limits are off (as in production
behind Tor), so a run explores the forms instead of collecting 429s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from hotline import create_app
from tests.helpers.instance import Initialised
from tests.helpers.servers import ONION_HOST


@pytest.fixture
def onion_app(initialised: Initialised) -> Iterator[Flask]:
    config = initialised.config.with_changes(onion_url=f"http://{ONION_HOST}")
    app = create_app(config)
    # The test client sends this Host: the request arrives "through the onion".
    app.config["SERVER_NAME"] = ONION_HOST
    yield app
    app.extensions["hotline"].database.dispose()
