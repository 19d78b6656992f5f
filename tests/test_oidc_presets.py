"""Issue 9's presets in the oidc live half, from hand-built observations (no network).

Google's discovery URL is fixed in the app (https://accounts.google.com/...) and cannot be
reached from the tests (the suite resolves loopback names only), so its URL and the evaluation
of its document are tested here with hand-built observations; Microsoft and the generic provider
also run against the lab's real panva provider (tests/lab/test_lab_oidc_presets.py). GitHub and
Feishu have no discovery: their fixed endpoints are only checked for reachability.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from settings_env import NOW, source

from authdoctor.checks import oidc
from authdoctor.checks.base import CheckContext
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation
from authdoctor.settings.model import Deployment

GOOGLE_URL = "https://accounts.google.com/.well-known/openid-configuration"
MS_BASE = "https://login.microsoftonline.com"
TENANT = "6f1c0e2a-1111-4a2b-9c3d-0123456789ab"
MS_ENV = {"MICROSOFT_CLIENT_ID": "app-123", "MICROSOFT_CLIENT_SECRET": "Ms-Secret-Value-42",
          "MICROSOFT_CLIENT_TENANT_ID": TENANT}
GOOGLE_ENV = {"GOOGLE_CLIENT_ID": "g-123.apps.googleusercontent.com",
              "GOOGLE_CLIENT_SECRET": "G-Secret-Value-42"}


def rsa_jwk(kid: str = "k1") -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig", "alg": "RS256"}


#: Google's discovery document as published (trimmed to what the checks read; no end_session_endpoint).
GOOGLE_DOC: dict[str, Any] = {
    "issuer": "https://accounts.google.com",
    "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
    "token_endpoint": "https://oauth2.googleapis.com/token",
    "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
    "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
    "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "none"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "email", "profile"],
    "code_challenge_methods_supported": ["plain", "S256"],
}


def ms_doc(tenant: str = TENANT, base: str = MS_BASE) -> dict[str, Any]:
    return {
        "issuer": f"{base}/{tenant}/v2.0",
        "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
        "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys?appid=app-123",
        "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
    }


def answer(url: str, body: dict[str, Any] | bytes, status: int = 200) -> HttpObservation:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpObservation(url=url, final_url=url, status=status, reason="", body=raw,
                           headers={"content-type": "application/json"}, elapsed_s=0.02)


def failed(url: str, rung: Rung, summary: str) -> HttpObservation:
    return HttpObservation(url=url, final_url=url, elapsed_s=0.01, failure=ProbeFailure(rung, summary, {}))


@dataclass
class FakeProbes:
    """Stands for the run's ProbeSession: hand-built observations by URL; records what was asked."""

    answers: dict[str, HttpObservation]
    asked: list[str] = field(default_factory=list)

    async def http_get_async(self, url: str) -> HttpObservation:
        self.asked.append(url)
        if url in self.answers:
            return self.answers[url]
        return failed(url, Rung.DNS, f"{url}: not in this test's answers")


def live(env: dict[str, str], answers: dict[str, HttpObservation],
         providers: tuple[str, ...] | None = None) -> tuple[list[Finding], FakeProbes]:
    probes = FakeProbes(answers)
    ctx = CheckContext(deployment=Deployment(replicas=(source(env),), sources=("test.env",)), now=NOW,
                       probes=probes)  # type: ignore[arg-type]
    return list(asyncio.run(oidc.check_live(ctx, providers))), probes


def keys(url: str) -> dict[str, HttpObservation]:
    return {url: answer(url, {"keys": [rsa_jwk()]})}


# ----------------------------------------------------------------------------- the URLs

def test_google_is_fetched_at_its_fixed_url() -> None:
    [target] = oidc.discovery_targets(source(GOOGLE_ENV))
    assert (target.provider, target.url, target.subject) == ("google", GOOGLE_URL, "GOOGLE_CLIENT_ID")


@pytest.mark.parametrize(("extra", "url"), [
    ({}, f"{MS_BASE}/{TENANT}/v2.0/.well-known/openid-configuration?appid=app-123"),
    ({"MICROSOFT_CLIENT_LOGIN_BASE_URL": "https://login.microsoftonline.us"},
     f"https://login.microsoftonline.us/{TENANT}/v2.0/.well-known/openid-configuration?appid=app-123"),
])
def test_microsoft_url_is_built_like_the_app(extra: dict[str, str], url: str) -> None:
    [target] = oidc.discovery_targets(source({**MS_ENV, **extra}))
    assert target.url == url
    assert oidc.expected_issuer(url) == url.partition("/.well-known")[0]  # ?appid= is not part of it


