"""Misbehaving JWKS servers on 127.0.0.1 for the `jwt verify --jwks URL` cases.

One raw-socket server answers by path, the way the adversarial run's `tinysrv.py` did, so each
answer can break HTTP exactly as wanted: drips, hangs, bad redirects, a garbage status line,
huge or endless bodies, a gzip bomb. Every slow answer also stops when the server stops, so the
fixture's `stop()` leaves no thread behind.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
import zlib
from collections.abc import Callable

BOMB_BYTES = 1024**3  # what the gzip bomb inflates to


def _gzip_bomb(size: int = BOMB_BYTES) -> bytes:
    """A gzip stream of `size` zero bytes, about 1 MB: one raw-deflate block of 1 MiB of zeros,
    full-flushed so each repeat is byte-identical, repeated; the trailer's CRC is computed."""
    chunk = b"\0" * (1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = size // len(chunk)
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * repeats + final + struct.pack("<II", crc, size & 0xFFFFFFFF)


def _ok(body: bytes, content_type: bytes = b"application/json", extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n"
        + extra
        + b"Connection: close\r\n\r\n"
        + body
    )


def _redirect(location: bytes | None) -> bytes:
    where = b"Location: " + location + b"\r\n" if location is not None else b""
    return b"HTTP/1.1 302 Found\r\n" + where + b"Content-Length: 0\r\nConnection: close\r\n\r\n"


class JwksServers:
    """Start with `start()`; `base` is `http://127.0.0.1:PORT`; `stop()` ends every answer."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._bomb: bytes | None = None
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- answers -------------------------------------------------------------------------
    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False when the servers are stopping."""
        return not self.stopping.wait(seconds)

    def _drip(self, conn: socket.socket, head: bytes, body: bytes, every: float) -> None:
        conn.sendall(head)
        for byte in body:
            if not self._wait(every):
                return
            conn.sendall(bytes([byte]))

    def answer(self, path: str, conn: socket.socket) -> None:
        routes: dict[str, Callable[[], None]] = {
            "/empty-keys": lambda: conn.sendall(_ok(b'{"keys":[]}')),
            "/array": lambda: conn.sendall(_ok(b"[]")),
            "/keys-object": lambda: conn.sendall(_ok(b'{"keys":{}}')),
            "/broken-keys": lambda: conn.sendall(
                _ok(b'{"keys":[{"kty":"RSA","n":5,"e":"AQAB"},{"kty":"EC","crv":"P-999","x":"a","y":"b"}]}')
            ),
            "/html": lambda: conn.sendall(_ok(b"<html><body>Sign in</body></html>", b"text/html")),
            "/not-utf8": lambda: conn.sendall(_ok(b'{"keys":["\xff\xfe"]}')),
            "/deep-json": lambda: conn.sendall(_ok(b"[" * 200_000 + b"]" * 200_000)),
            "/big": lambda: conn.sendall(_ok(b" " * (10 * 1024 * 1024) + b'{"keys":[]}')),
            "/big-no-length": lambda: conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                + b" " * (10 * 1024 * 1024)
            ),
            "/gzip-bomb": lambda: conn.sendall(_ok(self.bomb(), extra=b"Content-Encoding: gzip\r\n")),
            "/redirect-loop": lambda: conn.sendall(_redirect(b"/redirect-loop")),
            "/redirect-bad-port": lambda: conn.sendall(_redirect(b"http://127.0.0.1:99999/x")),
            "/redirect-file": lambda: conn.sendall(_redirect(b"file:///etc/passwd")),
            "/redirect-no-location": lambda: conn.sendall(_redirect(None)),
            "/redirect-garbage": lambda: conn.sendall(_redirect(b"http://[::1/x")),
            "/no-content": lambda: conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
            "/server-error": lambda: conn.sendall(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!"
            ),
            "/truncated": lambda: conn.sendall(
                b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"keys":'
            ),
            "/garbage-status": lambda: conn.sendall(b"HTTQ/9.9 abc garbage\r\n\r\n{}"),
            "/not-http": lambda: conn.sendall(b"\x00\x01\x02\x03 SSH-2.0-OpenSSH\r\n"),
            "/hang": self._hang,
            "/drip": lambda: self._drip(
                conn, b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\nConnection: close\r\n\r\n", b" " * 200, 0.5
            ),
            "/header-drip": lambda: self._drip(
                conn, b"HTTP/1.1 200 OK\r\n", b"".join(b"X-Slow-%d: 1\r\n" % i for i in range(200)), 0.05
            ),
            "/endless": lambda: self._endless(conn),
        }
        routes.get(path.split("?", 1)[0], lambda: conn.sendall(_ok(b'{"keys":[]}')))()

    def _hang(self) -> None:
        """Read the request, never answer (until the servers stop)."""
        self._wait(60)

    def _endless(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        piece = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        while not self.stopping.is_set():
            conn.sendall(piece)

    def bomb(self) -> bytes:
        if self._bomb is None:
            self._bomb = _gzip_bomb()
        return self._bomb

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> JwksServers:
        servers = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(5)
                try:
                    request = conn.recv(65536)
                    parts = request.split(b" ")
                    path = parts[1].decode("latin-1") if len(parts) > 1 else "/"
                    servers.answer(path, conn)
                except OSError:
                    pass  # the client gave up: that is what most of these answers are for

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.bomb()  # build it before any client waits for it
        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="corpus-jwks-servers",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        time.sleep(0)  # let the handler threads see `stopping`
