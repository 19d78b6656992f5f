"""Token lifetime settings (`JWT_EXPIRES_IN`, `AUTOMATION_AUTH_TOKEN_EXPIRES_IN`), judged exactly as
Open WebUI 0.12.4 parses them. Settings half only: token decoding lives in `authdoctor jwt`.

App behaviour this rests on:

- `utils/misc.parse_duration`: `'-1'` and `'0'` mean no expiry; otherwise every
  `(-?\\d+(\\.\\d+)?)(ms|s|m|h|d|w)` match found *anywhere* in the text is summed (`1h30m` = 90
  minutes, `1month` = 1 minute, `1H30m` = 30 minutes); no match raises
  `ValueError('Invalid duration string')`.
- `utils/auth.create_session_response` parses `auth.jwt_expiry` on every password, LDAP,
  trusted-header and signup sign-in and the OAuth callback (`utils/oauth.py` parses it outside its
  try block), so an unparsable value makes every sign-in answer HTTP 500.
  `create_token` adds `exp` only when the timedelta is truthy: a zero sum (`0s`) is no expiry too;
  a negative sum gives tokens born expired; an `exp` past year 9999 overflows (500).
- `utils/auth.invalidate_token` revokes (Redis `…:auth:token:{jti}:revoked`) only tokens that
  carry `exp`: sign-out cannot revoke a token without expiry.
- `JWT_EXPIRES_IN` seeds the persisted key `auth.jwt_expiry`: after the first start the database
  value wins (see config.persisted-setting-ignored); the Admin UI accepts only
  `^(-1|0|(-?\\d+(\\.\\d+)?)(ms|s|m|h|d|w))$` and silently drops anything else.
- `utils/automations.py` parses `AUTOMATION_AUTH_TOKEN_EXPIRES_IN` inside `try/except ValueError`:
  an invalid value silently issues automation tokens without expiry.

Failure modes: `jwt.expires-in-invalid`, `jwt.no-expiry`, `jwt.revocation-impossible`,
`jwt.long-lifetime`, and `config.invalid-value` for a value the app reads differently than meant.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from authdoctor.checks._replicas import each_replica
from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding, Severity
from authdoctor.openwebui.envread import getenv
from authdoctor.openwebui.values import DurationReading, humanize, persistent_config, read_duration
from authdoctor.settings.model import EnvSource

AREA = "jwt"
VAR = "JWT_EXPIRES_IN"
DEFAULT = "4w"
AUTOMATION_VAR = "AUTOMATION_AUTH_TOKEN_EXPIRES_IN"
LONG_LIFETIME = timedelta(days=30)
"""Above the app's own default (4 weeks) a stolen token stays useful for longer than a month."""
BROWSER_COOKIE_CAP = timedelta(days=400)
"""RFC 6265bis: browsers cap Expires/Max-Age at 400 days (standards.md C7)."""

#: Words whose first letters the app's pattern reads as the unit they mean.
_UNIT_WORDS = {
    "ms": {"ms", "msec", "msecs"},
    "s": {"s", "sec", "secs", "second", "seconds"},
    "m": {"m", "min", "mins", "minute", "minutes"},
    "h": {"h", "hr", "hrs", "hour", "hours"},
    "d": {"d", "day", "days"},
    "w": {"w", "wk", "wks", "week", "weeks"},
}
_TOKEN = re.compile(r"(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)")


def _persisted_note(env: EnvSource) -> str:
    if not persistent_config(env):
        return ""
    return (" JWT_EXPIRES_IN only seeds the database on the first start; on an instance that has "
            "started before, set it in Admin > Settings > General (JWT Expiration, one unit only, "
            "e.g. 8h) or the env change has no effect.")


def misread_words(raw: str) -> list[str]:
    """`<number><word>` groups the app reads as something else than the word says (`1month` is 1
    minute, `1H` is ignored, `2y` is ignored when another group matched)."""
    wrong = []
    for number, word in _TOKEN.findall(raw):
        if not word:
            continue
        matched = next((unit for unit in ("ms", "s", "m", "h", "d", "w") if word.startswith(unit)), None)
        if matched is None or (word.lower() not in _UNIT_WORDS[matched] and word != matched):
            wrong.append(f"{number}{word}")
    return wrong


def _exp_overflows(delta: timedelta, now: datetime) -> bool:
    try:
        (now if now.tzinfo else now.replace(tzinfo=UTC)) + delta
    except OverflowError:
        return True
    return False


