"""The OIDC live half's evaluation: hand-made discovery observations -> findings, no network.

One table row per code and branch of `evaluate_discovery` (rules D2, D3, D4 of standards.md; the
slow threshold documented in authdoctor/checks/oidc.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from settings_env import context

from authdoctor.checks import oidc
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung, TlsCertificate
from authdoctor.probes.http import HttpObservation

URL = "https://id.example.com/realms/acme/.well-known/openid-configuration"
ISSUER = "https://id.example.com/realms/acme"
GOOD: dict[str, Any] = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/protocol/openid-connect/auth",
    "token_endpoint": f"{ISSUER}/protocol/openid-connect/token",
    "jwks_uri": f"{ISSUER}/protocol/openid-connect/certs",
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
}


def answer(body: bytes | dict[str, Any] | list[Any], *, status: int = 200,
           content_type: str = "application/json", elapsed: float = 0.05, truncated: bool = False,
           **headers: str) -> HttpObservation:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpObservation(url=URL, final_url=URL, status=status, reason="", body=raw,
                           body_truncated=truncated, headers={"content-type": content_type, **headers},
                           elapsed_s=elapsed)


def failed(rung: Rung, summary: str, *, timed_out: bool = False, **evidence: str) -> HttpObservation:
    return HttpObservation(url=URL, final_url=URL, elapsed_s=0.01,
                           failure=ProbeFailure(rung, summary, dict(evidence), timed_out=timed_out))


def evaluate(observation: HttpObservation, url: str = URL, **kwargs: Any) -> list[Finding]:
    return oidc.evaluate_discovery(observation, configured_url=url, **kwargs)


def codes(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in findings]


ERROR, WARNING = Severity.ERROR, Severity.WARNING

CASES: list[tuple[str, HttpObservation, str, list[tuple[str, Severity]]]] = [
    ("healthy", answer(GOOD), URL, []),
    ("extra metadata is fine", answer({**GOOD, "end_session_endpoint": "x", "foo": [1]}), URL, []),
    ("JSON under text/plain is accepted like authlib does", answer(GOOD, content_type="text/plain"), URL, []),
    ("dns", failed(Rung.DNS, "id.example.com: the name does not exist (NXDOMAIN)", name="id.example.com"),
     URL, [("oidc.discovery-unreachable", ERROR)]),
    ("tcp refused", failed(Rung.TCP, "127.0.0.1:1: connection refused"), URL,
     [("oidc.discovery-unreachable", ERROR)]),
    ("tls unknown CA", failed(Rung.TLS, "the certificate is signed by a CA this machine does not trust"), URL,
     [("oidc.discovery-unreachable", ERROR)]),
    ("timeout", failed(Rung.PROTOCOL, "no answer within 5 s", timed_out=True), URL,
     [("oidc.discovery-unreachable", ERROR)]),
    ("http 404", answer(b"<h1>Not Found</h1>", status=404, content_type="text/html"), URL,
     [("oidc.discovery-unreachable", ERROR)]),
    ("http 503", answer(b"", status=503, content_type=""), URL, [("oidc.discovery-unreachable", ERROR)]),
    ("http 401", answer(b"", status=401), URL, [("oidc.discovery-unreachable", ERROR)]),
    ("redirect", answer(b"", status=302, content_type="", location="https://sso.example.com/login"), URL,
     [("oidc.discovery-not-json", ERROR)]),
    ("html login page", answer(b"<!doctype html><html><title>Sign in</title>", content_type="text/html"), URL,
     [("oidc.discovery-not-json", ERROR)]),
    ("empty body", answer(b"", content_type=""), URL, [("oidc.discovery-not-json", ERROR)]),
    ("not utf-8", answer(b"\xff\xfe\x00garbage", content_type="application/octet-stream"), URL,
     [("oidc.discovery-not-json", ERROR)]),
    ("json array", answer([GOOD]), URL, [("oidc.discovery-invalid", ERROR)]),
    ("json string", answer(b'"hello"'), URL, [("oidc.discovery-invalid", ERROR)]),
    ("nested too deeply", answer(b"[" * 100_000 + b"]" * 100_000), URL, [("oidc.discovery-invalid", ERROR)]),
    ("larger than the cap", answer(b"{" + b" " * 2000, truncated=True), URL,
     [("oidc.discovery-invalid", ERROR)]),
    ("jwks_uri missing", answer({k: v for k, v in GOOD.items() if k != "jwks_uri"}), URL,
     [("oidc.discovery-invalid", ERROR)]),
    ("token_endpoint a number", answer({**GOOD, "token_endpoint": 42}), URL,
     [("oidc.discovery-invalid", ERROR)]),
    ("response types a string", answer({**GOOD, "response_types_supported": "code"}), URL,
     [("oidc.discovery-invalid", ERROR)]),
    ("empty alg list", answer({**GOOD, "id_token_signing_alg_values_supported": []}), URL,
     [("oidc.discovery-invalid", ERROR)]),
    ("issuer missing", answer({k: v for k, v in GOOD.items() if k != "issuer"}), URL,
     [("oidc.discovery-invalid", ERROR)]),
    ("issuer with a trailing slash", answer({**GOOD, "issuer": ISSUER + "/"}), URL,
     [("oidc.issuer-mismatch", WARNING)]),
    ("url with a trailing slash", answer(GOOD), ISSUER + "//.well-known/openid-configuration",
     [("oidc.issuer-mismatch", WARNING)]),
    ("internal host", answer({**GOOD, "issuer": "http://keycloak:8080/realms/acme"}), URL,
     [("oidc.issuer-mismatch", ERROR)]),
    ("invalid and mismatched", answer({"issuer": "https://other.example.com"}), URL,
     [("oidc.discovery-invalid", ERROR), ("oidc.issuer-mismatch", ERROR)]),
    ("rfc 8414 url, same issuer",
     answer(GOOD), "https://id.example.com/.well-known/oauth-authorization-server/realms/acme", []),
    ("issuer url: no expected issuer to compare (the settings half reports the URL)",
     answer({**GOOD, "issuer": "https://elsewhere.example.com"}), ISSUER, []),
    ("slow", answer(GOOD, elapsed=2.4), URL, [("oidc.discovery-slow", WARNING)]),
    ("slow and broken", answer(b"<html>", content_type="text/html", elapsed=3.0), URL,
     [("oidc.discovery-not-json", ERROR), ("oidc.discovery-slow", WARNING)]),
    ("slow error status", answer(b"", status=502, elapsed=2.5), URL,
     [("oidc.discovery-unreachable", ERROR), ("oidc.discovery-slow", WARNING)]),
    ("just under the threshold", answer(GOOD, elapsed=1.99), URL, []),
]


@pytest.mark.parametrize(("observation", "url", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_evaluation_table(observation: HttpObservation, url: str,
                          expected: list[tuple[str, Severity]]) -> None:
    assert codes(evaluate(observation, url)) == expected


def test_unreachable_names_the_rung_its_evidence_and_what_was_not_attempted() -> None:
    cert = TlsCertificate(subject="CN=idp", issuer="CN=Corp CA", sans=("idp.corp",))
    observation = HttpObservation(url=URL, final_url=URL, certificate=cert, failure=ProbeFailure(
        Rung.TLS, "the certificate is for idp.corp, not id.example.com",
        {"subject": "CN=idp", "names (SAN)": "idp.corp", "issuer": "CN=Corp CA"}))
    [f] = evaluate(observation)
    assert f.title == ("the OIDC discovery document cannot be fetched: the certificate is for idp.corp, "
                       "not id.example.com")
    assert f.evidence["failed at"] == "tls"
    assert f.evidence["names (SAN)"] == "idp.corp"
    assert "Not attempted because of it: protocol, application." in f.detail
    [plain] = evaluate(failed(Rung.TCP, "refused"), "http://127.0.0.1:1" + oidc.WELL_KNOWN_OIDC)
    assert "Not attempted because of it: protocol, application." in plain.detail  # no TLS on http
    assert "CA" in f.fix and "--ca-file" in f.fix
    assert f.subject == "OPENID_PROVIDER_URL"


@pytest.mark.parametrize(("rung", "words"), [(Rung.DNS, "resolvable"), (Rung.TCP, "host and port")])
def test_unreachable_fix_follows_the_rung(rung: Rung, words: str) -> None:
    [f] = evaluate(failed(rung, "x"))
    assert words in f.fix


def test_timeout_says_so() -> None:
    [f] = evaluate(failed(Rung.TCP, "no connection to id.example.com:443 within 5 s", timed_out=True))
    assert "within 5 s" in f.title
    assert "--probe-timeout" in f.fix


def test_status_shows_what_answered() -> None:
    [f] = evaluate(answer(b"<html><body>Realm does not exist</body></html>", status=404,
                          content_type="text/html"))
    assert f.title == "the OIDC discovery URL answers HTTP 404"
    assert f.evidence["first bytes"] == "<html><body>Realm does not exist</body></html>"
    assert "realm, tenant or base path" in f.fix


def test_redirect_names_the_target() -> None:
    [f] = evaluate(answer(b"", status=302, content_type="", location="https://sso.example.com/login?next=/x"))
    assert f.evidence["Location"] == "https://sso.example.com/login?next=/x"
    assert "does not follow redirects" in f.detail


def test_not_json_shows_content_type_and_first_bytes() -> None:
    body = b"<!DOCTYPE html>\n<html>\n  <head><title>Sign in \xe2\x80\x93 Corp SSO</title>" + b"x" * 500
    [f] = evaluate(answer(body, content_type="text/html; charset=utf-8"))
    assert f.title == "the discovery URL answers, but not with JSON (text/html)"
    assert f.evidence["content type"] == "text/html; charset=utf-8"
    preview = f.evidence["first bytes"]
    assert preview.startswith("<!DOCTYPE html> <html> <head><title>Sign in – Corp SSO</title>")
    assert preview.endswith("…") and len(preview) == oidc.PREVIEW_CHARS + 1


def test_first_bytes_mask_credentials_and_control_characters() -> None:
    [f] = evaluate(answer(b"error\x1b[31m at https://admin:hunter2@db.internal/x", content_type="text/plain"))
    assert "hunter2" not in f.evidence["first bytes"]
    assert "\x1b" not in f.evidence["first bytes"]


def test_invalid_lists_every_problem() -> None:
    document = {**GOOD, "jwks_uri": None, "subject_types_supported": [1, 2]}
    del document["authorization_endpoint"]
    [f] = evaluate(answer(document))
    assert f.title == ("the discovery document lacks usable authorization_endpoint, jwks_uri, "
                       "subject_types_supported")
    assert f.evidence["metadata authorization_endpoint"] == "missing"
    assert f.evidence["metadata jwks_uri"] == "null, not a non-empty string"
    assert f.evidence["metadata subject_types_supported"] == ("a list with non-string items, not a non-empty "
                                                              "list of strings")


def test_trailing_slash_says_which_side_has_it() -> None:
    [doc_side] = evaluate(answer({**GOOD, "issuer": ISSUER + "/"}))
    assert "only by a trailing slash" in doc_side.title
    assert doc_side.evidence["difference"] == "the document's issuer ends in '/', the URL's does not"
    assert doc_side.evidence["issuer in the document"] == ISSUER + "/"
    assert doc_side.evidence["issuer the URL names"] == ISSUER
    [url_side] = evaluate(answer(GOOD), ISSUER + "//.well-known/openid-configuration")
    assert url_side.evidence["difference"] == "the URL's issuer ends in '/', the document's does not"
    assert url_side.fix == f"Set OPENID_PROVIDER_URL={URL}"


def test_other_issuer_gives_the_exact_strings() -> None:
    [f] = evaluate(answer({**GOOD, "issuer": "http://keycloak:8080/realms/acme"}))
    assert f.title == "the discovery document's issuer is 'http://keycloak:8080/realms/acme', not " \
        "'https://id.example.com/realms/acme'"
    assert "KC_HOSTNAME" in f.fix


def test_case_differences_are_differences() -> None:
    [f] = evaluate(answer({**GOOD, "issuer": ISSUER.replace("acme", "ACME")}))
    assert (f.code, f.severity) == ("oidc.issuer-mismatch", ERROR)


def test_credentials_in_the_url_never_reach_a_finding() -> None:
    url = "https://user:s3cr3t-pass@id.example.com/realms/acme/.well-known/openid-configuration"
    findings = evaluate(failed(Rung.TCP, "refused"), url) + evaluate(answer({**GOOD, "issuer": "x"}), url)
    assert findings and "s3cr3t-pass" not in json.dumps([f.to_dict() for f in findings])


@pytest.mark.parametrize(("oauth_timeout", "elapsed", "fires"), [
    (None, 1.9, False), (None, 2.0, True),    # default: httpx's 5 s -> 2.5 s, capped at 2 s
    ("2", 0.9, False), ("2", 1.0, True),       # half of OAUTH_TIMEOUT
    ("60", 1.9, False), ("60", 2.1, True),     # never above the cap
    ("soon", 2.1, True), ("0", 1.9, False),   # not a usable number: the default
])
def test_slow_threshold(oauth_timeout: str | None, elapsed: float, fires: bool) -> None:
    env = {} if oauth_timeout is None else {"OAUTH_TIMEOUT": oauth_timeout}
    app_timeout, from_setting = oidc.app_timeout_s(context(env).deployment.env)
    found = evaluate(answer(GOOD, elapsed=elapsed), app_timeout=app_timeout,
                     timeout_from_setting=from_setting)
    assert [f.code for f in found] == (["oidc.discovery-slow"] if fires else [])


def test_slow_beyond_the_apps_timeout_says_sign_in_fails() -> None:
    [f] = evaluate(answer(GOOD, elapsed=2.3), app_timeout=2.0, timeout_from_setting=True)
    assert f.title == "the OIDC discovery document took 2.3 s to answer, longer than the app waits (2 s)"
    assert "times out" in f.detail
    assert f.evidence["app timeout"] == "2 s (OAUTH_TIMEOUT)"


@pytest.mark.parametrize(("url", "issuer"), [
    (URL, ISSUER),
    (URL + "?appid=123", ISSUER),
    ("https://idp.example.com/.well-known/openid-configuration", "https://idp.example.com"),
    ("https://idp.example.com/.well-known/oauth-authorization-server/tenant/x", "https://idp.example.com/tenant/x"),
    ("https://idp.example.com/realms/acme", None),
])
def test_expected_issuer(url: str, issuer: str | None) -> None:
    assert oidc.expected_issuer(url) == issuer


def live(env: dict[str, str]) -> list[Finding]:
    ctx = context(env)
    assert oidc.CHECK.live is not None
    return list(asyncio.run(oidc.CHECK.live(ctx)))  # type: ignore[arg-type]


def test_live_half_without_a_url_is_skipped_with_the_reason() -> None:
    [f] = live({})
    assert (f.code, f.severity) == ("oidc.skipped", Severity.SKIPPED)
    assert f.detail == "no OPENID_PROVIDER_URL to fetch"
    # Google is probed at its fixed URL (issue 9 presets); the test suite resolves loopback only
    [g] = live({"GOOGLE_CLIENT_ID": "x", "GOOGLE_CLIENT_SECRET": "y"})
    assert (g.code, g.evidence["failed at"]) == ("oidc.discovery-unreachable", "dns")
    assert g.title.startswith("Google: ")


def test_live_half_with_an_unusable_url_is_skipped() -> None:
    [f] = live({"OPENID_PROVIDER_URL": "id.example.com/realms/acme"})
    assert (f.code, f.severity) == ("oidc.skipped", Severity.SKIPPED)
    assert f.detail == "OPENID_PROVIDER_URL is not a URL that can be fetched"


def test_observation_round_trips_through_json() -> None:
    observation = HttpObservation(
        url=URL, final_url=URL, status=200, reason="OK", headers={"content-type": "application/json"},
        body=b'{"a": 1}\xff', elapsed_s=0.123, proxy="http://proxy:3128", redirects=("http://a",),
        certificate=TlsCertificate("CN=a", "CN=b", ("a", "127.0.0.1"), "2026-01-01", "2027-01-01"),
        failure=ProbeFailure(Rung.TLS, "x", {"k": "v"}, timed_out=True))
    data = json.loads(json.dumps(observation.to_dict()))
    assert HttpObservation.from_dict(data) == observation
    assert data["failure"]["not_attempted"] == ["protocol", "application"]
