"""The USSD channel: Africa's Talking's callback driven as the gateway drives it.

Each request carries the session's whole input so far (``text``, answers joined
by ``*``) and is authenticated by the token in the callback URL. What a caller
keys must be filed once, sealed to the routed queues; the code must be shown
once; the caller's number must reach nothing that is kept.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.intake.ussd.menu import Notice, Step, inputs_of, walk
from hotline.intake.ussd.screens import Screens, fits, language_menu, with_notice
from hotline.models import Disclosure, DisclosureLink, Message
from hotline.procedure import (
    LANGUAGES,
    AuthorKind,
    Category,
    Channel,
    LinkKind,
    Outcome,
    RewardState,
    Status,
)
from hotline.sealing.items import read_message
from tests.helpers.desk import queue_keys, reporter_keys
from tests.helpers.instance import Initialised
from tests.helpers.stored import assert_absent, dump_database
from tests.helpers.writers import officer_decides, officer_writes

TOKEN = "at-callback-" + "7f" * 16
PHONE = "+250788654321"
CODE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
REFERENCE = re.compile(r"HL-[0-9A-Z]{4}-[0-9A-Z]{4}")
FIRST = "The clearing agent at Rusumo pays the duty officer 50,000 a lorry"
SECOND = "Lorry RAD 911 X crossed on Monday night without inspection"


@dataclass
class Handset:
    """One caller on one USSD session: every key press is a fresh callback."""

    client: FlaskClient
    number: str = PHONE
    session_id: str = field(default_factory=lambda: "ATUid_" + secrets.token_hex(16))
    answers: list[str] = field(default_factory=list)

    def post(self, *, token: str | None = TOKEN) -> tuple[int, str]:
        query = {"token": token} if token is not None else {}
        response = self.client.post(
            "/ussd/africastalking",
            query_string=query,
            data={
                "sessionId": self.session_id,
                "serviceCode": "*384*1234#",
                "phoneNumber": self.number,
                "networkCode": "63510",
                "text": "*".join(self.answers),
            },
        )
        return response.status_code, response.get_data(as_text=True)

    def screen(self) -> tuple[str, str]:
        """The gateway's (CON|END, text) for the session so far."""
        status, body = self.post()
        assert status == 200, body
        kind, _, text = body.partition(" ")
        assert kind in ("CON", "END"), body
        assert fits(text), f"{len(text)} characters: {text!r}"
        return kind, text

    def key(self, answer: str) -> tuple[str, str]:
        self.answers.append(answer)
        return self.screen()

    def again(self) -> Handset:
        """A new session from the same phone."""
        return Handset(self.client, self.number)


@pytest.fixture
def ussd_app(initialised: Initialised) -> Iterator[Flask]:
    app = create_app(initialised.config.with_changes(africastalking_token=TOKEN))
    yield app
    app.extensions["hotline"].database.dispose()


@pytest.fixture
def handset(ussd_app: Flask) -> Handset:
    return Handset(ussd_app.test_client())


@pytest.fixture
def dbs(ussd_app: Flask) -> Iterator[Session]:
    with ussd_app.extensions["hotline"].database.sessions() as session:
        yield session


def file_report(handset: Handset, *parts: str, category: str = "2") -> str:
    """A whole reporting session; the last screen's text."""
    handset.screen()
    handset.key("1")  # English
    handset.key("1")  # report
    handset.key(category)
    for part in parts:
        handset.key(part)
    kind, text = handset.key("0")
    assert kind == "END"
    return text


def disclosures(db: Session) -> list[Disclosure]:
    db.expire_all()
    return list(db.scalars(select(Disclosure)))


# --- a whole session ---------------------------------------------------------------


def test_a_session_files_a_report_for_the_routed_queues_and_shows_the_code_once(
    handset: Handset, dbs: Session, initialised: Initialised, ussd_app: Flask
) -> None:
    kind, first = handset.screen()
    assert kind == "CON"
    assert "Kinyarwanda" in first
    assert handset.key("1") == ("CON", Screens("en").main())
    kind, categories = handset.key("1")
    assert "Staff corruption" in categories
    kind, prompt = handset.key("2")
    assert kind == "CON"
    assert "Type" in prompt
    kind, more = handset.key(FIRST)
    assert kind == "CON"
    assert f"({len(FIRST)} characters)" in more
    handset.key(SECOND)
    kind, last = handset.key("0")

    assert kind == "END"
    code = CODE.search(last)
    reference = REFERENCE.search(last)
    assert code
    assert reference
    assert "will not be shown again" in last
    [disclosure] = disclosures(dbs)
    assert disclosure.reference == reference.group()
    assert disclosure.channel == Channel.USSD
    assert disclosure.category == Category.STAFF_MISCONDUCT
    keys = queue_keys(initialised, dbs, *disclosure.queue_slugs)
    [message] = disclosure.messages
    assert read_message(dbs, message, keys) == f"{FIRST}\n{SECOND}"
    # The reporter's code opens it too; nothing else shows the code again.
    assert read_message(dbs, message, reporter_keys(ussd_app, code.group(1))) == (
        f"{FIRST}\n{SECOND}"
    )
    kind, again = handset.again().key("1")
    assert code.group(1) not in again


