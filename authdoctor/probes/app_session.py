"""The app-session probe: a test account's sign-in, the session round trip and (opt-in) sign-out
against a running Open WebUI, each answer kept as data. I/O only; evaluation is
`authdoctor.checks._app_session`.

What it sends (openwebui-live-0.12.4 §3.2-3.7), at most five requests, in this order, each once
(never retried, not even after 429), redirects never followed, within the probe timeout each and
stopping at the run's deadline:

1. `POST /api/v1/auths/signin` with `{"email","password"}`, or `POST /api/v1/auths/ldap` with
   `{"user","password"}` (routers/auths.py `LdapForm`) when the caller says LDAP: one sign-in,
   which counts toward the app's rate limit (15 per email per 180 s) and creates a session.
2. With the token the answer carries: `GET /api/v1/auths/` with `Authorization: Bearer <token>`,
   3. and again with `Cookie: token=<token>` only (the session round trip; read-only, though the
   app re-issues the cookie).
4. With `signout`: `POST /api/v1/auths/signout` with the Bearer token (never GET: on 0.12.4 a GET
   is the SPA page and does nothing),
5. then `GET /api/v1/auths/` with the old token as Bearer: is it refused now?

The password goes to the sign-in URL only, in the JSON body; the token only to the same origin.
Every answer's `Set-Cookie` headers are kept raw (they carry the token: `SessionObservation.to_dict`
masks them); any copy of the password an answer echoes is replaced by `***`. httpx is imported
inside the probe only, with `trust_env=False` (proxies from the environment as httpx reads them,
named in the observation; netrc never read).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from authdoctor.probes import ProbeFailure, Rung

SIGNIN_PATH = "/api/v1/auths/signin"
LDAP_PATH = "/api/v1/auths/ldap"
SESSION_PATH = "/api/v1/auths/"
SIGNOUT_PATH = "/api/v1/auths/signout"
MAX_BODY = 1024 * 1024
FIRST_BYTES = 200


@dataclass(frozen=True)
class Exchange:
    """One request and its answer (or how it failed). `set_cookies` holds the raw Set-Cookie
    headers, which may carry the session token: never shown as they are."""

    method: str
    path: str
    credential: str
    """How the request authenticated: 'password', 'ldap', 'bearer', 'cookie'."""
    status: int | None = None
    reason: str = ""
    content_type: str = ""
    detail: str | None = None
    """The JSON answer's `detail` string (Open WebUI's error text), when there is one."""
    body_start: str = ""
    """The first bytes of a body that is not JSON (an HTML page, a proxy error), on one line."""
    set_cookies: tuple[str, ...] = field(default=(), repr=False)
    at: float = 0.0
    """Unix time when the answer arrived (the clock the cookie lifetimes are judged against)."""
    elapsed_s: float = 0.0
    failure: ProbeFailure | None = None
    refused: str = ""
    retry_after: str | None = None
    location: str | None = None
    """A redirect's `Location` (credentials masked, secrets scrubbed); redirects are not followed."""

    @property
    def answered(self) -> bool:
        return self.failure is None and self.status is not None and not self.refused

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def shown(self) -> str:
        """'POST /api/v1/auths/signin 200' (or the failure)."""
        if self.refused:
            return f"{self.request}: not sent ({self.refused})"
        if self.failure is not None:
            return f"{self.request}: {self.failure.summary}"
        return f"{self.request} {self.status}"

    def to_dict(self) -> dict[str, Any]:
        from authdoctor.checks._cookie_rules import parse_set_cookie

        cookies = [c.shown for c in (parse_set_cookie(raw) for raw in self.set_cookies) if c is not None]
        return {"method": self.method, "path": self.path, "credential": self.credential,
                "status": self.status, "reason": self.reason, "content_type": self.content_type,
                "detail": self.detail, "body_start": self.body_start, "set_cookies": cookies,
                "at": self.at, "elapsed_s": round(self.elapsed_s, 3),
                "failure": self.failure.to_dict() if self.failure else None, "refused": self.refused,
                "retry_after": self.retry_after, "location": self.location}


