"""OIDC provider: the settings half, and the live half: the discovery document, then (when it is
usable) the JWKS, end-session, scopes and PKCE (`authdoctor.checks._oidc_metadata`).

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

Live half (`check_live`), first the discovery document: `OPENID_PROVIDER_URL` is fetched verbatim, as
the app's authlib client does (GET, redirects not followed, `raise_for_status`, `resp.json()`: see
`authlib.integrations.base_client.async_app.load_server_metadata`), through the run's probe
session, and `evaluate_discovery` (pure) names what would break:

- `oidc.discovery-unreachable`: DNS, TCP, TLS or an HTTP error status (the failed rung and its
  evidence; rule D2).
- `oidc.discovery-not-json`: a redirect (the app's client does not follow it) or a 2xx body that is
  not JSON, with its content type and first bytes. A JSON body under another content type is
  accepted, as authlib accepts it.
- `oidc.discovery-invalid`: not an object, larger than the probe's 1 MiB cap, or the metadata
  required by OIDC Discovery §3 (rule D4) missing or of the wrong type. `RS256` in
  `id_token_signing_alg_values_supported` is not demanded: authlib verifies with the key's own
  algorithm, and ES256-only providers (Kanidm) work with the app.
- `oidc.issuer-mismatch`: the document's `issuer` compared as an exact string with the issuer the
  URL names (the URL before `/.well-known/openid-configuration`, or after
  `/.well-known/oauth-authorization-server`; OIDC Discovery §4.3, rule D3; RFC 8414 §3.3, M3).
  authlib 1.7.2 does not make this comparison itself (it checks ID tokens against the document's
  issuer), so a difference of only a trailing slash, which the OIDF suite also tolerates, is a
  warning; any other difference keeps the catalog's error.
- `oidc.discovery-slow`: the answer took at least `slow_threshold_s`: half the time the app's HTTP
  client waits (`OAUTH_TIMEOUT`, else httpx's default 5 s), at most `SLOW_CAP_S` (2 s). Discovery
  normally answers in well under a second; beyond half the app's timeout, load or a cold cache
  tips sign-in and sign-out into timeouts.

After a usable document, `check_live` evaluates end-session, scopes and PKCE from it and fetches
`jwks_uri` once through the same probe session (`authdoctor.checks._oidc_metadata` names the codes
and the rules). When the document is unusable, the finding that says so names what was not
checked (`not checked because of it`).

Every provider (issue 9's presets, `discovery_targets`): the live half fetches each discovery
document the app fetches, concurrently, through the same probe session: `OPENID_PROVIDER_URL`
(the oidc provider's, or only the sign-out metadata URL of GitHub/Feishu sessions), Google's
fixed `https://accounts.google.com/.well-known/openid-configuration`, and Microsoft's
`{MICROSOFT_CLIENT_LOGIN_BASE_URL}/{tenant}/v2.0/.well-known/openid-configuration?appid={client id}`
(0.12.4 `load_oauth_providers`; the `?appid=` query is not part of the issuer). Each document
goes through `evaluate_discovery` and the metadata/JWKS evaluation; the presets' findings name
the provider in the title and evidence (`DiscoveryTarget`, `_as_target`), with the settings the
operator can change in the fix (Google's URL is fixed: the fix is egress), and are judged with
the preset's own scope variable (`preset_use`). Also named live:

- `oidc.issuer-template`: the fetched document's issuer holds Entra's `{tenantid}` placeholder
  (instead of `oidc.issuer-mismatch`); not repeated when the settings half already reported it
  for the same tenant, and not for a sign-out-only URL (its issuer is never checked).
- `oidc.insecure-endpoint`: an endpoint in the document (authorization, token, jwks_uri,
  userinfo, end_session, any other `*_endpoint`) is plain http to a host other than loopback
  (rule D7; L1 for end_session_endpoint); the issuer itself is left to `oidc.issuer-mismatch`.
- `oidc.endpoint-unreachable`: GitHub and Feishu have no discovery; their fixed authorize, token
  and user endpoints (`authdoctor.openwebui.oauth.REACHABILITY_ENDPOINTS`) are GET without client
  id or credentials, and DNS, TCP, TLS, a timeout or a 5xx is reported (any other status is an
  answer).

Google's URL cannot be reached from the tests (loopback only): its URL and the evaluation of its
document are unit-tested with hand-built observations (tests/test_oidc_presets.py); Microsoft
runs against the lab's real provider served under `/<tenant>/v2.0`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from authdoctor.checks._urls import URLProblem, is_loopback_host, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity, SourceLocation
from authdoctor.masking import mask_credentials, mask_url
from authdoctor.openwebui.envread import getenv
from authdoctor.openwebui.oauth import configured_providers, partially_configured_providers
from authdoctor.settings.model import EnvSource

if TYPE_CHECKING:
    from authdoctor.probes import ProbeFailure
    from authdoctor.probes.http import HttpObservation

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


# ----------------------------------------------------------------------------- live: discovery

#: httpx's default timeout, which the app's authlib client uses unless OAUTH_TIMEOUT is set.
APP_DEFAULT_TIMEOUT_S = 5.0
#: `oidc.discovery-slow` fires at half the app's timeout, but never above this.
SLOW_CAP_S = 2.0
#: OIDC Discovery §3 (rule D4): required metadata and its JSON type.
REQUIRED_METADATA: tuple[tuple[str, type], ...] = (
    ("issuer", str), ("authorization_endpoint", str), ("token_endpoint", str), ("jwks_uri", str),
    ("response_types_supported", list), ("subject_types_supported", list),
    ("id_token_signing_alg_values_supported", list),
)
PREVIEW_CHARS = 160
_TOO_DEEP: Any = object()  # stands for a JSON body nested deeper than the parser goes


def app_timeout_s(env: EnvSource) -> tuple[float, bool]:
    """The seconds the app's OAuth client waits for discovery, and whether OAUTH_TIMEOUT set it
    (0.12.4: `client_kwargs['timeout'] = int(OAUTH_TIMEOUT)` when non-empty)."""
    raw = getenv(env, "OAUTH_TIMEOUT", "")
    try:
        value = int(raw)
    except ValueError:
        return APP_DEFAULT_TIMEOUT_S, False
    return (float(value), True) if value > 0 else (APP_DEFAULT_TIMEOUT_S, False)


def slow_threshold_s(app_timeout: float) -> float:
    return min(SLOW_CAP_S, app_timeout / 2)


def discovery_url(url: str) -> tuple[str, bool]:
    """(the discovery URL to fetch, whether the well-known path was appended to `url`)."""
    base = url.partition("#")[0]
    base, question, query = base.partition("?")
    if base.endswith(WELL_KNOWN_OIDC) or WELL_KNOWN_RFC8414 in base:
        return url, False
    return base.rstrip("/") + WELL_KNOWN_OIDC + (question + query), True


def expected_issuer(url: str) -> str | None:
    """The issuer a discovery URL names: the text before `/.well-known/openid-configuration`
    (OIDC Discovery §4), or origin + the path after `/.well-known/oauth-authorization-server`
    (RFC 8414 §3). None when the URL is neither (the settings half reports that)."""
    base = url.split("#", 1)[0].split("?", 1)[0]
    if base.endswith(WELL_KNOWN_OIDC):
        return base[: -len(WELL_KNOWN_OIDC)]
    if WELL_KNOWN_RFC8414 in base:
        origin, _, rest = base.partition(WELL_KNOWN_RFC8414)
        return origin + rest
    return None


def _preview(body: bytes) -> str:
    """The first bytes of a body, as one printable line (credentials in it masked)."""
    text = body[: PREVIEW_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + "…"
    return mask_credentials(text) or "(empty body)"


_RUNG_FIX = {
    "dns": ("Make the host name resolvable from inside the Open WebUI container (Docker network, "
            "/etc/hosts, DNS server), or use a name it can resolve in OPENID_PROVIDER_URL."),
    "tcp": ("Check the host and port in OPENID_PROVIDER_URL and that the IdP is running and "
            "reachable from the Open WebUI container (firewall, Docker network, proxy)."),
    "tls": ("Give the Open WebUI container the CA that signed the IdP's certificate (e.g. "
            "REQUESTS_CA_BUNDLE / SSL_CERT_FILE; authdoctor: --ca-file), or use the host name the "
            "certificate is issued for in OPENID_PROVIDER_URL."),
}


def _unreachable(failure: ProbeFailure, shown: str, evidence: dict[str, str],
                 location: SourceLocation | None) -> Finding:
    plain_http = shown.lower().startswith("http://")
    later = ", ".join(r.value for r in failure.not_attempted if not (plain_http and r.value == "tls"))
    fix = _RUNG_FIX.get(failure.rung.value, "Make the discovery URL reachable from the Open WebUI container.")
    if failure.timed_out:
        fix = ("Find why it does not answer from inside the Open WebUI container (DNS, firewall, "
               "proxy, an overloaded IdP); raise --probe-timeout only to see how slow it is.")
    return finding(
        "oidc.discovery-unreachable",
        f"the OIDC discovery document cannot be fetched: {failure.summary}",
        detail=(f"GET {shown} failed at the {failure.rung.value} step: {failure.summary}."
                + (f" Not attempted because of it: {later}." if later else "")
                + " Open WebUI fetches this URL at the first OIDC sign-in and at every OAuth sign-out, "
                "so /oauth/oidc/login fails and the sign-out answers 500."),
        fix=fix, evidence={**evidence, "failed at": failure.rung.value, **failure.evidence},
        subject="OPENID_PROVIDER_URL", location=location)


def _status_finding(observation: HttpObservation, shown: str, evidence: dict[str, str],
                    location: SourceLocation | None) -> Finding:
    status = f"HTTP {observation.status} {observation.reason}".rstrip()
    seen = {**evidence, "status": status, "content type": observation.content_type or "(none)",
            "first bytes": _preview(observation.body)}
    if observation.status is not None and 300 <= observation.status < 400:
        target = observation.headers.get("location", "(no Location header)")
        return finding(
            "oidc.discovery-not-json",
            f"the discovery URL redirects ({status}) instead of answering with the document",
            detail=(f"GET {shown} answers {status} to {mask_url(target)}. Open WebUI's OAuth client "
                    "does not follow redirects when it fetches the metadata, so the fetch fails: a "
                    "redirect here is usually a login wall or an http-to-https or path rewrite."),
            fix=("Set OPENID_PROVIDER_URL to the URL that answers the JSON document directly "
                 "(<issuer>/.well-known/openid-configuration) and exempt that path from any "
                 "authenticating proxy."),
            evidence={**seen, "Location": mask_url(target)}, subject="OPENID_PROVIDER_URL",
            location=location)
    if observation.status == 404:
        fix = ("Check the realm, tenant or base path in OPENID_PROVIDER_URL; the document lives at "
               "<issuer>/.well-known/openid-configuration.")
    elif observation.status in (401, 403, 407):
        fix = ("Exempt /.well-known/openid-configuration from the authenticating proxy or firewall "
               "in front of the IdP (the document is public by design).")
    else:
        fix = "The IdP or a proxy in front of it is failing: check its logs, then retry."
    return finding(
        "oidc.discovery-unreachable",
        f"the OIDC discovery URL answers {status}",
        detail=(f"GET {shown} answers {status} (a discovery response must be HTTP 200 with JSON, "
                "OIDC Discovery §4.2). Open WebUI's OAuth client raises on it, so /oauth/oidc/login "
                "fails and the OAuth sign-out answers 500."),
        fix=fix, evidence={**seen, "failed at": "protocol"}, subject="OPENID_PROVIDER_URL",
        location=location)


def _metadata_problems(document: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name, kind in REQUIRED_METADATA:
        value = document.get(name)
        if name not in document:
            problems[name] = "missing"
        elif kind is str and not (isinstance(value, str) and value.strip()):
            problems[name] = f"{_json_type(value)}, not a non-empty string"
        elif kind is list and not (isinstance(value, list) and value
                                   and all(isinstance(v, str) for v in value)):
            problems[name] = f"{_json_type(value)}, not a non-empty list of strings"
    return problems


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else f"the string {value[:60]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "an empty list" if not value else "a list with non-string items"
    return "an object"


def _issuer_finding(issuer: str, expected: str, shown: str, evidence: dict[str, str],
                    location: SourceLocation | None) -> Finding:
    slash_only = issuer.rstrip("/") == expected.rstrip("/")
    fetch_url = issuer.rstrip("/") + WELL_KNOWN_OIDC
    issuer, expected = mask_url(issuer), mask_url(expected)  # compared raw above, shown masked below
    seen = {**evidence, "issuer in the document": issuer, "issuer the URL names": expected}
    effect = ("Open WebUI's OAuth library (authlib 1.7.2) does not compare these two itself: it "
              "checks each ID token's iss against the document's issuer, so sign-in works only "
              "while the IdP's tokens carry exactly that value. Clients that follow the rule refuse "
              "this provider, and anything set up with the URL's form of the issuer fails.")
    if slash_only:
        doc_side = issuer.endswith("/")
        side = ("the document's issuer ends in '/', the URL's does not" if doc_side
                else "the URL's issuer ends in '/', the document's does not")
        fix = (f"Make the IdP's issuer exactly {expected} (its public URL setting), or, if the IdP "
               "always publishes a trailing slash (Auth0, authentik), know that strict clients will "
               "refuse it; Open WebUI itself accepts it." if doc_side
               else f"Set OPENID_PROVIDER_URL={mask_url(fetch_url)}")
        return finding(
            "oidc.issuer-mismatch",
            f"the discovery issuer differs from OPENID_PROVIDER_URL only by a trailing slash ({side})",
            detail=(f"OPENID_PROVIDER_URL={shown!r} names the issuer {expected!r}, and OIDC Discovery "
                    f"§4.3 requires the document's issuer to be identical; it is {issuer!r}: {side}. "
                    + effect),
            fix=fix, evidence={**seen, "difference": side}, subject="OPENID_PROVIDER_URL",
            location=location, severity=Severity.WARNING)
    return finding(
        "oidc.issuer-mismatch",
        f"the discovery document's issuer is {issuer!r}, not {expected!r}",
        detail=(f"OPENID_PROVIDER_URL={shown!r} names the issuer {expected!r}, but the document says "
                f"{issuer!r} (OIDC Discovery §4.3 requires them to be identical). The IdP believes it "
                "lives at another URL: a proxy in front of it without its public-URL setting (Keycloak "
                "KC_HOSTNAME), http vs https, or an internal host name. " + effect),
        fix=("Configure the IdP's public URL (Keycloak KC_HOSTNAME, forwarded proxy headers) so its "
             f"issuer is {expected}, or, if {issuer} is reachable from the Open WebUI container and "
             f"the browsers, set OPENID_PROVIDER_URL={mask_url(fetch_url)}."),
        evidence=seen, subject="OPENID_PROVIDER_URL", location=location)


def _slow_finding(elapsed: float, threshold: float, app_timeout: float, from_setting: bool, shown: str,
                  evidence: dict[str, str], location: SourceLocation | None) -> Finding:
    source = "OAUTH_TIMEOUT" if from_setting else "httpx's default; OAUTH_TIMEOUT is not set"
    over = elapsed >= app_timeout
    return finding(
        "oidc.discovery-slow",
        f"the OIDC discovery document took {elapsed:.1f} s to answer"
        + (f", longer than the app waits ({app_timeout:g} s)" if over else ""),
        detail=(f"GET {shown} answered in {elapsed:.2f} s. authdoctor warns from {threshold:g} s: half "
                f"of the {app_timeout:g} s the app's OAuth client waits ({source}), at most "
                f"{SLOW_CAP_S:g} s. Open WebUI fetches this document at the first sign-in after a "
                "start and at every OAuth sign-out, while the user waits."
                + (" At this speed the app's fetch times out: sign-in and sign-out fail." if over else "")),
        fix=("Find the slow hop (DNS, proxy, IdP) from inside the Open WebUI container; raise "
             "OAUTH_TIMEOUT (seconds) only as a stopgap."),
        evidence={**evidence, "answered in": f"{elapsed:.2f} s", "threshold": f"{threshold:g} s",
                  "app timeout": f"{app_timeout:g} s ({source})"},
        subject="OPENID_PROVIDER_URL", location=location)


def evaluate_discovery(observation: HttpObservation, *, configured_url: str,
                       location: SourceLocation | None = None,
                       app_timeout: float = APP_DEFAULT_TIMEOUT_S,
                       timeout_from_setting: bool = False) -> list[Finding]:
    """Findings from one discovery fetch of `configured_url` (OPENID_PROVIDER_URL). Pure: the
    observation is all it reads. An empty list means the document is usable."""
    shown = mask_url(configured_url)
    evidence = {"OPENID_PROVIDER_URL": shown}
    if observation.proxy:
        evidence["proxy"] = observation.proxy
    if observation.failure is not None:
        return [_unreachable(observation.failure, shown, evidence, location)]
    findings: list[Finding] = []
    threshold = slow_threshold_s(app_timeout)
    if observation.elapsed_s >= threshold:
        findings.append(_slow_finding(observation.elapsed_s, threshold, app_timeout, timeout_from_setting,
                                      shown, evidence, location))
    status = observation.status or 0
    if not 200 <= status < 300:
        return [_status_finding(observation, shown, evidence, location), *findings]
    seen = {**evidence, "content type": observation.content_type or "(none)"}
    if observation.body_truncated:
        return [finding(
            "oidc.discovery-invalid",
            f"the discovery document is larger than {len(observation.body) // 1024} KiB",
            detail=(f"GET {shown} answers a body of more than {len(observation.body)} bytes; a "
                    "discovery document is a few KiB. authdoctor stopped reading: this is not the "
                    "metadata document (or something in front of the IdP is broken)."),
            fix="Point OPENID_PROVIDER_URL at the provider's real discovery document.",
            evidence={**seen, "first bytes": _preview(observation.body)}, subject="OPENID_PROVIDER_URL",
            location=location), *findings]
    try:
        document = json.loads(observation.body)
    except RecursionError:
        document = _TOO_DEEP
    except ValueError:
        return [finding(
            "oidc.discovery-not-json",
            "the discovery URL answers, but not with JSON"
            + (f" ({observation.content_type.split(';')[0].strip()})" if observation.content_type else ""),
            detail=(f"GET {shown} answers HTTP {status} with a body that is not JSON (content type "
                    f"{observation.content_type or 'none'}). A login "
                    "page or an SPA here means OPENID_PROVIDER_URL is not the metadata "
                    "document or a proxy intercepts it. Open WebUI's OAuth client cannot parse it, "
                    "so /oauth/oidc/login fails and the OAuth sign-out answers 500."),
            fix=("Set OPENID_PROVIDER_URL to <issuer>/.well-known/openid-configuration and exempt "
                 "that path from any authenticating proxy in front of the IdP."),
            evidence={**seen, "first bytes": _preview(observation.body)}, subject="OPENID_PROVIDER_URL",
            location=location), *findings]
    if not isinstance(document, dict):
        what = "nested too deeply to read" if document is _TOO_DEEP else f"{_json_type(document)}"
        return [finding(
            "oidc.discovery-invalid",
            "the discovery document is not a JSON object",
            detail=(f"GET {shown} answers JSON, but {what} instead of an object of provider "
                    "metadata (OIDC Discovery §3)."),
            fix="Point OPENID_PROVIDER_URL at the provider's real discovery document.",
            evidence={**seen, "first bytes": _preview(observation.body)}, subject="OPENID_PROVIDER_URL",
            location=location), *findings]
    problems = _metadata_problems(document)
    if problems:
        names = ", ".join(problems)
        findings.insert(0, finding(
            "oidc.discovery-invalid",
            f"the discovery document lacks usable {names}",
            detail=(f"GET {shown} answers a JSON object, but OIDC Discovery §3 requires "
                    + "; ".join(f"{name}: {why}" for name, why in problems.items()) + ". authlib needs "
                    "authorization_endpoint to start the login, token_endpoint to exchange the code "
                    "and jwks_uri to verify the ID token."),
            fix=("Fix the provider's metadata (usually a wrong realm, tenant or base path in "
                 "OPENID_PROVIDER_URL), or point OPENID_PROVIDER_URL at the real discovery document."),
            evidence={**seen, **{f"metadata {name}": why for name, why in problems.items()}},
            subject="OPENID_PROVIDER_URL", location=location))
    issuer = document.get("issuer")
    expected = expected_issuer(configured_url)
    if isinstance(issuer, str) and issuer.strip() and expected is not None and issuer != expected:
        findings.append(_issuer_finding(issuer, expected, shown, evidence, location))
    return findings


# ----------------------------------------------------------------------------- live: every provider

@dataclass(frozen=True)
class DiscoveryTarget:
    """One discovery document the app fetches, and how findings about it name it.

    The generic OIDC provider (`OPENID_PROVIDER_URL`, also the sign-out metadata URL of GitHub and
    Feishu sessions) keeps `evaluate_discovery`'s own wording; the presets (Google's fixed URL,
    Microsoft's built one) get their label in every title, their URL under `evidence_key`, and a
    fix that names what the operator can change (`fix`)."""

    provider: str
    label: str
    url: str
    subject: str
    evidence_key: str
    location: SourceLocation | None = None
    title_prefix: str = ""
    fix: str = ""
    """The preset's fix, replacing fixes that tell to change OPENID_PROVIDER_URL."""
    built_from: tuple[tuple[str, str], ...] = ()
    sign_in: bool = True
    """False: only the sign-out metadata URL (no provider signs in with it)."""
    template_reported: bool = False
    """The settings half already reports `oidc.issuer-template` for this URL's tenant."""

    @property
    def preset(self) -> bool:
        return self.provider in ("google", "microsoft")


