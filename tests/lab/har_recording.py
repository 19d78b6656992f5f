"""Recording real HARs of Open WebUI 0.12.4 sign-ins with the lab's Chromium (tests/lab/browser.py),
for `authdoctor har`'s tests (tests/lab/test_har_browser.py).

Each scenario is a fresh browser context recording a HAR (`record_har_path`) while it does what a
user does: opens the app, signs in with the password form's request (the SPA's own `fetch` of
`POST /api/v1/auths/signin`, then `GET /api/v1/auths/` with the cookie, as the SPA checks the
session), signs out, or goes through the OAuth round trip by the app's `/oauth/oidc/login` and the
lab IdP's real login and consent forms (panva oidc-provider's dev interactions: typed and
submitted in the page, so the way back to the app is a navigation the IdP's page starts).

`write_fixture` keeps a recording in fixtures/har/ sanitized (authdoctor's own `--sanitize`) and
without the bodies of scripts, styles, fonts and images (the SPA's bundles: megabytes that no
check reads), so the HAR tests also run where no browser is installed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .browser import BrowserCase
from .openwebui_real import ADMIN

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "har"
IDP_STEPS = 8


def fetch(case: BrowserCase, path: str, *, method: str = "GET", body: dict[str, Any] | None = None,
          bearer: str | None = None, credentials: str = "include") -> dict[str, Any]:
    """One `fetch` from the app's page (same origin), as the SPA makes it; returns status and JSON."""
    script = """async ([path, method, body, bearer, credentials]) => {
        const headers = {"Content-Type": "application/json"};
        if (bearer) headers["Authorization"] = "Bearer " + bearer;
        const r = await fetch(path, {method, headers, credentials,
                                     body: body === null ? undefined : JSON.stringify(body)});
        let data = null;
        try { data = await r.json(); } catch (e) { data = null; }
        return {status: r.status, data};
    }"""
    result: dict[str, Any] = case.page.evaluate(script, [path, method, body, bearer, credentials])
    return result


def password_signin(case: BrowserCase, base: str) -> dict[str, Any]:
    """Open the app, sign in with the lab admin's password (the SPA's request), check the session
    with the cookie alone; returns the sign-in answer's JSON."""
    case.goto(f"{base}/api/config")
    answer = fetch(case, "/api/v1/auths/signin", method="POST",
                   body={"email": ADMIN["email"], "password": ADMIN["password"]})
    assert answer["status"] == 200, answer
    fetch(case, "/api/v1/auths/")  # the cookie alone, as the SPA's session check on reload
    data: dict[str, Any] = answer["data"]
    return data


def oauth_signin(case: BrowserCase, base: str, *, login: str = "alice",
                 idp_host: Callable[[str], bool] | None = None) -> str:
    """The OAuth round trip from the app's login route through the IdP's forms; returns the URL
    the browser ends on."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = case.page
    case.goto(f"{base}/api/config")
    case.goto(f"{base}/oauth/oidc/login")
    app_host = urlsplit(base).netloc
    for _ in range(IDP_STEPS):
        if urlsplit(page.url).netloc == app_host:
            break
        before = page.url
        if page.locator("input[name=login]").count():
            page.fill("input[name=login]", login)
            page.fill("input[name=password]", "any-password")
        buttons = page.locator("button[type=submit], input[type=submit]")
        if not buttons.count():
            break  # an error page at the IdP: nothing to submit
        buttons.first.click()
        try:
            page.wait_for_url(lambda url, before=before: url != before, timeout=30_000)
        except PlaywrightTimeout:
            break  # the page stayed (a browser interstitial, an error): the recording shows it
        page.wait_for_load_state("load")
    with_app = urlsplit(page.url).netloc == app_host
    if with_app:
        page.wait_for_timeout(1500)  # the SPA's own requests after the callback (session check)
    return str(page.url)


def _strip_bodies(har: dict[str, Any]) -> None:
    for entry in har.get("log", {}).get("entries", []):
        content = entry.get("response", {}).get("content", {})
        mime = str(content.get("mimeType", "")).lower()
        if content.get("text") and not any(k in mime for k in ("json", "html", "x-www-form-urlencoded",
                                                               "text/plain")):
            content["text"] = ""
            content["comment"] = "body left out of the fixture (not read by authdoctor har)"


def write_fixture(sanitized: Path, name: str, note: str) -> Path:
    """Keep a sanitized recording as fixtures/har/<name>.har (scripts' and images' bodies left
    out), with `note` (how it was made) in the HAR's own `log.comment`."""
    har = json.loads(sanitized.read_text(encoding="utf-8"))
    _strip_bodies(har)
    har["log"] = {"comment": note, **har["log"]}
    FIXTURES.mkdir(parents=True, exist_ok=True)
    target = FIXTURES / f"{name}.har"
    target.write_text(json.dumps(har, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
