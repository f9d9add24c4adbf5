"""Issue 16, item 5: the e-mail channel's edges an attacker can reach.

The acknowledgement (which carries a codename) goes only to the address in the
angle brackets of a well-formed ``From:``; a display name is never read for an
address. De-duplication covers the message's content, so a message that reuses
another's Message-ID cannot suppress it.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.intake.email.channel import EmailChannel
from hotline.intake.email.cli import build_channel
from hotline.intake.email.ingest import DUPLICATE, FILED
from hotline.intake.email.parse import parse
from hotline.models import ContactDetail, Disclosure
from hotline.sealing.items import read_contact
from tests.helpers.desk import queue_keys
from tests.helpers.email import make_message, read_case
from tests.helpers.instance import Initialised
from tests.helpers.servers import PUBLIC_URL
from tests.helpers.stored import assert_absent, dump_database

MAIL_FROM = "Hotline <hotline@rra.example>"


@dataclasses.dataclass
class Outbox:
    sent: list[str] = dataclasses.field(default_factory=list)

    def send(self, message: object) -> None:
        self.sent.append(str(message["To"]))  # type: ignore[index]


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def channel(email_app: Flask, outbox: Outbox) -> EmailChannel:
    built = build_channel(email_app.extensions["hotline"], "report")
    return dataclasses.replace(
        built, acknowledge=True, mail_from=MAIL_FROM, send=outbox.send, public_url=PUBLIC_URL
    )


@pytest.fixture
def dbs(email_app: Flask) -> Iterator[Session]:
    with email_app.extensions["hotline"].database.sessions() as session:
        yield session


def _raw(from_value: str, body: str = "Fuel smuggled at Rusumo by night.") -> bytes:
    return (
        f"From: {from_value}\r\nTo: report@rra.example\r\nSubject: Fuel\r\n"
        f"Message-ID: <m1@mail.example>\r\n\r\n{body}\r\n"
    ).encode()


def test_the_display_name_trick_sends_nothing_to_the_colleague(
    channel: EmailChannel,
    outbox: Outbox,
    dbs: Session,
    initialised: Initialised,
    email_app: Flask,
) -> None:
    raw = _raw("colleague@revenue.example <attacker@attacker.example>")
    result = channel.receive(raw)
    assert result.outcome == FILED
    # Malformed From: nobody is answered, least of all the colleague.
    assert outbox.sent == []
    contact = dbs.scalars(select(ContactDetail)).one()
    policy = email_app.extensions["hotline"].policy
    custodian = queue_keys(initialised, dbs, policy.custodian_slug)
    assert read_contact(dbs, contact, custodian) == "attacker@attacker.example"
    assert_absent(b"colleague", dump_database(initialised.config))


@pytest.mark.parametrize(
    "from_value",
    [
        "colleague@revenue.example <attacker@attacker.example>",
        "colleague@revenue.example attacker@attacker.example",
        '"Aline" <aline@example.net>, colleague@revenue.example',
        "Aline <aline@example.net",
        "<colleague@revenue.example> <attacker@attacker.example>",
    ],
)
def test_a_malformed_from_is_never_answered(from_value: str) -> None:
    parsed = parse(_raw(from_value))
    assert not parsed.sender_answerable
    assert parsed.sender != "colleague@revenue.example"


@pytest.mark.parametrize(
    ("from_value", "expected"),
    [
        ('"colleague@revenue.example" <aline@example.net>', "aline@example.net"),
        ("Aline Mukamana <aline@example.net>", "aline@example.net"),
        ("aline@example.net", "aline@example.net"),
    ],
)
def test_a_well_formed_from_is_answered_at_its_angle_address(
    from_value: str, expected: str, channel: EmailChannel, outbox: Outbox
) -> None:
    parsed = parse(_raw(from_value))
    assert parsed.sender_answerable
    assert parsed.sender == expected
    channel.receive(_raw(from_value))
    assert outbox.sent == [expected]


def _count(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Disclosure)) or 0)


def test_a_planted_message_id_does_not_suppress_the_real_message(
    channel: EmailChannel, dbs: Session
) -> None:
    planted = make_message(
        subject="Hello", body="Nothing to see.", message_id="<real@mail.example.net>"
    )
    real = make_message(
        subject="Fuel", body="Fuel smuggled at Rusumo.", message_id="<real@mail.example.net>"
    )
    assert channel.file(planted).outcome == FILED
    assert channel.file(real).outcome == FILED
    assert _count(dbs) == 2
    # A true retry (and a copy with other envelope headers) still files once.
    assert channel.file(real).outcome == DUPLICATE
    assert channel.file(b"Delivered-To: report+fraud@rra.example\r\n" + real).outcome == DUPLICATE
    assert _count(dbs) == 2


def test_a_resent_copy_is_not_a_duplicate_of_the_original(
    channel: EmailChannel, dbs: Session
) -> None:
    original = make_message(subject="Fuel", body="Fuel smuggled.", message_id="<o@mail.example>")
    resent = b"Resent-Message-ID: <r@relay.example>\r\n" + original
    assert channel.file(original).outcome == FILED
    assert channel.file(resent).outcome == FILED
    assert channel.file(resent).outcome == DUPLICATE
    assert _count(dbs) == 2


def _from_aline(subject: str, message_id: str, text: str) -> EmailMessage:
    """A reporter's mail to the hotline, attachments still to add."""
    message = EmailMessage()
    message["From"] = "Aline Mukamana <aline.mukamana@example.net>"
    message["To"] = "Hotline <report@rra.example>"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(text)
    return message


