"""The shipped nginx site in front of a real gunicorn: ``nginx -t`` with a
self-signed certificate, a reporter's journey and an officer's sign-in over TLS,
no access log, Hotline's headers kept, receipts not cached, and onion traffic
known by the listener it arrives on, never by a forged ``Host``."""

from __future__ import annotations

import html
import http.client
import io
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers.client import Browser, hidden, receipt_of
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin
from tests.helpers.servers import ONION_HOST, ROOT, Gunicorn, free_port, gunicorn, stop_process
from tests.helpers.tls import Certificates, make_certificates

SITE = ROOT / "deploy" / "nginx" / "hotline.conf"
SNIPPET = ROOT / "deploy" / "nginx" / "hotline-proxy.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CODENAME_GUESS = "abacus " * 7

if not os.path.exists(NGINX):
    if os.environ.get("CI") == "true":
        raise RuntimeError("nginx is missing: .ci/run installs Debian's nginx")
    pytest.skip("nginx is not installed (Debian's nginx package)", allow_module_level=True)


@dataclass
class Nginx:
    directory: Path
    https_port: int
    http_port: int
    onion_port: int
    certificates: Certificates
    process: subprocess.Popen[bytes] | None = None

    def conf(self) -> Path:
        return self.directory / "nginx.conf"


def write_site(directory: Path, running: Gunicorn, certificates: Certificates) -> Nginx:
    """The shipped site as is, but for ports, upstreams, paths and IPv6 listens."""
    directory.mkdir(parents=True, exist_ok=True)
    proxy = Nginx(directory, free_port(), free_port(), free_port(), certificates)
    site = (
        SITE.read_text()
        .replace("unix:/run/hotline/web.sock", f"127.0.0.1:{running.port}")
        .replace("unix:/run/hotline/onion.sock", f"127.0.0.1:{running.onion_port}")
        .replace("/etc/nginx/snippets/hotline-proxy.conf", str(SNIPPET))
        .replace("/etc/hotline/tls/fullchain.pem", str(certificates.cert_file))
        .replace("/etc/hotline/tls/privkey.pem", str(certificates.key_file))
        .replace("listen 443 ssl", f"listen 127.0.0.1:{proxy.https_port} ssl")
        .replace("listen 80;", f"listen 127.0.0.1:{proxy.http_port};")
        .replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{proxy.onion_port};")
        # Read here what the site would log, nginx's temporary-file warnings included.
        .replace("error_log /dev/null;", f"error_log {directory}/site-error.log info;")
    )
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (directory / "hotline.conf").write_text(site)
    proxy.conf().write_text(
        f"""worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/hotline.conf;
}}
"""
    )
    return proxy


def nginx_test(proxy: Nginx) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NGINX, "-t", "-p", str(proxy.directory), "-c", str(proxy.conf())],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def stack(
    initialised: Initialised, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Gunicorn, Nginx]]:
    monkeypatch.setenv("HOTLINE_PROXY_HOPS", "1")  # as deploy/systemd/hotline.env
    with gunicorn(initialised.config, tmp_path, workers=1) as running:
        proxy = write_site(tmp_path / "nginx", running, make_certificates(tmp_path / "tls"))
        checked = nginx_test(proxy)
        assert checked.returncode == 0, checked.stderr
        proxy.process = subprocess.Popen(
            [NGINX, "-p", str(proxy.directory), "-c", str(proxy.conf()), "-g", "daemon off;"],
        )
        try:
            _wait_for(proxy.https_port)
            yield running, proxy
        finally:
            stop_process(proxy.process)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx did not listen on {port}")


@dataclass
class TlsBrowser(Browser):
    """The reporter's browser over TLS to nginx, verifying the test CA."""

    context: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=self.timeout, context=self.context
            )
        return self._connection


def _signed_in(proxy: Nginx, login: OfficerLogin) -> TlsBrowser:
    """An officer's browser, signed in through nginx over TLS."""
    officer = TlsBrowser(proxy.https_port, context=proxy.certificates.client_context())
    form = officer.get("/officer/login")
    signed = officer.post(
        "/officer/login",
        {
            "csrf_token": hidden(form.body, "csrf_token"),
            "username": login.username,
            "password": login.password,
            "code": login.next_code(),
        },
    )
    assert signed.status == 303, signed.body[:500]
    return officer


def test_shipped_site_passes_nginx_t(initialised: Initialised, tmp_path: Path) -> None:
    fake = Gunicorn(free_port(), None, tmp_path / "none.log", free_port())  # type: ignore[arg-type]
    checked = nginx_test(write_site(tmp_path / "nginx", fake, make_certificates(tmp_path / "tls")))
    assert checked.returncode == 0, checked.stderr
    assert "access_log off;" in SITE.read_text()


