"""General settings (authdoctor/checks/config.py): each rule from both sides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from settings_env import problems, rendered, run, source

from authdoctor.checks.base import CheckContext
from authdoctor.checks.config import CHECK, unknown_variable_findings
from authdoctor.findings import Finding, Severity
from authdoctor.openwebui.values import read_bool
from authdoctor.openwebui.variables import KNOWN_VARIABLES, closest_known, looks_like_setting
from authdoctor.settings.model import Deployment, EnvSource, EnvVar

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
BASE = {"CORS_ALLOW_ORIGIN": "https://chat.example.com", "ENABLE_PERSISTENT_CONFIG": "false"}


def only(code: str, env: dict[str, str]) -> list[Finding]:
    return [f for f in run(CHECK, {**BASE, **env}) if f.code == code]


# --------------------------------------------------------------------------- unknown variables

@pytest.mark.parametrize(("name", "suggestion", "severity"), [
    ("OAUTH_GROUP_CLAIMS", "OAUTH_GROUP_CLAIM", W),
    ("WEBUI_SECRET", "WEBUI_SECRET_KEY", W),
    ("ENABLE_OAUTH_WITHOUT_EMAIL", "ENABLE_OAUTH_EMAIL_FALLBACK", W),
    ("ENABLE_API_KEY", "ENABLE_API_KEYS", W),
    ("WEBUI_SESSION_COOKIE_SAMESITE", "WEBUI_SESSION_COOKIE_SAME_SITE", W),
    ("WEBUI_DOMAIN", None, INFO),
])
def test_unknown_variable(name: str, suggestion: str | None, severity: Severity) -> None:
    found = only("config.unknown-variable", {name: "x"})
    assert [(f.subject, f.severity) for f in found] == [(name, severity)]
    assert found[0].evidence.get("did you mean") == suggestion


@pytest.mark.parametrize("name", [
    "OAUTH_GROUPS_CLAIM", "OAUTH_GROUP_CLAIM", "LDAP_SEARCH_FILTERS", "WEBUI_JWT_SECRET_KEY",
    "WEBUI_SECRET_KEY_FILE", "SCIM_ENABLED", "PATH", "HOME", "OAUTH2_PROXY_COOKIE_SECRET",
])
def test_known_or_foreign_names_are_silent(name: str) -> None:
    assert only("config.unknown-variable", {name: "x"}) == []


def test_variable_list_is_the_full_app_list() -> None:
    assert len(KNOWN_VARIABLES) > 900
    for name in ("WEBUI_SECRET_KEY", "JWT_EXPIRES_IN", "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY",
                 "CORS_ALLOW_CUSTOM_SCHEME", "ENABLE_OAUTH_BACKCHANNEL_LOGOUT", "MFA_ENCRYPTION_KEY"):
        assert name in KNOWN_VARIABLES
    assert looks_like_setting("WEBUI_WHATEVER") and not looks_like_setting("PATH")
    assert closest_known("OPENID_PROVIDER_ULR") == "OPENID_PROVIDER_URL"


def test_unknown_secret_looking_name_masks_value() -> None:
    found = only("config.unknown-variable", {"OAUTH_CLIENT_SECRETS": "hunter2-secret-value"})
    assert found and "hunter2-secret-value" not in rendered(found)


@pytest.mark.parametrize(("name", "suggestion"), [
    # near misses of an auth setting: a dropped/added word or letter, a singular, swapped words
    ("WEBUI_SECRET", "WEBUI_SECRET_KEY"),
    ("OPENID_PROVIDR_URL", "OPENID_PROVIDER_URL"),
    ("OAUTH_OIDC_CLIENT_ID", "OAUTH_CLIENT_ID"),
    ("OAUTH_CLIENTID", "OAUTH_CLIENT_ID"),
    ("ENABLE_OAUTH_SIGNUPS", "ENABLE_OAUTH_SIGNUP"),
    ("WEBUI_SESSION_SECURE_COOKIE", "WEBUI_SESSION_COOKIE_SECURE"),
    ("LDAP_PASSWORD", "LDAP_APP_PASSWORD"),
    ("ENABLE_SIGN_UP", "ENABLE_SIGNUP"),
    ("SECRET_KEY", "WEBUI_SECRET_KEY"),
    # other products' names for the same setting, mapped by meaning
    ("OIDC_ISSUER", "OPENID_PROVIDER_URL"),
    ("OPENID_ISSUER", "OPENID_PROVIDER_URL"),
    ("OIDC_CONFIGURATION_URL", "OPENID_PROVIDER_URL"),
    ("OIDC_CLIENT_ID", "OAUTH_CLIENT_ID"),
    ("OPENID_CLIENT_SECRET", "OAUTH_CLIENT_SECRET"),
    ("GF_AUTH_GENERIC_OAUTH_CLIENT_ID", "OAUTH_CLIENT_ID"),
    ("OPENID_CALLBACK_URL", "OPENID_REDIRECT_URI"),
    ("MICROSOFT_TENANT_ID", "MICROSOFT_CLIENT_TENANT_ID"),
    ("JWT_SECRET", "WEBUI_SECRET_KEY"),
    ("LDAP_URL", "LDAP_SERVER_HOST"),
    ("LDAP_SERVER_URL", "LDAP_SERVER_HOST"),
    ("LDAP_USE_SSL", "LDAP_USE_TLS"),
    ("REDIS_PASSWORD", "REDIS_URL"),
    # the same by pattern: an identity provider's name plus what the setting is
    ("KEYCLOAK_CLIENT_SECRET", "OAUTH_CLIENT_SECRET"),
    ("AUTHENTIK_CLIENT_ID", "OAUTH_CLIENT_ID"),
    ("SSO_ISSUER_URL", "OPENID_PROVIDER_URL"),
    ("OKTA_ISSUER", "OPENID_PROVIDER_URL"),
    ("ZITADEL_DISCOVERY_URL", "OPENID_PROVIDER_URL"),
    ("SSO_CALLBACK_URL", "OPENID_REDIRECT_URI"),
])
def test_auth_near_misses_and_foreign_names_are_warnings(name: str, suggestion: str) -> None:
    found = only("config.unknown-variable", {name: "x"})
    assert [(f.subject, f.severity, f.evidence.get("did you mean")) for f in found] == [
        (name, W, suggestion)]


def test_foreign_name_says_whose_name_it_is_and_what_the_value_must_be() -> None:
    found = only("config.unknown-variable", {"OIDC_ISSUER": "https://id.example.com/realms/a"})
    assert found[0].evidence["by meaning"].startswith("the OIDC_* convention")
    assert "https://id.example.com/realms/a/.well-known/openid-configuration" in found[0].fix


@pytest.mark.parametrize(("name", "value", "secret"), [
    ("OIDC_CLIENT_SECRET", "oidc-secret-value-123456", "oidc-secret-value-123456"),
    ("JWT_SECRET", "jwt-secret-value-123456", "jwt-secret-value-123456"),
    ("REDIS_HOST", "redis://:redis-pass-123456@redis:6379/0", "redis-pass-123456"),
    ("OIDC_ISSUER", "https://user:url-pass-123456@id.example.com/realms/a", "url-pass-123456"),
])
def test_unknown_names_never_show_secret_values(name: str, value: str, secret: str) -> None:
    found = only("config.unknown-variable", {name: value})
    assert found and secret not in rendered(found)


def test_unknown_name_is_info_when_the_meant_setting_is_set_anyway() -> None:
    """A shared .env: WEBUI_SECRET_KEY is set, so SECRET_KEY is probably another app's."""
    found = only("config.unknown-variable", {"SECRET_KEY": "a", "WEBUI_SECRET_KEY": "b" * 40})
    assert [(f.subject, f.severity) for f in found] == [("SECRET_KEY", INFO)]


