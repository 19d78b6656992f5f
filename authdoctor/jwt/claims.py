"""What a decoded token's claims mean at a given moment: times, lifetime, hints, and the findings
that need no key. Pure: a `DecodedToken` and `now` in, facts and findings out.

Findings named here, and the rule each rests on:

- `jwt.malformed`       from `MalformedTokenError` (RFC 7515 §2, J9): names the segment and why.
- `jwt.alg-none`        header `alg` is `none`: an unsigned token that anyone can forge
                        (RFC 7519 §6, RFC 8725 §3.2, J2). Open WebUI accepts only HS256.
- `jwt.expired`         `exp` at or before now - leeway (RFC 7519 §4.1.4, J1; PyJWT's exact test,
                        which Open WebUI uses with no leeway).
- `jwt.not-yet-valid`   `nbf` after now + leeway (RFC 7519 §4.1.5).
- `jwt.issued-in-future` `iat` after now + leeway. RFC 7519 §4.1.6 calls `iat` informational, but
                        PyJWT rejects such a token (`ImmatureSignatureError`), so Open WebUI
                        answers 401: the issuing server's clock is ahead. A skew within 5 min
                        of a whole (or :30/:45) number of hours is named a time-zone mistake
                        (local time where UTC is expected, e.g. an RTC kept in local time).
- `jwt.no-expiry`       no `exp`: the token is valid until the key changes. For an Open WebUI
                        token (`id` and `jti` present) this is `JWT_EXPIRES_IN=-1` or `0`, and
                        sign-out cannot revoke it: `invalidate_token` only writes the Redis key
                        `{prefix}:auth:token:{jti}:revoked` for a token with `exp`.
- `jwt.claim-missing`   (jwt verify, validly signed HMAC tokens only) a claim Open WebUI 0.12.4's
                        request path demands is absent: `id`, `session_stamp`; an unknown `typ`;
                        `iat` (warning). See `openwebui_claim_findings`.
- `jwt.long-lifetime`   lifetime (`exp - iat`, else `exp - nbf`, else at least `exp - now`) above
                        `LONG_LIFETIME_S`.

Long-lifetime bound: 30 days. Open WebUI's default `JWT_EXPIRES_IN` is `4w` (28 days), so a
default deployment stays quiet, while the values people reach for when they are tired of signing
in (`52w`, `365d`, `9999d`) are flagged. No RFC sets a number; RFC 8725 asks only that lifetimes be
limited. 30 days is also where a stolen token stops being "until the next password change" in
practice: without Redis, sign-out does not revoke (openwebui-auth.md §revocation), so the lifetime
is the only bound on a copied token. Above 400 days the browser additionally caps the `token`
cookie (RFC 6265bis, C7), so the cookie disappears before the token expires.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from authdoctor.clock import humanize_delta
from authdoctor.findings import Finding, Severity
from authdoctor.jwt.codes import make_finding
from authdoctor.jwt.tokens import DecodedToken, MalformedTokenError

DAY = 86400
LONG_LIFETIME_S = 30 * DAY
OPENWEBUI_DEFAULT_LIFETIME_S = 28 * DAY
COOKIE_CAP_S = 400 * DAY
OPENWEBUI_ALG = "HS256"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_utc(value: float) -> str | None:
    """`2026-12-24T19:01:43Z`, or None when the value is outside what a date can hold."""
    try:
        moment = _EPOCH + timedelta(seconds=claim_seconds(value))
    except (OverflowError, ValueError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# A NumericDate may be any JSON number, so an integer claim can have hundreds of digits, far
# beyond what a float holds (converting it raises OverflowError). Such a time is past any calendar
# either way; for arithmetic it is clamped to this many seconds (31 billion years), while the
# claim's own value is kept for display.
CLAMP_S = 1e18


def claim_seconds(value: int | float) -> float:
    """The claim as float seconds for arithmetic, clamped to +-CLAMP_S (never OverflowError)."""
    if abs(value) > CLAMP_S:  # int comparison is exact: no float conversion of a huge int here
        return CLAMP_S if value > 0 else -CLAMP_S
    return float(value)


def _number(value: float) -> int | float:
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


class ClaimTime:
    """One of exp/iat/nbf relative to `now`. `offset_s` is value - now (negative: in the past).

    This module's classes are plain classes, not dataclasses: each dataclass costs about half a
    millisecond at import, and `jwt decode` must start nearly as fast as typer itself."""

    __slots__ = ("claim", "offset_s", "seconds", "utc", "value")

    def __init__(self, claim: str, value: int | float, utc: str | None, offset_s: float) -> None:
        self.claim = claim
        self.value = value
        self.seconds = claim_seconds(value)
        self.utc = utc
        self.offset_s = offset_s

    @property
    def relative(self) -> str:
        past = self.offset_s <= 0
        span = "just now" if abs(self.offset_s) < 1 else humanize_delta(self.offset_s)
        when = span if span == "just now" else (f"{span} ago" if past else f"in {span}")
        if self.claim == "exp":
            return f"expired {when}" if past else f"expires {when}"
        if self.claim == "iat":
            return f"issued {when}" if past else f"issued {span} in the future"
        return f"valid since {when}" if past else f"not valid until {when}"

    def to_dict(self) -> dict[str, Any]:
        return {"value": _number(self.value), "utc": self.utc,
                "seconds_from_now": _number(round(self.offset_s)), "relative": self.relative}


class Times:
    """The token's time claims at `now`, with the leeway used (always reported)."""

    __slots__ = ("exp", "iat", "leeway_s", "nbf", "now")

    def __init__(self, *, now: datetime, leeway_s: float, exp: ClaimTime | None, iat: ClaimTime | None,
                 nbf: ClaimTime | None) -> None:
        self.now = now
        self.leeway_s = leeway_s
        self.exp = exp
        self.iat = iat
        self.nbf = nbf

    @property
    def lifetime_s(self) -> float | None:
        """`exp - iat`, else `exp - nbf`; None without exp or a start."""
        start = self.iat or self.nbf
        if self.exp is None or start is None:
            return None
        return self.exp.seconds - start.seconds

    @property
    def lifetime_from(self) -> str | None:
        if self.exp is None:
            return None
        return "iat" if self.iat else ("nbf" if self.nbf else None)

    def to_dict(self) -> dict[str, Any]:
        lifetime = self.lifetime_s
        return {
            "now": format_utc(self.now.timestamp()),
            "leeway_s": _number(self.leeway_s),
            "exp": self.exp.to_dict() if self.exp else None,
            "iat": self.iat.to_dict() if self.iat else None,
            "nbf": self.nbf.to_dict() if self.nbf else None,
            "lifetime_s": None if lifetime is None else _number(lifetime),
            "lifetime": None if lifetime is None else lifetime_text(lifetime),
            "lifetime_from": self.lifetime_from,
        }


