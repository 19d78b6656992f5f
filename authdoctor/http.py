"""The one place HTTP clients are made, so every probe has the same safety policy:

- TLS verified by default (`probe.verify_tls`, extra CA via `probe.ca_file`);
- a timeout on every request (connect, read, write, pool);
- redirects are *not* followed automatically: a probe that follows one does it itself, so no
  credential is ever sent to a host other than the one it belongs to;
- proxies and netrc from the environment are ignored (`trust_env=False`): what is probed is what
  the settings name.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from authdoctor import __version__
from authdoctor.settings.model import ProbeOptions

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"authdoctor/{__version__}"


def tls_context(probe: ProbeOptions) -> ssl.SSLContext | bool:
    if not probe.verify_tls:
        return False
    context = ssl.create_default_context()
    if probe.ca_file:
        from authdoctor.localfiles import check_regular_file

        # A FIFO or device here would block load_verify_locations forever (UsageError instead).
        check_regular_file(probe.ca_file, "the CA file")
        context.load_verify_locations(cafile=probe.ca_file)
    return context


def make_async_client(probe: ProbeOptions, *, timeout_s: float | None = None) -> httpx.AsyncClient:
    import httpx

    timeout = httpx.Timeout(timeout_s if timeout_s is not None else probe.timeout_s)
    return httpx.AsyncClient(
        verify=tls_context(probe),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )
