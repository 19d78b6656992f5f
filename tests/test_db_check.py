"""The db area and `db show` (issue 13) against synthetic 0.12.4 databases (tests/db_factory.py):
what a user sees (codes, severities, exit codes, wording), the settings that really apply, and
that no secret from the database, the URL or a token is ever shown. Real databases written by the
real app are in tests/lab/test_lab_db_live.py."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import jwt as pyjwt
import pytest
from db_factory import (
    add_api_key,
    add_config,
    add_group,
    add_session,
    add_user,
    create_database,
    fernet_token,
)

from authdoctor.cli import main

NOW = "2026-11-28T00:00:00Z"
NOW_EPOCH = 1_795_824_000
KEY = "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"
OLD_KEY = "an-old-secret-key-that-was-rotated-away-0123456789"
LDAP_PW = "ldap-bind-pw-in-the-db-9f8e7d"
API_KEY = "sk-0123456789abcdef0123456789abcdef"
ACCESS = "access-token-value-never-shown-1234567890"
Capsys = pytest.CaptureFixture[str]


def run(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def findings(out: str) -> list[dict[str, object]]:
    return list(json.loads(out)["findings"])


def codes(out: str) -> list[str]:
    return [str(f["code"]) for f in findings(out)]


def by_code(out: str, code: str) -> dict[str, object]:
    matches = [f for f in findings(out) if f["code"] == code]
    assert len(matches) == 1, codes(out)
    return matches[0]


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    path = create_database(tmp_path / "webui.db")
    conn = sqlite3.connect(path)
    yield path, conn
    conn.close()


def env_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "app.env"
    path.write_text(f"WEBUI_SECRET_KEY={KEY}\n" + text)
    return str(path)


def url(path: Path) -> str:
    return f"sqlite:///{path}"


# ----------------------------------------------------------------------------- settings that apply

def test_env_value_shadowed_by_the_database_is_named_and_the_db_value_is_judged(
        capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_config(conn, {"auth.jwt_expiry": "3600", "webui.url": "http://old.example.com"})
    conn.commit()
    settings = env_file(tmp_path, "WEBUI_URL=https://new.example.com\nJWT_EXPIRES_IN=8h\n")
    code, out, _ = run(capsys, "check", "--env-file", settings, "--database", url(path),
                       "--only", "db", "--only", "jwt", "--only", "config", "--now", NOW,
                       "--format", "json")
    assert code == 1
    shadowed = [f for f in findings(out) if f["code"] == "config.env-shadowed-by-db"]
    titles = sorted(str(f["title"]) for f in shadowed)
    assert titles == [
        "JWT_EXPIRES_IN='8h' is ignored; the app uses '3600' from its database",
        "WEBUI_URL='https://new.example.com' is ignored; the app uses 'http://old.example.com' "
        "from its database"]
    assert all(f["severity"] == "warning" for f in shadowed)
    # the env file is right, the database is not: the jwt check judged the database's value
    broken = by_code(out, "jwt.expires-in-invalid")
    assert broken["severity"] == "error"
    assert "config auth.jwt_expiry" in json.dumps(broken["location"])
    # the generic "may be ignored" is replaced by the precise finding
    assert "config.persisted-setting-ignored" not in codes(out)


def test_without_the_database_the_generic_persisted_finding_stays(capsys: Capsys, tmp_path: Path) -> None:
    settings = env_file(tmp_path, "JWT_EXPIRES_IN=8h\n")
    code, out, _ = run(capsys, "check", "--env-file", settings, "--only", "config", "--only", "db",
                       "--now", NOW, "--format", "json")
    assert code == 0
    assert "config.persisted-setting-ignored" in codes(out)
    db_area = next(c for c in json.loads(out)["checks"] if c["area"] == "db")
    assert db_area["live"]["status"] == "skipped"


def test_persistent_config_off_means_the_environment_wins(capsys: Capsys, tmp_path: Path,
                                                          db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_config(conn, {"auth.jwt_expiry": "3600"})
    conn.commit()
    settings = env_file(tmp_path, "ENABLE_PERSISTENT_CONFIG=false\nJWT_EXPIRES_IN=8h\n")
    code, out, _ = run(capsys, "check", "--env-file", settings, "--database", url(path),
                       "--only", "db", "--only", "jwt", "--now", NOW, "--format", "json")
    assert code == 0, codes(out)
    assert "config.env-shadowed-by-db" not in codes(out)
    assert "jwt.expires-in-invalid" not in codes(out)


def test_oauth_rows_apply_only_with_oauth_persistence_and_never_for_the_client(
        capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_config(conn, {"oauth.merge_accounts_by_email": True, "oauth.client_id": "old-client"})
    conn.commit()
    base = "OAUTH_MERGE_ACCOUNTS_BY_EMAIL=false\nOAUTH_CLIENT_ID=new-client\n"
    for persistent, expected in (("false", []), ("true", ["OAUTH_MERGE_ACCOUNTS_BY_EMAIL"])):
        settings = env_file(tmp_path, base + f"ENABLE_OAUTH_PERSISTENT_CONFIG={persistent}\n")
        _, out, _ = run(capsys, "check", "--env-file", settings, "--database", url(path),
                        "--only", "db", "--now", NOW, "--format", "json")
        shadowed = [f["subject"] for f in findings(out) if f["code"] == "config.env-shadowed-by-db"]
        assert shadowed == expected


def test_reset_on_start_is_said(capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_config(conn, {"ui.default_user_role": "user"})
    conn.commit()
    settings = env_file(tmp_path, "RESET_CONFIG_ON_START=true\nDEFAULT_USER_ROLE=pending\n")
    _, out, _ = run(capsys, "check", "--env-file", settings, "--database", url(path), "--only", "db",
                    "--now", NOW, "--format", "json")
    shadowed = by_code(out, "config.env-shadowed-by-db")
    assert "RESET_CONFIG_ON_START=true" in str(shadowed["detail"])


# ----------------------------------------------------------------------------- users and roles

def test_empty_database_with_open_signup(capsys: Capsys, db: tuple[Path, sqlite3.Connection]) -> None:
    path, _ = db
    code, out, _ = run(capsys, "db", "show", "--database", url(path), "--now", NOW, "--format", "json",
                       "--fail-on", "warning")
    assert code == 1
    assert by_code(out, "db.no-users")["severity"] == "warning"


def test_no_admin_and_pending_accounts(capsys: Capsys, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "a@example.com", "user")
    add_user(conn, "u2", "b@example.com", "pending")
    add_user(conn, "u3", "c@example.com", "pending", active=False)
    conn.commit()
    code, out, _ = run(capsys, "db", "show", "--database", url(path), "--now", NOW, "--format", "json")
    assert code == 1
    assert by_code(out, "db.no-admin")["severity"] == "error"
    pending = by_code(out, "db.users-pending")
    assert pending["title"] == "2 of 3 accounts are pending: they sign in but use nothing"
    assert by_code(out, "db.account-inactive")["title"] == (
        "1 account(s) are marked inactive: every request gets 401")
    accounts = by_code(out, "db.accounts")
    assert accounts["evidence"]["by role"] == "pending: 2, user: 1"  # type: ignore[index]
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        assert email not in out          # counts only, never an email


def test_oauth_sign_in_that_cannot_find_its_account(capsys: Capsys, tmp_path: Path,
                                                    db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_user(conn, "u2", "pw@example.com", "user")
    add_user(conn, "u3", "gh@example.com", "user", password="", oauth={"github": {"sub": "42"}})
    add_user(conn, "u4", "oidc@example.com", "user", password="", oauth={"oidc": {"sub": "s4"}})
    conn.commit()
    settings = env_file(tmp_path, "OAUTH_CLIENT_ID=c\nOAUTH_CLIENT_SECRET=s\n"
                        "OPENID_PROVIDER_URL=https://idp.example.com/.well-known/openid-configuration\n"
                        "ENABLE_OAUTH_SIGNUP=true\n")
    code, out, _ = run(capsys, "check", "--env-file", settings, "--database", url(path), "--only", "db",
                       "--now", NOW, "--format", "json")
    assert code == 0
    taken = by_code(out, "db.oauth-email-taken")
    assert taken["title"] == ("2 password account(s) cannot sign in with OAuth: merge by email is off")
    assert "400 'This email is already registered'" in str(taken["detail"])
    orphaned = by_code(out, "db.oauth-provider-orphaned")
    assert orphaned["title"] == "1 account link(s) to provider(s) no longer configured: github"
    assert orphaned["severity"] == "warning"


# ----------------------------------------------------------------------------- OAuth sessions

def test_sessions_written_with_an_old_key_do_not_decrypt(capsys: Capsys, tmp_path: Path,
                                                         db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    old = NOW_EPOCH - 10 * 86400
    for index in range(3):
        add_session(conn, f"old{index}", "u1", fernet_token(OLD_KEY, {"access_token": ACCESS}, at=old),
                    updated_at=old)
    add_session(conn, "new", "u1", fernet_token(KEY, {"access_token": ACCESS, "refresh_token": "r"},
                                                at=NOW_EPOCH - 60), updated_at=NOW_EPOCH - 60)
    conn.commit()
    code, out, _ = run(capsys, "check", "--env-file", env_file(tmp_path, ""), "--database", url(path),
                       "--only", "db", "--now", NOW, "--format", "json")
    assert code == 1
    broken = by_code(out, "db.oauth-session-undecryptable")
    assert broken["title"] == "3 of 4 sampled OAuth session(s) do not decrypt with WEBUI_SECRET_KEY"
    assert "The key changed between 2026-11-18" in str(broken["detail"])
    assert ACCESS not in out and OLD_KEY not in out and KEY not in out


def test_44_character_key_is_used_as_is(capsys: Capsys, tmp_path: Path,
                                        db: tuple[Path, sqlite3.Connection]) -> None:
    from cryptography.fernet import Fernet

    path, conn = db
    fernet_key = Fernet.generate_key().decode()
    add_user(conn, "u1", "admin@example.com", "admin")
    add_session(conn, "s", "u1", fernet_token(fernet_key, {"access_token": ACCESS, "refresh_token": "r"}))
    conn.commit()
    settings = env_file(tmp_path, f"OAUTH_SESSION_TOKEN_ENCRYPTION_KEY={fernet_key}\n")
    code, out, _ = run(capsys, "check", "--env-file", settings, "--database", url(path), "--only", "db",
                       "--now", NOW, "--format", "json")
    assert code == 0, codes(out)
    assert codes(out) == ["db.ok"]


def test_expired_sessions_without_refresh_token(capsys: Capsys, tmp_path: Path,
                                                db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_session(conn, "s1", "u1", fernet_token(KEY, {"access_token": ACCESS}), expires_at=NOW_EPOCH - 5)
    add_session(conn, "s2", "u1", fernet_token(KEY, {"access_token": ACCESS}), expires_at=253402300799)
    conn.commit()
    code, out, _ = run(capsys, "check", "--env-file", env_file(tmp_path, ""), "--database", url(path),
                       "--only", "db", "--now", NOW, "--format", "json")
    assert code == 0
    stranded = by_code(out, "db.oauth-session-no-refresh")
    assert stranded["title"] == "1 sampled OAuth session(s) expired without a refresh token"
    assert ACCESS not in out


def test_sessions_without_a_key_in_the_settings_are_not_tested(capsys: Capsys, tmp_path: Path,
                                                               db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_session(conn, "s1", "u1", fernet_token(KEY, {"access_token": ACCESS}))
    conn.commit()
    settings = tmp_path / "nokey.env"
    settings.write_text("WEBUI_URL=http://localhost:8080\n")
    _, out, _ = run(capsys, "check", "--env-file", str(settings), "--database", url(path), "--only", "db",
                    "--now", NOW, "--format", "json")
    assert "start.sh generates one" in " ".join(str(f["title"]) for f in findings(out))


# ----------------------------------------------------------------------------- a token

def app_token(user: str, stamp: str | None, key: str = KEY) -> str:
    claims: dict[str, object] = {"id": user, "typ": "session", "jti": "j1", "exp": NOW_EPOCH + 3600}
    if stamp is not None:
        claims["session_stamp"] = stamp
    return pyjwt.encode(claims, key, algorithm="HS256")


@pytest.mark.parametrize(("user", "stamp", "key", "expected"), [
    ("u1", "stamp", KEY, []),
    ("u1", "rotated-away", KEY, ["db.token-stamp-stale"]),
    ("u1", None, KEY, ["db.token-stamp-stale"]),
    ("nobody", "stamp", KEY, ["db.token-account-missing"]),
    ("u1", "stamp", OLD_KEY, ["jwt.bad-signature"]),
])
def test_token_against_the_database(capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection],
                                    user: str, stamp: str | None, key: str, expected: list[str]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin", session_stamp="stamp")
    conn.commit()
    token = app_token(user, stamp, key)
    _, out, _ = run(capsys, "check", "--env-file", env_file(tmp_path, ""), "--database", url(path),
                    "--only", "db", "--token", token, "--now", NOW, "--format", "json")
    assert [c for c in codes(out) if c != "db.ok"] == expected
    assert token not in out and "rotated-away" not in out


def test_stale_stamp_wording(capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin", session_stamp="new")
    conn.commit()
    _, out, _ = run(capsys, "db", "show", "--env-file", env_file(tmp_path, ""), "--database", url(path),
                    "--token", app_token("u1", "old"), "--now", NOW)
    assert "db.token-stamp-stale" in out
    assert "the app answers 401 'Invalid token'" in " ".join(out.split())


def test_null_stamps_and_secrets_at_rest(capsys: Capsys, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin", session_stamp=None)
    add_api_key(conn, "u1", API_KEY)
    add_config(conn, {"ldap.server.app_password": LDAP_PW})
    conn.commit()
    for fmt in ("text", "json", "sarif", "junit"):
        _, out, _ = run(capsys, "db", "show", "--database", url(path), "--now", NOW, "--format", fmt)
        assert "db.session-stamp-missing" in out and "db.secrets-at-rest" in out
        assert LDAP_PW not in out and API_KEY not in out


# ----------------------------------------------------------------------------- db show

def test_db_show_view(capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_user(conn, "u2", "b@example.com", "user")
    add_group(conn, "g1", "engineers", ["u2"], permissions={"workspace": {"models": True}})
    add_group(conn, "g2", "interns", [], parent="g1")
    add_config(conn, {"ui.enable_signup": False, "webui.url": "https://chat.example.com"})
    conn.commit()
    code, out, err = run(capsys, "db", "show", "--env-file", env_file(tmp_path, "ENABLE_SIGNUP=true\n"),
                         "--database", url(path), "--now", NOW, "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["command"] == "db show"
    assert [c["area"] for c in document["checks"]] == ["db"]
    view = by_code(out, "db.effective-settings")["evidence"]
    assert view["ENABLE_SIGNUP (ui.enable_signup)"] == "false [database]"  # type: ignore[index]
    assert view["WEBUI_URL (webui.url)"] == "'https://chat.example.com' [database]"  # type: ignore[index]
    assert view["JWT_EXPIRES_IN (auth.jwt_expiry)"] == "'4w' [default]"  # type: ignore[index]
    groups = by_code(out, "db.groups")
    assert groups["title"] == "2 group(s), 1 membership(s)"
    assert groups["evidence"] == {"engineers": "1 member(s), grants workspace.models",
                                  "interns": "0 member(s), parent engineers, grants nothing"}


def test_db_show_usage_errors(capsys: Capsys) -> None:
    code, out, err = run(capsys, "db", "show")
    assert code == 2 and out == ""
    assert err.startswith("authdoctor: error: give the database")
    code, _, err = run(capsys, "db", "show", "--database", "webui.db")
    assert code == 2 and "not a database URL" in err


@pytest.mark.parametrize(("make", "expected", "words"), [
    (lambda p: p.write_bytes(b"not a database at all" * 20), "db.unreadable", "is not an SQLite database"),
    (lambda p: None, "db.unreadable", "does not exist"),
])
def test_bad_files_are_findings_not_tracebacks(capsys: Capsys, tmp_path: Path, make: object,
                                               expected: str, words: str) -> None:
    path = tmp_path / "webui.db"
    make(path)  # type: ignore[operator]
    code, out, err = run(capsys, "db", "show", "--database", url(path), "--now", NOW, "--format", "json")
    assert code == 1 and "Traceback" not in err
    found = by_code(out, expected)
    assert words in str(found["title"])


def test_truncated_database(capsys: Capsys, db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    conn.commit()
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 4])
    code, out, _ = run(capsys, "db", "show", "--database", url(path), "--now", NOW)
    assert code == 1
    assert "db.unreadable" in out and "damaged or truncated" in out


def test_schema_of_another_version(capsys: Capsys, tmp_path: Path) -> None:
    path = create_database(tmp_path / "webui.db", revision="0123456789ab")
    code, out, _ = run(capsys, "db", "show", "--database", url(path), "--now", NOW, "--format", "json")
    assert code == 0
    mismatch = by_code(out, "db.schema-mismatch")
    assert mismatch["severity"] == "warning"
    assert "a newer release wrote it" in str(mismatch["detail"])


def test_not_inspectable_and_unreachable(capsys: Capsys) -> None:
    _, out, _ = run(capsys, "db", "show", "--database", "mysql://u:hunter2-pw@db/owui", "--now", NOW,
                    "--format", "json")
    assert codes(out) == ["db.not-inspectable"] and "hunter2-pw" not in out
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    code, out, _ = run(capsys, "db", "show", "--database",
                       f"postgresql://owui:pg-secret-pw@127.0.0.1:{port}/owui", "--now", NOW)
    assert code == 1 and time.monotonic() - started < 20
    assert "db.unreachable" in out and "pg-secret-pw" not in out


def test_driver_missing_is_a_skip_with_the_install_line(capsys: Capsys,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_psycopg(name: str, *args: object, **kwargs: object) -> object:
        if name == "psycopg":
            raise ImportError("no psycopg")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    _, out, _ = run(capsys, "db", "show", "--database", "postgresql://u@127.0.0.1:1/x", "--now", NOW)
    assert "pip install 'authdoctor[postgres]'" in out


def test_implicit_sqlite_from_data_dir(capsys: Capsys, tmp_path: Path,
                                       db: tuple[Path, sqlite3.Connection]) -> None:
    path, conn = db
    add_user(conn, "u1", "a@example.com", "pending")
    conn.commit()
    settings = env_file(tmp_path, f"DATA_DIR={path.parent}\n")
    _, out, _ = run(capsys, "check", "--env-file", settings, "--only", "db", "--now", NOW,
                    "--format", "json")
    assert "db.no-admin" in codes(out)
    # a container path that is not on this machine is not guessed at
    other = env_file(tmp_path, "DATA_DIR=/app/backend/data\n")
    _, out, _ = run(capsys, "check", "--env-file", other, "--only", "db", "--now", NOW, "--format", "json")
    assert codes(out) == ["db.skipped"]
    assert "not a file on this machine" in str(findings(out)[0]["title"])
    # a PostgreSQL DATABASE_URL from the settings is not connected to unasked
    pg = env_file(tmp_path, "DATABASE_URL=postgresql://u:pw-xyz-123@db.internal:5432/x\n")
    _, out, _ = run(capsys, "check", "--env-file", pg, "--only", "db", "--now", NOW, "--format", "json")
    assert codes(out) == ["db.skipped"] and "--database" in str(findings(out)[0]["title"])


# ----------------------------------------------------------------------------- secrets (sweep)

FRAGMENT = 6


def _fragments(*secrets: str) -> set[str]:
    return {s[i:i + FRAGMENT] for s in secrets for i in range(len(s) - FRAGMENT + 1)}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_no_secret_from_the_database_in_any_format(capsys: Capsys, tmp_path: Path,
                                                   db: tuple[Path, sqlite3.Connection], fmt: str) -> None:
    """Every credential the database holds (the LDAP bind password and OAuth client secret rows,
    an API key, the tokens inside the OAuth sessions), the environment's own LDAP password that
    the row overrides, a --database URL password and the --token: none of them, nor a 6-character
    piece of one, is printed, whatever the format and the areas that judge the effective values."""
    path, conn = db
    # markers without an English word in them (a 6-character piece must not occur by chance)
    db_ldap, env_ldap, db_client = "Zq101Xv7Wk+Jp", "Zq102Xv7Wk+Jp", "Zq103Xv7Wk+Jp"
    access, api_key = "Zq104Xv7Wk+Jp", "sk-Zq105Xv7WkJpMn8Pq2Rs4Tu6Vw8Xy"
    add_user(conn, "u1", "admin@example.com", "admin", session_stamp="stamp")
    add_api_key(conn, "u1", api_key)
    add_config(conn, {"ldap.enable": True, "ldap.server.host": "127.0.0.1", "ldap.server.port": 1,
                      "ldap.server.app_dn": "cn=svc,dc=example,dc=org",
                      "ldap.server.app_password": db_ldap, "oauth.client_secret": db_client})
    add_session(conn, "s1", "u1", fernet_token(OLD_KEY, {"access_token": access}))
    conn.commit()
    settings = env_file(tmp_path, f"LDAP_APP_PASSWORD={env_ldap}\nENABLE_LDAP=true\n"
                        "LDAP_SEARCH_BASE=dc=example,dc=org\n")
    token = app_token("u1", "stale")
    code, out, err = run(capsys, "check", "--env-file", settings, "--database", url(path),
                         "--only", "db", "--only", "ldap", "--only", "config", "--token", token,
                         "--now", NOW, "--format", fmt, "--probe-timeout", "2")
    assert code == 1, out[-2000:]
    assert "config.env-shadowed-by-db" in out and "db.oauth-session-undecryptable" in out
    text = out + err
    for secret in (db_ldap, env_ldap, db_client, access, api_key, token, KEY, OLD_KEY):
        assert secret not in text
    assert not {text[i:i + FRAGMENT] for i in range(len(text) - FRAGMENT + 1)} & _fragments(
        db_ldap, env_ldap, db_client, access, api_key.removeprefix("sk-"))


def test_a_password_in_the_database_url_is_never_shown(capsys: Capsys, tmp_path: Path) -> None:
    secret = "Qz7UrlPassword+u4"
    from urllib.parse import quote

    for fmt in ("text", "json"):
        _, out, err = run(capsys, "db", "show", "--database",
                          f"postgresql://owui:{quote(secret, safe='')}@127.0.0.1:1/owui",
                          "--now", NOW, "--format", fmt)
        assert "db.unreachable" in out
        assert secret not in out + err and quote(secret, safe="") not in out + err


# ----------------------------------------------------------------------------- evaluation alone

def test_a_refused_login_is_db_auth_failed_with_the_rung() -> None:
    """Evaluation from a failure (the lab's PostgreSQL proves the probe side)."""
    from datetime import UTC, datetime

    from authdoctor.checks.db import evaluate
    from authdoctor.probes import Rung
    from authdoctor.probes.db import DatabaseUnavailable
    from authdoctor.settings.database import DatabaseState
    from authdoctor.settings.model import EnvSource

    failure = DatabaseUnavailable("auth-failed", "PostgreSQL refused the login: password "
                                  "authentication failed for user \"owui\"", rung=Rung.APPLICATION,
                                  kind="postgresql", evidence={"url": "postgresql://owui:****@db/owui"})
    state = DatabaseState(shown="postgresql://owui:****@db/owui", origin="--database", failure=failure)
    [found] = evaluate(state, EnvSource(label="x"), datetime(2026, 11, 28, tzinfo=UTC))
    assert found.code == "db.auth-failed" and found.severity.value == "error"
    assert found.evidence["failed at"] == "application"
    assert "Nothing was written" in found.detail


def test_an_option_libpq_refuses_is_an_unusable_url(capsys: Capsys) -> None:
    code, out, _ = run(capsys, "db", "show", "--database",
                       "postgresql://owui:Zq106Xv7Wk@127.0.0.1:1/owui?sslmode=bogus", "--now", NOW,
                       "--format", "json")
    assert code == 1
    found = by_code(out, "db.unreadable")
    assert str(found["title"]).startswith("the PostgreSQL URL cannot be used: ")
    assert "invalid sslmode" in str(found["title"]) and "Zq106Xv7Wk" not in out


def test_deploy_yaml_names_the_database(capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, conn = db
    add_user(conn, "u1", "a@example.com", "pending")
    conn.commit()
    monkeypatch.setenv("OWUI_DATABASE_URL", url(path))
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(f"secret_key: {KEY}\nprobe:\n  database: ${{OWUI_DATABASE_URL}}\n")
    _, out, _ = run(capsys, "check", "--config", str(deploy), "--only", "db", "--now", NOW,
                    "--format", "json")
    assert "db.no-admin" in codes(out)
    # --database wins over probe.database
    other = create_database(tmp_path / "other.db")
    _, out, _ = run(capsys, "check", "--config", str(deploy), "--database", url(other), "--only", "db",
                    "--now", NOW, "--format", "json")
    assert codes(out) == ["db.no-users"]


def test_check_database_that_is_no_url_is_a_usage_error(capsys: Capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "check", "--env-file", env_file(tmp_path, ""), "--database",
                         "webui.db", "--only", "db")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == ["authdoctor: error: --database: 'webui.db' is not a database "
                                        "URL (expected sqlite:///PATH or postgresql://USER@HOST/DB)"]


def mfa_secret(key: str) -> str:
    """A TOTP secret encrypted as 0.12.4 does without MFA_ENCRYPTION_KEY (HKDF of the key)."""
    import base64

    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"open-webui/mfa-encryption/v1").derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived)).encrypt(b"JBSWY3DPEHPK3PXP").decode()


