"""`authdoctor.rbac.evaluate`: every branch of Open WebUI 0.12.4's permission and access rules, from
hand-made rows (no database). The rules and where they live in the app are in the module's
docstring; each test names the app behaviour it pins."""

from __future__ import annotations

from typing import Any

import pytest

from authdoctor.findings import Finding, Severity
from authdoctor.rbac.evaluate import (
    AppSwitches,
    Grant,
    Group,
    Resource,
    StoredDefaults,
    User,
    explain_access,
    explain_permission,
    read_switches,
)
from authdoctor.rbac.permissions import PERMISSIONS, close_names, env_defaults, is_known
from authdoctor.settings.model import EnvSource, EnvVar

ALICE = User(id="u-alice", email="alice@example.com", role="user")
ADMIN = User(id="u-admin", email="admin@example.com", role="admin")
STAFF = Group(id="g-staff", name="Staff", permissions={"workspace": {"models": True}})
PARENT = Group(id="g-eng", name="Engineering", permissions={"workspace": {"knowledge": True}},
               via="Backend")
EMPTY = Group(id="g-empty", name="Empty", permissions=None)
STORED_OFF = StoredDefaults(tree={"workspace": {"models": False, "tools": True}}, present=True)


def env(**values: str) -> EnvSource:
    return EnvSource(label="test.env", vars={k: EnvVar(name=k, value=v) for k, v in values.items()})


def switches(given: bool = True, **values: str) -> AppSwitches:
    return read_switches(env(**values), settings_given=given)


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.code for f in findings]
    return findings[0]


def perm(user: User, groups: list[Group], name: str, stored: StoredDefaults = STORED_OFF,
         sw: AppSwitches | None = None, **kw: Any) -> Finding:
    return one(explain_permission(user, groups, name, stored, sw or switches(), **kw))


# ----------------------------------------------------------------------------- the permission table

def test_table_has_every_leaf_of_0_12_4_with_its_variable_and_default() -> None:
    names = [name for name, _, _ in PERMISSIONS]
    assert len(names) == len(set(names)) == 67
    table = {name: (var, default) for name, var, default in PERMISSIONS}
    assert table["workspace.models"] == ("USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS", False)
    assert table["sharing.public_chats"] == ("USER_PERMISSIONS_CHAT_ALLOW_PUBLIC_SHARING", False)
    assert table["features.webhooks"] == ("USER_PERMISSIONS_FEATURES_USER_WEBHOOKS", False)
    assert table["access_grants.allow_users"] == ("USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_USERS", True)
    assert table["chat.temporary_enforced"] == ("USER_PERMISSIONS_CHAT_TEMPORARY_ENFORCED", False)
    assert table["settings.interface"] == ("USER_PERMISSIONS_SETTINGS_INTERFACE", True)


def test_env_defaults_read_as_the_app_reads_booleans() -> None:
    leaves = env_defaults(env(USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS="TRUE",
                              USER_PERMISSIONS_CHAT_CONTROLS="1"))
    assert leaves["workspace.models"].value is True and leaves["workspace.models"].from_env
    assert leaves["chat.controls"].value is False  # only 'true' in any case is true
    assert leaves["chat.edit"].value is True and not leaves["chat.edit"].from_env


def test_close_names() -> None:
    assert is_known("workspace.models") and not is_known("workspace.model")
    assert close_names("workspace.model")[0] == "workspace.models"
    assert "workspace.models" in close_names("models")
    assert close_names("workspace")  # a section: its leaves
    assert close_names("zzzz.qqq") == []


# ----------------------------------------------------------------------------- the role gate

def test_pending_user_is_refused_before_any_permission() -> None:
    pending = User(id="u-p", email="p@example.com", role="pending")
    found = perm(pending, [STAFF], "workspace.models")
    assert (found.code, found.severity) == ("rbac.user-pending", Severity.WARNING)
    assert "Role: user" in found.fix
    access = one(explain_access(pending, [], Resource(kind="model", id="m", owner_id="u-p"), "read",
                                switches()))
    assert access.code == "rbac.user-pending"  # even the owner


def test_unknown_role_is_an_error() -> None:
    typo = User(id="u-t", email="t@example.com", role="User")
    found = perm(typo, [STAFF], "workspace.models")
    assert (found.code, found.severity) == ("rbac.role-invalid", Severity.ERROR)
    assert "'User'" in found.title and "DEFAULT_USER_ROLE" in found.fix


def test_admin_is_never_checked() -> None:
    found = perm(ADMIN, [], "workspace.models")
    assert found.code == "rbac.permission-granted"
    assert "is an admin" in found.title


