"""The e-mail channel's filing side: ``hotline ingest-email`` driven as an MTA pipe.

The whole corpus goes through the real command; what reaches the database is
then searched for every piece of each message (body lines, subjects, file
names and bytes, header values, the sender): nothing may be there in clear.
Cases are opened with the keys an officer or the custodian would hold.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.crypto.codename_text import CODENAME_PLACEHOLDER, format_codename
from hotline.crypto.envelopes import CannotOpen
from hotline.intake.email import channel as channel_module
from hotline.intake.email import ingest as ingest_module
from hotline.intake.email.acknowledgement import SUBJECT_NEW, acknowledgement
from hotline.intake.email.automated import is_automated
from hotline.intake.email.channel import EmailChannel
from hotline.intake.email.cli import build_channel
from hotline.intake.email.ingest import DUPLICATE, FILED, JOINED, IngestResult
from hotline.intake.email.parse import parse
from hotline.intake.operations import already_seen
from hotline.intake.service import Draft, submit
from hotline.models import ContactDetail, Disclosure, DisclosureLink, EmailSeen
from hotline.procedure import Category, Channel
from hotline.sealing.items import read_attachment, read_contact, read_message
from hotline.sealing.recipients import reporter_recipient
from tests.helpers.desk import file_web_report, queue_keys
from tests.helpers.email import CODE, CORPUS, corpus, make_message, read_case
from tests.helpers.instance import Initialised
from tests.helpers.servers import PUBLIC_URL
from tests.helpers.stored import assert_absent, dump_database

MAIL_FROM = "Hotline <report@rra.example>"

#: Every corpus message that is a message, and the category it must get.
FILED_CATEGORIES = {
    "01_multipart_alternative.eml": "taxpayer_fraud",
    "02_html_only_arabic.eml": "retaliation",
    "03_base64_body.eml": "staff_misconduct",
    "04_quoted_printable_windows1252.eml": "taxpayer_fraud",
    "05_iso8859_1_8bit.eml": "retaliation",
    "06_mixed_charsets.eml": "other",
    "07_swahili_plus_address.eml": "staff_misconduct",
    "08_kinyarwanda_subject.eml": "staff_misconduct",
    "09_arabic_subject_rfc2047.eml": "taxpayer_fraud",
    "10_pdf_and_jpeg_attachments.eml": "taxpayer_fraud",
    "11_forwarded_rfc822.eml": "taxpayer_fraud",
    "12_pgp_signed.eml": "retaliation",
    "13_truncated_mime.eml": "taxpayer_fraud",
    "14_malformed_headers.eml": "taxpayer_fraud",
    "15_followup_codename_reply.eml": "taxpayer_fraud",
    "16_case_reference_outlook_reply.eml": "other",
}
NOT_MESSAGES = ("17_not_an_email_binary.eml", "18_empty.eml")
#: Headers that identify the reporter's machine or route: never stored in clear.
ROUTE_HEADERS = ("Received", "X-Originating-IP", "X-Mailer", "User-Agent", "Message-ID")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
# --- fixtures and keys ------------------------------------------------------------------


@pytest.fixture
def cli(email_app: Flask) -> FlaskCliRunner:
    return email_app.test_cli_runner()


@pytest.fixture
def dbs(email_app: Flask) -> Iterator[Session]:
    with email_app.extensions["hotline"].database.sessions() as session:
        yield session


@dataclasses.dataclass
class Outbox:
    sent: list[EmailMessage] = dataclasses.field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def codename(self) -> str:
        body = self.sent[-1].get_content()
        match = CODE.search(body)
        assert match, "no codename in the acknowledgement"
        return match.group(1)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def channel(email_app: Flask, outbox: Outbox) -> EmailChannel:
    """The channel as the CLI builds it, acknowledging into a list."""
    built = build_channel(email_app.extensions["hotline"], "report")
    return dataclasses.replace(
        built, acknowledge=True, mail_from=MAIL_FROM, send=outbox.send, public_url=PUBLIC_URL
    )


def count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def ingest(cli: FlaskCliRunner, raw: bytes) -> tuple[int, str, str]:
    result = cli.invoke(args=["ingest-email"], input=raw)
    return result.exit_code, result.stdout, result.stderr


def disclosure_by_reference(db: Session, reference: str | None) -> Disclosure:
    db.expire_all()
    found = db.scalar(select(Disclosure).where(Disclosure.reference == reference))
    assert found is not None
    return found


# --- probes: what must not be in the database ---------------------------------------------


def header_values(raw: bytes, name: str) -> list[str]:
    """The unfolded values of a header, read straight from the bytes."""
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    pattern = re.compile(rf"^{re.escape(name)}\s*:(.*(?:\n[ \t].*)*)", re.I | re.M)
    return [" ".join(m.group(1).split()) for m in pattern.finditer(text)]


def probes_for(name: str) -> list[bytes]:
    """Distinctive pieces of one corpus message that must never be stored in clear."""
    raw = corpus(name)
    parsed = parse(raw)
    probes: list[str] = []
    probes += [line.strip() for line in parsed.text.split("\n") if len(line.strip()) >= 12]
    probes += [parsed.subject] if len(parsed.subject) >= 8 else []
    probes += [a.name for a in parsed.attachments if len(a.name) >= 5]
    assert parsed.sender is not None
    probes += [parsed.sender, parsed.sender.split("@")[0]]
    for header in ROUTE_HEADERS:
        for value in header_values(raw, header):
            probes.append(value)
            probes += IPV4.findall(value)
            probes += [m.group(1) for m in re.finditer(r"\bid ([\w.-]{6,})", value)]
            probes += [value.strip("<> ")] if header == "Message-ID" else []
    out = [p.encode("utf-8") for p in probes if p]
    out += [a.content[i : i + 48] for a in parsed.attachments for i in (0, len(a.content) // 2)]
    return [p for p in out if len(p) >= 8]


# --- the corpus through the real command ------------------------------------------------------


def test_the_whole_corpus_is_filed_or_refused_and_nothing_is_stored_in_clear(
    cli: FlaskCliRunner, dbs: Session, initialised: Initialised
) -> None:
    filed: dict[str, Disclosure] = {}
    for path in sorted(CORPUS.glob("*.eml")):
        before = {d.id for d in dbs.scalars(select(Disclosure))}
        code, stdout, stderr = ingest(cli, path.read_bytes())
        if path.name in NOT_MESSAGES:
            assert code == 65, (path.name, stdout, stderr)  # EX_DATAERR: the MTA bounces it
            assert stdout == ""
            assert stderr == "hotline: the input is not an e-mail message\n"
            continue
        assert code == 0, (path.name, stdout, stderr)
        assert stdout == "filed\n"  # one generic word: the MTA log links no one to a case
        assert stderr == ""
        dbs.expire_all()
        new = [d for d in dbs.scalars(select(Disclosure)) if d.id not in before]
        assert len(new) == 1, path.name
        filed[path.name] = new[0]
    assert set(filed) == set(FILED_CATEGORIES)

    for name, disclosure in filed.items():
        parsed = parse(corpus(name))
        assert disclosure.channel == "email"
        assert disclosure.category == FILED_CATEGORIES[name], name
        texts = read_case(dbs, initialised, disclosure)
        assert len(texts) == 1
        assert texts[0].startswith(f"Subject: {parsed.subject}\n\n"), name
        assert parsed.text.strip() in texts[0], name
        keys = queue_keys(initialised, dbs, *disclosure.queue_slugs)
        names = [read_attachment(dbs, a, keys, content=False).name for a in disclosure.attachments]
        if name == "13_truncated_mime.eml":  # a cut-off PNG: the words are filed, with a note
            assert names == []
            assert "[1 attached file(s) could not be read and were not filed.]" in texts[0]
        else:
            assert sorted(names) == sorted(a.name for a in parsed.attachments), name
    # Follow-ups whose codename or reference matches nothing are new, unlinked cases.
    assert count(dbs, DisclosureLink) == 0
    assert count(dbs, EmailSeen) == len(FILED_CATEGORIES)
    # The hash leads to no case: the table has no column that could name one.
    assert set(EmailSeen.__table__.columns.keys()) == {"message_hash", "seen_on"}

    stored = dump_database(initialised.config)
    for name in FILED_CATEGORIES:
        for probe in probes_for(name):
            assert_absent(probe, stored)
    for codename in ("4821 0937 5512 0084", "4821093755120084", "4821-0937-5512-0084"):
        assert_absent(codename.encode(), stored)


def test_the_sender_is_sealed_to_the_custodian_alone(
    cli: FlaskCliRunner, dbs: Session, initialised: Initialised, email_app: Flask
) -> None:
    code, _, _ = ingest(cli, corpus("07_swahili_plus_address.eml"))
    assert code == 0
    disclosure = dbs.scalars(select(Disclosure)).one()
    contact = dbs.scalars(select(ContactDetail)).one()
    assert contact.disclosure_id == disclosure.id
    assert contact.kind == "email_sender"
    policy = email_app.extensions["hotline"].policy
    custodian = queue_keys(initialised, dbs, policy.custodian_slug)
    assert read_contact(dbs, contact, custodian) == "baraka.mwangi@example.com"
    # Not the queues that handle the case, not any other queue.
    every_queue = queue_keys(initialised, dbs, *policy.queues)
    with pytest.raises(CannotOpen):
        read_contact(dbs, contact, every_queue)
    assert_absent(b"baraka.mwangi", dump_database(initialised.config))
    assert_absent(b"Baraka Mwangi", dump_database(initialised.config))


def test_the_same_message_delivered_twice_is_filed_once(cli: FlaskCliRunner, dbs: Session) -> None:
    raw = corpus("01_multipart_alternative.eml")
    assert ingest(cli, raw)[:2] == (0, "filed\n")
    # An MTA retry, or a copy for report+fraud@ with other envelope headers.
    assert ingest(cli, raw)[:2] == (0, "duplicate\n")
    assert ingest(cli, b"Delivered-To: report+fraud@example.org\n" + raw)[:2] == (
        0,
        "duplicate\n",
    )
    assert count(dbs, Disclosure) == 1

    # Without a Message-ID, the exact bytes are recognised.
    bare = b"From: someone@example.net\nSubject: Smuggling at the lake\n\nDiesel by night.\n"
    assert ingest(cli, bare)[:2] == (0, "filed\n")
    assert ingest(cli, bare)[:2] == (0, "duplicate\n")
    assert count(dbs, Disclosure) == 2
    assert count(dbs, EmailSeen) == 2


def test_a_message_with_nothing_to_file_is_refused_and_not_remembered(
    cli: FlaskCliRunner, dbs: Session
) -> None:
    code, stdout, stderr = ingest(cli, make_message(subject=None, body=""))
    assert (code, stdout) == (65, "")
    assert stderr == "hotline: the message holds nothing to file\n"
    assert count(dbs, Disclosure) == 0
    assert count(dbs, EmailSeen) == 0


# --- follow-ups ---------------------------------------------------------------------------------


def test_a_reply_with_the_codename_joins_its_case(
    channel: EmailChannel,
    outbox: Outbox,
    cli: FlaskCliRunner,
    dbs: Session,
    initialised: Initialised,
) -> None:
    first = channel.receive(corpus("01_multipart_alternative.eml"))
    assert first.outcome == FILED
    codename = outbox.codename()

    reply = corpus("15_followup_codename_reply.eml").replace(
        b"4821 0937 5512 0084", codename.encode()
    )
    code, stdout, _ = ingest(cli, reply)
    assert (code, stdout) == (0, "joined\n")
    assert count(dbs, Disclosure) == 1
    disclosure = disclosure_by_reference(dbs, first.reference)
    texts = read_case(dbs, initialised, disclosure)
    assert len(texts) == 2
    assert "the plates begin with KT" in texts[1]
    assert CODENAME_PLACEHOLDER in texts[1]
    assert "Keep your codename safe" not in texts[1]  # the quoted acknowledgement
    assert disclosure.unread

    # The reporter reads their follow-up with the codename key.
    keys = channel.kdf.derive(codename)
    mine = {reporter_recipient(keys.reporter_id): keys.private_key}
    assert read_message(dbs, disclosure.messages[1], mine) == texts[1]

    stored = dump_database(initialised.config)
    for form in (codename, codename.replace(" ", ""), codename.replace(" ", "-")):
        assert_absent(form.encode(), stored)
    assert count(dbs, ContactDetail) == 1  # a follow-up adds no contact detail


def test_a_codename_in_arabic_indic_digits_joins_even_with_a_reference(
    channel: EmailChannel, outbox: Outbox, dbs: Session, initialised: Initialised
) -> None:
    first = channel.receive(corpus("03_base64_body.eml"))
    codename = outbox.codename()
    arabic = codename.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    reply = make_message(
        subject=f"Re: [{first.reference}] more information",
        body=f"رمزي السري: {arabic}\n\nThe guard is paid weekly by the same agent.",
    )
    result = channel.receive(reply)
    assert result.outcome == JOINED
    assert result.reference == first.reference
    texts = read_case(dbs, initialised, disclosure_by_reference(dbs, first.reference))
    assert "The guard is paid weekly" in texts[1]
    assert arabic not in texts[1]
    assert codename.replace(" ", "") not in re.sub(r"\D", "", texts[1])
    # A follow-up is acknowledged without repeating the codename.
    assert outbox.sent[-1]["Subject"] == "Your message was received"
    assert CODE.search(outbox.sent[-1].get_content()) is None


def test_every_valid_codename_is_removed_even_after_another_number(
    channel: EmailChannel, outbox: Outbox, dbs: Session, initialised: Initialised
) -> None:
    first = channel.receive(corpus("01_multipart_alternative.eml"))
    codename = outbox.codename()
    # The parser takes the first 16-digit number (an invoice) for the codename;
    # the real one further down must still be found, used and removed.
    reply = make_message(
        subject="Invoice 1111 2222 3333 4444 again",
        body=f"My codename is {codename}.\n\nThe same company sent another lorry.",
    )
    result = channel.receive(reply)
    assert result.outcome == JOINED
    texts = read_case(dbs, initialised, disclosure_by_reference(dbs, first.reference))
    assert "another lorry" in texts[1]
    assert codename not in texts[1]
    assert_absent(codename.replace(" ", "").encode(), dump_database(initialised.config))


def test_a_web_codename_in_an_email_joins_its_case_and_no_officer_reads_it(
    email_app: Flask, channel: EmailChannel, dbs: Session, initialised: Initialised
) -> None:
    """A web reporter quotes their seven words in a mail: if the words reached the
    case, any officer of its queues could open the reporter's check-in with them."""
    filed = file_web_report(email_app.test_client(), "Duty waived on the Kagitumba lorries")
    words = filed.codename.split()
    assert len(words) == 7
    # As a mail client sends it: capitals, a hyphen, wrapped over two lines.
    capitals = " ".join(w.capitalize() for w in words[:3])
    typed = f"{capitals}-{words[3]}\n" + " ".join(words[4:])
    # Seven list words that are not a codename are the reporter's words: kept.
    prose = "customs bribe " + " ".join(words[:5])
    reply = make_message(
        subject=f"Codename {' '.join(words)}",
        body=f"My codename:\n{typed}\n\nThe same agent collects on Fridays. {prose}.",
    )
    result = channel.receive(reply)
    assert result.outcome == JOINED
    assert result.reference == filed.reference
    texts = read_case(dbs, initialised, disclosure_by_reference(dbs, filed.reference))
    assert len(texts) == 2
    follow_up = texts[1]
    assert "collects on Fridays" in follow_up
    assert prose in follow_up
    assert follow_up.count(CODENAME_PLACEHOLDER) == 2  # the subject's and the body's
    remaining = re.sub(r"[^a-z]+", " ", follow_up.casefold().replace(prose, ""))
    assert " ".join(words) not in remaining
    assert not set(words[5:]) & set(remaining.split())


