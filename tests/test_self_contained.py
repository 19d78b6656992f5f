"""The repository passes its own tests with nothing beside it (a user's clone has no reference
folder next to it).

No code, script or test may read a path outside the clone: this test reads every tracked text
file that runs (Python, shell, the CI entry point) and fails on a path that climbs out of it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# A parent-relative path to the reference folder, or that folder's name joined as a path part:
# ways a path reaches what sits beside our own checkouts and not beside a user's clone. (Built
# from parts so this file does not match its own rule.)
_NAME = "sha" + "red"
OUTSIDE = re.compile(rf"""\.\./{_NAME}|parent\s*/\s*["']{_NAME}["']|["']{_NAME}["']\s*/""")
RUNNABLE_SUFFIXES = {".py", ".sh", ".mjs", ".js", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json"}


def _tracked_runnable_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=False)
    if listed.returncode != 0:  # not a git checkout (an sdist): walk the tree instead
        names = [str(p.relative_to(REPO_ROOT)) for p in REPO_ROOT.rglob("*") if p.is_file()]
    else:
        names = [n for n in listed.stdout.decode().split("\0") if n]
    files = []
    for name in names:
        path = REPO_ROOT / name
        if "node_modules" in path.parts or ".venv" in path.parts or not path.is_file():
            continue
        if path.suffix in RUNNABLE_SUFFIXES or name.startswith(("scripts/", ".ci/")):
            files.append(path)
    return files


def test_the_scan_sees_the_files_that_run() -> None:
    names = {p.relative_to(REPO_ROOT).as_posix() for p in _tracked_runnable_files()}
    assert {"scripts/test", ".ci/run", "tests/render_fixtures.py", "pyproject.toml"} <= names


def test_no_tracked_file_reads_outside_the_repository() -> None:
    offenders = []
    for path in _tracked_runnable_files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:120]}")
    assert offenders == []


def test_the_official_sarif_schema_is_in_the_repository() -> None:
    from render_fixtures import SARIF_SCHEMA_PATH

    assert SARIF_SCHEMA_PATH.is_relative_to(REPO_ROOT)
    assert SARIF_SCHEMA_PATH.is_file()
    assert "sarif-schema-2.1.0.json" in (SARIF_SCHEMA_PATH.parent / "README.md").read_text()
