"""The e-mail channel: file one received message, and say so to its sender.

:func:`ingest` turns one raw RFC 822 message into a filed report through
``intake.service``, exactly like the web form and the SMS dialogue do;
:func:`acknowledgement` builds the automatic reply; :class:`EmailChannel` ties
both to a database and an SMTP sender for the two ways mail arrives (an MTA
pipe, ``hotline ingest-email``, and IMAP polling, ``hotline poll-imap``).
Nothing here touches Flask or a request.

Why it is shaped this way (e-mail is confidential, never anonymous):

* **No header is stored.** The parser (``email_message``) never returns
  Received, X-Originating-IP, X-Mailer and the like. The sender address is the
  one identifying thing kept, and only as a contact detail sealed to the
  custodian (the codename register), never to the queues that handle the case.
* **A message is filed once.** A keyed hash of its Message-ID (of the raw bytes
  when it has none) is written in the same transaction as the filing, so an MTA
  that retries, or an IMAP poll that crashed after its commit and before its
  delete, finds the hash and files nothing again. The hash is not linked to the
  disclosure: with the keys and a reporter's sent-mail folder, nobody can learn
  which case the message became.
* **The codename is the only proof of authorship.** A reply that carries a
  valid codename joins that reporter's newest case. A case reference alone
  (``HL-7K3M-Q9PA`` in the subject) proves nothing, because anyone can type one
  and the sender address cannot be compared with the sealed one without the
  custodian's key; such a message is filed as a *new* disclosure, linked
  ("related") to the referenced case and routed like it, so the officers see
  the link and judge it, and nobody can write into someone else's case.
* **Broken mail is filed, not rejected.** An attachment that cannot be read or
  cleaned, or too many megabytes, drops the files (with a note in the sealed
  text), never the words; over-long text is cut with a note.
* **The acknowledgement carries the codename and nothing about the case**: no
  report text, no reference, no category, a generic subject. It is sent only
  after the commit, never to automated senders (loops), and its failure never
  undoes the filing.
* **Logs and results hold no content.** ``IngestResult``'s ``repr`` shows the
  outcome only; warnings name an exception class, never an address or text.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import formatdate, make_msgid, parseaddr
from typing import TypeVar

from babel.support import NullTranslations, Translations
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import TRANSLATIONS
from hotline.crypto.codenames import CodenameKdf, ReporterKeys
from hotline.crypto.keyring import InstanceSecrets
from hotline.db import Database
from hotline.intake.attachments import UnreadableFile, clean
from hotline.intake.checkin import UnknownCodename, authenticate
from hotline.intake.email_message import (
    RETALIATION,
    ParsedEmail,
    find_codename,
    parse,
    strip_codename,
)
from hotline.intake.service import (
    Draft,
    DraftRejected,
    Limits,
    Receipt,
    UnknownCase,
    Upload,
    append,
    submit,
)
from hotline.models import Disclosure, DisclosureLink, EmailSeen
from hotline.routing import Policy

__all__ = [
    "CONTACT_KIND",
    "DUPLICATE",
    "FILED",
    "JOINED",
    "REJECTED",
    "EmailChannel",
    "IngestResult",
    "acknowledgement",
    "format_codename",
    "ingest",
    "is_automated",
    "message_hash",
]

logger = logging.getLogger(__name__)

FILED = "filed"
JOINED = "joined"
DUPLICATE = "duplicate"
REJECTED = "rejected"

#: The kind of the sealed contact detail that holds the sender address.
CONTACT_KIND = "email_sender"
#: The link from a reference-only follow-up to the case it names.
LINK_KIND = "related"


def _n(message: str) -> str:
    """Marks a message for the catalogue (``make catalogues``); it is translated
    where it is used, in the language of the acknowledgement."""
    return message


SUBJECT_NEW = _n("Your report was received")
SUBJECT_FOLLOW_UP = _n("Your message was received")

#: At most this many further codename-shaped numbers are tried per message
#: (each costs one scrypt derivation).
_MAX_EXTRA_CODES = 3

_DROPPED_UNREADABLE = "[{count} attached file(s) could not be read and were not filed.]"
_DROPPED = "[{count} attached file(s) were too large or unreadable and were not filed.]"
_FILE_REASONS = ("unreadable_file", "files_too_large")
_TEXT_CUT = "\n[The rest of this e-mail was too long and was not filed.]"

# Local parts that belong to machines, not people (RFC 3834 section 2, and common
# practice): an acknowledgement to them would at best be lost, at worst start a loop.
_AUTOMATED_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "bounce",
        "bounces",
        "listserv",
        "majordomo",
        "autoreply",
        "auto-reply",
        "daemon",
        "root",
        "nobody",
    }
)
_AUTOMATED_PREFIXES = ("owner-", "bounce-", "bounces-", "noreply-", "no-reply-", "mailer-daemon")
_AUTOMATED_SUFFIXES = ("-request", "-bounces", "-owner", "-noreply", "-no-reply")
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post", "List-Help")
_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponse")

T = TypeVar("T")


@dataclass(frozen=True, repr=False)
class IngestResult:
    """What became of one message. ``repr`` shows the outcome only: the other
    fields (codename, sender, reference) must never reach a log."""

    outcome: str
    reference: str | None = None
    disclosure_id: str | None = None
    #: The case a reference-only follow-up was linked to.
    linked_reference: str | None = None
    #: The new codename (only for a new disclosure under a new codename).
    codename: str | None = None
    #: The address to acknowledge, or None (no sender, or an automated one).
    reply_to: str | None = None
    #: The original Message-ID, for In-Reply-To/References of the reply.
    original_message_id: str | None = None
    #: The message carried a codename or a case reference but did not join a case.
    follow_up_not_joined: bool = False
    #: Attached files that could not be filed (their absence is noted in the text).
    dropped_attachments: int = 0
    #: For ``REJECTED``: the service's stable reason key.
    reason: str | None = None
    #: The language the message said it was in (Content-Language), if any.
    language: str | None = None

    def __repr__(self) -> str:
        return f"IngestResult({self.outcome})"


def format_codename(codename: str) -> str:
    """Sixteen digits in four groups of four, as every channel shows them."""
    digits = "".join(c for c in codename if c.isdigit())
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def message_hash(secrets: InstanceSecrets, message_id: str | None, raw: bytes) -> str:
    """The keyed hash that recognises a message seen before.

    The Message-ID identifies a message across MTA retries and across copies
    delivered to several of our addresses; a message without one is recognised
    by its exact bytes. Keyed with the pepper, so the table cannot be checked
    against a guessed Message-ID by someone holding the database alone.
    """
    if message_id:
        return secrets.keyed_hash("email-message-id", message_id)
    return secrets.keyed_hash("email-message-raw", hashlib.sha256(raw).hexdigest())


# ----------------------------------------------------------------------- automated mail


def _local_part(address: str) -> str:
    return address.rpartition("@")[0].strip('"').casefold()


def is_automated(raw: bytes, sender: str | None) -> bool:
    """Whether the message looks machine-sent, so that it must get no automatic reply.

    Reads a handful of headers (never stored): Auto-Submitted other than "no",
    Precedence bulk/list/junk, mailing-list headers, auto-reply markers, an
    empty Return-Path (a bounce), a delivery report; and sender local parts
    such as MAILER-DAEMON or noreply. When the headers cannot be read, the
    answer is "automated": a missing acknowledgement is safer than a mail loop.
    """
    if not sender:
        return True
    local = _local_part(sender)
    if (
        local in _AUTOMATED_LOCAL_PARTS
        or local.startswith(_AUTOMATED_PREFIXES)
        or local.endswith(_AUTOMATED_SUFFIXES)
    ):
        return True
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)

        def value(name: str) -> str | None:
            found = headers.get(name)
            return None if found is None else str(found).strip().casefold()

        auto_submitted = value("Auto-Submitted")
        if auto_submitted is not None and auto_submitted.split(";")[0].strip() != "no":
            return True
        if (value("Precedence") or "") in ("bulk", "list", "junk", "auto_reply"):
            return True
        suppress = value("X-Auto-Response-Suppress") or ""
        if any(word in suppress for word in ("all", "autoreply", "oof")):
            return True
        if any(headers.get(name) is not None for name in (*_LIST_HEADERS, *_AUTO_REPLY_HEADERS)):
            return True
        return_path = value("Return-Path")
        if return_path is not None and return_path.strip("<> ") == "":
            return True
        content_type = value("Content-Type") or ""
        if content_type.startswith("multipart/report"):
            return True
    except Exception:  # noqa: BLE001 - unreadable headers: do not risk a loop
        return True
    return False


# ----------------------------------------------------------------------------- ingest


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - len(_TEXT_CUT), 0)] + _TEXT_CUT


def _report_text(parsed: ParsedEmail) -> str:
    """The sealed text: the subject (often the reporter's summary) and the body."""
    if parsed.subject:
        return f"Subject: {parsed.subject}\n\n{parsed.text}".strip()
    return parsed.text.strip()


def _code_candidates(text: str) -> list[str]:
    """Further codename-shaped numbers in the text, on a working copy only: a
    number that turns out not to be a codename (an invoice, a card) is evidence
    and stays in the report."""
    found: list[str] = []
    rest = text
    for _ in range(_MAX_EXTRA_CODES):
        code = find_codename(rest)
        if code is None:
            break
        found.append(code)
        rest = strip_codename(rest, code)
    return found


def _reporter_codes(
    session: Session, kdf: CodenameKdf, parsed: ParsedEmail, text: str
) -> tuple[ReporterKeys | None, list[str]]:
    """The keys of the first codename in the message that opens a reporter, and
    every codename in it that does (all of them are removed before sealing)."""
    keys: ReporterKeys | None = None
    valid: list[str] = []
    candidates = ([parsed.codename] if parsed.codename else []) + _code_candidates(text)
    for code in dict.fromkeys(candidates):
        try:
            found = authenticate(session, kdf, code)
        except UnknownCodename:
            continue
        valid.append(code)
        keys = keys or found
    return keys, valid


def _scrub(text: str, uploads: list[Upload], codes: Sequence[str]) -> tuple[str, list[Upload]]:
    """Remove every valid codename (again) from the text and the file names:
    a codename must never be sealed into the case, where officers would read it."""
    for code in codes:
        text = strip_codename(text, code)
        uploads = [Upload(strip_codename(u.name, code), u.claimed_type, u.content) for u in uploads]
    return text, uploads


def _with_note(text: str, note: str, limit: int) -> str:
    """The text with a note at its end, cut first if both would not fit."""
    return (_truncate(text, limit - len(note) - 2) + "\n\n" + note).strip()


def _with_files_fallback(
    attempt: Callable[[str, Sequence[Upload]], T], text: str, uploads: list[Upload], limit: int
) -> tuple[T, int]:
    """File with the attachments; if they cannot be filed, file without the bad
    ones (or without all of them, when too large together) and say so in the text.

    The service refuses the whole draft for one unreadable file, which suits a
    form the reporter can correct; a reporter who e-mailed may never write again.
    """
    try:
        return attempt(text, uploads), 0
    except DraftRejected as exc:
        if not uploads or exc.reason not in _FILE_REASONS:
            raise
        reason = exc.reason
    kept = [u for u in uploads if _readable(u)] if reason == "unreadable_file" else []
    if kept:
        note = _DROPPED_UNREADABLE.format(count=len(uploads) - len(kept))
        try:
            return attempt(_with_note(text, note, limit), kept), len(uploads) - len(kept)
        except DraftRejected as exc:
            if exc.reason not in _FILE_REASONS:
                raise
    template = _DROPPED_UNREADABLE if reason == "unreadable_file" and not kept else _DROPPED
    note = template.format(count=len(uploads))
    return attempt(_with_note(text, note, limit), []), len(uploads)


def _readable(upload: Upload) -> bool:
    try:
        clean(upload.name, upload.claimed_type, upload.content)
    except UnreadableFile:
        return False
    return True


def _concerns_for(policy: Policy, excluded: set[str]) -> tuple[Policy, frozenset[str]] | None:
    """Units whose exclusions reproduce exactly the referenced case's exclusions.

    A reporter who said a report concerns a unit had that unit's queue
    excluded; a follow-up routed without the same exclusions could reach the
    very people it is about. The case stores excluded queues, not units, so
    units are chosen to cover them (greedily); ``max_concerns`` is raised for
    this one routing if the cover needs more units than a reporter may name.
    None when the current policy cannot reproduce them (it changed since).
    """
    if not excluded:
        return policy, frozenset()
    units = {
        slug: set(unit.excludes)
        for slug, unit in policy.units.items()
        if unit.excludes and set(unit.excludes) <= excluded
    }
    chosen: list[str] = []
    uncovered = set(excluded)
    while uncovered:
        best = max(sorted(units), key=lambda slug: len(units[slug] & uncovered), default=None)
        if best is None or not units[best] & uncovered:
            return None
        chosen.append(best)
        uncovered -= units[best]
    if len(chosen) > policy.max_concerns:
        policy = dataclasses.replace(policy, max_concerns=len(chosen))
    return policy, frozenset(chosen)


def _already_seen(session: Session, seen: str) -> bool:
    return session.get(EmailSeen, seen) is not None


def ingest(
    session: Session,
    raw: bytes,
    *,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits,
    secrets: InstanceSecrets,
    local_part: str = "report",
) -> IngestResult:
    """File one raw e-mail. The caller commits (or rolls back a ``REJECTED`` one).

    Raises :class:`~hotline.intake.email_message.NotAnEmail` for input that is
    not a message at all, and lets database errors through (the caller retries).
    An ``IntegrityError`` on the seen-message row means the same message is
    being filed concurrently: the caller rolls back and reports a duplicate.
    """
    parsed = parse(raw, local_part=local_part)
    seen = message_hash(secrets, parsed.message_id, raw)
    if _already_seen(session, seen):
        return IngestResult(DUPLICATE)
    # Written first: a concurrent copy of this message blocks here (PostgreSQL)
    # or fails its commit, instead of filing twice. disclosure_id stays empty on
    # purpose (see the module docstring).
    session.add(EmailSeen(message_hash=seen, disclosure_id=None))
    session.flush()

    reply_to = None if is_automated(raw, parsed.sender) else parsed.sender
    text = _report_text(parsed)
    uploads = [Upload(a.name, a.claimed_type, a.content) for a in parsed.attachments]
    keys, codes = _reporter_codes(session, kdf, parsed, text)
    text, uploads = _scrub(text, uploads, codes)
    text = _truncate(text, limits.max_chars)

    try:
        if keys is not None:
            joined = _join(session, keys, text, uploads, limits)
            if joined is not None:
                disclosure, dropped = joined
                return IngestResult(
                    JOINED,
                    reference=disclosure.reference,
                    disclosure_id=disclosure.id,
                    dropped_attachments=dropped,
                    reply_to=reply_to,
                    original_message_id=parsed.message_id,
                    language=parsed.language,
                )
        receipt, linked, dropped = _file_new(
            session, parsed, text, uploads, policy=policy, kdf=kdf, limits=limits, reporter=keys
        )
    except DraftRejected as exc:
        return IngestResult(REJECTED, reason=exc.reason)
    looked_like_follow_up = parsed.codename is not None or parsed.case_reference is not None
    return IngestResult(
        # A valid codename whose cases are all gone files a new case under it.
        FILED if receipt.codename is not None else JOINED,
        reference=receipt.reference,
        disclosure_id=receipt.disclosure_id,
        linked_reference=linked,
        codename=receipt.codename,
        reply_to=reply_to,
        original_message_id=parsed.message_id,
        language=parsed.language,
        follow_up_not_joined=keys is None and looked_like_follow_up,
        dropped_attachments=dropped,
    )


def _join(
    session: Session,
    keys: ReporterKeys,
    text: str,
    uploads: list[Upload],
    limits: Limits,
) -> tuple[Disclosure, int] | None:
    """Append to the reporter's newest disclosure; None if they have none left."""
    newest = session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == keys.reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference.desc())
    ).first()
    if newest is None:
        return None

    def attempt(body: str, files: Sequence[Upload]) -> None:
        append(
            session,
            reporter_id=keys.reporter_id,
            disclosure_id=newest.id,
            text=body,
            attachments=files,
            limits=limits,
        )

    try:
        _, dropped = _with_files_fallback(attempt, text, uploads, limits.max_chars)
    except UnknownCase:  # destroyed meanwhile (retention): file it as new instead
        return None
    return newest, dropped


