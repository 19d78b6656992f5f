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

Live half (`check_live`, unless --offline): whether the running app, reached where authdoctor
reaches it (`--url`, else the public URL), lets a client that authenticated nowhere use
trusted-header sign-in. See `exposure_probe` for exactly what is sent and why it cannot create an
account; `evaluate_exposure` names `trusted-header.backend-exposed` from the answer.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from authdoctor.checks._replicas import each_replica
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, SourceLocation
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import env_true, getenv, int_or_none
from authdoctor.settings.model import EnvSource, PublishedPort

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation

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


# --------------------------------------------------------------------------- live half

SIGNIN_PATH = "/api/v1/auths/signin"
PROBE_EMAIL = "nobody@authdoctor.invalid"
SIGNIN_BODY = {"email": PROBE_EMAIL, "password": ""}
#: What the probe sends, in the words `--help`, the README and the evidence use.
PROBE_SENT = (f"one POST {SIGNIN_PATH} with the JSON body {{\"email\":\"{PROBE_EMAIL}\",\"password\":\"\"}}, "
              "without the trusted header, cookies or credentials")
#: 0.12.4 constants.ERROR_MESSAGES
INVALID_TRUSTED_HEADER = ("Your provider has not provided a trusted header. Please contact your "
                          "administrator for assistance.")
ACTION_PROHIBITED = "The requested action has been restricted as a security measure."
INVALID_CRED = ("The email or password provided is incorrect. Please check for typos and try logging "
                "in again.")


async def exposure_probe(ctx: CheckContext, url: str) -> HttpObservation:
    """The trusted-header exposure probe: `PROBE_SENT` to the app, once per run.

    Why this request, and why it cannot create an account (Open WebUI 0.12.4, read in
    `routers/auths.py` and `utils/auth.py`):

    - The only code that reads WEBUI_AUTH_TRUSTED_EMAIL_HEADER without a session is `signin`,
      and for an address it does not know it *creates the account* (`signup_handler`, whatever
      ENABLE_SIGNUP says). `get_current_user` reads the header too, but only after a valid
      session token (401 "User mismatch"), which an anonymous probe does not have. So sending the
      header with a made-up address would create that account on an exposed app: the probe does
      not send the header at all.
    - Instead it asks the sign-in endpoint without the header. With the trusted header
      configured, `signin` checks ENABLE_PASSWORD_AUTH (403), then looks for the header and
      answers 400 INVALID_TRUSTED_HEADER when it is absent, before any lookup or insert; the JSON
      body is required by the form model but never read on that branch. That 400 proves the
      request reached the app's trusted-header sign-in with nothing in between that authenticated
      it or set the header: whatever a client puts in the header arrives as sent.
    - It is sent only when the app's own anonymous `/api/config` (the deploy area's cached GET at
      the same URL) says `features.auth_trusted_header: true`; that flag is
      `bool(WEBUI_AUTH_TRUSTED_EMAIL_HEADER)`, the same value that sends `signin` down the
      trusted branch first. The other branches could create an account (WEBUI_AUTH=false creates
      admin@localhost on an empty database) or count a password attempt, so they are never
      reached. The one case left open is a load balancer that sends the GET and the POST to two
      app processes with different settings.
    """
    from authdoctor.probes.cache import wait_future
    from authdoctor.probes.http_json import http_post_json

    probes = ctx.probes
    future = probes.cache.get(("POST-JSON", url, PROBE_EMAIL), lambda: http_post_json(
        url, SIGNIN_BODY, timeout_s=probes.budget(), verify_tls=probes.verify_tls,
        ca_file=probes.ca_file, environ=probes.environ))
    return await wait_future(future)