def shown_number(value: int | float) -> str:
    """A claim value for a message: a number with very many digits is shortened."""
    text = str(value)
    if len(text) > 24:
        return f"{text[:12]}…({len(text.lstrip('-'))} digits, beyond any calendar)"
    return text


def lifetime_text(seconds: float) -> str:
    if seconds < 0:
        return f"negative ({humanize_delta(seconds)} before it was issued)"
    return humanize_delta(seconds)


def token_times(token: DecodedToken, now: datetime, leeway_s: float = 0) -> Times:
    now_ts = now.timestamp()

    def claim(name: str) -> ClaimTime | None:
        value = token.payload.get(name)
        if value is None:
            return None
        return ClaimTime(claim=name, value=value, utc=format_utc(value),
                         offset_s=claim_seconds(value) - now_ts)

    return Times(now=now, leeway_s=leeway_s, exp=claim("exp"), iat=claim("iat"), nbf=claim("nbf"))


def is_openwebui_token(payload: dict[str, Any]) -> bool:
    """Open WebUI's own session tokens carry `id` (user id) and `jti` (since the Redis
    revocation versions) and no `sub`/`iss` (openwebui-live-0.12.4.md §3.3)."""
    return "id" in payload and "jti" in payload


# --------------------------------------------------------------------------- findings


