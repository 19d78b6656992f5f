"""A loopback imitation of Open WebUI 0.12.4's anonymous endpoints, for the deploy area's tests.

Answers GET /health, /api/version, /api/config and /opensearch.xml with the bodies the real app
sends (shared/reference/openwebui-live-0.12.4.md §3.1; /opensearch.xml from 0.12.4 main.py
`get_opensearch_xml`), built from a few knobs; any other path, or `page=`, answers a fixed page
instead (an HTML page, a 502 proxy error page, a login wall). 127.0.0.1 only; the context manager
stops the server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeApp:
    version: str = "0.12.4"
    auth: bool = True
    trusted_header: bool = False
    ldap: bool = False
    signup: bool = False
    login_form: bool = True
    providers: Mapping[str, str] = field(default_factory=dict)
    webui_url: str = "http://localhost:3000"
    page: tuple[int, str, bytes] | None = None
    """(status, content type, body) answered on every path instead of Open WebUI's answers."""
    requests: list[str] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        return {"status": True, "name": "Open WebUI", "version": self.version, "default_locale": "",
                "i18n": {}, "oauth": {"providers": dict(self.providers), "auto_redirect": False},
                "features": {"slim": False, "auth": self.auth, "auth_trusted_header": self.trusted_header,
                             "enable_signup_password_confirmation": False, "enable_ldap": self.ldap,
                             "enable_signup": self.signup, "enable_login_form": self.login_form,
                             "enable_websocket": True}}

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if self.page is not None:
            return self.page
        if path == "/health":
            return 200, "application/json", b'{"status":true}'
        if path == "/api/version":
            version = {"version": self.version, "deployment_id": ""}
            return 200, "application/json", json.dumps(version).encode()
        if path == "/api/config":
            return 200, "application/json", json.dumps(self.config()).encode()
        if path == "/opensearch.xml":
            xml = (f'<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" '
                   f'xmlns:moz="http://www.mozilla.org/2006/browser/search/"><ShortName>Open WebUI'
                   f'</ShortName><moz:SearchForm>{self.webui_url}</moz:SearchForm></OpenSearchDescription>')
            return 200, "application/xml", xml.encode()
        return 200, "text/html; charset=utf-8", b"<!doctype html><html><body>Open WebUI</body></html>"


PROXY_502 = (502, "text/html", b"<html><head><title>502 Bad Gateway</title></head><body><center>"
             b"<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
HTML_PAGE = (200, "text/html; charset=utf-8", b"<!DOCTYPE html><html><head><title>Welcome to nginx!"
             b"</title></head><body><h1>Welcome to nginx!</h1></body></html>")
LOGIN_WALL = (401, "text/html", b"<html><body>Please sign in to the corporate portal</body></html>")


@contextmanager
def serve(app: FakeApp) -> Iterator[str]:
    """Run `app` on 127.0.0.1; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            app.requests.append(self.path)
            status, ctype, body = app.answer(self.path.split("?")[0])
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
