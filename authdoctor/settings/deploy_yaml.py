"""`deploy.yaml`: a description of the deployment, mapped onto Open WebUI's own variable names.

Every field below names the env var it stands for, so checks are written once against the app's
variables and a user who has only a `.env` never writes YAML. Fields that are not app settings
(`public_url`, `test_account`, `probe`) configure authdoctor itself. `${VAR}` / `${VAR:-default}`
in any string is read from the environment, so secrets stay out of the file. Unknown keys and
wrong types are `ConfigError`s that name the file, line and key. The JSON Schema printed by
`authdoctor config schema` is generated from the same table, so the two cannot drift.
"""

from __future__ import annotations

import datetime
import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authdoctor.errors import ConfigError
from authdoctor.findings import SourceLocation
from authdoctor.masking import is_secret_name, mask
from authdoctor.settings.files import read_text
from authdoctor.settings.interpolate import InterpolationBudget, InterpolationError, interpolate
from authdoctor.settings.model import EnvSource, EnvVar, ProbeOptions, TestAccount

SCHEMA_ID = "https://authdoctor.dev/schemas/deploy-1.json"
SCHEMA_VERSION = 1
EXTENSION_PATTERN = "^x-"
"""Top-level keys starting with `x-` are ignored (compose's extension fields), so a file can hold
`x-defaults: &defaults {...}` and merge it with `<<: *defaults`."""


@dataclass(frozen=True)
class Field:
    """One leaf: its kind (string, scalar = string or number, boolean, list = list of strings
    or one string), the Open WebUI variable it sets (None for authdoctor's own fields), and help."""

    kind: str
    env: str | None
    help: str
    list_separator: str = ","


F = Field

PROVIDERS: dict[str, dict[str, Field]] = {
    "google": {
        "client_id": F("string", "GOOGLE_CLIENT_ID", "OAuth client id"),
        "client_secret": F("string", "GOOGLE_CLIENT_SECRET", "OAuth client secret (use ${VAR})"),
        "redirect_uri": F("string", "GOOGLE_REDIRECT_URI", "pinned callback URI"),
        "scopes": F("string", "GOOGLE_OAUTH_SCOPE", "space-separated scopes"),
    },
    "microsoft": {
        "client_id": F("string", "MICROSOFT_CLIENT_ID", "application (client) id"),
        "client_secret": F("string", "MICROSOFT_CLIENT_SECRET", "client secret (use ${VAR})"),
        "tenant_id": F("string", "MICROSOFT_CLIENT_TENANT_ID", "directory (tenant) id"),
        "login_base_url": F("string", "MICROSOFT_CLIENT_LOGIN_BASE_URL", "login host for sovereign clouds"),
        "redirect_uri": F("string", "MICROSOFT_REDIRECT_URI", "pinned callback URI"),
        "scopes": F("string", "MICROSOFT_OAUTH_SCOPE", "space-separated scopes"),
    },
    "github": {
        "client_id": F("string", "GITHUB_CLIENT_ID", "OAuth app client id"),
        "client_secret": F("string", "GITHUB_CLIENT_SECRET", "OAuth app secret (use ${VAR})"),
        "redirect_uri": F("string", "GITHUB_CLIENT_REDIRECT_URI", "pinned callback URI"),
        "scopes": F("string", "GITHUB_CLIENT_SCOPE", "scopes (default user:email)"),
    },
    "oidc": {
        "client_id": F("string", "OAUTH_CLIENT_ID", "client id at the OIDC provider"),
        "client_secret": F("string", "OAUTH_CLIENT_SECRET", "client secret (use ${VAR})"),
        "provider_url": F("string", "OPENID_PROVIDER_URL",
                          "full discovery URL, ending in /.well-known/openid-configuration"),
        "redirect_uri": F("string", "OPENID_REDIRECT_URI", "pinned callback URI"),
        "scopes": F("string", "OAUTH_SCOPES", "space-separated scopes"),
        "code_challenge_method": F("string", "OAUTH_CODE_CHALLENGE_METHOD", "PKCE method (S256)"),
        "name": F("string", "OAUTH_PROVIDER_NAME", "button label"),
        "end_session_endpoint": F("string", "OPENID_END_SESSION_ENDPOINT", "logout URL override"),
    },
    "feishu": {
        "client_id": F("string", "FEISHU_CLIENT_ID", "client id"),
        "client_secret": F("string", "FEISHU_CLIENT_SECRET", "client secret (use ${VAR})"),
        "redirect_uri": F("string", "FEISHU_REDIRECT_URI", "pinned callback URI"),
        "scopes": F("string", "FEISHU_OAUTH_SCOPE", "scopes"),
    },
}

SECTIONS: dict[str, Any] = {
    "version": F("scalar", None, "deploy.yaml format version (1)"),
    "app": F("string", None, "the application (openwebui)"),
    "public_url": F("string", None, "the URL users open in the browser; defaults to WEBUI_URL"),
    "webui_url": F("string", "WEBUI_URL", "Open WebUI's own WEBUI_URL setting"),
    "secret_key": F("string", "WEBUI_SECRET_KEY", "JWT signing key (use ${VAR})"),
    "auth": {
        "enabled": F("boolean", "WEBUI_AUTH", "authentication on"),
        "password_auth": F("boolean", "ENABLE_PASSWORD_AUTH", "password (and trusted-header) sign-in"),
        "signup": F("boolean", "ENABLE_SIGNUP", "self sign-up"),
        "login_form": F("boolean", "ENABLE_LOGIN_FORM", "show the login form"),
        "default_user_role": F("string", "DEFAULT_USER_ROLE", "pending, user or admin"),
        "signout_redirect_url": F("string", "WEBUI_AUTH_SIGNOUT_REDIRECT_URL", "where sign-out lands"),
    },
    "jwt": {
        "expires_in": F("scalar", "JWT_EXPIRES_IN", "token lifetime, e.g. 4w, 8h, 1h30m; -1 or 0 = never"),
    },
    "cookies": {
        "same_site": F("string", "WEBUI_SESSION_COOKIE_SAME_SITE", "session cookie SameSite"),
        "secure": F("boolean", "WEBUI_SESSION_COOKIE_SECURE", "session cookie Secure"),
        "auth_same_site": F("string", "WEBUI_AUTH_COOKIE_SAME_SITE", "token cookie SameSite"),
        "auth_secure": F("boolean", "WEBUI_AUTH_COOKIE_SECURE", "token cookie Secure"),
    },
    "cors_allow_origin": F("list", "CORS_ALLOW_ORIGIN", "allowed origins", list_separator=";"),
    "oauth": {
        "enabled": F("boolean", "ENABLE_OAUTH", "OAuth master switch"),
        "signup": F("boolean", "ENABLE_OAUTH_SIGNUP", "create accounts for new SSO users"),
        "merge_accounts_by_email": F("boolean", "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "link by email"),
        "allowed_domains": F("list", "OAUTH_ALLOWED_DOMAINS", "email domains allowed to sign in"),
        "email_claim": F("string", "OAUTH_EMAIL_CLAIM", "claim holding the email"),
        "username_claim": F("string", "OAUTH_USERNAME_CLAIM", "claim holding the name"),
        "sub_claim": F("string", "OAUTH_SUB_CLAIM", "claim holding the subject"),
        "role_management": {
            "enabled": F("boolean", "ENABLE_OAUTH_ROLE_MANAGEMENT", "map IdP roles to app roles"),
            "roles_claim": F("string", "OAUTH_ROLES_CLAIM", "claim with roles"),
            "allowed_roles": F("list", "OAUTH_ALLOWED_ROLES", "roles that may sign in"),
            "admin_roles": F("list", "OAUTH_ADMIN_ROLES", "roles that become admin"),
        },
        "group_management": {
            "enabled": F("boolean", "ENABLE_OAUTH_GROUP_MANAGEMENT", "sync groups from the IdP"),
            "groups_claim": F("string", "OAUTH_GROUPS_CLAIM", "claim with groups"),
        },
        "providers": PROVIDERS,
    },
    "ldap": {
        "enabled": F("boolean", "ENABLE_LDAP", "LDAP sign-in on"),
        "label": F("string", "LDAP_SERVER_LABEL", "label shown on the form"),
        "host": F("string", "LDAP_SERVER_HOST", "host name only, no ldap://"),
        "port": F("scalar", "LDAP_SERVER_PORT", "port (389, 636)"),
        "use_tls": F("boolean", "LDAP_USE_TLS", "implicit TLS (LDAPS); Open WebUI never uses StartTLS"),
        "ca_cert_file": F("string", "LDAP_CA_CERT_FILE", "CA bundle for the server certificate"),
        "validate_cert": F("boolean", "LDAP_VALIDATE_CERT", "verify the server certificate"),
        "app_dn": F("string", "LDAP_APP_DN", "service account DN (empty = anonymous)"),
        "app_password": F("string", "LDAP_APP_PASSWORD", "service account password (use ${VAR})"),
        "search_base": F("string", "LDAP_SEARCH_BASE", "where users live"),
        "search_filter": F("string", "LDAP_SEARCH_FILTER", "extra parenthesised filter parts"),
        "attribute_for_mail": F("string", "LDAP_ATTRIBUTE_FOR_MAIL", "mail attribute"),
        "attribute_for_username": F("string", "LDAP_ATTRIBUTE_FOR_USERNAME", "login-name attribute"),
    },
    "redis": {
        "url": F("string", "REDIS_URL", "redis:// or rediss:// URL (password via ${VAR})"),
        "sentinel_hosts": F("list", "REDIS_SENTINEL_HOSTS", "Sentinel hosts"),
        "sentinel_port": F("scalar", "REDIS_SENTINEL_PORT", "Sentinel port"),
        "cluster": F("boolean", "REDIS_CLUSTER", "Redis Cluster"),
        "key_prefix": F("string", "REDIS_KEY_PREFIX", "key prefix (default open-webui)"),
        "websocket_manager": F("string", "WEBSOCKET_MANAGER", "websocket manager ('redis')"),
    },
    "trusted_header": {
        "email": F("string", "WEBUI_AUTH_TRUSTED_EMAIL_HEADER", "header carrying the email"),
        "name": F("string", "WEBUI_AUTH_TRUSTED_NAME_HEADER", "header carrying the name"),
        "groups": F("string", "WEBUI_AUTH_TRUSTED_GROUPS_HEADER", "header carrying groups"),
        "role": F("string", "WEBUI_AUTH_TRUSTED_ROLE_HEADER", "header carrying the role"),
    },
    "replicas": F("count", None, "number of app replicas or workers behind the public URL"),
    "env": "free",  # any Open WebUI variable by its own name
    "test_account": {
        "email": F("string", None, "a real account's email for live sign-in"),
        "password": F("string", None, "its password (use ${VAR})"),
        "ldap_user": F("string", None, "an LDAP login name for the live LDAP checks"),
        "ldap_password": F("string", None, "its password (use ${VAR})"),
        "token": F("string", None, "a token to inspect (use ${VAR})"),
        "id_token": F("string", None, "an ID token from the IdP, checked against what the app needs "
                      "(use ${VAR})"),
    },
    "probe": {
        "timeout": F("seconds", None, "seconds per network probe (default 5)"),
        "verify_tls": F("boolean", None, "verify TLS certificates (default true)"),
        "ca_file": F("string", None, "extra CA bundle (PEM) for internal CAs"),
        "idp_requests": F("boolean", None, "present the client to the IdP's authorize and token "
                          "endpoints (default true; false = --no-idp-requests)"),
        "database": F("string", None, "the app's database, read read-only: sqlite:////path/webui.db "
                      "or postgresql://... (use ${VAR}); --database wins"),
    },
}

_KIND_SCHEMA: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "scalar": {"type": ["string", "number"]},
    "boolean": {"type": "boolean"},
    "list": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": ["string", "number"]}}]},
    "count": {"type": "integer", "minimum": 1, "maximum": 10000},
    "seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600},
}


def _schema_for(node: Any, title: str | None = None) -> dict[str, Any]:
    if isinstance(node, Field):
        leaf = dict(_KIND_SCHEMA[node.kind])
        leaf["description"] = node.help + (f" (Open WebUI: {node.env})" if node.env else "")
        return leaf
    if node == "free":
        return {
            "type": "object",
            "description": "any Open WebUI variable by its own name",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        }
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {key: _schema_for(child) for key, child in node.items()},
    }
    if title:
        schema["title"] = title
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of deploy.yaml, generated from `SECTIONS`."""
    schema = _schema_for(SECTIONS, "authdoctor deploy.yaml")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["properties"]["version"] = {"const": SCHEMA_VERSION,
                                       "description": "deploy.yaml format version"}
    schema["patternProperties"] = {EXTENSION_PATTERN: {
        "description": "ignored, as in docker compose: a place for &anchors that merge keys "
                       "(<<: *name) bring in elsewhere"}}
    return schema


# --- loading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployFile:
    """What deploy.yaml says: app variables (as EnvVars) and authdoctor's own options."""

    path: str
    env: EnvSource
    public_url: str | None
    test_account: TestAccount | None
    probe: ProbeOptions
    replicas: int | None


def _yaml_tree(text: str, path: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    """Python data plus the line (1-based) of every mapping key, by key path.

    Parsing, its bounds (size, depth, alias expansion) and its error messages are
    `settings.yamlsafe`'s. YAML merge keys (`<<: *defaults`) work as in docker compose: the
    mapping's own keys win over merged ones, and a merged key's line is where it is written."""
    import yaml

    from authdoctor.settings.yamlsafe import compose_document, duplicate_key, to_python

    node = compose_document(text, path, what=_WHAT)
    if node is None:
        return {}, {}
    duplicate = duplicate_key(node)
    if duplicate is not None:
        key_node, key_path = duplicate
        dotted = ".".join(key_path)
        raise ConfigError(f"duplicate key '{dotted}'", path=path,
                          line=key_node.start_mark.line + 1, key=dotted)
    data = to_python(node, path, what=_WHAT)  # also flattens merge keys into the mapping nodes
    lines: dict[tuple[str, ...], int] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(node, ())]
    while stack:  # every use of an alias is walked: yamlsafe bounds the expanded size
        current, prefix = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR_TAG):
                    raise ConfigError(f"a key must be text, got {_node_kind(key_node)} "
                                      f"(column {key_node.start_mark.column + 1})", path=path,
                                      line=key_node.start_mark.line + 1)
                key_path = (*prefix, key_node.value)
                lines[key_path] = key_node.start_mark.line + 1
                stack.append((value_node, key_path))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*prefix, str(i))) for i, item in enumerate(current.value))
    return data, lines


