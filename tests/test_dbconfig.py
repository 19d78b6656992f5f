"""Which value 0.12.4 uses, key by key (authdoctor/openwebui/dbconfig.py): the rules of
models/config.py, the variables' aliases and types, and the overlay the other checks read."""

from __future__ import annotations

from authdoctor.openwebui.dbconfig import AUTH_KEYS, EffectiveValue, effective_values, overlay
from authdoctor.settings.model import EnvSource, EnvVar


def source(**values: str) -> EnvSource:
    return EnvSource(label="app.env", vars={k: EnvVar(k, v) for k, v in values.items()})


def value_of(env: EnvSource, stored: dict[str, object], key: str) -> EffectiveValue:
    return next(v for v in effective_values(env, stored) if v.spec.key == key)


def test_every_key_has_a_variable_and_a_kind() -> None:
    assert len(AUTH_KEYS) == 54
    assert AUTH_KEYS["ldap.server.users_dn"].var == "LDAP_SEARCH_BASE"
    assert {k for k, spec in AUTH_KEYS.items() if spec.secret} == {"ldap.server.app_password",
                                                                   "oauth.client_secret"}


def test_row_wins_and_differs_as_the_app_reads_it() -> None:
    env = source(ENABLE_SIGNUP="True", LDAP_SERVER_PORT="636")
    same = value_of(env, {"ui.enable_signup": True}, "ui.enable_signup")
    assert (same.winner, same.differs) == ("database", False)      # 'True' and true are the same
    port = value_of(env, {"ldap.server.port": 389}, "ldap.server.port")
    assert (port.winner, port.differs, port.effective_text) == ("database", True, "389")


def test_the_alias_the_environment_uses_is_overlaid() -> None:
    env = source(LDAP_SEARCH_FILTERS="(objectClass=person)")
    values = effective_values(env, {"ldap.server.search_filter": "(memberOf=cn=x)"})
    merged = overlay(env, values, "webui.db")
    assert merged.vars["LDAP_SEARCH_FILTERS"].value == "(memberOf=cn=x)"
    assert "LDAP_SEARCH_FILTER" not in merged.vars
    assert str(merged.vars["LDAP_SEARCH_FILTERS"].location) == "webui.db (config ldap.server.search_filter)"


def test_json_null_unsets_the_variable() -> None:
    env = source(ADMIN_EMAIL="admin@example.org")
    merged = overlay(env, effective_values(env, {"auth.admin.email": None}), "webui.db")
    assert "ADMIN_EMAIL" not in merged.vars


def test_roles_lists_use_the_separator() -> None:
    env = source(ENABLE_OAUTH_PERSISTENT_CONFIG="true", OAUTH_ROLES_SEPARATOR=";",
                 OAUTH_ALLOWED_ROLES="user;admin")
    same = value_of(env, {"oauth.allowed_roles": ["user", "admin"]}, "oauth.allowed_roles")
    assert (same.winner, same.differs, same.effective_text) == ("database", False, "user;admin")


def test_oauth_client_keys_never_apply() -> None:
    env = source(ENABLE_OAUTH_PERSISTENT_CONFIG="true", OAUTH_CLIENT_ID="new")
    client = value_of(env, {"oauth.client_id": "old"}, "oauth.client_id")
    assert (client.winner, client.differs) == ("environment", True)
    assert "registered from the environment" in client.why


def test_without_persistent_config_nothing_applies() -> None:
    env = source(ENABLE_PERSISTENT_CONFIG="False")
    assert {v.winner for v in effective_values(env, dict.fromkeys(AUTH_KEYS, "x"))} == {"environment"}


def test_a_bool_key_stored_as_a_string_is_judged_by_python_truthiness_as_the_app_does() -> None:
    """0.12.4 tests the raw JSON value (`if not await Config.get('ui.enable_signup')`,
    routers/auths.py): a row holding the string "false" leaves sign-up OPEN (review)."""
    env = source(ENABLE_SIGNUP="false")
    text = value_of(env, {"ui.enable_signup": "false"}, "ui.enable_signup")
    assert (text.effective_text, text.differs) == ("true", True)
    assert value_of(env, {"ui.enable_signup": ""}, "ui.enable_signup").effective_text == "false"
    assert value_of(env, {"ui.enable_signup": 0}, "ui.enable_signup").effective_text == "false"
    merged = overlay(env, effective_values(env, {"ldap.enable": "no"}), "webui.db")
    assert merged.vars["ENABLE_LDAP"].value == "true"
