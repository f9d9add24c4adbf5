"""E-mail for the channel's tests: the corpus of real-world messages, new messages,
and a case's messages opened as an officer of its queues would."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.models import Disclosure
from hotline.sealing.items import read_message
from tests.helpers.desk import queue_keys
from tests.helpers.instance import Initialised

CORPUS = Path(__file__).resolve().parents[1] / "intake" / "email_corpus"
CODE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def make_message(
    *,
    subject: str | None,
    body: str,
    sender: str = "Aline Mukamana <aline.mukamana@example.net>",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Hotline <report@rra.example>"
    if subject is not None:
        message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.net")
    if body:
        message.set_content(body)
    # After the content: set_content drops any Content-* header set before it.
    for name, value in (headers or {}).items():
        message[name] = value
    return message.as_bytes()


def read_case(db: Session, initialised: Initialised, disclosure: Disclosure) -> list[str]:
    """Every message of the case, opened as an officer of its queues would."""
    keys = queue_keys(initialised, db, *disclosure.queue_slugs)
    return [read_message(db, m, keys) for m in disclosure.messages]