# ----------------------------------------------------------------------------- permissions

def test_direct_group_grants_even_when_the_default_is_off() -> None:
    found = perm(ALICE, [STAFF], "workspace.models")
    assert found.code == "rbac.permission-granted"
    assert "granted by group 'Staff' (direct member)" in found.title
    assert found.evidence["default"] == "config table, user.permissions: false"
    assert "without this group the user would lose it" in found.detail


def test_inherited_parent_group_grants() -> None:
    found = perm(ALICE, [EMPTY, PARENT], "workspace.knowledge")
    assert found.code == "rbac.permission-granted"
    assert "group 'Engineering' (inherited through 'Backend')" in found.title
    assert found.evidence["group 'Empty' (direct member)"] == "not set"


def test_a_group_false_never_takes_away_the_default() -> None:
    """combine_permissions/has_permission: no deny; the defaults still decide."""
    denier = Group(id="g-d", name="Deniers", permissions={"workspace": {"tools": False}})
    found = perm(ALICE, [denier], "workspace.tools")
    assert found.code == "rbac.permission-granted"
    assert "default permissions grant it to every user" in found.title


def test_truthiness_is_the_apps_a_string_false_grants() -> None:
    """get_permission returns bool(value): a JSON string "false" written by hand is truthy."""
    odd = Group(id="g-o", name="Odd", permissions={"workspace": {"models": "false"}})
    found = perm(ALICE, [odd], "workspace.models")
    assert found.code == "rbac.permission-granted"
    assert found.evidence["group 'Odd' (direct member)"] == '"false"'


def test_denied_names_the_groups_and_the_default_to_change() -> None:
    found = perm(ALICE, [EMPTY], "workspace.models", other_groups_with=["Model makers", "Staff"])
    assert (found.code, found.severity) == ("rbac.permission-denied", Severity.WARNING)
    assert "none of the user's 1 group(s) turns it on" in found.title
    assert "Admin Panel > Users > Groups > <group> > Permissions" in found.fix
    assert "add the user to a group that has it on: 'Model makers', 'Staff'" in found.fix
    assert "Admin Panel > Users > Groups > Default permissions" in found.fix
    # the key is in the stored tree: the variable would change nothing, so it is not offered
    assert "USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS" not in found.fix


def test_denied_without_groups() -> None:
    found = perm(ALICE, [], "workspace.models")
    assert "the user is in no group" in found.title
    assert "add the user to a group with workspace.models on" in found.fix


def test_env_variable_ignored_when_the_stored_tree_has_the_key() -> None:
    sw = switches(USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS="true")
    found = perm(ALICE, [], "workspace.models", sw=sw)
    assert found.code == "rbac.permission-denied"
    assert "changing the variable has no effect" in found.detail
    assert found.evidence["USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS"].startswith("set, but ignored")


def test_key_missing_from_the_stored_tree_comes_from_the_environment() -> None:
    """fill_missing_permissions: the variable matters for keys the row lacks."""
    sw = switches(USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS="true")
    found = perm(ALICE, [], "workspace.prompts", sw=sw)
    assert found.code == "rbac.permission-granted"
    assert found.evidence["default"] == ("not in the config table's user.permissions, so "
                                         "USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS=true")
    off = perm(ALICE, [], "workspace.prompts")
    assert off.code == "rbac.permission-denied"
    assert "USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS=true before the first start" in off.fix


def test_no_stored_row_uses_the_environment_tree() -> None:
    found = perm(ALICE, [], "chat.controls", stored=StoredDefaults())
    assert found.code == "rbac.permission-granted"
    assert found.evidence["default"].startswith("no user.permissions row in the config table")


def test_persistent_config_off_ignores_the_config_table() -> None:
    stored_on = StoredDefaults(tree={"workspace": {"models": True}}, present=True)
    sw = switches(ENABLE_PERSISTENT_CONFIG="false")
    found = perm(ALICE, [], "workspace.models", stored=stored_on, sw=sw)
    assert found.code == "rbac.permission-denied"
    assert "ENABLE_PERSISTENT_CONFIG=false" in found.evidence["default"]
    assert "set USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS=true and restart" in found.fix


def test_reset_config_on_start_is_mentioned() -> None:
    found = perm(ALICE, [], "workspace.models", sw=switches(RESET_CONFIG_ON_START="true"))
    assert "RESET_CONFIG_ON_START=true" in found.detail