def test_every_provider_with_discovery_is_probed_and_findings_name_it() -> None:
    env = {**GOOGLE_ENV, **MS_ENV, "OPENID_PROVIDER_URL": "https://idp.example.com/.well-known/openid-configuration"}
    targets = oidc.discovery_targets(source(env))
    assert [(t.provider, t.title_prefix) for t in targets] == [
        ("oidc", "OPENID_PROVIDER_URL (sign-out): "), ("google", "Google: "), ("microsoft", "Microsoft: ")]
    assert [t.provider for t in oidc.discovery_targets(source(env), ("microsoft",))] == ["microsoft"]


# ----------------------------------------------------------------------------- Google

def test_google_healthy_document_gives_nothing_and_is_fetched_once_with_its_keys() -> None:
    found, probes = live(GOOGLE_ENV, {GOOGLE_URL: answer(GOOGLE_URL, GOOGLE_DOC),
                                      **keys(GOOGLE_DOC["jwks_uri"])})
    assert found == []
    assert probes.asked == [GOOGLE_URL, GOOGLE_DOC["jwks_uri"]]


def test_google_unreachable_names_google_and_the_fix_is_egress_not_a_setting() -> None:
    found, _ = live(GOOGLE_ENV, {GOOGLE_URL: failed(GOOGLE_URL, Rung.TLS, "the certificate is signed by a CA "
                                                    "this machine does not trust (unknown CA)")})
    [f] = found
    assert (f.code, f.severity) == ("oidc.discovery-unreachable", Severity.ERROR)
    assert f.subject == "GOOGLE_CLIENT_ID"
    assert f.title.startswith("Google: the Google discovery document cannot be fetched")
    assert f.evidence["provider"] == "Google"
    assert f.evidence["Google discovery URL (fixed in the app)"] == GOOGLE_URL
    assert "/oauth/google/login" in f.detail and "OPENID_PROVIDER_URL" not in f.detail + f.fix
    assert "accounts.google.com" in f.fix


def test_google_pkce_and_scopes_are_judged_with_google_settings() -> None:
    env = {**GOOGLE_ENV, "GOOGLE_OAUTH_SCOPE": "openid email profile groups",
           "OAUTH_CODE_CHALLENGE_METHOD": "S256"}
    doc = {k: v for k, v in GOOGLE_DOC.items() if k != "code_challenge_methods_supported"}
    found, _ = live(env, {GOOGLE_URL: answer(GOOGLE_URL, doc), **keys(GOOGLE_DOC["jwks_uri"])})
    assert [(f.code, f.subject) for f in found] == [("oidc.scope-unsupported", "GOOGLE_OAUTH_SCOPE"),
                                                    ("oidc.pkce-unsupported", "OAUTH_CODE_CHALLENGE_METHOD")]
    assert all(f.title.startswith("Google: ") and f.evidence["provider"] == "Google" for f in found)


# ----------------------------------------------------------------------------- Microsoft

def ms_answers(env: dict[str, str], doc: dict[str, Any]) -> dict[str, HttpObservation]:
    [target] = oidc.discovery_targets(source(env))
    return {target.url: answer(target.url, doc), **keys(doc["jwks_uri"])}


def test_microsoft_healthy_tenant_with_the_appid_query_gives_nothing() -> None:
    found, _ = live(MS_ENV, ms_answers(MS_ENV, ms_doc()))
    assert found == []


def test_microsoft_live_template_issuer_is_issuer_template_not_a_mismatch() -> None:
    # a tenant value the settings half does not recognise, but the document is the template one
    env = {**MS_ENV, "MICROSOFT_CLIENT_TENANT_ID": "contoso.onmicrosoft.com"}
    doc = {**ms_doc("contoso.onmicrosoft.com"), "issuer": f"{MS_BASE}/{{tenantid}}/v2.0"}
    found, _ = live(env, ms_answers(env, doc))
    [f] = found
    assert (f.code, f.severity) == ("oidc.issuer-template", Severity.ERROR)
    assert f.subject == "MICROSOFT_CLIENT_TENANT_ID"
    assert f.title.startswith("Microsoft: the discovery document's issuer is the template")
    assert f.evidence["issuer in the document"] == f"{MS_BASE}/{{tenantid}}/v2.0"
    assert f.evidence["provider"] == "Microsoft"


