"""One-time report form tokens: a report form files one case, however often it is sent.

Each blank form carries a signed random token; filing spends it in the same
transaction as the case, so the back button, a double tap or two sends at once
file once.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from hotline.db import insert_into
from hotline.models import UsedFormToken

FORM_TOKEN_MAX_AGE = 24 * 3600


def _token_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="report-form")


def new_form_token() -> str:
    return _token_serializer().dumps(secrets.token_urlsafe(16))


def valid_form_token(token: str | None) -> bool:
    if not token:
        return False
    try:
        _token_serializer().loads(token, max_age=FORM_TOKEN_MAX_AGE)
    except BadSignature:
        return False
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def use_form_token(session: Session, token: str) -> None:
    """Spend a one-time form token in the filing transaction, after the case's rows.

    The primary key makes a second send of the same form (back button, double
    tap, two at once) fail here or at commit, and the caller then asks
    :func:`form_token_used` to tell the reporter why. The rollback takes the
    case's rows with it.
    """
    session.execute(insert_into(UsedFormToken), {"token_hash": _token_hash(token)})


def form_token_used(session: Session, token: str) -> bool:
    return session.get(UsedFormToken, _token_hash(token)) is not None
