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


def test_a_slow_step_shows_how_far_it_has_got(monkeypatch: pytest.MonkeyPatch) -> None:
    """A live half's note (the Redis scan's key count) stands beside its area until it is done."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = FakeTerminal()
    with Progress.for_stream(stream) as progress:
        progress.update("redis", "start")
        progress.update("ldap", "start")
        progress.update("redis", "120,000 keys scanned")
        assert progress.line() == "redis (120,000 keys scanned), ldap"
        time.sleep(0.3)
        progress.update("redis", "done")
        assert progress.line() == "ldap"
    assert "120,000 keys scanned" in stream.getvalue()


def test_the_redis_scan_reports_its_count_to_the_progress_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The redis area hands its scan's count to the run's progress callback (a terminal shows it)."""
    import asyncio
    from datetime import UTC, datetime

    from authdoctor.checks import redis as redis_check
    from authdoctor.checks.base import CheckContext
    from authdoctor.probes import redis as probe
    from authdoctor.settings.model import Deployment, EnvSource, EnvVar

    seen: list[tuple[str, str]] = []

    def fake_inspect(*args: object, on_progress: object = None, **kwargs: object) -> object:
        assert callable(on_progress)
        on_progress(50_000)
        raise RuntimeError("stop here: only the callback is under test")

    monkeypatch.setattr(probe, "inspect_redis", fake_inspect)
    env = EnvSource(label="t", vars={"REDIS_URL": EnvVar("REDIS_URL", "redis://127.0.0.1:9/0")})
    ctx = CheckContext(deployment=Deployment(replicas=(env,)), now=datetime(2026, 11, 28, tzinfo=UTC),
                       on_progress=lambda area, text: seen.append((area, text)))
    with pytest.raises(RuntimeError, match="stop here"):
        asyncio.run(redis_check.check_live(ctx))
    assert seen == [("redis", "50,000 keys scanned")]
