"""The HTTP GET probe: one bounded attempt, the answer or the failed rung as data.

`http_get(url, timeout_s=..., ...)` returns an `HttpObservation`; it never raises for a network
failure. Policy (the live-probe design's network hygiene):

- TLS verified by default (`authdoctor.http.tls_context`: `--ca-file` adds a CA, `--insecure` turns
  verification off); on a verification failure the peer certificate is read by a second,
  unverified handshake (no HTTP request is sent on it) so the evidence can name its subject,
  names, issuer and validity. Not through a proxy: there the tunnel belongs to the proxy.
- One bounded attempt: `timeout_s` bounds the whole probe (DNS, connect, TLS, headers and body),
  not each read, so a server that drips a byte a second is cut there. httpx does no retries.
  The attempt runs in a daemon thread; at the deadline it is abandoned and the observation says
  at which rung the time ran out.
- Redirects are not followed unless `follow_redirects=True` (then at most `max_redirects`, each
  one recorded). No credentials are ever sent: user:password in the URL is removed, and no
  Authorization or Cookie header is set.
- The body is capped at `max_body` bytes (1 MiB); a longer body is cut and marked truncated.
  `Accept-Encoding: identity` keeps a small compressed body from expanding past the cap.
- Proxies: `HTTP_PROXY` / `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` are honoured as httpx reads them
  (lower case wins, `NO_PROXY` by host, domain suffix, IP network or `*`), because that is what
  the app's own HTTP client (httpx, through authlib) does; the proxy is named in the observation
  (credentials masked). netrc is never read (httpx's `trust_env` would read it and send them).

httpx is imported inside the probe only.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from authdoctor.probes import ProbeFailure, Rung, TlsCertificate

MAX_BODY = 1024 * 1024
MAX_REDIRECTS = 3
#: Response headers kept in an observation (the rest is not needed by any evaluation).
KEPT_HEADERS = ("content-type", "content-length", "location", "www-authenticate", "server", "via",
                "cache-control", "retry-after", "x-cache", "strict-transport-security")


@dataclass(frozen=True)
class HttpObservation:
    """What one GET saw. `failure` is None when an HTTP answer (any status) arrived in time."""

    url: str
    """The URL requested (without credentials)."""
    final_url: str = ""
    status: int | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    """The first `max_body` bytes of the body."""
    body_truncated: bool = False
    elapsed_s: float = 0.0
    proxy: str | None = None
    redirects: tuple[str, ...] = ()
    failure: ProbeFailure | None = None
    certificate: TlsCertificate | None = None
    refused: str = ""
    """Non-empty when the probe sent nothing on purpose (a policy refusal: a secret over plain
    http off loopback, `--no-idp-requests`): why, in plain words."""

    @property
    def answered(self) -> bool:
        return self.failure is None and self.status is not None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def to_dict(self) -> dict[str, Any]:
        import base64

        return {
            "url": self.url, "final_url": self.final_url, "status": self.status, "reason": self.reason,
            "headers": dict(self.headers), "body_base64": base64.b64encode(self.body).decode("ascii"),
            "body_truncated": self.body_truncated, "elapsed_s": round(self.elapsed_s, 3),
            "proxy": self.proxy, "redirects": list(self.redirects),
            "failure": self.failure.to_dict() if self.failure else None,
            "certificate": self.certificate.to_dict() if self.certificate else None,
            "refused": self.refused,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HttpObservation:
        import base64

        failure, certificate = data.get("failure"), data.get("certificate")
        return cls(
            url=data["url"], final_url=data.get("final_url", ""), status=data.get("status"),
            reason=data.get("reason", ""), headers=dict(data.get("headers", {})),
            body=base64.b64decode(data.get("body_base64", "")),
            body_truncated=bool(data.get("body_truncated")), elapsed_s=float(data.get("elapsed_s", 0.0)),
            proxy=data.get("proxy"), redirects=tuple(data.get("redirects", ())),
            failure=ProbeFailure.from_dict(failure) if failure else None,
            certificate=TlsCertificate.from_dict(certificate) if certificate else None,
            refused=str(data.get("refused", "")),
        )


# ----------------------------------------------------------------------------- URL and proxy

def strip_credentials(url: str) -> str:
    """`url` without `user:password@` (a probe never sends them)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _host_matches(host: str, entry: str) -> bool:
    entry = entry.strip().lower()
    if not entry:
        return False
    if entry == "*":
        return True
    host = host.lower().strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        try:
            return address in ipaddress.ip_network(entry.strip("[]"), strict=False)
        except ValueError:
            return False
    name = entry.lstrip(".").lstrip("*").lstrip(".")
    return host == name or host.endswith("." + name)


