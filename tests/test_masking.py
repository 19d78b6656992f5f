"""`authdoctor.masking` and `authdoctor.openwebui.secrets`: which values are secret, how the
credentials inside a longer value are masked where they sit, and which secrets the safety net
may replace."""

from __future__ import annotations

import pytest

from authdoctor.findings import Finding, Severity
from authdoctor.masking import (
    Redactor,
    credential_parts,
    is_secret_field,
    is_secret_name,
    mask_credentials,
    nettable,
    shown_argument,
    shown_value,
)
from authdoctor.openwebui.secrets import NOT_SECRET_LOOKALIKES, SECRET_VARIABLES, looks_secret
from authdoctor.openwebui.variables import KNOWN_VARIABLES


def test_every_known_variable_that_looks_secret_is_classified() -> None:
    # A new Open WebUI variable named like a credential must be put in one list or the other.
    unclassified = sorted(n for n in KNOWN_VARIABLES if looks_secret(n)
                          and n not in SECRET_VARIABLES and n not in NOT_SECRET_LOOKALIKES)
    assert unclassified == []
    assert SECRET_VARIABLES <= KNOWN_VARIABLES
    assert set(NOT_SECRET_LOOKALIKES) <= KNOWN_VARIABLES
    assert not SECRET_VARIABLES & set(NOT_SECRET_LOOKALIKES)


