"""Catalog entries for the 'trusted-header' area: sign-in by a header set by the reverse proxy."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="trusted-header.password-auth-disabled",
        severity=Severity.ERROR,
        summary="ENABLE_PASSWORD_AUTH=false also blocks trusted-header sign-in",
        explanation=(
            "POST /api/v1/auths/signin checks ENABLE_PASSWORD_AUTH before it looks at "
            "WEBUI_AUTH_TRUSTED_EMAIL_HEADER, so with ENABLE_PASSWORD_AUTH=false every "
            "trusted-header sign-in answers 403 'The requested action has been restricted as a "
            "security measure.' (ACTION_PROHIBITED), although the proxy sent the header. Users see "
            "the sign-in page or an error instead of being signed in automatically. Turning "
            "password sign-in off looks natural when the proxy authenticates, which is why this "
            "trap is common."
        ),
        fix="Set ENABLE_PASSWORD_AUTH=true; to hide the password form use ENABLE_LOGIN_FORM=false "
            "instead.",
        references=("Open WebUI routers/auths.py signin", "Open WebUI config.py ENABLE_PASSWORD_AUTH"),
    ),
    CodeInfo(
        code="trusted-header.backend-exposed",
        severity=Severity.ERROR,
        summary="live: the app accepts the trusted header from an arbitrary client (anyone is anyone)",
        explanation=(
            "authdoctor sent WEBUI_AUTH_TRUSTED_EMAIL_HEADER with a made-up address straight to "
            "the app (bypassing the authenticating proxy, or through it without the proxy removing "
            "the client's copy) and Open WebUI signed it in. Open WebUI trusts the header from "
            "whoever sends it, so anyone who can reach that address can sign in as any user, the "
            "admin included, and with WEBUI_AUTH_TRUSTED_ROLE_HEADER choose their role. The proxy "
            "must strip client-supplied copies and be the only way to reach the app."
        ),
        fix="Make Open WebUI reachable only through the proxy (HOST=127.0.0.1, no published port, a "
            "network policy), and have the proxy overwrite or remove the header on every request.",
        references=("Open WebUI routers/auths.py signin", "Open WebUI docs: trusted header SSO"),
    ),
    CodeInfo(
        code="trusted-header.signup-bypass",
        severity=Severity.INFO,
        summary="trusted-header sign-in creates unknown users on the spot, ignoring ENABLE_SIGNUP",
        explanation=(
            "When the trusted email header names an address Open WebUI does not know, the sign-in "
            "creates the account immediately (signup_handler, role DEFAULT_USER_ROLE, admin if it "
            "is the first user), whatever ENABLE_SIGNUP says. Whoever the proxy lets through "
            "therefore gets an account, and with WEBUI_AUTH_TRUSTED_ROLE_HEADER the header also "
            "sets the role on every sign-in. This is by design; it matters when the proxy admits "
            "more people than should use the app."
        ),
        fix="Restrict who the proxy authenticates for this app, and keep DEFAULT_USER_ROLE=pending "
            "if new users need approval.",
        references=("Open WebUI routers/auths.py signin", "Open WebUI env.py"),
    ),
)
