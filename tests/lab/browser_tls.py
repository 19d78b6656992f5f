"""A TLS-terminating front for the browser tier, a TCP pass-through (tests/lab/tls_front.py is
an HTTP proxy for the transport tests): `https://<name>:PORT` (a name the browser maps to
127.0.0.1, tests/lab/browser.py) in front of `http://127.0.0.1:BACKEND`.

Bytes pass through unchanged, like a TCP-mode proxy (nginx `stream`, HAProxy `mode tcp`): the
app's Set-Cookie reaches the browser exactly as the app sent it, and the app sees plain http (no
X-Forwarded-* headers). Its certificate comes from a throwaway trustme CA, with the browser
tier's host names; the browser trusts it through `ignore_https_errors` (browser-truth.md: the same
cookie results as a pinned certificate). Threads only, in the test process; `close()` stops
everything.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path

from .ports import HOST

NAMES = ("chat.example.test", "idp.example.test", "idp.other.test", "localhost", "127.0.0.1")


def make_front_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate chain, key) for NAMES, issued by a new throwaway CA."""
    import trustme

    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="authdoctor lab browser-tier CA")
    leaf = ca.issue_cert(*NAMES, common_name=NAMES[0])
    cert, key = directory / "front.pem", directory / "front.key"
    cert.write_bytes(b"".join(p.bytes() for p in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    key.chmod(0o600)
    return cert, key


class PassThroughTlsFront:
    """Listens on 127.0.0.1 (a free port) with TLS; each connection is piped to the backend."""

    def __init__(self, backend_port: int, cert: Path, key: Path) -> None:
        self.backend_port = backend_port
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(cert), str(key))
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"tls-front-{self.port}", daemon=True).start()

    def url(self, host: str = NAMES[0]) -> str:
        return f"https://{host}:{self.port}"

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        try:
            tls = self._context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):  # the browser dropped a speculative connection
            with contextlib.suppress(OSError):
                client.close()
            return
        self._track(tls)
        try:
            backend = socket.create_connection((HOST, self.backend_port), timeout=30)
        except OSError:
            with contextlib.suppress(OSError):
                tls.close()
            return
        backend.settimeout(None)
        self._track(backend)
        threading.Thread(target=self._pump, args=(backend, tls), daemon=True).start()
        self._pump(tls, backend)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        """Copy until either side ends, then close both (HTTP needs no half-close here)."""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, ssl.SSLError):
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
            self._sockets.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
