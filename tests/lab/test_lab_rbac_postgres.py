"""`authdoctor rbac why` on PostgreSQL: the database the real Open WebUI 0.12.4 wrote on the lab's
PostgreSQL (tests/lab/postgres.py), read through the read-only role `authdoctor_ro` in a READ ONLY
transaction, every statement checked in the server's own log.

The instance is the one of tests/lab/test_lab_db_live.py (the same settings: one app per session),
so this module adds no user (that module counts them): through the app's API the admin creates a
parent group and a child group holding the admin, a model and a knowledge base shared with the
parent group. Every lookup of `rbac why` then runs on PostgreSQL: the user by lower(email), the
recursive CTE up the parent groups, the config row, a resource with its grants and the names of
the groups they mention.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from authdoctor.cli import main

from .fixtures import STRONG_SECRET
from .openwebui_real import ADMIN, RealOpenWebUI
from .postgres import RO_PASSWORD, WRITE_STATEMENT, LabPostgres

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]


@pytest.fixture(scope="module")
def pg_rbac(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
            lab_postgres: LabPostgres) -> dict[str, str]:
    # exactly test_lab_db_live.py's pg_app settings: the same instance
    app = lab_openwebui_factory({"WEBUI_SECRET_KEY": STRONG_SECRET, "DATABASE_URL": lab_postgres.app_url,
                                 "DEFAULT_USER_ROLE": "pending", "JWT_EXPIRES_IN": "8h"})
    if httpx.get(f"{app.url}/api/config", timeout=30).json().get("onboarding"):
        app.create_admin()
    token = httpx.post(f"{app.url}/api/v1/auths/signin", timeout=60,
                       json={"email": ADMIN["email"], "password": ADMIN["password"]}).json()["token"]
    with httpx.Client(base_url=app.url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as admin:
        def ok(response: httpx.Response) -> Any:
            assert response.status_code == 200, response.text
            return response.json()

        me = ok(admin.get("/api/v1/auths/"))
        parent = ok(admin.post("/api/v1/groups/create", json={
            "name": "PG Parent", "description": "rbac", "permissions": {"workspace": {"models": True}}}))
        child = ok(admin.post("/api/v1/groups/create", json={
            "name": "PG Child", "description": "rbac", "parent_group_id": parent["id"]}))
        ok(admin.post(f"/api/v1/groups/id/{child['id']}/users/add", json={"user_ids": [me["id"]]}))
        grants = [{"principal_type": "group", "principal_id": parent["id"], "permission": "read"}]
        ok(admin.post("/api/v1/models/create", json={
            "id": "pg-model", "name": "PG model", "meta": {}, "params": {}, "access_grants": grants}))
        knowledge = ok(admin.post("/api/v1/knowledge/create", json={
            "name": "PG handbook", "description": "rbac", "access_grants": grants}))
    return {"knowledge": str(knowledge["id"])}


def why(capsys: pytest.CaptureFixture[str], lab_postgres: LabPostgres,
        *args: str) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["rbac", "why", *args, "--database", lab_postgres.ro_url, "--format", "json"])
    out, err = capsys.readouterr()
    assert err == "" and RO_PASSWORD not in out
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return int(excinfo.value.code or 0), findings


def test_every_lookup_runs_read_only_on_postgres(capsys: pytest.CaptureFixture[str], pg_rbac: dict[str, str],
                                                 lab_postgres: LabPostgres) -> None:
    before = len(lab_postgres.statements("authdoctor-readonly"))
    code, findings = why(capsys, lab_postgres, ADMIN["email"].upper(), "workspace.models")
    assert (code, [f["code"] for f in findings]) == (0, ["rbac.permission-granted"])
    assert findings[0]["evidence"]["groups"] == "1 direct, 1 inherited from parent groups"

    _, findings = why(capsys, lab_postgres, ADMIN["email"], "--model", "pg-model")
    assert [f["code"] for f in findings] == ["rbac.access-granted"]
    assert findings[0]["evidence"]["grants"] == "read: group(s) 'PG Parent'"
    assert findings[0]["evidence"]["owner"] == f"{ADMIN['email']} (this user)"

    _, findings = why(capsys, lab_postgres, ADMIN["email"], "--knowledge", pg_rbac["knowledge"],
                      "--access", "write")
    assert [f["code"] for f in findings] == ["rbac.access-granted"]
    assert findings[0]["evidence"]["grants"] == "read: group(s) 'PG Parent'"

    code, findings = why(capsys, lab_postgres, "nobody@example.org", "--tool", "none")
    assert (code, [f["code"] for f in findings]) == (1, ["rbac.user-not-found"])

    sent = lab_postgres.statements("authdoctor-readonly")[before:]
    assert sent and sent[0] == "BEGIN READ ONLY"
    assert any("WITH RECURSIVE" in s for s in sent)
    assert not [s for s in sent if WRITE_STATEMENT.match(s)], sent
