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
        summary="anyone who reaches the app can send the trusted header and sign in as anyone",
        explanation=(
            "Open WebUI takes the user's email from WEBUI_AUTH_TRUSTED_EMAIL_HEADER on whatever "
            "request reaches it and does not check who sent it, so the authenticating proxy must "
            "be the only way to reach the app. From the settings, authdoctor reports a compose "
            "service that turns trusted-header sign-in on and publishes the app's port (PORT, "
            "default 8080) on every host interface (a ports: entry without a host address, or "
            "0.0.0.0), on another non-loopback address, or runs with network_mode: host while the "
            "app listens on every interface: anyone who reaches that port sends the header with "
            "the admin's address and is signed in as the admin, and with "
            "WEBUI_AUTH_TRUSTED_ROLE_HEADER chooses their role. Publishing on 127.0.0.1 only, or "
            "not publishing (the proxy reaches the app over the compose network), is fine. Live, "
            "authdoctor sends one POST /api/v1/auths/signin without the header (sending it with a "
            "made-up address would create that account on an exposed app) to the app URL (--url, "
            "else the public URL); Open WebUI's 400 'Your provider has not provided a trusted "
            "header' shows the request reached trusted-header sign-in with nothing in between "
            "that authenticated it or set the header, so a client's own header would be taken."
        ),
        fix="Make Open WebUI reachable only through the proxy: publish its port as "
            "'127.0.0.1:3000:8080' or not at all (HOST=127.0.0.1 with network_mode: host), and have "
            "the proxy overwrite or remove the header on every request.",
        references=("Open WebUI routers/auths.py signin", "Open WebUI docs: trusted header SSO",
                    "Compose file reference: ports (host_ip)"),
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
