"""JUnit XML output for CI test-report views (Jenkins, GitLab, Azure; standards.md U1, U2).

The de-facto shape: `<testsuites>` → one `<testsuite name="authdoctor check">` → one `<testcase>`
per check area (`classname="authdoctor.<area>"`, `name` the area's title, `time` its duration;
unique per area, as GitLab keys cases by classname+name). In each case:

- `<failure message="<title>" type="<code>">` for every finding at or above `--fail-on`; its text
  holds what was seen (detail, evidence), where (file:line) and the fix;
- `<error>` when the check crashed or ran out of time (the internal finding's text);
- `<skipped message="<reason>">` when the area did not run (skipped check, or only `skipped`
  findings);
- `<system-out>` with what each half of the area did (`settings check: ran`, `live check:
  offline (--offline)`), the `ok` finding that says what was checked, and the findings below
  the threshold, so nothing is lost.

A case counts once in the totals, as error before failure before skipped. The report does not
set the job status: the exit code does (U2). Built with ElementTree, indented, attributes in a
fixed order and control characters escaped, so the file is well-formed and byte-stable.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Report, Severity, sort_findings
from authdoctor.render import RenderOptions
from authdoctor.render._common import PROBLEM_SEVERITIES, area_title, iso_utc, safe_text, seconds

SUITE_NAME = "authdoctor"
_INCOMPLETE = (CheckStatus.CRASHED, CheckStatus.TIMED_OUT)
_INTERNAL_PREFIX = "internal."


def render(report: Report, options: RenderOptions) -> str:
    cases = [_testcase(outcome, report.fail_on) for outcome in report.checks]
    totals = {
        "tests": len(cases),
        "failures": sum(1 for _, kind in cases if kind == "failure"),
        "errors": sum(1 for _, kind in cases if kind == "error"),
        "skipped": sum(1 for _, kind in cases if kind == "skipped"),
    }
    counts = {key: str(value) for key, value in totals.items()}
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts, "time": seconds(report.duration_s)})
    suite = ET.SubElement(root, "testsuite", {
        "name": f"{SUITE_NAME} {report.command}",
        **counts,
        "time": seconds(report.duration_s),
        "timestamp": iso_utc(report.started_at).removesuffix("Z"),
    })
    properties = ET.SubElement(suite, "properties")
    for name, value in (("target", report.target), ("tool-version", report.tool_version),
                        ("fail-on", report.fail_on.value), *(("source", s) for s in report.sources)):
        ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    for case, _ in cases:
        suite.append(case)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _testcase(outcome: CheckOutcome, fail_on: Severity) -> tuple[ET.Element, str]:
    """One check's testcase and how it counts: 'error', 'failure', 'skipped' or 'passed'."""
    case = ET.Element("testcase", {
        "classname": f"{SUITE_NAME}.{outcome.area}",
        "name": _clean(area_title(outcome.area, outcome.title)),
        "time": seconds(outcome.duration_s),
    })
    findings = sort_findings(outcome.findings)
    # A crashed or timed-out check is authdoctor's failure, not the deployment's: an <error>
    # carrying the internal finding. Every other finding at the threshold is a <failure>.
    cause = None
    if outcome.status in _INCOMPLETE:
        cause = next((f for f in findings if f.code.startswith(_INTERNAL_PREFIX)), None)
    failing = [f for f in findings if f is not cause and f.severity.at_least(fail_on)]
    below = [f for f in findings if f is not cause and f.severity in PROBLEM_SEVERITIES
             and not f.severity.at_least(fail_on)]
    skipped = [f for f in findings if f.severity is Severity.SKIPPED]
    kind = "passed"

    if outcome.status in _INCOMPLETE:
        kind = "error"
        what = "crashed" if outcome.status is CheckStatus.CRASHED else "ran out of time"
        error = ET.SubElement(case, "error", {
            "message": _clean(cause.title if cause else f"the {outcome.area} check {what}"),
            "type": cause.code if cause else outcome.status.value,
        })
        if cause is not None:
            error.text = _clean(_details(cause))
    for finding in failing:
        failure = ET.SubElement(case, "failure", {"message": _clean(finding.title), "type": finding.code})
        failure.text = _clean(_details(finding))
    if failing and kind == "passed":
        kind = "failure"

    problems_or_ok = [f for f in findings if f.severity is not Severity.SKIPPED]
    if kind == "passed" and (outcome.status is CheckStatus.SKIPPED or (skipped and not problems_or_ok)):
        kind = "skipped"
        reasons = [f.detail or f.title for f in skipped] or [f"the {outcome.area} check was skipped"]
        ET.SubElement(case, "skipped", {"message": _clean("; ".join(dict.fromkeys(reasons)))})

    parts = [_halves(outcome)] if outcome.settings is not None or outcome.live is not None else []
    parts += [f"OK {f.code}: {f.title}" for f in findings if f.severity is Severity.OK]
    parts += [f"{f.severity.value.upper()} {f.code}: {f.title}\n{_details(f)}".rstrip() for f in below]
    parts = [part for part in parts if part]
    if parts:
        out = ET.SubElement(case, "system-out")
        out.text = _clean("\n\n".join(parts))
    return case, kind


def _halves(outcome: CheckOutcome) -> str:
    """'settings check: ran' / 'live check: offline (--offline)': what was actually checked."""
    lines = []
    for name, half in (("settings", outcome.settings), ("live", outcome.live)):
        if half is not None:
            lines.append(f"{name} check: {half.status.value}" + (f" ({half.reason})" if half.reason else ""))
    return "\n".join(lines)


def _details(finding: Finding) -> str:
    lines = []
    if finding.detail:
        lines.append(finding.detail)
    lines += [f"{key}: {value}" for key, value in finding.evidence.items()]
    if finding.location is not None:
        lines.append(f"at: {finding.location}")
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, not even escaped: show them instead."""
    return safe_text(text)
