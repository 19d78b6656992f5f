"""The deploy area's sign-in half, evaluation only: a `SessionObservation` (the test account's
sign-in, session round trip and opt-in sign-out, `authdoctor.probes.app_session`), the checked
settings and, after a sign-out, the revocation key read from Redis, to findings. No I/O.

What it rests on (Open WebUI 0.12.4, routers/auths.py and utils/auth.py read in the wheel;
answers recorded live in openwebui-live-0.12.4 §3.2-3.8):

- Sign-in answers 200 with the token in the body and `set-cookie: token=<JWT>; HttpOnly;
  Max-Age=<JWT_EXPIRES_IN>; Path=/; SameSite=<WEBUI_AUTH_COOKIE_SAME_SITE>[; Secure]`; 400
  "The email or password provided is incorrect…" (wrong password, unknown email, or an account
  without a password); 400 "Your provider has not provided a trusted header…" (the trusted
  header is on: password sign-in needs the header); 403 "The requested action has been
  restricted…" (ENABLE_PASSWORD_AUTH=false); 429 "API rate limit exceeded" (15 attempts per email
  per 180 s in 60 s buckets, every attempt counts, no Retry-After); 500 when issuing the token or
  cookie raises (an unparsable JWT_EXPIRES_IN, a SameSite other than lax/strict/none). The LDAP
  sign-in answers 400 with its own texts ("LDAP authentication is not enabled", "Application
  account bind failed", "User not found in the LDAP server", "User does not have a valid email
  address.", "Authentication failed.", "User record mismatch.", "LDAP authentication failed.").
- `GET /api/v1/auths/` refuses a token with 401 and a detail that names the cause (§3.4, §3.6):
  "Not authenticated" (no credential arrived: a proxy dropped the header or cookie),
  "401 Unauthorized" (not decodable: another WEBUI_SECRET_KEY, expired, altered), "Invalid token"
  (revoked in Redis, a session_stamp that changed with a password change, an unknown typ),
  "Invalid authentication request." (the user id is not in the database that answered).
- `POST /api/v1/auths/signout` writes `{prefix}:auth:token:{jti}:revoked` = 1 with TTL
  exp - now, only when Redis is configured; without Redis the old token keeps working; with
  Redis configured but down, sign-out answers 500 (§3.7).

Failure modes named here: `deploy.signin-failed`, `cookie.not-set` and the `_cookie_rules`
codes (judged against the PUBLIC URL), `cookie.differs-from-config`, `jwt.bad-signature` (the
app signs with another WEBUI_SECRET_KEY than the checked settings), `jwt.issued-in-future` /
`jwt.expired` (the app's clock, or JWT_EXPIRES_IN, against authdoctor's clock), `deploy.session-refused`,
`deploy.signout-failed`, `deploy.signout-not-revoking`, `redis.key-prefix-mismatch`,
`redis.revocation-key-no-ttl`, `redis.revocation-ttl-too-long`; `deploy.session-summary` (info)
tells what the sign-in gave (the token's claims and lifetime, each step's answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from authdoctor.checks._cookie_rules import (
    AUTH_COOKIE,
    SetCookie,
    judge_against_settings,
    judge_set_cookie,
    parse_set_cookie,
)
from authdoctor.checks.base import finding
from authdoctor.clock import humanize_delta
from authdoctor.findings import Finding
from authdoctor.masking import mask_url

if TYPE_CHECKING:
    from authdoctor.jwt.tokens import DecodedToken
    from authdoctor.openwebui.values import CookieSettings
    from authdoctor.probes.app_session import Exchange, SessionObservation
    from authdoctor.probes.redis import RedisObservation
    from authdoctor.settings.model import EnvSource

INVALID_CRED = "The email or password provided is incorrect"
INVALID_TRUSTED_HEADER = "Your provider has not provided a trusted header"
ACTION_PROHIBITED = "The requested action has been restricted"
RATE_LIMITED = "API rate limit exceeded"
LDAP_OFF = "LDAP authentication is not enabled"
RATE_WINDOW_S = 180
#: How far the revocation key's TTL may be from the token's remaining life (the app computed it a
#: moment before authdoctor read it).
TTL_TOLERANCE_S = 120

LDAP_TEXTS: dict[str, str] = {
    "Application account bind failed": "the app's service account (LDAP_APP_DN / LDAP_APP_PASSWORD) "
                                       "cannot bind",
    "User not found in the LDAP server": "the search (LDAP_SEARCH_BASE, LDAP_ATTRIBUTE_FOR_USERNAME, "
                                         "LDAP_SEARCH_FILTER) finds no entry for this user",
    "User does not have a valid email address.": "the user's entry has no LDAP_ATTRIBUTE_FOR_MAIL "
                                                 "attribute",
    "Authentication failed.": "the user's own bind failed: a wrong password",
    "User record mismatch.": "the entry found does not carry the login name in "
                             "LDAP_ATTRIBUTE_FOR_USERNAME",
    "LDAP authentication failed.": "the LDAP server could not be used (connection, TLS or search "
                                   "error; the app's log has the exception)",
    "Failed to configure TLS for LDAP connection.": "LDAP_CA_CERT_FILE or LDAP_CIPHERS cannot be used",
    LDAP_OFF: "LDAP sign-in is off in the running app (ENABLE_LDAP, stored in its database)",
}


@dataclass(frozen=True)
class SessionSettings:
    """What the evaluation needs from the checked settings (None fields: not known)."""

    env: EnvSource | None
    secret: str | None
    secret_var: str | None
    redis_configured: bool
    redis_prefix: str


def session_settings(env: EnvSource | None) -> SessionSettings:
    if env is None:
        return SessionSettings(env=None, secret=None, secret_var=None, redis_configured=False,
                               redis_prefix="open-webui")
    from authdoctor.openwebui.envread import getenv
    from authdoctor.openwebui.values import secret_key
    from authdoctor.settings.model import UnknownValueError

    try:
        key = secret_key(env)
        secret, var = (key.value or None), key.source
    except UnknownValueError:
        secret, var = None, None
    try:
        configured = bool(getenv(env, "REDIS_URL", "") or getenv(env, "REDIS_SENTINEL_HOSTS", ""))
        prefix = getenv(env, "REDIS_KEY_PREFIX", "open-webui")
    except UnknownValueError:
        configured, prefix = True, "open-webui"
    return SessionSettings(env=env, secret=secret, secret_var=var, redis_configured=configured,
                           redis_prefix=prefix)


def _utc(ts: float) -> str:
    try:
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):  # a claim no calendar holds (exp=1e20)
        return f"{ts:g} (not a date)"


def _answer(exchange: Exchange) -> str:
    """'401 {"detail":"Invalid token"}' / '500 text/plain Internal Server Error'."""
    if not exchange.answered:
        return exchange.shown
    if exchange.detail is not None:
        return f"{exchange.status} detail {exchange.detail!r}"
    start = f" {exchange.body_start!r}" if exchange.body_start else ""
    return f"{exchange.status} {exchange.content_type or '(no content type)'}{start}"


def _cookies(exchange: Exchange) -> list[SetCookie]:
    return [c for c in (parse_set_cookie(raw) for raw in exchange.set_cookies) if c is not None]


def _decode(token: str | None) -> DecodedToken | None:
    if not token:
        return None
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token

    try:
        return decode_token(token)
    except MalformedTokenError:
        return None


def evaluate_session(obs: SessionObservation, *, public_url: str | None, settings: SessionSettings,
                     redis: RedisObservation | None = None,
                     redis_read_at: float | None = None) -> list[Finding]:
    """Every finding from one session probe (see the module docstring). `public_url` is where users
    open the app (cookies are judged against it); `redis` is the read of the revocation key after
    the sign-out, at Unix time `redis_read_at`."""
    where = mask_url(obs.base_url)
    signin = obs.signin
    if signin is None:
        return _given_token(obs, settings, where)
    if signin.status != 200 or (obs.token is None and signin.body_start):  # an HTML page is no sign-in
        return [_signin_failed(obs, settings, where)]
    findings: list[Finding] = []
    token = _decode(obs.token)
    now = datetime.fromtimestamp(signin.at or 0, UTC)
    exp = token.payload.get("exp") if token is not None else None
    token_exp = float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    judged_url = public_url or obs.base_url
    cookies = _cookies(signin)
    auth = [c for c in cookies if c.name == AUTH_COOKIE and not c.is_deletion(now)]
    for cookie in cookies:
        findings.extend(judge_set_cookie(cookie, public_url=judged_url, now=now, token_exp=token_exp,
                                         where=signin.shown))
    if not auth:
        findings.append(_not_set(obs, cookies, where))
    elif settings.env is not None:
        findings.extend(judge_against_settings(auth[-1], _cookie_settings(settings.env),
                                               expected_max_age=_expires_in(settings.env),
                                               where=signin.shown, public_url=judged_url))
    if token is None:
        findings.append(finding(
            "deploy.signin-failed",
            f"sign-in at {where} answered 200 without a session token",
            detail=("Open WebUI answers a successful sign-in with the token in the JSON body and in the "
                    "token cookie; neither held a decodable JWT, so the answer did not come from Open "
                    "WebUI's sign-in (a proxy or another app answered) or it was rewritten."),
            fix="Check what answers POST /api/v1/auths/signin at this URL (the proxy's routes).",
            evidence={"answer": _answer(signin), "user": obs.user}, subject=where))
        return findings
    if settings.secret:
        findings.extend(_secret_findings(token, settings, where))
    findings.extend(_clock_findings(token, now))
    findings.extend(_round_trip(obs, token, settings, where))
    findings.extend(_signout(obs, token, settings, where, redis, redis_read_at))
    findings.append(_summary(obs, token, where, redis, redis_read_at))
    return findings


def _cookie_settings(env: EnvSource) -> CookieSettings:
    from authdoctor.openwebui.values import cookie_settings

    return cookie_settings(env)


def _expires_in(env: EnvSource) -> int | None:
    from authdoctor.checks.redis import token_lifetime
    from authdoctor.settings.model import UnknownValueError

    try:
        return token_lifetime(env)[0]
    except UnknownValueError:
        return None


def _given_token(obs: SessionObservation, settings: SessionSettings, where: str) -> list[Finding]:
    """A token the user gave (no sign-in, no sign-out): the key it was signed with, and the round
    trip with the app's own explanation of a refusal."""
    token = _decode(obs.token)
    if token is None:
        return [finding(
            "deploy.session-refused",
            "the given token is not a JWT the app could read",
            detail=("The token given with --token (or test_account.token) is not a decodable JWT: Open "
                    "WebUI answers such a token 401 '401 Unauthorized'. `authdoctor jwt decode` names "
                    "the bad segment."),
            fix="Copy the whole token (three dot-separated segments) from the token cookie or localStorage.",
            evidence={"token": f"{len(obs.token or '')} characters, not a JWT"}, subject=where)]
    findings: list[Finding] = []
    if settings.secret:
        findings.extend(_secret_findings(token, settings, where, given=True))
    findings.extend(_round_trip(obs, token, settings, where))
    findings.append(_summary(obs, token, where, None, None))
    return findings


