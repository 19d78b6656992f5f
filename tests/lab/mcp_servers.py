"""The lab's MCP tool-server OAuth setup: real authorization servers and a small MCP resource server.

Authorization servers: panva oidc-provider 8.8.1 (fixtures/lab/oidc/server.mjs), one Node process
with one provider per variant, started apart from the OIDC lab set so its variants stay its own:

| variant           | what is wrong                                                       |
|-------------------|---------------------------------------------------------------------|
| `dcr`             | nothing: open dynamic client registration (`registration_endpoint`), |
|                   | PKCE S256                                                           |
| `no_registration` | registration off: no `registration_endpoint`                        |
| `plain_pkce`      | registration on, `code_challenge_methods_supported: ["plain"]`      |

oidc-provider serves `/.well-known/openid-configuration` (not the RFC 8414 path, which answers
404): Open WebUI tries the RFC 8414 URL first and then the OpenID one, as authdoctor does.

The MCP resource server (`McpResourceServer`, Python, loopback) stands in for an MCP server that
requires OAuth: a POST to `/mcp/<name>` answers 401 with `WWW-Authenticate: Bearer
resource_metadata="<origin>/.well-known/oauth-protected-resource/mcp/<name>"`, and that URL serves
RFC 9728 metadata naming the authorization server given for `<name>`. A name given no
authorization server (`routes[name] = None`) answers 401 without resource_metadata, and its
well-known URLs answer 404 (an MCP server without protected resource metadata).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .paths import OIDC_DIR
from .ports import HOST, free_port, wait_until
from .process import ServerProcess, StartError, find_binary, launch

AS_VARIANTS: dict[str, dict[str, Any]] = {
    "dcr": {"registration": True},
    "no_registration": {"registration": False},
    "plain_pkce": {"registration": True, "pkce_methods": ["plain"]},
}
PRM_PATH = "/.well-known/oauth-protected-resource"


def start_authorization_servers(run_dir: Path, *,
                                timeout: float = 10.0) -> tuple[dict[str, str], ServerProcess]:
    """Start every variant in one Node process; returns {variant: issuer URL} and the process."""
    home = (run_dir / "mcp-as").resolve()
    home.mkdir(parents=True, exist_ok=True)
    specs = []
    for name, options in AS_VARIANTS.items():
        port = free_port()
        specs.append({"name": name, "port": port, "issuer": f"http://{HOST}:{port}", "end_session": True,
                      "pkce": "public", "clients": [], **options})
    config = home / "config.json"
    config.write_text(json.dumps({"host": HOST, "accounts": {}, "providers": specs}, indent=2))
    log = home / "oidc.log"
    if log.exists():
        log.unlink()
    node = find_binary("node")
    if node is None:
        raise FileNotFoundError("node not installed (scripts/install-lab-deps)")
    proc = launch("mcp-as", [node, str(OIDC_DIR / "server.mjs"), str(config)], log_path=log, cwd=OIDC_DIR)

    def ready() -> bool:
        try:
            return "READY " in log.read_text()
        except OSError:
            return False

    try:
        wait_until(ready, timeout=timeout, alive=proc.alive, what="oidc-provider READY")
    except (RuntimeError, TimeoutError) as exc:
        proc.stop()
        raise StartError(proc, f"did not start: {exc}") from None
    return {spec["name"]: spec["issuer"] for spec in specs}, proc


@dataclass
class McpResourceServer:
    """A loopback MCP resource server: `routes` maps a name to the authorization server its
    protected resource metadata names (None: no metadata). `requests` records (method, path)."""

    routes: Mapping[str, str | None]
    port: int = 0

    def __post_init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append(("POST", self.path))
                name = self.path.removeprefix("/mcp/")
                if not self.path.startswith("/mcp/") or name not in server.routes:
                    self._send(404)
                    return
                challenge = 'Bearer error="invalid_token"'
                if server.routes[name] is not None:
                    challenge += f', resource_metadata="{server.origin}{PRM_PATH}/mcp/{name}"'
                self._send(401, b'{"error": "invalid_token"}',
                           {"WWW-Authenticate": challenge, "Content-Type": "application/json"})

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path))
                name = self.path.removeprefix(f"{PRM_PATH}/mcp/")
                issuer = server.routes.get(name) if self.path.startswith(f"{PRM_PATH}/mcp/") else None
                if issuer is None:
                    self._send(404, b"Not Found", {"Content-Type": "text/plain"})
                    return
                body = json.dumps({"resource": f"{server.origin}/mcp/{name}",
                                   "authorization_servers": [issuer],
                                   "bearer_methods_supported": ["header"]}).encode()
                self._send(200, body, {"Content-Type": "application/json"})

        self._server = ThreadingHTTPServer((HOST, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="lab-mcp-resource",
                                        daemon=True)

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.origin}/mcp/{name}"

    def __enter__(self) -> McpResourceServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def connections(entries: Mapping[str, tuple[str, str]], *, client_info: bool = True) -> str:
    """A TOOL_SERVER_CONNECTIONS value: {id: (url, auth_type)} as the admin UI stores them."""
    return json.dumps([
        {"type": "mcp", "url": url, "path": "", "auth_type": auth_type, "key": "", "config": {},
         "info": {"id": server_id, "name": server_id,
                  **({"oauth_client_info": "gAAAAAB-lab-placeholder"} if client_info else {})}}
        for server_id, (url, auth_type) in entries.items()])
