"""The rows `rbac why` needs, read from Open WebUI 0.12.4's database (I/O only, no judgement).

A handful of indexed lookups, whatever the size of the database (100,000 users and 1,000 groups
answer in milliseconds; `benchmarks/db_scan.py`):

- the user: by id (primary key), else by email the way the app compares it at sign-in
  (`models/users.py get_user_by_email`: `lower(email) = email.lower()`, the unique index
  `uq_user_email_lower`);
- the user's groups with their ancestors, as `Groups.get_groups_by_member_id(include_inherited=
  True)` builds them: a recursive CTE from `group_member` (index `ix_group_member_user_id_group_id`)
  up `group.parent_group_id` (primary key);
- the config row `user.permissions` (primary key);
- one model, knowledge base or tool by id (primary key), its `access_grant` rows (index
  `idx_access_grant_resource`), the names of the groups those grants mention and the owner's
  email; for a model, each step of its `base_model_id` chain the same way (at most 16 steps);
- only when a permission is denied: the groups that have it on (to name them in the fix), at most
  `OTHER_GROUPS_LIMIT` groups read.

JSON columns are selected as text and decoded with the reader's `decode_json`, the same on SQLite
and PostgreSQL. Every statement goes through `ReadOnlyDatabase.rows` (qmark placeholders, the
reader's statement timeout); a failure is the reader's `DatabaseUnavailable`, which the command
turns into `rbac.database-unreadable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from authdoctor.probes.db import DatabaseUnavailable, ReadOnlyDatabase, decode_json
from authdoctor.rbac.evaluate import Grant, Group, Resource, StoredDefaults, User
from authdoctor.rbac.permissions import lookup

#: The tables (and the columns beyond the obvious) the lookups read.
REQUIRED_TABLES = ("user", "group", "group_member", "config", "access_grant")
RESOURCE_TABLES = {"model": "model", "knowledge": "knowledge", "tool": "tool"}
MAX_BASE_HOPS = 16
MAX_GRANTS = 1000
OTHER_GROUPS_LIMIT = 5000


def _all(db: ReadOnlyDatabase, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Every row (the statements are bounded by their keys or a LIMIT): consuming the generator
    to its end lets the reader release its statement timer."""
    return list(db.rows(sql, params))


def check_schema(db: ReadOnlyDatabase, kind: str | None) -> str | None:
    """None when the tables and columns the lookups read exist; else what is missing, in words."""
    tables = db.tables()
    needed = [*REQUIRED_TABLES, *([RESOURCE_TABLES[kind]] if kind else [])]
    missing = [t for t in needed if t not in tables]
    if missing:
        return ("the database has no " + ", ".join(f"'{t}'" for t in missing) + " table: not an Open "
                "WebUI 0.12.4 database (access_grant exists since 0.8.0)")
    if "parent_group_id" not in db.columns("group"):
        return ("the 'group' table has no parent_group_id column: a database from before 0.12 (the app "
                "migrates it at its next start)")
    return None


def find_user(db: ReadOnlyDatabase, who: str) -> User | None:
    """The user by id, else by email (compared as the app compares it)."""
    columns = 'SELECT id, email, role, name FROM "user" WHERE '
    rows = _all(db, columns + "id = ?", (who,))
    if not rows:
        # `email IS NOT NULL` lets SQLite use the partial index uq_user_email_lower
        rows = _all(db, columns + "lower(email) = ? AND email IS NOT NULL LIMIT 2", (who.lower(),))
    if not rows:
        return None
    uid, email, role, name = rows[0]
    return User(id=str(uid), email=str(email or ""), role=str(role or ""), name=str(name or ""))


_GROUPS_SQL = """WITH RECURSIVE chain(group_id, via_id) AS (
    SELECT group_id, CAST(NULL AS TEXT) FROM group_member WHERE user_id = ?
    UNION
    SELECT g.parent_group_id, chain.group_id
    FROM "group" g JOIN chain ON g.id = chain.group_id
    WHERE g.parent_group_id IS NOT NULL
)
SELECT chain.group_id, chain.via_id, g.name, CAST(g.permissions AS TEXT)
FROM chain JOIN "group" g ON g.id = chain.group_id
LIMIT 10000
"""


def user_groups(db: ReadOnlyDatabase, user_id: str) -> list[Group]:
    """The user's groups, ancestors included; a group reached both directly and through a child
    is listed once, as direct."""
    rows = _all(db, _GROUPS_SQL, (user_id,))
    names = {str(gid): str(name or gid) for gid, _, name, _ in rows}
    found: dict[str, Group] = {}
    for gid, via_id, name, permissions in rows:
        key = str(gid)
        via = None if via_id is None else names.get(str(via_id), str(via_id))
        if key in found and (found[key].via is None or via is not None):
            continue
        found[key] = Group(id=key, name=str(name or gid), permissions=decode_json(permissions), via=via)
    return sorted(found.values(), key=lambda g: (g.via is not None, g.name.lower(), g.id))