def proxy_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy httpx would use for `url` from the environment, or None."""
    environ = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name in sorted(environ, key=lambda n: n.islower()):  # lower case last, so it wins
        if name.lower().endswith("_proxy") and environ[name].strip():
            found[name.lower()[:-len("_proxy")]] = environ[name].strip()
    if not found:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if any(_host_matches(host, entry) for entry in found.get("no", "").split(",")):
        return None
    proxy = found.get(parts.scheme.lower()) or found.get("all")
    if proxy and "://" not in proxy:
        proxy = "http://" + proxy
    return proxy


# ----------------------------------------------------------------------------- progress

class _Progress:
    """Where the attempt is, from httpcore's trace events, for a timeout's rung."""

    def __init__(self) -> None:
        self.stage = "connect"
        self.received = 0

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event.endswith(".started"):
            if "connect_tcp" in event:
                self.stage = "connect"
            elif "start_tls" in event:
                self.stage = "tls"
            elif "send_request" in event:
                self.stage = "request"
            elif "receive_response_headers" in event:
                self.stage = "headers"
            elif "receive_response_body" in event:
                self.stage = "body"


def _timeout_failure(stage: str, timeout_s: float, received: int, host: str, port: int) -> ProbeFailure:
    where = f"{host}:{port}"
    if stage == "connect":
        return ProbeFailure(Rung.TCP, f"no connection to {where} within {timeout_s:g} s "
                            "(name resolution or TCP connect did not finish)",
                            {"address": where, "timeout": f"{timeout_s:g} s"}, timed_out=True)
    if stage == "tls":
        return ProbeFailure(Rung.TLS, f"connected to {where}, but the TLS handshake did not finish "
                            f"within {timeout_s:g} s", {"address": where, "timeout": f"{timeout_s:g} s"},
                            timed_out=True)
    if stage == "body":
        return ProbeFailure(Rung.PROTOCOL, f"the answer started but was not complete within {timeout_s:g} s "
                            f"({received} bytes of the body had arrived)",
                            {"address": where, "timeout": f"{timeout_s:g} s",
                             "body received": f"{received} bytes"},
                            timed_out=True)
    return ProbeFailure(Rung.PROTOCOL, f"connected to {where}, but no answer within {timeout_s:g} s",
                        {"address": where, "timeout": f"{timeout_s:g} s"}, timed_out=True)


# ----------------------------------------------------------------------------- failures

# self-signed, self-signed in chain, no local issuer, cannot verify the leaf, untrusted
_UNKNOWN_CA = {18, 19, 20, 21, 27}
_VERIFY_WORDS = {
    9: "the certificate is not valid yet",
    10: "the certificate has expired",
    62: "the certificate is for other host names",
    64: "the certificate is for other addresses",
}


def _cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def read_certificate(host: str, port: int, timeout_s: float) -> TlsCertificate | None:
    """The peer's certificate from an unverified handshake (nothing is sent after it), or None."""
    from cryptography import x509

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        ipaddress.ip_address(host)
        server_name: str | None = None
    except ValueError:
        server_name = host
    try:
        with socket.create_connection((host, port), timeout=max(timeout_s, 0.05)) as sock, \
                context.wrap_socket(sock, server_hostname=server_name) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError):
        return None
    if not der:
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = (*san.get_values_for_type(x509.DNSName),
                     *(str(ip) for ip in san.get_values_for_type(x509.IPAddress)))
        except x509.ExtensionNotFound:
            names = ()
        return TlsCertificate(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                              sans=names, not_before=cert.not_valid_before_utc.isoformat(),
                              not_after=cert.not_valid_after_utc.isoformat())
    except ValueError:
        return None


def _tls_failure(error: ssl.SSLCertVerificationError, host: str, cert: TlsCertificate | None) -> ProbeFailure:
    code = error.verify_code
    if code in _UNKNOWN_CA:
        summary = "the certificate is signed by a CA this machine does not trust (unknown CA)"
    elif code in (62, 64) and cert is not None and cert.sans:  # host name / IP address mismatch
        summary = f"the certificate is for {', '.join(cert.sans)}, not {host}"
    else:
        summary = _VERIFY_WORDS.get(code, f"the certificate was refused ({error.verify_message})")
    evidence = {"verify error": str(error.verify_message or error.reason or error)}
    if cert is not None:
        evidence.update({"subject": cert.subject, "issuer": cert.issuer,
                         "names (SAN)": ", ".join(cert.sans) or "(none)",
                         "valid": f"{cert.not_before} to {cert.not_after}"})
    return ProbeFailure(Rung.TLS, summary, evidence)


