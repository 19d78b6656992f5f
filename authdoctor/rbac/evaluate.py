"""Pure evaluation of `rbac why`: the rows the app would read in, one answer (a finding) out.

Every rule here is Open WebUI 0.12.4's, read from the wheel (paths under `open_webui/`):

Permissions (`utils/access_control/__init__.py has_permission`, called as
`has_permission(user.id, NAME, await Config.get('user.permissions'))` behind a
`user.role != 'admin'` test in every router):
- only the roles `user` and `admin` pass `get_verified_user` (`utils/auth.py VERIFIED_USER_ROLES`);
  `pending` (and any other role string, e.g. a mistyped DEFAULT_USER_ROLE) gets 401 before any
  permission is looked at;
- admins are never checked against permissions;
- for a user: true if ANY group the user is in, ancestors of those groups included
  (`Groups.get_groups_by_member_id(include_inherited=True)`, a recursive CTE up
  `parent_group_id`), has the dotted path truthy; otherwise the default tree decides. The
  default tree is the config row `user.permissions` (or the environment's tree when
  ENABLE_PERSISTENT_CONFIG=false), filled for missing keys from `DEFAULT_USER_PERMISSIONS`
  (`USER_PERMISSIONS_*`, `fill_missing_permissions`). A missing path is false. There is no deny:
  a group's `false` never takes away what the defaults or another group give.

Resources (`models/access_grants.py AccessGrants.has_access` and the routers):
- a grant row is (principal_type user|group, principal_id, permission read|write); it matches
  the user through `user:*` (every signed-in user), `user:<id>`, or `group:<id>` for any of the
  user's groups with ancestors; the permission must match exactly (`write` does not give `read`);
- models, used in chat and listed in the model selector (`main.py chat_completion`,
  `utils/models.py check_model_access`, `get_filtered_models`): BYPASS_MODEL_ACCESS_CONTROL lets
  everyone; an admin with BYPASS_ADMIN_ACCESS_CONTROL (default true) passes; otherwise the
  model needs a row in `model` (an unregistered model is admin-only), the owner or a read grant,
  and the same for each model up its `base_model_id` chain (`has_base_model_access`: a missing
  base row is admin-only); models, changed (`routers/models.py update_model_by_id`): owner, a
  write grant, or any admin;
- knowledge (`routers/knowledge.py get_knowledge_by_id`, `retrieval/utils.py`): read by any
  admin, the owner or a read grant; changed by the owner, a write grant or any admin;
- tools (`routers/tools.py get_tools_by_id`, `_update_tool`): read by any admin, the owner or a
  read grant; changed by the owner, a write grant or any admin; used in chat
  (`utils/tools.py get_tools`) by an admin only with BYPASS_ADMIN_ACCESS_CONTROL, else the owner or
  a read grant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authdoctor.checks.base import finding
from authdoctor.findings import Finding
from authdoctor.rbac.permissions import DefaultLeaf, env_defaults, env_var, lookup
from authdoctor.settings.model import EnvSource

VERIFIED_ROLES = ("user", "admin")
DEFAULTS_UI = "Admin Panel > Users > Groups > Default permissions"
GROUPS_UI = "Admin Panel > Users > Groups"
RESOURCE_KINDS = ("model", "knowledge", "tool")
_KIND_WORDS = {"model": "model", "knowledge": "knowledge base", "tool": "tool"}
_WORKSPACE_UI = {"model": "Workspace > Models", "knowledge": "Workspace > Knowledge",
                 "tool": "Workspace > Tools"}
#: Leaves that restrict rather than allow: on means the user is held back.
RESTRICTIONS = {
    "chat.temporary_enforced": "on means every chat of the user is temporary (not saved)",
    "workspace.models_hidden": "on hides models in the workspace",
}
MAX_LISTED = 5


@dataclass(frozen=True)
class User:
    id: str
    email: str
    role: str
    name: str = ""

    @property
    def shown(self) -> str:
        return self.email or self.id


@dataclass(frozen=True)
class Group:
    """A group the user belongs to: `via` is None for a direct membership, else the name of the
    member group through which this ancestor's permissions and grants reach the user."""

    id: str
    name: str
    permissions: Any = None
    via: str | None = None

    @property
    def label(self) -> str:
        how = "direct member" if self.via is None else f"inherited through '{self.via}'"
        return f"group '{self.name}' ({how})"


