"""The OAuth round trip as the browser made it (pure): the app's `/oauth/{provider}/login`, the IdP's
authorization request and pages, and the callback.

What each step can show, and the rule it rests on:
- the login answer: 302 to the IdP (healthy) or an error (`oauth.provider-not-registered`: the app
  does not offer the provider);
- the `redirect_uri` the app sent, against the origin the browser was on and the public URL:
  another scheme or host means the host-only `owui-session` cookie (authlib's state) is not sent
  at the callback (`oauth.redirect-uri-scheme-mismatch` / `-host-mismatch`); a path that is not
  one of 0.12.4's callback routes (`/oauth/{provider}/callback`, `/oauth/{provider}/login/callback`)
  is `oauth.redirect-uri-path-invalid` / `-trailing-slash`;
- the IdP's answers, read with the same table as the live IdP probes
  (`authdoctor.checks._idp_answers`, idp-responses.md §1): an unregistered redirect URI, an
  unknown client, PKCE required, or any other error page or `error=` redirect
  (`har.oauth-error-returned`);
- the callback: without `owui-session` the state is lost (`har.oauth-state-lost`, or
  `cookie.samesite-strict-breaks-oauth` when a Strict cookie met a navigation the IdP's page
  started: a form submitted at the IdP, or form_post; browser-truth.md truth table 2); with it, a
  code, and an error answer, the server-side code exchange failed (`har.oauth-callback-failed`);
- an https IdP page posting (form_post) to an http:// callback off loopback, never followed by the
  callback: Chrome's 'not secure' interstitial (`har.insecure-form-post`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from authdoctor.checks._cookie_rules import SetCookie, parse_set_cookie
from authdoctor.checks._har_flow import (
    CALLBACK_PATH,
    LOGIN_PATH,
    SESSION_COOKIE,
    TOKEN_COOKIE,
    Flow,
    detail_text,
    hostname,
    request_line,
    resolve,
    shown_url,
    url_params,
)
from authdoctor.checks._idp_answers import Answer, Probe, Verdict, classify, recognise
from authdoctor.checks._urls import is_loopback_host
from authdoctor.checks.base import finding
from authdoctor.findings import Finding, Severity
from authdoctor.har.model import HarEntry, origin_of
from authdoctor.masking import mask_credentials

AADSTS = re.compile(r"\bAADSTS\d{5,7}\b")
FORM_ACTION = re.compile(r"""<form\b[^>]*\baction\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
APP_ERROR_PARAM = ("error", "error_description", "message")


@dataclass
class Attempt:
    """One OAuth sign-in as recorded, from the app's login route on."""

    provider: str
    login: HarEntry
    authorize_url: str = ""
    authorize: HarEntry | None = None
    idp: list[HarEntry] = field(default_factory=list)
    callback: HarEntry | None = None
    session: SetCookie | None = None
    """The owui-session cookie the login answer set (authlib's state)."""

    @property
    def params(self) -> dict[str, str]:
        return url_params(self.authorize_url)

    @property
    def redirect_uri(self) -> str:
        return self.params.get("redirect_uri", "")


def attempts(flow: Flow) -> list[Attempt]:
    found: list[Attempt] = []
    logins = [e for e in flow.entries
              if flow.is_app(e) and LOGIN_PATH.match(e.path) and e.method == "GET"]
    for position, login in enumerate(logins):
        match = LOGIN_PATH.match(login.path)
        provider = match.group(1) if match else ""
        attempt = Attempt(provider=provider, login=login)
        attempt.session = next((c for c in map(parse_set_cookie, login.set_cookie_headers)
                                if c is not None and c.name == SESSION_COOKIE), None)
        end = logins[position + 1].index if position + 1 < len(logins) else len(flow.entries)
        window = flow.entries[login.index + 1:end]
        if login.is_redirect:
            attempt.authorize_url = resolve(login.url, login.location)
            target = attempt.authorize_url.split("#", 1)[0]
            attempt.authorize = next((e for e in window if e.url.split("#", 1)[0] == target), None)
        redirect_path = urlsplit(attempt.redirect_uri).path if attempt.redirect_uri else ""
        for entry in window:
            is_callback = bool(CALLBACK_PATH.match(entry.path)) or (
                bool(redirect_path) and entry.path == redirect_path
                and origin_of(entry.url) == origin_of(attempt.redirect_uri))
            if is_callback and ({"code", "state", "error"} & (set(entry.query) | set(entry.form))):
                attempt.callback = entry
                break
            if attempt.authorize is not None and entry.index >= attempt.authorize.index \
                    and not flow.is_app(entry):
                attempt.idp.append(entry)
        found.append(attempt)
    return found