def test_authenticating_proxy_names_are_info_unless_open_webui_oidc_is_being_set_up() -> None:
    alone = only("config.unknown-variable", {"OAUTH2_PROXY_CLIENT_ID": "x"})
    assert [(f.subject, f.severity) for f in alone] == [("OAUTH2_PROXY_CLIENT_ID", INFO)]
    with_oidc = only("config.unknown-variable", {"OAUTH2_PROXY_CLIENT_ID": "x",
                                                 "OPENID_PROVIDER_URL": "https://id/.well-known/openid-configuration",
                                                 "OAUTH_CLIENT_SECRET": "s"})
    assert [(f.subject, f.severity) for f in with_oidc] == [("OAUTH2_PROXY_CLIENT_ID", W)]


def test_unknown_name_that_completes_an_incomplete_provider_says_so() -> None:
    found = only("config.unknown-variable", {"OAUTH_CLIENT_ID": "c", "OAUTH_CLIENT_SECRET": "s",
                                             "OIDC_DISCOVERY_URL": "https://id/.well-known/openid-configuration"})
    assert found[0].severity is W
    assert "exactly what the OIDC provider is missing" in found[0].detail


@pytest.mark.parametrize("name", [
    "PATH", "HOSTNAME", "TZ", "PUID", "PGID", "POSTGRES_PASSWORD", "POSTGRES_DB", "HF_TOKEN",
    "NVIDIA_VISIBLE_DEVICES", "OLLAMA_BASE_URL", "OPENAI_API_KEY", "OAUTH2_PROXY_COOKIE_SECRET",
    "LANG", "DOCKER_HOST", "COMPOSE_PROJECT_NAME", "KEYCLOAK_ADMIN", "KEYCLOAK_ADMIN_PASSWORD",
    "KC_DB_URL", "AUTH0_DOMAIN", "GOOGLE_DRIVE_CLIENT_ID",
])
def test_common_names_of_other_software_stay_silent(name: str) -> None:
    assert only("config.unknown-variable", {name: "x"}) == []


