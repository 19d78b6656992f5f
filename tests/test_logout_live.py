"""The logout area's live half (issue 9 probe 3): the end-session endpoint the browser is sent to
at sign-out answers, and the URL the app builds for it is intact. Hand-built observations; the lab
runs it against a real provider (tests/lab/test_lab_logout_live.py)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from settings_env import NOW, source

from authdoctor.checks import logout
from authdoctor.checks.base import CheckContext
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation
from authdoctor.settings.model import Deployment

DISCOVERY = "https://idp.example.com/realms/acme/.well-known/openid-configuration"
END = "https://idp.example.com/realms/acme/protocol/openid-connect/logout"
OIDC = {"OAUTH_CLIENT_ID": "webui", "OAUTH_CLIENT_SECRET": "Logout-Secret-Value-9",
        "OPENID_PROVIDER_URL": DISCOVERY}


def answer(url: str, body: dict[str, Any] | bytes, status: int = 200) -> HttpObservation:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpObservation(url=url, final_url=url, status=status, reason="Not Found" if status == 404 else "",
                           body=raw, headers={"content-type": "text/html"}, elapsed_s=0.01)


@dataclass
class FakeProbes:
    answers: dict[str, HttpObservation]
    asked: list[str] = field(default_factory=list)

    async def http_get_async(self, url: str) -> HttpObservation:
        self.asked.append(url)
        return self.answers.get(url) or HttpObservation(
            url=url, final_url=url, elapsed_s=0.01,
            failure=ProbeFailure(Rung.TCP, "idp.example.com:443: connection refused", {}))


def live(env: dict[str, str], answers: dict[str, HttpObservation]) -> tuple[list[Finding], list[str]]:
    probes = FakeProbes(answers)
    ctx = CheckContext(deployment=Deployment(replicas=(source(env),), sources=("test.env",)), now=NOW,
                       probes=probes)  # type: ignore[arg-type]
    return list(asyncio.run(logout.check_live(ctx))), probes.asked


def doc(end_session: str | None = END) -> HttpObservation:
    body: dict[str, Any] = {"issuer": "https://idp.example.com/realms/acme"}
    if end_session:
        body["end_session_endpoint"] = end_session
    return answer(DISCOVERY, body)


def test_an_answering_end_session_endpoint_gives_nothing_and_the_document_is_read_once() -> None:
    found, asked = live(OIDC, {DISCOVERY: doc(), END: answer(END, b"<form>Log out?</form>")})
    assert found == []
    assert asked == [DISCOVERY, END]
    # a 400 for the missing id_token_hint (Keycloak, Okta) is an answer too
    assert live(OIDC, {DISCOVERY: doc(), END: answer(END, b"Missing parameters", status=400)})[0] == []


def test_a_404_end_session_endpoint_shows_what_the_app_sends_there() -> None:
    env = {**OIDC, "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "https://chat.example.com/auth"}
    [f], _ = live(env, {DISCOVERY: doc(), END: answer(END, b"nope", status=404)})
    assert (f.code, f.severity) == ("logout.end-session-unreachable", Severity.WARNING)
    assert f.title == "the sign-out endpoint answers HTTP 404 Not Found"
    assert f.evidence["the app sends the browser to"] == (
        f"{END}?id_token_hint=<the user's ID token>&post_logout_redirect_uri=https://chat.example.com/auth")
    assert f.evidence["from"] == f"end_session_endpoint of {DISCOVERY}"
    assert f.evidence["sessions"] == "OIDC"


def test_openid_end_session_endpoint_is_probed_verbatim_and_sent_verbatim() -> None:
    verbatim = "https://auth.example.com/logout?client_id=webui&logout_uri=https://chat.example.com/"
    [f], asked = live({**OIDC, "OPENID_END_SESSION_ENDPOINT": verbatim}, {})
    assert asked == [verbatim]  # no discovery fetched: the app does not read it then
    assert f.code == "logout.end-session-unreachable" and f.evidence["failed at"] == "tcp"
    assert f.evidence["the app sends the browser to"] == verbatim
    assert f.subject == "OPENID_END_SESSION_ENDPOINT"
    assert f.location is not None and f.location.key == "OPENID_END_SESSION_ENDPOINT"


def test_a_redirect_url_with_query_characters_breaks_the_sign_out_url() -> None:
    env = {**OIDC, "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "https://chat.example.com/auth?a=1&b=2#top"}
    [f], _ = live(env, {DISCOVERY: doc(), END: answer(END, b"ok")})
    assert (f.code, f.severity, f.subject) == ("logout.signout-url-malformed", Severity.WARNING,
                                               "WEBUI_AUTH_SIGNOUT_REDIRECT_URL")
    assert "'&' starts another parameter" in f.detail and "'#' starts the fragment" in f.detail


def test_an_end_session_endpoint_with_a_query_gets_a_second_question_mark() -> None:
    with_query = END + "?client_id=webui"
    [f], _ = live(OIDC, {DISCOVERY: doc(with_query), with_query: answer(with_query, b"ok")})
    assert f.code == "logout.signout-url-malformed"
    assert f.evidence["the app sends the browser to"] == f"{with_query}?id_token_hint=<the user's ID token>"


def test_github_sessions_sign_out_through_openid_provider_url() -> None:
    env = {"GITHUB_CLIENT_ID": "gh", "GITHUB_CLIENT_SECRET": "Gh-Secret-Value-1",
           "OPENID_PROVIDER_URL": DISCOVERY}
    [f], _ = live(env, {DISCOVERY: doc(), END: answer(END, b"down", status=502)})
    assert f.code == "logout.end-session-unreachable" and f.evidence["sessions"] == "GitHub"


def test_nothing_to_probe() -> None:
    [f], _ = live({}, {})
    assert (f.code, f.severity) == ("logout.skipped", Severity.SKIPPED)
    # no end_session_endpoint, or an unusable document: the oidc area reports it, not this one
    assert live(OIDC, {DISCOVERY: doc(None)})[0] == []
    assert live(OIDC, {})[0] == []
