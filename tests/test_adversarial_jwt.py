"""`jwt decode` and `jwt verify` against the reproductions of the adversarial report of
2026-11-28 (ids in each test's docstring): each ends as a finding or one `authdoctor: error:` line
(exit 2), never a block, a crash (exit 3) or a misleading message."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt_factory import NOW, SECRET, by_code, codes, hs_token, owui_payload, run_cli, stdin_bytes

pytest_plugins = ["misbehaving_http"]

Capsys = pytest.CaptureFixture[str]
RS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
HS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"


def b64(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode()).rstrip(b"=").decode()


def raw_token(header: str, payload: str) -> str:
    return f"{b64(header)}.{b64(payload)}.c2ln"


def one_line_error(code: int, out: str, err: str) -> None:
    assert (code, out) == (2, ""), err
    assert err.startswith("authdoctor: error: ") and err.count("\n") == 1, err
    assert "internal error" not in err and "Traceback" not in err


def verify_json(capsys: Capsys, token: str, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli(capsys, "jwt", "verify", token, *args, "--json")
    assert "internal error" not in err and "Traceback" not in err, err
    return code, (json.loads(out) if out else {}), err


# --------------------------------------------------------------------------- H4: no blocking files


@pytest.mark.parametrize("option", ["--key", "--secret-file", "--ca-file", "--jwks"])
def test_h4_a_fifo_is_refused_not_read(capsys: Capsys, tmp_path: Path, option: str) -> None:
    """H4: a FIFO as --key, --secret-file or --ca-file blocked forever."""
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    args = ["--jwks", "http://127.0.0.1:9/x", "--ca-file", str(fifo)] if option == "--ca-file" \
        else [option, str(fifo)]
    started = time.monotonic()
    code, out, err = run_cli(capsys, "jwt", "verify", HS_TOKEN, *args, "--timeout", "2")
    assert time.monotonic() - started < 5
    one_line_error(code, out, err)
    assert f"{option} {fifo} is a named pipe (FIFO): give a regular file" in err


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a device"), ("DIR", "a directory")])
def test_h4_devices_and_directories_are_refused(capsys: Capsys, tmp_path: Path, path: str,
                                                kind: str) -> None:
    path = str(tmp_path) if path == "DIR" else path
    for option in ("--key", "--secret-file"):
        code, out, err = run_cli(capsys, "jwt", "verify", HS_TOKEN, option, path)
        one_line_error(code, out, err)
        assert f"is {kind}" in err


# --------------------------------------------------------------------------- H5: a deadline


@pytest.mark.parametrize("route", ["/drip", "/header-drip"])
def test_h5_a_dripping_jwks_server_is_cut_at_the_deadline(capsys: Capsys, misbehaving_server: str,
                                                          route: str) -> None:
    """H5: 200 bytes at 1 byte/s with --timeout 3 took 200 s (a per-read timeout)."""
    started = time.monotonic()
    code, doc, _ = verify_json(capsys, RS_TOKEN, "--jwks", misbehaving_server + route, "--timeout", "1.5")
    assert time.monotonic() - started < 5
    finding = by_code(doc, "oidc.jwks-unreachable")
    assert code == 1 and finding["evidence"]["stage"] == "timeout"
    assert "no complete answer within 1.5 s" in finding["title"]


# --------------------------------------------------------------------------- H6: no exit 3


@pytest.mark.parametrize("payload", [
    '{"exp":1' + "0" * 400 + "}",
    '{"iat":1' + "0" * 400 + ',"exp":1}',
    '{"nbf":-1' + "0" * 400 + "}",
    '{"exp":1' + "0" * 4000 + ',"iat":-1' + "0" * 4000 + "}",
    '{"exp":1e300,"iat":1' + "0" * 309 + "}",
])
@pytest.mark.parametrize("as_json", [False, True])
def test_h6a_giant_integer_times(capsys: Capsys, payload: str, as_json: bool) -> None:
    """H6a: exp/iat/nbf with 309+ digits raised OverflowError (int too large to convert to float)."""
    token = raw_token('{"alg":"HS256"}', payload)
    code, out, err = run_cli(capsys, "jwt", "decode", token, "--now", NOW, *(["--json"] if as_json else []))
    assert code in (0, 1), err
    assert err == ""
    if as_json:
        times = json.loads(out)["times"]
        assert any(times[c] is not None and times[c]["utc"] is None for c in ("exp", "iat", "nbf"))
    else:
        assert "digits, beyond any" in out or "(after year 9999)" in out or "(before year 1)" in out


def test_h6a_giant_exp_is_not_expired_and_giant_iat_is_in_the_future(capsys: Capsys) -> None:
    token = raw_token('{"alg":"HS256"}', '{"exp":1' + "0" * 400 + ',"iat":1' + "0" * 400 + "}")
    code, out, _ = run_cli(capsys, "jwt", "decode", token, "--now", NOW, "--json")
    assert code == 1
    found = [f["code"] for f in json.loads(out)["findings"]]
    assert "jwt.issued-in-future" in found and "jwt.expired" not in found


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "-1"])
def test_h6b_leeway_out_of_range(capsys: Capsys, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """H6b: `jwt verify --leeway inf` raised OverflowError."""
    monkeypatch.setenv("SEC", "x")
    for command in (["jwt", "verify", HS_TOKEN, "--secret-env", "SEC"], ["jwt", "decode", HS_TOKEN]):
        code, out, err = run_cli(capsys, *command, "--leeway", value)
        one_line_error(code, out, err)
        assert "--leeway" in err


def test_h6c_redirect_to_an_impossible_port(capsys: Capsys, misbehaving_server: str) -> None:
    """H6c: a redirect to port 99999 raised ValueError in _origin()."""
    code, doc, _ = verify_json(capsys, RS_TOKEN, "--jwks", misbehaving_server + "/badport")
    finding = by_code(doc, "oidc.jwks-unreachable")
    assert code == 1 and finding["evidence"]["stage"] == "http"
    assert "redirects to a URL that is not usable" in finding["title"]


@pytest.mark.parametrize(("url", "message"), [
    ("http://[::1/x", "Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/x", "Port out of range"),
    ("http:///x", "it has no host name"),
    ("http://127.0.0.1:9/\udcff", "not UTF-8 text"),
    ("http://127.0.0.1:9/a b", "spaces or control characters"),
])
def test_h6d_h6g_a_jwks_url_that_is_not_usable(capsys: Capsys, url: str, message: str) -> None:
    """H6d: a malformed IPv6 --jwks URL raised ValueError; H6g: a non-UTF-8 one UnicodeEncodeError."""
    code, out, err = run_cli(capsys, "jwt", "verify", RS_TOKEN, "--jwks", url)
    one_line_error(code, out, err)
    assert message in err


@pytest.mark.parametrize("value", ["inf", "1e300", "nan", "0", "-3"])
def test_h6e_timeout_out_of_range(capsys: Capsys, misbehaving_server: str, value: str) -> None:
    """H6e: `--timeout inf` or `1e300` with a URL raised OverflowError (timestamp out of range)."""
    code, out, err = run_cli(capsys, "jwt", "verify", RS_TOKEN, "--jwks", misbehaving_server + "/empty-keys",
                             "--timeout", value)
    one_line_error(code, out, err)
    assert "--timeout" in err and "give a number of seconds" in err


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1e300", "inf"])
def test_h6f_now_at_the_ends_of_the_calendar(capsys: Capsys, now: str) -> None:
    for as_json in ([], ["--json"]):
        code, out, err = run_cli(capsys, "jwt", "decode", HS_TOKEN, "--now", now, *as_json)
        one_line_error(code, out, err)
        assert "outside the range" in err


def test_u14_fractional_unix_seconds_are_accepted(capsys: Capsys) -> None:
    """U14: `--now 1700000000.5` was refused although Unix seconds are documented."""
    code, out, _ = run_cli(capsys, "jwt", "decode", hs_token(), "--now", "1795730503.5", "--json")
    assert json.loads(out)["times"]["now"] == "2026-11-26T22:01:43Z"
    assert code == 0


def test_h6g_non_utf8_secret_from_the_environment(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """H6g: SEC=$'ab\\xff' jwt verify --secret-env SEC raised UnicodeEncodeError. The secret's bytes
    are the bytes in the environment, so a token signed with them verifies."""
    import hashlib
    import hmac

    raw = b"q7Vx-test-secret-\xff-9f3a1c5e7b2d4f6a8c0e1b3d5f"
    monkeypatch.setenv("SEC", raw.decode("utf-8", "surrogateescape"))
    header, payload = b64('{"alg":"HS256","typ":"JWT"}'), b64(json.dumps(owui_payload()))
    signature = base64.urlsafe_b64encode(hmac.new(raw, f"{header}.{payload}".encode(), hashlib.sha256)
                                         .digest()).rstrip(b"=").decode()
    code, doc, _ = verify_json(capsys, f"{header}.{payload}.{signature}", "--secret-env", "SEC", "--now", NOW)
    assert code == 0 and doc["verification"]["verified"] is True


# --------------------------------------------------------------------------- U: messages


def test_u1_two_tokens_are_not_called_a_jwe(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """U1: two tokens separated by a newline were reported as a 5-segment encrypted JWE."""
    token = raw_token('{"alg":"HS256"}', '{"sub":"x"}')
    for separator in ("\n", " "):
        with stdin_bytes(monkeypatch, f"{token}{separator}{token}\n".encode()):
            code, out, _ = run_cli(capsys, "jwt", "decode", "-", "--json")
        finding = by_code(json.loads(out), "jwt.malformed")
        assert code == 1
        assert "JWE" not in finding["title"]
        assert "two tokens pasted together" in finding["title"] and f"at position {len(token) + 1}" \
            in finding["title"]


def test_u2_a_stray_equals_sign_in_the_header_is_named(capsys: Capsys) -> None:
    """U2: `eyJhbG=ciOi...` was read as a Cookie named eyJhbG, and the message blamed UTF-8."""
    code, out, err = run_cli(capsys, "jwt", "decode", "eyJhbG=ciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "--json")
    finding = by_code(json.loads(out), "jwt.malformed")
    assert code == 1 and err == ""
    assert finding["evidence"]["segment"] == "header"
    assert "'=' at position 7; padding may only come at the end" in finding["title"]


def test_u2_a_real_cookie_value_still_works(capsys: Capsys) -> None:
    code, out, _ = run_cli(capsys, "jwt", "decode", f"token={hs_token()}; other=1", "--now", NOW, "--json")
    assert code == 0 and codes(json.loads(out)) == []


@pytest.mark.parametrize("route", ["/empty-keys", "/not-a-list"])
def test_u3_an_empty_key_set_gives_no_hmac_finding(capsys: Capsys, misbehaving_server: str,
                                                   route: str) -> None:
    """U3: a JWKS URL answering {"keys": []} also got jwt.alg-not-allowed 'an HMAC secret cannot
    verify it', though no HMAC secret was given (all() over no keys is True)."""
    code, doc, _ = verify_json(capsys, RS_TOKEN, "--jwks", misbehaving_server + route)
    assert code == 1
    assert "oidc.jwks-invalid" in codes(doc) and "jwt.alg-not-allowed" not in codes(doc)
    assert doc["verification"]["verified"] is False
    assert "HMAC" not in json.dumps(doc)


