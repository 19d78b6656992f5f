"""Start-up benchmark: how much slower are authdoctor's everyday commands than importing its UI
libraries?

Measures, in one run and interleaved (so machine noise hits all alike), the cold wall time of
fresh processes:

    base     python -c "import typer, rich.console"
    decode   authdoctor jwt decode TOKEN
    check    authdoctor check --offline --env-file examples/broken.env --format json
    explain  authdoctor explain jwt.expired

(the console script next to this Python, or python -m authdoctor when there is none) and prints
each median and its ratio to base's median. Targets (issue 8 §5; `jwt decode` from the earlier
issue): decode <= 1.25, check --offline <= 2.0, explain <= 1.5. None of them may import httpx,
redis, ldap3, dnspython or cryptography (tests/test_cli_fast.py checks the imports; this file
only measures).

"Cold" means a new interpreter each time, with bytecode caches in place as after an install:
the environment may set PYTHONDONTWRITEBYTECODE (this repo's does), which would make every run
recompile authdoctor from source while typer and rich load from their installed caches, so the
benchmark points PYTHONPYCACHEPREFIX at a private temporary directory, lets the caches be
written there, and warms up before measuring. The token is a fresh, healthy Open WebUI session
token (HS256, random key, 4-week lifetime), so `jwt decode` exits 0 and runs its ordinary path;
`check` on examples/broken.env exits 1 (it has findings), as expected.

    .venv/bin/python benchmarks/startup.py              # 21 rounds
    .venv/bin/python benchmarks/startup.py --runs 51 --enforce   # exit 1 above a target
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple

TARGET_RATIO = 1.25  # jwt decode
CHECK_TARGET = 2.0  # check --offline --env-file examples/broken.env --format json
EXPLAIN_TARGET = 1.5  # explain CODE
BASE_CODE = "import typer, rich.console"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def openwebui_token(now: int | None = None) -> str:
    """A token shaped exactly like Open WebUI 0.12.4's (openwebui-live-0.12.4.md §3.3)."""
    now = int(time.time()) if now is None else now
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {"id": str(uuid.uuid4()), "typ": "session", "auth_method": "password", "auth_time": now,
               "session_stamp": str(uuid.uuid4()), "mfa_verified": False, "exp": now + 28 * 86400,
               "jti": str(uuid.uuid4()), "iat": now}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(secrets.token_bytes(32), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def decode_command() -> list[str]:
    script = Path(sys.executable).with_name("authdoctor")
    if script.exists():
        return [str(script)]
    found = shutil.which("authdoctor")
    return [found] if found else [sys.executable, "-m", "authdoctor"]


def run_once(command: list[str], env: dict[str, str], ok_codes: tuple[int, ...]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok_codes:
        sys.exit(f"{' '.join(command[:3])} ... exited {result.returncode}:\n"
                 f"{result.stderr.decode(errors='replace')}")
    return elapsed


class Case(NamedTuple):
    label: str
    command: list[str]
    ok_codes: tuple[int, ...]
    target: float | None


def cases(repo: Path) -> list[Case]:
    script = decode_command()
    return [
        Case(f"python -c \"{BASE_CODE}\"", [sys.executable, "-c", BASE_CODE], (0,), None),
        Case("authdoctor jwt decode TOKEN", [*script, "jwt", "decode", openwebui_token()], (0,),
             TARGET_RATIO),
        Case("authdoctor check --offline (broken.env, json)",
             [*script, "check", "--offline", "--env-file", str(repo / "examples" / "broken.env"),
              "--format", "json"], (0, 1), CHECK_TARGET),
        Case("authdoctor explain jwt.expired", [*script, "explain", "jwt.expired"], (0,), EXPLAIN_TARGET),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="measured rounds (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured rounds first (default 3)")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a ratio is above its target")
    parser.add_argument("--max-ratio", type=float, default=None,
                        help=f"exit 1 when the jwt decode ratio is above this (its target is {TARGET_RATIO})")
    args = parser.parse_args(argv)

    runs = cases(Path(__file__).resolve().parents[1])
    times: list[list[float]] = [[] for _ in runs]
    with tempfile.TemporaryDirectory(prefix="authdoctor-bench-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=cache, NO_COLOR="1")
        for _ in range(args.warmup):
            for case in runs:
                run_once(case.command, env, case.ok_codes)
        for index in range(args.runs):
            # Rotate the order so no command always runs right after the same other one.
            order = list(range(len(runs)))
            shift = index % len(order)
            for position in order[shift:] + order[:shift]:
                times[position].append(run_once(runs[position].command, env, runs[position].ok_codes))

    medians = [statistics.median(t) * 1000 for t in times]
    base_ms = medians[0]
    print(f"python {sys.version.split()[0]} · {args.runs} runs each, medians of cold processes, "
          "ratios to the first line")
    failed = []
    for case, median in zip(runs, medians, strict=True):
        if case.target is None:
            print(f"{case.label:<48} {median:7.1f} ms")
            continue
        ratio = median / base_ms
        print(f"{case.label:<48} {median:7.1f} ms   ratio {ratio:5.2f}   (target <= {case.target})")
        limit = args.max_ratio if (args.max_ratio is not None and case.target == TARGET_RATIO) else (
            case.target if args.enforce else None)
        if limit is not None and ratio > limit:
            failed.append(f"{case.label}: ratio {ratio:.2f} is above {limit}")
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
