"""Fixtures of the e-mail channel's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from hotline import create_app
from tests.helpers.instance import Initialised
from tests.helpers.servers import PUBLIC_URL


@pytest.fixture
def email_app(initialised: Initialised) -> Iterator[Flask]:
    """The instance with acknowledgements off: the SMTP side is tests/intake/test_smtp.py."""
    app = create_app(
        initialised.config.with_changes(public_url=PUBLIC_URL, email_acknowledgement=False)
    )
    yield app
    app.extensions["hotline"].database.dispose()
