"""No loss under load: concurrent reporters through a real gunicorn with one
worker per core, each filing a report as a browser without JavaScript does.
Every receipt shown is a stored case that opens with its codename and with its
queues' keys; nothing is stored twice; nothing is partial. On both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import load
from tests.helpers.instance import Initialised
from tests.helpers.servers import ONION_HOST
from tests.helpers.verify import log_of, server, verify

# Several gunicorn workers under load each: under xdist these tests share one
# worker, so two load tests never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("scale")

SUBMISSIONS = 60
CONCURRENCY = 8


@pytest.mark.slow
def test_every_receipted_submission_is_stored_whole_and_once(
    initialised: Initialised, tmp_path: Path
) -> None:

    with server(initialised.config, tmp_path) as running:
        run = load.submissions(
            running.onion_port,
            count=SUBMISSIONS,
            concurrency=CONCURRENCY,
            time_limit=240,
            host=ONION_HOST,
        )
    log = log_of(running)
    failed = [o for o in run.outcomes if o.error]
    assert not failed, (failed[:3], log[-3000:])
    assert len(run.ok) == SUBMISSIONS
    stored = verify(initialised.config, initialised.recovery_words, run.outcomes)
    assert stored.receipts == SUBMISSIONS
    assert stored.disclosures == SUBMISSIONS
    assert "Traceback" not in log  # no request failed with a 500