def test_microsoft_common_template_is_not_repeated_after_the_settings_half() -> None:
    env = {**MS_ENV, "MICROSOFT_CLIENT_TENANT_ID": "common"}
    doc = {**ms_doc("common"), "issuer": f"{MS_BASE}/{{tenantid}}/v2.0"}
    found, _ = live(env, ms_answers(env, doc))
    assert found == []
    assert [f.code for f in oidc.microsoft_tenant_findings(source(env))] == ["oidc.issuer-template"]


def test_microsoft_unknown_tenant_404_names_the_tenant_setting() -> None:
    env = {**MS_ENV, "MICROSOFT_CLIENT_TENANT_ID": "no-such-tenant"}
    [target] = oidc.discovery_targets(source(env))
    found, _ = live(env, {target.url: answer(target.url, b'{"error":"invalid_tenant"}', status=400)})
    [f] = found
    assert f.code == "oidc.discovery-unreachable"
    assert f.title == "Microsoft: the Microsoft discovery URL answers HTTP 400"
    assert "MICROSOFT_CLIENT_TENANT_ID (now 'no-such-tenant'" in f.fix
    assert f.evidence["MICROSOFT_CLIENT_TENANT_ID"] == "no-such-tenant"
    assert "Ms-Secret-Value-42" not in json.dumps([f.title, f.detail, f.fix, f.evidence])


def test_microsoft_without_end_session_is_reported_for_microsoft_sessions() -> None:
    doc = {k: v for k, v in ms_doc().items() if k != "end_session_endpoint"}
    found, _ = live(MS_ENV, ms_answers(MS_ENV, doc))
    [f] = found
    assert f.code == "oidc.end-session-missing" and f.evidence["sessions affected"] == "Microsoft"


# ----------------------------------------------------------------------------- http endpoints (D7)

def test_plain_http_endpoints_off_loopback_are_named() -> None:
    url = "https://idp.example.com/.well-known/openid-configuration"
    doc: dict[str, Any] = {"issuer": "https://idp.example.com", "authorization_endpoint": "https://idp.example.com/auth",
           "token_endpoint": "http://idp.example.com/token", "jwks_uri": "http://127.0.0.1:8080/keys",
           "end_session_endpoint": "http://idp.example.com/logout",
           "revocation_endpoint": "http://idp.example.com/revoke",
           "response_types_supported": ["code"], "subject_types_supported": ["public"],
           "id_token_signing_alg_values_supported": ["RS256"]}
    found, _ = live({"OPENID_PROVIDER_URL": url, "OAUTH_CLIENT_ID": "c", "OAUTH_CLIENT_SECRET": "s"},
                    {url: answer(url, doc), **keys("http://127.0.0.1:8080/keys")})
    [f] = found
    assert (f.code, f.severity) == ("oidc.insecure-endpoint", Severity.WARNING)
    assert f.title == ("the discovery document advertises plain-http endpoints: token_endpoint, "
                       "end_session_endpoint, revocation_endpoint")
    assert f.evidence["token_endpoint"] == "http://idp.example.com/token"
    assert "jwks_uri" not in f.evidence  # loopback is fine


# ----------------------------------------------------------------------------- GitHub, Feishu

@pytest.mark.parametrize("provider", ["github", "feishu"])
def test_fixed_endpoints_without_discovery_are_checked_for_reachability(provider: str) -> None:
    from authdoctor.openwebui.oauth import REACHABILITY_ENDPOINTS

    prefix = provider.upper()
    env = {f"{prefix}_CLIENT_ID": "id-1", f"{prefix}_CLIENT_SECRET": "Fixed-Secret-Value-7"}
    endpoints = REACHABILITY_ENDPOINTS[provider]
    (_, url0), (role1, url1), (_, url2) = endpoints
    answers = {url0: answer(url0, b"<html>sign in</html>", status=404),
               url1: failed(url1, Rung.TCP, "connection refused"),
               url2: answer(url2, b'{"message":"Requires authentication"}', status=401)}
    found, probes = live(env, answers)
    assert probes.asked == [url0, url1, url2]
    [f] = found
    assert (f.code, f.severity) == ("oidc.endpoint-unreachable", Severity.ERROR)
    assert f.subject == f"{prefix}_CLIENT_ID"
    assert f.evidence["endpoint"] == role1 and f.evidence["URL"] == url1
    assert f.evidence["checked"].startswith("DNS, TCP, TLS and an HTTP answer")
    answers[url1] = answer(url1, b"upstream down", status=503)
    [g], _ = live(env, answers)
    assert g.title.endswith("answers HTTP 503") and g.evidence["failed at"] == "protocol"
    answers[url1] = answer(url1, b"", status=405)
    assert live(env, answers)[0] == []