def _failure(exc: Exception, *, host: str, port: int, stage: str, timeout_s: float, received: int,
             proxy: str | None, remaining: float) -> tuple[ProbeFailure, TlsCertificate | None]:
    import httpx

    where = f"{host}:{port}"
    for cause in _cause_chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            cert = None if proxy else read_certificate(host, port, remaining)
            return _tls_failure(cause, host, cert), cert
        if isinstance(cause, ssl.SSLError):
            reason = cause.reason or str(cause)
            if "WRONG_VERSION_NUMBER" in str(reason).upper():
                summary = f"{where} does not speak TLS (is it plain http?)"
            else:
                summary = f"the TLS handshake with {where} failed ({reason})"
            return ProbeFailure(Rung.TLS, summary, {"address": where, "error": str(reason)}), None
        if isinstance(cause, socket.gaierror):
            resolver_words = {socket.EAI_NONAME: "the name does not exist (NXDOMAIN)",
                              socket.EAI_AGAIN: "no DNS server gave an answer (SERVFAIL or timeout)"}
            what = resolver_words.get(cause.errno or 0, "the name cannot be resolved")
            resolved = proxy_host(proxy) if proxy else host
            return ProbeFailure(Rung.DNS, f"{resolved}: {what}",
                                {"name": resolved, "resolver": cause.strerror or str(cause)}), None
        if isinstance(cause, ConnectionRefusedError):
            return ProbeFailure(Rung.TCP, f"{where}: connection refused (nothing listens on that port)",
                                {"address": where, "error": "connection refused"}), None
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            words = cause.strerror or "unreachable"
            return ProbeFailure(Rung.TCP, f"{where}: {words.lower()}",
                                {"address": where, "error": words}), None
    if isinstance(exc, httpx.TimeoutException):
        return _timeout_failure(stage, timeout_s, received, host, port), None
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ProxyError):
        return ProbeFailure(Rung.TCP, f"the proxy refused the request ({text})", {"proxy": text}), None
    if isinstance(exc, httpx.ConnectError):
        return ProbeFailure(Rung.TCP, f"{where}: cannot connect ({text})",
                            {"address": where, "error": text}), None
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ProbeFailure(Rung.PROTOCOL, f"the URL cannot be fetched ({text})", {"error": text}), None
    return ProbeFailure(Rung.PROTOCOL, f"the answer from {where} is not valid HTTP ({text})",
                        {"address": where, "error": text}), None


def proxy_host(proxy: str) -> str:
    return urlsplit(proxy).hostname or proxy


# ----------------------------------------------------------------------------- the probe

@dataclass(frozen=True)
class _Target:
    """A URL ready for one bounded attempt: credentials stripped, its proxy, host, port, TLS."""

    url: str
    proxy: str | None
    shown_proxy: str | None
    scheme: str
    host: str
    port: int
    verify: ssl.SSLContext | bool


def _target(url: str, *, verify_tls: bool, ca_file: str | None,
            environ: Mapping[str, str] | None) -> _Target | HttpObservation:
    """The URL's target, or the observation of why it cannot be attempted (a URL that does not
    parse, a CA file that cannot be used)."""
    from authdoctor.masking import mask_url

    try:
        url = strip_credentials(url)
        proxy = proxy_for(url, environ)
    except ValueError as exc:  # a URL urlsplit refuses (e.g. "http://[::1"), from a server's answer
        return HttpObservation(url=mask_url(url), final_url=mask_url(url), failure=ProbeFailure(
            Rung.PROTOCOL, f"the URL cannot be fetched ({exc})", {"error": str(exc)}))
    shown_proxy = mask_url(proxy) if proxy else None
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy, failure=ProbeFailure(
            Rung.PROTOCOL, f"the URL cannot be fetched ({exc})", {"error": str(exc)}))
    try:
        verify = _verify(verify_tls, ca_file)
    except Exception as exc:  # an unreadable CA file: say so, it is the probe's TLS setting
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy, failure=ProbeFailure(
            Rung.TLS, f"the CA file cannot be used ({exc})", {"CA file": str(ca_file)}))
    return _Target(url=url, proxy=proxy, shown_proxy=shown_proxy, scheme=scheme, host=host, port=port,
                   verify=verify)