def _file_new(
    session: Session,
    parsed: ParsedEmail,
    text: str,
    uploads: list[Upload],
    *,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits,
    reporter: ReporterKeys | None,
) -> tuple[Receipt, str | None, int]:
    """A new disclosure (under the reporter's codename when they gave a valid one
    but have no case left), linked to the case a reference names, if any."""
    target: Disclosure | None = None
    if reporter is None and parsed.case_reference is not None:
        target = session.scalar(
            select(Disclosure).where(Disclosure.reference == parsed.case_reference)
        )
    plans: list[tuple[Policy, str, frozenset[str], Disclosure | None]] = []
    if target is not None:
        routing = _concerns_for(policy, set(target.excluded_slugs))
        if routing is not None:
            # The referenced case's routing, except that a retaliation report is
            # always routed as retaliation: it may put a person in danger.
            category = RETALIATION if parsed.category == RETALIATION else target.category
            plans.append((routing[0], category, routing[1], target))
    plans.append((policy, parsed.category, frozenset(), None))

    for index, (plan_policy, category, concerns, link_to) in enumerate(plans):
        attempt = _submitter(
            session,
            Draft(
                category=category,
                text="",
                channel="email",
                concerns=concerns,
                contact=parsed.sender,
                contact_kind=CONTACT_KIND,
                codename_kind="digits",
            ),
            policy=plan_policy,
            kdf=kdf,
            limits=limits,
            reporter=reporter,
        )
        try:
            receipt, dropped = _with_files_fallback(attempt, text, uploads, limits.max_chars)
        except DraftRejected as exc:
            # Only a routing failure of the referenced case's plan (the policy
            # changed since) falls through to the plain plan; nothing else does.
            if exc.reason == "unroutable" and index + 1 < len(plans):
                continue
            raise
        if link_to is None:
            return receipt, None, dropped
        # intake.service links only a reporter's own cases; this link is made
        # here, in the same transaction, and records an unverified claim.
        session.add(DisclosureLink(from_id=receipt.disclosure_id, to_id=link_to.id, kind=LINK_KIND))
        session.flush()
        return receipt, link_to.reference, dropped
    raise AssertionError("unreachable: the last plan either files or raises")


