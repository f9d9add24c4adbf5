"""The SMS dialogue: a report by text message from a feature phone.

This module knows no HTTP and no Twilio: :func:`handle` takes one inbound text
(and any files already fetched), the database session and plain values, and
returns the reply texts. The webhook in ``sms_views`` is the only caller.

Why it is shaped this way (the reporter may lose a job or a life if found out):

* **No phone number is stored.** A thread is found by
  ``keyed_hash("sms-thread", From)`` (useless without the pepper) and its state
  is sealed with ChaCha20-Poly1305 under a key derived with HKDF from the
  pepper *and* ``From``. The server can read the state only while that sender
  is talking to it; the database plus the keys directory do not list who
  reported. Threads expire 30 minutes after the last message and are deleted
  on ``DONE``; expired ones are swept on every call.
* **Every part is filed at once** through ``intake.service`` (sealed to the
  routed queues and the codename key, public keys only), so a thread abandoned
  halfway, a phone taken away or a battery gone loses nothing.
* **The codename is shown at the first filed part and again on DONE**: it must
  reach the reporter even if they never send DONE. Until then it waits sealed
  in the thread state, never in clear, never in a log, never in report text
  (it is stripped from every part before sealing, so officers never see it).
* **Unknown input gets the menu, never an error**, in the thread's language.
  Commands are accepted in every language at any time, so a reporter who
  switched language by mistake can still finish.
* **Every reply fits one SMS of at most two GSM-7 or three UCS-2 segments**
  (``gsm.fits``); long content (an officer's reply) is paged behind ``MORE``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Concatenate, ParamSpec

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import force_locale
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.cases.states import outcome_label, reward_label, status_label
from hotline.crypto.codenames import DIGIT_CODENAME_LENGTH, CodenameKdf
from hotline.crypto.keyring import InstanceSecrets
from hotline.intake import gsm
from hotline.intake.checkin import UnknownCodename, authenticate
from hotline.intake.email_message import strip_codename
from hotline.intake.service import (
    Draft,
    DraftRejected,
    Limits,
    UnknownCase,
    Upload,
    append,
    submit,
)
from hotline.models import Disclosure, Message, Reporter, SealedKey, SmsThread, utcnow
from hotline.routing import Policy
from hotline.sealing.items import read_message
from hotline.sealing.recipients import reporter_recipient
from hotline.sealing.shredding import CASE_CONTENT, shred

P = ParamSpec("P")


def _(text: str, **variables: object) -> str:
    """flask_babel's gettext, typed (the catalogue extractor knows ``_``)."""
    return str(_gettext(text, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """flask_babel's ngettext, typed; ``%(num)d`` is the count."""
    return str(_ngettext(singular, plural, num, **variables))


#: A thread lives this long after its last message.
THREAD_LIFETIME = dt.timedelta(minutes=30)
STATE_LABEL = b"sms-thread-state"
STATE_VERSION = b"\x01"
LANGUAGES = ("en", "fr", "rw", "sw", "ar")
DEFAULT_LANGUAGE = "en"

#: Menu number → category of the routing policy.
MENU: dict[int, str] = {
    1: "taxpayer_fraud",
    2: "staff_misconduct",
    3: "retaliation",
    4: "other",
}

#: Commands in each language. The first word of the thread's language is the
#: one replies show; every word of every language is accepted at any time.
#: (Twilio treats CANCEL as an opt-out word on some numbers; DELETE works too.)
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "done": {
        "en": ("DONE",),
        "fr": ("FIN", "TERMINE"),
        "rw": ("NDANGIJE",),
        "sw": ("MWISHO",),
        "ar": ("تم",),
    },
    "cancel": {
        "en": ("CANCEL", "DELETE"),
        "fr": ("ANNULER",),
        "rw": ("HAGARIKA",),
        "sw": ("GHAIRI",),
        "ar": ("إلغاء",),
    },
    "more": {
        "en": ("MORE",),
        "fr": ("SUITE", "PLUS"),
        "rw": ("IBINDI",),
        "sw": ("ZAIDI",),
        "ar": ("المزيد",),
    },
    "status": {
        "en": ("STATUS",),
        "fr": ("STATUT", "ETAT"),
        "rw": ("AMAKURU",),
        "sw": ("HALI",),
        "ar": ("حالة",),
    },
    "reply": {
        "en": ("REPLY",),
        "fr": ("REPONDRE", "REPONSE"),
        "rw": ("SUBIZA",),
        "sw": ("JIBU",),
        "ar": ("رد",),
    },
    "help": {
        "en": ("HELP", "MENU"),
        "fr": ("AIDE",),
        "rw": ("UBUFASHA",),
        "sw": ("MSAADA",),
        "ar": ("مساعدة",),
    },
}
#: Words that switch the thread's language.
LANGUAGE_WORDS: dict[str, str] = {
    "EN": "en",
    "ENGLISH": "en",
    "FR": "fr",
    "FRANCAIS": "fr",
    "RW": "rw",
    "KINYARWANDA": "rw",
    "IKINYARWANDA": "rw",
    "SW": "sw",
    "KISWAHILI": "sw",
    "SWAHILI": "sw",
    "AR": "ar",
    "العربية": "ar",
    "عربي": "ar",
}

_TRIM = ".,;:!?¿¡'\"()*-_،؟؛"
#: What may sit between the digits of a codename typed on a phone.
_CODE_SEPARATORS = frozenset(" \t\n\r\u00a0\u202f-\u2010\u2011\u2012\u2013\u2014._/,\u066b\u066c")
_CATEGORY_ONLY = re.compile(r"^\s*(\d)\s*[.):]?\s*$")
_CATEGORY_AND_TEXT = re.compile(r"^\s*(\d)(?:\s*[.):]\s*|\s+)(\S.*)$", re.DOTALL)


def fold(word: str) -> str:
    """A word as commands compare it: no accents, Arabic hamza or tatweel,
    invisible marks, case or surrounding punctuation."""
    text = unicodedata.normalize("NFKD", word)
    text = "".join(
        c
        for c in text
        if not unicodedata.combining(c) and unicodedata.category(c) != "Cf" and c != "\u0640"
    )
    return text.casefold().strip(_TRIM)


def _command_table() -> dict[str, str]:
    table = {
        fold(word): command
        for command, by_language in KEYWORDS.items()
        for words in by_language.values()
        for word in words
    }
    table.update({fold(word): f"lang:{code}" for word, code in LANGUAGE_WORDS.items()})
    return table


COMMANDS = _command_table()


def _command_languages() -> dict[str, str]:
    """Command words that belong to one language only, with that language."""
    seen: dict[str, set[str]] = {}
    for by_language in KEYWORDS.values():
        for language, words in by_language.items():
            for word in words:
                seen.setdefault(fold(word), set()).add(language)
    return {word: next(iter(langs)) for word, langs in seen.items() if len(langs) == 1}


COMMAND_LANGUAGES = _command_languages()


def language_of(body: str) -> str | None:
    """The language of a message's command word, when only one language has it:
    a reporter who comes back days later with "STATUT <code>" is answered in
    French although their old thread, and its language, are long gone."""
    words = body.split(None, 1)
    return COMMAND_LANGUAGES.get(fold(words[0])) if words else None


def keyword(command: str, language: str) -> str:
    """The word replies show for a command, in the thread's language."""
    return KEYWORDS[command].get(language, KEYWORDS[command]["en"])[0]


# --- thread state, sealed to the sender --------------------------------------------


@dataclass(repr=False)
class ThreadState:
    """What a thread remembers between messages; only ever stored sealed."""

    language: str = DEFAULT_LANGUAGE
    category: str | None = None
    reporter_id: str | None = None
    disclosure_id: str | None = None
    reference: str | None = None
    #: The new codename, until DONE repeats it (sealed; deleted with the thread).
    codename: str | None = None
    parts: int = 0
    #: Replies waiting for MORE.
    pages: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # never show the codename or pages
        return f"ThreadState({self.language}, {self.category}, parts={self.parts})"

    def is_blank(self) -> bool:
        """Nothing worth keeping: such a thread is not stored at all."""
        return self == ThreadState()

    def reset(self) -> None:
        """Forget the report in progress; keep only the language."""
        language = self.language
        self.__dict__.update(asdict(ThreadState(language=language)))


def thread_keys(instance_secrets: InstanceSecrets, sender: str) -> tuple[str, bytes]:
    """The thread's lookup key and the key that seals its state.

    Both need the pepper *and* the sender's number, which the server has only
    while that sender is talking to it: the database alone tells no one which
    number is in a dialogue, or what the dialogue holds.
    """
    sender_key = instance_secrets.keyed_hash("sms-thread", sender)
    state_key = HKDF(algorithm=SHA256(), length=32, salt=STATE_LABEL, info=STATE_LABEL).derive(
        instance_secrets.pepper + b"|" + sender.encode("utf-8")
    )
    return sender_key, state_key


def seal_state(state: ThreadState, state_key: bytes, sender_key: str) -> bytes:
    """The state, AEAD-encrypted and bound to its thread (a row copied onto
    another thread does not open)."""
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(asdict(state), ensure_ascii=False, separators=(",", ":"))
    aad = STATE_LABEL + b"|" + sender_key.encode()
    return (
        STATE_VERSION
        + nonce
        + ChaCha20Poly1305(state_key).encrypt(nonce, plaintext.encode("utf-8"), aad)
    )


def open_state(sealed: bytes, state_key: bytes, sender_key: str) -> ThreadState | None:
    """The state, or None when it does not open (then the thread starts over)."""
    if not sealed.startswith(STATE_VERSION) or len(sealed) < 1 + 12 + 16:
        return None
    aad = STATE_LABEL + b"|" + sender_key.encode()
    try:
        plaintext = ChaCha20Poly1305(state_key).decrypt(sealed[1:13], sealed[13:], aad)
        data = json.loads(plaintext.decode("utf-8"))
    except (InvalidTag, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    known = {f.name for f in fields(ThreadState)}
    try:
        state = ThreadState(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None
    if state.language not in LANGUAGES:
        state.language = DEFAULT_LANGUAGE
    return state


def sweep_expired(session: Session, now: dt.datetime) -> None:
    """Delete every thread past its expiry (compared in SQL: SQLite keeps no zone)."""
    session.execute(delete(SmsThread).where(SmsThread.expires_at <= now))


def read_thread(session: Session, sender_key: str, state_key: bytes) -> ThreadState | None:
    """The live state of a thread, for the webhook and tests; None if there is none."""
    row = session.scalars(
        select(SmsThread).where(SmsThread.key_hash == sender_key, SmsThread.expires_at > utcnow())
    ).first()
    return None if row is None else open_state(row.sealed_state, state_key, sender_key)


# --- the texts ---------------------------------------------------------------------------


#: Texts that are only parts of a STATUS answer: the whole answer is paged.
STATUS_PIECES = frozenset(
    {
        "status_line",
        "status_name",
        "reward",
        "reply_heading",
        "no_new_reply",
        "more_unread",
        "delete_after_reading",
    }
)


def _localised(
    method: Callable[Concatenate[Texts, P], str],
) -> Callable[Concatenate[Texts, P], str]:
    """Render the text in the language of its ``Texts``, whatever the request's."""

    @functools.wraps(method)
    def localised(self: Texts, /, *args: P.args, **kwargs: P.kwargs) -> str:
        with force_locale(self.language):
            return str(method(self, *args, **kwargs))

    return localised


class Texts:
    """Every reply, translatable. Call inside ``force_locale(language)``.

    English texts use GSM-7 characters only (no curly quotes, no dashes), and
    each text fits one reply with the longest values it can carry, also when
    an Arabic command word makes it UCS-2 (tests/intake/test_sms.py checks).
    """

    def __init__(self, language: str) -> None:
        self.language = language

    def kw(self, command: str) -> str:
        return keyword(command, self.language)

    @_localised
    def welcome(self) -> str:
        return _(
            "Welcome. Never give your name. Choose a number:\n"
            "1 Tax fraud or smuggling\n"
            "2 Staff corruption or misconduct\n"
            "3 Retaliation for reporting\n"
            "4 Other\n"
            "FR RW SW AR EN: language\n"
            "%(status)s + code: check a report",
            status=self.kw("status"),
        )

    @_localised
    def category_label(self, category: str) -> str:
        labels = {
            "taxpayer_fraud": _("Tax fraud or smuggling"),
            "staff_misconduct": _("Staff corruption or misconduct"),
            "retaliation": _("Retaliation for reporting"),
            "other": _("Other"),
        }
        return labels[category]

    @_localised
    def ask_details(self, category: str) -> str:
        return _(
            "%(category)s: tell us who, what, where and when. Each message you send is "
            "filed at once. Send %(done)s when finished or %(cancel)s to delete it.",
            category=self.category_label(category),
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def continue_report(self) -> str:
        return _(
            "Continue your report: each message is filed at once. Send %(done)s when "
            "finished or %(cancel)s to delete it.",
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def filed_first(self, code: str, reference: str) -> str:
        return _(
            "Filed as %(reference)s. Your code: %(code)s. Write it down, then delete this "
            "SMS thread. Send more details, %(done)s when finished, %(cancel)s to delete.",
            reference=reference,
            code=code,
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def filed_more(self) -> str:
        return _(
            "Added. Send more, %(done)s when finished, or %(cancel)s to delete the report.",
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def how_to_check(self, url: str) -> str:
        return _(
            "To read replies later, send %(status)s and your code, or go to %(url)s",
            status=self.kw("status"),
            url=url,
        )

    @_localised
    def done(self, code: str, reference: str) -> str:
        return _(
            "Thank you. Report %(reference)s is filed. Your code: %(code)s. Keep it "
            "secret and delete this SMS thread now.",
            reference=reference,
            code=code,
        )

    @_localised
    def finished(self) -> str:
        return _("Finished. Please delete this SMS thread.")

    @_localised
    def cancelled(self) -> str:
        return _(
            "Cancelled: the report from this conversation is deleted. Please delete "
            "this SMS thread too."
        )

    @_localised
    def nothing_to_cancel(self) -> str:
        return _("Cancelled. Nothing was filed.")

    @_localised
    def media_needs_category(self) -> str:
        return _("Files are kept only in a report: choose a number first, then send them again.")

    @_localised
    def media_failed(self, count: int) -> str:
        return ngettext(
            "%(num)d file did not arrive. Please send it again.",
            "%(num)d files did not arrive. Please send them again.",
            count,
        )

    @_localised
    def file_warning(self) -> str:
        return _("We could not remove hidden data (like place or author) from a file.")

    @_localised
    def too_long(self, count: int) -> str:
        return _("Not filed: at most %(count)s characters per message.", count=f"{count:,}")

    @_localised
    def files_too_large(self) -> str:
        return _("Not filed: the files are too large. Send fewer or smaller files.")

    @_localised
    def file_unreadable(self) -> str:
        return _("Not filed: a file could not be read. Send a photo or a PDF instead.")

    @_localised
    def not_filed(self) -> str:
        return _("Not filed. Please send your message again as text.")

    @_localised
    def more_hint(self) -> str:
        return _("Send %(more)s for the rest.", more=self.kw("more"))

    @_localised
    def nothing_more(self) -> str:
        return _("Nothing more to send.")

    @_localised
    def unknown_code(self) -> str:
        return _("No report matches this code. Check the 16 digits and try again.")

    @_localised
    def status_usage(self) -> str:
        return _(
            "To check a report, send %(status)s and your 16-digit code.",
            status=self.kw("status"),
        )

    @_localised
    def reply_usage(self) -> str:
        return _(
            "To add to a report, send %(reply)s, your 16-digit code, then your message.",
            reply=self.kw("reply"),
        )

    @_localised
    def reply_added(self, reference: str) -> str:
        return _(
            "Added to report %(reference)s. Delete this SMS thread now: it holds your code.",
            reference=reference,
        )

    # Pieces of a STATUS answer; the whole is paged, so these need not fit alone.

    @_localised
    def status_line(self, reference: str, status: str) -> str:
        return _("%(reference)s: %(status)s.", reference=reference, status=status)

    @_localised
    def status_name(self, status: str, outcome: str | None) -> str:
        label = status_label(status)
        if status == "closed" and outcome:
            return _("%(status)s (%(outcome)s)", status=label, outcome=outcome_label(outcome))
        return label

    @_localised
    def reward(self, state: str) -> str:
        return _("Reward: %(reward)s.", reward=reward_label(state))

    @_localised
    def reply_heading(self, reference: str) -> str:
        return _("Reply on %(reference)s:", reference=reference)

    @_localised
    def no_new_reply(self) -> str:
        return _("No new reply.")

    @_localised
    def more_unread(self, count: int) -> str:
        return ngettext(
            "%(num)d more new reply: send %(status)s and your code again.",
            "%(num)d more new replies: send %(status)s and your code again.",
            count,
            status=self.kw("status"),
        )

    @_localised
    def delete_after_reading(self) -> str:
        return _("Delete this SMS thread after reading.")


# --- parsing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeAndRest:
    """A codename typed after a command: its ASCII digits (or None when the
    digits there are not a codename), and the text that follows."""

    digits: str | None
    rest: str


def split_code(text: str) -> CodeAndRest | None:
    """Read a codename at the start of text; None when text does not start with a digit.

    Any digit script (Arabic-Indic included) and any grouping is accepted. The
    code ends at its sixteenth digit; a seventeenth digit right after it means
    this is not a codename (``digits`` is None then).
    """
    stripped = text.lstrip("".join(_CODE_SEPARATORS))
    if not stripped or unicodedata.decimal(stripped[0], None) is None:
        return None
    digits: list[str] = []
    end = 0
    for position, char in enumerate(stripped):
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(str(value))
            end = position + 1
            if len(digits) == DIGIT_CODENAME_LENGTH:
                break
        elif char not in _CODE_SEPARATORS:
            break
    rest = stripped[end:]
    too_many = bool(rest) and unicodedata.decimal(rest[0], None) is not None
    if len(digits) != DIGIT_CODENAME_LENGTH or too_many:
        return CodeAndRest(None, "")
    return CodeAndRest("".join(digits), rest.strip())


def menu_category(char: str) -> str | None:
    """The category a menu digit (in any script) chooses, if any."""
    value = unicodedata.decimal(char, None)
    return MENU.get(value) if value is not None else None


# --- the dialogue --------------------------------------------------------------------------


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
    ) -> None:
        self.session = session
        self.state = state
        self.policy = policy
        self.kdf = kdf
        self.limits = limits
        self.checkin_url = public_url.rstrip("/") + "/checkin"
        self.closed = False

    @property
    def texts(self) -> Texts:
        return Texts(self.state.language)

    def respond(self, body: str, media: Sequence[Upload], media_failed: int) -> list[str]:
        replies = self._respond(body.replace("\r\n", "\n").strip(), media)
        if media_failed:
            replies.append(self.texts.media_failed(media_failed))
        return replies

    def _respond(self, body: str, media: Sequence[Upload]) -> list[str]:
        words = body.split(None, 1)
        first = fold(words[0]) if words else ""
        rest = words[1] if len(words) > 1 else ""
        command = COMMANDS.get(first)
        whole = command if len(words) == 1 else None
        in_report = self.state.category is not None

        if whole is not None and whole.startswith("lang:"):
            return self._switch_language(whole.removeprefix("lang:"))
        if whole == "done":
            return self._done()
        if whole == "cancel":
            return self._cancel()
        if whole == "more":
            return self._more()
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

        if self.state.disclosure_id is None:
            # A lone number chooses (or, before anything is filed, corrects) the
            # category; a number and text count as both only as the opening move,
            # so "3 officers took bribes" after a choice is report text.
            only = _CATEGORY_ONLY.match(body)
            chosen = menu_category(only.group(1)) if only else None
            if chosen:
                return self._choose(chosen, media)
            both = None if in_report else _CATEGORY_AND_TEXT.match(body)
            chosen = menu_category(both.group(1)) if both else None
            if both and chosen:
                self.state.category = chosen
                return self._file(both.group(2), media)
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

    def _choose(self, category: str, media: Sequence[Upload]) -> list[str]:
        self.state.category = category
        if media:
            return self._file("", media)
        return [self.texts.ask_details(category)]

    def _file(self, text: str, media: Sequence[Upload]) -> list[str]:
        """File this part now: the first creates the disclosure, later ones append."""
        state = self.state
        category = state.category or MENU[4]
        if state.codename:
            # A reporter may paste their code into the report: officers never see it.
            text = strip_codename(text, state.codename.replace(" ", ""))
        texts = self.texts
        try:
            if state.disclosure_id is None or state.reporter_id is None:
                receipt = submit(
                    self.session,
                    Draft(
                        category=category,
                        text=text,
                        channel="sms",
                        attachments=media,
                        codename_kind="digits",
                    ),
                    policy=self.policy,
                    kdf=self.kdf,
                    limits=self.limits,
                )
                state.disclosure_id = receipt.disclosure_id
                state.reporter_id = receipt.reporter_id
                state.reference = receipt.reference
                state.codename = receipt.codename
                state.parts = 1
                files = receipt.files
                replies = [
                    texts.filed_first(receipt.codename or "", receipt.reference),
                    texts.how_to_check(self.checkin_url),
                ]
            else:
                files = append(
                    self.session,
                    reporter_id=state.reporter_id,
                    disclosure_id=state.disclosure_id,
                    text=text,
                    attachments=media,
                    limits=self.limits,
                )
                state.parts += 1
                replies = [texts.filed_more()]
        except DraftRejected as exc:
            return [self._rejection(exc)]
        except UnknownCase:
            # The case is gone (destroyed by retention): start over, file nothing.
            state.reset()
            return [texts.welcome()]
        if any(f.metadata_warning for f in files):
            replies.append(texts.file_warning())
        return replies

    def _rejection(self, exc: DraftRejected) -> str:
        """The service's refusal in the thread's language (by its stable reason key,
        or by its English message for older service versions)."""
        reason = str(getattr(exc, "reason", ""))
        message = str(exc)
        texts = self.texts
        if reason == "text_too_long" or message.startswith("The text is too long"):
            return texts.too_long(self.limits.max_chars)
        if reason == "files_too_large" or message.startswith("The files are too large"):
            return texts.files_too_large()
        if reason == "unreadable_file" or message.startswith("A file could not be read"):
            return texts.file_unreadable()
        if reason == "empty" or message.startswith("Please describe"):
            return texts.continue_report()
        return texts.not_filed()

    def _done(self) -> list[str]:
        state = self.state
        self.closed = True
        if state.disclosure_id and state.codename and state.reference:
            return [
                self.texts.done(state.codename, state.reference),
                self.texts.how_to_check(self.checkin_url),
            ]
        return [self.texts.finished()]

    def _cancel(self) -> list[str]:
        state = self.state
        texts = self.texts
        filed = state.disclosure_id is not None
        if state.disclosure_id and state.reporter_id:
            destroy_disclosure(self.session, state.disclosure_id, state.reporter_id)
        state.reset()
        return [texts.cancelled() if filed else texts.nothing_to_cancel()]

    def _more(self) -> list[str]:
        if not self.state.pages:
            return [self.texts.nothing_more()]
        return [self.state.pages.pop(0)]

    def _status(self, code: CodeAndRest | None) -> list[str]:
        texts = self.texts
        if code is None:
            return [texts.status_usage()]
        if code.digits is None or code.rest.strip(_TRIM + " "):
            return [texts.unknown_code()]
        try:
            keys = authenticate(self.session, self.kdf, code.digits)
        except UnknownCodename:
            return [texts.unknown_code()]
        disclosures = list(
            self.session.scalars(
                select(Disclosure)
                .where(Disclosure.reporter_id == keys.reporter_id)
                .order_by(Disclosure.received_on.desc(), Disclosure.reference)
            )
        )
        lines: list[str] = []
        for disclosure in disclosures:
            label = texts.status_name(disclosure.status, disclosure.outcome)
            line = texts.status_line(disclosure.reference, label)
            if disclosure.reward_state != "not_eligible":
                line += " " + texts.reward(disclosure.reward_state)
            lines.append(line)
        unread = list(
            self.session.scalars(
                select(Message)
                .join(Disclosure, Disclosure.id == Message.disclosure_id)
                .where(
                    Disclosure.reporter_id == keys.reporter_id,
                    Message.author_kind == "officer",
                    Message.reporter_read.is_(False),
                )
                .order_by(Message.created_on.desc(), Message.seq.desc())
            )
        )
        if unread:
            newest = unread[0]
            private = {reporter_recipient(keys.reporter_id): keys.private_key}
            text = read_message(self.session, newest, private)
            lines.append(texts.reply_heading(newest.disclosure.reference) + "\n" + text)
            newest.reporter_read = True
            if len(unread) > 1:
                lines.append(texts.more_unread(len(unread) - 1))
        else:
            lines.append(texts.no_new_reply())
        lines.append(texts.delete_after_reading())
        pages = gsm.paginate("\n".join(lines), texts.more_hint())
        self.state.pages = pages[1:]
        return pages[:1]

    def _reply(self, code: CodeAndRest | None, media: Sequence[Upload]) -> list[str]:
        texts = self.texts
        if code is None:
            return [texts.reply_usage()]
        if code.digits is None:
            return [texts.unknown_code()]
        try:
            keys = authenticate(self.session, self.kdf, code.digits)
        except UnknownCodename:
            return [texts.unknown_code()]
        # The code is removed before sealing: officers never see it, wherever it was typed.
        text = strip_codename(code.rest, code.digits).strip(" :,-\n")
        if not text and not media:
            return [texts.reply_usage()]
        newest = self.session.scalars(
            select(Disclosure)
            .where(Disclosure.reporter_id == keys.reporter_id)
            .order_by(Disclosure.received_on.desc(), Disclosure.reference.desc())
        ).first()
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
            return [self._rejection(exc)]
        replies = [texts.reply_added(newest.reference)]
        if any(f.metadata_warning for f in files):
            replies.append(texts.file_warning())
        return replies


def destroy_disclosure(session: Session, disclosure_id: str, reporter_id: str) -> None:
    """Delete a disclosure this thread filed: its sealed keys first (that alone
    makes every item unreadable), then the rows (messages and attachments go with
    it), and the codename's reporter row when nothing else is filed under it."""
    disclosure = session.get(Disclosure, disclosure_id)
    if disclosure is None or disclosure.reporter_id != reporter_id:
        return
    shred(session, SealedKey.disclosure_id == disclosure_id, tables=CASE_CONTENT)
    session.delete(disclosure)
    session.flush()
    remaining = session.scalars(
        select(Disclosure.id).where(Disclosure.reporter_id == reporter_id)
    ).first()
    if remaining is None:
        session.execute(delete(Reporter).where(Reporter.id == reporter_id))
    session.flush()


def handle(
    session: Session,
    *,
    sender_key: str,
    state_key: bytes,
    body: str,
    media: Sequence[Upload] = (),
    media_failed: int = 0,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits,
    public_url: str,
    now: dt.datetime | None = None,
) -> list[str]:
    """Answer one inbound SMS; the caller commits. Returns the reply texts.

    ``sender_key`` and ``state_key`` come from :func:`thread_keys`; the number
    itself never reaches this function, so nothing here can store or log it.
    """
    now = now or utcnow()
    sweep_expired(session, now)
    row = session.get(SmsThread, sender_key, with_for_update=True)
    state = open_state(row.sealed_state, state_key, sender_key) if row is not None else None
    if state is None:
        state = ThreadState(language=language_of(body) or DEFAULT_LANGUAGE)
    dialogue = Dialogue(
        session, state, policy=policy, kdf=kdf, limits=limits, public_url=public_url
    )
    replies = dialogue.respond(body, media, media_failed)
    if dialogue.closed or state.is_blank():
        if row is not None:
            session.delete(row)
    else:
        sealed = seal_state(state, state_key, sender_key)
        expires = now + THREAD_LIFETIME
        if row is None:
            session.add(SmsThread(key_hash=sender_key, sealed_state=sealed, expires_at=expires))
        else:
            row.sealed_state = sealed
            row.expires_at = expires
    session.flush()
    return replies