GOOGLE_FIX = ("Open WebUI fetches Google's discovery document from a fixed URL: let the Open WebUI "
              "container reach accounts.google.com over HTTPS (DNS, egress firewall, HTTPS_PROXY / "
              "NO_PROXY); with a TLS-inspecting proxy, give the container that proxy's CA.")


def microsoft_fix(base: str, tenant: str) -> str:
    return (f"Check MICROSOFT_CLIENT_TENANT_ID (now {tenant!r}: your directory (tenant) ID, or "
            "'consumers') and MICROSOFT_CLIENT_LOGIN_BASE_URL (now "
            f"{mask_url(base)!r}: leave it unset for the public cloud, the national cloud's login "
            "host otherwise). The app fetches {base}/{tenant}/v2.0/.well-known/openid-configuration"
            "?appid={MICROSOFT_CLIENT_ID} and must reach it from the Open WebUI container.")


def discovery_targets(env: EnvSource, providers: tuple[str, ...] | None = None) -> list[DiscoveryTarget]:
    """The discovery documents the app fetches with these settings (0.12.4
    `load_oauth_providers` and `auths.signout`), optionally only those of `providers`:
    `OPENID_PROVIDER_URL` (for the oidc provider, or for sign-out only), Google's fixed URL,
    Microsoft's URL built from its base URL, tenant and client id."""
    registered = configured_providers(env)
    partial = partially_configured_providers(env)
    wanted = set(providers) if providers is not None else None
    targets: list[DiscoveryTarget] = []
    url = getenv(env, "OPENID_PROVIDER_URL", "")
    oidc_signs_in = "oidc" in registered or "oidc" in partial
    if url and (wanted is None or "oidc" in wanted or (not oidc_signs_in and wanted & {"github", "feishu"})):
        try:
            parse_absolute(url)
        except URLProblem:
            pass
        else:
            targets.append(DiscoveryTarget(
                provider="oidc", label="OIDC" if oidc_signs_in else "sign-out metadata", url=url,
                subject="OPENID_PROVIDER_URL", evidence_key="OPENID_PROVIDER_URL",
                location=env.location("OPENID_PROVIDER_URL"), sign_in=oidc_signs_in,
                template_reported=entra_template_tenant(url) is not None and oidc_signs_in))
    google = registered.get("google")
    if google is not None and google.metadata_url and (wanted is None or "google" in wanted):
        targets.append(DiscoveryTarget(
            provider="google", label="Google", url=google.metadata_url, subject="GOOGLE_CLIENT_ID",
            evidence_key="Google discovery URL (fixed in the app)", title_prefix="Google: ",
            location=env.location("GOOGLE_CLIENT_ID"), fix=GOOGLE_FIX))
    microsoft = registered.get("microsoft")
    if microsoft is not None and microsoft.metadata_url and (wanted is None or "microsoft" in wanted):
        base = env.get("MICROSOFT_CLIENT_LOGIN_BASE_URL")
        base = "https://login.microsoftonline.com" if base is None else base
        tenant = getenv(env, "MICROSOFT_CLIENT_TENANT_ID", "")
        try:
            parse_absolute(microsoft.metadata_url)
        except URLProblem:
            pass
        else:
            targets.append(DiscoveryTarget(
                provider="microsoft", label="Microsoft", url=microsoft.metadata_url,
                subject="MICROSOFT_CLIENT_TENANT_ID", evidence_key="Microsoft discovery URL",
                title_prefix="Microsoft: ", location=env.location("MICROSOFT_CLIENT_TENANT_ID"),
                fix=microsoft_fix(base, tenant),
                built_from=(("MICROSOFT_CLIENT_LOGIN_BASE_URL",
                             mask_url(base) + ("" if env.get("MICROSOFT_CLIENT_LOGIN_BASE_URL") else
                                               " (unset: the default)")),
                            ("MICROSOFT_CLIENT_TENANT_ID", tenant)),
                template_reported=tenant.lower() in TEMPLATE_TENANTS))
    if len(targets) > 1:  # several documents in one report: the generic one names itself too
        targets = [replace(t, title_prefix=("OIDC: " if t.sign_in else "OPENID_PROVIDER_URL (sign-out): "))
                   if t.provider == "oidc" else t for t in targets]
    return targets


