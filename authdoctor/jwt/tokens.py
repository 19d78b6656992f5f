"""Reading a token from what a user pastes, and decoding its three segments. Standard library
only: `authdoctor jwt decode` must start as fast as typer itself, so neither PyJWT (which imports
`cryptography`) nor anything else heavy is imported here.

Input (`extract_token`): the JWT itself, `Bearer <JWT>`, an `Authorization:` header line, a
Cookie header value (`token=<JWT>; other=...`, Open WebUI's cookie is named `token`), each with
surrounding whitespace and quotes stripped. Nothing usable at all (empty input, an Open WebUI API
key, a Cookie value without a token) is a `UsageError` (exit 2).

Decoding (`decode_token`) follows RFC 7515 §2 / §7.1 (J9 in standards.md): three base64url
segments of which the first two are JSON objects. Anything else raises `MalformedTokenError`,
which names the segment (`token`, `header`, `payload` or `signature`) and says why in plain
words; the command turns it into the finding `jwt.malformed`. Trailing `=` padding is accepted
because PyJWT (and so Open WebUI) accepts it; every other character outside the base64url
alphabet is reported with its position, since a silently-dropped character would make the
decoded claims differ from what the server sees.

The registered time claims `exp`, `nbf` and `iat` must be JSON numbers (NumericDate, RFC 7519
§2); a string, boolean or object there is reported as a malformed payload too, because no
verifier can compare it with the clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from authdoctor.errors import AuthdoctorError, UsageError

# A JWT a server actually received is far shorter: nginx reads a request header line into an
# 8 KiB buffer by default, h11 (uvicorn) gives up on headers beyond 16 KiB, and browsers drop
# cookies above 4 KiB (RFC 6265bis, C1). 64 KiB leaves room for ID tokens with large group
# claims and still rejects a pasted file before decoding it.
MAX_TOKEN_CHARS = 64 * 1024

TIME_CLAIMS = ("exp", "nbf", "iat")
SEGMENTS = ("header", "payload", "signature")

_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_QUOTES = "\"'`"
_HEADER_PREFIX = re.compile(r"(?i)^(authorization|cookie|set-cookie)\s*:\s*")
_BEARER = re.compile(r"(?i)^bearer(\s+|$)")
# A cookie pair starts with a name and `=`. A padded JWT (`eyJ...J9=.eyJ...`, `...sig=`) does not
# count: the name may not contain `.`, and the value may not start with `.` or `=`.
_COOKIE_START = re.compile(r"^[!#$%&'*+\-^_`|~0-9A-Za-z]+=(?![.=])")
# What a JWS in compact form looks like, for picking it out of a Cookie value.
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_\-]+=*\.[A-Za-z0-9_\-]+=*\.[A-Za-z0-9_\-]*=*$")
OPENWEBUI_COOKIE = "token"


class MalformedTokenError(AuthdoctorError):
    """The input is not a decodable JWT. `segment` is `token`, `header`, `payload` or
    `signature`; `reason` says what is wrong in plain words (no token content)."""

    def __init__(self, segment: str, reason: str) -> None:
        super().__init__(f"{segment}: {reason}")
        self.segment = segment
        self.reason = reason


class DecodedToken:
    """A JWS in compact serialization, decoded but not verified. (A plain class, not a dataclass:
    the `jwt decode` start-up budget counts every millisecond, see benchmarks/startup.py.)"""

    __slots__ = ("header", "header_b64", "payload", "payload_b64", "signature", "signature_b64", "text")

    def __init__(self, *, text: str, header: dict[str, Any], payload: dict[str, Any], signature: bytes,
                 header_b64: str, payload_b64: str, signature_b64: str) -> None:
        self.text = text
        self.header = header
        self.payload = payload
        self.signature = signature
        self.header_b64 = header_b64
        self.payload_b64 = payload_b64
        self.signature_b64 = signature_b64

    @property
    def signing_input(self) -> bytes:
        """What the signature covers: the first two segments exactly as received."""
        return f"{self.header_b64}.{self.payload_b64}".encode("ascii")

    @property
    def alg(self) -> str:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else ""

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


def show_char(char: str) -> str:
    """A character for a message: printable ones quoted, others as an escape."""
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    names = {" ": "a space", "\n": "a line break", "\r": "a carriage return", "\t": "a tab"}
    if char in names:
        return names[char]
    return f"'{char.encode('unicode_escape', 'backslashreplace').decode('ascii')}'"


def _strip_quotes(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in _QUOTES:
        text = text[1:-1].strip()
    return text


def extract_token(raw: str) -> str:
    """The token inside what the user gave: a bare JWT, `Bearer <JWT>`, an `Authorization:` or
    `Cookie:` header line, or a Cookie header value (the `token` cookie, else the first value that
    looks like a JWT). Raises `UsageError` when there is nothing to decode."""
    text = _strip_quotes(raw)
    text = _strip_quotes(_HEADER_PREFIX.sub("", text, count=1))
    bearer = _BEARER.match(text)
    if bearer:
        text = _strip_quotes(text[bearer.end():])
    elif ";" in text or (_COOKIE_START.match(text) and not text.startswith("eyJ")):
        # A JWT header always starts with eyJ ('{"' in base64url); no cookie is named like that,
        # so `eyJhbG=ciOi...` is a token with a stray '=' and is decoded (and the '=' reported).
        text = _from_cookie_value(text)
    if not text:
        raise UsageError("no token given: pass the JWT, 'Bearer <JWT>', a Cookie header value "
                         "('token=<JWT>; ...'), or - to read it from stdin")
    if text.startswith("sk-") and "." not in text:
        raise UsageError("this is an Open WebUI API key (sk-...), not a JWT: API keys are opaque "
                         "random strings with nothing to decode; they do not expire and are checked "
                         "against the database")
    return text


def _from_cookie_value(text: str) -> str:
    pairs: list[tuple[str, str]] = []
    for part in text.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            pairs.append((name.strip(), _strip_quotes(value)))
        elif part.strip():
            pairs.append(("", _strip_quotes(part)))
    for name, value in pairs:
        if name == OPENWEBUI_COOKIE and value:
            return value
    for _, value in pairs:
        if _JWT_SHAPE.match(value):
            return value
    # Count the cookies but never name them: a pasted password holding '=' or ';' parses as
    # cookies, and its first part would be echoed as a "name".
    count = sum(1 for name, _ in pairs if name)
    raise UsageError("the Cookie value has no 'token' cookie and no value that looks like a JWT"
                     + (f" ({count} cookie{'s' if count != 1 else ''}, none named 'token')"
                        if count else ""))


def decode_token(text: str) -> DecodedToken:
    """Split and decode a compact JWS. Raises `MalformedTokenError` naming the bad segment."""
    if len(text) > MAX_TOKEN_CHARS:
        raise MalformedTokenError("token", f"it is {len(text)} characters long; no server accepts a "
                                  f"header that long (authdoctor stops at {MAX_TOKEN_CHARS})")
    parts = text.split(".")
    if len(parts) != 3:
        space = next((index for index, char in enumerate(text) if char.isspace()), None)
        if space is not None:  # before counting segments: "5 segments" would read as a JWE
            raise MalformedTokenError("token", f"it contains {show_char(text[space])} at position "
                                      f"{space + 1} and {len(parts)} segments: two tokens pasted "
                                      "together, or one wrapped when copied? A JWT has no whitespace")
    if len(parts) == 5:
        raise MalformedTokenError("token", "it has 5 segments: an encrypted JWE, not a signed JWT. Its "
                                  "claims cannot be read without the recipient's private key")
    if len(parts) != 3:
        if len(parts) == 1:
            why = "it has no '.' at all; a JWT is three segments header.payload.signature"
        elif len(parts) == 2:
            why = ("it has 2 segments, the signature segment is missing; a JWT has 3 "
                   "(header.payload.signature), even an unsigned one ends with '.'")
        else:
            why = f"it has {len(parts)} segments separated by '.'; a JWT has 3 (header.payload.signature)"
        raise MalformedTokenError("token", why)
    header_b64, payload_b64, signature_b64 = parts
    header = _json_segment("header", header_b64)
    payload = _json_segment("payload", payload_b64)
    signature = _b64url("signature", signature_b64)
    alg = header.get("alg")
    if alg is None:
        raise MalformedTokenError("header", "it has no 'alg'; every JWS header must name its algorithm "
                                  "(RFC 7515 §4.1.1)")
    if not isinstance(alg, str):
        raise MalformedTokenError("header", f"'alg' is {_json_type(alg)}, not a string")
    if not alg.strip():
        raise MalformedTokenError("header", "'alg' is empty; every JWS header must name its algorithm "
                                  "(RFC 7515 §4.1.1), and verifiers reject an empty one")
    for claim in TIME_CLAIMS:
        if claim in payload:
            value = payload[claim]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise MalformedTokenError("payload", f"'{claim}' is {_json_type(value)}, not a NumericDate "
                                          "(a JSON number of seconds since 1970, RFC 7519 §2)")
    return DecodedToken(text=text, header=header, payload=payload, signature=signature,
                        header_b64=header_b64, payload_b64=payload_b64, signature_b64=signature_b64)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def b64url_decode(segment: str, text: str) -> bytes:
    """Public helper for other modules (JWK `k`, `n`, `x`): base64url with optional padding."""
    return _b64url(segment, text)


def _b64url(segment: str, text: str) -> bytes:
    body = text.rstrip("=")
    for index, char in enumerate(body):
        if char in _B64URL:
            continue
        if char in "+/":
            why = (f"it contains {show_char(char)} at position {index + 1}: that is standard base64; "
                   "a JWT uses base64url ('-' and '_')")
        elif char.isspace():
            why = (f"it contains {show_char(char)} at position {index + 1}; a JWT has no whitespace "
                   "(was it wrapped or split when copied?)")
        elif char == "=":
            why = f"it contains '=' at position {index + 1}; padding may only come at the end"
        else:
            why = f"it contains {show_char(char)} at position {index + 1}, which is not base64url"
        raise MalformedTokenError(segment, why)
    if len(body) % 4 == 1:
        raise MalformedTokenError(segment, f"it has {len(body)} base64url characters, a length no "
                                  "encoding produces: the token was cut off or edited")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - the checks above catch these
        raise MalformedTokenError(segment, f"it is not valid base64url ({exc})") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _json_segment(segment: str, text: str) -> dict[str, Any]:
    if not text:
        raise MalformedTokenError(segment, "it is empty")
    raw = _b64url(segment, text)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedTokenError(segment, f"it is base64url but not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                                  f"at offset {exc.start}), so not JSON") from None
    try:
        value = json.loads(decoded, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise MalformedTokenError(segment, f"it decodes to text that is not JSON ({exc.msg} at "
                                  f"character {exc.pos + 1})") from None
    except RecursionError:
        raise MalformedTokenError(segment, "it decodes to JSON nested too deeply to read") from None
    except ValueError as exc:
        raise MalformedTokenError(segment, f"it decodes to JSON with an unusable value ({exc})") from None
    if not isinstance(value, dict):
        raise MalformedTokenError(segment, f"it decodes to JSON {_json_type(value)}; a JWT {segment} must "
                                  "be a JSON object")
    return value