async def check_live(ctx: CheckContext) -> list[Finding]:
    """Is the running app's trusted-header sign-in reachable without the proxy's authentication?
    Runs when the settings set WEBUI_AUTH_TRUSTED_EMAIL_HEADER (`app probe URL` without settings:
    when the app advertises trusted-header sign-in)."""
    from authdoctor.checks._urls import URLProblem, parse_absolute
    from authdoctor.checks.deploy import app_base, parse_features

    deployment = ctx.deployment
    header = getenv(deployment.env, EMAIL_HEADER) or None
    if deployment.replicas and header is None:
        return [skipped(AREA, f"{EMAIL_HEADER} is not set (trusted-header sign-in is off): the app "
                              "was not asked")]
    base = app_base(deployment)
    if base is None:
        return [skipped(AREA, "no app URL (give --url, --public-url or WEBUI_URL): the exposure "
                              "probe was not sent")]
    shown = mask_url(base)
    try:
        parse_absolute(base)
    except URLProblem:
        return [skipped(AREA, f"the app URL {shown} is not an absolute URL: the exposure probe was "
                              "not sent")]
    config = await ctx.probes.http_get_async(f"{base}/api/config")
    features = parse_features(config)
    if features is None:
        if config.answered:
            what = (f"answered {config.status} {config.content_type or ''}".rstrip()
                    + ", not Open WebUI's JSON")
        else:
            what = (config.failure.summary if config.failure is not None else config.refused) or "no answer"
        return [skipped(AREA, f"the app's /api/config at {shown} could not be read ({what}), so it is "
                              "not known to run trusted-header sign-in: the exposure probe was not "
                              "sent (only then is it sure to create nothing)")]
    if features.trusted_header is not True:
        if header is None:
            return []  # `app probe URL`: the app does not offer trusted-header sign-in, nothing to expose
        return [skipped(AREA, f"the app at {shown} does not run trusted-header sign-in "
                              "(/api/config: auth_trusted_header false; the deploy area reports the "
                              "difference with the settings): the exposure probe was not sent")]
    answer = await exposure_probe(ctx, f"{base}{SIGNIN_PATH}")
    public = (deployment.effective_public_url or "").rstrip("/")
    if not deployment.replicas and deployment.app_url:
        where = "the URL given"
    elif deployment.app_url and deployment.app_url.rstrip("/") != public:
        where = "--url, not the public URL"
    else:
        where = "the public URL"
    location = deployment.env.location(EMAIL_HEADER) if header else None
    return evaluate_exposure(answer, base_url=base, header=header, where=where, location=location)


def _detail(obs: HttpObservation) -> str | None:
    import json

    try:
        data = json.loads(obs.body)
    except (ValueError, RecursionError):
        return None
    detail = data.get("detail") if isinstance(data, dict) else None
    return detail if isinstance(detail, str) else None


