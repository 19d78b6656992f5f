"""JSON output (placeholder until the renderer work lands)."""

from __future__ import annotations

import json

from authdoctor.findings import Report
from authdoctor.render import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps({"findings": [f.to_dict() for f in report.findings]}, indent=2)
