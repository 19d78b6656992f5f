"""The transport area (issue 10, probe 6): HSTS, http -> https, mixed schemes at the public URL.

Evaluation tests build the answers by hand (recorded observations for every branch of
`evaluate`); the CLI tests run `check` and `app probe` against a loopback https server with a
throwaway certificate (`trustme`, for `localhost`) that sends or omits HSTS and redirects where a
test asks."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from authdoctor.checks._urls import parse_absolute
from authdoctor.checks.transport import TransportObservations, evaluate, parse_hsts, plain_http_url
from authdoctor.cli import main
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation

PUBLIC = "https://chat.example.com"
YEAR = "max-age=31536000; includeSubDomains"


def page(status: int = 200, hsts: str | None = YEAR, location: str | None = None,
         url: str = f"{PUBLIC}/") -> HttpObservation:
    headers = {"content-type": "text/html; charset=utf-8"}
    if hsts is not None:
        headers["strict-transport-security"] = hsts
    if location is not None:
        headers["location"] = location
    return HttpObservation(url=url, status=status, reason="", headers=headers, body=b"<html></html>")


def dead(url: str, rung: Rung = Rung.TCP) -> HttpObservation:
    return HttpObservation(url=url, failure=ProbeFailure(rung, f"{url}: connection refused"))


PLAIN = "http://chat.example.com/"
REDIRECTED = page(301, hsts=None, location="https://chat.example.com/", url=PLAIN)


def judge(main_page: HttpObservation, plain: HttpObservation | None = REDIRECTED,
          app_url: str | None = PUBLIC, public: str = PUBLIC) -> list[Finding]:
    return evaluate(TransportObservations(public, main_page, plain, app_url))


def codes(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in findings]


@pytest.mark.parametrize(("value", "max_age", "subdomains", "problem"), [
    ("max-age=31536000; includeSubDomains", 31536000, True, ""),
    ('MAX-AGE="600"', 600, False, ""),
    ("max-age=0", 0, False, ""),
    ("max-age=31536000, max-age=0", 31536000, False, ""),  # several headers: the first counts
    ("includeSubDomains", None, True, "there is no max-age directive (it is required)"),
    ("max-age=1y", None, False, "max-age='1y' is not a number of seconds"),
    ("max-age=10; max-age=20", None, False, "the directive max-age appears twice"),
    # digits only ASCII (RFC 6797 delta-seconds): '²' crashed int(), Arabic digits were accepted
    ("max-age=\u00b2", None, False, "max-age='\u00b2' is not a number of seconds"),
    ("max-age=\u0661\u0662\u0663", None, False,
     "max-age='\u0661\u0662\u0663' is not a number of seconds"),
])
def test_hsts_is_read_as_browsers_read_it(value: str, max_age: int | None, subdomains: bool,
                                          problem: str) -> None:
    parsed = parse_hsts(value)
    assert (parsed.max_age, parsed.include_subdomains, parsed.problem) == (max_age, subdomains, problem)


def test_a_sound_https_site_gives_nothing() -> None:
    assert judge(page()) == []


def test_no_hsts() -> None:
    [found] = judge(page(hsts=None))
    assert (found.code, found.severity) == ("transport.hsts-missing", Severity.WARNING)
    assert found.evidence["Strict-Transport-Security"] == "(none)"
    assert "add_header Strict-Transport-Security" in found.fix


def test_no_hsts_on_an_ip_address_is_not_reported() -> None:
    ip = "https://192.0.2.10"
    assert judge(page(hsts=None, url=f"{ip}/"), plain=None, public=ip, app_url=ip) == [
        f for f in judge(page(hsts=None, url=f"{ip}/"), plain=None, public=ip, app_url=ip)
        if f.severity is Severity.SKIPPED]


@pytest.mark.parametrize(("value", "code", "severity", "words"), [
    ("includeSubDomains", "transport.hsts-invalid", Severity.WARNING, "there is no max-age directive"),
    ("max-age=abc", "transport.hsts-invalid", Severity.WARNING, "is not a number of seconds"),
    ("max-age=1; max-age=2", "transport.hsts-invalid", Severity.WARNING, "appears twice"),
    ("max-age=0", "transport.hsts-short", Severity.WARNING, "max-age=0, which turns HSTS off"),
    ("max-age=86400", "transport.hsts-short", Severity.INFO, "keeps HSTS for 86400 s (1 day) only"),
])
def test_hsts_that_browsers_ignore_or_keep_briefly(value: str, code: str, severity: Severity,
                                                   words: str) -> None:
    [found] = judge(page(hsts=value))
    assert (found.code, found.severity) == (code, severity)
    assert words in found.title
    assert found.evidence["Strict-Transport-Security"] == value


def test_half_a_year_is_enough() -> None:
    assert judge(page(hsts="max-age=15552000")) == []
    [short] = judge(page(hsts="max-age=15551999"))
    assert short.title.endswith("keeps HSTS for 15551999 s (180 days) only")


def test_plain_http_that_answers_instead_of_redirecting() -> None:
    served = page(200, hsts=None, url=PLAIN)
    [found] = judge(page(), plain=served)
    assert (found.code, found.severity) == ("transport.http-not-redirected", Severity.WARNING)
    assert found.title == "plain http on the public host answers 200 instead of redirecting to https"
    assert found.evidence["GET"] == PLAIN


def test_plain_http_that_redirects_to_http_again() -> None:
    [found] = judge(page(), plain=page(302, hsts=None, location="/login", url=PLAIN))
    assert found.code == "transport.http-not-redirected"
    assert found.evidence["redirects to"] == "http://chat.example.com/login"


def test_no_plain_http_listener_is_fine() -> None:
    assert judge(page(), plain=dead(PLAIN)) == []


def test_a_public_url_on_another_port_has_no_plain_http_step() -> None:
    other = "https://chat.example.com:8443"
    [note] = judge(page(url=f"{other}/"), plain=None, public=other, app_url=other)
    assert note.severity is Severity.SKIPPED and note.partial
    assert note.detail == ("the public URL uses port 8443, so there is no standard plain-http address to "
                           "check for a redirect to https")


def test_the_https_page_redirects_to_http() -> None:
    [found] = judge(page(307, location="http://chat.example.com/auth"))
    assert (found.code, found.severity) == ("transport.mixed-scheme", Severity.WARNING)
    assert found.evidence["redirects to"] == "http://chat.example.com/auth"
    assert "X-Forwarded-Proto" in found.detail


def test_the_app_uses_an_http_public_url() -> None:
    [found] = judge(page(), app_url="http://chat.example.com")
    assert found.code == "transport.mixed-scheme"
    assert found.evidence["GET /opensearch.xml"] == "<moz:SearchForm>http://chat.example.com"
    assert "WEBUI_URL=https://chat.example.com" in found.fix


def test_an_https_page_that_does_not_answer_is_a_partial_skip() -> None:
    found = judge(dead(f"{PUBLIC}/", Rung.TLS))
    assert [f.severity for f in found] == [Severity.SKIPPED] and found[0].partial  # plain http was checked
    assert "its HSTS header was not checked" in found[0].title
    nothing = judge(dead(f"{PUBLIC}/"), plain=dead(PLAIN))
    assert [(f.severity, f.partial) for f in nothing] == [(Severity.SKIPPED, False)]  # nothing checked


@pytest.mark.parametrize(("public", "expected"), [
    ("https://chat.example.com", "http://chat.example.com/"),
    ("https://chat.example.com:443/owui/", "http://chat.example.com/owui/"),
    ("https://[2001:db8::1]", "http://[2001:db8::1]/"),
    ("https://chat.example.com:8443", None),
])
def test_the_plain_http_address(public: str, expected: str | None) -> None:
    assert plain_http_url(parse_absolute(public)) == expected


# --------------------------------------------------------------------------- the command line


@dataclass
class Front:
    """What the https test server answers: HSTS or not, a redirect, the app's public URL."""

    hsts: str | None = YEAR
    location: str | None = None
    webui_url: str = ""
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, str(ca_file)


