"""The codename register's sealed parts: request reasons and released contact keys.

A reason is sealed like a case item (``item_kind`` "request") to the custodian
and the case's queues (``recipients.for_register_request``). Approval opens
the contact details' data keys with the custodian key and seals them to the
requesting officer's *personal* public key, bound to the request: only that
officer, signed in, can open them, only as the answer to this request, and
the custodian never needs to read the contact details to approve.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from hotline.crypto import envelopes
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import ContactDetail, ContactRequest, Disclosure, Officer
from hotline.sealing import recipients, trust
from hotline.sealing.items import contact_data_key, open_data_key, seal_data_key

ITEM_KIND = "request"
REASON_PURPOSE = "reason"
RELEASE_PURPOSE = "contact-release"


def seal_reason(
    session: Session,
    request: ContactRequest,
    disclosure: Disclosure,
    reason: str,
    *,
    custodian_slug: str,
) -> None:
    """Encrypt the reason into ``request`` and seal its data key to its readers."""
    data_key = envelopes.new_data_key()
    request.reason = envelopes.encrypt(data_key, request.id, REASON_PURPOSE, reason.encode())
    seal_data_key(
        session,
        disclosure_id=disclosure.id,
        item_id=request.id,
        item_kind=ITEM_KIND,
        data_key=data_key,
        recipients=recipients.for_register_request(session, disclosure, custodian_slug),
    )


def read_reason(
    session: Session, request: ContactRequest, keys: Mapping[str, PrivateKey]
) -> str | None:
    """The reason, opened with whichever recipient key is at hand, else None."""
    try:
        data_key = open_data_key(session, item_id=request.id, item_kind=ITEM_KIND, keys=keys)
        return envelopes.decrypt(data_key, request.id, REASON_PURPOSE, request.reason).decode()
    except CannotOpen:
        return None


def seal_release(
    session: Session,
    request: ContactRequest,
    contacts: Iterable[ContactDetail],
    requester: Officer,
    *,
    custodian_slug: str,
    custodian_key: PrivateKey,
) -> bytes:
    """The contacts' data keys, opened with the custodian key and sealed to the
    requester's personal key, bound to this request."""
    trust.require(session, requester)  # never to a swapped key: refused and alarmed
    trusted = PublicKey(requester.public_key)
    custodian = recipients.queue_openers({custodian_slug: custodian_key})
    released = {
        contact.id: base64.b64encode(contact_data_key(session, contact, custodian)).decode()
        for contact in contacts
    }
    return envelopes.seal(
        json.dumps(released).encode(),
        trusted,
        request.id,
        RELEASE_PURPOSE,
    )


def open_release(
    request: ContactRequest, sealed: bytes, private_key: PrivateKey
) -> dict[str, bytes]:
    """The released data keys by contact id; :class:`CannotOpen` for any other key."""
    released: dict[str, str] = json.loads(
        envelopes.open_sealed(sealed, private_key, request.id, RELEASE_PURPOSE)
    )
    return {contact_id: base64.b64decode(encoded) for contact_id, encoded in released.items()}
