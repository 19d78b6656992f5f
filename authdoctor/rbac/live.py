"""The live half of `rbac why`: open the database read-only, read the rows
(`authdoctor.probes.rbac_rows`), and hand them to the pure evaluation (`authdoctor.rbac.evaluate`).

A database that cannot be opened or read as 0.12.4's is `rbac.database-unreadable` (the reader's
reason and code), a user with no row `rbac.user-not-found`: the question is then unanswered, and
the report says so as an error rather than a guess.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding

AREA = "rbac"
TITLE = "Permissions and access (RBAC)"


@dataclass(frozen=True)
class Question:
    """One `rbac why` question: WHO and either a permission name or a resource (`kind`, `id`)
    with the access asked (read: use/open it; write: change it)."""

    who: str
    database_url: str
    database_shown: str
    permission: str | None = None
    kind: str | None = None
    resource_id: str | None = None
    access: str = "read"
    timeout_s: float = 10.0


def answer(question: Question, ctx: CheckContext) -> list[Finding]:
    """Synchronous: the reader is. Runs in a worker thread (see `rbac_live`)."""
    from authdoctor.probes.db import DatabaseUnavailable, open_readonly
    from authdoctor.probes.rbac_rows import groups_with_permission, read_rows
    from authdoctor.rbac.evaluate import explain_access, explain_permission, read_switches

    switches = read_switches(ctx.deployment.env, settings_given=bool(ctx.deployment.replicas))
    special = _special_file(question.database_url)
    if special is not None:
        return [_unreadable(question, DatabaseUnavailable("not-a-file", special, kind="sqlite"))]
    try:
        with open_readonly(question.database_url, timeout=question.timeout_s) as db:
            rows = read_rows(db, question.who, permission=question.permission, kind=question.kind,
                             resource_id=question.resource_id)
            if rows.user is None:
                return [_user_not_found(question)]
            if question.permission is not None:
                found = explain_permission(rows.user, rows.groups, question.permission, rows.stored,
                                           switches)
                if found[0].code == "rbac.permission-denied":
                    others = groups_with_permission(db, question.permission, [g.id for g in rows.groups])
                    if others:
                        found = explain_permission(rows.user, rows.groups, question.permission,
                                                   rows.stored, switches, other_groups_with=others)
                return found
            assert rows.resource is not None
            return explain_access(rows.user, rows.groups, rows.resource, question.access, switches,
                                  base_chain=rows.chain)
    except DatabaseUnavailable as exc:
        return [_unreadable(question, exc)]


async def rbac_live(ctx: CheckContext, *, question: Question) -> list[Finding]:
    """The reader is synchronous: it runs right here, in the area's own daemon thread (the runner
    abandons that thread at the deadline; a worker of asyncio's default executor would hold the
    process's exit instead)."""
    return answer(question, ctx)


def spec(question: Question) -> CheckSpec:
    from functools import partial

    return CheckSpec(area=AREA, title=TITLE, live=partial(rbac_live, question=question))


def _special_file(url: str) -> str | None:
    """A SQLite path naming a FIFO, a device or a socket: opening it would block or read a stream
    (the reader opens the file to read its header), so it is refused before that."""
    from authdoctor.probes.db import DatabaseUnavailable, parse_database_url

    try:
        target = parse_database_url(url)
    except DatabaseUnavailable:
        return None  # the reader reports the URL itself
    if target.kind != "sqlite" or not target.path:
        return None
    try:
        mode = os.stat(target.path).st_mode
    except OSError:
        return None  # missing or unreadable: the reader says which
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return f"{target.path} is not a regular file (a FIFO, a device or a socket), not a database"


def _user_not_found(question: Question) -> Finding:
    return finding(
        "rbac.user-not-found", f"no user '{question.who}' in the database",
        detail=("No row of the user table has this id, or this email compared in lower case as the "
                "app compares it at sign-in. OAuth, LDAP and trusted-header accounts exist only after "
                "their first sign-in."),
        fix=("Check the spelling (or give the id from Admin Panel > Users) and that --database is "
             "the instance the user signs in to."),
        evidence={"user asked": question.who, "database": question.database_shown},
        subject=question.who)


def _unreadable(question: Question, exc: Exception) -> Finding:
    code = getattr(exc, "code", "")
    reason = getattr(exc, "reason", str(exc))
    evidence = {"database": question.database_shown, "reader": str(code)}
    evidence.update(getattr(exc, "evidence", {}) or {})
    return finding(
        "rbac.database-unreadable", f"the database could not be read: {reason}",
        detail=("authdoctor opens Open WebUI's database read-only and reads the user, group, "
                "group_member, config and access_grant tables of the 0.12.4 schema; nothing could be "
                "answered."),
        fix=("Give --database the instance's database: sqlite:////path/to/DATA_DIR/webui.db or the "
             "app's DATABASE_URL (PostgreSQL needs authdoctor[postgres]); see `authdoctor db show`."),
        evidence=evidence, subject=question.database_shown)