_WHAT = "config file"
_STR_TAG = "tag:yaml.org,2002:str"


def _node_kind(node: Any) -> str:
    """What a key node is, without its text (a pasted secret can end up as a key)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kinds = {"int": "a number", "float": "a number", "bool": "a boolean", "null": "nothing (null)",
             "timestamp": "a date"}
    return kinds.get(str(node.tag).rsplit(":", 1)[-1], "a tagged value")


def _nearest_line(lines: Mapping[tuple[str, ...], int], key_path: tuple[str, ...]) -> int | None:
    for end in range(len(key_path), 0, -1):
        if key_path[:end] in lines:
            return lines[key_path[:end]]
    return None


def _validate(data: Any, lines: Mapping[tuple[str, ...], int], path: str) -> None:
    from jsonschema import Draft202012Validator

    if not isinstance(data, dict):
        raise ConfigError("the top level must be a mapping of settings (key: value)", path=path, line=1)
    validator = Draft202012Validator(json_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    error = errors[0]
    key_path = tuple(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        node = _lookup(SECTIONS, key_path)
        allowed = list(node) if isinstance(node, dict) else []
        extensions = not key_path  # top level: `x-...` keys are allowed
        unknown = sorted(key for key in set(error.instance) - set(allowed)
                         if not (extensions and key.startswith("x-")))[0]
        full = ".".join((*key_path, unknown))
        line = _nearest_line(lines, (*key_path, unknown))
        hint = difflib.get_close_matches(unknown, allowed, n=1)
        if hint:  # a misspelt key: naming it helps, and it is no secret
            raise ConfigError(f"unknown key '{full}'; did you mean '{hint[0]}'?", path=path,
                              line=line, key=full)
        # Anything else may be a value pasted where a key belongs (a password ending in ':'):
        # say where, never what.
        where = f"under '{'.'.join(key_path)}'" if key_path else "at the top level"
        raise ConfigError(f"unknown key {where} (not shown: it may be a pasted value); known keys "
                          f"here: {', '.join(allowed)}", path=path, line=line, key=full)
    dotted = ".".join(key_path) or "(top level)"
    expected = _describe_expected(error)
    got = _kind(error.instance)
    if error.schema.get("type") == "object" and isinstance(error.instance, str):
        # A section given as text is usually a missing ':' ("password hunter2"): never quote it.
        got = f"text of {len(error.instance)} chars (a missing ':' after a key?)"
    elif _is_secret_path(key_path) and isinstance(error.instance, str | int | float):
        got = f"{type(error.instance).__name__} {mask(str(error.instance))}"
    raise ConfigError(f"'{dotted}' {expected}, got {got}", path=path,
                      line=_nearest_line(lines, key_path), key=dotted)


#: authdoctor's own fields that hold a credential (they set no Open WebUI variable).
SECRET_FIELDS = frozenset({("test_account", "password"), ("test_account", "ldap_password"),
                           ("test_account", "token"), ("test_account", "id_token")})


def _is_secret_path(key_path: tuple[str, ...]) -> bool:
    """A field holding a secret: error messages must not quote its value. Decided like every
    other value (`is_secret_name` on the Open WebUI variable the field sets, or on the name under
    `env:`), so `auth.password_auth` (ENABLE_PASSWORD_AUTH, a switch) is shown while
    `ldap.app_password` (LDAP_APP_PASSWORD) is not."""
    if key_path[:2] in SECRET_FIELDS:
        return True
    if len(key_path) >= 2 and key_path[0] == "env":
        return is_secret_name(key_path[1])
    node = _lookup(SECTIONS, key_path)
    if isinstance(node, Field):
        return node.env is not None and is_secret_name(node.env)
    return False


def _describe_expected(error: Any) -> str:
    if error.validator == "const":
        return f"must be {error.validator_value!r}"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum"):
        bounds = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than"}
        return f"must be {bounds[error.validator]} {error.validator_value}"
    schema = error.schema
    if "oneOf" in schema or error.validator == "oneOf":
        return "must be a string or a list of strings"
    wanted = schema.get("type")
    if isinstance(wanted, list):
        wanted = " or ".join("a number" if w == "number" else f"a {w}" for w in wanted)
    elif wanted == "object":
        wanted = "a mapping"
    elif wanted == "integer":
        wanted = "a whole number"
    elif wanted:
        wanted = f"a {wanted}"
    return f"must be {wanted}" if wanted else f"is invalid ({error.message})"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, datetime.datetime):
        return "a date and time (put it in quotes to keep it as text)"
    if isinstance(value, datetime.date):
        return "a date (put it in quotes to keep it as text)"
    # Never the value itself: a password such as 1990-01-01 is read as a date (YAML 1.1).
    return f"a {type(value).__name__}"


def _lookup(node: Any, key_path: tuple[str, ...]) -> Any:
    for key in key_path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _env_string(value: Any, field: Field) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return field.list_separator.join(str(v) for v in value)
    return str(value)


def _interpolate_all(data: Any, lines: Mapping[tuple[str, ...], int], path: str,
                     environ: Mapping[str, str], prefix: tuple[str, ...] = (),
                     budget: InterpolationBudget | None = None) -> Any:
    """Every string with its `${VAR}` / `${VAR:-default}` resolved from the environment; all of
    the file's references share one budget (README, Size limits)."""
    budget = budget if budget is not None else InterpolationBudget()
    if isinstance(data, dict):
        return {k: _interpolate_all(v, lines, path, environ, (*prefix, k), budget)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_interpolate_all(v, lines, path, environ, (*prefix, str(i)), budget)
                for i, v in enumerate(data)]
    if isinstance(data, str):
        dotted = ".".join(prefix)
        try:
            value, missing = interpolate(data, environ, budget)
        except InterpolationError as exc:
            raise ConfigError(f"'{dotted}': {exc}", path=path, line=_nearest_line(lines, prefix),
                              key=dotted) from None
        if missing:
            raise ConfigError(f"'{dotted}' refers to ${{{missing[0]}}}, which is not set in the "
                              f"environment (set it, or write ${{{missing[0]}:-default}})",
                              path=path, line=_nearest_line(lines, prefix), key=dotted)
        return value
    return data


