"""The lab plugin's guarantees: a missing binary skips locally and fails when the lab is
required, a skipped `realserver` test fails a required session, every PID is gone after the
session, and leftovers of a killed session are cleaned up by the next one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .fixtures import LabSession, _clean_stale_sessions, lab_required, need
from .paths import LAB_RUN, PACKAGE_ROOT
from .process import launch, pid_alive
from .redis_servers import missing_binaries as redis_missing


@pytest.mark.parametrize(("env", "required"), [
    ({}, False),
    ({"AUTHDOCTOR_REQUIRE_LAB": "1"}, True),
    ({"AUTHDOCTOR_REQUIRE_LAB": "0", "CI": "true"}, False),
    ({"CI": "true"}, True),
    ({"CI": "false"}, False),
    ({"AUTHDOCTOR_REQUIRE_LAB": "yes"}, True),
])
def test_when_the_lab_is_required(env: dict[str, str], required: bool) -> None:
    assert lab_required(env) is required


def test_need_skips_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    need([], "nothing missing")  # no-op
    monkeypatch.setenv("AUTHDOCTOR_REQUIRE_LAB", "0")
    with pytest.raises(pytest.skip.Exception, match="missing slapd"):
        need(["slapd"], "OpenLDAP")
    monkeypatch.setenv("AUTHDOCTOR_REQUIRE_LAB", "1")
    with pytest.raises(pytest.fail.Exception, match=r"missing slapd.*scripts/install-lab-deps"):
        need(["slapd"], "OpenLDAP")


@pytest.fixture
def scratch() -> Iterator[Path]:
    path = LAB_RUN / f"scratch-plugin-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_inner_pytest(folder: Path, test_source: str, plugins: tuple[str, ...] = ("lab.fixtures",), /,
                     **env: str) -> subprocess.CompletedProcess[str]:
    (folder / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    realserver: real server\n    browser: real browser\n")
    (folder / "conftest.py").write_text(f"pytest_plugins = {list(plugins)!r}\n")
    (folder / "test_inner.py").write_text(test_source)
    full_env = {k: v for k, v in os.environ.items() if k not in ("AUTHDOCTOR_REQUIRE_LAB", "CI")}
    full_env.update(PYTHONPATH=str(PACKAGE_ROOT), **env)
    # no cache files, and no hypothesis plugin (0.6 s of start-up per run)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
            "-c", str(folder / "pytest.ini"), str(folder)]
    return subprocess.run(argv, cwd=folder, env=full_env, capture_output=True, text=True, timeout=60,
                          check=False)


INNER_TESTS = """
import pytest

@pytest.mark.realserver
def test_needs_a_server():
    pytest.skip("server not available")

def test_uses_redis(lab_redis_standalone):
    assert lab_redis_standalone.url

def test_plain():
    pass
"""


def test_skips_pass_locally_and_fail_a_required_session(scratch: Path) -> None:
    """One inner session, PATH without any lab binary: a skipped `realserver` test and a
    fixture whose binary is missing."""
    no_tools = {"PATH": str(scratch / "empty-bin")}
    relaxed = run_inner_pytest(scratch, INNER_TESTS, AUTHDOCTOR_REQUIRE_LAB="0", **no_tools)
    assert relaxed.returncode == 0, relaxed.stdout
    assert "1 passed, 2 skipped" in relaxed.stdout
    required = run_inner_pytest(scratch, INNER_TESTS, AUTHDOCTOR_REQUIRE_LAB="1", **no_tools)
    assert required.returncode == 1, required.stdout
    assert "ERROR test_inner.py::test_uses_redis - Failed: Redis: missing redis-server" in required.stdout
    assert "real-server tests skipped while the lab is required" in required.stdout
    assert "SKIPPED test_inner.py::test_needs_a_server" in required.stdout
    assert "1 passed, 1 skipped, 1 error" in required.stdout


BROWSER_INNER_TESTS = """
import pytest

@pytest.mark.browser
def test_needs_chromium():
    pytest.skip("no browser")

def test_plain():
    pass
"""


def test_a_skipped_browser_test_fails_a_required_session(scratch: Path) -> None:
    """A `browser` test (tests/lab/browser.py) is a real-server test: skipped is fine locally,
    a failure of the session when the lab is required."""
    relaxed = run_inner_pytest(scratch, BROWSER_INNER_TESTS, AUTHDOCTOR_REQUIRE_LAB="0")
    assert relaxed.returncode == 0, relaxed.stdout
    assert "1 passed, 1 skipped" in relaxed.stdout
    required = run_inner_pytest(scratch, BROWSER_INNER_TESTS, AUTHDOCTOR_REQUIRE_LAB="1")
    assert required.returncode == 1, required.stdout
    assert "SKIPPED test_inner.py::test_needs_chromium" in required.stdout
    assert "1 passed, 1 skipped" in required.stdout


ORDER_INNER_TESTS = """
import asyncio
from pathlib import Path

import pytest

def ran(name):
    with open(Path(__file__).parent / "order.txt", "a") as order:
        order.write(name + "\\n")

@pytest.mark.browser
def test_first_uses_the_browser():
    ran("browser")

def test_second_calls_asyncio_run():
    async def answer():
        return 42
    assert asyncio.run(answer()) == 42
    ran("asyncio")
"""


def test_browser_tests_run_last(scratch: Path) -> None:
    """tests/lab/browser.py moves the tests that use the browser to the end of the session:
    while Chromium is open, asyncio.run() in the main thread fails."""
    done = run_inner_pytest(scratch, ORDER_INNER_TESTS, ("lab.fixtures", "lab.browser"),
                            AUTHDOCTOR_REQUIRE_LAB="0")
    assert done.returncode == 0, done.stdout
    assert (scratch / "order.txt").read_text().split() == ["asyncio", "browser"]


@pytest.mark.realserver
def test_session_close_leaves_no_process(scratch: Path) -> None:
    need(redis_missing(), "Redis")
    session = LabSession(scratch / "session")
    try:
        info = session.get("redis:sentinel")
        procs = list(session.processes)
        assert len(procs) == 3 and all(pid_alive(p.pid, p.start_time) for p in procs)
        assert set(info.pids) == {p.pid for p in procs}
        record = json.loads((scratch / "session" / "session.json").read_text())
        assert {p["pid"] for p in record["processes"]} == set(info.pids)
    finally:
        left = session.close()
    assert left == []
    assert not any(pid_alive(p.pid, p.start_time) for p in procs)


def test_leftovers_of_a_killed_session_are_cleaned(scratch: Path) -> None:
    sleeper = launch("sleeper", ["sleep", "60"], log_path=scratch / "sleep.log")
    finished = subprocess.Popen(["true"])
    finished.wait()
    stale = LAB_RUN / f"pytest-stale-{os.getpid()}"
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "session.json").write_text(json.dumps({"owner_pid": finished.pid,
                                                    "processes": [sleeper.to_state()]}))
    try:
        _clean_stale_sessions()
        assert not stale.exists()
        assert not sleeper.alive()
    finally:
        sleeper.stop()
        shutil.rmtree(stale, ignore_errors=True)