def test_a_path_missing_everywhere_is_false() -> None:
    stored = StoredDefaults(tree={"sharing": {}}, present=True)
    found = perm(ALICE, [], "sharing.public_channels", stored=stored)
    assert found.code == "rbac.permission-denied"
    assert "a missing path is false" in found.evidence["default"]
    assert "not among the app's defaults" in perm(ALICE, [], "sharing.public_channels",
                                                   stored=StoredDefaults()).evidence["default"]


def test_restriction_is_explained() -> None:
    found = perm(ALICE, [], "chat.temporary_enforced")
    assert "is a restriction" in found.detail


# ----------------------------------------------------------------------------- switches

def test_switches_read_as_the_app_reads_them() -> None:
    assert switches().bypass_admin is True and switches().bypass_model is False
    assert switches(BYPASS_ADMIN_ACCESS_CONTROL="False").bypass_admin is False
    legacy = switches(ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS="false")
    assert legacy.bypass_admin is False
    assert "legacy name" in legacy.shown["BYPASS_ADMIN_ACCESS_CONTROL"]
    assert switches(BYPASS_ADMIN_ACCESS_CONTROL="true",
                    ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS="false").bypass_admin is True
    assert switches(BYPASS_MODEL_ACCESS_CONTROL="yes").bypass_model is False
    assert "no settings given" in switches(given=False).shown["BYPASS_MODEL_ACCESS_CONTROL"]


# ----------------------------------------------------------------------------- resources

def model(**kw: Any) -> Resource:
    fields: dict[str, Any] = {"kind": "model", "id": "gpt-x", "name": "GPT X", "owner_id": "u-admin",
                              "owner_shown": "admin@example.com"}
    fields.update(kw)
    return Resource(**fields)


def access(user: User, groups: list[Group], resource: Resource, how: str = "read",
           sw: AppSwitches | None = None, chain: tuple[Resource, ...] = ()) -> Finding:
    return one(explain_access(user, groups, resource, how, sw or switches(), base_chain=chain))


def test_bypass_model_access_control_lets_everyone() -> None:
    found = access(ALICE, [], model(), sw=switches(BYPASS_MODEL_ACCESS_CONTROL="true"))
    assert found.code == "rbac.access-granted"
    assert "BYPASS_MODEL_ACCESS_CONTROL=true" in found.title


def test_admin_bypasses_models_by_default_but_not_when_switched_off() -> None:
    assert access(ADMIN, [], model(owner_id="u-other")).code == "rbac.access-granted"
    found = access(ADMIN, [], model(owner_id="u-other"), sw=switches(BYPASS_ADMIN_ACCESS_CONTROL="false"))
    assert found.code == "rbac.access-denied"
    assert "BYPASS_ADMIN_ACCESS_CONTROL is off" in found.detail
    assert "unset BYPASS_ADMIN_ACCESS_CONTROL" in found.fix


def test_owner_and_each_kind_of_grant() -> None:
    assert "owns it" in access(ALICE, [], model(owner_id="u-alice")).title
    public = access(ALICE, [], model(grants=(Grant("user", "*", "read"),)))
    assert "everyone signed in (public, user:*)" in public.title
    direct = access(ALICE, [], model(grants=(Grant("user", "u-alice", "read"),)))
    assert "the user directly" in direct.title
    inherited = access(ALICE, [PARENT], model(grants=(Grant("group", "g-eng", "read"),)))
    assert "group 'Engineering' (inherited through 'Backend')" in inherited.title
    other = access(ALICE, [], model(grants=(Grant("user", "u-bob", "read"),)))
    assert other.code == "rbac.access-denied"
    assert other.evidence["grants"] == "read: 1 user(s)"


def test_private_model_is_denied_with_the_grant_to_add() -> None:
    found = access(ALICE, [STAFF], model())
    assert (found.code, found.severity) == ("rbac.access-denied", Severity.WARNING)
    assert "it has no access grants (private)" in found.title
    assert "Workspace > Models > GPT X > Access" in found.fix
    assert "403 'Model not found'" in found.detail


def test_denied_fix_names_the_groups_that_hold_the_grant() -> None:
    found = access(ALICE, [], model(grants=(Grant("group", "g-x", "read"),), group_names={"g-x": "Sales"}))
    assert "add the user to a group that already has it: 'Sales'" in found.fix
    assert found.evidence["grants"] == "read: group(s) 'Sales'"


