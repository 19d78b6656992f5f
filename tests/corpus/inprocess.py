"""Run the CLI inside the test process, for the property tests (tests/test_fuzz_bad_inputs.py):
`authdoctor.cli.main(argv)` with stdin, stdout and stderr captured as bytes, the environment
patched, SystemExit caught, and a wall-time limit enforced with SIGALRM (pytest runs tests in
the main thread), so a hang or an alias bomb fails the example instead of the whole run. The
result is the same `Outcome` the corpus checks with `corpus.check.problems`."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from corpus.check import WALL_LIMIT_S, Outcome


class TooSlow(BaseException):
    """Raised by the alarm; a BaseException so the CLI's error boundary does not catch it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def environment(values: Mapping[str, str] | None) -> Iterator[None]:
    """os.environ replaced by `values` (names and values may hold surrogate escapes)."""
    if values is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({"PATH": saved.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1"})
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(
    argv: Sequence[str],
    *,
    stdin: bytes = b"",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    outputs: Sequence[str] = (),
    limit_s: float = WALL_LIMIT_S,
) -> Outcome:
    """One CLI run in this process (see the module docstring)."""
    from authdoctor.cli import main
    from authdoctor.output import GlobalState

    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    # As in a process started under a UTF-8 locale: stdout strict, stderr backslashreplace.
    # Kept in locals: a collected wrapper would close its BytesIO before it is read.
    wrappers = (
        io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"),
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True),
    )
    sys.stdin, sys.stdout, sys.stderr = wrappers
    GlobalState.debug = GlobalState.no_color = False
    here = Path.cwd()
    code, timed_out = 0, False
    started = time.monotonic()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with environment(env), time_limit(limit_s):
            main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except TooSlow:
        timed_out, code = True, -9
    except Exception:  # escaped the CLI's boundary: the interpreter would print a traceback
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in wrappers[1:]:
            try:
                stream.flush()
            except Exception:  # a surrogate the stream cannot encode: what the process would hit
                code = 120
        sys.stdin, sys.stdout, sys.stderr = streams
        os.chdir(here)
    written = {
        name: (cwd or here).joinpath(name).read_bytes()
        for name in outputs
        if (cwd or here).joinpath(name).is_file()
    }
    return Outcome(
        exit=code,
        stdout=out.getvalue(),
        stderr=err.getvalue(),
        timed_out=timed_out,
        wall_s=time.monotonic() - started,
        outputs=written,
    )