def stored_defaults(db: ReadOnlyDatabase) -> StoredDefaults:
    rows = _all(db, 'SELECT CAST(value AS TEXT) FROM config WHERE "key" = ?', ("user.permissions",))
    if not rows:
        return StoredDefaults()
    return StoredDefaults(tree=decode_json(rows[0][0]), present=True)


def _email(db: ReadOnlyDatabase, user_id: str) -> str:
    rows = _all(db, 'SELECT email FROM "user" WHERE id = ?', (user_id,))
    return str(rows[0][0]) if rows and rows[0][0] else ""


def load_resource(db: ReadOnlyDatabase, kind: str, resource_id: str) -> Resource:
    """One model, knowledge base or tool with its grants (`missing` when no row has the id)."""
    table = RESOURCE_TABLES[kind]
    base_col = ", base_model_id, is_active" if kind == "model" else ""
    rows = _all(db, f'SELECT id, name, user_id{base_col} FROM "{table}" WHERE id = ?', (resource_id,))
    if not rows:
        return Resource(kind=kind, id=resource_id, missing=True)
    row = rows[0]
    owner_id = str(row[2] or "")
    grants = tuple(
        Grant(str(ptype), str(pid), str(perm)) for ptype, pid, perm in _all(
            db, "SELECT principal_type, principal_id, permission FROM access_grant "
                "WHERE resource_type = ? AND resource_id = ? ORDER BY permission, principal_type, "
                "principal_id LIMIT ?", (kind, resource_id, MAX_GRANTS)))
    group_ids = sorted({g.principal_id for g in grants if g.principal_type == "group"})[:50]
    names: dict[str, str] = {}
    if group_ids:
        marks = ", ".join("?" for _ in group_ids)
        names = {str(gid): str(name or gid) for gid, name in _all(
            db, f'SELECT id, name FROM "group" WHERE id IN ({marks})', group_ids)}
    return Resource(kind=kind, id=str(row[0]), name=str(row[1] or ""), owner_id=owner_id,
                    owner_shown=_email(db, owner_id) if owner_id else "",
                    base_model_id=(str(row[3]) if kind == "model" and row[3] else None),
                    grants=grants, group_names=names,
                    active=(kind != "model" or row[4] is None or bool(row[4])))


def base_chain(db: ReadOnlyDatabase, model: Resource) -> list[Resource]:
    """The models up `model`'s base_model_id chain (a missing one ends it)."""
    chain: list[Resource] = []
    seen = {model.id}
    base = model.base_model_id
    while base and base not in seen and len(chain) < MAX_BASE_HOPS:
        seen.add(base)
        hop = load_resource(db, "model", base)
        chain.append(hop)
        base = hop.base_model_id
    return chain


def groups_with_permission(db: ReadOnlyDatabase, name: str, exclude: Sequence[str]) -> list[str]:
    """Names of groups (not in `exclude`) that have `name` on, read from at most
    OTHER_GROUPS_LIMIT groups."""
    skip = set(exclude)
    found: list[str] = []
    for gid, gname, permissions in _all(
            db, 'SELECT id, name, CAST(permissions AS TEXT) FROM "group" ORDER BY name LIMIT ?',
            (OTHER_GROUPS_LIMIT,)):
        if str(gid) in skip:
            continue
        present, value = lookup(decode_json(permissions), name)
        if present and bool(value):
            found.append(str(gname or gid))
    return found


@dataclass(frozen=True)
class RbacRows:
    """Everything one `rbac why` question needs, as read."""

    user: User | None
    groups: tuple[Group, ...] = ()
    stored: StoredDefaults = field(default_factory=StoredDefaults)
    resource: Resource | None = None
    chain: tuple[Resource, ...] = ()


def read_rows(db: ReadOnlyDatabase, who: str, *, permission: str | None = None,
              kind: str | None = None, resource_id: str | None = None) -> RbacRows:
    """Read what the question needs. Raises the reader's `DatabaseUnavailable` (a query failed,
    or `check_schema` found the tables wanting: code `schema-mismatch`)."""
    problem = check_schema(db, kind)
    if problem is not None:
        raise DatabaseUnavailable("schema-mismatch", problem, kind=db.kind)
    user = find_user(db, who)
    if user is None:
        return RbacRows(user=None)
    groups = tuple(user_groups(db, user.id))
    stored = stored_defaults(db) if permission is not None else StoredDefaults()
    resource = None
    chain: tuple[Resource, ...] = ()
    if kind is not None and resource_id is not None:
        resource = load_resource(db, kind, resource_id)
        if kind == "model" and not resource.missing:
            chain = tuple(base_chain(db, resource))
    return RbacRows(user=user, groups=groups, stored=stored, resource=resource, chain=chain)
