"""`jwt verify`: every key source given something wrong, misbehaving JWKS servers, and the
options. Rebuilt from the adversarial report of 2026-11-28 (jwt verify, 159 inputs): H4 (FIFOs
block), H5 (drip outlives --timeout), H6b-e and g (crashes), L9, L10, U3, U4, U12, U14 (two PEM
keys), and the key-loading and JWKS-fetching behaviour it found sound."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache

from corpus.model import JWKS, Case, b64, env, hs256, marker, token

HS_TOKEN = token(
    {"alg": "HS256", "typ": "JWT"}, {"sub": "1", "exp": 1798138903}, "c2lnbmF0dXJlLW5vdC12YWxpZA"
)
RS_TOKEN = token({"alg": "RS256", "kid": "k1"}, {"sub": "1", "exp": 1798138903}, "c2lnbmF0dXJlLW5vdC12YWxpZA")
ES_TOKEN = token({"alg": "ES256", "kid": "e1"}, {"sub": "1", "exp": 1798138903}, "c2lnbmF0dXJlLW5vdC12YWxpZA")


@cache
def _keys() -> dict[str, bytes]:
    """PEM texts made once per test session (EC and Ed25519 are instant, RSA takes ~0.1 s)."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    other_ec = ec.generate_private_key(ec.SECP384R1())
    pem, raw, pkcs8, spki = (
        ser.Encoding.PEM,
        ser.Encoding.Raw,
        ser.PrivateFormat.PKCS8,
        ser.PublicFormat.SubjectPublicKeyInfo,
    )
    no = ser.NoEncryption()
    return {
        "rsa-private": rsa_key.private_bytes(pem, pkcs8, no),
        "rsa-public": rsa_key.public_key().public_bytes(pem, spki),
        "ec-private": ec_key.private_bytes(pem, pkcs8, no),
        "ec-public": ec_key.public_key().public_bytes(pem, spki),
        "ec384-public": other_ec.public_key().public_bytes(pem, spki),
        "rsa-encrypted": rsa_key.private_bytes(pem, pkcs8, ser.BestAvailableEncryption(b"Xk29pass-phrase")),
        "ec-openssh": ec_key.private_bytes(pem, ser.PrivateFormat.OpenSSH, no),
        "ec-openssh-public": ec_key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH),
        "x25519": x25519.X25519PrivateKey.generate().private_bytes(pem, pkcs8, no),
        "ed25519-raw": ed25519.Ed25519PrivateKey.generate().private_bytes(raw, ser.PrivateFormat.Raw, no),
    }


