"""Sending mail over SMTP, for officer notifications and e-mail acknowledgements.

``HOTLINE_SMTP_URL`` is ``smtp://[user:pass@]host[:port]`` (upgraded with
STARTTLS whenever the server offers it) or ``smtps://`` (implicit TLS). A
password is never sent over an unencrypted link, and submission on port 587
without STARTTLS is refused, except to this machine itself.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT = 30
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class MailError(RuntimeError):
    """Mail cannot be sent (settings missing or refused); the message says why."""


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None

    def __repr__(self) -> str:
        return f"SmtpSettings({self.host}:{self.port}, tls={self.implicit_tls})"


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://[user:pass@]host[:port]`` (STARTTLS when offered) or ``smtps://`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("HOTLINE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
    implicit_tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit_tls else 25)
    except ValueError:
        raise MailError("HOTLINE_SMTP_URL has an invalid port") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@contextmanager
def smtp_connection(
    settings: SmtpSettings,
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = SMTP_TIMEOUT,
) -> Iterator[smtplib.SMTP]:
    """A connected, possibly authenticated SMTP client (see the module docstring)."""
    context = ssl_context or ssl.create_default_context()
    client: smtplib.SMTP
    if settings.implicit_tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        client.ehlo()
        encrypted = settings.implicit_tls
        if not encrypted and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            encrypted = True
        local = settings.host in LOOPBACK_HOSTS
        if not encrypted and settings.port == 587 and not local:
            raise MailError(f"{settings.host}:587 did not offer STARTTLS; refusing to send")
        if settings.username:
            if not encrypted and not local:
                raise MailError("refusing to send the SMTP password over an unencrypted link")
            client.login(settings.username, settings.password or "")
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