# --------------------------------------------------------------------------- sign-in refused


def _signin_failed(obs: SessionObservation, settings: SessionSettings, where: str) -> Finding:
    signin = obs.signin
    assert signin is not None
    status = signin.status
    detail_text = signin.detail or ""
    evidence = {"request": f"{signin.request} as {obs.user}", "answer": _answer(signin)}
    if obs.proxy:
        evidence["proxy"] = obs.proxy
    if not signin.answered:
        failure = signin.failure
        rung = failure.rung.value if failure is not None else "protocol"
        if failure is not None:
            evidence.update(failure.evidence)
        return finding(
            "deploy.signin-failed",
            f"sign-in at {where} got no answer ({rung}): "
            + (failure.summary if failure is not None else signin.refused),
            detail=("The sign-in request was sent but no HTTP answer came back in time; the session "
                    "round trip and sign-out were not attempted."),
            fix="Check that POST /api/v1/auths/signin reaches the app (proxy timeouts, a WAF).",
            evidence=evidence, subject=where)
    cause, fix = "", ""
    if status == 400 and INVALID_CRED in detail_text:
        cause = ("wrong email or password: the account does not exist, the password is wrong, or the "
                 "account has no password (created by OAuth, LDAP or the trusted header)")
        fix = ("Check the test account's email and password (sign in with them in a browser); an "
               "SSO-only account cannot use password sign-in.")
    elif status == 400 and INVALID_TRUSTED_HEADER in detail_text:
        cause = ("the app runs with a trusted email header (WEBUI_AUTH_TRUSTED_EMAIL_HEADER), so "
                 "password sign-in requires that header, which only the authenticating proxy sets")
        fix = ("Sign in through the authenticating proxy; authdoctor does not forge the trusted header "
               "at sign-in.")
    elif status == 400 and obs.method == "ldap" and detail_text in LDAP_TEXTS:
        cause = f"LDAP sign-in refused: {LDAP_TEXTS[detail_text]}"
        fix = "Run `authdoctor ldap test --user NAME --password-env VAR` to see the failing LDAP step."
    elif status == 403:
        cause = "password sign-in is disabled in the running app (ENABLE_PASSWORD_AUTH=false)"
        fix = ("Set ENABLE_PASSWORD_AUTH=true (it also blocks LDAP and trusted-header sign-in), or test "
               "with the sign-in method the deployment uses.")
    elif status == 429:
        clears = _utc(signin.at + RATE_WINDOW_S) if signin.at else f"within {RATE_WINDOW_S} s"
        cause = (f"rate limited: more than 15 sign-in attempts for {obs.user} in 3 minutes (every "
                 "attempt counts, successful ones too); authdoctor did not retry")
        fix = (f"Wait until {clears} at the latest (the count is kept in 60 s buckets over 180 s; the "
               "app sends no Retry-After), then run authdoctor once.")
        evidence["clears by"] = clears
    elif status == 500:
        named = _signin_500_causes(settings)
        cause = ("the app failed while issuing the session (HTTP 500): "
                 + ("; ".join(named) if named else "see the app's log for the exception"))
        fix = (" ".join(named_fix for named_fix in _signin_500_fixes(settings)) or
               "Read the app's log at the time of the sign-in (docker logs): the exception names the "
               "setting. Known causes: JWT_EXPIRES_IN without a unit (e.g. 3600), "
               "WEBUI_AUTH_COOKIE_SAME_SITE other than lax, strict or none.")
    elif status is not None and 300 <= status < 400:
        target = signin.location or "(no Location header)"
        evidence["redirects to"] = target
        if signin.location and _https_upgrade(where, signin.location):
            cause = (f"the sign-in POST is redirected to {target}: the app (or its proxy) only "
                     "answers over https here")
            fix = ("Give authdoctor the https URL users open (--url / --public-url / WEBUI_URL); a "
                   "redirected POST is not signed in to.")
        else:
            cause = (f"the sign-in POST is redirected to {target}: a sign-in wall or authenticating "
                     "proxy in front of the app answers instead of Open WebUI")
            fix = ("Reach Open WebUI itself (--url at its own address), or let the proxy pass POST "
                   "/api/v1/auths/* to the app; authdoctor does not follow redirects at sign-in.")
    elif status in (404, 405) or (status is not None and status < 300 and signin.detail is None):
        cause = ("the answer is not Open WebUI's sign-in endpoint (a path prefix is missing, or a proxy "
                 "does not pass POST /api/v1/auths/* to the app)")
        fix = "Give authdoctor the URL users open (with any path prefix), and let the proxy pass POST."
    elif status == 422:
        cause = "the app refused the request's shape (Open WebUI answers this to a form without password)"
        fix = "Report this to authdoctor: the sign-in request did not match what 0.12.4 accepts."
    else:
        cause = f"the app answered {status}"
        fix = "Act on the answer quoted in the evidence; the app's log has more."
    users = ("" if status is not None and 300 <= status < 400 else
             " Users who sign in the same way see the same message under the sign-in form.")
    return finding(
        "deploy.signin-failed",
        f"sign-in with the test account at {where} fails: {cause}",
        detail=(f"{signin.request} answered {_answer(signin)}.{users} The session round trip and "
                "sign-out were not attempted."),
        fix=fix, evidence=evidence, subject=where)