@dataclass(frozen=True)
class Grant:
    principal_type: str
    principal_id: str
    permission: str


@dataclass(frozen=True)
class Resource:
    """A model, knowledge base or tool row with its grants. `group_names` names the groups its
    grants mention (for the fix), `missing` is True when no row has this id."""

    kind: str
    id: str
    name: str = ""
    owner_id: str = ""
    owner_shown: str = ""
    base_model_id: str | None = None
    grants: tuple[Grant, ...] = ()
    group_names: Mapping[str, str] = field(default_factory=dict)
    missing: bool = False
    active: bool = True  # model.is_active: off takes the model away from everyone

    @property
    def shown(self) -> str:
        word = _KIND_WORDS[self.kind]
        if self.name and self.name != self.id:
            return f"{word} '{self.id}' ({self.name})"
        return f"{word} '{self.id}'"


@dataclass(frozen=True)
class AppSwitches:
    """The environment-only settings the answer depends on, with how each was read."""

    bypass_admin: bool = True
    bypass_model: bool = False
    persistent_config: bool = True
    reset_on_start: bool = False
    env_defaults: Mapping[str, DefaultLeaf] = field(default_factory=lambda: env_defaults(EnvSource(label="")))
    shown: Mapping[str, str] = field(default_factory=dict)
    settings_given: bool = False


def read_switches(env: EnvSource, *, settings_given: bool) -> AppSwitches:
    """The app's own reading of its env-only switches (`config.py`, `env.py`: `os.getenv(NAME,
    default).lower() == 'true'`). BYPASS_ADMIN_ACCESS_CONTROL falls back to the legacy
    ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS, then to true."""
    def raw(name: str) -> str | None:
        return env.get(name)

    def shown(name: str, value: bool, default: str) -> str:
        if not settings_given:
            return f"unset: {str(value).lower()} (the app's default; no settings given)"
        text = raw(name)
        return f"{text!r}: {str(value).lower()}" if text is not None else f"unset: {default}"

    legacy = raw("ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS")
    bypass_raw = raw("BYPASS_ADMIN_ACCESS_CONTROL")
    bypass_admin = (bypass_raw if bypass_raw is not None else (legacy if legacy is not None else "True")
                    ).lower() == "true"
    if bypass_raw is None and legacy is not None and settings_given:
        bypass_shown = (f"unset; ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS={legacy!r} (its legacy name) "
                        f"gives {str(bypass_admin).lower()}")
    else:
        bypass_shown = shown("BYPASS_ADMIN_ACCESS_CONTROL", bypass_admin, "true (default)")
    bypass_model = (raw("BYPASS_MODEL_ACCESS_CONTROL") or "False").lower() == "true"
    persistent = (raw("ENABLE_PERSISTENT_CONFIG") or "True").lower() == "true"
    reset = (raw("RESET_CONFIG_ON_START") or "False").lower() == "true"
    return AppSwitches(
        bypass_admin=bypass_admin, bypass_model=bypass_model, persistent_config=persistent,
        reset_on_start=reset, env_defaults=env_defaults(env), settings_given=settings_given,
        shown={
            "BYPASS_ADMIN_ACCESS_CONTROL": bypass_shown,
            "BYPASS_MODEL_ACCESS_CONTROL": shown("BYPASS_MODEL_ACCESS_CONTROL", bypass_model,
                                                 "false (default)"),
            "ENABLE_PERSISTENT_CONFIG": shown("ENABLE_PERSISTENT_CONFIG", persistent, "true (default)"),
        })


@dataclass(frozen=True)
class StoredDefaults:
    """The config row `user.permissions` as stored (`present` False: no row)."""

    tree: Any = None
    present: bool = False


# ---------------------------------------------------------------------------------------------
# Shared: the role gate