def _bounded(target: _Target, timeout_s: float, name: str,
             attempt: Callable[[float, _Progress], HttpObservation]) -> HttpObservation:
    """Run `attempt(started, progress)` in a daemon thread; at `timeout_s` it is abandoned and the
    observation names the rung where the time ran out. A bug in the attempt is re-raised here."""
    started = time.monotonic()
    progress = _Progress()
    done = threading.Event()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["observation"] = attempt(started, progress)
        except BaseException as exc:  # a bug in the probe: re-raised in the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name=name, daemon=True).start()
    if not done.wait(max(timeout_s, 0.0)):
        return HttpObservation(url=target.url, final_url=target.url, proxy=target.shown_proxy,
                               elapsed_s=time.monotonic() - started,
                               failure=_timeout_failure(progress.stage, timeout_s, progress.received,
                                                        target.host, target.port))
    if "error" in box:
        raise box["error"]
    observation: HttpObservation = box["observation"]
    return observation


def http_get(url: str, *, timeout_s: float, verify_tls: bool = True, ca_file: str | None = None,
             max_body: int = MAX_BODY, follow_redirects: bool = False, max_redirects: int = MAX_REDIRECTS,
             headers: Mapping[str, str] | None = None,
             environ: Mapping[str, str] | None = None) -> HttpObservation:
    """GET `url` once, within `timeout_s` in all; see the module docstring for the policy."""
    target = _target(url, verify_tls=verify_tls, ca_file=ca_file, environ=environ)
    if isinstance(target, HttpObservation):
        return target
    return _bounded(target, timeout_s, "authdoctor-http-probe", lambda started, progress: _attempt(
        target.url, host=target.host, port=target.port, verify=target.verify, timeout_s=timeout_s,
        started=started, progress=progress, max_body=max_body, follow_redirects=follow_redirects,
        max_redirects=max_redirects, headers=headers or {}, proxy=target.proxy,
        shown_proxy=target.shown_proxy))


def _verify(verify_tls: bool, ca_file: str | None) -> ssl.SSLContext | bool:
    from authdoctor.http import tls_context
    from authdoctor.settings.model import ProbeOptions

    return tls_context(ProbeOptions(verify_tls=verify_tls, ca_file=ca_file))


def _attempt(url: str, *, host: str, port: int, verify: ssl.SSLContext | bool, timeout_s: float,
             started: float, progress: _Progress, max_body: int, follow_redirects: bool,
             max_redirects: int, headers: Mapping[str, str], proxy: str | None,
             shown_proxy: str | None, method: str = "GET", content: bytes | None = None,
             authorization: str | None = None) -> HttpObservation:
    import httpx

    from authdoctor.http import USER_AGENT

    sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
            **{k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}}
    if authorization is not None:  # the POST probe's own credential, for this one URL only
        sent["Authorization"] = authorization
    client = httpx.Client(verify=verify, timeout=httpx.Timeout(max(timeout_s, 0.01)), follow_redirects=False,
                          trust_env=False, proxy=proxy, headers=sent)
    current, redirects = url, list[str]()
    with client:
        while True:
            try:
                parts = urlsplit(current)
                host = parts.hostname or host
                port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
                with client.stream(method, current, content=content,
                                   extensions={"trace": progress.trace}) as response:
                    location = response.headers.get("location")
                    if (follow_redirects and response.is_redirect and location
                            and len(redirects) < max_redirects):
                        redirects.append(current)
                        current = urljoin(current, location)
                        continue
                    progress.stage = "body"
                    body = bytearray()
                    truncated = False
                    for chunk in response.iter_bytes():
                        body += chunk
                        progress.received = len(body)
                        if len(body) > max_body:
                            truncated = True
                            del body[max_body:]
                            break
                    kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
                    return HttpObservation(
                        url=url, final_url=current, status=response.status_code,
                        reason=response.reason_phrase, headers=kept, body=bytes(body),
                        body_truncated=truncated, elapsed_s=time.monotonic() - started,
                        proxy=shown_proxy, redirects=tuple(redirects))
            except httpx.HTTPError as exc:
                remaining = max(0.0, timeout_s - (time.monotonic() - started))
                failure, cert = _failure(exc, host=host, port=port, stage=progress.stage, timeout_s=timeout_s,
                                         received=progress.received, proxy=proxy, remaining=remaining)
                return HttpObservation(url=url, final_url=current, proxy=shown_proxy,
                                       elapsed_s=time.monotonic() - started, redirects=tuple(redirects),
                                       failure=failure, certificate=cert)


# ----------------------------------------------------------------------------- the POST probe