def _https_upgrade(base: str, location: str) -> bool:
    """The redirect only moves the same host from http to https (a proxy's http -> https rule)."""
    from urllib.parse import urljoin, urlsplit

    here, there = urlsplit(base), urlsplit(urljoin(base + "/", location))
    return (here.scheme == "http" and there.scheme == "https"
            and (here.hostname or "").lower() == (there.hostname or "").lower())


def _signin_500_causes(settings: SessionSettings) -> list[str]:
    env = settings.env
    if env is None:
        return []
    from authdoctor.openwebui.values import cookie_settings, parse_duration, samesite_accepted
    from authdoctor.settings.model import UnknownValueError

    causes: list[str] = []
    try:
        cs = cookie_settings(env)
        if not samesite_accepted(cs.auth_same_site):
            causes.append(f"{cs.auth_same_site_var}={cs.auth_same_site!r} is not lax, strict or none, "
                          "and setting the cookie raises (cookie.samesite-invalid)")
    except UnknownValueError:
        pass
    try:
        raw = env.get("JWT_EXPIRES_IN")
        if raw is not None:
            parse_duration(raw)
    except (ValueError, OverflowError):
        causes.append(f"JWT_EXPIRES_IN={raw!r} cannot be parsed, and creating the token raises "
                      "(jwt.expires-in-invalid; the database copy may differ)")
    except UnknownValueError:
        pass
    return causes


def _signin_500_fixes(settings: SessionSettings) -> list[str]:
    fixes = []
    for cause in _signin_500_causes(settings):
        if cause.startswith("JWT_EXPIRES_IN"):
            fixes.append("Set JWT_EXPIRES_IN to a number with a unit (e.g. 4w), also in Admin Panel > "
                         "Settings > General once stored.")
        else:
            fixes.append(f"Set {cause.split('=', 1)[0]}=lax (or strict/none).")
    return fixes


def _not_set(obs: SessionObservation, cookies: list[SetCookie], where: str) -> Finding:
    names = ", ".join(c.name or "(no name)" for c in cookies) or "(no Set-Cookie at all)"
    return finding(
        "cookie.not-set",
        f"sign-in at {where} answered 200 but set no token cookie",
        detail=("Open WebUI 0.12.4 answers a successful sign-in with `set-cookie: token=…; HttpOnly; "
                "Max-Age=…; Path=/; SameSite=lax`. Without it, cookie-authenticated requests (the "
                "OAuth return, images and files loaded by URL) fail although the SPA keeps the token "
                "from the body: a proxy, CDN or WAF strips Set-Cookie on API answers."),
        fix="Let the proxy pass Set-Cookie from the app unchanged (no proxy_hide_header Set-Cookie, no "
            "cache on /api/*).",
        evidence={"answer": obs.signin.shown if obs.signin else "", "cookies that arrived": names},
        subject=AUTH_COOKIE)


