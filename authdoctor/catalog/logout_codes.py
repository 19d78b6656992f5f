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
)