def lifetime_findings(env: EnvSource, now: datetime) -> list[Finding]:
    """`jwt.expires-in-invalid`, `jwt.no-expiry` (+ `jwt.revocation-impossible`),
    `jwt.long-lifetime` and the misread-unit `config.invalid-value` for JWT_EXPIRES_IN."""
    raw = getenv(env, VAR, DEFAULT)
    reading = read_duration(raw)
    location = env.location(VAR)
    shown = raw if env.get(VAR) is not None else f"{raw} (default)"
    persisted = _persisted_note(env)
    evidence = {VAR: shown}

    if reading.error is not None or (reading.delta is not None and _exp_overflows(reading.delta, now)):
        if reading.error == "invalid":
            why = (f"{raw!r} has no <number><unit> part the app understands (units: ms, s, m, h, d, "
                   "w, lower case, number and unit together): parse_duration raises "
                   "ValueError('Invalid duration string')")
        else:
            why = (f"{raw!r} is a lifetime too long for Python's datetime (past the year 9999), so "
                   "computing the token's exp raises OverflowError")
        hint = _invalid_hint(raw)
        return [finding(
            "jwt.expires-in-invalid",
            f"JWT_EXPIRES_IN={raw!r} cannot be parsed: every sign-in answers HTTP 500",
            detail=(f"{why}. The app parses it each time it issues a session token, so password, "
                    "LDAP and trusted-header sign-in, signup and the OAuth callback all fail with "
                    "500 Internal Server Error; the app itself starts normally." + hint + persisted),
            fix=("Set JWT_EXPIRES_IN to a number with a unit, e.g. JWT_EXPIRES_IN=8h (or 4w, 30d, "
                 "90m)." + (" If the instance has started before, set it in Admin > Settings > "
                            "General too." if persisted else "")),
            evidence=evidence, subject=VAR, location=location, severity=Severity.ERROR,
        )]
    findings: list[Finding] = []
    wrong = misread_words(raw) if reading.ignored.strip() else []
    if wrong and reading.delta is not None:
        findings.append(finding(
            "config.invalid-value",
            f"JWT_EXPIRES_IN={raw!r} is read as {humanize(reading.delta)}",
            detail=(f"The app sums every lower-case <number><unit> pair it finds and ignores the "
                    f"rest, so {', '.join(wrong)} does not mean what it says: tokens live "
                    f"{humanize(reading.delta)} (matched: {' + '.join(reading.pieces)}). There is no "
                    "month or year unit, and units are case-sensitive (M and H are not units)."
                    + persisted),
            fix="Write the lifetime with one of ms, s, m, h, d, w in lower case, e.g. 30d instead "
                "of 1month, 1h30m instead of 1H30m.",
            evidence={**evidence, "app reads": humanize(reading.delta)},
            subject=VAR, location=location, severity=Severity.WARNING,
        ))
    if reading.no_expiry:
        findings.extend(_no_expiry(env, raw, evidence, persisted))
        return findings
    assert reading.delta is not None
    if reading.negative or reading.delta < timedelta(seconds=1):
        born = ("negative" if reading.negative else "shorter than one second")
        findings.append(finding(
            "jwt.expires-in-invalid",
            f"JWT_EXPIRES_IN={raw!r} issues tokens that are already expired: a sign-in loop",
            detail=(f"The lifetime is {born} ({humanize(reading.delta)}). Sign-in answers 200 with a "
                    "token whose exp has passed and a cookie with Max-Age "
                    f"{int(reading.delta.total_seconds())}, so the very next request is refused "
                    "with 401 and the user is sent back to the sign-in page." + persisted),
            fix="Set JWT_EXPIRES_IN to a positive lifetime, e.g. JWT_EXPIRES_IN=8h.",
            evidence={**evidence, "app reads": humanize(reading.delta)},
            subject=VAR, location=location, severity=Severity.ERROR,
        ))
        return findings
    if reading.delta > LONG_LIFETIME:
        cap = ""
        if reading.delta > BROWSER_COOKIE_CAP:
            cap = (" Browsers also cap a cookie's lifetime at 400 days, so the cookie expires "
                   "before the token does.")
        findings.append(finding(
            "jwt.long-lifetime",
            f"sign-in tokens live {humanize(reading.delta)}",
            detail=(f"JWT_EXPIRES_IN={raw!r}: a token copied from a browser, a log or a proxy stays "
                    f"valid for {humanize(reading.delta)}. Open WebUI has no refresh: the lifetime "
                    "is the window an attacker has, and only Redis-backed sign-out or a password "
                    "change cuts it short." + cap + persisted),
            fix=("Shorten JWT_EXPIRES_IN to a working day or a week (e.g. 8h or 7d), or match the "
                 "IdP's session lifetime."),
            evidence={**evidence, "app reads": humanize(reading.delta)},
            subject=VAR, location=location, severity=Severity.WARNING,
        ))
    return findings