# --------------------------------------------------------------------------- whitespace

@pytest.mark.parametrize(("value", "fires"), [("true ", True), (" lax", True), ("a\tb", False),
                                              ("value\r", True), ("clean", False)])
def test_value_whitespace(value: str, fires: bool) -> None:
    found = only("config.value-whitespace", {"WEBUI_SESSION_COOKIE_SAME_SITE": value})
    assert bool(found) is fires
    if fires:
        assert found[0].severity is W


def test_whitespace_in_secret_is_reported_without_the_value() -> None:
    found = only("config.value-whitespace", {"WEBUI_SECRET_KEY": "s3cr3t-value-abcdef "})
    assert found and "s3cr3t-value-abcdef" not in rendered(found)
    assert "1 trailing space" in found[0].title


def test_unquoted_trailing_spaces_in_env_file_are_info() -> None:
    var = EnvVar("WEBUI_URL", "https://chat.example.com",
                 raw="WEBUI_URL=https://chat.example.com   ")
    env = EnvSource(label="a.env", vars={"WEBUI_URL": var, **source(BASE).vars})
    assert CHECK.settings is not None
    ctx = CheckContext(deployment=Deployment(replicas=(env,)), now=datetime(2026, 1, 1, tzinfo=UTC))
    found = [f for f in CHECK.settings(ctx) if f.code == "config.value-whitespace"]
    assert [(f.severity, f.subject) for f in found] == [(INFO, "WEBUI_URL")]
    assert "docker run --env-file" in found[0].title


# --------------------------------------------------------------------------- invalid values

@pytest.mark.parametrize(("name", "value", "severity"), [
    ("WEBUI_AUTH_COOKIE_SECURE", "yes", E),
    ("WEBUI_SESSION_COOKIE_SECURE", "1", E),
    ("WEBUI_AUTH", "yes", E),
    ("WEBUI_AUTH", "", E),              # empty: read as false although the default is true
    ("LDAP_VALIDATE_CERT", "on", E),
    ("ENABLE_SIGNUP", "enabled", W),
    ("ENABLE_OAUTH_SIGNUP", "1", W),
    ("ENABLE_LDAP", "ture", W),
    ("ENABLE_SIGNUP", " true", W),
])
def test_booleans_read_as_false(name: str, value: str, severity: Severity) -> None:
    found = only("config.invalid-value", {name: value})
    assert [(f.subject, f.severity) for f in found] == [(name, severity)]
    assert "read as false" in found[0].title


@pytest.mark.parametrize(("name", "value"), [
    ("WEBUI_AUTH_COOKIE_SECURE", "True"), ("WEBUI_AUTH", "TRUE"), ("ENABLE_SIGNUP", "false"),
    ("ENABLE_SIGNUP", "no"), ("ENABLE_SIGNUP", "0"), ("ENABLE_OAUTH_SIGNUP", ""),
])
def test_booleans_that_mean_what_they_say(name: str, value: str) -> None:
    assert only("config.invalid-value", {name: value}) == []


def test_read_bool_is_app_exact() -> None:
    assert read_bool(source({"X": "TrUe"}), "X", "False").value
    assert not read_bool(source({"X": "yes"}), "X", "False").value
    assert read_bool(source({}), "WEBUI_AUTH").value  # default True
    assert not read_bool(source({}), "ENABLE_SIGNUP_PASSWORD_CONFIRMATION").value


@pytest.mark.parametrize(("env", "fires"), [
    ({"OAUTH_MAX_SESSIONS_PER_USER": "ten"}, True),
    ({"OAUTH_MAX_SESSIONS_PER_USER": ""}, True),          # int('') raises
    ({"OAUTH_MAX_SESSIONS_PER_USER": " 5 "}, False),      # int() accepts spaces
    ({"OAUTH_TOKEN_EXCHANGE_RATE_LIMIT": "none"}, False),
    ({"OAUTH_TOKEN_EXCHANGE_RATE_LIMIT": ""}, False),
    ({"OAUTH_TOKEN_EXCHANGE_RATE_LIMIT": "10/min"}, True),
    ({"OAUTH_TOKEN_EXCHANGE_RATE_LIMIT_WINDOW": "3m"}, True),
])
def test_startup_integers(env: dict[str, str], fires: bool) -> None:
    found = only("config.invalid-value", env)
    assert bool(found) is fires
    if fires:
        assert found[0].severity is E and "does not start" in found[0].title


@pytest.mark.parametrize(("url", "severity"), [("chat.example.com", W), ("ftp://chat.example.com", W),
                                               ("https://", W)])
def test_webui_url_not_a_url(url: str, severity: Severity) -> None:
    found = only("config.invalid-value", {"WEBUI_URL": url})
    assert [(f.subject, f.severity) for f in found] == [("WEBUI_URL", severity)]


@pytest.mark.parametrize("url", ["https://chat.example.com", "http://10.0.0.5:3000/", ""])
def test_webui_url_fine(url: str) -> None:
    assert only("config.invalid-value", {"WEBUI_URL": url}) == []


@pytest.mark.parametrize(("role", "fires"), [("User", True), ("member", True), ("pending", False),
                                              ("user", False), ("admin", False)])
def test_default_user_role(role: str, fires: bool) -> None:
    assert bool(only("config.invalid-value", {"DEFAULT_USER_ROLE": role})) is fires


@pytest.mark.parametrize(("env", "fires"), [
    ({"WEBUI_SECRET_KEY_LENGTH": "0"}, True),
    ({"WEBUI_SECRET_KEY_LENGTH": "lots"}, True),
    ({"WEBUI_SECRET_KEY_LENGTH": "32"}, False),
    ({"WEBUI_SECRET_KEY_LENGTH": "0", "WEBUI_SECRET_KEY": "x" * 40}, False),
])
def test_startup_fails_on_key_length(env: dict[str, str], fires: bool) -> None:
    assert bool(only("config.startup-fails", env)) is fires


# --------------------------------------------------------------------------- CORS

@pytest.mark.parametrize(("value", "severity", "text"), [
    ("example.com", E, "does not start"),                   # no scheme, no netloc
    ("https://a.example.com;", E, "does not start"),        # trailing ';' = empty entry
    ("*;https://a.example.com", E, "does not start"),       # '*' inside a list
    ("https://a.example.com,https://b.example.com", W, "comma"),
    ("https://chat.example.com/", W, "trailing slash"),
    ("https://chat.example.com; https://b.example.com", W, "whitespace"),
    ("https://chat.example.com:443", W, "default port"),
    ("*", W, "any website"),
])
def test_cors_origin_invalid(value: str, severity: Severity, text: str) -> None:
    found = only("config.cors-origin-invalid", {"CORS_ALLOW_ORIGIN": value})
    assert [f.severity for f in found] == [severity]
    assert text in found[0].title + found[0].detail


def test_cors_default_star_is_reported_and_escalates_with_samesite_none() -> None:
    env = {"ENABLE_PERSISTENT_CONFIG": "false"}
    found = [f for f in run(CHECK, env) if f.code == "config.cors-origin-invalid"]
    assert [f.severity for f in found] == [W]
    env["WEBUI_AUTH_COOKIE_SAME_SITE"] = "none"
    found = [f for f in run(CHECK, env) if f.code == "config.cors-origin-invalid"]
    assert [f.severity for f in found] == [E]