def _as_target(found: Finding, target: DiscoveryTarget) -> Finding:
    """A finding of the generic evaluation, worded for `target`: its label in the title, its URL
    under its own evidence key, and (for a preset) its own fix instead of 'set OPENID_PROVIDER_URL'.
    The generic OIDC provider's findings are returned unchanged but for a title prefix."""
    title = target.title_prefix + found.title if target.title_prefix else found.title
    if not target.preset:
        return replace(found, title=title)
    evidence = {target.evidence_key if k == "OPENID_PROVIDER_URL" else k: v
                for k, v in found.evidence.items()}
    evidence = {"provider": target.label, **evidence, **dict(target.built_from)}
    shown = mask_url(target.url)
    named = f"the {target.label} discovery URL"
    detail = (found.detail.replace(f"OPENID_PROVIDER_URL={shown!r}", f"{named} {shown!r}")
              .replace("OPENID_PROVIDER_URL", f"the {target.label} discovery URL")
              .replace("/oauth/oidc/login", f"/oauth/{target.provider}/login")
              .replace("OIDC sign-in", f"{target.label} sign-in")
              .replace("the OIDC discovery", f"the {target.label} discovery"))
    # a 4xx at a preset's URL is a wrong setting (Entra answers 400 for an unknown tenant)
    client_error = found.evidence.get("status", "").startswith("HTTP 4")
    fix = target.fix if "OPENID_PROVIDER_URL" in found.fix or client_error else found.fix
    moved = found.subject == "OPENID_PROVIDER_URL"
    return replace(found, title=title.replace("the OIDC discovery", f"the {target.label} discovery"),
                   detail=detail, fix=fix, evidence=evidence,
                   subject=target.subject if moved else found.subject,
                   location=(target.location or found.location) if moved else found.location)