def _invalid_hint(raw: str) -> str:
    text = raw.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        if text in ("-1", "0"):
            return (f" The value has stray whitespace around {text!r}; only the exact text "
                    f"{text!r} means 'no expiry'.")
        return f" A bare number has no unit: for seconds write {text}s."
    if text != text.lower() and read_duration(text.lower()).error is None:
        return f" Units are case-sensitive: {text.lower()!r} would work."
    if re.search(r"\d\s+[a-z]", text):
        return " Number and unit must touch: '1h', not '1 hour'."
    return ""


def _redis_configured(env: EnvSource) -> bool:
    return bool(getenv(env, "REDIS_URL", "")) or bool(getenv(env, "REDIS_SENTINEL_HOSTS", "").strip(", "))


def _no_expiry(env: EnvSource, raw: str, evidence: dict[str, str], persisted: str) -> list[Finding]:
    location = env.location(VAR)
    startup = " (the app logs '⚠️ SECURITY WARNING: JWT_EXPIRES_IN is set to '-1'' at start)" \
        if raw == "-1" else ""
    findings = [finding(
        "jwt.no-expiry",
        f"JWT_EXPIRES_IN={raw!r}: sign-in tokens never expire",
        detail=(f"With {raw!r} the app issues tokens without exp{startup}, and the cookie becomes a "
                "browser-session cookie. A token copied once (from browser storage, a log, a "
                "screenshot of the API key page) works forever; only a password change (which "
                "rotates the account's session stamp) or deleting the user ends it."
                + ("" if _redis_configured(env) else " Without Redis, sign-out does not revoke "
                   "anything either.") + persisted),
        fix="Set JWT_EXPIRES_IN to a finite lifetime, e.g. JWT_EXPIRES_IN=8h or 7d.",
        evidence=evidence, subject=VAR, location=location, severity=Severity.WARNING,
    )]
    if _redis_configured(env):
        findings.append(finding(
            "jwt.revocation-impossible",
            "sign-out cannot revoke tokens that have no expiry",
            detail=("Redis is configured, but the app writes a revocation key "
                    "({REDIS_KEY_PREFIX}:auth:token:{jti}:revoked) only for tokens that carry exp, "
                    "with the remaining lifetime as its TTL. With JWT_EXPIRES_IN="
                    f"{raw!r} sign-out answers 200 and the token keeps working."),
            fix="Set JWT_EXPIRES_IN to a finite lifetime, e.g. 8h; revocation then works again.",
            evidence={**evidence, "REDIS_URL": "set"}, subject=VAR, location=location,
            severity=Severity.WARNING,
        ))
    return findings


def automation_findings(env: EnvSource) -> list[Finding]:
    """`jwt.no-expiry` for automation tokens: invalid, `-1` or `0` all mean no exp."""
    raw = env.get(AUTOMATION_VAR)
    if raw is None:
        return []
    reading: DurationReading = read_duration(raw)
    if reading.error is None and not reading.no_expiry:
        return []
    why = ("is not a duration the app can parse; it catches the ValueError and silently issues "
           "the token without expiry" if reading.error else "means no expiry")
    return [finding(
        "jwt.no-expiry",
        f"{AUTOMATION_VAR}={raw!r}: automation tokens never expire",
        detail=(f"Scheduled automations run with a token minted for the owner; {raw!r} {why}, so "
                "every such token stays valid forever if it leaks (for example from a tool call "
                "log)."),
        fix=f"Set {AUTOMATION_VAR} to a short lifetime, e.g. 1h (the default).",
        evidence={AUTOMATION_VAR: raw}, subject=AUTOMATION_VAR,
        location=env.location(AUTOMATION_VAR), severity=Severity.WARNING,
    )]


def check_settings(ctx: CheckContext) -> list[Finding]:
    def per_replica(env: EnvSource) -> list[Finding]:
        return [*lifetime_findings(env, ctx.now), *automation_findings(env)]

    return each_replica(ctx.deployment, per_replica)


CHECK = CheckSpec(area=AREA, title="Token lifetime", settings=check_settings, live=None)