def test_a_resent_last_request_files_nothing_more(handset: Handset, dbs: Session) -> None:
    file_report(handset, FIRST)
    kind, text = handset.screen()  # the gateway sends the last request again
    assert kind == "END"
    assert text == Screens("en").already_filed()
    assert not CODE.search(text)
    assert len(disclosures(dbs)) == 1


def test_concurrent_resends_file_once(ussd_app: Flask, dbs: Session) -> None:
    import threading

    handset = Handset(ussd_app.test_client())
    handset.answers = ["1", "1", "2", FIRST, "0"]
    results: list[str] = []

    def send() -> None:
        copy = Handset(ussd_app.test_client(), session_id=handset.session_id)
        copy.answers = list(handset.answers)
        results.append(copy.screen()[1])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(bool(CODE.search(r)) for r in results) == 1
    assert len(disclosures(dbs)) == 1


def test_the_caller_number_is_kept_nowhere(
    handset: Handset, dbs: Session, initialised: Initialised
) -> None:
    text = file_report(handset, FIRST)
    code = CODE.search(text)
    assert code
    status = handset.again()
    status.screen()
    status.key("1")
    status.key("2")
    status.key(code.group(1))
    dump = dump_database(initialised.config)
    for form in (PHONE, PHONE.lstrip("+"), "788654321", "0788654321"):
        assert_absent(form.encode(), dump)
    assert_absent(FIRST.encode(), dump)


# --- following up --------------------------------------------------------------------


def check(handset: Handset, code: str) -> tuple[str, str]:
    handset.screen()
    handset.key("1")
    handset.key("2")
    return handset.key(code)


def test_a_second_session_with_the_code_shows_the_status_and_reads_the_reply(
    handset: Handset, dbs: Session
) -> None:
    code = CODE.search(file_report(handset, FIRST))
    assert code
    [disclosure] = disclosures(dbs)

    kind, text = check(handset.again(), code.group(1))
    assert kind == "END"
    assert f"{disclosure.reference}: Received" in text
    assert Screens("en").no_new_reply() in text

    reply = "START Thank you. " + " ".join(
        f"Question {i}: which day did the lorry cross, and who drove it?" for i in range(8)
    )
    officer_writes(dbs, disclosure, author_kind=AuthorKind.NOTE, text="internal: not for them")
    officer_writes(dbs, disclosure, author_kind=AuthorKind.OFFICER, text=reply + " END")
    officer_decides(
        dbs,
        disclosure,
        status=Status.UNDER_INVESTIGATION,
        reward_state=RewardState.PENDING_ASSESSMENT,
    )
    dbs.commit()

    caller = handset.again()
    kind, text = check(caller, code.group(1).replace(" ", ""))
    assert kind == "CON"
    assert "Under investigation" in text
    assert "Reward" in text
    assert text.endswith(Screens("en").read_reply())
    pages = []
    kind, page = caller.key("1")
    pages.append(page)
    while kind == "CON":
        assert page.endswith(Screens("en").more())
        kind, page = caller.key("1")
        pages.append(page)
    assert len(pages) >= 3
    joined = " ".join(pages)
    assert "START" in pages[0]
    assert "END" in pages[-1]
    assert "internal" not in joined
    dbs.expire_all()
    officer = [m for m in disclosure.messages if m.author_kind == AuthorKind.OFFICER]
    assert officer[0].reporter_read

    kind, text = check(handset.again(), code.group(1))
    assert kind == "END"
    assert Screens("en").no_new_reply() in text


@pytest.mark.parametrize("wrong", ["0000 0000 0000 0000", "1234567890123456"])
def test_a_wrong_code_learns_nothing(handset: Handset, dbs: Session, wrong: str) -> None:
    file_report(handset, FIRST)
    kind, text = check(handset.again(), wrong)
    assert (kind, text) == ("END", Screens("en").unknown_code())


def test_a_malformed_code_is_asked_again(handset: Handset) -> None:
    kind, text = check(handset, "1234")
    assert kind == "CON"
    assert text.startswith(Screens("en").not_a_code())


# --- retaliation ---------------------------------------------------------------------


