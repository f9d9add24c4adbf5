"""The suite's fixtures: each test's instance is its own copy of the session's template."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.keyring import load_secrets
from hotline.models import AuditEvent
from tests.helpers.instance import RECOVERY_FILE, Initialised, Template, instance_config
from tests.helpers.stored import dump_keys


def _template(backend: str, request: pytest.FixtureRequest) -> Template:
    template = request.getfixturevalue(f"{backend}_template")
    assert isinstance(template, Template)
    return template


def test_the_copy_has_the_template_s_keys_in_its_own_place(
    initialised: Initialised, backend: str, request: pytest.FixtureRequest
) -> None:
    template = _template(backend, request)
    assert initialised.result is template.result
    assert initialised.config.keys_dir != template.root / "keys"
    assert dump_keys(initialised.config) == dump_keys(instance_config("", template.root))
    assert initialised.recovery_file != template.root / RECOVERY_FILE
    assert initialised.recovery_words == (template.root / RECOVERY_FILE).read_text().strip()
    if template.database is not None:
        assert template.database not in initialised.config.database_url
    else:
        assert str(template.root) not in initialised.config.database_url


@pytest.mark.parametrize("round_", [1, 2])
def test_what_one_test_writes_the_next_does_not_see(
    initialised: Initialised, db: Session, round_: int
) -> None:
    # Run twice: the second run would find the first one's event in a shared database.
    left = select(AuditEvent).where(AuditEvent.subject.startswith("left-behind"))
    assert list(db.scalars(left)) == []
    audit_key = load_secrets(initialised.config.keys_dir).audit_key
    record(db, audit_key, actor="test", action="test.wrote", subject=f"left-behind-{round_}")
    db.commit()