def _submitter(
    session: Session,
    template: Draft,
    *,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits,
    reporter: ReporterKeys | None,
) -> Callable[[str, Sequence[Upload]], Receipt]:
    def attempt(text: str, files: Sequence[Upload]) -> Receipt:
        draft = dataclasses.replace(template, text=text, attachments=tuple(files))
        return submit(session, draft, policy=policy, kdf=kdf, limits=limits, reporter=reporter)

    return attempt


# --------------------------------------------------------------------- acknowledgement


@functools.cache
def _catalogue(language: str) -> NullTranslations:
    """The application's own catalogue for one language, loaded once."""
    return Translations.load(str(TRANSLATIONS), [language])


def acknowledgement(
    result: IngestResult,
    *,
    mail_from: str,
    public_url: str,
    onion_url: str | None = None,
    language: str = "en",
) -> EmailMessage | None:
    """The automatic reply to the sender, or None when none may be sent.

    It holds the codename (for a new report), the check-in address and the
    plain warning that e-mail is confidential but not anonymous, in
    ``language``. It never holds the report text, the case reference or the
    category, and its subject is the same for everyone writing in one
    language: a mailbox search must not lead to a case.
    """
    if result.outcome not in (FILED, JOINED) or not result.reply_to:
        return None
    sender = result.reply_to
    own = parseaddr(mail_from)[1] or mail_from
    if sender.casefold() == own.casefold():
        return None  # our own acknowledgement came back: never answer it
    checkin = public_url.rstrip("/") + "/checkin"
    report = (onion_url or public_url).rstrip("/") + "/report"
    gettext = _catalogue(language).gettext

    paragraphs: list[str]
    if result.codename:
        subject = gettext(SUBJECT_NEW)
        paragraphs = [
            gettext(
                "Thank you. Your report was received and will be handled by the "
                "designated officers."
            ),
            gettext("Your codename:"),
            f"    {format_codename(result.codename)}",
            gettext(
                "Write it down somewhere safe, then delete this e-mail. The codename is "
                "the only way to follow your report, and nobody can look it up for you."
            ),
        ]
        if result.follow_up_not_joined:
            paragraphs.append(
                gettext(
                    "Your e-mail mentioned an earlier report or a codename that could not "
                    "be matched, so it was filed as a new report. A case reference alone "
                    "cannot add to a report, because anyone can type one: to add to an "
                    "earlier report, reply with that report's codename."
                )
            )
    else:
        subject = gettext(SUBJECT_FOLLOW_UP)
        paragraphs = [gettext("Thank you. Your message was added to your report.")]
    if result.dropped_attachments:
        paragraphs.append(
            gettext(
                "Some attached files could not be filed (unreadable or too large). You "
                "can send them again on the check-in page."
            )
        )
    paragraphs += [
        gettext("To read the officers' replies or add information, go to"),
        f"    {checkin}",
        gettext("and enter your codename. You can also reply to this e-mail with your codename."),
        gettext(
            "E-mail is confidential, not anonymous. Your e-mail provider and our mail "
            "server see your address. We keep it sealed so that the officers handling "
            "your report cannot read it; only the custodian of the codename register "
            "can. To report anonymously, use the web form in Tor Browser instead:"
        ),
        f"    {report}",
        gettext("This is an automatic reply."),
    ]
    body = "\n\n".join(
        p if p.startswith("    ") else textwrap.fill(p, width=76, break_long_words=False)
        for p in paragraphs
    )

    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = sender
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=own.rpartition("@")[2] or "localhost")
    # RFC 3834: mark it automatic, so that other robots do not answer it.
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    original = _clean_message_id(result.original_message_id)
    if original is not None:
        message["In-Reply-To"] = original
        message["References"] = original
    message.set_content(body + "\n")
    return message