def test_retaliation_with_the_code_is_a_new_disclosure_linked_to_the_earlier_ones(
    handset: Handset, dbs: Session
) -> None:
    code = CODE.search(file_report(handset, FIRST))
    assert code
    caller = handset.again()
    caller.screen()
    caller.key("1")
    caller.key("3")
    caller.key(code.group(1))
    caller.key("Since my report my manager moved me to a border post")
    kind, text = caller.key("0")
    assert kind == "END"
    assert not CODE.search(text), "a linked report keeps the code it has"
    [retaliation] = [d for d in disclosures(dbs) if d.category == Category.RETALIATION]
    [first] = [d for d in disclosures(dbs) if d.category != Category.RETALIATION]
    assert retaliation.category == Category.RETALIATION
    assert retaliation.channel == Channel.USSD
    assert retaliation.reporter_id == first.reporter_id
    link = dbs.scalars(select(DisclosureLink).where(DisclosureLink.from_id == retaliation.id)).one()
    assert (link.to_id, link.kind) == (first.id, LinkKind.RETALIATION_FOR)


def test_retaliation_without_a_code_is_an_unlinked_disclosure_with_a_new_code(
    handset: Handset, dbs: Session
) -> None:
    handset.screen()
    handset.key("1")
    handset.key("3")
    handset.key("0")
    handset.key("I was moved after I reported")
    kind, text = handset.key("0")
    assert kind == "END"
    assert CODE.search(text)
    [retaliation] = disclosures(dbs)
    assert retaliation.category == Category.RETALIATION
    assert dbs.scalar(select(func.count()).select_from(DisclosureLink)) == 0


def test_retaliation_with_a_wrong_code_is_said_and_filed_unlinked_under_a_new_code(
    handset: Handset, dbs: Session
) -> None:
    handset.screen()
    handset.key("1")
    handset.key("3")
    kind, text = handset.key("9999 9999 9999 9999")
    assert kind == "CON"
    assert text.startswith(Screens("en").code_not_matched())
    assert disclosures(dbs) == []
    handset.key("I was moved after I reported")
    kind, text = handset.key("0")
    assert kind == "END"
    assert CODE.search(text)  # a new code: nothing typed is lost
    [retaliation] = disclosures(dbs)
    assert retaliation.category == Category.RETALIATION
    assert dbs.scalar(select(func.count()).select_from(DisclosureLink)) == 0


def test_a_code_typed_into_a_report_is_removed_before_sealing(
    handset: Handset, dbs: Session, initialised: Initialised
) -> None:
    code = CODE.search(file_report(handset, FIRST))
    assert code
    [first] = disclosures(dbs)
    other = Handset(handset.client, "+250788000111")
    file_report(other, f"He knows my code {code.group(1)}", "and 1111 2222 3333 4444 is an invoice")
    [second] = [d for d in disclosures(dbs) if d.id != first.id]
    [message] = second.messages
    text = read_message(dbs, message, queue_keys(initialised, dbs, *second.queue_slugs))
    assert text == "He knows my code [codename removed]\nand 1111 2222 3333 4444 is an invoice"
    assert_absent(code.group(1).replace(" ", "").encode(), dump_database(initialised.config))


# --- who may call --------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "at-callback-wrong", TOKEN + "x", TOKEN[:-1]])
def test_a_callback_without_the_token_gets_403_and_files_nothing(
    handset: Handset, dbs: Session, token: str | None
) -> None:
    handset.answers = ["1", "1", "2", FIRST, "0"]
    status, body = handset.post(token=token)
    assert status == 403
    assert body == ""
    assert disclosures(dbs) == []


def test_without_a_configured_token_every_callback_is_refused(
    initialised: Initialised, dbs: Session
) -> None:
    app = create_app(initialised.config)
    try:
        handset = Handset(app.test_client(), answers=["1", "1", "2", FIRST, "0"])
        assert handset.post(token="")[0] == 403
        assert handset.post(token="None")[0] == 403
    finally:
        app.extensions["hotline"].database.dispose()
    assert disclosures(dbs) == []


def test_the_source_allow_list_refuses_other_addresses(
    initialised: Initialised, dbs: Session
) -> None:
    config = initialised.config.with_changes(
        africastalking_token=TOKEN, africastalking_sources=("10.20.0.0/16",)
    )
    app = create_app(config)
    try:
        handset = Handset(app.test_client(), answers=["1", "1", "2", FIRST, "0"])
        assert handset.post()[0] == 403  # the test client calls from 127.0.0.1
        allowed = app.test_client()
        allowed.environ_base["REMOTE_ADDR"] = "10.20.3.4"
        assert Handset(allowed, answers=["1"]).post()[0] == 200
    finally:
        app.extensions["hotline"].database.dispose()
    assert disclosures(dbs) == []


