"""`authdoctor rbac why USER [PERMISSION] [--model|--knowledge|--tool ID] --database URL`.

The question is checked here (usage errors, exit 2, before anything is opened): exactly one of a
permission name or a resource; a permission name Open WebUI 0.12.4 knows (a typo lists the close
names); `--access read|write` only with a resource. The answer then runs through `check`'s runner
as one area, `rbac` (its live half: `authdoctor.rbac.live`), so formats, `--output`, `--fail-on`,
`--now`, `--timeout` and the exit codes are `authdoctor.commands.check.run_check`'s.

Settings (`--env-file`, `--config`, ...) are optional: they give the environment-only switches the
answer depends on (BYPASS_ADMIN_ACCESS_CONTROL, BYPASS_MODEL_ACCESS_CONTROL,
ENABLE_PERSISTENT_CONFIG, USER_PERMISSIONS_*). Without them the app's defaults are assumed, and
the findings say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from authdoctor.errors import UsageError
from authdoctor.settings import SettingsInputs

ACCESS_CHOICES = ("read", "write")
NO_SETTINGS = "none given (the app's defaults assumed for BYPASS_* and USER_PERMISSIONS_*)"


Parsed = tuple[str, str | None, str | None, str | None, str]


def parse_question(*, who: str, permission: str | None, model: str | None, knowledge: str | None,
                   tool: str | None, access: str | None) -> Parsed:
    """(who, permission, kind, resource id, access) or a `UsageError` naming what is wrong."""
    from authdoctor.rbac.permissions import SECTIONS, close_names, is_known

    for label, value in (("USER", who), ("PERMISSION", permission), ("--model", model),
                         ("--knowledge", knowledge), ("--tool", tool), ("--access", access)):
        if value is not None and not _utf8(value):
            raise UsageError(f"{label} is not valid UTF-8 text (the app's ids and emails are)")
    who = who.strip()
    if not who:
        raise UsageError("USER is empty: give the user's email or id (e.g. alice@example.com)")
    resources = [(kind, value) for kind, value in (("model", model), ("knowledge", knowledge),
                                                   ("tool", tool)) if value is not None]
    if len(resources) > 1:
        raise UsageError("give one of --model, --knowledge or --tool, not several")
    if resources and permission is not None:
        raise UsageError(f"give a PERMISSION or --{resources[0][0]}, not both (the resource's access "
                         "is asked with --access read|write)")
    if not resources and permission is None:
        raise UsageError("say what to explain: a PERMISSION (e.g. workspace.models) or --model/--knowledge/"
                         "--tool ID")
    if access is not None and access not in ACCESS_CHOICES:
        raise UsageError(f"--access must be read or write, not {access!r}")
    if permission is not None:
        if access is not None:
            raise UsageError("--access goes with --model, --knowledge or --tool")
        name = permission.strip()
        if not is_known(name):
            close = close_names(name)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            if name in SECTIONS:
                hint = f": '{name}' is a section; name one permission in it, e.g. {', '.join(close)}"
            raise UsageError(f"unknown permission {name!r} (Open WebUI 0.12.4's are section.name, "
                             f"e.g. workspace.models){hint} (list: authdoctor rbac why --help)")
        return who, name, None, None, "read"
    kind, value = resources[0]
    resource_id = value.strip()
    if not resource_id:
        raise UsageError(f"--{kind}: the id is empty")
    return who, None, kind, resource_id, access or "read"


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: bytes that were not UTF-8 on the command line
        return False
    return True


def run_rbac_why(*, who: str, permission: str | None, model: str | None, knowledge: str | None,
                 tool: str | None, access: str | None, database: str | None, inputs: SettingsInputs,
                 fail_on: str, timeout: float, now: str | None, output_format: str,
                 output: str | None, verbose: bool, stderr: TextIO, ignore: Sequence[str] = ()) -> int:
    from authdoctor.commands.check import run_check
    from authdoctor.masking import mask_url
    from authdoctor.rbac.live import Question, spec
    from authdoctor.settings.model import Deployment

    who, name, kind, resource_id, how = parse_question(
        who=who, permission=permission, model=model, knowledge=knowledge, tool=tool, access=access)
    if database is None or not database.strip():
        raise UsageError("give the app's database: --database sqlite:////path/to/data/webui.db (or its "
                         "DATABASE_URL)")
    url = database.strip()
    shown = mask_url(url)
    _refuse_output_over_database(output, url)
    question = Question(who=who, database_url=url, database_shown=shown, permission=name, kind=kind,
                        resource_id=resource_id, access=how,
                        # the reader's waits (a locked SQLite, a slow PostgreSQL) end well before
                        # the run's deadline, so the answer says why (5 s: --probe-timeout's default)
                        timeout_s=max(0.1, min(float(timeout) / 2, 5.0)))
    deployment = None
    if inputs.empty:
        deployment = Deployment(replicas=(), sources=(NO_SETTINGS,))
    checks = {"rbac": spec(question)}
    return run_check(inputs=replace(inputs), only=[], skip=[], ignore=ignore, offline=False,
                     fail_on=fail_on, timeout=timeout, probe_timeout=None, now=now,
                     output_format=output_format, output=output, verbose=verbose, stderr=stderr,
                     deployment=deployment, checks=checks, command="rbac why", target=shown,
                     after_load=None)


def _refuse_output_over_database(output: str | None, url: str) -> None:
    """`--output` must never name the SQLite file (or its -wal/-shm): the report would destroy it."""
    if output is None or output == "-":
        return
    from authdoctor.output import check_output_path
    from authdoctor.probes.db import DatabaseUnavailable, parse_database_url

    try:
        target = parse_database_url(url)
    except DatabaseUnavailable:
        return  # the answer reports the URL; nothing to protect
    if target.kind == "sqlite" and target.path:
        check_output_path(output, [target.path, target.path + "-wal", target.path + "-shm"])