@pytest.mark.parametrize(("name", "secret"), [
    ("OPENAI_API_KEYS", True), ("AUTOMATIC1111_API_AUTH", True), ("WEBHOOK_URL", True),
    ("TOOL_SERVER_CONNECTIONS", True), ("SOUGOU_API_SK", True), ("WEBUI_SECRET_KEY", True),
    ("DB_PASS", True), ("GPG_PASSPHRASE", True), ("SMTP_AUTH", True), ("MY_API_TOKEN", True),
    ("LDAP_BIND_PASSWORD", True), ("SLACK_WEBHOOK_URL", True),
    ("OAUTH_AUTH_URL", False), ("SMTP_AUTH_USER", False), ("REDIS_AUTH_HOST", False),
    ("MY_PW", True), ("SESSION_COOKIE", True), ("MY_COOKIE_NAME", False), ("COOKIE_DOMAIN", False),
    ("WEBUI_AUTH", False), ("WEBUI_SECRET_KEY_FILE", False), ("WEBUI_SECRET_KEY_LENGTH", False),
    ("ENABLE_PASSWORD_AUTH", False), ("REDIS_KEY_PREFIX", False), ("BYPASS_MODEL_ACCESS_CONTROL", False),
    ("JWT_EXPIRES_INN", False), ("OAUTH_CLIENT_IDD", False), ("MY_TOKEN_FILE", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(("value", "shown"), [
    ("redis://:pw/with#odd?chars@cache:6379/0", "redis://:***@cache:6379/0"),
    ("redis://default:pw@cache:6379", "redis://default:***@cache:6379"),
    ("https://token123@host/x", "https://***@host/x"),
    (":Xk29hunter2@redis:6379/0", ":***@redis:6379/0"),
    ("admin:pw1234@db:5432/app", "admin:***@db:5432/app"),
    ("https://a:one1@x.org;https://b:two2@y.org", "https://a:***@x.org;https://b:***@y.org"),
    ("http://h/jwks?access_token=tok1&x=1", "http://h/jwks?access_token=***&x=1"),
    ("https://h/cb?sig=abc&api_key=def&state=ok", "https://h/cb?sig=***&api_key=***&state=ok"),
    ('[{"url":"http://t","key":"k-123","auth_type":"bearer"}]',
     '[{"url":"http://t","key":"***","auth_type":"bearer"}]'),
    ('{"headers": {"Authorization": "Bearer abc"}}', '{"headers": {"Authorization": "***"}}'),
    ("Password=abc;Server=db", "Password=***;Server=db"),
    ("Authorization: Bearer eyJabc.def", "Authorization: Bearer ***"),
    ("-----BEGIN PRIVATE KEY-----MIIE", "-----BEGIN PRIVATE KEY-----***"),
    # scheme-relative and a scheme without its colon (review of issue 7: both leaked)
    ("//:Xk29hunter5@redis:6379/0", "//:***@redis:6379/0"),
    ("redis//:pw5555@redis", "redis//:***@redis"),
    ("https://a:pw1@x.org;//b:pw2@y.org", "https://a:***@x.org;//b:***@y.org"),
    # Nothing to mask:
    ("/app/backend//data", "/app/backend//data"),
    ("https://chat.example.org/oauth/oidc/callback", "https://chat.example.org/oauth/oidc/callback"),
    ("john@example.org", "john@example.org"),
    ("redis://cache:6379/0", "redis://cache:6379/0"),
    ("(&(objectClass=person)(uid=%(user)s))", "(&(objectClass=person)(uid=%(user)s))"),
])
def test_credentials_are_masked_where_they_sit(value: str, shown: str) -> None:
    assert mask_credentials(value) == shown
    assert shown_value("SOME_URL", value) == shown


def test_credential_parts_include_decoded_forms() -> None:
    assert set(credential_parts("redis://:p%40ss%2Fw0rd@h")) == {"p%40ss%2Fw0rd", "p@ss/w0rd"}
    assert set(credential_parts('{"password": "a\\"b12"}')) == {'a\\"b12', 'a"b12'}


@pytest.mark.parametrize("name", ["access_token", "password", "api_key", "X-Api-Key", "Authorization",
                                  "sig", "client_secret", "private_key"])
def test_secret_fields(name: str) -> None:
    assert is_secret_field(name)


@pytest.mark.parametrize("name", ["auth_type", "token_url", "url", "state", "client_id", "key_id"])
def test_plain_fields(name: str) -> None:
    assert not is_secret_field(name)


@pytest.mark.parametrize("secret", ["null", "true", "error", "check", "https", "schema", "2026",
                                    "changeme", "abc1", "misconfiguration"])
def test_words_are_never_netted(secret: str) -> None:
    assert not nettable(secret)
    finding = Finding("config.ok", Severity.OK, f"an error in the {secret} check: {secret} 2026")
    assert Redactor([secret]).__call__(finding.title) == finding.title


@pytest.mark.parametrize("secret", ["hunter2", "Xk29hunter2", "pw-with-dash", "a" * 20])
def test_unusual_values_are_netted(secret: str) -> None:
    assert nettable(secret)
    assert Redactor([secret])(f"x {secret} y") == f"x <secret, {len(secret)} chars> y"


@pytest.mark.parametrize(("text", "kind", "shown"), [
    ("WEBUI_SECRET_KEY", "name", True), ("Xk29-my-real-secret", "name", False), ("hunter2", "name", False),
    ("./key.pem", "path", True), ("/run/secrets/webui", "path", True), ("secret.txt", "path", True),
    ("Xk29-my-real-secret", "path", False), ("c2VjcmV0+dmFsdWU=", "path", False),
])
def test_arguments_are_quoted_only_when_shaped_like_what_was_asked(text: str, kind: str, shown: bool) -> None:
    assert (shown_argument(text, kind) == text) is shown


def test_the_net_replaces_the_longest_secret_and_handles_thousands() -> None:
    many = [f"pw-{i:05d}-x" for i in range(5000)]
    secrets = ["abcdef1", "abcdef12", "abXdef-9", "L" * 300 + "x1", *many]
    redactor = Redactor(secrets)
    text = f"abcdef12 abcdef1 abXdef-9 abcdef {'L' * 300}x1 pw-04999-x pw-05000-x"
    assert redactor(text) == ("<secret, 8 chars> <secret, 7 chars> <secret, 8 chars> abcdef "
                              "<secret, 302 chars> <secret, 10 chars> pw-05000-x")


def test_a_url_in_prose_ends_at_whitespace() -> None:
    text = "see https://x.org/docs or write to help@x.org; db https://u:pw12@db.x.org done"
    assert mask_credentials(text) == ("see https://x.org/docs or write to help@x.org; "
                                      "db https://u:***@db.x.org done")


def test_occurring_in_sees_overlapping_and_nested_candidates() -> None:
    from authdoctor.masking import occurring_in

    texts = ["prefix-Xk29abcdefgh-suffix", "Y7Y7Y7Y7Y7Y7"]
    candidates = {"Xk29abcdefgh", "Xk29abcd", "abcdefgh-suf", "Y7Y7Y7Y7", "absent-value", ""}
    assert occurring_in(candidates, texts) == {"Xk29abcdefgh", "Xk29abcd", "abcdefgh-suf", "Y7Y7Y7Y7"}


def test_feeders_are_found_among_tens_of_thousands_of_variables() -> None:
    """20,000 secrets and 20,000 other values: the feeder search is one pass (a trie), not 400 million
    substring tests (the code review measured 8,000 variables at 1 s before)."""
    from authdoctor.settings.model import EnvSource, EnvVar

    variables = {f"A{i}_PASSWORD": EnvVar(f"A{i}_PASSWORD", f"Pw{i:06d}xyzQ") for i in range(20_000)}
    variables |= {f"P{i}": EnvVar(f"P{i}", f"plainvalue{i:06d}") for i in range(20_000)}
    variables["FEEDS"] = EnvVar("FEEDS", "Pw000042xyzQ")
    marked = EnvSource(label="many.env", vars=variables).with_secret_feeders()
    assert marked.vars["FEEDS"].secret and not marked.vars["P7"].secret