def test_github_sign_out_metadata_url_is_probed_with_github() -> None:
    url = "https://idp.example.com/.well-known/openid-configuration"
    env = {"GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "s", "OPENID_PROVIDER_URL": url}
    assert [t.provider for t in oidc.discovery_targets(source(env), ("github",))] == ["oidc"]


@pytest.mark.parametrize(("settings", "provider", "message"), [
    ("FEISHU_CLIENT_ID=f\n", "feishu",
     "--provider feishu: the settings do not configure the Feishu provider (missing FEISHU_CLIENT_SECRET)"),
    ("GITHUB_CLIENT_ID=g\nGITHUB_CLIENT_SECRET=s\n", "google",
     "--provider google: the settings do not configure the Google provider (missing GOOGLE_CLIENT_ID, "
     "GOOGLE_CLIENT_SECRET); configured: github"),
    ("GITHUB_CLIENT_ID=g\n", "oidc",
     "--provider oidc: the settings do not configure the OIDC provider (missing OAUTH_CLIENT_ID, "
     "OAUTH_CLIENT_SECRET or OAUTH_CODE_CHALLENGE_METHOD, OPENID_PROVIDER_URL)"),
])
def test_oidc_probe_provider_must_be_configured(capsys: pytest.CaptureFixture[str], tmp_path: Any,
                                                settings: str, provider: str, message: str) -> None:
    from authdoctor.cli import main

    env = tmp_path / "p.env"
    env.write_text(settings)
    with pytest.raises(SystemExit) as excinfo:
        main(["oidc", "probe", "--env-file", str(env), "--provider", provider])
    out, err = capsys.readouterr()
    assert excinfo.value.code == 2 and out == ""
    assert err == f"authdoctor: error: {message}\n"


def test_oidc_probe_provider_github_probes_only_github(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Any) -> None:
    from authdoctor.cli import main

    env = tmp_path / "gh.env"
    env.write_text("GITHUB_CLIENT_ID=g\nGITHUB_CLIENT_SECRET=Gh-Secret-Value-55\n"
                   "GOOGLE_CLIENT_ID=x\nGOOGLE_CLIENT_SECRET=y\n")
    with pytest.raises(SystemExit) as excinfo:
        main(["oidc", "probe", "--env-file", str(env), "--provider", "github", "--format", "json",
              "--now", NOW.isoformat().replace("+00:00", "Z")])
    out, _ = capsys.readouterr()
    document = json.loads(out)
    oidc_findings = [f for f in document["findings"] if f["code"] == "oidc.endpoint-unreachable"]
    # the suite resolves loopback names only: each fixed GitHub endpoint fails at DNS; Google is not probed
    assert excinfo.value.code == 1
    assert not [f for f in document["findings"] if f["title"].startswith("Google")]
    assert [(f["code"], f["evidence"]["endpoint"]) for f in oidc_findings] == [
        ("oidc.endpoint-unreachable", "authorize endpoint (browser)"),
        ("oidc.endpoint-unreachable", "token endpoint (server)"),
        ("oidc.endpoint-unreachable", "user API (server)")]
    assert "Gh-Secret-Value-55" not in out


def test_microsoft_base_url_over_plain_http_off_loopback_is_insecure() -> None:
    env = {**MS_ENV, "MICROSOFT_CLIENT_LOGIN_BASE_URL": "http://login.corp.example"}
    [target] = oidc.discovery_targets(source(env))
    doc = ms_doc(base="http://login.corp.example")
    found, _ = live(env, {target.url: answer(target.url, doc), **keys(doc["jwks_uri"])})
    [f] = found
    assert (f.code, f.subject) == ("oidc.insecure-endpoint", "MICROSOFT_CLIENT_TENANT_ID")
    assert f.title.startswith("Microsoft: plain http off loopback: Microsoft discovery URL, "
                              "authorization_endpoint, token_endpoint, jwks_uri")
