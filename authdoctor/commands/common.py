"""Helpers shared by command implementations: option parsing and emitting a report."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import BinaryIO

from authdoctor.errors import UsageError
from authdoctor.findings import FAIL_ON_CHOICES, Report, Severity
from authdoctor.render import OutputFormat

#: The most a token argument read from stdin (`-`) may hold.
MAX_STDIN_BYTES = 1024 * 1024


def parse_fail_on(value: str) -> Severity:
    for severity in FAIL_ON_CHOICES:
        if value.strip().lower() == severity.value:
            return severity
    raise UsageError(f"--fail-on {value!r}: choose error, warning or info")


def parse_format(value: str) -> OutputFormat:
    try:
        return OutputFormat(value.strip().lower())
    except ValueError:
        choices = ", ".join(f.value for f in OutputFormat)
        raise UsageError(f"--format {value!r}: choose one of {choices}") from None


def parse_public_url(value: str | None, *, option: str = "--public-url") -> str | None:
    """`--public-url`: an absolute http(s) URL with a host, or a `UsageError` that says what is
    wrong with it (the value is shown with any password masked)."""
    if value is None:
        return None
    from authdoctor.checks._urls import URLProblem, parse_absolute
    from authdoctor.masking import mask_url

    problem = ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problem = "it holds bytes that are not UTF-8 text"
    if not problem and not value.strip():
        problem = "it is empty"
    elif not problem and any(char.isspace() or not char.isprintable() for char in value.strip()):
        problem = "it contains spaces or control characters"
    if not problem:
        try:
            parsed = parse_absolute(value)
        except URLProblem as exc:
            problem = str(exc)
        else:
            if parsed.scheme not in ("http", "https"):
                problem = f"its scheme is {parsed.scheme!r}; the URL users open starts with https:// or http://"
    if problem:
        shown = mask_url(value) if not problem.startswith("it holds bytes") else "<not UTF-8>"
        raise UsageError(f"{option} {shown!r} is not usable: {problem} "
                         "(give the address users open, e.g. https://chat.example.org)")
    return value.strip()


def check_ignore_codes(codes: Iterable[str]) -> list[str]:
    """--ignore CODE must name a known code: a typo would silently ignore nothing."""
    from authdoctor.catalog import CATALOG, closest

    result = []
    for code in codes:
        if code not in CATALOG:
            near = closest(code)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise UsageError(f"--ignore {code!r} is not a known finding code{hint}")
        result.append(code)
    return result


def emit_report(report: Report, fmt: OutputFormat, output: str | None, secrets: Iterable[str],
                verbose: bool = False) -> None:
    """Render (see `render_report`) and write to --output FILE or stdout."""
    from authdoctor.output import write_output

    write_output(render_report(report, fmt, output, secrets, verbose=verbose), output)


def render_report(report: Report, fmt: OutputFormat, output: str | None, secrets: Iterable[str],
                  verbose: bool = False) -> str:
    """Mask and render. Checks already show secrets masked (`EnvVar.shown`); as a safety
    net the `Redactor` then masks any known secret left in a string field of the report, before
    rendering. Nothing runs over the rendered text: a secret equal to a JSON key, an XML keyword
    or a word of the report would corrupt the output and be revealed by the mask's position."""
    from authdoctor.masking import Redactor
    from authdoctor.output import GlobalState, color_enabled, terminal_width
    from authdoctor.render import RenderOptions, render

    redactor = Redactor(secrets)
    safe = report.map_text(redactor)
    to_terminal = output in (None, "-")
    color = fmt is OutputFormat.TEXT and to_terminal and color_enabled(sys.stdout, GlobalState.no_color)
    width = terminal_width() if to_terminal else 100
    return render(safe, fmt, RenderOptions(color=color, width=width, verbose=verbose))


def read_token_argument(value: str, stdin: BinaryIO | None = None) -> str:
    """The TOKEN argument, or stdin for `-`. Bytes that are not text are a usage error."""
    if value.strip() != "-":
        return value
    stream = stdin if stdin is not None else sys.stdin.buffer
    data = stream.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise UsageError("stdin holds more than 1 MiB: give one token, not a file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"stdin is not text (byte 0x{data[exc.start]:02x} at offset {exc.start}): "
                         "give the token itself") from None
