"""Times, lifetime, hints and the key-less findings (authdoctor/jwt/claims.py), each rule from
both sides, through the same JSON document `jwt decode --json` prints."""

from __future__ import annotations

from typing import Any

import pytest
from jwt_factory import ISSUED, NOW, by_code, codes, hs_token, owui_payload, run_json, unsigned_token

from authdoctor.jwt.claims import LONG_LIFETIME_S

DAY = 86400
Capsys = pytest.CaptureFixture[str]


def decode(capsys: Capsys, token: str, *args: str) -> tuple[int, dict[str, Any]]:
    return run_json(capsys, "jwt", "decode", token, *args)


def test_healthy_openwebui_token_has_no_findings(capsys: Capsys) -> None:
    code, doc = decode(capsys, hs_token(), "--now", NOW)
    assert (code, doc["findings"]) == (0, [])
    times = doc["times"]
    assert isinstance(times, dict)
    assert times["now"] == "2026-11-26T22:01:43Z"
    assert times["iat"] == {"value": ISSUED, "utc": "2026-11-26T19:01:43Z", "seconds_from_now": -3 * 3600,
                            "relative": "issued 3 h ago"}
    assert times["exp"]["utc"] == "2026-12-24T19:01:43Z"
    assert times["exp"]["relative"] == "expires in 27 d 21 h"
    assert (times["lifetime_s"], times["lifetime"], times["lifetime_from"]) == (28 * DAY, "28 d", "iat")
    assert times["leeway_s"] == 0  # always reported, default 0


def test_expired_says_how_long_ago_and_the_leeway(capsys: Capsys) -> None:
    token = hs_token(owui_payload(exp=ISSUED + 3600))  # expired 2 h before NOW
    code, doc = decode(capsys, token, "--now", NOW)
    assert code == 1
    finding = by_code(doc, "jwt.expired")
    assert finding["severity"] == "error"
    assert finding["title"] == "The token expired 2 h ago (2026-11-26T20:01:43Z)"
    assert finding["evidence"] == {"exp": "2026-11-26T20:01:43Z", "now": "2026-11-26T22:01:43Z",
                                   "leeway": "0 s"}
    assert "Open WebUI checks exp with no leeway" in finding["detail"]
    assert "JWT_EXPIRES_IN" in finding["fix"]
    assert doc["times"]["exp"]["relative"] == "expired 2 h ago"


@pytest.mark.parametrize(("exp_offset", "leeway", "expired"), [
    (0, "0", True),        # at exp: rejected (RFC 7519 §4.1.4, PyJWT exp <= now - leeway)
    (1, "0", False),
    (-60, "60", True),     # exactly at the edge of the leeway
    (-59, "60", False),
])
def test_expiry_boundary_matches_pyjwt(capsys: Capsys, exp_offset: int, leeway: str, expired: bool) -> None:
    now = ISSUED + 3600
    token = hs_token(owui_payload(exp=now + exp_offset))
    _, doc = decode(capsys, token, "--now", str(now), "--leeway", leeway)
    assert ("jwt.expired" in codes(doc)) is expired
    assert doc["times"]["leeway_s"] == int(leeway)


def test_negative_expiry_setting_is_named(capsys: Capsys) -> None:
    token = hs_token(owui_payload(exp=ISSUED - 3600))  # JWT_EXPIRES_IN=-1h
    _, doc = decode(capsys, token, "--now", NOW)
    finding = by_code(doc, "jwt.expired")
    assert "already expired when it was issued" in finding["detail"]
    assert "negative JWT_EXPIRES_IN" in finding["detail"]
    assert doc["times"]["lifetime"].startswith("negative")


@pytest.mark.parametrize(("nbf_offset", "leeway", "fires"),
                         [(10, "0", True), (10, "10", False), (0, "0", False)])
def test_not_yet_valid(capsys: Capsys, nbf_offset: int, leeway: str, fires: bool) -> None:
    now = ISSUED + 60
    token = hs_token({"sub": "u", "nbf": now + nbf_offset, "exp": now + 3600})
    _, doc = decode(capsys, token, "--now", str(now), "--leeway", leeway)
    assert ("jwt.not-yet-valid" in codes(doc)) is fires
    if fires:
        title = by_code(doc, "jwt.not-yet-valid")["title"]
        assert title == "The token is not valid yet: nbf is 10 s from now"


@pytest.mark.parametrize(("iat_offset", "leeway", "fires"),
                         [(90, "0", True), (90, "120", False), (0, "0", False)])
def test_issued_in_future_is_clock_skew(capsys: Capsys, iat_offset: int, leeway: str, fires: bool) -> None:
    now = ISSUED
    token = hs_token(owui_payload(iat=now + iat_offset, exp=now + iat_offset + 28 * DAY))
    code, doc = decode(capsys, token, "--now", str(now), "--leeway", leeway)
    assert ("jwt.issued-in-future" in codes(doc)) is fires
    if fires:
        finding = by_code(doc, "jwt.issued-in-future")
        assert (code, finding["severity"]) == (1, "error")  # PyJWT rejects it: Open WebUI answers 401
        assert "1 min 30 s in the future" in finding["title"]
        assert "NTP" in finding["fix"]