# --------------------------------------------------------------------------- the token


def _secret_findings(token: DecodedToken, settings: SessionSettings, where: str, *,
                     given: bool = False) -> list[Finding]:
    from authdoctor.jwt.verify import secret_keyset, verify_signature

    assert settings.secret is not None
    if token.alg not in ("HS256", "HS384", "HS512"):
        return []
    keyset = secret_keyset(settings.secret.encode("utf-8", "surrogateescape"),
                           settings.secret_var or "WEBUI_SECRET_KEY")
    verification, _ = verify_signature(token, keyset)
    if verification.verified:
        return []
    if given:
        return [finding(
            "jwt.bad-signature",
            "the given token was signed with another WEBUI_SECRET_KEY than the checked settings",
            detail=("The token does not verify with the checked settings' "
                    f"{settings.secret_var or 'WEBUI_SECRET_KEY'}: an app with these settings answers "
                    "it 401 '401 Unauthorized'. It was issued by a replica with another key, before the "
                    "key changed, or it was altered."),
            fix=("Give every replica the same WEBUI_SECRET_KEY and keep it stable; users with old "
                 "tokens sign in again."),
            evidence={"token": f"{token.alg}", "key checked":
                      f"{settings.secret_var or 'WEBUI_SECRET_KEY'} of the checked settings (not shown)",
                      "result": "signature does not match"},
            subject=settings.secret_var or "WEBUI_SECRET_KEY")]
    return [finding(
        "jwt.bad-signature",
        f"the app at {where} signs its tokens with another WEBUI_SECRET_KEY than the checked settings",
        detail=("The token the app just issued does not verify with the checked settings' "
                f"{settings.secret_var or 'WEBUI_SECRET_KEY'}: the running app uses another key (its "
                "environment differs from these settings, or it generated .webui_secret_key itself). "
                "Every replica that has the settings' key answers this app's tokens with 401 "
                "'401 Unauthorized', and tokens signed before a key change stop working."),
        fix=("Give the app the same WEBUI_SECRET_KEY as the checked settings (and every replica the "
             "same one), then restart it; or check the settings the app really runs with."),
        evidence={"token": f"{token.alg}, issued at sign-in", "key checked":
                  f"{settings.secret_var or 'WEBUI_SECRET_KEY'} of the checked settings (not shown)",
                  "result": "signature does not match"},
        subject=settings.secret_var or "WEBUI_SECRET_KEY")]


