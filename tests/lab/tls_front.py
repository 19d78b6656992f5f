"""A small TLS-terminating reverse proxy for the lab, in the standard library: the https front
of a deployment, in front of the real Open WebUI or the imitation.

`TlsFront(backend, cert, key, hsts=...)` listens with https on 127.0.0.1 (the lab certificate
names localhost), forwards every request to `backend` (an http base URL) unchanged except for
what a proxy such as nginx adds (`X-Forwarded-Proto: https`, `X-Forwarded-For`, the client's
`Host` kept), and copies the answer back (every `Set-Cookie` kept) with
`Strict-Transport-Security: <hsts>` added when `hsts` is not None. Like nginx with
`proxy_set_header` and no auth: it authenticates nobody, so a trusted header a client sends
reaches the app.

`PlainHttp(port, redirect_to=...)` is the plain-http listener of the same host: a 301 to the
same path under `redirect_to` (an https origin), or, with `redirect_to=None`, a 200 page (a site
that also serves http).

Both are context managers (`start()`/`stop()`), threads of the test process, loopback only.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .ports import HOST

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailers", "transfer-encoding", "upgrade", "content-length"})


class _Server:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.port = int(server.server_address[1])
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class TlsFront(_Server):
    """https://localhost:<port> in front of `backend`."""

    def __init__(self, backend: str, cert: Path, key: Path, *, hsts: str | None, port: int = 0) -> None:
        target = urlsplit(backend)
        self.hsts = hsts
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                headers["X-Forwarded-Proto"] = "https"
                headers["X-Forwarded-For"] = self.client_address[0]
                conn = http.client.HTTPConnection(target.hostname or HOST, target.port or 80, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for name, value in answer.getheaders():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                finally:
                    conn.close()
                if front.hsts is not None:
                    self.send_header("Strict-Transport-Security", front.hsts)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer((HOST, port), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        super().__init__(server)

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}" if self.port != 443 else "https://localhost"


class PlainHttp(_Server):
    """http://localhost:<port>: a redirect to `redirect_to` (an https origin) or a page."""

    def __init__(self, port: int, *, redirect_to: str | None) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if redirect_to is not None:
                    self.send_response(301)
                    self.send_header("Location", f"{redirect_to.rstrip('/')}{self.path}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"<!doctype html><html><body>Open WebUI</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(ThreadingHTTPServer((HOST, port), Handler))
