"""The MCP tool-server OAuth area against real servers, through the real runner: panva
oidc-provider authorization servers (open dynamic registration, none, PKCE without S256) behind a
loopback MCP resource server that answers 401 with `WWW-Authenticate: Bearer resource_metadata=…`
(tests/lab/mcp_servers.py). The healthy setup gives only ok; each broken one its code; nothing is
ever registered (the provider's registration endpoint sees no request)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping

import pytest
from settings_env import source

from authdoctor.checks import mcp
from authdoctor.findings import CheckOutcome, HalfStatus, Severity
from authdoctor.runner import RunOptions, run_checks
from authdoctor.settings.model import Deployment, ProbeOptions

from . import oidc as oidc_mod
from .fixtures import need
from .mcp_servers import McpResourceServer, connections, start_authorization_servers
from .paths import LAB_RUN
from .ports import HOST, free_port

pytestmark = pytest.mark.realserver


@pytest.fixture(scope="module")
def authorization_servers() -> Iterator[dict[str, str]]:
    need(oidc_mod.missing_binaries(), "OIDC provider")
    run_dir = LAB_RUN / f"mcp-{os.getpid()}"
    issuers, proc = start_authorization_servers(run_dir)
    try:
        yield issuers
    finally:
        proc.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def resource_server(authorization_servers: dict[str, str]) -> Iterator[McpResourceServer]:
    dead = f"http://{HOST}:{free_port()}"
    routes: dict[str, str | None] = {**authorization_servers, "dead_as": dead, "no_prm": None}
    with McpResourceServer(routes) as server:
        yield server


def run_mcp(entries: Mapping[str, tuple[str, str]], *, webui_url: str = "https://chat.example.com",
            register: bool = False) -> CheckOutcome:
    env = {"WEBUI_URL": webui_url, "TOOL_SERVER_CONNECTIONS": connections(entries)}
    deployment = Deployment(replicas=(source(env),), sources=("lab.env",),
                            probe=ProbeOptions(register_mcp_clients=register))
    report = run_checks(deployment, RunOptions(timeout_s=20, probe_timeout_s=3),
                        checks={"mcp": mcp.CHECK})
    [outcome] = report.checks
    return outcome


def problems(outcome: CheckOutcome) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in outcome.findings
            if f.severity not in (Severity.OK, Severity.SKIPPED)]


def test_open_registration_gives_only_ok(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("dcr"), "oauth_2.1")})
    assert problems(outcome) == []
    assert outcome.live is not None and outcome.live.status is HalfStatus.RAN
    [ok] = outcome.findings
    assert ok.code == "mcp.ok"
    # the app's requests, in its order: initialize, the announced PRM; nothing registered
    assert ("POST", "/mcp/dcr") in resource_server.requests
    assert ("GET", "/.well-known/oauth-protected-resource/mcp/dcr") in resource_server.requests


def test_no_registration_endpoint(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("no_registration"), "oauth_2.1")})
    [finding] = [f for f in outcome.findings if f.severity is not Severity.OK]
    assert (finding.code, finding.severity) == ("mcp.registration-not-supported", Severity.ERROR)
    assert finding.evidence["registration goes to"] == f"{resource_server.origin}/register"
    assert finding.evidence["redirect URI"] == "https://chat.example.com/oauth/clients/mcp:tools/callback"
    assert finding.evidence["metadata"].endswith("/.well-known/openid-configuration")


def test_static_client_needs_no_registration(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("no_registration"), "oauth_2.1_static")})
    assert problems(outcome) == []


def test_pkce_without_s256(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("plain_pkce"), "oauth_2.1")})
    assert problems(outcome) == [("mcp.pkce-s256-missing", Severity.WARNING)]
    [finding] = outcome.findings
    assert finding.evidence["code_challenge_methods_supported"] == "plain"
    assert "sends no PKCE" in finding.title


def test_authorization_server_unreachable(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("dead_as"), "oauth_2.1")})
    [finding] = outcome.findings
    assert finding.code == "mcp.authorization-server-metadata-unreachable"
    assert finding.severity is Severity.ERROR
    assert "connection refused" in finding.detail
    # the app stops at the first connection failure: one URL tried
    assert [k for k in finding.evidence if k.startswith("tried")] == ["tried 1"]
    assert "/.well-known/oauth-authorization-server" in finding.evidence["tried 1"]


def test_no_resource_metadata(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("no_prm"), "oauth_2.1")})
    assert problems(outcome) == [("mcp.resource-metadata-unreachable", Severity.WARNING),
                                 ("mcp.authorization-server-metadata-unreachable", Severity.WARNING)]
    prm, metadata = outcome.findings
    assert prm.evidence["tried 1"].endswith("/.well-known/oauth-protected-resource/mcp/no_prm -> HTTP 404")
    assert prm.evidence["tried 2"].endswith("/.well-known/oauth-protected-resource -> HTTP 404")
    assert f"{resource_server.origin}/register" in metadata.detail


def test_mcp_server_unreachable() -> None:
    outcome = run_mcp({"tools": (f"http://{HOST}:{free_port()}/mcp", "oauth_2.1")})
    [finding] = outcome.findings
    assert (finding.code, finding.severity) == ("mcp.server-unreachable", Severity.ERROR)
    assert "connection refused" in finding.title


# ----------------------------------------------------------------------------- --register-mcp-clients

def test_registration_at_a_real_provider(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("dcr"), "oauth_2.1")}, register=True)
    [finding] = [f for f in outcome.findings if f.severity is not Severity.OK]
    assert (finding.code, finding.severity) == ("mcp.client-registered", Severity.INFO)
    assert finding.evidence["client_id"]
    assert finding.evidence["registered token_endpoint_auth_method"] == "client_secret_post"
    assert finding.evidence["redirect URI"] == "https://chat.example.com/oauth/clients/mcp:tools/callback"
    # only non-secret registered metadata is kept (never client_secret or registration_access_token)
    kept = {k.removeprefix("registered ") for k in finding.evidence if k.startswith("registered ")}
    assert kept <= {"token_endpoint_auth_method", "grant_types", "response_types", "redirect_uris",
                    "application_type", "scope", "client_secret_expires_at"}


def test_registration_refused_for_http_redirect_uri(resource_server: McpResourceServer) -> None:
    """oidc-provider refuses plain-http redirect URIs off loopback for native clients, and the app
    registers as one (application_type native)."""
    outcome = run_mcp({"tools": (resource_server.url("dcr"), "oauth_2.1")}, register=True,
                      webui_url="http://chat.example.com")
    [finding] = outcome.findings
    assert (finding.code, finding.severity) == ("mcp.registration-failed", Severity.ERROR)
    assert "HTTP 400: invalid_redirect_uri" in finding.detail
    assert "native client" in finding.detail
    assert finding.fix.startswith("Serve Open WebUI over https")


def test_registration_skipped_without_registration_endpoint(resource_server: McpResourceServer) -> None:
    outcome = run_mcp({"tools": (resource_server.url("no_registration"), "oauth_2.1")}, register=True)
    assert problems(outcome) == [("mcp.registration-not-supported", Severity.ERROR)]
    assert any(f.severity is Severity.SKIPPED and "not registered" in f.detail for f in outcome.findings)
