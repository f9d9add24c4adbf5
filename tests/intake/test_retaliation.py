"""intake.operations.retaliation_links: a retaliation report links to every earlier case of the
same reporter, and to nobody else's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.intake.operations import retaliation_links
from hotline.intake.service import Draft, submit
from hotline.models import Disclosure, DisclosureQueue, SealedKey
from hotline.procedure import Category, Channel
from hotline.sealing.recipients import queue_recipient
from tests.helpers.instance import Initialised
from tests.intake.test_service import Harness


def test_only_a_known_reporters_retaliation_report_links_to_their_cases(
    initialised: Initialised,
) -> None:
    harness = Harness(initialised)
    codename, first = harness.file(
        Draft(category=Category.TAXPAYER_FRAUD, text="one", channel=Channel.SMS)
    )
    _other, strangers = harness.file(
        Draft(category=Category.OTHER, text="two", channel=Channel.WEB)
    )
    keys = harness.kdf.derive(codename)
    with harness.database.transaction() as session:
        second = submit(
            session,
            Draft(category=Category.STAFF_MISCONDUCT, text="three", channel=Channel.SMS),
            policy=harness.policy,
            kdf=harness.kdf,
            limits=harness.limits,
            reporter=keys,
        ).disclosure_id

    def links(session: Session, reporter_id: str | None, category: Category) -> set[str]:
        return set(retaliation_links(session, reporter_id=reporter_id, category=category))

    with harness.database.sessions() as session:
        assert links(session, keys.reporter_id, Category.RETALIATION) == {first, second}
        assert strangers not in links(session, keys.reporter_id, Category.RETALIATION)
        assert links(session, keys.reporter_id, Category.STAFF_MISCONDUCT) == set()
        assert links(session, None, Category.RETALIATION) == set()
    harness.database.dispose()


def test_a_retaliation_report_keeps_the_exclusions_of_the_case_it_follows(
    initialised: Initialised,
) -> None:
    harness = Harness(initialised)
    codename, first = harness.file(
        Draft(
            category=Category.STAFF_MISCONDUCT,
            text="the audit team takes bribes",
            channel=Channel.WEB,
            concerns=frozenset({"internal_audit"}),
        )
    )
    keys = harness.kdf.derive(codename)
    with harness.database.transaction() as session:
        # The reporter ticks nothing this time; Internal Audit must still be left out.
        retaliation = submit(
            session,
            Draft(
                category=Category.RETALIATION,
                text="I was moved to a border post",
                channel=Channel.WEB,
                related_to=(first,),
            ),
            policy=harness.policy,
            kdf=harness.kdf,
            limits=harness.limits,
            reporter=keys,
        ).disclosure_id
    with harness.database.sessions() as session:
        case = session.get(Disclosure, retaliation)
        assert case is not None
        queues = set(
            session.scalars(
                select(DisclosureQueue.queue_slug).where(
                    DisclosureQueue.disclosure_id == retaliation
                )
            )
        )
        assert queues == {"commissioner_general"}
        assert case.excluded_slugs == ["internal_audit"]
        # Nothing of it is sealed to Internal Audit's key.
        sealed_to = set(
            session.scalars(
                select(SealedKey.recipient).where(SealedKey.disclosure_id == retaliation)
            )
        )
        assert queue_recipient("commissioner_general") in sealed_to
        assert queue_recipient("internal_audit") not in sealed_to
    harness.database.dispose()