def malformed_finding(error: MalformedTokenError) -> Finding:
    segment = error.segment
    where = "The token" if segment == "token" else f"The token's {segment} segment"
    return make_finding(
        "jwt.malformed",
        f"{where} is malformed: {error.reason}",
        detail=("A JWT is three base64url segments separated by dots: a JSON header, a JSON payload "
                "and the signature. A verifier rejects anything else before looking at the claims; "
                "Open WebUI answers 401 \"401 Unauthorized\"."),
        fix=("Copy the whole token again, exactly as sent: from the `token` cookie or the "
             "`Authorization: Bearer` header in the browser's developer tools, without line breaks."),
        evidence={"segment": segment},
        subject=segment,
    )


def alg_findings(token: DecodedToken) -> list[Finding]:
    if token.alg.lower() != "none":
        return []
    return [make_finding(
        "jwt.alg-none",
        "The token is unsigned (alg: none)",
        detail=("Anyone can write such a token with any claims; a verifier must reject it unless it "
                "explicitly allows unsecured tokens (RFC 7519 §6, RFC 8725 §3.2). Open WebUI accepts "
                "only HS256 and answers 401."),
        fix=("Find what produced this token: no real issuer signs with 'none'. If a server accepted "
             "it, restrict that server's algorithms to the one it issues (e.g. algorithms=['HS256'])."),
        evidence={"alg": token.alg},
        subject="alg",
    )]


def time_findings(token: DecodedToken, times: Times) -> list[Finding]:
    owui = is_openwebui_token(token.payload)
    findings: list[Finding] = []
    leeway_value = humanize_delta(times.leeway_s)
    now_text = format_utc(times.now.timestamp())
    exp, nbf, iat = times.exp, times.nbf, times.iat

    if exp is not None and exp.offset_s <= -times.leeway_s:
        ago = "just now" if abs(exp.offset_s) < 1 else f"{humanize_delta(exp.offset_s)} ago"
        detail = "A verifier must reject a token at or after exp (RFC 7519 §4.1.4)."
        if owui:
            detail += " Open WebUI checks exp with no leeway and answers 401 \"401 Unauthorized\"."
            fix = ("Sign in again for a fresh token. If tokens expire sooner than expected, check the "
                   "JWT expiry (JWT_EXPIRES_IN, default 4w; Admin Panel > Settings > General once "
                   "stored) and that the servers' clocks are in sync (NTP).")
            if iat is not None and exp.seconds <= iat.seconds:
                detail += (" exp is not after iat: the token was already expired when it was issued, "
                           "which is what a negative JWT_EXPIRES_IN (e.g. -1h) produces.")
                fix = ("Set JWT_EXPIRES_IN to a positive duration such as 4w (or -1 for no expiry, "
                       "which is not recommended); every sign-in is rejected until then.")
        else:
            fix = ("Get a fresh token from the issuer (sign in again or use the refresh token). If it "
                   "was already expired on arrival, compare the issuer's and the server's clocks.")
        findings.append(make_finding(
            "jwt.expired", f"The token expired {ago} ({exp.utc or shown_number(exp.value)})",
            detail=detail, fix=fix,
            evidence={"exp": exp.utc or shown_number(exp.value), "now": now_text or "",
                      "leeway": leeway_value},
            subject="exp"))

    if nbf is not None and nbf.offset_s > times.leeway_s:
        findings.append(make_finding(
            "jwt.not-yet-valid",
            f"The token is not valid yet: nbf is {humanize_delta(nbf.offset_s)} from now",
            detail=("A verifier rejects the token until nbf (RFC 7519 §4.1.5). Usually the issuer's clock "
                    "is ahead of this one."),
            fix=("Synchronise the clocks of the issuer and this server (NTP). A verifier may allow a "
                 "small leeway, a few minutes at most."),
            evidence={"nbf": nbf.utc or shown_number(nbf.value), "now": now_text or "",
                      "leeway": leeway_value},
            subject="nbf"))

    if iat is not None and iat.offset_s > times.leeway_s:
        detail = ("The clock of the server that issued the token is ahead of this one. PyJWT, which "
                  "Open WebUI uses with no leeway, rejects such a token (\"The token is not yet valid "
                  "(iat)\"), so the user gets 401 right after signing in.")
        fix = ("Synchronise the clocks of every server and replica (NTP, chrony); with several "
               "replicas, the one that issued the token and the one that checks it differ.")
        zone = time_zone_offset(iat.offset_s)
        evidence = {"iat": iat.utc or shown_number(iat.value), "now": now_text or "", "leeway": leeway_value}
        if zone is None:
            title = f"The token was issued {humanize_delta(iat.offset_s)} in the future: clock skew"
        else:
            title = (f"The token was issued {humanize_delta(iat.offset_s)} in the future: a clock "
                     f"{zone} off, a time-zone mistake")
            detail += (f" An offset of almost exactly {zone} is not drift: it is a time-zone "
                       "offset. One of the two machines keeps local time where UTC is expected, "
                       "typically a hardware clock (RTC) kept in local time (a Windows dual boot, "
                       "`timedatectl` showing 'RTC in local TZ: yes'), a clock set by hand in the "
                       "wrong zone, or a container or VM host with a wrong time zone.")
            fix = ("On the server that issued the token (and this one) compare `date -u` with the "
                   "real UTC time and run `timedatectl`: keep the hardware clock in UTC "
                   "(`timedatectl set-local-rtc 0`), set the right time zone, and enable NTP "
                   "(`timedatectl set-ntp true`). " + fix)
            evidence["looks like"] = f"time zone offset of {zone}"
        findings.append(make_finding(
            "jwt.issued-in-future", title, detail=detail, fix=fix, evidence=evidence,
            subject="iat"))

    if exp is None:
        if owui:
            detail = ("Open WebUI issues tokens without exp when JWT_EXPIRES_IN is -1 or 0. Such a token "
                      "stays valid until WEBUI_SECRET_KEY changes, and sign-out cannot revoke it: the "
                      "app writes the Redis revocation key {prefix}:auth:token:<jti>:revoked only for "
                      "tokens with exp. The cookie becomes a browser-session cookie.")
            fix = ("Set a finite JWT expiry such as 4w (JWT_EXPIRES_IN, or Admin Panel > Settings > "
                   "General once stored in the database). Tokens already issued stay valid until "
                   "WEBUI_SECRET_KEY is rotated.")
        else:
            detail = ("Without exp the token never expires: whoever copies it keeps access until the "
                      "signing key changes, and revocation by jti needs a list kept forever.")
            fix = "Configure the issuer to set exp (RFC 7519 §4.1.4), with a lifetime fit for the use."
        findings.append(make_finding("jwt.no-expiry", "The token never expires (no exp claim)",
                                     detail=detail, fix=fix, subject="exp"))
    else:
        findings.extend(_lifetime_findings(times, owui))
    return findings


