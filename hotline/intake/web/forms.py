"""Reporter forms. Labels are translated; every field has one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.forms import Form
from hotline.procedure import Category


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(Form):
    category = RadioField(
        _l("What are you reporting?"),
        choices=[SelectChoice(category, category.lazy_label) for category in Category],
        validators=[InputRequired(message=_l("Please choose what you are reporting."))],
    )
    body = TextAreaField(_l("What happened?"))
    attachment = MultipleFileField(_l("Evidence files (optional)"))
    concerns = CheckboxList(_l("Does the report concern one of these units? (optional)"))
    form_token = HiddenField()


class CheckinForm(Form):
    codename = PasswordField(
        _l("Your codename"),
        validators=[InputRequired(message=_l("Please enter your codename."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class FollowUpForm(Form):
    disclosure = HiddenField()
    body = TextAreaField(_l("Add information"))
    attachment = MultipleFileField(_l("Files (optional)"))


class LogoutForm(Form):
    pass
