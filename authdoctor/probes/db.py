"""The database reader: Open WebUI 0.12.4's own database, strictly read-only.

    with open_readonly("sqlite:////srv/open-webui/data/webui.db", timeout=5.0) as db:
        for (role, n) in db.rows('SELECT role, COUNT(*) FROM "user" GROUP BY role'):
            ...

`open_readonly(url, *, timeout)` returns a `ReadOnlyDatabase` or raises `DatabaseUnavailable`
(the one exception it raises: a plain-words `reason`, the failure ladder's `rung`, a stable
`code`, masked `evidence`). Queries use qmark `?` placeholders on both backends. Everything
about the URL follows 0.12.4's `env.py` and `internal/db.py`:

- `sqlite:///relative/path`, `sqlite:////absolute/path` (and `sqlite+pysqlite://`): the file
  is opened with the URI `file:PATH?mode=ro&readonly_shm=1`. `mode=ro` never creates the
  database and takes no write lock; `readonly_shm=1` opens the `-shm` file read-only, so a
  reader does not even touch the WAL index (plain `mode=ro` rewrites `-shm` read marks,
  measured). A WAL-mode database is read through its `-wal` file, so a database in use shows
  what the app has committed (copying `webui.db` alone, or `immutable=1` beside a `-wal`, shows
  stale rows). Two cases would make SQLite create a file, and are handled without one:
  - a WAL-mode database without its `-wal` (the app is not running and the last connection
    checkpointed): every committed row is in the main file and no connection has it open, so it
    is opened with `immutable=1` (no locks, no side files);
  - a `-wal` without its `-shm` (a crash, or a copy that left it out): SQLite can neither read
    the WAL without an index nor build one without creating `-shm`; that is refused with code
    `wal-without-shm`, and the fix is to copy all three files or start the app once.
- `postgresql://`, `postgres://` (the app rewrites it), `postgresql+psycopg2://`,
  `postgresql+psycopg://` and other `postgresql+DRIVER://`: read with psycopg 3 (the
  `authdoctor[postgres]` extra), in a READ ONLY transaction (`default_transaction_read_only=on`
  and `conn.read_only`), with `statement_timeout`, `connect_timeout` and `application_name=
  authdoctor-readonly`; `ssl=` is read as `sslmode=` as the app does; `schema=` sets
  `search_path` (the app's `DATABASE_SCHEMA`).
- Recognised but not inspectable (code `not-inspectable`): `sqlite+sqlcipher://` (encrypted
  with `DATABASE_PASSWORD`; 0.12.4's async engine refuses it at import), an in-memory SQLite,
  and other dialects (`mysql://`, `mariadb://`, `mssql://`, `oracle://`: 0.12.4 needs SQLite or
  PostgreSQL). Anything else is `url-invalid`.

The schema is checked with `schema()` against `HEAD_REVISION` (the `alembic_version` of
0.12.4); `KNOWN_REVISIONS` lists every earlier 0.12.4 migration in order, so an older database
(the app migrates it at its next start) is told apart from one written by a newer release.

The reader is synchronous (sqlite3 and psycopg are): callers run it in a worker thread. Its
time is bounded: the SQLite busy timeout and a progress handler that interrupts a statement at
`timeout`; the Postgres connect and statement timeouts. No password, URL credential or row
value is ever put into a `DatabaseUnavailable`'s reason or evidence.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from authdoctor.masking import mask_credentials, mask_url
from authdoctor.probes import Rung

Kind = Literal["sqlite", "postgresql"]

#: The alembic head of Open WebUI 0.12.4 (`migrations/versions/0bd252b206fb_*.py`).
HEAD_REVISION = "0bd252b206fb"
#: Every alembic revision of 0.12.4, oldest first (read from the wheel's `down_revision` chain).
KNOWN_REVISIONS: tuple[str, ...] = (
    "7e5b5dc7342b", "ca81bd47c050", "c0fbf31ca0db", "6a39f3d8e55c", "242a2047eae0", "1af9b942657b",
    "3ab32c4b8f59", "c69f45358db4", "c29facfe716b", "af906e964978", "4ace53fd72c8", "922e7a387820",
    "57c599a3cb57", "7826ab40b532", "3781e22d8b01", "9f0c9cd09105", "d31026856c01", "018012973d35",
    "3af16a1c9fb6", "38d63c18f30f", "a5c220713937", "37f288994c47", "2f1211949ecc", "b10670c03dd5",
    "90ef40d4714e", "3e0e00844bb0", "6283dc0e4d8d", "81cc2ce44d79", "c440947495f3", "374d2f66af06",
    "8452d01d26d7", "f1e2d3c4b5a6", "a1b2c3d4e5f6", "b2c3d4e5f6a7", "a3dd5bedd151", "d4e5f6a7b8c9",
    "b7c8d9e0f1a2", "e1f2a3b4c5d6", "c1d2e3f4a5b6", "56359461a091", "4de81c2a3af1", "a0b1c2d3e4f5",
    "3c9b0ca343fd", "461111b60977", "3ff2c63645b8", "4c5ce3d2f27f", "7b3f2a9c1d4e", "42e2978c7933",
    "856c5b02fb54", "9a1b2c3d4e5f", "c49178636c78", "b0018471bbbe", "55f1302ac17c", "959eaac8f909",
    "f0bd01a18a3d", "1ce6ade7d93b", "6d09d1bf1f23", "d4c1a8e37b62", "a7d3e9f2b641", "b8e4f0a3c752",
    "d6a8c3f912ab", "e7b9d4a023bc", "f8c0e5b134cd", "b8f2c6d91a04", "c92da83b017f", HEAD_REVISION,
)
#: Milestones a check may need (see the reference): the flat `config` rows, `auth.session_stamp`.
REVISION_FLAT_CONFIG = "3ff2c63645b8"
REVISION_SESSION_STAMP = "a7d3e9f2b641"

SQLITE_HEADER = b"SQLite format 3\x00"
APPLICATION_NAME = "authdoctor-readonly"
OTHER_DIALECTS = ("mysql", "mariadb", "mssql", "oracle", "cockroachdb", "duckdb", "snowflake")


# ----------------------------------------------------------------------------- the one exception

class DatabaseUnavailable(Exception):
    """The database could not be read. `code` is stable (the db check maps it to a finding):

    - `url-invalid`: not a database URL 0.12.4 accepts;
    - `not-inspectable`: a URL the app accepts that authdoctor does not read (SQLCipher,
      in-memory, another dialect);
    - `driver-missing`: a PostgreSQL URL without psycopg installed (`authdoctor[postgres]`);
    - `not-found`, `permission-denied`, `not-sqlite`, `corrupt` (a truncated or damaged file),
      `wal-without-shm`, `locked`: the SQLite file;
    - `unreachable` (DNS/TCP/TLS), `auth-failed`, `database-missing`, `refused`: PostgreSQL;
    - `timeout`, `query-failed`: a statement.

    `rung` is the failure ladder's rung (a SQLite file's problems are at the protocol rung: the
    file was found but is not what a database should be). `reason` is one line in plain words;
    `evidence` maps names to shown values. Neither ever holds a password or a row value.
    """

    def __init__(self, code: str, reason: str, *, rung: Rung = Rung.PROTOCOL, kind: str = "",
                 evidence: dict[str, str] | None = None, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.rung = rung
        self.kind = kind
        self.evidence = dict(evidence or {})
        self.timed_out = timed_out

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "rung": self.rung.value, "kind": self.kind,
                "evidence": dict(self.evidence), "timed_out": self.timed_out}


# ----------------------------------------------------------------------------- the URL

@dataclass(frozen=True)
class DatabaseTarget:
    """A DATABASE_URL read the way 0.12.4 reads it. `shown` is the URL with its password masked;
    `path` (SQLite) or `conninfo` (PostgreSQL, holding the password: never shown) say where."""

    kind: Kind
    shown: str
    path: str = ""
    conninfo: str = ""
    schema: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_database_url(url: str, *, schema: str | None = None) -> DatabaseTarget:
    """The target a DATABASE_URL names, or `DatabaseUnavailable` (`url-invalid`,
    `not-inspectable`). A relative SQLite path is relative to the current directory, as it is to
    the app's working directory."""
    text = url.strip()
    shown = mask_url(text)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*)://", text)
    if not match:
        raise DatabaseUnavailable(
            "url-invalid", f"{shown!r} is not a database URL (expected sqlite:///PATH or "
            "postgresql://USER@HOST/DB)", evidence={"url": shown})
    scheme = match.group(1).lower()
    dialect, _, driver = scheme.partition("+")
    if dialect == "sqlite":
        if driver == "sqlcipher":
            raise DatabaseUnavailable(
                "not-inspectable", "an SQLCipher database (sqlite+sqlcipher://) is encrypted with "
                "DATABASE_PASSWORD; authdoctor does not decrypt it (and Open WebUI 0.12.4's async "
                "engine refuses sqlite+sqlcipher:// URLs at start)", kind="sqlite",
                evidence={"url": shown})
        rest = text[match.end():]
        path = rest.split("?", 1)[0]
        if path.startswith("/"):
            path = path[1:]          # sqlite:///rel -> 'rel'; sqlite:////abs -> '/abs'
        if path in ("", ":memory:") or path.startswith("file::memory:"):
            raise DatabaseUnavailable(
                "not-inspectable", "an in-memory SQLite database exists only inside the app's "
                "process; there is nothing to read", kind="sqlite", evidence={"url": shown})
        return DatabaseTarget(kind="sqlite", shown=shown, path=unquote(path))
    if dialect in ("postgresql", "postgres"):
        parts = urlsplit(text)
        query = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            # internal/db.py extract_ssl_params_from_url reads `ssl=` as libpq's `sslmode=`
            query.append(("sslmode" if key == "ssl" else key, value))
        conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), ""))
        password = unquote(parts.password) if parts.password else None
        return DatabaseTarget(kind="postgresql", shown=shown, conninfo=conninfo, schema=schema,
                              password=password)
    if dialect in OTHER_DIALECTS:
        raise DatabaseUnavailable(
            "not-inspectable", f"a {dialect} database: Open WebUI 0.12.4 supports only SQLite and "
            "PostgreSQL (group and permission writes raise 'requires SQLite or PostgreSQL'), and "
            "authdoctor reads only those two", evidence={"url": shown})
    raise DatabaseUnavailable(
        "url-invalid", f"{shown!r}: unknown database scheme {scheme!r} (Open WebUI 0.12.4 reads "
        "sqlite:// and postgresql://)", evidence={"url": shown})