#: Real time-zone offsets are whole hours, or :30 / :45 past (India, Nepal, parts of Australia),
#: up to 14 h (UTC+14). Tokens are decoded a little after they are issued, so the skew seen is
#: the offset minus up to TZ_TOLERANCE_S (or a little more, for a clock also slightly fast).
TZ_TOLERANCE_S = 300
_TZ_STEPS_MIN = (0, 30, 45)


def time_zone_offset(offset_s: float) -> str | None:
    """'7 h' / '5 h 30 min' when a clock difference of `offset_s` seconds is within
    TZ_TOLERANCE_S of a real time-zone offset (1 h to 14 h), else None."""
    for hours in range(1, 15):
        for minutes in _TZ_STEPS_MIN:
            zone = hours * 3600 + minutes * 60
            if -TZ_TOLERANCE_S <= zone - offset_s <= TZ_TOLERANCE_S:
                return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return None


def _lifetime_findings(times: Times, owui: bool) -> list[Finding]:
    assert times.exp is not None
    lifetime = times.lifetime_s
    at_least = lifetime is None
    if lifetime is None:
        lifetime = times.exp.offset_s  # the rest of its life is a lower bound
    if lifetime <= LONG_LIFETIME_S:
        return []
    span = humanize_delta(lifetime)
    title = (f"The token is valid for {'at least ' if at_least else ''}{span}, above the "
             f"{LONG_LIFETIME_S // DAY}-day bound")
    basis = (f"{times.lifetime_from} to exp" if times.lifetime_from else "now to exp (no iat or nbf)")
    detail = (f"Lifetime {span} ({basis}). A copied token works for that long; without Redis, "
              "sign-out does not revoke it, so the lifetime is the only limit.")
    if lifetime > COOKIE_CAP_S:
        detail += (" Browsers cap cookies at 400 days (RFC 6265bis), so the cookie is dropped "
                   "before the token expires.")
    if owui:
        fix = (f"Lower the JWT expiry (JWT_EXPIRES_IN, default 4w = {OPENWEBUI_DEFAULT_LIFETIME_S // DAY} "
               "d; Admin Panel > Settings > General once stored in the database).")
    else:
        fix = "Shorten the token lifetime at the issuer; use refresh tokens for long sessions."
    return [make_finding("jwt.long-lifetime", title, detail=detail, fix=fix,
                         evidence={"lifetime": span, "bound": f"{LONG_LIFETIME_S // DAY} d"},
                         subject="exp")]


