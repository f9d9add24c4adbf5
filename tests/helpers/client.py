"""A browser without JavaScript, over one keep-alive connection to 127.0.0.1.

Used by the load generator of the benchmark and by the scale and fault tests.
It sends what a phone's browser sends on the reporter pages: a GET of the
form, then the POST with the hidden fields it was given, multipart with an
empty file field for the report form, urlencoded for the others. It
keeps cookies in memory only and talks to loopback only, whatever the caller
passes as ``host`` (the ``Host`` header may name the onion service, as a Tor
client's request does when it reaches the server through the onion service).
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass, field

from urllib3 import encode_multipart_formdata

LOOPBACK = "127.0.0.1"
#: gunicorn closes a kept-alive connection after 2 s idle; reconnect before that
#: so a POST is never lost in the race (and never sent twice).
IDLE_RECONNECT = 1.0
_CODENAME = re.compile(r'id="codename"[^>]*>([^<]+)<')
_REFERENCE = re.compile(r'id="case-ref"[^>]*>([^<]+)<')


class NotLoopback(ValueError):
    """The benchmark and the tests never send traffic anywhere but 127.0.0.1."""


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else ""


def receipt_of(html: str) -> tuple[str, str] | None:
    """(codename, case reference) from a receipt page, or None."""
    codename = _CODENAME.search(html)
    reference = _REFERENCE.search(html)
    if codename is None or reference is None:
        return None
    return codename.group(1).strip(), reference.group(1).strip()


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]


@dataclass
class Browser:
    """One reporter's browser: cookies in memory, one connection, no JavaScript."""

    port: int
    host: str | None = None
    timeout: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)
    _connection: http.client.HTTPConnection | None = None
    _last_used: float = 0.0

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is not None and time.monotonic() - self._last_used > IDLE_RECONNECT:
            self.close()
        if self._connection is None:
            self._connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Reply:
        if not path.startswith("/"):
            raise NotLoopback(path)
        sent = {"Accept": "text/html", "Accept-Language": "en", **(headers or {})}
        if self.host:
            sent["Host"] = self.host
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None and files is not None:
            body, sent["Content-Type"] = encode_multipart_formdata([*form.items(), *files.items()])
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read()
                self._last_used = time.monotonic()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed while idle: reconnect
                # once, but only for a GET; a POST is never sent twice.
                self.close()
                if attempt == 2 or method != "GET":
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                self._remember(value)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Reply(
            response.status,
            data.decode("utf-8", errors="replace"),
            {k.lower(): v for k, v in response.getheaders()},
        )

    def _remember(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(
            a.strip().lower().startswith("max-age=0")
            or a.strip().lower().startswith("expires=thu, 01 jan 1970")
            for a in attributes
        )
        if expired or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(
        self,
        path: str,
        form: dict[str, str],
        headers: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Reply:
        """POST ``form`` urlencoded or, with ``files``, as multipart/form-data."""
        return self.request("POST", path, form, headers, files)

    # --- the reporter's journeys ------------------------------------------------

    def submit(self, text: str, category: str = "other") -> tuple[Reply, tuple[str, str] | None]:
        """GET the form, POST the report: the receipt's (codename, reference) or None."""
        page = self.get(f"/report?category={category}")
        if page.status != 200:
            return page, None
        reply = self.post(
            "/report",
            {
                "csrf_token": hidden(page.body, "csrf_token"),
                "form_token": hidden(page.body, "form_token"),
                "category": category,
                "body": text,
            },
            # The form is multipart (it takes files): a browser sends the
            # empty file field too.
            files={"attachment": ("", b"")},
        )
        return reply, receipt_of(reply.body) if reply.status == 200 else None

    def check_in(self, codename: str) -> Reply:
        """GET the check-in form, POST the codename, follow the 303 to the case page."""
        page = self.get("/checkin")
        if page.status != 200:
            return page
        reply = self.post(
            "/checkin", {"csrf_token": hidden(page.body, "csrf_token"), "codename": codename}
        )
        if reply.status != 303:
            return reply
        return self.get("/checkin")
