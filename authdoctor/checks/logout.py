"""Sign-out settings: does signing out of Open WebUI also end the session at the IdP?

Failure mode named here: `logout.idp-session-not-ended`. Open WebUI 0.12.4 logs at start
"OAuth providers configured (…) but OPENID_PROVIDER_URL not set - logout will not work!" when a
Google, Microsoft, GitHub or Feishu client id is set and neither `OPENID_PROVIDER_URL` nor
`OPENID_END_SESSION_ENDPOINT` is (`config.load_oauth_providers`). What `POST /api/v1/auths/signout`
really does for an OAuth session (`routers/auths.signout`):

1. `OPENID_END_SESSION_ENDPOINT` set: the browser is sent there, for every provider.
2. Otherwise the app fetches the session provider's own discovery URL, or else
   `OPENID_PROVIDER_URL`, and redirects to its `end_session_endpoint` (OIDC RP-Initiated
   Logout §2, rule L1). Microsoft's Entra discovery has one, so Microsoft sign-out does end the
   IdP session and the startup warning is a false alarm for it; Google's discovery has none;
   GitHub and Feishu have no discovery at all.

Without an IdP sign-out the next "Sign in with …" click logs the user straight back in, which is
what users report as "logout does not work".

Live half (issue 9 probe 3): where the browser is really sent at sign-out. With
`OPENID_END_SESSION_ENDPOINT` that URL, verbatim; otherwise, for each registered provider, the
`end_session_endpoint` of the document its sessions read (its own discovery URL, else
`OPENID_PROVIDER_URL`; read through the run's cache, so the oidc area's fetch is reused, and a
document that is missing or unusable is left to the oidc area). Each endpoint gets one GET
without `id_token_hint` or credentials:

- `logout.end-session-unreachable`: DNS, TCP, TLS, 404/410 or 5xx (a form, a 400 for the missing
  hint or a redirect is an answer); the evidence shows what the app sends there:
  `{end_session_endpoint}?id_token_hint=<the user's ID token>[&post_logout_redirect_uri=
  WEBUI_AUTH_SIGNOUT_REDIRECT_URL]`, or `OPENID_END_SESSION_ENDPOINT` as it is.
- `logout.signout-url-malformed`: the app concatenates that URL without encoding (rule L6): an
  endpoint with a query gets a second '?', and '&', '#', '+' or a space in the redirect URL cut
  or change `post_logout_redirect_uri` at the IdP (rule L4: it must match exactly).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authdoctor.checks._urls import URLProblem, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import getenv
from authdoctor.openwebui.oauth import (
    PROVIDERS,
    PROVIDERS_BY_NAME,
    configured_providers,
    logout_warning_providers,
)
from authdoctor.settings.model import EnvSource

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation

AREA = "logout"
#: Registered providers whose sign-out cannot reach an IdP end-session endpoint on their own.
NO_OWN_END_SESSION = ("google", "github", "feishu")


def idp_logout_findings(env: EnvSource) -> list[Finding]:
    """`logout.idp-session-not-ended` exactly when the app logs its startup warning; the severity
    says whether any registered provider is really affected."""
    warned = logout_warning_providers(env)
    if not warned:
        return []
    registered = configured_providers(env)
    affected = [spec.label for spec in PROVIDERS
                if spec.name in NO_OWN_END_SESSION and spec.name in registered]
    ms_ok = "microsoft" in registered
    parts = [f"Open WebUI logs at start: 'OAuth providers configured ({', '.join(warned)}) but "
             "OPENID_PROVIDER_URL not set - logout will not work!'."]
    if affected:
        parts.append(f"Signing out of Open WebUI does not end the {', '.join(affected)} session: "
                     "the app finds no end-session endpoint for it, so the next 'Continue with …' "
                     "click signs the user straight back in without a password.")
    if ms_ok:
        parts.append("Microsoft sessions are not affected: Open WebUI reads Entra ID's own "
                     "discovery document, which has an end_session_endpoint.")
    if not affected and not ms_ok:
        parts.append("None of these providers is registered (their variables are incomplete), so "
                     "no OAuth session exists yet; the warning is about configuration only.")
    severity = None if affected else Severity.INFO
    return [finding(
        "logout.idp-session-not-ended",
        (f"sign-out does not end the IdP session for {', '.join(affected)}" if affected else
         f"startup warning 'logout will not work' for {', '.join(warned)}"),
        detail=" ".join(parts),
        fix=("Set OPENID_END_SESSION_ENDPOINT to the IdP's logout URL (users are sent there on "
             "sign-out, for every provider), or OPENID_PROVIDER_URL to an OpenID discovery URL "
             "whose end_session_endpoint should be used. Google and GitHub have no standard "
             "end-session endpoint: consider a shorter JWT_EXPIRES_IN and "
             "WEBUI_AUTH_SIGNOUT_REDIRECT_URL to a page that explains it."),
        evidence={"providers": ", ".join(warned),
                  "OPENID_PROVIDER_URL": mask_url(getenv(env, "OPENID_PROVIDER_URL") or "<unset>"),
                  "OPENID_END_SESSION_ENDPOINT":
                      mask_url(getenv(env, "OPENID_END_SESSION_ENDPOINT") or "<unset>")},
        subject="OPENID_END_SESSION_ENDPOINT",
        severity=severity,
    )]


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not configured_providers(env) and not logout_warning_providers(env):
        return [skipped(AREA, "no OAuth provider is configured (password sign-out only)")]
    return idp_logout_findings(env)



# ----------------------------------------------------------------------------- live: end session

@dataclass(frozen=True)
class SignOutTarget:
    """Where the app sends the browser at sign-out for some provider sessions (0.12.4
    `routers/auths.signout`), and exactly what it sends."""

    endpoint: str
    """The URL probed: OPENID_END_SESSION_ENDPOINT verbatim, or a document's end_session_endpoint."""
    source: str
    """What names it: 'OPENID_END_SESSION_ENDPOINT' or 'end_session_endpoint of <metadata URL>'."""
    sessions: str
    """The provider sessions that sign out through it (labels)."""
    sent: str
    """The redirect_url the app returns: the endpoint, then `?id_token_hint=...` and
    `&post_logout_redirect_uri=...` appended unencoded (a discovered endpoint only)."""
    redirect: str | None = None
    """WEBUI_AUTH_SIGNOUT_REDIRECT_URL as appended (None: not set, or not appended)."""
    subject: str = "OPENID_END_SESSION_ENDPOINT"


