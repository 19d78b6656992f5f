"""A healthy OIDC provider's documents on 127.0.0.1 (discovery, and the JWKS with one RSA-2048
public key), for `check` runs that need a live half to run against something (the lab's
oidc-provider is the real thing; this costs nothing to start). It also answers the oauth area's
probes as a healthy provider does for any client: the authorization endpoint redirects to its
login page, and the token endpoint answers a client that authenticates (HTTP Basic or
client_secret) with `invalid_grant` for the probe's invalid code."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

WELL_KNOWN = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks"
END_SESSION_PATH = "/session/end"  # answers a logout confirmation page, like a real provider


@cache
def jwks() -> bytes:
    """One RS256 signing key, public only (made once per test session)."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    key = {**json.loads(RSAAlgorithm.to_jwk(public)), "kid": "test-rs256", "use": "sig", "alg": "RS256"}
    return json.dumps({"keys": [key]}).encode()


def document(issuer: str) -> dict[str, object]:
    return {
        "issuer": issuer, "authorization_endpoint": f"{issuer}/auth", "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}{JWKS_PATH}", "response_types_supported": ["code"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "end_session_endpoint": f"{issuer}{END_SESSION_PATH}",
        "scopes_supported": ["openid", "email", "profile", "offline_access"],
        "code_challenge_methods_supported": ["S256"],
    }


@pytest.fixture
def discovery_server() -> Iterator[str]:
    """The issuer URL of a loopback provider whose discovery document is healthy."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = f"http://127.0.0.1:{self.server.server_address[1]}"  # type: ignore[index]
            if self.path.startswith("/auth?"):
                self.send_response(303)
                self.send_header("Location", f"{issuer}/login")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            bodies = {WELL_KNOWN: json.dumps(document(issuer)).encode(), JWKS_PATH: jwks(),
                      END_SESSION_PATH: b"<!DOCTYPE html><form method=post>Sign out?</form>"}
            body = bodies.get(self.path, b"not found")
            self.send_response(200 if self.path in bodies else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode("ascii", "replace")
            basic = self.headers.get("Authorization", "").startswith("Basic ")
            authenticated = basic or "client_secret=" in form
            status, error = ((400, "invalid_grant") if self.path == "/token" and authenticated
                             else (401, "invalid_client") if self.path == "/token" else (404, "not_found"))
            body = json.dumps({"error": error}).encode()
            self.send_response(status)
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
