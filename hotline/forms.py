"""The base form: Flask-WTF's CSRF, and WTForms' own messages translated.

Flask-WTF parses WTForms' catalogue on every request that builds a form; here
each language's catalogue is loaded once per process.
"""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from hotline.procedure import DEFAULT_LANGUAGE


@cache
def _wtforms_translations(locale: str) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class _CachedTranslations:
    """WTForms' own messages ("Not a valid choice") in the page's language,
    loaded once per language rather than once per request as Flask-WTF does."""

    def gettext(self, string: str) -> str:
        return str(_wtforms_translations(str(get_locale() or DEFAULT_LANGUAGE)).ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(
            _wtforms_translations(str(get_locale() or DEFAULT_LANGUAGE)).ungettext(
                singular, plural, n
            )
        )


class Form(FlaskForm):
    """The base of every form: CSRF from Flask-WTF, WTForms' messages translated."""

    class Meta:
        def get_translations(self, form: FlaskForm) -> _CachedTranslations:
            return _TRANSLATIONS


_TRANSLATIONS = _CachedTranslations()
