"""The procedure's vocabulary: what a reader sees, what the database holds, what the policy routes.

The expected values below are written out as literals on purpose: they are
what databases made by earlier versions hold, so they must never follow a
rename in the code.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from hotline import migrations
from hotline.config import Config
from hotline.models import Disclosure, DisclosureLink, Message
from hotline.procedure import (
    LANGUAGES,
    AuthorKind,
    Category,
    Channel,
    LinkKind,
    Outcome,
    RefusalReason,
    RequestStatus,
    RewardState,
    Status,
    Term,
)

TRANSLATIONS = Path(__file__).parents[1] / "hotline" / "translations"
POLICY = Path(__file__).parents[1] / "hotline" / "routing" / "rra.toml"

STORED: dict[type[Term], list[str]] = {
    Category: ["taxpayer_fraud", "staff_misconduct", "retaliation", "other"],
    Status: ["received", "acknowledged", "under_investigation", "closed"],
    Outcome: ["substantiated", "unsubstantiated", "out_of_scope", "referred", "malicious"],
    RewardState: ["not_eligible", "pending_assessment", "approved", "paid"],
    AuthorKind: ["reporter", "officer", "note", "measure"],
    LinkKind: ["related", "retaliation_for"],
    Channel: ["web", "sms", "email", "voice", "ussd", "whatsapp"],
    RequestStatus: ["pending", "approved", "refused"],
    RefusalReason: [
        "empty",
        "too_long",
        "bad_status",
        "transition",
        "outcome_missing",
        "outcome_not_closing",
        "pointer_not_out_of_scope",
        "not_designated",
        "bad_link_kind",
        "not_retaliation",
        "unknown_other",
        "self_link",
        "already_linked",
        "nothing_to_change",
        "not_routed",
        "unknown_queue",
        "custodian",
        "excluded",
        "no_queue_left",
        "cannot_reseal",
        "bad_amount",
        "amount_not_now",
        "amount_missing",
        "bad_reward_state",
        "reward_transition",
        "same_officer",
        "cannot_open",
        "sign_in_again",
        "no_selection",
        "too_many_selected",
        "unverified",
        "unverified_file",
        "removal_waiting",
        "no_removal",
        "own_removal",
        "same_queues",
    ],
}
TERMS = [member for vocabulary in STORED for member in vocabulary]


@pytest.fixture(scope="module")
def babel_app() -> Flask:
    """Only Flask-Babel and the shipped catalogues: no database, no keys."""
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(TRANSLATIONS))
    return app


def _shown(app: Flask, term: Term, language: str) -> str:
    with app.test_request_context(), force_locale(language):
        return term.label


def test_the_vocabularies_hold_exactly_the_stored_strings() -> None:
    for vocabulary, stored in STORED.items():
        assert [member.value for member in vocabulary] == stored, vocabulary.__name__
        assert [str(member) for member in vocabulary] == stored
        for member, value in zip(vocabulary, stored, strict=True):
            assert member == value
            assert f"{member}" == value  # audit details and URLs format members


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_term_has_a_translated_label(babel_app: Flask, language: str) -> None:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    untranslated = []
    for term in TERMS:
        msgid = _shown(babel_app, term, "en")
        entry = catalogue.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            untranslated.append(f"{type(term).__name__}.{term.name}: {msgid!r}")
            continue
        # The compiled catalogue the server loads says the same.
        assert _shown(babel_app, term, language) == entry.string
    assert untranslated == []


def test_one_wording_per_category_the_one_reporters_choose_from(babel_app: Flask) -> None:
    assert [_shown(babel_app, c, "en") for c in Category] == [
        "Tax fraud or smuggling by a taxpayer",
        "Corruption or misconduct by staff",
        "Retaliation for reporting",
        "Something else",
    ]


def test_the_categories_are_exactly_the_policys() -> None:
    with POLICY.open("rb") as handle:
        policy = tomllib.load(handle)
    assert set(policy["categories"]) == set(STORED[Category])


def test_parse_takes_stored_values_and_refuses_anything_else() -> None:
    assert Status.parse("closed") is Status.CLOSED
    assert Status.parse("Closed") is None
    assert Status.parse("") is None
    assert Status.parse(None) is None
    assert Outcome.parse("closed") is None


@pytest.fixture
def engine(config: Config) -> Iterator[Engine]:
    migrations.upgrade(config.database_url)
    engine = create_engine(config.database_url)
    yield engine
    engine.dispose()


def test_a_database_written_with_plain_strings_reads_as_terms_and_back(engine: Engine) -> None:
    day = dt.date(2026, 1, 5)
    rows = 20  # every value of every column at least once
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO reporters (id, public_key, kdf_version, created_on) "
                "VALUES ('r1', :key, 1, :day)"
            ),
            {"key": b"k", "day": day},
        )
        for i in range(rows):
            connection.execute(
                text(
                    "INSERT INTO disclosures (id, reference, reporter_id, category, channel,"
                    " status, outcome, received_on, acknowledgement_due, unread, next_seq,"
                    " reward_state) VALUES (:id, :ref, 'r1', :category, :channel, :status,"
                    " :outcome, :day, :day, false, 1, :reward)"
                ),
                {
                    "id": f"d{i:02d}",
                    "ref": f"HL-TEST-{i:04d}",
                    "category": STORED[Category][i % 4],
                    "channel": STORED[Channel][i % 4],
                    "status": STORED[Status][i % 4],
                    "outcome": STORED[Outcome][i % 5],
                    "reward": STORED[RewardState][i % 4],
                    "day": day,
                },
            )
        for seq, kind in enumerate(STORED[AuthorKind], start=1):
            connection.execute(
                text(
                    "INSERT INTO messages (id, disclosure_id, seq, author_kind, created_on, body,"
                    " seal_version, reporter_read) VALUES (:id, 'd00', :seq, :kind, :day, :body,"
                    " 1, false)"
                ),
                {"id": f"m{seq}", "seq": seq, "kind": kind, "day": day, "body": b"x"},
            )
        for i, kind in enumerate(STORED[LinkKind], start=1):
            connection.execute(
                text("INSERT INTO disclosure_links (from_id, to_id, kind) VALUES ('d00', :to, :k)"),
                {"to": f"d{i:02d}", "k": kind},
            )

    with Session(engine) as session:
        cases = session.scalars(select(Disclosure).order_by(Disclosure.id)).all()
        assert len(cases) == rows
        for i, case in enumerate(cases):
            assert case.category is Category(STORED[Category][i % 4])
            assert case.channel is Channel(STORED[Channel][i % 4])
            assert case.status is Status(STORED[Status][i % 4])
            assert case.outcome is Outcome(STORED[Outcome][i % 5])
            assert case.reward_state is RewardState(STORED[RewardState][i % 4])
        kinds = session.scalars(select(Message.author_kind).order_by(Message.seq)).all()
        assert kinds == list(AuthorKind)
        links = session.scalars(select(DisclosureLink.kind).order_by(DisclosureLink.to_id)).all()
        assert links == list(LinkKind)

        first = cases[0]
        first.status = Status.CLOSED
        first.reward_state = RewardState.PAID
        session.commit()

    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT status, reward_state FROM disclosures WHERE id = 'd00'")
        ).one()
        assert tuple(stored) == ("closed", "paid")
        assert type(stored[0]) is str


def test_a_plain_string_set_in_code_becomes_the_term_and_a_typo_fails_there() -> None:
    case = Disclosure(category="retaliation", channel="sms", status="closed")
    assert case.category is Category.RETALIATION
    assert case.channel is Channel.SMS
    assert case.status is Status.CLOSED
    with pytest.raises(ValueError, match="closd"):
        case.status = "closd"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="notes"):
        Message(author_kind="notes")
