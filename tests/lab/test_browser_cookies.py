"""A real browser proves the cookie findings: Chromium (tests/lab/browser.py) signs in to the REAL
Open WebUI 0.12.4 through its login page and through the lab IdP, and the browser's own verdict
(the cookie stored or rejected, sent or held back, with Chromium's reason) must match what
`authdoctor check --offline` says about the same settings: a "the browser drops the cookie" code
is present exactly when Chromium rejects or withholds the cookie.

The stage: ONE Open WebUI data folder on one port, restarted per scenario (0.12.4 reads the cookie
variables at every start; the admin made by the first signup stays), reached as
  - http://127.0.0.1:P and http://chat.example.test:P (the browser maps the name to loopback),
  - https://chat.example.test:Q through a TLS front that passes bytes unchanged (browser_tls.py),
and its own panva oidc-provider (tests/lab/oidc.py) on http://127.0.0.1:R, which is another site
than chat.example.test, with the dev login form: a first OAuth sign-in makes the user submit a
form at the IdP ("form" mode of browser-truth.md truth table 2); a second one, with the IdP
session still there, is a pure redirect chain ("auto" mode).

Scenarios run in file order (one restart each): default, WEBUI_AUTH_COOKIE_SECURE=true,
SameSite=none without Secure, none + Secure, WEBUI_SESSION_COOKIE_SAME_SITE=strict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from authdoctor.catalog import CATALOG

from . import oidc as oidc_mod
from . import openwebui_real
from .browser import APP_HOST, BrowserCase, LabBrowser
from .browser_tls import PassThroughTlsFront, make_front_certificate
from .fixtures import STRONG_SECRET, LabSession, need
from .oidc import LabOidc, start_oidc
from .openwebui_real import ADMIN, RealOpenWebUI, start_openwebui
from .ports import HOST, free_port
from .process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.realserver]

TOKEN, SESSION = "token", "owui-session"
PASSWORD_VAR = "AUTHDOCTOR_BROWSER_OWUI_PW"
#: Chromium's reason -> the authdoctor code that claims it (browser-truth.md "Reason strings").
REASON_CODES = {
    "SecureOnly": "cookie.secure-on-http",
    "SameSiteNoneInsecure": "cookie.samesite-none-without-secure",
    "SchemefulSameSiteStrict": "cookie.samesite-strict-breaks-oauth",
    "SameSiteStrict": "cookie.samesite-strict-breaks-oauth",
}
#: The codes whose claim is "the browser drops (or withholds) the cookie".
DROP_CODES = frozenset(REASON_CODES.values())
SETTLE_S = 3.0  # how long a page that failed must stay where it is


# ----------------------------------------------------------------------------- the stage

@dataclass
class Stage:
    """One Open WebUI data folder, restarted with each scenario's cookie settings."""

    lab: LabSession
    run_dir: Path
    port: int
    idp: LabOidc
    front: PassThroughTlsFront
    base_env: dict[str, str]
    cookie_env: dict[str, str] | None = None
    proc: ServerProcess | None = None
    app: RealOpenWebUI | None = None
    starts: list[float] = field(default_factory=list)

    def use(self, cookie_env: Mapping[str, str]) -> RealOpenWebUI:
        wanted = dict(cookie_env)
        if self.app is not None and self.cookie_env == wanted:
            return self.app
        restart = self.proc is not None
        if self.proc is not None:
            self.proc.stop(grace=10)
        started = time.monotonic()
        app, proc = start_openwebui(self.run_dir, {**self.base_env, **wanted}, port=self.port,
                                    name="openwebui-browser", keep_data=restart)
        self.lab.register([proc])
        self.starts.append(time.monotonic() - started)
        self.proc, self.app, self.cookie_env = proc, app, wanted
        if not restart:
            assert app.create_admin()["role"] == "admin"  # the first signup becomes the admin
        return app

    def url(self, where: str) -> str:
        """`ip` http://127.0.0.1:P, `name` http://chat.example.test:P, `https` the TLS front."""
        return {"ip": f"http://{HOST}:{self.port}", "name": f"http://{APP_HOST}:{self.port}",
                "https": self.front.url(APP_HOST)}[where]