def _answer(entry: HarEntry) -> Answer:
    import html
    import json
    from urllib.parse import unquote

    error = description = ""
    is_json = False
    try:
        document = json.loads(entry.body) if entry.body.strip()[:1] in ("{", "[") else None
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        is_json = True
        raw = document.get("error")
        error = raw if isinstance(raw, str) else ""
        parts = [document.get(k) for k in ("error_description", "error_hint", "message")]
        description = " ".join(p for p in parts if isinstance(p, str))
    location = entry.location
    if location and not error:
        params = url_params(location)
        error = params.get("error", "")
        description = " ".join(params.get(k, "") for k in ("error_description", "error_hint")).strip()
    text = html.unescape(entry.body) + " " + unquote(location)
    return Answer(status=entry.status, error=error, description=" ".join(description.split()), text=text,
                  location=location, is_json=is_json, content_type=entry.mime.split(";")[0].strip().lower())


def _idp_text(entry: HarEntry, answer: Answer) -> str:
    """The IdP's own words: its error code and description, an AADSTS code, masked and short."""
    parts = [p for p in (answer.error, answer.description) if p]
    codes = AADSTS.findall(answer.text)
    if codes:
        parts.append(", ".join(dict.fromkeys(codes)))
    if not parts:
        title = re.search(r"<title>([^<]{1,200})</title>", entry.body, re.IGNORECASE)
        if title:
            parts.append(" ".join(title.group(1).split()))
    return mask_credentials(": ".join(parts))[:300]


def _redirect_uri_findings(flow: Flow, attempt: Attempt) -> list[Finding]:
    uri = attempt.redirect_uri
    if not uri:
        return []
    findings: list[Finding] = []
    browser_origin = attempt.login.origin
    uri_origin = origin_of(uri)
    evidence = {"redirect_uri sent to the IdP": shown_url(uri), "login": request_line(attempt.login)}
    public = flow.settings_public_url
    if public:
        evidence["public URL"] = shown_url(public)
    for against, label in ((browser_origin, "the address the browser used"),
                           (origin_of(public) if public else "", "the public URL")):
        if not against or not uri_origin or uri_origin == against:
            continue
        scheme_a, scheme_b = against.split("://", 1)[0], uri_origin.split("://", 1)[0]
        same_host = against.split("://", 1)[1] == uri_origin.split("://", 1)[1]
        code = ("oauth.redirect-uri-scheme-mismatch" if scheme_a != scheme_b and same_host
                else "oauth.redirect-uri-host-mismatch")
        lost = (" The owui-session cookie (the OAuth state) is host-only, so the browser will not send "
                "it there." if label == "the address the browser used" else "")
        other = "scheme" if code.endswith("scheme-mismatch") else "host"
        findings.append(finding(
            code,
            f"the redirect URI the app sent ({uri_origin}) is not {label} ({against})",
            detail=(f"At {request_line(attempt.login)} the app told the IdP to send the browser back to "
                    f"{shown_url(uri)}, on another {other} "
                    f"than {label}.{lost} The app builds it from WEBUI_URL-independent request data: the "
                    "proxy's X-Forwarded-Proto/Host, or a pinned OPENID_REDIRECT_URI."),
            fix=(f"Set OPENID_REDIRECT_URI (or the provider's *_REDIRECT_URI) to {against}/oauth/"
                 f"{attempt.provider}/callback, register it at the IdP, and let the proxy pass "
                 "X-Forwarded-Proto and Host (uvicorn --forwarded-allow-ips)."),
            evidence=evidence, subject=f"{attempt.provider} redirect_uri"))
        break
    path = urlsplit(uri).path
    if not CALLBACK_PATH.match(path):
        trailing = path.endswith("/") and bool(CALLBACK_PATH.match(path.rstrip("/")))
        code = "oauth.redirect-uri-trailing-slash" if trailing else "oauth.redirect-uri-path-invalid"
        findings.append(finding(
            code,
            f"the redirect URI's path {path} is not the app's callback route",
            detail=(f"Open WebUI 0.12.4 serves the callback at /oauth/{attempt.provider}/callback (and "
                    f"/oauth/{attempt.provider}/login/callback); the IdP would send the browser to "
                    f"{shown_url(uri)}, which the app answers with its web page, not the sign-in."),
            fix=(f"Set the provider's redirect URI to {browser_origin}/oauth/{attempt.provider}/callback "
                 "(OPENID_REDIRECT_URI for oidc) and register exactly that at the IdP."),
            evidence=evidence, subject=f"{attempt.provider} redirect_uri"))
    return findings