def test_forged_callbacks_do_not_use_up_a_callers_limit(handset: Handset) -> None:
    for _ in range(40):
        assert handset.post(token="forged")[0] == 403
    assert handset.screen()[0] == "CON"


def test_a_caller_over_the_limit_is_ended_without_filing(
    handset: Handset, dbs: Session, ussd_app: Flask
) -> None:
    handset.answers = ["4"]  # Kiswahili
    answers = [handset.post() for _ in range(31)]
    assert all(status == 200 for status, _ in answers)
    with ussd_app.test_request_context():
        over = Screens("sw").try_later()
    assert "Subiri" in over
    assert answers[-1][1] == "END " + over
    assert disclosures(dbs) == []


# --- the menu, and every screen in every language ---------------------------------


def test_the_menu_is_read_from_the_answers_alone() -> None:
    assert walk([]).step == Step.LANGUAGE
    assert walk(["9"]).notice == Notice.NOT_A_CHOICE
    assert walk(["3"]).language == "rw"
    assert walk(["5", "1", "0"]).step == Step.MAIN
    report = walk(["2", "1", "1", "first", "", "second"])
    assert (report.step, report.language, report.category) == (
        Step.TEXT,
        "fr",
        Category.TAXPAYER_FRAUD,
    )
    assert report.text == "first\nsecond"
    assert walk(["1", "1", "3", "0"]).notice == Notice.EMPTY
    sent = walk(["1", "1", "3", "x", "0", "ignored"])
    assert sent.step == Step.SEND
    assert sent.text == "x"
    assert walk(["1", "2", "1234 5678 9012 3456"]).code == "1234567890123456"
    assert walk(["1", "2", "1234 5678 9012 3456", "1", "1"]).pages_read == 2
    assert walk(["1", "3", "12"]).notice == Notice.NOT_A_CODE
    assert inputs_of("") == []
    assert inputs_of("1*2* x ") == ["1", "2", "x"]


@pytest.mark.usefixtures("ussd_app")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_fits_with_its_longest_values(ussd_app: Flask, language: str) -> None:
    screens = Screens(language)
    reference = "HL-WWWW-WWWW"
    codename = "8" * 16
    with ussd_app.test_request_context():
        texts = [
            language_menu(),
            screens.main(),
            screens.categories(),
            screens.ask_text(),
            screens.ask_more(100_000),
            screens.ask_code(),
            screens.ask_retaliation_code(),
            screens.filed_new(reference, codename),
            screens.filed_linked(reference),
            screens.already_filed(),
            screens.unknown_code(),
            screens.not_filed(screens.too_long(100_000)),
            screens.not_filed(screens.cannot_file()),
            screens.try_later(),
            screens.goodbye(),
        ]
        # Each screen with the notice it can come back with (the language menu
        # comes back before a language is chosen, so in English).
        texts += [
            with_notice(Screens("en").not_a_choice(), language_menu()),
            with_notice(screens.not_a_choice(), screens.main()),
            with_notice(screens.not_a_choice(), screens.categories()),
            with_notice(screens.not_a_code(), screens.ask_code()),
            with_notice(screens.not_a_code(), screens.ask_retaliation_code()),
            with_notice(screens.code_not_matched(), screens.ask_text()),
            with_notice(screens.empty(), screens.ask_text()),
            with_notice(screens.empty(), screens.ask_more(100_000)),
        ]
        rewards = [r for r in RewardState if r != RewardState.NOT_ELIGIBLE]  # never shown
        for status, outcome in itertools.product(Status, [None, *Outcome]):
            line = screens.status_line(reference, status, outcome)
            texts.append(f"{line}\n{screens.read_reply()}")
            if language in ("en", "rw", "sw"):  # GSM-7: the reward fits beside the status
                texts += [f"{line} {screens.reward(r)}\n{screens.read_reply()}" for r in rewards]
        if language != "en":
            assert screens.main() != Screens("en").main()
            assert screens.filed_new(reference, codename) != Screens("en").filed_new(
                reference, codename
            )
    for text in texts:
        assert fits(text), f"{language}: {text!r}"
    assert "8888 8888 8888 8888" in texts[7]


def test_officer_replies_are_the_only_messages_a_caller_hears(
    handset: Handset, dbs: Session
) -> None:
    code = CODE.search(file_report(handset, FIRST))
    assert code
    [disclosure] = disclosures(dbs)
    officer_writes(dbs, disclosure, author_kind=AuthorKind.MEASURE, text="MEASURE: transfer")
    dbs.commit()
    kind, text = check(handset.again(), code.group(1))
    assert kind == "END"
    assert "MEASURE" not in text
    assert dbs.scalar(select(func.count()).select_from(Message)) == 2