# --------------------------------------------------------------------------- required claims

#: Token kinds `utils/auth.is_valid_token` accepts (0.12.4); an absent `typ` counts as session.
OPENWEBUI_TOKEN_TYPES = ("session", "automation", "subagent")
_HMAC_ALGS = ("HS256", "HS384", "HS512")


def openwebui_claim_findings(token: DecodedToken) -> list[Finding]:
    """`jwt.claim-missing` for a validly signed HMAC token (no `iss`: not an IdP token) that lacks
    what Open WebUI 0.12.4's request path demands (`utils/auth.py get_current_user`,
    `is_valid_token`, read in the 0.12.4 wheel):

    - `id`: `if data is not None and 'id' in data`, else 401 "401 Unauthorized".
    - `session_stamp`: must equal the account's stamp (`auth.session_stamp`, set for every account
      0.12.4 creates), else 401 "Invalid token" (live: the claim removed, 401 "Invalid token").
    - `typ`: optional (absent means session), but any value other than session, automation or
      subagent gives 401 "Invalid token".
    - `iat`: optional until the account has a Redis `{prefix}:auth:user:<id>:revoked_at` key
      (password change, back-channel logout); then a token without iat is refused (warning).
    `exp` is not required (PyJWT checks it only when present; `jwt.no-expiry` covers it), and
    `mfa_verified` matters only with MFA enforced, which the token cannot show."""
    payload = token.payload
    if token.alg not in _HMAC_ALGS or "iss" in payload:
        return []
    findings: list[Finding] = []
    fix_token = ("Sign in again to get a token the app issued itself; a token minted by hand or by "
                 "another tool must carry id, session_stamp (the account's current stamp from the "
                 "auth table) and typ 'session', like the app's own.")
    if "id" not in payload:
        alt = " It has sub instead: Open WebUI reads the user id only from id." if "sub" in payload else ""
        findings.append(make_finding(
            "jwt.claim-missing", "The token has no id claim: Open WebUI answers 401 \"401 Unauthorized\"",
            detail=("The signature is valid, but Open WebUI 0.12.4 accepts a token only when its "
                    "payload has the user id in id (get_current_user); without it every request "
                    "answers 401 {\"detail\":\"401 Unauthorized\"}." + alt),
            fix=fix_token, evidence={"claim": "id", "app answers": "401 \"401 Unauthorized\""},
            subject="id"))
    if "session_stamp" not in payload:
        findings.append(make_finding(
            "jwt.claim-missing",
            "The token has no session_stamp claim: Open WebUI 0.12.4 answers 401 \"Invalid token\"",
            detail=("The signature is valid, but 0.12.4 compares the token's session_stamp with the "
                    "account's current stamp on every request (is_valid_token) and every account "
                    "it creates has one, so a token without it gets 401 {\"detail\":\"Invalid "
                    "token\"}. Tokens from Open WebUI before 0.12 lack it."),
            fix=fix_token, evidence={"claim": "session_stamp", "app answers": "401 \"Invalid token\""},
            subject="session_stamp"))
    typ = payload.get("typ")
    if "typ" in payload and typ not in OPENWEBUI_TOKEN_TYPES:
        findings.append(make_finding(
            "jwt.claim-missing",
            f"The token's typ is {json.dumps(typ)[:40]}: Open WebUI 0.12.4 answers 401 \"Invalid token\"",
            detail=("Open WebUI accepts typ session, automation or subagent (or no typ, read as "
                    "session) and refuses any other value with 401 {\"detail\":\"Invalid token\"}."),
            fix=fix_token, evidence={"claim": "typ", "typ": json.dumps(typ)[:40],
                                     "accepted": ", ".join(OPENWEBUI_TOKEN_TYPES)},
            subject="typ"))
    if "iat" not in payload:
        finding = make_finding(
            "jwt.claim-missing",
            "The token has no iat claim: refused once the account's tokens are revoked",
            detail=("Open WebUI accepts a token without iat until the account gets a Redis key "
                    "{prefix}:auth:user:<id>:revoked_at (a password change or an OIDC back-channel "
                    "logout); from then on it refuses every token without iat with 401 "
                    "{\"detail\":\"Invalid token\"}, because it cannot tell when it was issued."),
            fix=fix_token,
            evidence={"claim": "iat", "app answers": "401 \"Invalid token\" after a revocation"},
            subject="iat")
        findings.append(dataclasses.replace(finding, severity=Severity.WARNING))
    return findings


