"""`authdoctor har` against real recordings: the lab's Chromium (Playwright) signs in to the real
Open WebUI 0.12.4 with the lab IdP (panva oidc-provider) in each broken scenario of issue 14, and a
healthy one, recording a HAR; the report must name the cause.

Four app instances (each ~0.8 GB, slow to start; settings are fixed at the first start):
- `healthy`: a strong key, the lab IdP, Redis (sign-out revokes tokens);
- `strict`: WEBUI_SESSION_COOKIE_SAME_SITE=strict and WEBUI_AUTH_COOKIE_SECURE=true: the OAuth
  state is lost after the IdP's login form (http://localhost), and the Secure token cookie is
  refused over http on a mapped host name (http://chat.example.test);
- `wrong`: OAUTH_CLIENT_SECRET wrong and WEBUI_AUTH_COOKIE_SAME_SITE=none (no Secure), no Redis:
  the callback fails on the code exchange, the token cookie is refused, sign-out revokes nothing;
- `redirect`: OPENID_REDIRECT_URI names a URI the IdP does not know.

The recordings are judged in-process (`read_har` + `evaluate`: pure, no event loop, which the
Playwright session owns); one is run through the CLI in a subprocess with --sanitize. With
AUTHDOCTOR_WRITE_HAR_FIXTURES=1 the sanitized recordings are written to fixtures/har/ (see
fixtures/har/README.md), where tests/test_har_fixtures.py judges them without a browser.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from authdoctor.checks.har import evaluate
from authdoctor.clock import utcnow
from authdoctor.findings import Finding, Severity
from authdoctor.har.reader import read_har
from authdoctor.masking import nettable

from .browser import APP_HOST, LabBrowser
from .fixtures import STRONG_SECRET
from .har_recording import fetch, oauth_signin, password_signin, write_fixture
from .oidc import LabOidc
from .openwebui_real import ADMIN, RealOpenWebUI
from .redis_servers import LabRedis

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.realserver]

WRONG_SECRET = "wrong-client-secret-9d2f7c1a"  # the broken scenario's own value
WRITE_FIXTURES = os.environ.get("AUTHDOCTOR_WRITE_HAR_FIXTURES") == "1"
NOTE = ("Recorded by tests/lab/test_har_browser.py ({scenario}): Chromium {version} driven by "
        "Playwright against the real Open WebUI 0.12.4 and the lab IdP (panva oidc-provider) on "
        "loopback; sanitized with `authdoctor har --sanitize`, scripts' and images' bodies left out.")


def _app(factory: Callable[[Mapping[str, str]], RealOpenWebUI], env: Mapping[str, str]) -> RealOpenWebUI:
    import httpx

    app = factory(env)
    for attempt in range(3):  # several real instances start at once on a loaded machine
        try:
            config = httpx.get(f"{app.url}/api/config", timeout=60).json()
            break
        except httpx.TimeoutException:
            if attempt == 2:
                raise
    if config.get("onboarding"):
        app.create_admin()
    return app


@pytest.fixture(scope="module")
def base_env(lab_oidc: LabOidc) -> dict[str, str]:
    return {"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user", **lab_oidc.env()}


class Recordings:
    """Each scenario recorded on first use (so `-k` records only what it needs): name -> HAR."""

    def __init__(self, browser: LabBrowser, factory: Callable[[Mapping[str, str]], RealOpenWebUI],
                 redis: LabRedis, base_env: dict[str, str], folder: Path) -> None:
        self.browser, self.factory, self.folder = browser, factory, folder
        self.envs = {
            "healthy": {**base_env, "REDIS_URL": redis.url},
            "strict": {**base_env, "WEBUI_SESSION_COOKIE_SAME_SITE": "strict",
                       "WEBUI_AUTH_COOKIE_SECURE": "true"},
            "wrong": {**base_env, "OAUTH_CLIENT_SECRET": WRONG_SECRET, "WEBUI_AUTH_COOKIE_SAME_SITE": "none"},
            "redirect": {**base_env, "OPENID_REDIRECT_URI": "http://127.0.0.1:9/oauth/oidc/callback"},
        }
        self.paths: dict[str, Path] = {}
        self.scenarios: dict[str, tuple[str, Callable[[Any, str], None]]] = {
            "healthy": ("healthy", self.healthy_flow),
            "signout-get": ("healthy", self.signout_get),
            "token-after-signout": ("healthy", self.token_after_signout),
            "secure-on-http": ("strict", self.secure_on_http),
            "strict-oauth": ("strict", self.strict_oauth),
            "samesite-none": ("wrong", self.none_insecure_no_revocation),
            "wrong-secret": ("wrong", self.wrong_secret),
            "wrong-redirect": ("redirect", self.wrong_redirect),
        }

    def __getitem__(self, name: str) -> Path:
        if name not in self.paths:
            instance, scenario = self.scenarios[name]
            app = _app(self.factory, self.envs[instance])
            path = self.folder / f"{name}.har"
            with self.browser.case(f"har {name}", record_har_path=path) as case:
                scenario(case, str(app.port))
            self.paths[name] = path
        return self.paths[name]

    @staticmethod
    def healthy_flow(case: Any, port: str) -> None:
        base = f"http://localhost:{port}"
        oauth_signin(case, base)
        answer = password_signin(case, base)
        assert fetch(case, "/api/v1/auths/signout", method="POST", bearer=answer["token"])["status"] == 200

    @staticmethod
    def signout_get(case: Any, port: str) -> None:
        base = f"http://127.0.0.1:{port}"
        password_signin(case, base)
        case.goto(f"{base}/api/v1/auths/signout")

    @staticmethod
    def token_after_signout(case: Any, port: str) -> None:
        answer = password_signin(case, f"http://127.0.0.1:{port}")
        token = answer["token"]
        assert fetch(case, "/api/v1/auths/signout", method="POST", bearer=token)["status"] == 200
        assert fetch(case, "/api/v1/auths/", bearer=token)["status"] == 401

    @staticmethod
    def secure_on_http(case: Any, port: str) -> None:
        password_signin(case, f"http://{APP_HOST}:{port}")

    @staticmethod
    def strict_oauth(case: Any, port: str) -> None:
        oauth_signin(case, f"http://localhost:{port}")

    @staticmethod
    def none_insecure_no_revocation(case: Any, port: str) -> None:
        answer = password_signin(case, f"http://127.0.0.1:{port}")
        token = answer["token"]
        assert fetch(case, "/api/v1/auths/signout", method="POST", bearer=token)["status"] == 200
        assert fetch(case, "/api/v1/auths/", bearer=token)["status"] == 200  # no Redis: still valid

    @staticmethod
    def wrong_secret(case: Any, port: str) -> None:
        oauth_signin(case, f"http://localhost:{port}")

    @staticmethod
    def wrong_redirect(case: Any, port: str) -> None:
        oauth_signin(case, f"http://localhost:{port}")


@pytest.fixture(scope="module")
def recordings(lab_browser: LabBrowser, lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
               lab_redis_persistent: LabRedis, base_env: dict[str, str],
               tmp_path_factory: pytest.TempPathFactory) -> Recordings:
    return Recordings(lab_browser, lab_openwebui_factory, lab_redis_persistent, base_env,
                      tmp_path_factory.mktemp("har"))


def judged(path: Path) -> list[Finding]:
    return evaluate(read_har(str(path)), now=utcnow())


def codes(path: Path, *, at_least: Severity = Severity.INFO) -> dict[str, Finding]:
    return {f.code: f for f in judged(path) if f.severity.at_least(at_least)}


def test_healthy_sign_in_has_no_problem(recordings: Recordings) -> None:
    """OAuth and password sign-in and a POST sign-out: no warning or error."""
    found = codes(recordings["healthy"], at_least=Severity.WARNING)
    assert found == {}, {c: f.title for c, f in found.items()}


def test_secure_cookie_on_http_is_refused(recordings: Recordings) -> None:
    found = codes(recordings["secure-on-http"])
    rule = found["cookie.secure-on-http"]
    assert rule.severity is Severity.ERROR
    assert rule.evidence["in this recording"].startswith("never sent again")
    assert "SecureOnly" in rule.evidence["in this recording"]


def test_samesite_none_without_secure_is_refused(recordings: Recordings) -> None:
    found = codes(recordings["samesite-none"])
    rule = found["cookie.samesite-none-without-secure"]
    assert rule.severity is Severity.ERROR
    assert rule.evidence["in this recording"].startswith("never sent again")


def test_strict_session_cookie_loses_the_oauth_state(recordings: Recordings) -> None:
    found = codes(recordings["strict-oauth"])
    lost = found["cookie.samesite-strict-breaks-oauth"]
    assert "form" in lost.evidence["came back by"]


def test_wrong_redirect_uri_is_named(recordings: Recordings) -> None:
    found = codes(recordings["wrong-redirect"])
    assert "oauth.redirect-uri-not-registered" in found
    assert "oauth.redirect-uri-host-mismatch" in found


def test_wrong_client_secret_fails_the_callback(recordings: Recordings) -> None:
    found = codes(recordings["wrong-secret"])
    assert "har.oauth-callback-failed" in found
    assert "har.oauth-state-lost" not in found


def test_signout_by_get_is_named(recordings: Recordings) -> None:
    assert "deploy.signout-get-noop" in codes(recordings["signout-get"])


def test_token_refused_after_signout_is_explained(recordings: Recordings) -> None:
    [rejected] = [f for f in judged(recordings["token-after-signout"]) if f.code == "har.token-rejected"]
    assert "revoked by the sign-out" in rejected.title
    assert rejected.severity is Severity.INFO


def test_signout_without_redis_revokes_nothing(recordings: Recordings) -> None:
    assert "deploy.signout-not-revoking" in codes(recordings["samesite-none"])


def test_sanitized_recordings_hold_no_secret_and_keep_the_diagnosis(
        recordings: Recordings, tmp_path: Path) -> None:
    """`--sanitize` through the CLI: no cookie value, token, code, password or client secret of the
    recording survives, and the copy gives the same codes as the original."""
    for name in ("healthy", "strict-oauth", "secure-on-http", "wrong-redirect", "samesite-none",
                 "wrong-secret", "signout-get", "token-after-signout"):
        original = recordings[name]
        copy = tmp_path / f"{name}.sanitized.har"
        done = subprocess.run([sys.executable, "-m", "authdoctor", "har", str(original), "--sanitize",
                               str(copy), "--format", "json"],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        assert any(f["code"] == "har.sanitized-copy" for f in report["findings"])
        text = copy.read_text(encoding="utf-8")
        # Word-like values ("undefined": the SPA's `Bearer undefined` before sign-in) cannot be told
        # from text; the same rule as the report's safety net decides what counts (`nettable`).
        secrets = {s for s in read_har(str(original)).secrets if nettable(s)}
        secrets |= {ADMIN["password"], WRONG_SECRET, STRONG_SECRET}
        leaked = sorted(s[:12] + "…" for s in secrets if s in text)
        assert not leaked, f"{name}: secrets left in the sanitized copy: {leaked}"
        for secret in secrets:
            assert secret not in done.stdout
        before = {f.code for f in judged(original) if f.severity.at_least(Severity.WARNING)}
        after = {f.code for f in judged(copy) if f.severity.at_least(Severity.WARNING)}
        assert after == before, name
        if WRITE_FIXTURES:
            from .browser import CHROMIUM  # noqa: F401  # the browser the note names

            version = json.loads(original.read_text())["log"].get("browser", {}).get("version", "?")
            write_fixture(copy, name, NOTE.format(scenario=name, version=version))
