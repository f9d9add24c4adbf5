"""Flask extensions, created unbound; ``create_app`` binds them.

The rate limiter keys on a bucket of the client address (``rate_limits``): a
keyed hash cut to 16 bits, which names no one even with the pepper.
"""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_wtf import CSRFProtect

from hotline.instance import current
from hotline.rate_limits import bucket

csrf = CSRFProtect()
babel = Babel()


def limiter_key() -> str:
    """The client address's rate-limit bucket (65,536 of them, on purpose)."""
    address = request.remote_addr or "unknown"
    return bucket(current().secrets, "rate-limit", address)


limiter = Limiter(key_func=limiter_key, default_limits=[], headers_enabled=False)
