"""The one assertion every corpus case must pass, as a list of reasons (empty = pass).

What a user, CI and a security reviewer may rely on for any input, however bad:
- the exit code is 0, 1 or 2 (3 means authdoctor failed: a bug or the deadline; a signal or a
  kill at the time limit is worse); when stdout's reader went away (`| head`), exactly 141 with
  nothing on stderr, as a tool stopped by SIGPIPE (README, Exit codes);
- exit 2 prints exactly one line on stderr, `authdoctor: error: ...`;
- no Python traceback anywhere (stdout, stderr, --output files);
- no secret marker of the case in any output, whole, URL-encoded or as any 6-character fragment;
- a machine-readable report (json, sarif, junit) that was emitted parses;
- every input file is byte-identical afterwards (authdoctor is read-only);
- the run ends within WALL_LIMIT_S and its peak RSS stays under MEMORY_LIMIT_MB.

The bounds are deliberately generous, so a loaded 2-core CI machine does not make them flaky:
the slowest sane case waits about 1 s for a misbehaving JWKS server (`--timeout 1`), and a fresh
authdoctor process peaks at about 60-120 MB (the 1 MiB stdin token at about 180 MB). A case over
the bound is a hang or a memory bomb, which is what the bound is for. The peak RSS is the
kernel's `ru_maxrss` of the case's own process: a forked case shares the warm parent's pages and
counts only what it touched itself; every case also runs under a 2 GiB RLIMIT_AS, so a bomb ends
in MemoryError (exit 3) before it can hurt the machine.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from xml.etree import ElementTree

from corpus.model import Case

WALL_LIMIT_S = 10.0
MEMORY_LIMIT_MB = 300
FRAGMENT = 6


@dataclass
class Outcome:
    """What one run of a case produced."""

    exit: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    wall_s: float = 0.0
    maxrss_mb: float = 0.0
    outputs: dict[str, bytes] = field(default_factory=dict)  # --output path -> bytes written
    changed_inputs: list[str] = field(default_factory=list)


def _fragments(marker: str) -> set[str]:
    if len(marker) <= FRAGMENT:
        return {marker}
    return {marker[i : i + FRAGMENT] for i in range(len(marker) - FRAGMENT + 1)}


def leaked(marker: str, text: str) -> str | None:
    """The form of `marker` found in `text` (whole, URL-encoded or a fragment), or None."""
    if marker in text:
        return "whole"
    encoded = urllib.parse.quote(marker, safe="")
    if encoded != marker and encoded in text:
        return "URL-encoded"
    for piece in sorted(_fragments(marker)):
        if piece in text:
            return f"fragment {piece!r}"
    return None


def _one_line(data: bytes, limit: int = 140) -> str:
    text = data.decode("utf-8", "backslashreplace").strip()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[:limit] + "…"


def _internal_line(stdout: bytes) -> str:
    """For exit 3 without a stderr message: the report's line about the crash or the deadline."""
    for line in stdout.decode("utf-8", "backslashreplace").splitlines():
        if "internal." in line or "crashed" in line or "deadline" in line:
            return _one_line(line.encode())
    return "(nothing on stderr)"


def _parse_problem(fmt: str, data: bytes) -> str | None:
    try:
        if fmt == "junit":
            ElementTree.fromstring(data)
        else:
            json.loads(data)
    except (ValueError, ElementTree.ParseError) as exc:
        return f"the {fmt} report does not parse: {_one_line(str(exc).encode())}"
    return None


def problems(case: Case, outcome: Outcome) -> list[str]:
    """Every way `outcome` breaks the corpus rules, one short line each."""
    found: list[str] = []
    if outcome.timed_out:
        found.append(f"still running after {outcome.wall_s:.0f} s (killed)")
    elif outcome.wall_s > WALL_LIMIT_S:
        found.append(f"took {outcome.wall_s:.1f} s (bound {WALL_LIMIT_S:.0f} s)")
    if outcome.maxrss_mb > MEMORY_LIMIT_MB:
        found.append(f"peak RSS {outcome.maxrss_mb:.0f} MB (bound {MEMORY_LIMIT_MB} MB)")
    if case.stdout == "broken-pipe" and not outcome.timed_out:
        # The reader went away: stop quietly like other Unix tools (128 + SIGPIPE), or finish
        # normally when everything was written before the reader left.
        if outcome.exit not in (0, 1, 141) or outcome.stderr.strip():
            found.append(f"a reader that went away ends in exit {outcome.exit}, not a quiet 141: "
                         f"{_one_line(outcome.stderr)}")
    elif not outcome.timed_out and outcome.exit not in (0, 1, 2):
        what = f"killed by signal {-outcome.exit}" if outcome.exit < 0 else f"exit {outcome.exit}"
        found.append(f"{what}: {_one_line(outcome.stderr) or _internal_line(outcome.stdout)}")
    if outcome.exit == 2:
        lines = outcome.stderr.decode("utf-8", "backslashreplace").splitlines()
        if len(lines) != 1 or not lines[0].startswith("authdoctor: error: "):
            found.append(
                f"exit 2 with {len(lines)} stderr lines, not one 'authdoctor: error:' line: "
                f"{_one_line(outcome.stderr)}"
            )
    streams = {
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        **{f"--output {path}": data for path, data in outcome.outputs.items()},
    }
    texts = {name: data.decode("utf-8", "replace") for name, data in streams.items()}
    for name, value in texts.items():
        if "Traceback (most recent call last)" in value:
            found.append(f"a Python traceback on {name}")
    for marker in case.secrets:
        for name, value in texts.items():
            form = leaked(marker, value)
            if form:
                found.append(f"secret {marker[:4]}… in {name} ({form})")
                break
    fmt = case.machine_format
    if fmt and outcome.exit in (0, 1) and not outcome.timed_out:
        reports = list(outcome.outputs.values()) or ([outcome.stdout] if case.stdout == "pipe" else [])
        for data in reports:
            problem = _parse_problem(fmt, data)
            if problem:
                found.append(problem)
    found.extend(f"input {path} was changed" for path in outcome.changed_inputs)
    return found