def evaluate_exposure(obs: HttpObservation, *, base_url: str, header: str | None,
                      where: str = "the public URL", location: SourceLocation | None = None
                      ) -> list[Finding]:
    """`trusted-header.backend-exposed` from the app's answer to `exposure_probe` (pure).

    - 400 INVALID_TRUSTED_HEADER: the request reached trusted-header sign-in unauthenticated,
      so a client that sends the header is signed in as whoever it names: exposed.
    - 200 with a token: something on the way signed a request without any credential in (a
      proxy that injects a fixed identity): exposed, worse.
    - a redirect, 401 or 403 from something else than the app, or a 2xx HTML page: an
      authenticating proxy answered: not exposed here (nothing to report).
    - 403 ACTION_PROHIBITED: ENABLE_PASSWORD_AUTH=false refuses every sign-in, the header's too
      (the settings half's `trusted-header.password-auth-disabled`): not exposed through sign-in.
    - anything else (no answer, 400 INVALID_CRED, 422, 5xx): not established, said as a skip.
    """
    shown = mask_url(base_url)
    name = header or f"the trusted email header ({EMAIL_HEADER})"
    status = obs.status
    if not obs.answered:
        why = obs.failure.summary if obs.failure is not None else (obs.refused or "no answer")
        return [skipped(AREA, f"the exposure probe got no answer from {shown}: {why}")]
    detail = _detail(obs)
    answer = f"{status} {obs.reason}".strip() + (f" {detail!r}" if detail else "")
    evidence = {"POST": mask_url(obs.url), "sent": PROBE_SENT, "answer": answer, "reached at": where,
                **({EMAIL_HEADER: header} if header else {})}
    if obs.proxy:
        evidence["proxy"] = obs.proxy
    fix = (f"Make Open WebUI reachable only through the authenticating proxy: listen on loopback "
           "(HOST=127.0.0.1) or publish its port on 127.0.0.1 only, or firewall it / restrict it with "
           f"a NetworkPolicy to the proxy's address. If {shown} is the proxy itself, make it "
           f"authenticate every path ({SIGNIN_PATH} included) and overwrite or remove {name} on every "
           "client request.")
    if status == 400 and detail == INVALID_TRUSTED_HEADER:
        return [finding(
            "trusted-header.backend-exposed",
            f"the app at {shown} lets any client use trusted-header sign-in: anyone who reaches it "
            "can sign in as anyone",
            detail=(f"authdoctor sent POST {SIGNIN_PATH} to {shown} ({where}) without the trusted "
                    f"header, cookies or credentials. Open WebUI answered 400 "
                    f"{INVALID_TRUSTED_HEADER!r}: the request reached its trusted-header sign-in "
                    "and nothing on the way authenticated it or set the header. Open WebUI takes the "
                    f"user's email from {name} of whatever request reaches it, without checking who "
                    f"sent it, so a client that sends that header with the admin's address here is "
                    "signed in as the admin, and an unknown address gets an account on the spot. "
                    "(Only a proxy that "
                    "removes the header without signing anyone in would answer the same; then "
                    "nobody can sign in through it either.) authdoctor did not send the header "
                    "itself: for an unknown address Open WebUI 0.12.4 would create the account."),
            fix=fix, evidence=evidence, subject=EMAIL_HEADER, location=location)]
    if status == 200 and b'"token"' in obs.body:
        return [finding(
            "trusted-header.backend-exposed",
            f"the app at {shown} signed in a request that carried no credential at all",
            detail=(f"authdoctor sent {PROBE_SENT} to {shown} ({where}) and got 200 with a session "
                    "token: something on the way (a proxy that injects a fixed identity) or the app "
                    f"signed an anonymous request in. Anyone who reaches {shown} is signed in "
                    "without a password. The token was not kept or shown."),
            fix=fix, evidence={k: v for k, v in evidence.items() if k != "answer"} | {
                "answer": f"{status} {obs.reason}".strip() + " with a session token"},
            subject=EMAIL_HEADER, location=location)]
    code = status or 0
    if 300 <= code < 400 or (code in (401, 403) and detail != ACTION_PROHIBITED) \
            or (code < 300 and "html" in obs.content_type.lower()):
        return []  # an authenticating proxy (a login redirect or wall) answered: not exposed here
    if status == 403 and detail == ACTION_PROHIBITED:
        return []  # every sign-in is refused (ENABLE_PASSWORD_AUTH=false): not exposed by sign-in
    reason = ("the app answered like password sign-in (400 'The email or password provided is "
              "incorrect'), not trusted-header sign-in, although its /api/config says otherwise: "
              "replicas with different settings?" if status == 400 and detail == INVALID_CRED
              else f"the answer {answer[:160]} does not tell")
    return [skipped(AREA, f"whether {shown} lets any client use trusted-header sign-in is not "
                          f"established: {reason}")]


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not getenv(env, EMAIL_HEADER):
        return [skipped(AREA, f"{EMAIL_HEADER} is not set (trusted-header sign-in is off)")]
    return [*trusted_header_findings(env), *each_replica(ctx.deployment, backend_exposed_findings)]


CHECK = CheckSpec(area=AREA, title="Trusted-header sign-in", settings=check_settings, live=check_live)
