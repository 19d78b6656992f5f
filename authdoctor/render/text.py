"""Text output (placeholder until the renderer work lands)."""

from __future__ import annotations

from authdoctor.findings import Report
from authdoctor.render import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    return "\n".join(f"{f.severity.value:8} {f.code}: {f.title}" for f in report.findings)
