"""Officer sign-in: password and TOTP; a forced password change and TOTP
enrolment at first sign-in; sign-out that destroys the session's key material.

Thin routes over :mod:`hotline.auth.service`: they parse the form, call it,
commit, and set or clear the session cookies."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from limits import parse as parse_limit
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.audit import record
from hotline.auth import service
from hotline.auth.forms import LoginForm, LogoutForm, SetupForm
from hotline.auth.lockouts import Lockouts, record_refusal
from hotline.auth.officers import SignInFailed
from hotline.auth.session import (
    OFFICER_COOKIE,
    SETUP_COOKIE,
    current_officer,
    open_desk_session,
    open_setup_session,
    read_setup_session,
    set_officer_cookie,
)
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.signing import SigningKey
from hotline.extensions import limiter, limiter_key
from hotline.instance import current, db_session
from hotline.models import Officer
from hotline.rate_limits import bucket
from hotline.verification import check_keys_cheaply

blueprint = Blueprint("auth", __name__, url_prefix="/officer")


def _login_limit_key() -> str:
    """Failed sign-ins are counted per account (the username's bucket)."""
    username = (request.form.get("username") or "").strip().casefold()
    return "officer-login:" + bucket(current().secrets, "officer-login", username)


#: Sign-in attempts an account may make in a moving minute.
LOGIN_LIMIT = parse_limit("5/minute")
#: Failed sign-ins one client address may make in a moving minute (any accounts).
ADDRESS_LIMIT = parse_limit("20/minute")
#: Sign-in attempts the whole instance takes in a moving minute, right or wrong:
#: a ceiling on guessing spread over many accounts and addresses.
GLOBAL_LIMIT = parse_limit("120/minute")


def _charge_attempt() -> list[tuple[str, str]] | None:
    """Charge one attempt to the account, the client address and the instance
    *before* checking it, atomically in the limiter's storage; None when any
    of them has none left. Returns what a right sign-in refunds.

    Charged before, not counted after: 24 concurrent wrong sign-ins once all
    passed a check made before any of them was counted, and 12 were evaluated.
    """
    # The instance's prefix, as flask-limiter's own keys carry it (a shared Redis).
    prefix = current().config.redis_prefix
    account = ("officer-login", prefix + _login_limit_key())
    address = ("officer-login-address", prefix + limiter_key())
    if not limiter.limiter.hit(LOGIN_LIMIT, *account):
        return None
    if not limiter.limiter.hit(ADDRESS_LIMIT, *address):
        return None
    if not limiter.limiter.hit(GLOBAL_LIMIT, "officer-login-all", prefix):
        return None
    return [account, address]


def _refund_attempts(charged: list[tuple[str, str]]) -> None:
    """A right password and code refund the account's and the address's
    attempts (never the instance's: one account must not reset everyone's)."""
    account, address = charged
    limiter.limiter.clear(LOGIN_LIMIT, *account)
    limiter.limiter.clear(ADDRESS_LIMIT, *address)


def _start_session(
    officer: Officer, private_key: PrivateKey, signing_key: SigningKey
) -> WerkzeugResponse:
    session = db_session()
    desk = service.desk_keys(session, officer, private_key, signing_key)
    # Store the session before this request writes anything: on SQLite the
    # session store writes through its own connection and would wait for ours.
    cookie = open_desk_session(desk)
    service.record_sign_in(session, officer, audit_key=current().secrets.audit_key)
    # The cheap checks at every sign-in: the instance's keys (alarms if changed).
    check_keys_cheaply(session)
    session.commit()
    response = redirect(url_for("desk.queue"), code=303)
    set_officer_cookie(response, OFFICER_COOKIE, cookie)
    return response


def _audit_refusal(username: str, reason: str, lockout: dt.timedelta | None) -> None:
    """Audit a refused sign-in (and the lockout it started) in its own commit."""
    session = db_session()
    known = session.scalar(select(Officer.username).where(Officer.username == username.strip()))
    record_refusal(
        session, current().secrets.audit_key, username=known, reason=reason, lockout=lockout
    )
    session.commit()


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | WerkzeugResponse:
    form = LoginForm()
    if request.method == "GET" or not form.validate_on_submit():
        return make_response(render_template("officer/login.html", form=form), 200)
    charged = _charge_attempt()
    if charged is None:
        abort(429)
    session = db_session()
    lockouts = Lockouts(limiter.storage, current().config.redis_prefix)
    account = _login_limit_key()
    if lockouts.locked(account):
        _audit_refusal(form.username.data or "", "account locked", None)
        abort(429)
    try:
        signed_in = service.sign_in(
            session,
            form.username.data or "",
            form.password.data or "",
            form.code.data or "",
            params=current().argon2_params,
        )
    except SignInFailed:
        session.rollback()
        lockout = lockouts.refused(account)
        _audit_refusal(form.username.data or "", "wrong username, password or code", lockout)
        form.password.errors = [_("Wrong username, password or code.")]
        return make_response(render_template("officer/login.html", form=form), 401)
    # The accepted code's time step is stored now, whatever happens next.
    session.commit()
    _refund_attempts(charged)
    lockouts.succeeded(account)
    if signed_in.needs_setup:
        response = redirect(url_for("auth.setup"), code=303)
        setup_cookie = open_setup_session(service.begin_setup(signed_in))
        set_officer_cookie(response, SETUP_COOKIE, setup_cookie)
        return response
    return _start_session(signed_in.officer, signed_in.unlocked.private_key, signed_in.signing_key)


def _qr_svg(uri: str) -> Markup:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    # segno writes only the QR path; nothing from the request is in it.
    return Markup(out.getvalue().decode())  # noqa: S704


@blueprint.route("/setup", methods=["GET", "POST"])
def setup() -> Response | WerkzeugResponse:
    instance = current()
    pending = read_setup_session()
    if pending is None:
        return redirect(url_for("auth.login"))
    session = db_session()
    officer = service.setup_officer(session, pending)
    if officer is None:
        return redirect(url_for("auth.login"))
    form = SetupForm()
    context: dict[str, Any] = {"form": form, "enrolled": officer.totp_enrolled}
    uri = service.enrolment_uri(officer, pending)
    if uri is not None:
        context.update(qr=_qr_svg(uri), secret=base64.b32encode(pending.totp_secret).decode())
    if request.method == "GET" or not form.validate_on_submit():
        return make_response(render_template("officer/setup.html", **context), 200)
    try:
        service.finish_setup(
            session,
            officer,
            pending,
            code=form.code.data or "",
            new_password=form.new_password.data or "",
            params=instance.argon2_params,
            audit_key=instance.secrets.audit_key,
        )
    except service.CodeRefused:
        session.rollback()
        form.code.errors = [_("That code is wrong or was already used. Wait for the next one.")]
        return make_response(render_template("officer/setup.html", **context), 400)
    except service.PasswordRefused as exc:
        session.rollback()
        form.new_password.errors = [str(exc)]
        return make_response(render_template("officer/setup.html", **context), 400)
    session.commit()
    # Sessions opened under the old password end now.
    instance.sessions.backend.delete_for_officer(officer.id)
    response = _start_session(officer, pending.private_key, pending.signing_key)
    response.delete_cookie(SETUP_COOKIE, path="/officer")
    return response


@blueprint.post("/logout")
def logout() -> WerkzeugResponse:
    officer = current_officer()
    form = LogoutForm()
    if officer is not None and form.validate_on_submit():
        session = db_session()
        record(
            session,
            current().secrets.audit_key,
            actor=officer.actor,
            action="officer.signed_out",
        )
        session.commit()
    # Deleting the row destroys the only server-side copy of the session's keys.
    current().sessions.close(request.cookies.get(OFFICER_COOKIE))
    response = redirect(url_for("auth.login"), code=303)
    response.delete_cookie(OFFICER_COOKIE, path="/officer")
    return response