ID_TOKEN_PLACEHOLDER = "<the user's ID token>"
#: Characters that end or split the query when WEBUI_AUTH_SIGNOUT_REDIRECT_URL is appended
#: unencoded (`&` starts another parameter, `#` the fragment, `+` and spaces become spaces).
QUERY_BREAKERS = {"&": "'&' starts another parameter", "#": "'#' starts the fragment, which the "
                  "browser never sends", "+": "'+' is read as a space", " ": "a space ends the URL"}


def signout_targets(env: EnvSource, documents: dict[str, dict[str, Any] | None]) -> list[SignOutTarget]:
    """The sign-out redirects of the registered providers. `documents` maps each metadata URL the
    app fetches at sign-out (`signout_metadata_urls`) to its parsed document (None: unusable; the
    oidc area reports why). Pure."""
    registered = configured_providers(env)
    verbatim = getenv(env, "OPENID_END_SESSION_ENDPOINT", "")
    labels = [PROVIDERS_BY_NAME[name].label for name in registered]
    if verbatim:
        try:
            parse_absolute(verbatim)
        except URLProblem:
            return []  # a path within the app: not an IdP endpoint
        return [SignOutTarget(endpoint=verbatim, source="OPENID_END_SESSION_ENDPOINT",
                              sessions=", ".join(labels), sent=verbatim)]
    redirect = env.get("WEBUI_AUTH_SIGNOUT_REDIRECT_URL")
    targets: list[SignOutTarget] = []
    for url, names in signout_metadata_urls(env).items():
        document = documents.get(url)
        endpoint = document.get("end_session_endpoint") if document else None
        if not isinstance(endpoint, str) or not endpoint.strip():
            continue  # none: oidc.end-session-missing / logout.idp-session-not-ended say so
        try:
            parse_absolute(endpoint)
        except URLProblem:
            continue
        sent = f"{endpoint}?id_token_hint={ID_TOKEN_PLACEHOLDER}"
        if redirect:
            sent += f"&post_logout_redirect_uri={redirect}"
        targets.append(SignOutTarget(
            endpoint=endpoint, source=f"end_session_endpoint of {mask_url(url)}",
            sessions=", ".join(PROVIDERS_BY_NAME[n].label for n in names), sent=sent,
            redirect=redirect or None, subject=("OPENID_PROVIDER_URL" if "oidc" in names
                                                or url == getenv(env, "OPENID_PROVIDER_URL", "")
                                                else PROVIDERS_BY_NAME[names[0]].client_id_var)))
    return targets


