"""Handing an attachment to an officer's browser without letting it act.

A reporter's file is untrusted: a "photo" may be an HTML page with script, a
name may hold path separators, quotes or control characters. The desk serves
every file as a download (``Content-Disposition: attachment``), with a type
from a short list of inert types or ``application/octet-stream`` (never
``text/html``), ``nosniff``, and a sanitised name. Each decryption is audited
by attachment id; the file's name never enters the audit trail.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.envelopes import CannotOpen
from hotline.desk.access import CaseForbidden, Handler, open_case
from hotline.desk.errors import CaseRefused
from hotline.models import Attachment
from hotline.procedure import RefusalReason
from hotline.sealing import authorship, trust
from hotline.sealing.items import FileToStore, read_attachment

#: Types a browser shows without running anything; all else is octet-stream.
INERT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
MAX_NAME_CHARS = 120
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
_ATTACHMENT_ID = re.compile(r"^[0-9a-f]{32}$")


def served_media_type(media_type: str) -> str:
    media_type = media_type.split(";", 1)[0].strip().lower()
    return media_type if media_type in INERT_TYPES else "application/octet-stream"


def _unicode_name(name: str) -> str:
    """The name's last path part, without controls, separators, quotes or leading dots."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        ch
        for ch in name
        if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " "
        if ch not in '"<>:|?*;'
    )
    kept = re.sub(r"\s+", " ", kept).strip().lstrip(".")
    return kept[:MAX_NAME_CHARS]


def safe_filename(name: str) -> str:
    """An ASCII name safe in any header and on any file system (never empty),
    keeping the extension so the officer's computer opens it with the right program."""
    stem, dot, extension = _unicode_name(name).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = _UNSAFE_ASCII.sub("_", stem).strip("._")[:MAX_NAME_CHARS] or "attachment"
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:16]
    return f"{stem}.{extension}" if extension else stem


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the sanitised UTF-8 name (RFC 6266)."""
    fallback = safe_filename(name)
    unicode_name = _unicode_name(name) or fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(unicode_name, safe='')}"


def download_attachment(
    session: Session, audit_key: bytes, handler: Handler, reference: str, attachment_id: str
) -> FileToStore:
    """Decrypt one attachment of a case this officer may open, and audit it.

    An attachment id of another case answers like a case of another queue.
    """
    access = open_case(session, handler, reference)
    attachment = (
        session.get(Attachment, attachment_id) if _ATTACHMENT_ID.match(attachment_id) else None
    )
    if attachment is None or attachment.disclosure_id != access.disclosure.id:
        raise CaseForbidden
    if not authorship.attachment_holds(trust.instance_secrets(session).key_tag_key, attachment):
        # Swapped, moved or renumbered in the database: not served as the
        # reporter's file (the case page raises the alarm).
        raise CaseRefused(RefusalReason.UNVERIFIED_FILE, "this file fails its tag")
    try:
        file = read_attachment(session, attachment, access.keys, content=True)
    except CannotOpen:
        raise CaseRefused(
            RefusalReason.CANNOT_OPEN, "this file is not sealed to your queues"
        ) from None
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="attachment.downloaded",
        subject=access.disclosure.reference,
        detail=f"attachment={attachment.id}",
    )
    session.flush()
    return file
