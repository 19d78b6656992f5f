"""The per-run probe session: options, the run's deadline, and a memo of every request.

Several areas need the same fact (the discovery document is read by the oidc, oauth, logout and
jwt areas), and each area runs in its own thread with its own event loop (`authdoctor.runner`).
So the memo is keyed by the request and built on `threading.Lock` + `concurrent.futures.Future`,
which belong to no event loop: the first area to ask starts the probe in a daemon thread, every
later asker (from any thread or loop) gets the same Future, and the provider sees one request.
Results are kept for the whole run, failures included (a dead host is not asked twice).

`ProbeSession.http_get(url)` returns that Future; `await ProbeSession.http_get_async(url)` waits
for it from any event loop. A probe bounds its own time (the probe timeout, cut to what is left
of the run's deadline), so every Future completes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation
    from authdoctor.settings.model import ProbeOptions

T = TypeVar("T")

#: The least time a probe is given, even when the run's deadline is nearly there (the runner
#: abandons the area at the deadline anyway).
MIN_PROBE_S = 0.05


class ProbeCache:
    """A thread-safe, loop-agnostic memo: `get(key, work)` runs `work` once per key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[Any]] = {}
        self.started = 0
        """How many probes were started (tests read it: one per distinct request)."""

    def get(self, key: Hashable, work: Callable[[], T]) -> Future[T]:
        with self._lock:
            future = self._futures.get(key)
            if future is not None:
                return future
            future = Future()
            self._futures[key] = future
            self.started += 1

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(work())
            except BaseException as exc:  # a probe bug: every asker sees it (internal.check-crashed)
                future.set_exception(exc)

        threading.Thread(target=run, name="authdoctor-probe", daemon=True).start()
        return future

    def __len__(self) -> int:
        with self._lock:
            return len(self._futures)


async def wait_future(future: Future[T]) -> T:
    """Await a `concurrent.futures.Future` from any event loop. Unlike `asyncio.wrap_future`, a
    loop that was closed meanwhile (an area abandoned at the deadline) is ignored quietly."""
    import asyncio  # here, not at the top: an --offline run never waits and skips its import

    if future.done():
        return future.result()
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[T] = loop.create_future()

    def copy() -> None:
        if waiter.done():
            return
        error = future.exception()
        if error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(future.result())

    def settle(_: Future[T]) -> None:
        with contextlib.suppress(RuntimeError):  # the waiting loop is closed: nobody waits any more
            loop.call_soon_threadsafe(copy)

    future.add_done_callback(settle)
    return await waiter


@dataclass(frozen=True)
class ProbeSession:
    """What a live half needs to probe: the TLS policy, the probe timeout, the run's deadline
    (absolute `time.monotonic()`, None for none) and the run's cache."""

    timeout_s: float = 5.0
    verify_tls: bool = True
    ca_file: str | None = None
    deadline: float | None = None
    environ: Mapping[str, str] | None = None
    """The environment for proxy variables (None: the process environment)."""
    idp_requests: bool = True
    """False: leave out the probes that present the client to the IdP (`--no-idp-requests`)."""
    register_mcp_clients: bool = False
    """True: register MCP tool servers' OAuth clients (`check --register-mcp-clients`)."""
    cache: ProbeCache = field(default_factory=ProbeCache, compare=False)
    _salt: bytes = field(default_factory=lambda: os.urandom(16), compare=False, repr=False)
    """Keys the memo's digest of a credential (a key never holds a secret in clear)."""

    @classmethod
    def from_options(cls, probe: ProbeOptions, *, timeout_s: float | None = None,
                     deadline: float | None = None) -> ProbeSession:
        return cls(timeout_s=probe.timeout_s if timeout_s is None else timeout_s,
                   verify_tls=probe.verify_tls, ca_file=probe.ca_file, deadline=deadline,
                   idp_requests=probe.idp_requests, register_mcp_clients=probe.register_mcp_clients)

    def budget(self) -> float:
        """Seconds a probe started now may take: the probe timeout, cut to the run's deadline."""
        if self.deadline is None:
            return self.timeout_s
        return max(MIN_PROBE_S, min(self.timeout_s, self.deadline - time.monotonic()))

    def http_get(self, url: str, *, max_body: int | None = None,
                 follow_redirects: bool = False, idp_request: bool = False) -> Future[HttpObservation]:
        """The observation of one GET of `url`, shared by every area that asks for the same.
        `idp_request=True` marks a GET that presents the OAuth client to the IdP (the authorize
        endpoint): with `--no-idp-requests` nothing is sent and the observation says so."""
        from authdoctor.probes import http

        if idp_request and not self.idp_requests:
            return _refused(url)
        body_cap = http.MAX_BODY if max_body is None else max_body
        key = ("GET", url, body_cap, follow_redirects)
        return self.cache.get(key, lambda: http.http_get(
            url, timeout_s=self.budget(), verify_tls=self.verify_tls, ca_file=self.ca_file,
            max_body=body_cap, follow_redirects=follow_redirects, environ=self.environ))

    async def http_get_async(self, url: str, *, max_body: int | None = None,
                             follow_redirects: bool = False, idp_request: bool = False) -> HttpObservation:
        return await wait_future(self.http_get(url, max_body=max_body, follow_redirects=follow_redirects,
                                               idp_request=idp_request))

    def http_post_form(self, url: str, form: Mapping[str, str], *,
                       basic_auth: tuple[str, str] | None = None,
                       secret_form: Mapping[str, str] | None = None,
                       headers: Mapping[str, str] | None = None) -> Future[HttpObservation]:
        """The observation of one form POST (`authdoctor.probes.http.http_post_form`), memoised
        for the run. Every POST presents a client to the IdP, so with `--no-idp-requests` nothing
        is sent. The memo key holds a keyed digest of the credential, never the credential."""
        from authdoctor.probes import http

        if not self.idp_requests:
            return _refused(url)
        credential = repr((basic_auth, sorted((secret_form or {}).items()))).encode("utf-8", "replace")
        digest = hmac.new(self._salt, credential, hashlib.sha256).hexdigest()
        key = ("POST", url, tuple(sorted(form.items())), tuple(sorted((headers or {}).items())), digest)
        return self.cache.get(key, lambda: http.http_post_form(
            url, form, timeout_s=self.budget(), basic_auth=basic_auth, secret_form=secret_form,
            headers=headers, verify_tls=self.verify_tls, ca_file=self.ca_file, environ=self.environ))

    async def http_post_form_async(self, url: str, form: Mapping[str, str], *,
                                   basic_auth: tuple[str, str] | None = None,
                                   secret_form: Mapping[str, str] | None = None,
                                   headers: Mapping[str, str] | None = None) -> HttpObservation:
        return await wait_future(self.http_post_form(url, form, basic_auth=basic_auth,
                                                     secret_form=secret_form, headers=headers))


NO_IDP_REQUESTS = "left out (--no-idp-requests): nothing was sent to the IdP's authorize or token endpoint"


def _refused(url: str) -> Future[HttpObservation]:
    from authdoctor.probes.http import HttpObservation, strip_credentials

    future: Future[HttpObservation] = Future()
    future.set_result(HttpObservation(url=strip_credentials(url), final_url=strip_credentials(url),
                                      refused=NO_IDP_REQUESTS))
    return future
