"""Catalog entries for the 'mcp' area: MCP tool servers connected with OAuth 2.1
(`TOOL_SERVER_CONNECTIONS`, `auth_type` `oauth_2.1` or `oauth_2.1_static`)."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_REGISTER = ("Open WebUI 0.12.4 registers an MCP tool server's OAuth client when an admin presses "
             "Register in the connection dialog (POST /api/v1/configs/oauth/clients/register, "
             "utils/oauth.py get_oauth_client_info_with_dynamic_client_registration), and again "
             "when a user's authorization preflight finds the stored client rejected")
_DISCOVERY = ("The app first POSTs a JSON-RPC 'initialize' to the MCP URL and reads "
              "resource_metadata=… from the WWW-Authenticate header of the answer, else tries "
              "/.well-known/oauth-protected-resource/<path> and /.well-known/oauth-protected-resource "
              "on the MCP host (RFC 9728 §3, §5.1); then, for each authorization server listed there "
              "and finally for the MCP URL itself, /.well-known/oauth-authorization-server/<path>, "
              "/.well-known/openid-configuration/<path>, <path>/.well-known/openid-configuration, "
              "/.well-known/oauth-authorization-server and /.well-known/openid-configuration (RFC "
              "8414 §3, rule M1; OIDC Discovery §4), taking the first HTTP 200 whose JSON body "
              "(Content-Type application/json, as aiohttp's json() demands) has issuer, "
              "authorization_endpoint and token_endpoint as http(s) URLs")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="mcp.connections-invalid",
        severity=Severity.ERROR,
        summary="TOOL_SERVER_CONNECTIONS is not a JSON list of connection objects the app can read",
        explanation=(
            "config.py reads TOOL_SERVER_CONNECTIONS with a JSON parser: text that does not parse "
            "is logged ('Error loading TOOL_SERVER_CONNECTIONS') and replaced by an empty list, so "
            "no tool server is configured. A value that parses but is not a list of objects (an "
            "object, a string, a number, or list entries that are not objects, or an entry whose "
            "config is null) makes the start-up code (main.py initialize_runtime_config, which "
            "calls .get() on each entry) raise, and the app does not start. Entries without the "
            "fields the admin API's response model requires (url, path, auth_type, key, config) "
            "make Admin > Settings > External Tools fail to load (HTTP 500). The value seeds the "
            "persistent setting tool_server.connections on the first start only, unless "
            "ENABLE_PERSISTENT_CONFIG=false."
        ),
        fix="Write TOOL_SERVER_CONNECTIONS as a JSON list of objects, each with url, path, type, "
            "auth_type, key, config and info, e.g. [{\"type\": \"mcp\", \"url\": "
            "\"https://mcp.example.com/mcp\", \"path\": \"\", \"auth_type\": \"oauth_2.1\", \"key\": "
            "\"\", \"config\": {}, \"info\": {\"id\": \"tools\", \"name\": \"Tools\"}}], or "
            "configure the servers in Admin > Settings > External Tools.",
        references=("Open WebUI config.py TOOL_SERVER_CONNECTIONS",
                    "Open WebUI main.py initialize_runtime_config",
                    "Open WebUI routers/configs.py ToolServerConnection"),
    ),
    CodeInfo(
        code="mcp.connection-id-missing",
        severity=Severity.ERROR,
        summary="an OAuth 2.1 MCP connection has no info.id: the app never sets up its OAuth client",
        explanation=(
            "The OAuth client of an MCP tool server is named mcp:<info.id> and its routes are "
            "/oauth/clients/mcp:<info.id>/authorize and …/callback. main.py and "
            "OAuthClientManager.ensure_client_from_config skip every oauth_2.1 / oauth_2.1_static "
            "connection without info.id, so users cannot connect to the server (HTTP 404 at the "
            "authorize route) and its tools are never called with a token."
        ),
        fix="Give the connection an \"info\": {\"id\": \"<short-name>\", \"name\": …} (letters, digits, "
            "dashes), or add the server again in Admin > Settings > External Tools.",
        references=("Open WebUI main.py initialize_runtime_config",
                    "Open WebUI utils/oauth.py OAuthClientManager.ensure_client_from_config"),
    ),
    CodeInfo(
        code="mcp.client-info-missing",
        severity=Severity.WARNING,
        summary="an OAuth 2.1 MCP connection has no registered client yet (info.oauth_client_info)",
        explanation=(
            "The app keeps the OAuth client of an MCP tool server Fernet-encrypted in the "
            "connection's info.oauth_client_info. A connection written in TOOL_SERVER_CONNECTIONS "
            "without it has no client: at start the app logs 'Error adding OAuth client for MCP "
            "tool server <id>: InvalidToken. Stored OAuth client data is invalid; reconnect this "
            "tool server.', and /oauth/clients/mcp:<id>/authorize answers 404 until an admin opens "
            "the connection in Admin > Settings > External Tools and presses Register (dynamic "
            "registration for oauth_2.1; for oauth_2.1_static the client id and secret are entered "
            "there). " + _REGISTER + "."
        ),
        fix="Open the connection in Admin > Settings > External Tools, press Register (or enter the "
            "static client id and secret) and save; the app then stores info.oauth_client_info.",
        references=("Open WebUI main.py initialize_runtime_config",
                    "Open WebUI utils/oauth.py resolve_oauth_client_info"),
    ),
    CodeInfo(
        code="mcp.webui-url-missing",
        severity=Severity.WARNING,
        summary="WEBUI_URL is not set: the MCP OAuth redirect URI is taken from the admin's request",
        explanation=(
            "For MCP tool servers the app registers the redirect URI "
            "{WEBUI_URL or request.base_url}/oauth/clients/mcp:<id>/callback (utils/oauth.py). "
            "Here, unlike the sign-in providers, WEBUI_URL is used. Without it the URI comes from "
            "the request that pressed Register: behind a reverse proxy that does not forward the "
            "scheme and host (or when the admin used an internal address) the client is registered "
            "with an http:// or internal URI, the authorization server sends users' browsers there, "
            "and connecting the tool server fails."
        ),
        fix="Set WEBUI_URL to the URL users open (e.g. https://chat.example.com), also in Admin > "
            "Settings > General (it is a persistent setting), then register the MCP client again.",
        references=("Open WebUI utils/oauth.py get_oauth_client_info_with_dynamic_client_registration",
                    "RFC 9700 §2.1 (O1)"),
    ),
    CodeInfo(
        code="mcp.server-unreachable",
        severity=Severity.ERROR,
        summary="the MCP server URL cannot be reached (DNS, TCP or TLS; the finding says which)",
        explanation=(
            _DISCOVERY + ". When the MCP URL itself cannot be reached, nothing can be discovered: "
            "client registration fails ('Dynamic client registration failed' or the connection "
            "error) and no tool of the server can be called."
        ),
        fix="Make the MCP URL reachable from the Open WebUI container (DNS, firewall, proxy; a "
            "private CA in the container's trust store), or correct the connection's url.",
        references=("RFC 9728 §5.1", "Open WebUI utils/oauth.py get_protected_resource_metadata"),
    ),
    CodeInfo(
        code="mcp.resource-metadata-unreachable",
        severity=Severity.WARNING,
        summary="no protected resource metadata naming an authorization server was found",
        explanation=(
            _DISCOVERY + ". The MCP authorization specification requires the MCP server to serve "
            "protected resource metadata (RFC 9728) with authorization_servers. When none is "
            "found, Open WebUI falls back to looking for authorization server metadata on the MCP "
            "server's own origin (the MCP 2025-03-26 behaviour), and, when there is none, to "
            "guessed endpoints <origin>/authorize, /token and /register. This works only when the "
            "MCP server is its own authorization server."
        ),
        fix="Serve /.well-known/oauth-protected-resource (with the MCP path appended) from the MCP "
            "server, with \"resource\" and \"authorization_servers\": [\"https://<issuer>\"], and "
            "answer unauthenticated requests with 401 and WWW-Authenticate: Bearer "
            "resource_metadata=\"<that URL>\".",
        references=("RFC 9728 §3, §5.1", "MCP authorization specification",
                    "Open WebUI utils/oauth.py get_protected_resource_metadata"),
    ),
    CodeInfo(
        code="mcp.authorization-server-metadata-unreachable",
        severity=Severity.ERROR,
        summary="no authorization server metadata the app can use was found",
        explanation=(
            _DISCOVERY + ". When the protected resource metadata names authorization servers and "
            "none of the candidate URLs gives usable metadata, the app raises 'Could not discover "
            "the OAuth authorization server metadata for <url>'; a connection failure on any "
            "candidate stops the search at once with that error. Either way registering the "
            "client fails and users cannot connect the tool server. The finding lists every URL "
            "tried and what it answered."
        ),
        fix="Make the authorization server's metadata reachable from the Open WebUI container at "
            "one of the listed URLs (RFC 8414 or OpenID discovery), served as application/json "
            "with issuer, authorization_endpoint and token_endpoint; or correct "
            "authorization_servers in the MCP server's protected resource metadata.",
        references=("RFC 8414 §3 (M1)", "RFC 8414 §2 (M4)", "OIDC Discovery §4 (D1)",
                    "Open WebUI utils/oauth.py _get_oauth_server_metadata"),
    ),
    CodeInfo(
        code="mcp.registration-not-supported",
        severity=Severity.ERROR,
        summary="the authorization server advertises no registration_endpoint (dynamic client registration)",
        explanation=(
            "For auth_type oauth_2.1 the app registers its client dynamically (RFC 7591): it POSTs "
            "the client metadata to the metadata's registration_endpoint, or, when there is none, "
            "to <MCP server origin>/register. An authorization server without "
            "registration_endpoint (RFC 8414 §2 makes it optional; many enterprise IdPs leave it "
            "off) therefore gets no registration, and the request goes to the MCP server, which "
            "usually answers 404: the admin sees 'Failed to register OAuth client: Dynamic client "
            "registration failed: …'. " + _REGISTER + "."
        ),
        fix="Enable dynamic client registration at the authorization server, or register a client "
            "there by hand and use auth_type oauth_2.1_static (Admin > Settings > External Tools: "
            "OAuth 2.1 with a client id and secret), with the redirect URI the finding names.",
        references=("RFC 7591 §3", "RFC 8414 §2 (M4)",
                    "Open WebUI utils/oauth.py get_oauth_client_info_with_dynamic_client_registration"),
    ),
    CodeInfo(
        code="mcp.registration-failed",
        severity=Severity.ERROR,
        summary="the authorization server refuses the app's client registration (--register-mcp-clients)",
        explanation=(
            "Only with check --register-mcp-clients: authdoctor POSTs the registration Open WebUI "
            "sends (RFC 7591 §3.1: client_name, redirect_uris {WEBUI_URL}/oauth/clients/mcp:<id>/"
            "callback, grant_types authorization_code and refresh_token, response_types code, "
            "token_endpoint_auth_method, scope, application_type native) and the server refused "
            "it, could not be reached, or answered what the app cannot read (no client_id, or a "
            "token_endpoint_auth_method other than client_secret_post, client_secret_basic or "
            "none). Pressing Register in the connection dialog then fails with 'Failed to "
            "register OAuth client: Dynamic client registration failed: …'. Common causes: the "
            "server requires an initial access token (401/403; Open WebUI cannot send one), a "
            "plain-http redirect URI off loopback for a native client (invalid_redirect_uri), or "
            "a scope or grant type the server does not allow for registered clients."
        ),
        fix="Fix what the server's error names (https for WEBUI_URL, open registration, allowed "
            "scopes), or register a client by hand and use auth_type oauth_2.1_static.",
        references=("RFC 7591 §3.1, §3.2.2",
                    "Open WebUI utils/oauth.py get_oauth_client_info_with_dynamic_client_registration"),
    ),
    CodeInfo(
        code="mcp.client-registered",
        severity=Severity.INFO,
        summary="registration works: authdoctor registered a test client (--register-mcp-clients)",
        explanation=(
            "Only with check --register-mcp-clients: the authorization server accepted the "
            "registration Open WebUI sends and created a client named 'Open WebUI (authdoctor "
            "test)'. The finding names its client_id; the client stays registered (authdoctor "
            "does not delete it), so this finding is there to say state was created."
        ),
        fix="Delete the test client at the authorization server if you do not need it.",
        references=("RFC 7591 §3.2.1",),
    ),
    CodeInfo(
        code="mcp.pkce-s256-missing",
        severity=Severity.WARNING,
        summary="the authorization server metadata does not advertise PKCE S256",
        explanation=(
            "OAuth 2.1 and the MCP authorization specification require PKCE with S256, and an "
            "authorization server that supports it should say so in "
            "code_challenge_methods_supported (RFC 9700 §2.1.1, rule O2; RFC 8414 §2: absent means "
            "no PKCE support, rule M4). Open WebUI (OAuthClientManager.add_client) sends S256 "
            "unless that list exists and leaves S256 out: then it sends no PKCE at all, and a "
            "server that requires PKCE rejects every authorization, while one that does not "
            "loses PKCE's protection of the code. When the list is absent the app sends S256 anyway "
            "(info): it works when the server ignores or supports it."
        ),
        fix="Enable PKCE with S256 at the authorization server and list it in "
            "code_challenge_methods_supported.",
        references=("RFC 9700 §2.1.1 (O2)", "RFC 7636 §4.2", "RFC 8414 §2 (M4)",
                    "Open WebUI utils/oauth.py OAuthClientManager.add_client"),
    ),
    CodeInfo(
        code="mcp.token-auth-method-unsupported",
        severity=Severity.ERROR,
        summary="the authorization server offers no token endpoint authentication the app can use",
        explanation=(
            "The app's MCP client authenticates at the token endpoint with client_secret_post, "
            "client_secret_basic or none only (its OAuthClientMetadata). When "
            "token_endpoint_auth_methods_supported is listed without client_secret_post, dynamic "
            "registration asks for the list's first method (static clients: client_secret_basic "
            "if listed, else the first); a first method such as private_key_jwt or tls_client_auth "
            "is one the app cannot use, so the registration answer fails to parse ('Error parsing "
            "client registration response') or building the static client fails."
        ),
        fix="Allow client_secret_post (or client_secret_basic first) for this client at the "
            "authorization server.",
        references=("RFC 8414 §2", "RFC 7591 §2",
                    "Open WebUI utils/oauth.py get_oauth_client_info_with_dynamic_client_registration"),
    ),
    CodeInfo(
        code="mcp.grant-types-unsupported",
        severity=Severity.ERROR,
        summary="the authorization server does not offer the code flow (or refresh tokens) the app uses",
        explanation=(
            "The app registers and uses its MCP client with response type code and the grant "
            "types authorization_code and refresh_token. Metadata whose "
            "response_types_supported lacks code, or whose grant_types_supported lacks "
            "authorization_code, cannot serve it (error); without refresh_token the registration "
            "may be refused and the token cannot be refreshed, so users must reconnect the tool "
            "server whenever the access token expires (warning)."
        ),
        fix="Enable the authorization code grant (and refresh tokens) for dynamically registered "
            "clients at the authorization server.",
        references=("RFC 8414 §2 (M4)", "RFC 7591 §2",
                    "Open WebUI utils/oauth.py get_oauth_client_info_with_dynamic_client_registration"),
    ),
)
