"""`authdoctor check`: every check, one report."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authdoctor.cli.settings_options import (
    AppUrlOpt,
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

CHECK_HELP = f"""Run every check against the deployment and report root causes with fixes.

Settings come from --env-file (Open WebUI's own variables), --config deploy.yaml, --compose,
--docker-inspect, --k8s or --from-env; deploy.yaml fields override the others. Each --env-file,
compose service and Open WebUI container is one replica, and replicas are compared with each
other. A Kubernetes value from a ConfigMap or Secret that is not in the input is never guessed.

Unless --offline, live probes run too (TLS verified, no redirects followed, no credentials but
the one a probe needs, each within --probe-timeout, the run within --timeout): GETs of each
provider's discovery document, JWKS and end-session endpoint, of the app's /health,
/api/version, /api/config, /opensearch.xml and /oauth/<provider>/login at --url (default: the
public URL; redirect URIs are still judged against the public URL), and, for an https public
URL, of its / (HSTS) and of http://<host>/ (the redirect to https). With
WEBUI_AUTH_TRUSTED_EMAIL_HEADER set and the app's /api/config confirming it, one POST
/api/v1/auths/signin with {{"email":"nobody@authdoctor.invalid","password":""}} and WITHOUT the
trusted header goes to --url (default: the public URL): Open WebUI 0.12.4 answers it with 400
"no trusted header" when nothing in between authenticates, and cannot create an account from it
(it would for an unknown address in the header, so the header is never sent); --skip
trusted-header leaves it out. Each configured OAuth client is
presented to its IdP as Open WebUI presents it, without signing anyone in: one GET of the
authorization endpoint (client_id, the redirect_uri the app sends, scope, a random state)
and one POST of the token endpoint with a deliberately invalid code and the app's client
authentication (HTTP Basic of client id and secret by default; the secret goes to that URL
only, never over plain http off loopback). --no-idp-requests leaves these two out.

With a test account (--user EMAIL --password-env VAR) the app is also signed in to once: POST
/api/v1/auths/signin (or /api/v1/auths/ldap for an LDAP login name), the answer's cookies judged
against the public URL, the token decoded (never shown) and sent back as Bearer and as cookie to
GET /api/v1/auths/; --signout also signs that session out (POST) and checks the old token is
refused and, with Redis, its revocation key.

MCP tool servers with OAuth 2.1 (TOOL_SERVER_CONNECTIONS): each MCP URL gets one POST of the
app's JSON-RPC initialize request (no credentials), then GETs of its protected resource and
authorization server metadata, as Open WebUI discovers them. No client is registered unless
--register-mcp-clients is given.

Examples:

\b
  authdoctor check --env-file .env
  authdoctor check --env-file .env --offline
  authdoctor check --env-file .env --url http://10.0.0.5:8080
  authdoctor check --env-file .env --user admin@example.com --password-env OWUI_PW --signout
  authdoctor check --config deploy.yaml --format json --output report.json
  authdoctor check --env-file a.env --env-file b.env --only secret --only cookie
  docker inspect open-webui | authdoctor check --docker-inspect -
  helm template ... | authdoctor check --k8s -

{EXIT_CODES_HELP}
"""

FORMAT_HELP = "Output format: text (for people), json, sarif (code scanning), junit (CI test reports)."

# The report options of every command that reports findings (`check`, `oidc probe`).
FailOnOpt = Annotated[str, typer.Option(
    "--fail-on", metavar="SEVERITY", help="Exit 1 when a finding is at or above: error, warning or info.")]
TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", metavar="SECONDS",
    help="Deadline for the whole run: reading the settings, every check and the report (0.1 to 86400).")]
ProbeTimeoutOpt = Annotated[float | None, typer.Option(
    "--probe-timeout", metavar="SECONDS", help="Timeout of each network probe (default 5).")]
NowOpt = Annotated[str | None, typer.Option(
    "--now", metavar="TIME", help="Fixed clock for reproducible reports (ISO 8601 or Unix seconds).")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=FORMAT_HELP)]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.")]
IgnoreOpt = Annotated[list[str] | None, typer.Option(
    "--ignore", metavar="CODE", help="Drop findings with this code (repeatable).")]
CaFileOpt = Annotated[str | None, typer.Option(
    "--ca-file", metavar="PEM", help="Also trust this CA (PEM bundle) when probing over TLS.")]
InsecureOpt = Annotated[bool, typer.Option(
    "--insecure", help="Do not verify TLS certificates (reported as a warning, probe.tls-not-verified).")]
NoIdpRequestsOpt = Annotated[bool, typer.Option(
    "--no-idp-requests",
    help=("Do not present the OAuth client to the IdP's authorize and token endpoints (the client "
          "credentials and redirect URI probes); discovery and JWKS are still fetched."))]
RegisterMcpOpt = Annotated[bool, typer.Option(
    "--register-mcp-clients",
    help=("Creates state: register one OAuth client per OAuth 2.1 MCP tool server at its "
          "authorization server, with the metadata Open WebUI sends (client_name 'Open WebUI "
          "(authdoctor test)', the app's redirect URI from WEBUI_URL, grant types, response "
          "type, token endpoint auth method, scope, application_type native), one POST each, "
          "and report the answer. The client stays registered."))]
IdTokenOpt = Annotated[str | None, typer.Option(
    "--id-token", metavar="TOKEN",
    help=("An ID token from the IdP (or - for stdin): verified with the provider's keys and compared "
          "with the claims the app reads (email, username, roles, groups). Never shown."))]
UserOpt = Annotated[str | None, typer.Option(
    "--user", metavar="EMAIL",
    help=("Creates a session: sign in to the app once with this test account (its email, or an "
          "LDAP login name when LDAP is on): POST /api/v1/auths/signin (or /ldap), then GET "
          "/api/v1/auths/ with the token as Bearer and as cookie. Counts toward the app's rate "
          "limit (15 per email per 3 min); never retried. Needs --password-env."))]
PasswordEnvOpt = Annotated[str | None, typer.Option(
    "--password-env", metavar="VAR",
    help="The NAME of an environment variable holding the test account's password (never the password).")]
SignoutOpt = Annotated[bool, typer.Option(
    "--signout",
    help=("Ends the test session: POST /api/v1/auths/signout (never GET), then GET /api/v1/auths/ "
          "with the old token, which must be refused; with Redis configured, reads (GET, TTL) its "
          "revocation key {prefix}:auth:token:<jti>:revoked. Needs --user."))]
TokenOpt = Annotated[str | None, typer.Option(
    "--token", metavar="TOKEN|-",
    help=("A session token of the app (from the token cookie; - reads it from stdin): sent back "
          "once to GET /api/v1/auths/ as Bearer and as cookie, and a refusal explained by the app's "
          "answer. Never shown, never signed out."))]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Text format: also list passed and skipped areas in full.")]


def register(app: typer.Typer) -> None:
    @app.command("check", help=CHECK_HELP, no_args_is_help=False)
    def check(
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        public_url: PublicUrlOpt = None,
        url: AppUrlOpt = None,
        only: Annotated[list[str] | None, typer.Option("--only", metavar="AREA",
                        help="Run only this check area (repeatable).")] = None,
        skip: Annotated[list[str] | None, typer.Option("--skip", metavar="AREA",
                        help="Skip this check area (repeatable).")] = None,
        ignore: IgnoreOpt = None,
        offline: Annotated[bool, typer.Option("--offline",
                           help="Settings-only checks; no network at all.")] = False,
        fail_on: FailOnOpt = "error",
        timeout: TimeoutOpt = 30.0,
        probe_timeout: ProbeTimeoutOpt = None,
        ca_file: CaFileOpt = None,
        insecure: InsecureOpt = False,
        no_idp_requests: NoIdpRequestsOpt = False,
        register_mcp_clients: RegisterMcpOpt = False,
        id_token: IdTokenOpt = None,
        user: UserOpt = None,
        password_env: PasswordEnvOpt = None,
        signout: SignoutOpt = False,
        token: TokenOpt = None,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.check import ProbeFlags, run_check, with_account

        inputs = settings_inputs(config, env_file, compose, service, from_env, public_url,
                                 docker_inspect=docker_inspect, k8s=k8s, app_url=url)
        return run_check(
            inputs=inputs,
            only=only or [], skip=skip or [], ignore=ignore or [], offline=offline,
            fail_on=fail_on, timeout=timeout, probe_timeout=probe_timeout, now=now,
            output_format=output_format, output=output, verbose=verbose, stderr=sys.stderr,
            probe_flags=with_account(
                ProbeFlags(ca_file=ca_file, insecure=insecure, idp_requests=not no_idp_requests,
                           register_mcp_clients=register_mcp_clients, id_token=id_token),
                user, password_env, signout, inputs, token),
        )