def role_gate(user: User, consequence: str) -> Finding | None:
    """`get_verified_user`: a pending user, or a role the app does not know, is refused (401)
    before any permission or grant is looked at."""
    if user.role == "pending":
        return finding(
            "rbac.user-pending",
            f"{user.shown} is pending: every request but sign-in is refused, so {consequence}",
            detail=("Open WebUI lets only the roles 'user' and 'admin' through get_verified_user; a "
                    "pending account can sign in but every other request answers 401 'You do not "
                    "have permission to access this resource...' and the UI shows the 'Account "
                    "Activation Pending' screen. Groups and grants do not matter until an admin "
                    "activates the account. New accounts are pending when DEFAULT_USER_ROLE "
                    "(config key ui.default_user_role) is 'pending', the app's default."),
            fix=(f"Activate the account: Admin Panel > Users > {user.shown} > Role: user. To let new "
                 "accounts in directly, set the default user role to 'user' (Admin Panel > Settings > "
                 "General > Default User Role)."),
            evidence={"user": user.shown, "role": "pending"}, subject=user.shown)
    if user.role not in VERIFIED_ROLES:
        return finding(
            "rbac.role-invalid",
            f"{user.shown} has the role {user.role!r}, which Open WebUI does not know: every request "
            f"is refused, so {consequence}",
            detail=("0.12.4 knows exactly the roles 'pending', 'user' and 'admin' (lower case). "
                    "get_verified_user lets only 'user' and 'admin' through, so this account gets 401 "
                    "on everything after sign-in. The usual cause is DEFAULT_USER_ROLE set to "
                    "something else (e.g. 'User'): the app does not validate it and gives it to "
                    "every new account."),
            fix=(f"Set the role in Admin Panel > Users > {user.shown} to 'user' (or 'admin'); fix "
                 "DEFAULT_USER_ROLE / Admin Panel > Settings > General > Default User Role to "
                 "'user' or 'pending' so new accounts get a valid role."),
            evidence={"user": user.shown, "role": repr(user.role)}, subject=user.shown)
    return None


def _user_evidence(user: User, groups: Sequence[Group]) -> dict[str, str]:
    evidence = {"user": f"{user.shown} (id {user.id})", "role": user.role}
    direct = [g for g in groups if g.via is None]
    inherited = [g for g in groups if g.via is not None]
    text = f"{len(direct)} direct"
    if inherited:
        text += f", {len(inherited)} inherited from parent groups"
    evidence["groups"] = text
    return evidence


# ---------------------------------------------------------------------------------------------
# Permissions


@dataclass(frozen=True)
class DefaultAnswer:
    value: bool
    source: str  # plain words: where the default's value comes from
    var: str | None
    stored_hides_env: bool  # the variable is set, but the stored tree has the key (env ignored)


def default_value(name: str, stored: StoredDefaults, switches: AppSwitches) -> DefaultAnswer:
    """The default tree's value for `name` as `has_permission` reads it: the stored row (when
    persistent config is on and the row exists) or the environment's tree, filled from
    `DEFAULT_USER_PERMISSIONS` for missing keys; a missing path is false."""
    leaf = switches.env_defaults.get(name)
    var = env_var(name)
    env_text = None
    if leaf is not None:
        env_text = (f"{leaf.var}={str(leaf.value).lower()}" if leaf.from_env
                    else f"{leaf.var} unset: the app's default {str(leaf.value).lower()}")
    if switches.persistent_config and stored.present:
        found, value = lookup(stored.tree, name)
        if found:
            hides = leaf is not None and leaf.from_env and bool(value) != leaf.value
            return DefaultAnswer(bool(value), f"config table, user.permissions: {_json(value)}", var, hides)
        if leaf is not None:
            return DefaultAnswer(leaf.value, f"not in the config table's user.permissions, so {env_text}",
                                 var, False)
        return DefaultAnswer(False, "not in the config table's user.permissions nor in the app's "
                                    "defaults: a missing path is false", var, False)
    if leaf is not None:
        why = ("ENABLE_PERSISTENT_CONFIG=false: the config table is not read, so "
               if not switches.persistent_config else "no user.permissions row in the config table, so ")
        return DefaultAnswer(leaf.value, why + (env_text or ""), var, False)
    return DefaultAnswer(False, "not among the app's defaults: a missing path is false", var, False)