# --------------------------------------------------------------------------- hints


class Hint:
    """What a claim (or header field) means for the app; `part` is `header` or `payload`."""

    __slots__ = ("claim", "part", "text")

    def __init__(self, part: str, claim: str, text: str) -> None:
        self.part = part
        self.claim = claim
        self.text = text

    def to_dict(self) -> dict[str, str]:
        return {"part": self.part, "claim": self.claim, "text": self.text}


def claim_hints(token: DecodedToken, times: Times) -> list[Hint]:
    payload = token.payload
    hints: list[Hint] = []
    if is_openwebui_token(payload):
        if token.alg != OPENWEBUI_ALG:
            hints.append(Hint("header", "alg", f"Open WebUI signs and accepts only {OPENWEBUI_ALG} "
                              "(with WEBUI_SECRET_KEY); it rejects this token"))
        hints.append(Hint("payload", "id", "Open WebUI user id. The role is not in the token: it is "
                          "read from the database on every request"))
        if times.exp is None:
            jti = ("Token id, used for revocation, but this token has no exp: Open WebUI cannot "
                   "write a revocation key for it, so sign-out leaves it valid")
        else:
            jti = ("Token id, used for revocation: sign-out writes {prefix}:auth:token:<jti>:revoked "
                   "in Redis (only when Redis is configured), valid until exp")
        hints.append(Hint("payload", "jti", jti))
        if "session_stamp" in payload:
            hints.append(Hint("payload", "session_stamp", "Must match the account's current stamp; a "
                              "password change rotates it, and every earlier token then gets 401 "
                              "\"Invalid token\""))
        else:
            hints.append(Hint("payload", "session_stamp", "Absent: Open WebUI 0.12.4 answers 401 "
                              "\"Invalid token\" to a token without it (older versions did not issue it)"))
        if "iat" in payload:
            hints.append(Hint("payload", "iat", "Compared with {prefix}:auth:user:<id>:revoked_at in "
                              "Redis: tokens issued at or before it are rejected"))
        if "exp" in payload:
            hints.append(Hint("payload", "exp", "Set from the JWT expiry (JWT_EXPIRES_IN, default 4w); "
                              "checked with no leeway"))
        if "typ" in payload:
            hints.append(Hint("payload", "typ", "Token kind: session (a sign-in), automation or subagent"))
        if "auth_method" in payload:
            hints.append(Hint("payload", "auth_method", "How the user signed in (password, ldap, "
                              "trusted_header, oauth, ...)"))
    else:
        if "iss" in payload:
            hints.append(Hint("payload", "iss", "Issuer: must equal the provider's discovery 'issuer' "
                              "exactly, trailing slash included"))
        if "aud" in payload:
            hints.append(Hint("payload", "aud", "Audience: must contain the client id of the app "
                              "that accepts the token"))
        if "sub" in payload:
            hints.append(Hint("payload", "sub", "Subject: the user's stable id at the issuer"))
    if token.kid is not None:
        hints.append(Hint("header", "kid", "Key id: selects the verification key in the issuer's JWKS"))
    return hints
