"""A healthy OIDC discovery document on 127.0.0.1, for `check` runs that need a live half to run
against something (the lab's oidc-provider is the real thing; this costs nothing to start)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

WELL_KNOWN = "/.well-known/openid-configuration"


def document(issuer: str) -> dict[str, object]:
    return {
        "issuer": issuer, "authorization_endpoint": f"{issuer}/auth", "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "end_session_endpoint": f"{issuer}/session/end",
    }


@pytest.fixture
def discovery_server() -> Iterator[str]:
    """The issuer URL of a loopback provider whose discovery document is healthy."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = f"http://127.0.0.1:{self.server.server_address[1]}"  # type: ignore[index]
            body = json.dumps(document(issuer)).encode() if self.path == WELL_KNOWN else b"not found"
            self.send_response(200 if self.path == WELL_KNOWN else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
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
