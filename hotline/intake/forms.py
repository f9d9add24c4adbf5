"""Reporter forms. Labels are translated; every field has one."""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

CATEGORY_LABELS = {
    "taxpayer_fraud": _l("Tax fraud or smuggling by a taxpayer"),
    "staff_misconduct": _l("Corruption or misconduct by staff"),
    "retaliation": _l("Retaliation for reporting"),
    "other": _l("Something else"),
}


@cache
def _wtforms_translations(locale: str) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class _ReporterTranslations:
    """WTForms' own messages ("Not a valid choice") in the reporter's language,
    loaded once per language rather than once per request as Flask-WTF does."""

    def gettext(self, string: str) -> str:
        return str(_wtforms_translations(str(get_locale() or "en")).ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(_wtforms_translations(str(get_locale() or "en")).ungettext(singular, plural, n))


class ReporterForm(FlaskForm):
    class Meta:
        def get_translations(self, form: FlaskForm) -> _ReporterTranslations:
            return _TRANSLATIONS


_TRANSLATIONS = _ReporterTranslations()


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(ReporterForm):
    category = RadioField(
        _l("What are you reporting?"),
        choices=[SelectChoice(key, label) for key, label in CATEGORY_LABELS.items()],
        validators=[InputRequired(message=_l("Please choose what you are reporting."))],
    )
    body = TextAreaField(_l("What happened?"))
    attachment = MultipleFileField(_l("Evidence files (optional)"))
    concerns = CheckboxList(_l("Does the report concern one of these units? (optional)"))
    form_token = HiddenField()


class CheckinForm(ReporterForm):
    codename = PasswordField(
        _l("Your codename"),
        validators=[InputRequired(message=_l("Please enter your codename."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class FollowUpForm(ReporterForm):
    disclosure = HiddenField()
    body = TextAreaField(_l("Add information"))
    attachment = MultipleFileField(_l("Files (optional)"))


class LogoutForm(ReporterForm):
    pass