def _json(value: Any) -> str:
    import json

    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def explain_permission(user: User, groups: Sequence[Group], name: str, stored: StoredDefaults,
                       switches: AppSwitches, *, other_groups_with: Sequence[str] = ()) -> list[Finding]:
    """The answer to "does USER have permission NAME, and why": `rbac.permission-granted` with
    the path, or `rbac.permission-denied` with the exact setting or group to change (or the role
    gate's finding). `other_groups_with` names groups the user is not in that have NAME on."""
    gate = role_gate(user, f"{name} does not matter until the account is activated")
    if gate is not None:
        return [gate]
    evidence = _user_evidence(user, groups)
    restriction = RESTRICTIONS.get(name)
    note = f" ({name} is a restriction: {restriction}.)" if restriction else ""
    if user.role == "admin":
        evidence["permission check"] = "skipped for admins (user.role != 'admin' guards every check)"
        return [finding(
            "rbac.permission-granted",
            f"{user.shown} is an admin: {name} is not checked for admins",
            detail=("Open WebUI checks user permissions only for the role 'user': every router "
                    "tests user.role != 'admin' before has_permission, so an admin can do what "
                    f"{name} guards whatever the defaults and groups say." + note),
            evidence=evidence, subject=user.shown)]

    default = default_value(name, stored, switches)
    granting: list[Group] = []
    for group in groups:
        found, value = lookup(group.permissions, name)
        evidence[group.label] = _json(value) if found else "not set"
        if found and bool(value):
            granting.append(group)
    evidence["default"] = default.source
    if default.stored_hides_env and default.var:
        evidence[default.var] = f"set, but ignored for {name}: the config table already holds the key"

    if granting or default.value:
        if granting:
            names = ", ".join(g.label for g in granting[:MAX_LISTED])
            more = f" (and {len(granting) - MAX_LISTED} more)" if len(granting) > MAX_LISTED else ""
            title = f"{user.shown} has {name}: granted by {names}{more}"
            detail = ("Permissions are additive in Open WebUI 0.12.4: any group with the permission on "
                      "grants it, whatever the defaults say (there is no deny). ")
            if default.value:
                detail += "The default permissions grant it to every user as well."
            else:
                detail += ("The default permissions do not: without this group the user would lose it.")
        else:
            title = f"{user.shown} has {name}: the default permissions grant it to every user"
            detail = ("No group of the user sets it, so the default permissions decide "
                      f"({default.source}).")
        return [finding("rbac.permission-granted", title, detail=detail + note, evidence=evidence,
                        subject=user.shown)]

    in_groups = (f"none of the user's {len(groups)} group(s) turns it on" if groups
                 else "the user is in no group")
    title = f"{user.shown} does not have {name}: off in the default permissions and {in_groups}"
    detail = (f"has_permission('{name}') is true only when a group of the user has it on or the "
              f"default permissions do. Default: {default.source}. Where the API checks it, the app "
              "answers 401 '401 Unauthorized' (the same words as a rejected token) and the UI hides "
              "the feature. ")
    if default.stored_hides_env and default.var:
        detail += (f"{default.var} is set in the environment, but the app reads it only for keys "
                   "missing from the stored user.permissions (it seeded them at the first start, or "
                   "an admin saved the defaults since), so changing the variable has no effect. ")
    if not switches.persistent_config:
        detail += ("With ENABLE_PERSISTENT_CONFIG=false the defaults come from the environment only, "
                   "and a change in the admin panel lasts until the next restart. ")
    elif switches.reset_on_start:
        detail += ("RESET_CONFIG_ON_START=true: the next restart replaces the stored defaults with the "
                   "environment's. ")
    fixes = []
    if groups:
        fixes.append(f"turn {name} on for one of the user's groups ({GROUPS_UI} > <group> > Permissions)")
    if other_groups_with:
        listed = ", ".join(f"'{g}'" for g in other_groups_with[:MAX_LISTED])
        more = " ..." if len(other_groups_with) > MAX_LISTED else ""
        fixes.append(f"add the user to a group that has it on: {listed}{more} ({GROUPS_UI} > <group> > "
                     "Users)")
    elif not groups:
        fixes.append(f"add the user to a group with {name} on ({GROUPS_UI})")
    default_fix = f"turn it on for every user in {DEFAULTS_UI}"
    if not switches.persistent_config and default.var:
        default_fix = f"set {default.var}=true and restart"
    elif default.var and not (switches.persistent_config and stored.present and lookup(stored.tree, name)[0]):
        default_fix += f" (or {default.var}=true before the first start)"
    fixes.append(default_fix)
    fix = "Either " + "; or ".join(fixes) + "." + note
    return [finding("rbac.permission-denied", title, detail=detail.strip() + note, fix=fix,
                    evidence=evidence, subject=user.shown)]


