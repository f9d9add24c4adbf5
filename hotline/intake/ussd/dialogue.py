"""What one USSD request answers: the next screen, and the filing when it sends.

Takes the session's answers, the database session and plain values; knows no
HTTP and no gateway. Reports are filed through ``intake.service`` like every
channel's; the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import assert_never

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.codenames import CodenameKdf, ReporterKeys
from hotline.intake.checkin import (
    UnknownCodename,
    authenticate,
    unread_replies,
    without_codenames,
)
from hotline.intake.operations import retaliation_links
from hotline.intake.service import Draft, DraftRejected, Limits, submit
from hotline.intake.ussd.menu import Notice, Position, Step, walk
from hotline.intake.ussd.screens import Screens, fits, language_menu, paginate, with_notice
from hotline.models import Disclosure
from hotline.procedure import Channel, DraftRefusal, RewardState
from hotline.routing import Policy
from hotline.sealing import decisions
from hotline.sealing.items import read_message
from hotline.sealing.recipients import reporter_recipient


@dataclass(frozen=True)
class Screen:
    """One answer: its text, and whether the session ends with it (``END``)."""

    text: str
    final: bool


@dataclass(frozen=True)
class Intake:
    """What filing needs, from the application."""

    policy: Policy
    kdf: CodenameKdf
    limits: Limits


def answer(
    session: Session,
    inputs: Sequence[str],
    intake: Intake,
    *,
    first_filing: Callable[[], bool],
) -> Screen:
    """The screen for a session that has keyed ``inputs`` so far.

    ``first_filing`` is asked just before a report is filed: False when this
    session's report was filed already (the gateway resent the request).
    """
    position = walk(inputs)
    screens = Screens(position.language)
    match position.step:
        case Step.LANGUAGE:
            return _menu(language_menu(), screens, position.notice)
        case Step.MAIN:
            return _menu(screens.main(), screens, position.notice)
        case Step.CATEGORY:
            return _menu(screens.categories(), screens, position.notice)
        case Step.CODE:
            return _menu(screens.ask_code(), screens, position.notice)
        case Step.RETALIATION_CODE:
            return _menu(screens.ask_retaliation_code(), screens, position.notice)
        case Step.TEXT:
            return _text(session, position, screens, intake)
        case Step.SEND:
            if not first_filing():
                return Screen(screens.already_filed(), final=True)
            return _file(session, position, screens, intake)
        case Step.STATUS:
            return _status(session, position, screens, intake.kdf)
        case Step.EXIT:
            return Screen(screens.goodbye(), final=True)
        case _:
            assert_never(position.step)


def _menu(screen: str, screens: Screens, notice: Notice | None) -> Screen:
    match notice:
        case None:
            return Screen(screen, final=False)
        case Notice.NOT_A_CHOICE:
            return Screen(with_notice(screens.not_a_choice(), screen), final=False)
        case Notice.NOT_A_CODE:
            return Screen(with_notice(screens.not_a_code(), screen), final=False)
        case Notice.EMPTY:
            return Screen(with_notice(screens.empty(), screen), final=False)
        case _:
            assert_never(notice)


def _reporter(session: Session, kdf: CodenameKdf, code: str | None) -> ReporterKeys | None:
    if code is None:
        return None
    return authenticate(session, kdf, code)


def _text(session: Session, position: Position, screens: Screens, intake: Intake) -> Screen:
    if position.code is not None and not position.parts and position.notice is None:
        # The linking code was just keyed: check it before the caller types a
        # report. A wrong one loses nothing: the report is filed all the same,
        # a retaliation report of its own, unlinked, under a new code.
        try:
            _reporter(session, intake.kdf, position.code)
        except UnknownCodename:
            return Screen(with_notice(screens.code_not_matched(), screens.ask_text()), final=False)
    if not position.parts:
        return _menu(screens.ask_text(), screens, position.notice)
    return _menu(screens.ask_more(len(position.text)), screens, position.notice)


def _file(session: Session, position: Position, screens: Screens, intake: Intake) -> Screen:
    if position.category is None:  # the menu reaches SEND only through a category
        return Screen(screens.main(), final=False)
    try:
        reporter = _reporter(session, intake.kdf, position.code)
    except UnknownCodename:
        reporter = None  # said when the code was keyed: filed unlinked, under a new code
    draft = Draft(
        category=position.category,
        # A code typed into the report (the caller's own or another's) would let
        # every officer who reads it open that reporter's check-in.
        text=without_codenames(session, intake.kdf, position.text),
        channel=Channel.USSD,
        related_to=retaliation_links(
            session,
            reporter_id=reporter.reporter_id if reporter is not None else None,
            category=position.category,
        ),
        codename_kind="digits",
        language=screens.language,
    )
    try:
        receipt = submit(
            session,
            draft,
            policy=intake.policy,
            kdf=intake.kdf,
            limits=intake.limits,
            reporter=reporter,
        )
    except DraftRejected as exc:
        return Screen(screens.not_filed(_refusal(exc, screens, intake.limits)), final=True)
    if receipt.codename is None:
        return Screen(screens.filed_linked(receipt.reference), final=True)
    return Screen(screens.filed_new(receipt.reference, receipt.codename), final=True)


def _refusal(exc: DraftRejected, screens: Screens, limits: Limits) -> str:
    match exc.reason:
        case DraftRefusal.TEXT_TOO_LONG:
            return screens.too_long(limits.max_chars)
        case (
            DraftRefusal.EMPTY
            | DraftRefusal.UNROUTABLE
            | DraftRefusal.FILES_TOO_LARGE
            | DraftRefusal.UNREADABLE_FILE
            | DraftRefusal.FILES_TOO_COSTLY
        ):
            return screens.cannot_file()
        case _:
            assert_never(exc.reason)


def _status(session: Session, position: Position, screens: Screens, kdf: CodenameKdf) -> Screen:
    """The caller's cases and their status; ``1`` reads the newest unread reply,
    page by page. A reply is marked read once its last page is shown."""
    try:
        keys = _reporter(session, kdf, position.code)
    except UnknownCodename:
        keys = None
    if keys is None:
        return Screen(screens.unknown_code(), final=True)
    verified = unread_replies(session, keys.reporter_id)
    newest = verified[0] if verified else None
    if position.pages_read == 0 or newest is None:
        return _overview(session, keys, screens, has_reply=newest is not None)
    private = {reporter_recipient(keys.reporter_id): keys.private_key}
    reply = screens.reply_heading(newest.disclosure.reference) + "\n"
    reply += read_message(session, newest, private)
    pages = paginate(reply, screens.more())
    page = min(position.pages_read, len(pages)) - 1
    if page == len(pages) - 1:
        newest.reporter_read = True
        return Screen(pages[page], final=True)
    return Screen(pages[page], final=False)


def _overview(session: Session, keys: ReporterKeys, screens: Screens, *, has_reply: bool) -> Screen:
    disclosures = session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == keys.reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference)
    )
    last = screens.read_reply() if has_reply else screens.no_new_reply()
    lines = []
    for disclosure in disclosures:
        shown = decisions.for_reporter(session, disclosure)
        line = screens.status_line(disclosure.reference, shown.status, shown.outcome)
        if shown.reward_state != RewardState.NOT_ELIGIBLE:
            # The reward goes where the screen has room (UCS-2 screens are short);
            # the check-in page and SMS STATUS always show it.
            with_reward = f"{line} {screens.reward(shown.reward_state)}"
            line = with_reward if fits(f"{with_reward}\n{last}") else line
        lines.append(line)
    return Screen(_first_screen(lines, last), final=not has_reply)


def _first_screen(cases: list[str], last: str) -> str:
    """The newest cases that fit on one screen with the last line."""
    while cases and not fits("\n".join([*cases, last])):
        cases = cases[:-1]
    return "\n".join([*cases, last])
