"""`authdoctor rbac why` against a database the real Open WebUI 0.12.4 wrote, with the app's own
answers as the truth.

One real instance serves the module. Everything is made through the app's API, as an admin would:
the first signup (the admin), signup reopened in the admin settings, four signups (pending, the
default role), three of them activated by the admin, a parent group "Engineering"
(workspace.models on) with a child group "Backend" (workspace.knowledge on) holding alice, the
default permissions changed (workspace.tools on, features.web_search off), and a model, a
knowledge base and a tool with access grants. Then `rbac why` reads the app's live SQLite file
(WAL mode, the app still running) and its answers are compared with what the app does for each
user's own token:

- every permission of 0.12.4, for three users, against GET /api/v1/users/permissions (the app's
  `get_permissions` for that user);
- workspace.models against POST /api/v1/models/create (200 or 401);
- model, knowledge and tool access against the routes that enforce it (200 or 401);
- a pending user against the 401 every verified route gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from authdoctor.cli import main
from authdoctor.rbac.permissions import PERMISSIONS

from .fixtures import STRONG_SECRET
from .openwebui_real import ADMIN, RealOpenWebUI

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]

PASSWORD = "lab-user-pass-1"
USERS = ("alice", "bob", "carol", "dave")
TOOL_SOURCE = '''"""
title: Calculator
"""


class Tools:
    def add(self, a: int, b: int) -> int:
        """Add two numbers."""
        return a + b
'''


@dataclass
class Scenario:
    app: RealOpenWebUI
    database: str
    tokens: dict[str, str]
    ids: dict[str, str]
    groups: dict[str, str]
    knowledge_id: str

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(base_url=self.app.url, timeout=60,
                            headers={"Authorization": f"Bearer {self.tokens[who]}"})


def _email(name: str) -> str:
    return f"{name}@example.org"


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, (response.request.url, response.status_code, response.text[:300])
    return response.json()


def _signin(base: str, email: str, password: str) -> str:
    data = _ok(httpx.post(f"{base}/api/v1/auths/signin", json={"email": email, "password": password},
                          timeout=60))
    return str(data["token"])


@pytest.fixture(scope="module")
def scenario(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI]) -> Iterator[Scenario]:
    # WEBUI_NAME only keeps this instance apart from other modules' (one instance per settings).
    app = lab_openwebui_factory({"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "pending",
                                 "WEBUI_NAME": "authdoctor rbac lab"})
    base = app.url
    if httpx.get(f"{base}/api/config", timeout=30).json().get("onboarding"):
        assert app.create_admin()["role"] == "admin"
    admin_token = _signin(base, ADMIN["email"], ADMIN["password"])
    admin = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {admin_token}"})
    with admin:
        # The first signup closed signup: the admin reopens it in the admin settings.
        config = _ok(admin.get("/api/v1/auths/admin/config"))
        _ok(admin.post("/api/v1/auths/admin/config", json={**config, "ENABLE_SIGNUP": True}))
        ids: dict[str, str] = {}
        tokens: dict[str, str] = {"admin": admin_token}
        for name in USERS:
            answer = httpx.post(f"{base}/api/v1/auths/signup", timeout=60, json={
                "name": name.title(), "email": _email(name), "password": PASSWORD})
            data = _ok(answer)
            assert data["role"] == "pending"  # DEFAULT_USER_ROLE=pending
            ids[name] = data["id"]
        for name in ("alice", "bob", "dave"):  # carol stays pending
            _ok(admin.post(f"/api/v1/users/{ids[name]}/update", json={"role": "user"}))
        for name in USERS:
            tokens[name] = _signin(base, _email(name), PASSWORD)
        ids["admin"] = _ok(admin.get("/api/v1/auths/"))["id"]

        groups: dict[str, str] = {}
        engineering = _ok(admin.post("/api/v1/groups/create", json={
            "name": "Engineering", "description": "parent",
            "permissions": {"workspace": {"models": True}}}))
        groups["Engineering"] = engineering["id"]
        backend = _ok(admin.post("/api/v1/groups/create", json={
            "name": "Backend", "description": "child", "parent_group_id": engineering["id"],
            "permissions": {"workspace": {"knowledge": True, "models": False}}}))
        groups["Backend"] = backend["id"]
        _ok(admin.post(f"/api/v1/groups/id/{backend['id']}/users/add", json={"user_ids": [ids["alice"]]}))
        readers = _ok(admin.post("/api/v1/groups/create", json={
            "name": "Readers", "description": "no permissions"}))
        groups["Readers"] = readers["id"]
        _ok(admin.post(f"/api/v1/groups/id/{readers['id']}/users/add", json={"user_ids": [ids["dave"]]}))

        defaults = _ok(admin.get("/api/v1/users/default/permissions"))
        defaults["workspace"]["tools"] = True
        defaults["features"]["web_search"] = False
        _ok(admin.post("/api/v1/users/default/permissions", json=defaults))

        def grant(kind: str, principal: str, permission: str) -> dict[str, str]:
            return {"principal_type": kind, "principal_id": principal, "permission": permission}

        # gpt-x registers a base model (no base_model_id); the two others are presets built on it
        # (the workspace's model list shows presets only).
        presets: list[tuple[str, str | None, list[dict[str, str]]]] = [
            ("gpt-x", None, [grant("group", groups["Engineering"], "read")]),
            ("writer-only", "gpt-x", [grant("group", groups["Backend"], "write")]),
            ("for-readers", "gpt-x", [grant("group", groups["Readers"], "read"),
                                      grant("group", groups["Readers"], "write")])]
        for model_id, base_model, grants in presets:
            _ok(admin.post("/api/v1/models/create", json={
                "id": model_id, "base_model_id": base_model, "name": model_id.upper(), "meta": {},
                "params": {}, "access_grants": grants}))
        knowledge = _ok(admin.post("/api/v1/knowledge/create", json={
            "name": "Handbook", "description": "policies",
            "access_grants": [grant("user", ids["bob"], "read")]}))
        _ok(admin.post("/api/v1/tools/create", json={
            "id": "calc", "name": "Calculator", "content": TOOL_SOURCE,
            "meta": {"description": "adds"}, "access_grants": []}))
    yield Scenario(app=app, database=f"sqlite:///{app.data_dir / 'webui.db'}", tokens=tokens, ids=ids,
                   groups=groups, knowledge_id=str(knowledge["id"]))


def why(capsys: pytest.CaptureFixture[str], scenario: Scenario,
        *args: str) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["rbac", "why", *args, "--database", scenario.database, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and err == "", err
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return int(excinfo.value.code or 0), findings


def codes(findings: list[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in findings]


@pytest.mark.parametrize("who", ["alice", "bob", "dave"])
def test_every_permission_matches_the_apps_own_answer(capsys: pytest.CaptureFixture[str],
                                                      scenario: Scenario, who: str) -> None:
    with scenario.client(who) as client:
        truth = _ok(client.get("/api/v1/users/permissions"))
    mismatches = []
    for name, _, _ in PERMISSIONS:
        section, leaf = name.split(".")
        expected = bool(truth.get(section, {}).get(leaf, False))
        code, findings = why(capsys, scenario, _email(who), name)
        said = codes(findings)
        want = "rbac.permission-granted" if expected else "rbac.permission-denied"
        if said != [want]:
            mismatches.append((name, expected, said))
        assert code == 0
    assert mismatches == []


def test_inherited_group_grants_workspace_models_and_the_app_agrees(
        capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    code, findings = why(capsys, scenario, _email("alice"), "workspace.models")
    assert (code, codes(findings)) == (0, ["rbac.permission-granted"])
    answer = findings[0]
    assert "group 'Engineering' (inherited through 'Backend')" in answer["title"]
    assert answer["evidence"]["group 'Backend' (direct member)"] == "false"
    assert answer["evidence"]["default"] == "config table, user.permissions: false"
    # a non-admin must name a base model, else the same 401 '401 Unauthorized' as a refusal
    with scenario.client("alice") as client:
        created = client.post("/api/v1/models/create", json={
            "id": "alice-model", "base_model_id": "gpt-x", "name": "Alice's", "meta": {}, "params": {}})
    assert created.status_code == 200, created.text


def test_denied_workspace_models_names_the_fix_and_the_app_refuses(
        capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    code, findings = why(capsys, scenario, _email("bob"), "workspace.models", "--fail-on", "warning")
    assert (code, codes(findings)) == (1, ["rbac.permission-denied"])
    answer = findings[0]
    assert "the user is in no group" in answer["title"]
    assert "'Engineering'" in answer["fix"]  # a group that has it on, to join
    assert "Default permissions" in answer["fix"]
    with scenario.client("bob") as client:
        refused = client.post("/api/v1/models/create", json={
            "id": "bob-model", "base_model_id": "gpt-x", "name": "Bob's", "meta": {}, "params": {}})
    assert refused.status_code == 401, refused.text


def test_default_changed_by_the_admin_is_read_from_the_config_table(
        capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    _, findings = why(capsys, scenario, _email("bob"), "workspace.tools")
    assert codes(findings) == ["rbac.permission-granted"]
    assert "default permissions grant it to every user" in findings[0]["title"]
    assert findings[0]["evidence"]["default"] == "config table, user.permissions: true"
    _, findings = why(capsys, scenario, _email("bob"), "features.web_search")
    assert codes(findings) == ["rbac.permission-denied"]


def test_pending_user_is_refused_everything(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    code, findings = why(capsys, scenario, _email("carol"), "chat.controls")
    assert (code, codes(findings)) == (0, ["rbac.user-pending"])
    _, findings = why(capsys, scenario, _email("carol"), "--model", "gpt-x")
    assert codes(findings) == ["rbac.user-pending"]
    with scenario.client("carol") as client:
        assert client.get("/api/v1/users/permissions").status_code == 401
        assert client.get("/api/v1/models/model", params={"id": "gpt-x"}).status_code == 401


def test_admin_is_not_checked(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    _, findings = why(capsys, scenario, ADMIN["email"], "workspace.skills")
    assert codes(findings) == ["rbac.permission-granted"]
    assert "is an admin" in findings[0]["title"]


@pytest.mark.parametrize(("who", "expected", "status"), [
    ("alice", "rbac.access-granted", 200),   # Engineering (read), inherited through Backend
    ("bob", "rbac.access-denied", 401),
    ("dave", "rbac.access-denied", 401),
])
def test_model_read_matches_the_app(capsys: pytest.CaptureFixture[str], scenario: Scenario,
                                    who: str, expected: str, status: int) -> None:
    _, findings = why(capsys, scenario, _email(who), "--model", "gpt-x")
    assert codes(findings) == [expected]
    with scenario.client(who) as client:
        assert client.get("/api/v1/models/model", params={"id": "gpt-x"}).status_code == status


def listed(scenario: Scenario, who: str) -> list[str]:
    """The presets the workspace lists for the user (owner or a read grant)."""
    with scenario.client(who) as client:
        return [m["id"] for m in _ok(client.get("/api/v1/models/list"))["items"]]


def test_preset_read_matches_the_workspace_list(capsys: pytest.CaptureFixture[str],
                                                scenario: Scenario) -> None:
    # dave reads the preset through his group, but not the base model it is built on: chat
    # refuses it ('Model not found'), which the offline lab cannot show (no connection serves
    # gpt-x), so the workspace list is the app's answer for the preset's own grants.
    _, findings = why(capsys, scenario, _email("dave"), "--model", "for-readers")
    assert codes(findings) == ["rbac.base-model-denied"]
    assert "'gpt-x'" in findings[0]["title"]
    assert "for-readers" in listed(scenario, "dave")
    _, findings = why(capsys, scenario, _email("bob"), "--model", "for-readers")
    assert codes(findings) == ["rbac.access-denied"]
    assert "for-readers" not in listed(scenario, "bob")


def test_write_without_read(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    _, findings = why(capsys, scenario, _email("alice"), "--model", "writer-only")
    assert codes(findings) == ["rbac.write-without-read"]
    _, findings = why(capsys, scenario, _email("alice"), "--model", "writer-only", "--access", "write")
    assert codes(findings) == ["rbac.access-granted"]
    assert "writer-only" not in listed(scenario, "alice")  # read grants only: the list leaves it out
    with scenario.client("alice") as client:
        model = _ok(client.get("/api/v1/models/model", params={"id": "writer-only"}))
        assert model["write_access"] is True  # ... while the user may change it
        updated = client.post("/api/v1/models/model/update", json={
            "id": "writer-only", "base_model_id": "gpt-x", "name": "WRITER-ONLY", "meta": {},
            "params": {}})
        assert updated.status_code == 200, updated.text


def test_group_write_grant_allows_change(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    _, findings = why(capsys, scenario, _email("dave"), "--model", "for-readers", "--access", "write")
    assert codes(findings) == ["rbac.access-granted"]
    assert "group 'Readers'" in findings[0]["title"]
    _, findings = why(capsys, scenario, _email("bob"), "--model", "for-readers", "--access", "write")
    assert codes(findings) == ["rbac.access-denied"]
    assert "'Readers'" in findings[0]["fix"]
    with scenario.client("bob") as client:
        refused = client.post("/api/v1/models/model/update", json={
            "id": "for-readers", "base_model_id": "gpt-x", "name": "X", "meta": {}, "params": {}})
        assert refused.status_code == 400, refused.text


@pytest.mark.parametrize(("who", "expected", "status"), [
    ("bob", "rbac.access-granted", 200),    # a user grant
    ("alice", "rbac.access-denied", 401),
    ("admin", "rbac.access-granted", 200),  # any admin opens knowledge
])
def test_knowledge_read_matches_the_app(capsys: pytest.CaptureFixture[str], scenario: Scenario,
                                        who: str, expected: str, status: int) -> None:
    email = ADMIN["email"] if who == "admin" else _email(who)
    _, findings = why(capsys, scenario, email, "--knowledge", scenario.knowledge_id)
    assert codes(findings) == [expected]
    with scenario.client(who) as client:
        assert client.get(f"/api/v1/knowledge/{scenario.knowledge_id}").status_code == status


@pytest.mark.parametrize(("who", "expected", "status"), [
    ("alice", "rbac.access-denied", 401),   # private: no grants
    ("admin", "rbac.access-granted", 200),
])
def test_tool_read_matches_the_app(capsys: pytest.CaptureFixture[str], scenario: Scenario,
                                   who: str, expected: str, status: int) -> None:
    email = ADMIN["email"] if who == "admin" else _email(who)
    _, findings = why(capsys, scenario, email, "--tool", "calc")
    assert codes(findings) == [expected]
    if expected == "rbac.access-denied":
        assert "no access grants (private)" in findings[0]["title"]
    with scenario.client(who) as client:
        assert client.get("/api/v1/tools/id/calc").status_code == status


def test_unknown_model_and_user(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    code, findings = why(capsys, scenario, _email("alice"), "--model", "no-such-model")
    assert (code, codes(findings)) == (1, ["rbac.resource-not-found"])
    code, findings = why(capsys, scenario, "nobody@example.org", "workspace.models")
    assert (code, codes(findings)) == (1, ["rbac.user-not-found"])


def test_text_report_for_the_readme(capsys: pytest.CaptureFixture[str], scenario: Scenario) -> None:
    """The text answers a person reads (the README shows these runs, `-s` prints them)."""
    shown = []
    for args in ([_email("bob"), "workspace.models"], [_email("alice"), "workspace.models"],
                 [_email("dave"), "--model", "for-readers"]):
        with pytest.raises(SystemExit) as excinfo:
            main(["rbac", "why", *args, "--database", scenario.database, "--now", "2026-11-28T12:00:00Z",
                  "--no-color"])
        out, _ = capsys.readouterr()
        assert excinfo.value.code == 0
        shown.append(out)
    assert "WARNING  rbac.permission-denied  bob@example.org does not have workspace.models" in shown[0]
    assert "INFO     rbac.permission-granted  alice@example.org has workspace.models" in shown[1]
    assert "WARNING  rbac.base-model-denied  dave@example.org cannot use the model" in shown[2]
    with capsys.disabled():
        for out in shown:
            print(out.replace(scenario.database, "sqlite:////srv/open-webui/data/webui.db"))
