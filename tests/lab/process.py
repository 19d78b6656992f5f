"""Start, watch and stop one lab server process, by its own PID and nothing else.

Every server runs in the foreground (no daemon fork), in its own session so a Ctrl-C in the
terminal does not kill it half-way through a test, with stdout and stderr in a log file under
the lab's run folder. `stop()` sends SIGTERM to that PID, then SIGKILL after a grace period, and
waits until the process is gone. A zombie counts as gone: once `scripts/lab up` has exited, its
servers are re-parented to PID 1, which in a container may reap them late.

A process recorded in a state file (scripts/lab) is identified by PID *and* start time
(/proc/PID/stat field 22), so a PID reused by an unrelated process is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def find_binary(name: str) -> str | None:
    """`name` on PATH or in the sbin folders (slapd lives in /usr/sbin, often not on a user's PATH)."""
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN_DIRS)
    return shutil.which(name, path=path)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm (field 2) may contain spaces and parentheses: split after the last ')'
    rest = raw[raw.rfind(")") + 2:].split()
    return rest  # rest[0] = state (field 3), rest[19] = starttime (field 22)


def process_start_time(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else None


def pid_alive(pid: int, start_time: str | None = None) -> bool:
    """True while `pid` runs (not a zombie) and, if given, still has the same start time."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return False
    return start_time is None or (len(fields) > 19 and fields[19] == start_time)


@dataclass
class ServerProcess:
    """One running lab server. `popen` is None when re-attached from a state file."""

    name: str
    pid: int
    argv: list[str]
    log_path: Path
    start_time: str | None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return pid_alive(self.pid, self.start_time)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; returns when the process is gone."""
        if not self.alive():
            self._reap()
            return
        self._signal(signal.SIGTERM)
        if not self._wait_gone(grace):
            self._signal(signal.SIGKILL)
            if not self._wait_gone(5.0):
                raise RuntimeError(f"{self.name} (pid {self.pid}) did not stop after SIGKILL")
        self._reap()

    def _signal(self, sig: signal.Signals) -> None:
        if self.popen is None and not pid_alive(self.pid, self.start_time):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def _wait_gone(self, timeout: float) -> bool:
        if self.popen is not None:
            try:
                self.popen.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(self.pid, self.start_time):
                return True
            time.sleep(0.02)
        return not pid_alive(self.pid, self.start_time)

    def _reap(self) -> None:
        if self.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=0.1)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def to_state(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "argv": self.argv, "log": str(self.log_path),
                "start_time": self.start_time}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> ServerProcess:
        return cls(name=str(data["name"]), pid=int(data["pid"]), argv=list(data["argv"]),
                   log_path=Path(data["log"]), start_time=data.get("start_time"))


def launch(name: str, argv: list[str], *, log_path: Path, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> ServerProcess:
    """Start `argv` in the foreground of its own session, output appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        popen = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    return ServerProcess(name=name, pid=popen.pid, argv=argv, log_path=log_path,
                         start_time=process_start_time(popen.pid), popen=popen)


def stop_all(procs: list[ServerProcess], grace: float = 5.0) -> list[ServerProcess]:
    """SIGTERM every process at once, then wait for each (SIGKILL after `grace`); returns the
    processes still alive afterwards (none, unless something is badly wrong)."""
    for proc in procs:
        if proc.alive():
            proc._signal(signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(RuntimeError):
            proc.stop(grace=grace)
    return [p for p in procs if pid_alive(p.pid, p.start_time)]


class StartError(RuntimeError):
    """A lab server did not come up; the message carries the end of its log."""

    def __init__(self, proc: ServerProcess, why: str) -> None:
        super().__init__(f"{proc.name} (pid {proc.pid}) {why}; last log lines of {proc.log_path}:\n"
                         f"{proc.log_tail()}")