@pytest.fixture(scope="module")
def stage(lab_session: LabSession, lab_browser: LabBrowser) -> Iterator[Stage]:
    need(openwebui_real.missing_binaries(), "Open WebUI 0.12.4")
    need(oidc_mod.missing_binaries(), "OIDC provider")
    run_dir = lab_session.run_dir / "browser"
    port = free_port()
    # its own IdP: the lab's shared one knows no redirect URI on chat.example.test
    idps, idp_proc = start_oidc(
        run_dir, redirect_uris=[f"http://{APP_HOST}:{port}/oauth/oidc/callback"],
        post_logout_redirect_uris=[f"http://{APP_HOST}:{port}/auth"], timeout=60)
    lab_session.register([idp_proc])
    cert, key = make_front_certificate(run_dir / "tls")
    front = PassThroughTlsFront(port, cert, key)
    idp = idps.healthy
    base_env = {"WEBUI_SECRET_KEY": STRONG_SECRET, "WEBUI_URL": f"http://{APP_HOST}:{port}",
                "DEFAULT_USER_ROLE": "user", **idp.env()}
    stage = Stage(lab=lab_session, run_dir=run_dir, port=port, idp=idp, front=front, base_env=base_env)
    try:
        yield stage
    finally:
        front.close()
        if stage.proc is not None:
            stage.proc.stop(grace=10)
        idp_proc.stop()
        if stage.starts:
            lab_browser.timings.notes.append(
                f"Open WebUI 0.12.4 starts for {__name__}: "
                + ", ".join(f"{s:.1f}" for s in stage.starts) + f" s (sum {sum(stage.starts):.1f} s)")


# ----------------------------------------------------------------------------- authdoctor's side

def authdoctor_codes(tmp_path: Path, env: Mapping[str, str]) -> set[str]:
    """The finding codes `authdoctor check --offline --format json` gives for `env`."""
    env_file = tmp_path / "scenario.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    done = subprocess.run([sys.executable, "-m", "authdoctor", "check", "--env-file", str(env_file),
                           "--offline", "--format", "json"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return {f["code"] for f in report["findings"]}


def authdoctor_live_codes(tmp_path: Path, env: Mapping[str, str], reach: str) -> set[str]:
    """The finding codes of `authdoctor app probe REACH --env-file ... --user ... --password-env`:
    one real sign-in, its Set-Cookie judged against the settings' public URL (WEBUI_URL)."""
    env_file = tmp_path / "live.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    done = subprocess.run([sys.executable, "-m", "authdoctor", "app", "probe", reach, "--env-file",
                           str(env_file), "--user", ADMIN["email"], "--password-env", PASSWORD_VAR,
                           "--format", "json", "--timeout", "120"],
                          env={**os.environ, PASSWORD_VAR: ADMIN["password"]}, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert ADMIN["password"] not in done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return {f["code"] for f in report["findings"]}


def settings_for(stage: Stage, where: str, cookie_env: Mapping[str, str]) -> dict[str, str]:
    """The scenario as a settings file whose public URL is the one the browser used."""
    return {**stage.base_env, **cookie_env, "WEBUI_URL": stage.url(where)}


# ----------------------------------------------------------------------------- the browser's side

def observed_codes(case: BrowserCase, cookies: tuple[str, ...] = (TOKEN, SESSION)) -> set[str]:
    """The drop codes the browser's own verdicts prove: a Set-Cookie of the app's cookies
    rejected, or the owui-session cookie withheld at the OAuth callback."""
    codes = {REASON_CODES.get(r, f"unmapped:{r}") for v in case.set_cookies
             if v.name in cookies and not v.stored for r in v.reasons}
    for request in case.requests_to("/oauth/oidc/callback"):
        codes |= {REASON_CODES.get(r, f"unmapped:{r}") for r in request.blocked.get(SESSION, ())}
    return codes


