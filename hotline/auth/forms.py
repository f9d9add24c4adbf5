"""Officer sign-in forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from hotline.auth.officers import MIN_PASSWORD_LENGTH
from hotline.forms import Form


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[InputRequired()])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    code = StringField(
        _l("Code from your authenticator app"),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class SetupForm(Form):
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[InputRequired()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class LogoutForm(Form):
    pass
