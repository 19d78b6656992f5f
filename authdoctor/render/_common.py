"""Small helpers the renderers share: area titles and order, grouping, counting, timestamps, and
making untrusted text (setting values quoted in findings) safe for a terminal or an XML file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Report, Severity, sort_findings

PROBLEM_SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)

# C0 and C1 control characters except newline and tab, DEL, and code points XML 1.0 forbids
# (lone surrogates, U+FFFE/U+FFFF). A setting value can contain any of them; none may reach a
# terminal (escape sequences) or a JUnit file (ill-formed XML).
# Bidirectional controls (U+200E/F, U+202A-E, U+2066-9) reorder what a terminal shows, so a
# value could make a line read differently from what it says (Trojan Source, CVE-2021-42574).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
                     "\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """`text` with every control character shown as a visible escape (`\\x1b`), never emitted."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100
                       else f"\\u{ord(m.group(0)):04x}", text)


def area_title(area: str, fallback: str = "") -> str:
    """The human title of an area: the catalog's, else the check's own, else the area name."""
    from authdoctor.catalog import AREAS

    return AREAS.get(area) or fallback or area


def area_rank(area: str) -> int:
    """Position of an area in the catalog (the order `explain --list` uses); unknown areas last."""
    from authdoctor.catalog import AREAS

    order = list(AREAS)
    return order.index(area) if area in order else len(order)


@dataclass(frozen=True)
class AreaGroup:
    """The findings of one area, with the check outcome that ran it (None when a finding's area
    differs from every check's)."""

    area: str
    title: str
    outcome: CheckOutcome | None
    findings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity in PROBLEM_SEVERITIES)

    @property
    def others(self) -> tuple[Finding, ...]:
        """The ok/skipped findings."""
        return tuple(f for f in self.findings if f.severity not in PROBLEM_SEVERITIES)

    @property
    def worst(self) -> Severity | None:
        ranked = [f.severity for f in self.findings]
        return max(ranked, key=lambda s: s.rank) if ranked else None

    @property
    def status(self) -> CheckStatus | None:
        return self.outcome.status if self.outcome is not None else None

    @property
    def incomplete(self) -> bool:
        """The check crashed or ran out of time: never shown as fine."""
        return self.status in (CheckStatus.CRASHED, CheckStatus.TIMED_OUT)


def group_by_area(report: Report) -> list[AreaGroup]:
    """One group per area that ran or produced a finding: worst area first, then catalog order;
    findings worst first inside each group."""
    outcomes: dict[str, CheckOutcome] = {}
    for check in report.checks:
        outcomes.setdefault(check.area, check)
    by_area: dict[str, list[Finding]] = {area: [] for area in outcomes}
    for finding in report.findings:
        by_area.setdefault(finding.area, []).append(finding)
    groups = []
    for area, findings in by_area.items():
        ran = outcomes.get(area)
        groups.append(AreaGroup(
            area=area,
            title=area_title(area, ran.title if ran else ""),
            outcome=ran,
            findings=tuple(sort_findings(findings)),
        ))

    def key(group: AreaGroup) -> tuple[int, int, int, str]:
        worst = group.worst
        rank = worst.rank if worst is not None else Severity.OK.rank
        if group.incomplete:
            # A crashed or timed-out check is never "fine", even when --ignore hid its finding.
            rank = max(rank, Severity.ERROR.rank)
        count = sum(1 for f in group.findings if worst is not None and f.severity is worst)
        return (-rank, -count, area_rank(group.area), group.area)

    return sorted(groups, key=key)


def plural(count: int, word: str) -> str:
    if word == "info" or count == 1:
        return f"{count} {word}"
    return f"{count} {word}s"


def problem_counts(findings: Iterable[Finding]) -> str:
    """'2 errors, 1 warning' for the problems among `findings` ('' when there are none)."""
    counts = dict.fromkeys(PROBLEM_SEVERITIES, 0)
    for finding in findings:
        if finding.severity in counts:
            counts[finding.severity] += 1
    return ", ".join(plural(n, s.value) for s, n in counts.items() if n)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix, to the millisecond when the time has a fraction."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def seconds(value: float) -> str:
    """A duration as JUnit and the text renderer show it: seconds, three decimals."""
    return f"{max(value, 0.0):.3f}"