def signout_metadata_urls(env: EnvSource) -> dict[str, list[str]]:
    """Metadata URL -> the registered providers whose sessions read it at sign-out: the provider's
    own discovery URL, else OPENID_PROVIDER_URL (GitHub, Feishu)."""
    fallback = getenv(env, "OPENID_PROVIDER_URL", "")
    urls: dict[str, list[str]] = {}
    for name, settings in configured_providers(env).items():
        url = settings.metadata_url or fallback
        if url:
            urls.setdefault(url, []).append(name)
    return urls


def _shown_sent(target: SignOutTarget) -> str:
    """`target.sent` with credentials masked in each URL in it."""
    if target.sent == target.endpoint:
        return mask_url(target.sent)
    shown = f"{mask_url(target.endpoint)}?id_token_hint={ID_TOKEN_PLACEHOLDER}"
    return shown + (f"&post_logout_redirect_uri={mask_url(target.redirect)}" if target.redirect else "")


def evaluate_end_session(observation: HttpObservation, target: SignOutTarget) -> list[Finding]:
    """`logout.end-session-unreachable` when the sign-out endpoint does not answer: DNS, TCP, TLS,
    404/410 or 5xx. Any other answer (a logout page, a confirmation form, a 400 for the missing
    id_token_hint, a redirect to a login page) counts as answering: the GET carried no
    id_token_hint and no credentials. Pure."""
    shown = mask_url(target.endpoint)
    evidence = {"sign-out endpoint": shown, "from": target.source, "sessions": target.sessions,
                "the app sends the browser to": _shown_sent(target)}
    effect = ("At sign-out Open WebUI deletes its own cookies and sends the browser there: the user "
              "lands on an error page and the IdP session stays, so the next sign-in click signs "
              "the user straight back in. (authdoctor probes from where it runs; the browsers must "
              "reach this URL, not the Open WebUI container.)")
    fix = ("Set OPENID_END_SESSION_ENDPOINT to the IdP's working logout URL (used verbatim)."
           if target.source == "OPENID_END_SESSION_ENDPOINT" else
           "Fix the IdP's published end_session_endpoint (its public URL setting), or set "
           "OPENID_END_SESSION_ENDPOINT to the IdP's working logout URL.")
    failure = observation.failure
    if failure is not None:
        return [finding(
            "logout.end-session-unreachable",
            f"the sign-out endpoint cannot be reached: {failure.summary}",
            detail=f"GET {shown} ({target.source}) failed at the {failure.rung.value} step: "
                   f"{failure.summary}. {effect}",
            fix=fix, evidence={**evidence, "failed at": failure.rung.value, **failure.evidence},
            subject=target.subject)]
    status = observation.status or 0
    if status in (404, 410) or status >= 500:
        status_text = f"HTTP {observation.status} {observation.reason}".rstrip()
        return [finding(
            "logout.end-session-unreachable",
            f"the sign-out endpoint answers {status_text}",
            detail=f"GET {shown} ({target.source}) answers {status_text}. {effect}",
            fix=fix, evidence={**evidence, "status": status_text, "failed at": "protocol"},
            subject=target.subject)]
    return []


