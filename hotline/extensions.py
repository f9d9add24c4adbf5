"""Flask extensions, created unbound; ``create_app`` binds them.

The rate limiter keys on a keyed hash of the client address: the address itself
is never stored, not even in Redis, and the hash cannot be reversed without the
instance pepper.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import NullTranslations
from typing import Any

from flask import current_app, request
from flask_babel import Babel, get_translations
from flask_limiter import Limiter
from flask_wtf import CSRFProtect
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from hotline.instance import current
from hotline.procedure import DEFAULT_LANGUAGE

csrf = CSRFProtect()
babel = Babel()


def limiter_key() -> str:
    """A keyed hash of the client address, for rate limiting only."""
    address = request.remote_addr or "unknown"
    return current().secrets.keyed_hash("rate-limit", address)[:32]


limiter = Limiter(key_func=limiter_key, default_limits=[], headers_enabled=False)


def select_locale() -> str:
    """``?lang=`` (a link, no JavaScript), then the ``lang`` cookie, then the browser."""
    languages: tuple[str, ...] = current_app.config["HOTLINE"].languages
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted in languages:
        return str(wanted)
    return request.accept_languages.best_match(languages) or DEFAULT_LANGUAGE


def template_gettext(translations: NullTranslations) -> Callable[..., str]:
    """``_()`` for templates, bound to the request's catalogue once per page.

    Flask-Babel's template gettext looks the catalogue up again on every call,
    and a page makes a few dozen. This gives the same result as Jinja's
    newstyle gettext: the translation, escaped by autoescaping, always
    formatted with ``%`` (so ``%%`` means one ``%`` with or without variables).
    """

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        translated: str = translations.gettext(message)
        if context.eval_ctx.autoescape:
            # Our own catalogues, trusted as Jinja trusts them; the variables
            # are escaped by the % below.
            translated = Markup(translated)  # noqa: S704
        return translated % variables

    return gettext


def translations_for_templates() -> dict[str, Any]:
    """A context processor: templates resolve ``_`` and ``gettext`` here first."""
    return {"gettext": template_gettext(get_translations())}
