"""Trusted-header sign-in settings (`WEBUI_AUTH_TRUSTED_EMAIL_HEADER`), the settings half.

Failure modes named here (Open WebUI 0.12.4 `routers/auths.signin`, `env.py`, `config.py`):

- `trusted-header.password-auth-disabled`: `/api/v1/auths/signin` checks `ENABLE_PASSWORD_AUTH`
  *before* it looks at the trusted header, so `ENABLE_PASSWORD_AUTH=false` answers 403 "The
  requested action has been restricted as a security measure." to every trusted-header sign-in.
- `trusted-header.signup-bypass` (info): an email the app does not know is given an account on
  the spot (`signup_handler`, role `DEFAULT_USER_ROLE`, admin if it is the first user),
  whatever `ENABLE_SIGNUP` says; with `WEBUI_AUTH_TRUSTED_ROLE_HEADER` the header also sets the
  role on every sign-in.

Live half (later work): `trusted-header.backend-exposed`, whether the app accepts the header from
an arbitrary client.
"""

from __future__ import annotations

from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding
from authdoctor.openwebui.envread import env_true, getenv
from authdoctor.settings.model import EnvSource

AREA = "trusted-header"
EMAIL_HEADER = "WEBUI_AUTH_TRUSTED_EMAIL_HEADER"
ROLE_HEADER = "WEBUI_AUTH_TRUSTED_ROLE_HEADER"


def trusted_header_findings(env: EnvSource) -> list[Finding]:
    header = getenv(env, EMAIL_HEADER)
    if not header:  # os.getenv(..., None) tested for truthiness: '' is off
        return []
    findings: list[Finding] = []
    if not env_true(env, "ENABLE_PASSWORD_AUTH", "True"):
        findings.append(finding(
            "trusted-header.password-auth-disabled",
            "ENABLE_PASSWORD_AUTH=false also blocks trusted-header sign-in",
            detail=(f"{EMAIL_HEADER}={header} makes the sign-in page call POST "
                    "/api/v1/auths/signin, and that endpoint refuses every request with 403 'The "
                    "requested action has been restricted as a security measure.' while "
                    "ENABLE_PASSWORD_AUTH is false, before it reads the header. Nobody can sign "
                    "in through the proxy."),
            fix=("Set ENABLE_PASSWORD_AUTH=true (with trusted-header auth the email comes from the "
                 "header; no password is checked), and hide the login form with "
                 "ENABLE_LOGIN_FORM=false if you do not want password sign-in offered."),
            evidence={"ENABLE_PASSWORD_AUTH": getenv(env, "ENABLE_PASSWORD_AUTH", ""),
                      EMAIL_HEADER: header},
            subject="ENABLE_PASSWORD_AUTH",
            location=env.location("ENABLE_PASSWORD_AUTH"),
        ))
    role_header = getenv(env, ROLE_HEADER)
    default_role = getenv(env, "DEFAULT_USER_ROLE", "pending")
    signup = getenv(env, "ENABLE_SIGNUP")
    detail = (f"Any email the proxy puts in {header} that has no account yet gets one at once, "
              f"with role {default_role!r} (DEFAULT_USER_ROLE; the first account becomes admin); "
              "ENABLE_SIGNUP is not consulted"
              + (f" (it is {signup!r} here)" if signup is not None else "") + ".")
    if role_header:
        detail += (f" {ROLE_HEADER}={role_header} also sets the role (admin, user or pending) on "
                   "every sign-in from that header's value.")
    detail += (" The proxy must therefore authenticate users itself and strip these headers from "
               "client requests; Open WebUI must not be reachable without it.")
    findings.append(finding(
        "trusted-header.signup-bypass",
        "trusted-header sign-in creates accounts regardless of ENABLE_SIGNUP",
        detail=detail,
        fix=("Restrict who the proxy lets through; keep DEFAULT_USER_ROLE=pending if an admin "
             "should approve new users."),
        evidence={EMAIL_HEADER: header, "DEFAULT_USER_ROLE": default_role,
                  **({ROLE_HEADER: role_header} if role_header else {})},
        subject=EMAIL_HEADER,
        location=env.location(EMAIL_HEADER),
    ))
    return findings


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not getenv(env, EMAIL_HEADER):
        return [skipped(AREA, f"{EMAIL_HEADER} is not set (trusted-header sign-in is off)")]
    return trusted_header_findings(env)


CHECK = CheckSpec(area=AREA, title="Trusted-header sign-in", settings=check_settings)