@pytest.mark.parametrize(("written_with", "mfa_on", "expected"), [
    (KEY, "true", None),
    (OLD_KEY, "false", "switching it on makes the app refuse to start"),
    (OLD_KEY, "true", "the app refuses to start"),
])
def test_mfa_secrets_written_with_another_key(capsys: Capsys, tmp_path: Path,
                                              db: tuple[Path, sqlite3.Connection], written_with: str,
                                              mfa_on: str, expected: str | None) -> None:
    path, conn = db
    secret = mfa_secret(written_with)
    add_user(conn, "u1", "admin@example.com", "admin", mfa={"secret": secret, "last_step": -1})
    add_config(conn, {"auth.mfa.enable": mfa_on == "true"})
    conn.commit()
    _, out, _ = run(capsys, "check", "--env-file", env_file(tmp_path, f"ENABLE_MFA={mfa_on}\n"),
                    "--database", url(path), "--only", "db", "--now", NOW, "--format", "json")
    found = [f for f in findings(out) if f["code"] == "db.mfa-secret-undecryptable"]
    if expected is None:
        assert found == []
    else:
        [only] = found
        assert only["title"] == "1 of 1 sampled MFA secret(s) do not decrypt with WEBUI_SECRET_KEY"
        assert expected in str(only["detail"]) and only["severity"] == "error"
    assert secret not in out


