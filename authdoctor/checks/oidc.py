"""OIDC provider settings (the settings half; the live discovery/JWKS probes come later).

Failure modes named here from the settings alone:

- `oidc.provider-url-not-discovery`: `OPENID_PROVIDER_URL` is used verbatim as authlib's
  `server_metadata_url` (0.12.4 `load_oauth_providers`) and as the metadata URL fetched at
  sign-out, so it must be the full discovery document URL (`…/.well-known/openid-configuration`,
  OIDC Discovery §4, rule D1), not the issuer. With the issuer the fetch returns a login page or
  404 and `/oauth/oidc/login` fails.
- `oidc.insecure-endpoint`: `OPENID_PROVIDER_URL` or `OPENID_END_SESSION_ENDPOINT` is plain http
  to a host other than loopback (rule D7 / L1: endpoints use TLS).
- `oidc.issuer-template`: `MICROSOFT_CLIENT_TENANT_ID` is `common` or `organizations`, or
  `OPENID_PROVIDER_URL` points at Entra's `/common/` or `/organizations/` endpoint (recognised from
  the URL alone: an Entra login host and that first path segment). Entra's discovery for those
  multi-tenant endpoints has the template issuer `https://login.microsoftonline.com/{tenantid}/v2.0`
  (v1: `https://sts.windows.net/{tenantid}/`), while each ID token carries the user's real tenant;
  authlib 1.7.2 (pinned by 0.12.4) checks the ID token's `iss` against the discovered issuer
  exactly (OIDC Core §3.1.3.7, rule K2), so every sign-in through it fails. `consumers` is not a
  template: its discovery names the fixed issuer `…/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`
  that personal-account tokens carry (Microsoft identity platform OIDC docs; idp-responses E3),
  so it is not reported.

Live half (later work, `live=` below): fetch the discovery document (`oidc.discovery-*`,
`oidc.issuer-mismatch`, `oidc.end-session-missing`, `oidc.scope-unsupported`,
`oidc.pkce-unsupported`) and the JWKS (`oidc.jwks-*`). When it lands it should not repeat
`oidc.issuer-template` for the Microsoft tenant already reported here.
"""

from __future__ import annotations

from authdoctor.checks._urls import URLProblem, is_loopback_host, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import getenv
from authdoctor.openwebui.oauth import configured_providers, partially_configured_providers
from authdoctor.settings.model import EnvSource

AREA = "oidc"
WELL_KNOWN_OIDC = "/.well-known/openid-configuration"
WELL_KNOWN_RFC8414 = "/.well-known/oauth-authorization-server"
TEMPLATE_TENANTS = frozenset({"common", "organizations"})
#: Entra ID (and its national clouds') login hosts, whose first path segment is the tenant.
ENTRA_HOSTS = frozenset({"login.microsoftonline.com", "login.windows.net", "sts.windows.net",
                         "login.microsoftonline.us", "login.partner.microsoftonline.cn",
                         "login.chinacloudapi.cn"})


def provider_url_findings(env: EnvSource) -> list[Finding]:
    """`OPENID_PROVIDER_URL` must be an absolute discovery URL; http off loopback is insecure."""
    value = getenv(env, "OPENID_PROVIDER_URL", "")
    if not value:
        return []
    shown = mask_url(value)
    location = env.location("OPENID_PROVIDER_URL")
    oidc_configured = "oidc" in configured_providers(env) or "oidc" in partially_configured_providers(env)
    role = ("the OIDC provider's discovery URL (sign-in) and the sign-out metadata URL"
            if oidc_configured else "the metadata URL fetched at sign-out to find the IdP's "
            "end_session_endpoint")
    try:
        url = parse_absolute(value)
    except URLProblem as problem:
        return [finding(
            "oidc.provider-url-not-discovery",
            "OPENID_PROVIDER_URL is not a URL the app can fetch",
            detail=f"OPENID_PROVIDER_URL={shown!r}: {problem}. Open WebUI uses it as {role}.",
            fix="Set OPENID_PROVIDER_URL=https://<issuer>/.well-known/openid-configuration.",
            evidence={"OPENID_PROVIDER_URL": shown}, subject="OPENID_PROVIDER_URL",
            location=location,
        )]
    findings: list[Finding] = []
    path = url.path
    if not (path.endswith(WELL_KNOWN_OIDC) or WELL_KNOWN_RFC8414 in path):
        suggested = value.split("?", 1)[0].split("#", 1)[0].rstrip("/") + WELL_KNOWN_OIDC
        findings.append(finding(
            "oidc.provider-url-not-discovery",
            "OPENID_PROVIDER_URL is not the discovery document URL",
            detail=(f"OPENID_PROVIDER_URL={shown!r} does not end in {WELL_KNOWN_OIDC}. Open WebUI "
                    f"uses it verbatim as {role}; it does not append the well-known path, so "
                    "fetching the issuer URL returns a web page or 404 instead of the JSON "
                    "metadata and OIDC sign-in (and the IdP sign-out redirect) fail."),
            fix=f"Set OPENID_PROVIDER_URL={mask_url(suggested)}",
            evidence={"OPENID_PROVIDER_URL": shown, "expected suffix": WELL_KNOWN_OIDC},
            subject="OPENID_PROVIDER_URL", location=location,
        ))
    if url.scheme == "http" and not is_loopback_host(url.host):
        findings.append(_insecure("OPENID_PROVIDER_URL", shown, env))
    return findings


