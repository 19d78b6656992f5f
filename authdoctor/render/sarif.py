"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers (standards.md S1, S2).

- One run; `tool.driver.rules` lists **every** catalog code (not only those that fired), in
  catalog order, so a viewer can show any rule and a code's `ruleIndex` is its catalog position
  (a code missing from the catalog, which the registry tests forbid, gets a rule appended at the
  end rather than a dangling index). Each rule carries the catalog's summary, explanation and fix,
  a default level and `properties.security-severity` from its severity (`SECURITY_SEVERITY`:
  error 8.0 "high", warning 5.0 "medium", info 2.0 "low", ok/skipped 0.0), and tags.
- One result per error/warning/info finding, worst first (ok and skipped are not results). Its
  message is the title and the fix; detail, evidence and subject go into `properties`.
- `partialFingerprints["authdoctor/v1"]` hashes code, area and subject, so the same problem keeps
  its identity across runs even when its wording or line moves.
- `invocations[0].executionSuccessful` is false when a check crashed or ran out of time; those
  checks are also listed as `toolExecutionNotifications` (level error). Every half of an area
  that did not run (`--offline`, no live check yet, skipped) is a `note` notification with its
  reason and `properties` {area, half, status, reason}: no result never means "not probed".

Location convention. Deployment findings often have no source file, and code scanning wants
one location with an artifact URI (S2):
- a finding read from a file: `artifactLocation.uri` is that file, relative to the current
  directory when it lies below it (CI runs from the repository root), else an absolute `file:`
  URI; `region.startLine` when the line is known;
- any other finding (a live probe, a value from the process environment): the synthetic
  artifact `deployment/<host>` named after the target's host (`deployment/<target>` with unsafe
  characters replaced when the target is not a URL), without a region. It is the same for every
  such finding of a deployment, so code scanning groups them under one "file".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote_from_bytes, urlsplit

from authdoctor.exitcodes import exit_code_for
from authdoctor.findings import CheckStatus, Finding, HalfStatus, Report, Severity, SourceLocation
from authdoctor.render import RenderOptions
from authdoctor.render._common import PROBLEM_SEVERITIES, area_title, iso_utc

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://authdoctor.dev"
FINGERPRINT_KEY = "authdoctor/v1"

LEVELS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.OK: "none",
    Severity.SKIPPED: "none",
}
# GitHub maps >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low (S2).
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.ERROR: "8.0",
    Severity.WARNING: "5.0",
    Severity.INFO: "2.0",
    Severity.OK: "0.0",
    Severity.SKIPPED: "0.0",
}

_INCOMPLETE: dict[CheckStatus, tuple[str, str]] = {
    CheckStatus.CRASHED: ("internal.check-crashed", "crashed"),
    CheckStatus.TIMED_OUT: ("internal.deadline-exceeded", "ran out of time"),
}

_HALF_INCOMPLETE = (HalfStatus.CRASHED, HalfStatus.TIMED_OUT)

_UNSAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._~-]+")


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False)


def sarif_log(report: Report) -> dict[str, Any]:
    rules, index = _rules(report)
    results = [_result(f, index[f.code], report.target)
               for f in report.findings if f.severity in PROBLEM_SEVERITIES]
    end = report.started_at + timedelta(seconds=max(report.duration_s, 0.0))
    invocation: dict[str, Any] = {
        "executionSuccessful": not report.incomplete,
        "exitCode": int(exit_code_for(report)),
        "startTimeUtc": iso_utc(report.started_at),
        "endTimeUtc": iso_utc(end),
    }
    notifications = []
    for outcome in report.checks:
        if outcome.status not in _INCOMPLETE:
            continue
        code, what = _INCOMPLETE[outcome.status]
        rule: dict[str, Any] = {"id": code}
        if code in index:
            rule["index"] = index[code]
        notifications.append({
            "level": "error",
            "message": {"text": f"The {outcome.area} check {what}; its area was not fully diagnosed."},
            "associatedRule": rule,
        })
    notifications += _not_run_notes(report)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "authdoctor",
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                "results": results,
                "properties": {"command": report.command, "target": report.target,
                               "failOn": report.fail_on.value},
            }
        ],
    }


