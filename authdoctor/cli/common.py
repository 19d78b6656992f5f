"""Shared CLI plumbing: colour and TTY decisions, writing output, the secret redactor."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from authdoctor.errors import UsageError


def color_enabled(stream: TextIO, no_color_flag: bool) -> bool:
    """Colour only on a terminal, never with NO_COLOR (any value) or --no-color."""
    if no_color_flag or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_width(default: int = 100) -> int:
    try:
        return max(60, min(os.get_terminal_size(sys.stdout.fileno()).columns, 140))
    except (OSError, ValueError, AttributeError):
        return default


def write_output(text: str, output: str | None) -> None:
    """Write to --output FILE (created or replaced) or stdout."""
    if not text.endswith("\n"):
        text += "\n"
    if output and output != "-":
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --output {output}: {exc.strerror or exc}") from None
        return
    sys.stdout.write(text)
    sys.stdout.flush()


class GlobalState:
    """Options given before the subcommand (`authdoctor --no-color --debug check ...`)."""

    debug: bool = False
    no_color: bool = False