def _clean_message_id(value: str | None) -> str | None:
    """The original Message-ID if it is a well-formed ``<...>`` token (it is
    copied into our headers, so nothing that could break them is accepted)."""
    if not value:
        return None
    value = value.strip()
    if (
        len(value) > 250
        or not value.startswith("<")
        or not value.endswith(">")
        or any(c.isspace() or ord(c) < 33 or ord(c) > 126 for c in value)
    ):
        return None
    return value


# ---------------------------------------------------------------------------- channel


Sender = Callable[[EmailMessage], None]


@dataclass
class EmailChannel:
    """One received message at a time: file it, commit, then acknowledge it.

    ``send`` delivers an acknowledgement (SMTP in production); None when no
    SMTP server is configured, in which case none is sent.
    """

    database: Database
    policy: Policy
    kdf: CodenameKdf
    limits: Limits
    secrets: InstanceSecrets = field(repr=False)
    local_part: str = "report"
    acknowledge: bool = True
    mail_from: str = "hotline@localhost"
    public_url: str = "http://127.0.0.1:5000"
    onion_url: str | None = None
    send: Sender | None = None
    #: Where warnings go (the CLI prints them): never given an address or text.
    warn: Callable[[str], None] = logger.warning
    #: The acknowledgement's language when a message does not name one of
    #: ``languages`` in its Content-Language.
    language: str = "en"
    languages: tuple[str, ...] = ("en",)

    def receive(self, raw: bytes) -> IngestResult:
        """File and commit, then acknowledge. Raises ``NotAnEmail`` and database
        errors (nothing was filed then); never fails because of the reply."""
        result = self.file(raw)
        self.acknowledge_receipt(result)
        return result

    def file(self, raw: bytes) -> IngestResult:
        with self.database.sessions() as session:
            try:
                result = ingest(
                    session,
                    raw,
                    policy=self.policy,
                    kdf=self.kdf,
                    limits=self.limits,
                    secrets=self.secrets,
                    local_part=self.local_part,
                )
                if result.outcome == REJECTED:
                    session.rollback()  # not seen: nothing was filed
                else:
                    session.commit()
                return result
            except IntegrityError:
                session.rollback()
                # Another delivery of the same message committed first.
                if self._seen_before(raw):
                    return IngestResult(DUPLICATE)
                raise

    def _seen_before(self, raw: bytes) -> bool:
        parsed = parse(raw, local_part=self.local_part)
        with self.database.sessions() as session:
            return _already_seen(session, message_hash(self.secrets, parsed.message_id, raw))

    def acknowledge_receipt(self, result: IngestResult) -> bool:
        """Send the acknowledgement, if one is due and allowed. True if sent."""
        if not self.acknowledge:
            return False
        try:
            message = acknowledgement(
                result,
                mail_from=self.mail_from,
                public_url=self.public_url,
                onion_url=self.onion_url,
                language=(result.language if result.language in self.languages else self.language),
            )
            if message is None:
                return False
            if self.send is None:
                self.warn("acknowledgement not sent: HOTLINE_SMTP_URL is not set")
                return False
            self.send(message)
        except Exception as exc:  # noqa: BLE001 - the case is filed; the reply is best effort
            # The class name only: an SMTP error message can quote the address.
            self.warn(f"acknowledgement not sent: {type(exc).__name__}")
            return False
        return True
