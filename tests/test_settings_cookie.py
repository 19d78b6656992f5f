"""Cookie settings against the public URL (authdoctor/checks/cookie.py), with the app's fallbacks."""

from __future__ import annotations

import pytest
from settings_env import problems, run, source

from authdoctor.checks.cookie import CHECK
from authdoctor.findings import Severity
from authdoctor.openwebui.values import cookie_settings

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
HTTPS = {"WEBUI_URL": "https://chat.example.com"}
HTTP = {"WEBUI_URL": "http://chat.example.com"}
SECURE = {"WEBUI_SESSION_COOKIE_SECURE": "true"}
OIDC = {"OAUTH_CLIENT_ID": "owui", "OAUTH_CLIENT_SECRET": "client-secret-value-123",
        "OPENID_PROVIDER_URL": "https://idp.example.com/.well-known/openid-configuration"}


@pytest.mark.parametrize(("env", "expected"), [
    # the auth cookie inherits the session cookie's raw values
    ({}, ("lax", False, "lax", False)),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "strict", "WEBUI_SESSION_COOKIE_SECURE": "TRUE"},
     ("strict", True, "strict", True)),
    ({"WEBUI_SESSION_COOKIE_SECURE": "true", "WEBUI_AUTH_COOKIE_SECURE": "false"},
     ("lax", True, "lax", False)),
    ({"WEBUI_SESSION_COOKIE_SECURE": "yes"}, ("lax", False, "lax", False)),
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "none"}, ("lax", False, "none", False)),
])
def test_cookie_fallbacks(env: dict[str, str], expected: tuple[str, bool, str, bool]) -> None:
    cs = cookie_settings(source(env))
    assert (cs.session_same_site, cs.session_secure, cs.auth_same_site, cs.auth_secure) == expected


@pytest.mark.parametrize(("env", "expected"), [
    ({**HTTP, **SECURE}, [("cookie.secure-on-http", E)]),
    ({**HTTP, "WEBUI_AUTH_COOKIE_SECURE": "true"}, [("cookie.secure-on-http", E)]),
    # potentially trustworthy origins: Chromium stores and sends Secure cookies over http there
    # (tests/lab/test_browser_cookies.py proves it on 127.0.0.1), so nothing is reported
    ({"WEBUI_URL": "http://localhost:3000", **SECURE}, []),
    ({"WEBUI_URL": "http://127.0.0.1:8080", **SECURE}, []),
    ({"WEBUI_URL": "http://127.0.1.5:8080", **SECURE}, []),
    ({"WEBUI_URL": "http://[::1]:8080", **SECURE}, []),
    ({"WEBUI_URL": "http://chat.localhost", **SECURE}, []),
    ({"WEBUI_URL": "http://10.0.0.5:8080", **SECURE}, [("cookie.secure-on-http", E)]),
    ({"WEBUI_URL": "http://localhost.example.com", **SECURE}, [("cookie.secure-on-http", E)]),
    ({**HTTP}, []),
    ({**HTTP, "WEBUI_SESSION_COOKIE_SECURE": "yes"}, []),  # read as false: not Secure
])
def test_secure_on_http(env: dict[str, str], expected: list[tuple[str, Severity]]) -> None:
    assert problems(run(CHECK, env)) == expected


def test_public_url_from_deploy_yaml_wins() -> None:
    env = {"WEBUI_URL": "https://chat.example.com", **SECURE}
    assert problems(run(CHECK, env, public_url="http://chat.example.com")) == [("cookie.secure-on-http", E)]


@pytest.mark.parametrize(("env", "expected"), [
    ({**HTTPS}, [("cookie.missing-secure-on-https", W)]),
    ({**HTTPS, "WEBUI_AUTH_COOKIE_SECURE": "true"}, [("cookie.missing-secure-on-https", W)]),
    ({**HTTPS, **SECURE}, []),
    ({**HTTPS, "WEBUI_SESSION_COOKIE_SECURE": "True"}, []),
    ({}, []),  # no public URL: nothing to judge the scheme against
])
def test_missing_secure_on_https(env: dict[str, str], expected: list[tuple[str, Severity]]) -> None:
    assert problems(run(CHECK, env)) == expected


