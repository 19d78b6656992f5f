"""Tool-server OAuth (MCP): MCP tool servers that Open WebUI 0.12.4 connects with OAuth 2.1.

Where they are configured: `TOOL_SERVER_CONNECTIONS` (a JSON list, read by `config.py` with the
app's JSON codec; it seeds the persistent setting `tool_server.connections` on the first start,
later the admin UI's copy in the database wins unless `ENABLE_PERSISTENT_CONFIG=false`). Each
entry has `url`, `path`, `type` (`openapi`, the default, or `mcp`), `auth_type` (`none`, `bearer`,
`session`, `system_oauth`, `oauth_2.1` = dynamic client registration, `oauth_2.1_static` = an
admin-entered client id and secret), `key`, `headers`, `config` and `info` (`id`, `name`,
`oauth_client_info`: the Fernet-encrypted client, `oauth_scope`, `oauth_client_id`,
`oauth_client_secret`). The variable is a secret (bearer keys, client secrets): this module never
shows it, only the connection's position, id, type, auth type and masked URL.
`ENABLE_TOOL_SERVERS=false` (or `ENABLE_PLUGINS=false`) turns every tool server off.

Settings half (pure), failure modes named:

- `mcp.connections-invalid`: not JSON (the app logs the error and has no tool server), not a list
  of objects or an entry with `config: null` (start-up code calls `.get()` / `in` on them: the app
  does not start), entries without the fields the admin API's response model requires (warning:
  Admin > Settings > External Tools answers 500).
- `mcp.connection-id-missing`: an OAuth 2.1 MCP connection without `info.id` is skipped by
  `main.py initialize_runtime_config` and `OAuthClientManager.ensure_client_from_config`.
- `mcp.client-info-missing`: no `info.oauth_client_info`: no client until an admin presses
  Register; the authorize route answers 404.
- `mcp.webui-url-missing`: the registered redirect URI is
  `{WEBUI_URL or request.base_url}/oauth/clients/mcp:{id}/callback`; without WEBUI_URL it depends
  on the admin's request.

Live half: for each OAuth 2.1 MCP connection, the discovery the app does before registering
(`utils/oauth.py get_protected_resource_metadata`, `_get_oauth_server_metadata`), request for
request: one POST of the app's JSON-RPC `initialize` to the MCP URL (`authdoctor.probes.mcp`, no
credentials), `resource_metadata=` from its WWW-Authenticate header or else the RFC 9728 well-known
URLs, then the RFC 8414 / OpenID candidate URLs (`as_candidate_urls`) in the app's order until the
first usable document, through the run's probe session (GETs shared and cached, redirects
followed as aiohttp follows them). The pure `evaluate_discovery` then names:

- `mcp.server-unreachable`: the POST failed at DNS, TCP or TLS.
- `mcp.resource-metadata-unreachable`: no protected resource metadata with authorization_servers
  (the app falls back to the MCP origin; warning).
- `mcp.authorization-server-metadata-unreachable`: no usable authorization server metadata; each
  URL tried and its answer are listed (a connection failure stops the app's search there). With no
  authorization server named and nothing found, the app guesses `<origin>/authorize`, `/token`
  and `/register` (a warning then).
- `mcp.registration-not-supported` (oauth_2.1 only): no `registration_endpoint`: the app POSTs to
  `<MCP origin>/register`.
- `mcp.pkce-s256-missing`: `code_challenge_methods_supported` without S256 (the app then sends no
  PKCE; warning), or absent (the app sends S256 anyway; info).
- `mcp.token-auth-method-unsupported`: the method the app would pick is not one it implements.
- `mcp.grant-types-unsupported`: no `code` response type or `authorization_code` grant (error),
  no `refresh_token` (warning).

Nothing is registered by default: dynamic client registration creates a client at the
authorization server. Only with `check --register-mcp-clients` (`ProbeSession.register_mcp_clients`,
and not with `--no-idp-requests`), `register_live` POSTs the app's registration request
(`registration_request`, with the client name "Open WebUI (authdoctor test)") once per
`oauth_2.1` connection (at most `MAX_REGISTRATIONS` per run) to its `registration_endpoint`
(`authdoctor.probes.mcp.register_client`, which keeps no secret of the answer), and
`evaluate_registration` names:

- `mcp.registration-failed`: refused (401/403: an initial access token the app cannot send;
  `invalid_redirect_uri` for a plain-http redirect URI of the app's native client), unreachable,
  or an answer the app cannot read (no client_id, an auth method outside its model).
- `mcp.client-registered` (info): it worked; the new client_id, which stays registered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from authdoctor.checks._urls import URLProblem, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity, SourceLocation
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import env_true, getenv
from authdoctor.settings.model import EnvSource

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation
    from authdoctor.probes.mcp import RegistrationObservation

AREA = "mcp"
VARIABLE = "TOOL_SERVER_CONNECTIONS"
OAUTH_TYPES = ("oauth_2.1", "oauth_2.1_static")
#: Fields the admin API's response model `ToolServerConnection` requires (routers/configs.py).
REQUIRED_FIELDS = ("url", "path", "auth_type", "key", "config")
#: Token endpoint authentication methods the app's OAuthClientMetadata accepts.
APP_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource"
PREVIEW_CHARS = 120


# ----------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class McpConnection:
    """One OAuth 2.1 MCP connection as the app reads it (never holds a secret)."""

    index: int
    """0-based position in the list."""
    url: str
    auth_type: str
    server_id: str | None
    name: str = ""
    has_client_info: bool = False
    oauth_scope: str | None = None
    """`info.oauth_scope` or `config.oauth_scope`: the scope the admin set, sent at registration."""

    @property
    def label(self) -> str:
        return f"tool server {self.server_id!r}" if self.server_id else f"tool server #{self.index + 1}"

    @property
    def client_id(self) -> str:
        return f"mcp:{self.server_id or '<info.id>'}"

    @property
    def static(self) -> bool:
        return self.auth_type == "oauth_2.1_static"


@dataclass(frozen=True)
class ParsedConnections:
    connections: tuple[McpConnection, ...] = ()
    findings: tuple[Finding, ...] = ()
    readable: bool = True
    """False when the value does not reach the app as a list (no live half then)."""


def _shown_type(value: Any) -> str:
    return {dict: "a JSON object", list: "a JSON list", str: "a string", bool: "true/false",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def parse_connections(env: EnvSource) -> ParsedConnections:
    """Read `TOOL_SERVER_CONNECTIONS` as the app does and name what it cannot use."""
    value = getenv(env, VARIABLE, "[]")
    location = env.location(VARIABLE)
    shown = {VARIABLE: env.vars[VARIABLE].shown if VARIABLE in env.vars else "<unset>"}
    try:
        data = json.loads(value)
    except (ValueError, RecursionError) as exc:  # the app's codec fails on both; it logs and goes on
        if isinstance(exc, json.JSONDecodeError):
            why = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
        else:
            why = "nested too deeply" if isinstance(exc, RecursionError) else "not JSON"
        return ParsedConnections(readable=False, findings=(finding(
            "mcp.connections-invalid", f"{VARIABLE} is not valid JSON: the app starts with no tool server",
            detail=(f"{VARIABLE} does not parse as JSON ({why}). Open WebUI logs "
                    f"'Error loading {VARIABLE}' and uses an empty list, so none of these tool "
                    "servers exists (on the first start, or every start with "
                    "ENABLE_PERSISTENT_CONFIG=false)."),
            fix=f"Write {VARIABLE} as a JSON list of connection objects (check quotes and commas; "
                "in a .env file put the whole value on one line in single quotes).",
            evidence=shown, subject=VARIABLE, location=location),))
    if data is None:
        return ParsedConnections()
    if not isinstance(data, list):
        return ParsedConnections(readable=False, findings=(finding(
            "mcp.connections-invalid",
            f"{VARIABLE} is {_shown_type(data)}, not a list: the app does not start",
            detail=(f"{VARIABLE} parses as {_shown_type(data)}. Open WebUI's start-up "
                    "(main.py initialize_runtime_config) treats the value as a list of connection "
                    "objects and calls .get() on each entry, which raises here, so the app stops "
                    "during start-up (when this value is the stored one: the first start, or "
                    "ENABLE_PERSISTENT_CONFIG=false)."),
            fix=f"Wrap the connection in a list: {VARIABLE}='[{{…}}]'.",
            evidence=shown, subject=VARIABLE, location=location),))
    problems: list[Finding] = []
    connections: list[McpConnection] = []
    for index, entry in enumerate(data):
        position = f"entry {index + 1} of {VARIABLE}"
        if not isinstance(entry, dict):
            problems.append(finding(
                "mcp.connections-invalid",
                f"{position} is {_shown_type(entry)}, not an object: the app does not start",
                detail=(f"{position} is {_shown_type(entry)}. Open WebUI's start-up calls .get() on "
                        "every entry, which raises for anything but an object, so the app stops "
                        "during start-up (when this value is the stored one)."),
                fix=f"Make every entry of {VARIABLE} a JSON object, or remove this one.",
                evidence={**shown, "entry": str(index + 1)}, subject=VARIABLE, location=location))
            continue
        if "config" in entry and not isinstance(entry["config"], dict | list | str):
            problems.append(finding(
                "mcp.connections-invalid", f"{position} has \"config\": {json.dumps(entry['config'])}: "
                "the app does not start",
                detail=(f"{position} has config {json.dumps(entry['config'])}. Open WebUI's start-up "
                        "checks 'access_control' in entry['config'] for every entry, which raises "
                        "for null, numbers and booleans, so the app stops during start-up."),
                fix="Set \"config\": {} (or remove the field).",
                evidence={**shown, "entry": str(index + 1)}, subject=VARIABLE, location=location))
        missing = [name for name in REQUIRED_FIELDS if name not in entry]
        if missing:
            problems.append(finding(
                "mcp.connections-invalid",
                f"{position} lacks {', '.join(missing)}: the admin's External Tools page fails to load",
                detail=(f"{position} has no {', '.join(missing)}. The admin API's model for tool "
                        "servers (routers/configs.py ToolServerConnection) requires url, path, "
                        "auth_type, key and config, so GET /api/v1/configs/tool_servers answers "
                        "HTTP 500 and Admin > Settings > External Tools cannot show or change the "
                        "connections."),
                fix="Add the missing fields (\"path\": \"\", \"key\": \"\", \"config\": {} when unused).",
                evidence={**shown, "entry": str(index + 1), "missing": ", ".join(missing)},
                subject=VARIABLE, location=location, severity=Severity.WARNING))
        auth_type = entry.get("auth_type") or "none"
        if entry.get("type", "openapi") != "mcp":  # the app's own test, as in main.py
            continue
        if auth_type not in OAUTH_TYPES:
            continue
        raw_info = entry.get("info")
        info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
        raw_id, raw_name, raw_url = info.get("id"), info.get("name"), entry.get("url")
        server_id = raw_id if isinstance(raw_id, str) and raw_id else None
        name = raw_name if isinstance(raw_name, str) else ""
        url = raw_url if isinstance(raw_url, str) else ""
        raw_config = entry.get("config")
        config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
        scope = info.get("oauth_scope") or config.get("oauth_scope")
        connections.append(McpConnection(index=index, url=url, auth_type=str(auth_type), server_id=server_id,
                                         name=name, has_client_info=bool(info.get("oauth_client_info")),
                                         oauth_scope=scope if isinstance(scope, str) else None))
    return ParsedConnections(connections=tuple(connections), findings=tuple(problems))


def redirect_uri(env: EnvSource, connection: McpConnection) -> str:
    """The redirect URI the app registers: `{WEBUI_URL or request.base_url}/oauth/clients/{id}/callback`."""
    base = (getenv(env, "WEBUI_URL", "") or "<the URL of the admin's request>").rstrip("/")
    return mask_url(f"{base}/oauth/clients/{connection.client_id}/callback")


def connection_findings(env: EnvSource, connection: McpConnection,
                        location: SourceLocation | None) -> list[Finding]:
    evidence = {"connection": _connection_shown(connection)}
    out: list[Finding] = []
    if connection.server_id is None:
        out.append(finding(
            "mcp.connection-id-missing", f"{connection.label} ({connection.auth_type}) has no info.id",
            detail=("This MCP connection uses OAuth 2.1 but has no info.id. The app names the OAuth "
                    "client mcp:<info.id> and skips connections without it at start and on every "
                    "authorize request, so users can never connect this tool server."),
            fix="Add \"info\": {\"id\": \"<short-name>\", \"name\": \"<display name>\"} to the entry.",
            evidence=evidence, subject=VARIABLE, location=location))
    if not connection.has_client_info and connection.server_id is not None:
        does, do = (("enters the client id and secret there and saves",
                     "enter the client id and secret and save") if connection.static else
                    ("presses Register there and saves", "press Register and save"))
        out.append(finding(
            "mcp.client-info-missing", f"{connection.label} has no registered OAuth client yet",
            detail=(f"The entry has no info.oauth_client_info, so the app has no OAuth client for "
                    f"{connection.client_id}: at start it logs 'Error adding OAuth client for MCP "
                    f"tool server {connection.server_id}: InvalidToken' and "
                    f"/oauth/clients/{connection.client_id}/authorize answers 404 until an admin "
                    f"opens the connection in Admin > Settings > External Tools, {does}."),
            fix=f"In Admin > Settings > External Tools, open this connection, {do}.",
            evidence=evidence, subject=VARIABLE, location=location))
    return out


def _connection_shown(connection: McpConnection) -> str:
    url = mask_url(connection.url) if connection.url else "<no url>"
    return f"#{connection.index + 1} {connection.client_id} {connection.auth_type} {url}"


def tool_servers_enabled(env: EnvSource) -> bool:
    """`ENABLE_TOOL_SERVERS = ENABLE_PLUGINS and ENABLE_TOOL_SERVERS` (env.py, both default true)."""
    return env_true(env, "ENABLE_PLUGINS", "True") and env_true(env, "ENABLE_TOOL_SERVERS", "True")


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not getenv(env, VARIABLE, "").strip():
        return [skipped(AREA, f"no tool server in {VARIABLE} (servers added in the admin UI are "
                              "stored in the app's database; this area does not read them there yet)")]
    parsed = parse_connections(env)
    out = list(parsed.findings)
    if not tool_servers_enabled(env):
        # the start-up code that reads the value runs whatever ENABLE_TOOL_SERVERS says
        return [*out, skipped(AREA, "tool servers are turned off (ENABLE_TOOL_SERVERS or ENABLE_PLUGINS "
                                    "is false)")]
    location = env.location(VARIABLE)
    for connection in parsed.connections:
        out.extend(connection_findings(env, connection, location))
    if parsed.connections and not getenv(env, "WEBUI_URL", ""):
        names = ", ".join(c.client_id for c in parsed.connections)
        out.append(finding(
            "mcp.webui-url-missing",
            "WEBUI_URL is not set: MCP OAuth redirect URIs depend on the admin's request",
            detail=("Open WebUI registers the redirect URI {WEBUI_URL or request.base_url}"
                    "/oauth/clients/mcp:<id>/callback for each OAuth 2.1 tool server "
                    f"({names}). Without WEBUI_URL it is built from the request of the admin who "
                    "pressed Register: behind a reverse proxy that does not pass the original "
                    "scheme and host, the authorization server sends users back to an http:// or "
                    "internal address and connecting the tool server fails."),
            fix="Set WEBUI_URL=https://<the URL users open> (and in Admin > Settings > General), "
                "then register the MCP clients again.",
            evidence={"WEBUI_URL": "<unset>",
                      "redirect URI": redirect_uri(env, parsed.connections[0])},
            subject="WEBUI_URL"))
    if not parsed.readable:
        return out
    if not parsed.connections and not out:
        return [skipped(AREA, f"no MCP connection in {VARIABLE} uses OAuth 2.1 (auth_type oauth_2.1 "
                              "or oauth_2.1_static)")]
    return out


# ----------------------------------------------------------------------------- discovery (pure)

def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _path(url: str) -> str:
    path = urlsplit(url).path
    return path.rstrip("/") if path and path != "/" else ""


def resource_metadata_urls(server_url: str, initialize: HttpObservation) -> list[str]:
    """The protected resource metadata URLs the app tries, in order: the WWW-Authenticate
    `resource_metadata` of the initialize answer, else `/.well-known/oauth-protected-resource{path}`
    and `/.well-known/oauth-protected-resource` on the MCP origin (RFC 9728 §3.1, §5.1)."""
    import re

    match = re.search(r'resource_metadata=(?:"([^"]+)"|([^\s,]+))',
                      initialize.headers.get("www-authenticate", ""))
    if match:
        return [match.group(1) or match.group(2)]
    origin, path = _origin(server_url), _path(server_url)
    urls = [urljoin(origin, f"{PRM_WELL_KNOWN}{path}")] if path else []
    return [*urls, urljoin(origin, PRM_WELL_KNOWN)]


def well_known_urls(server_url: str) -> list[str]:
    """RFC 8414 (inserted) and OpenID (inserted and appended) metadata URLs for one URL, in the
    app's order (`_build_well_known_urls`)."""
    origin, path = _origin(server_url), _path(server_url)
    urls = []
    if path:
        urls += [urljoin(origin, f"/.well-known/oauth-authorization-server{path}"),
                 urljoin(origin, f"/.well-known/openid-configuration{path}"),
                 urljoin(origin, f"{path}/.well-known/openid-configuration")]
    return [*urls, urljoin(origin, "/.well-known/oauth-authorization-server"),
            urljoin(origin, "/.well-known/openid-configuration")]


