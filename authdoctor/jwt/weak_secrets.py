"""`jwt.weak-secret`: an HS256/384/512 token whose signature verifies with a secret anyone can
guess. RFC 7518 §3.2 asks for a key at least as long as the hash, RFC 8725 §3.5 forbids
human-memorable passwords as HMAC keys (J4 in standards.md); a key from a public list is worse
than either: whoever has the list can sign a token for any user.

The list holds Open WebUI's own hard-coded fallback `t0p-s3cr3t` (env.py up to v0.10, used when
neither WEBUI_SECRET_KEY nor WEBUI_JWT_SECRET_KEY was set), the empty key, every
WEBUI_SECRET_KEY placeholder in Open WebUI's documentation (open-webui/docs, all revisions
searched for `WEBUI_SECRET_KEY=`), the defaults of jwt.io's debugger, and common placeholder
words. Checked with the standard library's `hmac` (constant-time compare): no PyJWT, no
`cryptography`, so `jwt decode` stays fast.

A match is reported by the *kind* of key it is (e.g. "Open WebUI's hard-coded fallback key"),
never by the value: the report may land in a CI log, and the value is the deployment's live
signing key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authdoctor.findings import Finding
from authdoctor.jwt.codes import make_finding
from authdoctor.jwt.tokens import DecodedToken

HMAC_HASHES: dict[str, Callable[..., Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}

OPENWEBUI_FALLBACK = "Open WebUI's old hard-coded default key"
EMPTY = "an empty key"
DOCS = "a placeholder from Open WebUI's docs"
COMMON = "a common placeholder value"
ABOUT = {
    OPENWEBUI_FALLBACK: ("Open WebUI up to v0.10 signed with it when neither WEBUI_SECRET_KEY nor "
                         "WEBUI_JWT_SECRET_KEY was set"),
    EMPTY: "an empty WEBUI_SECRET_KEY or signing secret",
    DOCS: "a WEBUI_SECRET_KEY example value from Open WebUI's documentation, copied unchanged",
    COMMON: "a placeholder word or a jwt.io example secret",
}

WEAK_SECRETS: tuple[tuple[str, str], ...] = (
    ("t0p-s3cr3t", OPENWEBUI_FALLBACK),
    ("", EMPTY),
    # open-webui/docs, every value assigned to WEBUI_SECRET_KEY in examples (2024-2026).
    *((value, DOCS) for value in (
        "your-secret-key", "your-secret-key-here", "your_secret_key", "your_secure_secret_key",
        "your_very_secure_random_key_here", "same_on_all_instances", "YOUR_UNIQUE_AND_SECURE_SECRET_KEY",
        "your-existing-key", "your-long-random-value", "your-persistent-key",
        "your-static-secret-key-here", "your-webui-secret", "value-from-env-file",
    )),
    *((value, COMMON) for value in (
        "secret", "changeme", "change-me", "change_me", "changeit", "change_this", "change-this",
        "change-me-long-random-string", "password", "secretkey", "secret-key", "secret_key",
        "mysecret", "my-secret", "supersecret", "super-secret", "jwt-secret", "jwt_secret",
        "jwtsecret", "test", "testsecret", "test-secret", "dev", "default", "admin", "key",
        "123456", "12345678", "webui", "open-webui", "openwebui", "open_webui",
        # jwt.io's debugger defaults, copied into many first deployments
        "your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret",
        "a-string-secret-at-least-256-bits-long",
    )),
)


@dataclass(frozen=True)
class WeakSecretMatch:
    algorithm: str
    kind: str


def find_weak_secret(token: DecodedToken) -> WeakSecretMatch | None:
    """The kind of guessable secret the token's HMAC signature verifies with, or None (also for
    non-HMAC tokens)."""
    digest = HMAC_HASHES.get(token.alg)
    if digest is None:
        return None
    message = token.signing_input
    for secret, kind in WEAK_SECRETS:
        expected = hmac.new(secret.encode("utf-8"), message, digest).digest()
        if hmac.compare_digest(expected, token.signature):
            return WeakSecretMatch(token.alg, kind)
    return None


def weak_secret_findings(token: DecodedToken) -> list[Finding]:
    match = find_weak_secret(token)
    if match is None:
        return []
    openwebui = "id" in token.payload and "jti" in token.payload
    detail = (f"The {match.algorithm} signature verifies with {match.kind} ({ABOUT[match.kind]}), from "
              "authdoctor's built-in list of default and example secrets. Anyone with the same list can "
              "sign a token for any user, admin included (RFC 8725 §3.5, RFC 7518 §3.2).")
    if openwebui:
        fix = ("Set WEBUI_SECRET_KEY to a long random value (openssl rand -hex 32), the same on every "
               "replica, and restart. Every existing token and stored OAuth session becomes invalid; "
               "users sign in again.")
    else:
        fix = ("Replace the issuer's signing secret with a random key at least as long as the hash "
               "(openssl rand -hex 32 for HS256) and re-issue tokens.")
    return [make_finding("jwt.weak-secret", f"The token is signed with a guessable secret: {match.kind}",
                         detail=detail, fix=fix,
                         evidence={"alg": match.algorithm}, subject="signature")]