def test_write_does_not_include_read() -> None:
    found = access(ALICE, [STAFF], model(grants=(Grant("group", "g-staff", "write"),)))
    assert found.code == "rbac.write-without-read"
    assert "model selector does not list it" in found.detail
    assert found.fix.startswith("Also give read access")
    kb = Resource(kind="knowledge", id="kb1", name="Handbook", owner_id="u-x",
                  grants=(Grant("user", "u-alice", "write"),))
    assert access(ALICE, [], kb).code == "rbac.write-without-read"
    assert access(ALICE, [], kb, "write").code == "rbac.access-granted"


def test_write_access() -> None:
    assert access(ADMIN, [], model(owner_id="u-x"), "write",
                  sw=switches(BYPASS_ADMIN_ACCESS_CONTROL="false")).code == "rbac.access-granted"
    assert access(ALICE, [], model(owner_id="u-alice"), "write").code == "rbac.access-granted"
    read_only = model(grants=(Grant("user", "*", "read"),))
    found = access(ALICE, [], read_only, "write")
    assert found.code == "rbac.access-denied"
    assert "none of its write grants" in found.title
    assert "Saving a change answers" in found.detail


def test_unregistered_model() -> None:
    found = access(ALICE, [], Resource(kind="model", id="llama3:8b", missing=True))
    assert (found.code, found.severity) == ("rbac.resource-not-found", Severity.ERROR)
    assert "admin-only" in found.detail and "BYPASS_MODEL_ACCESS_CONTROL=true" in found.fix
    tool = access(ALICE, [], Resource(kind="tool", id="t", missing=True))
    assert "Workspace > Tools" in tool.fix


def test_base_model_chain() -> None:
    preset = model(id="preset", owner_id="u-alice", base_model_id="base")
    missing = access(ALICE, [], preset, chain=(Resource(kind="model", id="base", missing=True),))
    assert missing.code == "rbac.base-model-denied"
    assert "no row in the model table" in missing.title
    admin_no_bypass = switches(BYPASS_ADMIN_ACCESS_CONTROL="false")
    assert access(ADMIN, [], model(id="preset", owner_id="u-admin", base_model_id="base"),
                  sw=admin_no_bypass,
                  chain=(Resource(kind="model", id="base", missing=True),)).code == "rbac.access-granted"
    private_base = model(id="base", owner_id="u-admin")
    blocked = access(ALICE, [], preset, chain=(private_base,))
    assert blocked.code == "rbac.base-model-denied" and "not readable" in blocked.title
    shared_base = model(id="base", owner_id="u-admin", base_model_id="root",
                        grants=(Grant("group", "g-staff", "read"),))
    root = model(id="root", owner_id="u-admin", grants=(Grant("user", "*", "read"),))
    assert access(ALICE, [STAFF], preset, chain=(shared_base, root)).code == "rbac.access-granted"
    # a cycle in base_model_id ends the walk
    loop = model(id="base", owner_id="u-alice", base_model_id="preset")
    assert access(ALICE, [], preset, chain=(loop,)).code == "rbac.access-granted"


def test_admin_opens_any_knowledge_and_tool_whatever_the_switch() -> None:
    sw = switches(BYPASS_ADMIN_ACCESS_CONTROL="false")
    kb = Resource(kind="knowledge", id="kb1", owner_id="u-x")
    assert access(ADMIN, [], kb, sw=sw).code == "rbac.access-granted"
    tool = access(ADMIN, [], Resource(kind="tool", id="calc", owner_id="u-x"), sw=sw)
    assert tool.code == "rbac.access-granted"
    assert "chat does not load the tool" in tool.detail


def test_knowledge_and_tool_denials_say_what_the_user_sees() -> None:
    kb = access(ALICE, [], Resource(kind="knowledge", id="kb1", owner_id="u-x"))
    assert "chat does not retrieve from it" in kb.detail
    tool = access(ALICE, [], Resource(kind="tool", id="calc", owner_id="u-x"))
    assert "chat does not load it" in tool.detail


def test_access_must_be_read_or_write() -> None:
    with pytest.raises(ValueError, match="read or write"):
        explain_access(ALICE, [], model(), "execute", switches())


def test_inactive_model_is_refused_to_everyone() -> None:
    off = model(owner_id="u-alice", active=False)
    found = access(ALICE, [], off)
    assert (found.code, found.severity) == ("rbac.model-inactive", Severity.WARNING)
    assert "toggle" in found.fix
    bypass = switches(BYPASS_MODEL_ACCESS_CONTROL="true")
    assert access(ADMIN, [], off, sw=bypass).code == "rbac.model-inactive"
    assert access(ALICE, [], off, "write").code == "rbac.access-granted"  # the owner may still change it
