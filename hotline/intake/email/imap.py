"""IMAP polling for the e-mail channel (SMTP acknowledgements are sent by ``acknowledgement``).

``HOTLINE_IMAP_URL`` is ``imaps://user:pass@host:993/MAILBOX`` (implicit TLS;
``imap://`` is accepted only with STARTTLS, which is then required); an optional
``?move=Folder`` moves filed messages there instead of deleting them.
``HOTLINE_SMTP_URL`` is ``smtp://user:pass@host:587`` (STARTTLS when offered) or
``smtps://`` (implicit TLS), as for officer notifications.

Why it is shaped this way:

* **TLS is verified, always.** Certificates are checked against the system
  store (``SSL_CERT_FILE`` is honoured) or a context the caller passes; the
  password never crosses an unencrypted link to an IMAP server, and crosses
  one to an SMTP server only on this machine itself.
* **Messages leave the mailbox only after they are filed.** Each message is
  fetched with ``BODY.PEEK[]`` (so it stays unseen if anything fails), handed
  to a callback that files *and commits* it, and only then deleted (or moved).
  A crash in between leaves it in the mailbox; the next poll finds it already
  filed (the keyed Message-ID hash) and only deletes it.
* **Nothing here logs or returns message content**; errors name the server
  and the step, never a sender or a subject.
"""

from __future__ import annotations

import imaplib
import re
import ssl
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "ImapSettings",
    "MailboxError",
    "MailboxUnavailable",
    "PollResult",
    "imap_connection",
    "parse_imap_url",
    "poll_once",
    "poll_repeatedly",
    "remove_message",
]

IMAP_TIMEOUT = 60
_FLAG_DELETED = r"(\Deleted)"
_FLAG_SEEN = r"(\Seen)"


class MailboxError(ValueError):
    """``HOTLINE_IMAP_URL`` is unusable; the message says why (never the password)."""


class MailboxUnavailable(RuntimeError):
    """The IMAP server cannot be reached, refused us, or failed a command: retry later."""


@dataclass(frozen=True, repr=False)
class ImapSettings:
    host: str
    port: int
    implicit_tls: bool
    username: str
    password: str
    mailbox: str = "INBOX"
    #: Move filed messages to this folder instead of deleting them.
    move_to: str | None = None

    def __repr__(self) -> str:
        return f"ImapSettings({self.host}:{self.port}, tls={self.implicit_tls}, {self.mailbox})"


def _mailbox_name(value: str, what: str) -> str:
    # imaplib does not encode modified UTF-7; refuse what it would send wrongly.
    if not value or not value.isascii() or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise MailboxError(f"HOTLINE_IMAP_URL: the {what} must be a non-empty ASCII name")
    return value