def _private_body(pem: bytes) -> str:
    """A stretch of base64 from the middle of a private key: it must never be shown."""
    lines = [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]
    return lines[len(lines) // 2][:40]


def _verify(
    name: str,
    *args: str,
    token_value: str = HS_TOKEN,
    files: tuple[tuple[str, bytes], ...] = (),
    fifos: tuple[str, ...] = (),
    stdin: bytes = b"",
    env: tuple[tuple[bytes, bytes], ...] = (),
    secrets: tuple[str, ...] = (),
    defects: tuple[str, ...] = (),
) -> Case:
    return Case(
        f"jwt-verify/{name}",
        ("jwt", "verify", token_value, *args),
        files=files,
        fifos=fifos,
        stdin=stdin,
        env=env,
        secrets=secrets,
        defects=defects,
    )


def secret_sources() -> Iterator[Case]:
    """--secret-env and --secret-file."""
    secret = marker("jwt-verify/secret", 32)
    valid = hs256({"sub": "1", "exp": 1798138903}, secret.encode())
    for name, tok in (("valid-signature", valid), ("wrong-signature", HS_TOKEN)):
        for fmt in ((), ("--json",)):
            suffix = "-json" if fmt else ""
            yield _verify(
                f"secret-env/{name}{suffix}",
                "--secret-env",
                "SEC",
                *fmt,
                token_value=tok,
                env=env(SEC=secret),
                secrets=(secret, tok.rsplit(".", 1)[1]),
            )
            yield _verify(
                f"secret-file/{name}{suffix}",
                "--secret-file",
                "s.key",
                *fmt,
                token_value=tok,
                files=(("s.key", secret.encode() + b"\n"),),
                secrets=(secret, tok.rsplit(".", 1)[1]),
            )
    odd = {
        "quote-backslash": 'Xk29"q\\uote' + marker("odd-1", 10),
        "newline-tab": "Xk29\nnew\tline" + marker("odd-2", 10),
        "unicode": "Xk29ünïcødé" + marker("odd-3", 10),
        "very-long": marker("odd-4") * 40_000,
        "leading-space": "  " + marker("odd-5"),
    }
    for number, (name, value) in enumerate(odd.items(), start=1):
        yield _verify(
            f"secret-env/{name}",
            "--secret-env",
            "SEC",
            env=env(SEC=value),
            secrets=(marker(f"odd-{number}", 10),),
        )
    # The report's 'Xk29-my-real-secret' shares the fragment '-secre' with the option's own name
    # (--secret-env): a marker of the same shape (a hyphen: not a variable name) without that.
    named = f"{marker('value-as-name', 8)}-{marker('value-as-name-2', 10)}"
    yield _verify("secret-env/value-given-as-name", "--secret-env", named, secrets=(named,), defects=("L9",))
    yield _verify("secret-env/empty-value", "--secret-env", "SEC", env=env(SEC=""))
    yield _verify("secret-env/empty-name", "--secret-env", "")
    yield _verify(
        "secret-env/non-utf8-value",
        "--secret-env",
        "SEC",
        env=((b"SEC", b"ab\xff" + marker("nu8").encode()),),
        secrets=(marker("nu8"),),
        defects=("H6g",),
    )
    yield _verify(
        "secret-env/pem-as-secret",
        "--secret-env",
        "SEC",
        env=env(SEC=_keys()["rsa-private"].decode()),
        secrets=(_private_body(_keys()["rsa-private"]),),
    )
    file_secret = marker("jwt-verify/secret-file-named", 20)
    yield _verify(
        "secret-file/path-is-the-secret",
        "--secret-file",
        file_secret,
        secrets=(file_secret,),
        defects=("L9",),
    )
    for name, content in {
        "empty": b"",
        "only-newlines": b"\n\n\r\n",
        "binary": b"\x00\xff" * 100,
        "ten-mib": b"s" * (10 * 1024 * 1024),
        "crlf": marker("crlf").encode() + b"\r\n",
        "pem-private": _keys()["rsa-private"],
    }.items():
        secrets = (
            (_private_body(content),)
            if name == "pem-private"
            else ((marker("crlf"),) if name == "crlf" else ())
        )
        yield _verify(
            f"secret-file/{name}", "--secret-file", "s.key", files=(("s.key", content),), secrets=secrets
        )
    for name, path in {
        "missing": "nope.key",
        "directory": ".",
        "dev-zero": "/dev/zero",
        "dev-null": "/dev/null",
        "dev-stdin": "/dev/stdin",
        "empty-path": "",
    }.items():
        yield _verify(f"secret-file/{name}", "--secret-file", path)
    yield _verify("secret-file/fifo", "--secret-file", "key.fifo", fifos=("key.fifo",), defects=("H4",))


def key_files() -> Iterator[Case]:
    """--key: PEM, JWK and JWKS files that are wrong, unusable or private."""
    keys = _keys()
    rsa_private = keys["rsa-private"]
    yield _verify(
        "key/rsa-private-pem",
        "--key",
        "k.pem",
        token_value=RS_TOKEN,
        files=(("k.pem", rsa_private),),
        secrets=(_private_body(rsa_private),),
    )
    yield _verify(
        "key/rsa-public-pem-json",
        "--key",
        "k.pem",
        "--json",
        token_value=RS_TOKEN,
        files=(("k.pem", keys["rsa-public"]),),
    )
    yield _verify("key/hs256-token-with-rsa-pem", "--key", "k.pem", files=(("k.pem", keys["rsa-public"]),))
    yield _verify(
        "key/ec-private-for-rs256",
        "--key",
        "k.pem",
        token_value=RS_TOKEN,
        files=(("k.pem", keys["ec-private"]),),
        secrets=(_private_body(keys["ec-private"]),),
    )
    yield _verify(
        "key/two-pem-keys",
        "--key",
        "k.pem",
        token_value=ES_TOKEN,
        files=(("k.pem", keys["ec384-public"] + keys["ec-public"]),),
        defects=("U14",),
    )
    yield _verify(
        "key/encrypted-private",
        "--key",
        "k.pem",
        token_value=RS_TOKEN,
        files=(("k.pem", keys["rsa-encrypted"]),),
        secrets=(_private_body(keys["rsa-encrypted"]),),
    )
    yield _verify(
        "key/openssh-private",
        "--key",
        "k",
        token_value=ES_TOKEN,
        files=(("k", keys["ec-openssh"]),),
        secrets=(_private_body(keys["ec-openssh"]),),
    )
    yield _verify(
        "key/openssh-public",
        "--key",
        "k.pub",
        token_value=ES_TOKEN,
        files=(("k.pub", keys["ec-openssh-public"]),),
    )
    yield _verify(
        "key/x25519",
        "--key",
        "k.pem",
        token_value=ES_TOKEN,
        files=(("k.pem", keys["x25519"]),),
        secrets=(_private_body(keys["x25519"]),),
    )
    yield _verify("key/raw-ed25519-bytes", "--key", "k.bin", files=(("k.bin", keys["ed25519-raw"]),))
    pem_lines = rsa_private.splitlines(keepends=True)
    for name, content in {
        "truncated-pem": b"".join(pem_lines[: len(pem_lines) // 2]),
        "garbled-pem": rsa_private.replace(b"M", b"!", 5),
        "pem-header-only": b"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "csr": b"-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n",
        "garbage": b"this is not a key\n",
        "empty": b"",
        "binary": bytes(range(256)),
        "utf16-pem": keys["rsa-public"].decode().encode("utf-16"),
    }.items():
        yield _verify(
            f"key/{name}",
            "--key",
            "k.pem",
            token_value=RS_TOKEN,
            files=(("k.pem", content),),
            secrets=(_private_body(rsa_private),) if "pem" in name and "header" not in name else (),
        )
    d = b64(marker("jwt-verify/jwk-d", 32))
    k = b64(marker("jwt-verify/jwk-k", 32))
    jwks_files: dict[str, object] = {
        "jwk-private-ec": {"kty": "EC", "crv": "P-256", "x": b64(b"x" * 32), "y": b64(b"y" * 32), "d": d},
        "jwk-oct": {"kty": "oct", "k": k, "alg": "HS256"},
        "jwks-broken-keys": {
            "keys": [{"kty": "RSA", "n": 5, "e": "AQAB"}, {"kty": "EC", "crv": "P-999", "x": "a", "y": "b"}]
        },
        "jwks-keys-object": {"keys": {}},
        "jwks-keys-empty": {"keys": []},
        "json-array": [],
        "json-string": "keys",
        "jwks-keys-null": {"keys": None},
        "jwk-kty-missing": {"n": "AQAB"},
        "jwk-huge-n": {"kty": "RSA", "n": b64(b"\xff" * 100_000), "e": "AQAB"},
        "jwk-e-zero": {"kty": "RSA", "n": b64(b"\xc3" * 256), "e": "AA"},
    }
    for name, document in jwks_files.items():
        defects = ("U4",) if name in ("jwks-broken-keys", "jwks-keys-object") else ()
        data = json.dumps(document).encode()
        option = "--key" if name.startswith("jwk-") else "--jwks"
        tok = HS_TOKEN if name == "jwk-oct" else ES_TOKEN
        yield _verify(
            f"key/{name}",
            option,
            "k.json",
            token_value=tok,
            files=(("k.json", data),),
            secrets=(d, k),
            defects=defects,
        )
    yield _verify(
        "key/jwks-deep-json", "--jwks", "k.json", files=(("k.json", b"[" * 100_000 + b"]" * 100_000),)
    )
    yield _verify("key/jwks-not-utf8", "--jwks", "k.json", files=(("k.json", b'{"keys":["\xff"]}'),))
    for name, path in {
        "missing": "nope.pem",
        "directory": ".",
        "dev-zero": "/dev/zero",
        "dev-null": "/dev/null",
    }.items():
        yield _verify(f"key/{name}", "--key", path, token_value=RS_TOKEN)
    yield _verify("key/fifo", "--key", "key.fifo", token_value=RS_TOKEN, fifos=("key.fifo",), defects=("H4",))
    yield _verify(
        "key/jwks-file-fifo",
        "--jwks",
        "keys.fifo",
        token_value=RS_TOKEN,
        fifos=("keys.fifo",),
        defects=("H4",),
    )


SERVER_PATHS = {
    "/empty-keys": ("U3",),
    "/array": ("U3",),
    "/keys-object": ("U3", "U4"),
    "/broken-keys": ("U3", "U4"),
    "/html": (),
    "/not-utf8": (),
    "/deep-json": (),
    "/big": (),
    "/big-no-length": (),
    "/gzip-bomb": (),
    "/redirect-loop": (),
    "/redirect-bad-port": ("H6c",),
    "/redirect-file": (),
    "/redirect-no-location": (),
    "/redirect-garbage": (),
    "/no-content": (),
    "/server-error": (),
    "/truncated": ("U12",),
    "/garbage-status": ("U12",),
    "/not-http": ("U12",),
    "/hang": (),
    "/drip": ("H5",),
    "/header-drip": ("H5",),
    "/endless": (),
}


def jwks_urls() -> Iterator[Case]:
    """--jwks URL against the misbehaving loopback servers (corpus.servers), --timeout 1."""
    for path, defects in SERVER_PATHS.items():
        yield _verify(
            f"jwks-url{path}",
            "--jwks",
            f"{JWKS}{path}",
            "--timeout",
            "1",
            token_value=RS_TOKEN,
            defects=defects,
        )
    yield _verify(
        "jwks-url/hang-json", "--jwks", f"{JWKS}/hang", "--timeout", "1", "--json", token_value=RS_TOKEN
    )
    query = marker("jwt-verify/access-token")
    yield _verify(
        "jwks-url/query-token",
        "--jwks",
        f"{JWKS}/empty-keys?access_token={query}",
        "--timeout",
        "1",
        token_value=RS_TOKEN,
        secrets=(query,),
        defects=("L10",),
    )
    yield _verify(
        "jwks-url/query-token-json",
        "--jwks",
        f"{JWKS}/empty-keys?access_token={query}",
        "--timeout",
        "1",
        "--json",
        token_value=RS_TOKEN,
        secrets=(query,),
        defects=("L10",),
    )
    password = marker("jwt-verify/jwks-userinfo")
    yield _verify(
        "jwks-url/userinfo-password",
        "--jwks",
        JWKS.replace("//", f"//user:{password}@", 1) + "/empty-keys",
        "--timeout",
        "1",
        token_value=RS_TOKEN,
        secrets=(password,),
    )
    for name, url in {
        "malformed-ipv6": "http://[::1/x",
        "port-out-of-range": "http://127.0.0.1:99999/x",
        "closed-port": "http://127.0.0.1:9/jwks",
        "non-utf8": "http://127.0.0.1:9/\udcff",
        "ftp-scheme": "ftp://127.0.0.1/keys",
        "file-scheme": "file:///etc/passwd",
        "no-host": "http:///keys",
        "spaces": "http://127.0.0.1:9/a b",
        "unicode-host": "http://bücher.invalid/keys",
        "newline": "http://127.0.0.1:9/\nHost: evil",
    }.items():
        defects = {"malformed-ipv6": ("H6d",), "non-utf8": ("H6g",)}.get(name, ())
        yield _verify(
            f"jwks-url/{name}", "--jwks", url, "--timeout", "1", token_value=RS_TOKEN, defects=defects
        )
    for name, value in {
        "inf": "inf",
        "1e300": "1e300",
        "nan": "nan",
        "zero": "0",
        "negative": "-1",
        "text": "soon",
    }.items():
        defects = ("H6e",) if name in ("inf", "1e300") else ()
        yield _verify(
            f"jwks-url/timeout-{name}",
            "--jwks",
            f"{JWKS}/empty-keys",
            "--timeout",
            value,
            token_value=RS_TOKEN,
            defects=defects,
        )
    yield _verify(
        "jwks-url/ca-file-fifo",
        "--jwks",
        "https://127.0.0.1:9/x",
        "--ca-file",
        "ca.fifo",
        "--timeout",
        "1",
        token_value=RS_TOKEN,
        fifos=("ca.fifo",),
        defects=("H4",),
    )
    yield _verify(
        "jwks-url/ca-file-garbage",
        "--jwks",
        "https://127.0.0.1:9/x",
        "--ca-file",
        "ca.pem",
        "--timeout",
        "1",
        token_value=RS_TOKEN,
        files=(("ca.pem", b"not a certificate"),),
    )
    yield _verify(
        "jwks-url/ca-file-missing",
        "--jwks",
        "https://127.0.0.1:9/x",
        "--ca-file",
        "nope.pem",
        "--timeout",
        "1",
        token_value=RS_TOKEN,
    )
    yield _verify(
        "jwks-url/ca-file-dev-zero",
        "--jwks",
        "https://127.0.0.1:9/x",
        "--ca-file",
        "/dev/zero",
        "--timeout",
        "1",
        token_value=RS_TOKEN,
    )


def options() -> Iterator[Case]:
    """--leeway, --alg, --issuer, --audience, --now and key-option combinations."""
    secret = marker("jwt-verify/options-secret", 24)
    sec_env, sec = env(SEC=secret), (secret,)
    for value in ("inf", "nan", "-1", "1e308", "1e9", "abc", ""):
        yield _verify(
            f"options/leeway={value or 'empty'}",
            "--secret-env",
            "SEC",
            "--leeway",
            value,
            defects=("H6b",) if value in ("inf", "1e308") else (),
            env=sec_env,
            secrets=sec,
        )
    for value in ("none", "None", "bogus", "", "HS256,", ",", "HS256,RS256", "hs256", "HS256 ", "A" * 1000):
        yield _verify(
            f"options/alg={value[:20] or 'empty'}",
            "--secret-env",
            "SEC",
            "--alg",
            value,
            env=sec_env,
            secrets=sec,
        )
    for value in ("", "\x1b[31mred", "a\nERROR forged", "x" * 10_000):
        yield _verify(
            f"options/issuer={value[:12]!r}",
            "--secret-env",
            "SEC",
            "--issuer",
            value,
            env=sec_env,
            secrets=sec,
        )
        yield _verify(
            f"options/audience={value[:12]!r}",
            "--secret-env",
            "SEC",
            "--audience",
            value,
            env=sec_env,
            secrets=sec,
        )
    for value in ("", "1700000000.5", "9999-12-31T23:59:59-01:00", "yesterday"):
        yield _verify(
            f"options/now={value or 'empty'}",
            "--secret-env",
            "SEC",
            "--now",
            value,
            "--json",
            env=sec_env,
            secrets=sec,
        )
    yield _verify("options/no-key-option", env=sec_env, secrets=sec)
    yield _verify(
        "options/two-key-options", "--secret-env", "SEC", "--jwks", "k.json", env=sec_env, secrets=sec
    )
    yield Case(
        "jwt-verify/options/missing-token", ("jwt", "verify", "--secret-env", "SEC"), env=env(SEC=secret)
    )
    yield _verify(
        "options/token-from-stdin",
        "--secret-env",
        "SEC",
        token_value="-",
        stdin=HS_TOKEN.encode(),
        env=sec_env,
        secrets=sec,
    )
    yield _verify(
        "options/stdin-not-utf8",
        "--secret-env",
        "SEC",
        token_value="-",
        stdin=b"\xff\xfe",
        env=sec_env,
        secrets=sec,
    )
    yield _verify(
        "options/malformed-token", "--secret-env", "SEC", token_value="abc", env=sec_env, secrets=sec
    )
    huge = token({"alg": "HS256"}, {"exp": 10**400}, "c2ln")
    yield _verify(
        "options/token-exp-400-digits",
        "--secret-env",
        "SEC",
        token_value=huge,
        defects=("H6a",),
        env=sec_env,
        secrets=sec,
    )
    yield _verify(
        "options/fail-on-bogus", "--secret-env", "SEC", "--fail-on", "bogus", env=sec_env, secrets=sec
    )


def cases() -> Iterator[Case]:
    yield from secret_sources()
    yield from key_files()
    yield from jwks_urls()
    yield from options()
