"""The OAuth area's IdP half end to end against a small loopback provider whose token endpoint
misbehaves on purpose (issue 9 "Bad input"): HTML, a huge body, a redirect (not followed, the
secret not sent on), a server error, a body that is not JSON; a token endpoint on another host
than discovery is fine; a plain-http token endpoint off loopback gets no secret and the finding
says so. Every case is a finding, never a traceback, never the secret in the output."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from settings_env import NOW, source

from authdoctor.checks._oauth_idp import idp_findings
from authdoctor.checks.base import CheckContext
from authdoctor.findings import Finding, Severity
from authdoctor.probes.cache import ProbeSession
from authdoctor.settings.model import Deployment

SECRET = "live-test-secret-Zq7Wk9Jp3Xv"
WELL_KNOWN = "/.well-known/openid-configuration"


@dataclass
class FakeIdp:
    url: str = ""
    token_endpoint: str = ""
    posts: list[tuple[str, str]] = field(default_factory=list)
    """(path, Authorization header) of every POST."""


@pytest.fixture
def idp() -> Iterator[FakeIdp]:
    state = FakeIdp()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == WELL_KNOWN:
                self.answer(200, json.dumps({
                    "issuer": state.url, "authorization_endpoint": f"{state.url}/authorize",
                    "token_endpoint": state.token_endpoint, "jwks_uri": f"{state.url}/jwks",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"]}).encode(), "application/json")
            elif self.path.startswith("/authorize?"):
                self.answer(302, b"", "text/plain", Location=f"{state.url}/login")
            else:
                self.answer(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.posts.append((self.path, self.headers.get("Authorization", "")))
            if self.path == "/token/html":
                self.answer(200, b"<!DOCTYPE html><html><title>Sign in</title></html>", "text/html")
            elif self.path == "/token/huge":
                self.answer(200, b"{" + b" " * (2 * 1024 * 1024), "application/json")
            elif self.path == "/token/redirect":
                self.answer(302, b"", "text/plain", Location=f"{state.url}/token/collect")
            elif self.path == "/token/500":
                self.answer(500, b"Internal Server Error", "text/plain")
            elif self.path == "/token/empty-200":  # an answer that says nothing either way
                self.answer(200, b"{}", "application/json")
            elif self.path == "/token/text":
                self.answer(400, b"bad request", "text/plain")
            else:
                self.answer(400, b'{"error":"invalid_grant"}', "application/json")

        def answer(self, status: int, body: bytes, ctype: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    state.token_endpoint = f"{state.url}/token"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def run(idp: FakeIdp, token_path: str | None = None, *, token_endpoint: str | None = None) -> list[Finding]:
    idp.token_endpoint = token_endpoint or f"{idp.url}{token_path}"
    env = {"OAUTH_CLIENT_ID": "open-webui", "OAUTH_CLIENT_SECRET": SECRET,
           "OPENID_PROVIDER_URL": idp.url + WELL_KNOWN, "WEBUI_URL": "https://chat.example.com"}
    deployment = Deployment(replicas=(source(env),), sources=("test.env",))
    ctx = CheckContext(deployment=deployment, now=NOW, probes=ProbeSession(timeout_s=5))
    found = asyncio.run(idp_findings(ctx))
    assert found is not None
    for finding in found:
        assert SECRET not in repr(finding) and SECRET[:10] not in repr(finding)
    return found


def only(found: list[Finding]) -> Finding:
    [finding] = [f for f in found if f.severity is not Severity.SKIPPED]
    return finding


def test_healthy(idp: FakeIdp) -> None:
    assert run(idp, "/token") == []
    assert idp.posts[0][0] == "/token" and idp.posts[0][1].startswith("Basic ")


@pytest.mark.parametrize(("path", "what"), [
    ("/token/html", "an answer that is not JSON (text/html)"),
    ("/token/text", "an answer that is not JSON (text/plain)"),
    ("/token/500", "a server error"),
    ("/token/redirect", "a redirect"),
])
def test_token_endpoint_answers_no_oauth_response(idp: FakeIdp, path: str, what: str) -> None:
    finding = only(run(idp, path))
    assert (finding.code, finding.severity) == ("oauth.token-endpoint-unusable", Severity.ERROR)
    assert what in finding.title
    assert "Whether the client credentials are accepted was not established" in finding.detail


def test_redirect_is_not_followed_and_the_secret_not_sent_on(idp: FakeIdp) -> None:
    finding = only(run(idp, "/token/redirect"))
    assert finding.evidence["Location"] == f"{idp.url}/token/collect"
    assert [path for path, _ in idp.posts] == ["/token/redirect"]


def test_huge_answer_is_cut(idp: FakeIdp) -> None:
    finding = only(run(idp, "/token/huge"))
    assert finding.code == "oauth.token-endpoint-unusable"
    assert finding.evidence["body"] == f"more than {1024 * 1024} bytes (cut)"


def test_token_endpoint_on_another_host_than_discovery_is_fine(idp: FakeIdp) -> None:
    other_host = idp.url.replace("127.0.0.1", "localhost") + "/token"
    assert run(idp, token_endpoint=other_host) == []
    assert len(idp.posts) == 1


def test_plain_http_token_endpoint_off_loopback_gets_no_secret(idp: FakeIdp) -> None:
    finding = only(run(idp, token_endpoint="http://idp.example.com/token"))
    assert (finding.code, finding.severity) == ("oauth.token-endpoint-insecure", Severity.ERROR)
    assert "authdoctor did not send it" in finding.detail
    assert "plain http to idp.example.com" in finding.evidence["not sent"]
    assert idp.posts == []


def test_unreachable_token_endpoint(idp: FakeIdp) -> None:
    finding = only(run(idp, token_endpoint="http://127.0.0.1:9/token"))
    assert (finding.code, finding.evidence["failed at"]) == ("oauth.token-endpoint-unusable", "tcp")


def test_unknown_public_url_says_what_was_not_checked(idp: FakeIdp) -> None:
    idp.token_endpoint = f"{idp.url}/token"
    env = {"OAUTH_CLIENT_ID": "open-webui", "OAUTH_CLIENT_SECRET": SECRET,
           "OPENID_PROVIDER_URL": idp.url + WELL_KNOWN}
    ctx = CheckContext(deployment=Deployment(replicas=(source(env),)), now=NOW,
                       probes=ProbeSession(timeout_s=5))
    found = asyncio.run(idp_findings(ctx))
    assert found is not None
    [note] = found
    assert note.severity is Severity.SKIPPED
    assert "redirect URI could not be established" in note.title
    assert "public URL is unknown" in note.title
    assert len(idp.posts) == 1  # the client credentials were still checked (accepted)


def test_steps_it_could_not_establish_are_partial_once_the_idp_was_contacted(idp: FakeIdp) -> None:
    """A review found 'the server was not contacted' in the report after the authorize GET and the
    token POST with the secret had been sent: their skips are partial now, so the half ran."""
    found = run(idp, "/token/empty-200")
    skips = [f for f in found if f.severity is Severity.SKIPPED]
    assert skips and all(f.partial for f in skips), found
    assert [path for path, _ in idp.posts] == ["/token/empty-200"]
