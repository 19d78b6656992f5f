"""Runs the corpus: one child process per case, many at a time, each bounded in time and memory.

Started by `corpus.runner` as `python zygote.py`; reads one JSON batch on stdin and writes one
JSON line per finished case on stdout. It imports authdoctor and its heavy libraries once, then
forks a child per case (`fork` cases call `authdoctor.cli.main(argv)` in the child, which costs a
few milliseconds instead of a ~0.3 s interpreter start-up), or forks and executes
`python -m authdoctor` (`exec` cases: closed stdout, broken pipe, /dev/full need a real
interpreter's start-up and shutdown). Either way every case is its own process: its own
environment, working directory, stdio, address-space limit (RLIMIT_AS) and peak RSS, read from
`os.wait4`. A case still running at the wall-time limit is killed with its process group.

This file imports nothing from the tests, so it can run as a script.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import time
from typing import Any


def preload() -> None:
    """Import what the commands import lazily, so a forked child starts warm. Import only."""
    import httpx
    import jsonschema
    import yaml

    import authdoctor.checks.registry
    import authdoctor.cli
    import authdoctor.cli.check_cmd
    import authdoctor.cli.config_cmd
    import authdoctor.cli.explain_cmd
    import authdoctor.cli.jwt_cmd
    import authdoctor.commands.check
    import authdoctor.commands.config
    import authdoctor.commands.explain
    import authdoctor.commands.jwt
    import authdoctor.jwt.claims
    import authdoctor.jwt.jwks
    import authdoctor.jwt.verify
    import authdoctor.render
    import authdoctor.settings

    authdoctor.checks.registry.all_checks()
    authdoctor.cli.build_app()
    del httpx, jsonschema, yaml


def warm_up() -> None:
    """Run a few healthy commands once, output discarded, so that the children inherit typer's
    command tree, compiled regexes and rich's caches instead of each building them again."""
    import contextlib
    import io
    import tempfile

    from authdoctor.cli import main

    with tempfile.TemporaryDirectory() as folder:
        env_file = os.path.join(folder, "warm.env")
        with open(env_file, "w", encoding="utf-8") as handle:
            handle.write(
                "WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY=warm-up-only-0123456789abcdef\n"
            )
        token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3OTgxMzg5MDN9.c2lnbmF0dXJl"
        for argv in (
            ["check", "--env-file", env_file, "--offline", "--now", "2026-11-28T00:00:00Z"],
            ["check", "--env-file", env_file, "--offline", "--format", "json"],
            ["config", "show", "--env-file", env_file],
            ["jwt", "decode", token],
            ["jwt", "decode", token, "--json"],
        ):
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.suppress(SystemExit),
            ):
                main(argv)


def _stdio(fd: int, path: str, mode: str) -> None:
    flags = os.O_RDONLY if mode == "r" else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    opened = os.open(path, flags, 0o600)
    os.dup2(opened, fd)
    os.close(opened)


def _text_stream(fd: int, like: Any, write: bool) -> Any:
    import io

    raw = io.FileIO(fd, "w" if write else "r", closefd=False)
    buffered = io.BufferedWriter(raw) if write else io.BufferedReader(raw)
    return io.TextIOWrapper(
        buffered, encoding=like.encoding, errors=like.errors, line_buffering=False, write_through=False
    )


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: if the zygote is killed (pytest interrupted), its children die too
    instead of hanging on a FIFO forever."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG


def _child(case: dict[str, Any], as_limit: int) -> None:
    """In the forked child: set up the process the case describes, run it, never return."""
    os.setpgid(0, 0)
    _die_with_parent()
    os.chdir(case["cwd"])
    env = {bytes.fromhex(k): bytes.fromhex(v) for k, v in case["env"]}
    _stdio(0, case["stdin"], "r")
    _stdio(2, case["stderr"], "w")
    mode = case["stdout_mode"]
    if mode == "pipe":
        _stdio(1, case["stdout"], "w")
    elif mode == "full":
        _stdio(1, "/dev/full", "w")
    elif mode == "closed":
        os.close(1)
    elif mode == "broken-pipe":
        read_end, write_end = os.pipe()
        os.close(read_end)
        os.dup2(write_end, 1)
        os.close(write_end)
    resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if case["process"] == "exec":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as a shell leaves it
        os.closerange(3, 1024)
        argv: list[bytes] = [
            os.fsencode(sys.executable),
            b"-m",
            b"authdoctor",
            *[os.fsencode(a) for a in case["argv"]],
        ]
        os.execve(sys.executable, argv, env)
    os.environ.clear()
    for name, value in env.items():
        os.environb[name] = value
    like_out, like_err, like_in = sys.stdout, sys.stderr, sys.stdin
    sys.stdin = _text_stream(0, like_in, write=False)
    sys.stdout = _text_stream(1, like_out, write=True)
    sys.stderr = _text_stream(2, like_err, write=True)
    sys.argv = ["authdoctor", *case["argv"]]
    code = 0
    try:
        from authdoctor.cli import main

        main(list(case["argv"]))
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    except BaseException:  # what the interpreter would print for an escaped exception
        import traceback

        traceback.print_exc()
        code = 1
    # The interpreter's own shutdown: wait for non-daemon threads, run atexit, flush stdio.
    import atexit
    import threading

    with contextlib.suppress(BaseException):
        threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException as exc:
            os.write(2, f"Exception ignored while flushing sys.stdout: {exc!r}\n".encode())
            code = 120
    os._exit(code & 0xFF)


def main() -> None:
    batch = json.loads(sys.stdin.read())
    preload()
    warm_up()
    jobs: int = batch["jobs"]
    wall_limit: float = batch["wall_limit"]
    as_limit: int = batch["as_limit"]
    # Heavy cases (big inputs, and the report's hangs and bombs) take at most half the slots, so
    # they overlap the quick ones instead of starving them, and never queue up at the end.
    heavy = [case for case in batch["cases"] if case["heavy"]][::-1]
    light = [case for case in batch["cases"] if not case["heavy"]][::-1]
    heavy_slots = max(1, jobs // 2)
    running: dict[int, tuple[dict[str, Any], float, bool]] = {}
    out = sys.stdout
    while heavy or light or running:
        while (heavy or light) and len(running) < jobs:
            busy = sum(1 for case, _, _ in running.values() if case["heavy"])
            if heavy and (busy < heavy_slots or not light):
                case = heavy.pop()
            elif light:
                case = light.pop()
            else:
                break
            out.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    _child(case, as_limit)
                finally:
                    os._exit(99)
            running[pid] = (case, time.monotonic(), False)
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for child, (case, started, killed) in list(running.items()):
                if not killed and now - started > wall_limit:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child, signal.SIGKILL)
                    running[child] = (case, started, True)
            time.sleep(0.005)
            continue
        case, started, killed = running.pop(pid)
        result = {
            "id": case["id"],
            "exit": os.waitstatus_to_exitcode(status),
            "timed_out": killed,
            "wall_s": round(time.monotonic() - started, 3),
            "maxrss_kb": usage.ru_maxrss,
        }
        out.write(json.dumps(result) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