_VERDICT_CODES = {Verdict.REDIRECT_MISMATCH: "oauth.redirect-uri-not-registered",
                  Verdict.CLIENT_UNKNOWN: "oauth.client-unknown",
                  Verdict.PKCE_REQUIRED: "oauth.pkce-required"}


def _idp_findings(flow: Flow, attempt: Attempt) -> list[Finding]:
    family = recognise({"authorization_endpoint": attempt.authorize_url})
    findings: list[Finding] = []
    for entry in attempt.idp:
        if not entry.has_response:
            continue
        answer = _answer(entry)
        failing = entry.status >= 400 or (entry.is_redirect and bool(answer.error)
                                          and not (attempt.redirect_uri and entry.location.startswith(
                                              attempt.redirect_uri.split("?", 1)[0])))
        if not failing and not (entry.status == 200 and AADSTS.search(answer.text)):
            continue
        shape = classify(Probe.AUTHORIZE, answer, family, redirect_uri=attempt.redirect_uri)
        said = _idp_text(entry, answer) or f"HTTP {entry.status}"
        evidence = {"IdP answer": request_line(entry), "the IdP says": said,
                    "redirect_uri sent": shown_url(attempt.redirect_uri) or "(none)",
                    "client_id": attempt.params.get("client_id", "(none)")}
        code = _VERDICT_CODES.get(shape.verdict)
        if code == "oauth.redirect-uri-not-registered":
            findings.append(finding(
                code, f"the IdP refuses the redirect URI {shown_url(attempt.redirect_uri)}",
                detail=(f"The browser went to the IdP and it answered {entry.status}: {shape.meaning}. "
                        "The IdP compares the redirect URI with the registered ones character for "
                        "character (RFC 9700 §2.1): scheme, host, port, path and a trailing slash "
                        "all count."),
                fix=(f"Register {shown_url(attempt.redirect_uri)} at the IdP for client "
                     f"{attempt.params.get('client_id', '?')}, or make the app send the registered one "
                     "(OPENID_REDIRECT_URI, WEBUI_URL, the proxy's X-Forwarded-Proto/Host)."),
                evidence=evidence, subject=f"{attempt.provider} redirect_uri"))
        elif code is not None:
            findings.append(finding(
                code, f"the IdP refused the sign-in: {shape.meaning}",
                detail=f"The browser went to the IdP and it answered {entry.status}: {said}.",
                fix=("Register the client id at the IdP as the app sends it (OAUTH_CLIENT_ID)."
                     if code == "oauth.client-unknown" else
                     "Set OAUTH_CODE_CHALLENGE_METHOD=S256, or allow the client without PKCE at the IdP."),
                evidence=evidence, subject=f"{attempt.provider} client"))
        else:
            findings.append(finding(
                "har.oauth-error-returned", f"the IdP refused the sign-in: {said}",
                detail=(f"The browser went to the IdP, which answered {request_line(entry)} instead of "
                        "sending it back to the app with a code. Its message names the cause."),
                fix="Fix the client registration at the IdP as its error names it.",
                evidence=evidence, subject=f"{attempt.provider} at the IdP"))
        break  # the first refusal is the cause; what follows is its consequence
    return findings