def test_a_mail_with_more_files_than_a_report_takes_keeps_its_words_and_first_files(
    channel: EmailChannel, dbs: Session, initialised: Initialised
) -> None:
    # A reporter who scanned twelve pages may never write again: the words and
    # the first ten files are filed, and the text says what was left out.
    message = _from_aline(
        "Split invoices",
        "<twelve@mail.example.net>",
        "Every consignment is split into twelve invoices.",
    )
    for page in range(12):
        message.add_attachment(
            f"invoice page {page}\n".encode(),
            maintype="text",
            subtype="plain",
            filename=f"page-{page}.txt",
        )
    assert channel.file(message.as_bytes()).outcome == FILED
    disclosure = dbs.scalars(select(Disclosure)).one()
    assert len(disclosure.attachments) == 10
    (text,) = read_case(dbs, initialised, disclosure)
    assert "Every consignment is split into twelve invoices." in text
    assert "[2 attached file(s) were too large or unreadable and were not filed.]" in text


def _photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def test_a_mail_over_the_pixel_budget_keeps_the_pictures_that_fit(
    channel: EmailChannel, dbs: Session, initialised: Initialised
) -> None:
    # Three photos where the report may decode two: the words and the two that
    # fit are filed (a later small one still fits), and the text says one was not.
    budget = dataclasses.replace(channel.limits, max_pixels=1_000_000)
    channel = dataclasses.replace(channel, limits=budget)
    message = _from_aline(
        "Photos of the lorry",
        "<pixels@mail.example.net>",
        "The lorry crossed at night; photos attached.",
    )
    for name, size in (
        ("front.jpg", (800, 800)),
        ("side.jpg", (800, 800)),
        ("plate.jpg", (300, 300)),
    ):
        message.add_attachment(_photo(*size), maintype="image", subtype="jpeg", filename=name)
    assert channel.file(message.as_bytes()).outcome == FILED
    disclosure = dbs.scalars(select(Disclosure)).one()
    assert len(disclosure.attachments) == 2
    (text,) = read_case(dbs, initialised, disclosure)
    assert "The lorry crossed at night; photos attached." in text
    assert "[1 attached file(s) were too large or unreadable and were not filed.]" in text
