"""SARIF 2.1.0 output: valid against the official OASIS schema, one rule per catalog code with a
security severity, results only for problems, stable fingerprints, and the documented location
convention for findings without a source file."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from render_fixtures import shared_report, validate_sarif

from authdoctor.catalog import CATALOG
from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Report, Severity, SourceLocation
from authdoctor.render import RenderOptions
from authdoctor.render.sarif import deployment_uri, fingerprint, render


def sarif(report: Report) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(report, RenderOptions()))
    validate_sarif(log)
    return log


def run_of(report: Report) -> dict[str, Any]:
    run: dict[str, Any] = sarif(report)["runs"][0]
    return run


def with_findings(*findings: Finding, status: CheckStatus = CheckStatus.COMPLETED,
                  target: str = "https://chat.example.org") -> Report:
    return dataclasses.replace(shared_report(), target=target, checks=(
        CheckOutcome("oauth", "OAuth", status, 0.1, findings),))


def test_log_header_and_driver() -> None:
    log = sarif(shared_report())
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("authdoctor", "0.1.0")
    assert driver["informationUri"].startswith("https://")


def test_rules_are_the_whole_catalog_with_descriptions_and_security_severity() -> None:
    rules = run_of(with_findings())["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(CATALOG)
    for rule, info in zip(rules, CATALOG.values(), strict=True):
        assert rule["shortDescription"]["text"] == info.summary
        assert rule["fullDescription"]["text"] == info.explanation
        assert info.explanation in rule["help"]["text"] and info.fix in rule["help"]["text"]
        assert "security" in rule["properties"]["tags"]
        score = float(rule["properties"]["security-severity"])
        assert 0.0 <= score <= 10.0
    by_id = {rule["id"]: rule for rule in rules}
    crashed = by_id["internal.check-crashed"]
    assert crashed["defaultConfiguration"]["level"] == "error"
    assert crashed["properties"]["security-severity"] == "8.0"
    assert by_id["config.ok"]["defaultConfiguration"]["level"] == "none"
    assert by_id["config.ok"]["properties"]["security-severity"] == "0.0"


def test_results_only_for_problems_with_level_and_message() -> None:
    run = run_of(shared_report())
    results = run["results"]
    problems = [f for f in shared_report().findings
                if f.severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    assert [r["ruleId"] for r in results] == [f.code for f in problems]
    assert [r["level"] for r in results] == ["error", "error", "error", "warning", "warning", "note", "note"]
    rules = run["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first = results[0]
    assert first["message"]["text"] == (
        "OPENID_REDIRECT_URI uses http:// but the site is served over https://\n"
        "Fix: Set OPENID_REDIRECT_URI=https://chat.example.org/oauth/oidc/callback")
    assert first["properties"]["evidence"]["WEBUI_URL"] == "https://chat.example.org"


def location_of(result: dict[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = result["locations"][0]["physicalLocation"]
    return physical


def test_file_location_with_line() -> None:
    results = {r["ruleId"]: r for r in run_of(shared_report())["results"]}
    assert location_of(results["redis.url-invalid"]) == {
        "artifactLocation": {"uri": "deploy/docker-compose.yml"}, "region": {"startLine": 31}}


def test_findings_without_a_file_point_at_the_deployment() -> None:
    results = {r["ruleId"]: r for r in run_of(shared_report())["results"]}
    # Read from the process environment: no file to point at.
    assert location_of(results["ldap.cert-validation-disabled"]) == {
        "artifactLocation": {"uri": "deployment/chat.example.org"}}
    assert location_of(results["logout.idp-session-not-ended"]) == {
        "artifactLocation": {"uri": "deployment/chat.example.org"}}


@pytest.mark.parametrize(("target", "uri"), [
    ("https://chat.example.org", "deployment/chat.example.org"),
    ("https://user:pw@Chat.Example.org:8443/webui", "deployment/chat.example.org_8443"),
    ("deploy/openwebui.env, process environment", "deployment/deploy-openwebui.env-process-environment"),
    ("", "deployment/unknown"),
])
def test_deployment_artifact_uri(target: str, uri: str) -> None:
    assert deployment_uri(target) == uri


def test_absolute_paths_relative_to_the_working_directory(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "conf dir" / "openwebui.env"
    outside = Path("/etc/openwebui/openwebui.env")
    report = with_findings(
        Finding("oauth.scope-missing", Severity.ERROR, "in", location=SourceLocation(str(inside), 2)),
        Finding("oauth.signup-disabled", Severity.WARNING, "out", location=SourceLocation(str(outside))),
    )
    results = {r["ruleId"]: r for r in run_of(report)["results"]}
    assert location_of(results["oauth.scope-missing"]) == {
        "artifactLocation": {"uri": "conf%20dir/openwebui.env"}, "region": {"startLine": 2}}
    assert location_of(results["oauth.signup-disabled"]) == {
        "artifactLocation": {"uri": "file:///etc/openwebui/openwebui.env"}}


def test_fingerprint_survives_rewording_but_not_a_new_subject() -> None:
    base = Finding("oauth.scope-missing", Severity.ERROR, "title", subject="OAUTH_SCOPES",
                   location=SourceLocation("a.env", 3))
    reworded = dataclasses.replace(base, title="other words", detail="more",
                                   location=SourceLocation("b.env", 9), severity=Severity.WARNING)
    assert fingerprint(base) == fingerprint(reworded)
    assert fingerprint(base) != fingerprint(dataclasses.replace(base, subject="OPENID_SCOPES"))
    assert fingerprint(base) != fingerprint(dataclasses.replace(base, code="oauth.signup-disabled"))
    result = run_of(with_findings(base))["results"][0]
    assert result["partialFingerprints"] == {"authdoctor/v1": fingerprint(base)}


def test_invocation_reports_an_incomplete_run() -> None:
    invocation = run_of(shared_report())["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 3
    assert (invocation["startTimeUtc"], invocation["endTimeUtc"]) == (
        "2026-11-26T12:00:00Z", "2026-11-26T12:00:00.052Z")
    [note] = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert note["associatedRule"]["id"] == "internal.check-crashed"
    assert "oidc" in note["message"]["text"]


def test_halves_that_did_not_run_are_notes() -> None:
    """No result never means "not probed": every area whose server was not contacted says so."""
    notes = [n for n in run_of(shared_report())["invocations"][0]["toolExecutionNotifications"]
             if n["level"] == "note"]
    by_area = {(n["properties"]["area"], n["properties"]["half"]): n for n in notes}
    assert by_area[("cookie", "live")]["message"]["text"] == (
        "Cookies: the server was not contacted (--offline).")
    assert by_area[("config", "live")]["properties"]["status"] == "not-implemented"
    assert by_area[("trusted-header", "settings")]["message"]["text"] == (
        "Trusted-header sign-in: its settings were not checked (skipped: "
        "WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set).")
    assert ("oidc", "live") not in by_area  # the crash is reported as an error instead
    assert ("deploy", "settings") not in by_area  # a live-only area: nothing left out


def test_invocation_of_a_complete_run() -> None:
    report = with_findings(Finding("oauth.scope-missing", Severity.WARNING, "w"))
    invocation = run_of(report)["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["exitCode"] == 1  # fail-on warning in the shared report
    assert "toolExecutionNotifications" not in invocation


def test_timed_out_check_is_a_notification() -> None:
    report = with_findings(Finding("internal.deadline-exceeded", Severity.ERROR, "too slow", area="oauth"),
                           status=CheckStatus.TIMED_OUT)
    [note] = run_of(report)["invocations"][0]["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == "internal.deadline-exceeded"
    assert "ran out of time" in note["message"]["text"]


def test_a_code_missing_from_the_catalog_still_gets_a_rule() -> None:
    run = run_of(with_findings(Finding("oauth.brand-new-code", Severity.ERROR, "new")))
    rules = run["tool"]["driver"]["rules"]
    assert rules[-1]["id"] == "oauth.brand-new-code"
    assert run["results"][0]["ruleIndex"] == len(rules) - 1


def test_an_empty_report_is_valid_sarif() -> None:
    run = run_of(dataclasses.replace(shared_report(), checks=()))
    assert run["results"] == []


def test_the_official_schema_has_teeth() -> None:
    """Guard against a validator that accepts anything (wrong draft, empty schema file)."""
    import jsonschema

    log = sarif(shared_report())
    mutators: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda d: d["runs"][0]["results"][0].update(level="critical"),
        lambda d: d["runs"][0]["results"][0].pop("message"),
        lambda d: d.update(version="2.0.0"),
        lambda d: d["runs"][0]["invocations"][0].pop("executionSuccessful"),
        lambda d: d["runs"][0]["tool"]["driver"]["rules"][0].pop("id"),
    )
    for mutate in mutators:
        broken = json.loads(json.dumps(log))
        mutate(broken)
        with pytest.raises(jsonschema.ValidationError):
            validate_sarif(broken)
