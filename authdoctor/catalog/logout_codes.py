"""Catalog entries for the 'logout' area: does signing out of Open WebUI end the IdP session?"""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="logout.idp-session-not-ended",
        severity=Severity.WARNING,
        summary="OAuth providers are configured without an IdP sign-out route: the IdP session survives",
        explanation=(
            "POST /api/v1/auths/signout ends an OAuth user's IdP session only by returning a "
            "redirect_url: OPENID_END_SESSION_ENDPOINT verbatim when set, otherwise the "
            "end_session_endpoint of the session provider's discovery document or of "
            "OPENID_PROVIDER_URL (OIDC RP-Initiated Logout §2.1, rule L1). Google has no "
            "end_session_endpoint and GitHub and Feishu have no discovery at all, so with neither "
            "variable set the app only deletes its own cookies; it logs at start 'OAuth providers "
            "configured (…) but OPENID_PROVIDER_URL not set - logout will not work!'. The next "
            "'Continue with …' click then signs the user straight back in without a password."
        ),
        fix="Set OPENID_END_SESSION_ENDPOINT to the IdP's logout URL (or OPENID_PROVIDER_URL to a "
            "discovery document that has end_session_endpoint); optionally set "
            "WEBUI_AUTH_SIGNOUT_REDIRECT_URL for where users land afterwards.",
        references=("OIDC RP-Initiated Logout §2.1 (L1)", "Open WebUI routers/auths.py signout",
                    "Open WebUI config.py load_oauth_providers"),
    ),
    CodeInfo(
        code="logout.end-session-unreachable",
        severity=Severity.WARNING,
        summary="the IdP sign-out endpoint the app sends browsers to does not answer",
        explanation=(
            "At sign-out of an OAuth session Open WebUI deletes its own cookies and returns a "
            "redirect_url: OPENID_END_SESSION_ENDPOINT verbatim, or the end_session_endpoint of the "
            "session provider's discovery document (or OPENID_PROVIDER_URL's) with id_token_hint "
            "appended (OIDC RP-Initiated Logout §2, rules L1-L3). authdoctor GETs that endpoint "
            "without id_token_hint or credentials and reports a failure to resolve, connect or "
            "complete TLS, a 404/410 or a 5xx. The browser then lands on an error page and the IdP "
            "session stays, so the next sign-in click signs the user straight back in. The browsers "
            "must reach the endpoint, not the Open WebUI container: the probe runs from where "
            "authdoctor runs."
        ),
        fix="Set OPENID_END_SESSION_ENDPOINT to the IdP's working logout URL, or fix the "
            "end_session_endpoint the IdP publishes (its public URL setting).",
        references=("OIDC RP-Initiated Logout §2 (L1-L3)", "Open WebUI routers/auths.py signout"),
    ),
    CodeInfo(
        code="logout.signout-url-malformed",
        severity=Severity.WARNING,
        summary="the sign-out URL the app builds is broken by unencoded parameters",
        explanation=(
            "With a discovered end_session_endpoint Open WebUI builds the sign-out redirect by "
            "string concatenation: {end_session_endpoint}?id_token_hint={ID token}, plus "
            "&post_logout_redirect_uri={WEBUI_AUTH_SIGNOUT_REDIRECT_URL} when set, nothing "
            "URL-encoded (OIDC RP-Initiated Logout wants encoded query parameters, rule L6). An "
            "endpoint that already has a query gets a second '?', and a redirect URL with '&', '#', "
            "'+' or a space reaches the IdP cut or changed: it refuses the post-logout redirect as "
            "not registered (rule L4) or ignores it."
        ),
        fix="Use a WEBUI_AUTH_SIGNOUT_REDIRECT_URL without query or fragment, registered at the IdP "
            "as a post-logout redirect URI; or set OPENID_END_SESSION_ENDPOINT to the full logout URL.",
        references=("OIDC RP-Initiated Logout §2-3 (L4, L6)", "Open WebUI routers/auths.py signout"),
    ),
)