@pytest.mark.parametrize(("env", "expected"), [
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "none"}, [("cookie.samesite-none-without-secure", E)]),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "none"}, [("cookie.samesite-none-without-secure", E)]),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "none", "WEBUI_AUTH_COOKIE_SAME_SITE": "lax"},
     [("cookie.samesite-none-without-secure", W)]),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "none", "WEBUI_AUTH_COOKIE_SAME_SITE": "lax", **OIDC},
     [("cookie.samesite-none-without-secure", E)]),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "None", **SECURE}, []),
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "none", "WEBUI_AUTH_COOKIE_SECURE": "true"}, []),
])
def test_samesite_none_without_secure(env: dict[str, str], expected: list[tuple[str, Severity]]) -> None:
    assert problems(run(CHECK, env)) == expected


@pytest.mark.parametrize(("env", "subject", "severity"), [
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "Relaxed"}, "WEBUI_AUTH_COOKIE_SAME_SITE", E),
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "lax "}, "WEBUI_AUTH_COOKIE_SAME_SITE", E),
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": ""}, "WEBUI_AUTH_COOKIE_SAME_SITE", E),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "off"}, "WEBUI_SESSION_COOKIE_SAME_SITE", E),  # inherited: 500
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "off", "WEBUI_AUTH_COOKIE_SAME_SITE": "lax"},
     "WEBUI_SESSION_COOKIE_SAME_SITE", W),  # session middleware does not check: ignored
])
def test_samesite_invalid(env: dict[str, str], subject: str, severity: Severity) -> None:
    findings = [f for f in run(CHECK, env) if f.code == "cookie.samesite-invalid"]
    assert [(f.subject, f.severity) for f in findings] == [(subject, severity)]
    if severity is E:
        assert "500" in findings[0].title


@pytest.mark.parametrize("value", ["lax", "Lax", "STRICT", "strict", "None"])
def test_samesite_values_starlette_accepts(value: str) -> None:
    found = run(CHECK, {"WEBUI_AUTH_COOKIE_SAME_SITE": value, "WEBUI_AUTH_COOKIE_SECURE": "true"})
    assert not [f for f in found if f.code == "cookie.samesite-invalid"]


@pytest.mark.parametrize(("env", "fires"), [
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "strict", **OIDC}, True),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "Strict", **OIDC}, True),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "strict"}, False),  # no OAuth provider registered
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "strict", "OAUTH_CLIENT_ID": "x"}, False),  # incomplete: skipped
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "strict", **OIDC}, False),  # token cookie strict is fine
    ({**OIDC}, False),
])
def test_strict_breaks_oauth(env: dict[str, str], fires: bool) -> None:
    found = problems(run(CHECK, env))
    assert (("cookie.samesite-strict-breaks-oauth", E) in found) is fires


def test_healthy_https_cookie_settings_are_silent() -> None:
    env = {**HTTPS, **SECURE, "WEBUI_SESSION_COOKIE_SAME_SITE": "lax", **OIDC}
    assert problems(run(CHECK, env)) == []


# The wording says what a real Chromium does with the real 0.12.4 (tests/lab/test_browser_cookies.py).

def test_strict_wording_names_the_idp_form_as_the_trigger() -> None:
    [found] = [f for f in run(CHECK, {"WEBUI_SESSION_COOKIE_SAME_SITE": "strict", **OIDC})
               if f.code == "cookie.samesite-strict-breaks-oauth"]
    assert "whenever the user must sign in at the IdP" in found.title
    assert "redirects straight back (the user is already signed in there)" in found.detail
    assert "submits its login or consent form" in found.detail
    assert "works when they are already signed in there" in found.detail


@pytest.mark.parametrize(("env", "oauth_sentence"), [
    ({**HTTP, "WEBUI_AUTH_COOKIE_SECURE": "true"}, False),
    ({**HTTP, "WEBUI_AUTH_COOKIE_SECURE": "true", **OIDC}, True),
])
def test_secure_on_http_wording_keeps_password_sign_in(env: dict[str, str], oauth_sentence: bool) -> None:
    """The password page keeps the token from the answer's body: it signs in; what needs the
    cookie fails (OAuth's return, images and files by URL)."""
    [found] = [f for f in run(CHECK, env) if f.code == "cookie.secure-on-http"]
    assert "login loop" not in found.title
    assert "the password sign-in page still signs in" in found.detail
    assert "answer 401" in found.detail
    assert ("OAuth sign-in ends back on the sign-in page" in found.detail) is oauth_sentence


def test_none_without_secure_wording_keeps_password_sign_in() -> None:
    [found] = [f for f in run(CHECK, {"WEBUI_AUTH_COOKIE_SAME_SITE": "none"})
               if f.code == "cookie.samesite-none-without-secure"]
    assert "the password sign-in page still signs in" in found.detail
    assert "sent straight back" not in found.detail
