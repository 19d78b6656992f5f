"""Cookie flags against the deployment's public URL, from settings alone (settings half).

Open WebUI 0.12.4 sets two kinds of cookies (env.py lines 777-786, read on every start, never
persisted in the database):

- the `token` cookie (and `oauth_session_id`, `oauth_id_token`), via Starlette
  `Response.set_cookie(samesite=WEBUI_AUTH_COOKIE_SAME_SITE, secure=WEBUI_AUTH_COOKIE_SECURE)`;
  `WEBUI_AUTH_COOKIE_SAME_SITE` defaults to `WEBUI_SESSION_COOKIE_SAME_SITE`, and
  `WEBUI_AUTH_COOKIE_SECURE` to the *raw* `WEBUI_SESSION_COOKIE_SECURE` (then `.lower() == 'true'`);
  Starlette asserts `samesite.lower() in ('strict', 'lax', 'none')`, so any other value is an
  AssertionError (HTTP 500) on every sign-in;
- the `owui-session` cookie of Starlette's SessionMiddleware (authlib keeps the OAuth `state`,
  nonce and PKCE verifier in it), with `WEBUI_SESSION_COOKIE_SAME_SITE` / `_SECURE`, written
  verbatim without validation.

Browser rules (RFC 6265bis, standards.md C3/C4/C9), each checked in a real Chromium against the
real 0.12.4 (tests/lab/test_browser_cookies.py, shared browser-truth.md):
- a `Secure` cookie from an http:// page on a host name is rejected (`SecureOnly`); http://localhost,
  http://*.localhost, http://127.0.0.0/8 and http://[::1] are potentially trustworthy origins where
  Chromium and Firefox store and send it (Safari does not), so those URLs are not reported;
- `SameSite=None` without `Secure` is rejected everywhere, https included (`SameSiteNoneInsecure`);
- a `Strict` owui-session cookie survives a pure redirect chain (app -> IdP -> 302 -> callback: the
  user is already signed in at the IdP) and is withheld at the callback (`SchemefulSameSiteStrict`)
  only when the way back starts on the IdP's own page: the user submits its login or consent form
  (or the IdP answers with form_post). authlib then finds no state ("mismatching_state") and 0.12.4
  sends the user to /auth?error=Sign-in with your identity provider failed… (older releases
  answered "The email or password provided is incorrect").
What a user sees without the token cookie (0.12.4's page, checked in the browser): the password
sign-in still works, since the page keeps the token from the answer's body (localStorage) and
sends it as a Bearer header; the OAuth return does not (the page reads the token from the cookie,
so the user stays on the sign-in page), nor does anything the browser loads by URL without that
header (profile images, files: 401).

Failure modes: `cookie.secure-on-http`, `cookie.samesite-none-without-secure`,
`cookie.missing-secure-on-https`, `cookie.samesite-strict-breaks-oauth`, `cookie.samesite-invalid`.
A misread boolean (`WEBUI_AUTH_COOKIE_SECURE=yes`) is `config.invalid-value` (config check).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from authdoctor.checks._replicas import each_replica
from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url
from authdoctor.openwebui.oauth import configured_providers
from authdoctor.openwebui.values import CookieSettings, cookie_settings, samesite_accepted
from authdoctor.settings.model import EnvSource

AREA = "cookie"
SESSION_SS = "WEBUI_SESSION_COOKIE_SAME_SITE"
SESSION_SECURE = "WEBUI_SESSION_COOKIE_SECURE"
AUTH_SS = "WEBUI_AUTH_COOKIE_SAME_SITE"
AUTH_SECURE = "WEBUI_AUTH_COOKIE_SECURE"


# What a rejected token cookie does to a user on 0.12.4 (seen in Chromium, module docstring).
_TOKEN_DROPPED = ("the token cookie is never stored: the password sign-in page still signs in (it "
                  "keeps the token from the answer), but images and files the browser loads by URL "
                  "answer 401")
_TOKEN_DROPPED_OAUTH = (", and OAuth sign-in ends back on the sign-in page (the page reads the token "
                        "from the cookie)")


def trustworthy_http_host(host: str) -> bool:
    """True for the hosts whose http:// origin browsers treat as potentially trustworthy, where
    Chromium and Firefox keep Secure cookies: localhost, *.localhost, 127.0.0.0/8, ::1."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _evidence(env: EnvSource, cs: CookieSettings) -> dict[str, str]:
    def shown(name: str, effective: str) -> str:
        raw = env.get(name)
        return f"{raw!r}" if raw is not None else f"<unset: {effective}>"

    return {
        AUTH_SS: shown(AUTH_SS, f"from {SESSION_SS}, {cs.auth_same_site!r}"),
        AUTH_SECURE: shown(AUTH_SECURE, f"from {SESSION_SECURE}, {str(cs.auth_secure).lower()}"),
        SESSION_SS: shown(SESSION_SS, "'lax'"),
        SESSION_SECURE: shown(SESSION_SECURE, "false"),
    }


