"""intake.service: what every channel files is sealed, routed and openable only
by the right keys."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.admin.designations import queue_key_from_recovery
from hotline.crypto.codenames import CodenameKdf
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import load_secrets, recovery_private_key
from hotline.db import Database
from hotline.intake.service import Draft, DraftRejected, Limits, UnknownCase, Upload, append, submit
from hotline.models import Attachment, Disclosure, DisclosureQueue, Message, Queue, SealedKey
from hotline.procedure import Category, Channel
from hotline.routing import load_policy
from hotline.sealing.items import read_attachment, read_message
from hotline.sealing.recipients import queue_recipient, reporter_recipient
from tests.helpers.instance import Initialised
from tests.helpers.stored import assert_absent, dump_database, dump_keys

SECRET_TEXT = "Officer Kamanzi took 400,000 francs at the Rusumo border post on 3 May"


def _jpeg(marker: str) -> bytes:
    image = Image.new("RGB", (8, 8), (200, 10, 10))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = marker  # Artist
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


class Harness:
    def __init__(self, initialised: Initialised) -> None:
        self.config = initialised.config
        self.policy = load_policy(self.config.policy_path)
        self.secrets = load_secrets(self.config.keys_dir)
        self.kdf = CodenameKdf(self.secrets.pepper, n=self.config.scrypt_n)
        self.limits = Limits.from_config(self.config)
        self.database = Database(self.config.database_url, keys=lambda: self.secrets)
        self.recovery = recovery_private_key(initialised.recovery_words)

    def file(self, draft: Draft) -> tuple[str, str]:
        with self.database.transaction() as session:
            receipt = submit(session, draft, policy=self.policy, kdf=self.kdf, limits=self.limits)
        assert receipt.codename is not None
        return receipt.codename, receipt.disclosure_id

    def queue_keys(self, session: Session, *slugs: str) -> dict[str, PrivateKey]:
        return {
            queue_recipient(slug): queue_key_from_recovery(
                session.get_one(Queue, slug), self.recovery
            )
            for slug in slugs
        }


@pytest.fixture
def harness(initialised: Initialised) -> Iterator[Harness]:
    h = Harness(initialised)
    yield h
    h.database.dispose()


def test_submitted_text_and_attachment_are_absent_from_database_and_keys(
    harness: Harness,
) -> None:
    photo = _jpeg("Camera owner Jean")
    codename, _ = harness.file(
        Draft(
            category=Category.STAFF_MISCONDUCT,
            text=SECRET_TEXT,
            channel=Channel.WEB,
            attachments=[Upload("rusumo-receipt.jpg", "image/jpeg", photo)],
        )
    )
    stored = dump_database(harness.config) + dump_keys(harness.config)
    assert_absent(SECRET_TEXT.encode(), stored)
    assert_absent(b"Kamanzi", stored)
    assert_absent(b"rusumo-receipt", stored)
    assert_absent(photo[-64:], stored)
    assert_absent(codename.encode(), stored)


def test_routed_queue_keys_and_the_codename_open_the_report(harness: Harness) -> None:
    codename, disclosure_id = harness.file(
        Draft(
            category=Category.STAFF_MISCONDUCT,
            text=SECRET_TEXT,
            channel=Channel.WEB,
            attachments=[Upload("a.jpg", "image/jpeg", _jpeg("x"))],
        )
    )
    with harness.database.sessions() as session:
        disclosure = session.get_one(Disclosure, disclosure_id)
        assert disclosure.queue_slugs == ["commissioner_general", "internal_audit"]
        message = disclosure.messages[0]
        attachment = disclosure.attachments[0]
        for slug in disclosure.queue_slugs:
            keys = harness.queue_keys(session, slug)
            assert read_message(session, message, keys) == SECRET_TEXT
            assert read_attachment(session, attachment, keys, content=True).name == "a.jpg"
        reporter = harness.kdf.derive(codename)
        mine = {reporter_recipient(reporter.reporter_id): reporter.private_key}
        assert read_message(session, message, mine) == SECRET_TEXT


def test_other_keys_do_not_open_the_report(harness: Harness) -> None:
    _, disclosure_id = harness.file(
        Draft(
            category=Category.STAFF_MISCONDUCT,
            text=SECRET_TEXT,
            channel=Channel.WEB,
            concerns=frozenset({"internal_audit"}),
        )
    )
    with harness.database.sessions() as session:
        disclosure = session.get_one(Disclosure, disclosure_id)
        # The reporter excluded Internal Audit: only the Commissioner General receives it.
        assert disclosure.queue_slugs == ["commissioner_general"]
        message = disclosure.messages[0]
        excluded = harness.queue_keys(session, "internal_audit")
        unrouted = harness.queue_keys(session, "investigation")
        custodian = harness.queue_keys(session, "codename_register")
        wrong_reporter = harness.kdf.derive("abacus abacus abacus abacus abacus abacus abacus")
        for keys in (
            excluded,
            unrouted,
            custodian,
            {reporter_recipient(disclosure.reporter_id): wrong_reporter.private_key},
            # A queue key presented under the routed queue's name does not help either.
            {queue_recipient("commissioner_general"): next(iter(excluded.values()))},
        ):
            with pytest.raises(CannotOpen):
                read_message(session, message, keys)


def test_a_sealed_key_copied_onto_another_item_does_not_open_it(harness: Harness) -> None:
    _, first = harness.file(
        Draft(category=Category.OTHER, text="first report", channel=Channel.WEB)
    )
    _, second = harness.file(Draft(category=Category.OTHER, text=SECRET_TEXT, channel=Channel.WEB))
    with harness.database.transaction() as session:
        m1 = session.scalars(select(Message).where(Message.disclosure_id == first)).one()
        m2 = session.scalars(select(Message).where(Message.disclosure_id == second)).one()
        recipient = queue_recipient("commissioner_general")
        donor = session.get_one(SealedKey, (m1.id, recipient))
        target = session.get_one(SealedKey, (m2.id, recipient))
        target.sealed = donor.sealed
        session.flush()
        with pytest.raises(CannotOpen):
            read_message(session, m2, harness.queue_keys(session, "commissioner_general"))


def test_the_pepper_never_reaches_the_database(harness: Harness) -> None:
    harness.file(
        Draft(category=Category.OTHER, text="hello", channel=Channel.SMS, codename_kind="digits")
    )
    assert_absent(harness.secrets.pepper, dump_database(harness.config))
    assert_absent(harness.secrets.audit_key, dump_database(harness.config))


def test_digit_codenames_for_sms_and_email(harness: Harness) -> None:
    codename, _ = harness.file(
        Draft(
            category=Category.TAXPAYER_FRAUD,
            text="lorries at night",
            channel=Channel.SMS,
            codename_kind="digits",
        )
    )
    assert [len(group) for group in codename.split(" ")] == [4, 4, 4, 4]


def test_append_adds_to_the_reporters_own_case_only(harness: Harness) -> None:
    codename, disclosure_id = harness.file(
        Draft(category=Category.OTHER, text="one", channel=Channel.WEB)
    )
    _, other_case = harness.file(Draft(category=Category.OTHER, text="two", channel=Channel.WEB))
    reporter = harness.kdf.derive(codename)
    with harness.database.transaction() as session:
        append(
            session,
            reporter_id=reporter.reporter_id,
            disclosure_id=disclosure_id,
            text="more: the plate was RAB 123 X",
            limits=harness.limits,
        )
    with harness.database.transaction() as session, pytest.raises(UnknownCase):
        append(
            session,
            reporter_id=reporter.reporter_id,
            disclosure_id=other_case,
            text="not mine",
            limits=harness.limits,
        )
    with harness.database.sessions() as session:
        disclosure = session.get_one(Disclosure, disclosure_id)
        keys = harness.queue_keys(session, "commissioner_general")
        texts = [read_message(session, m, keys) for m in disclosure.messages]
        assert texts == ["one", "more: the plate was RAB 123 X"]
        assert len(session.get_one(Disclosure, other_case).messages) == 1
    assert_absent(b"RAB 123 X", dump_database(harness.config))


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (
            # A category no channel offers, as a forged request would send it.
            Draft(category="gossip", text="x", channel=Channel.WEB),  # type: ignore[arg-type]
            "unknown category",
        ),
        (Draft(category=Category.OTHER, text="   ", channel=Channel.WEB), "describe"),
        (Draft(category=Category.OTHER, text="x" * 100_001, channel=Channel.WEB), "too long"),
        (
            Draft(
                category=Category.OTHER,
                text="x",
                channel=Channel.WEB,
                attachments=[Upload("big.bin", None, b"0" * (25 * 1024 * 1024 + 1))],
            ),
            "too large",
        ),
    ],
)
def test_bad_drafts_are_refused_and_store_nothing(
    harness: Harness, draft: Draft, message: str
) -> None:
    with harness.database.sessions() as session, pytest.raises(DraftRejected, match=message):
        submit(session, draft, policy=harness.policy, kdf=harness.kdf, limits=harness.limits)
    with harness.database.sessions() as session:
        assert session.scalars(select(Disclosure)).all() == []
        assert session.scalars(select(Attachment)).all() == []


def test_a_follow_up_during_a_reroute_is_sealed_to_the_queues_the_case_ends_with(
    harness: Harness,
) -> None:
    if harness.database.is_sqlite:
        pytest.skip("row locks are PostgreSQL's (the other backend)")
    codename, disclosure_id = harness.file(
        Draft(category=Category.STAFF_MISCONDUCT, text="one", channel=Channel.WEB)
    )
    reporter = harness.kdf.derive(codename)
    errors: list[BaseException] = []

    def follow_up() -> None:
        try:
            with harness.database.transaction() as session:
                append(
                    session,
                    reporter_id=reporter.reporter_id,
                    disclosure_id=disclosure_id,
                    text="the follow-up",
                    limits=harness.limits,
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread below
            errors.append(exc)

    with harness.database.sessions() as rerouting:
        # A reroute half done: it holds the case row and has moved the case
        # from one queue to another, not yet committed.
        case_row = rerouting.scalar(
            select(Disclosure).where(Disclosure.id == disclosure_id).with_for_update()
        )
        assert case_row is not None
        removed = case_row.queue_slugs[0]
        rerouting.execute(
            delete(DisclosureQueue).where(
                DisclosureQueue.disclosure_id == disclosure_id,
                DisclosureQueue.queue_slug == removed,
            )
        )
        rerouting.add(DisclosureQueue(disclosure_id=disclosure_id, queue_slug="investigation"))
        rerouting.flush()
        writer = threading.Thread(target=follow_up)
        writer.start()
        time.sleep(1.0)
        assert writer.is_alive(), "the follow-up did not wait for the reroute"
        rerouting.commit()
    writer.join(timeout=30)
    assert not errors, errors
    with harness.database.sessions() as session:
        message = session.scalars(
            select(Message).where(Message.disclosure_id == disclosure_id).order_by(Message.seq)
        ).all()[-1]
        recipients = set(
            session.scalars(select(SealedKey.recipient).where(SealedKey.item_id == message.id))
        )
    assert queue_recipient(removed) not in recipients
    assert queue_recipient("investigation") in recipients
    assert reporter_recipient(reporter.reporter_id) in recipients


@pytest.mark.parametrize(
    ("language", "stored"), [("sw", "sw"), ("ar", "ar"), ("xx", None), (None, None)]
)
def test_the_reporter_s_language_is_kept_only_when_it_is_one_of_ours(
    harness: Harness, language: str | None, stored: str | None
) -> None:
    _codename, disclosure_id = harness.file(
        Draft(Category.STAFF_MISCONDUCT, "Receipts torn up", Channel.USSD, language=language)
    )
    with harness.database.sessions() as session:
        assert session.get_one(Disclosure, disclosure_id).language == stored
