"""The stored model. Every column that holds report content holds ciphertext.

Dates are kept to the day (deadlines need no more), except for officer-side
audit and session expiry, which are about officers and servers, not reporters.
Identifiers of sealed items are random, so the ids bound into associated data
are known before anything is written.

One module per domain: ``cases`` (disclosures and what they hold), ``keys``
(queues and sealed keys), ``officers`` (officers, designations, sessions),
``register`` (the codename register's contact details and requests),
``channels`` (what the channels remember between requests) and ``records``
(the audit chain, notifications, reminders and published statistics). Every
model is imported here, so ``from hotline.models import Disclosure`` works and
``Base.metadata`` holds every table as soon as this package is imported.
"""

from hotline.models.cases import (
    Attachment,
    Disclosure,
    DisclosureExclusion,
    DisclosureLink,
    DisclosureQueue,
    Message,
    QueueRemoval,
    Reporter,
)
from hotline.models.channels import EmailSeen, ReplyNotice, UsedFormToken
from hotline.models.defaults import new_id, today, utcnow
from hotline.models.keys import InstanceKey, Queue, SealedKey
from hotline.models.officers import Designation, Officer, OfficerSigningKey, ServerSession
from hotline.models.records import (
    Alarm,
    AuditEvent,
    AuditHead,
    CaseLedger,
    Notification,
    PublishedStatistics,
    ReminderSent,
)
from hotline.models.register import ContactDetail, ContactRequest

__all__ = [
    "Alarm",
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "CaseLedger",
    "ContactDetail",
    "ContactRequest",
    "Designation",
    "Disclosure",
    "DisclosureExclusion",
    "DisclosureLink",
    "DisclosureQueue",
    "EmailSeen",
    "InstanceKey",
    "Message",
    "Notification",
    "Officer",
    "OfficerSigningKey",
    "PublishedStatistics",
    "ReplyNotice",
    "Queue",
    "QueueRemoval",
    "ReminderSent",
    "Reporter",
    "SealedKey",
    "ServerSession",
    "UsedFormToken",
    "new_id",
    "today",
    "utcnow",
]
