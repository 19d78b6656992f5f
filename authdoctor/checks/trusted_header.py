"""Trusted-header sign-in settings (`WEBUI_AUTH_TRUSTED_EMAIL_HEADER`), the settings half.

Failure modes named here (Open WebUI 0.12.4 `routers/auths.signin`, `env.py`, `config.py`):

- `trusted-header.password-auth-disabled`: `/api/v1/auths/signin` checks `ENABLE_PASSWORD_AUTH`
  *before* it looks at the trusted header, so `ENABLE_PASSWORD_AUTH=false` answers 403 "The
  requested action has been restricted as a security measure." to every trusted-header sign-in.
- `trusted-header.signup-bypass` (info): an email the app does not know is given an account on
  the spot (`signup_handler`, role `DEFAULT_USER_ROLE`, admin if it is the first user),
  whatever `ENABLE_SIGNUP` says; with `WEBUI_AUTH_TRUSTED_ROLE_HEADER` the header also sets the
  role on every sign-in.

- `trusted-header.backend-exposed` (settings half, from a compose file): the Open WebUI service
  turns trusted-header sign-in on and publishes the app's container port (`PORT`, default 8080)
  on every host interface (a `ports:` entry without a host address, or `0.0.0.0`/`::`), on a
  non-loopback address, or runs with `network_mode: host` while the app listens on every
  interface (`HOST`, default `0.0.0.0`). Open WebUI takes the email from the header of whoever
  sends the request (`routers/auths.signin`: `request.headers[WEBUI_AUTH_TRUSTED_EMAIL_HEADER]`,
  no check of the sender), so anyone who reaches that port can send the header and sign in as
  anyone, the admin included. Publishing on `127.0.0.1:` (or `[::1]:`) only, or not publishing,
  is fine: then only the host itself or the compose network reaches it.

Live half (later work): whether the running app accepts the header from an arbitrary client.
"""

from __future__ import annotations

import ipaddress

from authdoctor.checks._replicas import each_replica
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, SourceLocation
from authdoctor.openwebui.envread import env_true, getenv, int_or_none
from authdoctor.settings.model import EnvSource, PublishedPort

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


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address.lower() == "localhost"


def _reachable(entry: PublishedPort) -> bool:
    """True when a `ports:` entry makes the container port reachable from other machines."""
    return entry.all_interfaces or not _loopback(entry.host_ip or "")


def backend_exposed_findings(env: EnvSource) -> list[Finding]:
    """`trusted-header.backend-exposed` from the compose service's ports / network mode."""
    header = getenv(env, EMAIL_HEADER)
    compose = env.compose
    if not header or compose is None:
        return []
    port = int_or_none(getenv(env, "PORT", "8080")) or 8080
    exposed = [p for p in compose.published if p.covers(port) and _reachable(p)]
    host_mode = (compose.network_mode == "host"
                 and not _loopback(getenv(env, "HOST", "0.0.0.0")))
    if not exposed and not host_mode:
        return []
    if exposed:
        shown = ", ".join(repr(p.raw) for p in exposed)
        where = (f"its ports: entry {shown} publishes the app's port {port} on "
                 + ("every interface of the host" if all(p.all_interfaces for p in exposed)
                    else "an address other machines can reach"))
        fix = (f"Publish the port on loopback only ('127.0.0.1:{exposed[0].published or port}:{port}') "
               "for a proxy on the same host, or remove ports: and let a proxy service reach the "
               "app over the compose network; the proxy must also overwrite or remove "
               f"{header} on every client request.")
    else:
        where = (f"it runs with network_mode: host and the app listens on "
                 f"{getenv(env, 'HOST', '0.0.0.0')}:{port}, every interface of the host")
        fix = (f"Set HOST=127.0.0.1 so the app listens on loopback only (the proxy on the same host "
               f"still reaches it), or drop network_mode: host; the proxy must also overwrite or "
               f"remove {header} on every client request.")
    location = env.location(EMAIL_HEADER) or (SourceLocation(compose.path, None, "ports")
                                               if compose.path else None)
    return [finding(
        "trusted-header.backend-exposed",
        "trusted-header sign-in is on and the app's port is published to the network: anyone "
        "can sign in as anyone",
        detail=(f"Service '{compose.name}' sets {EMAIL_HEADER}={header}, and {where}. Open WebUI "
                "takes the email from that header on whatever request reaches it and does not check "
                "who sent it, so anyone who can reach the port directly (bypassing the "
                f"authenticating proxy) sends '{header}: admin@…' and is signed in as that user, "
                "the admin included"
                + (f"; with {ROLE_HEADER} they choose their role too." if getenv(env, ROLE_HEADER)
                   else ".")),
        fix=fix,
        evidence={EMAIL_HEADER: header, "service": compose.name,
                  **({"ports": ", ".join(p.raw for p in exposed)} if exposed
                     else {"network_mode": "host", "HOST": getenv(env, "HOST", "<unset: 0.0.0.0>")})},
        subject=EMAIL_HEADER, location=location,
    )]


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not getenv(env, EMAIL_HEADER):
        return [skipped(AREA, f"{EMAIL_HEADER} is not set (trusted-header sign-in is off)")]
    return [*trusted_header_findings(env), *each_replica(ctx.deployment, backend_exposed_findings)]


CHECK = CheckSpec(area=AREA, title="Trusted-header sign-in", settings=check_settings)