def test_u4_a_jwks_file_without_usable_keys_says_why_for_each(capsys: Capsys, tmp_path: Path) -> None:
    """U4: no per-key reasons, and {"keys": {}} got 'no keys array; its keys array is empty'."""
    path = tmp_path / "bad.jwks"
    path.write_text('{"keys":[{"kty":"RSA","n":5,"e":"AQAB"},{"kty":"EC","crv":"P-999","x":"a","y":"b"}]}')
    code, out, err = run_cli(capsys, "jwt", "verify", RS_TOKEN, "--jwks", str(path))
    one_line_error(code, out, err)
    assert "no key in it can verify a signature (key #1 (RSA): cannot be read" in err
    assert "; key #2 (EC): cannot be read" in err
    path.write_text('{"keys":{}}')
    code, out, err = run_cli(capsys, "jwt", "verify", RS_TOKEN, "--jwks", str(path))
    one_line_error(code, out, err)
    assert "'keys' is an object, not an array" in err and "empty" not in err


@pytest.mark.parametrize(("route", "text"), [
    ("/garbage", "the server's answer is not valid HTTP"),
    ("/truncated", "the server's answer is not valid HTTP"),
])
def test_u12_malformed_http_is_a_protocol_failure(capsys: Capsys, misbehaving_server: str, route: str,
                                                 text: str) -> None:
    """U12: a garbage status line or a truncated body was labelled 'Failed at the tcp stage'."""
    code, doc, _ = verify_json(capsys, RS_TOKEN, "--jwks", misbehaving_server + route, "--timeout", "3")
    finding = by_code(doc, "oidc.jwks-unreachable")
    assert code == 1 and finding["evidence"]["stage"] == "protocol"
    assert text in finding["title"] and "tcp stage" not in finding["detail"]