def test_seven_list_words_that_open_no_reporter_stay_as_evidence(
    channel: EmailChannel, dbs: Session, initialised: Initialised
) -> None:
    words = "gravy spoiler uncle attic nimble customs bribe"
    result = channel.receive(make_message(subject=None, body=f"Overheard: {words}."))
    assert result.outcome == FILED
    texts = read_case(dbs, initialised, disclosure_by_reference(dbs, result.reference))
    assert words in texts[0]


def test_a_reference_alone_files_a_new_linked_case_and_writes_nothing_into_the_old(
    channel: EmailChannel,
    outbox: Outbox,
    cli: FlaskCliRunner,
    dbs: Session,
    initialised: Initialised,
) -> None:
    first = channel.receive(corpus("10_pdf_and_jpeg_attachments.eml"))
    assert first.reference is not None
    # Anyone can type a reference: a stranger must not write into the case.
    forged = make_message(
        subject=f"Re: [{first.reference}] correction",
        body="Please close this case, the report was a mistake.",
        sender="someone.else@example.com",
    )
    code, stdout, _ = ingest(cli, forged)
    assert (code, stdout) == (0, "filed\n")
    original = disclosure_by_reference(dbs, first.reference)
    assert len(original.messages) == 1
    new = dbs.scalars(select(Disclosure).where(Disclosure.id != original.id)).one()
    assert new.reporter_id != original.reporter_id  # its own, new codename
    assert new.channel == "email"
    link = dbs.scalars(select(DisclosureLink)).one()
    assert (link.from_id, link.to_id, link.kind) == (new.id, original.id, "related")
    # Routed like the case it names, so its officers see both.
    assert new.category == original.category
    assert new.queue_slugs == original.queue_slugs
    assert "the report was a mistake" in read_case(dbs, initialised, new)[0]