def test_a_config_value_that_is_not_utf8_does_not_hide_the_config_table(
        capsys: Capsys, db: tuple[Path, sqlite3.Connection]) -> None:
    """One row written with bytes that are not UTF-8 made the whole config section unreadable:
    no effective settings and 'secret config rows: none' beside an LDAP bind password (review)."""
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_config(conn, {"ldap.server.app_password": LDAP_PW, "auth.jwt_expiry": "2h"})
    conn.execute("INSERT OR REPLACE INTO config (key, value, updated_at) VALUES "
                 "('auth.admin.email', X'FFFE00', 1)")
    conn.commit()
    _, out, _ = run(capsys, "db", "show", "--database", url(path), "--now", NOW, "--format", "json")
    assert "db.effective-settings" in codes(out)
    secrets = by_code(out, "db.secrets-at-rest")
    assert "ldap.server.app_password" in json.dumps(secrets) and LDAP_PW not in out


def test_a_section_that_could_not_be_read_is_said_not_silently_dropped() -> None:
    """A current schema whose config table fails to read: the area says what was not read."""
    from datetime import UTC, datetime

    from settings_env import source

    from authdoctor.checks.db import evaluate
    from authdoctor.probes.db import DatabaseObservation, SchemaInfo
    from authdoctor.settings.database import DatabaseState

    observation = DatabaseObservation(kind="sqlite", shown="sqlite:////x/webui.db",
                                      schema=SchemaInfo(status="current", revision="0bd252b206fb",
                                                        tables=frozenset({"config"})),
                                      problems={"config": "the statement failed"})
    state = DatabaseState(shown="sqlite:////x/webui.db", origin="--database", observation=observation)
    found = evaluate(state, source({}), datetime(2026, 11, 28, tzinfo=UTC))
    skips = [f for f in found if f.code == "db.skipped"]
    assert any("config" in f.title and "the statement failed" in f.title for f in skips), \
        [f.title for f in found]


