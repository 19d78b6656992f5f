"""The finding model: what every check returns and every renderer reads.

A `Finding` names one root cause with a stable `code` (`area.kebab-name`, see
`authdoctor.catalog`), a `severity`, what was seen (`detail`, `evidence`), why it matters and the
`fix`. A `Report` is the outcome of one run: findings plus per-check outcomes, timing and the
threshold; renderers only read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is. `ok` and `skipped` are non-findings: a check passed / could not run."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OK = "ok"
    SKIPPED = "skipped"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and the `--fail-on` threshold."""
        return _RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        """True when this severity is at or above `threshold` (only error/warning/info count)."""
        if self in (Severity.OK, Severity.SKIPPED):
            return False
        return self.rank >= threshold.rank


_RANK = {
    Severity.ERROR: 4,
    Severity.WARNING: 3,
    Severity.INFO: 2,
    Severity.OK: 1,
    Severity.SKIPPED: 0,
}

FAIL_ON_CHOICES = (Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True)
class SourceLocation:
    """Where a setting came from: a file and line (SARIF locations, `config show`)."""

    path: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        text = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{text} ({self.key})" if self.key else text


@dataclass(frozen=True)
class Finding:
    """One diagnosis.

    code      stable catalog code, e.g. ``cookie.secure-on-http``
    severity  error | warning | info | ok | skipped
    title     one line: what is wrong, in plain words
    detail    what was seen and why it breaks or weakens sign-in
    fix       the exact setting and value to change, where possible
    evidence  short facts (setting -> value); secrets already masked by the check
    subject   what the finding is about (a variable, a provider, a URL)
    area      the check area that produced it (defaults to the code's prefix)
    location  where the offending setting was read, when known
    partial   for a skipped finding: it covers one step of a half that did probe something
              (the half still counts as run; the finding says what was not established)
    """

    code: str
    severity: Severity
    title: str
    detail: str = ""
    fix: str = ""
    evidence: Mapping[str, str] = field(default_factory=dict)
    subject: str = ""
    area: str = ""
    location: SourceLocation | None = None
    partial: bool = False

    def __post_init__(self) -> None:
        if not self.area:
            object.__setattr__(self, "area", self.code.split(".", 1)[0])
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "evidence", dict(self.evidence))

    def map_text(self, fn: Callable[[str], str]) -> Finding:
        """A copy with `fn` applied to every human-readable string (used for redaction)."""
        location = self.location
        if location is not None:
            location = dataclasses.replace(location, path=fn(location.path))
        return dataclasses.replace(
            self,
            title=fn(self.title),
            detail=fn(self.detail),
            fix=fn(self.fix),
            subject=fn(self.subject),
            evidence={key: fn(value) for key, value in self.evidence.items()},
            location=location,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "area": self.area,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "subject": self.subject,
            "evidence": dict(self.evidence),
        }
        if self.location is not None:
            data["location"] = {"path": self.location.path, "line": self.location.line,
                                "key": self.location.key}
        else:
            data["location"] = None
        return data


class CheckStatus(StrEnum):
    """How one check area's run ended."""

    COMPLETED = "completed"
    SKIPPED = "skipped"
    CRASHED = "crashed"
    TIMED_OUT = "timed-out"


class HalfStatus(StrEnum):
    """How one half of a check area (its settings half or its live half) ended.

    Only `ran` means the half looked at something; every other status says why it did not, so
    "no problems found" is never read as "nothing was probed" (live-probes.md, honest outcomes).
    """

    RAN = "ran"
    NOT_IMPLEMENTED = "not-implemented"  # this authdoctor has no such half for the area (yet)
    OFFLINE = "offline"  # the live half was not run because of --offline
    SKIPPED = "skipped"  # could not run: not configured, server unreachable, an earlier step failed
    CRASHED = "crashed"
    TIMED_OUT = "timed-out"


@dataclass(frozen=True)
class HalfOutcome:
    """One half's status and, unless it ran, the reason in plain words."""

    status: HalfStatus
    reason: str = ""

    @property
    def ran(self) -> bool:
        return self.status is HalfStatus.RAN

    def to_dict(self) -> dict[str, str]:
        return {"status": self.status.value, "reason": self.reason}


@dataclass(frozen=True)
class CheckOutcome:
    """One check area's run: its status, duration and findings (JUnit: one testcase each), and
    what each half actually did (`settings`, `live`; None when unknown, e.g. a report built by
    hand)."""

    area: str
    title: str
    status: CheckStatus
    duration_s: float
    findings: tuple[Finding, ...] = ()
    settings: HalfOutcome | None = None
    live: HalfOutcome | None = None

    def map_text(self, fn: Callable[[str], str]) -> CheckOutcome:
        """A copy with `fn` applied to every finding string and every half's reason."""
        def half(h: HalfOutcome | None) -> HalfOutcome | None:
            return None if h is None else dataclasses.replace(h, reason=fn(h.reason))

        return dataclasses.replace(self, findings=tuple(f.map_text(fn) for f in self.findings),
                                   settings=half(self.settings), live=half(self.live))

    def worst(self) -> Severity | None:
        return worst_severity(self.findings)


def worst_severity(findings: Iterable[Finding]) -> Severity | None:
    ranked = [f.severity for f in findings]
    return max(ranked, key=lambda s: s.rank) if ranked else None


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by area and code: the likely cause is read first."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.area, f.code, f.subject))


@dataclass(frozen=True)
class Report:
    """The outcome of one run. Renderers read it; nothing else does."""

    tool_version: str
    command: str
    target: str
    started_at: datetime
    duration_s: float
    fail_on: Severity
    checks: tuple[CheckOutcome, ...]
    sources: tuple[str, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return sort_findings(f for outcome in self.checks for f in outcome.findings)

    def summary(self) -> dict[str, int]:
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity.at_least(self.fail_on)]

    @property
    def incomplete(self) -> bool:
        """A check crashed or ran out of time: authdoctor could not complete (exit 3)."""
        return any(o.status in (CheckStatus.CRASHED, CheckStatus.TIMED_OUT) for o in self.checks)

    def map_text(self, fn: Callable[[str], str]) -> Report:
        """A copy with `fn` applied to every finding string and the target (for redaction)."""
        return dataclasses.replace(
            self,
            target=fn(self.target),
            sources=tuple(fn(s) for s in self.sources),
            checks=tuple(o.map_text(fn) for o in self.checks),
        )