def as_candidate_urls(authorization_servers: Sequence[str], server_url: str) -> list[str]:
    """Every authorization server's well-known URLs, then the MCP URL's own."""
    urls: list[str] = []
    for server in authorization_servers:
        urls += well_known_urls(server.rstrip("/"))
    return urls + well_known_urls(server_url)


def _json_content_type(observation: HttpObservation) -> bool:
    """aiohttp's `json()` accepts only `application/json` and `application/*+json`."""
    import re

    return re.match(r"^application/(?:[\w.+-]+?\+)?json", observation.content_type.lower()) is not None


def _preview(body: bytes) -> str:
    text = body[:PREVIEW_CHARS].decode("utf-8", "replace")
    return " ".join(text.split()) + ("…" if len(body) > PREVIEW_CHARS else "")


def read_json(observation: HttpObservation) -> tuple[Any, str]:
    """The JSON the app would get from `response.json()` after a 200, or (None, why not)."""
    if observation.failure is not None:
        return None, observation.failure.summary
    if observation.status != 200:
        return None, f"HTTP {observation.status}"
    if not _json_content_type(observation):
        return None, (f"HTTP 200 but Content-Type {observation.content_type or '(none)'!r}, not "
                      f"application/json (the app's aiohttp refuses it): {_preview(observation.body)!r}")
    if observation.body_truncated:
        return None, "HTTP 200 but the body is larger than the probe's cap"
    try:
        return json.loads(observation.body.strip() or b"null"), ""
    except ValueError:
        return None, f"HTTP 200 but the body is not JSON: {_preview(observation.body)!r}"