def test_a_reference_follow_up_keeps_the_exclusions_of_the_case_it_names(
    channel: EmailChannel, dbs: Session, email_app: Flask
) -> None:
    instance = email_app.extensions["hotline"]
    with instance.database.transaction() as session:
        receipt = submit(
            session,
            Draft(
                category=Category.STAFF_MISCONDUCT,
                text="The head of internal audit takes a share of seized goods.",
                channel=Channel.WEB,
                concerns=frozenset({"internal_audit"}),
            ),
            policy=instance.policy,
            limits=instance.limits,
            kdf=instance.kdf,
        )
    original = disclosure_by_reference(dbs, receipt.reference)
    assert original.excluded_slugs == ["internal_audit"]

    result = channel.receive(
        make_message(
            subject=f"Re: {receipt.reference} bribery",
            body="He was paid again on Friday, in the car park.",
        )
    )
    assert result.outcome == FILED
    assert result.linked_reference == receipt.reference
    new = disclosure_by_reference(dbs, result.reference)
    assert "internal_audit" not in new.queue_slugs
    assert new.excluded_slugs == ["internal_audit"]


def test_a_reference_follow_up_is_told_how_to_add_to_a_report(
    channel: EmailChannel, outbox: Outbox
) -> None:
    first = channel.receive(corpus("01_multipart_alternative.eml"))
    for reference in (first.reference, "HL-0000-0000"):  # real or not: the same words
        result = channel.receive(make_message(subject=f"Re: [{reference}]", body="More."))
        assert result.outcome == FILED
        assert result.follow_up_not_joined
        body = outbox.sent[-1].get_content()
        assert "A case reference alone cannot" in body
        assert str(reference) not in body