def test_reporter_and_officer_through_nginx_over_tls(
    stack: tuple[Gunicorn, Nginx], make_officer: MakeOfficer
) -> None:
    running, proxy = stack
    reporter = TlsBrowser(proxy.https_port, context=proxy.certificates.client_context())
    reporter.host = "hotline.example.org"
    direct = Browser(running.port)

    form = reporter.get("/report?category=other")
    assert form.status == 200
    reply, receipt = reporter.submit("Undervalued invoices at the border post, lorry RAB 123")
    assert receipt, reply.body[reply.body.find("<main") :][:1500]
    codename, reference = receipt
    assert "no-store" in reply.headers["cache-control"]
    case = reporter.check_in(codename)
    assert case.status == 200
    assert reference in case.body

    # Hotline's own security headers pass through unchanged.
    own = direct.get("/report?category=other").headers
    for name in (
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
        "strict-transport-security",
        "permissions-policy",
        "cache-control",
    ):
        assert form.headers.get(name) == own.get(name), name
    assert "server" not in form.headers or "nginx/" not in form.headers["server"]

    officer = _signed_in(proxy, make_officer("mutesi", ["internal_audit"]))

    # HTTP only redirects.
    plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    plain.request("GET", "/report", headers={"Host": "hotline.example.org"})
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location", "").startswith("https://")
    for connection in (reporter, direct, officer, plain):
        connection.close()

    # No access log: nginx wrote none, gunicorn logged no request.
    assert not list(proxy.directory.glob("**/access.log"))
    assert not Path("/var/log/nginx/access.log").exists() or (
        "/checkin" not in Path("/var/log/nginx/access.log").read_text(errors="replace")
    )
    log = running.log.read_text(errors="replace")
    assert "/checkin" not in log
    assert "/report" not in log


def _guesses(browser: Browser, count: int) -> list[int]:
    page = browser.get("/checkin")
    token = hidden(page.body, "csrf_token")
    statuses = [
        browser.post("/checkin", {"csrf_token": token, "codename": CODENAME_GUESS}).status
        for _ in range(count)
    ]
    browser.close()
    return statuses


def test_onion_is_the_listener_not_the_host(stack: tuple[Gunicorn, Nginx]) -> None:
    running, proxy = stack
    # Through the onion listener: every Tor user shares one address, no lock-out.
    onion = Browser(proxy.onion_port, host=ONION_HOST)
    assert _guesses(onion, 12) == [401] * 12
    # The TLS listener with a forged onion Host is limited like any client.
    forged = TlsBrowser(proxy.https_port, context=proxy.certificates.client_context())
    forged.host = ONION_HOST
    assert _guesses(forged, 11)[-1] == 429
    # And so is gunicorn's clearnet bind reached directly with that Host.
    assert _guesses(Browser(running.port, host=ONION_HOST), 11)[-1] == 429


def test_the_site_logs_no_address_and_nothing_sent_or_read_touches_nginxs_disk(
    stack: tuple[Gunicorn, Nginx], make_officer: MakeOfficer
) -> None:
    running, proxy = stack
    # Every server of the shipped site: no error log, where nginx names clients.
    for site in (SITE, SITE.with_name("compose.conf")):
        text = site.read_text()
        assert text.count("error_log /dev/null;") == text.count("server {"), site.name

    # A phone photo (2 MB) through TLS, and the officer's download of it.
    photo = io.BytesIO()
    Image.effect_noise((1400, 1000), 80).convert("RGB").save(photo, "JPEG", quality=95)
    assert len(photo.getvalue()) > 1_000_000
    reporter = TlsBrowser(proxy.https_port, context=proxy.certificates.client_context())
    reporter.host = "hotline.example.org"
    page = reporter.get("/report?category=other")
    sent = reporter.post(
        "/report",
        {
            "csrf_token": hidden(page.body, "csrf_token"),
            "form_token": hidden(page.body, "form_token"),
            "category": "other",
            "body": "Photo of the lorry that crossed without inspection",
        },
        files={"attachment": ("lorry.jpg", photo.getvalue())},
    )
    assert sent.status == 200, sent.body[:500]
    reference = receipt_of(sent.body)
    assert reference is not None

    officer = _signed_in(proxy, make_officer("kalisa", ["commissioner_general"]))
    case = officer.get(f"/officer/case/{reference[1]}")
    link = re.search(r'href="(/officer/case/[^"]+/attachment/[^"]+)"', case.body)
    assert link, case.body[:2000]
    download = officer.get(html.unescape(link.group(1)))
    assert download.status == 200
    assert len(download.body.encode("utf-8", "surrogateescape")) > 500_000
    for browser in (reporter, officer):
        browser.close()

    assert proxy.process is not None
    stop_process(proxy.process)  # flushes the log
    logged = (proxy.directory / "site-error.log").read_text(errors="replace")
    assert "client: 127.0.0.1" in logged  # what /dev/null keeps off the disk
    assert "buffered to a temporary file" not in logged
    for temporary in ("body", "proxy"):
        assert not [p for p in (proxy.directory / temporary).rglob("*") if p.is_file()]


def test_uploads_held_in_memory_are_capped_per_address(stack: tuple[Gunicorn, Nginx]) -> None:
    # Bodies are held in nginx's memory (never in a temporary file), so a client
    # who starts many large uploads and never finishes them must not exhaust it:
    # the ninth at once from one address is refused at its headers.
    _, proxy = stack
    context = proxy.certificates.client_context()
    head = (
        b"POST /report HTTP/1.1\r\nHost: hotline.example.org\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 20000000\r\n\r\n"
    )
    stalled = []
    try:
        for _ in range(8):
            raw = socket.create_connection(("127.0.0.1", proxy.https_port), timeout=10)
            tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
            tls.sendall(head + b"x" * 4096)
            stalled.append(tls)
        time.sleep(0.5)  # nginx has read every stalled request's headers
        raw = socket.create_connection(("127.0.0.1", proxy.https_port), timeout=10)
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as ninth:
            ninth.sendall(head + b"x" * 4096)
            answer = ninth.recv(200)
        assert answer.startswith(b"HTTP/1.1 429"), answer
    finally:
        for tls in stalled:
            tls.close()
    # Once they are gone, the address is served again.
    again = TlsBrowser(proxy.https_port, context=context)
    again.host = "hotline.example.org"
    assert again.get("/report?category=other").status == 200
    again.close()