# ----------------------------------------------------------------------------- the schema

@dataclass(frozen=True)
class SchemaInfo:
    """`status`: `current` (0.12.4's head), `older` (an earlier 0.12.4-era revision: the app
    migrates at its next start), `unknown` (a revision 0.12.4 does not know: a newer release or
    another app), `legacy` (only the pre-alembic `migratehistory` table), `missing` (neither
    table: not an Open WebUI database, or one never started)."""

    status: Literal["current", "older", "unknown", "legacy", "missing"]
    revision: str | None
    tables: frozenset[str]

    @property
    def understood(self) -> bool:
        return self.status == "current"

    def at_least(self, revision: str) -> bool:
        """Whether the database has reached `revision` (False when its revision is unknown)."""
        if self.revision not in KNOWN_REVISIONS or revision not in KNOWN_REVISIONS:
            return False
        return KNOWN_REVISIONS.index(self.revision) >= KNOWN_REVISIONS.index(revision)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "revision": self.revision, "expected": HEAD_REVISION,
                "tables": len(self.tables)}


def classify_revision(revision: str | None, tables: frozenset[str]) -> SchemaInfo:
    """Pure: the schema status from the `alembic_version` value and the table names."""
    if revision is None:
        status: Literal["current", "older", "unknown", "legacy", "missing"] = (
            "legacy" if "migratehistory" in tables else "missing")
    elif revision == HEAD_REVISION:
        status = "current"
    elif revision in KNOWN_REVISIONS:
        status = "older"
    else:
        status = "unknown"
    return SchemaInfo(status=status, revision=revision, tables=tables)


