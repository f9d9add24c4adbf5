"""Where one web submission's CPU goes, phase by phase, without a profiler's overhead.

The submission path runs in this process through Flask's test client (no HTTP
parsing, which the gunicorn figures include) with the real KDF cost; a few
functions on the path are wrapped with CPU-time counters for the duration.
cProfile (``python -m bench.profile``) names the functions; this gives the
milliseconds, since the profiler inflates Python code several times over.
"""

from __future__ import annotations

import functools
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.instance import temporary_instance
from tests.helpers.client import hidden
from tests.helpers.load import report_text
from tests.helpers.servers import ONION_HOST


@contextmanager
def _counting(target: Any, name: str, label: str, spent: defaultdict[str, float]) -> Iterator[None]:
    original: Callable[..., Any] = getattr(target, name)

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - began

    setattr(target, name, counted)
    try:
        yield
    finally:
        setattr(target, name, original)


def breakdown(count: int = 30) -> list[tuple[str, float]]:
    """Milliseconds of CPU per submission for each phase, largest first."""
    from sqlalchemy.orm import Session

    import hotline.crypto.codenames as codenames
    import hotline.intake.service as service
    import hotline.intake.web.form_tokens as form_tokens
    import hotline.intake.web.views as views
    from hotline import create_app

    spent: defaultdict[str, float] = defaultdict(float)
    base = f"http://{ONION_HOST}"
    with temporary_instance(onion_url=base) as config:
        app = create_app(config)
        client = app.test_client()
        client.environ_base["hotline.onion"] = True  # as gunicorn's onion listener says

        def submit_once(index: int, measured: bool) -> None:
            client.delete_cookie("hl", domain=ONION_HOST)
            began = time.process_time()
            page = client.get("/report?category=staff_misconduct", base_url=base)
            middle = time.process_time()
            html = page.get_data(as_text=True)
            reply = client.post(
                "/report",
                base_url=base,
                data={
                    "csrf_token": hidden(html, "csrf_token"),
                    "form_token": hidden(html, "form_token"),
                    "category": "staff_misconduct",
                    "body": report_text(f"HL{index:016x}"),
                    "attachment": (io.BytesIO(b""), ""),  # a browser sends the empty file field
                },
            )
            ended = time.process_time()
            assert reply.status_code == 200, reply.status_code
            if measured:
                spent["GET /report (the whole request)"] += middle - began
                spent["POST /report (the whole request)"] += ended - middle

        for index in range(5):
            submit_once(index, measured=False)
        spent.clear()
        wraps = [
            (codenames, "derive", "  codename derivation (scrypt + key pair)"),
            (views, "submit", "  intake.service.submit (all of it)"),
            (service.readers, "for_new_case", QUEUE_KEYS),
            (service, "_unused_reference", REFERENCE),
            (service, "seal_message", SEAL),
            (service, "insert_sealed", INSERT_SEALED),
            (service, "enqueue_for_queues", NOTIFY),
            (form_tokens, "use_form_token", "  use_form_token (INSERT)"),
            (views, "page", "  rendering the receipt page"),
            (Session, "commit", "  session.commit"),
        ]
        with _all(wraps, spent):
            for index in range(count):
                submit_once(100 + index, measured=True)
        app.extensions["hotline"].database.dispose()
    return [(label, seconds / count * 1000) for label, seconds in spent.items()]


@contextmanager
def _all(wraps: list[tuple[Any, str, str]], spent: defaultdict[str, float]) -> Iterator[None]:
    if not wraps:
        yield
        return
    (target, name, label), *rest = wraps
    with _counting(target, name, label, spent), _all(rest, spent):
        yield


QUEUE_KEYS = "    for_new_case (SELECT the queue keys, check their tags)"
REFERENCE = "    _unused_reference (SELECT)"
SEAL = "    seal_message (encrypt, seal the key to 3 recipients)"
INSERT_SEALED = "    insert_sealed (INSERT the message and its sealed keys)"
NOTIFY = "    enqueue_for_queues (SELECT officers to notify)"
ORDER = (
    "GET /report (the whole request)",
    "POST /report (the whole request)",
    "  codename derivation (scrypt + key pair)",
    "  intake.service.submit (all of it)",
    QUEUE_KEYS,
    REFERENCE,
    SEAL,
    INSERT_SEALED,
    NOTIFY,
    "  use_form_token (INSERT)",
    "  rendering the receipt page",
    "  session.commit",
)


def table(phases: list[tuple[str, float]]) -> list[str]:
    values = dict(phases)
    lines = ["| phase (CPU per submission, in process) | ms |", "| --- | ---: |"]
    for label in ORDER:
        if label in values:
            lines.append(f"| {label.replace('  ', '&nbsp;&nbsp;')} | {values[label]:.1f} |")
    total = values.get(ORDER[0], 0.0) + values.get(ORDER[1], 0.0)
    kdf = values.get(ORDER[2], 0.0)
    lines.append(f"| total (GET + POST) | {total:.1f} |")
    lines.append(f"| everything but the derivation | {total - kdf:.1f} |")
    return lines


if __name__ == "__main__":
    print("\n".join(table(breakdown())))
