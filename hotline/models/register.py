"""The codename register (the custodian's side): contact details sealed to the
custodian only, and officers' requests to read them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, StoredTerm, term_columns
from hotline.models.defaults import new_id, today
from hotline.procedure import RequestStatus


class ContactDetail(Base):
    """Anything that identifies a reporter, sealed to the custodian only."""

    __tablename__ = "contact_details"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    seal_version: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)


class ContactRequest(Base):
    """An officer's request to read a case's contact details from the register.

    The reason is sealed like any case item; the custodian approves or refuses,
    and every step is also written to the audit trail.
    """

    __tablename__ = "contact_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[RequestStatus] = mapped_column(
        StoredTerm(RequestStatus, 16), default=RequestStatus.PENDING
    )
    _terms = term_columns("status")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    requested_on: Mapped[dt.date] = mapped_column(Date, default=today)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    #: An approved request releases the contact key sealed to the requester.
    sealed_for_requester: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The deciding custodian's signature over the decision (``sealing.decisions``),
    #: or 0x01 ‖ the server's tag for one decided before 0010.
    decision_proof: Mapped[bytes | None] = mapped_column(LargeBinary)
