"""The signed-in officer: who they are and the keys their session holds.

Views of the officer desk call :func:`officer_required`; it reads the
split-knowledge session (cookie ``hl_o``) and puts an :class:`OfficerContext`
on ``flask.g``. The queue keys in it are exactly the queues the officer is
designated to, so a case of another queue cannot be opened with them.

The first-sign-in step (new password, TOTP enrolment) has its own short
session (cookie ``hl_s``) holding a :class:`hotline.auth.service.Setup`.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort, g, redirect, request, url_for
from werkzeug.wrappers import Response

from hotline.auth.service import DeskKeys, Setup
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.sessions import OFFICER_SESSIONS, SessionPolicy
from hotline.crypto.signing import SigningKey
from hotline.instance import current
from hotline.sealing.recipients import queue_openers

OFFICER_COOKIE = "hl_o"
SETUP_COOKIE = "hl_s"
#: The first-sign-in step (new password, TOTP enrolment) must be finished quickly.
SETUP_POLICY = SessionPolicy(idle=dt.timedelta(minutes=15), absolute=dt.timedelta(minutes=30))
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, repr=False)
class OfficerContext:
    officer_id: int
    username: str
    is_admin: bool
    private_key: PrivateKey
    queue_keys: dict[str, PrivateKey]
    #: None for a desk session opened before signing keys: such an officer
    #: signs in again before writing anything.
    signing_key: SigningKey | None = None

    def __repr__(self) -> str:
        return f"OfficerContext({self.username}, queues={sorted(self.queue_keys)})"

    @property
    def queues(self) -> list[str]:
        return sorted(self.queue_keys)

    @property
    def recipient_keys(self) -> dict[str, PrivateKey]:
        """Keys by recipient name, as ``sealing.items`` opens items."""
        return queue_openers(self.queue_keys)

    @property
    def actor(self) -> str:
        return f"officer:{self.username}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def open_desk_session(desk: DeskKeys) -> str:
    """Store the desk keys sealed; return the cookie value that alone opens them."""
    payload = {
        "officer_id": desk.officer_id,
        "username": desk.username,
        "is_admin": desk.is_admin,
        "key": _b64(desk.private_key.raw),
        "queues": {slug: _b64(key.raw) for slug, key in desk.queue_keys.keys.items()},
        "signing": _b64(desk.signing_key.raw),
    }
    return current().sessions.open("officer", payload, OFFICER_SESSIONS, officer_id=desk.officer_id)


def open_setup_session(setup: Setup) -> str:
    return current().sessions.open(
        "officer-setup", setup.payload(), SETUP_POLICY, officer_id=setup.officer_id
    )


def read_setup_session() -> Setup | None:
    payload = current().sessions.read("officer-setup", request.cookies.get(SETUP_COOKIE))
    return None if payload is None else Setup.from_payload(payload)


def set_officer_cookie(response: Response, name: str, value: str) -> None:
    """Officer cookies: script cannot read them, other sites cannot send them."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=not current().config.insecure_cookies,
        path="/officer",
    )


def current_officer() -> OfficerContext | None:
    if "officer" in g:
        officer: OfficerContext | None = g.officer
        return officer
    payload = current().sessions.read("officer", request.cookies.get(OFFICER_COOKIE))
    context = None
    if payload is not None:
        context = OfficerContext(
            officer_id=int(payload["officer_id"]),
            username=str(payload["username"]),
            is_admin=bool(payload["is_admin"]),
            private_key=PrivateKey(base64.b64decode(payload["key"])),
            queue_keys={
                slug: PrivateKey(base64.b64decode(raw)) for slug, raw in payload["queues"].items()
            },
            signing_key=(
                SigningKey(base64.b64decode(payload["signing"])) if "signing" in payload else None
            ),
        )
    g.officer = context
    return context


def signed_in_officer() -> OfficerContext:
    """The officer of a route behind ``officer_required`` or ``admin_required``
    (which make a missing one unreachable; 401 all the same if it happens)."""
    officer = current_officer()
    if officer is None:
        abort(401)
    return officer


def officer_required(view: Callable[P, R]) -> Callable[P, R | Any]:
    """Send anyone without a live officer session to the sign-in page."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Any:
        if current_officer() is None:
            if request.method == "GET":
                return redirect(url_for("auth.login"))
            abort(401)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[P, R]) -> Callable[P, R | Any]:
    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Any:
        officer = current_officer()
        if officer is None:
            return redirect(url_for("auth.login"))
        if not officer.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
