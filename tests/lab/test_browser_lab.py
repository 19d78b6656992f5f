"""The browser tier's own guarantees (tests/lab/browser.py), against a tiny cookie server on
loopback: the mapped host names reach loopback, Chromium's verdicts arrive over CDP with its
reasons (browser-truth.md truth table 1), the raw jar keeps "SameSite unspecified", a fresh
context starts with an empty jar, and a recorded HAR holds the flow.

One Chromium for the session (the `lab_browser` fixture); each case below is one fresh context."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from .browser import APP_HOST, LabBrowser
from .ports import HOST

pytestmark = pytest.mark.browser


class _CookieHandler(BaseHTTPRequestHandler):
    """`/set?c=<Set-Cookie line>` (repeatable) answers 200 with those Set-Cookie headers;
    `/go?to=<path>&c=...` answers 302 to `to` with them; `/echo` shows the Cookie header."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path in ("/set", "/go"):
            self.send_response(302 if parts.path == "/go" else 200)
            for line in query.get("c", []):
                self.send_header("Set-Cookie", line)
            if parts.path == "/go":
                self.send_header("Location", query.get("to", ["/echo"])[0])
            body = b"<!DOCTYPE html><title>set</title>ok"
        elif parts.path == "/echo":
            self.send_response(200)
            body = ("<!DOCTYPE html><title>echo</title><pre>" + (self.headers.get("Cookie") or "")
                    + "</pre>").encode()
        else:
            self.send_response(404)
            body = b"not found"
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


@pytest.fixture(scope="module")
def cookie_port() -> Iterator[int]:
    server = ThreadingHTTPServer((HOST, 0), _CookieHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def set_url(base: str, *lines: str) -> str:
    return f"{base}/set?" + "&".join(f"c={quote(line)}" for line in lines)


@pytest.mark.parametrize(("host", "secure_stored"), [(HOST, True), ("localhost", True), (APP_HOST, False)])
def test_secure_cookie_verdicts_by_host(lab_browser: LabBrowser, cookie_port: int, host: str,
                                        secure_stored: bool) -> None:
    """Truth table 1: `Secure` is stored over http on 127.0.0.1 and localhost, rejected with
    `SecureOnly` on a normal host name; `SameSite=None` without Secure is rejected everywhere."""
    base = f"http://{host}:{cookie_port}"
    with lab_browser.case(f"verdicts on {host}") as case:
        case.goto(set_url(base, "plain=1; Path=/", "sec=1; Secure; Path=/", "nonei=1; SameSite=None; Path=/",
                          "unspec=1; HttpOnly; Path=/"))
        assert case.verdict("plain").stored
        assert case.verdict("unspec").stored
        sec = case.verdict("sec")
        assert sec.stored is secure_stored
        assert sec.reasons == (() if secure_stored else ("SecureOnly",))
        nonei = case.verdict("nonei")
        assert (nonei.stored, nonei.reasons) == (False, ("SameSiteNoneInsecure",))
        assert f"{base}/set" in sec.url
        jar = {c["name"]: c for c in case.jar()}
        assert sorted(jar) == sorted(["plain", "unspec", *(["sec"] * secure_stored)])
        assert "sameSite" not in jar["unspec"]  # raw CDP keeps "unspecified" apart from Lax
        case.goto(f"{base}/echo")
        [echo] = case.requests_to("/echo")
        assert sorted(echo.sent) == sorted(jar)


def test_fresh_context_and_redirect_hops(lab_browser: LabBrowser, cookie_port: int) -> None:
    """Each case starts with an empty jar; every redirect hop is its own request with its own
    Set-Cookie verdicts and the cookies it carried."""
    base = f"http://{APP_HOST}:{cookie_port}"
    with lab_browser.case("redirect hops") as case:
        assert case.jar() == []
        case.goto(f"{base}/go?to=/echo&c={quote('hop=1; Path=/')}&c={quote('bad=1; Secure; Path=/')}")
        assert case.page.url == f"{base}/echo"
        hops = [(r.url.split("?")[0], r.sent) for r in case.requests]
        assert hops == [(f"{base}/go", ()), (f"{base}/echo", ("hop",))]
        assert [(v.name, v.stored, v.reasons) for v in case.set_cookies] == [
            ("hop", True, ()), ("bad", False, ("SecureOnly",))]


def test_har_is_recorded(lab_browser: LabBrowser, cookie_port: int, tmp_path: Path) -> None:
    """`record_har_path` writes a HAR 1.2 naming the browser; the Set-Cookie headers are kept
    raw (the HAR does not say the Secure one was rejected: only CDP does)."""
    har = tmp_path / "flow.har"
    base = f"http://{APP_HOST}:{cookie_port}"
    with lab_browser.case("har", record_har_path=har) as case:
        case.goto(f"{base}/go?to=/echo&c={quote('hop=1; Path=/')}&c={quote('bad=1; Secure; Path=/')}")
        assert not case.verdict("bad").stored
    log = json.loads(har.read_text())["log"]
    assert log["version"] == "1.2"
    assert log["browser"]["version"] == lab_browser.version
    first = log["entries"][0]
    assert first["response"]["status"] == 302
    assert first["response"]["redirectURL"].endswith("/echo")
    assert {c["name"] for c in first["response"]["cookies"]} == {"hop", "bad"}
