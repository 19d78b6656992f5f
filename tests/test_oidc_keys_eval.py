"""The OIDC live half after discovery, evaluated from hand-made observations (no network):
`evaluate_jwks` (issue 9 probe 2), `evaluate_metadata` and `app_use` (probes 3 and 4).

One table row per code and branch (rules D4, D5, L1, M4, O2 of standards.md; RFC 7517/7518 for
the key rules named in authdoctor/checks/_oidc_metadata.py)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from settings_env import source

from authdoctor.checks._oidc_metadata import AppUse, app_use, evaluate_jwks, evaluate_metadata
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation

JWKS_URI = "https://id.example.com/realms/acme/protocol/openid-connect/certs"
DISCOVERY = "https://id.example.com/realms/acme/.well-known/openid-configuration"
ERROR, WARNING = Severity.ERROR, Severity.WARNING


@cache
def _rsa(bits: int) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@cache
def _ec() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def rsa_jwk(kid: str = "rs", bits: int = 2048, *, private: bool = False, **extra: Any) -> dict[str, Any]:
    from jwt.algorithms import RSAAlgorithm

    key = _rsa(bits)
    jwk = json.loads(RSAAlgorithm.to_jwk(key if private else key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256", **extra}


def ec_jwk(kid: str = "ec", **extra: Any) -> dict[str, Any]:
    from jwt.algorithms import ECAlgorithm

    jwk = json.loads(ECAlgorithm.to_jwk(_ec().public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "ES256", **extra}


def keys(*jwks: Any) -> dict[str, Any]:
    return {"keys": list(jwks)}


def answer(body: bytes | dict[str, Any] | list[Any], *, status: int = 200,
           content_type: str = "application/json", truncated: bool = False,
           **headers: str) -> HttpObservation:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpObservation(url=JWKS_URI, final_url=JWKS_URI, status=status, body=raw,
                           body_truncated=truncated, headers={"content-type": content_type, **headers},
                           elapsed_s=0.01)


def jwks_codes(observation: HttpObservation,
               algs: tuple[str, ...] = ("RS256",)) -> list[tuple[str, Severity]]:
    found = evaluate_jwks(observation, jwks_uri=JWKS_URI, signing_algs=list(algs))
    return [(f.code, f.severity) for f in found]


INVALID = [("oidc.jwks-invalid", ERROR)]
UNREACHABLE = [("oidc.jwks-unreachable", ERROR)]

JWKS_CASES: list[tuple[str, Any, tuple[str, ...], list[tuple[str, Severity]]]] = [
    ("healthy: one RS256 key", lambda: answer(keys(rsa_jwk())), ("RS256",), []),
    ("RS256 key also covers PS256 (same RSA family)", lambda: answer(keys(rsa_jwk())),
     ("RS256", "PS256"), []),
    ("RSA and EC keys for RS256 and ES256", lambda: answer(keys(rsa_jwk(), ec_jwk())),
     ("RS256", "ES256"), []),
    ("an RSA-OAEP encryption key next to the signing key (Keycloak)",
     lambda: answer(keys(rsa_jwk(), rsa_jwk("enc", use="enc", alg="RSA-OAEP"))), ("RS256",), []),
    ("none and HS256 need no published key", lambda: answer(keys(rsa_jwk())), ("RS256", "HS256", "none"), []),
    ("dns failure", lambda: HttpObservation(url=JWKS_URI, failure=ProbeFailure(Rung.DNS, "no such host")),
     ("RS256",), UNREACHABLE),
    ("tls failure", lambda: HttpObservation(url=JWKS_URI, failure=ProbeFailure(Rung.TLS, "unknown CA")),
     ("RS256",), UNREACHABLE),
    ("http 500", lambda: answer(b"oops", status=500, content_type="text/plain"), ("RS256",), UNREACHABLE),
    ("a redirect is not followed by the app", lambda: answer(b"", status=302, location="https://x/"),
     ("RS256",), UNREACHABLE),
    ("html login page", lambda: answer(b"<!DOCTYPE html><html>login</html>", content_type="text/html"),
     ("RS256",), INVALID),
    ("huge body", lambda: answer(b"{" * 1000, truncated=True), ("RS256",), INVALID),
    ("deeply nested JSON", lambda: answer(b"[" * 100000 + b"]" * 100000), ("RS256",), INVALID),
    ("a JSON list", lambda: answer([rsa_jwk()]), ("RS256",), INVALID),
    ("no keys member", lambda: answer({"key": []}), ("RS256",), INVALID),
    ("keys is a string", lambda: answer({"keys": "x"}), ("RS256",), INVALID),
    ("empty keys", lambda: answer(keys()), ("RS256",), INVALID),
    ("a key that is not an object", lambda: answer(keys(rsa_jwk(), 7)), ("RS256",), INVALID),
    ("an RSA key with a broken modulus", lambda: answer(keys(rsa_jwk(), {**rsa_jwk("bad"), "n": "!!"})),
     ("RS256",), INVALID),
    ("an unknown kty", lambda: answer(keys(rsa_jwk(), {"kty": "XYZ", "kid": "odd"})), ("RS256",), INVALID),
    ("members of the wrong JSON type",
     lambda: answer(keys(rsa_jwk(), {"kty": ["RSA"], "kid": 7, "alg": ["RS256"], "use": {},
                                     "n": 1, "e": None})),
     ("RS256",), INVALID),
    ("an alg of the wrong type on a good key", lambda: answer(keys(rsa_jwk(), rsa_jwk("b", alg={"x": 1}))),
     ("RS256",), []),
    ("an alg that does not fit the key", lambda: answer(keys(rsa_jwk(), rsa_jwk("b", alg="ES256"))),
     ("RS256",), INVALID),
    ("duplicate kid", lambda: answer(keys(rsa_jwk("same"), ec_jwk("same"))), ("RS256", "ES256"), INVALID),
    ("only an encryption key", lambda: answer(keys(rsa_jwk("enc", use="enc", alg="RSA-OAEP"))),
     ("RS256",), INVALID),
    ("RSA 1024", lambda: answer(keys(rsa_jwk(bits=1024))), ("RS256",), INVALID),
    ("thousands of keys are not parsed one by one",
     lambda: answer(keys(*({"kty": "EC", "kid": "x"} for _ in range(20000)))), ("RS256",), INVALID),
    ("private RSA key published", lambda: answer(keys(rsa_jwk(private=True))), ("RS256",), INVALID),
    ("an oct key publishes its secret",
     lambda: answer(keys(rsa_jwk(), {"kty": "oct", "kid": "h", "k": "c2VjcmV0"})),
     ("RS256",), INVALID),
    ("ES256 advertised, only an RSA key: a warning, RS256 tokens still verify",
     lambda: answer(keys(rsa_jwk())), ("RS256", "ES256"), [("oidc.jwks-invalid", WARNING)]),
    ("only ES256 advertised, only an RSA key: an error", lambda: answer(keys(rsa_jwk())),
     ("ES256",), INVALID),
]


@pytest.mark.parametrize(("make", "algs", "expected"), [case[1:] for case in JWKS_CASES],
                         ids=[case[0] for case in JWKS_CASES])
def test_evaluate_jwks(make: Any, algs: tuple[str, ...], expected: list[tuple[str, Severity]]) -> None:
    assert jwks_codes(make(), algs) == expected


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [(f.code, f.title) for f in findings]
    return findings[0]


def test_private_material_is_named_but_never_shown() -> None:
    jwk = rsa_jwk("leaky", private=True)
    found = one(evaluate_jwks(answer(keys(jwk)), jwks_uri=JWKS_URI, signing_algs=["RS256"]))
    assert found.title == "the provider's public key set publishes private key material"
    assert found.evidence["private members"] == "kid 'leaky' (RSA): d, p, q, dp, dq, qi"
    text = json.dumps([found.title, found.detail, found.fix, found.evidence])
    for member in ("d", "p", "q"):
        assert jwk[member] not in text


def test_weak_rsa_names_the_key_and_its_size() -> None:
    found = one(evaluate_jwks(answer(keys(rsa_jwk("old", bits=1024))), jwks_uri=JWKS_URI,
                              signing_algs=["RS256"]))
    assert found.evidence["weak keys"] == 'kid "old" (RSA 1024-bit)'


def test_duplicate_kid_and_broken_key_are_named() -> None:
    found = one(evaluate_jwks(answer(keys(rsa_jwk("same"), rsa_jwk("same"), {"kty": "EC", "kid": "x"})),
                              jwks_uri=JWKS_URI, signing_algs=["RS256"]))
    assert "kid same appears more than once" in found.detail
    assert 'kid "x" (EC): cannot be read' in found.detail


def test_unreachable_names_the_rung_and_what_was_not_attempted() -> None:
    observation = HttpObservation(url=JWKS_URI, failure=ProbeFailure(Rung.TCP, "10.0.0.1:443: refused"))
    found = one(evaluate_jwks(observation, jwks_uri=JWKS_URI, signing_algs=["RS256"]))
    assert found.evidence["failed at"] == "tcp"
    assert found.evidence["jwks_uri"] == JWKS_URI
    assert "Not attempted because of it: tls, protocol, application." in found.detail


def test_missing_family_names_the_algorithms() -> None:
    found = one(evaluate_jwks(answer(keys(rsa_jwk())), jwks_uri=JWKS_URI, signing_algs=["RS256", "ES256"]))
    assert found.evidence["without a key"] == "ES256"
    assert "Tokens signed with RS256 still verify." in found.detail


# ----------------------------------------------------------------------------- metadata

FULL: dict[str, Any] = {
    "end_session_endpoint": "https://id.example.com/logout",
    "scopes_supported": ["openid", "email", "profile", "groups"],
    "code_challenge_methods_supported": ["S256"],
}
PKCE = AppUse(pkce=True)


def without(name: str, **extra: Any) -> dict[str, Any]:
    return {**{k: v for k, v in FULL.items() if k != name}, **extra}


META_CASES: list[tuple[str, dict[str, Any], AppUse, list[tuple[str, Severity]]]] = [
    ("healthy, defaults", FULL, AppUse(), []),
    ("healthy, PKCE", FULL, PKCE, []),
    ("no end_session_endpoint", without("end_session_endpoint"), AppUse(),
     [("oidc.end-session-missing", WARNING)]),
    ("end_session_endpoint empty", without("end_session_endpoint", end_session_endpoint=""), AppUse(),
     [("oidc.end-session-missing", WARNING)]),
    ("no end_session_endpoint, not relied upon", without("end_session_endpoint"),
     AppUse(end_session_relied=False), []),
    ("scopes_supported not advertised: nothing to compare", without("scopes_supported"), AppUse(), []),
    ("scopes_supported malformed: not judged", without("scopes_supported", scopes_supported="openid"),
     AppUse(), []),
    ("a scope the provider lacks", FULL, AppUse(scopes=("openid", "email", "offline_access")),
     [("oidc.scope-unsupported", WARNING)]),
    ("commas make one unknown scope", FULL, AppUse(scopes=("openid,email,profile",)),
     [("oidc.scope-unsupported", WARNING)]),
    ("scopes not checked when the OIDC provider is not used", FULL,
     AppUse(scopes=("bogus",), check_scopes=False), []),
    ("PKCE without code_challenge_methods_supported", without("code_challenge_methods_supported"), PKCE,
     [("oidc.pkce-unsupported", WARNING)]),
    ("PKCE with plain only",
     without("code_challenge_methods_supported", code_challenge_methods_supported=["plain"]),
     PKCE, [("oidc.pkce-unsupported", WARNING)]),
    ("PKCE methods malformed",
     without("code_challenge_methods_supported", code_challenge_methods_supported="S256"),
     PKCE, [("oidc.pkce-unsupported", WARNING)]),
    ("no PKCE: methods not needed", without("code_challenge_methods_supported"), AppUse(), []),
]


@pytest.mark.parametrize(("document", "use", "expected"), [case[1:] for case in META_CASES],
                         ids=[case[0] for case in META_CASES])
def test_evaluate_metadata(document: dict[str, Any], use: AppUse,
                           expected: list[tuple[str, Severity]]) -> None:
    found = evaluate_metadata(document, configured_url=DISCOVERY, use=use)
    assert [(f.code, f.severity) for f in found] == expected


def test_scope_finding_names_the_scope_and_the_commas() -> None:
    found = one(evaluate_metadata(FULL, configured_url=DISCOVERY,
                                  use=AppUse(scopes=("openid,email",),
                                             scope_setting="OAUTH_SCOPES='openid,email'")))
    assert found.evidence["not supported"] == "'openid,email'"
    assert "commas make one unknown scope" in found.detail
    assert found.subject == "OAUTH_SCOPES"


# ----------------------------------------------------------------------------- app_use from settings

OIDC = {"OAUTH_CLIENT_ID": "webui", "OAUTH_CLIENT_SECRET": "s3cret-value-123",
        "OPENID_PROVIDER_URL": DISCOVERY}

APP_USE_CASES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("bare provider: the app's defaults", {"OPENID_PROVIDER_URL": DISCOVERY},
     {"scopes": ("openid", "email", "profile"), "pkce": False, "end_session_relied": True,
      "check_scopes": True}),
    ("oidc provider", OIDC, {"end_session_relied": True, "end_session_sessions": "OIDC", "pkce": False}),
    ("oidc with PKCE", {**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "S256"}, {"pkce": True}),
    ("oidc with OAUTH_SCOPES", {**OIDC, "OAUTH_SCOPES": "openid  email groups"},
     {"scopes": ("openid", "email", "groups")}),
    ("OPENID_END_SESSION_ENDPOINT set: the document's endpoint is not used",
     {**OIDC, "OPENID_END_SESSION_ENDPOINT": "https://id.example.com/logout"}, {"end_session_relied": False}),
    ("github sessions fall back to OPENID_PROVIDER_URL at sign-out",
     {"GITHUB_CLIENT_ID": "a", "GITHUB_CLIENT_SECRET": "b", "OPENID_PROVIDER_URL": DISCOVERY},
     {"end_session_relied": True, "end_session_sessions": "GitHub", "check_scopes": False}),
    ("google sessions read Google's own document",
     {"GOOGLE_CLIENT_ID": "a", "GOOGLE_CLIENT_SECRET": "b", "OPENID_PROVIDER_URL": DISCOVERY},
     {"end_session_relied": False, "check_scopes": False, "pkce": False}),
]


@pytest.mark.parametrize(("env", "expected"), [case[1:] for case in APP_USE_CASES],
                         ids=[case[0] for case in APP_USE_CASES])
def test_app_use(env: dict[str, str], expected: dict[str, Any]) -> None:
    use = app_use(source(env))
    assert {name: getattr(use, name) for name in expected} == expected


def test_a_huge_key_set_is_reported_without_reading_each_key() -> None:
    observation = answer(keys(*({"kty": "EC", "kid": "x"} for _ in range(50000))))
    found = one(evaluate_jwks(observation, jwks_uri=JWKS_URI, signing_algs=["RS256"]))
    assert found.title == "the provider's key set holds 50000 keys"
