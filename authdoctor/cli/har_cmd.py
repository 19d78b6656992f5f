"""`authdoctor har FILE`: a browser's recording of a failed sign-in, judged (see
`authdoctor.commands.har`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authdoctor.cli.check_cmd import FailOnOpt, FormatOpt, IgnoreOpt, NowOpt, OutputOpt, VerboseOpt
from authdoctor.cli.settings_options import (
    ComposeOpt,
    ConfigOpt,
    DockerInspectOpt,
    EnvFileOpt,
    FromEnvOpt,
    K8sOpt,
    PublicUrlOpt,
    ServiceOpt,
    settings_inputs,
)
from authdoctor.exitcodes import EXIT_CODES_HELP

HAR_HELP = f"""Diagnose a failed sign-in from the browser's own recording (a HAR file).

Record it in the browser: open the developer tools (F12) on the Open WebUI tab, Network panel,
turn on 'Preserve log' (Chrome, Edge) or 'Persist Logs' (Firefox), reproduce the failed
sign-in, then save it (Chrome: the download icon, 'Export HAR (with sensitive data)': the plain export
leaves the cookies out; Firefox: the gear menu, 'Save All As HAR'). authdoctor reads HAR 1.2,
streamed, up to hundreds of megabytes.

What it judges: every Set-Cookie with the live cookie checks' rules, confirmed by the requests
that follow (a HAR never says a cookie was rejected: only its absence later shows it); the OAuth
round trip (the redirect URI, the IdP's error pages and error= answers, a lost state and which
cookie rule or navigation lost it, a failed callback); the sign-in answers, 401s with the token
decoded, sign-out by GET or a token still accepted after sign-out; http/https mixes, form_post to
http, HSTS. With settings (--env-file, --config, ...), what the browser saw is compared with them.

A HAR holds passwords, tokens and cookies: the report never shows them. --sanitize OUT writes a
copy with every secret replaced (structure kept) that is safe to attach to a bug report.

Examples:

\b
  authdoctor har login.har
  authdoctor har login.har --env-file .env --format json
  authdoctor har login.har --sanitize login.sanitized.har

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    @app.command("har", help=HAR_HELP)
    def har(
        file: Annotated[str, typer.Argument(metavar="FILE", help="The HAR file the browser saved.")],
        sanitize: Annotated[str | None, typer.Option(
            "--sanitize", metavar="OUT",
            help="Also write a copy with every secret replaced (safe to attach to a bug report).")] = None,
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        public_url: PublicUrlOpt = None,
        ignore: IgnoreOpt = None,
        fail_on: FailOnOpt = "error",
        timeout: Annotated[float, typer.Option(
            "--timeout", metavar="SECONDS",
            help="Deadline for the whole run: reading the file (and the settings), writing the "
                 "sanitized copy, judging and the report (0.1 to 86400).")] = 120.0,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.har import run_har

        return run_har(
            path=file, sanitize=sanitize,
            inputs=settings_inputs(config, env_file, compose, service, from_env, public_url,
                                   docker_inspect=docker_inspect, k8s=k8s),
            ignore=ignore or [], fail_on=fail_on, timeout=timeout, now=now, output_format=output_format,
            output=output, verbose=verbose, stderr=sys.stderr)