def _not_run_notes(report: Report) -> list[dict[str, Any]]:
    """A note for every half of an area that did not run (--offline, no live check yet, skipped),
    so a clean SARIF log never stands for "nothing was probed". Crashed and timed-out halves are
    reported above as errors."""
    notes = []
    for outcome in report.checks:
        if outcome.status in _INCOMPLETE:
            continue
        for half, state in (("settings", outcome.settings), ("live", outcome.live)):
            if state is None or state.ran or state.status in _HALF_INCOMPLETE:
                continue
            if half == "settings" and state.status is HalfStatus.NOT_IMPLEMENTED:
                continue  # a live-only area: nothing was left out
            what = "the server was not contacted" if half == "live" else "its settings were not checked"
            why = f"skipped: {state.reason}" if state.status is HalfStatus.SKIPPED else state.reason
            notes.append({
                "level": "note",
                "message": {"text": f"{area_title(outcome.area, outcome.title)}: {what} ({why})."},
                "properties": {"area": outcome.area, "half": half, "status": state.status.value,
                               "reason": state.reason},
            })
    return notes


def _rules(report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from authdoctor.catalog import CATALOG

    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code, info in CATALOG.items():
        index[code] = len(rules)
        help_text = f"{info.explanation}\n\nFix: {info.fix}"
        if info.references:
            help_text += "\n\nReferences: " + "; ".join(info.references)
        rules.append(_rule(code, info.severity, info.summary, info.explanation, help_text))
    for finding in report.findings:
        if finding.code not in index:
            index[finding.code] = len(rules)
            text = f"{finding.code}: not in the catalog of this authdoctor version"
            rules.append(_rule(finding.code, finding.severity, text, text, text))
    return rules, index


def _rule(code: str, severity: Severity, summary: str, explanation: str, help_text: str) -> dict[str, Any]:
    area = code.split(".", 1)[0]
    return {
        "id": code,
        "name": _rule_name(code),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": explanation},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": ["security", "authentication", area],
            "area": area_title(area),
        },
    }


def _rule_name(code: str) -> str:
    """`oauth.redirect-uri-scheme-mismatch` → `OauthRedirectUriSchemeMismatch` (SARIF names are
    identifiers; the id stays the code)."""
    return "".join(part.capitalize() for part in re.split(r"[.-]", code) if part)


def _result(finding: Finding, rule_index: int, target: str) -> dict[str, Any]:
    message = finding.title if not finding.fix else f"{finding.title}\nFix: {finding.fix}"
    properties: dict[str, Any] = {"area": finding.area, "severity": finding.severity.value}
    if finding.subject:
        properties["subject"] = finding.subject
    if finding.detail:
        properties["detail"] = finding.detail
    if finding.evidence:
        properties["evidence"] = dict(finding.evidence)
    location: dict[str, Any] = {"physicalLocation": _physical_location(finding.location, target)}
    if finding.subject:
        location["logicalLocations"] = [{"name": finding.subject}]
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": properties,
    }


def fingerprint(finding: Finding) -> str:
    """Stable across runs: code, area and subject only (not wording, line or evidence)."""
    material = "\x1f".join((finding.code, finding.area, finding.subject))
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _physical_location(location: SourceLocation | None, target: str) -> dict[str, Any]:
    if location is not None and is_file_path(location.path):
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(location.path)}}
        if location.line is not None and location.line >= 1:
            physical["region"] = {"startLine": location.line}
        return physical
    return {"artifactLocation": {"uri": deployment_uri(target)}}


def is_file_path(path: str) -> bool:
    """False for the pseudo-paths settings loaders use, like `(process environment)`."""
    return bool(path) and not path.startswith(("(", "<"))


def artifact_uri(path: str) -> str:
    """A relative URI when `path` is relative or lies below the current directory, else file:."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri()
    # The file name's own bytes, percent-encoded: a name that is not UTF-8 (surrogate escapes from
    # the file system) becomes a valid URI instead of an encoding error, as Path.as_uri does.
    return quote_from_bytes(os.fsencode(PurePosixPath(*candidate.parts).as_posix()), safe="/._-~")


def deployment_uri(target: str) -> str:
    """The synthetic artifact for findings without a source file: `deployment/<host>`."""
    name = ""
    try:
        parts = urlsplit(target)
        if parts.scheme and parts.hostname:
            name = parts.hostname + (f"_{parts.port}" if parts.port else "")
    except ValueError:
        name = ""
    if not name:
        name = target
    name = _UNSAFE_SEGMENT.sub("-", name).strip("-.") or "unknown"
    return f"deployment/{name}"
