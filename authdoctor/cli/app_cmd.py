"""`authdoctor app probe [URL]`: the running app, probed live (see `authdoctor.commands.app`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authdoctor.cli.check_cmd import (
    CaFileOpt,
    FailOnOpt,
    FormatOpt,
    IgnoreOpt,
    InsecureOpt,
    NowOpt,
    OutputOpt,
    PasswordEnvOpt,
    ProbeTimeoutOpt,
    SignoutOpt,
    TimeoutOpt,
    TokenOpt,
    UserOpt,
    VerboseOpt,
)
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

PROBE_HELP = f"""Probe the running Open WebUI: is it reachable, is it Open WebUI 0.12.4, which
sign-in features it offers, and (with settings) does it run them.

URL is where authdoctor reaches the app (default: the public URL, --public-url or WEBUI_URL of
the settings). What is sent, without credentials or cookies, no redirects followed, each within
--probe-timeout: GET /health, /api/version, /api/config and /opensearch.xml; for an https public
URL (without settings: URL), GET / (its HSTS header) and GET http://<host>/ (the redirect to
https, when the public URL is on port 443); and when the app's /api/config says it runs
trusted-header sign-in (with settings: and WEBUI_AUTH_TRUSTED_EMAIL_HEADER is set), one POST
/api/v1/auths/signin with {{"email":"nobody@authdoctor.invalid","password":""}} and WITHOUT the
trusted header: Open WebUI 0.12.4 answers 400 "no trusted header" when nothing in between
authenticates the request, and it cannot create an account (it would for an unknown address in
the header, so the header is never sent). Nothing is changed.

Reported: the first failed step (DNS, TCP, TLS, HTTP) when it cannot be reached; an answer that
is not Open WebUI (an HTML page, a login wall, a proxy error); the version; the auth features it
advertises (sign-in, sign-up, login form, LDAP, trusted header, OAuth providers) and the public
URL it uses; with settings, where the running app disagrees with them; trusted-header sign-in
that any client can use (trusted-header.backend-exposed); HTTPS: HSTS missing, malformed or
short, plain http that does not redirect, redirects to http or an http WEBUI_URL in the app
(transport.*).

Examples:

\b
  authdoctor app probe https://chat.example.com
  authdoctor app probe --env-file .env
  authdoctor app probe http://10.0.0.5:8080 --env-file .env --format json
  OWUI_PW=... authdoctor app probe URL --user admin@example.com --password-env OWUI_PW --signout

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    app_app = typer.Typer(help="Probe the running Open WebUI app.", no_args_is_help=True)
    app.add_typer(app_app, name="app")

    @app_app.command("probe", help=PROBE_HELP)
    def probe(
        url: Annotated[str | None, typer.Argument(
            metavar="[URL]", help="Where the app is reached (default: the public URL).")] = None,
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
        timeout: TimeoutOpt = 30.0,
        probe_timeout: ProbeTimeoutOpt = None,
        ca_file: CaFileOpt = None,
        insecure: InsecureOpt = False,
        user: UserOpt = None,
        password_env: PasswordEnvOpt = None,
        signout: SignoutOpt = False,
        token: TokenOpt = None,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.app import run_app_probe
        from authdoctor.commands.check import ProbeFlags, with_account

        inputs = settings_inputs(config, env_file, compose, service, from_env, public_url,
                                 docker_inspect=docker_inspect, k8s=k8s)
        return run_app_probe(
            url=url,
            inputs=inputs,
            ignore=ignore or [], fail_on=fail_on, timeout=timeout, probe_timeout=probe_timeout,
            now=now, output_format=output_format, output=output, verbose=verbose,
            stderr=sys.stderr, probe_flags=with_account(
                ProbeFlags(ca_file=ca_file, insecure=insecure), user, password_env, signout, inputs,
                token))
