"""Text output for a person at a terminal: findings grouped by area, worst area first.

Each finding shows a severity label, its code and title, then what was seen (`seen:` detail and
evidence), where the setting was read (`at:` file:line) and the fix (`fix:`). Areas with nothing
to report take one line each (in full with `--verbose`). The last line is a one-line summary with
the exit code, so a CI log's tail says what happened.

Laid out here, line by line, in `options.width` columns, and styled with rich. Lines break only
at spaces (`wrap`): a URL or `VAR=value` longer than the room runs past the margin instead of
being split, so it can be copied whole. Colour only when `options.color`
(the CLI decides: a terminal, no `NO_COLOR`, no `--no-color`); otherwise not a single escape
code. Labels are plain ASCII words, so the output reads the same without colour or emoji.
"""

from __future__ import annotations

import io
import re

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from authdoctor.exitcodes import exit_code_for
from authdoctor.findings import CheckOutcome, CheckStatus, Finding, HalfStatus, Report, Severity
from authdoctor.render import RenderOptions
from authdoctor.render._common import (
    AreaGroup,
    group_by_area,
    plural,
    problem_counts,
    safe_text,
    seconds,
)

LABELS: dict[Severity, str] = {
    Severity.ERROR: "ERROR",
    Severity.WARNING: "WARNING",
    Severity.INFO: "INFO",
    Severity.OK: "OK",
    Severity.SKIPPED: "SKIPPED",
}
STYLES: dict[Severity, str] = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "cyan",
    Severity.OK: "green",
    Severity.SKIPPED: "dim",
}
LABEL_WIDTH = max(len(label) for label in LABELS.values())
_TRAILING_BLANKS = re.compile(r"\s+((?:\x1b\[[0-9;]*m)*)$")
_WORD = re.compile(r"\S+")
_MARGIN = "  "  # findings are indented under their area heading
_ROW_NAME_WIDTH = len("seen:")
STATUS_NOTES = {
    CheckStatus.CRASHED: "check crashed",
    CheckStatus.TIMED_OUT: "check timed out",
    CheckStatus.SKIPPED: "check skipped",
}


def render(report: Report, options: RenderOptions) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(options.width, 40),
        color_system="standard" if options.color else None,
        force_terminal=options.color,
        no_color=not options.color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        soft_wrap=False,
    )
    width = console.width
    for line in wrap(_header(report), width):
        console.print(line, soft_wrap=True)
    groups = group_by_area(report)
    compact = [g for g in groups if not g.problems and not g.incomplete and not options.verbose]
    for group in groups:
        if any(group is g for g in compact):
            continue
        console.print()
        for line in _area(group, options, width):
            console.print(line, soft_wrap=True)
    if compact:
        console.print()
        for group in compact:
            for line in _labelled(_label(group.worst or Severity.OK), _compact_line(group), width, ""):
                console.print(line, soft_wrap=True)
    console.print()
    # One line even on a narrow terminal: CI logs show the tail.
    console.print(Text(summary_line(report), style="bold"), soft_wrap=True)
    return "\n".join(_TRAILING_BLANKS.sub(r"\1", line) for line in buffer.getvalue().splitlines())


def summary_line(report: Report) -> str:
    """'2 errors, 1 warning, 3 info · 8 areas checked · exit 1 (fail-on error)'."""
    counts = report.summary()
    problems = problem_counts(report.findings) or "no problems found"
    parts = [problems]
    if counts[Severity.SKIPPED.value]:
        parts[0] += f", {counts[Severity.SKIPPED.value]} skipped"
    parts.append(f"{plural(len(_deployment_areas(report)), 'area')} checked{_live_summary(report)}")
    code = exit_code_for(report)
    if report.incomplete:
        parts.append(f"exit {int(code)} (a check did not complete)")
    else:
        parts.append(f"exit {int(code)} (fail-on {report.fail_on.value})")
    return " · ".join(parts)


def _deployment_areas(report: Report) -> list[CheckOutcome]:
    """The areas about the deployment (not `probe`, which is about how authdoctor probed)."""
    from authdoctor.catalog import RUN_AREAS

    return [o for o in report.checks if o.area not in RUN_AREAS]


def _live_summary(report: Report) -> str:
    """' (settings only, --offline)', ' (3 with a live check)' or '' (nothing known, or every
    area's live half ran)."""
    areas = _deployment_areas(report)
    lives = [o.live for o in areas if o.live is not None]
    if not lives:
        return ""
    ran = sum(1 for live in lives if live.ran)
    if ran == 0:
        if all(live.status is HalfStatus.OFFLINE or live.status is HalfStatus.NOT_IMPLEMENTED
               for live in lives) and any(live.status is HalfStatus.OFFLINE for live in lives):
            return " (settings only, --offline)"
        return " (settings only, no server contacted)"
    if ran < len(areas):
        return f" ({ran} with a live check)"
    return ""


def _header(report: Report) -> Text:
    text = Text()
    text.append(f"authdoctor {report.tool_version}", style="bold")
    text.append(f" {report.command}: {safe_text(report.target)}")
    if report.sources:
        text.append("\nsettings from: " + ", ".join(safe_text(s) for s in report.sources), style="dim")
    return text


def wrap(text: Text, width: int) -> list[Text]:
    """`text` in lines of at most `width` cells, broken only at spaces (and at its own newlines).

    A word longer than the line (a URL, a `VAR=value`, a DN) is never split: it starts a line of
    its own and runs past the margin, so it can be copied whole. Styles are kept."""
    lines: list[Text] = []
    for paragraph in text.split("\n", allow_blank=True):
        plain = paragraph.plain
        words = [(m.start(), m.end()) for m in _WORD.finditer(plain)]
        if not words:
            lines.append(Text(""))
            continue
        line_start, line_end = words[0]
        for start, end in words[1:]:
            if cell_len(plain[line_start:end]) > width:
                lines.append(paragraph[line_start:line_end])
                line_start = start
            line_end = end
        lines.append(paragraph[line_start:line_end])
    return lines


