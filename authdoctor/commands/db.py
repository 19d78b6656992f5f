"""`authdoctor db show`: the app's database, read read-only, on its own, through `check`'s runner.

The database is `--database URL`, else the one the settings name (DATABASE_URL, the
DATABASE_TYPE/USER/... variables, DATA_DIR/webui.db), PostgreSQL included: asking for `db show`
is asking to connect. Only the db area runs, with the summary view added: the sign-in settings as
the app uses them and where each comes from (`db.effective-settings`), accounts by role and sign-in
method (`db.accounts`, counts only) and groups (`db.groups`), next to every finding of the area.
`--token` also says whether the app would accept that token.

Everything else (formats, `--output`, `--fail-on`, `--now`, `--timeout`, `--probe-timeout`,
exit codes) is `authdoctor.commands.check.run_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment


def run_db_show(*, inputs: SettingsInputs, database: str | None, token: str | None, fail_on: str,
                timeout: float, probe_timeout: float | None, now: str | None, output_format: str,
                output: str | None, verbose: bool, stderr: TextIO,
                ignore: Sequence[str] = ()) -> int:
    from functools import partial

    from authdoctor.checks.db import check_live
    from authdoctor.checks.registry import all_checks
    from authdoctor.commands.check import ProbeFlags, run_check
    from authdoctor.settings.model import Deployment

    if database is None and inputs.empty:
        raise UsageError("give the database, e.g. authdoctor db show --database "
                         "sqlite:////srv/open-webui/data/webui.db (or the app's settings with "
                         "--env-file, whose DATABASE_URL or DATA_DIR names it)")
    spec = all_checks()["db"]
    checks = {"db": replace(spec, live=partial(check_live, summary=True))}

    def named(deployment: Deployment) -> str | None:
        return _shown(database, deployment)

    return run_check(inputs=inputs, only=[], skip=[], ignore=ignore, offline=False, fail_on=fail_on,
                     timeout=timeout, probe_timeout=probe_timeout, now=now,
                     output_format=output_format, output=output, verbose=verbose, stderr=stderr,
                     checks=checks, command="db show",
                     deployment=Deployment(replicas=()) if inputs.empty else None,
                     probe_flags=ProbeFlags(database=database, app_token=token,
                                            database_from_settings=True),
                     after_load=named)


def _shown(database: str | None, deployment: Deployment) -> str | None:
    from authdoctor.masking import mask_url
    from authdoctor.settings.database import database_url

    if database is not None:
        return mask_url(database)
    url, _ = database_url(deployment.env)
    return mask_url(url) if url else None
