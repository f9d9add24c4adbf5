"""The language of every page: chosen per request, remembered in a session cookie, shown in
the templates with its direction; the procedure's vocabulary is a template global,
so each term shows its label in that language.

Reporter and officer pages alike; ``create_app`` binds Babel with
:func:`select_locale` and calls :func:`init_app`.
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import NullTranslations
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import get_locale, get_translations
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from hotline.instance import current
from hotline.procedure import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    RIGHT_TO_LEFT,
    AuthorKind,
    Category,
    Channel,
    LinkKind,
    Outcome,
    RequestStatus,
    RewardState,
    Status,
)

LANG_COOKIE = "lang"

#: The vocabulary as template globals, so pages compare with members
#: (``row.category == Category.RETALIATION``) and show ``member.label``.
VOCABULARY = {
    term.__name__: term
    for term in (
        AuthorKind,
        Category,
        Channel,
        LinkKind,
        Outcome,
        RequestStatus,
        RewardState,
        Status,
    )
}


def select_locale() -> str:
    """``?lang=`` (a link, no JavaScript), then the ``lang`` cookie, then the browser."""
    languages: tuple[str, ...] = current_app.config["HOTLINE"].languages
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in languages:
        return str(wanted)
    return request.accept_languages.best_match(languages) or DEFAULT_LANGUAGE


def remember_language(response: Response) -> Response:
    """Remember a chosen language until the browser closes, and no longer.

    A session cookie (no Expires, no Max-Age): a reporter's browser may be
    shared or their employer's, and a lasting ``lang=rw`` on it would say that
    someone chose a language on the hotline. The footer promises no cookie that
    identifies anyone; this one ends with the browser.
    """
    wanted = request.args.get("lang")
    if wanted in current().config.languages and request.cookies.get(LANG_COOKIE) != wanted:
        response.set_cookie(
            LANG_COOKIE,
            str(wanted),
            httponly=True,
            samesite="Lax",
            secure=not current().config.insecure_cookies,
        )
    return response


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


def language_context() -> dict[str, Any]:
    """The page's language and direction, and the languages it can switch to."""
    locale = str(get_locale() or DEFAULT_LANGUAGE)
    return {"lang": locale, "rtl": locale in RIGHT_TO_LEFT, "languages": LANGUAGE_NAMES}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(VOCABULARY)
    app.context_processor(translations_for_templates)
    app.context_processor(language_context)
    app.after_request(remember_language)
