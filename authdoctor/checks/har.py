"""A browser's recording (HAR) judged: why sign-in failed, from what the browser did (pure).

`evaluate(log, now=..., public_url=..., env=...)` reads a `HarLog` (authdoctor.har.reader) and
returns findings; `authdoctor har FILE` (commands/har.py) runs it as the `har` area. Nothing here
does I/O. The diagnoses, each resting on a recorded behaviour or rule named in its module:

1. Cookies (`_har_cookies`): every Set-Cookie judged by the live cookie checks' own rules
   (`_cookie_rules`), confirmed against the requests that follow (a HAR never says a cookie was
   rejected; browser-truth.md), `har.cookie-not-sent` for drops no rule explains.
2. The OAuth round trip (`_har_oauth`): redirect URI, the IdP's answers (the live IdP probes'
   table), a lost state and its cause, a failed callback, form_post to http.
3. Sign-in and session (here): the sign-in POST's answer (`deploy.signin-failed`: 400 wrong
   credentials, 403, 429 rate limited, 500 with the settings that cause it,
   openwebui-live-0.12.4 §3.5), a 401 after sign-in with the token decoded (`har.token-rejected`:
   the app's detail strings of §3.6), a sign-out by GET (`deploy.signout-get-noop`, §3.7: 200 HTML,
   nothing revoked) and a token still accepted after the sign-out POST
   (`deploy.signout-not-revoking`).
4. Transport (here, with the transport area's codes): https sending the browser to http
   (`transport.mixed-scheme`), https without HSTS (`transport.hsts-missing`); form_post to http
   is in (2).
5. The recording itself: requests without an answer (`har.no-response`), no app request at all
   (`har.recording-incomplete`).
With settings (`--env-file`, ...), the token cookie's flags are compared with what they ask for
(`cookie.differs-from-config`, `_cookie_rules.judge_against_settings`) and the redirect URI with
the public URL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from authdoctor.checks._cookie_rules import judge_against_settings, parse_set_cookie
from authdoctor.checks._har_cookies import CHROMIUM_REASON, DROP_RULES, cookie_findings
from authdoctor.checks._har_flow import (
    LOGIN_PATH,
    SIGNIN_PATHS,
    SIGNOUT_PATH,
    TOKEN_COOKIE,
    Flow,
    TokenFacts,
    detail_text,
    json_body,
    request_line,
    shown_url,
    token_facts,
)
from authdoctor.checks._har_oauth import oauth_findings
from authdoctor.checks.base import finding
from authdoctor.findings import Finding, Severity
from authdoctor.har.model import HarEntry, HarLog

AREA = "har"
TITLE = "Browser recording (HAR)"


def evaluate(log: HarLog, *, now: datetime, public_url: str | None = None, env: Any = None) -> list[Finding]:
    """Every finding the recording supports (see the module docstring)."""
    flow = Flow.read(log, now, public_url=public_url, env=env)
    if not any(flow.is_app(e) for e in flow.entries):
        return [_no_app(flow)]
    cookieless = _cookieless(flow)
    if cookieless is not None:  # what needs no cookie is still judged
        return [cookieless, *oauth_findings(flow, {})[0], *signin_findings(flow), *signout_findings(flow),
                *transport_findings(flow), *no_response_findings(flow)]
    findings, _fates = cookie_findings(flow)
    dropped = {f.subject: CHROMIUM_REASON.get(f.code, f.code) for f in findings
               if f.code in DROP_RULES and f.severity is not Severity.INFO}
    dropped.update({f.subject: "not sent back" for f in findings if f.code == "har.cookie-not-sent"})
    oauth, _attempts = oauth_findings(flow, dropped)
    findings.extend(oauth)
    findings.extend(signin_findings(flow))
    findings.extend(token_findings(flow, dropped))
    findings.extend(signout_findings(flow))
    findings.extend(transport_findings(flow))
    findings.extend(no_response_findings(flow))
    if env is not None:
        findings.extend(settings_findings(flow))
    return findings


def _no_app(flow: Flow) -> Finding:
    hosts = sorted({e.hostname for e in flow.entries if e.hostname})
    shown = ", ".join(hosts[:8]) + (f" and {len(hosts) - 8} more" if len(hosts) > 8 else "")
    return finding(
        "har.recording-incomplete",
        "the recording holds no request to Open WebUI",
        detail=(f"None of the {len(flow.entries)} requests is to an Open WebUI route (/api/config, "
                "/api/v1/…, /oauth/{provider}/login or its callback, /_app/…)"
                + (f"; the hosts in it: {shown}" if shown else "; it has no entries") + ". Either "
                "another tab was recorded, or the Network panel was cleared by a navigation."),
        fix=("Open the developer tools on the Open WebUI tab, turn on 'Preserve log' (Chrome) or "
             "'Persist Logs' (Firefox), reproduce the sign-in, then save all as HAR."
             + (" Pass --public-url if the app is served under another path." if flow.entries else "")),
        evidence={"entries": str(len(flow.entries)), "hosts": shown or "none"}, subject="recording")


def _cookieless(flow: Flow) -> Finding | None:
    """A sign-in recorded without any cookie or Authorization header: Chrome's default export
    (since version 130) leaves Cookie, Set-Cookie and Authorization out, and Open WebUI always sets
    a cookie at sign-in and at its OAuth login. Judging cookies on such a file would report drops
    that did not happen."""
    if any(e.set_cookie_headers or e.request_header("cookie") is not None
           or e.request_header("authorization") is not None for e in flow.entries):
        return None
    signins = [e for e in flow.entries if flow.is_app(e) and e.has_response and 200 <= e.status < 400
               and (e.path.rstrip("/") in SIGNIN_PATHS or LOGIN_PATH.match(e.path))]
    if not signins:
        return None
    return finding(
        "har.recording-incomplete",
        "the recording holds no cookie and no Authorization header: it was exported sanitized",
        detail=(f"{request_line(signins[0])} is a sign-in, at which Open WebUI always sets a cookie, yet "
                "no Set-Cookie, Cookie or Authorization header is in the file. Chrome (since version 130) "
                "leaves them out of its default HAR export, and so do some sanitizing tools; without them "
                "the cookies, the OAuth state and the token cannot be followed."),
        fix=("Export again with the sensitive data (Chrome: DevTools settings > Preferences > Network > "
             "'Allow to generate HAR with sensitive data', then Export HAR (with sensitive data)); "
             "authdoctor never shows it, and --sanitize writes a copy that is safe to share."),
        evidence={"sign-in": request_line(signins[0])}, subject="recording")


# ----------------------------------------------------------------------------- sign-in and session


def _settings_causes_of_500(flow: Flow) -> list[str]:
    """Settings that make 0.12.4 answer 500 at sign-in, when settings were given."""
    env = flow.env
    if env is None:
        return []
    from authdoctor.openwebui.values import cookie_settings, read_duration, samesite_accepted

    causes = []
    cs = cookie_settings(env)
    if not samesite_accepted(cs.auth_same_site):
        causes.append(f"{cs.auth_same_site_var}={cs.auth_same_site!r} is not lax, strict or none "
                      "(cookie.samesite-invalid)")
    raw = env.get("JWT_EXPIRES_IN")
    if raw is not None and read_duration(raw).error is not None:
        causes.append(f"JWT_EXPIRES_IN={raw!r} cannot be parsed (jwt.expires-in-invalid)")
    return causes


def signin_findings(flow: Flow) -> list[Finding]:
    findings = []
    for entry in flow.entries:
        kind = SIGNIN_PATHS.get(entry.path.rstrip("/"))
        if kind is None or entry.method != "POST" or not flow.is_app(entry) or not entry.has_response:
            continue
        if 200 <= entry.status < 300:
            continue
        said = detail_text(entry)
        meaning = {
            400: "wrong email or password (the app gives the same answer for an unknown account, and "
                 "for an account that only signs in with SSO)",
            403: "this sign-in method is turned off (ENABLE_PASSWORD_AUTH=false, ENABLE_LDAP, or sign-up "
                 "closed)",
            422: "the request lacks a field the app needs",
            429: "rate limited: 15 attempts per email per 3 minutes, successful ones included; wait 3 "
                 "minutes",
        }.get(entry.status, "")
        if entry.status >= 500:
            causes = _settings_causes_of_500(flow)
            meaning = ("the app failed while signing in" + (": " + "; ".join(causes) if causes else
                       ": often an unparsable JWT_EXPIRES_IN or a SameSite value other than lax/strict/"
                       "none; run authdoctor check --env-file .env"))
        findings.append(finding(
            "deploy.signin-failed",
            f"the {kind} sign-in was answered {entry.status}" + (f": {said}" if said else ""),
            detail=f"{request_line(entry)}: {meaning or 'the answer is not a session'}.",
            fix={400: "Check the email and password; an SSO-only account signs in with its provider.",
                 429: "Wait 3 minutes before trying again (every attempt counts).",
                 403: "Turn on the sign-in method the user tried, or use another one."}.get(
                entry.status, "Fix the setting the detail names; the app's log has the traceback."),
            evidence={"request": request_line(entry), "the app said": said or "(no detail)"},
            subject=f"{kind} sign-in", severity=Severity.WARNING if entry.status in (400, 429) else None))
    return findings


def _signed_in_at(flow: Flow) -> int | None:
    """The index of the first answer that gave the browser a session (a token cookie or body)."""
    for entry in flow.entries:
        if not flow.is_app(entry):
            continue
        for raw in entry.set_cookie_headers:
            cookie = parse_set_cookie(raw)
            if cookie is not None and cookie.name == TOKEN_COOKIE and cookie.value.strip('"') \
                    and not cookie.is_deletion():
                return entry.index
        document = json_body(entry) if entry.path.rstrip("/") in SIGNIN_PATHS else None
        if isinstance(document, dict) and isinstance(document.get("token"), str):
            return entry.index
    return None


def _signouts(flow: Flow) -> list[HarEntry]:
    return [e for e in flow.entries if flow.is_app(e) and e.path.rstrip("/") == SIGNOUT_PATH
            and e.method == "POST" and e.has_response and 200 <= e.status < 300]


def _token_sent(entry: HarEntry) -> tuple[str | None, str]:
    bearer = entry.bearer
    if bearer:
        return bearer, "Authorization: Bearer"
    cookie = entry.request_cookies.get(TOKEN_COOKIE)
    if cookie:
        return cookie.strip('"'), "the token cookie"
    return None, ""


def token_findings(flow: Flow, dropped: dict[str, str]) -> list[Finding]:
    signed_in = _signed_in_at(flow)
    if signed_in is None:
        return []
    signouts = _signouts(flow)
    grouped: dict[tuple[str, str], tuple[Finding, int]] = {}
    for entry in flow.entries[signed_in + 1:]:
        if not flow.is_app(entry) or entry.status != 401 or not entry.path.startswith("/api/"):
            continue
        token, how = _token_sent(entry)
        said = detail_text(entry)
        moment = flow.time_of(entry)
        before = [s for s in signouts if s.index < entry.index]
        facts = token_facts(token) if token else None
        cause, severity, fix = _rejection_cause(facts, said, moment, before, dropped, token, how)
        key = (cause, facts.jti if facts else "")
        if key in grouped:
            first, count = grouped[key]
            grouped[key] = (first, count + 1)
            continue
        evidence = {"request": request_line(entry), "the app said": said or "(no detail)",
                    "token sent": f"{facts.shown} via {how}" if facts else "none"}
        if facts is not None and facts.exp is not None:
            from authdoctor.jwt.claims import format_utc

            evidence["token exp"] = format_utc(facts.exp) or str(facts.exp)
        if before:
            evidence["signed out at"] = request_line(before[-1])
        grouped[key] = (finding(
            "har.token-rejected", f"the app refused the browser's token: {cause}",
            detail=(f"After the sign-in at #{signed_in + 1}, {request_line(entry)} was answered 401 "
                    f"({said or 'no detail'}): {cause}."),
            fix=fix, evidence=evidence, subject="token", severity=severity), 1)
    findings = []
    for first, count in grouped.values():
        findings.append(first if count < 2 else replace(
            first, evidence={**first.evidence, "401 answers like it": str(count)}))
    return findings


def _rejection_cause(facts: TokenFacts | None, said: str, moment: datetime, signouts: list[HarEntry],
                     dropped: dict[str, str], token: str | None,
                     how: str) -> tuple[str, Severity, str]:
    lowered = said.lower()
    if facts is None:
        if TOKEN_COOKIE in dropped:
            return (f"no token was sent: the browser refused the token cookie ({dropped[TOKEN_COOKIE]})",
                    Severity.ERROR, "Fix the token cookie finding above; this 401 is its consequence.")
        return ("no token was sent (neither the token cookie nor an Authorization header)",
                Severity.WARNING, "Sign in again; if it repeats, the token cookie is not kept (see the "
                                  "cookie findings) or the page lost its stored token.")
    if facts.exp is not None and facts.exp <= moment.timestamp():
        return ("the token had expired", Severity.WARNING,
                "Sign in again; if sessions end too soon, raise JWT_EXPIRES_IN (Admin Panel > Settings).")
    if "invalid token" in lowered:
        if signouts:
            return ("it was revoked by the sign-out before it (Redis keeps revoked tokens): working as "
                    "intended", Severity.INFO,
                    "Sign in again; a page still using the old token should reload.")
        return ("the token was revoked, or the account's session stamp changed (a password change "
                "signs out every session)", Severity.WARNING, "Sign in again.")
    if "401 unauthorized" in lowered:
        return ("the token's signature does not verify: it was signed with another WEBUI_SECRET_KEY (a "
                "key regenerated at restart, or replicas with different keys)" if facts.decoded else
                "the token is not a JWT the app can read", Severity.ERROR,
                "Set one persistent WEBUI_SECRET_KEY for every replica (authdoctor check --env-file .env "
                "compares them), then sign in again.")
    if "invalid authentication request" in lowered:
        return ("the token names a user the app no longer has", Severity.WARNING,
                "Sign in again; the account was deleted or the database replaced.")
    if "not authenticated" in lowered:
        return ("the app saw no credential", Severity.WARNING,
                "A proxy may strip the Authorization or Cookie header; check its rules.")
    return (f"the app refused it ({said or 'no detail'})", Severity.WARNING,
            "Read the app's log at that time.")


def signout_findings(flow: Flow) -> list[Finding]:
    findings = []
    for entry in flow.entries:
        if not flow.is_app(entry) or entry.path.rstrip("/") != SIGNOUT_PATH or entry.method != "GET":
            continue
        if entry.has_response and entry.status == 200 and "html" in entry.mime.lower():
            findings.append(finding(
                "deploy.signout-get-noop",
                "sign-out was done with GET: the app answered its web page and signed nobody out",
                detail=(f"{request_line(entry)} ({entry.mime or 'text/html'}): in Open WebUI 0.12.4 "
                        "sign-out is POST /api/v1/auths/signout; a GET is answered by the web page's "
                        "catch-all with 200 HTML, writes no revocation and leaves the token valid."),
                fix=("Sign out with POST /api/v1/auths/signout (the app's own button does); fix the link, "
                     "proxy logout rule or script that uses GET."),
                evidence={"request": request_line(entry), "answer": f"{entry.status} {entry.mime}"},
                subject=SIGNOUT_PATH))
            break
    for signout in _signouts(flow):
        token, _how = _token_sent(signout)
        if not token:
            continue
        for later in flow.after(signout):
            sent, how = _token_sent(later)
            if sent == token and flow.is_app(later) and later.path.startswith("/api/") \
                    and 200 <= later.status < 300 and later.path.rstrip("/") != SIGNOUT_PATH:
                findings.append(finding(
                    "deploy.signout-not-revoking",
                    "after sign-out the app still accepted the old token",
                    detail=(f"The browser signed out at {request_line(signout)}, and "
                            f"{request_line(later)} with the same token ({how}) was answered "
                            f"{later.status}: sign-out did not revoke it. Without Redis this is how "
                            "0.12.4 works (revocation needs REDIS_URL)."),
                    fix="Configure REDIS_URL (the same on every replica) so sign-out revokes tokens.",
                    evidence={"sign-out": request_line(signout), "accepted after": request_line(later),
                              "token": token_facts(token).shown}, subject="token"))
                return findings
    return findings


# ----------------------------------------------------------------------------- transport


def transport_findings(flow: Flow) -> list[Finding]:
    """`transport.mixed-scheme` (the transport area's code): the app, used over https, sent the
    browser to http:// (a redirect) or the browser went on over plain http to it; and
    `transport.hsts-missing`: the app's https answers carry no Strict-Transport-Security (host
    names only: browsers ignore HSTS for IP addresses, RFC 6797 §8.1)."""
    import ipaddress

    findings: list[Finding] = []
    app = [e for e in flow.entries if flow.is_app(e)]
    hosts = {e.hostname for e in app}
    first_https = next((e for e in flow.entries if e.hostname in hosts and e.scheme == "https"), None)
    if first_https is not None:
        later = flow.entries[first_https.index:]
        to_http = next((e for e in later if e.hostname in hosts and e.is_redirect
                        and e.location.startswith("http://")), None)
        plain = next((e for e in later if e.hostname in hosts and e.scheme == "http"
                      and not (e.is_redirect and e.location.startswith("https://"))), None)
        seen = to_http or plain
        if seen is not None:
            what = (f"{request_line(seen)} redirects to {shown_url(seen.location)}" if seen is to_http
                    else f"{request_line(seen)} is plain http")
            findings.append(finding(
                "transport.mixed-scheme",
                f"the app at https://{first_https.hostname} sent the browser to plain http://",
                detail=(f"The recording uses the app over https ({request_line(first_https)}), then "
                        f"{what}: cookies marked Secure are not sent there, the OAuth state and "
                        "SameSite do not cross schemes, and what is sent travels in clear."),
                fix="Set WEBUI_URL to the https URL, make the proxy send X-Forwarded-Proto: https and "
                    "redirect http to https.",
                evidence={"https": request_line(first_https), "http": request_line(seen)},
                subject=seen.hostname))

    def by_name(host: str) -> bool:
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return True
        return False

    answered = [e for e in app if e.scheme == "https" and e.has_response and by_name(e.hostname)]
    if answered and not any(e.response_header("strict-transport-security") for e in answered):
        findings.append(finding(
            "transport.hsts-missing", f"https://{answered[0].hostname} sends no Strict-Transport-Security",
            detail=(f"None of the app's {len(answered)} https answers in the recording carries HSTS, so a "
                    "browser sent to http:// first makes a plain-http request (SSL stripping, cookies "
                    "without Secure in clear)."),
            fix="Send Strict-Transport-Security: max-age=31536000 from the proxy.",
            evidence={"first answer": request_line(answered[0])}, subject=answered[0].hostname))
    return findings


def no_response_findings(flow: Flow) -> list[Finding]:
    missing = [e for e in flow.entries if not e.has_response]
    if not missing:
        return []
    app_missing = [e for e in missing if flow.is_app(e)]
    shown = (app_missing or missing)[:5]
    evidence = {f"#{e.index + 1}": request_line(e) for e in shown}
    return [finding(
        "har.no-response",
        f"{len(missing)} request(s) in the recording got no answer"
        + (f", {len(app_missing)} of them to the app" if app_missing else ""),
        detail=("The browser recorded these requests without a response: cancelled by a navigation, "
                "blocked, failed at the network level, or still pending when the HAR was saved. Checks "
                "that need their answers skip them."),
        fix="If a sign-in request is among them, read its error; save the HAR after the page settles.",
        evidence=evidence, subject="recording")]


# ----------------------------------------------------------------------------- with settings


def settings_findings(flow: Flow) -> list[Finding]:
    """The token cookie as it arrived against the flags the settings ask for."""
    from authdoctor.openwebui.values import cookie_settings, read_duration

    env = flow.env
    settings = cookie_settings(env)
    expected: int | None = None
    raw = env.get("JWT_EXPIRES_IN")
    reading = read_duration(raw if raw is not None else "4w")
    if reading.delta is not None and reading.delta.total_seconds() > 0:
        expected = int(reading.delta.total_seconds())
    for entry in flow.entries:
        if not flow.is_app(entry) or entry.path.rstrip("/") not in SIGNIN_PATHS:
            continue
        for raw_cookie in entry.set_cookie_headers:
            cookie = parse_set_cookie(raw_cookie)
            if cookie is None or cookie.name != TOKEN_COOKIE:
                continue
            return judge_against_settings(cookie, settings, expected_max_age=expected,
                                          where=request_line(entry), public_url=flow.public_url or "")
    return []