def parse_imap_url(url: str) -> ImapSettings:
    """``imaps://user:pass@host[:port][/MAILBOX][?move=Folder]`` (or ``imap://`` + STARTTLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imaps", "imap") or not parts.hostname:
        raise MailboxError("HOTLINE_IMAP_URL must look like imaps://user:pass@host:993/INBOX")
    implicit_tls = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if implicit_tls else 143)
    except ValueError:
        raise MailboxError("HOTLINE_IMAP_URL has an invalid port") from None
    if not parts.username or parts.password is None:
        raise MailboxError("HOTLINE_IMAP_URL must name a user and a password")
    mailbox = _mailbox_name(unquote(parts.path.lstrip("/")) or "INBOX", "mailbox")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"move"})
    if unknown:
        raise MailboxError(f"HOTLINE_IMAP_URL: unknown option {unknown[0]!r} (known: move)")
    move_to = None
    if "move" in query:
        move_to = _mailbox_name(query["move"][-1], "move folder")
        if move_to == mailbox:
            raise MailboxError("HOTLINE_IMAP_URL: the move folder must differ from the mailbox")
    return ImapSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit_tls,
        username=unquote(parts.username),
        password=unquote(parts.password),
        mailbox=mailbox,
        move_to=move_to,
    )


def _quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple[str, Sequence[object]], step: str) -> Sequence[object]:
    kind, data = response
    if kind != "OK":
        raise MailboxUnavailable(f"IMAP {step} failed ({kind})")
    return data


@contextmanager
def imap_connection(
    settings: ImapSettings,
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = IMAP_TIMEOUT,
) -> Iterator[imaplib.IMAP4]:
    """A logged-in IMAP client over verified TLS, logged out afterwards."""
    context = ssl_context or ssl.create_default_context()
    client: imaplib.IMAP4
    try:
        if settings.implicit_tls:
            client = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=timeout
            )
        else:
            client = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxUnavailable(
            f"cannot connect to {settings.host}:{settings.port} ({type(exc).__name__})"
        ) from None
    try:
        if not settings.implicit_tls:
            if "STARTTLS" not in client.capabilities:
                raise MailboxUnavailable(
                    f"{settings.host}:{settings.port} does not offer STARTTLS; refusing to log in"
                )
            client.starttls(ssl_context=context)
        try:
            client.login(settings.username, settings.password)
        except imaplib.IMAP4.error:
            raise MailboxUnavailable(f"{settings.host} refused the IMAP login") from None
        yield client
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxUnavailable(f"IMAP connection failed ({type(exc).__name__})") from None
    finally:
        with suppress(Exception):
            client.logout()
        with suppress(Exception):
            client.shutdown()


def _capabilities(client: imaplib.IMAP4) -> frozenset[str]:
    """Capabilities after login (imaplib keeps only the pre-login list)."""
    data = _check(client.capability(), "CAPABILITY")
    words: set[str] = set()
    for item in data:
        if isinstance(item, bytes):
            words.update(item.decode("ascii", "replace").upper().split())
    return frozenset(words) | frozenset(c.upper() for c in client.capabilities)


def _fetch(client: imaplib.IMAP4, uid: str) -> bytes | None:
    """The whole message, without setting \\Seen (it stays unseen until filed)."""
    data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and b"BODY[]" in item[0]:
            content = item[1]
            return bytes(content) if isinstance(content, bytes | bytearray) else None
    return None  # expunged by someone else meanwhile


def remove_message(
    client: imaplib.IMAP4, uid: str, settings: ImapSettings, capabilities: frozenset[str]
) -> None:
    """Delete (or move) one filed message. Called only after the filing committed."""
    if settings.move_to:
        _check(client.uid("STORE", uid, "+FLAGS.SILENT", _FLAG_SEEN), "STORE")
        if "MOVE" in capabilities:
            _check(client.uid("MOVE", uid, _quote(settings.move_to)), "MOVE")
            return
        _check(client.uid("COPY", uid, _quote(settings.move_to)), "COPY")
    _check(client.uid("STORE", uid, "+FLAGS.SILENT", _FLAG_DELETED), "STORE")
    if "UIDPLUS" in capabilities:
        _check(client.uid("EXPUNGE", uid), "UID EXPUNGE")
    else:  # removes every \Deleted message: the mailbox is the hotline's own
        _check(client.expunge(), "EXPUNGE")


@dataclass
class PollResult:
    """Counts only: which messages they were is nobody's business."""

    fetched: int = 0
    removed: int = 0
    kept: int = 0


def poll_once(
    settings: ImapSettings,
    handle: Callable[[bytes], bool],
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = IMAP_TIMEOUT,
) -> PollResult:
    """Hand every unseen message to ``handle``; remove those it says are done.

    ``handle`` must file and commit before it returns True (remove) or False
    (keep, e.g. an unexpected error: the message is tried again next poll). An
    exception from it stops the poll and leaves the message where it is.
    """
    result = PollResult()
    with imap_connection(settings, ssl_context=ssl_context, timeout=timeout) as client:
        capabilities = _capabilities(client)
        _check(client.select(_quote(settings.mailbox)), "SELECT")
        if settings.move_to:
            client.create(_quote(settings.move_to))  # NO when it exists: fine
        found = _check(client.uid("SEARCH", "UNSEEN", "UNDELETED"), "SEARCH")
        uids = [
            uid
            for item in found
            if isinstance(item, bytes)
            for uid in item.decode("ascii", "replace").split()
            if re.fullmatch(r"\d+", uid)
        ]
        for uid in uids:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            result.fetched += 1
            if handle(raw):
                remove_message(client, uid, settings, capabilities)
                result.removed += 1
            else:
                result.kept += 1
    return result


def poll_repeatedly(
    poll: Callable[[], object],
    *,
    interval: float,
    temporary: tuple[type[BaseException], ...],
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    polls: int | None = None,
) -> None:
    """Poll every ``interval`` seconds; a failed poll is reported and retried."""
    done = 0
    while polls is None or done < polls:
        try:
            poll()
        except temporary as exc:
            report(
                f"poll-imap: poll failed, will retry: {exc if _safe(exc) else type(exc).__name__}"
            )
        done += 1
        if polls is None or done < polls:
            sleep(interval)


def _safe(exc: BaseException) -> bool:
    """Our own errors are worded to hold no secret; others (SQL) are named only."""
    return isinstance(exc, MailboxUnavailable | MailboxError)
