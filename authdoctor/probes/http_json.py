"""One JSON POST to the running app, with `http_get`'s policy (`authdoctor.probes.http`).

`http_post_json(url, body, ...)` sends `body` as `application/json` once, within `timeout_s` in
all, and returns an `HttpObservation`; it never raises for a network failure. Like the GET
probe: TLS verified by default, redirects never followed, the body capped, proxies from the
environment honoured and named, no credentials, cookies or Authorization header ever sent (the
caller's `headers` may not carry them: `_attempt` drops them).

Used by the trusted-header exposure probe (`authdoctor.checks.trusted_header`), whose request and
why it cannot create an account are documented there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from authdoctor.probes.http import MAX_BODY, HttpObservation, _attempt, _bounded, _target


def http_post_json(url: str, body: Any, *, timeout_s: float, headers: Mapping[str, str] | None = None,
                   verify_tls: bool = True, ca_file: str | None = None, max_body: int = MAX_BODY,
                   environ: Mapping[str, str] | None = None) -> HttpObservation:
    """POST `body` (JSON) to `url` once; the observation of the answer or of the failed rung."""
    target = _target(url, verify_tls=verify_tls, ca_file=ca_file, environ=environ)
    if isinstance(target, HttpObservation):
        return target
    content = json.dumps(body, separators=(",", ":")).encode("utf-8")
    sent = {**(headers or {}), "Content-Type": "application/json", "Accept": "application/json"}
    return _bounded(target, timeout_s, "authdoctor-http-json-probe", lambda started, progress: _attempt(
        target.url, host=target.host, port=target.port, verify=target.verify, timeout_s=timeout_s,
        started=started, progress=progress, max_body=max_body, follow_redirects=False, max_redirects=0,
        headers=sent, proxy=target.proxy, shown_proxy=target.shown_proxy, method="POST",
        content=content))