@dataclass(frozen=True)
class ResourceMetadata:
    """What the app keeps from the protected resource metadata."""

    url: str = ""
    authorization_servers: tuple[str, ...] = ()
    resource: str | None = None
    scopes: tuple[str, ...] = ()


def read_resource_metadata(observation: HttpObservation) -> tuple[ResourceMetadata, str]:
    """One PRM answer as the app reads it: (metadata, '') or (empty, why it gave no server)."""
    data, problem = read_json(observation)
    if problem:
        return ResourceMetadata(), problem
    if not isinstance(data, dict):
        return ResourceMetadata(), f"HTTP 200 but the JSON is {_shown_type(data)}, not an object"
    servers = data.get("authorization_servers")
    if not servers:
        return ResourceMetadata(), "HTTP 200 but no authorization_servers in it"
    if not isinstance(servers, list) or not all(isinstance(s, str) for s in servers):
        return ResourceMetadata(), "HTTP 200 but authorization_servers is not a list of URLs"
    resource = data.get("resource") if isinstance(data.get("resource"), str) else None
    raw_scopes = data.get("scopes_supported")
    scopes = tuple(v for v in raw_scopes if isinstance(v, str)) if isinstance(raw_scopes, list) else ()
    return ResourceMetadata(url=observation.url, authorization_servers=tuple(servers), resource=resource,
                            scopes=scopes), ""