@contextmanager
def https_front(front: Front, context: ssl.SSLContext) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            front.requests.append(self.path)
            if self.path == "/opensearch.xml":
                body = (f"<OpenSearchDescription><moz:SearchForm>{front.webui_url}</moz:SearchForm>"
                        "</OpenSearchDescription>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
            elif front.location is not None:
                body = b""
                self.send_response(307)
                self.send_header("Location", front.location)
            else:
                body = b"<!doctype html><html><body>Open WebUI</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
            if front.hsts is not None:
                self.send_header("Strict-Transport-Security", front.hsts)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SystemExit) as excinfo:
        main([*args, "--now", "2026-11-28T00:00:00Z", "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(excinfo.value.code or 0), json.loads(out)["findings"]


def test_check_reports_missing_hsts_and_an_http_app_url(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       tls: tuple[ssl.SSLContext, str]) -> None:
    context, ca_file = tls
    front = Front(hsts=None, webui_url="http://localhost")
    with https_front(front, context) as url:
        env = tmp_path / "app.env"
        env.write_text(f"WEBUI_URL={url}\n")
        code, found = run(capsys, "check", "--env-file", str(env), "--only", "transport",
                          "--ca-file", ca_file)
    assert code == 0
    by_code = {f["code"]: f for f in found}
    assert sorted(by_code) == ["transport.hsts-missing", "transport.mixed-scheme", "transport.skipped"]
    assert by_code["transport.hsts-missing"]["evidence"]["GET"] == f"{url}/"
    assert "no standard plain-http address" in by_code["transport.skipped"]["detail"]
    assert sorted(front.requests) == ["/", "/opensearch.xml"]


def test_app_probe_of_a_sound_https_front(capsys: pytest.CaptureFixture[str],
                                          tls: tuple[ssl.SSLContext, str]) -> None:
    context, ca_file = tls
    front = Front()
    with https_front(front, context) as url:
        front.webui_url = url
        code, found = run(capsys, "app", "probe", url, "--ca-file", ca_file)
    assert code == 0
    transport = [f for f in found if f["code"].startswith("transport.")]
    # ok for what ran (HSTS, the app's URL), and the note that plain http was not asked (not port 443)
    assert [(f["code"], f["severity"]) for f in transport] == [("transport.ok", "ok"),
                                                               ("transport.skipped", "skipped")]
    assert front.requests.count("/opensearch.xml") == 1  # the deploy area's request, shared


def test_check_reports_a_redirect_to_http(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          tls: tuple[ssl.SSLContext, str]) -> None:
    context, ca_file = tls
    front = Front(hsts="max-age=0", location="http://localhost/auth")
    with https_front(front, context) as url:
        env = tmp_path / "app.env"
        env.write_text(f"WEBUI_URL={url}\n")
        code, found = run(capsys, "check", "--env-file", str(env), "--only", "transport", "--ca-file",
                          ca_file, "--fail-on", "warning")
    assert code == 1
    by_code = {f["code"]: f for f in found}
    assert by_code["transport.hsts-short"]["severity"] == "warning"
    assert by_code["transport.mixed-scheme"]["evidence"]["redirects to"] == "http://localhost/auth"


def test_an_http_public_url_is_a_skip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env = tmp_path / "app.env"
    env.write_text("WEBUI_URL=http://127.0.0.1:9\n")
    code, found = run(capsys, "check", "--env-file", str(env), "--only", "transport")
    assert code == 0
    [skip] = found
    assert skip["code"] == "transport.skipped" and "is plain http" in skip["detail"]
