"""`authdoctor har`'s evaluation on small hand-made recordings (unit tests; the real recordings of
the browser tier are the proof: tests/lab/test_har_browser.py, fixtures/har/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from har_factory import APP, EXP, IDP, entry, password_signin, session_token, write

from authdoctor.checks.har import evaluate
from authdoctor.findings import Finding, Severity
from authdoctor.har.reader import read_har

NOW = datetime(2026, 11, 28, 10, 5, tzinfo=UTC)
LOGIN_STATE = "st4te-value-1234"


def judge(tmp_path: Path, entries: list[dict[str, Any]], **kwargs: Any) -> dict[str, Finding]:
    log = read_har(str(write(tmp_path / "x.har", entries)))
    return {f.code: f for f in evaluate(log, now=NOW, **kwargs)}


def session_check(token: str | None, status: int = 200, base: str = APP,
                  detail: str = "") -> dict[str, Any]:
    return entry("GET", f"{base}/api/v1/auths/", status, cookies=f"token={token}" if token else None,
                 body=json.dumps({"detail": detail}) if detail else "{}")


def test_a_healthy_password_sign_in_has_no_finding(tmp_path: Path) -> None:
    token = session_token()
    found = judge(tmp_path, [*password_signin(token=token), session_check(token)])
    assert found == {}


def test_secure_cookie_on_http_is_confirmed_by_the_next_request(tmp_path: Path) -> None:
    token = session_token()
    found = judge(tmp_path, [*password_signin(token=token, flags="HttpOnly; Max-Age=2419200; Path=/; "
                                              "SameSite=lax; Secure"),
                             session_check(None, 401, detail="Not authenticated")])
    rule = found["cookie.secure-on-http"]
    assert rule.severity is Severity.ERROR
    assert rule.evidence["in this recording"].startswith("never sent again: none of the 1 later")
    assert "SecureOnly" in rule.evidence["in this recording"]
    rejected = found["har.token-rejected"]
    assert "refused the token cookie (SecureOnly)" in rejected.title
    assert token not in json.dumps([f.to_dict() for f in found.values()])


def test_a_rule_the_browser_did_not_apply_is_downgraded(tmp_path: Path) -> None:
    """Secure over http://localhost is stored by Chrome; the rules exempt loopback already, so
    use a cookie the browser sent back despite SameSite=None without Secure (an old browser)."""
    token = session_token()
    base = "http://chat.example.test:8080"
    found = judge(tmp_path, [*password_signin(base, token=token, flags="HttpOnly; Max-Age=2419200; Path=/; "
                                              "SameSite=None"), session_check(token, base=base)])
    rule = found["cookie.samesite-none-without-secure"]
    assert rule.severity is Severity.INFO
    assert rule.evidence["in this recording"].startswith("sent again with #3 GET")


def test_a_drop_no_rule_explains_is_named(tmp_path: Path) -> None:
    token = session_token()
    found = judge(tmp_path, [*password_signin(token=token, flags="HttpOnly; Max-Age=2419200; Path=/; "
                                              "SameSite=lax; Domain=other.test"),
                             session_check(None, 401, detail="Not authenticated")])
    dropped = found["har.cookie-not-sent"]
    assert dropped.severity is Severity.ERROR
    assert "InvalidDomain" in dropped.detail


def oauth_flow(*, session_flags: str = "HttpOnly; Max-Age=1209600; Path=/; SameSite=lax",
               callback_cookies: str | None = "owui-session=abc123sessionvalue",
               callback_method: str = "GET", idp_post: bool = True, callback_location: str = f"{APP}/auth",
               callback_set_token: bool = True, redirect_uri: str = f"{APP}/oauth/oidc/callback",
               authorize_status: int = 303, authorize_body: str = "") -> list[dict[str, Any]]:
    authorize = (f"{IDP}/auth?response_type=code&client_id=open-webui&redirect_uri={redirect_uri}"
                 f"&scope=openid+email&state={LOGIN_STATE}")
    token = session_token()
    flow = [
        entry("GET", f"{APP}/api/config", body='{"status":true}'),
        entry("GET", f"{APP}/oauth/oidc/login", 302, location=authorize,
              set_cookies=[f"owui-session=abc123sessionvalue; {session_flags}"]),
        entry("GET", authorize, authorize_status,
              location=f"{IDP}/interaction/u1" if authorize_status == 303 else "",
              body=authorize_body, mime="text/html"),
    ]
    if authorize_status != 303:
        return flow
    flow.append(entry("GET", f"{IDP}/interaction/u1", 200, mime="text/html", body="<form method=post>"))
    if idp_post:
        flow.append(entry("POST", f"{IDP}/interaction/u1", 303, location=f"{IDP}/auth/u1",
                          post="login=alice&password=x", post_mime="application/x-www-form-urlencoded"))
    back = f"{redirect_uri}?code=c0de-secret-value&state={LOGIN_STATE}"
    flow.append(entry("GET", f"{IDP}/auth/u1", 303, location=back))
    flow.append(entry(callback_method, f"{redirect_uri}?code=c0de-secret-value&state={LOGIN_STATE}", 307,
                      cookies=callback_cookies, location=callback_location,
                      set_cookies=[f"token={token}; Max-Age=2419200; Path=/; SameSite=lax"]
                      if callback_set_token else []))
    flow.append(entry("GET", callback_location, 200, mime="text/html", body="<html></html>",
                      cookies=f"token={token}; owui-session=abc123sessionvalue"
                      if callback_set_token else None))
    return flow


def test_a_healthy_oauth_round_trip_has_no_problem(tmp_path: Path) -> None:
    found = judge(tmp_path, oauth_flow())
    assert {c for c, f in found.items() if f.severity.at_least(Severity.WARNING)} == set()


def test_strict_session_cookie_after_the_idp_form_is_named(tmp_path: Path) -> None:
    found = judge(tmp_path, oauth_flow(session_flags="HttpOnly; Path=/; SameSite=strict",
                                       callback_cookies=None,
                                       callback_location=f"{APP}/auth?error=Sign-in%20failed",
                                       callback_set_token=False))
    lost = found["cookie.samesite-strict-breaks-oauth"]
    assert lost.evidence["came back by"].startswith("a form submitted on the IdP's page")
    assert "har.oauth-callback-failed" not in found


def test_state_lost_on_another_host_is_named(tmp_path: Path) -> None:
    other = "http://10.0.0.5:8080/oauth/oidc/callback"
    found = judge(tmp_path, oauth_flow(redirect_uri=other, callback_cookies=None, callback_set_token=False,
                                       callback_location="http://10.0.0.5:8080/auth?error=x"))
    assert "oauth.redirect-uri-host-mismatch" in found
    lost = found["har.oauth-state-lost"]
    assert "host-only cookie" in lost.detail


def test_failed_code_exchange_is_named(tmp_path: Path) -> None:
    found = judge(tmp_path, oauth_flow(callback_location=f"{APP}/auth?error=Sign-in%20failed",
                                       callback_set_token=False))
    failed = found["har.oauth-callback-failed"]
    assert "OAUTH_CLIENT_SECRET" in failed.detail
    assert failed.evidence["the app answered"] == "Sign-in failed"
    assert "c0de-secret-value" not in json.dumps(failed.to_dict())


def test_idp_error_page_for_the_redirect_uri(tmp_path: Path) -> None:
    body = ("<html><h1>oops! something went wrong</h1><pre>error: invalid_redirect_uri\n"
            "error_description: redirect_uri did not match any of the client's registered "
            "redirect_uris</pre>")
    found = judge(tmp_path, oauth_flow(authorize_status=400, authorize_body=body))
    assert "oauth.redirect-uri-not-registered" in found


def test_idp_error_redirect_to_the_callback(tmp_path: Path) -> None:
    flow = oauth_flow()
    callback = next(e for e in flow if "/oauth/oidc/callback" in e["request"]["url"])
    callback["request"]["url"] = (f"{APP}/oauth/oidc/callback?error=access_denied"
                                  "&error_description=AADSTS50105&state=x")
    found = judge(tmp_path, flow)
    assert "AADSTS50105" in found["har.oauth-error-returned"].title


def test_signout_by_get_and_no_revocation(tmp_path: Path) -> None:
    token = session_token()
    bearer = {"Authorization": f"Bearer {token}"}
    found = judge(tmp_path, [
        *password_signin(token=token),
        entry("GET", f"{APP}/api/v1/auths/signout", 200, mime="text/html", body="<!doctype html>"),
        entry("POST", f"{APP}/api/v1/auths/signout", 200, request_headers=bearer, body='{"status":true}'),
        entry("GET", f"{APP}/api/v1/auths/", 200, request_headers=bearer, body="{}"),
    ])
    assert "deploy.signout-get-noop" in found
    assert "deploy.signout-not-revoking" in found


@pytest.mark.parametrize(("detail", "exp", "expected", "severity"), [
    ("Invalid token", EXP, "revoked by the sign-out", Severity.INFO),
    ("401 Unauthorized", EXP, "another WEBUI_SECRET_KEY", Severity.ERROR),
    ("401 Unauthorized", 1700000000, "expired", Severity.WARNING),
])
def test_a_refused_token_is_decoded(tmp_path: Path, detail: str, exp: int, expected: str,
                                    severity: Severity) -> None:
    token = session_token(exp=exp)
    bearer = {"Authorization": f"Bearer {token}"}
    found = judge(tmp_path, [
        *password_signin(token=session_token()),
        entry("POST", f"{APP}/api/v1/auths/signout", 200, request_headers=bearer, body='{"status":true}'),
        entry("GET", f"{APP}/api/v1/chats/", 401, request_headers=bearer,
              body=json.dumps({"detail": detail})),
    ])
    rejected = found["har.token-rejected"]
    assert expected in rejected.title
    assert rejected.severity is severity


@pytest.mark.parametrize(("status", "detail", "severity"), [
    (400, "The email or password provided is incorrect.", Severity.WARNING),
    (429, "API rate limit exceeded", Severity.WARNING),
    (500, "", Severity.ERROR),
])
def test_signin_answers(tmp_path: Path, status: int, detail: str, severity: Severity) -> None:
    found = judge(tmp_path, [entry("GET", f"{APP}/api/config", body="{}"),
                             entry("POST", f"{APP}/api/v1/auths/signin", status,
                                   post='{"email":"a@b.c","password":"pw-123456"}',
                                   body=json.dumps({"detail": detail}) if detail else "Internal Server Error",
                                   mime="application/json" if detail else "text/plain")])
    failed = found["deploy.signin-failed"]
    assert failed.severity is severity
    assert str(status) in failed.title


def test_transport(tmp_path: Path) -> None:
    https = "https://chat.example.test"
    found = judge(tmp_path, [entry("GET", f"{https}/api/config", body="{}"),
                             entry("GET", "http://chat.example.test/api/v1/auths/", 401, body="{}")])
    assert "transport.mixed-scheme" in found
    assert "transport.hsts-missing" in found


def test_insecure_form_post(tmp_path: Path) -> None:
    callback = "http://chat.example.test:8080/oauth/oidc/callback"
    authorize = f"{IDP}/auth?client_id=c&redirect_uri={callback}&response_mode=form_post&state=s"
    page = (f'<form method="post" action="{callback}"><input type="hidden" name="code" value="c0de-123456">'
            '</form><script>document.forms[0].submit()</script>')
    found = judge(tmp_path, [entry("GET", f"{APP}/oauth/oidc/login", 302, location=authorize),
                             entry("GET", authorize, 200, mime="text/html", body=page)])
    assert "har.insecure-form-post" in found


def test_no_app_request(tmp_path: Path) -> None:
    found = judge(tmp_path, [entry("GET", "https://example.org/", 200, mime="text/html")])
    assert set(found) == {"har.recording-incomplete"}
    assert "example.org" in found["har.recording-incomplete"].detail


def test_callback_without_login_is_incomplete(tmp_path: Path) -> None:
    found = judge(tmp_path, [entry("GET", f"{APP}/oauth/oidc/callback?code=abcdef123&state=s", 307,
                                   location=f"{APP}/auth")])
    assert "har.recording-incomplete" in found


def test_settings_comparison(tmp_path: Path) -> None:
    from authdoctor.settings.model import EnvSource, EnvVar

    values = {"WEBUI_AUTH_COOKIE_SECURE": "true", "WEBUI_URL": APP}
    env = EnvSource(label="test.env", vars={k: EnvVar(name=k, value=v) for k, v in values.items()})
    found = judge(tmp_path, password_signin(), env=env, public_url=APP)
    differs = found["cookie.differs-from-config"]
    assert "Secure" in differs.evidence


def test_a_sanitized_export_is_named(tmp_path: Path) -> None:
    """Chrome's default export has no Cookie, Set-Cookie or Authorization: say so, judge no cookie."""
    flow = [entry("GET", f"{APP}/api/config", body="{}"),
            entry("POST", f"{APP}/api/v1/auths/signin", 200, post="{}", body="{}"),
            entry("GET", f"{APP}/api/v1/auths/", 401, body='{"detail":"Not authenticated"}')]
    found = judge(tmp_path, flow)
    assert set(found) == {"har.recording-incomplete"}
    assert "exported sanitized" in found["har.recording-incomplete"].title