def _secret_forms(secret: str) -> list[bytes]:
    """The ways a secret could come back in an answer: as is, URL-encoded, form-encoded, or
    HTML-escaped (an error page that quotes the request)."""
    import html
    from urllib.parse import quote, quote_plus

    forms = {secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret),
             html.escape(secret, quote=False)}
    return sorted((f.encode("utf-8", "replace") for f in forms if f), key=len, reverse=True)


def _scrub(data: bytes, secrets: list[bytes]) -> bytes:
    for secret in secrets:
        data = data.replace(secret, b"***")
    return data


def _basic_authorization(client_id: str, secret: str) -> str:
    """`Authorization: Basic base64(id:secret)` exactly as authlib 1.7.2 builds it
    (`encode_client_secret_basic`: the two joined by ':' and encoded as latin-1, NOT
    form-urlencoded first). Raises UnicodeEncodeError where authlib does."""
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode("latin1")).decode("ascii")


def http_post_form(url: str, form: Mapping[str, str], *, timeout_s: float,
                   basic_auth: tuple[str, str] | None = None,
                   secret_form: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None, verify_tls: bool = True,
                   ca_file: str | None = None, max_body: int = MAX_BODY,
                   environ: Mapping[str, str] | None = None) -> HttpObservation:
    """POST `form` (application/x-www-form-urlencoded) to `url` once, within `timeout_s` in all.

    The policy of `http_get`, plus what a credential needs: `basic_auth` (client id, secret)
    becomes an `Authorization: Basic` header and `secret_form` (e.g. `client_secret`) joins the
    body; both are bound to `url` alone. Redirects are never followed, so a credential never
    reaches another URL. With a credential, a plain http URL whose host (or proxy) is not
    loopback is refused: nothing is sent and `refused` says why. A credential never enters the
    observation: it is not in the URL, and every copy of it an answer may echo (raw, URL-encoded,
    or the Basic value) is replaced by `***` in the kept headers and body.
    """
    from authdoctor.checks._urls import trustworthy_http_host
    from authdoctor.masking import mask_url

    target = _target(url, verify_tls=verify_tls, ca_file=ca_file, environ=environ)
    if isinstance(target, HttpObservation):
        return target
    url, proxy, shown_proxy, host = target.url, target.proxy, target.shown_proxy, target.host
    secrets = [s for s in ((basic_auth[1] if basic_auth else ""), *(secret_form or {}).values()) if s]
    if target.scheme not in ("http", "https") or not host:
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy,
                               refused=f"not an http(s) URL with a host: {mask_url(url)}")
    if secrets and target.scheme == "http" and not (
            trustworthy_http_host(host) and (proxy is None or trustworthy_http_host(proxy_host(proxy)))):
        where = f"through the proxy {shown_proxy}" if proxy and trustworthy_http_host(host) else f"to {host}"
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy, refused=(
            f"the client secret would travel over plain http {where} (not loopback): "
            "authdoctor does not send it"))
    authorization: str | None = None
    if basic_auth is not None:
        try:
            authorization = _basic_authorization(*basic_auth)
        except UnicodeEncodeError:
            return HttpObservation(url=url, final_url=url, proxy=shown_proxy, refused=(
                "the client id or secret has a character outside latin-1, which the app's OAuth "
                "library cannot encode for HTTP Basic authentication"))
    scrubbed = [variant for secret in secrets for variant in _secret_forms(secret)]
    if authorization is not None:
        scrubbed.insert(0, authorization.split(" ", 1)[1].encode("ascii"))
    from urllib.parse import urlencode

    content = urlencode([*form.items(), *(secret_form or {}).items()]).encode("ascii")
    sent = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
    observation = _bounded(target, timeout_s, "authdoctor-http-post-probe", lambda started, prog: _attempt(
        url, host=host, port=target.port, verify=target.verify, timeout_s=timeout_s, started=started,
        progress=prog, max_body=max_body, follow_redirects=False, max_redirects=0, headers=sent,
        proxy=proxy, shown_proxy=shown_proxy, method="POST", content=content,
        authorization=authorization))
    if not scrubbed:
        return observation
    from dataclasses import replace

    def text(value: str) -> str:
        return _scrub(value.encode("utf-8", "surrogateescape"), scrubbed).decode("utf-8", "replace")

    failure = observation.failure
    if failure is not None:  # an error text that quotes the request: masked like an answer
        failure = replace(failure, summary=text(failure.summary),
                          evidence={k: text(v) for k, v in failure.evidence.items()})
    return replace(
        observation, body=_scrub(observation.body, scrubbed), failure=failure,
        headers={name: text(value) for name, value in observation.headers.items()})
