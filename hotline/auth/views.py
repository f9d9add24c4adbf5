"""Officer sign-in: password and TOTP; a forced password change and TOTP
enrolment at first sign-in; sign-out that destroys the session's key material."""

from __future__ import annotations

import base64
import datetime as dt
import io
import secrets
from typing import Any

import segno
from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.audit import record
from hotline.auth.forms import LoginForm, LogoutForm, SetupForm
from hotline.auth.officers import (
    SignInFailed,
    UnlockedOfficer,
    WeakPassword,
    accept_totp,
    change_password,
    enrol_totp,
    provisioning_uri,
    unlock,
)
from hotline.auth.session import (
    OFFICER_COOKIE,
    current_officer,
    open_officer_session,
    session_payload,
)
from hotline.cases.designations import unseal_designations
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import WrongPassword
from hotline.crypto.sessions import SessionPolicy
from hotline.extensions import limiter
from hotline.instance import current, db_session
from hotline.models import Officer

blueprint = Blueprint("auth", __name__, url_prefix="/officer")

SETUP_COOKIE = "hl_s"
#: The first-sign-in step (new password, TOTP enrolment) must be finished quickly.
SETUP_POLICY = SessionPolicy(idle=dt.timedelta(minutes=15), absolute=dt.timedelta(minutes=30))


def _login_limit_key() -> str:
    """Failed sign-ins are counted per account (a keyed hash of the username)."""
    username = (request.form.get("username") or "").strip().casefold()
    return "officer-login:" + current().secrets.keyed_hash("officer-login", username)[:32]


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _set_cookie(response: WerkzeugResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=not current().config.insecure_cookies,
        path="/officer",
    )


def _start_session(officer: Officer, private_key: PrivateKey) -> WerkzeugResponse:
    session = db_session()
    keys = unseal_designations(session, officer, private_key)
    cookie = open_officer_session(
        session_payload(officer.id, officer.username, officer.is_admin, private_key, keys)
    )
    record(
        session,
        current().secrets.audit_key,
        actor=f"officer:{officer.username}",
        action="officer.signed_in",
    )
    session.commit()
    response = redirect(url_for("desk.queue"), code=303)
    _set_cookie(response, OFFICER_COOKIE, cookie)
    return response


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("5/minute", key_func=_login_limit_key, methods=["POST"], deduct_when=_failed)
def login() -> Response | WerkzeugResponse:
    form = LoginForm()
    if request.method == "GET" or not form.validate_on_submit():
        return make_response(render_template("officer/login.html", form=form), 200)
    session = db_session()
    officer = session.scalar(
        select(Officer).where(Officer.username == (form.username.data or "").strip())
    )
    try:
        if officer is None or not officer.active:
            raise SignInFailed
        unlocked = unlock(officer, form.password.data or "")
        if officer.totp_enrolled:
            if unlocked.totp_secret is None or not accept_totp(
                session, officer, unlocked.totp_secret, form.code.data or ""
            ):
                raise SignInFailed
            session.commit()
    except (SignInFailed, WrongPassword):
        session.rollback()
        form.password.errors = [_("Wrong username, password or code.")]
        return make_response(render_template("officer/login.html", form=form), 401)
    if officer.must_change_password or not officer.totp_enrolled:
        return _begin_setup(officer, unlocked)
    return _start_session(officer, unlocked.private_key)


def _begin_setup(officer: Officer, unlocked: UnlockedOfficer) -> WerkzeugResponse:
    pending_secret = unlocked.totp_secret or secrets.token_bytes(20)
    cookie = current().sessions.open(
        "officer-setup",
        {
            "officer_id": officer.id,
            "key": base64.b64encode(unlocked.private_key.raw).decode(),
            "totp": base64.b64encode(pending_secret).decode(),
        },
        SETUP_POLICY,
        officer_id=officer.id,
    )
    response = redirect(url_for("auth.setup"), code=303)
    _set_cookie(response, SETUP_COOKIE, cookie)
    return response


def _qr_svg(uri: str) -> Markup:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    # segno writes only the QR path; nothing from the request is in it.
    return Markup(out.getvalue().decode())  # noqa: S704


@blueprint.route("/setup", methods=["GET", "POST"])
def setup() -> Response | WerkzeugResponse:
    instance = current()
    payload = instance.sessions.read("officer-setup", request.cookies.get(SETUP_COOKIE))
    if payload is None:
        return redirect(url_for("auth.login"))
    session = db_session()
    officer = session.get(Officer, int(payload["officer_id"]))
    if officer is None or not officer.active:
        return redirect(url_for("auth.login"))
    private_key = PrivateKey(base64.b64decode(payload["key"]))
    secret = base64.b64decode(payload["totp"])
    form = SetupForm()
    context: dict[str, Any] = {"form": form, "enrolled": officer.totp_enrolled}
    if not officer.totp_enrolled:
        uri = provisioning_uri(secret, officer.username)
        context.update(qr=_qr_svg(uri), secret=base64.b32encode(secret).decode())
    if request.method == "GET" or not form.validate_on_submit():
        return make_response(render_template("officer/setup.html", **context), 200)
    if not accept_totp(session, officer, secret, form.code.data or ""):
        session.rollback()
        form.code.errors = [_("That code is wrong or was already used. Wait for the next one.")]
        return make_response(render_template("officer/setup.html", **context), 400)
    params = instance.argon2_params
    try:
        unlocked = change_password(
            officer,
            UnlockedOfficer(
                officer.id, private_key, secret if officer.totp_enrolled else None, b""
            ),
            form.new_password.data or "",
            params=params,
        )
    except WeakPassword as exc:
        session.rollback()
        form.new_password.errors = [str(exc)]
        return make_response(render_template("officer/setup.html", **context), 400)
    if not officer.totp_enrolled:
        enrol_totp(officer, unlocked, secret)
    record(
        session,
        instance.secrets.audit_key,
        actor=f"officer:{officer.username}",
        action="officer.password_changed",
    )
    session.commit()
    # Sessions opened under the old password end now.
    instance.sessions.backend.delete_for_officer(officer.id)
    response = _start_session(officer, private_key)
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
