"""Helpers for the settings-check tests: build a deployment from a dict of Open WebUI variables
and run one check area's settings half, the way `authdoctor check --offline` does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from authdoctor.checks.base import CheckContext, CheckSpec
from authdoctor.findings import Finding, Severity, SourceLocation
from authdoctor.settings.model import Deployment, EnvSource, EnvVar

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NOT_FINDINGS = (Severity.OK, Severity.SKIPPED)


def source(env: Mapping[str, str], label: str = "test.env") -> EnvSource:
    return EnvSource(label=label, vars={
        name: EnvVar(name=name, value=value, location=SourceLocation(label, line, name))
        for line, (name, value) in enumerate(env.items(), start=1)
    })


def context(env: Mapping[str, str], *, public_url: str | None = None,
            replicas: int | None = None) -> CheckContext:
    deployment = Deployment(replicas=(source(env),), public_url=public_url,
                            declared_replicas=replicas, sources=("test.env",))
    return CheckContext(deployment=deployment, now=NOW, offline=True)


def run(check: CheckSpec, env: Mapping[str, str], *, public_url: str | None = None,
        replicas: int | None = None) -> list[Finding]:
    assert check.settings is not None
    return list(check.settings(context(env, public_url=public_url, replicas=replicas)))


def problems(findings: list[Finding]) -> list[tuple[str, Severity]]:
    """(code, severity) of every real finding (not ok/skipped), in order."""
    return [(f.code, f.severity) for f in findings if f.severity not in NOT_FINDINGS]


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings if f.severity not in NOT_FINDINGS}


def rendered(findings: list[Finding]) -> str:
    """Everything a user could see of these findings, as one string."""
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False)
