"""Which value Open WebUI 0.12.4 really uses: its `config` table or the environment.

Pure (no I/O). The app seeds one `config` row per dotted key from the environment at its first
start (`config.py DEFAULT_CONFIG`, `Config.seed_defaults` inserts only missing keys), and from then
on reads the row (`models/config.py Config.get/get_many`, no cache), so an environment value
changed later is ignored. The rules (`Config.persistent_enabled_for`, `main.py lifespan`):

- `ENABLE_PERSISTENT_CONFIG` not `true`: the table is neither read nor written; the environment
  wins (admin saves stay in the worker's memory).
- `oauth.*` keys are the table's only with `ENABLE_OAUTH_PERSISTENT_CONFIG=true`; even then the
  OAuth *client* (id, secret, provider URL, redirect URI, scopes, PKCE) is registered from the
  environment at import (`load_oauth_providers`): only the keys read per callback
  (`utils/oauth.py OAUTH_RUNTIME_CONFIG`: claims, roles, groups, sign-up, merge, domains) apply.
- `RESET_CONFIG_ON_START=true`: each start deletes every row and re-seeds from the environment;
  the rows apply until the next start.

`AUTH_KEYS` maps the auth-related keys to the variables that seed them. `effective_values`
decides, key by key, which value the app uses, and `overlay` lays the table's winning values over
an `EnvSource` as the strings the app's own `os.getenv` readers would parse the same way, so every
other check judges what the app really uses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from authdoctor.findings import SourceLocation
from authdoctor.openwebui.envread import getenv
from authdoctor.settings.model import EnvSource, EnvVar

Kind = Literal["str", "bool", "int", "list"]


@dataclass(frozen=True)
class KeySpec:
    """One config key: the variable that seeds it (and older names the app still reads), how its
    value is typed, the app's default when the variable is unset, and whether the table's value
    is used (`runtime`: False for OAuth client keys that only fill the admin form)."""

    key: str
    var: str
    kind: Kind
    default: str
    aliases: tuple[str, ...] = ()
    runtime: bool = True
    secret: bool = False


def _k(key: str, var: str, kind: Kind, default: str, *aliases: str, runtime: bool = True,
       secret: bool = False) -> KeySpec:
    return KeySpec(key, var, kind, default, aliases, runtime, secret)


#: Auth-related keys of 0.12.4's DEFAULT_CONFIG with the variables that seed them (config.py).
AUTH_KEYS: dict[str, KeySpec] = {spec.key: spec for spec in (
    _k("webui.url", "WEBUI_URL", "str", ""),
    _k("auth.jwt_expiry", "JWT_EXPIRES_IN", "str", "4w"),
    _k("auth.enable_api_keys", "ENABLE_API_KEYS", "bool", "False"),
    _k("auth.api_key.endpoint_restrictions", "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS", "bool",
       "False", "ENABLE_API_KEY_ENDPOINT_RESTRICTIONS"),
    _k("auth.api_key.allowed_endpoints", "API_KEYS_ALLOWED_ENDPOINTS", "str", "",
       "API_KEY_ALLOWED_ENDPOINTS"),
    _k("auth.mfa.enable", "ENABLE_MFA", "bool", "False"),
    _k("auth.mfa.allow_oauth_bypass", "MFA_ALLOW_OAUTH_BYPASS", "bool", "False"),
    _k("auth.mfa.allow_trusted_header_bypass", "MFA_ALLOW_TRUSTED_HEADER_BYPASS", "bool", "False"),
    _k("auth.admin.show", "SHOW_ADMIN_DETAILS", "bool", "true"),
    _k("auth.admin.email", "ADMIN_EMAIL", "str", ""),
    _k("ui.enable_signup", "ENABLE_SIGNUP", "bool", "True"),
    _k("ui.enable_login_form", "ENABLE_LOGIN_FORM", "bool", "True"),
    _k("ui.enable_password_change_form", "ENABLE_PASSWORD_CHANGE_FORM", "bool", "True"),
    _k("ui.default_user_role", "DEFAULT_USER_ROLE", "str", "pending"),
    _k("ui.default_group_id", "DEFAULT_GROUP_ID", "str", ""),
    _k("ldap.enable", "ENABLE_LDAP", "bool", "false"),
    _k("ldap.server.label", "LDAP_SERVER_LABEL", "str", "LDAP Server"),
    _k("ldap.server.host", "LDAP_SERVER_HOST", "str", "localhost"),
    _k("ldap.server.port", "LDAP_SERVER_PORT", "int", "389"),
    _k("ldap.server.attribute_for_mail", "LDAP_ATTRIBUTE_FOR_MAIL", "str", "mail"),
    _k("ldap.server.default_email_domain", "LDAP_DEFAULT_EMAIL_DOMAIN", "str", ""),
    _k("ldap.server.attribute_for_username", "LDAP_ATTRIBUTE_FOR_USERNAME", "str", "uid"),
    _k("ldap.server.app_dn", "LDAP_APP_DN", "str", ""),
    _k("ldap.server.app_password", "LDAP_APP_PASSWORD", "str", "", secret=True),
    _k("ldap.server.users_dn", "LDAP_SEARCH_BASE", "str", ""),
    _k("ldap.server.search_filter", "LDAP_SEARCH_FILTER", "str", "", "LDAP_SEARCH_FILTERS"),
    _k("ldap.server.use_tls", "LDAP_USE_TLS", "bool", "True"),
    _k("ldap.server.ca_cert_file", "LDAP_CA_CERT_FILE", "str", ""),
    _k("ldap.server.validate_cert", "LDAP_VALIDATE_CERT", "bool", "True"),
    _k("ldap.server.ciphers", "LDAP_CIPHERS", "str", "ALL"),
    _k("ldap.server.attribute_for_groups", "LDAP_ATTRIBUTE_FOR_GROUPS", "str", "memberOf"),
    _k("ldap.group.enable_management", "ENABLE_LDAP_GROUP_MANAGEMENT", "bool", "False"),
    _k("ldap.group.enable_creation", "ENABLE_LDAP_GROUP_CREATION", "bool", "False"),
    # OAuth: read per callback (OAUTH_RUNTIME_CONFIG) when ENABLE_OAUTH_PERSISTENT_CONFIG=true
    _k("oauth.enable", "ENABLE_OAUTH", "bool", "True"),
    _k("oauth.enable_signup", "ENABLE_OAUTH_SIGNUP", "bool", "False"),
    _k("oauth.merge_accounts_by_email", "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "bool", "False"),
    _k("oauth.sub_claim", "OAUTH_SUB_CLAIM", "str", ""),
    _k("oauth.username_claim", "OAUTH_USERNAME_CLAIM", "str", "name"),
    _k("oauth.email_claim", "OAUTH_EMAIL_CLAIM", "str", "email"),
    _k("oauth.picture_claim", "OAUTH_PICTURE_CLAIM", "str", "picture"),
    _k("oauth.group_claim", "OAUTH_GROUPS_CLAIM", "str", "groups", "OAUTH_GROUP_CLAIM"),
    _k("oauth.roles_claim", "OAUTH_ROLES_CLAIM", "str", "roles"),
    _k("oauth.allowed_roles", "OAUTH_ALLOWED_ROLES", "list", "user,admin"),
    _k("oauth.admin_roles", "OAUTH_ADMIN_ROLES", "list", "admin"),
    _k("oauth.allowed_domains", "OAUTH_ALLOWED_DOMAINS", "list", "*"),
    _k("oauth.blocked_groups", "OAUTH_BLOCKED_GROUPS", "str", "[]"),
    _k("oauth.enable_role_mapping", "ENABLE_OAUTH_ROLE_MANAGEMENT", "bool", "False"),
    _k("oauth.enable_group_mapping", "ENABLE_OAUTH_GROUP_MANAGEMENT", "bool", "False"),
    _k("oauth.enable_group_creation", "ENABLE_OAUTH_GROUP_CREATION", "bool", "False"),
    # OAuth client registration: env only (the rows fill the admin form), shown, never applied
    _k("oauth.client_id", "OAUTH_CLIENT_ID", "str", "", runtime=False),
    _k("oauth.client_secret", "OAUTH_CLIENT_SECRET", "str", "", runtime=False, secret=True),
    _k("oauth.provider_url", "OPENID_PROVIDER_URL", "str", "", runtime=False),
    _k("oauth.redirect_uri", "OPENID_REDIRECT_URI", "str", "", runtime=False),
    _k("oauth.scopes", "OAUTH_SCOPES", "str", "openid email profile", runtime=False),
)}


def persistent(env: EnvSource) -> bool:
    """`ENABLE_PERSISTENT_CONFIG` (config.py, default True)."""
    return getenv(env, "ENABLE_PERSISTENT_CONFIG", "True").lower() == "true"


def oauth_persistent(env: EnvSource) -> bool:
    """`ENABLE_OAUTH_PERSISTENT_CONFIG` (config.py, default False)."""
    return getenv(env, "ENABLE_OAUTH_PERSISTENT_CONFIG", "False").lower() == "true"


def reset_on_start(env: EnvSource) -> bool:
    """`RESET_CONFIG_ON_START` (env.py, default False)."""
    return getenv(env, "RESET_CONFIG_ON_START", "False").lower() == "true"


ROLE_LIST_KEYS = frozenset({"oauth.allowed_roles", "oauth.admin_roles"})


def separator(spec: KeySpec, env: EnvSource) -> str:
    """The roles lists are split on OAUTH_ROLES_SEPARATOR (default ','), the others on ','."""
    return getenv(env, "OAUTH_ROLES_SEPARATOR", ",") if spec.key in ROLE_LIST_KEYS else ","


def as_env_text(value: Any, kind: Kind, sep: str = ",") -> str | None:
    """A stored value as the variable's text that the app's reader turns into the same value
    (None: JSON null, the variable as if unset)."""
    if value is None:
        return None
    if kind == "bool":  # the app tests the raw value's truth (`if not await Config.get(key)`)
        return "true" if value else "false"
    if kind == "list":
        if isinstance(value, list):
            return sep.join(str(item) for item in value)
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read(text: str, kind: Kind, sep: str = ",") -> Any:
    """What the app's module-level reader makes of a variable's text (for comparison)."""
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "list":
        return [item.strip() for item in text.split(sep) if item.strip()]
    return text


def env_var_of(spec: KeySpec, env: EnvSource) -> str | None:
    """The name the environment sets this key with (the first of the name and its aliases that
    is set), None when none is."""
    for name in (spec.var, *spec.aliases):
        if name in env.vars:
            return name
    return None


Winner = Literal["database", "environment"]


@dataclass(frozen=True)
class EffectiveValue:
    """One key's value as the app uses it. `stored` is the row's value (None: no row), `env_text`
    the environment's (None: unset), `winner` which one applies and `why` in plain words.
    `differs` is True when the two give the app different values."""

    spec: KeySpec
    stored: Any
    has_row: bool
    env_name: str | None
    env_text: str | None
    sep: str
    winner: Winner
    why: str
    differs: bool

    @property
    def effective_text(self) -> str | None:
        if self.winner == "database":
            return as_env_text(self.stored, self.spec.kind, self.sep)
        return self.env_text if self.env_text is not None else self.spec.default


def effective_values(env: EnvSource, stored: Mapping[str, Any]) -> list[EffectiveValue]:
    """Key by key, which value the app uses: the row or the environment (module docstring)."""
    is_persistent = persistent(env)
    is_oauth_persistent = oauth_persistent(env)
    result = []
    for key, spec in AUTH_KEYS.items():
        has_row = key in stored
        name = env_var_of(spec, env)
        text = env.vars[name].value if name is not None and env.vars[name].unknown is None else None
        if not is_persistent:
            winner: Winner = "environment"
            why = "ENABLE_PERSISTENT_CONFIG is not true: the app does not read its config table"
        elif key.startswith("oauth.") and not is_oauth_persistent:
            winner = "environment"
            why = ("ENABLE_OAUTH_PERSISTENT_CONFIG is not true: oauth.* settings come from the "
                   "environment")
        elif not spec.runtime:
            winner = "environment"
            why = ("the OAuth client is registered from the environment at start; the stored "
                   "value only fills the admin form")
        elif not has_row:
            winner = "environment"
            why = "no row in the config table (the app seeds it from the environment at its next start)"
        else:
            winner = "database"
            why = "the config table's row wins over the environment after the first start"
        differs = False
        sep = separator(spec, env)
        if has_row:
            env_reading = _read(text if text is not None else spec.default, spec.kind, sep)
            stored_text = as_env_text(stored[key], spec.kind, sep)
            stored_reading = _read(stored_text, spec.kind, sep) if stored_text is not None else None
            if spec.kind == "str" and stored_reading is None:
                stored_reading = ""
            differs = env_reading != stored_reading
        result.append(EffectiveValue(spec=spec, stored=stored.get(key), has_row=has_row,
                                     env_name=name, env_text=text, sep=sep, winner=winner, why=why,
                                     differs=differs))
    return result


def overlay(env: EnvSource, values: list[EffectiveValue], where: str) -> EnvSource:
    """`env` with every value the table wins laid over it, as the variable the checks read (the
    name the environment uses, else the primary name); a JSON null removes the variable. Each
    such variable's location is the database (`where`, the config key)."""
    merged = dict(env.vars)
    for value in values:
        if value.winner != "database":
            continue
        name = value.env_name or value.spec.var
        text = as_env_text(value.stored, value.spec.kind, value.sep)
        location = SourceLocation(path=where, key=f"config {value.spec.key}")
        if text is None:
            merged.pop(name, None)
            continue
        old = env.vars.get(name)
        merged[name] = EnvVar(name=name, value=text, location=location, raw=None,
                              secret_source=bool(old.secret_source) if old is not None else False)
    return replace(env, vars=merged)


__all__ = ["AUTH_KEYS", "EffectiveValue", "KeySpec", "as_env_text", "effective_values",
           "oauth_persistent", "overlay", "persistent", "reset_on_start"]