def _insecure(name: str, shown: str, env: EnvSource) -> Finding:
    return finding(
        "oidc.insecure-endpoint",
        f"{name} uses plain http",
        detail=(f"{name}={shown!r}. Discovery metadata, keys and logout redirects fetched over "
                "plain http can be altered on the way (OIDC Discovery requires TLS for provider "
                "endpoints); whoever can do that can redirect sign-in or substitute signing keys."),
        fix=f"Use the https:// URL of the identity provider in {name}.",
        evidence={name: shown}, subject=name, location=env.location(name),
    )


def end_session_findings(env: EnvSource) -> list[Finding]:
    """`OPENID_END_SESSION_ENDPOINT` is returned verbatim as the sign-out redirect."""
    value = getenv(env, "OPENID_END_SESSION_ENDPOINT", "")
    if not value:
        return []
    try:
        url = parse_absolute(value)
    except URLProblem:
        return []  # a relative value redirects within the app; not an OIDC endpoint problem
    if url.scheme == "http" and not is_loopback_host(url.host):
        return [_insecure("OPENID_END_SESSION_ENDPOINT", mask_url(value), env)]
    return []


def microsoft_tenant_findings(env: EnvSource) -> list[Finding]:
    """`oidc.issuer-template` predicted from `MICROSOFT_CLIENT_TENANT_ID`."""
    if "microsoft" not in configured_providers(env):
        return []
    tenant = getenv(env, "MICROSOFT_CLIENT_TENANT_ID", "")
    if tenant.lower() not in TEMPLATE_TENANTS:
        return []
    return [finding(
        "oidc.issuer-template",
        f"MICROSOFT_CLIENT_TENANT_ID={tenant}: Microsoft sign-in fails on the issuer check",
        detail=("For the 'common' and 'organizations' endpoints Entra ID's discovery document "
                "has the issuer 'https://login.microsoftonline.com/{tenantid}/v2.0' (a template), "
                "while each ID token carries the user's real tenant. Open WebUI's OAuth library "
                "(authlib 1.7) compares the token's iss with the discovered issuer exactly, so "
                "every Microsoft sign-in ends in 'Sign-in with your identity provider failed'."),
        fix=("Set MICROSOFT_CLIENT_TENANT_ID to your directory (tenant) ID, or to 'consumers' "
             "(9188040d-6c67-4c5b-b112-36a304b66dad) for personal Microsoft accounts only."),
        evidence={"MICROSOFT_CLIENT_TENANT_ID": tenant},
        subject="MICROSOFT_CLIENT_TENANT_ID", location=env.location("MICROSOFT_CLIENT_TENANT_ID"),
    )]


def entra_template_tenant(url: str) -> str | None:
    """`common`/`organizations` when `url` is an Entra endpoint for that multi-tenant alias."""
    try:
        parsed = parse_absolute(url)
    except URLProblem:
        return None
    if parsed.host.lower() not in ENTRA_HOSTS:
        return None
    segment = parsed.path.lstrip("/").split("/", 1)[0].lower()
    return segment if segment in TEMPLATE_TENANTS else None


def provider_url_tenant_findings(env: EnvSource) -> list[Finding]:
    """`oidc.issuer-template` predicted from an `OPENID_PROVIDER_URL` on Entra's common or
    organizations endpoint (only when the OIDC provider uses it for sign-in)."""
    value = getenv(env, "OPENID_PROVIDER_URL", "")
    tenant = entra_template_tenant(value) if value else None
    if tenant is None:
        return []
    if "oidc" not in configured_providers(env) and "oidc" not in partially_configured_providers(env):
        return []  # only the sign-out metadata URL then: its issuer is never checked
    parsed = parse_absolute(value)
    rest = parsed.path.lstrip("/").split("/", 1)
    suggested = (f"{parsed.scheme}://{parsed.host}/<tenant-id>/"
                 + (rest[1] if len(rest) > 1 else "v2.0/.well-known/openid-configuration"))
    return [finding(
        "oidc.issuer-template",
        f"OPENID_PROVIDER_URL uses Entra's '{tenant}' endpoint: every sign-in fails the issuer check",
        detail=(f"OPENID_PROVIDER_URL={mask_url(value)!r} points at Microsoft Entra ID's '{tenant}' "
                "(multi-tenant) endpoint. Its discovery document names the template issuer "
                "'https://login.microsoftonline.com/{tenantid}/v2.0', while every ID token carries "
                "the user's real tenant id in iss. Open WebUI's OAuth library (authlib 1.7) compares "
                "the two exactly, so no token can ever pass: every OIDC sign-in ends in 'Sign-in "
                "with your identity provider failed'."),
        fix=(f"Use your directory (tenant) ID in the URL: OPENID_PROVIDER_URL={suggested} (Entra "
             "admin center > Overview > Tenant ID). For users of several tenants, use the "
             "Microsoft provider (MICROSOFT_CLIENT_*) with one tenant per deployment; 'consumers' "
             "works for personal Microsoft accounts only."),
        evidence={"OPENID_PROVIDER_URL": mask_url(value), "tenant alias": tenant,
                  "discovered issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"},
        subject="OPENID_PROVIDER_URL", location=env.location("OPENID_PROVIDER_URL"),
    )]


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not (getenv(env, "OPENID_PROVIDER_URL") or getenv(env, "OPENID_END_SESSION_ENDPOINT")
            or "microsoft" in configured_providers(env)):
        return [skipped(AREA, "no OpenID provider URL is configured")]
    return [*provider_url_findings(env), *end_session_findings(env), *microsoft_tenant_findings(env),
            *provider_url_tenant_findings(env)]


CHECK = CheckSpec(area=AREA, title="OIDC provider", settings=check_settings, live=None)
