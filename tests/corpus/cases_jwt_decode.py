"""`jwt decode`: malformed segments, odd claims, giant numbers, every way to pass a token, and
its four options. Rebuilt from the adversarial report of 2026-11-28 (jwt decode, 184 inputs):
its defects H6a (giant time claims), U1, U2, U13, U14, L9, W3, and what it found working
(segment errors, size caps, JWE recognition)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from corpus.model import Case, b64, marker, token

SIG = "signature"  # the signature segment is a secret of the token: never shown


def _sig(name: str) -> str:
    return b64(marker(f"jwt-decode/{name}").encode())


def _case(
    name: str,
    tok: str,
    *extra: str,
    secrets: tuple[str, ...] = (),
    defects: tuple[str, ...] = (),
    stdin: bytes = b"",
) -> Case:
    return Case(
        f"jwt-decode/{name}", ("jwt", "decode", tok, *extra), stdin=stdin, secrets=secrets, defects=defects
    )


def _signed(name: str, header: object = None, payload: object = None, **raw: bytes) -> tuple[str, str]:
    signature = _sig(name)
    return token(header, payload, signature, **raw), signature


def segments() -> Iterator[Case]:
    """Broken header or payload segments: each must be named, never a crash."""
    good_head = b64(json.dumps({"alg": "HS256"}))
    good_body = b64(json.dumps({"sub": "1"}))
    raw_segments: dict[str, tuple[str, str]] = {
        "standard-base64-plus-slash": (good_head, "eyJzdWIiOiI+Pz8/In0+/w"),
        "padding-in-payload": (good_head, good_body + "=="),
        "length-mod-4-is-1": (good_head, good_body + "a"),
        "space-inside-payload": (good_head, good_body[:4] + " " + good_body[4:]),
        "tab-inside-header": (good_head[:3] + "\t" + good_head[3:], good_body),
        "not-base64-at-all": ("!!!!", "$$$$"),
        "empty-header": ("", good_body),
        "empty-payload": (good_head, ""),
        "non-utf8-payload": (good_head, b64(b'{"sub":"\xff\xfe"}')),
        "bom-in-header": (b64(b"\xef\xbb\xbf" + json.dumps({"alg": "HS256"}).encode()), good_body),
        "utf16-header": (b64(json.dumps({"alg": "HS256"}).encode("utf-16")), good_body),
        "header-json-array": (b64("[1,2]"), good_body),
        "header-json-number": (b64("42"), good_body),
        "header-json-null": (b64("null"), good_body),
        "header-json-string": (b64('"HS256"'), good_body),
        "payload-json-array": (good_head, b64("[]")),
        "payload-json-true": (good_head, b64("true")),
        "payload-not-json": (good_head, b64("sub=1")),
        "payload-nan": (good_head, b64('{"exp": NaN}')),
        "payload-infinity": (good_head, b64('{"exp": Infinity}')),
        "payload-minus-infinity": (good_head, b64('{"iat": -Infinity}')),
        "payload-1e400": (good_head, b64('{"exp": 1e400}')),
        "payload-deep-nesting": (good_head, b64('{"a":' + "[" * 5000 + "]" * 5000 + "}")),
        "header-deep-nesting": (b64('{"alg":"HS256","x":' + '{"a":' * 3000 + "1" + "}" * 3001), good_body),
        "payload-4300-digit-int": (good_head, b64('{"sub": ' + "7" * 4300 + "}")),
        "payload-5000-digit-int": (good_head, b64('{"sub": ' + "7" * 5000 + "}")),
        "duplicate-claims": (good_head, b64('{"exp": 1, "exp": 2000000000}')),
        "payload-trailing-garbage": (good_head, b64('{"sub":"1"} x')),
        "lone-surrogate-escape": (good_head, b64('{"sub":"\\ud800"}')),
        "nul-in-claim": (good_head, b64('{"sub":"a\\u0000b"}')),
    }
    for name, (head, body) in raw_segments.items():
        signature = _sig(name)
        yield _case(f"segment/{name}", f"{head}.{body}.{signature}", secrets=(signature,))
    for count in (1, 2, 4, 6, 9):
        parts = [good_head, good_body, _sig(f"parts-{count}")] + ["eA"] * max(0, count - 3)
        yield _case(f"segment/{count}-segments", ".".join(parts[:count]))
    yield _case(
        "segment/jwe-5-segments", ".".join([b64('{"alg":"RSA-OAEP","enc":"A256GCM"}'), "a", "b", "c", "d"])
    )
    yield _case("segment/only-dots", "..")
    yield _case("segment/dots-and-spaces", " . . ")


def time_claims() -> Iterator[Case]:
    """exp/iat/nbf of every JSON type and size (H6a: 309+ digit integers overflowed float())."""
    values: dict[str, object] = {
        "309-digits": int("1" + "0" * 308),
        "400-digits": int("1" + "0" * 400),
        "negative-400-digits": -int("1" + "0" * 400),
        "4299-digits": int("9" * 4299),
        "1e20": 10**20,
        "minus-1e20": -(10**20),
        "float-huge": 1.7e308,
        "float-tiny": 5e-324,
        "zero": 0,
        "negative": -1,
        "year-10000": 253402300800,
        "fraction": 1798138903.999,
        "string": "tomorrow",
        "numeric-string": "1798138903",
        "bool": True,
        "null": None,
        "list": [1798138903],
        "object": {"t": 1},
        "empty-string": "",
    }
    for claim in ("exp", "iat", "nbf"):
        for name, value in values.items():
            if claim != "exp" and name not in (
                "309-digits",
                "400-digits",
                "negative-400-digits",
                "4299-digits",
                "1e20",
                "float-huge",
                "string",
                "null",
            ):
                continue
            tok, signature = _signed(f"{claim}-{name}", None, {"sub": "1", claim: value})
            big = name in ("309-digits", "400-digits", "negative-400-digits", "4299-digits")
            yield _case(f"time/{claim}-{name}", tok, secrets=(signature,), defects=("H6a",) if big else ())
    tok, signature = _signed("all-huge", None, {"exp": 10**400, "iat": 10**400, "nbf": -(10**400)})
    yield _case("time/all-three-400-digits-json", tok, "--json", secrets=(signature,), defects=("H6a",))
    tok, signature = _signed("auth-time-huge", None, {"auth_time": 10**400, "exp": 1798138903})
    yield _case("time/auth-time-400-digits", tok, secrets=(signature,))


def headers() -> Iterator[Case]:
    """Odd headers: alg spellings and types, crit, spoofing newlines and terminal escapes."""
    variants: dict[str, dict[str, object]] = {
        "alg-none": {"alg": "none"},
        "alg-None": {"alg": "None"},
        "alg-NONE": {"alg": "NONE"},
        "alg-empty": {"alg": ""},
        "alg-missing": {"typ": "JWT"},
        "alg-number": {"alg": 256},
        "alg-list": {"alg": ["HS256"]},
        "alg-null": {"alg": None},
        "alg-unknown": {"alg": "XS999"},
        "alg-long": {"alg": "H" * 5000},
        "crit-unknown": {"alg": "HS256", "crit": ["exp"]},
        "kid-newline-spoof": {"alg": "HS256", "kid": "a\nERROR    jwt.fake  forged line\n0 errors · exit 0"},
        "kid-ansi-escape": {"alg": "HS256", "kid": "\x1b[2J\x1b]0;pwned\x07"},
        "kid-number": {"alg": "HS256", "kid": 7},
        "typ-odd": {"alg": "HS256", "typ": "at+jwt\r\n"},
        "jku-url": {"alg": "RS256", "jku": "http://127.0.0.1:9/keys"},
        "x5c-garbage": {"alg": "RS256", "x5c": ["!!!"]},
        "b64-false": {"alg": "HS256", "b64": False},
        "unicode-rtl": {"alg": "HS256", "kid": "\u202egnp.exe"},
        "zip-def": {"alg": "HS256", "zip": "DEF"},
    }
    for name, header in variants.items():
        tok, signature = _signed(f"header-{name}", header, {"sub": "1", "exp": 1798138903})
        defects = {"kid-newline-spoof": ("U13",), "alg-empty": ("U14",)}.get(name, ())
        yield _case(f"header/{name}", tok, secrets=(signature,), defects=defects)
        if name in ("kid-newline-spoof", "alg-none", "alg-number"):
            yield _case(f"header/{name}-json", tok, "--json", secrets=(signature,), defects=defects)


def shapes() -> Iterator[Case]:
    """Every way a token is handed over: Bearer, cookies, stdin, two tokens, pasted passwords."""
    tok, signature = _signed("shape", None, {"sub": "1", "exp": 1798138903})
    secrets = (signature,)
    for name, value in {
        "bearer": f"Bearer {tok}",
        "bearer-lower": f"bearer {tok}",
        "bearer-only": "Bearer",
        "bearer-two-spaces": f"Bearer  {tok}",
        "cookie": f"token={tok}; other=1",
        "cookie-no-jwt": "a=1; b=2",
        "cookie-empty-value": "token=; x=",
        "quoted": f'"{tok}"',
        "leading-space": f"  {tok}",
        "trailing-newline": f"{tok}\n",
        "two-tokens-space": f"{tok} {tok}",
        "two-tokens-newline": f"{tok}\n{tok}",
        "equals-in-header": "eyJhbG=ciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "authorization-header": f"Authorization: Bearer {tok}",
        "json-wrapped": json.dumps({"token": tok}),
        "url-with-token": f"https://chat.example.org/?token={tok}",
        "nul-byte": f"{tok}\x00",
        "lone-surrogate-argv": f"{tok}\udcff",
        "only-space": " ",
        "empty": "",
        "dash-dash": "--",
    }.items():
        defects = {
            "two-tokens-space": ("U1",),
            "two-tokens-newline": ("U1",),
            "equals-in-header": ("U2",),
        }.get(name, ())
        argv_value = value if name != "dash-dash" else "--"
        yield _case(f"shape/{name}", argv_value, secrets=secrets, defects=defects)
    # The input is a secret for the redactor, which replaced text in the rendered report (L7):
    # an input equal to a word of the report broke it.
    for word in ("exit", "null", "true", "code", "schema", "findings", "error", "header", "token"):
        yield _case(f"shape/input-is-the-word-{word}", word, defects=("L7",))
        yield _case(f"shape/input-is-the-word-{word}-json", word, "--json", defects=("L7", "W4"))
    password = marker("jwt-decode/pasted-password")
    yield _case("shape/pasted-password", password, secrets=(password,))
    cookie_name = marker("jwt-decode/password-with-equals", 10)
    yield _case("shape/password-with-equals", f"{cookie_name}=word", secrets=(cookie_name,), defects=("L9",))
    yield _case("shape/password-with-semicolon", f"pw;{cookie_name}", secrets=(cookie_name,), defects=("L9",))
    for name, data in {
        "stdin-token": tok.encode(),
        "stdin-crlf": tok.encode() + b"\r\n",
        "stdin-bom": b"\xef\xbb\xbf" + tok.encode(),
        "stdin-empty": b"",
        "stdin-two-lines": f"{tok}\n{tok}\n".encode(),
        "stdin-not-utf8": b"\xff\xfe" + tok.encode(),
        "stdin-nul": b"\x00" * 64,
        "stdin-over-1mib": b"a" * (1024 * 1024 + 1),
        "stdin-1mib-token": (
            b64('{"alg":"HS256"}') + "." + b64('{"pad":"' + "x" * 780_000 + '"}') + ".c2ln"
        ).encode()[: 1024 * 1024],
        "stdin-utf16": tok.encode("utf-16"),
    }.items():
        defects = ("U1",) if name == "stdin-two-lines" else ()
        yield Case(
            f"jwt-decode/shape/{name}", ("jwt", "decode", "-"), stdin=data, secrets=secrets, defects=defects
        )
    yield _case("shape/too-long-64k", token(None, {"pad": "x" * 70_000}), secrets=())
    yield _case("shape/just-under-64k", token(None, {"pad": "x" * 47_000}), secrets=())


def options() -> Iterator[Case]:
    """--now, --leeway, --fail-on and argument mistakes."""
    tok, signature = _signed("options", None, {"sub": "1", "exp": 1798138903, "iat": 1795719703})
    secrets = (signature,)
    now_values = [
        "",
        "yesterday",
        "1700000000.5",
        "1700000000",
        "-1",
        "1e20",
        "nan",
        "inf",
        "0",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "2026-13-45T99:99:99Z",
        "2026-11-28T12:00:00+25:00",
        "99999999999999999999999",
        "2026-11-28",
    ]
    for value in now_values:
        defects = ("U14",) if value in ("", "1700000000.5") else ()
        yield _case(f"options/now={value or 'empty'}", tok, "--now", value, secrets=secrets, defects=defects)
    for value in ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"):
        yield _case(
            f"options/now={value}-json", tok, "--now", value, "--json", secrets=secrets, defects=("H6f",)
        )
    for value in ("inf", "nan", "-1", "1e9", "1e308", "abc", "", "0x10", "1_000", "-0", " 5 "):
        yield _case(f"options/leeway={value or 'empty'}", tok, "--leeway", value, secrets=secrets)
    for value in ("panic", "", "ERROR", "warning ", "ok", "skipped"):
        yield _case(f"options/fail-on={value or 'empty'}", tok, "--fail-on", value, secrets=secrets)
    yield _case("options/now-missing-value", tok, "--now", secrets=secrets)
    yield _case("options/leeway-missing-value", tok, "--leeway", secrets=secrets)
    yield _case("options/unknown-option", tok, "--verify", secrets=secrets)
    yield _case("options/two-tokens", tok, tok, secrets=secrets)
    yield _case("options/now-equals-form", tok, "--now=2026-11-28T00:00:00Z", "--json", secrets=secrets)
    yield _case("options/leeway-equals-empty", tok, "--leeway=", secrets=secrets)
    yield Case("jwt-decode/options/dash-dash-then-token", ("jwt", "decode", "--", tok), secrets=secrets)
    yield Case("jwt-decode/options/debug-malformed", ("--debug", "jwt", "decode", "abc.def"))
    yield Case(
        "jwt-decode/options/no-color-json", ("--no-color", "jwt", "decode", tok, "--json"), secrets=secrets
    )


def cases() -> Iterator[Case]:
    yield from segments()
    yield from time_claims()
    yield from headers()
    yield from shapes()
    yield from options()
