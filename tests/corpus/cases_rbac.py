"""`rbac why` (issue 13): databases that are not what they claim (garbage, a truncated or emptied
SQLite file, a FIFO, a directory, an old schema, URLs of every shape with passwords in them),
question arguments that are not what they should be (non-UTF-8, huge, control characters, a
permission name that is a section or a typo), and the report's options. Every database file must
be byte-identical afterwards (read-only), and no URL password may show."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from corpus.model import Case, marker

DB = "webui.db"
URL = f"sqlite:///{DB}"


@cache
def database() -> bytes:
    """A small 0.12.4 database (the schema the real app wrote): one admin, one user in a group."""
    from db_factory import add_config, add_user, create_database

    with tempfile.TemporaryDirectory() as tmp:
        path = create_database(Path(tmp) / DB)
        conn = sqlite3.connect(path)
        add_user(conn, "u-admin", "admin@example.com", "admin")
        add_user(conn, "u-alice", "alice@example.com", "user")
        add_config(conn, {"user.permissions": {"workspace": {"models": False}}})
        conn.execute('INSERT INTO "group" (id, user_id, name, permissions, created_at, updated_at) '
                     "VALUES ('g1', 'u-admin', 'Staff', '{\"workspace\": {\"models\": true}}', 1, 1)")
        conn.execute("INSERT INTO group_member (id, group_id, user_id) VALUES ('m1', 'g1', 'u-alice')")
        conn.execute("INSERT INTO model (id, user_id, name, params, meta) "
                     "VALUES ('m', 'u-admin', 'M', '{}', '{}')")
        conn.commit()
        conn.close()
        return path.read_bytes()


def _case(name: str, *argv: str, files: tuple[tuple[str, bytes], ...] | None = None,
          secrets: tuple[str, ...] = (), outputs: tuple[str, ...] = (), fifos: tuple[str, ...] = ()) -> Case:
    return Case(f"rbac/{name}", ("rbac", "why", *argv),
                files=((DB, database()),) if files is None else files,
                secrets=secrets, outputs=outputs, fifos=fifos)


def databases() -> Iterator[Case]:
    good = database()
    shapes = {
        "empty-file": b"",
        "garbage": b"\x00\xff" * 2048,
        "text": b"this is not a database\n" * 40,
        "header-only": good[:100],
        "truncated-half": good[: len(good) // 2],
        "zeroed-pages": good[:4096] + b"\x00" * (len(good) - 4096),
        "html": b"<html><body>502 Bad Gateway</body></html>",
    }
    for name, data in shapes.items():
        yield _case(f"db-{name}", "alice@example.com", "workspace.models", "--database", URL,
                    files=((DB, data),))
        yield _case(f"db-{name}-model-json", "alice@example.com", "--model", "m", "--database", URL,
                    "--format", "json", files=((DB, data),))
    old = _old_schema()
    yield _case("db-old-schema", "alice@example.com", "workspace.models", "--database", URL,
                files=((DB, old),))
    yield _case("db-fifo", "alice@example.com", "workspace.models", "--database", "sqlite:///pipe.db",
                files=(), fifos=("pipe.db",))
    yield _case("db-directory", "alice@example.com", "workspace.models", "--database", "sqlite:///.")
    yield _case("db-missing", "alice@example.com", "workspace.models", "--database", "sqlite:///nope.db")


def _old_schema() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / DB
        conn = sqlite3.connect(path)
        conn.executescript('CREATE TABLE "user" (id TEXT, email TEXT, role TEXT, name TEXT);'
                           "INSERT INTO \"user\" VALUES ('u', 'alice@example.com', 'user', 'A');"
                           'CREATE TABLE "group" (id TEXT, name TEXT, permissions TEXT);'
                           "CREATE TABLE group_member (group_id TEXT, user_id TEXT);"
                           "CREATE TABLE config (key TEXT, value TEXT);")
        conn.close()
        return path.read_bytes()


def urls() -> Iterator[Case]:
    for index, shape in enumerate((
            "postgresql://owui:{pw}@127.0.0.1:1/owui",
            "postgres://owui:{pw}@[::1]:1/owui?sslmode=require",
            "postgresql+psycopg2://owui:{pw}@127.0.0.1:1/owui",
            "mysql://root:{pw}@db/owui",
            "sqlite+sqlcipher:///:{pw}@webui.db",
            "http://user:{pw}@example.com/",
            "host=127.0.0.1 port=1 dbname=owui user=owui password={pw}",
            "postgresql://owui@127.0.0.1:1/owui?password={pw}",
    )):
        secret = marker(f"rbac-url-{index}", 20)
        for fmt in ("text", "json"):
            yield _case(f"url-{index}-{fmt}", "alice@example.com", "workspace.models", "--database",
                        shape.format(pw=secret), "--format", fmt, "--timeout", "5", secrets=(secret,))


def arguments() -> Iterator[Case]:
    yield _case("user-non-utf8", "al\udcffice@example.com", "workspace.models", "--database", URL)
    yield _case("user-huge", "a" * 100_000 + "@example.com", "workspace.models", "--database", URL)
    yield _case("user-control", "alice@example.com\n\x1b[31m", "workspace.models", "--database", URL)
    yield _case("user-sql", "' OR 1=1 --", "workspace.models", "--database", URL)
    yield _case("user-empty", "", "workspace.models", "--database", URL)
    yield _case("permission-typo", "alice@example.com", "workspace.model", "--database", URL)
    yield _case("permission-section", "alice@example.com", "workspace", "--database", URL)
    yield _case("permission-deep", "alice@example.com", "workspace.models.x", "--database", URL)
    yield _case("permission-non-utf8", "alice@example.com", "work\udcfespace.models", "--database", URL)
    yield _case("permission-and-model", "alice@example.com", "workspace.models", "--model", "m",
                "--database", URL)
    yield _case("model-huge", "alice@example.com", "--model", "m" * 200_000, "--database", URL)
    yield _case("model-sql", "alice@example.com", "--model", "m' OR '1'='1", "--database", URL)
    yield _case("access-bad", "alice@example.com", "--tool", "t", "--access", "admin", "--database", URL)
    yield _case("no-database", "alice@example.com", "workspace.models")
    yield _case("database-empty", "alice@example.com", "workspace.models", "--database", "")


def outputs() -> Iterator[Case]:
    yield _case("output-over-database", "alice@example.com", "workspace.models", "--database", URL,
                "--output", DB)
    yield _case("output-json", "alice@example.com", "--model", "m", "--database", URL, "--format", "json",
                "-o", "report.json", outputs=("report.json",))
    yield _case("output-sarif", "alice@example.com", "workspace.models", "--database", URL, "-f", "sarif",
                "-o", "report.sarif", outputs=("report.sarif",))
    yield _case("output-junit", "alice@example.com", "workspace.models", "--database", URL, "-f", "junit",
                "-o", "report.xml", outputs=("report.xml",))
    yield _case("now-bad", "alice@example.com", "workspace.models", "--database", URL, "--now", "later")
    yield _case("timeout-bad", "alice@example.com", "workspace.models", "--database", URL, "--timeout", "nan")
    yield _case("fail-on-bad", "alice@example.com", "workspace.models", "--database", URL, "--fail-on", "x")


def cases() -> list[Case]:
    return [*databases(), *urls(), *arguments(), *outputs()]
