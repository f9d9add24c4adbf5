"""What must hold after any input, however hostile: no 500, no plaintext stored,
no partial case."""

from __future__ import annotations

import secrets

from flask import Flask
from sqlalchemy import func, select

from hotline.config import Config
from hotline.models import Disclosure
from tests.helpers.stored import assert_absent, dump_database
from tests.helpers.verify import assert_no_partial_case

#: Answers a reporter page may give to a bad request; 500 is never one of them.
CLEAR_ANSWERS = {200, 303, 400, 401, 409, 413, 429}


def marker() -> str:
    """A distinctive random prefix: if it is found in the stored bytes, plaintext leaked."""
    return "HLFZ" + secrets.token_hex(8)


def disclosures(app: Flask) -> int:
    with app.extensions["hotline"].database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Disclosure)) or 0)


def assert_stored_safely(app: Flask, config: Config, *secrets_sent: str) -> None:
    stored = dump_database(config)
    for secret in secrets_sent:
        if len(secret) >= 8:
            assert_absent(secret.encode("utf-8"), stored)
    with app.extensions["hotline"].database.sessions() as session:
        assert_no_partial_case(session)