_URL_FIELDS = ("registration_endpoint", "service_documentation", "op_policy_uri", "op_tos_uri",
               "revocation_endpoint", "introspection_endpoint")
_LIST_FIELDS = ("scopes_supported", "response_types_supported", "response_modes_supported",
                "grant_types_supported", "token_endpoint_auth_methods_supported",
                "code_challenge_methods_supported")


def _http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        url = parse_absolute(value)
    except URLProblem:
        return False
    return url.scheme in ("http", "https")


def read_as_metadata(observation: HttpObservation) -> tuple[dict[str, Any] | None, str]:
    """One authorization server metadata answer as the app's model (mcp 2.3.0 `OAuthMetadata`)
    reads it: (document, '') or (None, why the app skips it)."""
    data, problem = read_json(observation)
    if problem:
        return None, problem
    if not isinstance(data, dict):
        return None, f"HTTP 200 but the JSON is {_shown_type(data)}, not an object"
    for name in ("issuer", "authorization_endpoint", "token_endpoint"):
        if not _http_url(data.get(name)):
            what = "missing" if name not in data else f"not an http(s) URL ({_shown_type(data[name])})"
            return None, f"HTTP 200 but {name} is {what}"
    for name in _URL_FIELDS:
        if data.get(name) is not None and not _http_url(data[name]):
            return None, f"HTTP 200 but {name} is not an http(s) URL"
    for name in _LIST_FIELDS:
        value = data.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None, f"HTTP 200 but {name} is not a list of strings"
    return data, ""


@dataclass(frozen=True)
class Discovery:
    """What the app's discovery saw for one connection: observations in the order it made them."""

    server_url: str
    initialize: HttpObservation
    resource_metadata: tuple[HttpObservation, ...] = ()
    authorization_metadata: tuple[HttpObservation, ...] = ()


def next_resource_url(discovery: Discovery) -> str | None:
    """The next PRM URL the app would fetch, or None when it has its answer or tried them all."""
    if discovery.initialize.failure is not None:
        return None  # the POST raised: the app skips protected resource discovery altogether
    if any(read_resource_metadata(o)[0].authorization_servers for o in discovery.resource_metadata):
        return None
    urls = resource_metadata_urls(discovery.server_url, discovery.initialize)
    done = len(discovery.resource_metadata)
    return urls[done] if done < len(urls) else None


def resource_metadata_of(discovery: Discovery) -> ResourceMetadata:
    for observation in discovery.resource_metadata:
        metadata, _ = read_resource_metadata(observation)
        if metadata.authorization_servers:
            return metadata
    return ResourceMetadata()


def next_as_url(discovery: Discovery) -> str | None:
    """The next authorization server metadata URL the app would fetch, or None: usable metadata
    found, a connection failure (the app's loop raises), or every candidate tried."""
    for observation in discovery.authorization_metadata:
        if observation.failure is not None or read_as_metadata(observation)[0] is not None:
            return None
    urls = as_candidate_urls(resource_metadata_of(discovery).authorization_servers, discovery.server_url)
    done = len(discovery.authorization_metadata)
    return urls[done] if done < len(urls) else None


def _tried(observations: Sequence[HttpObservation], reader: Any) -> dict[str, str]:
    evidence: dict[str, str] = {}
    for number, observation in enumerate(observations, start=1):
        _, problem = reader(observation)
        evidence[f"tried {number}"] = f"{mask_url(observation.url)} -> {problem or 'usable'}"
    return evidence


def usable_metadata(discovery: Discovery) -> tuple[dict[str, Any] | None, str, HttpObservation | None]:
    """The authorization server metadata the app uses and its URL, or (None, '', the answer whose
    connection failure stopped the app's search, if any)."""
    for observation in discovery.authorization_metadata:
        if observation.failure is not None:
            return None, "", observation
        document, _ = read_as_metadata(observation)
        if document is not None:
            return document, observation.url, None
    return None, "", None