def samesite_findings(env: EnvSource, cs: CookieSettings) -> list[Finding]:
    """`cookie.samesite-invalid` for the auth cookie (500) and the session cookie (ignored)."""
    findings: list[Finding] = []
    if not samesite_accepted(cs.auth_same_site):
        via = ("" if cs.auth_same_site_var == AUTH_SS else
               f" ({AUTH_SS} is unset, so it takes {SESSION_SS}'s value)")
        findings.append(finding(
            "cookie.samesite-invalid",
            f"SameSite {cs.auth_same_site!r} is not lax, strict or none: every sign-in answers 500",
            detail=(f"The token cookie's SameSite is {cs.auth_same_site!r}{via}. Starlette's "
                    "set_cookie asserts the value is 'lax', 'strict' or 'none' (any case, no "
                    "surrounding spaces), so issuing the cookie raises and sign-in, signup, LDAP "
                    "and the OAuth callback answer HTTP 500 Internal Server Error."),
            fix=f"Set {cs.auth_same_site_var}=lax (or strict/none as needed).",
            evidence=_evidence(env, cs), subject=cs.auth_same_site_var,
            location=env.location(cs.auth_same_site_var), severity=Severity.ERROR,
        ))
    if cs.auth_same_site_var == AUTH_SS and not samesite_accepted(cs.session_same_site):
        findings.append(finding(
            "cookie.samesite-invalid",
            f"{SESSION_SS}={cs.session_same_site!r} is not lax, strict or none",
            detail=("The session middleware writes 'samesite=<value>' into the owui-session cookie "
                    "without checking it; browsers ignore an unknown SameSite value and apply "
                    "their default (Lax in Chrome), so the setting does nothing."),
            fix=f"Set {SESSION_SS}=lax (or strict/none).",
            evidence=_evidence(env, cs), subject=SESSION_SS, location=env.location(SESSION_SS),
            severity=Severity.WARNING,
        ))
    return findings


def none_without_secure_findings(env: EnvSource, cs: CookieSettings, oauth: bool) -> list[Finding]:
    """`cookie.samesite-none-without-secure`: browsers reject such cookies."""
    affected = []
    if cs.auth_same_site.lower() == "none" and not cs.auth_secure:
        affected.append(("token", cs.auth_same_site_var, cs.auth_secure_var))
    if cs.session_same_site.lower() == "none" and not cs.session_secure:
        affected.append(("owui-session", SESSION_SS, SESSION_SECURE))
    if not affected:
        return []
    token_hit = affected[0][0] == "token"
    consequence = []
    if token_hit:
        consequence.append(_TOKEN_DROPPED + (_TOKEN_DROPPED_OAUTH if oauth else ""))
    if any(name == "owui-session" for name, _, _ in affected):
        consequence.append("the owui-session cookie is dropped, so the OAuth state is lost and "
                           "SSO sign-in fails with 'mismatching_state'" if oauth else
                           "the owui-session cookie is dropped")
    first = affected[0]
    return [finding(
        "cookie.samesite-none-without-secure",
        "SameSite=None without Secure: browsers reject the cookie",
        detail=("Cookies " + ", ".join(name for name, _, _ in affected) + " are SameSite=None "
                "without Secure. Current browsers refuse to store such a cookie (RFC 6265bis); "
                "Open WebUI sends it anyway without a warning: " + "; ".join(consequence) + "."),
        fix=(f"Set {first[2]}=true (needs https), or use SameSite=lax: "
             f"{first[1]}=lax."),
        evidence=_evidence(env, cs), subject=first[1], location=env.location(first[1]),
        severity=Severity.ERROR if token_hit or oauth else Severity.WARNING,
    )]


