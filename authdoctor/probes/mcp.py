"""The MCP initialize probe: the one request Open WebUI 0.12.4 sends to an MCP URL to discover its
protected resource metadata (`utils/oauth.py get_protected_resource_metadata`).

The app POSTs the JSON-RPC request `{"jsonrpc": "2.0", "method": "initialize", "params": {}, "id":
1}` with `Content-Type: application/json` and no credentials, and reads `resource_metadata=…`
from the answer's `WWW-Authenticate` header whatever the status (RFC 9728 §5.1). This probe sends
exactly that, once: no Authorization header, no cookie, never the connection's bearer key or
headers. Redirects are not followed (the header is read from the first answer; a redirect is
recorded as what it is) and the answer's body is not read. The policy otherwise is
`authdoctor.probes.http`'s (TLS verified unless `--insecure`, `--ca-file`, proxies from the
environment, one bounded attempt in all), and so is the observation type: an `HttpObservation`,
a failure as data.

It is a POST, so it lives here rather than in the GET probe; it reuses that module's helpers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import (
    KEPT_HEADERS,
    HttpObservation,
    _failure,
    _Progress,
    _timeout_failure,
    _verify,
    proxy_for,
    strip_credentials,
)

#: The body Open WebUI posts (utils/oauth.py get_protected_resource_metadata).
INITIALIZE_BODY: dict[str, Any] = {"jsonrpc": "2.0", "method": "initialize", "params": {}, "id": 1}


def mcp_initialize(url: str, *, timeout_s: float, verify_tls: bool = True, ca_file: str | None = None,
                   environ: Mapping[str, str] | None = None) -> HttpObservation:
    """POST the app's `initialize` request to `url` once, within `timeout_s` in all."""
    from authdoctor.masking import mask_url

    url = strip_credentials(url)
    proxy = proxy_for(url, environ)
    shown_proxy = mask_url(proxy) if proxy else None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy, failure=ProbeFailure(
            Rung.PROTOCOL, f"the URL cannot be fetched ({exc})", {"error": str(exc)}))
    try:
        verify = _verify(verify_tls, ca_file)
    except Exception as exc:  # an unreadable CA file: the probe's own TLS setting
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy, failure=ProbeFailure(
            Rung.TLS, f"the CA file cannot be used ({exc})", {"CA file": str(ca_file)}))

    started = time.monotonic()
    progress = _Progress()
    done = threading.Event()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["observation"] = _post(url, host=host, port=port, verify=verify, timeout_s=timeout_s,
                                       started=started, progress=progress, proxy=proxy,
                                       shown_proxy=shown_proxy)
        except BaseException as exc:  # a bug in the probe: re-raised in the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="authdoctor-mcp-probe", daemon=True).start()
    if not done.wait(max(timeout_s, 0.0)):
        return HttpObservation(url=url, final_url=url, proxy=shown_proxy,
                               elapsed_s=time.monotonic() - started,
                               failure=_timeout_failure(progress.stage, timeout_s, progress.received,
                                                        host, port))
    if "error" in box:
        raise box["error"]
    observation: HttpObservation = box["observation"]
    return observation


def _post(url: str, *, host: str, port: int, verify: Any, timeout_s: float, started: float,
          progress: _Progress, proxy: str | None, shown_proxy: str | None) -> HttpObservation:
    import httpx

    from authdoctor.http import USER_AGENT

    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Content-Type": "application/json",
               "Accept": "application/json, text/event-stream"}
    body = json.dumps(INITIALIZE_BODY).encode()
    client = httpx.Client(verify=verify, timeout=httpx.Timeout(max(timeout_s, 0.01)), follow_redirects=False,
                          trust_env=False, proxy=proxy, headers=headers)
    with client:
        try:
            with client.stream("POST", url, content=body, extensions={"trace": progress.trace}) as response:
                # Only the status and headers matter; the body (maybe an endless event stream of
                # a server that accepts anonymous sessions) is not read.
                kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
                return HttpObservation(url=url, final_url=url, status=response.status_code,
                                       reason=response.reason_phrase, headers=kept,
                                       elapsed_s=time.monotonic() - started, proxy=shown_proxy)
        except httpx.HTTPError as exc:
            remaining = max(0.0, timeout_s - (time.monotonic() - started))
            failure, cert = _failure(exc, host=host, port=port, stage=progress.stage, timeout_s=timeout_s,
                                     received=progress.received, proxy=proxy, remaining=remaining)
            return HttpObservation(url=url, final_url=url, proxy=shown_proxy,
                                   elapsed_s=time.monotonic() - started, failure=failure, certificate=cert)