def evaluate_discovery(connection: McpConnection, discovery: Discovery, *, webui_url: str) -> list[Finding]:
    """Findings for one connection from what its discovery saw (pure)."""
    shown = mask_url(discovery.server_url)
    base_evidence = {"connection": _connection_shown(connection)}
    subject = VARIABLE
    init = discovery.initialize
    if init.failure is not None and init.failure.rung.value in ("dns", "tcp", "tls"):
        return [finding(
            "mcp.server-unreachable",
            f"{connection.label}: the MCP URL cannot be reached ({init.failure.summary})",
            detail=(f"POST {shown} (the app's JSON-RPC 'initialize', no credentials) failed at the "
                    f"{init.failure.rung.value.upper()} step: {init.failure.summary}. Without an "
                    "answer the app can discover neither the protected resource metadata nor the "
                    "authorization server, so registering the client and every tool call fail. "
                    "Not checked because of it: the resource and authorization server metadata."),
            fix="Make the MCP URL reachable from the Open WebUI container, or correct the connection's url.",
            evidence={**base_evidence, **init.failure.evidence}, subject=subject)]
    out: list[Finding] = []
    prm = resource_metadata_of(discovery)
    if not prm.authorization_servers:
        how = (f"the initialize answer (HTTP {init.status}) names resource_metadata"
               if "resource_metadata=" in init.headers.get("www-authenticate", "")
               else f"the initialize answer (HTTP {init.status if init.status else '-'}) has no "
                    "WWW-Authenticate resource_metadata, so the well-known URLs were tried")
        out.append(finding(
            "mcp.resource-metadata-unreachable",
            f"{connection.label}: no protected resource metadata names an authorization server",
            detail=(f"For {shown}, {how}, and none gave authorization_servers. The app then looks "
                    "for authorization server metadata on the MCP server's own origin, which works "
                    "only when the MCP server is its own authorization server."),
            fix=("Serve RFC 9728 protected resource metadata from the MCP server (with "
                 "authorization_servers) and announce it in WWW-Authenticate on 401."),
            evidence={**base_evidence, **_tried(discovery.resource_metadata, read_resource_metadata)},
            subject=subject))
    metadata, metadata_url, stopped = usable_metadata(discovery)
    if metadata is None:
        tried = _tried(discovery.authorization_metadata, read_as_metadata)
        if stopped is not None:
            summary = stopped.failure.summary if stopped.failure else ""
            why = (f"fetching {mask_url(stopped.url)} failed ({summary}); the app's search stops at "
                   "the first connection failure")
        else:
            why = "none of the candidate URLs answered HTTP 200 with usable metadata"
        named = bool(prm.authorization_servers)
        origin = _origin(discovery.server_url)
        consequence = (
            "The app raises 'Could not discover the OAuth authorization server metadata', so the "
            "client cannot be registered and users cannot connect this tool server."
            if named or stopped is not None else
            f"With no authorization server named, the app then guesses {origin}/authorize, "
            f"{origin}/token and {origin}/register: this works only if the MCP server serves them.")
        out.append(finding(
            "mcp.authorization-server-metadata-unreachable",
            f"{connection.label}: no usable authorization server metadata",
            detail=f"{why}. {consequence}",
            fix=("Serve the authorization server's metadata (RFC 8414 or OpenID discovery, "
                 "application/json) at one of the URLs tried, reachable from the Open WebUI container."),
            evidence={**base_evidence,
                      "authorization servers": ", ".join(mask_url(s) for s in prm.authorization_servers)
                      or "(none named)", **tried},
            subject=subject,
            severity=None if named or stopped is not None else Severity.WARNING))
        return out
    out.extend(evaluate_as_metadata(connection, metadata, metadata_url=metadata_url, webui_url=webui_url,
                                    server_url=discovery.server_url))
    return out


def evaluate_as_metadata(connection: McpConnection, metadata: dict[str, Any], *, metadata_url: str,
                         webui_url: str, server_url: str) -> list[Finding]:
    """What registration and the authorization code flow need, against the metadata the app uses."""
    out: list[Finding] = []
    evidence = {"connection": _connection_shown(connection), "metadata": mask_url(metadata_url)}
    base = (webui_url or "<the URL of the admin's request>").rstrip("/")
    redirect = mask_url(f"{base}/oauth/clients/{connection.client_id}/callback")
    if not connection.static and not metadata.get("registration_endpoint"):
        fallback = urljoin(_origin(server_url), "/register")
        out.append(finding(
            "mcp.registration-not-supported",
            f"{connection.label}: the authorization server offers no dynamic client registration",
            detail=(f"The metadata at {mask_url(metadata_url)} has no registration_endpoint. For "
                    f"auth_type oauth_2.1 the app then POSTs its client metadata to "
                    f"{mask_url(fallback)} (the MCP server, not the authorization server), which "
                    "usually fails: 'Failed to register OAuth client: Dynamic client registration "
                    "failed'."),
            fix=("Enable dynamic client registration at the authorization server, or register a "
                 f"client by hand with the redirect URI {redirect} and switch the connection to "
                 "auth_type oauth_2.1_static."),
            evidence={**evidence, "registration goes to": mask_url(fallback), "redirect URI": redirect},
            subject=VARIABLE))
    methods = metadata.get("code_challenge_methods_supported")
    if methods and "S256" not in methods:
        out.append(finding(
            "mcp.pkce-s256-missing",
            f"{connection.label}: the authorization server does not list PKCE S256: the app sends no PKCE",
            detail=(f"code_challenge_methods_supported is {methods}. Open WebUI sends PKCE S256 "
                    "unless this list leaves S256 out; here it does, so the app's authorization "
                    "requests carry no code challenge: an OAuth 2.1 server that requires PKCE "
                    "rejects them, and otherwise the code is not bound to the client's request."),
            fix="Enable PKCE with S256 at the authorization server.",
            evidence={**evidence, "code_challenge_methods_supported": ", ".join(methods)}, subject=VARIABLE))
    elif not methods:
        out.append(finding(
            "mcp.pkce-s256-missing",
            f"{connection.label}: the authorization server metadata does not advertise PKCE",
            detail=("code_challenge_methods_supported is absent. RFC 8414 reads that as no PKCE "
                    "support and the MCP authorization specification tells clients to refuse such a "
                    "server; Open WebUI sends S256 anyway, which works when the server supports it "
                    "without saying so or ignores it."),
            fix="List \"code_challenge_methods_supported\": [\"S256\"] in the server's metadata.",
            evidence={**evidence, "code_challenge_methods_supported": "(absent)"}, subject=VARIABLE,
            severity=Severity.INFO))
    auth_methods = metadata.get("token_endpoint_auth_methods_supported")
    if auth_methods and "client_secret_post" not in auth_methods:
        chosen = ("client_secret_basic" if connection.static and "client_secret_basic" in auth_methods
                  else auth_methods[0])
        if chosen not in APP_AUTH_METHODS:
            out.append(finding(
                "mcp.token-auth-method-unsupported",
                f"{connection.label}: the app would use token endpoint authentication {chosen!r}, "
                "which it cannot do",
                detail=(f"token_endpoint_auth_methods_supported is {auth_methods}, without "
                        f"client_secret_post. The app then picks {chosen!r}, which its MCP OAuth client "
                        "does not implement (it knows client_secret_post, client_secret_basic and "
                        "none), so registration or building the client fails."),
                fix="Allow client_secret_post (or client_secret_basic) for the client at the "
                    "authorization server.",
                evidence={**evidence, "token_endpoint_auth_methods_supported": ", ".join(auth_methods)},
                subject=VARIABLE))
    responses = metadata.get("response_types_supported")
    grants = metadata.get("grant_types_supported")
    missing = []
    if responses is not None and "code" not in responses:
        missing.append("response type code")
    if grants is not None and "authorization_code" not in grants:
        missing.append("grant type authorization_code")
    if missing or (grants is not None and "refresh_token" not in grants):
        fatal = bool(missing)
        what = ", ".join(missing) if fatal else "grant type refresh_token"
        out.append(finding(
            "mcp.grant-types-unsupported",
            f"{connection.label}: the authorization server does not offer {what}",
            detail=(("The app registers and uses the client with response type code and the "
                     "authorization_code grant; this server offers neither flow the app can use, so "
                     "users cannot connect the tool server.") if fatal else
                    ("The app registers the client with the refresh_token grant; this server does "
                     "not list it, so registration may be refused, and users have to reconnect the "
                     "tool server each time the access token expires.")),
            fix="Enable the authorization code grant and refresh tokens at the authorization server.",
            evidence={**evidence, "response_types_supported": ", ".join(responses or []) or "(absent)",
                      "grant_types_supported": ", ".join(grants or []) or "(absent)"},
            subject=VARIABLE, severity=None if fatal else Severity.WARNING))
    return out


