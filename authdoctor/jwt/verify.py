"""`jwt verify`: load the key(s), pick the one the token names, check the signature and the
expected issuer and audience.

Keys: an HMAC secret (from an environment variable or a file), a PEM public key, private key or
certificate, a single JWK, or a JWKS (file or URL, see `jwks.py`). Asymmetric keys are parsed
with `cryptography` and checked with PyJWT's algorithm classes (both imported lazily); HMAC with
the standard library.

Rules this module rests on (standards.md):

- J3 / RFC 8725 §3.1: the caller fixes the allowed algorithms, `none` is never among them, and a
  key is used only with the algorithms of its type (a JWK's own `alg` narrows that to one). A
  token whose `alg` is outside the list is `jwt.alg-not-allowed`; an HS* token checked against an
  RSA/EC key is the classic key-confusion attack, and a PEM key given as an HMAC secret is refused
  for the same reason (PyJWT refuses it too).
- J6: `kid` selects the key in a JWKS; a kid that is not there is `jwt.key-not-found` with the
  kids that are. Without a kid every key of the right type is tried. Every key tried (or skipped,
  and why) is reported.
- J5, D3, K2: `iss` must equal the expected issuer exactly (`jwt.issuer-mismatch`, saying when only
  a trailing slash differs); `aud` (string or list) must contain the expected audience
  (`jwt.audience-mismatch`).
- A signature that does not verify with any candidate key is `jwt.bad-signature`; for an Open WebUI
  token that means another WEBUI_SECRET_KEY signed it.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from authdoctor.errors import UsageError
from authdoctor.findings import Finding
from authdoctor.jwt.claims import is_openwebui_token
from authdoctor.jwt.codes import make_finding
from authdoctor.jwt.tokens import DecodedToken, MalformedTokenError, b64url_decode
from authdoctor.jwt.weak_secrets import HMAC_HASHES

HMAC_ALGS = ("HS256", "HS384", "HS512")
RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGS_BY_CURVE = {"secp256r1": ("P-256", "ES256"), "secp384r1": ("P-384", "ES384"),
                    "secp521r1": ("P-521", "ES512"), "secp256k1": ("secp256k1", "ES256K")}
OKP_ALGS = ("EdDSA",)
SUPPORTED_ALGS = (*HMAC_ALGS, *RSA_ALGS, "ES256", "ES384", "ES512", "ES256K", *OKP_ALGS)
MAX_KEY_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class KeyAttempt:
    """One key `jwt verify` tried, or skipped and why."""

    key: str
    result: str  # "valid" | "invalid" | "skipped"
    reason: str = ""
    kid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kid": self.kid, "result": self.result, "reason": self.reason}


@dataclass(frozen=True)
class Verification:
    """The signature part of a `jwt verify` report."""

    verified: bool
    algorithm: str
    allowed_algorithms: tuple[str, ...]
    key_source: str
    key: str | None = None
    attempts: tuple[KeyAttempt, ...] = ()
    note: str = ""
    issuer: str | None = None
    audience: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "algorithm": self.algorithm,
            "allowed_algorithms": list(self.allowed_algorithms),
            "key_source": self.key_source,
            "key": self.key,
            "keys_tried": [a.to_dict() for a in self.attempts],
            "note": self.note,
            "expected_issuer": self.issuer,
            "expected_audience": self.audience,
        }


@dataclass(frozen=True)
class VerifyKey:
    """One candidate key. `material` is bytes (HMAC) or a `cryptography` public key; `problem`
    is set (and `material` None) when the key could not be used at all."""

    label: str
    kty: str
    algorithms: tuple[str, ...]
    material: Any
    kid: str | None = None
    use: str | None = None
    problem: str = ""


@dataclass(frozen=True)
class KeySet:
    source: str
    keys: tuple[VerifyKey, ...]
    is_set: bool = False  # a JWKS: the token's kid selects among the keys

    @property
    def algorithms(self) -> tuple[str, ...]:
        seen: list[str] = []
        for key in self.keys:
            for alg in key.algorithms:
                if not key.problem and alg not in seen:
                    seen.append(alg)
        return tuple(seen)


def parse_algorithms(values: Iterable[str]) -> tuple[str, ...]:
    """`--alg` values (repeatable, comma-separated) in their canonical spelling."""
    canonical = {alg.lower(): alg for alg in SUPPORTED_ALGS}
    result: list[str] = []
    for value in values:
        for part in value.split(","):
            name = part.strip()
            if not name:
                continue
            if name.lower() == "none":
                raise UsageError("--alg none: authdoctor never accepts unsigned tokens (RFC 8725 §3.2)")
            if name.lower() not in canonical:
                raise UsageError(f"--alg {name!r}: choose from {', '.join(SUPPORTED_ALGS)}")
            if canonical[name.lower()] not in result:
                result.append(canonical[name.lower()])
    return tuple(result)


# --------------------------------------------------------------------------- loading keys


def secret_keyset(secret: bytes, source: str) -> KeySet:
    text = secret.lstrip()
    if text.startswith((b"-----BEGIN", b"ssh-rsa ", b"ssh-ed25519 ", b"ecdsa-sha2-")):
        raise UsageError(f"{source} holds a PEM or SSH key, not an HMAC secret: give it with --key. "
                         "Using a public key as an HMAC secret is the key-confusion attack "
                         "(RFC 8725 §3.1), which verifiers refuse")
    return KeySet(source=source, keys=(VerifyKey(label=f"secret from {source}", kty="oct",
                                                 algorithms=HMAC_ALGS, material=secret),))


def read_key_file(path: str, option: str) -> bytes:
    """A key file's bytes. Only a regular file: a FIFO, a device or a directory is a usage error,
    never a read that blocks or never ends (see `authdoctor.localfiles`)."""
    from authdoctor.localfiles import read_regular_file

    data = read_regular_file(path, option, MAX_KEY_FILE_BYTES + 1)
    if len(data) > MAX_KEY_FILE_BYTES:
        from authdoctor.localfiles import shown_path

        raise UsageError(f"{option} {shown_path(path)}: larger than 1 MiB, not a key")
    return data


def load_key_file(path: str) -> tuple[KeySet, bytes]:
    """`--key FILE`: a PEM public key, private key or certificate, a JWK, or a JWKS. Returns the
    keys and the file's bytes (for the redactor: a private key must never be echoed)."""
    data = read_key_file(path, "--key")
    stripped = data.strip()
    if stripped.startswith(b"{"):
        document = _json_document(data, f"--key {path}")
        if "keys" in document:
            return jwks_keyset(document, path, strict=True)[0], data
        key = parse_jwk(document, 0)
        if key.problem:
            raise UsageError(f"--key {path}: {key.problem}")
        return KeySet(source=path, keys=(key,)), data
    if b"-----BEGIN" in stripped:
        blocks = re.findall(rb"-----BEGIN ([A-Z0-9 ]+)-----", stripped)
        if len(blocks) > 1 and any(block != b"CERTIFICATE" for block in blocks):
            kinds = ", ".join(block.decode("ascii").lower() for block in blocks[:5])
            raise UsageError(f"--key {path} holds {len(blocks)} PEM blocks ({kinds}); authdoctor reads one "
                             "key per file and would silently ignore the others: put each key in its "
                             "own file, or give several keys as a JWKS with --jwks FILE")
        key = parse_pem(stripped, path)
        if len(blocks) > 1:  # a certificate chain: the first certificate is the leaf, whose key signs
            key = replace(key, label=f"{key.label}, the first of {len(blocks)} certificates (the leaf)")
        return KeySet(source=path, keys=(key,)), data
    raise UsageError(f"--key {path}: not a PEM key or certificate, a JWK or a JWKS. For an HMAC "
                     "secret use --secret-file or --secret-env")


