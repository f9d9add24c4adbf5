"""Machine-sent mail, which must never get an automatic reply."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32

__all__ = ["is_automated"]

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