# ----------------------------------------------------------------------------- registration

#: The client name sent when authdoctor registers (the app sends "Open WebUI"): the one change to
#: the app's registration request, so the admin can find the test client and delete it.
REGISTRATION_CLIENT_NAME = "Open WebUI (authdoctor test)"
#: At most this many registrations per run (each creates a client at an authorization server).
MAX_REGISTRATIONS = 5


def registration_request(connection: McpConnection, prm: ResourceMetadata, metadata: dict[str, Any],
                         redirect_base: str) -> dict[str, Any]:
    """The body the app POSTs (utils/oauth.py get_oauth_client_info_with_dynamic_client_registration:
    its OAuthClientMetadata dumped with exclude_none), with authdoctor's client name."""
    scope: str | None = None
    if connection.oauth_scope:
        scope = " ".join(connection.oauth_scope.replace(",", " ").split()) or None
    if scope is None and prm.scopes:
        scope = " ".join(prm.scopes)
    supported_scopes = metadata.get("scopes_supported")
    if scope is None and supported_scopes is not None:
        scope = " ".join(supported_scopes)
    method = "client_secret_post"
    supported = metadata.get("token_endpoint_auth_methods_supported")
    if supported and method not in supported:
        method = supported[0]
    body: dict[str, Any] = {"response_types": ["code"]}
    if scope is not None:
        body["scope"] = scope
    body.update(client_name=REGISTRATION_CLIENT_NAME,
                redirect_uris=[f"{redirect_base.rstrip('/')}/oauth/clients/{connection.client_id}/callback"],
                token_endpoint_auth_method=method, grant_types=["authorization_code", "refresh_token"],
                application_type="native")
    return body


def evaluate_registration(connection: McpConnection, request: dict[str, Any],
                          seen: RegistrationObservation) -> list[Finding]:
    """The authorization server's answer to the app's registration request (pure)."""
    redirect = request["redirect_uris"][0]
    evidence = {"connection": _connection_shown(connection), "registration endpoint": mask_url(seen.url),
                "redirect URI": mask_url(redirect),
                "token_endpoint_auth_method": request["token_endpoint_auth_method"],
                "scope": request.get("scope", "(none)")}
    fix = "Fix what the authorization server names, then press Register in the connection dialog again."
    if seen.failure is not None:
        cause = f"the request failed at the {seen.failure.rung.value.upper()} step: {seen.failure.summary}"
        evidence.update(seen.failure.evidence)
    elif seen.status is not None and 200 <= seen.status < 300 and seen.client_id:
        registered_method = seen.registered.get("token_endpoint_auth_method", "")
        if not registered_method or registered_method in APP_AUTH_METHODS:
            return [finding(
                "mcp.client-registered",
                f"{connection.label}: registration works; authdoctor registered client {seen.client_id!r}",
                detail=(f"The authorization server accepted the registration Open WebUI sends "
                        f"(HTTP {seen.status}) and created client {seen.client_id!r} named "
                        f"{REGISTRATION_CLIENT_NAME!r}. It stays registered there."),
                fix="Delete the test client at the authorization server if you do not need it.",
                evidence={**evidence, "client_id": seen.client_id,
                          **{f"registered {k}": v for k, v in seen.registered.items()}},
                subject=VARIABLE)]
        cause = (f"it registered the client with token_endpoint_auth_method {registered_method!r}, "
                 "which the app's client model does not accept, so the app cannot read the answer "
                 "('Error parsing client registration response')")
        evidence["client_id"] = seen.client_id
    elif seen.status is not None and 200 <= seen.status < 300:
        cause = f"it answered HTTP {seen.status} without a client_id, so the app cannot read the answer"
    else:
        said = (" ".join(x for x in (seen.error, seen.error_description) if x) or seen.answer_preview
                or "(no body)")
        cause = f"it answered HTTP {seen.status}: {said}"
        if seen.status in (401, 403):
            cause += (". The server wants an initial access token (RFC 7591 §3), which Open WebUI "
                      "0.12.4 cannot send")
            fix = ("Allow open registration for this client at the authorization server, or register "
                   f"a client by hand (redirect URI {mask_url(redirect)}) and use auth_type "
                   "oauth_2.1_static.")
        elif seen.error == "invalid_redirect_uri" and redirect.startswith("http://"):
            cause += (". Open WebUI registers as a native client (application_type native), and "
                      "servers allow plain-http redirect URIs of native clients on loopback only")
            fix = "Serve Open WebUI over https and set WEBUI_URL=https://…, then register again."
        evidence["HTTP status"] = str(seen.status)
    return [finding(
        "mcp.registration-failed",
        f"{connection.label}: the authorization server refuses the app's client registration",
        detail=(f"authdoctor sent the registration Open WebUI sends to {mask_url(seen.url)}, and "
                f"{cause}. Pressing Register in the connection dialog fails the same way."),
        fix=fix, evidence=evidence, subject=VARIABLE)]


