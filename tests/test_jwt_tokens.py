"""Reading and decoding tokens (authdoctor/jwt/tokens.py): every input form a user pastes, every
way a token is malformed (named by segment), and a property test that no input raises anything
but the tool's own errors."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt_factory import NOW_DT, SECRET, b64, hs_token, owui_payload

from authdoctor.errors import AuthdoctorError, UsageError
from authdoctor.jwt.claims import alg_findings, claim_hints, time_findings, token_times
from authdoctor.jwt.report import JwtReport, redact_document, render_json, render_text
from authdoctor.jwt.tokens import MAX_TOKEN_CHARS, MalformedTokenError, decode_token, extract_token
from authdoctor.jwt.weak_secrets import weak_secret_findings

TOKEN = hs_token()
HEADER_B64, PAYLOAD_B64, SIGNATURE_B64 = TOKEN.split(".")


@pytest.mark.parametrize("raw", [
    TOKEN,
    f"  {TOKEN}\n",
    f'"{TOKEN}"',
    f"'{TOKEN}'",
    f"Bearer {TOKEN}",
    f"bearer   {TOKEN}",
    f"Authorization: Bearer {TOKEN}",
    f'"Bearer {TOKEN}"',
    f"token={TOKEN}",
    f"token={TOKEN}; oauth_session_id=abc",
    f"theme=dark; token={TOKEN}; lang=en",
    f'token="{TOKEN}"',
    f"Cookie: theme=dark; token={TOKEN}",
    f"oauth_id_token=junk; other={TOKEN}",  # no `token` cookie: the value that looks like a JWT
])
def test_every_input_form_yields_the_token(raw: str) -> None:
    assert extract_token(raw) == TOKEN


def test_the_token_cookie_wins_over_other_jwt_cookies() -> None:
    other = hs_token(owui_payload(id="someone-else"))
    assert extract_token(f"oauth_id_token={other}; token={TOKEN}") == TOKEN


def test_padded_segments_are_not_mistaken_for_a_cookie() -> None:
    padded = ".".join(part + "=" * (-len(part) % 4) for part in TOKEN.split("."))
    assert "=" in padded
    assert extract_token(padded) == padded
    assert decode_token(padded).payload == owui_payload()  # PyJWT accepts padding, so do we


@pytest.mark.parametrize(("raw", "message"), [
    ("", "no token given"),
    ("   \n", "no token given"),
    ('""', "no token given"),
    ("Bearer", "no token given"),
    ("sk-0123456789abcdef0123456789abcdef", "Open WebUI API key"),
    ("theme=dark; lang=en", "no 'token' cookie"),
])
def test_nothing_to_decode_is_a_usage_error(raw: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        extract_token(raw)


def test_cookie_error_counts_cookies_but_names_none() -> None:
    # L9: a pasted password holding '=' parses as a cookie whose "name" is the password's start,
    # so names are never listed (this test used to expect them).
    with pytest.raises(UsageError) as excinfo:
        extract_token("theme=dark-secret-value; lang=en")
    assert "(2 cookies, none named 'token')" in str(excinfo.value)
    assert "dark-secret-value" not in str(excinfo.value) and "theme" not in str(excinfo.value)


def _segments(header: str = HEADER_B64, payload: str = PAYLOAD_B64, signature: str = SIGNATURE_B64) -> str:
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize(("text", "segment", "reason"), [
    ("not-a-jwt", "token", "no '.' at all"),
    (f"{HEADER_B64}.{PAYLOAD_B64}", "token", "the signature segment is missing"),
    (f"{TOKEN}.extra", "token", "it has 4 segments"),
    ("a.b.c.d.e", "token", "encrypted JWE"),
    ("a" * (MAX_TOKEN_CHARS + 1), "token", "characters long"),
    (_segments(header=""), "header", "it is empty"),
    (_segments(header=HEADER_B64[:-2] + "+/"), "header", "standard base64"),
    (_segments(header=HEADER_B64[:10] + "\n" + HEADER_B64[10:]), "header", "a line break at position 11"),
    (_segments(header=HEADER_B64 + "A"), "header", "cut off or edited"),
    (_segments(header=HEADER_B64[:5] + "=" + HEADER_B64[5:]), "header", "padding may only come at the end"),
    (_segments(header=b64("not json")), "header", "not JSON"),
    (_segments(header=b64(b"\xff\xfe\x00")), "header", "not UTF-8"),
    (_segments(header=b64("[1, 2]")), "header", "JSON an array"),
    (_segments(header=b64('{"typ": "JWT"}')), "header", "no 'alg'"),
    (_segments(header=b64('{"alg": 256}')), "header", "'alg' is a number"),
    (_segments(payload=""), "payload", "it is empty"),
    (_segments(payload=b64("eyJ0eXAi")), "payload", "not JSON"),
    (_segments(payload=b64('"just a string"')), "payload", "JSON a string"),
    (_segments(payload=b64('{"exp": "1798138903"}')), "payload", "'exp' is a string, not a NumericDate"),
    (_segments(payload=b64('{"iat": true}')), "payload", "'iat' is a boolean"),
    (_segments(payload=b64('{"nbf": {"t": 1}}')), "payload", "'nbf' is an object"),
    (_segments(payload=b64('{"exp": NaN}')), "payload", "NaN is not a JSON number"),
    (_segments(payload=b64('{"exp": 1e999}')), "payload", "too large"),
    (_segments(payload=b64('{"exp": ' + "9" * 5000 + "}")), "payload", "unusable value"),
    (_segments(payload=b64("[" * 5000 + "]" * 5000)), "payload", "nested too deeply"),
    (_segments(signature="abc!def"), "signature", "'!' at position 4"),
    (_segments(signature="\x1b[31m"), "signature", "'\\x1b' at position 1"),
])
def test_malformed_tokens_name_the_segment_and_why(text: str, segment: str, reason: str) -> None:
    with pytest.raises(MalformedTokenError) as excinfo:
        decode_token(text)
    assert excinfo.value.segment == segment
    assert reason in excinfo.value.reason


def test_a_good_token_decodes_exactly() -> None:
    token = decode_token(TOKEN)
    assert token.header == {"alg": "HS256", "typ": "JWT"}
    assert token.payload == owui_payload()
    assert token.alg == "HS256" and token.kid is None
    assert token.signing_input == f"{HEADER_B64}.{PAYLOAD_B64}".encode()
    assert token.signature == base64.urlsafe_b64decode(SIGNATURE_B64 + "=")


def test_unsigned_token_with_empty_signature_decodes() -> None:
    token = decode_token(f"{b64(json.dumps({'alg': 'none'}))}.{PAYLOAD_B64}.")
    assert token.alg == "none" and token.signature == b""


# --------------------------------------------------------------------------- property tests

def _analyse_everything(raw: str) -> None:
    """Everything `jwt decode` does with an input, rendering included."""
    from authdoctor.findings import Severity

    token = decode_token(extract_token(raw))
    times = token_times(token, NOW_DT, 0)
    findings = [*alg_findings(token), *time_findings(token, times), *weak_secret_findings(token)]
    report = JwtReport(command="decode", token="<masked>", fail_on=Severity.ERROR, header=token.header,
                       payload=token.payload, times=times, hints=tuple(claim_hints(token, times)),
                       findings=tuple(findings))
    document = redact_document(report.to_dict(), lambda s: s)
    render_json(document).encode("ascii")
    render_text(document, color=False, width=100).encode("utf-8")
    render_text(document, color=True, width=60).encode("utf-8")


def _only_own_errors(raw: str) -> None:
    with contextlib.suppress(AuthdoctorError):
        _analyse_everything(raw)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_own_errors(raw: str) -> None:
    _only_own_errors(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_binary_garbage_as_text_raises_only_own_errors(data: bytes) -> None:
    # How argv delivers undecodable bytes: surrogate escapes.
    _only_own_errors(data.decode("utf-8", errors="surrogateescape"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)
claims = st.dictionaries(
    st.sampled_from(["exp", "iat", "nbf", "id", "jti", "session_stamp", "iss", "aud", "sub", "kid", "alg",
                     "typ"]) | st.text(max_size=10),
    json_values, max_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=claims, payload=claims, signature=st.binary(max_size=80),
       alg=st.sampled_from(["HS256", "HS384", "HS512", "RS256", "none", "NONE", ""]))
def test_structured_tokens_raise_only_own_errors(header: dict[str, object], payload: dict[str, object],
                                                 signature: bytes, alg: str) -> None:
    header = {**header, "alg": alg} if alg else header
    raw = f"{b64(json.dumps(header))}.{b64(json.dumps(payload))}.{b64(signature)}"
    _only_own_errors(raw)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False, allow_infinity=False))
def test_any_numeric_date_is_shown_without_error(value: float) -> None:
    token = hs_token(owui_payload(exp=value, iat=value, nbf=value), SECRET)
    _analyse_everything(token)
