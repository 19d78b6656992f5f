"""`authdoctor har` on real recordings kept in fixtures/har/ (made by the browser tier against the
real Open WebUI 0.12.4 and the lab IdP, then sanitized: fixtures/har/README.md), so the diagnosis
of every scenario of issue 14 is proved where no browser is installed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from authdoctor.checks.har import evaluate
from authdoctor.findings import Finding, Severity
from authdoctor.har.reader import read_har

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "har"
NOW = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)

#: fixture -> the codes at warning or above that it must give (exactly).
EXPECTED: dict[str, set[str]] = {
    "healthy": set(),
    "secure-on-http": {"cookie.secure-on-http", "har.token-rejected"},
    "samesite-none": {"cookie.samesite-none-without-secure", "deploy.signout-not-revoking",
                      "har.token-rejected"},
    "strict-oauth": {"cookie.samesite-strict-breaks-oauth"},
    "wrong-redirect": {"oauth.redirect-uri-not-registered", "oauth.redirect-uri-host-mismatch"},
    "wrong-secret": {"har.oauth-callback-failed"},
    "signout-get": {"deploy.signout-get-noop"},
    "token-after-signout": set(),
}


def judged(name: str) -> list[Finding]:
    path = FIXTURES / f"{name}.har"
    if not path.exists():
        pytest.fail(f"{path} is missing: record it with AUTHDOCTOR_WRITE_HAR_FIXTURES=1 "
                    "scripts/test tests/lab/test_har_browser.py")
    return evaluate(read_har(str(path)), now=NOW)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_recording_names_its_cause(name: str) -> None:
    found = {f.code for f in judged(name) if f.severity.at_least(Severity.WARNING)}
    assert found == EXPECTED[name]


def test_the_refused_cookie_is_confirmed_by_the_recording() -> None:
    [rule] = [f for f in judged("secure-on-http") if f.code == "cookie.secure-on-http"]
    assert rule.evidence["in this recording"].startswith("never sent again")
    [rule] = [f for f in judged("samesite-none") if f.code == "cookie.samesite-none-without-secure"]
    assert "SameSiteNoneInsecure" in rule.evidence["in this recording"]


def test_the_strict_cookie_is_lost_after_the_idp_form() -> None:
    [lost] = [f for f in judged("strict-oauth") if f.code == "cookie.samesite-strict-breaks-oauth"]
    assert lost.evidence["came back by"].startswith("a form submitted on the IdP's page")
    assert "Sign-in with your identity provider failed" in lost.evidence["the app answered"]


def test_the_token_refused_after_signout_is_explained() -> None:
    [rejected] = [f for f in judged("token-after-signout") if f.code == "har.token-rejected"]
    assert "revoked by the sign-out" in rejected.title
    assert rejected.severity is Severity.INFO


JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.([A-Za-z0-9_-]*)")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixtures_are_sanitized(name: str) -> None:
    """Every JWT in a kept recording lost its signature, and no password is left."""
    text = (FIXTURES / f"{name}.har").read_text(encoding="utf-8")
    for signature in JWT.findall(text):
        assert signature.startswith("REDACTED-"), signature[:12]
    assert "lab-admin-pass" not in text
    comment = json.loads(text)["log"]["comment"]
    assert "tests/lab/test_har_browser.py" in comment
