"""`authdoctor.checks._cookie_rules`: one raw Set-Cookie header parsed and judged as a browser
(Chromium 156, browser-truth.md truth table 1) treats it. The raw headers are the ones recorded
from the real Open WebUI 0.12.4 (openwebui-live-0.12.4.md §3.2, §3.7, §3.8) unless said."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from authdoctor.checks._cookie_rules import (
    judge_against_settings,
    judge_set_cookie,
    parse_all,
    parse_set_cookie,
)
from authdoctor.openwebui.values import cookie_settings
from authdoctor.settings.model import EnvSource, EnvVar

JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjhiMTc3OTI5LTcxZDMtNDNhNC04YWVkLTcyOTdkODY4Mzk0My"
       "IsInR5cCI6InNlc3Npb24iLCJleHAiOjE3OTgxMzg5MDMsImp0aSI6ImVlNjk0NGRhIiwiaWF0IjoxNzk1NzE5NzAzfQ."
       "S3hjBN2eHU_VXJhlx_fQ07_0tKG0IO6-jOSS6m41xbk")
IAT, EXP = 1795719703, 1798138903
NOW = datetime.fromtimestamp(IAT, UTC)
SIGNIN = f"token={JWT}; HttpOnly; Max-Age=2419200; Path=/; SameSite=lax"
REISSUED = (f"token={JWT}; expires=Thu, 24 Dec 2026 19:01:43 GMT; HttpOnly; Max-Age=2419199; Path=/; "
            "SameSite=lax")
DELETION = 'token=""; expires=Thu, 26 Nov 2026 19:01:44 GMT; Max-Age=0; Path=/; SameSite=lax'


def codes(raw: str, url: str = "http://127.0.0.1:8080", **kw: object) -> list[str]:
    cookie = parse_set_cookie(raw)
    assert cookie is not None
    return [f.code for f in judge_set_cookie(cookie, public_url=url, now=NOW, **kw)]  # type: ignore[arg-type]


def test_parse_keeps_every_attribute_raw_samesite_and_unknown_ones() -> None:
    cookie = parse_set_cookie(REISSUED + "; Partitioned; Foo=bar; SameSite=Lax")
    assert cookie is not None
    assert (cookie.name, cookie.value) == ("token", JWT)
    assert cookie.http_only and not cookie.secure
    assert cookie.max_age == 2419199
    assert cookie.expires == EXP
    assert cookie.same_site == "Lax"  # the last one wins, spelled as sent
    assert cookie.path == "/" and cookie.domain is None
    assert cookie.unknown_attributes == ("Foo",)
    assert ("expires", "Thu, 24 Dec 2026 19:01:43 GMT") in cookie.attributes
    assert ("Partitioned", None) in cookie.attributes
    assert cookie.size == len("token") + len(JWT)
    assert cookie.raw_size == len(cookie.raw)


def test_shown_and_to_dict_never_carry_the_value() -> None:
    cookie = parse_set_cookie(SIGNIN)
    assert cookie is not None
    assert cookie.shown == f"token=<{len(JWT)} chars>; HttpOnly; Max-Age=2419200; Path=/; SameSite=lax"
    assert JWT not in repr(cookie.to_dict())
    assert JWT not in cookie.shown


@pytest.mark.parametrize("raw", ["", "   ", "; HttpOnly", "Set-Cookie: "])
def test_no_cookie_is_none(raw: str) -> None:
    assert parse_set_cookie(raw) is None


def test_a_value_without_name_is_a_nameless_cookie_as_in_browsers() -> None:
    cookie = parse_set_cookie("justavalue; Secure")
    assert cookie is not None and (cookie.name, cookie.value, cookie.secure) == ("", "justavalue", True)


def test_parse_all_skips_empty_headers() -> None:
    assert [c.name for c in parse_all([SIGNIN, "", DELETION])] == ["token", "token"]


def test_the_apps_own_cookie_on_loopback_http_is_clean() -> None:
    assert codes(SIGNIN, token_exp=EXP) == []
    assert codes(REISSUED, token_exp=EXP) == []


def test_deletion_cookies_are_not_judged() -> None:
    cookie = parse_set_cookie(DELETION)
    assert cookie is not None and cookie.is_deletion()
    assert codes(DELETION, "https://chat.example.com", token_exp=EXP) == []
    past = parse_set_cookie("token=x; expires=Thu, 01 Jan 2026 00:00:00 GMT")
    assert past is not None and past.is_deletion(NOW)


@pytest.mark.parametrize(("url", "expected"), [
    ("http://chat.example.com", ["cookie.secure-on-http"]),
    ("http://127.0.0.1:8080", []),   # Chromium stores Secure cookies there
    ("http://localhost:3000", []),
    ("http://app.localhost", []),
    ("http://[::1]:8080", []),
    # 0.0.0.0 is not a potentially trustworthy origin: Chromium drops Secure cookies there
    ("http://0.0.0.0:8080", ["cookie.secure-on-http"]),
    ("https://chat.example.com", []),
])
def test_secure_on_http_only_off_loopback(url: str, expected: list[str]) -> None:
    assert codes(SIGNIN + "; Secure", url, token_exp=EXP) == expected


def test_a_dropped_token_cookie_is_described_as_the_browser_showed_it() -> None:
    """Password sign-in keeps working (the page holds the token from the answer's body); the
    OAuth return and URL-loaded files fail (tests/lab/test_browser_cookies.py)."""
    cookie = parse_set_cookie(SIGNIN + "; Secure")
    assert cookie is not None
    [found] = judge_set_cookie(cookie, public_url="http://chat.example.com", now=NOW, token_exp=EXP)
    assert "password sign-in page still signs in" in found.detail
    assert "OAuth sign-in ends back on the sign-in page" in found.detail
    assert "login loop" not in found.detail


def test_samesite_none_without_secure_everywhere() -> None:
    raw = f"token={JWT}; HttpOnly; Max-Age=2419200; Path=/; SameSite=none"
    assert codes(raw, token_exp=EXP) == ["cookie.samesite-none-without-secure"]
    assert codes(raw + "; Secure", token_exp=EXP) == []
    assert codes("other=1; SameSite=None") == ["cookie.samesite-none-without-secure"]


def test_missing_secure_on_https_for_the_apps_cookies_only() -> None:
    assert codes(SIGNIN, "https://chat.example.com", token_exp=EXP) == ["cookie.missing-secure-on-https"]
    assert codes(SIGNIN + "; Secure", "https://chat.example.com", token_exp=EXP) == []
    assert codes("lb-affinity=abc; Path=/", "https://chat.example.com") == []


def test_not_httponly_for_the_auth_cookie_unless_the_oauth_callback() -> None:
    raw = f"token={JWT}; Max-Age=2419200; Path=/; SameSite=lax"
    assert codes(raw, token_exp=EXP) == ["cookie.not-httponly"]
    assert codes(raw, token_exp=EXP, expect_httponly=False) == []
    assert codes("owui-session=abc; Path=/; SameSite=lax") == []


def test_too_large_at_4097_not_at_4096() -> None:
    assert codes("c=" + "x" * 4095) == []
    assert codes("c=" + "x" * 4096) == ["cookie.too-large"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("__Secure-a=1", ["cookie.prefix-violation"]),
    ("__Secure-a=1; Secure", []),
    ("__Host-a=1; Secure; Path=/", []),
    ("__Host-a=1; Path=/", ["cookie.prefix-violation"]),
    ("__Host-a=1; Secure", ["cookie.prefix-violation"]),
    ("__Host-a=1; Secure; Path=/; Domain=example.com", ["cookie.prefix-violation"]),
    ("__host-a=1; Path=/", ["cookie.prefix-violation"]),  # user agents match case-insensitively
])
def test_prefix_rules(raw: str, expected: list[str]) -> None:
    assert codes(raw, "https://chat.example.com") == expected


def test_prefix_finding_names_what_is_missing() -> None:
    cookie = parse_set_cookie("__Host-a=1; Domain=example.com")
    assert cookie is not None
    (found,) = judge_set_cookie(cookie, public_url="https://chat.example.com", now=NOW)
    assert "Secure" in found.title and "no Domain" in found.title and "Path=/" in found.title


@pytest.mark.parametrize(("raw", "exp", "expected"), [
    (SIGNIN, EXP, []),
    (SIGNIN, EXP + 60, []),                                   # within the tolerance
    (SIGNIN, EXP + 86400, ["cookie.expiry-mismatch"]),        # the cookie ends first
    (SIGNIN, EXP - 86400, ["cookie.expiry-mismatch"]),        # the cookie outlives the token
    (f"token={JWT}; HttpOnly; Path=/; SameSite=lax", EXP, ["cookie.expiry-mismatch"]),  # session cookie
    (f"token={JWT}; HttpOnly; Max-Age=40000000; Path=/", IAT + 40000000, ["cookie.expiry-mismatch"]),
    (SIGNIN, None, []),                                        # no exp known: not judged
])
def test_expiry_against_the_tokens_exp(raw: str, exp: float | None, expected: list[str]) -> None:
    assert codes(raw, token_exp=exp) == expected


def test_expiry_mismatch_says_which_way() -> None:
    cookie = parse_set_cookie(SIGNIN)
    assert cookie is not None
    (early,) = judge_set_cookie(cookie, public_url="http://127.0.0.1", now=NOW, token_exp=EXP + 86400)
    assert "before the token's exp" in early.detail
    (late,) = judge_set_cookie(cookie, public_url="http://127.0.0.1", now=NOW, token_exp=EXP - 86400)
    assert "longer than the token" in late.detail


def env(**values: str) -> EnvSource:
    return EnvSource(label="test.env", vars={k: EnvVar(name=k, value=v) for k, v in values.items()})


@pytest.mark.parametrize(("settings", "raw", "rows"), [
    ({}, SIGNIN, []),
    ({"WEBUI_AUTH_COOKIE_SAME_SITE": "none"}, SIGNIN, ["SameSite"]),
    ({"WEBUI_SESSION_COOKIE_SAME_SITE": "strict"}, SIGNIN, ["SameSite"]),    # the fallback
    ({"WEBUI_SESSION_COOKIE_SECURE": "true"}, SIGNIN, ["Secure"]),           # the fallback
    ({"WEBUI_AUTH_COOKIE_SECURE": "true", "WEBUI_AUTH_COOKIE_SAME_SITE": "None"},
     f"token={JWT}; HttpOnly; Max-Age=2419200; Path=/; SameSite=none; Secure", []),
    ({}, f"token={JWT}; HttpOnly; Max-Age=2419200; Path=/; SameSite=lax; Secure", ["Secure"]),
    ({}, DELETION, []),
])
def test_differs_from_config(settings: dict[str, str], raw: str, rows: list[str]) -> None:
    cookie = parse_set_cookie(raw)
    assert cookie is not None
    found = judge_against_settings(cookie, cookie_settings(env(**settings)))
    if not rows:
        assert found == []
        return
    (one,) = found
    assert one.code == "cookie.differs-from-config"
    assert [k for k in one.evidence if k in ("SameSite", "Secure", "Max-Age")] == rows
    assert JWT not in repr(one)


def test_differs_from_config_max_age_against_jwt_expires_in() -> None:
    cookie = parse_set_cookie(SIGNIN)
    assert cookie is not None
    assert judge_against_settings(cookie, cookie_settings(env()), expected_max_age=2419200) == []
    (one,) = judge_against_settings(cookie, cookie_settings(env()), expected_max_age=8 * 3600)
    assert "Max-Age" in one.evidence and "database" in one.detail


def test_a_lone_surrogate_from_a_har_is_judged_not_a_crash() -> None:
    """JSON (a HAR) may hold "\\udcff"; judging such a cookie raised UnicodeEncodeError (review)."""
    cookie = parse_set_cookie("token=abc\udcffdef; Path=/; HttpOnly")
    assert cookie is not None and cookie.size == len("token") + len("abcdef") + 3
    judge_set_cookie(cookie, public_url="https://chat.example.com", now=datetime.now(UTC))


@pytest.mark.parametrize("age", ["\u00b2", "-\u00b2", "\u0661\u0662\u0663", "-", "--1"])
def test_a_max_age_that_is_not_ascii_digits_is_ignored_as_browsers_do(age: str) -> None:
    """'Max-Age=²' (a latin-1 byte httpx decodes as '²') crashed the deploy area with ValueError
    from int(); Arabic-Indic digits were read as seconds (review)."""
    cookie = parse_set_cookie(f"token=abc; Path=/; HttpOnly; Max-Age={age}")
    assert cookie is not None and cookie.max_age is None
    judge_set_cookie(cookie, public_url="https://chat.example.com", now=NOW, token_exp=EXP)
