"""What every channel's retaliation test checks: a new disclosure of its own,
linked to the reporter's earlier one, routed per policy without the units
that case excluded, with its own deadlines and check-ins, and nothing of the
earlier case shown to the officers who receive it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.desk.retaliation import checkins_for
from hotline.intake.service import Draft, submit
from hotline.models import Disclosure, DisclosureLink, SealedKey, today
from hotline.procedure import ACKNOWLEDGEMENT_DAYS, Category, Channel, LinkKind
from hotline.sealing.recipients import queue_recipient
from hotline.transparency.counts import quarter_counts
from hotline.transparency.tables import Quarter
from tests.helpers.officers import OfficerLogin

#: The earlier report: tax fraud that concerns the Commissioner General's
#: office, so it reaches Investigation alone. Retaliation routes to Internal
#: Audit and the Commissioner General; the office stays excluded, so Internal
#: Audit alone receives it, and cannot open the earlier case.
FIRST_TEXT = "The Commissioner General's driver clears lorries at Gatuna for cash"
EXCLUDED = "commissioner_general"
RETALIATION_QUEUES = {"internal_audit"}


@dataclass(frozen=True)
class Earlier:
    codename: str
    reference: str
    disclosure_id: str


def file_earlier(app: Flask, *, codename_kind: str = "digits") -> Earlier:
    """The reporter's first report, filed as any channel files it."""
    instance = app.extensions["hotline"]
    with instance.database.transaction() as session:
        receipt = submit(
            session,
            Draft(
                category=Category.TAXPAYER_FRAUD,
                text=FIRST_TEXT,
                channel=Channel.WEB,
                concerns=frozenset({EXCLUDED}),
                codename_kind=codename_kind,
            ),
            policy=instance.policy,
            kdf=instance.kdf,
            limits=instance.limits,
        )
    assert receipt.codename is not None
    return Earlier(receipt.codename, receipt.reference, receipt.disclosure_id)


def retaliation_cases(db: Session) -> list[Disclosure]:
    db.expire_all()
    return list(db.scalars(select(Disclosure).where(Disclosure.category == Category.RETALIATION)))


def sealed_to(db: Session, disclosure_id: str) -> set[str]:
    return set(
        db.scalars(select(SealedKey.recipient).where(SealedKey.disclosure_id == disclosure_id))
    )


def assert_new_linked_retaliation(
    db: Session, earlier: Earlier, channel: Channel, *, messages_before: int = 1
) -> Disclosure:
    """The one retaliation case: its own, linked, routed without the excluded
    unit; the earlier case gained nothing."""
    [case] = retaliation_cases(db)
    assert case.id != earlier.disclosure_id
    assert case.channel == channel
    original = db.get_one(Disclosure, earlier.disclosure_id)
    assert case.reporter_id == original.reporter_id  # under the same codename
    assert len(original.messages) == messages_before  # never a comment on the old case
    links = db.execute(
        select(DisclosureLink.to_id, DisclosureLink.kind).where(DisclosureLink.from_id == case.id)
    ).all()
    assert [(to_id, kind) for to_id, kind in links] == [
        (earlier.disclosure_id, LinkKind.RETALIATION_FOR)
    ]
    assert set(case.queue_slugs) == RETALIATION_QUEUES
    assert EXCLUDED in case.excluded_slugs
    assert queue_recipient(EXCLUDED) not in sealed_to(db, case.id)
    # Its own row in the statistics ...
    quarter = Quarter.of(case.received_on)
    assert quarter_counts(db, [quarter])[quarter][Category.RETALIATION]["received"] == 1
    # ... its own deadlines ...
    assert case.acknowledgement_due == case.received_on + dt.timedelta(days=ACKNOWLEDGEMENT_DAYS)
    # ... and its own 30/60/90-day check-ins once the earlier case closes.
    original.closed_on = today() - dt.timedelta(days=31)
    db.commit()
    checkins = checkins_for(db, [case.id])
    assert [c.days for c in checkins] == [30, 60, 90]
    assert {c.retaliation.id for c in checkins} == {case.id}
    return case


def assert_unlinked_retaliation(db: Session, channel: Channel) -> Disclosure:
    """A retaliation report without a code that opens a reporter: still a
    retaliation disclosure, linked to nothing."""
    [case] = retaliation_cases(db)
    assert case.channel == channel
    assert db.scalars(select(DisclosureLink).where(DisclosureLink.from_id == case.id)).all() == []
    return case


def assert_desk_shows_nothing_of_the_earlier_case(
    make_officer: Callable[..., OfficerLogin],
    desk: Callable[[OfficerLogin], FlaskClient],
    case: Disclosure,
    earlier: Earlier,
) -> None:
    """Internal Audit reads the retaliation case, never the earlier case's
    reference; the excluded office cannot open it at all."""
    auditor = desk(make_officer("auditor", ["internal_audit"]))
    page = auditor.get(f"/officer/case/{case.reference}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert earlier.reference not in html
    assert earlier.reference not in auditor.get("/officer/deadlines").get_data(as_text=True)
    general = desk(make_officer("general", [EXCLUDED]))
    assert general.get(f"/officer/case/{case.reference}").status_code in (403, 404)
    assert case.reference not in general.get("/officer/").get_data(as_text=True)
