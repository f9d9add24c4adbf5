"""The signed-in officer: who they are and the keys their session holds.

Views of the officer desk call :func:`officer_required`; it reads the
split-knowledge session (cookie ``hl_o``) and puts an :class:`OfficerContext`
on ``flask.g``. The queue keys in it are exactly the queues the officer is
designated to, so a case of another queue cannot be opened with them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort, g, redirect, request, url_for

from hotline.cases.designations import QueueKeys
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.sessions import OFFICER_SESSIONS
from hotline.instance import current
from hotline.sealing.recipients import queue_openers

OFFICER_COOKIE = "hl_o"
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, repr=False)
class OfficerContext:
    officer_id: int
    username: str
    is_admin: bool
    private_key: PrivateKey
    queue_keys: dict[str, PrivateKey]

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


def session_payload(
    officer_id: int, username: str, is_admin: bool, private_key: PrivateKey, keys: QueueKeys
) -> dict[str, Any]:
    return {
        "officer_id": officer_id,
        "username": username,
        "is_admin": is_admin,
        "key": _b64(private_key.raw),
        "queues": {slug: _b64(key.raw) for slug, key in keys.keys.items()},
    }


def open_officer_session(payload: dict[str, Any]) -> str:
    return current().sessions.open(
        "officer", payload, OFFICER_SESSIONS, officer_id=int(payload["officer_id"])
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
        )
    g.officer = context
    return context


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
