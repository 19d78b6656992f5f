"""Secret masking: no password, client secret, signing key or full token reaches any output.

Two layers:
1. checks put `mask(value)` in evidence instead of a secret value;
2. every renderer's input passes through a `Redactor` built from all secret values the run knows
   (settings whose names are secret, the test account, tokens given on the command line), which
   replaces any remaining occurrence. Layer 2 is the guarantee; layer 1 keeps reports readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Substrings of variable names that hold secrets. `KEY_PREFIX`, `KEY_FILE` and `*_KEYS` style
# names are not secret; see `is_secret_name`.
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|ENCRYPTION_KEY|PRIVATE_KEY|API_KEY$|_KEY$)")
_NOT_SECRET_NAME = re.compile(
    r"(KEY_PREFIX|KEY_FILE|KEY_LENGTH|_EXPIRES_IN|TOKEN_ENDPOINT|TOKEN_EXCHANGE|_COOKIE|"
    r"INCLUDE_SCOPE|TOKEN_AUTH_METHOD|SECRET_KEY_FILE|CUSTOM_API_KEY_HEADER|_HEADER$|ENABLE_)"
)

MIN_REDACT_LENGTH = 4


def is_secret_name(name: str) -> bool:
    """True for variables whose value is a secret (WEBUI_SECRET_KEY, *_CLIENT_SECRET, passwords)."""
    upper = name.upper()
    return bool(_SECRET_NAME.search(upper)) and not _NOT_SECRET_NAME.search(upper)


def mask(value: str | None) -> str:
    """A printable stand-in for a secret that tells its length but nothing of its content."""
    if value is None:
        return "<unset>"
    if value == "":
        return "<empty>"
    return f"<secret, {len(value)} chars>"


def _userinfo(url: str) -> tuple[str, str, str] | None:
    """(scheme://, userinfo, rest) split at '://' and the LAST '@', without URL parsing: a
    password with '/', '#' or '?' (common in generated passwords) confuses urlsplit."""
    scheme, sep, remainder = url.partition("://")
    if not sep or "@" not in remainder:
        return None
    userinfo, _, rest = remainder.rpartition("@")
    return scheme + sep, userinfo, rest


def mask_url(url: str) -> str:
    """The URL with any password replaced (redis://:pw@host → redis://:***@host)."""
    split = _userinfo(url)
    if split is None:
        return url
    prefix, userinfo, rest = split
    user, colon, _password = userinfo.partition(":")
    return f"{prefix}{user}:***@{rest}" if colon else f"{prefix}***@{rest}"


def url_password(url: str) -> str | None:
    """The password in a URL's userinfo (or the whole userinfo when it has no ':')."""
    split = _userinfo(url)
    if split is None:
        return None
    _user, colon, password = split[1].partition(":")
    return (password if colon else split[1]) or None


def mask_token(token: str) -> str:
    """A JWT shown by its shape only: the header segment's start and the total length."""
    head = token.split(".", 1)[0]
    return f"{head[:10]}…<token, {len(token)} chars>"


class Redactor:
    """Replaces every known secret value in text with its mask. Longest secrets first, so a
    token that contains a shorter secret is replaced whole."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_REDACT_LENGTH}
        self._secrets = sorted(values, key=len, reverse=True)
        self._pattern = (re.compile("|".join(re.escape(s) for s in self._secrets))
                         if self._secrets else None)

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: mask(m.group(0)), text)

    @property
    def secrets(self) -> list[str]:
        return list(self._secrets)
