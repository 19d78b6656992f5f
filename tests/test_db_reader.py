"""The read-only database reader (authdoctor/probes/db.py): URL forms 0.12.4 accepts, SQLite
opened without writing anything (checksum and mtime of the file and its -wal/-shm before and
after, a writer in another process), bad files as `DatabaseUnavailable` with a stable code, the
schema revision, placeholders and JSON values the same on both backends."""

from __future__ import annotations

import hashlib
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from db_factory import add_config, add_user, create_database

from authdoctor.probes import Rung
from authdoctor.probes.db import (
    HEAD_REVISION,
    KNOWN_REVISIONS,
    REVISION_SESSION_STAMP,
    DatabaseUnavailable,
    classify_revision,
    decode_json,
    open_readonly,
    parse_database_url,
    qmark_to_format,
)


def snapshot(path: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of the database and each side file that exists."""
    out = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            out[suffix] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"      # path is absolute: sqlite:////abs


def unavailable(url: str, timeout: float = 2.0) -> DatabaseUnavailable:
    with pytest.raises(DatabaseUnavailable) as info:
        open_readonly(url, timeout=timeout).close()
    return info.value


@pytest.fixture()
def populated(tmp_path: Path) -> Path:
    path = create_database(tmp_path / "webui.db")
    conn = sqlite3.connect(path)
    add_user(conn, "u1", "admin@example.com", "admin")
    add_user(conn, "u2", "bob@example.com", "pending")
    add_config(conn, {"auth.jwt_expiry": "2h", "ldap.server.port": 636, "ui.enable_signup": False})
    conn.commit()
    conn.close()
    return path


# ----------------------------------------------------------------------------- URLs

@pytest.mark.parametrize(("url", "kind", "where"), [
    ("sqlite:////srv/data/webui.db", "sqlite", "/srv/data/webui.db"),
    ("sqlite:///data/webui.db", "sqlite", "data/webui.db"),
    ("sqlite+pysqlite:////x/webui.db", "sqlite", "/x/webui.db"),
    ("postgres://u:pw@db:5432/owui", "postgresql", "postgresql://u:pw@db:5432/owui"),
    ("postgresql+psycopg2://u@db/owui?ssl=require", "postgresql",
     "postgresql://u@db/owui?sslmode=require"),
    ("postgresql+psycopg://u@db/owui", "postgresql", "postgresql://u@db/owui"),
])
def test_url_forms_the_app_accepts(url: str, kind: str, where: str) -> None:
    target = parse_database_url(url)
    assert target.kind == kind
    assert (target.path if kind == "sqlite" else target.conninfo) == where
    assert "pw" not in target.shown


@pytest.mark.parametrize(("url", "code", "words"), [
    ("sqlite+sqlcipher:////x/webui.db", "not-inspectable", "SQLCipher"),
    ("sqlite://", "not-inspectable", "in-memory"),
    ("sqlite:///:memory:", "not-inspectable", "in-memory"),
    ("mysql+pymysql://u:hunter2@db/owui", "not-inspectable", "only SQLite and PostgreSQL"),
    ("webui.db", "url-invalid", "not a database URL"),
    ("redis://localhost:6379", "url-invalid", "unknown database scheme"),
])
def test_url_forms_not_inspectable_or_invalid(url: str, code: str, words: str) -> None:
    error = unavailable(url)
    assert error.code == code
    assert words in error.reason
    assert "hunter2" not in str(error.to_dict())


# ----------------------------------------------------------------------------- SQLite, read-only

def test_reads_rows_with_qmark_params_and_json(populated: Path) -> None:
    before = snapshot(populated)
    with open_readonly(sqlite_url(populated), timeout=2) as db:
        assert db.kind == "sqlite"
        assert sorted(db.rows('SELECT role, COUNT(*) FROM "user" GROUP BY role')) == [
            ("admin", 1), ("pending", 1)]
        values = {k: decode_json(v) for k, v in db.rows(
            'SELECT "key", CAST(value AS TEXT) FROM config WHERE "key" LIKE ?', ("%.%",))}
        assert values == {"auth.jwt_expiry": "2h", "ldap.server.port": 636, "ui.enable_signup": False}
        schema = db.schema()
        assert schema.status == "current" and schema.revision == HEAD_REVISION
        assert schema.at_least(REVISION_SESSION_STAMP)
        assert "session_stamp" in db.columns("auth")
    assert snapshot(populated) == before


WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("INSERT INTO config (key, value, updated_at) VALUES ('webui.url', '\\"http://committed\\"', 1)")
print("ready", flush=True)
sys.stdin.read()
"""


def test_wal_database_in_use_shows_committed_rows_and_writes_nothing(tmp_path: Path) -> None:
    path = create_database(tmp_path / "webui.db", wal=True)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(0.05)
        before = snapshot(path)
        assert set(before) == {"", "-wal", "-shm"}
        with open_readonly(sqlite_url(path), timeout=2) as db:
            assert not db.immutable
            # the row is only in the -wal: the reader sees what the app committed
            assert list(db.rows("SELECT CAST(value AS TEXT) FROM config WHERE key = ?",
                                ("webui.url",))) == [('"http://committed"',)]
        assert snapshot(path) == before
    finally:
        writer.communicate("")


def test_wal_database_without_wal_file_is_read_immutable_and_creates_nothing(tmp_path: Path) -> None:
    path = create_database(tmp_path / "webui.db", wal=True)
    assert not Path(str(path) + "-wal").exists()
    before = snapshot(path)
    with open_readonly(sqlite_url(path), timeout=2) as db:
        assert db.immutable
        assert db.schema().status == "current"
    assert snapshot(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["webui.db"]


def test_wal_without_shm_is_refused_without_creating_it(tmp_path: Path) -> None:
    path = create_database(tmp_path / "webui.db", wal=True)
    Path(str(path) + "-wal").write_bytes(b"")
    error = unavailable(sqlite_url(path))
    assert error.code == "wal-without-shm"
    assert "-shm" in error.reason
    assert not Path(str(path) + "-shm").exists()


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    error = unavailable(sqlite_url(tmp_path / "webui.db"))
    assert error.code == "not-found"
    assert list(tmp_path.iterdir()) == []


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert unavailable(sqlite_url(tmp_path)).code == "not-found"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "webui.db"
    os.mkfifo(fifo)
    error = unavailable(sqlite_url(fifo))      # opening a FIFO without a writer would block
    assert error.code == "not-sqlite" and "not a regular file" in error.reason


@pytest.mark.parametrize(("content", "words"), [
    (b"", "empty"), (b"PK\x03\x04 a zip file" * 10, "not an SQLite database")])
def test_not_sqlite(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "webui.db"
    path.write_bytes(content)
    error = unavailable(sqlite_url(path))
    assert error.code == "not-sqlite" and words in error.reason
    assert error.rung is Rung.PROTOCOL


def test_truncated_database_is_corrupt(populated: Path) -> None:
    data = populated.read_bytes()
    populated.write_bytes(data[:len(data) // 3])
    error = unavailable(sqlite_url(populated))
    assert error.code == "corrupt", error.to_dict()


def test_locked_database_answers_within_the_timeout(populated: Path) -> None:
    holder = sqlite3.connect(populated, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        error = unavailable(sqlite_url(populated), timeout=0.3)
        assert time.monotonic() - started < 3
        assert error.code == "locked" and error.timed_out
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_statement_interrupted_at_the_timeout(populated: Path) -> None:
    with open_readonly(sqlite_url(populated), timeout=0.2) as db, \
            pytest.raises(DatabaseUnavailable) as info:
        list(db.rows("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                     "SELECT COUNT(*) FROM n"))
    assert info.value.code == "timeout"


def test_writes_are_refused(populated: Path) -> None:
    with open_readonly(sqlite_url(populated), timeout=1) as db, \
            pytest.raises(DatabaseUnavailable) as info:
        list(db.rows("DELETE FROM \"user\""))
    assert info.value.code == "query-failed"
    conn = sqlite3.connect(populated)
    assert conn.execute('SELECT COUNT(*) FROM "user"').fetchone() == (2,)
    conn.close()


# ----------------------------------------------------------------------------- schema

@pytest.mark.parametrize(("revision", "tables", "status"), [
    (HEAD_REVISION, {"alembic_version"}, "current"),
    (KNOWN_REVISIONS[10], {"alembic_version"}, "older"),
    ("ffffffffffff", {"alembic_version"}, "unknown"),
    (None, {"migratehistory"}, "legacy"),
    (None, set(), "missing"),
])
def test_schema_status(revision: str | None, tables: set[str], status: str) -> None:
    info = classify_revision(revision, frozenset(tables))
    assert info.status == status
    assert info.understood is (status == "current")


def test_older_and_newer_databases_open_and_say_so(tmp_path: Path) -> None:
    older = create_database(tmp_path / "old.db", revision="3ff2c63645b8")
    newer = create_database(tmp_path / "new.db", revision="0123456789ab")
    with open_readonly(sqlite_url(older), timeout=1) as db:
        assert db.schema().status == "older"
        assert not db.schema().at_least(REVISION_SESSION_STAMP)
    with open_readonly(sqlite_url(newer), timeout=1) as db:
        assert db.schema().status == "unknown"


# ----------------------------------------------------------------------------- helpers

def test_qmark_translation_leaves_literals_alone() -> None:
    assert qmark_to_format("SELECT * FROM t WHERE a = ? AND b LIKE 'x?%' AND \"c?\" = ?") == \
        "SELECT * FROM t WHERE a = %s AND b LIKE 'x?%%' AND \"c?\" = %s"
    assert qmark_to_format("SELECT 5 % 2") == "SELECT 5 %% 2"


@pytest.mark.parametrize(("raw", "value"), [
    ('"2h"', "2h"), ("true", True), (636, 636), ("null", None), (None, None),
    ({"a": 1}, {"a": 1}), ("not json", "not json")])
def test_decode_json(raw: object, value: object) -> None:
    assert decode_json(raw) == value


def test_postgres_refused_connection_is_tcp_unreachable() -> None:
    with socket.socket() as sock:       # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = unavailable(f"postgresql://owui:s3cr3t-pw@127.0.0.1:{port}/owui", timeout=2)
    assert error.code == "unreachable" and error.rung is Rung.TCP
    assert "s3cr3t-pw" not in str(error.to_dict())


# ----------------------------------------------------------------------------- the observation

def _mixed_oauth(tmp_path: Path) -> Path:
    path = create_database(tmp_path / "webui.db")
    conn = sqlite3.connect(path)
    add_user(conn, "u1", "a@example.com", "admin", oauth={"oidc": {"sub": "1"}, "github": {"sub": "2"}})
    add_user(conn, "u2", "b@example.com", "user", oauth={"oidc": {"sub": "3"}})
    add_user(conn, "u3", "c@example.com", "user")
    add_user(conn, "u4", "d@example.com", "user", oauth={})
    conn.execute("""UPDATE "user" SET oauth = 'not json {' WHERE id = 'u3'""")
    conn.commit()
    conn.close()
    return path


def test_oauth_links_counted_by_the_database(tmp_path: Path) -> None:
    from authdoctor.probes.db import read_observation

    with open_readonly(sqlite_url(_mixed_oauth(tmp_path)), timeout=2) as db:
        observation = read_observation(db, now=0)
    assert observation.oauth_providers == {"oidc": 2, "github": 1}
    assert observation.oauth_users == 2
    assert observation.password_users_without_oauth == 2
    assert observation.problems == {}


def test_oauth_links_counted_in_python_without_json_functions(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An SQLite built without JSON1: the same counts, streamed."""
    import authdoctor.probes.db as reader

    monkeypatch.setitem(reader._OAUTH_KEYS_SQL, "sqlite", "SELECT no_such_function(oauth) FROM \"user\"")
    with open_readonly(sqlite_url(_mixed_oauth(tmp_path)), timeout=2) as db:
        observation = reader.read_observation(db, now=0)
    assert observation.oauth_providers == {"oidc": 2, "github": 1}
    assert observation.oauth_users == 2
