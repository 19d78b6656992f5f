"""deploy.yaml: mapping onto Open WebUI variables, ${VAR} interpolation, and errors that name
the file, line and key."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from authdoctor.errors import ConfigError
from authdoctor.settings.deploy_yaml import json_schema, parse_deploy_yaml

FULL = """\
version: 1
public_url: https://chat.example.org
secret_key: ${WEBUI_SECRET_KEY}
jwt:
  expires_in: 8h
cookies:
  same_site: lax
  secure: true
cors_allow_origin: [https://chat.example.org, https://admin.example.org]
oauth:
  signup: true
  allowed_domains: [example.org]
  providers:
    oidc:
      client_id: authdoctor
      client_secret: ${OIDC_SECRET:-fallback-secret}
      provider_url: https://idp.example.org/.well-known/openid-configuration
ldap:
  enabled: true
  port: 636
redis:
  url: redis://:${REDIS_PASSWORD}@redis:6379/0
env:
  ENABLE_OAUTH_PERSISTENT_CONFIG: false
  OAUTH_MAX_SESSIONS_PER_USER: 5
replicas: 2
test_account:
  email: alice@example.org
  password: ${ALICE_PASSWORD}
probe:
  timeout: 2.5
  verify_tls: true
"""

ENVIRON = {"WEBUI_SECRET_KEY": "k" * 40, "REDIS_PASSWORD": "r3dis-pass", "ALICE_PASSWORD": "alice-pw"}


def test_fields_map_to_openwebui_variables() -> None:
    deploy = parse_deploy_yaml(FULL, "deploy.yaml", ENVIRON)
    env = deploy.env
    assert env.get("WEBUI_SECRET_KEY") == "k" * 40
    assert env.get("JWT_EXPIRES_IN") == "8h"
    assert env.get("WEBUI_SESSION_COOKIE_SECURE") == "true"
    assert env.get("CORS_ALLOW_ORIGIN") == "https://chat.example.org;https://admin.example.org"
    assert env.get("OAUTH_ALLOWED_DOMAINS") == "example.org"
    assert env.get("OAUTH_CLIENT_SECRET") == "fallback-secret"
    assert env.get("OPENID_PROVIDER_URL") == "https://idp.example.org/.well-known/openid-configuration"
    assert env.get("LDAP_SERVER_PORT") == "636"
    assert env.get("REDIS_URL") == "redis://:r3dis-pass@redis:6379/0"
    assert env.get("ENABLE_OAUTH_PERSISTENT_CONFIG") == "false"
    assert env.get("OAUTH_MAX_SESSIONS_PER_USER") == "5"
    assert deploy.public_url == "https://chat.example.org"
    assert deploy.replicas == 2
    assert deploy.probe.timeout_s == 2.5
    assert deploy.test_account is not None and deploy.test_account.password == "alice-pw"


def test_every_variable_records_its_line() -> None:
    deploy = parse_deploy_yaml(FULL, "deploy.yaml", ENVIRON)
    location = deploy.env.location("JWT_EXPIRES_IN")
    assert location is not None
    assert (location.path, location.line, location.key) == ("deploy.yaml", 5, "jwt.expires_in")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("jwt:\n  expire_in: 4w\n", "deploy.yaml:2: unknown key 'jwt.expire_in'; did you mean 'expires_in'?"),
        ("publik_url: x\n", "deploy.yaml:1: unknown key 'publik_url'; did you mean 'public_url'?"),
        ("ldap:\n  port: [1, 2]\n", "deploy.yaml:2: 'ldap.port' must be a string or a number, got a list"),
        ("cookies:\n  secure: maybe\n",
         "deploy.yaml:2: 'cookies.secure' must be a boolean, got string 'maybe'"),
        ("cookies: 5\n", "deploy.yaml:1: 'cookies' must be a mapping, got number 5"),
        ("version: 2\n", "deploy.yaml:1: 'version' must be 1, got number 2"),
        ("- a\n- b\n", "deploy.yaml:1: the top level must be a mapping of settings (key: value)"),
        ("a: b\na: c\n", "deploy.yaml:2: duplicate key 'a'"),
        ("secret_key: ${NOT_SET_ANYWHERE}\n",
         "deploy.yaml:1: 'secret_key' refers to ${NOT_SET_ANYWHERE}, which is not set"),
        ("ldap: {host: [unclosed\n", "deploy.yaml:2: invalid YAML"),
    ],
)
def test_errors_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_deploy_yaml(text, "deploy.yaml", {})
    assert str(excinfo.value).startswith(message)


def test_empty_file_is_an_empty_deployment() -> None:
    deploy = parse_deploy_yaml("", "deploy.yaml", {})
    assert dict(deploy.env.vars) == {}
    assert deploy.public_url is None


def test_schema_is_valid_and_accepts_the_full_example() -> None:
    import yaml

    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("deploy-1.json")
    Draft202012Validator(schema).validate(yaml.safe_load(FULL))
    json.dumps(schema)  # printable by `config schema`


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("replicas: .inf\n", "'replicas' must be a whole number, got number inf"),
        ("replicas: 0\n", "'replicas' must be at least 1"),
        ("probe: {timeout: -1}\n", "'probe.timeout' must be more than 0"),
        ("probe: {timeout: .nan}\n", "'probe.timeout' must be a finite number of seconds"),
        ("public_url: 2020-01-01\n", "'public_url' must be a string, got a date (put it in quotes"),
        ("public_url: !!binary aGVsbG8=\n", "'public_url' must be a string, got binary data"),
        ("x: !!python/object:os.system {}\n", "column 4: a value starts with '!', which YAML reads as a tag"),
        ("? [a]\n: b\n", "a key is a list or a mapping; keys must be plain text"),
    ],
)
def test_odd_yaml_values_are_config_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_deploy_yaml(text, "deploy.yaml", {})


@pytest.mark.parametrize(
    "text",
    ["secret_key: 123456789012\n", "ldap:\n  app_password: [hunter2-secret]\n",
     "test_account:\n  password: 987654321987\n", "env:\n  OAUTH_CLIENT_SECRET: [topsecret-value]\n"],
)
def test_type_errors_never_quote_a_secret(text: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_deploy_yaml(text, "deploy.yaml", {})
    for secret in ("123456789012", "hunter2-secret", "987654321987", "topsecret-value"):
        assert secret not in str(excinfo.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("version: 1\ntest_account:\n  password TESTPW_777\n", "'test_account' must be a mapping"),
     ("version: 1\nx: &a [*a]\n", "is used inside the node it refers to")],
)
def test_review_cases_are_clean_config_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_deploy_yaml(text, "deploy.yaml", {})
    assert message in str(excinfo.value)
    assert "TESTPW_777" not in str(excinfo.value)