# ----------------------------------------------------------------------------- the reader

def qmark_to_format(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (and a literal `%` to `%%`), leaving quoted strings
    and identifiers alone."""
    out: list[str] = []
    quote = ""
    for char in sql:
        if quote:
            out.append("%%" if char == "%" else char)
            if char == quote:
                quote = ""
        elif char in ("'", '"'):
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


def decode_json(value: Any) -> Any:
    """A JSON column's value as Python data, the same on both backends: select it as
    `CAST(col AS TEXT)`; SQLite gives numbers back as numbers (NUMERIC affinity), the rest as JSON
    text. SQL NULL and JSON `null` are None; text that is not JSON is returned as it is."""
    if value is None or isinstance(value, (int, float, bool, dict, list)):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


class ReadOnlyDatabase:
    """An open, read-only database. `rows(sql, params)` streams tuples (qmark `?` placeholders on
    both backends); `scalar` returns the first column of the first row; `has_table`, `columns`,
    `schema()` describe it. Use as a context manager or call `close()`."""

    kind: Kind

    def __init__(self, kind: Kind, target: DatabaseTarget, timeout: float) -> None:
        self.kind = kind
        self.target = target
        self.timeout = timeout
        self.shown = target.shown
        self.immutable = False
        """SQLite opened with `immutable=1` (a WAL database with no `-wal` file)."""
        self._tables: frozenset[str] | None = None

    # -- the interface
    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ReadOnlyDatabase:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- helpers on top of rows()
    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        for row in self.rows(sql, params):
            return row[0] if row else None
        return None

    def tables(self) -> frozenset[str]:
        if self._tables is None:
            self._tables = frozenset(str(name) for (name,) in self.rows(self._tables_sql()))
        return self._tables

    def has_table(self, name: str) -> bool:
        return name in self.tables()

    def columns(self, table: str) -> frozenset[str]:
        raise NotImplementedError

    def schema(self) -> SchemaInfo:
        tables = self.tables()
        revision = None
        if "alembic_version" in tables:
            revision = self.scalar("SELECT version_num FROM alembic_version")
        return classify_revision(str(revision) if revision is not None else None, tables)

    def _tables_sql(self) -> str:
        raise NotImplementedError


class _SqliteDatabase(ReadOnlyDatabase):
    def __init__(self, target: DatabaseTarget, timeout: float, conn: sqlite3.Connection,
                 immutable: bool) -> None:
        super().__init__("sqlite", target, timeout)
        self._conn = conn
        self.immutable = immutable

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        deadline = time.monotonic() + self.timeout
        self._conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            cursor = self._conn.execute(sql, tuple(params))
            while True:
                batch = cursor.fetchmany(1000)
                if not batch:
                    break
                yield from batch
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, self.target, statement=True) from None
        finally:
            self._conn.set_progress_handler(None, 0)

    def columns(self, table: str) -> frozenset[str]:
        return frozenset(str(row[1]) for row in self.rows(f'PRAGMA table_info("{table}")'))

    def _tables_sql(self) -> str:
        return "SELECT name FROM sqlite_master WHERE type = 'table'"

    def close(self) -> None:
        self._conn.close()


class _PostgresDatabase(ReadOnlyDatabase):
    def __init__(self, target: DatabaseTarget, timeout: float, conn: Any) -> None:
        super().__init__("postgresql", target, timeout)
        self._conn = conn
        self._cursors = 0

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        import psycopg

        self._cursors += 1
        try:
            # A named (server-side) cursor streams: memory does not grow with the table.
            with self._conn.cursor(name=f"authdoctor_{self._cursors}") as cursor:
                cursor.itersize = 1000
                cursor.execute(qmark_to_format(sql), tuple(params))
                yield from cursor
        except psycopg.Error as exc:
            error = _postgres_error(exc, self.target, statement=True)
            with contextlib.suppress(psycopg.Error):
                self._conn.rollback()      # leave the connection usable for the next query
            raise error from None

    def columns(self, table: str) -> frozenset[str]:
        return frozenset(str(name) for (name,) in self.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ?", (table,)))

    def _tables_sql(self) -> str:
        return ("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema()")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.rollback()
        self._conn.close()


def open_readonly(url: str, *, timeout: float, schema: str | None = None) -> ReadOnlyDatabase:
    """Open the database `url` names, read-only, or raise `DatabaseUnavailable`. `timeout` bounds
    the connection and each statement; `schema` is the app's `DATABASE_SCHEMA` (PostgreSQL)."""
    target = parse_database_url(url, schema=schema)
    if target.kind == "sqlite":
        return _open_sqlite(target, timeout)
    return _open_postgres(target, timeout)


# ----------------------------------------------------------------------------- SQLite

def _sqlite_uri(path: str, *, immutable: bool) -> str:
    quoted = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{quoted}?" + ("mode=ro&immutable=1" if immutable else "mode=ro&readonly_shm=1")


def _open_sqlite(target: DatabaseTarget, timeout: float) -> ReadOnlyDatabase:
    path = target.path
    evidence = {"path": path}
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise DatabaseUnavailable("not-found", f"{path} does not exist (authdoctor never creates "
                                  "it)", kind="sqlite", evidence=evidence) from None
    except OSError as exc:
        raise DatabaseUnavailable("permission-denied", f"{path} cannot be examined: {exc.strerror}",
                                  kind="sqlite", evidence=evidence) from None
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        # a FIFO, device or socket: opening it could block forever (a FIFO without a writer)
        raise DatabaseUnavailable("not-sqlite", f"{path} is not a regular file (a FIFO, device or "
                                  "socket), so it is not an SQLite database", kind="sqlite",
                                  evidence=evidence)
    try:
        with open(path, "rb") as handle:      # read-only; the header says SQLite and WAL or not
            header = handle.read(100)
    except FileNotFoundError:
        raise DatabaseUnavailable("not-found", f"{path} does not exist (authdoctor never creates "
                                  "it)", kind="sqlite", evidence=evidence) from None
    except IsADirectoryError:
        raise DatabaseUnavailable("not-found", f"{path} is a directory, not the database file "
                                  "(Open WebUI's is DATA_DIR/webui.db)", kind="sqlite",
                                  evidence=evidence) from None
    except PermissionError:
        raise DatabaseUnavailable("permission-denied", f"{path} cannot be read by this user",
                                  kind="sqlite", evidence=evidence) from None
    except OSError as exc:
        raise DatabaseUnavailable("not-found", f"{path} cannot be opened: {exc.strerror}",
                                  kind="sqlite", evidence=evidence) from None
    if not header.startswith(SQLITE_HEADER):
        first = header[:16]
        evidence["first_bytes"] = repr(first)[:60] if first else "(empty file)"
        raise DatabaseUnavailable("not-sqlite", f"{path} is not an SQLite database "
                                  + ("(the file is empty)" if not header else
                                     "(its first bytes are not 'SQLite format 3')"),
                                  kind="sqlite", evidence=evidence)
    wal_mode = len(header) >= 20 and header[18] == 2 and header[19] == 2
    has_wal = os.path.exists(path + "-wal")
    has_shm = os.path.exists(path + "-shm")
    evidence["journal"] = "wal" if wal_mode else "rollback"
    if wal_mode and has_wal and not has_shm:
        raise DatabaseUnavailable(
            "wal-without-shm", f"{path}-wal exists without {path}-shm: the committed rows in the "
            "WAL cannot be read without its index, and building one would create a file beside "
            "the database (copy webui.db with its -wal and -shm files, or start the app once)",
            kind="sqlite", evidence=evidence)
    immutable = wal_mode and not has_wal
    try:
        conn = sqlite3.connect(_sqlite_uri(os.path.abspath(path), immutable=immutable), uri=True,
                               timeout=max(timeout, 0.05), check_same_thread=False,
                               isolation_level=None)
    except sqlite3.Error as exc:
        raise _sqlite_error(exc, target) from None
    # a value written with bytes that are not UTF-8 must not fail its whole query
    conn.text_factory = lambda data: bytes(data).decode("utf-8", "replace")
    database = _SqliteDatabase(target, timeout, conn, immutable)
    try:
        database.tables()     # reads page 1 and the schema: a damaged file shows here
    except DatabaseUnavailable:
        conn.close()
        raise
    return database


def _sqlite_error(exc: sqlite3.Error, target: DatabaseTarget, *,
                  statement: bool = False) -> DatabaseUnavailable:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    evidence = {"path": target.path, "sqlite": f"{name or type(exc).__name__}: {text}"}
    if text == "interrupted" or name == "SQLITE_INTERRUPT":
        return DatabaseUnavailable("timeout", "a query did not finish within the timeout",
                                   kind="sqlite", evidence=evidence, timed_out=True)
    if name.startswith("SQLITE_BUSY") or "locked" in text:
        return DatabaseUnavailable(
            "locked", f"{target.path} is locked by another process (a writer holds an exclusive "
            "lock, or a hot journal needs a rollback that a read-only reader cannot do)",
            kind="sqlite", evidence=evidence, timed_out=True)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text \
            or "not a database" in text:
        return DatabaseUnavailable(
            "corrupt", f"{target.path} is damaged or truncated ({text}); the app cannot read it "
            "either", kind="sqlite", evidence=evidence)
    if statement and name.startswith("SQLITE_READONLY"):
        return DatabaseUnavailable("query-failed", f"the read-only reader refused a write: {text}",
                                   kind="sqlite", evidence=evidence)
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY")):
        return DatabaseUnavailable(
            "permission-denied", f"{target.path} cannot be opened read-only ({text})",
            kind="sqlite", evidence=evidence)
    return DatabaseUnavailable("query-failed" if statement else "corrupt",
                               f"SQLite refused the read: {text}", kind="sqlite",
                               evidence=evidence)


# ----------------------------------------------------------------------------- PostgreSQL

def _open_postgres(target: DatabaseTarget, timeout: float) -> ReadOnlyDatabase:
    try:
        import psycopg
    except ImportError:
        raise DatabaseUnavailable(
            "driver-missing", "reading PostgreSQL needs psycopg: pip install "
            "'authdoctor[postgres]'", rung=Rung.APPLICATION, kind="postgresql",
            evidence={"url": target.shown}) from None
    statement_ms = max(1, int(timeout * 1000))
    options = f"-c default_transaction_read_only=on -c statement_timeout={statement_ms}"
    if target.schema:
        options += f" -c search_path={target.schema}"
    try:
        conn = psycopg.connect(target.conninfo, connect_timeout=max(2, math.ceil(timeout)),
                               options=options, application_name=APPLICATION_NAME,
                               autocommit=False)
    except psycopg.Error as exc:
        raise _postgres_error(exc, target) from None
    except Exception as exc:       # a malformed conninfo: psycopg raises ProgrammingError et al.
        raise DatabaseUnavailable("url-invalid", "the PostgreSQL URL is not valid: "
                                  + _mask(str(exc), target), kind="postgresql",
                                  evidence={"url": target.shown}) from None
    conn.read_only = True
    database = _PostgresDatabase(target, timeout, conn)
    try:
        database.tables()
    except DatabaseUnavailable:
        database.close()
        raise
    return database


def _mask(text: str, target: DatabaseTarget) -> str:
    text = mask_credentials(text)
    if target.password:
        text = text.replace(target.password, "****")
    return text.strip().splitlines()[0] if text.strip() else text


def _postgres_error(exc: Exception, target: DatabaseTarget, *,
                    statement: bool = False) -> DatabaseUnavailable:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    text = _mask(str(exc), target)
    evidence = {"url": target.shown, "server": text}
    if sqlstate:
        evidence["sqlstate"] = sqlstate
    lowered = text.lower()
    if sqlstate == "57014" or "statement timeout" in lowered or "canceling statement" in lowered:
        return DatabaseUnavailable("timeout", "a query did not finish within the timeout",
                                   rung=Rung.APPLICATION, kind="postgresql", evidence=evidence,
                                   timed_out=True)
    if sqlstate in ("28P01", "28000") or "password authentication failed" in lowered \
            or "pg_hba.conf" in lowered or "no password supplied" in lowered:
        return DatabaseUnavailable("auth-failed", f"PostgreSQL refused the login: {text}",
                                   rung=Rung.APPLICATION, kind="postgresql", evidence=evidence)
    if sqlstate == "3D000" or ("database \"" in text and "does not exist" in lowered):
        return DatabaseUnavailable("database-missing", f"PostgreSQL has no such database: {text}",
                                   rung=Rung.APPLICATION, kind="postgresql", evidence=evidence)
    if not statement and ("invalid sslmode" in lowered or "invalid connection option" in lowered
                          or "invalid uri query parameter" in lowered
                          or "invalid integer value" in lowered or "invalid value for" in lowered):
        return DatabaseUnavailable("url-invalid", f"the PostgreSQL URL cannot be used: {text}",
                                   rung=Rung.PROTOCOL, kind="postgresql", evidence=evidence)
    if statement or sqlstate:
        return DatabaseUnavailable("query-failed" if statement else "refused",
                                   f"PostgreSQL refused: {text}", rung=Rung.APPLICATION,
                                   kind="postgresql", evidence=evidence)
    if "translate host name" in lowered or "name or service not known" in lowered \
            or "nodename nor servname" in lowered:
        rung = Rung.DNS
    elif "ssl" in lowered or "certificate" in lowered:
        rung = Rung.TLS
    else:
        rung = Rung.TCP
    timed_out = "timeout expired" in lowered or "timed out" in lowered
    return DatabaseUnavailable("unreachable", f"PostgreSQL could not be reached: {text}",
                               rung=rung, kind="postgresql", evidence=evidence,
                               timed_out=timed_out)


# ----------------------------------------------------------------------------- the observation

#: The config keys authdoctor reads (auth, sign-up, LDAP, OAuth): `authdoctor.openwebui.dbconfig`
#: maps them to the app's variables. Nothing else of the config table is read.
AUTH_CONFIG_PREFIXES = ("auth.", "ui.enable_", "ui.default_user_role", "ui.default_group_id",
                        "webui.url", "ldap.", "oauth.")
#: Config keys whose values are credentials: kept for the effective settings, never shown.
SECRET_CONFIG_KEYS = frozenset({"ldap.server.app_password", "oauth.client_secret",
                                "oauth.google.client_secret", "oauth.microsoft.client_secret",
                                "oauth.github.client_secret", "oauth.feishu.client_secret"})
#: How many OAuth sessions are sampled (the newest first) to test the key.
SESSION_SAMPLE = 50
#: How many groups `db show` lists (the rest are counted).
GROUP_SAMPLE = 50


@dataclass(frozen=True)
class SessionSample:
    """One sampled `oauth_session` row: the provider, its times, and the Fernet token (a secret:
    never shown, never serialised; only the evaluation's decryption reads it)."""

    provider: str
    expires_at: int
    updated_at: int
    token: str = field(repr=False, default="")


@dataclass(frozen=True)
class GroupSummary:
    name: str
    members: int
    permissions: Any = None
    parent: str | None = None


@dataclass(frozen=True)
class TokenAccount:
    """The database's answer for one token's user id (`--token`): the rows `is_valid_token`
    reads. `session_stamp` is compared by the evaluation, never shown."""

    user_found: bool
    auth_found: bool
    role: str | None = None
    active: bool | None = None
    session_stamp: str | None = field(default=None, repr=False)
    mfa_enrolled: bool = False


@dataclass(frozen=True)
class DatabaseObservation:
    """What the database holds about sign-in, as counts and a bounded sample: it never grows
    with the number of rows. `config` holds the auth-related config rows (decoded JSON; secrets
    among them are never serialised); `problems` names the parts that could not be read
    (section -> reason), so a partial read is honest."""

    kind: str
    shown: str
    schema: SchemaInfo
    immutable: bool = False
    config: dict[str, Any] = field(default_factory=dict, repr=False)
    config_updated_at: dict[str, int | None] = field(default_factory=dict)
    config_rows: int = 0
    users: int = 0
    users_by_role: dict[str, int] = field(default_factory=dict)
    first_user_role: str | None = None
    inactive_accounts: int = 0
    users_without_auth: int = 0
    null_session_stamps: int = 0
    mfa_enrolled: int = 0
    mfa_secret_sample: tuple[str, ...] = field(default=(), repr=False)
    """Up to `SESSION_SAMPLE` encrypted TOTP secrets (auth.mfa.secret): secrets, never serialised."""
    password_kinds: dict[str, int] = field(default_factory=dict)
    oauth_providers: dict[str, int] = field(default_factory=dict)
    oauth_users: int = 0
    password_users_without_oauth: int = 0
    scim_users: int = 0
    api_keys: int = 0
    api_key_users: int = 0
    groups: int = 0
    group_members: int = 0
    group_sample: tuple[GroupSummary, ...] = ()
    sessions: int = 0
    sessions_by_provider: dict[str, int] = field(default_factory=dict)
    sessions_expired: int = 0
    session_sample: tuple[SessionSample, ...] = field(default=(), repr=False)
    token_account: TokenAccount | None = None
    problems: dict[str, str] = field(default_factory=dict)

    def secret_values(self) -> set[str]:
        """The credentials read from the config table (for the output safety net)."""
        values = set()
        for key in SECRET_CONFIG_KEYS:
            value = self.config.get(key)
            if isinstance(value, str) and value:
                values.add(value)
        return values

    def to_dict(self) -> dict[str, Any]:
        config = {key: ("<set>" if key in SECRET_CONFIG_KEYS and value else value)
                  for key, value in sorted(self.config.items())}
        return {
            "kind": self.kind, "database": self.shown, "schema": self.schema.to_dict(),
            "immutable": self.immutable, "config": config, "config_rows": self.config_rows,
            "users": self.users, "users_by_role": dict(self.users_by_role),
            "first_user_role": self.first_user_role, "inactive_accounts": self.inactive_accounts,
            "users_without_auth": self.users_without_auth,
            "null_session_stamps": self.null_session_stamps, "mfa_enrolled": self.mfa_enrolled,
            "password_kinds": dict(self.password_kinds), "oauth_providers": dict(self.oauth_providers),
            "oauth_users": self.oauth_users,
            "password_users_without_oauth": self.password_users_without_oauth,
            "scim_users": self.scim_users, "api_keys": self.api_keys,
            "api_key_users": self.api_key_users, "groups": self.groups,
            "group_members": self.group_members,
            "group_sample": [{"name": g.name, "members": g.members, "parent": g.parent}
                             for g in self.group_sample],
            "sessions": self.sessions, "sessions_by_provider": dict(self.sessions_by_provider),
            "sessions_expired": self.sessions_expired,
            "sessions_sampled": len(self.session_sample),
            "token_account": None if self.token_account is None else {
                "user_found": self.token_account.user_found,
                "auth_found": self.token_account.auth_found, "role": self.token_account.role,
                "active": self.token_account.active},
            "problems": dict(self.problems),
        }


def password_kind(password: str | None) -> str:
    """How `auth.password` was written (reference §2): bcrypt, argon2, none ('' or NULL: no
    password sign-in, an OAuth or trusted-header account), ldap (a bare UUID the LDAP sign-in
    stores), other."""
    if not password:
        return "none"
    if password.startswith(("$2b$", "$2a$", "$2y$")):
        return "bcrypt"
    if password.startswith("$argon2"):
        return "argon2"
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", password):
        return "ldap"
    return "other"


# One scan of auth: how each password was written, inactive accounts, accounts without a stamp.
_PASSWORD_KIND_SQL = """
SELECT CASE
  WHEN password IS NULL OR password = '' THEN 'none'
  WHEN password LIKE '$2b$%' OR password LIKE '$2a$%' OR password LIKE '$2y$%' THEN 'bcrypt'
  WHEN password LIKE '$argon2%' THEN 'argon2'
  WHEN LENGTH(password) = 36 AND password NOT LIKE '$%' THEN 'ldap'
  ELSE 'other' END AS kind, COUNT(*),
  SUM(CASE WHEN active = ? THEN 1 ELSE 0 END),
  SUM(CASE WHEN {stamp} IS NULL THEN 1 ELSE 0 END)
FROM auth GROUP BY 1"""
# user.oauth = {provider: {"sub": ...}}: accounts per provider, by the database's JSON functions.
_OAUTH_KEYS_SQL = {
    "sqlite": ("SELECT j.key, COUNT(*) FROM \"user\" u, json_each(CASE WHEN json_valid(u.oauth) "
               "AND json_type(u.oauth) = 'object' THEN u.oauth ELSE '{}' END) j "
               "WHERE u.oauth IS NOT NULL GROUP BY j.key"),
    "postgresql": ("SELECT k, COUNT(*) FROM \"user\" u, json_object_keys(CASE WHEN "
                   "json_typeof(CAST(u.oauth AS json)) = 'object' THEN CAST(u.oauth AS json) "
                   "ELSE CAST('{}' AS json) END) k WHERE u.oauth IS NOT NULL GROUP BY k"),
}
# An account linked to at least one provider (a non-empty JSON object in user.oauth).
_LINKED = {
    "sqlite": ("(u.oauth IS NOT NULL AND json_valid(u.oauth) AND json_type(u.oauth) = 'object' "
               "AND u.oauth <> '{}')"),
    "postgresql": ("(u.oauth IS NOT NULL AND json_typeof(CAST(u.oauth AS json)) = 'object' AND "
                   "CAST(u.oauth AS text) <> '{}')"),
}
_OAUTH_USERS_SQL = {
    "sqlite": ("SELECT COUNT(*) FROM \"user\" WHERE oauth IS NOT NULL AND json_valid(oauth) AND "
               "json_type(oauth) = 'object' AND oauth <> '{}'"),
    "postgresql": ("SELECT COUNT(*) FROM \"user\" WHERE oauth IS NOT NULL AND "
                   "json_typeof(CAST(oauth AS json)) = 'object' AND CAST(oauth AS text) <> '{}'"),
}


def read_observation(db: ReadOnlyDatabase, *, now: float, token_user_id: str | None = None,
                     sample: int = SESSION_SAMPLE, deadline: float | None = None) -> DatabaseObservation:
    """Read what the db checks need from an open database: aggregate queries and bounded samples
    only (memory does not grow with the rows). A section that fails (an older schema without a
    column, a statement timeout) is named in `problems`; the others are still read. `deadline`
    (a `time.monotonic()` value) stops starting new sections once passed."""
    schema = db.schema()
    values: dict[str, Any] = {"problems": {}}
    problems: dict[str, str] = values["problems"]

    def section(name: str, required: tuple[str, ...], work: Any) -> None:
        if deadline is not None and time.monotonic() > deadline:
            problems[name] = "not read: the time ran out"
            return
        missing = [t for t in required if not db.has_table(t)]
        if missing:
            problems[name] = f"no {', '.join(missing)} table"
            return
        try:
            work()
        except DatabaseUnavailable as exc:
            problems[name] = exc.reason

    def config() -> None:
        rows: dict[str, Any] = {}
        updated: dict[str, int | None] = {}
        count = 0
        for raw_key, value, updated_at in db.rows(
                'SELECT "key", CAST(value AS TEXT), updated_at FROM config'):
            count += 1
            key = str(raw_key)
            if key.startswith(AUTH_CONFIG_PREFIXES):
                rows[key] = decode_json(value)
                updated[key] = int(updated_at) if updated_at is not None else None
        values.update(config=rows, config_updated_at=updated, config_rows=count)

    def users() -> None:
        by_role = {str(role): int(n) for role, n in db.rows(
            'SELECT role, COUNT(*) FROM "user" GROUP BY role')}
        first = None
        for (role,) in db.rows('SELECT role FROM "user" ORDER BY created_at ASC LIMIT 1'):
            first = str(role) if role is not None else None
        providers: dict[str, int] = {}
        oauth_users = scim = 0
        user_columns = db.columns("user")
        if "oauth" in user_columns:
            try:      # counted by the database's own JSON functions: nothing streams through Python
                providers = {str(p): int(n) for p, n in db.rows(_OAUTH_KEYS_SQL[db.kind])}
                oauth_users = int(db.scalar(_OAUTH_USERS_SQL[db.kind]) or 0)
            except DatabaseUnavailable:    # an SQLite without JSON1, a value that is not JSON
                providers, oauth_users = {}, 0
                for (raw,) in db.rows('SELECT CAST(oauth AS TEXT) FROM "user" WHERE oauth IS NOT NULL'):
                    data = decode_json(raw)
                    if isinstance(data, dict) and data:
                        oauth_users += 1
                        for provider in data:
                            providers[str(provider)] = providers.get(str(provider), 0) + 1
        if "scim" in user_columns:
            scim = int(db.scalar('SELECT COUNT(*) FROM "user" WHERE scim IS NOT NULL AND '
                                 "CAST(scim AS TEXT) NOT IN ('null', '{}')") or 0)
        values.update(users=sum(by_role.values()), users_by_role=by_role, first_user_role=first,
                      oauth_providers=providers, oauth_users=oauth_users, scim_users=scim)

    def auth() -> None:
        auth_columns = db.columns("auth")
        stamp = "session_stamp" if "session_stamp" in auth_columns else "'-'"
        kinds: dict[str, int] = {}
        inactive = stamps = 0
        for kind, n, off, unstamped in db.rows(_PASSWORD_KIND_SQL.format(stamp=stamp), (False,)):
            kinds[str(kind)] = int(n)
            inactive += int(off or 0)
            stamps += int(unstamped or 0)
        mfa = 0
        mfa_sample: list[str] = []
        if "mfa" in auth_columns:
            for (raw,) in db.rows("SELECT CAST(mfa AS TEXT) FROM auth WHERE mfa IS NOT NULL"):
                data = decode_json(raw)
                if isinstance(data, dict) and data.get("secret"):
                    mfa += 1
                    if len(mfa_sample) < sample:
                        mfa_sample.append(str(data["secret"]))
        without_auth = int(db.scalar(
            'SELECT COUNT(*) FROM "user" u WHERE NOT EXISTS (SELECT 1 FROM auth a WHERE a.id = u.id)')
            or 0)
        password_no_oauth = 0
        if "oauth" in db.columns("user"):
            query = ('SELECT COUNT(*) FROM "user" u JOIN auth a ON a.id = u.id WHERE NOT {linked} '
                     "AND a.password IS NOT NULL AND a.password <> ''")
            try:
                password_no_oauth = int(db.scalar(query.format(linked=_LINKED[db.kind])) or 0)
            except DatabaseUnavailable:    # no JSON functions: text comparison
                password_no_oauth = int(db.scalar(query.format(
                    linked="(u.oauth IS NOT NULL AND CAST(u.oauth AS TEXT) NOT IN ('null', '{}'))"))
                    or 0)
        values.update(password_kinds=kinds, inactive_accounts=inactive, null_session_stamps=stamps,
                      mfa_enrolled=mfa, mfa_secret_sample=tuple(mfa_sample),
                      users_without_auth=without_auth,
                      password_users_without_oauth=password_no_oauth)

    def api_keys() -> None:
        values.update(api_keys=int(db.scalar("SELECT COUNT(*) FROM api_key") or 0),
                      api_key_users=int(db.scalar(
                          "SELECT COUNT(DISTINCT user_id) FROM api_key") or 0))

    def groups() -> None:
        count = int(db.scalar('SELECT COUNT(*) FROM "group"') or 0)
        members = int(db.scalar("SELECT COUNT(*) FROM group_member") or 0)
        parent = "parent_group_id" in db.columns("group")
        listed = []
        for row in db.rows(
                'SELECT g.name, (SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id), '
                "CAST(g.permissions AS TEXT), "
                + ("(SELECT p.name FROM \"group\" p WHERE p.id = g.parent_group_id) "
                   if parent else "NULL ")
                + 'FROM "group" g ORDER BY g.name LIMIT ?', (GROUP_SAMPLE,)):
            listed.append(GroupSummary(name=str(row[0]), members=int(row[1] or 0),
                                       permissions=decode_json(row[2]),
                                       parent=str(row[3]) if row[3] is not None else None))
        values.update(groups=count, group_members=members, group_sample=tuple(listed))

    def sessions() -> None:
        by_provider = {str(p): int(n) for p, n in db.rows(
            "SELECT provider, COUNT(*) FROM oauth_session GROUP BY provider")}
        expired = int(db.scalar("SELECT COUNT(*) FROM oauth_session WHERE expires_at < ?",
                                (int(now),)) or 0)
        # The newest rows: by rowid on SQLite (the last inserted; ordering by updated_at, which
        # has no index, reads every token of the table), by updated_at on PostgreSQL (the tokens
        # are TOASTed there: a scan reads only the small columns).
        order = "rowid DESC" if db.kind == "sqlite" else "updated_at DESC"
        picked = tuple(SessionSample(provider=str(p), expires_at=int(e), updated_at=int(u),
                                     token=str(t))
                       for p, e, u, t in db.rows(
                           "SELECT provider, expires_at, updated_at, token FROM oauth_session "
                           f"ORDER BY {order} LIMIT ?", (sample,)))
        values.update(sessions=sum(by_provider.values()), sessions_by_provider=by_provider,
                      sessions_expired=expired, session_sample=picked)

    def token() -> None:
        assert token_user_id is not None
        role = None
        user_found = False
        for (found_role,) in db.rows('SELECT role FROM "user" WHERE id = ?', (token_user_id,)):
            user_found, role = True, (str(found_role) if found_role is not None else None)
        stamp_column = "session_stamp" if "session_stamp" in db.columns("auth") else "NULL"
        account = TokenAccount(user_found=user_found, auth_found=False, role=role)
        for active, stamp, mfa in db.rows(
                f"SELECT active, {stamp_column}, CAST(mfa AS TEXT) FROM auth WHERE id = ?",
                (token_user_id,)):
            data = decode_json(mfa)
            account = TokenAccount(user_found=user_found, auth_found=True, role=role,
                                   active=bool(active) if active is not None else None,
                                   session_stamp=str(stamp) if stamp is not None else None,
                                   mfa_enrolled=isinstance(data, dict) and bool(data.get("secret")))
        values["token_account"] = account

    section("config", ("config",), config)
    section("users", ("user",), users)
    section("auth", ("auth", "user"), auth)
    section("api_keys", ("api_key",), api_keys)
    section("groups", ("group", "group_member"), groups)
    section("oauth_sessions", ("oauth_session",), sessions)
    if token_user_id is not None:
        section("token", ("user", "auth"), token)
    return DatabaseObservation(kind=db.kind, shown=db.shown, schema=schema, immutable=db.immutable,
                               **values)


__all__ = [
    "AUTH_CONFIG_PREFIXES",
    "HEAD_REVISION",
    "KNOWN_REVISIONS",
    "REVISION_FLAT_CONFIG",
    "REVISION_SESSION_STAMP",
    "SECRET_CONFIG_KEYS",
    "DatabaseObservation",
    "DatabaseTarget",
    "DatabaseUnavailable",
    "GroupSummary",
    "ReadOnlyDatabase",
    "SchemaInfo",
    "SessionSample",
    "TokenAccount",
    "classify_revision",
    "decode_json",
    "open_readonly",
    "parse_database_url",
    "password_kind",
    "qmark_to_format",
    "read_observation",
]
