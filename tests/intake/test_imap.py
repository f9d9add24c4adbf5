"""``hotline poll-imap`` against a real IMAP server (Dovecot) on loopback, over TLS
verified against a CA made by the test.

A message leaves the mailbox only after its filing committed; a poll that dies
between the two files nothing twice. Without Dovecot the tests skip, except
under ``CI=true``.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.intake.email import imap
from hotline.intake.email.channel import EmailChannel
from hotline.intake.email.cli import build_channel, handle_polled
from hotline.intake.email.imap import (
    ImapSettings,
    MailboxError,
    MailboxUnavailable,
    parse_imap_url,
    poll_once,
    poll_repeatedly,
)
from hotline.models import Disclosure, EmailSeen
from tests.helpers.dovecot import Dovecot, dovecot_binary, start_dovecot
from tests.helpers.email import corpus, make_message, read_case
from tests.helpers.instance import IN_CI, Initialised

NOT_AN_EMAIL = b"This is not an e-mail at all, just a line of text.\r\n"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run installs dovecot-imapd)")
    pytest.skip(reason)


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        _unavailable("Debian's dovecot-imapd is not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError:
            _unavailable("the dovecot and dovenull users do not exist")
    server = start_dovecot(tmp_path / "dovecot")
    yield server
    server.stop()


@pytest.fixture
def imap_app(initialised: Initialised, dovecot: Dovecot) -> Iterator[Flask]:
    app = create_app(
        initialised.config.with_changes(imap_url=dovecot.url(), email_acknowledgement=False)
    )
    yield app
    app.extensions["hotline"].database.dispose()


@pytest.fixture
def channel(imap_app: Flask) -> EmailChannel:
    return build_channel(imap_app.extensions["hotline"], "report")


@pytest.fixture
def dbs(imap_app: Flask) -> Iterator[Session]:
    with imap_app.extensions["hotline"].database.sessions() as session:
        yield session


def disclosures(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Disclosure)) or 0)


def poll(
    dovecot: Dovecot, channel: EmailChannel, settings: ImapSettings | None = None
) -> tuple[imap.PollResult, Counter[str]]:
    counts: Counter[str] = Counter()
    result = poll_once(
        settings or parse_imap_url(dovecot.url()),
        partial(handle_polled, channel, counts),
        ssl_context=dovecot.certificates.client_context(),
    )
    return result, counts


def test_poll_files_every_unseen_message_and_then_deletes_it(
    dovecot: Dovecot, channel: EmailChannel, dbs: Session, initialised: Initialised
) -> None:
    dovecot.deliver(corpus("01_multipart_alternative.eml"))
    dovecot.deliver(corpus("10_pdf_and_jpeg_attachments.eml"))
    dovecot.deliver(NOT_AN_EMAIL)
    already_read = make_message(subject="Lunch on Friday?", body="Someone read this already.")
    dovecot.deliver(already_read, flags=r"(\Seen)")

    result, counts = poll(dovecot, channel)
    assert (result.fetched, result.removed, result.kept) == (3, 3, 0)
    assert counts == Counter({"filed": 2, "rejected": 1})
    left = dovecot.messages()
    assert len(left) == 1  # only the message someone had already read is left alone
    assert b"Someone read this already." in left[0][1]

    assert disclosures(dbs) == 2
    texts = [read_case(dbs, initialised, d)[0] for d in dbs.scalars(select(Disclosure))]
    assert any("Kilima Trading" in text for text in texts)
    assert any("1 200 tyres" in text for text in texts)

    result, counts = poll(dovecot, channel)  # nothing new
    assert (result.fetched, counts) == (0, Counter())


def test_a_poll_interrupted_between_commit_and_delete_files_no_duplicate(
    dovecot: Dovecot, channel: EmailChannel, dbs: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver(corpus("03_base64_body.eml"))
    dovecot.deliver(corpus("07_swahili_plus_address.eml"))

    def crash(*_args: object) -> None:
        raise RuntimeError("the machine lost power")

    monkeypatch.setattr(imap, "remove_message", crash)
    with pytest.raises(RuntimeError, match="lost power"):
        poll(dovecot, channel)
    assert disclosures(dbs) == 1  # the first message was filed and committed...
    assert len(dovecot.messages()) == 2  # ...but not deleted
    assert all(b"\\Seen" not in flags for flags, _ in dovecot.messages())

    monkeypatch.undo()
    result, counts = poll(dovecot, channel)
    assert counts == Counter({"duplicate": 1, "filed": 1})
    assert result.removed == 2
    assert dovecot.messages() == []
    assert disclosures(dbs) == 2
    dbs.expire_all()
    assert int(dbs.scalar(select(func.count()).select_from(EmailSeen)) or 0) == 2


def test_poll_imap_command_verifies_tls_with_the_system_trust_store(
    imap_app: Flask, dovecot: Dovecot, dbs: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.deliver(corpus("05_iso8859_1_8bit.eml"))
    runner = imap_app.test_cli_runner()

    # The server's CA is not trusted: the command refuses to talk to it.
    monkeypatch.setenv("SSL_CERT_FILE", str(Path(__file__).parent / "email_corpus" / "README.md"))
    refused = runner.invoke(args=["poll-imap", "--once"])
    assert refused.exit_code == 75, refused.output  # EX_TEMPFAIL
    assert "SSLCertVerificationError" in refused.stderr
    assert dovecot.password not in refused.output
    assert disclosures(dbs) == 0

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificates.ca_file))
    result = runner.invoke(args=["poll-imap", "--once"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "poll-imap: 1 filed, 0 joined, 0 duplicate, 0 rejected, 0 kept for retry\n"
    )
    assert disclosures(dbs) == 1
    assert dovecot.messages() == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_filed_messages_can_be_moved_instead_of_deleted(
    dovecot: Dovecot, channel: EmailChannel, dbs: Session
) -> None:
    dovecot.deliver(corpus("08_kinyarwanda_subject.eml"))
    settings = parse_imap_url(dovecot.url(query="move=Filed"))
    result, counts = poll(dovecot, channel, settings)
    assert counts == Counter({"filed": 1})
    assert dovecot.messages() == []
    (moved,) = dovecot.messages("Filed")
    assert b"\\Seen" in moved[0]
    assert b"Ruswa ku mupaka" in moved[1]
    assert disclosures(dbs) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_plain_imap_is_used_only_after_starttls(
    dovecot: Dovecot, channel: EmailChannel, dbs: Session
) -> None:
    dovecot.deliver(corpus("09_arabic_subject_rfc2047.eml"))
    settings = parse_imap_url(dovecot.url(scheme="imap"))
    assert not settings.implicit_tls
    _, counts = poll(dovecot, channel, settings)
    assert counts == Counter({"filed": 1})
    assert disclosures(dbs) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_refused_login_or_a_dead_database_leaves_the_mail_where_it_is(
    initialised: Initialised, dovecot: Dovecot, channel: EmailChannel
) -> None:
    dovecot.deliver(corpus("12_pgp_signed.eml"))
    wrong = dataclasses.replace(parse_imap_url(dovecot.url()), password="not-the-password")
    with pytest.raises(MailboxUnavailable, match="refused the IMAP login"):
        poll(dovecot, channel, wrong)

    down = create_app(
        initialised.config.with_changes(
            imap_url=dovecot.url(),
            database_url="postgresql+psycopg://nobody@127.0.0.1:1/hotline",
            email_acknowledgement=False,
        )
    )
    try:
        runner = down.test_cli_runner()
        result = runner.invoke(
            args=["poll-imap", "--once"],
            env={"SSL_CERT_FILE": str(dovecot.certificates.ca_file)},
        )
    finally:
        down.extensions["hotline"].database.dispose()
    assert result.exit_code == 75, result.output
    assert result.stderr == "hotline: database unavailable (OperationalError)\n"
    (left,) = dovecot.messages()
    assert b"\\Seen" not in left[0]  # still unseen: the next poll files it


def test_imap_urls_are_checked() -> None:
    settings = parse_imap_url("imaps://hotline%40rra.example:p%2Fss@imap.example.org/Reports")
    assert (settings.username, settings.password) == ("hotline@rra.example", "p/ss")
    assert (settings.host, settings.port, settings.mailbox) == ("imap.example.org", 993, "Reports")
    assert "p/ss" not in repr(settings)
    assert parse_imap_url("imap://u:p@h").port == 143
    assert parse_imap_url("imaps://u:p@h/INBOX?move=Filed").move_to == "Filed"
    for bad in (
        "https://u:p@h/",
        "imaps://h/INBOX",
        "imaps://u:p@h/INBOX?delete=yes",
        "imaps://u:p@h/INBOX?move=INBOX",
        "imaps://u:p@h/Boîte",
        "imaps://u:p@h:99999/",
    ):
        with pytest.raises(MailboxError):
            parse_imap_url(bad)


def test_continuous_polling_survives_a_failed_poll_and_names_sql_errors_only() -> None:
    calls: list[int] = []
    sleeps: list[float] = []
    lines: list[str] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise MailboxUnavailable("cannot connect to imap.example.org:993 (TimeoutError)")
        if len(calls) == 3:
            raise OperationalError(
                "INSERT INTO emails_seen VALUES (%(h)s)", {"h": "x"}, ConnectionError("down")
            )

    poll_repeatedly(
        flaky,
        interval=60,
        temporary=(MailboxUnavailable, OperationalError),
        sleep=sleeps.append,
        report=lines.append,
        polls=4,
    )
    assert len(calls) == 4
    assert sleeps == [60, 60, 60]
    assert lines == [
        "poll-imap: poll failed, will retry: cannot connect to imap.example.org:993 (TimeoutError)",
        "poll-imap: poll failed, will retry: OperationalError",
    ]
