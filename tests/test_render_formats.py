"""What holds for every output format: each `OutputFormat` has a renderer, each renders the shared
report, and no secret reaches any of them."""

from __future__ import annotations

import dataclasses
import importlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from render_fixtures import SECRETS, emit, shared_report

from authdoctor.findings import Finding, Report, Severity, SourceLocation
from authdoctor.render import _MODULES, OutputFormat, RenderOptions, get_renderer, render


def test_every_output_format_has_a_renderer_module() -> None:
    assert set(_MODULES) == set(OutputFormat)
    for fmt in OutputFormat:
        module = importlib.import_module(_MODULES[fmt])
        assert callable(module.render), fmt
        assert get_renderer(fmt) is module.render


def parse(fmt: OutputFormat, text: str) -> str:
    """Raise unless `text` is well-formed output of `fmt`; return every string in it unescaped
    (a secret hidden behind `&amp;` or `\\"` escapes is still a leak)."""
    if fmt in (OutputFormat.JSON, OutputFormat.SARIF):
        strings: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                strings.append(value)
            elif isinstance(value, dict):
                for key, item in value.items():
                    strings.append(key)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(text))
        return "\n".join(strings)
    if fmt is OutputFormat.JUNIT:
        root = ET.fromstring(text)
        return "\n".join([*root.itertext(), *(v for e in root.iter() for v in e.attrib.values())])
    return text


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders_the_shared_report(fmt: OutputFormat) -> None:
    report = shared_report()
    text = render(report, fmt, RenderOptions())
    parse(fmt, text)
    # Every problem is in every format, by its code.
    for finding in report.findings:
        if finding.severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            assert finding.code in text, (fmt, finding.code)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders_a_report_with_no_checks(fmt: OutputFormat) -> None:
    report = dataclasses.replace(shared_report(), checks=(), sources=())
    parse(fmt, render(report, fmt, RenderOptions()))


def report_full_of_secrets() -> Report:
    """Secrets in every string a finding has, the target and the sources: a check that forgot to
    mask anything."""
    password, client_secret = SECRETS
    leaky = Finding(
        code="oauth.provider-incomplete",
        severity=Severity.ERROR,
        title=f"client secret {client_secret} rejected",
        detail=f"redis://default:{password}@cache:6379/0 and {client_secret}",
        fix=f"Replace {client_secret} with a new secret",
        evidence={"OAUTH_CLIENT_SECRET": client_secret, "REDIS_URL": f"redis://:{password}@cache"},
        subject=client_secret,
        location=SourceLocation(f"deploy/{password}.env", 3, "OAUTH_CLIENT_SECRET"),
    )
    below = dataclasses.replace(leaky, severity=Severity.INFO, code="logout.idp-session-not-ended")
    base = shared_report()
    first = base.checks[1]
    checks = (dataclasses.replace(first, findings=(*first.findings, leaky, below)), *base.checks[2:])
    return dataclasses.replace(base, target=f"https://user:{password}@chat.example.org",
                               sources=(f"/srv/{client_secret}/openwebui.env",), checks=checks)


@pytest.mark.parametrize("fmt", list(OutputFormat))
@pytest.mark.parametrize("verbose", [False, True])
def test_no_secret_appears_in_any_format(fmt: OutputFormat, verbose: bool, tmp_path: Path) -> None:
    report = report_full_of_secrets()
    # Without the redactor the secrets would be there: the test can fail.
    raw = render(report, fmt, RenderOptions(verbose=verbose))
    assert all(secret in raw for secret in SECRETS)

    shown = emit(report, fmt, tmp_path, verbose=verbose)
    visible = parse(fmt, shown)
    for secret in SECRETS:
        assert secret not in shown, f"{fmt.value} output leaks {secret}"
        assert secret not in visible, f"{fmt.value} output leaks {secret} behind an escape"
    assert "<secret, 18 chars>" in visible and "<secret, 29 chars>" in visible