def _navigation_back(flow: Flow, attempt: Attempt) -> str:
    """How the browser came back to the callback: 'form_post', 'form' (a form submitted on an IdP
    page, then redirects), or 'redirect' (302s only, from the app's own link)."""
    callback = attempt.callback
    if callback is None:
        return ""
    if callback.method == "POST":
        return "form_post"
    if any(e.method == "POST" for e in attempt.idp if e.index < callback.index):
        return "form"
    return "redirect"


def _app_error(entry: HarEntry) -> str:
    """The error the app's callback answered with: a /auth?error=… redirect or a JSON detail."""
    if entry.is_redirect:
        params = url_params(resolve(entry.url, entry.location))
        for name in APP_ERROR_PARAM:
            if params.get(name):
                return mask_credentials(" ".join(params[name].split()))[:300]
        return ""
    if entry.status >= 400:
        return detail_text(entry) or f"HTTP {entry.status}"
    return ""


def _callback_findings(flow: Flow, attempt: Attempt, fates_dropped: dict[str, str]) -> list[Finding]:
    callback = attempt.callback
    if callback is None:
        return []
    given = {**callback.query, **callback.form}
    evidence = {"callback": request_line(callback), "login": request_line(attempt.login)}
    if given.get("error"):
        parts = (given.get("error", ""), given.get("error_description", ""))
        said = mask_credentials(": ".join(p for p in parts if p))[:300]
        code = "oauth.redirect-uri-not-registered" if given["error"] == "redirect_uri_mismatch" else \
            "har.oauth-error-returned"
        return [finding(code, f"the IdP sent the browser back with an error: {said}",
                        detail=("The callback carries `error` instead of a code (RFC 6749 §4.1.2.1): the "
                                "IdP refused the authorization request."),
                        fix="Fix the client registration at the IdP as its error names it.",
                        evidence={**evidence, "the IdP says": said},
                        subject=f"{attempt.provider} at the IdP")]
    sent = callback.request_cookies
    app_said = _app_error(callback)
    if app_said:
        evidence["the app answered"] = app_said
    if attempt.session is not None and SESSION_COOKIE not in sent:
        return [_state_lost(flow, attempt, evidence, fates_dropped)]
    failed = bool(app_said) or callback.status >= 400
    token_set = any((c := parse_set_cookie(raw)) is not None and c.name == TOKEN_COOKIE and c.value.strip('"')
                    for raw in _chain_set_cookies(flow, callback))
    if "code" in given and failed and not token_set:
        return [finding(
            "har.oauth-callback-failed",
            f"the app's callback failed after the IdP returned a code: {app_said or callback.status}",
            detail=("The browser came back with a code, the state and the owui-session cookie, so the "
                    "round trip itself worked; the app then redeems the code at the IdP's token "
                    "endpoint (server to server, not in the recording) and failed. The usual cause is a "
                    "wrong or expired OAUTH_CLIENT_SECRET; also the app not reaching the token "
                    "endpoint, an ID token it refuses, or its account rules (ENABLE_OAUTH_SIGNUP, "
                    "OAUTH_ALLOWED_DOMAINS)."),
            fix=("Run `authdoctor check --env-file .env` against the IdP (it presents the client to the "
                 "token endpoint and names a wrong secret), and read the app's log at the callback's time."),
            evidence=evidence, subject=f"{attempt.provider} callback")]
    return []