def sign_in(case: BrowserCase, base: str) -> None:
    """The admin signs in through Open WebUI's own login page; returns when the page has left
    /auth (the page keeps the token from the answer's body, cookie or not)."""
    case.goto(f"{base}/auth")
    case.page.fill("#email", ADMIN["email"])
    case.page.fill("#password", ADMIN["password"])
    with case.page.expect_response(lambda r: "/api/v1/auths/signin" in r.url) as answer:
        case.page.click("button[type=submit]")
    assert answer.value.status == 200
    case.page.wait_for_url(lambda u: u.startswith(base) and "/auth" not in u)


def by_cookie(case: BrowserCase) -> int:
    """Status of GET /api/v1/auths/ sent by the page with its cookies and NO Authorization
    header: 200 exactly when the browser sends a valid token cookie (what images, files and
    downloads opened by URL rely on)."""
    status: int = case.page.evaluate(
        "async () => (await fetch('/api/v1/auths/', {credentials: 'same-origin'})).status")
    return status


def idp_sign_in(case: BrowserCase, base: str, idp: LabOidc) -> None:
    """Start the app's OAuth login; at the IdP, fill the login form (any password) and the
    consent form when they are shown; returns when the browser is back on the app."""
    case.goto(f"{base}/oauth/oidc/login")
    for _ in range(4):
        if not case.page.url.startswith(idp.url):
            break
        if case.page.locator("input[name=login]").count():
            case.page.fill("input[name=login]", "alice")
            case.page.fill("input[name=password]", "any-password")
        with case.page.expect_navigation():
            case.page.click("button[type=submit]")
    case.page.wait_for_url(lambda u: u.startswith(base))


def signed_in_after_oauth(case: BrowserCase, base: str, *, expected: bool) -> bool:
    """After the callback the page is at /auth; it leaves for / when it found the token cookie
    (0.12.4 reads it there), and stays on the sign-in page otherwise (waited for SETTLE_S)."""
    timeout_s = 60.0 if expected else SETTLE_S
    try:
        case.page.wait_for_url(lambda u: u.startswith(base) and "/auth" not in u, timeout=timeout_s * 1000)
    except Exception:  # playwright's TimeoutError: it stayed on the sign-in page
        return False
    return True


def idp_forms_shown(case: BrowserCase, idp: LabOidc) -> int:
    return sum(1 for r in case.requests if r.url.startswith(idp.url) and r.method == "POST")


# ----------------------------------------------------------------------------- scenarios

DEFAULT: dict[str, str] = {}
SECURE = {"WEBUI_AUTH_COOKIE_SECURE": "true"}
NONE = {"WEBUI_AUTH_COOKIE_SAME_SITE": "none"}
NONE_SECURE = {"WEBUI_AUTH_COOKIE_SAME_SITE": "none", "WEBUI_AUTH_COOKIE_SECURE": "true"}
STRICT = {"WEBUI_SESSION_COOKIE_SAME_SITE": "strict"}


def check_password_sign_in(stage: Stage, lab_browser: LabBrowser, tmp_path: Path,
                           cookie_env: Mapping[str, str], where: str, *, stored: bool,
                           reason: str | None = None) -> None:
    """Sign in through the login page at `where`; assert Chromium's verdict on the token cookie,
    what the user sees, and that authdoctor's drop codes equal the browser's."""
    stage.use(cookie_env)
    base = stage.url(where)
    with lab_browser.case(f"{where} {dict(cookie_env) or 'default'}") as case:
        sign_in(case, base)
        verdict = case.verdict(TOKEN)
        assert (verdict.stored, verdict.reasons) == (stored, (reason,) if reason else ())
        assert (TOKEN in case.jar_names()) is stored
        # the page signed in either way (it keeps the token from the body); what needs the
        # cookie (images, files, downloads opened by URL) is refused without it
        assert case.page.url.startswith(base) and "/auth" not in case.page.url
        assert by_cookie(case) == (200 if stored else 401)
        observed = observed_codes(case)
    settings = settings_for(stage, where, cookie_env)
    claimed = authdoctor_codes(tmp_path, settings) & DROP_CODES
    assert claimed == observed, f"authdoctor says {sorted(claimed)}, Chromium shows {sorted(observed)}"
    # the live half (h-signin): the app's own Set-Cookie from a real sign-in, reached on loopback
    # and judged against the public URL the browser used, must say the same
    live = authdoctor_live_codes(tmp_path, settings, stage.url("ip")) & DROP_CODES
    assert live == observed, f"the live sign-in says {sorted(live)}, Chromium shows {sorted(observed)}"


