"""pytest plugin: in-process code resolves loopback names only (the live-probe design's network
hygiene: only loopback addresses in tests).

`check` without --offline now probes what the settings name, and many fixtures name hosts such as
id.example.com. In this process such a name fails to resolve at once, as NXDOMAIN, instead of
asking a real DNS server: the run is deterministic and nothing leaves the machine. Numeric
addresses, localhost and this machine's own name resolve as usual (the lab uses them)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

_REAL = socket.getaddrinfo
BLOCKED = "Name or service not known (the test suite resolves loopback names only)"


def _allowed(name: str) -> bool:
    name = name.strip("[]").lower().rstrip(".")
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
        return True
    except ValueError:
        pass
    own = {socket.gethostname().lower(), "localhost", "localhost.localdomain", "ip6-localhost"}
    return name in own or name.endswith(".localhost")


def _guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
    if name is None or _allowed(str(name)):
        return _REAL(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, BLOCKED)


def pytest_configure(config: pytest.Config) -> None:
    socket.getaddrinfo = _guarded


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.getaddrinfo = _REAL