#: The clock findings of a token the app has just issued: its clock against authdoctor's.
CLOCK_CODES = ("jwt.expired", "jwt.not-yet-valid", "jwt.issued-in-future")
CLOCK_LEEWAY_S = 60


def _clock_findings(token: DecodedToken, now: datetime) -> list[Finding]:
    """A token issued a moment ago that is already expired, or issued in the future, means the
    app's clock (or JWT_EXPIRES_IN) is off: `jwt.expired`, `jwt.issued-in-future` (PyJWT in the app
    refuses such a token, so users get 401 right after signing in). Judged at the time the answer
    arrived, with CLOCK_LEEWAY_S for the two clocks."""
    from authdoctor.jwt.claims import time_findings, token_times

    times = token_times(token, now, leeway_s=CLOCK_LEEWAY_S)
    return [f for f in time_findings(token, times) if f.code in CLOCK_CODES]


# --------------------------------------------------------------------------- round trip


def refusal_cause(detail: str | None, credential: str, expired: bool) -> tuple[str, str]:
    """(why, fix) for a 401 on GET /api/v1/auths/ from the app's detail text (§3.4, §3.6)."""
    sent = "the Authorization header" if credential == "bearer" else "the token cookie"
    if detail == "Not authenticated":
        return (f"no credential reached the app: a proxy dropped {sent}",
                ("Let the proxy pass the Authorization header (e.g. no proxy_set_header Authorization "
                 "\"\")" if credential == "bearer" else
                 "Let the proxy pass the Cookie header to the app"))
    if detail == "401 Unauthorized":
        if expired:
            return ("the token had expired (its exp passed)", "Sign in again; check JWT_EXPIRES_IN.")
        return ("the app that answered could not verify the token: it runs with another "
                "WEBUI_SECRET_KEY than the one that signed it (replicas with different keys behind "
                "the load balancer), or the token was altered",
                "Give every replica the same WEBUI_SECRET_KEY and restart them.")
    if detail == "Invalid token":
        return ("the token is signed correctly but refused: revoked in Redis, or the account's "
                "session_stamp changed (a password change) since it was issued",
                "Sign in again; if it happens right after sign-in, look for another replica that "
                "revoked it or changed the password.")
    if detail == "Invalid authentication request.":
        return ("the user id in the token is not in the database of the app that answered: replicas "
                "with different databases behind the load balancer",
                "Point every replica at the same DATABASE_URL.")
    return (f"the app answered {detail!r}" if detail else "the app refused it",
            "Read the answer in the evidence and the app's log.")


def _round_trip(obs: SessionObservation, token: DecodedToken, settings: SessionSettings,
                where: str) -> list[Finding]:
    findings: list[Finding] = []
    exp = token.payload.get("exp")
    for exchange in (obs.bearer, obs.cookie):
        if exchange is None or (exchange.answered and exchange.status == 200):
            continue
        how = "as a Bearer header" if exchange.credential == "bearer" else "as the token cookie"
        if not exchange.answered:
            findings.append(finding(
                "deploy.session-refused",
                f"the session check with the new token {how} got no answer: {exchange.shown}",
                detail="The sign-in worked, but the session endpoint did not answer in time.",
                fix="Check the proxy's timeouts for /api/v1/auths/.",
                evidence={"request": exchange.request, "answer": _answer(exchange)}, subject=where))
            continue
        expired = isinstance(exp, int | float) and exchange.at >= float(exp)
        why, fix = refusal_cause(exchange.detail, exchange.credential, expired)
        evidence = {"request": f"{exchange.request} ({exchange.credential})", "answer": _answer(exchange)}
        if obs.signin is None:  # a token the user gave
            if isinstance(exp, int | float):
                evidence["token exp"] = _utc(float(exp))
            findings.append(finding(
                "deploy.session-refused",
                f"the app refuses the given token {how}: {why}",
                detail=(f"GET /api/v1/auths/ with the given token {how} answered {_answer(exchange)}; "
                        "the app's 401 detail names the cause."),
                fix=fix, evidence=evidence, subject=where))
            continue
        evidence["sign-in"] = obs.signin.shown
        findings.append(finding(
            "deploy.session-refused",
            f"the app refuses the token it just issued {how}: {why}",
            detail=(f"Right after signing in, GET /api/v1/auths/ with the new token {how} answered "
                    f"{_answer(exchange)}. Users are signed out right after signing in, or at random "
                    "when several replicas answer."),
            fix=fix, evidence=evidence, subject=where))
    return findings