# --- acknowledgements (their SMTP delivery is in test_smtp.py) ----------------------------------


def test_the_acknowledgement_holds_the_codename_and_nothing_of_the_case(
    channel: EmailChannel, outbox: Outbox
) -> None:
    raw = corpus("01_multipart_alternative.eml")
    result = channel.receive(raw)
    assert result.outcome == FILED
    assert repr(result) == "IngestResult(filed)"
    (message,) = outbox.sent
    assert message["To"] == "d.okafor@example.org"
    assert message["From"] == MAIL_FROM
    assert message["Subject"] == SUBJECT_NEW
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<20250303085810.7f3a9c@mail-out.example.net>"
    assert message["References"] == "<20250303085810.7f3a9c@mail-out.example.net>"
    body = message.get_content()
    assert format_codename(result.codename or "") in body
    assert f"{PUBLIC_URL}/checkin" in body
    assert "E-mail is confidential, not anonymous" in body
    assert "Tor Browser" in body
    whole = message.as_string()
    assert str(result.reference) not in whole
    for leak in ("Kilima", "televisions", "Customs fraud", "northern border", "taxpayer"):
        assert leak not in whole


@pytest.mark.parametrize(
    ("content_language", "default", "subject", "words"),
    [
        ("fr-RW, en", "en", "Votre signalement a bien été reçu", "supprimez cet e-mail"),
        ("ar", "en", "تم استلام بلاغك", "احذف هذه الرسالة"),
        (None, "sw", "Ripoti yako imepokelewa", "ufute barua pepe hii"),
        ("de-DE", "rw", "Raporo yawe yakiriwe", "usibe iyi imeri"),
        (None, "en", SUBJECT_NEW, "delete this e-mail"),
    ],
)
def test_the_acknowledgement_is_in_the_reporters_language(
    channel: EmailChannel,
    outbox: Outbox,
    content_language: str | None,
    default: str,
    subject: str,
    words: str,
) -> None:
    """The warnings (delete this e-mail, e-mail is not anonymous) must be read:
    the message's own Content-Language if it is one of ours, else the language
    of the published address (HOTLINE_EMAIL_LANGUAGE)."""
    channel = dataclasses.replace(
        channel, language=default, languages=("en", "fr", "rw", "sw", "ar")
    )
    headers = {"Content-Language": content_language} if content_language else {}
    result = channel.receive(
        make_message(subject="Smuggling", body="Lorries cross at night.", headers=headers)
    )
    assert result.outcome == FILED
    (message,) = outbox.sent
    assert message["Subject"] == subject
    body = " ".join(message.get_content().split())  # as read, whatever the line breaks
    assert words in body
    assert format_codename(result.codename or "") in body
    assert f"{PUBLIC_URL}/checkin" in body
    assert "Tor Browser" in body
    if subject != SUBJECT_NEW:
        assert "delete this e-mail" not in body


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("MAILER-DAEMON@mx.example.net", {}),
        ("no-reply@bank.example.com", {}),
        ("Notifications <noreply@example.com>", {}),
        ("list-owner-bounces@example.org", {}),
        ("aline@example.net", {"Auto-Submitted": "auto-replied"}),
        ("aline@example.net", {"Precedence": "bulk"}),
        ("aline@example.net", {"List-Id": "<customs.lists.example.org>"}),
        ("aline@example.net", {"X-Auto-Response-Suppress": "All"}),
        ("aline@example.net", {"Return-Path": "<>"}),
        ("report@rra.example", {}),  # our own address: a loop
    ],
)
def test_no_acknowledgement_goes_to_machines(
    channel: EmailChannel, outbox: Outbox, sender: str, headers: dict[str, str]
) -> None:
    result = channel.receive(
        make_message(
            subject="Smuggling report", body="Diesel by night.", sender=sender, headers=headers
        )
    )
    assert result.outcome == FILED  # filed all the same
    assert outbox.sent == []


