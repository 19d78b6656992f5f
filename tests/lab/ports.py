"""Loopback ports for the lab: free ones for tests, fixed defaults for `scripts/lab`.

Free ports come from the kernel (bind to port 0) and are remembered for the life of the process,
so two servers started in parallel never get the same one. There is an unavoidable window
between choosing a port and the server binding it; a server that then fails to bind exits, and
its controller reports the log.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

HOST = "127.0.0.1"

_handed_out: set[int] = set()
_lock = threading.Lock()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now and this process has not handed out."""
    with _lock:
        for _ in range(50):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((HOST, 0))
                port = int(sock.getsockname()[1])
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("no free loopback port after 50 tries")


def reserve_port() -> tuple[int, socket.socket]:
    """A free port held by a bound (not listening) socket until the caller closes it, so no
    other process gets it from the kernel in the meantime (for ports chosen long before use)."""
    with _lock:
        for _ in range(50):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
            if port not in _handed_out:
                _handed_out.add(port)
                return port, sock
            sock.close()
    raise RuntimeError("no free loopback port after 50 tries")


def free_ports(count: int) -> list[int]:
    return [free_port() for _ in range(count)]


def port_open(port: int, host: str = HOST, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.02,
               what: str = "condition", alive: Callable[[], bool] | None = None) -> None:
    """Poll `predicate` until true; TimeoutError after `timeout` s; RuntimeError at once when
    `alive` says the server process has died."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if alive is not None and not alive():
            raise RuntimeError(f"server exited before {what}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.1f}s")
        time.sleep(interval)