# --- default: SameSite=lax, not Secure

@pytest.mark.parametrize("where", ["ip", "name", "https"])
def test_default_cookie_is_stored(stage: Stage, lab_browser: LabBrowser, tmp_path: Path, where: str) -> None:
    check_password_sign_in(stage, lab_browser, tmp_path, DEFAULT, where, stored=True)


def test_default_cookie_over_https_also_goes_out_over_http(stage: Stage, lab_browser: LabBrowser,
                                                           tmp_path: Path) -> None:
    """`cookie.missing-secure-on-https`'s claim: a token cookie without Secure set on the https
    site is sent on a plain http:// request to the same host (cookies ignore the port)."""
    stage.use(DEFAULT)
    with lab_browser.case("https default, then http") as case:
        sign_in(case, stage.url("https"))
        case.goto(f"{stage.url('name')}/health")
        [plain] = case.requests_to(f"{stage.url('name')}/health")
        assert TOKEN in plain.sent
    codes = authdoctor_codes(tmp_path, settings_for(stage, "https", DEFAULT))
    assert "cookie.missing-secure-on-https" in codes


def test_default_oauth_with_the_idp_form_signs_in(stage: Stage, lab_browser: LabBrowser,
                                                  tmp_path: Path) -> None:
    """The control for Strict: with Lax the owui-session cookie reaches the callback even after
    the user submitted the IdP's forms, and the user is signed in."""
    stage.use(DEFAULT)
    base = stage.url("name")
    with lab_browser.case("oauth form, default") as case:
        idp_sign_in(case, base, stage.idp)
        assert idp_forms_shown(case, stage.idp) >= 1  # the "form" mode
        [callback] = case.requests_to("/oauth/oidc/callback")
        assert SESSION in callback.sent
        assert signed_in_after_oauth(case, base, expected=True)
        assert case.verdict(TOKEN).stored
        assert observed_codes(case) == set()
    assert authdoctor_codes(tmp_path, settings_for(stage, "name", DEFAULT)) & DROP_CODES == set()


# --- WEBUI_AUTH_COOKIE_SECURE=true

@pytest.mark.parametrize(("where", "stored"), [("ip", True), ("name", False), ("https", True)])
def test_secure_cookie(stage: Stage, lab_browser: LabBrowser, tmp_path: Path, where: str,
                       stored: bool) -> None:
    """Secure is rejected over http on a host name (SecureOnly) and stored over http on
    127.0.0.1 (a potentially trustworthy origin) and over https: `cookie.secure-on-http` only for
    the first."""
    check_password_sign_in(stage, lab_browser, tmp_path, SECURE, where, stored=stored,
                           reason=None if stored else "SecureOnly")


def test_secure_cookie_breaks_oauth_on_http(stage: Stage, lab_browser: LabBrowser, tmp_path: Path) -> None:
    """The OAuth sign-in is where the rejected cookie shows: the callback's token cookie is
    refused and the sign-in page stays (0.12.4's page reads the token from the cookie)."""
    stage.use(SECURE)
    base = stage.url("name")
    with lab_browser.case("oauth, Secure on http") as case:
        idp_sign_in(case, base, stage.idp)
        [callback] = case.requests_to("/oauth/oidc/callback")
        assert SESSION in callback.sent  # the state arrived: the sign-in itself succeeded
        verdict = case.verdict(TOKEN)
        assert (verdict.stored, verdict.reasons) == (False, ("SecureOnly",))
        assert not signed_in_after_oauth(case, base, expected=False)
        observed = observed_codes(case)
    assert observed == {"cookie.secure-on-http"}
    assert authdoctor_codes(tmp_path, settings_for(stage, "name", SECURE)) & DROP_CODES == observed


