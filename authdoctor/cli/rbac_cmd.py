"""`authdoctor rbac why`: why a user has or lacks a permission or access (see
`authdoctor.commands.rbac`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authdoctor.cli.check_cmd import (
    FailOnOpt,
    FormatOpt,
    IgnoreOpt,
    NowOpt,
    OutputOpt,
    TimeoutOpt,
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


def _permission_list() -> str:
    import textwrap

    from authdoctor.rbac.permissions import PERMISSIONS, SECTIONS

    lines = []
    for section in SECTIONS:
        names = [name.split(".", 1)[1] for name, _, _ in PERMISSIONS if name.startswith(section + ".")]
        lines += textwrap.wrap(f"{section}: " + ", ".join(names), width=92, initial_indent="  ",
                               subsequent_indent="      ")
    return "\n".join(lines)


WHY_HELP = f"""Explain why a user of Open WebUI 0.12.4 has or lacks a permission, or access to a
model, knowledge base or tool, computed from the app's database the way the app computes it.

USER is an email (compared in lower case, as at sign-in) or a user id. The database is read
read-only (SQLite opened with mode=ro; PostgreSQL in a READ ONLY transaction, with the
authdoctor[postgres] extra): a few indexed lookups, nothing written.

A PERMISSION (section.name) is on for a user when any group the user is in (parent groups
included) has it on, or else when the default permissions do (the config row user.permissions,
filled from USER_PERMISSIONS_* for keys it lacks). There is no deny. Admins are never checked;
pending users are refused everything. The answer names the group or default that grants it, or
the exact group or default to change.

--model/--knowledge/--tool ID explains access to that item: --access read (use it in chat, open
it; the default) or write (change it). Access comes from BYPASS_MODEL_ACCESS_CONTROL (models),
the admin role (BYPASS_ADMIN_ACCESS_CONTROL for models), ownership, or an access grant for
everyone (public), the user, or a group of the user; write does not include read.

Settings (--env-file, --config, ...) are optional: they give the switches that live only in the
environment (BYPASS_ADMIN_ACCESS_CONTROL, BYPASS_MODEL_ACCESS_CONTROL, ENABLE_PERSISTENT_CONFIG,
USER_PERMISSIONS_*). Without them the app's defaults are assumed, and the report says so.

Examples:

\b
  authdoctor rbac why alice@example.com workspace.models --database sqlite:////srv/owui/data/webui.db
  authdoctor rbac why alice@example.com --model gpt-4o --database "$DATABASE_URL"
  authdoctor rbac why alice@example.com --knowledge 6f1c... --access write --database URL
  authdoctor rbac why 3c1e... features.api_keys --database URL --env-file .env --format json

\b
Permissions:
{_permission_list()}

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    rbac_app = typer.Typer(help="Explain a user's permissions and access (roles, groups, grants).",
                           no_args_is_help=True)
    app.add_typer(rbac_app, name="rbac")

    @rbac_app.command("why", help=WHY_HELP)
    def why(
        user: Annotated[str, typer.Argument(metavar="USER", help="The user's email or id.")],
        permission: Annotated[str | None, typer.Argument(
            metavar="[PERMISSION]", help="A permission, e.g. workspace.models.")] = None,
        model: Annotated[str | None, typer.Option(
            "--model", metavar="ID",
            help="Explain access to this model (its id, as the API names it).")] = None,
        knowledge: Annotated[str | None, typer.Option(
            "--knowledge", metavar="ID", help="Explain access to this knowledge base.")] = None,
        tool: Annotated[str | None, typer.Option(
            "--tool", metavar="ID", help="Explain access to this tool.")] = None,
        access: Annotated[str | None, typer.Option(
            "--access", metavar="read|write",
            help="With --model/--knowledge/--tool: read (use, open; default) or write (change).")] = None,
        database: Annotated[str | None, typer.Option(
            "--database", metavar="URL",
            help="The app's database: sqlite:////path/to/webui.db or its DATABASE_URL (postgresql://...).")
        ] = None,
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        ignore: IgnoreOpt = None,
        fail_on: FailOnOpt = "error",
        timeout: TimeoutOpt = 30.0,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.rbac import run_rbac_why

        return run_rbac_why(
            who=user, permission=permission, model=model, knowledge=knowledge, tool=tool,
            access=access, database=database,
            inputs=settings_inputs(config, env_file, compose, service, from_env, None,
                                   docker_inspect=docker_inspect, k8s=k8s),
            ignore=ignore or [], fail_on=fail_on, timeout=timeout, now=now,
            output_format=output_format, output=output, verbose=verbose, stderr=sys.stderr)
