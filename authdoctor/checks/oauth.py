"""OAuth client settings: provider registration, redirect URIs, scopes, PKCE, domains, roles.

Failure modes named here (all from the settings alone, so they run in `--offline` too):

- `oauth.provider-incomplete`: some of a provider's variables are set but not all the app needs;
  `load_oauth_providers()` then skips it without a log line (`/oauth/{p}/login` answers 404, the
  provider is missing from `/api/config`).
- `oauth.pkce-method-unsupported`: `OAUTH_CODE_CHALLENGE_METHOD` other than exactly `S256`;
  `oauth_client_kwargs()` raises when a provider registers, so the app does not start.
- `oauth.redirect-uri-scheme-mismatch`, `-host-mismatch`, `-path-invalid`, `-trailing-slash`:
  a pinned `*_REDIRECT_URI` compared with the callback the app serves at the public URL
  (`/oauth/{provider}/callback`, also `/oauth/{provider}/login/callback`). IdPs compare redirect
  URIs by exact string (RFC 9700 §2.1, rule O1; absolute, no fragment: RFC 6749 §3.1.2), and the
  OAuth `state` lives in a host-only session cookie, so the callback must come back to the same
  scheme, host and port the login started on.
- `oauth.redirect-uri-depends-on-proxy`: no pinned redirect URI on an https deployment; the app
  builds the callback from the incoming request (`request.url_for`), so it is only https when the
  proxy sends `X-Forwarded-Proto` and uvicorn trusts it.
- `config.webui-url-missing`: `WEBUI_URL` unset or loopback while OAuth is on; after the callback
  the app redirects to `{WEBUI_URL or request.base_url}/auth`.
- `oauth.scope-missing`: `openid`/`email` (GitHub: `user:email`) absent from the scope the app
  sends, so there is no ID token / no email and sign-in fails.
- `oauth.allowed-domains-case`, `oauth.allowed-domains-never-match`: `OAUTH_ALLOWED_DOMAINS`
  entries compared by exact string with the lower-cased email domain.
- `oauth.role-mapping-incomplete`: role management on with an empty roles claim, allowed roles or
  admin roles (0.12.4 `get_user_role`).
- `oauth.signup-disabled` (info), `oauth.merge-accounts-by-email` (warning).

Source of every rule: Open WebUI 0.12.4 `config.py` (variables, `load_oauth_providers`),
`utils/oauth.py` (`handle_login`, `handle_callback`, `get_user_role`), `main.py` (routes).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable

from authdoctor.checks._urls import (
    ParsedURL,
    URLProblem,
    is_loopback_host,
    parse_absolute,
    same_host_and_port,
)
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import env_true, getenv
from authdoctor.openwebui.names import describe_line, misnamed_as
from authdoctor.openwebui.oauth import (
    PKCE_SUPPORTED,
    PKCE_VAR,
    PROVIDERS_BY_NAME,
    ProviderSettings,
    configured_providers,
    partially_configured_providers,
)
from authdoctor.settings.model import Deployment, EnvSource, EnvVar

AREA = "oauth"

_HOW_SKIPPED = ("Open WebUI registers a provider only when all of its variables are non-empty; "
                "otherwise it skips it without any log line: /oauth/{p}/login answers 404 and the "
                "login page has no button for it (it is missing from /api/config).")


# --------------------------------------------------------------------------- registration


def incomplete_provider_findings(env: EnvSource) -> list[Finding]:
    """`oauth.provider-incomplete` for every provider the app will silently skip."""
    findings = []
    for name, partial in partially_configured_providers(env).items():
        spec = partial.spec
        set_vars = [v for v in (spec.client_id_var, spec.client_secret_var, *spec.required)
                    if getenv(env, v)]
        missing = ", ".join(partial.missing)
        misnamed = _misnamed(env, partial.missing)
        meant = "".join(f" {target} is missing; {describe_line(var)} looks like it was meant to "
                        "be it." for target, var in misnamed)
        renames = "; ".join(f"rename {var.name} to {target}" for target, var in misnamed)
        findings.append(finding(
            "oauth.provider-incomplete",
            f"the {spec.label} OAuth provider is not registered: {missing} missing",
            detail=(_HOW_SKIPPED.replace("{p}", name)
                    + f" Set: {', '.join(dict.fromkeys(set_vars))}; still needed: {missing}." + meant),
            fix=(f"{renames[0].upper()}{renames[1:]} and restart Open WebUI." if renames and
                 len(misnamed) == len(partial.missing) else
                 (f"{renames[0].upper()}{renames[1:]}; " if renames else "")
                 + f"Set {missing} (non-empty) and restart Open WebUI, or remove the {spec.label} "
                 "variables if you do not use this provider."),
            evidence={"provider": name, "missing": missing,
                      "set": ", ".join(dict.fromkeys(set_vars)),
                      **{f"meant as {target}": var.name for target, var in misnamed}},
            subject=name,
            location=env.location(set_vars[0]) if set_vars else None,
        ))
    return findings


def _misnamed(env: EnvSource, missing: Iterable[str]) -> list[tuple[str, EnvVar]]:
    """(missing variable, unknown variable that looks meant to be it) for each missing one that
    has such a stand-in (`authdoctor.openwebui.names`: a near miss or another product's name)."""
    found: list[tuple[str, EnvVar]] = []
    for entry in missing:
        for target in entry.split(" or "):
            var = misnamed_as(env, target)
            if var is not None:
                found.append((target, var))
                break
    return found


def pkce_findings(env: EnvSource) -> list[Finding]:
    """`oauth.pkce-method-unsupported`: only `S256` (exact, case-sensitive) is accepted; any other
    non-empty value makes `oauth_client_kwargs()` raise while google/microsoft/github/oidc
    register at import, so the app does not start. Feishu alone does not call it."""
    method = getenv(env, PKCE_VAR)
    if not method or method == PKCE_SUPPORTED:
        return []
    registering = [n for n in configured_providers(env) if PROVIDERS_BY_NAME[n].uses_client_kwargs]
    consequence = (
        f"Open WebUI does not start: registering {', '.join(registering)} raises "
        f"'Code challenge methods other than \"S256\" not supported. Given: \"{method}\"'."
        if registering else
        "No provider that uses it is registered right now, but Open WebUI will refuse to start "
        "as soon as Google, Microsoft, GitHub or the OIDC provider is configured."
    )
    return [finding(
        "oauth.pkce-method-unsupported",
        f"{PKCE_VAR}={method!r} is not supported (only S256)",
        detail=consequence + " The value is compared exactly: 's256' or 'plain' are refused too.",
        fix=f"Set {PKCE_VAR}=S256, or remove it to use no PKCE (the OIDC provider then needs "
            "OAUTH_CLIENT_SECRET).",
        evidence={PKCE_VAR: method},
        subject=PKCE_VAR,
        location=env.location(PKCE_VAR),
        severity=None if registering else Severity.WARNING,
    )]


# --------------------------------------------------------------------------- redirect URIs


def _expected(public: ParsedURL, provider: str) -> str:
    return f"{public.origin}{public.path.rstrip('/')}/oauth/{provider}/callback"


_PROXY_IMAGES = ("nginx", "traefik", "caddy", "haproxy", "envoy", "httpd", "apache", "swag",
                 "oauth2-proxy", "pomerium", "cloudflared", "nginx-proxy-manager")


def loopback_only_forwarding(env: EnvSource) -> str | None:
    """`FORWARDED_ALLOW_IPS` when it trusts no address but loopback, else None.

    `open-webui serve` (0.12.4 `__init__.py`) passes `os.getenv('FORWARDED_ALLOW_IPS', '*')` to
    uvicorn 0.54, whose ProxyHeadersMiddleware applies X-Forwarded-Proto/For only for a client
    address in that comma-separated list (IP addresses, CIDR networks; '*' alone trusts all;
    anything else is a literal that matches no TCP peer). Unset means '*': not narrowed."""
    value = env.get("FORWARDED_ALLOW_IPS")
    if value is None or value.strip() == "*":
        return None
    for entry in (item.strip() for item in value.split(",")):
        if entry == "*":
            return None
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue  # a literal such as 'localhost': matches no TCP client address
        if not network.is_loopback:
            return None
    return value


def remote_proxy_reason(env: EnvSource) -> str | None:
    """Why the proxy in front of the app clearly connects from a non-loopback address, or None:
    the app runs as a compose service on its own network (not `network_mode: host` or another
    container's namespace), so even a proxy on the same host reaches it through the bridge, and
    a proxy service beside it is another container."""
    compose = env.compose
    if compose is None:
        return None
    mode = compose.network_mode or ""
    if mode == "host" or mode.startswith(("service:", "container:")):
        return None
    proxies = [name for name, image in compose.neighbours
               if any(hint in image.lower() or hint in name.lower() for hint in _PROXY_IMAGES)]
    if proxies:
        return (f"the proxy is the compose service '{proxies[0]}', another container beside "
                f"'{compose.name}'")
    return (f"the app runs in the compose service '{compose.name}' on a bridge network, so any "
            "proxy (another container or the host) connects through it")


def redirect_uri_findings(provider: ProviderSettings, public_url: str | None,
                          env: EnvSource) -> list[Finding]:
    """Compare the pinned redirect URI of one registered provider with the public URL, or warn
    that an unpinned one depends on the proxy's forwarded headers."""
    var = provider.redirect_uri_var
    name = provider.name
    public: ParsedURL | None = None
    if public_url:
        try:
            public = parse_absolute(public_url)
        except URLProblem:
            public = None  # the public URL itself is config/deploy's finding, not ours
    pinned = provider.redirect_uri
    location = env.location(var)

    if not pinned:
        if public is not None and public.scheme == "https":
            remote = remote_proxy_reason(env)
            narrowed = loopback_only_forwarding(env)
            if narrowed is not None and remote is not None:
                callback = _expected(public, name)
                return [finding(
                    "oauth.proxy-headers-not-forwarded",
                    f"{name}: the app builds an http:// callback URL (FORWARDED_ALLOW_IPS trusts "
                    "loopback only)",
                    detail=(f"{var} is not set, so Open WebUI sends the IdP "
                            "request.url_for('oauth_login_callback'), whose scheme uvicorn takes "
                            "from X-Forwarded-Proto only when the connection comes from an address "
                            f"in FORWARDED_ALLOW_IPS. Here FORWARDED_ALLOW_IPS={narrowed!r} trusts "
                            f"loopback only, but {remote}: its connections come from another "
                            "address, so uvicorn ignores X-Forwarded-Proto, the request stays "
                            f"http, and the IdP receives redirect_uri=http://…/oauth/{name}/callback "
                            f"while the site is {public.origin}. The IdP rejects it (redirect_uri "
                            "mismatch), or the callback lands where the state cookie is missing."),
                    fix=(f"Pin the callback: {var}={callback} (and register exactly that URI at "
                         "the IdP); or set FORWARDED_ALLOW_IPS to the proxy's address or network "
                         "(e.g. the compose network's subnet), or remove it ('*', the default of "
                         "open-webui serve, is safe only when nothing but the proxy reaches the "
                         "app)."),
                    evidence={"provider": name, "FORWARDED_ALLOW_IPS": narrowed, "proxy": remote,
                              "expected": callback, var: "<unset>"},
                    subject=name, location=env.location("FORWARDED_ALLOW_IPS"),
                )]
            return [finding(
                "oauth.redirect-uri-depends-on-proxy",
                f"{name}: the callback URL is built from each request, not pinned",
                detail=(f"{var} is not set, so Open WebUI sends the IdP "
                        f"request.url_for('oauth_login_callback'): scheme and host come from the "
                        "request it receives. Behind a TLS-terminating proxy that is http://… "
                        "unless the proxy sends X-Forwarded-Proto and Host (open-webui serve "
                        "trusts them from any address unless FORWARDED_ALLOW_IPS narrows it), and "
                        "the IdP then rejects the redirect_uri."
                        + (f" FORWARDED_ALLOW_IPS={narrowed!r} trusts loopback only: this works "
                           "only if the proxy runs on this machine and connects over loopback."
                           if narrowed is not None else "")),
                fix=f"Set {var}={_expected(public, name)} (and register exactly that URI at the "
                    "IdP), or make sure the proxy forwards X-Forwarded-Proto and Host.",
                evidence={"provider": name, "expected": _expected(public, name), var: "<unset>"},
                subject=name,
            )]
        return []

    shown = mask_url(pinned)
    try:
        uri = parse_absolute(pinned)
    except URLProblem as problem:
        return [finding(
            "oauth.redirect-uri-path-invalid",
            f"{name}: {var} is not a usable redirect URI",
            detail=(f"{var}={shown!r}: {problem}. Open WebUI sends it to the IdP verbatim as "
                    "redirect_uri; a redirect URI must be an absolute URL (RFC 6749 §3.1.2), so "
                    "the IdP rejects the sign-in."),
            fix=(f"Set {var}={_expected(public, name)}" if public is not None else
                 f"Set {var} to https://<your public host>/oauth/{name}/callback"),
            evidence={"provider": name, var: shown},
            subject=name, location=location,
        )]

    findings: list[Finding] = []
    expected = _expected(public, name) if public is not None else None
    evidence = {"provider": name, var: shown, **({"expected": expected} if expected else {})}

    if public is not None:
        if uri.scheme != public.scheme:
            findings.append(finding(
                "oauth.redirect-uri-scheme-mismatch",
                f"{name}: {var} uses {uri.scheme}:// but the site is {public.scheme}://",
                detail=(f"The IdP sends the browser back to {shown}, while users sign in at "
                        f"{public.origin}. The OAuth state is kept in the host-only session cookie "
                        "of the site the login started on, and IdPs compare redirect URIs by exact "
                        "string (RFC 9700 §2.1), so the redirect is refused or the callback fails "
                        "with a state mismatch ('Sign-in with your identity provider failed')."),
                fix=f"Set {var}={expected} and register exactly that URI at the IdP.",
                evidence=evidence, subject=name, location=location,
            ))
        if not same_host_and_port(uri, public):
            findings.append(finding(
                "oauth.redirect-uri-host-mismatch",
                f"{name}: {var} points at {uri.origin}, not the public site {public.origin}",
                detail=("The callback must come back to the host and port the login started on: "
                        "Open WebUI keeps the OAuth state in a host-only session cookie (no Domain "
                        "attribute), so a callback on another host or port has no state and fails "
                        "('Sign-in with your identity provider failed'), or the IdP refuses an "
                        "unregistered redirect URI."),
                fix=f"Set {var}={expected} and register exactly that URI at the IdP.",
                evidence=evidence, subject=name, location=location,
            ))

    prefix = public.path.rstrip("/") if public is not None else None
    accepted = [f"{prefix}{p}" if prefix is not None else p for p in provider.callback_paths()]

    def path_ok(path: str) -> bool:
        if prefix is None:
            return any(path.endswith(p) for p in accepted)
        return path in accepted

    if uri.fragment:
        findings.append(finding(
            "oauth.redirect-uri-path-invalid",
            f"{name}: {var} carries a #fragment",
            detail=(f"{var}={shown!r}: a redirect URI must not contain a fragment "
                    "(RFC 6749 §3.1.2); IdPs reject it."),
            fix="Remove the #… part" + (f": {var}={expected}" if expected else "."),
            evidence=evidence, subject=name, location=location,
        ))
    elif path_ok(uri.path):
        pass
    elif uri.path.endswith("/") and path_ok(uri.path.rstrip("/")):
        findings.append(finding(
            "oauth.redirect-uri-trailing-slash",
            f"{name}: {var} ends with a slash the app's callback route does not have",
            detail=(f"{var}={shown!r}. Open WebUI serves the callback at "
                    f"{' and '.join(accepted)} only; with the trailing slash the IdP sends the "
                    "browser to a path the frontend catch-all answers instead, so the code is "
                    "never exchanged and sign-in never completes."),
            fix=(f"Set {var}={expected}" if expected else f"Remove the trailing slash from {var}")
                + " and register the same URI (without the slash) at the IdP.",
            evidence=evidence, subject=name, location=location,
        ))
    else:
        findings.append(finding(
            "oauth.redirect-uri-path-invalid",
            f"{name}: {var} path {uri.path or '/'!r} is not the app's callback route",
            detail=(f"Open WebUI serves the {name} callback at {' and '.join(accepted)}; "
                    f"{var}={shown!r} sends the browser elsewhere, so the authorization code never "
                    "reaches the app (a provider name other than the registered one answers 404)."),
            fix=(f"Set {var}={expected}" if expected else
                 f"Set {var} to https://<your public host>/oauth/{name}/callback")
                + " and register the same URI at the IdP.",
            evidence=evidence, subject=name, location=location,
        ))
    return findings


def webui_url_findings(env: EnvSource, deployment: Deployment,
                       providers: Iterable[str]) -> list[Finding]:
    """`config.webui-url-missing`: after the callback Open WebUI redirects to
    `{WEBUI_URL or request.base_url}/auth`. Unset or empty sends users to whatever host the
    request arrived with; a loopback WEBUI_URL is reported only when another setting shows users
    sign in elsewhere (a local https://localhost instance is a deliberate choice, not a gap)."""
    names = ", ".join(providers)
    value = getenv(env, "WEBUI_URL", "")
    if not value.strip():
        return [finding(
            "config.webui-url-missing",
            "WEBUI_URL is not set while OAuth sign-in is configured",
            detail=(f"OAuth providers: {names}. After the IdP callback Open WebUI redirects to "
                    "{WEBUI_URL or request.base_url}/auth; without WEBUI_URL that is whatever host "
                    "and scheme the request arrived with (http://… or an internal name behind a "
                    "proxy that does not forward them), so users can land on a URL where their "
                    "cookies do not exist."),
            fix="Set WEBUI_URL to the public URL users open, e.g. WEBUI_URL=https://chat.example.com "
                "(after the first start the database copy wins: change it in Admin > Settings > "
                "General too).",
            evidence={"WEBUI_URL": "<unset>" if env.get("WEBUI_URL") is None else "<empty>",
                      "providers": names},
            subject="WEBUI_URL",
            location=env.location("WEBUI_URL"),
        )]
    try:
        host = parse_absolute(value).host
    except URLProblem:
        return []  # a malformed WEBUI_URL is the general config check's finding
    if not is_loopback_host(host):
        return []
    # A loopback WEBUI_URL is what a local or test instance wants (http or https alike); it is
    # only wrong when the settings show that users sign in at another host: deploy.yaml's
    # public_url, or a pinned redirect URI on a non-loopback host.
    elsewhere: tuple[str, str] | None = None
    candidates = [("public_url (deploy.yaml)", deployment.public_url or "")]
    candidates += [(provider.redirect_uri_var, provider.redirect_uri)
                   for provider in configured_providers(env).values()]
    for origin, url in candidates:
        if not url:
            continue
        try:
            other = parse_absolute(url)
        except URLProblem:
            continue
        if not is_loopback_host(other.host):
            elsewhere = (origin, other.origin)
            break
    if elsewhere is None:
        return []
    return [finding(
        "config.webui-url-missing",
        f"WEBUI_URL points at this machine ({host}) but users sign in at {elsewhere[1]}",
        detail=(f"OAuth providers: {names}. {elsewhere[0]} shows the public site is "
                f"{elsewhere[1]}, but after the IdP callback Open WebUI redirects the browser to "
                f"{mask_url(value.rstrip('/'))}/auth, which on any other computer is the user's "
                "own machine: sign-in appears to fail."),
        fix=f"Set WEBUI_URL={elsewhere[1]} (and in Admin > Settings > General, which wins after "
            "the first start).",
        evidence={"WEBUI_URL": mask_url(value), "public site": elsewhere[1], "from": elsewhere[0],
                  "providers": names},
        subject="WEBUI_URL",
        location=env.location("WEBUI_URL"),
    )]


# --------------------------------------------------------------------------- scopes


def scope_findings(provider: ProviderSettings, env: EnvSource) -> list[Finding]:
    """`oauth.scope-missing`: google/microsoft/oidc need `openid` (no ID token otherwise; the app
    then calls the userinfo endpoint, which OIDC providers serve only to openid-scoped tokens) and
    `email` while the email claim is `email` and the email fallback is off; GitHub needs
    `user:email` (or `user`) to read a private primary address from /user/emails."""
    name = provider.name
    scope = provider.scope
    tokens = scope.split()
    missing: list[str] = []
    why: list[str] = []
    if name in ("google", "microsoft", "oidc"):
        if "openid" not in tokens:
            missing.append("openid")
            why.append("without 'openid' the IdP issues no ID token, so Open WebUI has no "
                       "verified identity and falls back to the userinfo endpoint, which OpenID "
                       "providers refuse for non-openid tokens")
        email_claim = getenv(env, "OAUTH_EMAIL_CLAIM", "email")
        if ("email" not in tokens and email_claim == "email"
                and not env_true(env, "ENABLE_OAUTH_EMAIL_FALLBACK", "False")):
            missing.append("email")
            why.append("without 'email' the token has no email claim and every sign-in ends in "
                       "'Sign-in with your identity provider failed'")
    elif name == "github" and not ({"user:email", "user"} & set(tokens)):
        missing.append("user:email")
        why.append("users whose GitHub email is private have no email in /user; Open WebUI then "
                   "calls /user/emails, which needs the 'user:email' scope, and the sign-in fails")
    if not missing:
        return []
    comma = ("," in scope and len(tokens) <= 1)
    var = provider.scope_var
    suggested = " ".join(dict.fromkeys([*[t for s in tokens for t in s.split(",") if t], *missing]))
    return [finding(
        "oauth.scope-missing",
        f"{name}: scope {', '.join(missing)} missing from {var}",
        detail=(f"{var}={scope!r}: " + "; ".join(why) + "."
                + (" Scopes are separated by spaces, not commas." if comma else "")),
        fix=f"Set {var}=\"{suggested}\".",
        evidence={"provider": name, var: scope, "missing": ", ".join(missing)},
        subject=name,
        location=env.location(var),
    )]


# --------------------------------------------------------------------------- domains, roles


def allowed_domains_findings(env: EnvSource) -> list[Finding]:
    """`OAUTH_ALLOWED_DOMAINS` is split on ',' and stripped, not lower-cased; the callback rejects
    an email whose lower-cased domain is not an entry (unless an entry is exactly '*')."""
    raw = getenv(env, "OAUTH_ALLOWED_DOMAINS", "*")
    entries = [d.strip() for d in raw.split(",")]
    if "*" in entries:
        return []
    location = env.location("OAUTH_ALLOWED_DOMAINS")
    findings: list[Finding] = []
    upper = [d for d in entries if d != d.lower()]
    bad = [d for d in entries if d and d == d.lower() and (
        d.startswith(("@", ".")) or "*" in d or "/" in d or ":" in d or " " in d)]
    usable = [d for d in entries if d and d not in bad and d not in upper]
    everyone = not usable  # no entry can ever match: every OAuth sign-in is refused
    refused = "'Sign-in with your identity provider failed'"
    if upper:
        findings.append(finding(
            "oauth.allowed-domains-case",
            f"OAUTH_ALLOWED_DOMAINS entries with upper case never match: {', '.join(upper)}",
            detail=("Open WebUI lower-cases the user's email before comparing its domain with each "
                    "entry by exact string, but keeps the entries as written, so these never match "
                    f"and those users get {refused}."
                    + (" No other entry can match: every OAuth sign-in is refused." if everyone
                       else "")),
            fix=f"OAUTH_ALLOWED_DOMAINS={','.join(d.lower() for d in entries if d)}",
            evidence={"OAUTH_ALLOWED_DOMAINS": raw, "never match": ", ".join(upper)},
            subject="OAUTH_ALLOWED_DOMAINS", location=location,
            severity=Severity.ERROR if everyone else None,
        ))
    if bad or (everyone and not upper):
        shown = ", ".join(bad) if bad else "(empty)"
        findings.append(finding(
            "oauth.allowed-domains-never-match",
            ("OAUTH_ALLOWED_DOMAINS allows no domain at all: every OAuth sign-in is refused"
             if everyone else f"OAUTH_ALLOWED_DOMAINS entries that can never match: {shown}"),
            detail=("The email domain (the part after the last '@', lower-cased) must equal an "
                    "entry exactly: there is no '@' prefix, no leading dot, no URL and no "
                    f"wildcard other than a lone '*'. Refused users see {refused}."),
            fix=("List bare domains, e.g. OAUTH_ALLOWED_DOMAINS=example.com,example.org, or '*' "
                 "for any domain."),
            evidence={"OAUTH_ALLOWED_DOMAINS": raw, "never match": shown},
            subject="OAUTH_ALLOWED_DOMAINS", location=location,
            severity=Severity.ERROR if everyone else None,
        ))
    return findings


def _role_list(env: EnvSource, name: str, default: str, sep: str) -> list[str]:
    # config.py: [role.strip() for role in os.getenv(NAME, default).split(SEP) if role]
    return [role.strip() for role in getenv(env, name, default).split(sep) if role]


def role_mapping_findings(env: EnvSource) -> list[Finding]:
    """`oauth.role-mapping-incomplete` with the 0.12.4 `get_user_role` consequences."""
    if not env_true(env, "ENABLE_OAUTH_ROLE_MANAGEMENT", "False"):
        return []
    sep = getenv(env, "OAUTH_ROLES_SEPARATOR", ",")
    if sep == "":
        return [finding(
            "config.invalid-value",
            "OAUTH_ROLES_SEPARATOR is empty: Open WebUI does not start",
            detail=("config.py splits OAUTH_ALLOWED_ROLES and OAUTH_ADMIN_ROLES on this separator "
                    "at import; str.split('') raises ValueError('empty separator')."),
            fix="Remove OAUTH_ROLES_SEPARATOR (default ',') or set it to one character.",
            evidence={"OAUTH_ROLES_SEPARATOR": "<empty>"}, subject="OAUTH_ROLES_SEPARATOR",
            location=env.location("OAUTH_ROLES_SEPARATOR"), severity=Severity.ERROR,
        )]
    claim = getenv(env, "OAUTH_ROLES_CLAIM", "roles")
    allowed = _role_list(env, "OAUTH_ALLOWED_ROLES", f"user{sep}admin", sep)
    admin = _role_list(env, "OAUTH_ADMIN_ROLES", "admin", sep)
    evidence = {"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ROLES_CLAIM": claim or "<empty>",
                "OAUTH_ALLOWED_ROLES": ",".join(allowed) or "<empty>",
                "OAUTH_ADMIN_ROLES": ",".join(admin) or "<empty>"}
    if not claim.strip():
        return [finding(
            "oauth.role-mapping-incomplete",
            "OAuth role management is on but OAUTH_ROLES_CLAIM is empty: roles are never read",
            detail=("With an empty claim name Open WebUI reads no roles: new users get "
                    "DEFAULT_USER_ROLE and existing users keep their role, whatever the IdP says."),
            fix="Set OAUTH_ROLES_CLAIM to the claim that carries roles (default 'roles'; dotted "
                "paths such as realm_access.roles work).",
            evidence=evidence, subject="OAUTH_ROLES_CLAIM",
            location=env.location("OAUTH_ROLES_CLAIM"),
        )]
    if not allowed and not admin:
        what = ("OAUTH_ALLOWED_ROLES and OAUTH_ADMIN_ROLES are both empty",
                "every user whose token carries any role is refused (403 'You do not have "
                "permission…'); users without roles get DEFAULT_USER_ROLE")
        subject = "OAUTH_ALLOWED_ROLES"
    elif not allowed:
        what = ("OAUTH_ALLOWED_ROLES is empty",
                "users whose roles include none of the admin roles are refused (403 'You do not "
                "have permission…')")
        subject = "OAUTH_ALLOWED_ROLES"
    elif not admin:
        what = ("OAUTH_ADMIN_ROLES is empty",
                "nobody becomes admin through the IdP, and an existing admin whose token carries "
                "an allowed role is demoted to 'user' at the next sign-in")
        subject = "OAUTH_ADMIN_ROLES"
    else:
        return []
    return [finding(
        "oauth.role-mapping-incomplete",
        f"OAuth role management is on but {what[0]}",
        detail=f"In Open WebUI 0.12.4 with ENABLE_OAUTH_ROLE_MANAGEMENT=true: {what[1]}.",
        fix="Set OAUTH_ALLOWED_ROLES (e.g. user,admin, or * for any role) and OAUTH_ADMIN_ROLES "
            "(e.g. admin) to role values your IdP sends, or turn ENABLE_OAUTH_ROLE_MANAGEMENT off.",
        evidence=evidence, subject=subject, location=env.location(subject),
    )]


def account_policy_findings(env: EnvSource, providers: Iterable[str]) -> list[Finding]:
    """`oauth.signup-disabled` (info) and `oauth.merge-accounts-by-email` (warning)."""
    names = ", ".join(providers)
    findings = []
    if not env_true(env, "ENABLE_OAUTH_SIGNUP", "False"):
        findings.append(finding(
            "oauth.signup-disabled",
            "new SSO users cannot sign up (ENABLE_OAUTH_SIGNUP is off)",
            detail=(f"OAuth providers: {names}. A user without an account linked to the provider "
                    "is sent back to /auth?error=You do not have permission to access this "
                    "resource…, even the first user of an empty instance. An "
                    "existing local account with the same email is not linked either unless "
                    "OAUTH_MERGE_ACCOUNTS_BY_EMAIL is on. ENABLE_SIGNUP does not affect this."),
            fix="Set ENABLE_OAUTH_SIGNUP=true if SSO users should get an account on first sign-in; "
                "otherwise create their accounts first.",
            evidence={"ENABLE_OAUTH_SIGNUP": getenv(env, "ENABLE_OAUTH_SIGNUP") or "<unset>"},
            subject="ENABLE_OAUTH_SIGNUP", location=env.location("ENABLE_OAUTH_SIGNUP"),
        ))
    if env_true(env, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "False"):
        findings.append(finding(
            "oauth.merge-accounts-by-email",
            "OAuth sign-in takes over any existing account with the same email",
            detail=(f"OAuth providers: {names}. With OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true the first "
                    "OAuth sign-in whose email matches an existing account (including an admin) "
                    "is linked to it. Open WebUI does not check email_verified, so anyone who can "
                    "get an IdP account with that address signs in as that user."),
            fix="Set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=false unless every configured IdP only issues "
                "verified emails of your own domain.",
            evidence={"OAUTH_MERGE_ACCOUNTS_BY_EMAIL": getenv(env, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL")
                      or ""},
            subject="OAUTH_MERGE_ACCOUNTS_BY_EMAIL",
            location=env.location("OAUTH_MERGE_ACCOUNTS_BY_EMAIL"),
        ))
    return findings


# --------------------------------------------------------------------------- entry point


def check_settings(ctx: CheckContext) -> list[Finding]:
    """All OAuth client findings for the primary replica's settings."""
    env = ctx.deployment.env
    findings = [*pkce_findings(env), *incomplete_provider_findings(env)]
    providers = configured_providers(env)
    if not providers:
        if not findings:
            findings.append(skipped(AREA, "no OAuth provider is configured"))
        return findings
    if not env_true(env, "ENABLE_OAUTH", "True"):
        findings.append(skipped(
            AREA, f"ENABLE_OAUTH is off: the app hides {', '.join(providers)} and answers 404 on "
                  "OAuth login and callback",
            fix="Set ENABLE_OAUTH=true (the default) to offer OAuth sign-in."))
        return findings
    findings.extend(webui_url_findings(env, ctx.deployment, providers))
    public_url = ctx.deployment.effective_public_url
    for provider in providers.values():
        findings.extend(redirect_uri_findings(provider, public_url, env))
        findings.extend(scope_findings(provider, env))
    runtime = [*allowed_domains_findings(env), *role_mapping_findings(env),
               *account_policy_findings(env, providers)]
    findings.extend(_with_persistence_note(env, runtime))
    return findings


#: Runtime OAuth keys (`utils/oauth.OAUTH_RUNTIME_CONFIG`): read from env on every start unless
#: ENABLE_OAUTH_PERSISTENT_CONFIG (and ENABLE_PERSISTENT_CONFIG) make the database copy win.
def _with_persistence_note(env: EnvSource, findings: list[Finding]) -> list[Finding]:
    if not (env_true(env, "ENABLE_OAUTH_PERSISTENT_CONFIG", "False")
            and env_true(env, "ENABLE_PERSISTENT_CONFIG", "True")):
        return findings
    note = (" Note: ENABLE_OAUTH_PERSISTENT_CONFIG=true, so after the first start the app uses the "
            "value stored in its database (Admin > Settings), which may differ from this env value.")
    return [dataclasses.replace(f, detail=f.detail + note) for f in findings]


async def check_live(ctx: CheckContext) -> list[Finding]:
    """The live half: the IdP's answers to the configured clients (`_oauth_idp`), the running
    app's own login redirect and provider list (`_oauth_app`), and an ID token the user gave
    (`_id_token`)."""
    from authdoctor.checks._id_token import id_token_findings
    from authdoctor.checks._oauth_app import app_findings
    from authdoctor.checks._oauth_idp import idp_findings

    env = ctx.deployment.env
    if not configured_providers(env):
        return [skipped(AREA, "no OAuth provider is configured")]
    parts = [await idp_findings(ctx), await app_findings(ctx), await id_token_findings(ctx)]
    if all(part is None for part in parts):
        return [skipped(AREA, "nothing to probe live: the client is not presented to the IdP and "
                              "the app's URL is not known")]
    found = [f for part in parts for f in part or []]
    # A part that came back clean or with a verdict probed something: then the others' skips say
    # which steps could not be established, and the half still ran (the report may say the running
    # server was checked). Parts that only skipped leave the half skipped, with their reasons.
    if any(part is not None and (not part or any(f.severity is not Severity.SKIPPED for f in part))
           for part in parts):
        found = [dataclasses.replace(f, partial=True) if f.severity is Severity.SKIPPED else f
                 for f in found]
    return found


CHECK = CheckSpec(area=AREA, title="OAuth clients and redirect URIs", settings=check_settings,
                  live=check_live)
