"""Fetching a JWKS URL for `jwt verify`, with the probe policy of `authdoctor.http`: TLS verified
(extra CA with `--ca-file`), one deadline for the whole fetch (`--timeout`), no proxy or netrc
from the environment, a size cap, and redirects followed only to the same scheme, host and port
(at most 3): a key set served from elsewhere is reported, not trusted. Every failure is a
`ProbeError` with a stage (`dns`, `tcp`, `tls`, `timeout`, `http`, `protocol`) that the caller
turns into the finding `oidc.jwks-unreachable`.

httpx is imported inside `fetch_jwks` only: `jwt decode` never loads it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from authdoctor.errors import ProbeError

if TYPE_CHECKING:
    from authdoctor.deadline import Deadline

MAX_JWKS_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, option: str = "--jwks") -> str:
    """A URL from the command line that httpx can use, or a `UsageError` naming what is wrong:
    text that is not UTF-8, no host, a malformed IPv6 literal, a port outside 0-65535."""
    from authdoctor.errors import UsageError

    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option}: the URL holds bytes that are not UTF-8 text") from None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError as exc:
        raise UsageError(f"{option} is not a usable URL: {exc}") from None
    if not parts.hostname:
        raise UsageError(f"{option} is not a usable URL: it has no host name")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise UsageError(f"{option} is not a usable URL: it contains spaces or control characters")
    return url


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port), or None when the URL is not usable (a bad port or IPv6 literal)."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def fetch_jwks(url: str, *, timeout_s: float, ca_file: str | None = None,
               deadline: Deadline | None = None) -> bytes:
    """The body of a 200 answer at `url` (after same-origin redirects). Raises `ProbeError`.

    `deadline` bounds the whole fetch, not each read: a server that drips a byte a second, in
    the headers or the body, is cut there (the fetch runs where it can be abandoned, see
    `authdoctor.deadline`). Without one, `timeout_s` is that deadline."""
    from authdoctor.deadline import Deadline, call_before
    from authdoctor.errors import DeadlineExceeded
    from authdoctor.http import tls_context
    from authdoctor.settings.model import ProbeOptions

    until = deadline if deadline is not None else Deadline(timeout_s)
    try:
        verify = tls_context(ProbeOptions(timeout_s=timeout_s, verify_tls=True, ca_file=ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ProbeError(f"the CA file {ca_file} cannot be loaded ({exc})", stage="tls") from None
    try:
        return call_before(until, lambda: _fetch(url, verify, until))
    except DeadlineExceeded:
        raise ProbeError(f"no complete answer within {timeout_s:g} s (--timeout)", stage="timeout") from None


def _fetch(url: str, verify: ssl.SSLContext | bool, until: Deadline) -> bytes:
    import httpx

    from authdoctor.http import USER_AGENT

    client = httpx.Client(verify=verify, timeout=httpx.Timeout(max(until.remaining(), 0.01)),
                          follow_redirects=False, trust_env=False,
                          headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    current = url
    with client:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", current) as response:
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        target = urljoin(current, response.headers["location"])
                        origin = _origin(target)
                        if origin is None:
                            raise ProbeError(f"it redirects to a URL that is not usable ({target!r})",
                                             stage="http")
                        if origin != _origin(current):
                            raise ProbeError(f"it redirects to another host or scheme ({target}); "
                                             "authdoctor does not follow that for a key set",
                                             stage="http")
                        current = target
                        continue
                    if response.status_code != 200:
                        raise ProbeError(f"it answers HTTP {response.status_code} "
                                         f"{response.reason_phrase}".rstrip(), stage="http")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > MAX_JWKS_BYTES:
                            raise ProbeError(f"the answer is larger than {MAX_JWKS_BYTES // 1024} KiB, "
                                             "far more than any key set", stage="protocol")
                    return bytes(body)
            except httpx.TimeoutException:
                raise ProbeError(f"no complete answer within {until.seconds:g} s (--timeout)",
                                 stage="timeout") from None
            except httpx.HTTPError as exc:
                raise _translate(exc) from None
    raise ProbeError(f"more than {MAX_REDIRECTS} redirects", stage="http")


def _translate(exc: Exception) -> ProbeError:
    """The root cause of an httpx error in plain words."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return ProbeError(f"its TLS certificate is not trusted ({cause.verify_message}); give the "
                              "CA with --ca-file", stage="tls")
        if isinstance(cause, ssl.SSLError):
            return ProbeError(f"the TLS handshake failed ({cause.reason or cause})", stage="tls")
        if isinstance(cause, socket.gaierror):
            return ProbeError("its host name does not resolve", stage="dns")
        if isinstance(cause, ConnectionRefusedError):
            return ProbeError("the connection was refused (nothing listens on that port)", stage="tcp")
        cause = cause.__cause__ or cause.__context__
    text = str(exc) or type(exc).__name__
    import httpx

    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return ProbeError(f"the server's answer is not valid HTTP ({text})", stage="protocol")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ProbeError(f"the URL cannot be fetched ({text})", stage="http")
    if "certificate" in text.lower() or "ssl" in text.lower():
        return ProbeError(f"TLS failed ({text})", stage="tls")
    return ProbeError(text, stage="tcp")
