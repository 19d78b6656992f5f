"""The two reference .env files, through the real CLI with every registered settings check:
fixtures/healthy.env (a complete, correct setup) must raise no warning or error in any area, and
examples/broken.env (the README demo) must show the real findings of both halves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authdoctor.checks.registry import all_checks
from authdoctor.cli import main

ROOT = Path(__file__).resolve().parents[1]
HEALTHY = ROOT / "fixtures" / "healthy.env"
BROKEN = ROOT / "examples" / "broken.env"


def check(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--env-file", str(path), "--offline", "--format", "json", *extra])
    out, _err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), json.loads(out)


def findings(report: dict[str, object]) -> list[dict[str, str]]:
    items = report["findings"]
    assert isinstance(items, list)
    return items


def test_healthy_env_has_no_warning_or_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check(capsys, HEALTHY)
    bad = [(f["code"], f["title"]) for f in findings(report) if f["severity"] in ("error", "warning")]
    assert bad == []
    assert code == 0
    # every registered settings check really ran on it
    checks = report["checks"]
    assert isinstance(checks, list)
    ran = {f["area"] for f in findings(report)} | {c["area"] for c in checks}
    assert {spec.area for spec in all_checks().values() if spec.settings} <= ran


def test_healthy_env_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    """Healthy because it is configured, not because features are off."""
    text = HEALTHY.read_text()
    for needle in ("WEBUI_URL=https://", "WEBUI_SECRET_KEY=", "WEBUI_SESSION_COOKIE_SECURE=true",
                   "REDIS_URL=", "OPENID_PROVIDER_URL=", "OPENID_REDIRECT_URI=", "ENABLE_LDAP=true",
                   "LDAP_SERVER_PORT=636", "LDAP_USE_TLS=true"):
        assert needle in text
    _code, report = check(capsys, HEALTHY)
    skipped = {f["area"] for f in findings(report) if f["severity"] == "skipped"}
    assert not skipped & {"secret", "jwt", "cookie", "config", "oauth", "oidc", "ldap", "redis"}


VARIANTS = ROOT / "fixtures" / "healthy"


@pytest.mark.parametrize(("source", "areas"), [
    ("oidc.env", {"oauth", "oidc", "logout", "redis", "cookie"}),
    ("ldap.env", {"ldap", "redis", "secret"}),
    ("redis-no-persistent-config.env", {"redis", "config", "jwt"}),
    ("proxy/compose.yml", {"oauth", "oidc", "redis"}),
    ("proxy/trusted-header.yml", {"trusted-header", "redis"}),
])
def test_healthy_variants_have_no_warning_or_error(capsys: pytest.CaptureFixture[str], source: str,
                                                   areas: set[str]) -> None:
    """Each new rule (unknown names, Entra tenants, trusted header and published ports, forwarded
    headers, sign-up after restarts, database drivers) stays silent on a correct setup: behind a
    proxy, with Redis, with OIDC, with LDAP."""
    path = VARIANTS / source
    option = "--compose" if path.suffix == ".yml" else "--env-file"
    with pytest.raises(SystemExit) as excinfo:
        main(["check", option, str(path), "--offline", "--format", "json"])
    out, _err = capsys.readouterr()
    report = json.loads(out)
    bad = [(f["code"], f["title"]) for f in findings(report) if f["severity"] in ("error", "warning")]
    assert bad == []
    assert excinfo.value.code == 0
    skipped = {f["area"] for f in findings(report) if f["severity"] == "skipped"}
    assert not skipped & areas  # healthy because configured, not because the area is off


EXPECTED_BROKEN = {
    # this helper's half
    "secret.default", "jwt.expires-in-invalid", "cookie.secure-on-http",
    "cookie.samesite-strict-breaks-oauth", "config.invalid-value", "config.cors-origin-invalid",
    "config.unknown-variable", "config.persisted-setting-ignored",
    # the OAuth/OIDC/LDAP/Redis half
    "oauth.provider-incomplete", "oauth.redirect-uri-trailing-slash",
    "oidc.provider-url-not-discovery", "ldap.tls-port-mismatch", "ldap.filter-invalid",
    "redis.not-configured",
}


def test_broken_example_shows_the_expected_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check(capsys, BROKEN)
    produced = {f["code"] for f in findings(report) if f["severity"] not in ("ok", "skipped")}
    assert produced >= EXPECTED_BROKEN
    assert code == 1
    incomplete = [f for f in findings(report) if f["code"] == "oauth.provider-incomplete"]
    assert "MICROSOFT_TENANT_ID on line 27 of" in str(incomplete[0]["detail"])
    text = json.dumps(report)
    for secret in ("changeme", "3fd2c0e4-example-client-secret", "example-microsoft-secret"):
        assert secret not in text


def test_broken_example_text_report_names_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--env-file", str(BROKEN), "--offline", "--only", "jwt"])
    raw, _ = capsys.readouterr()
    out = " ".join(raw.split())  # the text renderer wraps long lines
    assert "JWT_EXPIRES_IN='3600' cannot be parsed: every sign-in answers HTTP 500" in out
    assert "JWT_EXPIRES_IN=8h" in out