def signout_url_findings(target: SignOutTarget) -> list[Finding]:
    """`logout.signout-url-malformed`: the app appends `?id_token_hint=` and
    `&post_logout_redirect_uri=` to the endpoint without encoding (OIDC RP-Initiated Logout §2
    wants URL-encoded query parameters, rule L6), so an endpoint with a query already, or a
    WEBUI_AUTH_SIGNOUT_REDIRECT_URL with '&', '#', '+' or a space, reaches the IdP mangled. Pure."""
    if target.source == "OPENID_END_SESSION_ENDPOINT":
        return []  # used verbatim: nothing is appended
    problems: list[str] = []
    if "?" in target.endpoint:
        problems.append("the end_session_endpoint already has a query, and the app appends a second "
                        "'?id_token_hint=...', which the IdP reads as part of the last parameter")
    if target.redirect:
        broken = [why for char, why in QUERY_BREAKERS.items() if char in target.redirect]
        if broken:
            problems.append("WEBUI_AUTH_SIGNOUT_REDIRECT_URL is appended unencoded as "
                            "post_logout_redirect_uri, and in it " + "; ".join(broken))
    if not problems:
        return []
    return [finding(
        "logout.signout-url-malformed",
        "the sign-out URL Open WebUI builds is malformed: " + problems[0].split(",")[0],
        detail=(f"At sign-out the app sends the browser to {_shown_sent(target)} (built by string "
                "concatenation, not URL-encoded). " + "; ".join(problems) + ". The IdP then gets a "
                "truncated post_logout_redirect_uri (refused as not registered, or ignored) or a "
                "broken id_token_hint, and the user does not land where intended."),
        fix=("Use a WEBUI_AUTH_SIGNOUT_REDIRECT_URL without query or fragment (e.g. "
             "https://chat.example.com/auth), registered at the IdP as a post-logout redirect URI; "
             "for an endpoint that needs its own parameters, set OPENID_END_SESSION_ENDPOINT to the "
             "full logout URL instead."),
        evidence={"sign-out endpoint": mask_url(target.endpoint), "from": target.source,
                  "the app sends the browser to": _shown_sent(target),
                  **({"WEBUI_AUTH_SIGNOUT_REDIRECT_URL": mask_url(target.redirect)}
                     if target.redirect else {})},
        subject="WEBUI_AUTH_SIGNOUT_REDIRECT_URL" if target.redirect else target.subject,
        severity=Severity.WARNING)]


async def check_live(ctx: CheckContext) -> list[Finding]:
    """The sign-out redirect probed: the document each registered provider's sessions read at
    sign-out (through the run's cache, shared with the oidc area), then a GET of each
    end-session endpoint the browser will be sent to (`evaluate_end_session`), and the URL the app
    builds (`signout_url_findings`)."""
    import asyncio
    import json

    env = ctx.deployment.env
    if not configured_providers(env):
        return [skipped(AREA, "no OAuth provider is configured (password sign-out only)")]
    documents: dict[str, dict[str, Any] | None] = {}
    if not getenv(env, "OPENID_END_SESSION_ENDPOINT", ""):
        urls = [url for url in signout_metadata_urls(env) if _fetchable(url)]
        seen = await asyncio.gather(*(ctx.probes.http_get_async(url) for url in urls))
        for url, observation in zip(urls, seen, strict=True):
            document: Any = None
            if observation.failure is None and observation.status == 200 and not observation.body_truncated:
                try:
                    document = json.loads(observation.body)
                except (ValueError, RecursionError):
                    document = None
            documents[url] = document if isinstance(document, dict) else None
    targets = signout_targets(env, documents)
    if not targets:
        return []
    answers = await asyncio.gather(*(ctx.probes.http_get_async(t.endpoint) for t in targets))
    findings: list[Finding] = []
    for target, observation in zip(targets, answers, strict=True):
        findings += evaluate_end_session(observation, target)
        findings += signout_url_findings(target)
    from dataclasses import replace

    return [replace(f, location=env.location(f.subject)) if f.location is None else f for f in findings]


def _fetchable(url: str) -> bool:
    try:
        parse_absolute(url)
    except URLProblem:
        return False
    return True


CHECK = CheckSpec(area=AREA, title="Logout", settings=check_settings, live=check_live)
