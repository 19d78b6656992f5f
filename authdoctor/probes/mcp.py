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

`register_client` is the one probe that writes: an RFC 7591 registration (POST of the client
metadata to the registration endpoint), run only for `check --register-mcp-clients`. Its
observation keeps no secret: the client secret and registration access token of the answer are
dropped inside the probe, with the raw body.

These are POSTs, so they live here rather than in the GET probe; they reuse that module's helpers.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authdoctor.probes import ProbeFailure
from authdoctor.probes.http import (
    KEPT_HEADERS,
    HttpObservation,
    _bounded,
    _failure,
    _Progress,
    _target,
)

#: The body Open WebUI posts (utils/oauth.py get_protected_resource_metadata).
INITIALIZE_BODY: dict[str, Any] = {"jsonrpc": "2.0", "method": "initialize", "params": {}, "id": 1}


def mcp_initialize(url: str, *, timeout_s: float, verify_tls: bool = True, ca_file: str | None = None,
                   environ: Mapping[str, str] | None = None) -> HttpObservation:
    """POST the app's `initialize` request to `url` once, within `timeout_s` in all; the answer's
    body is not read."""
    return _bounded_post(url, INITIALIZE_BODY, timeout_s=timeout_s, verify_tls=verify_tls, ca_file=ca_file,
                         environ=environ, accept="application/json, text/event-stream", read_body=False)


@dataclass(frozen=True)
class RegistrationObservation:
    """What one RFC 7591 registration request saw, without any secret: the client secret and the
    registration access token of a successful answer are never kept (nor the raw body)."""

    url: str
    status: int | None = None
    content_type: str = ""
    client_id: str | None = None
    """The registered client's id (not a secret), so the admin can find and delete it."""
    error: str = ""
    error_description: str = ""
    answer_preview: str = ""
    """The first characters of an error answer that is not RFC 7591 JSON (never of a 2xx)."""
    registered: dict[str, str] = field(default_factory=dict)
    """Non-secret metadata the server registered (token_endpoint_auth_method, grant_types, ...)."""
    elapsed_s: float = 0.0
    failure: ProbeFailure | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["failure"] = self.failure.to_dict() if self.failure else None
        return data


#: Registered metadata kept from a successful answer (everything else, secrets included, dropped).
KEPT_METADATA = ("token_endpoint_auth_method", "grant_types", "response_types", "redirect_uris",
                 "application_type", "scope", "client_secret_expires_at")
PREVIEW_CHARS = 200
MAX_BODY = 64 * 1024


def register_client(url: str, metadata: Mapping[str, Any], *, timeout_s: float, verify_tls: bool = True,
                    ca_file: str | None = None,
                    environ: Mapping[str, str] | None = None) -> RegistrationObservation:
    """POST `metadata` (JSON) to the registration endpoint `url` once: creates a client there."""
    seen = _bounded_post(url, metadata, timeout_s=timeout_s, verify_tls=verify_tls, ca_file=ca_file,
                         environ=environ, accept="application/json", read_body=True)
    if seen.failure is not None or seen.status is None:
        return RegistrationObservation(url=seen.url, elapsed_s=seen.elapsed_s, failure=seen.failure)
    try:
        data = json.loads(seen.body)
    except ValueError:
        data = None
    answer = data if isinstance(data, dict) else {}
    ok = 200 <= seen.status < 300
    client_id = answer.get("client_id") if ok and isinstance(answer.get("client_id"), str) else None
    registered = {name: json.dumps(answer[name]) if not isinstance(answer[name], str) else answer[name]
                  for name in KEPT_METADATA if ok and name in answer}
    raw_error, raw_description = answer.get("error"), answer.get("error_description")
    error = raw_error if not ok and isinstance(raw_error, str) else ""
    description = raw_description if not ok and isinstance(raw_description, str) else ""
    preview = "" if ok or answer else " ".join(seen.body[:PREVIEW_CHARS].decode("utf-8", "replace").split())
    return RegistrationObservation(
        url=seen.url, status=seen.status, content_type=seen.content_type, client_id=client_id,
        error=error[:PREVIEW_CHARS], error_description=description[:PREVIEW_CHARS],
        answer_preview=preview, registered=registered, elapsed_s=seen.elapsed_s)


def _bounded_post(url: str, payload: Mapping[str, Any], *, timeout_s: float, verify_tls: bool,
                  ca_file: str | None, environ: Mapping[str, str] | None, accept: str,
                  read_body: bool) -> HttpObservation:
    target = _target(url, verify_tls=verify_tls, ca_file=ca_file, environ=environ)
    if isinstance(target, HttpObservation):
        return target
    body = json.dumps(dict(payload)).encode()
    return _bounded(target, timeout_s, "authdoctor-mcp-probe", lambda started, progress: _post(
        target.url, body, host=target.host, port=target.port, verify=target.verify, timeout_s=timeout_s,
        started=started, progress=progress, proxy=target.proxy, shown_proxy=target.shown_proxy,
        accept=accept, read_body=read_body))


def _post(url: str, body: bytes, *, host: str, port: int, verify: Any, timeout_s: float, started: float,
          progress: _Progress, proxy: str | None, shown_proxy: str | None, accept: str,
          read_body: bool) -> HttpObservation:
    import httpx

    from authdoctor.http import USER_AGENT

    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Content-Type": "application/json",
               "Accept": accept}
    client = httpx.Client(verify=verify, timeout=httpx.Timeout(max(timeout_s, 0.01)), follow_redirects=False,
                          trust_env=False, proxy=proxy, headers=headers)
    with client:
        try:
            with client.stream("POST", url, content=body, extensions={"trace": progress.trace}) as response:
                received = bytearray()
                truncated = False
                if read_body:  # the initialize answer's body (maybe an endless event stream) is not read
                    progress.stage = "body"
                    for chunk in response.iter_bytes():
                        received += chunk
                        progress.received = len(received)
                        if len(received) > MAX_BODY:
                            truncated = True
                            del received[MAX_BODY:]
                            break
                kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
                return HttpObservation(url=url, final_url=url, status=response.status_code,
                                       reason=response.reason_phrase, headers=kept, body=bytes(received),
                                       body_truncated=truncated, elapsed_s=time.monotonic() - started,
                                       proxy=shown_proxy)
        except httpx.HTTPError as exc:
            remaining = max(0.0, timeout_s - (time.monotonic() - started))
            failure, cert = _failure(exc, host=host, port=port, stage=progress.stage, timeout_s=timeout_s,
                                     received=progress.received, proxy=proxy, remaining=remaining)
            return HttpObservation(url=url, final_url=url, proxy=shown_proxy,
                                   elapsed_s=time.monotonic() - started, failure=failure, certificate=cert)