def test_a_url_password_in_a_config_row_is_never_shown(capsys: Capsys, tmp_path: Path,
                                                      db: tuple[Path, sqlite3.Connection]) -> None:
    """webui.url with user:password@ was shown as it is in db.effective-settings and
    config.env-shadowed-by-db (review)."""
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    add_config(conn, {"webui.url": "https://ops:UrlPw-in-the-row-66dd@chat.example.com"})
    conn.commit()
    env = env_file(tmp_path, "WEBUI_URL=https://chat.example.com\n")
    for fmt in ("text", "json", "sarif", "junit"):
        for settings in ((), ("--env-file", env)):   # without settings no safety net knows the row
            _, out, _ = run(capsys, "db", "show", *settings, "--database", url(path), "--now", NOW,
                            "--format", fmt)
            assert "db.effective-settings" in out
            assert "UrlPw" not in out and "66dd" not in out


@pytest.mark.parametrize("side", ["", "-wal", "-journal"])
def test_output_never_overwrites_the_database_or_writes_beside_it(
        capsys: Capsys, tmp_path: Path, db: tuple[Path, sqlite3.Connection], side: str) -> None:
    """`db show --database X --output X` replaced the app's database with the report (review)."""
    path, conn = db
    add_user(conn, "u1", "admin@example.com", "admin")
    conn.commit()
    before = path.read_bytes()
    target = str(path) + side
    data_dir = env_file(tmp_path, f"DATA_DIR={path.parent}\n")
    for args in (["db", "show", "--database", url(path)],
                 ["check", "--offline", "--from-env", "--database", url(path)],
                 ["check", "--offline", "--env-file", data_dir]):
        code, _, err = run(capsys, *args, "--output", target)
        assert code == 2 and "refusing to write there" in err, (args, err)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["app.env", "webui.db"]


def test_db_show_help_keeps_the_examples_one_a_line(capsys: Capsys) -> None:
    """The help's '\\b' was escaped twice: a literal '\\b' and the examples run together (review)."""
    code, out, _ = run(capsys, "db", "show", "--help")
    assert code == 0 and "\\b" not in out
    assert "\n    authdoctor db show --env-file .env --token \"$TOKEN\"\n" in out.replace("\r", "")