def test_custom_scheme_changes_what_passes() -> None:
    env = {"CORS_ALLOW_ORIGIN": "app://desktop;https://chat.example.com", "CORS_ALLOW_CUSTOM_SCHEME": "app"}
    assert only("config.cors-origin-invalid", env) == []
    assert only("config.cors-origin-invalid", {"CORS_ALLOW_ORIGIN": "app://desktop"})[0].severity is E


@pytest.mark.parametrize("value", ["https://chat.example.com", "https://a.example.com;http://localhost:5173"])
def test_cors_fine(value: str) -> None:
    assert only("config.cors-origin-invalid", {"CORS_ALLOW_ORIGIN": value}) == []


# --------------------------------------------------------------------------- persisted settings

def test_persisted_settings_listed_once() -> None:
    env = {"CORS_ALLOW_ORIGIN": "https://chat.example.com", "WEBUI_URL": "https://chat.example.com",
           "JWT_EXPIRES_IN": "8h", "ENABLE_SIGNUP": "false", "WEBUI_SECRET_KEY": "x" * 40,
           "WEBUI_SESSION_COOKIE_SECURE": "true", "REDIS_URL": "redis://r:6379/0",
           "OAUTH_CLIENT_ID": "abc"}
    found = [f for f in run(CHECK, env) if f.code == "config.persisted-setting-ignored"]
    assert len(found) == 1 and found[0].severity is INFO
    listed = found[0].evidence["variables"]
    for name in ("WEBUI_URL", "JWT_EXPIRES_IN", "ENABLE_SIGNUP"):
        assert name in listed
    for name in ("WEBUI_SECRET_KEY", "WEBUI_SESSION_COOKIE_SECURE", "REDIS_URL", "OAUTH_CLIENT_ID"):
        assert name not in listed
    assert "ENABLE_PERSISTENT_CONFIG=false" in found[0].fix
    assert "RESET_CONFIG_ON_START=true" in found[0].fix


@pytest.mark.parametrize(("extra", "fires", "oauth_listed"), [
    ({"ENABLE_PERSISTENT_CONFIG": "false"}, False, False),
    ({"RESET_CONFIG_ON_START": "true"}, False, False),
    ({"ENABLE_OAUTH_PERSISTENT_CONFIG": "true"}, True, True),
    ({}, True, False),
])
def test_persisted_conditions(extra: dict[str, str], fires: bool, oauth_listed: bool) -> None:
    env = {"CORS_ALLOW_ORIGIN": "https://c.example.com", "ENABLE_SIGNUP": "false",
           "OAUTH_CLIENT_ID": "abc", **extra}
    found = [f for f in run(CHECK, env) if f.code == "config.persisted-setting-ignored"]
    assert bool(found) is fires
    if found:
        assert ("OAUTH_CLIENT_ID" in found[0].evidence["variables"]) is oauth_listed


# --------------------------------------------------------------------------- replicas

def _replicas(*envs: dict[str, str]) -> list[Finding]:
    sources = tuple(source({**BASE, **env}, label=f"r{i}.env") for i, env in enumerate(envs, 1))
    assert CHECK.settings is not None
    ctx = CheckContext(deployment=Deployment(replicas=sources), now=datetime(2026, 1, 1, tzinfo=UTC))
    return [f for f in CHECK.settings(ctx) if f.code == "config.replica-mismatch"]


def test_replica_mismatch_names_the_settings() -> None:
    found = _replicas(
        {"REDIS_URL": "redis://:pw-one-123@redis-a:6379/0", "WEBUI_SESSION_COOKIE_SECURE": "true",
         "OAUTH_CLIENT_SECRET": "secret-number-one", "JWT_EXPIRES_IN": "8h"},
        {"REDIS_URL": "redis://:pw-two-456@redis-b:6379/0", "WEBUI_AUTH_COOKIE_SECURE": "true",
         "OAUTH_CLIENT_SECRET": "secret-number-two", "JWT_EXPIRES_IN": "8h"},
    )
    by_subject = {f.subject: f for f in found}
    assert set(by_subject) == {"REDIS_URL", "WEBUI_SESSION_COOKIE_SECURE", "OAUTH_CLIENT_SECRET"}
    assert by_subject["REDIS_URL"].severity is E
    assert by_subject["OAUTH_CLIENT_SECRET"].evidence == {"r1.env": "set", "r2.env": "differs"}
    text = rendered(found)
    for secret in ("pw-one-123", "pw-two-456", "secret-number-one", "secret-number-two"):
        assert secret not in text


def test_replicas_that_agree_are_silent() -> None:
    env = {"REDIS_URL": "redis://redis:6379/0", "WEBUI_SESSION_COOKIE_SECURE": "true"}
    assert _replicas(env, dict(env)) == []


def test_equivalent_booleans_are_not_a_mismatch() -> None:
    assert _replicas({"ENABLE_LDAP": "true"}, {"ENABLE_LDAP": "TRUE"}) == []
    # effective values are compared: the auth cookie is Secure on both (r2 inherits it)
    found = _replicas({"WEBUI_AUTH_COOKIE_SECURE": "true"}, {"WEBUI_SESSION_COOKIE_SECURE": "true"})
    assert [f.subject for f in found] == ["WEBUI_SESSION_COOKIE_SECURE"]


def test_single_replica_never_mismatches() -> None:
    assert problems([f for f in run(CHECK, {**BASE, "REDIS_URL": "redis://x"})
                     if f.code == "config.replica-mismatch"]) == []


def test_cors_entry_urlparse_rejects_is_a_startup_failure_not_a_crash() -> None:
    # urlparse itself raises on an unclosed IPv6 bracket; the app's import then fails.
    # (Found by tests/test_fuzz_settings_checks.py.)
    from datetime import UTC, datetime

    from authdoctor.checks.base import CheckContext
    from authdoctor.checks.config import CHECK
    from authdoctor.settings.model import Deployment, EnvSource, EnvVar

    env = EnvSource(label="t.env", vars={"CORS_ALLOW_ORIGIN": EnvVar("CORS_ALLOW_ORIGIN", "https://[::1")})
    ctx = CheckContext(deployment=Deployment(replicas=(env,)), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert CHECK.settings is not None
    found = [f for f in CHECK.settings(ctx) if f.code == "config.cors-origin-invalid"]
    assert found and found[0].severity.value == "error"
    assert "refused at start" in found[0].title


# --------------------------------------------------------------------------- database, signup

def raw(code: str, env: dict[str, str]) -> list[Finding]:
    """Without BASE (which turns persistent config off)."""
    return [f for f in run(CHECK, {"CORS_ALLOW_ORIGIN": "https://chat.example.com", **env}) if f.code == code]


@pytest.mark.parametrize(("env", "severity"), [
    ({"ENABLE_PERSISTENT_CONFIG": "false"}, W),
    ({"ENABLE_PERSISTENT_CONFIG": "no"}, W),  # read as false too
    ({"RESET_CONFIG_ON_START": "true"}, W),
    ({"ENABLE_PERSISTENT_CONFIG": "false", "DEFAULT_USER_ROLE": "user"}, E),
])
def test_signup_reopens_after_restart_without_enable_signup(env: dict[str, str], severity: Severity) -> None:
    found = raw("config.signup-reopens", env)
    assert [(f.subject, f.severity) for f in found] == [("ENABLE_SIGNUP", severity)]
    assert found[0].fix.startswith("Set ENABLE_SIGNUP=false")


@pytest.mark.parametrize("env", [
    {},  # persistent config on: the first account's 'signup off' is stored
    {"ENABLE_PERSISTENT_CONFIG": "false", "ENABLE_SIGNUP": "false"},
    {"ENABLE_PERSISTENT_CONFIG": "false", "ENABLE_SIGNUP": "true"},  # open sign-up on purpose
    {"RESET_CONFIG_ON_START": "true", "ENABLE_SIGNUP": "false"},
    {"ENABLE_PERSISTENT_CONFIG": "false", "WEBUI_AUTH": "false"},
    {"ENABLE_PERSISTENT_CONFIG": "false", "ENABLE_LOGIN_FORM": "false"},
])
def test_signup_does_not_reopen(env: dict[str, str]) -> None:
    assert raw("config.signup-reopens", env) == []


@pytest.mark.parametrize(("env", "severity", "needle"), [
    ({"DATABASE_URL": "sqlite+sqlcipher:///app/backend/data/webui.db", "DATABASE_PASSWORD": "pw"}, E,
     "not supported with async engine"),
    ({"DATABASE_TYPE": "sqlite+sqlcipher"}, E, "not supported with async engine"),
    ({"DATABASE_URL": "postgresql://owui:pw@db:5432/owui"}, W, "psycopg2"),
    ({"DATABASE_URL": "postgres://owui:pw@db:5432/owui"}, W, "psycopg2"),
    ({"DATABASE_URL": "postgresql+psycopg2://owui:pw@db:5432/owui"}, W, "psycopg2"),
    ({"DATABASE_TYPE": "postgresql", "DATABASE_USER": "owui", "DATABASE_PASSWORD": "pw",
      "DATABASE_HOST": "db", "DATABASE_PORT": "5432", "DATABASE_NAME": "owui"}, W, "psycopg2"),
])
def test_database_url_the_app_cannot_open_at_start(env: dict[str, str], severity: Severity,
                                                   needle: str) -> None:
    found = only("config.startup-fails", env)
    assert [f.severity for f in found] == [severity]
    assert needle in found[0].detail
    assert "pw" not in rendered(found).replace("psycopg", "")
    if severity is W:
        assert "DATABASE_URL=postgresql+psycopg://" in found[0].fix


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://owui:pw@db:5432/owui", "sqlite:////app/backend/data/webui.db",
    "sqlite:///data/webui.db",
])
def test_database_urls_that_start(url: str) -> None:
    assert only("config.startup-fails", {"DATABASE_URL": url}) == []


