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


@dataclass(frozen=True)
class Scenario:
    """The reporter's earlier report, and where their retaliation report must go."""

    name: str
    category: Category
    #: The unit the earlier report concerns: its queue never receives either.
    excluded: str
    earlier_queues: frozenset[str]
    retaliation_queues: frozenset[str]


#: Tax fraud that concerns the Commissioner General's office reaches
#: Investigation alone; retaliation (Internal Audit and the Commissioner
#: General) reaches Internal Audit alone, which cannot open the earlier case.
OFFICE_EXCLUDED = Scenario(
    "office-excluded",
    Category.TAXPAYER_FRAUD,
    "commissioner_general",
    frozenset({"investigation"}),
    frozenset({"internal_audit"}),
)
#: Staff misconduct that concerns Internal Audit reaches the Commissioner
#: General alone, and so does the retaliation report: never Internal Audit.
AUDIT_EXCLUDED = Scenario(
    "audit-excluded",
    Category.STAFF_MISCONDUCT,
    "internal_audit",
    frozenset({"commissioner_general"}),
    frozenset({"commissioner_general"}),
)
SCENARIOS = (OFFICE_EXCLUDED, AUDIT_EXCLUDED)
FIRST_TEXT = "The driver clears lorries at Gatuna for cash, and the office knows"


@dataclass(frozen=True)
class Earlier:
    codename: str
    reference: str
    disclosure_id: str
    scenario: Scenario


def file_earlier(
    app: Flask, scenario: Scenario = OFFICE_EXCLUDED, *, codename_kind: str = "digits"
) -> Earlier:
    """The reporter's first report, filed as any channel files it."""
    instance = app.extensions["hotline"]
    with instance.database.transaction() as session:
        receipt = submit(
            session,
            Draft(
                category=scenario.category,
                text=FIRST_TEXT,
                channel=Channel.WEB,
                concerns=frozenset({scenario.excluded}),
                codename_kind=codename_kind,
            ),
            policy=instance.policy,
            kdf=instance.kdf,
            limits=instance.limits,
        )
    assert receipt.codename is not None
    return Earlier(receipt.codename, receipt.reference, receipt.disclosure_id, scenario)


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
    scenario = earlier.scenario
    assert set(original.queue_slugs) == scenario.earlier_queues
    assert set(case.queue_slugs) == scenario.retaliation_queues
    assert scenario.excluded in case.excluded_slugs
    assert queue_recipient(scenario.excluded) not in sealed_to(db, case.id)
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
    """The retaliation queue's officers read the case, and never the earlier
    case's reference unless they may open that case too; the excluded unit's
    officers cannot open it at all, nor find it in their queue."""
    scenario = earlier.scenario
    for queue in sorted(scenario.retaliation_queues):
        officer = desk(make_officer(f"retaliation-{queue}", [queue]))
        page = officer.get(f"/officer/case/{case.reference}")
        assert page.status_code == 200
        if queue not in scenario.earlier_queues:
            assert earlier.reference not in page.get_data(as_text=True)
            deadlines = officer.get("/officer/deadlines").get_data(as_text=True)
            assert earlier.reference not in deadlines
    excluded = desk(make_officer("excluded", [scenario.excluded]))
    assert excluded.get(f"/officer/case/{case.reference}").status_code in (403, 404)
    assert case.reference not in excluded.get("/officer/").get_data(as_text=True)