def template_issuer_finding(issuer: str, target: DiscoveryTarget) -> Finding:
    """`oidc.issuer-template` seen in the fetched document (Entra's multi-tenant discovery)."""
    shown = mask_url(target.url)
    return finding(
        "oidc.issuer-template",
        f"{target.title_prefix}the discovery document's issuer is the template {mask_url(issuer)!r}: "
        "every sign-in fails the issuer check",
        detail=(f"GET {shown} answers the issuer {mask_url(issuer)!r}, a template with a '{{tenantid}}' "
                "placeholder (Entra ID's 'common' and 'organizations' endpoints publish it), while each "
                "ID token carries the user's real tenant in iss. Open WebUI's OAuth library (authlib "
                "1.7) compares the two exactly, so every sign-in ends in 'Sign-in with your identity "
                "provider failed'."),
        fix=(target.fix if target.preset else
             "Use your directory (tenant) ID instead of common/organizations in OPENID_PROVIDER_URL."),
        evidence={**({"provider": target.label} if target.preset else {}),
                  target.evidence_key: shown, "issuer in the document": mask_url(issuer),
                  **dict(target.built_from)},
        subject=target.subject, location=target.location)


#: Discovery members naming endpoints (D7: every endpoint uses TLS; L1 for end_session_endpoint).
ENDPOINT_MEMBERS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint",
                    "end_session_endpoint")