def test_secure_cookie_stays_off_plain_http(stage: Stage, lab_browser: LabBrowser) -> None:
    """The other half of `cookie.missing-secure-on-https`: with Secure, the token set on the
    https site is not sent to http:// on the same host."""
    stage.use(SECURE)
    with lab_browser.case("https Secure, then http") as case:
        sign_in(case, stage.url("https"))
        case.goto(f"{stage.url('name')}/health")
        [plain] = case.requests_to(f"{stage.url('name')}/health")
        assert TOKEN not in plain.sent


# --- SameSite=None without Secure

@pytest.mark.parametrize("where", ["ip", "name", "https"])
def test_samesite_none_without_secure_is_rejected(stage: Stage, lab_browser: LabBrowser, tmp_path: Path,
                                                  where: str) -> None:
    check_password_sign_in(stage, lab_browser, tmp_path, NONE, where, stored=False,
                           reason="SameSiteNoneInsecure")


# --- SameSite=None; Secure

@pytest.mark.parametrize(("where", "stored"), [("https", True), ("ip", True), ("name", False)])
def test_samesite_none_with_secure(stage: Stage, lab_browser: LabBrowser, tmp_path: Path, where: str,
                                   stored: bool) -> None:
    """Stored over https (and on 127.0.0.1); over http on a host name Secure is what fails."""
    check_password_sign_in(stage, lab_browser, tmp_path, NONE_SECURE, where, stored=stored,
                           reason=None if stored else "SecureOnly")


# --- WEBUI_SESSION_COOKIE_SAME_SITE=strict with OAuth

def test_strict_session_cookie_is_lost_only_after_a_form_at_the_idp(stage: Stage, lab_browser: LabBrowser,
                                                                    tmp_path: Path) -> None:
    """Truth table 2 through the real app: the first sign-in (the user submits the IdP's login
    and consent forms) reaches the callback without owui-session (SchemefulSameSiteStrict) and
    ends on the sign-in page with the app's error; the second, while the IdP session lasts, is
    a pure redirect chain: the Strict cookie is sent and the user is signed in. authdoctor's
    `cookie.samesite-strict-breaks-oauth` must say exactly that."""
    stage.use(STRICT)
    base = stage.url("name")
    with lab_browser.case("oauth Strict: form, then auto") as case:
        idp_sign_in(case, base, stage.idp)
        assert idp_forms_shown(case, stage.idp) >= 1
        [callback] = case.requests_to("/oauth/oidc/callback")
        assert SESSION not in callback.sent
        assert callback.blocked.get(SESSION) == ("SchemefulSameSiteStrict",)
        assert any("/auth?error=" in r.url for r in case.requests)  # the app's own error page
        assert not signed_in_after_oauth(case, base, expected=False)
        first = observed_codes(case)

        forms_before = idp_forms_shown(case, stage.idp)
        idp_sign_in(case, base, stage.idp)
        assert idp_forms_shown(case, stage.idp) == forms_before  # no form this time: "auto" mode
        second = case.requests_to("/oauth/oidc/callback")[-1]
        assert SESSION in second.sent
        assert signed_in_after_oauth(case, base, expected=True)
    assert first == {"cookie.samesite-strict-breaks-oauth"}
    assert authdoctor_codes(tmp_path, settings_for(stage, "name", STRICT)) & DROP_CODES == first
    text = CATALOG["cookie.samesite-strict-breaks-oauth"].explanation
    assert "already signed in" in text and "form" in text
