"""The outcome of one `jwt decode` or `jwt verify` run, as a JSON document and as text.

The JSON document is the contract for scripts (keys never change meaning; new keys may appear):

    {"schema": "https://authdoctor.dev/schemas/jwt-decode-1.json" (or jwt-verify-1.json),
     "command": "jwt decode", "token": "<masked>", "header": {...} | null,
     "payload": {...} | null, "times": {...} | null, "hints": [...],
     "verification": null | {...}, "findings": [Finding.to_dict()...],
     "summary": {"error": n, ...}, "fail_on": "error", "exit_code": 0|1}

Text is rendered from the same (already redacted) document, so both always agree: a header and
payload table with hints, the times with the leeway, the signature status, then findings with
`seen:` and `fix:` lines, and a last summary line with the exit code. Colour only when the caller
says so (a terminal, no NO_COLOR, no --no-color).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from authdoctor.exitcodes import ExitCode
from authdoctor.findings import Finding, Severity, sort_findings

if TYPE_CHECKING:
    from authdoctor.jwt.claims import Hint, Times
    from authdoctor.jwt.verify import Verification

SCHEMAS = {
    "decode": "https://authdoctor.dev/schemas/jwt-decode-1.json",
    "verify": "https://authdoctor.dev/schemas/jwt-verify-1.json",
}
MAX_SHOWN_VALUE = 300
PROBLEMS = (Severity.ERROR, Severity.WARNING, Severity.INFO)


class JwtReport:
    """What one run found. (A plain class: see `claims.ClaimTime` on start-up cost.)"""

    __slots__ = ("command", "fail_on", "findings", "header", "hints", "payload", "times", "token",
                 "verification")

    def __init__(self, *, command: str, token: str, fail_on: Severity, header: dict[str, Any] | None = None,
                 payload: dict[str, Any] | None = None, times: Times | None = None,
                 hints: tuple[Hint, ...] = (), findings: tuple[Finding, ...] = (),
                 verification: Verification | None = None) -> None:
        self.command = command  # "decode" | "verify"
        self.token = token  # already masked (mask_token)
        self.fail_on = fail_on
        self.header = header
        self.payload = payload
        self.times = times
        self.hints = hints
        self.findings = findings
        self.verification = verification

    @property
    def exit_code(self) -> ExitCode:
        failing = any(f.severity.at_least(self.fail_on) for f in self.findings)
        return ExitCode.FINDINGS if failing else ExitCode.OK

    def summary(self) -> dict[str, int]:
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMAS[self.command],
            "command": f"jwt {self.command}",
            "token": self.token,
            "header": self.header,
            "payload": self.payload,
            "times": self.times.to_dict() if self.times else None,
            "hints": [h.to_dict() for h in self.hints],
            "verification": self.verification.to_dict() if self.verification else None,
            "findings": [f.to_dict() for f in sort_findings(self.findings)],
            "summary": self.summary(),
            "fail_on": self.fail_on.value,
            "exit_code": int(self.exit_code),
        }


def redact_document(value: Any, fn: Callable[[str], str]) -> Any:
    """Apply `fn` to every string (keys included) of a JSON-like structure."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {fn(k) if isinstance(k, str) else k: redact_document(v, fn) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_document(v, fn) for v in value]
    return value


def render_json(document: dict[str, Any]) -> str:
    # ensure_ascii: a lone surrogate from a hostile payload can never break the output encoding.
    return json.dumps(document, indent=2, ensure_ascii=True)


# --------------------------------------------------------------------------- text
#
# The layout (columns, wrapping, indentation) is computed here with textwrap; rich only styles
# the finished lines on a colour terminal. Without colour the very same lines are written as they
# are, so plain and coloured output carry identical text, and the start-up path of
# `jwt decode | less` needs no rich table machinery at all.

Segment = tuple[str, str]  # (text, rich style or "")
Line = list[Segment]

# C0/C1 controls, newline and tab included (a claim holding a newline could otherwise print a
# forged line such as "0 errors · exit 0"), DEL, lone surrogates and the Unicode line and
# paragraph separators: shown as escapes, never emitted. No text of this report spans lines.
# Bidirectional controls too: they reorder what a terminal shows (see render._common).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
                     "\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LABELS = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO",
          Severity.OK: "OK", Severity.SKIPPED: "SKIPPED"}
STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "cyan",
          Severity.OK: "green", Severity.SKIPPED: "dim"}
LABEL_WIDTH = 9
SUBLABEL_WIDTH = 6
MAX_NAME_WIDTH = 24
MIN_WIDTH = 60


def safe(text: str) -> str:
    """`text` with every control character and lone surrogate shown as an escape."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100
                       else f"\\u{ord(m.group(0)):04x}", text)


def _beyond_calendar(value: Any) -> str:
    from authdoctor.jwt.claims import shown_number

    if not isinstance(value, int | float):
        return str(value)
    shown = shown_number(value)
    if "beyond any calendar" in shown:
        return shown
    return f"{shown} ({'before year 1' if value < 0 else 'after year 9999'})"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > MAX_SHOWN_VALUE:
        text = f"{text[:MAX_SHOWN_VALUE]}… ({len(text)} characters)"
    return safe(text)


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, max(width, 8), break_long_words=True,
                                   break_on_hyphens=False) or [""])
    return lines


def _table(rows: list[tuple[str, str, str]], width: int, indent: int = 2) -> list[Line]:
    """Name, value and (optional) note columns; names bold, notes dim; cells wrap in place."""
    if not rows:
        return []
    name_width = min(max(len(row[0]) for row in rows), MAX_NAME_WIDTH)
    room = width - indent - name_width - 2
    if any(row[2] for row in rows):
        value_width = max(min(max(len(row[1]) for row in rows), room // 2), 12)
        note_width = room - value_width - 2
    else:
        value_width, note_width = room, 0
    lines: list[Line] = []
    for name, value, note in rows:
        names, values = _wrap(name, name_width), _wrap(value, value_width)
        notes = _wrap(note, note_width) if note else []
        for index in range(max(len(names), len(values), len(notes))):
            line: Line = [(" " * indent, ""),
                          ((names[index] if index < len(names) else "").ljust(name_width), "bold"),
                          ("  " + (values[index] if index < len(values) else "").ljust(value_width), "")]
            if index < len(notes):
                line.append(("  " + notes[index], "dim"))
            lines.append(line)
    return lines


def _heading(title: str, note: str = "") -> Line:
    return [(title, "bold underline"), *([("  " + note, "dim")] if note else [])]


def _labelled(label: str, text: str, width: int, style: str = "") -> list[Line]:
    lines: list[Line] = []
    for index, chunk in enumerate(_wrap(text, width - LABEL_WIDTH - SUBLABEL_WIDTH)):
        lines.append([(" " * LABEL_WIDTH, ""), ((label if index == 0 else "").ljust(SUBLABEL_WIDTH), "dim"),
                      (chunk, style)])
    return lines


def _finding_lines(finding: dict[str, Any], width: int) -> list[Line]:
    severity = Severity(finding["severity"])
    code = finding["code"]
    head = _wrap(f"{code}  {safe(finding['title'])}", width - LABEL_WIDTH)
    lines: list[Line] = [[(LABELS[severity].ljust(LABEL_WIDTH), STYLES[severity]), (code, "bold"),
                          (head[0][len(code):], "")]]
    lines += [[(" " * LABEL_WIDTH, ""), (chunk, "")] for chunk in head[1:]]
    seen = [safe(finding["detail"])] if finding["detail"] else []
    seen += [f"{safe(k)}: {safe(v)}" for k, v in finding["evidence"].items()]
    for index, text in enumerate(seen):
        lines += _labelled("seen:" if index == 0 else "", text, width)
    if finding["fix"]:
        lines += _labelled("fix:", safe(finding["fix"]), width, "bold")
    return lines


def _verification_lines(verification: dict[str, Any], width: int) -> list[Line]:
    if verification["verified"]:
        head = _heading("Signature")
        head.append((f"  valid: {verification['algorithm']} with {safe(verification['key'] or '')}",
                     "bold green"))
    else:
        head = _heading("Signature")
        head.append((f"  NOT verified ({safe(verification['algorithm'] or 'no alg')})", "bold red"))
    rows = [("key source", safe(verification["key_source"]), ""),
            ("allowed", ", ".join(verification["allowed_algorithms"]) or "(none)", "")]
    if verification["expected_issuer"] is not None:
        rows.append(("issuer", safe(verification["expected_issuer"]), ""))
    if verification["expected_audience"] is not None:
        rows.append(("audience", safe(verification["expected_audience"]), ""))
    for index, attempt in enumerate(verification["keys_tried"]):
        text = f"{safe(attempt['key'])}: {attempt['result']}"
        if attempt["reason"]:
            text += f" ({safe(attempt['reason'])})"
        rows.append(("keys tried" if index == 0 else "", text, ""))
    if not verification["keys_tried"]:
        rows.append(("keys tried", "none", ""))
    if verification["note"]:
        rows.append(("note", safe(verification["note"]), ""))
    return [head, *_table(rows, width)]


def _summary_line(document: dict[str, Any]) -> str:
    counts = document["summary"]
    nouns = {Severity.ERROR: ("error", "errors"), Severity.WARNING: ("warning", "warnings"),
             Severity.INFO: ("info", "info")}
    parts = [f"{counts.get(s.value, 0)} {nouns[s][counts.get(s.value, 0) != 1]}" for s in PROBLEMS
             if counts.get(s.value, 0)]
    problems = ", ".join(parts) or "no problems found"
    return f"{problems} · exit {document['exit_code']} (fail-on {document['fail_on']})"


def text_lines(document: dict[str, Any], width: int) -> list[Line]:
    """The report as styled lines of at most `width` columns."""
    width = max(width, MIN_WIDTH)
    title = f"authdoctor {document['command']}"
    lines: list[Line] = [[(title, "bold"), ("  " + safe(document["token"]), "")]]
    hints: dict[tuple[str, str], list[str]] = {}
    for hint in document["hints"]:
        hints.setdefault((hint["part"], hint["claim"]), []).append(safe(hint["text"]))
    for part, title in (("header", "Header"), ("payload", "Payload")):
        values = document[part]
        if values is None:
            continue
        claims = [*values, *(c for (p, c) in hints if p == part and c not in values)]
        rows = [(safe(str(claim)), _shown(values[claim]) if claim in values else "(absent)",
                 "; ".join(hints.get((part, claim), []))) for claim in claims]
        lines += [[], _heading(title), *(_table(rows, width) or [[("  (empty object)", "dim")]])]
    times = document["times"]
    if times is not None:
        rows = []
        for claim in ("iat", "nbf", "exp"):
            fact = times[claim]
            if fact is not None:
                rows.append((claim, fact["utc"] or _beyond_calendar(fact["value"]), fact["relative"]))
        if times["exp"] is None:
            rows.append(("exp", "(absent)", "never expires"))
        if times["lifetime"] is not None:
            rows.append(("lifetime", times["lifetime"], f"{times['lifetime_from']} to exp"))
        lines += [[], _heading("Times", f"now {times['now']} · leeway {times['leeway_s']} s"),
                  *_table(rows, width)]
    verification = document["verification"]
    if verification is not None:
        lines += [[], *_verification_lines(verification, width)]
    elif document["header"] is not None:
        lines += [[], _heading("Signature", "not verified: `jwt decode` only reads the token; "
                               "`authdoctor jwt verify` checks it")]
    lines.append([])
    if not document["findings"]:
        lines.append([("No findings.", "green")])
    for finding in document["findings"]:
        lines += _finding_lines(finding, width)
    lines += [[], [(_summary_line(document), "bold")]]
    return lines


def _trimmed(line: Line) -> Line:
    """The line without trailing blanks (padding of the last column)."""
    segments = list(line)
    while segments and not segments[-1][0].strip():
        segments.pop()
    if segments:
        text, style = segments[-1]
        segments[-1] = (text.rstrip(), style)
    return segments


def render_text(document: dict[str, Any], *, color: bool, width: int) -> str:
    lines = [_trimmed(line) for line in text_lines(document, width)]
    if not color:
        return "\n".join("".join(text for text, _ in line) for line in lines)
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=max(width, MIN_WIDTH), color_system="standard", force_terminal=True,
                      highlight=False, emoji=False, markup=False, legacy_windows=False)
    for line in lines:
        text = Text()
        for chunk, style in line:
            text.append(chunk, style=style or None)
        console.print(text, soft_wrap=True)
    return buffer.getvalue().rstrip("\n")