def test_is_automated_lets_people_through() -> None:
    person = make_message(subject="x", body="y", headers={"Auto-Submitted": "no"})
    assert not is_automated(person, "aline@example.net")
    assert is_automated(person, None)


def test_nothing_is_acknowledged_when_switched_off_and_a_failed_reply_loses_nothing(
    channel: EmailChannel, outbox: Outbox, dbs: Session
) -> None:
    quiet = dataclasses.replace(channel, acknowledge=False)
    assert quiet.receive(corpus("03_base64_body.eml")).outcome == FILED
    assert outbox.sent == []

    def refuse(message: EmailMessage) -> None:
        raise ConnectionRefusedError(f"cannot reach the server for {message['To']}")

    warnings: list[str] = []
    failing = dataclasses.replace(channel, send=refuse, warn=warnings.append)
    assert failing.receive(corpus("07_swahili_plus_address.eml")).outcome == FILED
    assert count(dbs, Disclosure) == 2  # the case is filed whatever the SMTP server did
    assert warnings == ["acknowledgement not sent: ConnectionRefusedError"]

    unconfigured = dataclasses.replace(channel, send=None, warn=warnings.append)
    assert unconfigured.receive(corpus("08_kinyarwanda_subject.eml")).outcome == FILED
    assert warnings[-1] == "acknowledgement not sent: HOTLINE_SMTP_URL is not set"


