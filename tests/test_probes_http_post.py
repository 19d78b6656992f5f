"""The form POST probe (`http_post_form`) and its session memo, against small loopback servers:
the credential goes to the one URL given and nowhere else (a redirect is not followed, so the
second server never sees it), never over plain http off loopback, never into an observation
(even when the server echoes it), and `--no-idp-requests` sends nothing."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from authdoctor.probes.cache import NO_IDP_REQUESTS, ProbeSession, wait_future
from authdoctor.probes.http import HttpObservation, http_post_form

SECRET = "Zq+pr0be%2Fsecret/value=="
BASIC = base64.b64encode(f"client:{SECRET}".encode()).decode()


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []


def serve(recorder: Recorder, redirect_to: str = "") -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recorder.requests.append(("POST", self.path, dict(self.headers), body))
            if self.path == "/echo":
                self.answer(400, json.dumps({"error": "invalid_grant", "seen_body": body.decode(),
                                             "seen_auth": self.headers.get("Authorization", "")}).encode(),
                            "application/json", **{"X-Echo": self.headers.get("Authorization", "")})
            elif self.path == "/echo-html":  # an error page that quotes the form, HTML-escaped
                import html
                from urllib.parse import parse_qs

                quoted = html.escape(parse_qs(body.decode()).get("client_secret", [""])[0])
                self.answer(401, f"<p>bad secret {quoted}</p>".encode(), "text/html")
            elif self.path == "/redirect":
                self.answer(307, b"", "text/plain", Location=f"{redirect_to}/collect")
            elif self.path == "/html":
                self.answer(200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html")
            elif self.path == "/huge":
                self.answer(200, b"x" * (2 * 1024 * 1024), "text/plain")
            elif self.path == "/500":
                self.answer(500, b"Internal Server Error", "text/plain")
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
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def servers() -> Iterator[tuple[str, Recorder, str, Recorder]]:
    first, second = Recorder(), Recorder()
    other, other_url = serve(second)
    main, main_url = serve(first, redirect_to=other_url)
    try:
        yield main_url, first, other_url, second
    finally:
        for server in (main, other):
            server.shutdown()
            server.server_close()


def post(url: str, environ: Mapping[str, str] | None = None) -> HttpObservation:
    return http_post_form(url, {"grant_type": "authorization_code", "code": "x"}, timeout_s=5,
                          basic_auth=("client", SECRET), headers={"Accept": "application/json"},
                          environ=environ or {})


def no_secret(observation: HttpObservation) -> None:
    for text in (repr(observation), json.dumps(observation.to_dict())):
        for form in (SECRET, BASIC, "Zq%2Bpr0be", "Zq+pr0be"):
            assert form not in text


def test_basic_auth_is_authlibs_raw_id_colon_secret(servers: tuple[str, Recorder, str, Recorder]) -> None:
    url, seen, _, _ = servers
    observation = post(url + "/token")
    [(method, path, headers, body)] = seen.requests
    assert (method, path) == ("POST", "/token")
    assert headers["Authorization"] == f"Basic {BASIC}"  # not form-urlencoded first
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["Accept"] == "application/json"
    assert body == b"grant_type=authorization_code&code=x"
    no_secret(observation)


def test_an_echoed_secret_never_enters_the_observation(servers: tuple[str, Recorder, str, Recorder]) -> None:
    url, _, _, _ = servers
    observation = http_post_form(url + "/echo", {"grant_type": "authorization_code"}, timeout_s=5,
                                 secret_form={"client_secret": SECRET})
    assert observation.status == 400
    assert b"***" in observation.body
    no_secret(observation)
    observation = post(url + "/echo")
    assert observation.headers.get("x-echo", "Basic ***") == "Basic ***"
    no_secret(observation)


def test_a_redirect_is_not_followed_and_the_secret_goes_nowhere_else(
        servers: tuple[str, Recorder, str, Recorder]) -> None:
    url, _, other_url, elsewhere = servers
    observation = post(url + "/redirect")
    assert observation.status == 307
    assert observation.headers["location"] == f"{other_url}/collect"
    assert elsewhere.requests == []


@pytest.mark.parametrize(("path", "status", "truncated"), [("/html", 200, False), ("/huge", 200, True),
                                                           ("/500", 500, False)])
def test_odd_answers_are_observations(servers: tuple[str, Recorder, str, Recorder], path: str, status: int,
                                      truncated: bool) -> None:
    url, _, _, _ = servers
    observation = post(url + path)
    assert observation.status == status
    assert observation.body_truncated is truncated
    assert len(observation.body) <= 1024 * 1024


@pytest.mark.parametrize("url", ["http://idp.example.com/token", "http://192.0.2.10/token",
                                 "http://[2001:db8::1]/token"])
def test_no_secret_over_plain_http_off_loopback(url: str) -> None:
    observation = post(url)
    assert "plain http" in observation.refused
    assert "does not send it" in observation.refused
    assert observation.status is None and observation.failure is None
    no_secret(observation)


def test_no_secret_to_loopback_through_a_remote_proxy() -> None:
    observation = post("http://127.0.0.1:9/token", environ={"HTTP_PROXY": "http://proxy.example.com:3128"})
    assert "through the proxy" in observation.refused


def test_a_public_client_may_post_over_http(servers: tuple[str, Recorder, str, Recorder]) -> None:
    url, seen, _, _ = servers
    observation = http_post_form(url.replace("127.0.0.1", "localhost") + "/token",
                                 {"grant_type": "authorization_code", "client_id": "public"}, timeout_s=5)
    assert observation.status == 400 and len(seen.requests) == 1


def test_a_secret_authlib_cannot_encode_is_not_sent() -> None:
    observation = http_post_form("https://127.0.0.1:9/token", {}, timeout_s=5, basic_auth=("client", "päss€"))
    assert "latin-1" in observation.refused


def test_credentials_in_the_url_are_never_sent(servers: tuple[str, Recorder, str, Recorder]) -> None:
    url, seen, _, _ = servers
    observation = post(url.replace("http://", "http://user:pw@") + "/token")
    assert observation.url == url + "/token"
    [(_, _, headers, _)] = seen.requests
    assert headers["Authorization"] == f"Basic {BASIC}"


# ----------------------------------------------------------------------------- the session

def test_session_memoises_without_the_secret_in_its_key(servers: tuple[str, Recorder, str, Recorder]) -> None:
    url, seen, _, _ = servers
    session = ProbeSession(timeout_s=5)
    form = {"grant_type": "authorization_code", "code": "x"}
    first = session.http_post_form(url + "/token", form, basic_auth=("client", SECRET)).result(10)
    again = session.http_post_form(url + "/token", form, basic_auth=("client", SECRET)).result(10)
    assert first is again and len(seen.requests) == 1 and session.cache.started == 1
    other = session.http_post_form(url + "/token", form, basic_auth=("client", "another-secret")).result(10)
    assert other is not first and len(seen.requests) == 2
    keys = repr(list(session.cache._futures))
    assert SECRET not in keys and "another-secret" not in keys and BASIC not in keys


def test_no_idp_requests_sends_nothing(servers: tuple[str, Recorder, str, Recorder]) -> None:
    import asyncio

    url, seen, _, _ = servers
    session = ProbeSession(timeout_s=5, idp_requests=False)
    posted = session.http_post_form(url + "/token", {"grant_type": "authorization_code"},
                                    basic_auth=("client", SECRET)).result(1)
    got = asyncio.run(wait_future(session.http_get(url + "/auth?client_id=x", idp_request=True)))
    assert posted.refused == NO_IDP_REQUESTS and got.refused == NO_IDP_REQUESTS
    assert seen.requests == [] and session.cache.started == 0


def test_a_secret_quoted_html_escaped_in_an_error_page_is_masked(
        servers: tuple[str, Recorder, str, Recorder]) -> None:
    """A review found an IdP error page quoting the secret HTML-escaped ('"' as &quot;) in the
    evidence; every escaped form is masked too."""
    url, _, _, _ = servers
    secret = 'S3cr"et<é>XYZZY'
    observation = http_post_form(url + "/echo-html", {"grant_type": "authorization_code"}, timeout_s=5,
                                 secret_form={"client_secret": secret})
    assert observation.status == 401
    assert observation.body == b"<p>bad secret ***</p>"
    assert "XYZZY" not in repr(observation)


def test_a_url_urlsplit_refuses_is_an_observation_not_a_crash() -> None:
    """A server-supplied URL such as 'http://[::1' (an MCP resource_metadata, a jwks_uri) made the
    probe raise before its own error handling; it is the protocol rung's failure now."""
    from authdoctor.probes.http import http_get

    for observation in (http_get("http://[::1", timeout_s=1),
                        http_post_form("http://[::1/token", {"a": "b"}, timeout_s=1)):
        assert observation.failure is not None
        assert observation.failure.summary == "the URL cannot be fetched (Invalid IPv6 URL)"
