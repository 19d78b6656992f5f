"""Which values of a HAR are secrets: ONE place, read by the report's safety net (`HarLog.secrets`)
and by the sanitizer (`authdoctor.har.sanitize`).

A recording holds every credential of the sign-in it shows: cookie values (the `token` session JWT,
`owui-session` with the OAuth state), `Authorization` headers, the authorization `code`, tokens in
query strings, fragments, form posts (form_post's `code` and `id_token`) and JSON answers (the
sign-in answer's `token`), and the password of a sign-in POST. A field is secret by its name
(`authdoctor.masking.is_secret_field`, plus the OAuth parameters below); any JWT-shaped string is
secret wherever it stands.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from authdoctor.masking import is_secret_field

if TYPE_CHECKING:
    from authdoctor.har.model import HarEntry

#: OAuth and OIDC parameters that carry credentials although their names do not say so.
OAUTH_SECRET_PARAMS = frozenset({"code", "code_verifier", "client_assertion", "assertion",
                                 "samlresponse", "samlrequest", "otp", "totp", "pin"})
#: Headers whose whole value is a credential.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                            "x-api-key", "x-auth-token", "x-csrf-token", "x-xsrf-token",
                            "x-amz-security-token"})
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
HIDDEN_INPUT = re.compile(
    r"""<input\b[^>]*?\bname\s*=\s*["']?([A-Za-z0-9_.\-]{1,64})["']?[^>]*?\bvalue\s*=\s*"""
    r"""(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
HIDDEN_INPUT_VALUE_FIRST = re.compile(
    r"""<input\b[^>]*?\bvalue\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*?\bname\s*=\s*["']?"""
    r"""([A-Za-z0-9_.\-]{1,64})""", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def is_secret_param(name: str) -> bool:
    """A query, fragment, form or JSON field whose value is a credential."""
    lowered = name.strip().lower()
    return lowered in OAUTH_SECRET_PARAMS or is_secret_field(name)


@functools.lru_cache(maxsize=4096)
def is_secret_header(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in SECRET_HEADERS or (is_secret_field(lowered) and lowered not in {
        "www-authenticate", "access-control-allow-credentials", "authority", ":authority"})


def url_secrets(url: str) -> Iterator[str]:
    """The secret values in a URL's query and fragment, and its userinfo password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.password:
        yield parts.password
    for text in (parts.query, parts.fragment):
        if "=" not in text:
            continue
        for name, value in parse_qsl(text, keep_blank_values=False):
            if is_secret_param(name) and value:
                yield value


def cookie_pairs(header: str) -> Iterator[tuple[str, str]]:
    """`name=value` pairs of a Cookie header (or of the first part of a Set-Cookie line)."""
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip():
            yield name.strip(), value.strip().strip('"')


def json_secrets(value: Any, depth: int = 0) -> Iterator[str]:
    """Secret-named string fields of a parsed JSON document, at any depth."""
    if depth > 32:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and item and is_secret_param(str(key)):
                yield item
            elif isinstance(item, (dict, list)):
                yield from json_secrets(item, depth + 1)
    elif isinstance(value, list):
        for item in value[:1000]:
            yield from json_secrets(item, depth + 1)


def text_secrets(text: str, mime: str = "") -> Iterator[str]:
    """Secrets in a body: JSON fields by name, HTML hidden inputs by name, form fields, and any
    JWT-shaped string."""
    if not text:
        return
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            document = None
        yield from json_secrets(document)
    elif "=" in text and "x-www-form-urlencoded" in mime.lower():
        for name, value in parse_qsl(text, keep_blank_values=False):
            if is_secret_param(name):
                yield value
    if "<input" in text.lower():
        for match in HIDDEN_INPUT.finditer(text):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            if value and is_secret_param(match.group(1)):
                yield value
        for match in HIDDEN_INPUT_VALUE_FIRST.finditer(text):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            if value and is_secret_param(match.group(3)):
                yield value
    if "eyJ" in text:
        yield from (m.group(0) for m in JWT.finditer(text))


def header_secrets(name: str, value: str) -> Iterator[str]:
    lowered = name.lower()
    if lowered == "cookie":
        yield from (v for _, v in cookie_pairs(value) if v)
    elif lowered == "set-cookie":
        for line in value.split("\n"):
            first = line.split(";", 1)[0]
            _, sep, cookie_value = first.partition("=")
            if sep and cookie_value.strip().strip('"'):
                yield cookie_value.strip().strip('"')
    elif is_secret_header(name):
        if value.strip():
            yield value.strip()
            scheme, _, credential = value.strip().partition(" ")
            if credential.strip():
                yield credential.strip()
                if scheme.lower() == "basic":
                    yield from _basic_parts(credential.strip())
    elif lowered in ("location", "referer", "content-location", "refresh"):
        yield from url_secrets(value.split("url=", 1)[-1] if lowered == "refresh" else value)


def _basic_parts(credential: str) -> Iterator[str]:
    import base64
    import binascii

    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return
    _user, _, password = decoded.partition(":")
    if password:
        yield password
    yield decoded


def entry_secrets(entry: HarEntry) -> set[str]:
    """Every secret value in one entry (as written; the safety net ignores short, word-like ones)."""
    found: set[str] = set(url_secrets(entry.url))
    for name, value in (*entry.request_headers, *entry.response_headers):
        found.update(header_secrets(name, value))
    found.update(v for _, v in entry.request_cookie_list if v)
    found.update(v for _, v in entry.response_cookie_list if v)
    found.update(v for n, v in entry.post_params if v and is_secret_param(n))
    found.update(text_secrets(entry.post_text, entry.post_mime))
    found.update(text_secrets(entry.body, entry.mime))
    if entry.redirect_url:
        found.update(url_secrets(entry.redirect_url))
    return {value for value in found if value}