def insecure_endpoint_findings(document: dict[str, Any], target: DiscoveryTarget) -> list[Finding]:
    """`oidc.insecure-endpoint` for the document's endpoints that are plain http off loopback (rule
    D7 / L1); the other `*_endpoint` members the app never calls are named as well, and a preset's
    own discovery URL (Microsoft's from MICROSOFT_CLIENT_LOGIN_BASE_URL). Pure."""
    names = [*ENDPOINT_MEMBERS, *sorted(k for k in document if isinstance(k, str) and k.endswith("_endpoint")
                                        and k not in ENDPOINT_MEMBERS)]
    insecure: dict[str, str] = {}
    if target.preset:  # the settings half judges OPENID_PROVIDER_URL; a preset's URL is built
        names.insert(0, target.evidence_key)
        document = {**document, target.evidence_key: target.url}
    for name in names:
        value = document.get(name)
        if not isinstance(value, str):
            continue
        try:
            url = parse_absolute(value)
        except URLProblem:
            continue
        if url.scheme == "http" and not is_loopback_host(url.host):
            insecure[name] = mask_url(value)
    if not insecure:
        return []
    listed = ", ".join(insecure)
    used = [name for name in insecure if name in ENDPOINT_MEMBERS]
    return [finding(
        "oidc.insecure-endpoint",
        f"{target.title_prefix}"
        + ("plain http off loopback" if target.evidence_key in insecure
           else "the discovery document advertises plain-http endpoints") + f": {listed}",
        detail=(f"The discovery document at {mask_url(target.url)} names {listed} with http:// on a host "
                "other than loopback (OIDC Discovery and the OIDF suite require TLS for every endpoint, "
                "rule D7; end_session_endpoint rule L1)."
                + (f" Open WebUI uses {', '.join(used)}: authorization codes, tokens, the client secret "
                   "at the token endpoint or the signing keys then cross the network in clear text and "
                   "can be read or replaced on the way." if used else "")),
        fix=("Make the IdP advertise its https:// public URL (Keycloak KC_HOSTNAME with https, "
             "X-Forwarded-Proto from the TLS-terminating proxy), so every endpoint in the document "
             "is https."),
        evidence={**({"provider": target.label} if target.preset else {}),
                  target.evidence_key: mask_url(target.url), **insecure},
        subject=target.subject, location=target.location)]