# --------------------------------------------------------------------------- sign-out


def _signout(obs: SessionObservation, token: DecodedToken, settings: SessionSettings, where: str,
             redis: RedisObservation | None, redis_read_at: float | None) -> list[Finding]:
    signout = obs.signout
    if signout is None:
        return []
    if not signout.answered or signout.status != 200:
        if signout.answered and signout.status == 500:
            why = ("Redis is configured but the app cannot write the revocation key (Redis down, "
                   "unreachable or refusing the credentials): sign-out fails and, since the "
                   "revocation check fails open, revoked tokens work again"
                   if settings.redis_configured or settings.env is None else
                   "the app failed while signing out (its log has the exception)")
        else:
            why = f"the app answered {_answer(signout)}"
        return [finding(
            "deploy.signout-failed",
            f"sign-out at {where} fails: {why}",
            detail=(f"POST /api/v1/auths/signout answered {_answer(signout)}. In 0.12.4 it answers 500 "
                    "when Redis is configured but cannot be used (redis ConnectionError in the log); "
                    "users get an error on sign-out and their token stays valid."),
            fix=("Make REDIS_URL reachable from the app (see the redis area's findings), or remove it "
                 "if the deployment runs without Redis."),
            evidence={"request": signout.request, "answer": _answer(signout)}, subject=where)]
    after = obs.after_signout
    if after is None or not after.answered:
        return []
    findings: list[Finding] = []
    if after.status == 200:
        no_redis = settings.env is not None and not settings.redis_configured
        findings.append(finding(
            "deploy.signout-not-revoking",
            f"after sign-out the old token still works at {where}"
            + (" (no REDIS_URL: 0.12.4 revokes tokens only with Redis)" if no_redis else ""),
            detail=("POST /api/v1/auths/signout answered 200 {\"status\":true}, then GET /api/v1/auths/ "
                    "with the same token answered 200 instead of 401 \"Invalid token\". A copied or "
                    "stolen token survives sign-out until its exp"
                    + (f" ({_utc(float(token.payload['exp']))})" if isinstance(token.payload.get("exp"),
                                                                            int | float) else "")
                    + ". " + ("Open WebUI 0.12.4 writes the revocation key only to Redis, and the "
                              "checked settings have no REDIS_URL." if no_redis else
                              "With Redis configured, the app could not write or read the "
                              "revocation key (Redis down: the check fails open), or it runs with "
                              "another REDIS_URL or REDIS_KEY_PREFIX than the checked settings.")),
            fix=("Set REDIS_URL (e.g. redis://redis:6379/0) on every replica, with persistence, so "
                 "sign-out revokes tokens." if no_redis else
                 "Check that the app reaches the Redis of REDIS_URL (see the redis findings) with the "
                 "same REDIS_KEY_PREFIX on every replica."),
            evidence={"sign-out": signout.shown, "old token afterwards": _answer(after),
                      "REDIS_URL": ("(not set)" if no_redis else
                                    "set" if settings.redis_configured else "(settings not given)")},
            subject=where))
        return findings
    findings.extend(_revocation_key(obs, token, settings, where, redis, redis_read_at))
    return findings


