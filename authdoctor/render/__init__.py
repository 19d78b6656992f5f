"""Output formats. Each is a small module with one `render(report, options) -> str`; the CLI
picks one from `OutputFormat` (the mapping is tested exhaustive). Renderers only read the report,
which the caller has already passed through the secret redactor."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from authdoctor.findings import Report


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"

    @property
    def machine_readable(self) -> bool:
        return self is not OutputFormat.TEXT


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int = 100
    verbose: bool = False


class Renderer(Protocol):
    def __call__(self, report: Report, options: RenderOptions) -> str: ...


_MODULES: dict[OutputFormat, str] = {
    OutputFormat.TEXT: "authdoctor.render.text",
    OutputFormat.JSON: "authdoctor.render.json_format",
    OutputFormat.SARIF: "authdoctor.render.sarif",
    OutputFormat.JUNIT: "authdoctor.render.junit",
}


def get_renderer(fmt: OutputFormat) -> Renderer:
    module = importlib.import_module(_MODULES[fmt])
    renderer: Renderer = module.render
    return renderer


def render(report: Report, fmt: OutputFormat, options: RenderOptions | None = None) -> str:
    return get_renderer(fmt)(report, options or RenderOptions())
