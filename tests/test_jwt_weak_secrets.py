"""`jwt.weak-secret` (authdoctor/jwt/weak_secrets.py): every listed secret is found for every
HMAC algorithm, it is named by kind and never by value, and nothing else is flagged."""

from __future__ import annotations

import json

import pytest
from jwt_factory import NOW, SECRET, hs_token, owui_payload, run_cli, run_json

from authdoctor.jwt.tokens import decode_token
from authdoctor.jwt.weak_secrets import EMPTY, OPENWEBUI_FALLBACK, WEAK_SECRETS, find_weak_secret

Capsys = pytest.CaptureFixture[str]


def test_the_list_holds_the_required_values() -> None:
    values = {value for value, _ in WEAK_SECRETS}
    for required in ("t0p-s3cr3t", "", "secret", "changeme", "your-secret-key", "your-secret-key-here",
                     "your_secret_key", "your-256-bit-secret"):
        assert required in values
    assert len(values) == len(WEAK_SECRETS)  # no duplicates


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize(("secret", "kind"), WEAK_SECRETS)
def test_every_weak_secret_is_found(alg: str, secret: str, kind: str) -> None:
    match = find_weak_secret(decode_token(hs_token(owui_payload(), secret, alg=alg)))
    assert match is not None
    assert (match.algorithm, match.kind) == (alg, kind)


@pytest.mark.parametrize("secret", [SECRET, "t0p-s3cr3t-but-longer", "Secret", "changeme "])
def test_other_secrets_are_not_flagged(secret: str) -> None:
    assert find_weak_secret(decode_token(hs_token(owui_payload(), secret))) is None


def test_non_hmac_tokens_are_not_checked() -> None:
    token = hs_token(owui_payload(), "secret", header={"alg": "RS256", "typ": "JWT"}, alg="HS256")
    assert find_weak_secret(decode_token(token)) is None


def test_openwebui_default_is_reported_by_kind_not_value(capsys: Capsys) -> None:
    code, doc = run_json(capsys, "jwt", "decode", hs_token(owui_payload(), "t0p-s3cr3t"), "--now", NOW)
    finding = next(f for f in doc["findings"] if f["code"] == "jwt.weak-secret")
    assert (code, finding["severity"]) == (1, "error")
    assert OPENWEBUI_FALLBACK in finding["title"]
    assert "v0.10" in finding["detail"]
    assert "WEBUI_SECRET_KEY" in finding["fix"] and "openssl rand" in finding["fix"]
    assert "t0p-s3cr3t" not in json.dumps(doc)
    _, out, _ = run_cli(capsys, "jwt", "decode", hs_token(owui_payload(), "t0p-s3cr3t"), "--now", NOW)
    assert "jwt.weak-secret" in out and "t0p-s3cr3t" not in out


def test_empty_secret(capsys: Capsys) -> None:
    _, doc = run_json(capsys, "jwt", "decode", hs_token({"sub": "x", "exp": 1798138903}, ""), "--now", NOW)
    finding = next(f for f in doc["findings"] if f["code"] == "jwt.weak-secret")
    assert EMPTY in finding["title"]
    assert "Replace the issuer's signing secret" in finding["fix"]  # not an Open WebUI token