def test_u14_an_empty_alg_is_malformed(capsys: Capsys) -> None:
    """U14: a header with "alg": "" gave no finding and exit 0."""
    code, out, _ = run_cli(capsys, "jwt", "decode", raw_token('{"alg":""}', '{"exp":1900000000}'), "--json")
    finding = by_code(json.loads(out), "jwt.malformed")
    assert code == 1 and "'alg' is empty" in finding["title"]


def test_u14_a_pem_file_with_two_keys_is_refused(capsys: Capsys, tmp_path: Path) -> None:
    """U14: a --key PEM file with two keys silently used only the first."""
    keys: list[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey] = [
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1())]
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = b"".join(k.public_key().public_bytes(serialization.Encoding.PEM, spki) for k in keys)
    path = tmp_path / "two.pem"
    path.write_bytes(pem)
    code, out, err = run_cli(capsys, "jwt", "verify", RS_TOKEN, "--key", str(path))
    one_line_error(code, out, err)
    assert "holds 2 PEM blocks (public key, public key)" in err


def test_a_good_secret_still_verifies_and_stays_hidden(capsys: Capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEC", SECRET)
    code, out, err = run_cli(capsys, "jwt", "verify", hs_token(), "--secret-env", "SEC", "--now", NOW)
    assert code == 0 and SECRET not in out + err