def _chain_set_cookies(flow: Flow, entry: HarEntry) -> list[str]:
    return [raw for hop in flow.redirect_chain(entry) for raw in hop.set_cookie_headers]


def _state_lost(flow: Flow, attempt: Attempt, evidence: dict[str, str],
                fates_dropped: dict[str, str]) -> Finding:
    session = attempt.session
    assert session is not None and attempt.callback is not None
    callback = attempt.callback
    same_site = (session.same_site or "").strip().lower()
    how = _navigation_back(flow, attempt)
    evidence = {**evidence, "owui-session": session.shown, "came back by": {
        "form_post": "form_post: the IdP's page POSTed to the callback",
        "form": "a form submitted on the IdP's page, then redirects",
        "redirect": "redirects only"}.get(how, how)}
    if callback.hostname != attempt.login.hostname or callback.scheme != attempt.login.scheme:
        why = (f"the callback is on {origin_of(callback.url)} but the cookie was set by "
               f"{origin_of(attempt.login.url)}: a host-only cookie is not sent to another host or scheme")
        fix = (f"Make the redirect URI use {origin_of(attempt.login.url)} (OPENID_REDIRECT_URI, "
               "WEBUI_URL, the proxy's X-Forwarded-Proto/Host), or open the app at the address the "
               "redirect URI names.")
        code = "har.oauth-state-lost"
    elif SESSION_COOKIE in fates_dropped:
        why = f"the browser refused the cookie when it was set ({fates_dropped[SESSION_COOKIE]})"
        fix = "Fix the cookie finding for owui-session (WEBUI_SESSION_COOKIE_SECURE / _SAME_SITE)."
        code = "har.oauth-state-lost"
    elif same_site == "strict" and how in ("form", "form_post"):
        return finding(
            "cookie.samesite-strict-breaks-oauth",
            "the SameSite=Strict owui-session cookie was not sent at the OAuth callback: state lost",
            detail=("The login set owui-session with SameSite=Strict. The browser came back from the IdP "
                    "by a navigation the IdP's page started (" + evidence["came back by"] + "), which is "
                    "cross-site, so a Strict cookie is not sent (RFC 6265bis C4; Chromium "
                    "'SchemefulSameSiteStrict'); the app finds no state and the sign-in fails. "
                    "(Strict cookies are sent when the IdP only redirects, which is why it can work "
                    "for users already signed in at the IdP.)"),
            fix="Set WEBUI_SESSION_COOKIE_SAME_SITE=lax (WEBUI_AUTH_COOKIE_SAME_SITE may stay strict).",
            evidence=evidence, subject="WEBUI_SESSION_COOKIE_SAME_SITE")
    elif how == "form_post" and same_site in ("lax", ""):
        why = (f"the IdP's page POSTed the answer back (form_post), a cross-site POST on which a "
               f"SameSite={session.same_site or 'unspecified (Lax after 2 minutes)'} cookie is not sent")
        fix = ("Let the app use the query response mode (remove response_mode=form_post from "
               "OAUTH_AUTHORIZE_PARAMS / the IdP client), or serve https with "
               "WEBUI_SESSION_COOKIE_SAME_SITE=none and WEBUI_SESSION_COOKIE_SECURE=true.")
        code = "har.oauth-state-lost"
    else:
        why = "the recording does not show why (it was set, and not sent back)"
        fix = "Check the browser's cookie settings for the app and proxy rules that rewrite Set-Cookie."
        code = "har.oauth-state-lost"
    return finding(
        code, "the OAuth callback arrived without the owui-session cookie: the sign-in state is lost",
        detail=(f"The app set owui-session at {request_line(attempt.login)} and the browser came back to "
                f"{request_line(callback)} without it: {why}. The app cannot match the state and the "
                "sign-in fails."),
        fix=fix, evidence=evidence, subject="owui-session")


