"""intake.operations.retaliation_links: a retaliation report links to every earlier case of the
same reporter, and to nobody else's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.intake.operations import retaliation_links
from hotline.intake.service import Draft, submit
from tests.helpers.instance import Initialised
from tests.intake.test_service import Harness


def test_only_a_known_reporters_retaliation_report_links_to_their_cases(
    initialised: Initialised,
) -> None:
    harness = Harness(initialised)
    codename, first = harness.file(Draft(category="taxpayer_fraud", text="one", channel="sms"))
    _other, strangers = harness.file(Draft(category="other", text="two", channel="web"))
    keys = harness.kdf.derive(codename)
    with harness.database.transaction() as session:
        second = submit(
            session,
            Draft(category="staff_misconduct", text="three", channel="sms"),
            policy=harness.policy,
            kdf=harness.kdf,
            limits=harness.limits,
            reporter=keys,
        ).disclosure_id

    def links(session: Session, reporter_id: str | None, category: str) -> set[str]:
        return set(retaliation_links(session, reporter_id=reporter_id, category=category))

    with harness.database.sessions() as session:
        assert links(session, keys.reporter_id, "retaliation") == {first, second}
        assert strangers not in links(session, keys.reporter_id, "retaliation")
        assert links(session, keys.reporter_id, "staff_misconduct") == set()
        assert links(session, None, "retaliation") == set()
    harness.database.dispose()
