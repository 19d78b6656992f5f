"""The README shows real output: every line of its example blocks (but the `...` that stand for
what is left out) appears in what the command prints today. The blocks drifted once when the
report's headings changed; this keeps them honest.

Blocks whose command needs a token or a server of the moment (`jwt decode "$TOKEN"`, `oidc probe`
against a lab port) are not re-run here; the lab and jwt tests cover those commands.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)

# The README's shell command (or the first line of a block without one) -> the command to run,
# with the fixture the README names standing in for `docker inspect` / `helm template`.
RUNS: dict[str, tuple[list[str], str | None]] = {
    "$ docker inspect open-webui | authdoctor check --docker-inspect - --offline":
        (["check", "--docker-inspect", "-", "--offline"], "fixtures/docker/inspect-open-webui.json"),
    "$ helm template ... | authdoctor check --k8s - --offline":
        (["check", "--k8s", "-", "--offline"], "fixtures/k8s/helm-template.yaml"),
    "$ authdoctor har fixtures/har/strict-oauth.har":
        (["har", "fixtures/har/strict-oauth.har"], None),
    "$ authdoctor explain cookie.samesite-none-without-secure":
        (["explain", "cookie.samesite-none-without-secure"], None),
    # the "Try it" block: `authdoctor check --env-file examples/broken.env --offline`
    "JWT · 1 error · settings only (no live check yet)":
        (["check", "--env-file", "examples/broken.env", "--offline"], None),
    # the not-judged excerpt of `--k8s` with fixtures/k8s/kubectl-list.yaml
    "SKIPPED  Secret key: not judged: WEBUI_SECRET_KEY is set from Secret/open-webui-secret, value":
        (["check", "--k8s", "-", "--offline"], "fixtures/k8s/kubectl-list.yaml"),
}


def _printed(line: str, printed: set[str]) -> bool:
    """The line was printed; one that ends in ` ...` stands for a longer line it starts."""
    if line.endswith(" ..."):
        head = line[:-4]
        return any(candidate.startswith(head) for candidate in printed)
    return line in printed


def _blocks() -> list[tuple[str, list[str]]]:
    found = []
    for block in BLOCKS:
        lines = block.rstrip("\n").split("\n")
        if lines and lines[0] in RUNS:
            found.append((lines[0], lines))
    return found


def test_the_readme_blocks_are_found() -> None:
    assert {first for first, _ in _blocks()} == set(RUNS)


@pytest.mark.parametrize(("first", "lines"), _blocks(), ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_readme_example_lines_are_real_output(first: str, lines: list[str]) -> None:
    args, stdin_file = RUNS[first]
    stdin = (REPO_ROOT / stdin_file).read_bytes() if stdin_file else b""
    result = subprocess.run([sys.executable, "-m", "authdoctor", *args], input=stdin,
                            capture_output=True, cwd=REPO_ROOT, check=False, timeout=120,
                            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"})
    printed = {line.rstrip() for line in result.stdout.decode("utf-8").splitlines()}
    shown = [line.rstrip() for line in lines if not line.startswith("$ ")]
    missing = [line for line in shown if line.strip() != "..." and not _printed(line, printed)]
    assert missing == [], f"README lines the command no longer prints: {missing}"
