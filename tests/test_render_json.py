"""The JSON report is a contract for CI: versioned schema id, fixed key order, and every output
valid against the schema shipped in the package."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest
from render_fixtures import shared_report, validate_json_report

from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Report, Severity, SourceLocation
from authdoctor.render import RenderOptions
from authdoctor.render.json_format import SCHEMA_ID, load_schema, render


def rendered(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, RenderOptions()))
    validate_json_report(data)
    return data


def test_schema_is_a_valid_draft_2020_12_schema_with_the_versioned_id() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == SCHEMA_ID == "https://authdoctor.dev/schemas/report-1.json"


def test_top_level_shape_and_values() -> None:
    data = rendered(shared_report())
    assert list(data) == ["schema", "tool", "command", "target", "sources", "started_at", "duration_s",
                          "fail_on", "exit_code", "summary", "checks", "findings"]
    assert data["schema"] == SCHEMA_ID
    assert data["tool"] == {"name": "authdoctor", "version": "0.1.0"}
    assert (data["command"], data["target"]) == ("check", "https://chat.example.org")
    assert data["started_at"] == "2026-11-26T12:00:00Z"
    assert (data["duration_s"], data["fail_on"], data["exit_code"]) == (0.052, "warning", 3)
    assert data["summary"] == {"error": 3, "warning": 2, "info": 2, "ok": 2, "skipped": 2}


def test_every_key_the_renderer_writes_is_described_by_the_schema() -> None:
    """The schema allows additions (forward-compatible), so drift must be caught here instead."""
    schema = load_schema()
    data = rendered(shared_report())
    assert set(data) == set(schema["properties"]) == set(schema["required"])
    check_schema = schema["$defs"]["check"]
    assert all(set(check) == set(check_schema["properties"]) for check in data["checks"])
    finding_schema = schema["$defs"]["finding"]
    assert all(set(f) == set(finding_schema["properties"]) == set(finding_schema["required"])
               for f in data["findings"])
    located = [f["location"] for f in data["findings"] if f["location"]]
    assert located and all(set(loc) == {"path", "line", "key"} for loc in located)


def test_checks_list_status_duration_and_codes() -> None:
    checks = {c["area"]: c for c in rendered(shared_report())["checks"]}
    assert checks["oidc"] == {"area": "oidc", "title": "OIDC provider", "status": "crashed",
                              "duration_s": 0.03, "finding_codes": ["internal.check-crashed"],
                              "settings": {"status": "crashed", "reason": "KeyError: 'issuer'"},
                              "live": {"status": "offline", "reason": "--offline"}}
    assert checks["oauth"]["finding_codes"] == ["oauth.redirect-uri-scheme-mismatch",
                                                "oauth.merge-accounts-by-email"]
    assert checks["deploy"]["status"] == "skipped"


def test_each_check_says_what_its_settings_and_live_halves_did() -> None:
    """An area is ok only for what it checked: JSON consumers see which half ran, and why the
    other did not (issue 7 §5)."""
    checks = {c["area"]: c for c in rendered(shared_report())["checks"]}
    assert checks["config"]["settings"] == {"status": "ran", "reason": ""}
    assert checks["config"]["live"] == {"status": "not-implemented", "reason": "no live check yet"}
    assert checks["cookie"]["live"] == {"status": "offline", "reason": "--offline"}
    assert checks["trusted-header"]["settings"] == {
        "status": "skipped", "reason": "WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set"}
    ok = next(f for f in rendered(shared_report())["findings"] if f["code"] == "cookie.ok")
    assert ok["title"] == "Cookies: settings ok; the server was not contacted (--offline)"


def test_a_report_without_half_outcomes_writes_null() -> None:
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("logout", "Logout", CheckStatus.COMPLETED, 0.0, ()),))
    [check] = rendered(report)["checks"]
    assert (check["settings"], check["live"]) == (None, None)
    validate_json_report(rendered(report))


def test_findings_worst_first_with_location() -> None:
    findings = rendered(shared_report())["findings"]
    ranks = [Severity(f["severity"]).rank for f in findings]
    assert ranks == sorted(ranks, reverse=True)
    oauth = next(f for f in findings if f["code"] == "oauth.redirect-uri-scheme-mismatch")
    assert oauth["location"] == {"path": "deploy/openwebui.env", "line": 7, "key": "OPENID_REDIRECT_URI"}
    assert oauth["evidence"]["WEBUI_URL"] == "https://chat.example.org"


@pytest.mark.parametrize(("fail_on", "exit_code"), [
    (Severity.ERROR, 1), (Severity.WARNING, 1), (Severity.INFO, 1)])
def test_exit_code_follows_the_threshold(fail_on: Severity, exit_code: int) -> None:
    report = shared_report(fail_on=fail_on)
    report = dataclasses.replace(report, checks=tuple(o for o in report.checks
                                                      if o.status is not CheckStatus.CRASHED))
    assert rendered(report)["exit_code"] == exit_code


def test_clean_run_exits_0_and_validates() -> None:
    report = Report(tool_version="0.1.0", command="check", target="deploy/openwebui.env",
                    started_at=datetime(2026, 1, 2, 3, 4, 5), duration_s=1.23456, fail_on=Severity.ERROR,
                    checks=(CheckOutcome("logout", "Logout", CheckStatus.COMPLETED, 0.5,
                                         (Finding("logout.idp-session-not-ended", Severity.INFO, "i",
                                                  location=SourceLocation("(process environment)")),)),))
    data = rendered(report)
    assert data["exit_code"] == 0
    assert data["started_at"] == "2026-01-02T03:04:05Z"  # naive = UTC
    assert data["duration_s"] == 1.235
    assert data["findings"][0]["location"] == {"path": "(process environment)", "line": None, "key": None}


def test_started_at_is_converted_to_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 26, 13, 0, 0, 250000, tzinfo=timezone(timedelta(hours=1)))
    assert rendered(dataclasses.replace(shared_report(), started_at=moment))["started_at"] == \
        "2026-11-26T12:00:00.250Z"


def test_schema_rejects_what_consumers_must_never_see() -> None:
    """The schema has teeth: a wrong severity, a missing key or a bad code fail validation."""
    good = rendered(shared_report())
    broken: list[dict[str, Any]] = []
    mutators: tuple[Callable[[dict[str, Any]], object], ...] = (
        lambda d: d["findings"][0].update(severity="critical"),
        lambda d: d["findings"][0].update(code="Not A Code"),
        lambda d: d.pop("summary"),
        lambda d: d.update(schema="https://authdoctor.dev/schemas/report-2.json"),
        lambda d: d.update(exit_code=2),
        lambda d: d["checks"][0].update(status="done"),
        lambda d: d.update(started_at="26/11/2026"),
    )
    for mutate in mutators:
        copy = json.loads(json.dumps(good))
        mutate(copy)
        broken.append(copy)
    for data in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate_json_report(data)


def test_same_report_same_bytes() -> None:
    assert render(shared_report(), RenderOptions()) == render(shared_report(), RenderOptions())
