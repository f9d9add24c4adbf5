"""Flask extensions, created unbound; ``create_app`` binds them.

The rate limiter keys on a keyed hash of the client address: the address itself
is never stored, not even in Redis, and the hash cannot be reversed without the
instance pepper.
"""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_wtf import CSRFProtect

from hotline.instance import current

csrf = CSRFProtect()
babel = Babel()


def limiter_key() -> str:
    """A keyed hash of the client address, for rate limiting only."""
    address = request.remote_addr or "unknown"
    return current().secrets.keyed_hash("rate-limit", address)[:32]


limiter = Limiter(key_func=limiter_key, default_limits=[], headers_enabled=False)
