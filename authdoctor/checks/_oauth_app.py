"""OAuth live, at the running app: the providers `/api/config` offers and the `redirect_uri` each
`/oauth/{provider}/login` really sends.

Probes (`app_findings`, when the public URL is known: deploy.yaml `public_url`, `--public-url`, else
`WEBUI_URL`), at `{app}` = `--url` (an internal address) else the public URL, through the run's
probe session, redirects never followed, nothing sent but a GET; the redirect URIs are judged
against the public URL either way:

- `GET {app}/api/config` once per run (the app and ldap areas read the same cached answer):
  0.12.4 lists every registered provider in `oauth.providers` (`{name: display name}`) without
  sign-in (openwebui-live-0.12.4 §3.1).
- `GET {app}/oauth/{provider}/login` for each provider the settings configure: 0.12.4
  `handle_login` answers 404 for a provider it did not register, else a redirect to the IdP whose
  `redirect_uri` is the pinned `*_REDIRECT_URI` or `request.url_for('oauth_login_callback')`, i.e.
  `{scheme}://{Host}{root_path}/oauth/{provider}/callback` from the request as uvicorn saw it.
  The request creates no account; the app only prepares an OAuth state in its session cookie,
  which authdoctor drops.

Failure modes named by `evaluate_app` (pure: observations in, findings out):

- `oauth.provider-not-registered`: a configured provider missing from `/api/config` or answered
  404 at its login route. The running app has other settings than the ones checked (an old
  container, another env file, the database copy with ENABLE_OAUTH_PERSISTENT_CONFIG), or it
  skipped the provider silently because a variable is empty where it runs.
- `oauth.proxy-headers-not-forwarded`: the app builds the callback itself (no pinned redirect URI
  in the settings) and its scheme differs from the public URL's: the proxy does not send
  X-Forwarded-Proto, or uvicorn does not trust the proxy's address (FORWARDED_ALLOW_IPS).
- `oauth.redirect-uri-host-mismatch` / `-scheme-mismatch` / `-path-invalid`: the redirect URI the
  app sends names another host or port than the public URL (a proxy that does not pass Host),
  another scheme while it is pinned, or a path that is not the app's callback under the public
  URL's path. When the app sends exactly the pinned value the settings half already judged it,
  so nothing is repeated here.
- Reached at `--url` (not the public URL), a callback the app built itself (none pinned) carries
  the scheme and host of authdoctor's own request, not what the proxy passes on for users: only
  its path is judged, and a skip note says so (`built_from_direct_request`).

An app that cannot be reached gives one skipped finding ("could not reach the app at URL"): the
`deploy.*` codes for the app itself are another area's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

from authdoctor.checks._urls import URLProblem, parse_absolute, same_host_and_port
from authdoctor.checks.base import CheckContext, finding, skipped
from authdoctor.findings import Finding
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import env_true
from authdoctor.openwebui.oauth import ProviderSettings, configured_providers

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation

AREA = "oauth"
CONFIG_PATH = "/api/config"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _absolute(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parse_absolute(url)
    except URLProblem:
        return None  # a malformed URL is the config area's finding
    return url.rstrip("/")


def app_url(ctx: CheckContext) -> str | None:
    """Where the app is reached: `--url` (an internal address), else the public URL (users' view,
    through their proxy, so the redirect URI it builds is the one users' browsers get)."""
    from authdoctor.checks.deploy import app_base

    return _absolute(app_base(ctx.deployment))


def public_url(ctx: CheckContext) -> str | None:
    """The public URL the redirect URIs are judged against (None: unknown or malformed)."""
    return _absolute(ctx.deployment.effective_public_url)


def config_url(base: str) -> str:
    return f"{base.rstrip('/')}{CONFIG_PATH}"


def login_url(base: str, provider: str) -> str:
    return f"{base.rstrip('/')}/oauth/{provider}/login"


@dataclass(frozen=True)
class AppObservations:
    """What the app answered: `/api/config` and each configured provider's login route."""

    base_url: str
    config: HttpObservation
    logins: Mapping[str, HttpObservation]


async def app_findings(ctx: CheckContext) -> list[Finding] | None:
    """Findings from the running app's OAuth routes; None when nothing was probed (no public
    URL, or ENABLE_OAUTH off in the settings: then the app offers no provider on purpose)."""
    env = ctx.deployment.env
    base, public = app_url(ctx), public_url(ctx)
    providers = configured_providers(env)
    if base is None or public is None or not providers or not env_true(env, "ENABLE_OAUTH", "True"):
        return None
    config, *logins = await asyncio.gather(
        ctx.probes.http_get_async(config_url(base)),
        *(ctx.probes.http_get_async(login_url(base, name)) for name in providers))
    observed = AppObservations(base_url=base, config=config, logins=dict(zip(providers, logins, strict=True)))
    return evaluate_app(observed, providers=providers, public_url=public)


# --------------------------------------------------------------------------- evaluation


def listed_providers(config: HttpObservation) -> dict[str, str] | None:
    """`oauth.providers` of an Open WebUI `/api/config` answer, or None when the answer is not one
    (not 200, not JSON, no `oauth.providers` object)."""
    if not config.answered or config.status != 200:
        return None
    try:
        data = json.loads(config.body)
    except (ValueError, RecursionError):
        return None
    oauth = data.get("oauth") if isinstance(data, dict) else None
    listed = oauth.get("providers") if isinstance(oauth, dict) else None
    if not isinstance(listed, dict):
        return None
    return {str(k): str(v) for k, v in listed.items()}


def sent_redirect_uri(login: HttpObservation) -> str | None:
    """The `redirect_uri` query parameter of the login route's redirect, or None."""
    if not login.answered or login.status not in REDIRECTS:
        return None
    location = login.headers.get("location", "")
    if not location:
        return None
    values = parse_qs(urlsplit(urljoin(login.url, location)).query).get("redirect_uri")
    return values[0] if values else None


def evaluate_app(observed: AppObservations, *, providers: Mapping[str, ProviderSettings],
                 public_url: str) -> list[Finding]:
    """Every finding from the app's answers (see the module docstring)."""
    shown_base = mask_url(observed.base_url)
    reached = [o for o in (observed.config, *observed.logins.values()) if o.answered]
    if not reached:
        failure = observed.config.failure
        why = f": {failure.summary}" if failure is not None else ""
        return [skipped(AREA, f"could not reach the app at {shown_base}{why}; its login redirect "
                              "and provider list were not checked")]
    listed = listed_providers(observed.config)
    direct_url = None if observed.base_url.rstrip("/") == public_url.rstrip("/") else observed.base_url
    findings: list[Finding] = []
    unjudged: list[str] = []
    for name, provider in providers.items():
        login = observed.logins.get(name)
        not_listed = listed is not None and name not in listed
        login_404 = login is not None and login.answered and login.status == 404
        if not_listed or login_404:
            findings.append(_not_registered(provider, shown_base, listed, not_listed, login_404))
            continue
        if login is not None:
            if direct_url is not None and built_from_direct_request(provider, login, direct_url):
                unjudged.append(name)
            findings.extend(redirect_findings(provider, login, public_url, reached=direct_url))
    if unjudged:
        findings.append(skipped(AREA, (
            f"the scheme and host of the callback the app builds ({', '.join(unjudged)}) were not "
            f"judged: authdoctor reached the app at {shown_base} (--url), not through the proxy, so "
            "the app built them from that request; run without --url to see what users' browsers get")))
    return findings


def built_from_direct_request(provider: ProviderSettings, login: HttpObservation, reached: str) -> bool:
    """True when the app built the redirect URI itself (none pinned) from authdoctor's own request
    to `reached` (`--url`): it then carries that address's scheme and host, which say nothing about
    what the proxy passes on for users."""
    sent = sent_redirect_uri(login)
    if sent is None or provider.redirect_uri:
        return False
    try:
        uri, at = parse_absolute(sent), parse_absolute(reached)
    except URLProblem:
        return False
    return uri.scheme == at.scheme and same_host_and_port(uri, at)


def _not_registered(provider: ProviderSettings, shown_base: str, listed: Mapping[str, str] | None,
                    not_listed: bool, login_404: bool) -> Finding:
    name = provider.name
    seen = []
    if not_listed:
        seen.append(f"{CONFIG_PATH} lists " + (", ".join(sorted(listed or {})) or "no OAuth provider"))
    if login_404:
        seen.append(f"/oauth/{name}/login answers 404")
    evidence: dict[str, str] = {"provider": name, "app": shown_base}
    if listed is not None:
        evidence["providers the app offers"] = ", ".join(sorted(listed)) or "(none)"
    if login_404:
        evidence[f"GET /oauth/{name}/login"] = "404"
    return finding(
        "oauth.provider-not-registered",
        f"the running app does not offer the {name} provider the settings configure",
        detail=("The checked settings configure it, but " + " and ".join(seen) + ". Either the "
                "running app was started with other settings than the ones checked (an old "
                "container, another env file, or with ENABLE_OAUTH_PERSISTENT_CONFIG=true the "
                "database copy of the oauth.* settings), or it skipped the provider without a log "
                "line because one of its variables is empty where it runs. Users see no button "
                f"for {provider.display_name} on the sign-in page."),
        fix=("Compare the running container's environment with the checked settings (docker "
             "inspect / kubectl describe pod), set the provider's variables there "
             f"({provider.spec.client_id_var}, …) and restart Open WebUI."),
        evidence=evidence, subject=name,
    )


def redirect_findings(provider: ProviderSettings, login: HttpObservation,
                      public_url: str, *, reached: str | None = None) -> list[Finding]:
    """Compare the redirect URI the app sent for one provider with the public URL. `reached`:
    the `--url` the app was reached at when it is not the public URL; a callback the app built
    from that request is then judged by its path only (`built_from_direct_request`)."""
    sent = sent_redirect_uri(login)
    if sent is None:
        return []
    direct = reached is not None and built_from_direct_request(provider, login, reached)
    name = provider.name
    pinned = provider.redirect_uri
    if pinned and sent == pinned:
        return []  # the settings half judged the pinned value already
    public = parse_absolute(public_url)
    expected = f"{public.origin}{public.path.rstrip('/')}/oauth/{name}/callback"
    shown = mask_url(sent)
    evidence = {"provider": name, "redirect_uri the app sends": shown, "expected": expected,
                "public URL": mask_url(public_url)}
    var = provider.redirect_uri_var
    from_request = not pinned
    if pinned:
        evidence[f"{var} in the checked settings"] = mask_url(pinned)
    try:
        uri = parse_absolute(sent)
    except URLProblem as problem:
        return [finding(
            "oauth.redirect-uri-path-invalid",
            f"{name}: the app sends a redirect URI that is not an absolute URL",
            detail=f"redirect_uri={shown!r}: {problem}; the IdP rejects it (RFC 6749 §3.1.2).",
            fix=f"Set {var}={expected} and register exactly that URI at the IdP.",
            evidence=evidence, subject=name)]
    other_app = ("" if from_request else
                 f" The checked settings pin {var}={mask_url(pinned)}, but the running app sends "
                 "another value: it runs with other settings than the ones checked.")
    findings: list[Finding] = []
    if uri.scheme != public.scheme and not direct:
        if from_request:
            findings.append(finding(
                "oauth.proxy-headers-not-forwarded",
                f"{name}: the app sends the IdP a {uri.scheme}:// callback while the site is "
                f"{public.scheme}://",
                detail=(f"GET /oauth/{name}/login at {mask_url(public_url)} redirects to the IdP with "
                        f"redirect_uri={shown}. {var} is not set, so Open WebUI builds it from the "
                        "request with request.url_for; its scheme is the one uvicorn saw, which is "
                        "the proxy's X-Forwarded-Proto only when the proxy sends it and connects "
                        "from an address in FORWARDED_ALLOW_IPS. Here it was not applied, so the IdP "
                        "rejects the redirect URI (only the https one is registered) or sends "
                        "users back to a URL where their state cookie does not exist."),
                fix=(f"Make the proxy send X-Forwarded-Proto (nginx: proxy_set_header "
                     "X-Forwarded-Proto $scheme) and let uvicorn trust it (FORWARDED_ALLOW_IPS = the "
                     f"proxy's address or network), or pin {var}={expected} and register exactly "
                     "that URI at the IdP."),
                evidence=evidence, subject=name))
        else:
            findings.append(finding(
                "oauth.redirect-uri-scheme-mismatch",
                f"{name}: the app sends a {uri.scheme}:// redirect URI while the site is {public.scheme}://",
                detail=(f"GET /oauth/{name}/login redirects to the IdP with redirect_uri={shown}."
                        + other_app),
                fix=f"Set {var}={expected} where the app runs and register exactly that URI at the IdP.",
                evidence=evidence, subject=name))
    if not same_host_and_port(uri, public) and not direct:
        cause = (" The app builds it from the request's Host header: the proxy does not pass the "
                 "public host on (nginx: proxy_set_header Host $host), or authdoctor reached the "
                 "app directly." if from_request else other_app)
        findings.append(finding(
            "oauth.redirect-uri-host-mismatch",
            f"{name}: the app sends a callback on {uri.origin}, not the public site {public.origin}",
            detail=(f"GET /oauth/{name}/login redirects to the IdP with redirect_uri={shown}." + cause
                    + " Open WebUI keeps the OAuth state in a host-only cookie, so a callback on "
                    "another host or port fails, or the IdP refuses the unregistered URI."),
            fix=(f"Make the proxy forward the public Host header, or pin {var}={expected}; register "
                 "exactly that URI at the IdP." if from_request else
                 f"Set {var}={expected} where the app runs and register exactly that URI at the IdP."),
            evidence=evidence, subject=name))
    prefix = public.path.rstrip("/")
    if not findings and uri.path not in {f"{prefix}{p}" for p in provider.callback_paths()}:
        findings.append(finding(
            "oauth.redirect-uri-path-invalid",
            f"{name}: the app sends a callback path {uri.path or '/'!r}, not {prefix}/oauth/{name}/callback",
            detail=(f"GET /oauth/{name}/login redirects to the IdP with redirect_uri={shown}."
                    + (" The app builds the path from its own root: with the public URL under the "
                       f"path {prefix!r}, the proxy strips that prefix and the app does not know it "
                       "(uvicorn --root-path), so the IdP sends users to a path the site does not "
                       "serve." if from_request and prefix else other_app)),
            fix=f"Pin {var}={expected} and register exactly that URI at the IdP.",
            evidence=evidence, subject=name))
    return findings

