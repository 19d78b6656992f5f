"""`authdoctor oidc probe`: the OIDC provider, probed live (see `authdoctor.commands.oidc`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authdoctor.cli.check_cmd import (
    CaFileOpt,
    FailOnOpt,
    FormatOpt,
    IdTokenOpt,
    IgnoreOpt,
    InsecureOpt,
    NoIdpRequestsOpt,
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
    PublicUrlOpt,
    ServiceOpt,
    settings_inputs,
)
from authdoctor.exitcodes import EXIT_CODES_HELP

PROBE_HELP = f"""Probe an OIDC provider live, as Open WebUI 0.12.4 uses it.

Give the provider's issuer or discovery URL (an issuer gets /.well-known/openid-configuration
appended, and the report says so), or the app's settings (--env-file, --config, ...): then
--provider picks one of the app's providers (default oidc: the one OPENID_PROVIDER_URL names),
judged with the app's scopes and PKCE setting, and the OAuth and logout settings are checked too.
--provider google fetches Google's fixed discovery URL; --provider microsoft the URL the app
builds from MICROSOFT_CLIENT_LOGIN_BASE_URL, MICROSOFT_CLIENT_TENANT_ID and the client id;
--provider github or feishu (no discovery) checks only that their fixed endpoints answer (a GET
without client id or credentials). A provider the settings do not configure is a usage error.

What is sent for a URL: one GET of the discovery document and one GET of its jwks_uri (no
redirects followed, no credentials, cookies or client secret; TLS verified); nothing else.

With settings, also (each at most once per run, same rules): a GET of the end_session_endpoint
(or OPENID_END_SESSION_ENDPOINT) without id_token_hint; GETs of the app's /api/config and
/oauth/<provider>/login at the public URL (WEBUI_URL or --public-url); and the OAuth client is
presented to the IdP, once per configured provider, as Open WebUI presents it, without signing
anyone in:

\b
  GET  <authorization_endpoint>?response_type=code&client_id=...&redirect_uri=<the app's>
       &scope=...&state=<random>[&nonce=<random>][&code_challenge=...&code_challenge_method=S256]
       [&audience, OAUTH_AUTHORIZE_PARAMS]; redirects not followed, no cookies
  POST <token_endpoint>  grant_type=authorization_code&code=authdoctor-probe-invalid-code
       &redirect_uri=<the app's>[&code_verifier=...], Accept: application/json, and the app's
       client authentication (HTTP Basic of client id and secret unless
       OAUTH_TOKEN_ENDPOINT_AUTH_METHOD says otherwise)

The secret goes to that token endpoint only, never over plain http off loopback, and never into
the report. The IdP may log a failed client authentication. --no-idp-requests leaves both
requests out. --id-token TOKEN verifies a token you give with the provider's keys (no request of
its own: the JWKS is the one already fetched).

Checked: reachability (DNS, TCP, TLS, HTTP), the metadata and the issuer, the speed, plain-http
endpoints, the JWKS (every key read, unique kid, a key for each advertised algorithm, RSA >= 2048
bits, no private key material), end_session_endpoint when sign-out relies on it and whether it
answers, the configured scopes against scopes_supported, S256 when OAUTH_CODE_CHALLENGE_METHOD=S256;
with settings, the client id, secret, redirect URI, authentication method and PKCE at the IdP,
and the provider list and login redirect of the running app.

Examples:

\b
  authdoctor oidc probe https://idp.example.com/realms/acme
  authdoctor oidc probe https://idp.example.com/realms/acme/.well-known/openid-configuration
  authdoctor oidc probe --env-file .env --provider oidc --format json
  authdoctor oidc probe --env-file .env --provider microsoft

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    oidc_app = typer.Typer(help="Probe OpenID Connect providers live.", no_args_is_help=True)
    app.add_typer(oidc_app, name="oidc")

    @oidc_app.command("probe", help=PROBE_HELP)
    def probe(
        url: Annotated[str | None, typer.Argument(
            metavar="[URL]", help="The issuer or discovery URL (instead of settings).")] = None,
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        public_url: PublicUrlOpt = None,
        provider: Annotated[str, typer.Option(
            "--provider", metavar="NAME",
            help="Which configured provider to probe: oidc, google, microsoft, github or feishu.")] = "oidc",
        ignore: IgnoreOpt = None,
        fail_on: FailOnOpt = "error",
        timeout: TimeoutOpt = 30.0,
        probe_timeout: ProbeTimeoutOpt = None,
        ca_file: CaFileOpt = None,
        insecure: InsecureOpt = False,
        no_idp_requests: NoIdpRequestsOpt = False,
        id_token: IdTokenOpt = None,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.check import ProbeFlags
        from authdoctor.commands.oidc import run_oidc_probe

        return run_oidc_probe(
            url=url, inputs=settings_inputs(config, env_file, compose, service, from_env, public_url,
                                            docker_inspect=docker_inspect, k8s=k8s),
            ignore=ignore or [],
            provider=provider, fail_on=fail_on, timeout=timeout, probe_timeout=probe_timeout, now=now,
            output_format=output_format, output=output, verbose=verbose, stderr=sys.stderr,
            probe_flags=ProbeFlags(ca_file=ca_file, insecure=insecure, idp_requests=not no_idp_requests,
                                   id_token=id_token))