# ---------------------------------------------------------------------------------------------
# Resources


def matching_grants(grants: Sequence[Grant], user: User, groups: Sequence[Group],
                    permission: str) -> list[tuple[Grant, str]]:
    """The grants `AccessGrants.has_access` would match, each with the principal in plain words."""
    by_id = {g.id: g for g in groups}
    found: list[tuple[Grant, str]] = []
    for grant in grants:
        if grant.permission != permission:
            continue
        if grant.principal_type == "user" and grant.principal_id == "*":
            found.append((grant, "everyone signed in (public, user:*)"))
        elif grant.principal_type == "user" and grant.principal_id == user.id:
            found.append((grant, "the user directly"))
        elif grant.principal_type == "group" and grant.principal_id in by_id:
            found.append((grant, by_id[grant.principal_id].label))
    return found


def _grant_summary(resource: Resource, user: User) -> str:
    if not resource.grants:
        return "none (private: the owner only, plus admins)"
    parts = []
    for perm in ("read", "write"):
        rows = [g for g in resource.grants if g.permission == perm]
        if not rows:
            continue
        public = any(g.principal_type == "user" and g.principal_id == "*" for g in rows)
        users = [g for g in rows if g.principal_type == "user" and g.principal_id != "*"]
        groups = [resource.group_names.get(g.principal_id, g.principal_id) for g in rows
                  if g.principal_type == "group"]
        words = []
        if public:
            words.append("everyone (public)")
        if users:
            mine = any(g.principal_id == user.id for g in users)
            words.append(f"{len(users)} user(s)" + (" including this one" if mine else ""))
        if groups:
            words.append("group(s) " + ", ".join(f"'{n}'" for n in groups[:MAX_LISTED])
                         + (" ..." if len(groups) > MAX_LISTED else ""))
        parts.append(f"{perm}: " + "; ".join(words))
    return " | ".join(parts)


def _resource_evidence(user: User, groups: Sequence[Group], resource: Resource,
                       switches: AppSwitches, access: str) -> dict[str, str]:
    evidence = _user_evidence(user, groups)
    evidence[resource.kind] = resource.shown
    if not resource.missing:
        owner = resource.owner_shown or resource.owner_id or "(none)"
        evidence["owner"] = owner + (" (this user)" if resource.owner_id == user.id else "")
        evidence["grants"] = _grant_summary(resource, user)
    evidence["access asked"] = access
    if user.role == "admin" or resource.kind == "model":
        evidence["BYPASS_ADMIN_ACCESS_CONTROL"] = switches.shown.get("BYPASS_ADMIN_ACCESS_CONTROL",
                                                                     str(switches.bypass_admin).lower())
    if resource.kind == "model" and access == "read":
        evidence["BYPASS_MODEL_ACCESS_CONTROL"] = switches.shown.get("BYPASS_MODEL_ACCESS_CONTROL",
                                                                     str(switches.bypass_model).lower())
    return evidence


def _grant_fix(resource: Resource, user: User, permission: str) -> str:
    holders = [resource.group_names.get(g.principal_id, g.principal_id) for g in resource.grants
               if g.principal_type == "group" and g.permission == permission]
    ui = f"{_WORKSPACE_UI[resource.kind]} > {resource.name or resource.id} > Access"
    if resource.kind == "model":
        ui += " (or Admin Panel > Settings > Models for a base model)"
    fix = f"Give {permission} access to the user or to one of the user's groups in {ui}"
    if holders:
        fix += "; or add the user to a group that already has it: " + ", ".join(
            f"'{h}'" for h in holders[:MAX_LISTED])
    return fix + "."


