"""`authdoctor rbac why` end to end on synthetic 0.12.4 SQLite databases (the schema the real app
created, `fixtures/db/openwebui-0.12.4-schema.sql`, rows written as the app writes them), and the
loader `authdoctor.probes.rbac_rows` on its own. What a user sees: codes, exit codes, one-line
usage errors, every output format."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from db_factory import add_config, add_user, create_database

from authdoctor.cli import main
from authdoctor.probes.db import DatabaseUnavailable, open_readonly
from authdoctor.probes.rbac_rows import (
    base_chain,
    find_user,
    groups_with_permission,
    load_resource,
    read_rows,
    stored_defaults,
    user_groups,
)


def add_group(conn: sqlite3.Connection, gid: str, name: str, permissions: Any = None,
              parent: str | None = None) -> None:
    conn.execute('INSERT INTO "group" (id, user_id, name, description, data, meta, permissions, '
                 "created_at, updated_at, parent_group_id) VALUES (?, 'u-admin', ?, '', ?, NULL, ?, 1, 1, ?)",
                 (gid, name, json.dumps({"config": {"share": "members"}}),
                  json.dumps(permissions) if permissions is not None else None, parent))


def add_member(conn: sqlite3.Connection, gid: str, uid: str) -> None:
    conn.execute("INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
                 "VALUES (?, ?, ?, 1, 1)", (f"{gid}:{uid}", gid, uid))


def add_model(conn: sqlite3.Connection, mid: str, owner: str, base: str | None = None) -> None:
    conn.execute("INSERT INTO model (id, user_id, base_model_id, name, params, meta, updated_at, "
                 "created_at, is_active) VALUES (?, ?, ?, ?, '{}', '{}', 1, 1, 1)",
                 (mid, owner, base, mid.upper()))


def add_grant(conn: sqlite3.Connection, kind: str, rid: str, ptype: str, pid: str, perm: str) -> None:
    conn.execute("INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
                 "principal_id, permission, created_at) VALUES (?, ?, ?, ?, ?, ?, 1)",
                 (f"{kind}:{rid}:{ptype}:{pid}:{perm}", kind, rid, ptype, pid, perm))


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = create_database(tmp_path_factory.mktemp("rbac") / "webui.db", wal=True)
    conn = sqlite3.connect(path)
    add_user(conn, "u-admin", "admin@example.com", "admin")
    add_user(conn, "u-alice", "alice@example.com", "user")
    add_user(conn, "u-bob", "bob@example.com", "user")
    add_user(conn, "u-carol", "carol@example.com", "pending")
    add_config(conn, {"user.permissions": {"workspace": {"models": False}, "chat": {"controls": True}}})
    add_group(conn, "g-eng", "Engineering", {"workspace": {"models": True}})
    add_group(conn, "g-back", "Backend", {"workspace": {"models": False}}, parent="g-eng")
    add_group(conn, "g-ops", "Ops", {"workspace": {"knowledge": True}})
    add_member(conn, "g-back", "u-alice")
    add_model(conn, "gpt-x", "u-admin")
    add_grant(conn, "model", "gpt-x", "group", "g-eng", "read")
    add_model(conn, "preset", "u-alice", base="gpt-x")
    add_model(conn, "retired", "u-alice")
    conn.execute("UPDATE model SET is_active = 0 WHERE id = 'retired'")
    conn.execute("INSERT INTO knowledge (id, user_id, name, description, created_at) VALUES "
                 "('kb1', 'u-admin', 'Handbook', '', 1)")
    add_grant(conn, "knowledge", "kb1", "user", "u-bob", "read")
    conn.execute("INSERT INTO tool (id, user_id, name, content, updated_at, created_at) VALUES "
                 "('calc', 'u-admin', 'Calculator', '', 1, 1)")
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"


@pytest.fixture
def db(url: str) -> Iterator[Any]:
    with open_readonly(url, timeout=5) as handle:
        yield handle


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return int(excinfo.value.code or 0), out, err


def why_json(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = run(capsys, "rbac", "why", *args, "--database", url, "--format", "json")
    assert err == ""
    return code, json.loads(out)["findings"]


# ----------------------------------------------------------------------------- the loader

def test_user_by_id_and_by_email_compared_as_the_app_does(db: Any) -> None:
    by_id, by_email = find_user(db, "u-alice"), find_user(db, "ALICE@Example.COM")
    assert by_id is not None and by_id.email == "alice@example.com"
    assert by_email is not None and by_email.id == "u-alice"
    assert find_user(db, "nobody@example.com") is None


def test_groups_include_ancestors_once(db: Any) -> None:
    groups = user_groups(db, "u-alice")
    assert [(g.name, g.via) for g in groups] == [("Backend", None), ("Engineering", "Backend")]
    assert groups[1].permissions == {"workspace": {"models": True}}
    assert user_groups(db, "u-bob") == []


def test_group_cycle_terminates(tmp_path: Path) -> None:
    path = create_database(tmp_path / "webui.db")
    conn = sqlite3.connect(path)
    add_user(conn, "u1", "a@example.com")
    add_group(conn, "g1", "One", parent="g2")
    add_group(conn, "g2", "Two", parent="g1")
    add_member(conn, "g1", "u1")
    conn.commit()
    conn.close()
    with open_readonly(f"sqlite:///{path}", timeout=5) as handle:
        assert sorted(g.name for g in user_groups(handle, "u1")) == ["One", "Two"]


def test_stored_defaults_resource_chain_and_other_groups(db: Any) -> None:
    stored = stored_defaults(db)
    assert stored.present and stored.tree == {"workspace": {"models": False}, "chat": {"controls": True}}
    gpt = load_resource(db, "model", "gpt-x")
    assert (gpt.name, gpt.owner_shown, gpt.group_names) == ("GPT-X", "admin@example.com",
                                                           {"g-eng": "Engineering"})
    assert [(g.principal_type, g.principal_id, g.permission) for g in gpt.grants] == [
        ("group", "g-eng", "read")]
    preset = load_resource(db, "model", "preset")
    assert [hop.id for hop in base_chain(db, preset)] == ["gpt-x"]
    assert load_resource(db, "tool", "nope").missing
    assert groups_with_permission(db, "workspace.models", ["g-back"]) == ["Engineering"]
    assert groups_with_permission(db, "workspace.models", ["g-eng"]) == []


def test_schema_without_access_grant_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript('CREATE TABLE "user" (id TEXT, email TEXT, role TEXT, name TEXT);'
                       'CREATE TABLE "group" (id TEXT); CREATE TABLE group_member (id TEXT);'
                       "CREATE TABLE config (key TEXT, value TEXT);")
    conn.close()
    with open_readonly(f"sqlite:///{path}", timeout=5) as handle, \
            pytest.raises(DatabaseUnavailable, match="no 'access_grant' table"):
        read_rows(handle, "a@example.com", permission="workspace.models")


# ----------------------------------------------------------------------------- the command

def test_permission_granted_through_a_parent_group(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, findings = why_json(capsys, url, "alice@example.com", "workspace.models")
    assert code == 0
    assert [f["code"] for f in findings] == ["rbac.permission-granted"]
    assert "group 'Engineering' (inherited through 'Backend')" in findings[0]["title"]


def test_permission_denied_names_a_group_to_join(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, findings = why_json(capsys, url, "bob@example.com", "workspace.knowledge", "--fail-on", "warning")
    assert code == 1
    assert [f["code"] for f in findings] == ["rbac.permission-denied"]
    assert "add the user to a group that has it on: 'Ops'" in findings[0]["fix"]


def test_settings_give_the_env_only_switches(capsys: pytest.CaptureFixture[str], url: str,
                                             tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BYPASS_MODEL_ACCESS_CONTROL=true\n")
    _, findings = why_json(capsys, url, "bob@example.com", "--model", "gpt-x")
    assert findings[0]["code"] == "rbac.access-denied"
    assert "no settings given" in findings[0]["evidence"]["BYPASS_MODEL_ACCESS_CONTROL"]
    _, findings = why_json(capsys, url, "bob@example.com", "--model", "gpt-x", "--env-file", str(env_file))
    assert findings[0]["code"] == "rbac.access-granted"
    assert findings[0]["evidence"]["BYPASS_MODEL_ACCESS_CONTROL"] == "'true': true"


@pytest.mark.parametrize(("args", "expected"), [
    (("alice@example.com", "--model", "gpt-x"), "rbac.access-granted"),
    (("alice@example.com", "--model", "preset"), "rbac.access-granted"),
    (("bob@example.com", "--model", "gpt-x"), "rbac.access-denied"),
    (("bob@example.com", "--knowledge", "kb1"), "rbac.access-granted"),
    (("bob@example.com", "--knowledge", "kb1", "--access", "write"), "rbac.access-denied"),
    (("u-alice", "--tool", "calc"), "rbac.access-denied"),
    (("admin@example.com", "--tool", "calc"), "rbac.access-granted"),
    (("alice@example.com", "--model", "llama3:8b"), "rbac.resource-not-found"),
    (("alice@example.com", "--model", "retired"), "rbac.model-inactive"),
    (("carol@example.com", "--model", "gpt-x"), "rbac.user-pending"),
    (("nobody@example.com", "workspace.models"), "rbac.user-not-found"),
])
def test_answers(capsys: pytest.CaptureFixture[str], url: str, args: tuple[str, ...], expected: str) -> None:
    code, findings = why_json(capsys, url, *args)
    assert [f["code"] for f in findings] == [expected]
    assert code == (1 if findings[0]["severity"] == "error" else 0)


def test_text_report(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, "rbac", "why", "bob@example.com", "workspace.models", "--database", url,
                       "--no-color", "--now", "2026-11-28T12:00:00Z")
    assert code == 0
    assert "rbac why: sqlite:///" in out
    assert "WARNING  rbac.permission-denied  bob@example.com does not have workspace.models" in out
    assert "settings from: none given (the app's defaults assumed" in out
    assert "fix:" in out and "Default permissions" in out


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_machine_formats(capsys: pytest.CaptureFixture[str], url: str, fmt: str) -> None:
    code, out, _ = run(capsys, "rbac", "why", "bob@example.com", "workspace.models", "--database", url,
                       "--format", fmt, "--now", "2026-11-28T12:00:00Z")
    assert code == 0
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert [r["ruleId"] for r in results] == ["rbac.permission-denied"]
    else:
        assert "rbac.permission-denied" in ET.tostring(ET.fromstring(out), encoding="unicode")


def test_output_file_and_never_over_the_database(capsys: pytest.CaptureFixture[str], url: str,
                                                 db_path: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out, _ = run(capsys, "rbac", "why", "alice@example.com", "workspace.models", "--database", url,
                       "--format", "json", "--output", str(report))
    assert (code, out) == (0, "")
    assert json.loads(report.read_text())["findings"][0]["code"] == "rbac.permission-granted"
    before = db_path.read_bytes()
    code, _, err = run(capsys, "rbac", "why", "alice@example.com", "workspace.models", "--database", url,
                       "--output", str(db_path))
    assert code == 2 and "refusing to overwrite" in err
    assert db_path.read_bytes() == before


def test_database_that_cannot_be_opened(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, findings = why_json(capsys, f"sqlite:///{tmp_path}/missing.db", "alice@example.com",
                              "workspace.models")
    assert code == 1
    assert [f["code"] for f in findings] == ["rbac.database-unreadable"]
    assert "does not exist" in findings[0]["title"]
    assert not (tmp_path / "missing.db").exists()
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello\n" * 50)
    code, findings = why_json(capsys, f"sqlite:///{not_sqlite}", "alice@example.com", "workspace.models")
    assert (code, findings[0]["code"]) == (1, "rbac.database-unreadable")


def test_a_fifo_is_refused_without_waiting(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "webui.db"
    os.mkfifo(fifo)
    code, findings = why_json(capsys, f"sqlite:///{fifo}", "alice@example.com", "workspace.models",
                              "--timeout", "5")
    assert (code, [f["code"] for f in findings]) == (1, ["rbac.database-unreadable"])
    assert "not a regular file" in findings[0]["title"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_no_secret_in_any_format(capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path,
                                 fmt: str) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("WEBUI_SECRET_KEY=k3y-that-is-secret-0123456789\n"
                        "DATABASE_URL=postgresql://owui:s3cr3t-pw@127.0.0.1:1/owui\n")
    for database in ("postgresql://owui:s3cr3t-pw@127.0.0.1:1/owui", url):
        code, out, err = run(capsys, "rbac", "why", "alice@example.com", "workspace.models", "--database",
                             database, "--env-file", str(env_file), "--format", fmt, "--timeout", "5")
        assert code in (0, 1)
        assert "s3cr3t-pw" not in out + err and "k3y-that-is-secret" not in out + err
    assert "rbac.permission-granted" in out


def test_postgres_that_refuses_is_unreadable(capsys: pytest.CaptureFixture[str]) -> None:
    code, findings = why_json(capsys, "postgresql://owui:pw@127.0.0.1:1/owui", "alice@example.com",
                              "workspace.models")
    assert (code, [f["code"] for f in findings]) == (1, ["rbac.database-unreadable"])
    assert findings[0]["evidence"]["database"] == "postgresql://owui:***@127.0.0.1:1/owui"


@pytest.mark.parametrize(("args", "message"), [
    (("alice@example.com",), "say what to explain"),
    (("alice@example.com", "workspace.models", "--model", "m"), "not both"),
    (("alice@example.com", "--model", "m", "--tool", "t"), "not several"),
    (("alice@example.com", "workspace.model"), "did you mean workspace.models"),
    (("alice@example.com", "workspace"), "'workspace' is a section"),
    (("alice@example.com", "workspace.models", "--access", "write"), "--access goes with"),
    (("alice@example.com", "--model", "m", "--access", "execute"), "--access must be read or write"),
    (("  ", "workspace.models"), "USER is empty"),
    (("alice@example.com", "--model", " "), "--model: the id is empty"),
    (("al\udcffice@example.com", "workspace.models"), "USER is not valid UTF-8"),
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], url: str, args: tuple[str, ...],
                      message: str) -> None:
    code, out, err = run(capsys, "rbac", "why", *args, "--database", url)
    assert code == 2 and out == ""
    assert err.startswith("authdoctor: error: ") and message in err and err.count("\n") == 1


def test_database_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "rbac", "why", "alice@example.com", "workspace.models")
    assert code == 2 and "--database" in err


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rbac", "why", "--help")
    assert code == 0
    assert "authdoctor rbac why alice@example.com --model gpt-4o" in out
    assert "workspace: models, knowledge" in out


def test_explain_documents_every_rbac_code(capsys: pytest.CaptureFixture[str]) -> None:
    from authdoctor.catalog import CATALOG

    for code_name in [c for c in CATALOG if c.startswith("rbac.")]:
        code, out, _ = run(capsys, "explain", code_name)
        assert code == 0 and code_name in out


# ----------------------------------------------------------------------------- the fast path

def _fast_lines(url: str, tmp: Path) -> list[list[str]]:
    return [
        ["rbac", "why", "alice@example.com", "workspace.models", "--database", url],
        ["rbac", "why", "bob@example.com", "workspace.models", "--database", url, "--format", "json",
         "--fail-on", "warning", "--now", "2026-11-28T12:00:00Z"],
        ["rbac", "why", "--database", url, "bob@example.com", "--model", "gpt-x", "-f", "sarif",
         "--now=2026-11-28T12:00:00Z"],
        ["rbac", "why", "alice@example.com", "--knowledge=kb1", "--access", "write", f"--database={url}",
         "--timeout", "5"],
        ["rbac", "why", "alice@example.com", "workspace.model", "--database", url],
        ["rbac", "why", "alice@example.com", "--database", url],
        ["rbac", "why", "alice@example.com", "workspace.models"],
        ["rbac", "why", "alice@example.com", "workspace.models", "--database", url, "-o",
         str(tmp / "r.txt")],
    ]


def test_the_fast_path_says_exactly_what_typer_says(capsys: pytest.CaptureFixture[str], url: str,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from authdoctor.cli import fast

    for args in _fast_lines(url, tmp_path):
        assert fast.fast_command(args) is not None, args
        quick = run(capsys, *args)
        with monkeypatch.context() as patch:
            patch.setattr(fast, "fast_command", lambda args: None)
            slow = run(capsys, *args)
        assert slow == quick, args


@pytest.mark.parametrize("args", [
    ["rbac"], ["rbac", "why"], ["rbac", "why", "--help"], ["rbac", "show", "a"],
    ["rbac", "why", "a", "b", "c", "--database", "x"], ["rbac", "why", "a", "--model"],
    ["rbac", "why", "a", "b", "--timeout", "soon"], ["rbac", "why", "a", "b", "--bogus"],
])
def test_unusual_rbac_lines_are_left_to_typer(args: list[str]) -> None:
    from authdoctor.cli import fast

    assert fast.fast_command(args) is None


def test_a_locked_database_is_said_before_the_deadline(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    """A writer holding an exclusive lock: the reader's busy wait was the whole --timeout, so the
    run ended at the deadline (exit 3, 'did not finish') instead of saying the database is locked
    (review)."""
    path = create_database(tmp_path / "webui.db")
    conn = sqlite3.connect(path, isolation_level=None)
    add_user(conn, "u-alice", "alice@example.com", "user")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        code, findings = why_json(capsys, f"sqlite:///{path}", "alice@example.com", "workspace.models",
                                  "--timeout", "4")
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert (code, [f["code"] for f in findings]) == (1, ["rbac.database-unreadable"])
    assert "locked" in findings[0]["title"]
