"""Progress on stderr: only on a terminal, and without colour under NO_COLOR or --no-color (the
same rule as the report; a review found the spinner still green with --no-color)."""

from __future__ import annotations

import io
import re
import time

import pytest

from authdoctor.output import GlobalState
from authdoctor.progress import Progress

COLOUR = re.compile(r"\x1b\[(?:\d+;)*3[0-7]m")  # an SGR foreground colour


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _spin(monkeypatch: pytest.MonkeyPatch, *, no_color_flag: bool) -> str:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setattr(GlobalState, "no_color", no_color_flag)
    stream = FakeTerminal()
    with Progress.for_stream(stream) as progress:
        progress.update("ldap", "start")
        time.sleep(0.3)
        progress.update("ldap", "done")
    return stream.getvalue()


def test_the_spinner_is_coloured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert COLOUR.search(_spin(monkeypatch, no_color_flag=False))


def test_no_color_takes_the_colour_out_of_the_spinner(monkeypatch: pytest.MonkeyPatch) -> None:
    output = _spin(monkeypatch, no_color_flag=True)
    assert "checking" in output and not COLOUR.search(output)


def test_no_progress_off_a_terminal() -> None:
    stream = io.StringIO()
    with Progress.for_stream(stream) as progress:
        progress.update("ldap", "start")
    assert stream.getvalue() == ""
