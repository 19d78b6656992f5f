"""Small URL facts shared by the settings checks (no I/O)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback_host(host: str | None) -> bool:
    """True for localhost names and loopback/unspecified addresses (what a browser elsewhere cannot
    reach)."""
    if not host:
        return False
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@dataclass(frozen=True)
class ParsedURL:
    """An absolute http(s)-style URL broken into what redirect-URI matching compares."""

    scheme: str
    host: str
    port: int | None
    """Explicit or default port; None for an unknown scheme without an explicit port."""
    path: str
    query: str
    fragment: str
    explicit_port: bool = False

    @property
    def origin(self) -> str:
        default = DEFAULT_PORTS.get(self.scheme)
        port = "" if self.port is None or self.port == default else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}"


class URLProblem(ValueError):
    """The text is not an absolute URL with a host (or its port is not a number)."""


def parse_absolute(url: str) -> ParsedURL:
    """Parse `url`; raise URLProblem (with a plain-words reason) when it is not absolute."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise URLProblem(f"it cannot be parsed as a URL ({exc})") from exc
    if not parts.scheme or not parts.netloc:
        raise URLProblem("it is not an absolute URL (no scheme://host)")
    try:
        port = parts.port
    except ValueError as exc:
        raise URLProblem("its port is not a number between 0 and 65535") from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise URLProblem("it has no host name")
    scheme = parts.scheme.lower()
    return ParsedURL(scheme=scheme, host=host, port=port if port is not None else DEFAULT_PORTS.get(scheme),
                     path=parts.path, query=parts.query, fragment=parts.fragment,
                     explicit_port=port is not None)


def same_host_and_port(a: ParsedURL, b: ParsedURL) -> bool:
    """Same host, and the same port where that is comparable: across different schemes the
    default ports differ by definition, so only explicit ports are compared then."""
    if a.host != b.host:
        return False
    if a.scheme == b.scheme:
        return a.port == b.port
    return not (a.explicit_port and b.explicit_port) or a.port == b.port


def trustworthy_http_host(host: str) -> bool:
    """True for the hosts whose http:// origin browsers treat as potentially trustworthy, where
    Chromium and Firefox keep Secure cookies: localhost, *.localhost, 127.0.0.0/8, ::1."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
