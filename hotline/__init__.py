"""Hotline: an anonymous reporting hotline for revenue and customs authorities."""

from __future__ import annotations

import secrets
import sysconfig
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline.config import Config

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def _pages_folder(name: str) -> Path:
    """``templates/`` or ``static/``: beside the package in a checkout, and under the
    environment's ``share/hotline/`` when Hotline is installed from a wheel
    (``deploy/install.sh``, the Dockerfile), where setup.cfg's data files put them."""
    if (ROOT / "setup.cfg").is_file():
        return ROOT / name
    return Path(sysconfig.get_path("data")) / "share" / "hotline" / name


#: The reporter pages' policy; stricter than the issue's floor (no script at all).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def create_app(config: Config | None = None, *, require_keys: bool = True) -> Flask:
    """Build the application. Reads the environment only when no config is given.

    With ``require_keys`` (the web server), missing or unreadable ``keys/`` stop
    the start with a clear message instead of failing on the first report.
    """
    from hotline import control_characters, errors, languages
    from hotline.auth import refusals
    from hotline.extensions import babel, csrf, limiter
    from hotline.instance import EXTENSION, build_instance, close_db_session
    from hotline.intake.uploads import MemoryRequest
    from hotline.rate_limits import MEMORY_URI
    from hotline.routing import load_policy

    config = config or Config.from_env()
    policy = load_policy(config.policy_path)
    instance = build_instance(config, policy)

    app = Flask(
        __name__,
        template_folder=str(_pages_folder("templates")),
        static_folder=str(_pages_folder("static")),
        static_url_path="/static",
    )
    secret_key = secrets.token_bytes(32)
    if require_keys:
        secret_key = instance.secrets.secret_key
    app.config.update(
        HOTLINE=config,
        TESTING=config.testing,
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME="hl",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=not config.insecure_cookies,
        # The whole form: files, text, and the multipart overhead.
        MAX_CONTENT_LENGTH=config.max_upload_bytes + 4 * config.max_report_chars + 1_000_000,
        MAX_FORM_MEMORY_SIZE=4 * config.max_report_chars + 100_000,
        WTF_CSRF_TIME_LIMIT=4 * 3600,
        # Over HTTPS Flask-WTF would also demand a same-origin Referer, which our
        # pages' no-referrer policy forbids browsers to send: every POST behind
        # a TLS proxy failed. The token (bound to the session) is the check.
        WTF_CSRF_SSL_STRICT=False,
        RATELIMIT_STORAGE_URI=config.redis_url or MEMORY_URI,
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_KEY_PREFIX=config.redis_prefix,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        SEND_FILE_MAX_AGE_DEFAULT=86400,
    )
    # Uploads are parsed into memory, never spooled to a temporary file.
    app.request_class = MemoryRequest
    app.extensions[EXTENSION] = instance
    if config.proxy_hops:
        # Behind a reverse proxy every request comes from the proxy: without this
        # one client's rate limit would be everyone's. The address is still only
        # ever used through a keyed hash, never stored or logged.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops
        )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=languages.select_locale)
    languages.init_app(app)
    app.teardown_appcontext(close_db_session)
    app.after_request(_security_headers)
    errors.init_app(app)
    control_characters.init_app(app)
    refusals.init_app(app)

    from hotline.health import blueprint as health

    app.register_blueprint(health)
    _register_channels(app)

    from hotline.cli import register_commands

    register_commands(app)
    return app


def _register_channels(app: Flask) -> None:
    from hotline.admin.views import register_blueprint as register_admin
    from hotline.auth.views import blueprint as auth
    from hotline.desk.views import register as register_desk
    from hotline.intake.sms.africastalking import register as register_sms_africastalking
    from hotline.intake.sms.twilio import register as register_sms
    from hotline.intake.ussd.africastalking import register as register_ussd
    from hotline.intake.voice.twilio import register as register_voice
    from hotline.intake.web import register as register_web
    from hotline.register.views import register_blueprint as register_codename_register
    from hotline.transparency.views import register as register_transparency

    register_web(app)
    register_sms(app)
    register_sms_africastalking(app)
    register_ussd(app)
    register_voice(app)
    app.register_blueprint(auth)
    register_desk(app)
    register_admin(app)
    register_codename_register(app)
    register_transparency(app)


def _security_headers(response: Response) -> Response:
    config: Config = _config()
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if not config.insecure_cookies:
        headers["Strict-Transport-Security"] = "max-age=63072000"
    if "Cache-Control" not in headers and not request.path.startswith("/static/"):
        # Receipts, codenames and case text must never sit in any cache.
        headers["Cache-Control"] = "no-store"
    if config.onion_url:
        headers["Onion-Location"] = config.onion_url + request.full_path.rstrip("?")
    return response


def _config() -> Config:
    from flask import current_app

    config: Config = current_app.config["HOTLINE"]
    return config