def test_postgres_url_is_fine_in_the_official_image() -> None:
    from authdoctor.settings.model import ComposeService

    env = source({**BASE, "DATABASE_URL": "postgresql://owui:pw@db:5432/owui"})
    env = EnvSource(label=env.label, vars=env.vars,
                    compose=ComposeService(name="open-webui", image="ghcr.io/open-webui/open-webui:0.12.4"))
    ctx = CheckContext(deployment=Deployment(replicas=(env,)), now=datetime(2026, 11, 26, tzinfo=UTC))
    assert CHECK.settings is not None
    assert [f for f in CHECK.settings(ctx) if f.code == "config.startup-fails"] == []


def test_a_setting_in_the_wrong_letter_case_is_a_warning_naming_the_right_name() -> None:
    """`webui_secret_key=...`: Linux environment names are case-sensitive, the app never reads it
    (review of issue 8)."""
    env = EnvSource(label="t.env", vars={"webui_secret_key": EnvVar("webui_secret_key", "x" * 48)})
    found = [f for f in unknown_variable_findings(env) if f.subject == "webui_secret_key"]
    assert [(f.severity, f.title) for f in found] == [(
        Severity.WARNING,
        "webui_secret_key is not a setting Open WebUI reads; did you mean WEBUI_SECRET_KEY?")]
    assert "case-sensitive" in found[0].detail and "<secret, 48 chars>" in found[0].evidence.values()


def test_azure_sdk_names_point_at_the_microsoft_provider_only_when_it_is_set_up() -> None:
    """AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET are azure-identity's (which the app also uses): a
    warning with the Microsoft setting when a Microsoft provider is being configured, else info."""
    alone = EnvSource(label="t.env", vars={"AZURE_TENANT_ID": EnvVar("AZURE_TENANT_ID", "t-1")})
    with_provider = EnvSource(label="t.env", vars={
        "AZURE_TENANT_ID": EnvVar("AZURE_TENANT_ID", "t-1"),
        "MICROSOFT_CLIENT_ID": EnvVar("MICROSOFT_CLIENT_ID", "abc")})
    [quiet] = [f for f in unknown_variable_findings(alone) if f.subject == "AZURE_TENANT_ID"]
    [loud] = [f for f in unknown_variable_findings(with_provider) if f.subject == "AZURE_TENANT_ID"]
    assert quiet.severity is Severity.INFO and loud.severity is Severity.WARNING
    assert "did you mean MICROSOFT_CLIENT_TENANT_ID?" in loud.title
