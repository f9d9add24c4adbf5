"""Fixtures for the administration tests: signed-in desk clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.officers import OfficerLogin, sign_in


@pytest.fixture
def desk(app: Flask) -> Callable[[OfficerLogin], FlaskClient]:
    """``desk(login)``: a new browser, signed in as that officer."""

    def open_desk(login: OfficerLogin) -> FlaskClient:
        client = app.test_client()
        sign_in(client, login)
        return client

    return open_desk