@dataclass(frozen=True)
class SessionObservation:
    """What the session probe saw. `token` is the session token the sign-in issued (a secret:
    never in `to_dict`, only its length)."""

    base_url: str
    user: str
    method: str
    """'password', 'ldap', or 'token' (a token the user gave: no sign-in, only the round trip)."""
    signin: Exchange | None
    token: str | None = field(default=None, repr=False)
    bearer: Exchange | None = None
    cookie: Exchange | None = None
    signout: Exchange | None = None
    after_signout: Exchange | None = None
    proxy: str | None = None
    stopped: str = ""
    """Why later steps were not made ('' when every step asked for ran)."""

    def to_dict(self) -> dict[str, Any]:
        def one(exchange: Exchange | None) -> dict[str, Any] | None:
            return exchange.to_dict() if exchange is not None else None

        return {"base_url": self.base_url, "user": self.user, "method": self.method,
                "signin": one(self.signin), "token_chars": len(self.token) if self.token else 0,
                "bearer": one(self.bearer), "cookie": one(self.cookie), "signout": one(self.signout),
                "after_signout": one(self.after_signout), "proxy": self.proxy, "stopped": self.stopped}


def _one_line(data: bytes, secrets: list[str]) -> str:
    """The body's start on one line, every copy of a secret replaced first (a secret cut at the
    200th character or spread over folded whitespace would otherwise show in part)."""
    import re

    text = _scrub(bytes(data).decode("utf-8", "replace"), secrets)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:FIRST_BYTES] + ("…" if len(text) > FIRST_BYTES else "")


def _forms(secret: str) -> set[str]:
    """The secret as an answer may echo it: as it is, HTML-, URL- and JSON-escaped, whitespace folded."""
    import html
    import re
    from urllib.parse import quote, quote_plus

    forms = {secret, html.escape(secret), html.escape(secret, quote=False), quote(secret, safe=""),
             quote(secret), quote_plus(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1], re.sub(r"\s+", " ", secret).strip()}
    return {form for form in forms if form}


