"""Logout settings (authdoctor/checks/logout.py): when sign-out leaves the IdP session alive."""

from __future__ import annotations

import pytest
from settings_env import problems, run

from authdoctor.checks.logout import CHECK
from authdoctor.findings import Severity

S = "s3cret-abcdefgh"
GOOGLE = {"GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": S}
GITHUB = {"GITHUB_CLIENT_ID": "gh", "GITHUB_CLIENT_SECRET": S}
FEISHU = {"FEISHU_CLIENT_ID": "f", "FEISHU_CLIENT_SECRET": S}
MICROSOFT = {"MICROSOFT_CLIENT_ID": "m", "MICROSOFT_CLIENT_SECRET": S, "MICROSOFT_CLIENT_TENANT_ID": "t"}
OIDC = {"OAUTH_CLIENT_ID": "o", "OAUTH_CLIENT_SECRET": S,
        "OPENID_PROVIDER_URL": "https://idp.example.com/.well-known/openid-configuration"}


@pytest.mark.parametrize(("env", "expected", "affected"), [
    (GOOGLE, Severity.WARNING, "Google"),
    (GITHUB, Severity.WARNING, "GitHub"),
    (FEISHU, Severity.WARNING, "Feishu"),
    ({**GOOGLE, **MICROSOFT}, Severity.WARNING, "Google"),
    (MICROSOFT, Severity.INFO, None),  # Entra discovery has end_session_endpoint: warning is a false alarm
    ({"GITHUB_CLIENT_ID": "gh"}, Severity.INFO, None),  # the app warns on the client id alone
])
def test_idp_session_not_ended(env: dict[str, str], expected: Severity, affected: str | None) -> None:
    findings = run(CHECK, env)
    assert problems(findings) == [("logout.idp-session-not-ended", expected)]
    assert "logout will not work" in findings[0].detail
    if affected:
        assert affected in findings[0].title
    if "microsoft" in str(env).lower():
        assert "Microsoft sessions are not affected" in findings[0].detail


@pytest.mark.parametrize("env", [
    OIDC,
    {**GOOGLE, "OPENID_END_SESSION_ENDPOINT": "https://accounts.google.com/Logout"},
    {**GITHUB, **OIDC},  # OPENID_PROVIDER_URL set: the app does not warn
])
def test_silent_when_an_end_session_route_exists(env: dict[str, str]) -> None:
    assert problems(run(CHECK, env)) == []


def test_no_oauth_is_skipped() -> None:
    assert [f.code for f in run(CHECK, {"WEBUI_URL": "https://chat.example.com"})] == ["logout.skipped"]
