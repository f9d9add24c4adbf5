"""A case for an investigation or a prosecution: a PDF case file and a zip of its files.

The PDF (fpdf2: pure Python, well kept, embeds a Unicode font and shapes
Arabic right to left with HarfBuzz; WeasyPrint would need Pango and a browser
engine, reportlab cannot shape Arabic) holds the case's facts and deadlines,
every message the officer's keys open (an item whose signature or server tag
does not verify is marked so, never printed), internal notes only when asked for, the
list of files with their SHA-256 digests, and the case's audit events. The zip
holds the cleaned files as the desk serves them, named safely, with the same
digests in a manifest. Both are built in memory, never written to disk here,
and each export is an audit event. The policy may limit exporting to some
queues (``[export]`` in the policy file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.envelopes import CannotOpen
from hotline.desk.access import CaseForbidden, Handler, open_case
from hotline.desk.casefile import CaseFile, view_case
from hotline.desk.downloads import safe_filename
from hotline.desk.wording import queue_label
from hotline.models import AuditEvent
from hotline.procedure import AuthorKind
from hotline.routing import Policy
from hotline.sealing import authorship, trust
from hotline.sealing.items import read_attachment

#: Debian's ``fonts-dejavu-core``: Latin, Greek, Cyrillic and Arabic in one face.
DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


class ExportUnavailable(RuntimeError):
    """The server cannot make the PDF (no font): said to the officer plainly."""


@dataclass(frozen=True)
class ExportedFile:
    name: str
    media_type: str
    sha256: str
    size: int
    content: bytes


def may_export(policy: Policy, officer_queues: Iterable[str], case_queues: Iterable[str]) -> bool:
    """Whether an officer of these queues may export a case of those they can open."""
    if not policy.exporters:
        return True
    return bool(set(officer_queues) & set(case_queues) & set(policy.exporters))


def _files(session: Session, handler: Handler, reference: str) -> list[ExportedFile]:
    access = open_case(session, handler, reference)
    files = []
    used: set[str] = set()
    tag_key = trust.instance_secrets(session).key_tag_key
    for number, attachment in enumerate(access.disclosure.attachments, start=1):
        if not authorship.attachment_holds(tag_key, attachment):
            continue  # swapped or moved in the database: the case page names it
        try:
            opened = read_attachment(session, attachment, access.keys, content=True)
        except CannotOpen:
            continue
        name = f"{number:02d}-{safe_filename(opened.name)}"
        while name in used:
            name = f"{number:02d}-{len(used)}-{safe_filename(opened.name)}"
        used.add(name)
        files.append(
            ExportedFile(
                name,
                opened.media_type,
                hashlib.sha256(opened.content).hexdigest(),
                len(opened.content),
                opened.content,
            )
        )
    return files


def _events(session: Session, reference: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.subject == reference).order_by(AuditEvent.id)
        )
    )


def _check(policy: Policy, handler: Handler, session: Session, reference: str) -> None:
    access = open_case(session, handler, reference)
    if not may_export(policy, handler.queue_keys, access.disclosure.queue_slugs):
        raise CaseForbidden(reference)


def export_pdf(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    *,
    policy: Policy,
    include_notes: bool,
    today: dt.date,
    font: Path = DEFAULT_FONT,
) -> bytes:
    """The case file as PDF; audited as ``case.exported``. The caller commits."""
    _check(policy, handler, session, reference)
    if not font.is_file():
        raise ExportUnavailable(f"the PDF font {font} is not installed")
    case = view_case(session, audit_key, handler, reference, today=today)
    files = _files(session, handler, reference)
    events = _events(session, case.reference)
    content = CaseFilePdf(font).render(case, files, events, include_notes, handler.actor)
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.exported",
        subject=case.reference,
        detail="pdf with notes" if include_notes else "pdf",
    )
    return content


def export_files(
    session: Session, audit_key: bytes, handler: Handler, reference: str, *, policy: Policy
) -> bytes:
    """The case's cleaned files as a zip with a digest manifest; audited."""
    _check(policy, handler, session, reference)
    access = open_case(session, handler, reference)
    files = _files(session, handler, reference)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            # A fixed date: the archive tells nothing the case file does not.
            info = zipfile.ZipInfo(file.name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, file.content, zipfile.ZIP_DEFLATED)
        manifest = "".join(f"{f.sha256}  {f.name}\n" for f in files)
        archive.writestr(zipfile.ZipInfo("SHA256SUMS", date_time=(1980, 1, 1, 0, 0, 0)), manifest)
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.exported",
        subject=access.disclosure.reference,
        detail=f"files ({len(files)})",
    )
    return buffer.getvalue()


class CaseFilePdf:
    """Lays out one case file."""

    def __init__(self, font: Path) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_font("case", fname=str(font))
        self.pdf.set_font("case", size=10)
        self.pdf.set_text_shaping(True)
        # No producer, creator or dates beyond the ones printed: the file says
        # what the case file says.
        self.pdf.set_producer("")
        self.pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font_size(13)
        self.pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font_size(10)

    def line(self, text: str) -> None:
        self.pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    def render(
        self,
        case: CaseFile,
        files: list[ExportedFile],
        events: list[AuditEvent],
        include_notes: bool,
        exported_by: str,
    ) -> bytes:
        self.pdf.add_page()
        self.pdf.set_title(_("Case file %(reference)s", reference=case.reference))
        self.heading(_("Case file %(reference)s", reference=case.reference))
        feedback_given = (
            _("given by the reply of %(day)s", day=case.feedback_given_on.isoformat())
            if case.feedback_given_on
            else "-"
        )
        facts = [
            (_("Category"), case.category.label),
            (_("Channel"), case.channel.label),
            (
                _("Status"),
                ("" if case.status_verified else _("Unverified, reported to administrators.") + " ")
                + case.status.label
                + (f" ({case.outcome.label})" if case.outcome else ""),
            ),
            (_("Received"), case.received_on.isoformat()),
            (_("Acknowledge by"), case.acknowledgement_due.isoformat()),
            (_("Acknowledged"), case.acknowledged_on.isoformat() if case.acknowledged_on else "-"),
            (_("Feedback by"), case.feedback_due.isoformat() if case.feedback_due else "-"),
            (_("Feedback"), feedback_given),
            (_("Closed"), case.closed_on.isoformat() if case.closed_on else "-"),
            (_("Queues"), ", ".join(queue_label(q.slug, q.name) for q in case.queues)),
            (_("Assigned to"), case.assigned or "-"),
            (_("Exported by"), exported_by),
        ]
        for label, value in facts:
            self.line(f"{label}: {value}")

        self.heading(_("Conversation"))
        for message in case.messages:
            if message.author_kind == AuthorKind.NOTE and not include_notes:
                continue
            author = str(message.author_kind.label)
            if message.author:
                author += f" ({message.author})"
            self.line(f"#{message.seq}  {message.created_on.isoformat()}  {author}")
            if not message.verified:
                self.line(_("Unverified, reported to administrators."))
            elif message.text is None:
                self.line(_("This message cannot be opened with your keys."))
            else:
                self.line(message.text)
            self.pdf.ln(2)

        self.heading(_("Files"))
        if not files:
            self.line(_("none"))
        for file in files:
            size = _("%(size)s bytes", size=f"{file.size:,}")
            self.line(f"{file.name}  {file.media_type}  {size}")
            self.line(f"SHA-256 {file.sha256}")

        self.heading(_("Audit trail"))
        for event in events:
            at = event.at.strftime("%Y-%m-%d %H:%M")
            self.line(f"{at}  {event.actor}  {event.action}  {event.detail}".rstrip())
        return bytes(self.pdf.output())