def preset_use(env: EnvSource, target: DiscoveryTarget) -> Any:
    """What the app does with a preset's document (`AppUse`): its own scope variable; PKCE when
    OAUTH_CODE_CHALLENGE_METHOD=S256 (0.12.4 passes it to every provider built through
    oauth_client_kwargs) for Google only, since Entra ID supports S256 without advertising
    code_challenge_methods_supported; end-session relied on for Microsoft sessions (Entra's
    document has one) unless OPENID_END_SESSION_ENDPOINT is set, never for Google, which has none
    by design (idp-responses §3; the logout area reports what that means)."""
    from authdoctor.checks._oidc_metadata import AppUse
    from authdoctor.openwebui.oauth import PKCE_SUPPORTED, PROVIDERS_BY_NAME, pkce_method

    spec = PROVIDERS_BY_NAME[target.provider]
    raw = env.get(spec.scope_var)
    scope = spec.default_scope if raw is None else raw
    setting = (f"{spec.scope_var}={raw!r}" if raw is not None
               else f"{spec.scope_var} (unset: the default {spec.default_scope!r})")
    return AppUse(
        scopes=tuple(part for part in scope.split(" ") if part), scope_setting=setting,
        scope_var=spec.scope_var, check_scopes=True,
        pkce=target.provider == "google" and pkce_method(env) == PKCE_SUPPORTED,
        end_session_relied=(target.provider == "microsoft"
                            and not getenv(env, "OPENID_END_SESSION_ENDPOINT", "")),
        end_session_sessions=target.label, scope_location=env.location(spec.scope_var),
        pkce_location=env.location("OAUTH_CODE_CHALLENGE_METHOD"))


