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
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    """Every POST: (path, headers with lower-case names, body)."""
    trusted_header_name: str = "X-Forwarded-Email"
    """The header the trusted-header sign-in reads (when `trusted_header`)."""

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

    def answer_post(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str, bytes]:
        """POST /api/v1/auths/signin as 0.12.4 answers it (routers/auths.signin), without accounts:
        the trusted-header branch first (400 INVALID_TRUSTED_HEADER without the header; with it the
        real app signs in or creates the account, which the imitation never does: it answers 500
        so a test that sends the header fails loudly), else password sign-in (400 INVALID_CRED).
        Any other POST path: 405, like the real app's SPA catch-all for POST."""
        if self.page is not None:
            return self.page
        if path != "/api/v1/auths/signin":
            return 405, "application/json", b'{"detail":"Method Not Allowed"}'
        try:
            form = json.loads(body)
        except ValueError:
            form = None
        if not isinstance(form, dict) or not isinstance(form.get("email"), str) \
                or not isinstance(form.get("password"), str):
            return 422, "application/json", b'{"detail":"Invalid authentication request."}'
        if self.trusted_header:
            if self.trusted_header_name.lower() not in headers:
                return 400, "application/json", json.dumps({"detail": INVALID_TRUSTED_HEADER}).encode()
            return 500, "text/plain", b"the imitation does not sign trusted-header requests in"
        return 400, "application/json", json.dumps({"detail": INVALID_CRED}).encode()


INVALID_TRUSTED_HEADER = ("Your provider has not provided a trusted header. Please contact your "
                          "administrator for assistance.")
INVALID_CRED = ("The email or password provided is incorrect. Please check for typos and try logging "
                "in again.")


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

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            path = self.path.split("?")[0]
            app.posts.append((path, headers, body))
            status, ctype, answer = app.answer_post(path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

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