# ----------------------------------------------------------------------------- live (I/O)

async def discover(ctx: CheckContext, server_url: str) -> Discovery:
    """Make the app's discovery requests for one MCP URL, each through the run's probe session."""
    from authdoctor.probes.cache import wait_future
    from authdoctor.probes.mcp import mcp_initialize

    probes = ctx.probes
    initialize = await wait_future(probes.cache.get(
        ("POST", "mcp-initialize", server_url),
        lambda: mcp_initialize(server_url, timeout_s=probes.budget(), verify_tls=probes.verify_tls,
                               ca_file=probes.ca_file, environ=probes.environ)))
    discovery = Discovery(server_url=server_url, initialize=initialize)
    while (url := next_resource_url(discovery)) is not None:
        observation = await probes.http_get_async(url, follow_redirects=True)
        discovery = Discovery(server_url=server_url, initialize=initialize,
                              resource_metadata=(*discovery.resource_metadata, observation))
    while (url := next_as_url(discovery)) is not None:
        observation = await probes.http_get_async(url, follow_redirects=True)
        discovery = Discovery(server_url=server_url, initialize=initialize,
                              resource_metadata=discovery.resource_metadata,
                              authorization_metadata=(*discovery.authorization_metadata, observation))
    return discovery


async def check_live(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    if not getenv(env, VARIABLE, "").strip() or not tool_servers_enabled(env):
        return [skipped(AREA, "no tool server to probe")]
    parsed = parse_connections(env)
    if not parsed.readable:
        return [skipped(AREA, f"{VARIABLE} cannot be read, so no tool server was probed")]
    if not parsed.connections:
        return [skipped(AREA, "no MCP connection uses OAuth 2.1: nothing to probe")]
    webui_url = getenv(env, "WEBUI_URL", "")
    register = ctx.probes.register_mcp_clients and ctx.probes.idp_requests
    registrations = 0
    out: list[Finding] = []
    for connection in parsed.connections:
        try:
            url = parse_absolute(connection.url)
        except URLProblem as problem:
            out.append(skipped(AREA, f"{connection.label}: its url is not usable ({problem}); not probed"))
            continue
        if url.scheme not in ("http", "https"):
            out.append(skipped(AREA, f"{connection.label}: its url is not http(s); not probed"))
            continue
        discovery = await discover(ctx, connection.url.strip())
        found = evaluate_discovery(connection, discovery, webui_url=webui_url)
        out.extend(found)
        if register and not connection.static and registrations < MAX_REGISTRATIONS:
            registrations += 1
            out.extend(await register_live(ctx, connection, discovery, found))
    return out


async def register_live(ctx: CheckContext, connection: McpConnection, discovery: Discovery,
                        found: Sequence[Finding]) -> list[Finding]:
    """`--register-mcp-clients`: one registration, as the app makes it, where discovery allows."""
    from authdoctor.probes.cache import wait_future
    from authdoctor.probes.mcp import register_client

    metadata, _, _ = usable_metadata(discovery)
    endpoint = metadata.get("registration_endpoint") if metadata else None
    if metadata is None or not endpoint:
        return [skipped(AREA, f"{connection.label}: not registered (no usable registration endpoint, "
                              "see the findings above)")]
    base = getenv(ctx.deployment.env, "WEBUI_URL", "") or ctx.deployment.public_url or ""
    if not base:
        return [skipped(AREA, f"{connection.label}: not registered: the redirect URI depends on the "
                              "admin's request; set WEBUI_URL or give --public-url")]
    request = registration_request(connection, resource_metadata_of(discovery), metadata, base)
    probes = ctx.probes
    seen = await wait_future(probes.cache.get(
        ("POST", "register", endpoint, json.dumps(request, sort_keys=True)),
        lambda: register_client(endpoint, request, timeout_s=probes.budget(), verify_tls=probes.verify_tls,
                                ca_file=probes.ca_file, environ=probes.environ)))
    return evaluate_registration(connection, request, seen)


CHECK = CheckSpec(area=AREA, title="Tool-server OAuth (MCP)", settings=check_settings, live=check_live)