def _prefixed(first: Text | str, body: Text, width: int, indent: int) -> list[Text]:
    """`body` wrapped to the space right of a prefix `indent` cells wide: `first` on the first
    line, blanks on the others."""
    out = []
    for index, line in enumerate(wrap(body, max(width - indent, 20))):
        prefix = first if index == 0 else ""
        row = Text(prefix) if isinstance(prefix, str) else prefix.copy()
        row.append(" " * (indent - row.cell_len))
        row.append_text(line)
        out.append(row)
    return out


def _labelled(label: Text, body: Text | list[Text], width: int, margin: str) -> list[Text]:
    """A severity label in its column, then `body` (already laid-out lines, or text to wrap)."""
    indent = len(margin) + LABEL_WIDTH + 2
    first = Text(margin)
    first.append_text(label)
    if isinstance(body, Text):
        return _prefixed(first, body, width, indent)
    out = []
    for index, line in enumerate(body):
        row = first.copy() if index == 0 else Text("")
        row.append(" " * (indent - row.cell_len))
        row.append_text(line)
        out.append(row)
    return out


def _label(severity: Severity) -> Text:
    return Text(LABELS[severity], style=STYLES[severity])


def _area(group: AreaGroup, options: RenderOptions, width: int) -> list[Text]:
    heading = Text()
    heading.append(group.title, style="bold underline")
    notes = []
    if group.problems:
        notes.append(problem_counts(group.problems))
    if group.status is not None and group.status in STATUS_NOTES:
        notes.append(STATUS_NOTES[group.status])
    elif group.problems and (unchecked := _live_note(group)):
        notes.append(unchecked)
    if options.verbose and group.outcome is not None:
        notes.append(f"{seconds(group.outcome.duration_s)} s")
    if notes:
        heading.append(" · " + " · ".join(notes), style="bold")
    lines = wrap(heading, width)
    inner = width - len(_MARGIN) - LABEL_WIDTH - 2
    if not group.findings:
        if group.incomplete:
            lines += _labelled(_label(Severity.ERROR), Text("this area was not diagnosed"), width, _MARGIN)
        else:
            lines += _labelled(_label(Severity.OK), Text("no findings reported"), width, _MARGIN)
    for finding in group.problems:
        lines += _labelled(_label(finding.severity), _finding(finding, inner), width, _MARGIN)
    if options.verbose:
        for finding in group.others:
            lines += _labelled(_label(finding.severity), _finding(finding, inner), width, _MARGIN)
    elif group.others:
        worst_other = max((f.severity for f in group.others), key=lambda s: s.rank)
        lines += _labelled(_label(worst_other), Text(_other_summary(group)), width, _MARGIN)
    return lines


def _finding(finding: Finding, width: int) -> list[Text]:
    """The finding's lines, `width` cells wide: code and title, then seen/at/fix rows."""
    head = Text()
    head.append(finding.code, style="bold")
    head.append("  " + safe_text(finding.title))
    lines = wrap(head, width)
    seen = [safe_text(finding.detail)] if finding.detail else []
    seen += [f"{safe_text(key)}: {safe_text(value)}" for key, value in finding.evidence.items()]
    rows: list[tuple[str, Text]] = [("seen:" if i == 0 else "", Text(line)) for i, line in enumerate(seen)]
    if finding.location is not None:
        rows.append(("at:", Text(safe_text(str(finding.location)))))
    if finding.fix:
        rows.append(("fix:", Text(safe_text(finding.fix), style="bold")))
    for name, body in rows:
        lines += _prefixed(Text(name, style="dim"), body, width, _ROW_NAME_WIDTH + 1)
    return lines


def _strip_title(text: str, title: str) -> str:
    """Drop a leading 'Area title: ' that the runner's ok/skipped titles repeat."""
    prefix = f"{title}: "
    return text[len(prefix):] if text.startswith(prefix) else text


def _live_note(group: AreaGroup) -> str:
    """'settings only (--offline)' when the area's live half did not run, else ''."""
    live = group.outcome.live if group.outcome is not None else None
    if live is None or live.status in (HalfStatus.RAN, HalfStatus.CRASHED, HalfStatus.TIMED_OUT):
        return ""
    reason = live.reason if live.status is not HalfStatus.SKIPPED else f"live check skipped: {live.reason}"
    return f"settings only ({safe_text(reason)})" if reason else "settings only"


def _other_summary(group: AreaGroup) -> str:
    """What an area without problems checked (its `ok` finding says so), else the reasons it was
    skipped, else 'no problems found'."""
    for finding in group.others:
        if finding.severity is Severity.OK:
            text = _strip_title(finding.title, group.title)
            if group.outcome is not None:
                text = _strip_title(text, group.outcome.title)  # the check's own title, if it differs
            return safe_text(text)
    reasons = []
    for finding in group.others:
        if finding.severity is Severity.SKIPPED:
            reason = safe_text(_strip_title(finding.detail or finding.title, group.title))
            if reason not in reasons:
                reasons.append(reason)
    return "; ".join(reasons) if reasons else "no problems found"


def _compact_line(group: AreaGroup) -> Text:
    text = Text(group.title, style="bold")
    text.append(": " + _other_summary(group) if group.findings else ": no findings reported")
    return text