def explain_access(user: User, groups: Sequence[Group], resource: Resource, access: str,
                   switches: AppSwitches, *, base_chain: Sequence[Resource] = ()) -> list[Finding]:
    """The answer to "can USER read (use) / write (change) this resource, and why"."""
    if access not in ("read", "write"):
        raise ValueError(f"access must be read or write, not {access!r}")
    what = f"{'use' if access == 'read' else 'change'} the {resource.shown}"
    gate = role_gate(user, f"the user cannot {what}")
    if gate is not None:
        return [gate]
    evidence = _resource_evidence(user, groups, resource, switches, access)

    def granted(why: str, detail: str = "") -> list[Finding]:
        return [finding("rbac.access-granted", f"{user.shown} can {what}: {why}", detail=detail,
                        evidence=evidence, subject=user.shown)]

    if resource.kind == "model" and access == "read" and not resource.missing and not resource.active:
        return [finding(
            "rbac.model-inactive",
            f"{user.shown} cannot {what}: the model is switched off (is_active false), for everyone",
            detail=("An admin (or a user with write access) turned the model off in the workspace. Open "
                    "WebUI 0.12.4 leaves inactive models out of the models it serves "
                    "(utils/models.py get_all_models), so nobody can chat with it, admins included, "
                    "whatever the grants and BYPASS_* switches say; chat answers 'Model not found'."),
            fix=(f"Switch it on again: {_WORKSPACE_UI['model']} (or Admin Panel > Settings > Models) > "
                 f"{resource.name or resource.id} > the on/off toggle."),
            evidence=evidence, subject=user.shown)]
    # Switches that decide before any row is read.
    if resource.kind == "model" and access == "read":
        if switches.bypass_model:
            return granted("BYPASS_MODEL_ACCESS_CONTROL=true lets every user use every model",
                           "The app skips the per-model check for everyone (main.py chat_completion, "
                           "utils/models.py get_filtered_models); grants are not looked at.")
        if user.role == "admin" and switches.bypass_admin:
            return granted("admins bypass model access control (BYPASS_ADMIN_ACCESS_CONTROL, on by default)")

    if resource.missing:
        return [_not_found(user, resource, access, switches, evidence)]

    admin_always = access == "write" or resource.kind in ("knowledge", "tool")
    if user.role == "admin" and admin_always:
        detail = ""
        if resource.kind == "tool" and access == "read" and not switches.bypass_admin:
            detail = ("The workspace opens it for any admin, but with BYPASS_ADMIN_ACCESS_CONTROL=false "
                      "chat does not load the tool for an admin who is neither its owner nor granted "
                      "read (utils/tools.py get_tools).")
        verb = "change" if access == "write" else "open"
        return granted(f"any admin may {verb} a {_KIND_WORDS[resource.kind]}", detail)

    if resource.owner_id and resource.owner_id == user.id:
        verdict = granted("the user owns it")
    else:
        matches = matching_grants(resource.grants, user, groups, access)
        if matches:
            grant, who = matches[0]
            verdict = granted(f"{access} is granted to {who}",
                              f"The access grant ({grant.principal_type}:{grant.principal_id}:"
                              f"{grant.permission}) matches the user.")
        else:
            return [_denied(user, groups, resource, access, switches, evidence)]

    if resource.kind == "model" and access == "read" and resource.base_model_id:
        blocked = _base_chain_block(user, groups, resource, base_chain)
        if blocked is not None:
            hop, reason = blocked
            evidence["base model"] = f"'{hop}': {reason}"
            return [finding(
                "rbac.base-model-denied",
                f"{user.shown} cannot {what}: the base model '{hop}' it is built on {reason}",
                detail=("Open WebUI checks every model up the base_model_id chain (has_base_model_access): "
                        "the user must own it or have a read grant at each step, and a base model with "
                        "no row in the model table is admin-only. Chat answers 403 'Model not found' and "
                        "the model selector leaves the model out."),
                fix=(f"Give the user (or a group of the user) read access to '{hop}' (Admin Panel > "
                     "Settings > Models > edit > Access, which also registers a connection's base "
                     "model), or point the model at a base model the user can use."),
                evidence=evidence, subject=user.shown)]
    return verdict


def _base_chain_block(user: User, groups: Sequence[Group], resource: Resource,
                      chain: Sequence[Resource]) -> tuple[str, str] | None:
    by_id = {hop.id: hop for hop in chain}
    seen = {resource.id}
    base = resource.base_model_id
    while base and base not in seen:
        seen.add(base)
        hop = by_id.get(base)
        if hop is None or hop.missing:
            if user.role != "admin":
                return base, "has no row in the model table (unregistered models are admin-only)"
            return None  # has_base_model_access: a missing base is fine for an admin
        if not (hop.owner_id == user.id or matching_grants(hop.grants, user, groups, "read")):
            return base, "is not readable by the user (neither owner nor a read grant)"
        base = hop.base_model_id
    return None