def _scrub(text: str, secrets: list[str]) -> str:
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def run_session(base_url: str, *, user: str, password: str, ldap: bool = False, signout: bool = False,
                timeout_s: float = 5.0, verify_tls: bool = True, ca_file: str | None = None,
                deadline: float | None = None, environ: Mapping[str, str] | None = None,
                given_token: str | None = None) -> SessionObservation:
    """Sign in at `base_url`, make the session round trip, and sign out when asked (see the module
    docstring). With `given_token` (a token the user gave) there is no sign-in and no sign-out:
    only the round trip with that token (steps 2-3). Never raises for a network failure; a failed
    step is an `Exchange.failure`."""
    import httpx

    from authdoctor.http import USER_AGENT
    from authdoctor.masking import mask_url
    from authdoctor.probes.http import _failure, _timeout_failure, _verify, proxy_for, strip_credentials

    base = strip_credentials(base_url).rstrip("/")
    method = "token" if given_token else "ldap" if ldap else "password"
    path = LDAP_PATH if ldap else SIGNIN_PATH
    proxy = proxy_for(base + path, environ)
    shown_proxy = mask_url(proxy) if proxy else None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(base)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        verify = _verify(verify_tls, ca_file)
    except Exception as exc:  # an unusable URL or CA file: the sign-in is not attempted
        failure = ProbeFailure(Rung.PROTOCOL, f"the request cannot be made ({exc})", {"error": str(exc)})
        return SessionObservation(base_url=base, user=user, method=method,
                                  signin=Exchange("POST", path, method, failure=failure), proxy=shown_proxy)
    secrets = [password, given_token or ""]

    def budget() -> float:
        if deadline is None:
            return timeout_s
        return max(0.05, min(timeout_s, deadline - time.monotonic()))

    def late() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    issued: str | None = None
    client = httpx.Client(verify=verify, follow_redirects=False, trust_env=False, proxy=proxy,
                          headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                                   "Accept": "application/json"})

    def exchange(verb: str, route: str, credential: str, *, body: Mapping[str, str] | None = None,
                 bearer: str | None = None, cookie: str | None = None) -> Exchange:
        nonlocal issued
        client.cookies.clear()  # only the credential this step names is sent, never a kept cookie
        headers: dict[str, str] = {}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if cookie is not None:
            headers["Cookie"] = f"token={cookie}"
        content = None
        if body is not None:
            content = json.dumps(dict(body)).encode("utf-8")
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        timeout = budget()
        try:
            with client.stream(verb, base + route, content=content, headers=headers,
                               timeout=httpx.Timeout(timeout)) as response:
                data = bytearray()
                overran = False
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_BODY:
                        del data[MAX_BODY:]
                        break
                    if time.monotonic() - started > timeout:  # httpx's timeout is per read: a drip
                        overran = True
                        break
                if overran:
                    failure = _timeout_failure("body", timeout, len(data), host, port)
                    return Exchange(verb, route, credential, failure=failure,
                                    elapsed_s=time.monotonic() - started)
                arrived = time.time()
                cookies = tuple(response.headers.get_list("set-cookie"))
                content_type = response.headers.get("content-type", "")
                retry_after = response.headers.get("retry-after")
                location = response.headers.get("location")
                if location is not None:
                    from authdoctor.masking import mask_url

                    location = _scrub(mask_url(location), secrets)[:500]
                status, reason = response.status_code, _scrub(response.reason_phrase, secrets)
        except httpx.HTTPError as exc:
            failure, _ = _failure(exc, host=host, port=port, stage="headers", timeout_s=timeout,
                                  received=0, proxy=proxy, remaining=0.0)
            failure = replace(failure, summary=_scrub(failure.summary, secrets))
            return Exchange(verb, route, credential, failure=failure, elapsed_s=time.monotonic() - started)
        detail: str | None = None
        start = ""
        try:
            parsed = json.loads(bytes(data)) if data else None
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("detail"), str):
            detail = _scrub(parsed["detail"], secrets)[:500]
        if parsed is None and data:
            start = _one_line(bytes(data), secrets)
        exchange_ = Exchange(verb, route, credential, status=status, reason=reason,
                             content_type=content_type, detail=detail, body_start=start,
                             set_cookies=cookies, at=arrived, elapsed_s=time.monotonic() - started,
                             retry_after=retry_after, location=location)
        token = parsed.get("token") if isinstance(parsed, dict) else None
        if route == path and verb == "POST" and isinstance(token, str) and token:
            issued = token
            secrets.append(token)  # a later answer that echoes it never shows it
        return exchange_

    with client:
        if given_token:
            token: str | None = given_token
            signout = False  # never end a session the user gave
            observation = SessionObservation(base_url=base, user=user, method=method, signin=None,
                                             token=token, proxy=shown_proxy)
        else:
            body = {"user": user, "password": password} if ldap else {"email": user, "password": password}
            signin = exchange("POST", path, method, body=body)
            observation = SessionObservation(base_url=base, user=user, method=method, signin=signin,
                                             proxy=shown_proxy)
            token = issued or _token_cookie(signin.set_cookies)
            secrets.append(token or "")
            if signin.status != 200 or not token:
                return replace(observation, token=token,
                               stopped="" if signin.status != 200 else "the sign-in answer carried no token")
            observation = replace(observation, token=token)
        steps: list[tuple[str, Any]] = [
            ("bearer", lambda: exchange("GET", SESSION_PATH, "bearer", bearer=token)),
            ("cookie", lambda: exchange("GET", SESSION_PATH, "cookie", cookie=token))]
        if signout:
            steps += [("signout", lambda: exchange("POST", SIGNOUT_PATH, "bearer", bearer=token)),
                      ("after_signout", lambda: exchange("GET", SESSION_PATH, "bearer", bearer=token))]
        for name, step in steps:
            if late():
                step_name = name.replace("_", " ")
                return replace(observation, stopped=f"the run's deadline came before {step_name}")
            if name == "after_signout" and (observation.signout is None or observation.signout.status != 200):
                break
            observation = replace(observation, **{name: step()})
    return observation


def _token_cookie(raw_headers: tuple[str, ...]) -> str | None:
    from authdoctor.checks._cookie_rules import AUTH_COOKIE, parse_set_cookie

    for raw in raw_headers:
        cookie = parse_set_cookie(raw)
        if cookie is not None and cookie.name == AUTH_COOKIE and cookie.value and not cookie.is_deletion():
            return cookie.value
    return None


__all__ = ["LDAP_PATH", "SESSION_PATH", "SIGNIN_PATH", "SIGNOUT_PATH", "Exchange", "SessionObservation",
           "run_session"]
