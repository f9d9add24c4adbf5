"""intake.operations.retaliation_links: a retaliation report links to every earlier case of the
same reporter, and to nobody else's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.intake.operations import retaliation_links
from hotline.intake.service import Draft, submit
from hotline.procedure import Category, Channel
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
