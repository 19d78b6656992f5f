"""Tokens and keys for the `jwt decode|verify` tests.

HMAC and unsigned tokens are built by hand (so a test controls every byte, including broken
ones); RS/PS/ES/EdDSA tokens are signed with PyJWT and keys made with `cryptography`. The
reference token is the one Open WebUI 0.12.4 issued in openwebui-live-0.12.4.md §3.3.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from authdoctor.cli import main

ISSUED = 1795719703  # 2026-11-26T19:01:43Z, iat of the recorded token
EXPIRES = 1798138903  # iat + 28 d (JWT_EXPIRES_IN=4w)
NOW = "2026-11-26T22:01:43Z"  # 3 h after iat
NOW_DT = datetime(2026, 11, 26, 22, 1, 43, tzinfo=UTC)
SECRET = "q7Vx-test-secret-9f3a1c5e7b2d4f6a8c0e1b3d5f7a9c1e"  # not in any weak list

HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def owui_payload(**changes: Any) -> dict[str, Any]:
    """An Open WebUI session token's claims; a change of None removes the claim."""
    payload: dict[str, Any] = {
        "id": "8b177929-71d3-43a4-8aed-7297d8683943", "typ": "session", "auth_method": "password",
        "auth_time": ISSUED, "session_stamp": "3f268e9d-e659-4090-9943-93ef0765067e",
        "mfa_verified": False, "exp": EXPIRES, "jti": "ee6944da-c93c-41e7-8d5c-8666dac7b846",
        "iat": ISSUED,
    }
    for name, value in changes.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload


def hs_token(payload: dict[str, Any] | None = None, secret: str | bytes = SECRET, *, alg: str = "HS256",
             header: dict[str, Any] | None = None) -> str:
    head = header if header is not None else {"alg": alg, "typ": "JWT"}
    claims = payload if payload is not None else owui_payload()
    signing_input = f"{b64(json.dumps(head))}.{b64(json.dumps(claims))}"
    key = secret.encode() if isinstance(secret, str) else secret
    signature = hmac.new(key, signing_input.encode(), HASHES[alg]).digest()
    return f"{signing_input}.{b64(signature)}"


def unsigned_token(payload: dict[str, Any] | None = None) -> str:
    head = b64(json.dumps({"alg": "none", "typ": "JWT"}))
    return f"{head}.{b64(json.dumps(payload if payload is not None else owui_payload()))}."


def signed_token(payload: dict[str, Any], key: Any, alg: str, kid: str | None = None) -> str:
    import jwt

    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid} if kid else None)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli(capsys, *args, "--json")
    assert "Traceback" not in err, err
    return code, json.loads(out)


def codes(document: dict[str, Any]) -> list[str]:
    return [f["code"] for f in document["findings"]]


def by_code(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in document["findings"] if f["code"] == code)


@contextmanager
def stdin_bytes(monkeypatch: pytest.MonkeyPatch, data: bytes) -> Any:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    yield
