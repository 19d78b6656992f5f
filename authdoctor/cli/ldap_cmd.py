"""`authdoctor ldap test`: Open WebUI's LDAP sign-in, tested live (see `authdoctor.commands.ldap`)."""

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
    ProbeTimeoutOpt,
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

TEST_HELP = f"""Test Open WebUI 0.12.4's LDAP sign-in against the real directory, step by step.

The steps, each timed, in the app's order; the first hard failure stops the test and the report
names the steps that did not run:

\b
  dns        the host as the app resolves it (SRV records named when only a domain is given)
  tcp        connect: refused, timed out, unreachable
  tls        with LDAP_USE_TLS (implicit TLS, as the app does it: LDAP_CA_CERT_FILE,
             LDAP_VALIDATE_CERT, LDAP_CIPHERS): untrusted CA, wrong host name (the names the
             certificate carries), expired, a port that speaks plain LDAP (or the reverse)
  bind       the service account (LDAP_APP_DN), or anonymous; AD sub-codes decoded
  base       LDAP_SEARCH_BASE exists
  search     the app's own filter (&(USERNAME_ATTR=<user>)LDAP_SEARCH_FILTER)
  user       found exactly once, mail and username attributes, the user's own bind
  groups     with ENABLE_LDAP_GROUP_MANAGEMENT: the groups the app will sync
  anonymous  whether anonymous clients can read the user entries

What is sent: binds (the service account, the test user when a password is given, one
anonymous bind), base and subtree searches and one RootDSE read. Nothing is written. The test
user's password is read from the environment variable --password-env names or from stdin
(--password-stdin), never from the command line, and only sent in that user's bind.

Without --user the search runs with a name nobody has, to check the filter and the right to
search. The user and password may also come from deploy.yaml (test_account.ldap_user,
test_account.ldap_password).

Examples:

\b
  authdoctor ldap test --env-file .env
  ALICE_PW=... authdoctor ldap test --env-file .env --user alice --password-env ALICE_PW
  authdoctor ldap test --env-file .env --user alice --password-stdin < pw.txt
  authdoctor ldap test --config deploy.yaml --format json

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    ldap_app = typer.Typer(help="Test LDAP sign-in live.", no_args_is_help=True)
    app.add_typer(ldap_app, name="ldap")

    @ldap_app.command("test", help=TEST_HELP)
    def test(
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        user: Annotated[str | None, typer.Option(
            "--user", metavar="NAME", help="The login name to test, as users type it.")] = None,
        password_env: Annotated[str | None, typer.Option(
            "--password-env", metavar="VAR",
            help="The NAME of an environment variable holding the user's password.")] = None,
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the user's password from stdin (one line).")] = False,
        ignore: IgnoreOpt = None,
        fail_on: FailOnOpt = "error",
        timeout: TimeoutOpt = 30.0,
        probe_timeout: ProbeTimeoutOpt = None,
        ca_file: CaFileOpt = None,
        insecure: InsecureOpt = False,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.check import ProbeFlags
        from authdoctor.commands.ldap import run_ldap_test

        return run_ldap_test(
            inputs=settings_inputs(config, env_file, compose, service, from_env, None,
                                   docker_inspect=docker_inspect, k8s=k8s),
            user=user, password_env=password_env, password_stdin=password_stdin, ignore=ignore or [],
            fail_on=fail_on, timeout=timeout, probe_timeout=probe_timeout, now=now,
            output_format=output_format, output=output, verbose=verbose, stderr=sys.stderr,
            probe_flags=ProbeFlags(ca_file=ca_file, insecure=insecure))
