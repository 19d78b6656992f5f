"""JSON output for CI and dashboards: one object, keys in a fixed order, nothing run-dependent
but `started_at` and the durations (`--now` fixes the first and zeroes the others).

The shape is a public contract, described by the JSON Schema shipped in the package
(`authdoctor/schemas/report-1.json`, id in `SCHEMA_ID`, loadable with `load_schema()`); every JSON
output is validated against it in the tests. Adding a field updates that schema; renaming or
removing one, or changing a meaning, needs a new id (`report-2.json`).
"""

from __future__ import annotations

import json
from typing import Any

from authdoctor.exitcodes import exit_code_for
from authdoctor.findings import Report, sort_findings
from authdoctor.render import RenderOptions
from authdoctor.render._common import iso_utc

SCHEMA_ID = "https://authdoctor.dev/schemas/report-1.json"
SCHEMA_RESOURCE = "schemas/report-1.json"


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as plain data, in the order the schema lists the keys."""
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "authdoctor", "version": report.tool_version},
        "command": report.command,
        "target": report.target,
        "sources": list(report.sources),
        "started_at": iso_utc(report.started_at),
        "duration_s": round(report.duration_s, 3),
        "fail_on": report.fail_on.value,
        "exit_code": int(exit_code_for(report)),
        "summary": report.summary(),
        "checks": [
            {
                "area": outcome.area,
                "title": outcome.title,
                "status": outcome.status.value,
                "duration_s": round(outcome.duration_s, 3),
                "finding_codes": list(dict.fromkeys(f.code for f in sort_findings(outcome.findings))),
                "settings": outcome.settings.to_dict() if outcome.settings is not None else None,
                "live": outcome.live.to_dict() if outcome.live is not None else None,
            }
            for outcome in report.checks
        ],
        "findings": [finding.to_dict() for finding in report.findings],
    }


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False)


def load_schema() -> dict[str, Any]:
    """The shipped JSON Schema of this output (package data)."""
    from importlib.resources import files

    text = files("authdoctor").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