def _not_found(user: User, resource: Resource, access: str, switches: AppSwitches,
               evidence: dict[str, str]) -> Finding:
    word = _KIND_WORDS[resource.kind]
    if resource.kind == "model":
        detail = ("There is no row with this id in the model table. A model served by a connection "
                  "(Ollama, OpenAI) that nobody has edited in Admin Panel > Settings > Models has no "
                  "row: the app treats it as admin-only, so users neither see it in the selector nor "
                  "can chat with it (403 'Model not found')"
                  + (" unless they are admins with BYPASS_ADMIN_ACCESS_CONTROL on." if access == "read"
                     else "."))
        fix = ("Check the id (as the API names it, e.g. 'gpt-4o' or 'llama3:8b'). For a connection's "
               "model: Admin Panel > Settings > Models > edit it > set its Access (e.g. public or a "
               "group), which stores the row and its grants; or set BYPASS_MODEL_ACCESS_CONTROL=true "
               "to let every user use every model.")
    else:
        detail = f"There is no {word} with this id in the database."
        fix = f"Check the id: it is the one in the {word}'s URL ({_WORKSPACE_UI[resource.kind]})."
    return finding("rbac.resource-not-found", f"no {word} '{resource.id}' in the database",
                   detail=detail, fix=fix, evidence=evidence, subject=resource.id)


def _denied(user: User, groups: Sequence[Group], resource: Resource, access: str,
            switches: AppSwitches, evidence: dict[str, str]) -> Finding:
    what = f"{'use' if access == 'read' else 'change'} the {resource.shown}"
    if access == "read":
        writes = matching_grants(resource.grants, user, groups, "write")
        if writes:
            _, who = writes[0]
            if resource.kind == "model":
                shows = ("The workspace still opens it for editing, but the model selector does not list "
                         "it and chat answers 403 'Model not found'.")
            else:
                shows = (f"Opening the {_KIND_WORDS[resource.kind]} answers 401 'You do not have "
                         "permission to access this resource' although the user may change it.")
            return finding(
                "rbac.write-without-read",
                f"{user.shown} cannot {what}: only write is granted (to {who}), and in Open WebUI "
                "0.12.4 write does not include read",
                detail=("AccessGrants.has_access matches the permission exactly, so a write grant "
                        "without a read grant for the same user or group does not let the user read. "
                        + shows),
                fix=_grant_fix(resource, user, "read").replace("Give read access",
                                                                "Also give read access"),
                evidence=evidence, subject=user.shown)
    private = not resource.grants
    reasons = ["the user does not own it"]
    reasons.append("it has no access grants (private)" if private
                   else f"none of its {access} grants names the user, everyone, or a group of the user")
    detail = ("Access to a " + _KIND_WORDS[resource.kind] + " needs ownership or an access grant with "
              f"exactly '{access}' for user:*, the user, or one of the user's groups (parent groups "
              "included). ")
    if user.role == "admin" and resource.kind == "model":
        detail += ("This admin does not bypass: BYPASS_ADMIN_ACCESS_CONTROL is off, so admins go "
                   "through the same grants for models. ")
    if access == "read":
        detail += ({"model": "The model selector leaves it out and chat answers 403 'Model not found'.",
                    "knowledge": "Opening it answers 401, and chat does not retrieve from it.",
                    "tool": "Opening it answers 401, and chat does not load it."}[resource.kind])
    else:
        detail += ("Saving a change answers 401 '401 Unauthorized'." if resource.kind == "tool" else
                   "Saving a change answers 400 'You do not have permission to access this resource...'.")
    fix = _grant_fix(resource, user, access)
    if user.role == "admin" and resource.kind == "model" and access == "read":
        fix += " Or unset BYPASS_ADMIN_ACCESS_CONTROL (default true) so admins see every model."
    return finding("rbac.access-denied", f"{user.shown} cannot {what}: " + " and ".join(reasons),
                   detail=detail, fix=fix, evidence=evidence, subject=user.shown)