def scheme_findings(env: EnvSource, cs: CookieSettings, public_url: str | None,
                    oauth: bool = False) -> list[Finding]:
    """`cookie.secure-on-http` / `cookie.missing-secure-on-https` against the public URL."""
    if not public_url:
        return []
    try:
        parts = urlsplit(public_url.strip())
        scheme, host = parts.scheme.lower(), (parts.hostname or "")
    except ValueError:
        return []
    public_url = mask_url(public_url)  # shown below: its password and query tokens masked
    if scheme == "http":
        secure = [(name, var) for name, var, on in (
            ("token", cs.auth_secure_var, cs.auth_secure),
            ("owui-session", SESSION_SECURE, cs.session_secure)) if on]
        if not secure or trustworthy_http_host(host):  # Secure works on http://localhost
            return []
        names = ", ".join(name for name, _ in secure)
        consequences = []
        if any(n == "token" for n, _ in secure):
            consequences.append(_TOKEN_DROPPED + (_TOKEN_DROPPED_OAUTH if oauth else ""))
        if any(n == "owui-session" for n, _ in secure):
            consequences.append("the owui-session cookie holding the OAuth state is discarded, so SSO "
                                "sign-in fails with 'mismatching_state'" if oauth else
                                "the owui-session cookie is discarded")
        return [finding(
            "cookie.secure-on-http",
            "Secure cookies on an http:// deployment: the browser drops them",
            detail=(f"The public URL is {public_url} and the {names} cookie(s) are marked Secure. "
                    "Browsers only store Secure cookies from https:// pages (and http://localhost): "
                    + "; ".join(consequences) + "."),
            fix=("Serve Open WebUI over https (and set WEBUI_URL=https://…), or set "
                 + " and ".join(f"{var}=false" for _, var in secure) + " for a plain-http setup."),
            evidence={"public URL": public_url, **_evidence(env, cs)},
            subject=secure[0][1], location=env.location(secure[0][1]), severity=Severity.ERROR,
        )]
    if scheme == "https":
        plain = [(name, var) for name, var, on in (
            ("token", cs.auth_secure_var, cs.auth_secure),
            ("owui-session", SESSION_SECURE, cs.session_secure)) if not on]
        if not plain:
            return []
        names = ", ".join(name for name, _ in plain)
        return [finding(
            "cookie.missing-secure-on-https",
            f"https deployment but the {names} cookie(s) are not Secure",
            detail=(f"The public URL is {public_url}, but {names} lack the Secure flag, so the "
                    "browser also sends them over plain http:// — one request to http://"
                    f"{host} (a typed URL, an old link, a downgrade on a hostile network) hands "
                    "the sign-in token to anyone on the path."),
            fix=("Set " + " and ".join(sorted({f'{var}=true' for _, var in plain}
                                                | {f'{SESSION_SECURE}=true'})) + "."),
            evidence={"public URL": public_url, **_evidence(env, cs)},
            subject=plain[0][1], location=env.location(plain[0][1]), severity=Severity.WARNING,
        )]
    return []


def strict_oauth_findings(env: EnvSource, cs: CookieSettings, providers: list[str]) -> list[Finding]:
    """`cookie.samesite-strict-breaks-oauth`: only when an OAuth provider is registered."""
    if not providers or cs.session_same_site.lower() != "strict":
        return []
    return [finding(
        "cookie.samesite-strict-breaks-oauth",
        "SameSite=Strict session cookie: OAuth sign-in fails whenever the user must sign in at the IdP",
        detail=(f"OAuth providers: {', '.join(providers)}. The owui-session cookie holds the OAuth "
                "state, nonce and PKCE verifier. With SameSite=Strict the browser still sends it "
                "when the IdP redirects straight back (the user is already signed in there), but "
                "not when the way back starts on the IdP's own page: after the user submits its "
                "login or consent form (or a form_post answer), the callback arrives without it, "
                "authlib reports 'mismatching_state' and the user lands on the login page with "
                "'Sign-in with your identity provider failed' (older releases: 'The email or "
                "password provided is incorrect'). Symptom: SSO fails when the user has to sign "
                "in at the IdP and works when they are already signed in there, so a second "
                "attempt often succeeds."),
        fix=(f"Set {SESSION_SS}=lax (keep {AUTH_SS}=strict if you want the token cookie strict)."),
        evidence={**_evidence(env, cs), "providers": ", ".join(providers)},
        subject=SESSION_SS, location=env.location(SESSION_SS), severity=Severity.ERROR,
    )]


def cookie_findings(env: EnvSource, public_url: str | None) -> list[Finding]:
    cs = cookie_settings(env)
    providers = list(configured_providers(env))
    return [*samesite_findings(env, cs), *none_without_secure_findings(env, cs, bool(providers)),
            *scheme_findings(env, cs, public_url, bool(providers)),
            *strict_oauth_findings(env, cs, providers)]


def check_settings(ctx: CheckContext) -> list[Finding]:
    deployment = ctx.deployment

    def per_replica(env: EnvSource) -> list[Finding]:
        public = deployment.public_url or ((env.get("WEBUI_URL") or "").strip() or None)
        return cookie_findings(env, public)

    return each_replica(deployment, per_replica)


CHECK = CheckSpec(area=AREA, title="Cookies", settings=check_settings, live=None)
