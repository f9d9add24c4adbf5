"""A database made by an earlier release upgrades and every sealed item still opens.

The fixture in ``tests/fixtures/instance-57a1785`` was written by the code before
the packages were reshaped. After ``hotline init`` (the upgrade path) the reporter reads the
officer's reply with their codename, the officer reads every channel's report and
the attachment, and the audit chain verifies: stored formats did not change.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.config import Config
from hotline.initialise import initialise

FIXTURE = Path(__file__).parent / "fixtures" / "instance-57a1785"
FACTS: dict[str, Any] = json.loads((FIXTURE / "facts.json").read_text())
CHEAP = {"scrypt_n": 2**4, "argon2_memory_kib": 64, "argon2_time_cost": 1}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


@pytest.fixture
def upgraded(tmp_path: Path) -> Iterator[Flask]:
    database = tmp_path / "hotline.sqlite3"
    shutil.copy(FIXTURE / "hotline.sqlite3", database)
    shutil.copytree(FIXTURE / "keys", tmp_path / "keys")
    config = Config(
        database_url=f"sqlite:///{database}",
        keys_dir=tmp_path / "keys",
        insecure_cookies=True,
        testing=True,
        **CHEAP,  # type: ignore[arg-type]
    )
    # The upgrade path an operator runs: `hotline init` migrates, then seals
    # what the migrations could not (they cannot read keys/).
    initialise(config)
    app = create_app(config)
    yield app
    app.extensions["hotline"].database.dispose()


def _officer(app: Flask) -> FlaskClient:
    officer = FACTS["officer"]
    totp = TOTP(bytes.fromhex(officer["totp_secret"]), 6, SHA1(), 30)  # noqa: S303
    step = int(time.time()) // 30  # far later than the step the fixture used
    client = app.test_client()
    html = client.get("/officer/login").get_data(as_text=True)
    response = client.post(
        "/officer/login",
        data={
            "csrf_token": _hidden(html, "csrf_token"),
            "username": officer["username"],
            "password": officer["password"],
            "code": totp.generate(step * 30).decode(),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def test_the_reporter_still_reads_the_officers_reply(upgraded: Flask) -> None:
    client = upgraded.test_client()
    html = client.get("/checkin").get_data(as_text=True)
    response = client.post(
        "/checkin",
        data={"csrf_token": _hidden(html, "csrf_token"), "codename": FACTS["web"]["codename"]},
    )
    assert response.status_code == 303
    page = client.get("/checkin").get_data(as_text=True)
    assert FACTS["web"]["reply"] in page
    assert FACTS["web"]["reference"] in page


def test_the_officer_still_reads_every_channels_report_and_file(upgraded: Flask) -> None:
    desk = _officer(upgraded)
    queue = desk.get("/officer/").get_data(as_text=True)
    references = set(re.findall(r">(HL-[0-9A-Z]{4}-[0-9A-Z]{4})<", queue))
    web = FACTS["web"]["reference"]
    assert web in references
    page = desk.get(f"/officer/case/{web}").get_data(as_text=True)
    assert FACTS["web"]["text"] in page
    assert FACTS["web"]["reply"] in page
    links = re.findall(rf'href="(/officer/case/{web}/attachment/[0-9a-f]+)"', page)
    assert len(links) == 1
    assert desk.get(links[0]).get_data() == FACTS["web"]["file"].encode()
    texts = {FACTS["sms"]["text"], FACTS["email"]["text"]}
    for reference in references - {web}:
        page = desk.get(f"/officer/case/{reference}").get_data(as_text=True)
        texts = {text for text in texts if text not in page}
    assert texts == set(), "a report of the earlier release no longer opens"


def test_the_audit_chain_of_the_earlier_release_verifies(upgraded: Flask) -> None:
    result = upgraded.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_the_upgrade_tags_what_it_trusts_and_the_officer_signs_from_next_sign_in(
    upgraded: Flask,
) -> None:
    """Trust on upgrade: `hotline init` wrote keys/key_tag_key, tagged every
    stored key and vouched for every stored message; the officer of the
    earlier release gets a signing key at their next sign-in, and signs."""
    from sqlalchemy import func, select

    from hotline.models import Alarm, InstanceKey, Message, Officer, Queue, Reporter

    instance = upgraded.extensions["hotline"]
    assert (instance.config.keys_dir / "key_tag_key").stat().st_mode & 0o777 == 0o600
    with instance.database.sessions() as db:
        for model in (Queue, InstanceKey, Officer, Reporter):
            assert db.scalar(select(func.count()).where(model.key_tag.is_(None))) == 0
        assert db.scalar(select(func.count()).where(Message.authenticity.is_(None))) == 0
        officer = db.scalars(
            select(Officer).where(Officer.username == FACTS["officer"]["username"])
        ).one()
        assert officer.signing_public_key is None
    desk = _officer(upgraded)
    with instance.database.sessions() as db:
        officer = db.get_one(Officer, officer.id)
        assert officer.signing_public_key is not None
        assert officer.wrapped_signing_key is not None
    web = FACTS["web"]["reference"]
    page = desk.get(f"/officer/case/{web}").get_data(as_text=True)
    sent = desk.post(
        f"/officer/case/{web}/reply",
        data={"csrf_token": _hidden(page, "csrf_token"), "reply": "Signed after the upgrade"},
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    client = upgraded.test_client()
    html = client.get("/checkin").get_data(as_text=True)
    client.post(
        "/checkin",
        data={"csrf_token": _hidden(html, "csrf_token"), "codename": FACTS["web"]["codename"]},
    )
    page = client.get("/checkin").get_data(as_text=True)
    assert "Signed after the upgrade" in page
    assert FACTS["web"]["reply"] in page
    with instance.database.sessions() as db:
        assert list(db.scalars(select(Alarm.row))) == []


def test_the_upgrade_numbers_and_tags_files_and_seals_every_case(upgraded: Flask) -> None:
    """Trust on upgrade for revision 0010: the earlier release's file gets its
    number and tag, each case its head, the instance its ledger; then a deleted
    file is noticed like any other item."""
    from sqlalchemy import text

    runner = upgraded.test_cli_runner()
    clean = runner.invoke(args=["verify"])
    assert clean.exit_code == 0, clean.output
    assert "files (server tags): 1 checked" in clean.output
    assert "case ledger (deleted cases): 1 checked" in clean.output
    with upgraded.extensions["hotline"].database.sessions() as db:
        db.execute(text("DELETE FROM attachments"))
        db.commit()
    broken = runner.invoke(args=["verify"])
    assert broken.exit_code == 2
    assert "case heads (deleted or added items):" in broken.output
    assert "is missing" in broken.output or "are missing" in broken.output