def _revocation_key(obs: SessionObservation, token: DecodedToken, settings: SessionSettings, where: str,
                    redis: RedisObservation | None, redis_read_at: float | None) -> list[Finding]:
    if redis is None or not redis.connected or redis.token is None:
        return []
    state = redis.token
    jti = token.payload.get("jti")
    key = f"{settings.redis_prefix}:auth:token:{jti}:revoked"
    if not state.revoked:
        return [finding(
            "redis.key-prefix-mismatch",
            f"the old token is refused, but {key} is not in the Redis of the checked settings",
            detail=("After sign-out the app refuses the token, so it did revoke it, but not in the Redis "
                    f"and prefix the checked settings name ({redis.topology} Redis at {redis.address}, "
                    f"REDIS_KEY_PREFIX {settings.redis_prefix!r}): the app writes to another Redis, "
                    "database or prefix. Replicas configured like these settings will not see its "
                    "revocations."),
            fix="Give every replica the same REDIS_URL and REDIS_KEY_PREFIX as the running app.",
            evidence={"key looked up": key, "Redis": redis.address, "found": "no"},
            subject="REDIS_KEY_PREFIX")]
    exp = token.payload.get("exp")
    ttl = state.revoked_ttl_s
    if ttl is None or ttl < 0:
        return [finding(
            "redis.revocation-key-no-ttl",
            f"the revocation key {key} has no expiry",
            detail=("Open WebUI 0.12.4 writes the key with EX = exp - now, so it disappears with the "
                    "token; this one never expires, so revocation keys pile up."),
            fix="Find what rewrites the keys without TTL (a restore, a script), and let the app write them.",
            evidence={"key": key, "TTL": str(ttl)}, subject="REDIS_KEY_PREFIX")]
    if isinstance(exp, int | float) and redis_read_at is not None:
        remaining = float(exp) - redis_read_at
        if ttl - remaining > TTL_TOLERANCE_S:
            return [finding(
                "redis.revocation-ttl-too-long",
                f"the revocation key's TTL ({ttl} s) is not the token's remaining life "
                f"({int(remaining)} s)",
                detail=("Open WebUI 0.12.4 sets the key's TTL to exp - now at sign-out; a different TTL "
                        "means another writer or a clock that differs between the app and Redis."),
                fix="Check the clocks of the app and Redis hosts (NTP).",
                evidence={"key": key, "TTL": f"{ttl} s", "token remaining": f"{int(remaining)} s"},
                subject="REDIS_KEY_PREFIX")]
    return []


# --------------------------------------------------------------------------- summary


def _summary(obs: SessionObservation, token: DecodedToken, where: str, redis: RedisObservation | None,
             redis_read_at: float | None) -> Finding:
    from authdoctor.jwt.claims import lifetime_text

    payload = token.payload
    evidence: dict[str, str] = (
        {"signed in": f"{obs.user} ({obs.method}): {obs.signin.shown}"} if obs.signin is not None
        else {"given token": "--token (or test_account.token): no sign-in, no sign-out"})
    iat, exp = payload.get("iat"), payload.get("exp")
    if isinstance(exp, int | float) and isinstance(iat, int | float):
        evidence["token lifetime"] = lifetime_text(float(exp) - float(iat))
    if isinstance(exp, int | float):
        evidence["token exp"] = _utc(float(exp))
    else:
        evidence["token exp"] = "none (JWT_EXPIRES_IN=-1 or 0: never expires)"
    evidence["token"] = f"{token.alg}, claims " + ", ".join(sorted(payload))
    if "auth_method" in payload:
        evidence["auth_method"] = str(payload["auth_method"])
    for label, exchange in (("Bearer round trip", obs.bearer), ("cookie round trip", obs.cookie),
                            ("sign-out", obs.signout), ("old token after sign-out", obs.after_signout)):
        if exchange is not None:
            evidence[label] = _answer(exchange)
    if redis is not None and redis.token is not None and redis.token.revoked:
        ttl = redis.token.revoked_ttl_s
        remaining = (f", the token's remaining life {int(float(exp) - redis_read_at)} s"
                     if isinstance(exp, int | float) and redis_read_at is not None else "")
        evidence["revocation key"] = f"found, TTL {ttl} s{remaining}"
    elif redis is not None and not redis.connected:
        evidence["revocation key"] = f"not read: Redis {redis.address} could not be used"
    if obs.stopped:
        evidence["stopped"] = obs.stopped
    try:
        from urllib.parse import urlsplit

        from authdoctor.checks._urls import is_loopback_host

        parts = urlsplit(obs.base_url)
        if parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname):
            sent = "password sent" if obs.signin is not None else "token sent"
            evidence[sent] = (f"over plain http to {parts.hostname}, as the deployment's own "
                              "sign-in does (anyone on the path can read it)")
    except ValueError:
        pass
    steps = "sign-in, the session round trip" + (" and sign-out" if obs.signout is not None else "")
    if obs.signin is None:
        steps = "the session round trip with the given token"
    return finding(
        "deploy.session-summary",
        (f"signed in at {where} as {obs.user}" if obs.signin is not None else
         f"the given token at {where}") + ": token valid "
        + (f"for {humanize_delta(float(exp) - float(iat))}" if isinstance(exp, int | float)
           and isinstance(iat, int | float)
           else f"until {_utc(float(exp))}" if isinstance(exp, int | float) else "for ever (no exp)"),
        detail=f"What {steps} with the test account showed (the token itself is never shown).",
        evidence=evidence, subject=where)
