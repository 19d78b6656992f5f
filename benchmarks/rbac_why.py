"""`authdoctor rbac why` on a large database (issue 13): 100,000 users and 1,000 groups.

Builds a SQLite database of the 0.12.4 schema (`fixtures/db/openwebui-0.12.4-schema.sql`, the
rows written as the app writes them, tests/db_factory.py) with N users, G groups in parent
chains of depth 3 (each user in 3 groups, the groups with permission trees), the config row
user.permissions, and 1,000 models with group grants. Then times, alternately, in the same run:

    authdoctor rbac why <user> workspace.models --database URL   (denied: also reads every group
                                                                   to name those that have it on)
    authdoctor rbac why <user> --model <id> --database URL
    sqlite3 webui.db 'select count(*) from user'                 (the reference: a full count)
    authdoctor explain rbac.ok                                    (the CLI's start-up alone)

each as its own process, and prints each median wall time, the ratio to the sqlite3 count and
authdoctor's peak RSS. Target: rbac why <= 0.5 s wall on this machine; most of it is the CLI's
start-up (the `explain` line), the lookups themselves take a few tens of milliseconds whatever the
number of rows; memory independent of the number of rows.

    .venv/bin/python benchmarks/rbac_why.py                    # 100,000 users, 1,000 groups
    .venv/bin/python benchmarks/rbac_why.py --users 10000 --check   # exit 1 above the target
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
TARGET_S = 0.5


def build(path: Path, users: int, groups: int) -> None:
    from db_factory import add_config, create_database

    create_database(path)
    rng = random.Random(13)
    conn = sqlite3.connect(path)
    add_config(conn, {"user.permissions": {"workspace": {"models": False}, "chat": {"controls": True}}})
    conn.executemany(
        'INSERT INTO "group" (id, user_id, name, description, data, permissions, created_at, updated_at, '
        "parent_group_id) VALUES (?, 'u0', ?, '', '{}', ?, 1, 1, ?)",
        [(f"g{i}", f"Group {i}", json.dumps({"workspace": {"knowledge": i % 7 == 0},
                                              "chat": {"edit": True}}),
          f"g{i - 1}" if i % 3 else None) for i in range(groups)])
    conn.executemany(
        'INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, updated_at, '
        "created_at) VALUES (?, ?, ?, ?, '', 1, 1, 1)",
        [(f"u{i}", f"User {i}", f"user{i}@example.com", "admin" if i == 0 else "user")
         for i in range(users)])
    conn.executemany(
        "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES (?, ?, ?, 1, 1)",
        [(f"m{i}-{k}", f"g{g}", f"u{i}") for i in range(users)
         for k, g in enumerate(rng.sample(range(groups), 3))])
    conn.executemany(
        "INSERT INTO model (id, user_id, base_model_id, name, params, meta, updated_at, created_at, "
        "is_active) VALUES (?, 'u0', NULL, ?, '{}', '{}', 1, 1, 1)",
        [(f"model-{i}", f"Model {i}") for i in range(1000)])
    conn.executemany(
        "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id, "
        "permission, created_at) VALUES (?, 'model', ?, 'group', ?, 'read', 1)",
        [(f"a{i}-{k}", f"model-{i}", f"g{g}") for i in range(1000)
         for k, g in enumerate(rng.sample(range(groups), 5))])
    conn.commit()
    conn.close()


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[:4]} exited {done.returncode}: {done.stderr.decode()[-300:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(before, after) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 above the target")
    args = parser.parse_args()
    sqlite3_bin = shutil.which("sqlite3")
    authdoctor = str(Path(sys.executable).with_name("authdoctor"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "webui.db"
        started = time.perf_counter()
        build(db, args.users, args.groups)
        print(f"built {args.users:,} users, {args.groups:,} groups, 1,000 models in "
              f"{time.perf_counter() - started:.1f} s ({db.stat().st_size / 1e6:.0f} MB)")
        url = f"sqlite:///{db}"
        who = f"user{args.users // 2}@example.com"
        runs = {
            "rbac why PERMISSION": [authdoctor, "rbac", "why", who, "workspace.models", "--database", url,
                                    "--format", "json"],
            "rbac why --model": [authdoctor, "rbac", "why", who, "--model", "model-500", "--database", url,
                                 "--format", "json"],
        }
        # the start-up of the CLI alone (the fast path, no database): what is left is rbac why's work
        runs["explain (start-up)"] = [authdoctor, "explain", "rbac.ok"]
        if sqlite3_bin:
            runs["sqlite3 count(*)"] = [sqlite3_bin, str(db), 'select count(*) from "user"']
        times: dict[str, list[float]] = {name: [] for name in runs}
        peak = 0.0
        for _ in range(args.rounds):
            for name, argv in runs.items():
                wall, rss = timed(argv)
                times[name].append(wall)
                if name.startswith("rbac"):
                    peak = max(peak, rss)
    medians = {name: statistics.median(values) for name, values in times.items()}
    reference = medians.get("sqlite3 count(*)")
    for name, value in medians.items():
        ratio = f"  ratio {value / reference:.1f}" if reference and name.startswith("rbac") else ""
        print(f"{name:22} median {value:.3f} s{ratio}")
    print(f"authdoctor peak RSS {peak:.0f} MB; target rbac why <= {TARGET_S} s")
    worst = max(v for k, v in medians.items() if k.startswith("rbac"))
    return 1 if args.check and worst > TARGET_S else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
