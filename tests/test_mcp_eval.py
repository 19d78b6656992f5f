"""The MCP tool-server OAuth area: settings (TOOL_SERVER_CONNECTIONS) and the live half's
evaluation from hand-made observations, no network. One case per code and branch of
authdoctor/checks/mcp.py (Open WebUI 0.12.4 utils/oauth.py discovery; RFC 9728, RFC 8414 M1/M4,
RFC 7591, RFC 9700 O2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from settings_env import problems, run

from authdoctor.checks import mcp
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
MCP_URL = "https://mcp.example.com/mcp"
PRM_URL = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
ISSUER = "https://auth.example.com"
AS_URL = f"{ISSUER}/.well-known/oauth-authorization-server"
METADATA: dict[str, Any] = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "registration_endpoint": f"{ISSUER}/register",
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
    "code_challenge_methods_supported": ["S256"],
}
BEARER_KEY = "bearer-key-0123456789abcdef"


def entry(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "mcp", "url": MCP_URL, "path": "", "auth_type": "oauth_2.1",
                            "key": BEARER_KEY, "config": {},
                            "info": {"id": "tools", "name": "Tools", "oauth_client_info": "gAAAA-encrypted"}}
    data.update(overrides)
    return data


def settings(value: Any, **env: str) -> list[Finding]:
    text = value if isinstance(value, str) else json.dumps(value)
    return run(mcp.CHECK, {"WEBUI_URL": "https://chat.example.com", "TOOL_SERVER_CONNECTIONS": text, **env})


# ----------------------------------------------------------------------------- settings

def test_healthy_connection_gives_no_settings_finding() -> None:
    assert problems(settings([entry()])) == []


@pytest.mark.parametrize(("value", "expected", "words"), [
    ("[{not json", [("mcp.connections-invalid", ERROR)], "starts with no tool server"),
    ({"type": "mcp"}, [("mcp.connections-invalid", ERROR)], "not a list: the app does not start"),
    (["https://mcp.example.com"], [("mcp.connections-invalid", ERROR)], "not an object"),
    ([entry(config=None)], [("mcp.connections-invalid", ERROR)], '"config": null'),
    ([{"type": "mcp", "url": MCP_URL, "auth_type": "oauth_2.1",
       "info": {"id": "t", "oauth_client_info": "x"}}],
     [("mcp.connections-invalid", WARNING)], "lacks path, key, config"),
])
def test_connections_invalid(value: Any, expected: list[tuple[str, Severity]], words: str) -> None:
    findings = settings(value)
    assert problems(findings) == expected
    assert words in findings[0].title


def test_invalid_json_never_shows_the_value() -> None:
    [found] = settings(f'[{{"key": "{BEARER_KEY}"')
    assert found.code == "mcp.connections-invalid"
    assert BEARER_KEY not in json.dumps([found.title, found.detail, dict(found.evidence)])
    assert found.evidence["TOOL_SERVER_CONNECTIONS"].startswith("<secret, ")


def test_connection_without_id() -> None:
    findings = settings([entry(info={"name": "x", "oauth_client_info": "y"})])
    assert problems(findings) == [("mcp.connection-id-missing", ERROR)]


@pytest.mark.parametrize(("auth_type", "words"), [("oauth_2.1", "presses Register"),
                                                  ("oauth_2.1_static", "client id and secret")])
def test_connection_without_client_info(auth_type: str, words: str) -> None:
    [found] = settings([entry(auth_type=auth_type, info={"id": "tools"})])
    assert (found.code, found.severity) == ("mcp.client-info-missing", WARNING)
    assert words in found.detail
    assert "/oauth/clients/mcp:tools/authorize answers 404" in found.detail


def test_webui_url_missing() -> None:
    findings = run(mcp.CHECK, {"TOOL_SERVER_CONNECTIONS": json.dumps([entry()])})
    assert problems(findings) == [("mcp.webui-url-missing", WARNING)]
    assert (findings[0].evidence["redirect URI"]
            == "<the URL of the admin's request>/oauth/clients/mcp:tools/callback")


@pytest.mark.parametrize(("env", "reason"), [
    ({}, "no tool server in TOOL_SERVER_CONNECTIONS"),
    ({"TOOL_SERVER_CONNECTIONS": json.dumps([entry()]), "ENABLE_TOOL_SERVERS": "false"}, "turned off"),
    ({"TOOL_SERVER_CONNECTIONS": json.dumps([entry()]), "ENABLE_PLUGINS": "False"}, "turned off"),
    ({"TOOL_SERVER_CONNECTIONS": json.dumps([entry(auth_type="bearer")])}, "uses OAuth 2.1"),
    ({"TOOL_SERVER_CONNECTIONS": json.dumps([entry(type="openapi")])}, "uses OAuth 2.1"),
    ({"TOOL_SERVER_CONNECTIONS": json.dumps([{**entry(), "type": None}])}, "uses OAuth 2.1"),
])
def test_skipped(env: dict[str, str], reason: str) -> None:
    [found] = run(mcp.CHECK, env)
    assert found.severity is Severity.SKIPPED
    assert reason in found.detail


def test_start_up_failure_is_reported_even_with_tool_servers_off() -> None:
    """main.py reads the connections before it looks at ENABLE_TOOL_SERVERS."""
    findings = settings({"type": "mcp"}, ENABLE_TOOL_SERVERS="false")
    assert problems(findings) == [("mcp.connections-invalid", ERROR)]
    assert findings[-1].severity is Severity.SKIPPED


def test_json_nested_too_deeply() -> None:
    [found] = settings("[" * 100_000)
    assert found.code == "mcp.connections-invalid"
    assert "nested too deeply" in found.detail


# ----------------------------------------------------------------------------- discovery URLs

def answer(url: str, body: Any = None, *, status: int = 200, content_type: str = "application/json",
           **headers: str) -> HttpObservation:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpObservation(url=url, final_url=url, status=status, body=raw,
                           headers={"content-type": content_type, **headers})


def failed(url: str, rung: Rung = Rung.TCP, summary: str = "connection refused") -> HttpObservation:
    return HttpObservation(url=url, final_url=url, failure=ProbeFailure(rung, summary, {"address": url}))


UNAUTHORIZED = answer(MCP_URL, {"error": "invalid_token"}, status=401,
                      **{"www-authenticate": f'Bearer error="invalid_token", resource_metadata="{PRM_URL}"'})


def test_resource_metadata_urls_follow_the_app() -> None:
    assert mcp.resource_metadata_urls(MCP_URL, UNAUTHORIZED) == [PRM_URL]
    unquoted = answer(MCP_URL, status=401, **{"www-authenticate": f"Bearer resource_metadata={PRM_URL}, x=1"})
    assert mcp.resource_metadata_urls(MCP_URL, unquoted) == [PRM_URL]
    plain = answer(MCP_URL, status=200)
    assert mcp.resource_metadata_urls(MCP_URL, plain) == [
        PRM_URL, "https://mcp.example.com/.well-known/oauth-protected-resource"]
    assert mcp.resource_metadata_urls("https://mcp.example.com/", plain) == [
        "https://mcp.example.com/.well-known/oauth-protected-resource"]


def test_authorization_server_candidates_follow_the_app() -> None:
    assert mcp.as_candidate_urls(["https://auth.example.com/tenant/"], MCP_URL) == [
        "https://auth.example.com/.well-known/oauth-authorization-server/tenant",
        "https://auth.example.com/.well-known/openid-configuration/tenant",
        "https://auth.example.com/tenant/.well-known/openid-configuration",
        "https://auth.example.com/.well-known/oauth-authorization-server",
        "https://auth.example.com/.well-known/openid-configuration",
        "https://mcp.example.com/.well-known/oauth-authorization-server/mcp",
        "https://mcp.example.com/.well-known/openid-configuration/mcp",
        "https://mcp.example.com/mcp/.well-known/openid-configuration",
        "https://mcp.example.com/.well-known/oauth-authorization-server",
        "https://mcp.example.com/.well-known/openid-configuration",
    ]


# ----------------------------------------------------------------------------- evaluation

CONNECTION = mcp.McpConnection(index=0, url=MCP_URL, auth_type="oauth_2.1", server_id="tools",
                               has_client_info=True)
STATIC = mcp.McpConnection(index=0, url=MCP_URL, auth_type="oauth_2.1_static", server_id="tools",
                           has_client_info=True)
PRM = answer(PRM_URL, {"resource": MCP_URL, "authorization_servers": [ISSUER]})


def discovery(*, metadata: Any = METADATA, initialize: HttpObservation = UNAUTHORIZED,
              prm: tuple[HttpObservation, ...] = (PRM,),
              as_answers: tuple[HttpObservation, ...] | None = None) -> mcp.Discovery:
    if as_answers is None:
        as_answers = (answer(AS_URL, metadata),)
    return mcp.Discovery(server_url=MCP_URL, initialize=initialize, resource_metadata=prm,
                         authorization_metadata=as_answers)


def evaluate(found: mcp.Discovery, connection: mcp.McpConnection = CONNECTION,
             webui_url: str = "https://chat.example.com") -> list[Finding]:
    return mcp.evaluate_discovery(connection, found, webui_url=webui_url)


def codes(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in findings]


def test_walk_stops_where_the_app_stops() -> None:
    start = mcp.Discovery(server_url=MCP_URL, initialize=UNAUTHORIZED)
    assert mcp.next_resource_url(start) == PRM_URL
    found = mcp.Discovery(server_url=MCP_URL, initialize=UNAUTHORIZED, resource_metadata=(PRM,))
    assert mcp.next_resource_url(found) is None
    assert mcp.next_as_url(found) == AS_URL
    refused = discovery(as_answers=(failed(AS_URL),))
    assert mcp.next_as_url(refused) is None  # a connection failure ends the app's loop
    not_found = discovery(as_answers=(answer(AS_URL, status=404),))
    assert mcp.next_as_url(not_found) == f"{ISSUER}/.well-known/openid-configuration"
    assert mcp.next_resource_url(mcp.Discovery(server_url=MCP_URL, initialize=failed(MCP_URL))) is None


CASES: list[tuple[str, mcp.Discovery, list[tuple[str, Severity]]]] = [
    ("healthy", discovery(), []),
    ("OpenID discovery after an RFC 8414 404", discovery(as_answers=(
        answer(AS_URL, status=404), answer(f"{ISSUER}/.well-known/openid-configuration", METADATA))), []),
    ("application/*+json is JSON to aiohttp", discovery(as_answers=(
        answer(AS_URL, METADATA, content_type="application/problem+json"),)), []),
    ("no registration endpoint", discovery(metadata={**METADATA, "registration_endpoint": None}),
     [("mcp.registration-not-supported", ERROR)]),
    ("PKCE list without S256",
     discovery(metadata={**METADATA, "code_challenge_methods_supported": ["plain"]}),
     [("mcp.pkce-s256-missing", WARNING)]),
    ("PKCE not advertised", discovery(metadata={**METADATA, "code_challenge_methods_supported": None}),
     [("mcp.pkce-s256-missing", INFO)]),
    ("first auth method private_key_jwt", discovery(metadata={
        **METADATA, "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"]}),
     [("mcp.token-auth-method-unsupported", ERROR)]),
    ("first auth method basic is fine", discovery(metadata={
        **METADATA, "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"]}),
     []),
    ("no code flow", discovery(metadata={**METADATA, "grant_types_supported": ["client_credentials"]}),
     [("mcp.grant-types-unsupported", ERROR)]),
    ("no code response type", discovery(metadata={**METADATA, "response_types_supported": ["token"]}),
     [("mcp.grant-types-unsupported", ERROR)]),
    ("no refresh token", discovery(metadata={**METADATA, "grant_types_supported": ["authorization_code"]}),
     [("mcp.grant-types-unsupported", WARNING)]),
    ("MCP server refuses connections", discovery(initialize=failed(MCP_URL), prm=(), as_answers=()),
     [("mcp.server-unreachable", ERROR)]),
    ("authorization server refuses connections", discovery(as_answers=(failed(AS_URL),)),
     [("mcp.authorization-server-metadata-unreachable", ERROR)]),
    ("metadata as HTML", discovery(as_answers=tuple(
        answer(u, b"<html>login</html>", content_type="text/html")
        for u in mcp.as_candidate_urls([ISSUER], MCP_URL))),
     [("mcp.authorization-server-metadata-unreachable", ERROR)]),
    ("metadata without token_endpoint", discovery(as_answers=tuple(
        answer(u, {**METADATA, "token_endpoint": None} if "auth.example" in u else None, status=200
               if "auth.example" in u else 404) for u in mcp.as_candidate_urls([ISSUER], MCP_URL))),
     [("mcp.authorization-server-metadata-unreachable", ERROR)]),
    ("no protected resource metadata, AS metadata on the MCP origin", discovery(
        prm=(answer(PRM_URL, status=404), answer("https://mcp.example.com/.well-known/oauth-protected-resource",
                                                 status=404)),
        initialize=answer(MCP_URL, status=401),
        as_answers=(answer("https://mcp.example.com/.well-known/oauth-authorization-server/mcp", METADATA),)),
     [("mcp.resource-metadata-unreachable", WARNING)]),
    ("no metadata anywhere: the app guesses endpoints", discovery(
        prm=(answer(PRM_URL, {"resource": MCP_URL}), answer(
            "https://mcp.example.com/.well-known/oauth-protected-resource", status=404)),
        initialize=answer(MCP_URL, status=401),
        as_answers=tuple(answer(u, status=404) for u in mcp.as_candidate_urls([], MCP_URL))),
     [("mcp.resource-metadata-unreachable", WARNING),
      ("mcp.authorization-server-metadata-unreachable", WARNING)]),
]


@pytest.mark.parametrize(("name", "found", "expected"), CASES, ids=[c[0] for c in CASES])
def test_evaluate_discovery(name: str, found: mcp.Discovery, expected: list[tuple[str, Severity]]) -> None:
    assert codes(evaluate(found)) == expected


def test_static_client_is_not_asked_to_register() -> None:
    assert evaluate(discovery(metadata={**METADATA, "registration_endpoint": None}), STATIC) == []


def test_static_client_prefers_basic() -> None:
    metadata = {**METADATA,
                "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"]}
    assert evaluate(discovery(metadata=metadata), STATIC) == []


def test_registration_finding_names_where_the_app_posts() -> None:
    [found] = evaluate(discovery(metadata={**METADATA, "registration_endpoint": None}))
    assert found.evidence["registration goes to"] == "https://mcp.example.com/register"
    assert found.evidence["redirect URI"] == "https://chat.example.com/oauth/clients/mcp:tools/callback"


def test_unusable_metadata_lists_every_url_tried() -> None:
    found = discovery(as_answers=(answer(AS_URL, status=404),
                                  answer(f"{ISSUER}/.well-known/openid-configuration", b"<html>",
                                         content_type="text/html")))
    [finding] = evaluate(found)
    assert finding.evidence["tried 1"] == f"{AS_URL} -> HTTP 404"
    assert "Content-Type 'text/html', not application/json" in finding.evidence["tried 2"]


# ----------------------------------------------------------------------------- secrets

def test_no_secret_of_the_connections_reaches_any_output(tmp_path: Any,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """TOOL_SERVER_CONNECTIONS holds bearer keys, headers, client secrets and URL credentials:
    none of them may appear in any format, whatever the area finds, with or without the live
    half (whose MCP URL here is a closed loopback port, so its evidence names the URL)."""
    import socket

    from authdoctor.cli import main

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secrets = ["Zk9mcpKEYq1w2e3r", "Zk9mcpHDRq1w2e3r", "Zk9mcpSECq1w2e3r", "Zk9mcpPWDq1w2e3r",
               "Zk9mcpTOKq1w2e3r", "Zk9mcpINFq1w2e3r"]
    value = json.dumps([
        entry(key=secrets[0], headers={"Authorization": f"Bearer {secrets[1]}"},
              url=f"http://svc:{secrets[3]}@127.0.0.1:{port}/mcp?access_token={secrets[4]}",
              info={"id": "tools", "oauth_client_id": "cid", "oauth_client_secret": secrets[2]}),
        entry(config=None, info={"oauth_client_info": secrets[5]}),
    ])
    env = tmp_path / "mcp.env"
    env.write_text(f"TOOL_SERVER_CONNECTIONS='{value}'\n")
    for offline in (["--offline"], []):
        for fmt in ("text", "json", "sarif", "junit"):
            with pytest.raises(SystemExit):
                main(["check", "--env-file", str(env), "--only", "mcp", "--format", fmt, *offline])
            out, err = capsys.readouterr()
            assert "client-info-missing" in out
            if fmt in ("text", "json"):  # SARIF lists every rule, JUnit every area
                assert ("server-unreachable" in out) is not bool(offline)
            for secret in secrets:
                assert secret not in out + err, (fmt, offline, secret)


# ----------------------------------------------------------------------------- registration

def test_registration_request_is_the_apps() -> None:
    prm = mcp.ResourceMetadata(url=PRM_URL, authorization_servers=(ISSUER,),
                               scopes=("tools:read", "tools:call"))
    body = mcp.registration_request(CONNECTION, prm, METADATA, "https://chat.example.com/")
    assert body == {"response_types": ["code"], "scope": "tools:read tools:call",
                    "client_name": "Open WebUI (authdoctor test)",
                    "redirect_uris": ["https://chat.example.com/oauth/clients/mcp:tools/callback"],
                    "token_endpoint_auth_method": "client_secret_post",
                    "grant_types": ["authorization_code", "refresh_token"], "application_type": "native"}
    scoped = mcp.McpConnection(index=0, url=MCP_URL, auth_type="oauth_2.1", server_id="tools",
                               oauth_scope="a,b  c")
    assert mcp.registration_request(scoped, prm, METADATA, "https://x")["scope"] == "a b c"
    no_scopes = mcp.registration_request(CONNECTION, mcp.ResourceMetadata(), METADATA, "https://x")
    assert "scope" not in no_scopes
    first = {**METADATA, "scopes_supported": ["openid"], "token_endpoint_auth_methods_supported": ["none"]}
    body = mcp.registration_request(CONNECTION, mcp.ResourceMetadata(), first, "https://x")
    assert (body["scope"], body["token_endpoint_auth_method"]) == ("openid", "none")


def registration(**fields: Any) -> Any:
    from authdoctor.probes.mcp import RegistrationObservation

    return RegistrationObservation(url=f"{ISSUER}/register", **fields)


REQUEST = mcp.registration_request(CONNECTION, mcp.ResourceMetadata(), METADATA, "https://chat.example.com")
HTTP_REQUEST = mcp.registration_request(CONNECTION, mcp.ResourceMetadata(), METADATA, "http://chat.example.com")

REGISTRATION_CASES: list[tuple[str, dict[str, Any], Any, tuple[str, Severity], str]] = [
    ("accepted", REQUEST, registration(status=201, client_id="abc",
                                       registered={"token_endpoint_auth_method": "client_secret_post"}),
     ("mcp.client-registered", INFO), "registered client 'abc'"),
    ("initial access token required", REQUEST, registration(status=401, error="invalid_token"),
     ("mcp.registration-failed", ERROR), "initial access token"),
    ("http redirect URI of a native client", HTTP_REQUEST, registration(
        status=400, error="invalid_redirect_uri", error_description="only loopback"),
     ("mcp.registration-failed", ERROR), "registers as a native client"),
    ("no client_id", REQUEST, registration(status=201), ("mcp.registration-failed", ERROR),
     "without a client_id"),
    ("an auth method the app cannot read", REQUEST, registration(
        status=201, client_id="abc", registered={"token_endpoint_auth_method": "private_key_jwt"}),
     ("mcp.registration-failed", ERROR), "'private_key_jwt'"),
    ("HTML error page", REQUEST, registration(status=404, answer_preview="<html>Not Found"),
     ("mcp.registration-failed", ERROR), "HTTP 404: <html>Not Found"),
    ("unreachable", REQUEST, registration(failure=ProbeFailure(Rung.TCP, "connection refused")),
     ("mcp.registration-failed", ERROR), "TCP step: connection refused"),
]


@pytest.mark.parametrize(("name", "request_body", "seen", "expected", "words"), REGISTRATION_CASES,
                         ids=[c[0] for c in REGISTRATION_CASES])
def test_evaluate_registration(name: str, request_body: dict[str, Any], seen: Any,
                               expected: tuple[str, Severity], words: str) -> None:
    [found] = mcp.evaluate_registration(CONNECTION, request_body, seen)
    assert (found.code, found.severity) == expected
    assert words in found.title + found.detail


def test_registration_probe_keeps_no_secret() -> None:
    """The answer's client_secret and registration_access_token never leave the probe."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from authdoctor.probes.mcp import register_client

    answer_body = json.dumps({"client_id": "cid-1", "client_secret": "Zk9regSECRETq1w2e3r4",
                              "registration_access_token": "Zk9regRATq1w2e3r4t5",
                              "token_endpoint_auth_method": "client_secret_post"}).encode()
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer_body)))
            self.end_headers()
            self.wfile.write(answer_body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/reg"
        seen = register_client(url, REQUEST, timeout_s=5)
    finally:
        server.shutdown()
        server.server_close()
    assert json.loads(received[0]) == REQUEST
    assert (seen.status, seen.client_id) == (201, "cid-1")
    dumped = json.dumps(seen.to_dict()) + repr(seen)
    assert "Zk9regSECRETq1w2e3r4" not in dumped
    assert "Zk9regRATq1w2e3r4t5" not in dumped