async def probe_discovery(ctx: CheckContext, target: DiscoveryTarget) -> list[Finding]:
    """Fetch one discovery document as the app does and evaluate it, then its JWKS."""
    env = ctx.deployment.env
    observation = await ctx.probes.http_get_async(target.url)
    app_timeout, from_setting = app_timeout_s(env)
    generic = evaluate_discovery(observation, configured_url=target.url, location=target.location,
                                 app_timeout=app_timeout, timeout_from_setting=from_setting)
    document = usable_document(observation, generic)
    if document is not None:
        issuer = document.get("issuer")
        if isinstance(issuer, str) and "{tenantid}" in issuer.lower():
            # the template, not an ordinary mismatch; reported once (the settings half may have)
            generic = [f for f in generic if f.code != "oidc.issuer-mismatch"]
            if target.sign_in and not target.template_reported:
                generic.append(template_issuer_finding(issuer, target))
    findings = [f if f.code == "oidc.issuer-template" else _as_target(f, target) for f in generic]
    if document is None:
        return [_with_not_checked(f) if f.code in DISCOVERY_UNUSABLE else f for f in findings]
    from authdoctor.checks._oidc_metadata import app_use, evaluate_jwks, evaluate_metadata

    findings += insecure_endpoint_findings(document, target)
    use = preset_use(env, target) if target.preset else app_use(env)
    findings += [_as_target(f, target) for f in
                 evaluate_metadata(document, configured_url=target.url, use=use, location=target.location)]
    jwks_uri = document["jwks_uri"]
    try:
        parse_absolute(jwks_uri)
    except URLProblem as problem:
        findings.append(_as_target(finding(
            "oidc.jwks-unreachable", "the discovery document's jwks_uri is not a URL that can be fetched",
            detail=(f"jwks_uri={mask_url(jwks_uri)!r}: {problem}. Open WebUI's OAuth library fetches the "
                    "keys from it to verify every ID token, so every OIDC sign-in fails."),
            fix="Fix the provider's metadata so jwks_uri is the absolute https URL of its key set.",
            evidence={"OPENID_PROVIDER_URL": mask_url(target.url), "jwks_uri": mask_url(jwks_uri)},
            subject="OPENID_PROVIDER_URL", location=target.location), target))
        return findings
    keys = await ctx.probes.http_get_async(jwks_uri)
    findings += [_as_target(f, target) for f in evaluate_jwks(
        keys, jwks_uri=jwks_uri, signing_algs=list(document["id_token_signing_alg_values_supported"]),
        location=target.location)]
    return findings