def _json_document(data: bytes, where: str) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{where}: not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise UsageError(f"{where}: a JWK or JWKS is a JSON object")
    return document


def parse_pem(data: bytes, where: str) -> VerifyKey:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    public: Any
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            public = x509.load_pem_x509_certificate(data).public_key()
            what = "certificate"
        elif b"PRIVATE KEY-----" in data:
            private = serialization.load_pem_private_key(data, password=None)
            public = private.public_key()
            what = "private key"
        else:
            public = serialization.load_pem_public_key(data)
            what = "public key"
    except TypeError:
        raise UsageError(f"--key {where}: the private key is encrypted; give the public key or the "
                         "certificate instead") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UsageError(f"--key {where}: not a PEM key or certificate that can be read ({exc})") from None
    kty, algorithms, description = describe_public_key(public)
    if not algorithms:
        raise UsageError(f"--key {where}: a {description} cannot verify JWT signatures")
    return VerifyKey(label=f"{where} ({description} {what})", kty=kty, algorithms=algorithms,
                     material=public)


def describe_public_key(key: Any) -> tuple[str, tuple[str, ...], str]:
    """(kty, algorithms the key may verify, description) of a `cryptography` public key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", RSA_ALGS, f"RSA {key.key_size}-bit"
    if isinstance(key, ec.EllipticCurvePublicKey):
        curve, alg = EC_ALGS_BY_CURVE.get(key.curve.name, (key.curve.name, ""))
        return "EC", ((alg,) if alg else ()), f"EC {curve}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "OKP", OKP_ALGS, "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "OKP", OKP_ALGS, "Ed448"
    return "?", (), type(key).__name__


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def parse_jwk(jwk: Any, index: int) -> VerifyKey:
    """One JWK; an unusable one comes back with `problem` set (the JWKS goes on without it)."""
    if not isinstance(jwk, dict):
        return VerifyKey(label=f"key #{index + 1}", kty="?", algorithms=(), material=None,
                         problem="not a JSON object")
    kid = _str_or_none(jwk.get("kid"))
    kty = _str_or_none(jwk.get("kty")) or "?"
    use = _str_or_none(jwk.get("use"))
    name = f'kid "{kid}"' if kid is not None else f"key #{index + 1}"

    def broken(problem: str) -> VerifyKey:
        return VerifyKey(label=f"{name} ({kty})", kty=kty, algorithms=(), material=None, kid=kid,
                         use=use, problem=problem)

    material: Any
    algorithms: tuple[str, ...]
    try:
        if kty == "oct":
            k = jwk.get("k")
            if not isinstance(k, str):
                return broken("an oct key without 'k'")
            material = b64url_decode("k", k)
            kind, algorithms, description = "oct", HMAC_ALGS, f"HMAC secret, {len(material)} bytes"
        elif kty in ("RSA", "EC", "OKP"):
            from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
            from jwt.exceptions import InvalidKeyError, PyJWKError

            loader = {"RSA": RSAAlgorithm, "EC": ECAlgorithm, "OKP": OKPAlgorithm}[kty]
            try:
                loaded = loader.from_jwk(jwk)  # type: ignore[attr-defined]
            except (InvalidKeyError, PyJWKError, KeyError, TypeError, ValueError) as exc:
                return broken(f"cannot be read ({exc or type(exc).__name__})")
            public = loaded.public_key() if hasattr(loaded, "private_bytes") else loaded
            kind, algorithms, description = describe_public_key(public)
            material = public
        else:
            return broken(f"unsupported key type {kty!r}")
    except MalformedTokenError as exc:
        return broken(f"'{exc.segment}' is not base64url")
    declared = jwk.get("alg")
    if isinstance(declared, str):
        if declared not in algorithms:
            return broken(f"its alg {declared} does not fit a {description} key")
        algorithms = (declared,)
    return VerifyKey(label=f"{name} ({description})", kty=kind, algorithms=algorithms, material=material,
                     kid=kid, use=use)


def jwks_keyset(document: Any, source: str, *, strict: bool) -> tuple[KeySet, list[str]]:
    """The keys of a JWKS document and the problems of the document itself. With `strict` (a file
    the user gave) a broken document is a `UsageError`; otherwise the problems are returned for
    the finding `oidc.jwks-invalid`."""
    problems: list[str] = []
    keys_value = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(document, dict):
        problems.append("it is not a JWKS: a JSON object with a 'keys' array")
        keys_value = []
    elif "keys" not in document:
        problems.append("it is not a JWKS: no 'keys' array")
        keys_value = []
    elif not isinstance(keys_value, list):
        problems.append(f"it is not a JWKS: 'keys' is {_json_kind(keys_value)}, not an array")
        keys_value = []
    elif not keys_value:
        problems.append("its 'keys' array is empty")
    keys = tuple(parse_jwk(jwk, index) for index, jwk in enumerate(keys_value))
    if keys_value and not any(not k.problem and k.use != "enc" for k in keys):
        reasons = "; ".join(f"{k.label}: {k.problem or 'an encryption key (use enc)'}" for k in keys[:10])
        more = f"; and {len(keys) - 10} more" if len(keys) > 10 else ""
        problems.append(f"no key in it can verify a signature ({reasons}{more})")
    kids = [k.kid for k in keys if k.kid is not None]
    duplicates = sorted({kid for kid in kids if kids.count(kid) > 1})
    if duplicates:
        problems.append(f"kid {', '.join(duplicates)} appears more than once")
    if strict and problems and not any(not k.problem for k in keys):
        raise UsageError(f"--jwks {source}: {'; '.join(problems)}")
    return KeySet(source=source, keys=keys, is_set=True), problems


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number" if isinstance(value, int | float) else "not an array"


def usable_keys(keyset: KeySet) -> tuple[VerifyKey, ...]:
    """The keys that could verify a signature at all (read, and not for encryption only)."""
    return tuple(k for k in keyset.keys if not k.problem and k.use != "enc")


# --------------------------------------------------------------------------- verifying


def _verify_with(alg: str, key: VerifyKey, token: DecodedToken) -> tuple[bool, str]:
    """(signature valid, reason when the key could not be used)."""
    if key.kty == "oct":
        expected = hmac.new(key.material, token.signing_input, HMAC_HASHES[alg]).digest()
        return hmac.compare_digest(expected, token.signature), ""
    from jwt.algorithms import get_default_algorithms
    from jwt.exceptions import InvalidKeyError

    algorithm = get_default_algorithms().get(alg)
    if algorithm is None:  # pragma: no cover - SUPPORTED_ALGS are all PyJWT's
        return False, f"{alg} is not supported"
    try:
        prepared = algorithm.prepare_key(key.material)
        return bool(algorithm.verify(token.signing_input, prepared, token.signature)), ""
    except (InvalidKeyError, TypeError, ValueError) as exc:
        return False, str(exc) or type(exc).__name__


def verify_signature(token: DecodedToken, keyset: KeySet,
                     allowed: Sequence[str] = ()) -> tuple[Verification, list[Finding]]:
    alg = token.alg
    allow = tuple(allowed) or keyset.algorithms
    attempts: list[KeyAttempt] = []

    def result(verified: bool, *, key: str | None = None, note: str = "") -> Verification:
        return Verification(verified=verified, algorithm=alg, allowed_algorithms=allow,
                            key_source=keyset.source, key=key, attempts=tuple(attempts), note=note)

    if alg.lower() == "none":
        return result(False, note="the token is unsigned (alg none): nothing to verify, and authdoctor "
                      "never accepts it"), []
    if alg not in allow:
        note = f"{alg} is not an allowed algorithm"
        return result(False, note=note), [_alg_not_allowed(token, keyset, allow)]

    kid = token.kid
    pool = list(keyset.keys)
    if keyset.is_set and kid is not None:
        matching = [k for k in pool if k.kid == kid]
        if matching:
            pool = matching
        else:
            pool = [k for k in pool if k.kid is None]
            if not pool:
                return result(False, note=f'no key with kid "{kid}"'), [_key_not_found(token, keyset, kid)]
    for key in pool:
        if key.problem:
            attempts.append(KeyAttempt(key.label, "skipped", key.problem, key.kid))
            continue
        if key.use is not None and key.use != "sig":
            attempts.append(KeyAttempt(key.label, "skipped", f"use is {key.use!r}, not 'sig'", key.kid))
            continue
        if alg not in key.algorithms:
            reason = f"this key verifies {', '.join(key.algorithms)}, not {alg}"
            attempts.append(KeyAttempt(key.label, "skipped", reason, key.kid))
            continue
        valid, problem = _verify_with(alg, key, token)
        if problem:
            attempts.append(KeyAttempt(key.label, "skipped", problem, key.kid))
            continue
        attempts.append(KeyAttempt(key.label, "valid" if valid else "invalid",
                                   "" if valid else "signature does not match", key.kid))
        if valid:
            return result(True, key=key.label), []
    if any(a.result == "invalid" for a in attempts):
        return result(False), [_bad_signature(token, keyset, attempts)]
    return result(False), [_key_not_found(token, keyset, kid, attempts)]


def _tried(attempts: Sequence[KeyAttempt]) -> str:
    return "; ".join(f"{a.key}: {a.result}" + (f" ({a.reason})" if a.reason and a.result != "invalid" else "")
                     for a in attempts) or "none"


def _alg_not_allowed(token: DecodedToken, keyset: KeySet, allow: Sequence[str]) -> Finding:
    alg = token.alg
    symmetric_keys = bool(keyset.keys) and all(k.kty == "oct" for k in keyset.keys)
    if alg.startswith("HS") and not symmetric_keys:
        detail = (f"The token asks for {alg}, an HMAC algorithm, but the key is a public key. Verifying "
                  "it with the public key as HMAC secret is the key-confusion attack: anyone who has the "
                  "public key could sign such a token (RFC 8725 §3.1). A correct verifier refuses it.")
        fix = ("Treat this token as forged, or, if the issuer really signs with HMAC, verify with its "
               "secret (--secret-env / --secret-file).")
    elif symmetric_keys and alg not in HMAC_ALGS:
        detail = (f"The token is signed with {alg}, a public-key algorithm; an HMAC secret cannot verify "
                  "it.")
        fix = "Give the issuer's public key: --key FILE (PEM, JWK) or --jwks URL|FILE."
    else:
        detail = (f"{alg} is not among the allowed algorithms ({', '.join(allow) or 'none'}). A verifier "
                  "must only accept the algorithm it expects from this issuer (RFC 8725 §3.1).")
        fix = ("If the issuer really uses this algorithm, add it with --alg; otherwise treat the token "
               "as suspect.")
    return make_finding("jwt.alg-not-allowed", f"The token's algorithm {alg} is not allowed for this key",
                        detail=detail, fix=fix,
                        evidence={"alg": alg, "allowed": ", ".join(allow) or "none",
                                  "key source": keyset.source},
                        subject="alg")


def _key_not_found(token: DecodedToken, keyset: KeySet, kid: str | None,
                   attempts: Sequence[KeyAttempt] = ()) -> Finding:
    kids = [k.kid for k in keyset.keys if k.kid is not None]
    if kid is not None and not attempts:
        title = f'No key with kid "{kid}" in {keyset.source}'
        detail = (f"The token names key id {kid!r}; the key set has "
                  f"{', '.join(repr(k) for k in kids) if kids else 'no kids'}. The provider rotated its "
                  "keys and this token is older than the rotation, or the key set belongs to another "
                  "issuer, realm or tenant.")
    else:
        title = f"No key in {keyset.source} can verify a {token.alg} signature"
        detail = f"Keys tried: {_tried(attempts)}."
    fix = ("Use the key set the issuer publishes as jwks_uri in its discovery document "
           "(/.well-known/openid-configuration) for this exact issuer; sign in again for a token signed "
           "with a current key.")
    return make_finding("jwt.key-not-found", title, detail=detail, fix=fix,
                        evidence={"kid": kid or "(none)", "kids available": ", ".join(kids) or "(none)",
                                  "keys tried": _tried(attempts)},
                        subject="kid")


def _bad_signature(token: DecodedToken, keyset: KeySet, attempts: Sequence[KeyAttempt]) -> Finding:
    secret = bool(keyset.keys) and all(k.kty == "oct" for k in keyset.keys)
    detail = (f"The {token.alg} signature does not match. Keys tried: {_tried(attempts)}. Either the token "
              "was signed with another key or it was altered after signing.")
    if secret and is_openwebui_token(token.payload):
        detail += " Open WebUI answers 401 \"401 Unauthorized\" to it."
        fix = ("The token was signed with a different WEBUI_SECRET_KEY. Give every replica the same key, "
               "and keep it stable: a container recreated without WEBUI_SECRET_KEY set generates a new "
               "one. Tokens signed with an old key fail until users sign in again.")
    elif secret:
        fix = "Check that the secret is the issuer's current signing secret (same value on every server)."
    else:
        fix = ("Check that the key is the issuer's current signing key: fetch the JWKS from the issuer's "
               "discovery document (jwks_uri) rather than a saved copy.")
    return make_finding("jwt.bad-signature", f"The signature does not verify with {keyset.source}",
                        detail=detail, fix=fix,
                        evidence={"alg": token.alg, "keys tried": _tried(attempts)}, subject="signature")


# --------------------------------------------------------------------------- iss / aud


def expectation_findings(token: DecodedToken, issuer: str | None, audience: str | None) -> list[Finding]:
    payload = token.payload
    findings: list[Finding] = []
    owui_note = ""
    if is_openwebui_token(payload):
        owui_note = (" Open WebUI's own session tokens carry no iss or aud; --issuer and --audience are "
                     "for ID and access tokens from the identity provider.")
    if issuer is not None:
        iss = payload.get("iss")
        if iss != issuer:
            if iss is None:
                title, why = "The token has no iss claim", "no iss claim at all"
            elif not isinstance(iss, str):
                title, why = "The token's iss is not a string", f"iss is {json.dumps(iss)[:80]}"
            elif iss.rstrip("/") == issuer.rstrip("/"):
                title = "The issuer differs only by a trailing slash"
                why = f"iss is {iss!r}, expected {issuer!r}: only a trailing slash differs"
            else:
                title, why = f"The token's issuer is {iss!r}, not {issuer!r}", f"iss is {iss!r}"
            findings.append(make_finding(
                "jwt.issuer-mismatch", title,
                detail=(f"{why}. The issuer must match exactly, character for character (OpenID Connect "
                        "Discovery §4.3, Core §3.1.3.7): a client that compares strictly rejects the "
                        "token." + owui_note),
                fix=("Make the two agree exactly: copy 'issuer' from the provider's "
                     "/.well-known/openid-configuration into the client's setting (OPENID_PROVIDER_URL "
                     "is that issuer plus /.well-known/openid-configuration), trailing slash included."),
                evidence={"iss": str(iss) if iss is not None else "(absent)", "expected": issuer},
                subject="iss"))
    if audience is not None:
        aud = payload.get("aud")
        values = [aud] if isinstance(aud, str) else (aud if isinstance(aud, list) else [])
        if audience not in values:
            shown = "(absent)" if aud is None else json.dumps(aud)[:200]
            findings.append(make_finding(
                "jwt.audience-mismatch",
                f"The token's audience does not contain {audience!r}",
                detail=(f"aud is {shown}. A client must reject a token not issued for it (OpenID Connect "
                        "Core §3.1.3.7, RFC 8725 §3.9)." + owui_note),
                fix=("Request the token for this client (its client id is OAUTH_CLIENT_ID in Open WebUI), "
                     "or configure the provider to add it to 'aud' (an audience mapper in Keycloak)."),
                evidence={"aud": shown, "expected": audience}, subject="aud"))
    return findings
