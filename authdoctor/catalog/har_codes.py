"""Catalog entries for the 'har' area: what a browser's recording (`authdoctor har FILE`) shows.

A recording also yields cookie.*, oauth.*, deploy.* and transport.* codes where it shows the same
fault those checks find (a Secure cookie on http, a redirect URI the IdP refuses, a sign-in
answered 400, a sign-out by GET, no HSTS, https sending the browser to http); the codes here name
what only a recording shows.
"""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_HAR = ("A HAR never says that a cookie was rejected: a refused Set-Cookie is recorded like an "
        "accepted one, and only its absence from the Cookie header of later requests shows it.")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="har.cookie-not-sent",
        severity=Severity.WARNING,
        summary="a cookie the app set was never sent back by the browser, and no cookie rule explains it",
        explanation=(
            "The recording shows the Set-Cookie and later requests to the same host and path, none of "
            "which carried the cookie: the browser did not store it. " + _HAR + " None of the rules "
            "authdoctor knows (Secure on http, SameSite=None without Secure, prefixes, size) applies, "
            "so the cause is elsewhere: a Domain attribute that does not cover the host (Chromium "
            "'InvalidDomain'), the browser's own settings (cookies blocked for the site, an "
            "extension, a strict privacy mode), or a proxy that changed the Set-Cookie between the "
            "app and the browser. For the token or owui-session cookie this is a login loop."
        ),
        fix="Check the cookie's Domain and Path in the finding, the browser's site settings for "
            "cookies (the lock icon, Cookies and site data), and proxy rules that rewrite Set-Cookie.",
        references=("RFC 6265bis C6", "browser-truth.md (HAR pitfall)"),
    ),
    CodeInfo(
        code="har.oauth-state-lost",
        severity=Severity.ERROR,
        summary="the OAuth callback arrived without the owui-session cookie: the sign-in state is lost",
        explanation=(
            "Open WebUI (authlib) keeps the OAuth state, nonce and PKCE verifier in the owui-session "
            "cookie it sets at /oauth/{provider}/login. The browser came back to the callback "
            "without it, so the app cannot match the state ('mismatching_state') and sends the user "
            "to /auth with 'Sign-in with your identity provider failed'. The finding names what the "
            "recording shows as the cause: the callback on another host or scheme than the login "
            "(the cookie is host-only), the cookie refused when it was set, or SameSite on a "
            "navigation the IdP's page started (a form submitted at the IdP, or form_post)."
        ),
        fix="Make the redirect URI point at the same scheme and host users open (WEBUI_URL, the "
            "proxy's X-Forwarded-Proto/Host), keep WEBUI_SESSION_COOKIE_SAME_SITE=lax, and fix the "
            "cookie finding the report names.",
        references=("RFC 6265bis C4", "RFC 6265bis C9", "Open WebUI utils/oauth.py handle_callback"),
    ),
    CodeInfo(
        code="har.oauth-error-returned",
        severity=Severity.ERROR,
        summary="the identity provider refused the sign-in (an error page, or error= on the callback)",
        explanation=(
            "The IdP answered the authorization request with an error page, or sent the browser back "
            "to the app's callback with `error` and `error_description` (RFC 6749 §4.1.2.1): the "
            "user never got a code. Typical causes are the client not assigned to the user "
            "(access_denied, Entra AADSTS50105), a consent the user refused, a scope the client may "
            "not ask for (invalid_scope), or a client the IdP does not allow this grant "
            "(unauthorized_client). The finding quotes the IdP's own error code and text."
        ),
        fix="Read the IdP's error code in the finding and fix the client registration at the IdP "
            "(assigned users and groups, allowed scopes and grant types, consent).",
        references=("RFC 6749 §4.1.2.1", "idp-responses.md §1"),
    ),
    CodeInfo(
        code="har.oauth-callback-failed",
        severity=Severity.ERROR,
        summary="the IdP sent the browser back with a code, but the app's callback failed on its side",
        explanation=(
            "The callback arrived with a code, the state and the owui-session cookie, so the browser "
            "did its part; the app then redeems the code at the IdP's token endpoint (server to "
            "server, which the recording cannot show) and answered with an error or a redirect to "
            "/auth?error=…. The usual causes: a wrong or expired OAUTH_CLIENT_SECRET (the token "
            "endpoint answers invalid_client), the app cannot reach the token endpoint (DNS, proxy, "
            "TLS inside the container), an ID token the app refuses (issuer, audience, clock), or "
            "the account rules (ENABLE_OAUTH_SIGNUP=false, OAUTH_ALLOWED_DOMAINS)."
        ),
        fix="Run `authdoctor check --env-file .env` (it presents the client to the IdP's token "
            "endpoint and names a wrong secret) and read the app's log line at the callback's time.",
        references=("RFC 6749 §4.1.3", "Open WebUI utils/oauth.py handle_callback"),
    ),
    CodeInfo(
        code="har.token-rejected",
        severity=Severity.WARNING,
        summary="the app answered 401 to a request made with the token the browser holds",
        explanation=(
            "After a sign-in, a request to the app's API was answered 401. The finding decodes the "
            "token that was sent (its exp, iat and id, never its signature) and reads the app's "
            "detail: '401 Unauthorized' means the token could not be verified (expired, or signed "
            "with another WEBUI_SECRET_KEY: a key regenerated at restart, or replicas with different "
            "keys), 'Invalid token' means it was revoked (a sign-out, with Redis) or the account's "
            "session stamp changed (a password change), and 'Not authenticated' means no token was "
            "sent at all (the token cookie was dropped)."
        ),
        fix="Act on the cause the finding names: persist one WEBUI_SECRET_KEY for every replica, sign "
            "in again after a sign-out, or fix the cookie finding that explains a missing token.",
        references=("openwebui-live-0.12.4 §3.6", "openwebui-live-0.12.4 §3.7"),
    ),
    CodeInfo(
        code="har.insecure-form-post",
        severity=Severity.ERROR,
        summary="an https page posts the sign-in back to an http:// callback: Chrome stops it",
        explanation=(
            "With response_mode=form_post the IdP's page submits a form to the redirect URI. When "
            "that page is https and the callback is http:// on a normal host name, Chrome stops the "
            "submission with its 'The information you're about to submit is not secure' "
            "interstitial, and the flow never reaches the app (http://localhost and 127.0.0.1 are "
            "exempt). Redirects by 302 are not stopped."
        ),
        fix="Serve the app over https and make the redirect URI https (WEBUI_URL=https://…, the "
            "proxy's X-Forwarded-Proto, or OPENID_REDIRECT_URI).",
        references=("browser-truth.md (form_post to http)", "RFC 9700 §4.1"),
    ),
    CodeInfo(
        code="har.no-response",
        severity=Severity.INFO,
        summary="some requests in the recording got no answer (aborted, blocked, or still pending)",
        explanation=(
            "The browser recorded the request but no response: it was cancelled by a navigation, "
            "blocked (an extension, mixed content, a Chrome interstitial), failed at the network "
            "level (DNS, TLS, connection refused: Chrome records net::ERR_…), or the HAR was saved "
            "before it finished. Such an entry carries no status and no cookies, so the checks that "
            "need the answer skip it."
        ),
        fix="If a sign-in request is among them, read the error it names; save the HAR again after "
            "the page has settled.",
        references=("HAR 1.2 (response.status 0)",),
    ),
    CodeInfo(
        code="har.recording-incomplete",
        severity=Severity.WARNING,
        summary="the recording does not hold the sign-in (no app requests, or it starts mid-flow)",
        explanation=(
            "authdoctor found no request to Open WebUI, or a sign-in whose start is missing (an "
            "OAuth callback without the /oauth/{provider}/login before it). Browsers clear the "
            "Network panel at every navigation unless 'Preserve log' (Chrome) or 'Persist Logs' "
            "(Firefox) is on, and a sign-in is several navigations."
        ),
        fix="Open the developer tools before signing in, turn on Preserve log / Persist Logs, "
            "reproduce the failure, then save all as HAR.",
        references=("HAR 1.2",),
    ),
    CodeInfo(
        code="har.sanitized-copy",
        severity=Severity.INFO,
        summary="a sanitized copy of the recording was written (secrets replaced, structure kept)",
        explanation=(
            "`--sanitize FILE` wrote the recording again with every cookie value, Authorization "
            "header, token, authorization code, password and secret-named field replaced by a "
            "placeholder that keeps its length class and a short fingerprint (so the same value is "
            "recognisable across requests), and JWT signatures removed. The entries, URLs, "
            "statuses, headers and cookie attributes stay, so the copy still shows the fault and "
            "can be attached to a bug report."
        ),
        fix="Nothing to fix: attach the sanitized file, never the original.",
        references=("HAR 1.2",),
    ),
)