def test_the_library_default_warns_through_logging(
    channel: EmailChannel, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(message: EmailMessage) -> None:
        raise ConnectionRefusedError(f"cannot reach the server for {message['To']}")

    plain = EmailChannel(
        database=channel.database,
        policy=channel.policy,
        kdf=channel.kdf,
        limits=channel.limits,
        secrets=channel.secrets,
        send=refuse,
    )
    with caplog.at_level(logging.WARNING, logger=channel_module.__name__):
        assert plain.receive(corpus("07_swahili_plus_address.eml")).outcome == FILED
    assert "acknowledgement not sent: ConnectionRefusedError" in caplog.text
    assert "baraka" not in caplog.text.lower()


def test_acknowledgement_is_none_for_what_was_not_filed() -> None:
    for result in (
        IngestResult(DUPLICATE, reply_to="aline@example.net"),
        IngestResult("rejected", reply_to="aline@example.net"),
        IngestResult(FILED, codename="1234567812345678", reply_to=None),
    ):
        assert acknowledgement(result, mail_from=MAIL_FROM, public_url=PUBLIC_URL) is None
    header_injection = IngestResult(
        FILED,
        codename="1234567812345678",
        reply_to="aline@example.net",
        original_message_id="<a@b>\r\nBcc: victim@example.org",
    )
    message = acknowledgement(header_injection, mail_from=MAIL_FROM, public_url=PUBLIC_URL)
    assert message is not None
    assert message["In-Reply-To"] is None
    assert "victim" not in message.as_string()


# --- when the database is down, the MTA must retry ---------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("where", ["postgresql", "sqlite-directory"])
def test_an_unavailable_database_is_a_temporary_failure(
    initialised: Initialised, tmp_path: Path, where: str
) -> None:
    if where == "postgresql":
        url = "postgresql+psycopg://nobody@127.0.0.1:1/hotline"
    else:
        directory = tmp_path / "not-a-database"
        directory.mkdir()
        url = f"sqlite:///{directory}"
    app = create_app(initialised.config.with_changes(database_url=url), require_keys=True)
    try:
        result = app.test_cli_runner().invoke(
            args=["ingest-email"], input=corpus("01_multipart_alternative.eml")
        )
    finally:
        app.extensions["hotline"].database.dispose()
    assert result.exit_code == 75, result.output  # EX_TEMPFAIL: the MTA keeps it and retries
    assert result.stdout == ""
    assert result.stderr.startswith("hotline: not filed, try again later (")
    for leak in ("Okafor", "okafor", "Kilima", "Customs", "mail-out", "SELECT", "INSERT"):
        assert leak not in result.output


@pytest.mark.parametrize("backend", ["sqlite"])
def test_missing_keys_are_a_temporary_failure(initialised: Initialised, tmp_path: Path) -> None:
    app = create_app(
        initialised.config.with_changes(keys_dir=tmp_path / "no-keys"), require_keys=False
    )
    try:
        result = app.test_cli_runner().invoke(
            args=["ingest-email"], input=corpus("01_multipart_alternative.eml")
        )
    finally:
        app.extensions["hotline"].database.dispose()
    assert result.exit_code == 75
    assert result.stderr == "hotline: not filed, try again later (KeysError)\n"


def test_a_copy_filed_concurrently_is_a_duplicate_not_an_error(
    channel: EmailChannel, dbs: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = corpus("04_quoted_printable_windows1252.eml")
    assert channel.file(raw).outcome == FILED
    # Another delivery of the same message got past the check before the first
    # committed: the primary key of the seen-message row stops it at the flush.
    real = already_seen
    calls: list[str] = []

    def racing(session: Session, seen: str) -> bool:
        calls.append(seen)
        return False if len(calls) == 1 else real(session, seen)

    # The channel asks before parsing further, ingest asks again before filing.
    monkeypatch.setattr(channel_module, "already_seen", racing)
    monkeypatch.setattr(ingest_module, "already_seen", racing)
    assert channel.file(raw).outcome == DUPLICATE
    assert len(calls) == 2  # missed by the check, recognised after the IntegrityError
    assert count(dbs, Disclosure) == 1
