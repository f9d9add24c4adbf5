"""Filing one raw e-mail through ``intake.service``, as the web form and SMS do.

See the package docstring for why it is shaped this way: a message is filed
once, only a codename proves authorship, a case reference alone links but never
joins, and nothing identifying but the sender address (sealed to the custodian)
is kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.crypto.codenames import CodenameKdf, ReporterKeys
from hotline.crypto.keyring import InstanceSecrets
from hotline.intake.email.automated import is_automated
from hotline.intake.email.codenames import reporter_codes, without_reporter_codes
from hotline.intake.email.fallback import truncate, with_files_fallback
from hotline.intake.email.parse import ParsedEmail, parse
from hotline.intake.operations import (
    already_seen,
    link_to_referenced_case,
    newest_case,
    record_seen,
    referenced_case,
    retaliation_links,
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
from hotline.intake.sms.commands import KEYWORDS, fold
from hotline.models import Disclosure
from hotline.notifications import reply_notices
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category, Channel, DraftRefusal
from hotline.routing import Policy
from hotline.routing.exclusions import concerns_for_exclusions

__all__ = [
    "CONTACT_KIND",
    "DUPLICATE",
    "FILED",
    "JOINED",
    "LINKED",
    "REJECTED",
    "IngestResult",
    "ingest",
    "message_hash",
]

FILED = "filed"
JOINED = "joined"
#: A retaliation report with a valid codename: a new disclosure under it,
#: linked to the reporter's earlier ones (never appended to one of them).
LINKED = "linked"
DUPLICATE = "duplicate"
REJECTED = "rejected"

#: The kind of the sealed contact detail that holds the sender address.
CONTACT_KIND = "email_sender"


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
    reason: DraftRefusal | None = None
    #: The language the message said it was in (Content-Language), if any.
    language: str | None = None
    #: The sender asked (a line saying only NOTIFY) to be mailed a content-free
    #: notice when an officer replies; their address is then kept sealed.
    notice_agreed: bool = False

    def __repr__(self) -> str:
        return f"IngestResult({self.outcome})"


def message_hash(secrets: InstanceSecrets, parsed: ParsedEmail) -> str:
    """The keyed digest that recognises a message filed before.

    It covers what is filed (sender, subject, text, every attachment) with the
    Message-ID and the ``Resent-Message-ID``: an MTA retry, or a copy delivered
    to several of our addresses with other envelope headers, is the same
    message; a message that merely reuses another's Message-ID (planted, or a
    careless client) is not, and neither is a resent (forwarded) copy. The
    Message-ID alone is chosen by the sender, so trusting it would let anyone
    suppress a report whose Message-ID they know or guess. Keyed with the
    pepper, so the table cannot be checked against a guessed message by
    someone holding the database alone.
    """
    digest = hashlib.sha256()
    fields = [
        parsed.message_id or "",
        parsed.resent_message_id or "",
        parsed.sender or "",
        parsed.subject,
        parsed.text,
    ]
    for value in fields:
        encoded = value.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    for attachment in parsed.attachments:
        for part in (attachment.name.encode("utf-8", "surrogatepass"), attachment.content):
            digest.update(len(part).to_bytes(8, "big") + part)
    return secrets.keyed_hash("email-message-content", digest.hexdigest())


def _report_text(parsed: ParsedEmail) -> str:
    """The sealed text: the subject (often the reporter's summary) and the body."""
    if parsed.subject:
        return f"Subject: {parsed.subject}\n\n{parsed.text}".strip()
    return parsed.text.strip()


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

    Raises :class:`~hotline.intake.email.parse.NotAnEmail` for input that is
    not a message at all, and lets database errors through (the caller retries).
    An ``IntegrityError`` on the seen-message row means the same message is
    being filed concurrently: the caller rolls back and reports a duplicate.
    """
    parsed = parse(raw, local_part=local_part)
    seen = message_hash(secrets, parsed)
    if already_seen(session, seen):
        return IngestResult(DUPLICATE)
    # Written first: a concurrent copy of this message blocks here (PostgreSQL)
    # or fails its commit, instead of filing twice.
    record_seen(session, seen)

    # Only a well-formed From is answered: the acknowledgement carries the codename.
    answerable = parsed.sender_answerable and not is_automated(raw, parsed.sender)
    reply_to = parsed.sender if answerable else None
    text = _report_text(parsed)
    uploads = [Upload(a.name, a.claimed_type, a.content) for a in parsed.attachments]
    keys, codes = reporter_codes(session, kdf, parsed, text)
    text, uploads = without_reporter_codes(text, uploads, codes)
    text = truncate(text, limits.max_chars)

    wants_notice = reply_to is not None and asks_for_notice(parsed.subject, parsed.text)
    try:
        # Retaliation is never a comment on an older case: with a valid code it
        # is a new disclosure under it, linked to the earlier ones (``_file_new``).
        if keys is not None and parsed.category != Category.RETALIATION:
            joined = _join(session, keys, text, uploads, limits)
            if joined is not None:
                disclosure, dropped = joined
                if wants_notice and reply_to is not None:
                    _agree_to_notice(session, secrets, disclosure.id, reply_to, parsed.language)
                return IngestResult(
                    JOINED,
                    reference=disclosure.reference,
                    disclosure_id=disclosure.id,
                    dropped_attachments=dropped,
                    reply_to=reply_to,
                    original_message_id=parsed.message_id,
                    language=parsed.language,
                    notice_agreed=wants_notice,
                )
        receipt, linked, dropped = _file_new(
            session, parsed, text, uploads, policy=policy, kdf=kdf, limits=limits, reporter=keys
        )
    except DraftRejected as exc:
        return IngestResult(REJECTED, reason=exc.reason)
    if wants_notice and reply_to is not None:
        _agree_to_notice(session, secrets, receipt.disclosure_id, reply_to, parsed.language)
    looked_like_follow_up = parsed.codename is not None or parsed.case_reference is not None
    if receipt.codename is not None:
        outcome = FILED
    elif parsed.category == Category.RETALIATION:
        outcome = LINKED
    else:  # a valid codename whose cases are all gone files a new case under it
        outcome = JOINED
    return IngestResult(
        outcome,
        reference=receipt.reference,
        disclosure_id=receipt.disclosure_id,
        linked_reference=linked,
        codename=receipt.codename,
        reply_to=reply_to,
        original_message_id=parsed.message_id,
        language=parsed.language,
        follow_up_not_joined=keys is None and looked_like_follow_up,
        dropped_attachments=dropped,
        notice_agreed=wants_notice,
    )


def asks_for_notice(subject: str, text: str) -> bool:
    """Whether the subject, or a line of the message, is only a NOTIFY word (in
    any language): words inside a sentence ("I notify you...") do not count."""
    words = {fold(word) for by_language in KEYWORDS["notify"].values() for word in by_language}
    return any(fold(line) in words for line in [subject, *text.splitlines()] if line.strip())


def _agree_to_notice(
    session: Session,
    secrets: InstanceSecrets,
    disclosure_id: str,
    address: str,
    language: str | None,
) -> None:
    reply_notices.opt_in(
        session,
        secrets,
        disclosure_id=disclosure_id,
        channel=Channel.EMAIL,
        address=address,
        language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
    )


def _join(
    session: Session,
    keys: ReporterKeys,
    text: str,
    uploads: list[Upload],
    limits: Limits,
) -> tuple[Disclosure, int] | None:
    """Append to the reporter's newest disclosure; None if they have none left."""
    newest = newest_case(session, keys.reporter_id)
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
        _, dropped = with_files_fallback(attempt, text, uploads, limits)
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
        target = referenced_case(session, parsed.case_reference)
    plans: list[tuple[Policy, Category, frozenset[str], Disclosure | None]] = []
    if target is not None:
        routing = concerns_for_exclusions(policy, set(target.excluded_slugs))
        if routing is not None:
            # The referenced case's routing, except that a retaliation report is
            # always routed as retaliation: it may put a person in danger.
            category = (
                Category.RETALIATION if parsed.category == Category.RETALIATION else target.category
            )
            plans.append((routing[0], category, routing[1], target))
    plans.append((policy, parsed.category, frozenset(), None))

    for index, (plan_policy, category, concerns, link_to) in enumerate(plans):
        attempt = _submitter(
            session,
            Draft(
                category=category,
                text="",
                channel=Channel.EMAIL,
                concerns=concerns,
                contact=parsed.sender,
                contact_kind=CONTACT_KIND,
                related_to=retaliation_links(
                    session,
                    reporter_id=reporter.reporter_id if reporter is not None else None,
                    category=category,
                ),
                codename_kind="digits",
            ),
            policy=plan_policy,
            kdf=kdf,
            limits=limits,
            reporter=reporter,
        )
        try:
            receipt, dropped = with_files_fallback(attempt, text, uploads, limits)
        except DraftRejected as exc:
            # Only a routing failure of the referenced case's plan (the policy
            # changed since) falls through to the plain plan; nothing else does.
            if exc.reason == DraftRefusal.UNROUTABLE and index + 1 < len(plans):
                continue
            raise
        if link_to is None:
            return receipt, None, dropped
        link_to_referenced_case(session, receipt.disclosure_id, link_to)
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
