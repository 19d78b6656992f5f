"""Small hand-made HAR 1.2 recordings for unit tests of `authdoctor har` (the real recordings are
made by the browser tier, tests/lab/test_har_browser.py, and kept sanitized in fixtures/har/).

`entry(...)` builds one entry the way Chromium/Playwright write it (headers as name/value lists,
each redirect hop its own entry with `redirectURL`); `har(entries)` wraps them in a log.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

APP = "http://chat.example.test:8080"
IDP = "https://idp.other.test"
STARTED = "2026-11-28T10:00:00.000Z"


#: STARTED plus 4 weeks (JWT_EXPIRES_IN's default): the exp of a token issued at STARTED.
EXP = 1795860000 + 2419200


def session_token(exp: int = EXP, jti: str = "ee6944da-c93c-41e7-8d5c-8666dac7b846",
                  signature: str = "S3hjBN2eHU_VXJhlx_fQ07_0tKG0IO6-jOSS6m41xbk") -> str:
    """An Open WebUI session token's shape (HS256; the signature is made up: never verified)."""
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = {"id": "8b177929-71d3-43a4-8aed-7297d8683943", "typ": "session", "auth_method": "password",
               "auth_time": exp - 2419200, "session_stamp": "3f268e9d", "mfa_verified": False,
               "exp": exp, "jti": jti, "iat": exp - 2419200}
    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(payload)}.{signature}"


def entry(method: str, url: str, status: int = 200, *, request_headers: dict[str, str] | None = None,
          cookies: str | None = None, set_cookies: list[str] | None = None, location: str = "",
          body: str = "", mime: str = "application/json", post: str | None = None,
          post_mime: str = "application/json", started: str = STARTED,
          response: bool = True, error: str | None = None) -> dict[str, Any]:
    headers = [{"name": k, "value": v} for k, v in (request_headers or {"Accept": "*/*"}).items()]
    if cookies is not None:
        headers.append({"name": "Cookie", "value": cookies})
    item: dict[str, Any] = {
        "startedDateTime": started, "time": 1,
        "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": headers,
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
    }
    if post is not None:
        item["request"]["postData"] = {"mimeType": post_mime, "text": post}
    if response:
        resp_headers = [{"name": "content-type", "value": mime}]
        resp_headers += [{"name": "set-cookie", "value": line} for line in set_cookies or []]
        if location:
            resp_headers.append({"name": "location", "value": location})
        item["response"] = {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                            "headers": resp_headers, "cookies": [],
                            "content": {"size": len(body), "mimeType": mime, "text": body},
                            "redirectURL": location, "headersSize": -1, "bodySize": -1}
    if error is not None:
        item["_error"] = error
    return item


def har(entries: list[dict[str, Any]], *, version: str = "1.2") -> dict[str, Any]:
    return {"log": {"version": version, "creator": {"name": "test", "version": "1"},
                    "browser": {"name": "Chromium", "version": "156"}, "pages": [],
                    "entries": entries}}


def write(path: Path, entries: list[dict[str, Any]], **kwargs: Any) -> Path:
    path.write_text(json.dumps(har(entries, **kwargs)), encoding="utf-8")
    return path


def password_signin(base: str = APP, *, flags: str = "HttpOnly; Max-Age=2419200; Path=/; SameSite=lax",
                    token: str | None = None, password: str = "Hunter2-Very-Secret!") -> list[dict[str, Any]]:
    """The SPA's password sign-in: config, the sign-in POST (token cookie and body), a session check."""
    token = token or session_token()
    return [
        entry("GET", f"{base}/api/config", body='{"status":true}'),
        entry("POST", f"{base}/api/v1/auths/signin",
              post=json.dumps({"email": "admin@example.org", "password": password}),
              set_cookies=[f"token={token}; {flags}"],
              body=json.dumps({"token": token, "token_type": "Bearer", "expires_at": EXP})),
    ]
