"""A loopback HTTP server that misbehaves on purpose, for the JWKS fetch tests (adversarial
report H5, H6c, U3, U12; its tinysrv.py, rewritten as a fixture).

Routes: /drip (headers at once, then the body one byte a second), /header-drip (one header line
a second), /badport (a redirect to port 99999), /garbage (no HTTP status line), /truncated (the
body shorter than Content-Length), /empty-keys ({"keys": []}), /not-a-list ({"keys": {}}). The
server listens on 127.0.0.1 only; the fixture stops it and every handler, so nothing is left.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest


class _Handler(socketserver.BaseRequestHandler):
    stop: threading.Event

    def _send(self, data: bytes) -> None:
        self.request.sendall(data)

    def _drip(self, pieces: list[bytes]) -> None:
        for piece in pieces:
            if self.stop.wait(1.0):
                return
            self._send(piece)

    def handle(self) -> None:
        try:
            request = self.request.recv(4096)
            path = request.split(b" ")[1] if b" " in request else b"/"
            if path == b"/drip":
                self._send(b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n")
                self._drip([b" "] * 60)
            elif path == b"/header-drip":
                self._send(b"HTTP/1.1 200 OK\r\n")
                self._drip([f"X-Drip-{n}: x\r\n".encode() for n in range(60)])
            elif path == b"/badport":
                self._send(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/x\r\n"
                           b"Content-Length: 0\r\n\r\n")
            elif path == b"/garbage":
                self._send(b"SSH-2.0-OpenSSH_9.6\r\nthis is not http\r\n\r\n")
            elif path == b"/truncated":
                self._send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"keys\": [")
            elif path == b"/not-a-list":
                self._send(b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"keys":{}}')
            else:  # /empty-keys
                self._send(b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"keys":[]}')
        except OSError:
            pass


@pytest.fixture
def misbehaving_server() -> Iterator[str]:
    stop = threading.Event()
    handler = type("Handler", (_Handler,), {"stop": stop})

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
