"""Materialise corpus cases in scratch directories and run them through the zygote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from corpus.check import MEMORY_LIMIT_MB, WALL_LIMIT_S, Outcome
from corpus.model import JWKS, Case

ZYGOTE = Path(__file__).with_name("zygote.py")
# Generous, so that an honest run never meets it; a bomb meets it (MemoryError, exit 3) before
# it can hurt the machine. The peak RSS bound of the assertion is far lower.
ADDRESS_SPACE_LIMIT = 2 * 1024**3
JOBS = int(os.environ.get("AUTHDOCTOR_CORPUS_JOBS", "4"))
HANGS = {"H1", "H2", "H3", "H4", "H5", "W2"}  # the report's hangs, bombs and slow loads


def _base_env(home: Path) -> dict[bytes, bytes]:
    return {
        b"PATH": os.environb.get(b"PATH", b"/usr/bin:/bin"),
        b"HOME": os.fsencode(home),
        b"LANG": b"C.UTF-8",
        b"NO_COLOR": b"1",
    }


def _sub(value: str, jwks: str) -> str:
    return value.replace(JWKS, jwks)


def prepare(case: Case, folder: Path, jwks: str) -> dict[str, object]:
    """Write the case's files into `folder/work` and describe the run for the zygote."""
    work = folder / "work"
    work.mkdir(parents=True)
    for relative, content in case.files:
        target = work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    for relative in case.fifos:
        os.mkfifo(work / relative)
    (folder / "stdin").write_bytes(case.stdin)
    environment = _base_env(work)
    environment.update(
        {
            k: _sub(v.decode("utf-8", "surrogateescape"), jwks).encode("utf-8", "surrogateescape")
            for k, v in case.env
        }
    )
    return {
        "id": case.id,
        "argv": [_sub(arg, jwks) for arg in case.argv],
        "cwd": str(work),
        "stdin": str(folder / "stdin"),
        "stdout": str(folder / "stdout"),
        "stderr": str(folder / "stderr"),
        "stdout_mode": case.stdout,
        "process": "exec" if case.stdout != "pipe" else case.process,
        "env": [[k.hex(), v.hex()] for k, v in environment.items()],
        "heavy": case.slow or bool(HANGS.intersection(case.defects)),
    }


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def collect(case: Case, folder: Path, raw: dict[str, object]) -> Outcome:
    work = folder / "work"
    outputs: dict[str, bytes] = {}
    inputs = {relative for relative, _ in case.files}
    for relative in case.outputs:
        target = work / relative
        if relative not in inputs and target.is_file():
            outputs[relative] = target.read_bytes()
    changed = [relative for relative, content in case.files if _read(work / relative) != content]
    exit_code = raw["exit"]
    wall = raw["wall_s"]
    rss = raw["maxrss_kb"]
    assert isinstance(exit_code, int) and isinstance(wall, float | int) and isinstance(rss, int)
    return Outcome(
        exit=exit_code,
        stdout=_read(folder / "stdout"),
        stderr=_read(folder / "stderr"),
        timed_out=bool(raw["timed_out"]),
        wall_s=float(wall),
        maxrss_mb=rss / 1024,
        outputs=outputs,
        changed_inputs=changed,
    )


def run_cases(cases: Sequence[Case], root: Path, jwks: str, jobs: int = JOBS) -> dict[str, Outcome]:
    """Run every case (in parallel, `jobs` at a time); their outcomes by case id."""
    folders = {case.id: root / f"c{index:04d}" for index, case in enumerate(cases)}
    specs = [prepare(case, folders[case.id], jwks) for case in cases]
    batch = {"jobs": jobs, "wall_limit": WALL_LIMIT_S, "as_limit": ADDRESS_SPACE_LIMIT, "cases": specs}
    # The children copy the zygote's stdio settings: a Debian container's C.UTF-8 locale.
    env = {**os.environ, "LANG": "C.UTF-8", "NO_COLOR": "1"}
    for name in ("LC_ALL", "LC_CTYPE", "PYTHONWARNINGS", "PYTHONIOENCODING", "PYTHONUTF8"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(json.dumps(batch).encode())
        proc.stdin.close()
        raw: dict[str, dict[str, object]] = {}
        for line in proc.stdout:
            result = json.loads(line)
            raw[result["id"]] = result
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    by_id = {case.id: case for case in cases}
    missing = [case_id for case_id in by_id if case_id not in raw]
    if missing:
        raise RuntimeError(
            f"the corpus runner lost {len(missing)} cases (zygote exit {proc.returncode}), e.g. {missing[:3]}"
        )
    return {case_id: collect(by_id[case_id], folders[case_id], result) for case_id, result in raw.items()}


def describe(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids))


__all__ = ["MEMORY_LIMIT_MB", "WALL_LIMIT_S", "describe", "prepare", "run_cases"]
