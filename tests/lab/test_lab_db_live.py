"""The db area, `db show` and `check --database` against databases the real Open WebUI 0.12.4
wrote (issue 13), on SQLite and on a real PostgreSQL, and proof that authdoctor writes nothing.

SQLite scenario (one real instance for the module): the first signup (admin), two accounts added
by the admin (one pending), an admin settings save through the API (JWT_EXPIRES_IN 8h -> 2h in the
database only), a group with a permission and a member, an API key, a password sign-in whose
session the admin then revokes, and an OAuth sign-in through the lab's panva provider (the app
creates the account and an encrypted `oauth_session` row). authdoctor then reads the database
while the app runs (WAL mode, files in use).

PostgreSQL scenario: the same app run once against the lab's PostgreSQL
(`DATABASE_URL=postgresql+psycopg://`, the psycopg 3 of the app's venv: `postgresql://` would need
psycopg2, which 0.12.4's venv does not have), then read through the read-only role
`authdoctor_ro`; the server's statement log shows every statement authdoctor sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from authdoctor.cli import main

from .fixtures import STRONG_SECRET
from .oidc import LabOidc, drive_authorization
from .openwebui_real import ADMIN, RealOpenWebUI
from .postgres import RO_PASSWORD, WRITE_STATEMENT, LabPostgres

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]

Capsys = pytest.CaptureFixture[str]
BOB = {"name": "Bob", "email": "bob@example.org", "password": "bob-lab-pass", "role": "pending"}
CAROL = {"name": "Carol", "email": "carol@example.org", "password": "carol-lab-pass", "role": "user"}


def run(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"]]


def by_code(out: str, code: str) -> list[dict[str, Any]]:
    return [f for f in json.loads(out)["findings"] if f["code"] == code]


def write_env(path: Path, env: Mapping[str, str]) -> str:
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return str(path)


def snapshot(db: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(db) + suffix)
        if p.exists():
            out[suffix] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


class Admin:
    def __init__(self, app: RealOpenWebUI, token: str) -> None:
        self.app, self.token = app, token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.app.url}{path}", json=body, timeout=60,
                                 headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json()

    def save_jwt_expiry(self, value: str) -> None:
        config = self.call("GET", "/api/v1/auths/admin/config")
        config["JWT_EXPIRES_IN"] = value
        self.call("POST", "/api/v1/auths/admin/config", config)


def signin(app: RealOpenWebUI, email: str, password: str) -> dict[str, Any]:
    response = httpx.post(f"{app.url}/api/v1/auths/signin", json={"email": email, "password": password},
                          timeout=60)
    assert response.status_code == 200, response.text[:300]
    data: dict[str, Any] = response.json()
    return data


def oauth_signin(app: RealOpenWebUI) -> None:
    """alice signs in through the lab IdP: the app creates her account and an oauth_session."""
    callback = f"{app.url}/oauth/oidc/callback"
    with httpx.Client(timeout=60, follow_redirects=False) as http:
        login = http.get(f"{app.url}/oauth/oidc/login")
        assert login.status_code in (302, 307), login.text[:300]
        back = drive_authorization(http, login.headers["location"], stop_at=callback, login="alice")
        done = http.get(back)
        assert done.status_code in (302, 307), done.text[:300]
        assert "error" not in done.headers.get("location", ""), done.headers.get("location")


# ----------------------------------------------------------------------------- SQLite

@pytest.fixture(scope="module")
def sqlite_settings(lab_oidc: LabOidc) -> dict[str, str]:
    return {"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "pending", "JWT_EXPIRES_IN": "8h",
            "ENABLE_API_KEYS": "true", **lab_oidc.env()}


@pytest.fixture(scope="module")
def sqlite_app(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
               sqlite_settings: dict[str, str]) -> dict[str, Any]:
    app = lab_openwebui_factory(sqlite_settings)
    admin = Admin(app, app.create_admin()["token"])
    bob = admin.call("POST", "/api/v1/auths/add", BOB)
    carol = admin.call("POST", "/api/v1/auths/add", CAROL)
    admin.save_jwt_expiry("2h")
    group = admin.call("POST", "/api/v1/groups/create", {
        "name": "engineers", "description": "lab group",
        "permissions": {"workspace": {"models": True}}})
    admin.call("POST", f"/api/v1/groups/id/{group['id']}/users/add", {"user_ids": [carol["id"]]})
    admin.call("POST", "/api/v1/auths/api_key")
    bob_token = signin(app, BOB["email"], BOB["password"])["token"]
    admin.call("POST", f"/api/v1/users/{bob['id']}/sessions/revoke")
    oauth_signin(app)
    return {"app": app, "admin_token": admin.token, "bob_token": bob_token,
            "db": app.data_dir / "webui.db"}


def test_real_sqlite_check_names_what_really_applies(capsys: Capsys, tmp_path: Path,
                                                      sqlite_app: dict[str, Any]) -> None:
    app: RealOpenWebUI = sqlite_app["app"]
    db: Path = sqlite_app["db"]
    env_file = write_env(tmp_path / "app.env", app.env)
    before = snapshot(db)
    assert {"", "-wal", "-shm"} <= set(before)          # in use, WAL mode
    code, out, err = run(capsys, "check", "--env-file", env_file, "--database", f"sqlite:///{db}",
                         "--only", "db", "--only", "jwt", "--only", "config", "--format", "json",
                         "--offline")
    # --offline reads nothing but the settings: the database is not opened
    assert "db.skipped" in codes(out)
    code, out, err = run(capsys, "check", "--env-file", env_file, "--database", f"sqlite:///{db}",
                         "--only", "db", "--only", "jwt", "--only", "config", "--format", "json")
    assert err == ""
    shadowed = by_code(out, "config.env-shadowed-by-db")
    assert [f["title"] for f in shadowed] == [
        "JWT_EXPIRES_IN='8h' is ignored; the app uses '2h' from its database"]
    assert "config.persisted-setting-ignored" not in codes(out)
    pending = by_code(out, "db.users-pending")[0]
    assert pending["evidence"]["accounts by role"] == "admin: 1, pending: 2, user: 1"
    taken = by_code(out, "db.oauth-email-taken")[0]
    assert taken["title"].startswith("3 password account(s) cannot sign in with OAuth")
    assert by_code(out, "db.secrets-at-rest")[0]["evidence"]["API keys"] == "1"
    assert "db.oauth-session-undecryptable" not in codes(out)     # the app's key decrypts its row
    assert code == 0
    assert snapshot(db) == before, "authdoctor changed webui.db or its -wal/-shm files"


def test_real_sqlite_db_show(capsys: Capsys, tmp_path: Path, sqlite_app: dict[str, Any]) -> None:
    app: RealOpenWebUI = sqlite_app["app"]
    db: Path = sqlite_app["db"]
    before = snapshot(db)
    code, out, err = run(capsys, "db", "show", "--env-file", write_env(tmp_path / "app.env", app.env),
                         "--database", f"sqlite:///{db}", "--format", "json")
    assert (code, err) == (0, "")
    view = by_code(out, "db.effective-settings")[0]["evidence"]
    assert view["JWT_EXPIRES_IN (auth.jwt_expiry)"] == "'2h' [database]"
    assert view["ENABLE_SIGNUP (ui.enable_signup)"] == "false [database]"   # the first signup closed it
    assert view["OAUTH_CLIENT_SECRET (oauth.client_secret)"] == "set [environment]"
    accounts = by_code(out, "db.accounts")[0]["evidence"]
    assert accounts["by role"] == "admin: 1, pending: 2, user: 1"
    assert accounts["OAuth links"] == "oidc: 1"
    assert accounts["OAuth sessions"].startswith("1 (oidc: 1)")
    assert accounts["first account's role"] == "admin"
    groups = by_code(out, "db.groups")[0]
    assert groups["evidence"] == {"engineers": "1 member(s), grants workspace.models"}
    for secret in (STRONG_SECRET, app.env["OAUTH_CLIENT_SECRET"], BOB["password"], "sk-"):
        assert secret not in out
    assert "bob@example.org" not in out
    assert snapshot(db) == before


def test_real_tokens_against_the_database(capsys: Capsys, tmp_path: Path,
                                          sqlite_app: dict[str, Any]) -> None:
    app: RealOpenWebUI = sqlite_app["app"]
    env_file = write_env(tmp_path / "app.env", app.env)
    database = f"sqlite:///{sqlite_app['db']}"
    # bob's token from before the admin revoked his sessions: the app refuses it for its stamp
    revoked = httpx.get(f"{app.url}/api/v1/auths/", timeout=30,
                        headers={"Authorization": f"Bearer {sqlite_app['bob_token']}"})
    assert (revoked.status_code, revoked.json()["detail"]) == (401, "Invalid token")
    _, out, _ = run(capsys, "db", "show", "--env-file", env_file, "--database", database,
                    "--token", sqlite_app["bob_token"], "--format", "json")
    assert by_code(out, "db.token-stamp-stale")
    assert sqlite_app["bob_token"] not in out
    # the admin's token is accepted by the app, and authdoctor agrees
    assert httpx.get(f"{app.url}/api/v1/auths/", timeout=30,
                     headers={"Authorization": f"Bearer {sqlite_app['admin_token']}"}).status_code == 200
    _, out, _ = run(capsys, "db", "show", "--env-file", env_file, "--database", database,
                    "--token", sqlite_app["admin_token"], "--format", "json")
    assert not [c for c in codes(out) if c.startswith(("db.token-", "jwt."))]


def test_real_oauth_session_with_another_key(capsys: Capsys, tmp_path: Path,
                                             sqlite_app: dict[str, Any]) -> None:
    """The settings of a replica whose WEBUI_SECRET_KEY changed: the row the app wrote does not
    decrypt (what the app would then delete)."""
    app: RealOpenWebUI = sqlite_app["app"]
    other = {**app.env, "WEBUI_SECRET_KEY": "a-regenerated-key-" + "9" * 40}
    code, out, _ = run(capsys, "check", "--env-file", write_env(tmp_path / "other.env", other),
                       "--database", f"sqlite:///{sqlite_app['db']}", "--only", "db", "--format", "json")
    assert code == 1
    broken = by_code(out, "db.oauth-session-undecryptable")[0]
    assert broken["title"] == "1 of 1 sampled OAuth session(s) do not decrypt with WEBUI_SECRET_KEY"


# ----------------------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="module")
def pg_app(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
           lab_postgres: LabPostgres) -> RealOpenWebUI:
    app = lab_openwebui_factory({"WEBUI_SECRET_KEY": STRONG_SECRET, "DATABASE_URL": lab_postgres.app_url,
                                 "DEFAULT_USER_ROLE": "pending", "JWT_EXPIRES_IN": "8h"})
    # the same settings as test_lab_rbac_postgres.py's instance, which the lab shares: whichever
    # module runs first creates the admin, the other signs in
    if httpx.get(f"{app.url}/api/config", timeout=30).json().get("onboarding"):
        token = app.create_admin()["token"]
    else:
        token = httpx.post(f"{app.url}/api/v1/auths/signin", timeout=60,
                           json={"email": ADMIN["email"], "password": ADMIN["password"]}).json()["token"]
    admin = Admin(app, token)
    admin.call("POST", "/api/v1/auths/add", BOB)
    admin.save_jwt_expiry("3h")
    return app


def test_real_postgres_read_through_a_read_only_role(capsys: Capsys, tmp_path: Path, pg_app: RealOpenWebUI,
                                                     lab_postgres: LabPostgres) -> None:
    env_file = write_env(tmp_path / "app.env", pg_app.env)
    before = len(lab_postgres.statements("authdoctor-readonly"))
    code, out, err = run(capsys, "check", "--env-file", env_file, "--database", lab_postgres.ro_url,
                         "--only", "db", "--only", "jwt", "--format", "json")
    assert err == ""
    assert [f["title"] for f in by_code(out, "config.env-shadowed-by-db")] == [
        "JWT_EXPIRES_IN='8h' is ignored; the app uses '3h' from its database"]
    assert by_code(out, "db.users-pending")[0]["evidence"]["accounts by role"] == "admin: 1, pending: 1"
    assert "db.schema-mismatch" not in codes(out)
    assert code == 0
    assert RO_PASSWORD not in out and "lab-pg-app-pw" not in out
    sent = lab_postgres.statements("authdoctor-readonly")[before:]
    assert sent and sent[0] == "BEGIN READ ONLY"
    assert not [s for s in sent if WRITE_STATEMENT.match(s)], sent


def test_real_postgres_db_show_with_the_app_url(capsys: Capsys, tmp_path: Path, pg_app: RealOpenWebUI,
                                                lab_postgres: LabPostgres) -> None:
    """`db show` with the app's own settings reads the DATABASE_URL they name (the app's role),
    in a read-only transaction."""
    settings = {**pg_app.env, "DATABASE_URL": lab_postgres.url()}
    before = len(lab_postgres.statements("authdoctor-readonly"))
    code, out, err = run(capsys, "db", "show", "--env-file", write_env(tmp_path / "app.env", settings),
                         "--format", "json")
    assert (code, err) == (0, "")
    target = json.loads(out)["target"]
    assert target.startswith("postgresql://openwebui:") and "lab-pg-app-pw" not in target
    view = by_code(out, "db.effective-settings")[0]["evidence"]
    assert view["JWT_EXPIRES_IN (auth.jwt_expiry)"] == "'3h' [database]"
    sent = lab_postgres.statements("authdoctor-readonly")[before:]
    assert sent[0] == "BEGIN READ ONLY" and not [s for s in sent if WRITE_STATEMENT.match(s)]


def test_real_postgres_refusing_the_login(capsys: Capsys, lab_postgres: LabPostgres) -> None:
    wrong = lab_postgres.url("authdoctor_ro", "not-the-password")
    code, out, err = run(capsys, "db", "show", "--database", wrong, "--format", "json")
    assert code == 1 and "Traceback" not in err
    refused = by_code(out, "db.auth-failed")[0]
    assert "password authentication failed" in refused["title"]
    assert "not-the-password" not in out
    code, out, _ = run(capsys, "db", "show", "--database", lab_postgres.url(database="nope"),
                       "--format", "json")
    assert code == 1 and by_code(out, "db.auth-failed")


def test_real_postgres_observation_is_complete(pg_app: RealOpenWebUI, lab_postgres: LabPostgres) -> None:
    """Every section reads on PostgreSQL 15 with the database's own JSON functions (no fallback)."""
    from authdoctor.probes.db import open_readonly, read_observation

    before = len(lab_postgres.statements("authdoctor-readonly"))
    with open_readonly(lab_postgres.ro_url, timeout=10) as db:
        observation = read_observation(db, now=0)
    assert observation.problems == {}
    assert observation.schema.status == "current"
    assert observation.users_by_role == {"admin": 1, "pending": 1}
    assert observation.password_kinds == {"bcrypt": 2}
    assert observation.config["auth.jwt_expiry"] == "3h"
    sent = " ".join(lab_postgres.statements("authdoctor-readonly")[before:])
    assert "json_object_keys" in sent and "json_typeof" in sent