@pytest.mark.parametrize(("iat_offset", "zone"), [
    (7 * 3600 + 103, "7 h"),           # the README example: 7 h 1 min 43 s
    (3600 - 240, "1 h"),               # decoded 4 min after issue
    (2 * 3600, "2 h"),
    (5 * 3600 + 30 * 60 - 60, "5 h 30 min"),  # India
    (5 * 3600 + 45 * 60, "5 h 45 min"),       # Nepal
    (14 * 3600, "14 h"),
    (20 * 60, None),                   # 20 min: drift, not a time zone
    (3600 + 15 * 60, None),            # 1 h 15 min: no zone has that offset
    (15 * 3600, None),                 # beyond UTC+14
])
def test_issued_whole_hours_in_future_names_a_time_zone_mistake(capsys: Capsys, iat_offset: int,
                                                                  zone: str | None) -> None:
    now = ISSUED
    token = hs_token(owui_payload(iat=now + iat_offset, exp=now + iat_offset + 28 * DAY))
    _code, doc = decode(capsys, token, "--now", str(now))
    finding = by_code(doc, "jwt.issued-in-future")
    if zone is None:
        assert finding["title"].endswith(": clock skew")
        assert "looks like" not in finding["evidence"]
    else:
        assert finding["title"].endswith(f": a clock {zone} off, a time-zone mistake")
        assert finding["evidence"]["looks like"] == f"time zone offset of {zone}"
        assert "set-local-rtc 0" in finding["fix"] and "NTP" in finding["fix"]
        assert "hardware clock" in finding["detail"]


def test_openwebui_token_without_exp_cannot_be_revoked(capsys: Capsys) -> None:
    code, doc = decode(capsys, hs_token(owui_payload(exp=None)), "--now", NOW)
    assert code == 0  # a warning does not fail the default --fail-on error
    finding = by_code(doc, "jwt.no-expiry")
    assert finding["severity"] == "warning"
    assert "JWT_EXPIRES_IN is -1 or 0" in finding["detail"]
    assert "sign-out cannot revoke it" in finding["detail"]
    jti = next(h for h in doc["hints"] if h["claim"] == "jti")
    assert "cannot write a revocation key" in jti["text"]
    assert doc["times"]["exp"] is None and doc["times"]["lifetime"] is None
    code, _ = decode(capsys, hs_token(owui_payload(exp=None)), "--now", NOW, "--fail-on", "warning")
    assert code == 1


def test_other_token_without_exp_gets_the_generic_text(capsys: Capsys) -> None:
    _, doc = decode(capsys, hs_token({"sub": "svc", "iat": ISSUED}), "--now", NOW)
    finding = by_code(doc, "jwt.no-expiry")
    assert "JWT_EXPIRES_IN" not in finding["detail"]
    assert not any(h["claim"] == "jti" for h in doc["hints"])


@pytest.mark.parametrize(("lifetime_days", "fires"), [(28, False), (30, False), (31, True), (364, True)])
def test_long_lifetime_bound(capsys: Capsys, lifetime_days: int, fires: bool) -> None:
    assert LONG_LIFETIME_S == 30 * DAY
    token = hs_token(owui_payload(exp=ISSUED + lifetime_days * DAY))
    _, doc = decode(capsys, token, "--now", NOW)
    assert ("jwt.long-lifetime" in codes(doc)) is fires
    if fires:
        finding = by_code(doc, "jwt.long-lifetime")
        assert finding["severity"] == "warning"
        assert f"valid for {lifetime_days} d" in finding["title"]
        assert "JWT_EXPIRES_IN" in finding["fix"]
        assert ("400 days" in finding["detail"]) is (lifetime_days > 400)


def test_lifetime_beyond_the_cookie_cap_says_so(capsys: Capsys) -> None:
    _, doc = decode(capsys, hs_token(owui_payload(exp=ISSUED + 520 * DAY)), "--now", NOW)
    assert "Browsers cap cookies at 400 days" in by_code(doc, "jwt.long-lifetime")["detail"]


def test_without_iat_the_remaining_life_is_a_lower_bound(capsys: Capsys) -> None:
    _, doc = decode(capsys, hs_token({"sub": "u", "exp": ISSUED + 90 * DAY}), "--now", NOW)
    finding = by_code(doc, "jwt.long-lifetime")
    assert "at least 89 d" in finding["title"]


def test_alg_none(capsys: Capsys) -> None:
    code, doc = decode(capsys, unsigned_token(), "--now", NOW)
    finding = by_code(doc, "jwt.alg-none")
    assert (code, finding["severity"]) == (1, "error")
    assert "HS256" in finding["detail"]


def test_openwebui_hints(capsys: Capsys) -> None:
    _, doc = decode(capsys, hs_token(), "--now", NOW)
    hints = {(h["part"], h["claim"]): h["text"] for h in doc["hints"]}
    assert "user id" in hints["payload", "id"]
    assert "revocation" in hints["payload", "jti"] and "auth:token:<jti>:revoked" in hints["payload", "jti"]
    assert "password change rotates it" in hints["payload", "session_stamp"]
    assert ("header", "alg") not in hints


def test_openwebui_hint_for_missing_stamp_and_wrong_alg(capsys: Capsys) -> None:
    token = hs_token(owui_payload(session_stamp=None), alg="HS512")
    _, doc = decode(capsys, token, "--now", NOW)
    hints = {(h["part"], h["claim"]): h["text"] for h in doc["hints"]}
    assert "Invalid token" in hints["payload", "session_stamp"]
    assert "only HS256" in hints["header", "alg"]


def test_times_beyond_year_9999_do_not_break(capsys: Capsys) -> None:
    _, doc = decode(capsys, hs_token(owui_payload(exp=10**15)), "--now", NOW)
    assert doc["times"]["exp"]["utc"] is None
    assert "jwt.long-lifetime" in codes(doc)
