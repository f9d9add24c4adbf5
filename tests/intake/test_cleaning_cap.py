"""Issue 15, item 4: a cap on concurrent cleanings per process, like the one on
codename derivations. Many requests at once (onion requests are not rate
limited) must not each run a cleaning: the instance's limits share one gate."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask

from hotline.intake import service
from hotline.intake.attachments import CleanedFile
from hotline.intake.attachments.confinement import Allowance
from hotline.intake.service import Upload, clean_uploads


def test_at_most_the_configured_number_of_cleanings_run_at_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = app.extensions["hotline"]
    assert instance.config.max_concurrent_cleanings == 2
    running = 0
    most = 0
    lock = threading.Lock()

    def slow_clean(
        name: str, claimed_type: str | None, content: bytes, allowance: Allowance
    ) -> CleanedFile:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return CleanedFile(name, "text/plain", content, (), True, False)

    monkeypatch.setattr(service, "clean_confined", slow_clean)
    uploads = [Upload(f"f{i}.txt", "text/plain", b"x") for i in range(2)]
    # A fresh Limits per request, as the views get them: the gate is shared.
    threads = [
        threading.Thread(target=clean_uploads, args=(uploads, instance.limits)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2
