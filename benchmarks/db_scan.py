"""Database scan benchmark (issue 13): `check --only db` (and `rbac why` when it exists) on a large
Open WebUI 0.12.4 SQLite database.

Builds a database of the 0.12.4 schema (fixtures/db/openwebui-0.12.4-schema.sql) with N users
(each with an auth row; 2 % pending, 1 % inactive, 3 % without a session stamp, a third linked
to the OIDC provider), 1,000 groups with their memberships, N/2 OAuth sessions (Fernet tokens
encrypted with the settings' key, a tenth with another key) and 1,000 API keys, then times, in the
same run and alternately:

    authdoctor check --only db --env-file <settings> --database sqlite:///<db>
    sqlite3 <db> 'select count(*) from user'
    authdoctor rbac why <user> workspace.models --database ...   (only if the command exists)

and prints each one's median wall time (with `authdoctor --version` for the interpreter's start-up
alone, which dominates on a loaded machine) and authdoctor's peak RSS (the child's own rusage). The
same is measured on a database a tenth of the size: the reader streams, counts and samples, so
memory must not grow with the rows. Targets: check <= 2 s, rbac why <= 0.5 s; peak RSS of the large
run within 10 % (and 10 MB) of the small run's.

    .venv/bin/python benchmarks/db_scan.py                       # 100,000 users, 3 rounds
    .venv/bin/python benchmarks/db_scan.py --users 20000 --rounds 5 --check   # exit 1 above target
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "fixtures" / "db" / "openwebui-0.12.4-schema.sql"
TARGET_CHECK_S = 2.0
TARGET_RBAC_S = 0.5
KEY = "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"
OTHER_KEY = "a-key-from-before-the-container-was-recreated-0123456789"
GROUPS = 1000
API_KEYS = 1000
NOW = 1_795_824_000


def fernet(key: str) -> Any:
    from cryptography.fernet import Fernet

    raw = key.encode() if len(key) == 44 else base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())
    return Fernet(raw)


def build(path: Path, users: int) -> float:
    """The database at `path`, in WAL mode like the app's; returns seconds taken."""
    started = time.monotonic()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    config = {"webui.url": "https://chat.example.com", "auth.jwt_expiry": "2h",
              "ui.enable_signup": False, "ui.default_user_role": "pending",
              "user.permissions": {"workspace": {"models": False}, "chat": {"file_upload": True}}}
    conn.executemany('INSERT INTO config ("key", value, updated_at) VALUES (?, ?, ?)',
                     [(k, json.dumps(v), NOW - 86400) for k, v in config.items()])
    bcrypt = "$2b$12$" + "x" * 53

    def user_rows() -> Iterator[tuple[object, ...]]:
        for i in range(users):
            role = "admin" if i == 0 else "pending" if i % 50 == 1 else "user"
            oauth = json.dumps({"oidc": {"sub": f"sub-{i}"}}) if i % 3 == 0 else None
            yield (f"u{i}", f"user {i}", f"user{i}@example.com", role, "", NOW, NOW, NOW - users + i, oauth)

    conn.executemany('INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, '
                     "updated_at, created_at, oauth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", user_rows())
    conn.executemany("INSERT INTO auth (id, email, password, active, mfa, session_stamp) VALUES "
                     "(?, ?, ?, ?, NULL, ?)",
                     ((f"u{i}", f"user{i}@example.com", "" if i % 3 == 0 else bcrypt, i % 100 != 7,
                       None if i % 33 == 5 else f"stamp-{i}") for i in range(users)))
    conn.executemany('INSERT INTO "group" (id, user_id, name, description, permissions, created_at, '
                     "updated_at) VALUES (?, 'u0', ?, '', ?, ?, ?)",
                     ((f"g{g}", f"group {g:04d}", json.dumps({"workspace": {"models": g % 10 == 0}}),
                       NOW, NOW) for g in range(GROUPS)))
    conn.executemany("INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES "
                     "(?, ?, ?, ?, ?)",
                     ((f"m{i}", f"g{i % GROUPS}", f"u{i}", NOW, NOW) for i in range(1, users, 2)))
    good, old = fernet(KEY), fernet(OTHER_KEY)
    body = json.dumps({"access_token": "a" * 800, "id_token": "i" * 900, "refresh_token": "r" * 40,
                       "expires_at": NOW + 3600}).encode()
    tokens = [good.encrypt_at_time(body, NOW - 60).decode(),
              old.encrypt_at_time(body, NOW - 86400 * 30).decode()]
    conn.executemany("INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, "
                     "updated_at) VALUES (?, ?, 'oidc', ?, ?, ?, ?)",
                     ((f"s{i}", f"u{(i * 3) % users}", tokens[1 if i % 10 == 0 else 0], NOW + 3600,
                       NOW - i, NOW - i) for i in range(users // 2)))
    conn.executemany('INSERT INTO api_key (id, user_id, "key", created_at, updated_at) VALUES '
                     "(?, ?, ?, ?, ?)",
                     ((f"key_u{i}", f"u{i}", f"sk-{i:032x}", NOW, NOW) for i in range(min(API_KEYS, users))))
    conn.commit()
    conn.close()
    return time.monotonic() - started


def timed(command: list[str]) -> tuple[float, float, bytes]:
    """(wall seconds, peak RSS in MB, stdout) of one child process."""
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert child.stdout is not None and child.stderr is not None
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command[:4])} exited {code}: {err.decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, out


def authdoctor(*args: str) -> list[str]:
    return [sys.executable, "-m", "authdoctor", *args]


def rbac_available() -> bool:
    done = subprocess.run(authdoctor("rbac", "why", "--help"), capture_output=True, cwd=REPO, check=False)
    return done.returncode == 0


def measure(db: Path, env_file: Path, rounds: int, rbac: bool) -> dict[str, list[float]]:
    url = f"sqlite:///{db}"
    runs: dict[str, list[float]] = {"check": [], "check_rss": [], "sqlite3": [], "rbac": [], "rbac_rss": [],
                                    "startup": []}
    for _ in range(rounds):
        runs["startup"].append(timed(authdoctor("--version"))[0])
        seconds, rss, out = timed(authdoctor("check", "--only", "db", "--env-file", str(env_file),
                                             "--database", url, "--format", "json",
                                             "--timeout", "120", "--probe-timeout", "60"))
        runs["check"].append(seconds)
        runs["check_rss"].append(rss)
        found = [f["code"] for f in json.loads(out)["findings"]]
        assert "db.oauth-session-undecryptable" in found, found
        started = time.monotonic()
        subprocess.run(["sqlite3", str(db), "select count(*) from user"], check=True, capture_output=True)
        runs["sqlite3"].append(time.monotonic() - started)
        if rbac:
            seconds, rss, _ = timed(authdoctor("rbac", "why", "user2@example.com", "workspace.models",
                                               "--database", url))
            runs["rbac"].append(seconds)
            runs["rbac_rss"].append(rss)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if shutil.which("sqlite3") is None:
        print("the sqlite3 command-line shell is not installed (apt-get install sqlite3)", file=sys.stderr)
        return 2
    rbac = rbac_available()
    with tempfile.TemporaryDirectory(prefix="authdoctor-dbbench-") as tmp:
        env_file = Path(tmp) / "bench.env"
        env_file.write_text(f"WEBUI_SECRET_KEY={KEY}\nJWT_EXPIRES_IN=8h\n")
        results = {}
        for label, users in (("small", max(args.users // 10, 100)), ("large", args.users)):
            db = Path(tmp) / f"{label}.db"
            seconds = build(db, users)
            size = db.stat().st_size / 1e6
            print(f"built {label}: {users:,} users, {GROUPS:,} groups, {users // 2:,} OAuth sessions, "
                  f"{min(API_KEYS, users):,} API keys ({size:.0f} MB) in {seconds:.1f} s")
            results[label] = measure(db, env_file, args.rounds, rbac)
    large, small = results["large"], results["small"]
    med = statistics.median
    print(f"{'':44} {'median':>8} {'runs':>24}")
    rows = [("authdoctor check --only db", large["check"]),
            ("sqlite3 webui.db 'select count(*) from user'", large["sqlite3"])]
    if rbac:
        rows.append(("authdoctor rbac why", large["rbac"]))
    rows.append(("authdoctor --version (start-up alone)", large["startup"]))
    for name, values in rows:
        print(f"{name:44} {med(values):7.2f}s {' '.join(f'{v:.2f}' for v in values):>24}")
    print(f"check / sqlite3 count: {med(large['check']) / med(large['sqlite3']):.1f}x")
    print(f"peak RSS of check: {max(large['check_rss']):.0f} MB at {args.users:,} users, "
          f"{max(small['check_rss']):.0f} MB at {max(args.users // 10, 100):,}")
    missed = []
    if med(large["check"]) > TARGET_CHECK_S:
        missed.append(f"check {med(large['check']):.2f} s > {TARGET_CHECK_S:g} s")
    growth = max(large["check_rss"]) - max(small["check_rss"])
    if growth > max(10.0, 0.1 * max(small["check_rss"])):
        missed.append(f"check's memory grew by {growth:.0f} MB with 10x the rows")
    if rbac:
        print(f"peak RSS of rbac why: {max(large['rbac_rss']):.0f} MB")
        if med(large["rbac"]) > TARGET_RBAC_S:
            missed.append(f"rbac why {med(large['rbac']):.2f} s > {TARGET_RBAC_S:g} s")
    else:
        print("rbac why: not measured (the command is not in this build)")
    print(f"targets: check <= {TARGET_CHECK_S:g} s, rbac why <= {TARGET_RBAC_S:g} s, memory independent "
          "of the rows")
    if missed:
        print("TARGET MISSED: " + "; ".join(missed))
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
