"""An SMS dialogue whose parts reach two different servers files one case.

Behind a load balancer, Twilio's webhook requests of one conversation land on
any host. The thread lives in the shared Redis for 30 minutes, sealed under a
key only the sender's number and the pepper give, so the web tier keeps no state.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from hotline.crypto.codenames import derive
from hotline.crypto.keyring import load_secrets, secrets_loader
from hotline.db import Database
from hotline.models import Disclosure
from hotline.sealing.items import read_message
from hotline.sealing.recipients import reporter_recipient
from tests.helpers.client import Browser
from tests.helpers.instance import Initialised
from tests.helpers.load import send_sms
from tests.helpers.servers import PUBLIC_URL, TWILIO_TOKEN
from tests.helpers.verify import assert_no_partial_case, queue_keys, server

# Several gunicorn workers under load each: under xdist these tests share one
# worker, so two load tests never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("scale")

CODE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
NUMBER = "+250788555123"
PARTS = [
    "2 HLa1b2c3d4e5f6a7b8 The customs officer at Rusumo asked for 200,000 francs",
    "to clear lorry RAD 911 X without weighing it, on Tuesday morning",
    "his colleague at the barrier saw it and wrote the amount in a notebook",
]


def _replies(xml: str) -> list[str]:
    root = ElementTree.fromstring(xml)  # noqa: S314 - our own server's TwiML
    return [m.text or "" for m in root.iter("Message")]


@pytest.mark.slow
def test_a_dialogue_alternating_between_servers_files_one_case(
    initialised: Initialised, tmp_path: Path
) -> None:

    config = initialised.config
    if not config.redis_url:
        pytest.skip("across processes needs PostgreSQL + Redis (the other backend)")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        server(config, tmp_path / "a", workers=1) as a,
        server(config, tmp_path / "b", workers=1) as b,
    ):
        replies: list[str] = []
        for index, body in enumerate([*PARTS, "DONE"]):
            target = a if index % 2 == 0 else b
            phone = Browser(target.port)
            try:
                answer = send_sms(phone, TWILIO_TOKEN, PUBLIC_URL, NUMBER, body)
            finally:
                phone.close()
            assert answer.status == 200, answer.body
            replies.extend(_replies(answer.body))

    codes = {m.group(1) for r in replies for m in CODE.finditer(r)}
    assert len(codes) == 1, replies
    codename = codes.pop()
    pepper = load_secrets(config.keys_dir).pepper
    reporter = derive(codename, pepper)
    database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
    try:
        with database.sessions() as session:
            disclosures = session.scalars(select(Disclosure)).all()
            assert len(disclosures) == 1
            case = disclosures[0]
            assert case.channel == "sms"
            assert case.reporter_id == reporter.reporter_id
            mine = {reporter_recipient(reporter.reporter_id): reporter.private_key}
            texts = [read_message(session, m, mine) for m in case.messages]
            assert [t for t in texts] == [
                "HLa1b2c3d4e5f6a7b8 The customs officer at Rusumo asked for 200,000 francs",
                PARTS[1],
                PARTS[2],
            ]
            keys = queue_keys(session, initialised.recovery_words)
            assert [read_message(session, m, keys) for m in case.messages] == texts
            assert_no_partial_case(session)
    finally:
        database.dispose()
    # DONE on the second server ended the thread the first one began.
    import redis

    client = redis.Redis.from_url(config.redis_url)
    try:
        assert list(client.scan_iter(match=f"{config.redis_prefix}:sms-thread:*")) == []
    finally:
        client.close()
