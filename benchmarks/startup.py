"""Start-up benchmark: how much slower is `authdoctor jwt decode TOKEN` than importing its UI
libraries?

Measures, in one run and interleaved (so machine noise hits both alike), the cold wall time of
fresh processes:

    decode   authdoctor jwt decode TOKEN      (the console script next to this Python, or
                                                python -m authdoctor when there is none)
    base     python -c "import typer, rich.console"

and prints both medians and their ratio. Target: ratio <= 1.25 (issue: `jwt decode` must not
import httpx, redis, ldap3, dnspython or cryptography, and must start about as fast as typer).

"Cold" means a new interpreter each time, with bytecode caches in place as after an install:
the environment may set PYTHONDONTWRITEBYTECODE (this repo's does), which would make every run
recompile authdoctor from source while typer and rich load from their installed caches, so the
benchmark points PYTHONPYCACHEPREFIX at a private temporary directory, lets the caches be
written there, and warms up before measuring. The token is a fresh, healthy Open WebUI session
token (HS256, random key, 4-week lifetime), so the command exits 0 and runs its ordinary path.

    .venv/bin/python benchmarks/startup.py              # 21 rounds
    .venv/bin/python benchmarks/startup.py --runs 51 --max-ratio 1.25   # exit 1 above the target
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

TARGET_RATIO = 1.25
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


def run_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} ... exited {result.returncode}:\n"
                 f"{result.stderr.decode(errors='replace')}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="measured rounds (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured rounds first (default 3)")
    parser.add_argument("--max-ratio", type=float, default=None,
                        help=f"exit 1 when the ratio is above this (the target is {TARGET_RATIO})")
    args = parser.parse_args(argv)

    decode = [*decode_command(), "jwt", "decode", openwebui_token()]
    base = [sys.executable, "-c", BASE_CODE]
    with tempfile.TemporaryDirectory(prefix="authdoctor-bench-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=cache, NO_COLOR="1")
        for _ in range(args.warmup):
            run_once(decode, env)
            run_once(base, env)
        decode_times: list[float] = []
        base_times: list[float] = []
        for index in range(args.runs):
            # Alternate the order so neither command always runs right after the other.
            pair = [(decode, decode_times), (base, base_times)]
            for command, times in (pair if index % 2 == 0 else pair[::-1]):
                times.append(run_once(command, env))

    decode_ms = statistics.median(decode_times) * 1000
    base_ms = statistics.median(base_times) * 1000
    ratio = decode_ms / base_ms
    print(f"python {sys.version.split()[0]} · {args.runs} runs each, medians of cold processes")
    print(f"authdoctor jwt decode TOKEN        {decode_ms:7.1f} ms   ({' '.join(decode[:-1])} TOKEN)")
    print(f"python -c \"{BASE_CODE}\"  {base_ms:7.1f} ms")
    print(f"ratio                              {ratio:7.2f}    (target <= {TARGET_RATIO})")
    if args.max_ratio is not None and ratio > args.max_ratio:
        print(f"ratio {ratio:.2f} is above --max-ratio {args.max_ratio}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
