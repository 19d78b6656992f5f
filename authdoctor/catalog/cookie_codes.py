"""Catalog entries for the 'cookie' area: the `token`, `owui-session` and OAuth cookies."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_VARS = ("Open WebUI reads WEBUI_AUTH_COOKIE_SAME_SITE / WEBUI_AUTH_COOKIE_SECURE for the `token` and "
         "OAuth cookies and WEBUI_SESSION_COOKIE_SAME_SITE / WEBUI_SESSION_COOKIE_SECURE for the "
         "owui-session cookie (the auth ones fall back to the session ones; defaults lax and false), "
         "straight from env on every start.")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="cookie.secure-on-http",
        severity=Severity.ERROR,
        summary="cookies are marked Secure but the site is plain http: the browser drops them",
        explanation=(
            "A browser ignores a Secure cookie set by a non-secure URL (RFC 6265bis C3), so with "
            "WEBUI_AUTH_COOKIE_SECURE=true or WEBUI_SESSION_COOKIE_SECURE=true on an http:// "
            "deployment the `token` and owui-session cookies are never stored (Chromium: "
            "'SecureOnly'). The password sign-in page still signs in, because it keeps the token "
            "from the answer's body and sends it as a header; what needs the cookie fails: OAuth "
            "sign-in ends back on the sign-in page (the page reads the token from the cookie, and "
            "authlib keeps the state in owui-session: a login loop, C9), and images and files the "
            "browser loads by URL answer 401. http://localhost and http://127.0.0.1 are "
            "potentially trustworthy origins where Chromium and Firefox keep Secure cookies (Safari "
            "does not), so a local test works and the same settings fail behind a host name; "
            "authdoctor does not report those local URLs. " + _VARS
        ),
        fix="Serve the site over https (preferred), or set WEBUI_AUTH_COOKIE_SECURE=false and "
            "WEBUI_SESSION_COOKIE_SECURE=false while it is plain http.",
        references=("RFC 6265bis C3", "RFC 6265bis C9", "Open WebUI env.py"),
    ),
    CodeInfo(
        code="cookie.samesite-none-without-secure",
        severity=Severity.ERROR,
        summary="SameSite=None without Secure: browsers reject the cookie",
        explanation=(
            "Current browsers ignore a cookie with SameSite=None that lacks Secure (RFC 6265bis "
            "C4). Open WebUI emits it anyway, without a warning: with "
            "WEBUI_AUTH_COOKIE_SAME_SITE=none and WEBUI_AUTH_COOKIE_SECURE=false the sign-in "
            "answers `set-cookie: token=…; HttpOnly; Max-Age=2419200; Path=/; SameSite=none` "
            "(recorded live on 0.12.4). The cookie is then never stored (Chromium: "
            "'SameSiteNoneInsecure', over https too). The password sign-in page still signs in (it "
            "keeps the token from the answer's body), but OAuth sign-in ends back on the sign-in "
            "page and images and files the browser loads by URL answer 401; with "
            "WEBUI_SESSION_COOKIE_SAME_SITE=none the owui-session cookie and its OAuth state are "
            "lost as well. " + _VARS
        ),
        fix="Add Secure (WEBUI_AUTH_COOKIE_SECURE=true, WEBUI_SESSION_COOKIE_SECURE=true, which "
            "needs https), or use SameSite=lax unless the app is embedded cross-site.",
        references=("RFC 6265bis C4", "openwebui-live-0.12.4 §3.8"),
    ),
    CodeInfo(
        code="cookie.missing-secure-on-https",
        severity=Severity.WARNING,
        summary="the site is https but its auth cookies are not marked Secure",
        explanation=(
            "Without Secure the browser also sends the `token` cookie over plain http to the same "
            "host, for example when a user types the address without https:// or a page loads an "
            "http:// resource, and anyone on the network path can copy the session token and sign "
            "in as that user until it expires. Open WebUI defaults to WEBUI_SESSION_COOKIE_SECURE="
            "false and WEBUI_AUTH_COOKIE_SECURE inherits it, so an https deployment that does not "
            "set them sends cookies without Secure (recorded live: `token=…; HttpOnly; "
            "Max-Age=2419200; Path=/; SameSite=lax`). Sign-in works; the cookie is just less "
            "protected than it should be."
        ),
        fix="Set WEBUI_AUTH_COOKIE_SECURE=true and WEBUI_SESSION_COOKIE_SECURE=true (and send HSTS "
            "from the proxy).",
        references=("RFC 6265bis C3", "Open WebUI env.py", "openwebui-live-0.12.4 §3.2"),
    ),
    CodeInfo(
        code="cookie.samesite-strict-breaks-oauth",
        severity=Severity.ERROR,
        summary=("SameSite=Strict session cookie with OAuth: sign-in fails when the user must sign in "
                 "at the IdP"),
        explanation=(
            "Authlib keeps the OAuth state, nonce and PKCE verifier in the owui-session cookie. "
            "Whether a SameSite=Strict cookie comes back to /oauth/{provider}/callback depends on "
            "who starts the way back (RFC 6265bis C4, C9; checked in Chromium): on a pure redirect "
            "chain started on the app (app -> IdP -> 302 -> callback: the user is already signed "
            "in at the IdP) it is sent; when the user submits a form on the IdP's page (its login "
            "or consent form) or the IdP answers with form_post, it is not (Chromium: "
            "'SchemefulSameSiteStrict'). The callback then has no state ('mismatching_state' / "
            "'Missing state parameter in callback (session may have expired)' in the log) and the "
            "user lands on /auth?error=Sign-in with your identity provider failed…. Symptom: SSO "
            "fails when the user must sign in at the IdP and works when already signed in there, "
            "so a second attempt often succeeds. WEBUI_AUTH_COOKIE_SAME_SITE inherits "
            "WEBUI_SESSION_COOKIE_SAME_SITE, so setting the session variable to strict affects both."
        ),
        fix="Set WEBUI_SESSION_COOKIE_SAME_SITE=lax (and WEBUI_AUTH_COOKIE_SAME_SITE=lax if it is set).",
        references=("RFC 6265bis C4", "RFC 6265bis C9", "Open WebUI main.py SessionMiddleware"),
    ),
    CodeInfo(
        code="cookie.samesite-invalid",
        severity=Severity.ERROR,
        summary="a SameSite setting other than lax/strict/none: Open WebUI answers 500 when it sets cookies",
        explanation=(
            "Starlette's set_cookie accepts only lax, strict or none (case-insensitive) and fails "
            "an assertion on anything else. The `token` cookie is written with "
            "WEBUI_AUTH_COOKIE_SAME_SITE (which falls back to WEBUI_SESSION_COOKIE_SAME_SITE), so "
            "with a value such as `None;Secure`, `off` or `false` every password, LDAP and signup "
            "sign-in answers HTTP 500 and the OAuth callback fails. The session middleware writes "
            "its value unchecked, and browsers treat an unknown SameSite value as the default "
            "(RFC 6265bis C4)."
        ),
        fix="Set WEBUI_AUTH_COOKIE_SAME_SITE and WEBUI_SESSION_COOKIE_SAME_SITE to lax (recommended), "
            "strict or none; put Secure in the *_COOKIE_SECURE variables, not in SameSite.",
        references=("Open WebUI env.py", "Starlette Response.set_cookie", "RFC 6265bis C4"),
    ),
    CodeInfo(
        code="cookie.not-httponly",
        severity=Severity.WARNING,
        summary="the auth cookie is readable by page scripts (no HttpOnly)",
        explanation=(
            "A cookie without HttpOnly can be read by JavaScript (RFC 6265bis C8), so any script "
            "injection on the site can steal the session token. Open WebUI sets `token` HttpOnly "
            "on password, LDAP and signup sign-in, but its OAuth callback sets it with "
            "httponly=False on purpose, because the SPA copies it into localStorage.token; on an "
            "OAuth deployment this finding is by design. If the password sign-in cookie lacks "
            "HttpOnly, something between the app and the browser (a proxy rewriting Set-Cookie) "
            "removed it."
        ),
        fix="Remove any proxy rule that rewrites Set-Cookie; against script injection keep a strict "
            "Content-Security-Policy and a short JWT_EXPIRES_IN (Open WebUI has no setting for this "
            "flag).",
        references=("RFC 6265bis C8", "Open WebUI utils/oauth.py handle_callback"),
    ),
    CodeInfo(
        code="cookie.expiry-mismatch",
        severity=Severity.WARNING,
        summary="the cookie lifetime and the token's exp disagree",
        explanation=(
            "Open WebUI gives the `token` cookie Max-Age equal to the token lifetime, and "
            "GET /api/v1/auths/ re-sets it with the remaining lifetime, so the two normally end "
            "together. A cookie that outlives its token keeps sending an expired token, which "
            "answers 401 '401 Unauthorized' until the user signs in again; one that ends first "
            "signs users out early. Causes are a proxy rewriting Max-Age/Expires, "
            "JWT_EXPIRES_IN=-1/0 (no exp and a browser-session cookie), or a lifetime beyond the "
            "400 days browsers allow (RFC 6265bis C7)."
        ),
        fix="Let the app's Set-Cookie through unchanged and keep JWT_EXPIRES_IN finite and under "
            "400 days (e.g. 4w).",
        references=("RFC 6265bis C7", "Open WebUI utils/auth.py create_session_response"),
    ),
    CodeInfo(
        code="cookie.too-large",
        severity=Severity.ERROR,
        summary="a cookie's name and value exceed 4096 bytes: the browser ignores it",
        explanation=(
            "Browsers drop a cookie whose name plus value is longer than 4096 octets, silently and "
            "whole (RFC 6265bis C1), and ignore any attribute over 1024 octets (C2). Open WebUI's "
            "own session token is small, but the OAuth callback also stores the IdP's full ID token "
            "in the oauth_id_token cookie (ENABLE_OAUTH_ID_TOKEN_COOKIE, default true), and ID "
            "tokens with many group or role claims (Entra ID, Keycloak) exceed the limit. A proxy "
            "or header-size limit (nginx large_client_header_buffers) can fail the same requests "
            "with 400 'Request Header Or Cookie Too Large'."
        ),
        fix="Set ENABLE_OAUTH_ID_TOKEN_COOKIE=false, or trim the ID token's claims at the IdP "
            "(e.g. emit groups only via userinfo or limit them with a mapper).",
        references=("RFC 6265bis C1", "RFC 6265bis C2", "Open WebUI env.py ENABLE_OAUTH_ID_TOKEN_COOKIE"),
    ),
    CodeInfo(
        code="cookie.not-set",
        severity=Severity.ERROR,
        summary="a live sign-in returned no auth cookie",
        explanation=(
            "A successful POST /api/v1/auths/signin (or /signup, /ldap) answers 200 with the token "
            "in the body and a `set-cookie: token=…; HttpOnly; Max-Age=…; Path=/; SameSite=lax` "
            "header (recorded live on 0.12.4). Without that header, cookie-authenticated requests "
            "(the OAuth return, images and files loaded by URL) fail even though the SPA stored "
            "the token. Usually a proxy, CDN or WAF strips Set-Cookie on API responses, or the "
            "answer did not come from Open WebUI at all."
        ),
        fix="Let the proxy pass Set-Cookie from the app unchanged (e.g. no proxy_hide_header "
            "Set-Cookie, no cache on /api/*).",
        references=("openwebui-live-0.12.4 §3.2",),
    ),
    CodeInfo(
        code="cookie.differs-from-config",
        severity=Severity.WARNING,
        summary="the live cookie flags differ from the configured ones",
        explanation=(
            "authdoctor compared the Set-Cookie of a live sign-in with what the given settings "
            "make Open WebUI send (SameSite from WEBUI_AUTH_COOKIE_SAME_SITE, Secure from "
            "WEBUI_AUTH_COOKIE_SECURE, HttpOnly, Max-Age from JWT_EXPIRES_IN). A difference means "
            "either a proxy rewrites the cookie (proxy_cookie_flags, proxy_cookie_path, a CDN) or "
            "the server runs with other settings than the ones checked, e.g. an old container or a "
            "database copy of JWT_EXPIRES_IN. The settings-based cookie findings may then describe "
            "a configuration that is not the one in use."
        ),
        fix="Check which settings the running container really has (docker inspect / kubectl "
            "describe) and remove proxy rules that rewrite Set-Cookie.",
        references=("RFC 6265bis C9", "Open WebUI env.py"),
    ),
    CodeInfo(
        code="cookie.prefix-violation",
        severity=Severity.WARNING,
        summary="a __Secure- or __Host- cookie lacks the attributes its prefix requires",
        explanation=(
            "A cookie named __Secure-… must carry Secure, and one named __Host-… must carry Secure, "
            "no Domain and Path=/; browsers ignore the cookie otherwise (RFC 6265bis C5, matched "
            "case-insensitively by user agents). Open WebUI names its cookies token, owui-session, "
            "oauth_session_id and oauth_id_token, without prefixes, so a prefixed cookie comes from "
            "a proxy that renames or adds cookies, or from another app on the same host. It is "
            "dropped by the browser, so whatever depends on it fails."
        ),
        fix="Give the cookie the attributes its prefix needs (Secure; for __Host- also Path=/ and no "
            "Domain), or drop the prefix.",
        references=("RFC 6265bis C5",),
    ),
)
