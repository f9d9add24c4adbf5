"""The SMS dialogue: a report by text message from a feature phone.

This module knows no HTTP and no Twilio: :func:`handle` takes one inbound text
(and any files already fetched), the database session and plain values, and
returns the reply texts. The webhook in ``sms.twilio`` is the only caller.
Why the channel is shaped this way is in the package's docstring
(``hotline/intake/sms/__init__.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from hotline.crypto.codename_text import CodeAndRest, split_code, strip_codename
from hotline.crypto.codenames import CodenameKdf
from hotline.intake.checkin import without_codenames
from hotline.intake.operations import newest_case, retaliation_links, withdraw
from hotline.intake.service import (
    Draft,
    DraftRejected,
    Limits,
    UnknownCase,
    Upload,
    append,
    submit,
)
from hotline.intake.sms.codes import (
    filer_for,
    keys_of,
    retaliation_opening,
    status_lines,
    without_own_codename,
)
from hotline.intake.sms.commands import (
    COMMANDS,
    TRIM,
    category_and_text,
    category_only,
    command_and_rest,
    language_of,
)
from hotline.intake.sms.texts import Texts, paged
from hotline.intake.sms.thread import ThreadState, ThreadStore, open_state, seal_state
from hotline.procedure import DEFAULT_LANGUAGE, Category, Channel
from hotline.routing import Policy


class Dialogue:
    """One inbound message of one thread: decides, files, and says what to reply."""

    def __init__(
        self,
        session: Session,
        state: ThreadState,
        *,
        policy: Policy,
        kdf: CodenameKdf,
        limits: Limits,
        public_url: str,
        channel: Channel = Channel.SMS,
        opt_in: Callable[[str, str], None] | None = None,
    ) -> None:
        self.session = session
        #: Keeps the sender's number sealed for (disclosure id, language); the
        #: gateway holds the number, this dialogue never sees it.
        self.opt_in = opt_in
        self.state = state
        self.channel = channel
        self.policy = policy
        self.kdf = kdf
        self.limits = limits
        self.checkin_url = public_url.rstrip("/") + "/checkin"
        self.closed = False

    @property
    def texts(self) -> Texts:
        return Texts(self.state.language, chat=self.channel == Channel.WHATSAPP)

    def respond(self, body: str, media: Sequence[Upload], media_failed: int) -> list[str]:
        replies = self._respond(body.replace("\r\n", "\n").strip(), media)
        if media_failed:
            replies.append(self.texts.media_failed(media_failed))
        return replies

    def _respond(self, body: str, media: Sequence[Upload]) -> list[str]:
        first, rest = command_and_rest(body)
        command = COMMANDS.get(first)
        whole = command if not rest else None
        in_report = self.state.category is not None

        if whole is not None and whole.startswith("lang:"):
            return self._switch_language(whole.removeprefix("lang:"))
        if whole == "done":
            return self._done()
        if whole == "cancel":
            return self._cancel()
        if whole == "more":
            return self._more()
        if whole == "notify":
            return self._notify()
        if whole == "help":
            return [self.texts.continue_report() if in_report else self.texts.welcome()]
        if command == "status":
            code = split_code(rest)
            if code is not None or not rest:
                return self._status(code)
            if not in_report:
                return [self.texts.status_usage()]
        if command == "reply":
            code = split_code(rest)
            if code is not None or not rest:
                return self._reply(code, media)
            if not in_report:
                return [self.texts.reply_usage()]

        if command == "retaliation":
            code = split_code(rest)
            if code is not None or not rest or not in_report:
                return self._retaliation(code, rest, media)

        if self.state.disclosure_id is None:
            # A lone number chooses (or, before anything is filed, corrects) the
            # category; a number and text count as both only as the opening move,
            # so "3 officers took bribes" after a choice is report text.
            chosen = category_only(body)
            if chosen:
                return self._choose(chosen, media)
            both = None if in_report else category_and_text(body)
            if both:
                self.state.category, text = both
                return self._file(text, media)
        if in_report:
            if not body and not media:
                return [self.texts.continue_report()]
            return self._file(body, media)
        replies = [self.texts.welcome()]
        if media:
            replies.append(self.texts.media_needs_category())
        return replies

    # --- commands ------------------------------------------------------------------

    def _switch_language(self, language: str) -> list[str]:
        self.state.language = language
        texts = self.texts
        return [texts.continue_report() if self.state.category else texts.welcome()]

    def _choose(self, category: Category, media: Sequence[Upload]) -> list[str]:
        self.state.category = category
        if media:
            return self._file("", media)
        if category == Category.RETALIATION:
            return [self._ask_retaliation()]
        return [self.texts.ask_details(category)]

    def _ask_retaliation(self) -> str:
        known = self.state.known_reporter_id is not None
        return self.texts.ask_retaliation_linked() if known else self.texts.ask_retaliation()

    def _retaliation(
        self, code: CodeAndRest | None, rest: str, media: Sequence[Upload]
    ) -> list[str]:
        """``RETALIATION [code] [text]``: a new retaliation report, never an addition
        to an earlier one, linked to the earlier reports of the code's reporter
        (or of the one this thread proved, or filed for); a wrong code is said so,
        and the report is filed unlinked under a new code."""
        state = self.state
        known = state.known_reporter_id or state.reporter_id
        opening = retaliation_opening(self.session, self.kdf, code, rest)
        state.reset()
        state.category = Category.RETALIATION
        state.known_reporter_id = None if opening.wrong_code else opening.reporter_id or known
        notices = [self.texts.code_not_matched()] if opening.wrong_code else []
        text = opening.text.strip(TRIM + " \n")
        if not text and not media:
            return [*notices, self._ask_retaliation()]
        return [*notices, *self._file(text, media)]

    def _file(self, text: str, media: Sequence[Upload]) -> list[str]:
        """File this part now: the first creates the disclosure, later ones append."""
        state = self.state
        category = state.category or Category.OTHER
        own = state.reporter_id or state.known_reporter_id
        if own:
            # A reporter may paste their code into the report: officers never see it.
            text = without_own_codename(self.session, self.kdf, text, own)
        texts = self.texts
        try:
            if state.disclosure_id is None or state.reporter_id is None:
                filer, text, notices = filer_for(self.session, self.kdf, state, texts, text)
                # After filer_for, which may need a leading codename to know the filer.
                text = without_codenames(self.session, self.kdf, text)
                receipt = submit(
                    self.session,
                    Draft(
                        category=category,
                        text=text,
                        channel=self.channel,
                        attachments=media,
                        related_to=retaliation_links(
                            self.session,
                            reporter_id=filer.reporter_id if filer is not None else None,
                            category=category,
                        ),
                        codename_kind="digits",
                        language=state.language,
                    ),
                    policy=self.policy,
                    kdf=self.kdf,
                    limits=self.limits,
                    reporter=filer,
                )
                state.disclosure_id = receipt.disclosure_id
                state.reporter_id = receipt.reporter_id
                state.reference = receipt.reference
                state.parts = 1
                files = receipt.files
                filed = (
                    texts.filed_first(receipt.codename, receipt.reference)
                    if receipt.codename is not None
                    else texts.filed_linked(receipt.reference)
                )
                how = (
                    texts.how_to_check_or_notify(self.checkin_url)
                    if self.opt_in is not None
                    else texts.how_to_check(self.checkin_url)
                )
                replies = [*notices, filed, how]
            else:
                files = append(
                    self.session,
                    reporter_id=state.reporter_id,
                    disclosure_id=state.disclosure_id,
                    text=without_codenames(self.session, self.kdf, text),
                    attachments=media,
                    limits=self.limits,
                )
                state.parts += 1
                replies = [texts.filed_more()]
        except DraftRejected as exc:
            return [self.texts.refusal(exc.reason, self.limits.max_chars)]
        except UnknownCase:
            # The case is gone (destroyed by retention): start over, file nothing.
            state.reset()
            return [texts.welcome()]
        if any(f.metadata_warning for f in files):
            replies.append(texts.file_warning())
        return replies

    def _done(self) -> list[str]:
        state = self.state
        self.closed = True
        if state.disclosure_id:
            # The codename was shown when the first part was filed and not kept.
            return [self.texts.finished(), self.texts.how_to_check(self.checkin_url)]
        return [self.texts.finished()]

    def _cancel(self) -> list[str]:
        state = self.state
        texts = self.texts
        filed = state.disclosure_id is not None
        if state.disclosure_id and state.reporter_id:
            withdraw(self.session, state.disclosure_id, state.reporter_id)
        state.reset()
        return [texts.cancelled() if filed else texts.nothing_to_cancel()]

    def _notify(self) -> list[str]:
        """NOTIFY: the reporter agrees to a content-free text when an officer
        replies to the case this thread filed (default: no text)."""
        state = self.state
        if state.disclosure_id is None or self.opt_in is None:
            return [self.texts.notify_nothing_filed()]
        self.opt_in(state.disclosure_id, state.language)
        return [self.texts.notify_agreed()]

    def _more(self) -> list[str]:
        if not self.state.pages:
            return [self.texts.nothing_more()]
        return [self.state.pages.pop(0)]

    def _status(self, code: CodeAndRest | None) -> list[str]:
        texts = self.texts
        if code is None:
            return [texts.status_usage()]
        if code.digits is None or code.rest.strip(TRIM + " "):
            return [texts.unknown_code()]
        keys = keys_of(self.session, self.kdf, code.digits)
        if keys is None:
            return [texts.unknown_code()]
        self.state.known_reporter_id = keys.reporter_id
        pages = paged(status_lines(self.session, keys, texts), texts)
        self.state.pages = pages[1:]
        return pages[:1]

    def _reply(self, code: CodeAndRest | None, media: Sequence[Upload]) -> list[str]:
        texts = self.texts
        if code is None:
            return [texts.reply_usage()]
        if code.digits is None:
            return [texts.unknown_code()]
        keys = keys_of(self.session, self.kdf, code.digits)
        if keys is None:
            return [texts.unknown_code()]
        self.state.known_reporter_id = keys.reporter_id
        # The code is removed before sealing: officers never see it, wherever it was typed.
        text = strip_codename(code.rest, code.digits).strip(" :,-\n")
        if not text and not media:
            return [texts.reply_usage()]
        text = without_codenames(self.session, self.kdf, text)
        newest = newest_case(self.session, keys.reporter_id)
        if newest is None:
            return [texts.unknown_code()]
        try:
            files = append(
                self.session,
                reporter_id=keys.reporter_id,
                disclosure_id=newest.id,
                text=text,
                attachments=media,
                limits=self.limits,
            )
        except DraftRejected as exc:
            return [self.texts.refusal(exc.reason, self.limits.max_chars)]
        replies = [texts.reply_added(newest.reference)]
        if any(f.metadata_warning for f in files):
            replies.append(texts.file_warning())
        return replies


def handle(
    session: Session,
    threads: ThreadStore,
    *,
    sender_key: str,
    state_key: bytes,
    body: str,
    media: Sequence[Upload] = (),
    media_failed: int = 0,
    channel: Channel = Channel.SMS,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits,
    public_url: str,
    now: dt.datetime,
    opt_in: Callable[[str, str], None] | None = None,
) -> list[str]:
    """Answer one inbound SMS; the caller holds ``threads.locked(sender_key)``
    and commits. Returns the reply texts.

    ``sender_key`` and ``state_key`` come from :func:`.thread.thread_keys`; the number
    itself never reaches this function, so nothing here can store or log it.
    """
    sealed = threads.load(sender_key, now)
    state = open_state(sealed, state_key, sender_key) if sealed is not None else None
    if state is None:
        state = ThreadState(language=language_of(body) or DEFAULT_LANGUAGE)
    dialogue = Dialogue(
        session,
        state,
        policy=policy,
        kdf=kdf,
        limits=limits,
        public_url=public_url,
        channel=channel,
        opt_in=opt_in,
    )
    replies = dialogue.respond(body, media, media_failed)
    session.flush()
    if dialogue.closed or state.is_blank():
        threads.forget(sender_key)
    else:
        threads.keep(sender_key, seal_state(state, state_key, sender_key), now)
    return replies
