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
"""

from __future__ import annotations

from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import getenv
from authdoctor.openwebui.oauth import PROVIDERS, configured_providers, logout_warning_providers
from authdoctor.settings.model import EnvSource

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


CHECK = CheckSpec(area=AREA, title="Logout", settings=check_settings)