def evaluate_fixed_endpoint(observation: HttpObservation, *, provider: str, role: str,
                            url: str, location: SourceLocation | None = None) -> list[Finding]:
    """`oidc.endpoint-unreachable` for a fixed endpoint of a provider without discovery (GitHub,
    Feishu) that cannot be reached: DNS, TCP, TLS, a timeout, or a 5xx answer. Any other HTTP
    answer counts as reachable: the GET carries no client id and no credentials, so a 4xx (or a
    redirect to a login page) is what the endpoint should answer. Pure."""
    from authdoctor.openwebui.oauth import PROVIDERS_BY_NAME

    spec = PROVIDERS_BY_NAME[provider]
    shown = mask_url(url)
    checked = "DNS, TCP, TLS and an HTTP answer (a GET without client id or credentials)"
    evidence = {"provider": spec.label, "endpoint": role, "URL": shown, "checked": checked}
    if observation.proxy:
        evidence["proxy"] = observation.proxy
    where = ("the browser is sent there to sign in" if "browser" in role else
             "the app's server calls it in the OAuth callback, so every sign-in fails")
    fix = (f"Let the Open WebUI container (and the browsers, for the authorize endpoint) reach "
           f"{parse_absolute(url).host} over HTTPS: DNS, egress firewall, HTTPS_PROXY / NO_PROXY; "
           "with a TLS-inspecting proxy, give the container that proxy's CA.")
    failure = observation.failure
    if failure is not None:
        return [finding(
            "oidc.endpoint-unreachable",
            f"{spec.label}: the {role} cannot be reached: {failure.summary}",
            detail=(f"GET {shown} failed at the {failure.rung.value} step: {failure.summary}. Open WebUI "
                    f"0.12.4 has this {spec.label} URL built in (there is no discovery for {spec.label}); "
                    f"{where}."),
            fix=fix, evidence={**evidence, "failed at": failure.rung.value, **failure.evidence},
            subject=spec.client_id_var, location=location)]
    status = observation.status or 0
    if status >= 500:
        status_text = f"HTTP {observation.status} {observation.reason}".rstrip()
        return [finding(
            "oidc.endpoint-unreachable",
            f"{spec.label}: the {role} answers {status_text}",
            detail=(f"GET {shown} answers {status_text}: {spec.label} or a proxy in front of it is "
                    f"failing. Open WebUI 0.12.4 has this URL built in; {where}."),
            fix=("Retry later and check the provider's status page; if a proxy answers, check its logs. "
                 + fix),
            evidence={**evidence, "status": status_text, "failed at": "protocol",
                      "first bytes": _preview(observation.body)},
            subject=spec.client_id_var, location=location)]
    return []


async def probe_fixed_endpoints(ctx: CheckContext, provider: str) -> list[Finding]:
    """GET each fixed endpoint of a provider without discovery (`REACHABILITY_ENDPOINTS`)."""
    import asyncio

    from authdoctor.openwebui.oauth import PROVIDERS_BY_NAME, REACHABILITY_ENDPOINTS

    endpoints = REACHABILITY_ENDPOINTS.get(provider, ())
    location = ctx.deployment.env.location(PROVIDERS_BY_NAME[provider].client_id_var)
    observations = await asyncio.gather(*(ctx.probes.http_get_async(url) for _, url in endpoints))
    return [f for (role, url), seen in zip(endpoints, observations, strict=True)
            for f in evaluate_fixed_endpoint(seen, provider=provider, role=role, url=url, location=location)]


async def check_live(ctx: CheckContext, providers: tuple[str, ...] | None = None) -> list[Finding]:
    """Fetch every discovery document the app fetches (`discovery_targets`) and evaluate each
    (`probe_discovery`); GET the fixed endpoints of GitHub and Feishu (`probe_fixed_endpoints`).
    `providers` limits it to those providers (`oidc probe --provider`)."""
    import asyncio

    env = ctx.deployment.env
    targets = discovery_targets(env, providers)
    fixed = [name for name in ("github", "feishu") if name in configured_providers(env)
             and (providers is None or name in providers)]
    if not targets and not fixed:
        url = getenv(env, "OPENID_PROVIDER_URL", "")
        if url:
            return [skipped(AREA, "OPENID_PROVIDER_URL is not a URL that can be fetched")]
        return [skipped(AREA, "no OPENID_PROVIDER_URL to fetch")]
    results = await asyncio.gather(*(probe_discovery(ctx, t) for t in targets),
                                   *(probe_fixed_endpoints(ctx, name) for name in fixed))
    return [f for found in results for f in found]


#: Discovery findings after which the later probes (JWKS, end-session, scopes, PKCE) cannot run.
DISCOVERY_UNUSABLE = frozenset({"oidc.discovery-unreachable", "oidc.discovery-not-json",
                                "oidc.discovery-invalid"})
NOT_CHECKED = "the JWKS, end_session_endpoint, scopes and PKCE (they need the document)"


def usable_document(observation: HttpObservation, findings: list[Finding]) -> dict[str, Any] | None:
    """The discovery document when `evaluate_discovery` found it usable (its findings hold no
    `DISCOVERY_UNUSABLE` code), else None."""
    if any(f.code in DISCOVERY_UNUSABLE for f in findings):
        return None
    try:
        document = json.loads(observation.body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _with_not_checked(found: Finding) -> Finding:
    """Honest outcomes: the finding that stopped the probe names what was not checked."""
    return replace(found, evidence={**found.evidence, "not checked because of it": NOT_CHECKED})


CHECK = CheckSpec(area=AREA, title="OIDC provider", settings=check_settings, live=check_live)
