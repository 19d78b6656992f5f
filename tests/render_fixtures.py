"""The one shared report every renderer test and golden file uses.

Several areas with every severity, a finding with a file location, one from the process
environment, evidence, a crashed check, a check skipped by --offline, an area skipped for lack of
configuration, what each area's settings and live halves did (an --offline run), and findings
whose text carries secrets (`SECRETS`) that only the redactor masks.
Durations are fixed, so the output is byte-identical between runs. Below it: helpers the
renderer tests share (the CLI's emit path, schema validation, golden-file locations).

The codes are ones the settings checks already produce (so this fixture does not make an untested
code look covered, see tests/catalog_coverage.py) plus generic and internal codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from authdoctor.findings import (
    CheckOutcome,
    CheckStatus,
    Finding,
    HalfOutcome,
    HalfStatus,
    Report,
    Severity,
    SourceLocation,
)
from authdoctor.render import OutputFormat

RAN = HalfOutcome(HalfStatus.RAN)
OFFLINE = HalfOutcome(HalfStatus.OFFLINE, "--offline")
NO_LIVE = HalfOutcome(HalfStatus.NOT_IMPLEMENTED, "no live check yet")

REDIS_PASSWORD = "hunter2-redis-pass"
CLIENT_SECRET = "oidc-client-secret-0123456789"
SECRETS = (REDIS_PASSWORD, CLIENT_SECRET)

STARTED_AT = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


def shared_report(*, fail_on: Severity = Severity.WARNING) -> Report:
    """The fixture report, secrets still in it (pass it through `emit_report` or a `Redactor`)."""
    checks = (
        CheckOutcome("config", "Settings", CheckStatus.COMPLETED, 0.004, (
            Finding("config.ok", Severity.OK,
                    "Settings: settings ok; the server was not contacted (no live check yet)"),
        ), RAN, NO_LIVE),
        CheckOutcome("cookie", "Cookies", CheckStatus.COMPLETED, 0.001, (
            Finding("cookie.ok", Severity.OK,
                    "Cookies: settings ok; the server was not contacted (--offline)"),
        ), RAN, OFFLINE),
        CheckOutcome("oauth", "OAuth clients", CheckStatus.COMPLETED, 0.012, (
            Finding(
                code="oauth.redirect-uri-scheme-mismatch",
                severity=Severity.ERROR,
                title="OPENID_REDIRECT_URI uses http:// but the site is served over https://",
                detail=("The provider sends the browser back to the http:// address; the session "
                        "cookie set over https is not sent there, so sign-in loops."),
                fix="Set OPENID_REDIRECT_URI=https://chat.example.org/oauth/oidc/callback",
                evidence={
                    "OPENID_REDIRECT_URI": "http://chat.example.org/oauth/oidc/callback",
                    "WEBUI_URL": "https://chat.example.org",
                    # A check that forgot to mask: the redactor is the guarantee.
                    "OAUTH_CLIENT_SECRET": CLIENT_SECRET,
                },
                subject="OPENID_REDIRECT_URI",
                location=SourceLocation("deploy/openwebui.env", 7, "OPENID_REDIRECT_URI"),
            ),
            Finding(
                code="oauth.merge-accounts-by-email",
                severity=Severity.WARNING,
                title="OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true lets a provider take over local accounts",
                detail="Any provider account with a matching email signs in as the existing user.",
                fix="Set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=false unless every provider verifies email.",
                evidence={"OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true"},
                subject="OAUTH_MERGE_ACCOUNTS_BY_EMAIL",
                location=SourceLocation("deploy/openwebui.env", 12, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL"),
            ),
        ), RAN, OFFLINE),
        CheckOutcome("redis", "Redis", CheckStatus.COMPLETED, 0.002, (
            Finding(
                code="redis.url-invalid",
                severity=Severity.ERROR,
                title="REDIS_URL cannot be parsed; Open WebUI silently runs without Redis",
                detail=(f"The value redis://default:{REDIS_PASSWORD}@cache:6379/zero has a "
                        "database number that is not an integer."),
                fix="Set REDIS_URL=redis://default:<password>@cache:6379/0",
                evidence={"REDIS_URL": f"redis://default:{REDIS_PASSWORD}@cache:6379/zero"},
                subject="REDIS_URL",
                location=SourceLocation("deploy/docker-compose.yml", 31, "REDIS_URL"),
            ),
        ), RAN, OFFLINE),
        CheckOutcome("ldap", "LDAP", CheckStatus.COMPLETED, 0.001, (
            Finding(
                code="ldap.cert-validation-disabled",
                severity=Severity.WARNING,
                title="LDAP_VALIDATE_CERT=false: the directory's certificate is not checked",
                detail="Anyone on the path to the LDAP server can read the bind password.",
                fix="Set LDAP_VALIDATE_CERT=true and LDAP_CA_CERT_FILE to the directory's CA.",
                evidence={"LDAP_VALIDATE_CERT": "false"},
                subject="LDAP_VALIDATE_CERT",
                location=SourceLocation("(process environment)", None, "LDAP_VALIDATE_CERT"),
            ),
            Finding(
                code="ldap.app-bind-anonymous",
                severity=Severity.INFO,
                title="LDAP searches bind anonymously",
                detail="No LDAP_APP_DN is set; the directory must allow anonymous searches.",
                subject="LDAP_APP_DN",
            ),
        ), RAN, OFFLINE),
        CheckOutcome("logout", "Logout", CheckStatus.COMPLETED, 0.0, (
            Finding(
                code="logout.idp-session-not-ended",
                severity=Severity.INFO,
                title="Signing out of Open WebUI leaves the provider session open",
                detail="The next sign-in goes through without a password prompt.",
                fix="Set OPENID_END_SESSION_ENDPOINT or enable ENABLE_OAUTH_ID_TOKEN_COOKIE.",
            ),
        ), RAN, NO_LIVE),
        CheckOutcome("oidc", "OIDC provider", CheckStatus.CRASHED, 0.030, (
            Finding(
                code="internal.check-crashed",
                severity=Severity.ERROR,
                title="the oidc check crashed: KeyError: 'issuer'",
                detail=("authdoctor hit an unexpected error in this check, so this area was not "
                        "fully diagnosed; the other areas below are unaffected."),
                fix="Re-run with --debug for the traceback and report it as an authdoctor bug.",
                evidence={"exception": "KeyError"},
                subject="oidc",
                area="oidc",
            ),
        ), HalfOutcome(HalfStatus.CRASHED, "KeyError: 'issuer'"), OFFLINE),
        CheckOutcome("trusted-header", "Trusted-header sign-in", CheckStatus.COMPLETED, 0.0, (
            Finding("trusted-header.skipped", Severity.SKIPPED,
                    "trusted-header checks skipped: WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set",
                    detail="WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set"),
        ), HalfOutcome(HalfStatus.SKIPPED, "WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set"), NO_LIVE),
        CheckOutcome("deploy", "Live application", CheckStatus.SKIPPED, 0.0, (
            Finding("deploy.skipped", Severity.SKIPPED,
                    "Live application: skipped (--offline; these checks need the network)"),
        ), HalfOutcome(HalfStatus.NOT_IMPLEMENTED, "this area has no settings check"), OFFLINE),
    )
    return Report(
        tool_version="0.1.0",
        command="check",
        target="https://chat.example.org",
        started_at=STARTED_AT,
        duration_s=0.052,
        fail_on=fail_on,
        checks=checks,
        sources=("deploy/openwebui.env", "deploy/docker-compose.yml"),
    )


# --- helpers shared by the renderer tests -------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
# The official OASIS schema, kept in the repository (source and version: tests/schemas/README.md).
SARIF_SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
GOLDEN_SUFFIX = {
    OutputFormat.TEXT: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.SARIF: "sarif",
    OutputFormat.JUNIT: "xml",
}


def emit(report: Report, fmt: OutputFormat, tmp_path: Path, *, secrets: Iterable[str] = SECRETS,
         verbose: bool = False) -> str:
    """What a user finds in `--output FILE`: the CLI's own path, redaction included."""
    from authdoctor.commands.common import emit_report

    target = tmp_path / f"report.{GOLDEN_SUFFIX[fmt]}"
    emit_report(report, fmt, str(target), secrets, verbose=verbose)
    return target.read_text(encoding="utf-8")


def validate_json_report(data: Any) -> None:
    """Raise unless `data` matches the shipped report schema."""
    import jsonschema

    from authdoctor.render.json_format import load_schema

    schema = load_schema()
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(data)


def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 schema. Missing is a failure, not a skip: without it nothing
    proves the output is valid SARIF."""
    if not SARIF_SCHEMA_PATH.is_file():
        pytest.fail(f"the official SARIF schema is missing at {SARIF_SCHEMA_PATH}")
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_sarif(data: Any) -> None:
    import jsonschema

    schema = sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema).validate(data)
