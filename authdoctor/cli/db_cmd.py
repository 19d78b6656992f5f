"""`authdoctor db show`: the app's own database, read read-only (see `authdoctor.commands.db`)."""

from __future__ import annotations

import sys

import typer

from authdoctor.cli.check_cmd import (
    DatabaseOpt,
    FailOnOpt,
    FormatOpt,
    IgnoreOpt,
    NowOpt,
    OutputOpt,
    ProbeTimeoutOpt,
    TimeoutOpt,
    TokenOpt,
    VerboseOpt,
)
from authdoctor.cli.settings_options import (
    ComposeOpt,
    ConfigOpt,
    DockerInspectOpt,
    EnvFileOpt,
    FromEnvOpt,
    K8sOpt,
    ServiceOpt,
    settings_inputs,
)
from authdoctor.exitcodes import EXIT_CODES_HELP

SHOW_HELP = f"""Show what Open WebUI 0.12.4's own database holds about sign-in, read-only.

The database is --database (sqlite:////path/webui.db, or postgresql://user:password@host/db with
the 'postgres' extra), else the one the settings name (DATABASE_URL, DATA_DIR/webui.db).

Shown: every sign-in setting with the value the app really uses and where it comes from (the
config table or the environment, per ENABLE_PERSISTENT_CONFIG, ENABLE_OAUTH_PERSISTENT_CONFIG and
RESET_CONFIG_ON_START; give the settings to compare), accounts by role and sign-in method, OAuth
sessions, API keys and groups with the permissions they grant: counts, never an email, a token or
a secret. Every finding of the db area comes with it (no admin, pending accounts, OAuth sessions
that do not decrypt with the settings' key, ...). --token also says whether the app would accept
that token (signature, account, session stamp).

How it reads: SQLite through file:PATH?mode=ro&readonly_shm=1 (no file is created, no lock for
writing, the -wal/-shm files are left as they are); PostgreSQL in a READ ONLY transaction with a
statement timeout. Only SELECTs, aggregated or bounded (50 OAuth sessions, 50 groups).

Examples:

\b
  authdoctor db show --database sqlite:////srv/open-webui/data/webui.db
  authdoctor db show --env-file .env --database "$DATABASE_URL" --format json
  authdoctor db show --env-file .env --token "$TOKEN"

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Read the app's own database (read-only).", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("show", help=SHOW_HELP)
    def show(
        database: DatabaseOpt = None,
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        token: TokenOpt = None,
        ignore: IgnoreOpt = None,
        fail_on: FailOnOpt = "error",
        timeout: TimeoutOpt = 30.0,
        probe_timeout: ProbeTimeoutOpt = None,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.db import run_db_show

        return run_db_show(
            inputs=settings_inputs(config, env_file, compose, service, from_env, None,
                                   docker_inspect=docker_inspect, k8s=k8s),
            database=database, token=token, ignore=ignore or [], fail_on=fail_on, timeout=timeout,
            probe_timeout=probe_timeout, now=now, output_format=output_format, output=output,
            verbose=verbose, stderr=sys.stderr)
