"""Redis scan benchmark (issue 12): `authdoctor redis inspect` on a million revocation keys.

Starts a private lab Redis (tests/lab/redis_servers.py, standalone, loopback, free port), loads
N revocation keys `open-webui:auth:token:<uuid>:revoked` with TTLs spread over four weeks (through
`redis-cli --pipe`, a few seconds), then times, alternately and in the same run:

    authdoctor redis inspect --env-file <REDIS_URL of that server>   (SCAN + pipelined TTL of
                                                                     every key, histogram)
    redis-cli --scan --pattern 'open-webui:auth:token:*' | wc -l     (the keys only, no TTL)

and prints each one's median wall time, their ratio, and authdoctor's peak RSS (from the child's
own rusage). Targets: ratio <= 2, peak RSS <= 150 MB.

    .venv/bin/python benchmarks/redis_scan.py                      # 1,000,000 keys, 3 rounds
    .venv/bin/python benchmarks/redis_scan.py --keys 100000 --rounds 5 --check   # exit 1 above target

Needs redis-server and redis-cli (scripts/install-lab-deps).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
TARGET_RSS_MB = 150.0
PATTERN = "open-webui:auth:token:*"


def resp(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def load_keys(port: int, count: int) -> float:
    """SET key 1 EX ttl for `count` keys through redis-cli --pipe; returns seconds taken."""
    started = time.monotonic()
    ttls = (600, 5 * 3600, 3 * 86400, 20 * 86400)
    with tempfile.TemporaryFile() as commands:
        chunk: list[bytes] = []
        for i in range(count):
            key = f"open-webui:auth:token:{uuid.uuid4()}:revoked"
            chunk.append(resp("SET", key, "1", "EX", str(ttls[i % len(ttls)] + i % 997)))
            if len(chunk) >= 10000:
                commands.write(b"".join(chunk))
                chunk.clear()
        commands.write(b"".join(chunk))
        commands.seek(0)
        done = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--pipe"], stdin=commands,
                              capture_output=True, check=False)
    if done.returncode != 0 or b"errors: 0" not in done.stdout:
        raise SystemExit(f"loading the keys failed: {done.stdout[-300:]!r} {done.stderr[-300:]!r}")
    return time.monotonic() - started


def time_authdoctor(env_file: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, the key summary line) of one `redis inspect` run."""
    command = [sys.executable, "-m", "authdoctor", "redis", "inspect", "--env-file", str(env_file),
               "--timeout", "600", "--probe-timeout", "30", "--format", "json"]
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        error = child.stderr.read().decode()[-500:] if child.stderr else ""
        raise SystemExit(f"authdoctor exited {child.returncode}: {error}")
    import json

    document = json.loads(out)
    title = next((f["title"] for f in document["findings"] if f["code"] == "redis.revocation-keys"), "?")
    return elapsed, usage.ru_maxrss / 1024, title  # ru_maxrss is in KiB on Linux


def time_redis_cli(port: int) -> tuple[float, int]:
    started = time.monotonic()
    pipeline = f"redis-cli -h 127.0.0.1 -p {port} --scan --pattern '{PATTERN}' | wc -l"
    done = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, check=True)
    return time.monotonic() - started, int(done.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    for binary in ("redis-server", "redis-cli"):
        if shutil.which(binary) is None:
            print(f"{binary} is not installed (scripts/install-lab-deps)", file=sys.stderr)
            return 2
    sys.path.insert(0, str(REPO / "tests"))
    from lab.redis_servers import start_redis

    with tempfile.TemporaryDirectory(prefix="authdoctor-bench-") as tmp:
        lab, procs = start_redis("standalone", Path(tmp))
        try:
            loaded = load_keys(lab.port, args.keys)
            print(f"loaded {args.keys:,} revocation keys into redis-server on 127.0.0.1:{lab.port} in "
                  f"{loaded:.1f} s")
            env_file = Path(tmp) / "bench.env"
            env_file.write_text(f"REDIS_URL={lab.url}\nJWT_EXPIRES_IN=4w\n")
            ours: list[float] = []
            theirs: list[float] = []
            rss: list[float] = []
            summary = ""
            for _ in range(args.rounds):
                seconds, peak, summary = time_authdoctor(env_file)
                ours.append(seconds)
                rss.append(peak)
                cli_seconds, counted = time_redis_cli(lab.port)
                theirs.append(cli_seconds)
                if counted != args.keys:
                    raise SystemExit(f"redis-cli counted {counted} keys, expected {args.keys}")
        finally:
            for proc in procs:
                proc.stop()
    ratio = statistics.median(ours) / statistics.median(theirs)
    peak_rss = max(rss)
    print(f"authdoctor redis inspect: {summary}")
    print(f"{'':34} {'median':>8} {'runs':>30}")
    print(f"{'authdoctor redis inspect':34} {statistics.median(ours):7.2f}s "
          f"{' '.join(f'{s:.2f}' for s in ours):>30}")
    print(f"{'redis-cli --scan | wc -l':34} {statistics.median(theirs):7.2f}s "
          f"{' '.join(f'{s:.2f}' for s in theirs):>30}")
    print(f"ratio of medians: {ratio:.2f} (target <= {TARGET_RATIO:g})")
    print(f"authdoctor peak RSS: {peak_rss:.0f} MB (target <= {TARGET_RSS_MB:g} MB)")
    missed = ratio > TARGET_RATIO or peak_rss > TARGET_RSS_MB
    if missed:
        print("TARGET MISSED")
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
