"""Terminal and output plumbing shared by the commands and the CLI: colour and TTY decisions,
the terminal width, the global options, and writing a command's output.

It sits below both `authdoctor.commands` and `authdoctor.cli` (the CLI is the top floor: nothing
imports it). Writing is where an unwritable stdout shows up, so this module names those cases
instead of letting them look like bugs:

- `OutputClosed`: the reader went away (a broken pipe, `authdoctor ... | head -1`). The CLI ends
  quietly with 141, what a shell reports for any tool stopped by SIGPIPE.
- `UsageError` (exit 2, one line): stdout is closed (`>&-`), full (`> /dev/full`) or otherwise
  fails, or `--output FILE` cannot be written or names one of the run's input files.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from authdoctor.errors import UsageError

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away


class OutputClosed(Exception):
    """stdout's reader went away (EPIPE). Not an error of the run: the CLI exits quietly."""


class StdoutUnwritable(UsageError):
    """stdout is closed or cannot take the report (a full disk, /dev/full): exit 2 with one line,
    and the CLI then silences stdout so the interpreter's flush at exit cannot fail again (which
    Python would report with exit code 120)."""


def color_enabled(stream: TextIO | None, no_color_flag: bool) -> bool:
    """Colour only on a terminal, never with NO_COLOR (any value) or --no-color."""
    if no_color_flag or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_tty(stream)


def is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def terminal_width(default: int = 100) -> int:
    try:
        return max(60, min(os.get_terminal_size(sys.stdout.fileno()).columns, 140))
    except (OSError, ValueError, AttributeError):
        return default


def check_output_path(output: str | None, inputs: Iterable[str]) -> None:
    """`--output FILE` must be a usable path and never one of the run's input files (writing the
    report there would destroy the settings it was made from). `-` and None mean stdout."""
    if output is None or output == "-":
        return
    if not output.strip():
        raise UsageError("--output '': give a file name, or - for stdout")
    target = Path(output)
    for name in inputs:
        if not name or name == "-":
            continue
        try:
            same = target.exists() and os.path.samefile(target, name)
        except (OSError, ValueError):
            same = False
        if same:
            raise UsageError(f"--output {output} is one of the input files ({name}); refusing to "
                             "overwrite it: choose another file for the report")


def write_output(text: str, output: str | None) -> None:
    """Write to --output FILE (created or replaced) or stdout.

    Raises `OutputClosed` when stdout's reader went away, `UsageError` when stdout or the file
    cannot be written. Text that cannot be encoded as UTF-8 (lone surrogates from non-UTF-8 file
    names or environment bytes) is written with those characters escaped, never as a crash."""
    if not text.endswith("\n"):
        text += "\n"
    data = text.encode("utf-8", errors="backslashreplace")
    if output and output != "-":
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise UsageError(f"cannot write --output {output}: {exc.strerror or exc}") from None
        return
    stream = sys.stdout
    if stream is None:
        raise StdoutUnwritable("stdout is closed: nothing can be written (use --output FILE, or do not close "
                         "stdout with >&-)")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            stream.flush()
            _write_all(buffer, data)
            buffer.flush()
        else:  # a text-only stream (a test's capture): it takes str
            stream.write(data.decode("utf-8"))
            stream.flush()
    except BrokenPipeError:
        raise OutputClosed from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise StdoutUnwritable(f"cannot write to stdout: {reason}") from None


def _write_all(buffer: Any, data: bytes) -> None:
    """Every byte of `data`. Under PYTHONUNBUFFERED (or -u) stdout's binary layer is the raw file,
    whose write may take only part (64 KiB into a pipe whose reader just left) and say so by its
    count, not by an error: keep writing, so the next write meets the broken pipe."""
    view = memoryview(data)
    while view:
        written = buffer.write(view)
        if written is None:  # a non-blocking stream that would block: wait for it
            import select

            select.select([], [buffer], [])
            continue
        view = view[written:]


def one_line(text: str) -> str:
    """`text` on one line: control characters (newline and tab included) shown as escapes, so an
    error that quotes a file name or a value can neither span lines nor move the cursor."""
    from authdoctor.render._common import safe_text

    return safe_text(text).replace("\n", "\\x0a").replace("\t", "\\x09")


def silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so the interpreter's own flush at exit
    cannot fail a second time (the Python documentation's recipe for SIGPIPE)."""
    stream = sys.stdout
    if stream is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


class GlobalState:
    """Global options (`--no-color`, `--debug`), accepted before or after the subcommand."""

    debug: bool = False
    no_color: bool = False
