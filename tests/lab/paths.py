"""Where the lab's inputs and state live: inputs under fixtures/lab/, every file the lab
writes under <repo>/.lab-run/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "lab"
OIDC_DIR = FIXTURES / "oidc"
LAB_RUN = REPO / ".lab-run"

# The folder the lab package is imported from: tests/ when pytest imports it as `lab` (tests/ has
# no __init__.py), the repo when it is `tests.lab`. Subprocesses (`python -m <package>.app_under_test`)
# get it as PYTHONPATH, so they import the lab exactly as this process does.
PACKAGE_ROOT = Path(__file__).resolve().parents[len((__package__ or "lab").split("."))]