def _insecure_form_post(flow: Flow, attempt: Attempt) -> list[Finding]:
    if attempt.callback is not None:
        return []
    uri = attempt.redirect_uri
    posts = attempt.params.get("response_mode", "") == "form_post"
    for entry in attempt.idp:
        if entry.scheme != "https" or not entry.body:
            continue
        for action in FORM_ACTION.findall(entry.body):
            target = resolve(entry.url, action)
            to_callback = posts or (uri and target.split("?")[0] == uri.split("?")[0])
            if target.startswith("http://") and to_callback and not is_loopback_host(hostname(target)):
                return [finding(
                    "har.insecure-form-post",
                    f"the IdP's https page posts the sign-in to http://{hostname(target)}: Chrome stops it",
                    detail=(f"{request_line(entry)} is a form posting to {shown_url(target)} "
                            "(response_mode=form_post), and the recording never reaches that callback: "
                            "Chrome shows 'The information you're about to submit is not secure' and "
                            "the sign-in stops there."),
                    fix=("Serve the app over https and make the redirect URI https (WEBUI_URL=https://…, "
                         "X-Forwarded-Proto at the proxy, or OPENID_REDIRECT_URI)."),
                    evidence={"IdP page": request_line(entry), "form posts to": shown_url(target)},
                    subject=f"{attempt.provider} callback")]
    return []


def oauth_findings(flow: Flow, dropped: dict[str, str]) -> tuple[list[Finding], list[Attempt]]:
    """Findings of every OAuth attempt; `dropped` maps a cookie name to the rule that refused it
    (from the cookie findings), to name the cause of a lost state."""
    findings: list[Finding] = []
    found = attempts(flow)
    for attempt in found:
        if attempt.login.has_response and attempt.login.status >= 400:
            findings.append(finding(
                "oauth.provider-not-registered",
                f"the app does not offer the OAuth provider {attempt.provider!r}",
                detail=(f"{request_line(attempt.login)}: the app answered {attempt.login.status} "
                        f"({detail_text(attempt.login) or 'no detail'}) instead of redirecting to the "
                        "IdP; 0.12.4 registers a provider only when all its settings are present and "
                        "its discovery document could be read at startup."),
                fix="Check the provider's settings with `authdoctor check --env-file .env`.",
                evidence={"login": request_line(attempt.login)}, subject=attempt.provider))
            continue
        findings.extend(_redirect_uri_findings(flow, attempt))
        findings.extend(_idp_findings(flow, attempt))
        findings.extend(_callback_findings(flow, attempt, dropped))
        findings.extend(_insecure_form_post(flow, attempt))
    # A callback without any login before it: the recording starts mid-flow.
    seen = {a.callback.index for a in found if a.callback is not None}
    for entry in flow.entries:
        if flow.is_app(entry) and CALLBACK_PATH.match(entry.path) and entry.index not in seen \
                and ({"code", "state", "error"} & (set(entry.query) | set(entry.form))):
            findings.append(finding(
                "har.recording-incomplete",
                "the recording starts in the middle of an OAuth sign-in (a callback without its login)",
                detail=(f"{request_line(entry)} is the app's OAuth callback, but the recording has no "
                        "/oauth/{provider}/login before it, so the redirect URI, the cookie the login "
                        "set and the IdP's pages cannot be judged. Browsers clear the Network panel at "
                        "each navigation unless Preserve log is on."),
                fix=("Turn on 'Preserve log' (Chrome) or 'Persist Logs' (Firefox) before signing in, "
                     "reproduce, and save the HAR again."),
                evidence={"callback": request_line(entry)}, subject="recording",
                severity=Severity.WARNING))
            break
    return findings, found
