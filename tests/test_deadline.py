"""`--timeout` is a deadline for the whole run (issue 7 §3; adversarial report W2, H5).

What is proved here:
- every registered check area, settings half and live half alike, is left at the deadline even
  when it blocks the thread it runs on (a runaway loop, a synchronous client), and the report of
  the other areas is still rendered (`test_every_area_is_cut_at_the_deadline`, which iterates over
  the registry, so live halves are covered as they land);
- loading the settings and rendering the report are under the same deadline (exit 3, one line);
- the reproduction of W2 (a 4 MiB secret, `--timeout 0.5`) ends near the deadline.
The bounds are generous (a shared, loaded machine) but far below what the unbounded runs took.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jwt_factory import run_cli

from authdoctor.checks.base import CheckContext, CheckSpec
from authdoctor.checks.registry import all_checks
from authdoctor.deadline import Deadline, call_before, check_seconds
from authdoctor.errors import DeadlineExceeded, UsageError
from authdoctor.exitcodes import ExitCode, exit_code_for
from authdoctor.findings import CheckStatus, Finding
from authdoctor.runner import RunOptions, run_checks
from authdoctor.settings.model import Deployment, EnvSource

Capsys = pytest.CaptureFixture[str]
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DEPLOYMENT = Deployment(replicas=(EnvSource(label="test.env"),), sources=("test.env",))
HANG_S = 30.0


def blocking_settings(ctx: CheckContext) -> Iterable[Finding]:
    time.sleep(HANG_S)  # holds its thread like a runaway loop would
    return []


async def blocking_live(ctx: CheckContext) -> Iterable[Finding]:
    time.sleep(HANG_S)  # a synchronous call inside a coroutine: the event loop cannot preempt it
    return []


async def awaiting_live(ctx: CheckContext) -> Iterable[Finding]:
    await asyncio.sleep(HANG_S)
    return []


def _variants() -> list[tuple[str, str]]:
    cases = []
    for area, spec in all_checks().items():
        if spec.settings is not None:
            cases.append((area, "settings"))
        if spec.live is not None:
            cases.extend([(area, "live-blocking"), (area, "live-awaiting")])
    return cases


@pytest.mark.parametrize(("area", "half"), _variants())
def test_every_area_is_cut_at_the_deadline(area: str, half: str) -> None:
    checks = dict(all_checks())
    spec = checks[area]
    if half == "settings":
        checks[area] = replace(spec, settings=blocking_settings)
    else:
        checks[area] = replace(spec, live=blocking_live if half == "live-blocking" else awaiting_live)
    started = time.monotonic()
    report = run_checks(DEPLOYMENT, RunOptions(now=NOW, timeout_s=0.5, offline=False), checks=checks)
    assert time.monotonic() - started < 5
    by_area = {o.area: o for o in report.checks}
    assert by_area[area].status is CheckStatus.TIMED_OUT
    codes = [f.code for f in by_area[area].findings]
    # the deadline finding, after what a settings half that finished found (it stands)
    assert codes[-1] == "internal.deadline-exceeded"
    assert half != "settings" or codes == ["internal.deadline-exceeded"]
    assert not any(code.startswith("internal.") for code in codes[:-1])
    assert all(o.status is not CheckStatus.TIMED_OUT for name, o in by_area.items() if name != area)
    assert exit_code_for(report) == ExitCode.INTERNAL


def test_the_registry_has_areas_to_prove_it_on() -> None:
    assert len(_variants()) >= len(all_checks())


def test_a_blocking_live_half_is_cut_too() -> None:
    """Until the real live halves land: a synthetic one that blocks its event loop."""
    checks = {"secret": CheckSpec("secret", "Secret", settings=None, live=blocking_live),
              "cookie": CheckSpec("cookie", "Cookies", settings=lambda ctx: [])}
    started = time.monotonic()
    report = run_checks(DEPLOYMENT, RunOptions(now=NOW, timeout_s=0.3), checks=checks)
    assert time.monotonic() - started < 5
    assert {o.area: o.status for o in report.checks} == {"secret": CheckStatus.TIMED_OUT,
                                                         "cookie": CheckStatus.COMPLETED}


def test_the_runner_honours_an_absolute_deadline() -> None:
    checks = {"secret": CheckSpec("secret", "Secret", settings=blocking_settings)}
    started = time.monotonic()
    report = run_checks(DEPLOYMENT, RunOptions(now=NOW, timeout_s=60, deadline=time.monotonic() + 0.3),
                        checks=checks)
    assert time.monotonic() - started < 5
    assert report.checks[0].status is CheckStatus.TIMED_OUT


def test_call_before_returns_raises_and_abandons() -> None:
    assert call_before(Deadline(5), lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        call_before(Deadline(5), lambda: 1 // 0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"--timeout 0.2s reached"):
        call_before(Deadline(0.2), lambda: time.sleep(HANG_S))
    assert time.monotonic() - started < 3


def test_an_earlier_deadline_keeps_the_budget_it_is_named_by_and_never_lies_in_the_past() -> None:
    outer = Deadline(10)
    inner = outer.earlier(1.0)
    assert inner.seconds == 10 and inner.at == pytest.approx(outer.at - 1.0)
    spent = Deadline(0.5).earlier(5.0)
    assert spent.seconds == 0.5 and spent.expired() and spent.at <= time.monotonic()
    assert spent.at > outer.at - 10  # clamped to the moment it was made, not 4.5 s ago
    with pytest.raises(DeadlineExceeded, match=r"--timeout 0.5s reached"):
        call_before(spent, lambda: time.sleep(HANG_S))


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e300, 0.0, -1.0])
def test_seconds_out_of_range_are_usage_errors(value: float) -> None:
    with pytest.raises(UsageError, match="give a number of seconds"):
        check_seconds("--timeout", value, minimum=0.1)


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "openwebui.env"
    path.write_text("WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY=0123456789abcdef0123456789abcdef\n")
    return path


def test_slow_loading_is_under_the_deadline(capsys: Capsys, monkeypatch: pytest.MonkeyPatch,
                                            env_file: Path) -> None:
    from authdoctor import settings

    def slow_load(inputs: object) -> Deployment:
        time.sleep(HANG_S)
        raise AssertionError("never reached")

    monkeypatch.setattr(settings, "load_deployment", slow_load)
    started = time.monotonic()
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--timeout", "0.5")
    assert time.monotonic() - started < 5
    assert (code, out) == (3, "")
    assert err.startswith("authdoctor: error: --timeout 0.5s reached while reading the settings;")
    assert err.count("\n") == 1


def test_slow_rendering_is_under_the_deadline(capsys: Capsys, monkeypatch: pytest.MonkeyPatch,
                                              env_file: Path) -> None:
    from authdoctor.commands import common

    def slow_render(*args: object, **kwargs: object) -> str:
        time.sleep(HANG_S)
        return ""

    monkeypatch.setattr(common, "render_report", slow_render)
    started = time.monotonic()
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--timeout", "0.5")
    assert time.monotonic() - started < 5
    assert (code, out) == (3, "")
    assert "--timeout 0.5s reached while rendering the report" in err


def test_a_hanging_settings_half_still_gives_a_report(capsys: Capsys, monkeypatch: pytest.MonkeyPatch,
                                                      env_file: Path) -> None:
    from authdoctor.checks import registry

    real = registry.all_checks()
    patched = {**real, "cookie": replace(real["cookie"], settings=blocking_settings)}
    monkeypatch.setattr(registry, "all_checks", lambda: patched)
    started = time.monotonic()
    code, out, _ = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--timeout", "1",
                           "--now", "2026-11-26T12:00:00Z")
    assert time.monotonic() - started < 5
    assert code == 3
    assert "internal.deadline-exceeded" in out and "did not finish within --timeout 1s" in out


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "0"])
def test_timeout_values_that_are_not_a_deadline(capsys: Capsys, env_file: Path, value: str) -> None:
    for option in ("--timeout", "--probe-timeout"):
        code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", option, value)
        assert (code, out) == (2, ""), err
        assert "Traceback" not in err and err.count("\n") == 1


def test_w2_reproduction_a_huge_secret_ends_at_the_deadline(tmp_path: Path) -> None:
    """Adversarial report W2: 4 MiB WEBUI_SECRET_KEY, `--timeout 0.5`; it took 10.3 s."""
    path = tmp_path / "big.env"
    path.write_text("WEBUI_URL=https://x.org\nWEBUI_SECRET_KEY=" + "S" * (4 * 1024 * 1024) + "\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "authdoctor", "check", "--env-file", str(path),
                             "--offline", "--timeout", "0.5"], capture_output=True, text=True,
                            check=False, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.monotonic() - started
    assert elapsed < 6, elapsed  # start-up + 0.5 s; unbounded it took 10 s and more
    assert result.returncode in (0, 1, 3)
    if result.returncode == 3:  # the deadline hit a phase (one line) or a check (a finding)
        assert (result.stderr.startswith("authdoctor: error: --timeout 0.5s reached")
                or "internal.deadline-exceeded" in result.stdout), result.stderr
    assert "Traceback" not in result.stderr
