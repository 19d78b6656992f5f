"""The deploy area's sign-in half (issue 10 probes 2-4), evaluation only: recorded observations of
Open WebUI 0.12.4's answers (openwebui-live-0.12.4.md §3.2-3.8, the texts of routers/auths.py) to
findings, every branch. The probe and the CLI are tested against the imitation in
tests/lab/test_lab_app_session.py and against the real app in tests/lab/test_e2e_signin.py."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import jwt as pyjwt
import pytest
from settings_env import source

from authdoctor.checks._app_session import evaluate_session, refusal_cause, session_settings
from authdoctor.probes.app_session import Exchange, SessionObservation
from authdoctor.probes.redis import RedisObservation, TokenState

KEY = "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"
PASSWORD = "s3cret-Test-Pass!"
IAT = 1795719703
LIFE = 2419200
EXP = IAT + LIFE
JTI = "ee6944da-c93c-41e7-8d5c-8666dac7b846"
BASE = "http://127.0.0.1:8080"
INVALID_CRED = ("The email or password provided is incorrect. Please check for typos and try logging in "
                "again.")


def make_token(secret: str = KEY, **claims: Any) -> str:
    payload = {"id": "8b177929-71d3-43a4-8aed-7297d8683943", "typ": "session", "auth_method": "password",
               "auth_time": IAT, "session_stamp": "3f268e9d-e659-4090-9943-93ef0765067e",
               "mfa_verified": False, "exp": EXP, "jti": JTI, "iat": IAT, **claims}
    return pyjwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


TOKEN = make_token()


def cookie(token: str = TOKEN, attrs: str = f"HttpOnly; Max-Age={LIFE}; Path=/; SameSite=lax") -> str:
    return f"token={token}; {attrs}"


def ok(path: str, credential: str, cookies: tuple[str, ...] = (), method: str = "GET") -> Exchange:
    return Exchange(method, path, credential, status=200, reason="OK", content_type="application/json",
                    set_cookies=cookies, at=IAT)


def refused(status: int, detail: str | None, *, path: str = "/api/v1/auths/", credential: str = "bearer",
            method: str = "GET", content_type: str = "application/json", body: str = "") -> Exchange:
    return Exchange(method, path, credential, status=status, reason="", content_type=content_type,
                    detail=detail, body_start=body, at=IAT)


REISSUED = f"expires=Thu, 24 Dec 2026 19:01:43 GMT; HttpOnly; Max-Age={LIFE - 1}; Path=/; SameSite=lax"
SIGNIN = ok("/api/v1/auths/signin", "password", (cookie(),), method="POST")
DELETIONS = tuple(f'{n}=""; expires=Thu, 26 Nov 2026 19:01:44 GMT; Max-Age=0; Path=/; SameSite=lax'
                  for n in ("token", "owui-session", "oui-session", "oauth_id_token"))


def observation(**changes: Any) -> SessionObservation:
    base = SessionObservation(
        base_url=BASE, user="admin@example.org", method="password", signin=SIGNIN, token=TOKEN,
        bearer=ok("/api/v1/auths/", "bearer", (cookie(attrs=REISSUED),)),
        cookie=ok("/api/v1/auths/", "cookie"))
    return replace(base, **changes)


def settings(**env: str) -> Any:
    return session_settings(source(env) if env is not None else None)


HEALTHY = {"WEBUI_SECRET_KEY": KEY, "WEBUI_URL": BASE, "REDIS_URL": "redis://127.0.0.1:6379/0"}


def codes(obs: SessionObservation, env: dict[str, str] | None = None, *, public: str | None = BASE,
          **kw: Any) -> list[str]:
    found = evaluate_session(obs, public_url=public, settings=session_settings(
        source(env) if env is not None else None), **kw)
    return [f.code for f in found]


def test_the_healthy_session_gives_only_the_summary() -> None:
    found = evaluate_session(observation(), public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["deploy.session-summary"]
    summary = found[0].evidence
    assert summary["token lifetime"] == "28 d"
    assert summary["token exp"] == "2026-12-24T19:01:43Z"
    assert summary["Bearer round trip"] == summary["cookie round trip"] == "200 application/json"
    assert "HS256" in summary["token"] and "session_stamp" in summary["token"]
    assert TOKEN not in json.dumps([f.to_dict() for f in found])


def test_without_settings_the_app_alone_is_judged() -> None:
    assert codes(observation(), None) == ["deploy.session-summary"]


# --------------------------------------------------------------------------- sign-in refused


@pytest.mark.parametrize(("signin", "words"), [
    (refused(400, INVALID_CRED, path="/api/v1/auths/signin", method="POST"), "wrong email or password"),
    (refused(400, "Your provider has not provided a trusted header. Please contact your administrator "
                  "for assistance.", path="/api/v1/auths/signin", method="POST"), "trusted email header"),
    (refused(403, "The requested action has been restricted as a security measure.",
             path="/api/v1/auths/signin", method="POST"), "ENABLE_PASSWORD_AUTH=false"),
    (refused(429, "API rate limit exceeded", path="/api/v1/auths/signin", method="POST"), "rate limited"),
    (refused(500, None, path="/api/v1/auths/signin", method="POST", content_type="text/plain",
             body="Internal Server Error"), "see the app's log"),
    (refused(405, "Method Not Allowed", path="/api/v1/auths/signin", method="POST"), "not Open WebUI's"),
    (refused(200, None, path="/api/v1/auths/signin", method="POST", content_type="text/html",
             body="<!doctype html>"), "not Open WebUI's"),
    (refused(422, "Invalid authentication request.", path="/api/v1/auths/signin", method="POST"),
     "shape"),
    (refused(418, "teapot", path="/api/v1/auths/signin", method="POST"), "answered 418"),
])
def test_signin_refusals_are_mapped_to_causes(signin: Exchange, words: str) -> None:
    found = evaluate_session(observation(signin=signin, token=None, bearer=None, cookie=None),
                             public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["deploy.signin-failed"]
    assert words in found[0].title


@pytest.mark.parametrize(("location", "words"), [
    ("https://sso.example.com/login?rd=%2Fapi%2Fv1%2Fauths%2Fsignin", "sign-in wall"),
    (f"{BASE.replace('http://', 'https://')}/api/v1/auths/signin", "only answers over https"),
    (None, "(no Location header)"),
])
def test_a_redirected_signin_says_where_it_went(location: str | None, words: str) -> None:
    """A 3xx at sign-in (an authenticating proxy's login page, an http -> https redirect): the
    report names the target, and does not claim users see an error under the sign-in form."""
    signin = replace(refused(302, None, path="/api/v1/auths/signin", method="POST",
                             content_type="text/html"), location=location)
    (found,) = evaluate_session(observation(signin=signin, token=None, bearer=None, cookie=None),
                                public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert found.code == "deploy.signin-failed"
    assert words in found.title
    assert found.evidence["redirects to"] == (location or "(no Location header)")
    assert "under the sign-in form" not in found.detail


def test_429_says_when_it_clears_and_that_nothing_was_retried() -> None:
    signin = refused(429, "API rate limit exceeded", path="/api/v1/auths/signin", method="POST")
    (found,) = evaluate_session(observation(signin=signin, token=None), public_url=BASE,
                                settings=session_settings(None))
    assert found.evidence["clears by"] == "2026-11-26T19:04:43Z"  # IAT + 180 s
    assert "did not retry" in found.title


@pytest.mark.parametrize(("env", "names"), [
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "None;Secure"}, ["WEBUI_AUTH_COOKIE_SAME_SITE"]),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "off"}, ["WEBUI_SESSION_COOKIE_SAME_SITE"]),
    ({"JWT_EXPIRES_IN": "3600"}, ["JWT_EXPIRES_IN"]),
])
def test_a_500_at_signin_names_the_setting(env: dict[str, str], names: list[str]) -> None:
    signin = refused(500, None, path="/api/v1/auths/signin", method="POST", content_type="text/plain",
                     body="Internal Server Error")
    (found,) = evaluate_session(observation(signin=signin, token=None), public_url=BASE,
                                settings=session_settings(source({**HEALTHY, **env})))
    assert found.code == "deploy.signin-failed"
    for name in names:
        assert name in found.title and name in found.fix


@pytest.mark.parametrize(("detail", "words"), [
    ("LDAP authentication is not enabled", "off in the running app"),
    ("Application account bind failed", "LDAP_APP_DN"),
    ("User not found in the LDAP server", "finds no entry"),
    ("User does not have a valid email address.", "LDAP_ATTRIBUTE_FOR_MAIL"),
    ("Authentication failed.", "wrong password"),
    ("User record mismatch.", "LDAP_ATTRIBUTE_FOR_USERNAME"),
    ("LDAP authentication failed.", "could not be used"),
])
def test_ldap_signin_errors_quote_the_apps_text(detail: str, words: str) -> None:
    signin = refused(400, detail, path="/api/v1/auths/ldap", method="POST", credential="ldap")
    (found,) = evaluate_session(observation(signin=signin, token=None, method="ldap", user="alice"),
                                public_url=BASE, settings=session_settings(None))
    assert found.code == "deploy.signin-failed"
    assert words in found.title and detail in found.evidence["answer"]
    assert "ldap test" in found.fix


def test_no_answer_at_signin_names_the_rung() -> None:
    from authdoctor.probes import ProbeFailure, Rung

    signin = Exchange("POST", "/api/v1/auths/signin", "password",
                      failure=ProbeFailure(Rung.PROTOCOL, "connected to 127.0.0.1:8080, but no answer "
                                           "within 5 s", {"address": "127.0.0.1:8080"}, timed_out=True))
    (found,) = evaluate_session(observation(signin=signin, token=None), public_url=BASE,
                                settings=session_settings(None))
    assert found.code == "deploy.signin-failed" and "(protocol)" in found.title


def test_200_without_a_token() -> None:
    signin = ok("/api/v1/auths/signin", "password", ())
    found = codes(observation(signin=signin, token=None), HEALTHY)
    assert found == ["cookie.not-set", "deploy.signin-failed"]


# --------------------------------------------------------------------------- cookies


def test_no_token_cookie_is_cookie_not_set() -> None:
    signin = ok("/api/v1/auths/signin", "password", ("lb=abc; Path=/",), method="POST")
    found = evaluate_session(observation(signin=signin), public_url=BASE,
                             settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["cookie.not-set", "deploy.session-summary"]
    assert found[0].evidence["cookies that arrived"] == "lb"


def test_samesite_none_without_secure_live_and_against_the_settings() -> None:
    none = ok("/api/v1/auths/signin", "password",
              (cookie(attrs=f"HttpOnly; Max-Age={LIFE}; Path=/; SameSite=none"),), method="POST")
    assert codes(observation(signin=none), {**HEALTHY, "WEBUI_AUTH_COOKIE_SAME_SITE": "none"}) == [
        "cookie.samesite-none-without-secure", "deploy.session-summary"]
    # the settings ask lax: a proxy rewrote it (or the app runs other settings)
    assert codes(observation(signin=none), HEALTHY) == [
        "cookie.samesite-none-without-secure", "cookie.differs-from-config", "deploy.session-summary"]


def test_cookies_are_judged_against_the_public_url_not_the_probed_one() -> None:
    secure = ok("/api/v1/auths/signin", "password",
                (cookie(attrs=f"HttpOnly; Max-Age={LIFE}; Path=/; SameSite=lax; Secure"),), method="POST")
    env = {**HEALTHY, "WEBUI_AUTH_COOKIE_SECURE": "true"}
    assert codes(observation(signin=secure), env, public="http://chat.example.com") == [
        "cookie.secure-on-http", "deploy.session-summary"]
    assert codes(observation(signin=secure), env, public="https://chat.example.com") == [
        "deploy.session-summary"]
    assert codes(observation(), HEALTHY, public="https://chat.example.com") == [
        "cookie.missing-secure-on-https", "deploy.session-summary"]


@pytest.mark.parametrize(("attrs", "code"), [
    (f"Max-Age={LIFE}; Path=/; SameSite=lax", "cookie.not-httponly"),
    ("HttpOnly; Max-Age=3600; Path=/; SameSite=lax", "cookie.expiry-mismatch"),
])
def test_a_proxy_rewriting_the_cookie(attrs: str, code: str) -> None:
    signin = ok("/api/v1/auths/signin", "password", (cookie(attrs=attrs),), method="POST")
    found = codes(observation(signin=signin), {"WEBUI_SECRET_KEY": KEY})
    assert code in found


def test_a_max_age_other_than_jwt_expires_in_differs_from_config() -> None:
    assert codes(observation(), {**HEALTHY, "JWT_EXPIRES_IN": "8h"}) == [
        "cookie.differs-from-config", "deploy.session-summary"]


def test_an_oversized_cookie_and_a_prefix_violation_from_a_proxy() -> None:
    signin = ok("/api/v1/auths/signin", "password",
                (cookie(), "big=" + "x" * 5000, "__Host-lb=1; Path=/"), method="POST")
    found = codes(observation(signin=signin), HEALTHY)
    assert found == ["cookie.too-large", "cookie.prefix-violation", "deploy.session-summary"]


# --------------------------------------------------------------------------- the key


def test_a_token_signed_with_another_key_than_the_settings() -> None:
    other = make_token("another-secret-the-app-generated-itself-0123456789")
    signin = ok("/api/v1/auths/signin", "password", (cookie(other),), method="POST")
    found = evaluate_session(observation(signin=signin, token=other), public_url=BASE,
                             settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["jwt.bad-signature", "deploy.session-summary"]
    assert "another WEBUI_SECRET_KEY" in found[0].title
    assert KEY not in json.dumps(found[0].to_dict())


def test_no_key_in_the_settings_nothing_to_verify() -> None:
    assert codes(observation(), {"WEBUI_URL": BASE}) == ["deploy.session-summary"]


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize(("credential", "detail", "words"), [
    ("bearer", "Not authenticated", "dropped the Authorization header"),
    ("cookie", "Not authenticated", "dropped the token cookie"),
    ("bearer", "401 Unauthorized", "another WEBUI_SECRET_KEY"),
    ("bearer", "Invalid token", "revoked in Redis"),
    ("cookie", "Invalid authentication request.", "not in the database"),
    ("bearer", "Something else", "'Something else'"),
])
def test_a_refused_round_trip_is_explained(credential: str, detail: str, words: str) -> None:
    step = refused(401, detail, credential=credential)
    obs = observation(**{credential: step})
    found = evaluate_session(obs, public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["deploy.session-refused", "deploy.session-summary"]
    assert words in found[0].title
    assert ("Bearer" if credential == "bearer" else "cookie") in found[0].title


def test_an_expired_token_refused_says_expired() -> None:
    assert refusal_cause("401 Unauthorized", "bearer", expired=True)[0].startswith("the token had expired")


# --------------------------------------------------------------------------- sign-out


SIGNOUT = ok("/api/v1/auths/signout", "bearer", DELETIONS, method="POST")


def test_signout_not_revoking_without_redis() -> None:
    obs = observation(signout=SIGNOUT, after_signout=ok("/api/v1/auths/", "bearer"))
    no_redis = {k: v for k, v in HEALTHY.items() if k != "REDIS_URL"}
    found = evaluate_session(obs, public_url=BASE, settings=session_settings(source(no_redis)))
    assert [f.code for f in found] == ["deploy.signout-not-revoking", "deploy.session-summary"]
    assert "no REDIS_URL" in found[0].title and "REDIS_URL" in found[0].fix
    assert found[0].evidence["REDIS_URL"] == "(not set)"
    with_redis = evaluate_session(obs, public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert "no REDIS_URL" not in with_redis[0].title and "fails open" in with_redis[0].detail


def test_the_deletion_cookies_of_signout_are_not_judged() -> None:
    obs = observation(signout=SIGNOUT, after_signout=refused(401, "Invalid token"))
    assert codes(obs, HEALTHY, public="https://chat.example.com") == [
        "cookie.missing-secure-on-https", "deploy.session-summary"]  # the sign-in cookie only


def test_signout_500_is_redis_down() -> None:
    failed = refused(500, None, path="/api/v1/auths/signout", method="POST", content_type="text/plain",
                     body="Internal Server Error")
    found = evaluate_session(observation(signout=failed), public_url=BASE,
                             settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["deploy.signout-failed", "deploy.session-summary"]
    assert "Redis is configured but" in found[0].title


def redis_obs(*, revoked: bool = True, ttl: int | None = LIFE - 10) -> RedisObservation:
    return RedisObservation(topology="standalone", address="127.0.0.1:6379", prefix="open-webui",
                            token=TokenState(jti=JTI, user_id="u", revoked=revoked,
                                             revoked_ttl_s=ttl if revoked else None))


@pytest.mark.parametrize(("redis", "expected"), [
    (redis_obs(), []),
    (redis_obs(revoked=False), ["redis.key-prefix-mismatch"]),
    (redis_obs(ttl=-1), ["redis.revocation-key-no-ttl"]),
    (redis_obs(ttl=LIFE * 3), ["redis.revocation-ttl-too-long"]),
])
def test_the_revocation_key_after_signout(redis: RedisObservation, expected: list[str]) -> None:
    obs = observation(signout=SIGNOUT, after_signout=refused(401, "Invalid token"))
    found = evaluate_session(obs, public_url=BASE, settings=session_settings(source(HEALTHY)),
                             redis=redis, redis_read_at=IAT + 10)
    assert [f.code for f in found] == [*expected, "deploy.session-summary"]
    if not expected:
        assert found[-1].evidence["revocation key"] == (
            f"found, TTL {LIFE - 10} s, the token's remaining life {LIFE - 10} s")
        assert found[-1].evidence["old token after sign-out"] == "401 detail 'Invalid token'"


def test_observations_serialise_without_the_token_or_the_password() -> None:
    obs = observation(signout=SIGNOUT, after_signout=refused(401, "Invalid token"))
    text = json.dumps(obs.to_dict())
    assert TOKEN not in text and PASSWORD not in text
    assert obs.to_dict()["token_chars"] == len(TOKEN)
    assert obs.to_dict()["signin"]["set_cookies"] == [
        f"token=<{len(TOKEN)} chars>; HttpOnly; Max-Age={LIFE}; Path=/; SameSite=lax"]
    assert TOKEN not in repr(obs)


def test_a_password_sent_over_plain_http_off_loopback_is_said() -> None:
    obs = observation(base_url="http://10.0.0.5:8080")
    (summary,) = evaluate_session(obs, public_url="http://chat.example.com",
                                  settings=session_settings(source(HEALTHY)))
    assert summary.evidence["password sent"].startswith("over plain http to 10.0.0.5")
    (local,) = evaluate_session(observation(), public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert "password sent" not in local.evidence


def test_not_sent_over_http_off_loopback_when_users_sign_in_over_https(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """`--url http://<not loopback>` while the public URL is https: the password stays home."""
    import asyncio
    from datetime import UTC, datetime

    from authdoctor.checks._app_session_run import session_findings
    from authdoctor.checks.base import CheckContext
    from authdoctor.settings.model import Deployment, TestAccount

    deployment = Deployment(replicas=(source({"WEBUI_URL": "https://chat.example.com"}),),
                            app_url="http://10.0.0.5:8080",
                            test_account=TestAccount(email="a@example.org", password=PASSWORD))
    ctx = CheckContext(deployment=deployment, now=datetime.now(UTC))
    (found,) = asyncio.run(session_findings(ctx, "http://10.0.0.5:8080", False))
    assert found.code == "deploy.skipped" and "plain http to 10.0.0.5" in found.title
    assert ctx.probes.cache.started == 0  # nothing was sent


def test_an_app_url_that_is_not_open_webui_says_the_signin_was_not_attempted(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from fake_openwebui import HTML_PAGE, FakeApp, serve

    from authdoctor.cli import main

    monkeypatch.setenv("AUTHDOCTOR_TEST_PW", PASSWORD)
    app = FakeApp(page=HTML_PAGE)
    with serve(app) as url, pytest.raises(SystemExit):
        main(["app", "probe", url, "--user", "a@example.org", "--password-env", "AUTHDOCTOR_TEST_PW",
              "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    deploy = [f for f in report["findings"] if f["area"] == "deploy"]
    assert [f["code"] for f in deploy] == ["deploy.not-openwebui", "deploy.skipped"]
    assert "was not attempted: the app URL did not answer as Open WebUI" in deploy[1]["title"]


@pytest.mark.parametrize(("claims", "expected"), [
    ({"iat": IAT + 7200, "auth_time": IAT + 7200}, ["jwt.issued-in-future"]),  # the app's clock 2 h ahead
    ({"exp": IAT - 3600}, ["jwt.expired"]),                                   # expired on arrival
    ({"iat": IAT + 30}, []),                                                  # within the leeway
])
def test_the_apps_clock_against_ours(claims: dict[str, Any], expected: list[str]) -> None:
    token = make_token(**claims)
    signin = ok("/api/v1/auths/signin", "password", (), method="POST")
    found = codes(observation(signin=signin, token=token), HEALTHY)
    assert [c for c in found if c.startswith("jwt.")] == expected


# --------------------------------------------------------------------------- a token the user gave


def given(token: str = TOKEN, **changes: Any) -> SessionObservation:
    return replace(observation(signin=None, method="token", user="", token=token), **changes)


def test_a_given_token_that_works() -> None:
    found = evaluate_session(given(), public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == ["deploy.session-summary"]
    assert found[0].title.startswith("the given token at ")
    assert "signed in" not in found[0].evidence and "given token" in found[0].evidence


@pytest.mark.parametrize(("token", "detail", "expected", "words"), [
    (make_token(exp=IAT - 60), "401 Unauthorized", ["deploy.session-refused"], "had expired"),
    (make_token("another-secret-0123456789-0123456789-xx"), "401 Unauthorized",
     ["jwt.bad-signature", "deploy.session-refused"], "another WEBUI_SECRET_KEY"),
    (TOKEN, "Invalid token", ["deploy.session-refused"], "revoked in Redis"),
])
def test_a_given_token_refused_is_explained(token: str, detail: str, expected: list[str], words: str) -> None:
    obs = given(token, bearer=refused(401, detail), cookie=refused(401, detail, credential="cookie"))
    found = evaluate_session(obs, public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert [f.code for f in found] == [*expected, "deploy.session-refused", "deploy.session-summary"]
    refusal = found[len(expected) - 1]
    assert refusal.title.startswith("the app refuses the given token as a Bearer header")
    assert words in refusal.title
    if "jwt.bad-signature" in expected:
        assert found[0].title.startswith("the given token was signed with another WEBUI_SECRET_KEY")


def test_a_given_token_that_is_not_a_jwt() -> None:
    (found,) = evaluate_session(given("not-a-jwt"), public_url=BASE, settings=session_settings(None))
    assert found.code == "deploy.session-refused" and "not a JWT" in found.title


# ----------------------------------------------------------------------------- the probe's own scrubbing


def _echo_server(answer: Any) -> tuple[Any, str]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, body: bytes) -> None:
            status, content_type, text, headers = answer(self.command, self.path, body,
                                                         dict(self.headers))
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            self._answer(self.rfile.read(int(self.headers.get("content-length") or 0)))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


ECHOED_PASSWORD = 'Abc Def<>&"  Ghi%/é"x'


@pytest.mark.parametrize("echo", [
    pytest.param(lambda pw: "<html>error for " + html.escape(pw) + "</html>", id="html-escaped"),
    pytest.param(lambda pw: "error " + quote(pw, safe=""), id="url-encoded"),
    pytest.param(lambda pw: "error " + pw, id="whitespace-folded"),
    pytest.param(lambda pw: "x" * 190 + pw, id="cut-at-200"),
])
def test_an_answer_echoing_the_password_in_any_form_never_shows_it(echo: Any) -> None:
    from authdoctor.probes.app_session import run_session

    def answer(method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        return 500, "text/html", echo(json.loads(body)["password"]), []

    server, base = _echo_server(answer)
    try:
        obs = run_session(base, user="a@example.com", password=ECHOED_PASSWORD, timeout_s=5)
    finally:
        server.shutdown()
    assert obs.signin is not None and obs.signin.status == 500 and obs.signin.body_start
    shown = json.dumps(obs.to_dict(), ensure_ascii=False) + obs.signin.body_start
    for piece in ("Abc", "Def", "Ghi"):
        assert piece not in shown


@pytest.mark.parametrize("as_detail", [True, False], ids=["json-detail", "html-body"])
def test_an_answer_echoing_the_issued_token_never_shows_it(as_detail: bool) -> None:
    from authdoctor.probes.app_session import run_session

    def answer(method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        if method == "POST":
            return 200, "application/json", json.dumps({"token": TOKEN}), []
        sent = headers.get("Authorization", "") + headers.get("Cookie", "")
        if as_detail:
            return 401, "application/json", json.dumps({"detail": "refused " + sent}), []
        return 502, "text/html", "<p>refused " + sent + "</p>", []

    server, base = _echo_server(answer)
    try:
        obs = run_session(base, user="a@example.com", password="pw-123456", timeout_s=5)
    finally:
        server.shutdown()
    assert obs.bearer is not None and obs.bearer.status in (401, 502)
    shown = json.dumps(obs.to_dict()) + (obs.bearer.detail or "") + obs.bearer.body_start
    assert TOKEN.split(".")[2] not in shown and "***" in shown
    findings = evaluate_session(obs, public_url=None, settings=session_settings(None))
    assert TOKEN.split(".")[2] not in json.dumps([f.to_dict() for f in findings])


def test_a_given_token_without_iat_is_valid_until_its_exp_not_for_ever() -> None:
    """Tokens of Open WebUI before iat was added carry id, exp and jti only."""
    token = make_token(iat=None, auth_time=None)
    found = evaluate_session(given(token), public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert found[0].code == "deploy.session-summary"
    assert "for ever" not in found[0].title and "until 2026-" in found[0].title


def test_a_given_token_over_plain_http_off_loopback_says_the_token_was_sent_not_a_password() -> None:
    obs = given(base_url="http://10.0.0.5:8080")
    found = evaluate_session(obs, public_url="http://10.0.0.5:8080", settings=session_settings(None))
    summary = next(f for f in found if f.code == "deploy.session-summary")
    assert "password sent" not in summary.evidence and "token sent" in summary.evidence


def test_not_sent_in_clear_to_an_http_proxy_off_loopback_when_users_sign_in_over_https(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`--url http://127.0.0.1:8080` with HTTP_PROXY set: the proxy reads the body, the password too."""
    import asyncio
    from datetime import UTC, datetime

    from authdoctor.checks._app_session_run import session_findings
    from authdoctor.checks.base import CheckContext
    from authdoctor.settings.model import Deployment, TestAccount

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxyuser:proxypass@proxy.corp.example:3128")
    deployment = Deployment(replicas=(source({"WEBUI_URL": "https://chat.example.com"}),),
                            app_url="http://127.0.0.1:8080",
                            test_account=TestAccount(email="a@example.org", password=PASSWORD))
    ctx = CheckContext(deployment=deployment, now=datetime.now(UTC))
    (found,) = asyncio.run(session_findings(ctx, "http://127.0.0.1:8080", False))
    assert found.code == "deploy.skipped" and "proxy.corp.example (the proxy" in found.title
    assert "proxypass" not in found.title
    assert ctx.probes.cache.started == 0  # nothing was sent


def test_an_answer_that_drips_is_cut_at_the_probe_timeout_not_at_the_runs_deadline() -> None:
    """httpx's timeout bounds each read; a body that arrives a byte at a time must still end the step."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from authdoctor.probes.app_session import run_session

    stop = threading.Event()

    class Drip(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            while not stop.is_set():
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        obs = run_session(f"http://127.0.0.1:{server.server_address[1]}", user="a@example.com",
                          password="pw-123456", timeout_s=1.0)
    finally:
        stop.set()
        server.shutdown()
    assert time.monotonic() - started < 4
    assert obs.signin is not None and obs.signin.failure is not None and obs.signin.failure.timed_out
    assert "not complete within 1 s" in obs.signin.failure.summary


@pytest.mark.parametrize("claims", [{"exp": 10**20}, {"exp": -10**20, "iat": 10**20},
                                    {"exp": 1e20, "iat": None}])
def test_a_token_whose_times_are_no_dates_is_judged_not_a_crash(claims: dict[str, Any]) -> None:
    """exp=1e20 from the app made datetime.fromtimestamp raise OverflowError: the deploy area
    crashed (internal.check-crashed, exit 3) (review)."""
    token = make_token(**claims)
    obs = observation(token=token, signin=replace(SIGNIN, set_cookies=(cookie(token),)))
    found = evaluate_session(obs, public_url=BASE, settings=session_settings(source(HEALTHY)))
    assert "deploy.session-summary" in [f.code for f in found]


def test_a_reason_phrase_echoing_the_password_is_scrubbed_in_the_observation() -> None:
    from authdoctor.probes.app_session import run_session

    def answer(method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        return 400, "application/json", json.dumps({"detail": "no"}), []

    server, base = _echo_server(answer)
    server.RequestHandlerClass.responses = {400: ("bad password pw-in-reason-77", "")}
    try:
        obs = run_session(base, user="a@example.com", password="pw-in-reason-77", timeout_s=5)
    finally:
        server.shutdown()
    assert obs.signin is not None and obs.signin.status == 400
    assert "pw-in-reason-77" not in json.dumps(obs.to_dict()) and obs.signin.reason == "bad password ***"


def test_a_redirect_at_signin_is_kept_masked_and_not_followed() -> None:
    """A sign-in wall answers the POST with 302: the probe keeps where it points (credentials
    masked, the password scrubbed) and does not follow it (the password goes nowhere else)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from authdoctor.probes.app_session import run_session

    hits: list[str] = []

    class Wall(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "https://ops:wall-secret@sso.example.com/login?pw=pw-123456")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

    server = ThreadingHTTPServer(("127.0.0.1", 0), Wall)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        obs = run_session(base, user="a@example.com", password="pw-123456", timeout_s=5)
    finally:
        server.shutdown()
    assert hits == ["/api/v1/auths/signin"]
    assert obs.signin is not None and obs.signin.status == 302
    location = obs.signin.location or ""
    assert "sso.example.com/login" in location
    assert "wall-secret" not in location and "pw-123456" not in location
    (found,) = evaluate_session(obs, public_url=base, settings=session_settings(None))
    assert found.code == "deploy.signin-failed" and "sign-in wall" in found.title
    assert "wall-secret" not in json.dumps(found.to_dict()) and "pw-123456" not in json.dumps(found.to_dict())
