"""What ldap3's `Server()` and filter parser and redis-py's `parse_url()` make of plain, common
values, answered without importing those libraries.

The settings checks use the libraries' own parsers so that authdoctor reads a value exactly as
Open WebUI's libraries will. But `check --offline` must not import ldap3 or redis (issue 8 §5:
ldap3 alone costs about as much as typer and rich; redis-py pulls in cryptography). Each function
here answers only for values inside a deliberately small grammar, where the library's verdict is
certain, and returns None / False otherwise, so the caller asks the library itself. Every answer
is checked against the real library in tests/test_plain_parse.py (property tests over the
grammar and over arbitrary text).
"""

from __future__ import annotations

import re

_HOSTNAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*)")
_ATTR = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_VALUE = re.compile(r"[A-Za-z0-9._@-]+")
_REDIS_URL = re.compile(
    r"(?:redis|rediss)://"
    r"(?:[A-Za-z0-9._~!$&'*+,;=:-]*@)?"  # user:password (no %, @, /, ?, #, brackets)
    r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*)"  # host name or IPv4 address
    r"(?::(?P<port>[0-9]{1,5}))?"
    r"(?:/[0-9]*)?")


def plain_ldap_endpoint(host: str, port: int, use_tls: bool) -> tuple[str, int, bool] | None:
    """(host, port, tls) as `ldap3.Server(host, port, use_ssl=use_tls)` resolves them, for a bare
    host name or IPv4 address and a port from 1 to 65534 (ldap3 refuses 65535); else None."""
    stripped = host.strip()
    if not _HOSTNAME.fullmatch(stripped) or not 1 <= port < 65535:
        return None
    return stripped, port, use_tls


def plain_ldap_filter_accepted(username_attr: str, search_filter: str) -> bool:
    """True when ldap3 certainly accepts the filter Open WebUI builds for a login,
    `(&(<username_attr>=<name>)<search_filter>)`: the attribute is a plain name and the extra
    filter is empty or a run of simple `(attr=value)`, `(&...)`, `(|...)`, `(!...)` terms. False
    means "ask ldap3"."""
    if not _ATTR.fullmatch(username_attr):
        return False
    position = 0
    while position < len(search_filter):
        position = _term_end(search_filter, position, depth=0)
        if position < 0:
            return False
    return True


def _term_end(text: str, start: int, depth: int) -> int:
    """The index after one parenthesised term starting at `start`, or -1 outside the grammar."""
    if depth > 8 or not text.startswith("(", start):
        return -1
    position = start + 1
    operator = text[position:position + 1]
    if operator in ("&", "|", "!"):
        position += 1
        count = 0
        while text.startswith("(", position):
            position = _term_end(text, position, depth + 1)
            if position < 0:
                return -1
            count += 1
        if count == 0 or (operator == "!" and count != 1):
            return -1
    else:
        attr = _ATTR.match(text, position)
        if attr is None or not text.startswith("=", attr.end()):
            return -1
        value = _VALUE.match(text, attr.end() + 1)
        if value is None:
            return -1
        position = value.end()
    return position + 1 if text.startswith(")", position) else -1


def plain_redis_url_accepted(url: str) -> bool:
    """True when redis-py's `parse_url(url)` certainly succeeds: `redis://` or `rediss://`, an
    optional plain user:password, a host name or IPv4 address, a port up to 65535 and an optional
    `/<db>`, nothing else. False means "ask redis-py"."""
    match = _REDIS_URL.fullmatch(url)
    return match is not None and (match["port"] is None or int(match["port"]) <= 65535)
