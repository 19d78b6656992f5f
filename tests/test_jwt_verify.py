"""`authdoctor jwt verify`: every key form, kid selection with the keys tried, the algorithm
allow-list (never none, no key confusion), issuer and audience, leeway, secrets never shown, and
JWKS URLs against real HTTP(S) servers started here on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt_factory import (
    EXPIRES,
    ISSUED,
    NOW,
    SECRET,
    b64,
    by_code,
    codes,
    hs_token,
    owui_payload,
    run_cli,
    run_json,
    signed_token,
    unsigned_token,
)

Capsys = pytest.CaptureFixture[str]
ISSUER = "https://idp.example.org/realms/main"
CLAIMS = {"sub": "u-1", "iss": ISSUER, "aud": ["open-webui", "account"], "iat": ISSUED, "exp": EXPIRES}


# --------------------------------------------------------------------------- keys

@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_public(key: Any) -> bytes:
    return bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo))


def pem_private(key: Any) -> bytes:
    return bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))


def certificate(key: rsa.RSAPrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.org")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def jwk(key: Any, kid: str | None = None, **extra: str) -> dict[str, Any]:
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        data = RSAAlgorithm.to_jwk(public, as_dict=True)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        data = ECAlgorithm.to_jwk(public, as_dict=True)
    else:
        data = OKPAlgorithm.to_jwk(public, as_dict=True)
    return {**data, **({"kid": kid} if kid else {}), **extra}


def write(tmp_path: Path, name: str, data: bytes | str | dict[str, Any]) -> str:
    path = tmp_path / name
    if isinstance(data, dict):
        data = json.dumps(data)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def verify(capsys: Capsys, token: str, *args: str) -> tuple[int, dict[str, Any]]:
    return run_json(capsys, "jwt", "verify", token, "--now", NOW, *args)


# --------------------------------------------------------------------------- HMAC

def test_openwebui_token_with_the_right_secret(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBUI_SECRET_KEY", SECRET)
    code, doc = verify(capsys, hs_token(), "--secret-env", "WEBUI_SECRET_KEY")
    assert (code, doc["findings"]) == (0, [])
    assert doc["schema"] == "https://authdoctor.dev/schemas/jwt-verify-1.json"
    v = doc["verification"]
    assert v["verified"] is True and v["algorithm"] == "HS256"
    assert v["allowed_algorithms"] == ["HS256", "HS384", "HS512"]
    assert v["keys_tried"] == [{"key": "secret from WEBUI_SECRET_KEY", "kid": None, "result": "valid",
                                "reason": ""}]
    assert doc["times"]["leeway_s"] == 0


def test_wrong_secret_is_a_bad_signature_naming_webui_secret_key(capsys: Capsys,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBUI_SECRET_KEY", "another-replicas-key-0123456789abcdef")
    code, doc = verify(capsys, hs_token(), "--secret-env", "WEBUI_SECRET_KEY")
    finding = by_code(doc, "jwt.bad-signature")
    assert (code, finding["severity"]) == (1, "error")
    assert "different WEBUI_SECRET_KEY" in finding["fix"] and "every replica" in finding["fix"]
    assert "secret from WEBUI_SECRET_KEY: invalid" in finding["evidence"]["keys tried"]
    assert doc["verification"]["verified"] is False


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_secret_file_and_other_hmac_algorithms(capsys: Capsys, tmp_path: Path, alg: str) -> None:
    path = write(tmp_path, ".webui_secret_key", SECRET + "\n")  # as start.sh writes it
    code, doc = verify(capsys, hs_token(alg=alg), "--secret-file", path)
    assert code == 0 and doc["verification"]["verified"] and doc["verification"]["algorithm"] == alg


def test_the_secret_never_appears(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    # A claim that happens to contain the secret is redacted too.
    monkeypatch.setenv("WEBUI_SECRET_KEY", SECRET)
    token = hs_token(owui_payload(note=f"key is {SECRET}"))
    for extra in ((), ("--json",)):
        code, out, err = run_cli(capsys, "jwt", "verify", token, "--secret-env", "WEBUI_SECRET_KEY",
                                 "--now", NOW, *extra)
        assert code == 0
        assert SECRET not in out + err and token not in out + err
        assert token.rsplit(".", 1)[1] not in out
        assert f"<secret, {len(SECRET)} chars>" in out


def test_weak_secret_is_reported_by_verify_too(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBUI_SECRET_KEY", "t0p-s3cr3t")
    code, doc = verify(capsys, hs_token(owui_payload(), "t0p-s3cr3t"), "--secret-env", "WEBUI_SECRET_KEY")
    assert code == 1 and doc["verification"]["verified"]
    assert codes(doc) == ["jwt.weak-secret"]


def test_a_pem_given_as_secret_is_refused(capsys: Capsys, tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    path = write(tmp_path, "public.pem", pem_public(rsa_key))
    code, _, err = run_cli(capsys, "jwt", "verify", hs_token(), "--secret-file", path)
    assert code == 2 and "key-confusion" in err and "--key" in err


def test_jwk_oct_key(capsys: Capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "oct.jwk", {"kty": "oct", "k": b64(SECRET), "kid": "hmac-1"})
    code, doc = verify(capsys, hs_token(), "--key", path)
    assert code == 0 and doc["verification"]["key"] == f'kid "hmac-1" (HMAC secret, {len(SECRET)} bytes)'


# --------------------------------------------------------------------------- public keys

@pytest.mark.parametrize("form", ["public", "private", "certificate"])
def test_rs256_with_pem_forms(capsys: Capsys, tmp_path: Path, rsa_key: rsa.RSAPrivateKey, form: str) -> None:
    data = {"public": pem_public, "private": pem_private, "certificate": certificate}[form](rsa_key)
    path = write(tmp_path, f"{form}.pem", data)
    code, doc = verify(capsys, signed_token(CLAIMS, rsa_key, "RS256"), "--key", path)
    assert code == 0, doc["findings"]
    v = doc["verification"]
    assert v["verified"] and v["key"].endswith({"public": "(RSA 2048-bit public key)",
                                                "private": "(RSA 2048-bit private key)",
                                                "certificate": "(RSA 2048-bit certificate)"}[form])
    code, out, _ = run_cli(capsys, "jwt", "verify", signed_token(CLAIMS, rsa_key, "RS256"), "--key", path,
                           "--now", NOW)
    assert "PRIVATE KEY" not in out and "BEGIN" not in out


@pytest.mark.parametrize(("make", "alg"), [
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "PS256"),
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS512"),
    (lambda: ec.generate_private_key(ec.SECP256R1()), "ES256"),
    (lambda: ec.generate_private_key(ec.SECP384R1()), "ES384"),
    (lambda: ec.generate_private_key(ec.SECP521R1()), "ES512"),
    (ed25519.Ed25519PrivateKey.generate, "EdDSA"),
])
def test_every_public_key_algorithm(capsys: Capsys, tmp_path: Path, make: Callable[[], Any],
                                    alg: str) -> None:
    key = make()
    token = signed_token(CLAIMS, key, alg)
    for name, data in (("key.pem", pem_public(key)), ("key.jwk", jwk(key))):
        code, doc = verify(capsys, token, "--key", write(tmp_path, name, data))
        assert code == 0 and doc["verification"]["verified"], (name, doc["verification"])
    # The same token with its signature from another key of the same type fails.
    other = make()
    forged = token.rsplit(".", 1)[0] + "." + signed_token(CLAIMS, other, alg).rsplit(".", 1)[1]
    code, doc = verify(capsys, forged, "--key", write(tmp_path, "key.pem", pem_public(key)))
    assert code == 1 and "jwt.bad-signature" in codes(doc)


def test_key_confusion_hs256_against_an_rsa_key(capsys: Capsys, tmp_path: Path,
                                                rsa_key: rsa.RSAPrivateKey) -> None:
    public_pem = pem_public(rsa_key)
    forged = hs_token(CLAIMS, public_pem)  # signed with the public key as HMAC secret
    code, doc = verify(capsys, forged, "--key", write(tmp_path, "public.pem", public_pem))
    finding = by_code(doc, "jwt.alg-not-allowed")
    assert (code, finding["severity"]) == (1, "error")
    assert "key-confusion" in finding["detail"] and "forged" in finding["fix"]
    assert doc["verification"]["verified"] is False and doc["verification"]["keys_tried"] == []


def test_rs256_token_with_an_hmac_secret(capsys: Capsys, monkeypatch: pytest.MonkeyPatch,
                                         rsa_key: rsa.RSAPrivateKey) -> None:
    monkeypatch.setenv("S", SECRET)
    _, doc = verify(capsys, signed_token(CLAIMS, rsa_key, "RS256"), "--secret-env", "S")
    assert "--key FILE" in by_code(doc, "jwt.alg-not-allowed")["fix"]


def test_allow_list_narrows_and_never_allows_none(capsys: Capsys, tmp_path: Path,
                                                  rsa_key: rsa.RSAPrivateKey) -> None:
    path = write(tmp_path, "public.pem", pem_public(rsa_key))
    token = signed_token(CLAIMS, rsa_key, "RS256")
    assert verify(capsys, token, "--key", path, "--alg", "rs256")[0] == 0
    code, doc = verify(capsys, token, "--key", path, "--alg", "PS256,PS384")
    assert code == 1 and by_code(doc, "jwt.alg-not-allowed")["evidence"]["allowed"] == "PS256, PS384"
    for bad, message in (("none", "never accepts unsigned tokens"), ("HS1", "choose from")):
        code, _, err = run_cli(capsys, "jwt", "verify", token, "--key", path, "--alg", bad)
        assert code == 2 and message in err


def test_unsigned_token_is_never_verified(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S", SECRET)
    code, doc = verify(capsys, unsigned_token(), "--secret-env", "S")
    assert code == 1 and codes(doc) == ["jwt.alg-none"]
    assert doc["verification"]["verified"] is False and "never accepts" in doc["verification"]["note"]


# --------------------------------------------------------------------------- JWKS (file)

@pytest.fixture
def jwks_keys(rsa_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    return {"rsa": rsa_key, "ec": ec_key,
            "doc": {"keys": [jwk(rsa_key, "rsa-1", use="sig", alg="RS256"), jwk(ec_key, "ec-1"),
                             {"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"}]}}


def test_kid_selects_the_key_and_only_it_is_tried(capsys: Capsys, tmp_path: Path,
                                                  jwks_keys: dict[str, Any]) -> None:
    path = write(tmp_path, "jwks.json", jwks_keys["doc"])
    token = signed_token(CLAIMS, jwks_keys["rsa"], "RS256", kid="rsa-1")
    code, doc = verify(capsys, token, "--jwks", path)
    assert code == 0
    assert [a["kid"] for a in doc["verification"]["keys_tried"]] == ["rsa-1"]
    assert doc["verification"]["key"] == 'kid "rsa-1" (RSA 2048-bit)'


def test_unknown_kid_lists_the_kids_there(capsys: Capsys, tmp_path: Path, jwks_keys: dict[str, Any]) -> None:
    path = write(tmp_path, "jwks.json", jwks_keys["doc"])
    token = signed_token(CLAIMS, jwks_keys["rsa"], "RS256", kid="rotated-away")
    code, doc = verify(capsys, token, "--jwks", path)
    finding = by_code(doc, "jwt.key-not-found")
    assert (code, finding["severity"]) == (1, "error")
    assert finding["title"] == f'No key with kid "rotated-away" in {path}'
    assert finding["evidence"]["kids available"] == "rsa-1, ec-1, enc-1"
    assert "jwks_uri" in finding["fix"]


def test_without_kid_every_usable_key_is_tried_and_listed(capsys: Capsys, tmp_path: Path,
                                                          jwks_keys: dict[str, Any]) -> None:
    path = write(tmp_path, "jwks.json", jwks_keys["doc"])
    code, doc = verify(capsys, signed_token(CLAIMS, jwks_keys["ec"], "ES256"), "--jwks", path)
    assert code == 0
    tried = {a["kid"]: (a["result"], a["reason"]) for a in doc["verification"]["keys_tried"]}
    assert tried["rsa-1"] == ("skipped", "this key verifies RS256, not ES256")
    assert tried["ec-1"] == ("valid", "")
    token = signed_token(CLAIMS, jwks_keys["ec"], "ES256")
    _, out, _ = run_cli(capsys, "jwt", "verify", token, "--jwks", path, "--now", NOW)
    assert 'keys tried  kid "rsa-1" (RSA 2048-bit): skipped (this key verifies RS256, not ES256)' in out
    assert 'kid "ec-1" (EC P-256): valid' in out


def test_no_matching_key_type_is_key_not_found_with_reasons(capsys: Capsys, tmp_path: Path,
                                                            jwks_keys: dict[str, Any]) -> None:
    path = write(tmp_path, "jwks.json", {"keys": [jwks_keys["doc"]["keys"][0]]})
    other = ec.generate_private_key(ec.SECP256R1())
    code, doc = verify(capsys, signed_token(CLAIMS, other, "ES256"), "--jwks", path, "--alg", "ES256")
    assert code == 1 and "jwt.key-not-found" in codes(doc)
    assert "not ES256" in by_code(doc, "jwt.key-not-found")["detail"]


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "not a JSON document"),
    ('{"keys": 3}', "'keys' is a number, not an array"),
    ('{"keys": []}', "empty"),
])
def test_broken_jwks_file_is_a_usage_error(capsys: Capsys, tmp_path: Path, content: str,
                                           message: str) -> None:
    path = write(tmp_path, "jwks.json", content)
    code, _, err = run_cli(capsys, "jwt", "verify", hs_token(), "--jwks", path)
    assert code == 2 and message in err


# --------------------------------------------------------------------------- iss / aud / leeway

@pytest.mark.parametrize(("expected", "title"), [
    (ISSUER + "/", "The issuer differs only by a trailing slash"),
    ("https://other.example.org/realms/main", f"The token's issuer is '{ISSUER}'"),
])
def test_issuer_mismatch(capsys: Capsys, tmp_path: Path, rsa_key: rsa.RSAPrivateKey, expected: str,
                         title: str) -> None:
    path = write(tmp_path, "public.pem", pem_public(rsa_key))
    token = signed_token(CLAIMS, rsa_key, "RS256")
    assert verify(capsys, token, "--key", path, "--issuer", ISSUER)[0] == 0
    code, doc = verify(capsys, token, "--key", path, "--issuer", expected)
    finding = by_code(doc, "jwt.issuer-mismatch")
    assert code == 1 and finding["title"].startswith(title)
    assert finding["evidence"] == {"iss": ISSUER, "expected": expected}
    assert doc["verification"]["expected_issuer"] == expected


def test_openwebui_tokens_have_no_iss_and_say_so(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S", SECRET)
    _, doc = verify(capsys, hs_token(), "--secret-env", "S", "--issuer", ISSUER, "--audience", "open-webui")
    assert by_code(doc, "jwt.issuer-mismatch")["title"] == "The token has no iss claim"
    assert "carry no iss or aud" in by_code(doc, "jwt.audience-mismatch")["detail"]


def test_audience(capsys: Capsys, tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    path = write(tmp_path, "public.pem", pem_public(rsa_key))
    token = signed_token(CLAIMS, rsa_key, "RS256")
    assert verify(capsys, token, "--key", path, "--audience", "account")[0] == 0
    code, doc = verify(capsys, token, "--key", path, "--audience", "grafana")
    finding = by_code(doc, "jwt.audience-mismatch")
    assert code == 1 and finding["evidence"] == {"aud": '["open-webui", "account"]', "expected": "grafana"}


def test_leeway_is_applied_and_reported(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S", SECRET)
    token = hs_token(owui_payload(exp=ISSUED + 3 * 3600 - 30))  # expired 30 s before NOW
    code, doc = verify(capsys, token, "--secret-env", "S")
    assert code == 1 and by_code(doc, "jwt.expired")["evidence"]["leeway"] == "0 s"
    code, doc = verify(capsys, token, "--secret-env", "S", "--leeway", "60")
    assert code == 0 and doc["times"]["leeway_s"] == 60
    _, out, _ = run_cli(capsys, "jwt", "verify", token, "--secret-env", "S", "--leeway", "60", "--now", NOW)
    assert "leeway 60 s" in out


@pytest.mark.parametrize(("args", "message"), [
    ([], "give exactly one key"),
    (["--secret-env", "A", "--jwks", "x.json"], "(got --secret-env, --jwks)"),
    (["--secret-env", "AUTHDOCTOR_TEST_UNSET_VARIABLE"], "that environment variable is not set"),
    (["--key", "/nonexistent/key.pem"], "--key /nonexistent/key.pem: No such file or directory"),
    (["--jwks", "/nonexistent/jwks.json"], "No such file or directory"),
])
def test_key_usage_errors(capsys: Capsys, args: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, "jwt", "verify", hs_token(), *args)
    assert (code, out) == (2, "") and message in err and "Traceback" not in err


def test_malformed_token_stops_before_the_key(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S", SECRET)
    code, doc = verify(capsys, "abc.def", "--secret-env", "S")
    assert code == 1 and codes(doc) == ["jwt.malformed"] and doc["verification"] is None


# --------------------------------------------------------------------------- JWKS over HTTP(S)

Route = tuple[int, dict[str, str], bytes, float]


class _Handler(BaseHTTPRequestHandler):
    """Serves `routes` (path -> status, headers, body, delay); each server gets its own subclass."""

    routes: ClassVar[dict[str, Route]] = {}

    def do_GET(self) -> None:
        status, headers, body, delay = self.routes.get(self.path, (404, {}, b"not found", 0.0))
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, Route]]]:
    routes: dict[str, Route] = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


def test_jwks_url_with_kid(capsys: Capsys, server: tuple[str, dict[str, Route]],
                           jwks_keys: dict[str, Any]) -> None:
    base, routes = server
    routes["/certs"] = (200, {}, json.dumps(jwks_keys["doc"]).encode(), 0.0)
    token = signed_token(CLAIMS, jwks_keys["rsa"], "RS256", kid="rsa-1")
    code, doc = verify(capsys, token, "--jwks", f"{base}/certs", "--issuer", ISSUER,
                       "--audience", "open-webui")
    assert (code, doc["findings"]) == (0, [])
    assert doc["verification"]["key_source"] == f"{base}/certs"
    assert doc["verification"]["key"] == 'kid "rsa-1" (RSA 2048-bit)'


def test_jwks_url_same_host_redirect_is_followed(capsys: Capsys, server: tuple[str, dict[str, Route]],
                                                 jwks_keys: dict[str, Any]) -> None:
    base, routes = server
    routes["/old"] = (302, {"Location": "/certs"}, b"", 0.0)
    routes["/certs"] = (200, {}, json.dumps(jwks_keys["doc"]).encode(), 0.0)
    token = signed_token(CLAIMS, jwks_keys["rsa"], "RS256", kid="rsa-1")
    assert verify(capsys, token, "--jwks", f"{base}/old")[0] == 0


@pytest.mark.parametrize(("route", "stage", "text"), [
    ((404, {}, b"nope", 0.0), "http", "it answers HTTP 404 Not Found"),
    ((302, {"Location": "http://localhost:1/certs"}, b"", 0.0), "http", "redirects to another host"),
    ((200, {}, b"x" * (1024 * 1024 + 10), 0.0), "protocol", "larger than 1024 KiB"),
    ((200, {}, b"{}", 2.0), "timeout", "no complete answer within 0.5 s"),
])
def test_jwks_url_failures_are_findings(capsys: Capsys, server: tuple[str, dict[str, Route]], route: Route,
                                        stage: str, text: str) -> None:
    base, routes = server
    routes["/certs"] = route
    code, doc = verify(capsys, hs_token(), "--jwks", f"{base}/certs", "--timeout", "0.5")
    finding = by_code(doc, "oidc.jwks-unreachable")
    assert (code, finding["severity"]) == (1, "error")
    assert finding["evidence"]["stage"] == stage and text in finding["title"]
    assert doc["verification"]["verified"] is False
    assert "jwt.bad-signature" not in codes(doc)


@pytest.mark.parametrize(("body", "message"), [
    (b"<html>login</html>", "the answer is not JSON"),
    (b'{"issuer": "x"}', "no 'keys' array"),
    (b'{"keys": [{"kty": "RSA", "kid": "a", "n": "!!", "e": "AQAB"}]}', "no key in it can verify"),
])
def test_jwks_url_with_unusable_content(capsys: Capsys, server: tuple[str, dict[str, Route]], body: bytes,
                                        message: str) -> None:
    base, routes = server
    routes["/certs"] = (200, {}, body, 0.0)
    code, doc = verify(capsys, hs_token(), "--jwks", f"{base}/certs")
    assert code == 1 and message in by_code(doc, "oidc.jwks-invalid")["title"]


def test_jwks_url_connection_refused(capsys: Capsys) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, doc = verify(capsys, hs_token(), "--jwks", f"http://127.0.0.1:{port}/certs", "--timeout", "2")
    finding = by_code(doc, "oidc.jwks-unreachable")
    assert code == 1 and finding["evidence"]["stage"] == "tcp" and "refused" in finding["title"]


def test_plain_http_off_loopback_is_flagged(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests send traffic to loopback only: the fetch of an off-loopback URL is replaced by the
    # failure it would meet, and only the plain-http judgement is under test here.
    import authdoctor.jwt.jwks as jwks_module
    from authdoctor.errors import ProbeError

    def unreachable(url: str, **kwargs: object) -> bytes:
        raise ProbeError("connection timed out", stage="timeout")

    monkeypatch.setattr(jwks_module, "fetch_jwks", unreachable)
    code, doc = verify(capsys, hs_token(), "--jwks", "http://keys.example.com/certs", "--timeout", "0.3")
    assert code == 1
    assert by_code(doc, "oidc.insecure-endpoint")["severity"] == "warning"
    assert "oidc.jwks-unreachable" in codes(doc)


def test_jwks_over_https_needs_a_trusted_certificate(capsys: Capsys, tmp_path: Path,
                                                     jwks_keys: dict[str, Any]) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    routes: dict[str, Route] = {"/certs": (200, {}, json.dumps(jwks_keys["doc"]).encode(), 0.0)}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"routes": routes}))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{httpd.server_address[1]}/certs"
        token = signed_token(CLAIMS, jwks_keys["rsa"], "RS256", kid="rsa-1")
        code, doc = verify(capsys, token, "--jwks", url, "--timeout", "3")
        finding = by_code(doc, "oidc.jwks-unreachable")
        assert code == 1 and finding["evidence"]["stage"] == "tls" and "not trusted" in finding["title"]
        ca_file = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        code, doc = verify(capsys, token, "--jwks", url, "--ca-file", str(ca_file), "--timeout", "3")
        assert (code, doc["findings"]) == (0, []) and doc["verification"]["verified"]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_verify_text_output(capsys: Capsys, tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    path = write(tmp_path, "public.pem", pem_public(rsa_key))
    code, out, _ = run_cli(capsys, "jwt", "verify", signed_token(CLAIMS, rsa_key, "RS256"), "--key", path,
                           "--now", NOW, "--audience", "open-webui")
    assert code == 0
    assert f"Signature  valid: RS256 with {path} (RSA 2048-bit public key)" in out
    assert "  allowed     RS256, RS384, RS512, PS256, PS384, PS512" in out
    assert "  audience    open-webui" in out
    assert out.splitlines()[-1] == "no problems found · exit 0 (fail-on error)"


def test_other_rsa_key_is_a_bad_signature(capsys: Capsys, tmp_path: Path, rsa_key: rsa.RSAPrivateKey,
                                          other_rsa_key: rsa.RSAPrivateKey) -> None:
    path = write(tmp_path, "other.pem", pem_public(other_rsa_key))
    code, doc = verify(capsys, signed_token(CLAIMS, rsa_key, "RS256"), "--key", path)
    finding = by_code(doc, "jwt.bad-signature")
    assert code == 1 and "jwks_uri" in finding["fix"]


def test_jwks_url_credentials_are_masked(capsys: Capsys, server: tuple[str, dict[str, Route]],
                                         jwks_keys: dict[str, Any]) -> None:
    base, routes = server
    routes["/certs"] = (200, {}, json.dumps(jwks_keys["doc"]).encode(), 0.0)
    url = base.replace("http://", "http://reader:jwks-pass-7731@") + "/certs"
    token = signed_token(CLAIMS, jwks_keys["rsa"], "RS256", kid="rsa-1")
    for extra in ((), ("--json",)):
        code, out, err = run_cli(capsys, "jwt", "verify", token, "--jwks", url, "--now", NOW, *extra)
        assert code == 0
        assert "jwks-pass-7731" not in out + err
        assert "reader:***@127.0.0.1" in out


# --------------------------------------------------------------------------- claims Open WebUI demands

@pytest.mark.parametrize(("changes", "claim", "answer", "severity"), [
    ({"session_stamp": None}, "session_stamp", "401 \"Invalid token\"", "error"),
    ({"id": None}, "id", "401 \"401 Unauthorized\"", "error"),
    ({"typ": "refresh"}, "typ", None, "error"),
    ({"iat": None}, "iat", None, "warning"),
])
def test_validly_signed_token_without_a_claim_openwebui_demands(
        capsys: Capsys, monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any], claim: str,
        answer: str | None, severity: str) -> None:
    monkeypatch.setenv("WEBUI_SECRET_KEY", SECRET)
    code, doc = verify(capsys, hs_token(owui_payload(**changes)), "--secret-env", "WEBUI_SECRET_KEY")
    assert doc["verification"]["verified"] is True
    found = [f for f in doc["findings"] if f["code"] == "jwt.claim-missing"]
    assert [(f["subject"], f["severity"]) for f in found] == [(claim, severity)]
    assert code == (1 if severity == "error" else 0)
    if answer:
        assert answer in found[0]["title"]


def test_token_without_typ_is_read_as_a_session(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """0.12.4 is_valid_token: decoded.get('typ', 'session')."""
    monkeypatch.setenv("WEBUI_SECRET_KEY", SECRET)
    code, doc = verify(capsys, hs_token(owui_payload(typ=None)), "--secret-env", "WEBUI_SECRET_KEY")
    assert (code, doc["findings"]) == (0, [])


def test_sub_instead_of_id_is_named(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBUI_SECRET_KEY", SECRET)
    payload = owui_payload(id=None, sub="8b177929-71d3-43a4-8aed-7297d8683943")
    _code, doc = verify(capsys, hs_token(payload), "--secret-env", "WEBUI_SECRET_KEY")
    assert "reads the user id only from id" in by_code(doc, "jwt.claim-missing")["detail"]


def test_claims_are_not_judged_without_a_valid_signature(capsys: Capsys,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBUI_SECRET_KEY", "another-replicas-key-0123456789abcdef")
    token = hs_token(owui_payload(session_stamp=None))
    _code, doc = verify(capsys, token, "--secret-env", "WEBUI_SECRET_KEY")
    assert "jwt.claim-missing" not in codes(doc)


# --------------------------------------------------------------------------- --issuer: keys via discovery

def _discovery(base: str, issuer: str | None = None) -> bytes:
    return json.dumps({"issuer": issuer or base, "jwks_uri": f"{base}/certs",
                       "authorization_endpoint": f"{base}/auth"}).encode()


@pytest.mark.parametrize("given", ["issuer", "discovery-url", "issuer-with-slash", "other-issuer"])
def test_issuer_alone_finds_the_jwks_through_discovery(capsys: Capsys, server: tuple[str, dict[str, Route]],
                                                       jwks_keys: dict[str, Any], given: str) -> None:
    base, routes = server
    published = "https://idp.example.org/realms/main" if given == "other-issuer" else base
    routes["/.well-known/openid-configuration"] = (200, {}, _discovery(base, published), 0.0)
    routes["/certs"] = (200, {}, json.dumps(jwks_keys["doc"]).encode(), 0.0)
    token = signed_token({**CLAIMS, "iss": published}, jwks_keys["rsa"], "RS256", kid="rsa-1")
    issuer = {"issuer": base, "discovery-url": f"{base}/.well-known/openid-configuration",
              "issuer-with-slash": base + "/", "other-issuer": base}[given]
    code, doc = verify(capsys, token, "--issuer", issuer, "--audience", "open-webui")
    if given == "issuer-with-slash":  # the URL names base/, the document base: the token is judged
        assert codes(doc) == ["oidc.issuer-mismatch"]  # against the document's issuer, as authlib does
        assert by_code(doc, "oidc.issuer-mismatch")["severity"] == "warning"  # only the slash differs
        assert (code, doc["verification"]["verified"]) == (0, True)
        return
    if given == "other-issuer":  # the document names another issuer: an error; the token matches it
        assert (code, codes(doc)) == (1, ["oidc.issuer-mismatch"])
        assert doc["verification"]["expected_issuer"] == published
        return
    assert (code, doc["findings"]) == (0, [])
    assert doc["verification"]["key_source"] == f"{base}/certs"
    assert doc["verification"]["expected_issuer"] == base


def test_issuer_discovery_token_iss_compared_with_the_discovered_issuer(
        capsys: Capsys, server: tuple[str, dict[str, Route]], jwks_keys: dict[str, Any]) -> None:
    base, routes = server
    routes["/.well-known/openid-configuration"] = (200, {}, _discovery(base), 0.0)
    routes["/certs"] = (200, {}, json.dumps(jwks_keys["doc"]).encode(), 0.0)
    token = signed_token({**CLAIMS, "iss": base + "/"}, jwks_keys["rsa"], "RS256", kid="rsa-1")
    code, doc = verify(capsys, token, "--issuer", base)
    assert code == 1 and codes(doc) == ["jwt.issuer-mismatch"]
    assert by_code(doc, "jwt.issuer-mismatch")["title"] == "The issuer differs only by a trailing slash"


@pytest.mark.parametrize(("route", "code"), [
    ((404, {}, b"nope", 0.0), "oidc.discovery-unreachable"),
    ((200, {}, b"<html>login</html>", 0.0), "oidc.discovery-not-json"),
    ((200, {}, b'{"issuer": "x"}', 0.0), "oidc.discovery-invalid"),
    # a jwks_uri the URL parser refuses is the provider's fault, not a --jwks usage error (review)
    ((200, {}, b'{"issuer": "x", "jwks_uri": "http://[::1/j"}', 0.0), "oidc.discovery-invalid"),
])
def test_issuer_discovery_failures_are_findings(capsys: Capsys, server: tuple[str, dict[str, Route]],
                                                jwks_keys: dict[str, Any], route: Route, code: str) -> None:
    base, routes = server
    routes["/.well-known/openid-configuration"] = route
    token = signed_token({**CLAIMS, "iss": base}, jwks_keys["rsa"], "RS256", kid="rsa-1")
    exit_code, doc = verify(capsys, token, "--issuer", base, "--timeout", "2")
    assert exit_code == 1 and code in codes(doc)
    assert doc["verification"]["verified"] is False
    assert doc["verification"]["key_source"] == base


def test_issuer_that_is_not_a_url_is_a_usage_error(capsys: Capsys) -> None:
    code, out, err = run_cli(capsys, "jwt", "verify", hs_token(), "--issuer", "acme-realm")
    assert (code, out) == (2, "")
    assert err == "authdoctor: error: --issuer is not a usable URL: it has no host name\n"
    code, out, err = run_cli(capsys, "jwt", "verify", hs_token(), "--issuer", "ftp://idp.example.org/x")
    assert (code, out) == (2, "")
    assert err.startswith("authdoctor: error: --issuer 'ftp://idp.example.org/x': give the issuer URL")
