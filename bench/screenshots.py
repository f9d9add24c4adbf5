"""README's screenshots of the officer desk: ``python -m bench.screenshots``.

Makes a throw-away instance, files a few reports through the web form, adds an
officer, and photographs the queue and a case page at 360 px and 1280 px in
Debian's Chromium (JavaScript off), into ``docs/screenshots/``. Each picture is
the first screen only and reduced to a 64-colour palette, so it stays small.
Run it by hand after changing the desk's look; the tests never run it.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

from bench.instance import temporary_instance
from hotline import create_app
from hotline.auth.officers import TOTP_STEP, totp
from hotline.auth.service import add_officer
from hotline.config import Config
from hotline.crypto.keyring import read_recovery_file, recovery_private_key
from tests.helpers.browser import CHROMIUM_ARGS, CHROMIUM_CANDIDATES, follow
from tests.helpers.servers import start_server

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
USERNAME = "ingabire"
#: A throw-away instance, but no password written in the source all the same.
PASSWORD = secrets.token_urlsafe(18)
REPORTS = (
    ("staff_misconduct", "The cashier at the Kigali office keeps part of every fine."),
    ("staff_misconduct", "Receipts are torn up at the Gatuna border post after 6 pm."),
    ("retaliation", "My supervisor moved me to night shifts after I reported him."),
    ("staff_misconduct", "An assessor asks importers for cash to clear containers."),
)
REPLY = "Thank you. On which days does the cashier work alone?"
NOTE = "Check the till rolls for March against the fines register."
SIZES = ((360, 760), (1280, 800))


def _officer(config: Config) -> bytes:
    app = create_app(config)
    instance = app.extensions["hotline"]
    words = read_recovery_file(config.keys_dir.parent / "recovery.txt")
    with instance.database.transaction() as session:
        added = add_officer(
            session,
            USERNAME,
            PASSWORD,
            ["internal_audit"],
            params=instance.argon2_params,
            audit_key=instance.secrets.audit_key,
            actor="screenshots",
            recovery_key=recovery_private_key(words),
        )
        added.officer.must_change_password = False
        assert added.totp_secret is not None
        secret: bytes = added.totp_secret
    instance.database.dispose()
    return secret


def _code(secret: bytes, used: set[int]) -> str:
    step = int(time.time()) // TOTP_STEP - 1
    while step in used:
        step += 1
    if step > int(time.time()) // TOTP_STEP + 1:
        time.sleep(TOTP_STEP)
        return _code(secret, used)
    used.add(step)
    return totp(secret).generate(step * TOTP_STEP).decode()


def _save(page: Any, name: str) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64)
    small.save(path, optimize=True)
    print(f"{path.relative_to(OUT.parents[1])}: {path.stat().st_size // 1024} KB")


def main() -> int:
    executable = next((c for c in CHROMIUM_CANDIDATES if shutil.which(c)), None)
    if executable is None:
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with temporary_instance() as config, tempfile.TemporaryDirectory() as logs:
        secret = _officer(config)
        server = start_server(config, Path(logs), "screenshots")
        used: set[int] = set()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                phone = browser.new_context(viewport={"width": 360, "height": 760})
                reporter = phone.new_page()
                references = []
                for category, text in REPORTS:
                    reporter.goto(f"{server.url}/report?category={category}")
                    reporter.fill("#body", text)
                    follow(reporter, "button[type=submit]")
                    references.append(reporter.inner_text("#case-ref").strip())
                phone.close()
                for width, height in SIZES:
                    context = browser.new_context(
                        viewport={"width": width, "height": height}, java_script_enabled=False
                    )
                    page = context.new_page()
                    page.goto(server.url + "/officer/login")
                    page.fill("#username", USERNAME)
                    page.fill("#password", PASSWORD)
                    page.fill("#code", _code(secret, used))
                    follow(page, "button[type=submit]")
                    case_url = f"{server.url}/officer/case/{references[0]}"
                    if width == SIZES[0][0]:
                        page.goto(case_url)
                        page.fill("#reply", REPLY)
                        follow(page, "form[action$='/reply'] button[type=submit]")
                        page.click("#act-note summary")
                        page.fill("#note", NOTE)
                        follow(page, "form[action$='/note'] button[type=submit]")
                    page.goto(server.url + "/officer/")
                    _save(page, f"officer-queue-{width}")
                    page.goto(case_url)
                    _save(page, f"officer-case-{width}")
                    context.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
