"""Synthetic Open WebUI 0.12.4 SQLite databases for tests and benchmarks/db_scan.py.

The schema is `fixtures/db/openwebui-0.12.4-schema.sql` (dumped from a database the real app
created at its first start). Rows are written with plain sqlite3 the way 0.12.4 stores them:
JSON columns as JSON text (numbers as numbers: the columns have NUMERIC affinity), `user` and
`group` quoted, `config` one row per dotted key.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCHEMA_SQL = REPO / "fixtures" / "db" / "openwebui-0.12.4-schema.sql"


def create_database(path: Path, *, wal: bool = False, revision: str | None = None) -> Path:
    """An empty 0.12.4 database at `path` (rollback journal unless `wal`)."""
    conn = sqlite3.connect(path)
    try:
        if wal:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA_SQL.read_text(encoding="utf-8"))
        if revision is not None:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()
    finally:
        conn.close()
    return path


def sql_json(value: Any) -> Any:
    """A value as 0.12.4 stores it in a JSON column on SQLite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return json.dumps(value)
    return value


def add_config(conn: sqlite3.Connection, values: dict[str, Any], updated_at: int = 1_795_000_000) -> None:
    conn.executemany('INSERT OR REPLACE INTO config ("key", value, updated_at) VALUES (?, ?, ?)',
                     [(key, sql_json(value), updated_at) for key, value in values.items()])


def add_user(conn: sqlite3.Connection, user_id: str, email: str, role: str = "user", *,
             password: str = "$2b$12$" + "x" * 53, oauth: dict[str, Any] | None = None,
             session_stamp: str | None = "stamp", created_at: int = 1_795_000_000,
             active: bool = True, mfa: dict[str, Any] | None = None) -> None:
    conn.execute('INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, '
                 "updated_at, created_at, oauth) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?)",
                 (user_id, email.partition("@")[0], email, role, created_at, created_at, created_at,
                  json.dumps(oauth) if oauth is not None else None))
    conn.execute("INSERT INTO auth (id, email, password, active, mfa, session_stamp) VALUES "
                 "(?, ?, ?, ?, ?, ?)", (user_id, email, password, active,
                                        json.dumps(mfa) if mfa is not None else None, session_stamp))


def fernet_token(key: str, data: dict[str, Any], at: int | None = None) -> str:
    """A session token encrypted as 0.12.4 does (models/oauth_sessions.py): the key hashed with
    SHA-256 unless it is 44 characters."""
    import base64
    import hashlib

    from cryptography.fernet import Fernet

    raw = key.encode() if len(key) == 44 else base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())
    fernet = Fernet(raw)
    body = json.dumps(data).encode()
    return (fernet.encrypt_at_time(body, at) if at is not None else fernet.encrypt(body)).decode()


def add_session(conn: sqlite3.Connection, session_id: str, user_id: str, token: str, *,
                provider: str = "oidc", expires_at: int = 1_900_000_000,
                updated_at: int = 1_795_000_000) -> None:
    conn.execute("INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (session_id, user_id, provider, token, expires_at, updated_at, updated_at))


def add_api_key(conn: sqlite3.Connection, user_id: str, key: str) -> None:
    conn.execute("INSERT INTO api_key (id, user_id, \"key\", created_at, updated_at) VALUES "
                 "(?, ?, ?, 1795000000, 1795000000)", (f"key_{user_id}", user_id, key))


def add_group(conn: sqlite3.Connection, group_id: str, name: str, members: list[str], *,
              permissions: dict[str, Any] | None = None, parent: str | None = None) -> None:
    conn.execute('INSERT INTO "group" (id, user_id, name, description, permissions, created_at, '
                 "updated_at, parent_group_id) VALUES (?, '', ?, '', ?, 1795000000, 1795000000, ?)",
                 (group_id, name, json.dumps(permissions or {}), parent))
    conn.executemany("INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
                     "VALUES (?, ?, ?, 1795000000, 1795000000)",
                     [(f"{group_id}-{user}", group_id, user) for user in members])