def parse_deploy_yaml(text: str, path: str, environ: Mapping[str, str] | None = None) -> DeployFile:
    environ = os.environ if environ is None else environ
    data, lines = _yaml_tree(text, path)
    if data is None or data == {}:
        data = {}
    _validate(data, lines, path)
    data = _interpolate_all(data, lines, path, environ)

    variables: dict[str, EnvVar] = {}

    def collect(node: Any, values: Any, prefix: tuple[str, ...]) -> None:
        for key, value in values.items():
            if not prefix and key.startswith("x-"):
                continue
            child = node[key]
            key_path = (*prefix, key)
            location = SourceLocation(path=path, line=lines.get(key_path), key=".".join(key_path))
            if child == "free":
                for name, raw in value.items():
                    sub = (*key_path, name)
                    variables[name] = EnvVar(name, _env_string(raw, F("string", name, "")),
                                             SourceLocation(path, lines.get(sub), ".".join(sub)))
            elif isinstance(child, dict):
                collect(child, value, key_path)
            elif child.env is not None:
                variables[child.env] = EnvVar(child.env, _env_string(value, child), location)

    collect(SECTIONS, data, ())
    probe_data = data.get("probe", {})
    timeout = probe_data.get("timeout", 5.0)
    if not math.isfinite(timeout):
        raise ConfigError(f"'probe.timeout' must be a finite number of seconds, got {timeout}",
                          path=path, line=lines.get(("probe", "timeout")), key="probe.timeout")
    probe = ProbeOptions(timeout_s=float(probe_data.get("timeout", 5.0)),
                         verify_tls=probe_data.get("verify_tls", True),
                         ca_file=probe_data.get("ca_file"),
                         idp_requests=probe_data.get("idp_requests", True),
                         database=probe_data.get("database"))
    account = data.get("test_account")
    replicas: int | None = data.get("replicas")
    return DeployFile(
        path=path,
        env=EnvSource(label=path, vars=variables),
        public_url=data.get("public_url"),
        test_account=TestAccount(**account) if account else None,
        probe=probe,
        replicas=replicas,
    )


def load_deploy_yaml(path: str, environ: Mapping[str, str] | None = None) -> DeployFile:
    return parse_deploy_yaml(read_text(path, "config file"), path, environ)
