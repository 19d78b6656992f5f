"""Fetching a JWKS URL for `jwt verify`, with the probe policy of `authdoctor.http`: TLS verified
(extra CA with `--ca-file`), a timeout on every step, no proxy or netrc from the environment, a
size cap, and redirects followed only to the same scheme, host and port (at most 3): a key set
served from elsewhere is reported, not trusted. Every failure is a `ProbeError` with a stage
(`dns`, `tcp`, `tls`, `timeout`, `http`, `protocol`) that the caller turns into the finding
`oidc.jwks-unreachable`.

httpx is imported inside `fetch_jwks` only: `jwt decode` never loads it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from urllib.parse import urljoin, urlsplit

from authdoctor.errors import ProbeError

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


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def fetch_jwks(url: str, *, timeout_s: float, ca_file: str | None = None) -> bytes:
    """The body of a 200 answer at `url` (after same-origin redirects). Raises `ProbeError`."""
    import httpx

    from authdoctor.http import USER_AGENT, tls_context
    from authdoctor.settings.model import ProbeOptions

    try:
        verify = tls_context(ProbeOptions(timeout_s=timeout_s, verify_tls=True, ca_file=ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ProbeError(f"the CA file {ca_file} cannot be loaded ({exc})", stage="tls") from None
    client = httpx.Client(verify=verify, timeout=httpx.Timeout(timeout_s), follow_redirects=False,
                          trust_env=False, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    current = url
    with client:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", current) as response:
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        target = urljoin(current, response.headers["location"])
                        if _origin(target) != _origin(current):
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
                raise ProbeError(f"no answer within {timeout_s:g} s", stage="timeout") from None
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
    if "certificate" in text.lower() or "ssl" in text.lower():
        return ProbeError(f"TLS failed ({text})", stage="tls")
    return ProbeError(text, stage="tcp")
