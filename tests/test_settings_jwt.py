"""Token lifetime settings (authdoctor/checks/jwt.py) and the app-exact parser behind them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from settings_env import problems, run

from authdoctor.checks.jwt import CHECK, misread_words
from authdoctor.findings import Severity
from authdoctor.openwebui.values import parse_duration, read_duration

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
REDIS = {"REDIS_URL": "redis://redis:6379/0"}


@pytest.mark.parametrize(("text", "expected"), [
    ("4w", timedelta(weeks=4)),
    ("1h30m", timedelta(minutes=90)),
    ("30days", timedelta(days=30)),       # unanchored: '30d' matches
    ("1month", timedelta(minutes=1)),     # 'm' = minutes
    ("1H30m", timedelta(minutes=30)),     # units are case-sensitive
    ("1.5h", timedelta(minutes=90)),
    ("500ms", timedelta(milliseconds=500)),
    ("1h-30m", timedelta(minutes=30)),
    ("-1", None),
    ("0", None),
])
def test_parse_duration_matches_the_app(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3600", "1 hour", "abc", "4W", " -1", "-1 ", "", "0.0"])
def test_parse_duration_rejects_like_the_app(text: str) -> None:
    with pytest.raises(ValueError, match="Invalid duration string"):
        parse_duration(text)


def test_parse_duration_overflows_like_the_app() -> None:
    with pytest.raises(OverflowError):
        parse_duration("99999999999w")


@pytest.mark.parametrize(("value", "expected"), [
    ("3600", [("jwt.expires-in-invalid", E)]),
    ("1 hour", [("jwt.expires-in-invalid", E)]),
    ("4W", [("jwt.expires-in-invalid", E)]),
    (" -1", [("jwt.expires-in-invalid", E)]),
    ("99999999999w", [("jwt.expires-in-invalid", E)]),
    ("500000w", [("jwt.expires-in-invalid", E)]),   # exp past year 9999
    ("-1h", [("jwt.expires-in-invalid", E)]),       # tokens born expired
    ("500ms", [("jwt.expires-in-invalid", E)]),     # cookie Max-Age 0
    ("-1", [("jwt.no-expiry", W)]),
    ("0", [("jwt.no-expiry", W)]),
    ("0s", [("jwt.no-expiry", W)]),                 # zero timedelta is falsy: no exp
    ("52w", [("jwt.long-lifetime", W)]),
    ("1month", [("config.invalid-value", W)]),      # read as 1 minute
    ("1H30m", [("config.invalid-value", W)]),       # read as 30 minutes
])
def test_lifetime_findings(value: str, expected: list[tuple[str, Severity]]) -> None:
    assert problems(run(CHECK, {"JWT_EXPIRES_IN": value})) == expected


@pytest.mark.parametrize("value", ["4w", "8h", "1h30m", "30d", "30days", "2weeks", "90min", "1.5h", "7d"])
def test_sane_lifetimes_are_silent(value: str) -> None:
    assert problems(run(CHECK, {"JWT_EXPIRES_IN": value})) == []


def test_default_is_silent() -> None:
    assert problems(run(CHECK, {})) == []


def test_invalid_value_says_500_and_hints_the_unit() -> None:
    found = run(CHECK, {"JWT_EXPIRES_IN": "3600"})[0]
    assert "500" in found.title
    assert "3600s" in found.detail
    assert "Admin > Settings" in found.detail  # persisted: the DB copy wins after first start


def test_persisted_note_absent_when_persistent_config_off() -> None:
    found = run(CHECK, {"JWT_EXPIRES_IN": "3600", "ENABLE_PERSISTENT_CONFIG": "false"})[0]
    assert "Admin > Settings" not in found.detail


def test_misread_unit_names_the_reading() -> None:
    found = run(CHECK, {"JWT_EXPIRES_IN": "1month"})[0]
    assert found.title == "JWT_EXPIRES_IN='1month' is read as 1 minute"


@pytest.mark.parametrize(("env", "expected"), [
    ({"JWT_EXPIRES_IN": "-1", **REDIS}, [("jwt.no-expiry", W), ("jwt.revocation-impossible", W)]),
    ({"JWT_EXPIRES_IN": "-1"}, [("jwt.no-expiry", W)]),
    ({"JWT_EXPIRES_IN": "8h", **REDIS}, []),
])
def test_revocation_impossible_only_with_redis(env: dict[str, str],
                                               expected: list[tuple[str, Severity]]) -> None:
    assert problems(run(CHECK, env)) == expected


def test_minus_one_mentions_the_startup_warning() -> None:
    found = run(CHECK, {"JWT_EXPIRES_IN": "-1"})[0]
    assert "SECURITY WARNING" in found.detail


def test_very_long_lifetime_mentions_the_browser_cap() -> None:
    found = run(CHECK, {"JWT_EXPIRES_IN": "520w"})[0]
    assert found.code == "jwt.long-lifetime" and "400 days" in found.detail


@pytest.mark.parametrize(("value", "fires"), [("1 hour", True), ("-1", True), ("0", True),
                                               ("1h", False), ("30m", False)])
def test_automation_token_lifetime(value: str, fires: bool) -> None:
    found = problems(run(CHECK, {"AUTOMATION_AUTH_TOKEN_EXPIRES_IN": value}))
    assert (found == [("jwt.no-expiry", W)]) is fires
    assert fires or found == []


@pytest.mark.parametrize(("text", "wrong"), [
    ("1month", ["1month"]), ("1mo", ["1mo"]), ("2y1d", ["2y"]), ("1H30m", ["1H"]),
    ("30days", []), ("2weeks", []), ("90sec", []), ("1hr", []), ("1h 30m", []),
])
def test_misread_words(text: str, wrong: list[str]) -> None:
    assert misread_words(text) == wrong


def test_reading_reports_ignored_text() -> None:
    assert read_duration("1month").ignored == "onth"
    assert not read_duration("1h30m").admin_ui_accepts
    assert read_duration("8h").admin_ui_accepts
