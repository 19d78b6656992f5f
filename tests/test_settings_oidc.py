"""OIDC provider settings (authdoctor/checks/oidc.py, settings half): both sides of each rule."""

from __future__ import annotations

import pytest
from settings_env import codes, problems, run

from authdoctor.checks.oidc import CHECK
from authdoctor.findings import Severity

DISCOVERY = "https://idp.example.com/realms/main/.well-known/openid-configuration"
OIDC = {"OAUTH_CLIENT_ID": "open-webui", "OAUTH_CLIENT_SECRET": "s3cret-abcdefgh",
        "OPENID_PROVIDER_URL": DISCOVERY}
MICROSOFT = {"MICROSOFT_CLIENT_ID": "a1b2", "MICROSOFT_CLIENT_SECRET": "s3cret-abcdefgh"}


@pytest.mark.parametrize("url", [
    DISCOVERY,
    "https://login.microsoftonline.com/tid/v2.0/.well-known/openid-configuration?appid=x",
    "https://auth.example.com/.well-known/oauth-authorization-server/tenant",
    "http://127.0.0.1:8081/realms/test/.well-known/openid-configuration",  # loopback lab IdP
])
def test_discovery_urls_are_silent(url: str) -> None:
    assert problems(run(CHECK, {**OIDC, "OPENID_PROVIDER_URL": url})) == []


@pytest.mark.parametrize(("url", "suggested"), [
    ("https://idp.example.com/realms/main", DISCOVERY),
    ("https://idp.example.com/realms/main/", DISCOVERY),
    ("https://accounts.example.com", "https://accounts.example.com/.well-known/openid-configuration"),
])
def test_issuer_instead_of_discovery_url(url: str, suggested: str) -> None:
    findings = run(CHECK, {**OIDC, "OPENID_PROVIDER_URL": url})
    assert problems(findings) == [("oidc.provider-url-not-discovery", Severity.ERROR)]
    assert findings[0].fix == f"Set OPENID_PROVIDER_URL={suggested}"
    assert "sign-in" in findings[0].detail


def test_provider_url_used_only_for_logout_still_must_be_discovery() -> None:
    findings = run(CHECK, {"GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "s3cret-abcdefgh",
                           "OPENID_PROVIDER_URL": "https://idp.example.com"})
    assert codes(findings) == {"oidc.provider-url-not-discovery"}
    assert "sign-out" in findings[0].detail


def test_provider_url_not_a_url() -> None:
    findings = run(CHECK, {**OIDC, "OPENID_PROVIDER_URL": "idp.example.com/.well-known/openid-configuration"})
    assert codes(findings) == {"oidc.provider-url-not-discovery"}


@pytest.mark.parametrize(("env", "expected"), [
    ({**OIDC, "OPENID_PROVIDER_URL": "http://idp.example.com/.well-known/openid-configuration"},
     {"oidc.insecure-endpoint"}),
    ({**OIDC, "OPENID_END_SESSION_ENDPOINT": "http://idp.example.com/logout"}, {"oidc.insecure-endpoint"}),
    ({**OIDC, "OPENID_END_SESSION_ENDPOINT": "https://idp.example.com/logout"}, set()),
    ({**OIDC, "OPENID_END_SESSION_ENDPOINT": "http://localhost:8081/logout"}, set()),
])
def test_plain_http_endpoints(env: dict[str, str], expected: set[str]) -> None:
    assert codes(run(CHECK, env)) == expected


@pytest.mark.parametrize(("tenant", "fires"), [
    ("common", True), ("organizations", True), ("Common", True),
    ("consumers", False), ("72f988bf-86f1-41af-91ab-2d7cd011db47", False),
])
def test_microsoft_template_tenant(tenant: str, fires: bool) -> None:
    findings = run(CHECK, {**MICROSOFT, "MICROSOFT_CLIENT_TENANT_ID": tenant})
    assert (problems(findings) == [("oidc.issuer-template", Severity.ERROR)]) is fires
    if not fires:
        assert problems(findings) == []


def test_nothing_configured_is_skipped() -> None:
    assert [f.code for f in run(CHECK, {})] == ["oidc.skipped"]


@pytest.mark.parametrize(("url", "fires"), [
    ("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration", True),
    ("https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration", True),
    ("https://login.microsoftonline.com/Common/.well-known/openid-configuration", True),  # v1
    ("https://login.microsoftonline.us/organizations/v2.0/.well-known/openid-configuration", True),
    ("https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration", False),
    ("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/"
     ".well-known/openid-configuration", False),
    ("https://idp.example.com/common/.well-known/openid-configuration", False),  # not Entra
])
def test_entra_multi_tenant_provider_url_is_issuer_template(url: str, fires: bool) -> None:
    findings = run(CHECK, {**OIDC, "OPENID_PROVIDER_URL": url})
    assert (problems(findings) == [("oidc.issuer-template", Severity.ERROR)]) is fires
    if fires:
        fix = findings[0].fix
        assert "OPENID_PROVIDER_URL=https://login.microsoftonline." in fix and "/<tenant-id>/" in fix
        assert findings[0].evidence["discovered issuer"].endswith("/{tenantid}/v2.0")
    else:
        assert problems(findings) == []


def test_entra_common_url_used_only_for_sign_out_is_not_an_issuer_problem() -> None:
    url = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    findings = run(CHECK, {"OPENID_PROVIDER_URL": url, "GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "s"})
    assert "oidc.issuer-template" not in codes(findings)
