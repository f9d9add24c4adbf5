"""The reporter's web session: the codename-derived keys, never the codename.

The codename is derived once, at check-in; the session then holds the derived
private key for at most 2 hours, 30 minutes idle, split between the cookie and
the server (``crypto.sessions``).
"""

from __future__ import annotations

import base64
from typing import Any

from flask import request
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.crypto.codenames import ReporterKeys
from hotline.crypto.keypairs import PrivateKey
from hotline.instance import current

REPORTER_COOKIE = "hl_r"


def session_payload(keys: ReporterKeys) -> dict[str, Any]:
    return {
        "reporter_id": keys.reporter_id,
        "key": base64.b64encode(keys.private_key.raw).decode(),
        "kdf": keys.kdf_version,
    }


def keys_from_payload(payload: dict[str, Any]) -> ReporterKeys:
    return ReporterKeys(
        reporter_id=str(payload["reporter_id"]),
        private_key=PrivateKey(base64.b64decode(payload["key"])),
        kdf_version=int(payload["kdf"]),
    )


def signed_in_reporter() -> ReporterKeys | None:
    payload = current().sessions.read("reporter", request.cookies.get(REPORTER_COOKIE))
    return keys_from_payload(payload) if payload else None


def set_reporter_cookie(response: WerkzeugResponse, value: str) -> None:
    response.set_cookie(
        REPORTER_COOKIE,
        value,
        httponly=True,
        samesite="Strict",
        secure=not current().config.insecure_cookies,
        path="/",
    )
