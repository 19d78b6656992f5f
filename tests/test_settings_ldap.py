"""LDAP settings (authdoctor/checks/ldap.py, settings half): both sides of each rule."""

from __future__ import annotations

import pytest
from settings_env import codes, problems, rendered, run

from authdoctor.checks.ldap import CHECK, effective_endpoint
from authdoctor.findings import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
APP_PASSWORD = "ldap-app-pass-0123456789"
LDAPS = {
    "ENABLE_LDAP": "true",
    "LDAP_SERVER_HOST": "ldap.example.com",
    "LDAP_SERVER_PORT": "636",
    "LDAP_USE_TLS": "true",
    "LDAP_APP_DN": "cn=owui,ou=services,dc=example,dc=com",
    "LDAP_APP_PASSWORD": APP_PASSWORD,
    "LDAP_SEARCH_BASE": "ou=people,dc=example,dc=com",
    "LDAP_SEARCH_FILTER": "(objectClass=inetOrgPerson)",
}


def test_healthy_ldaps_is_silent() -> None:
    assert problems(run(CHECK, LDAPS)) == []


def test_ldap_off_is_skipped() -> None:
    assert [f.code for f in run(CHECK, {**LDAPS, "ENABLE_LDAP": "1"})] == ["ldap.skipped"]


@pytest.mark.parametrize(("port", "fires"), [("636", False), ("389", True), (" 636 ", False)])
def test_port_not_an_int_stops_startup_even_with_ldap_off(port: str, fires: bool) -> None:
    for value in ('"636"', "ldaps", ""):
        findings = run(CHECK, {"LDAP_SERVER_PORT": value})
        assert problems(findings) == [("config.invalid-value", E)], value
        assert "does not start" in findings[0].title
    # int() accepts spaces: the app starts (389 vs 636 is only about TLS, checked below)
    assert "config.invalid-value" not in codes(run(CHECK, {**LDAPS, "LDAP_SERVER_PORT": port}))
    assert ("ldap.tls-port-mismatch" in codes(run(CHECK, {**LDAPS, "LDAP_SERVER_PORT": port}))) is fires


@pytest.mark.parametrize(("extra", "expected_subject"), [
    ({"LDAP_SERVER_PORT": "389"}, "LDAP_SERVER_PORT"),                      # TLS true (explicit)
    ({"LDAP_SERVER_PORT": "389", "LDAP_USE_TLS": None}, "LDAP_SERVER_PORT"),  # the defaults
    ({"LDAP_SERVER_PORT": None, "LDAP_USE_TLS": None}, "LDAP_SERVER_PORT"),   # True + 389 defaults
    ({"LDAP_SERVER_PORT": "3268"}, "LDAP_SERVER_PORT"),                     # AD global catalog
    ({"LDAP_USE_TLS": "false"}, "LDAP_USE_TLS"),                            # plain on 636
    ({"LDAP_USE_TLS": "1"}, "LDAP_USE_TLS"),                                # '1' is false
    ({"LDAP_SERVER_HOST": "ldap://ldap.example.com"}, "LDAP_USE_TLS"),     # the URL scheme wins
])
def test_tls_port_mismatch(extra: dict[str, str | None], expected_subject: str) -> None:
    env = {k: v for k, v in {**LDAPS, **extra}.items() if v is not None}
    findings = [f for f in run(CHECK, env) if f.code == "ldap.tls-port-mismatch"]
    assert [(f.severity, f.subject) for f in findings] == [(E, expected_subject)]
    assert "LDAP authentication failed." in findings[0].detail


def test_url_in_host_overrides_tls_and_port() -> None:
    ep = effective_endpoint("ldaps://dc.example.com:3269", 389, False)
    assert (ep.host, ep.port, ep.tls, ep.url_in_host) == ("dc.example.com", 3269, True, True)
    findings = run(CHECK, {**LDAPS, "LDAP_SERVER_HOST": "ldap://ldap.example.com:389",
                           "LDAP_SERVER_PORT": "636"})
    assert ("ldap.setting-missing", INFO) in problems(findings)
    assert "ldap.unencrypted" in codes(findings)  # really plain LDAP on 389 now
    consistent = {**LDAPS, "LDAP_SERVER_HOST": "ldaps://ldap.example.com:636"}
    assert problems(run(CHECK, consistent)) == []


@pytest.mark.parametrize(("extra", "fires"), [
    ({"LDAP_USE_TLS": "false", "LDAP_SERVER_PORT": "389"}, True),
    ({"LDAP_USE_TLS": "false", "LDAP_SERVER_PORT": "389", "LDAP_SERVER_HOST": "127.0.0.1"}, False),
    ({}, False),
])
def test_unencrypted_ldap(extra: dict[str, str], fires: bool) -> None:
    assert ("ldap.unencrypted" in codes(run(CHECK, {**LDAPS, **extra}))) is fires


@pytest.mark.parametrize(("value", "fires"), [("false", True), ("False", True), ("true", False)])
def test_cert_validation_disabled(value: str, fires: bool) -> None:
    findings = run(CHECK, {**LDAPS, "LDAP_VALIDATE_CERT": value})
    assert (("ldap.cert-validation-disabled", W) in problems(findings)) is fires


def test_cert_validation_moot_without_tls() -> None:
    env = {**LDAPS, "LDAP_USE_TLS": "false", "LDAP_SERVER_PORT": "389", "LDAP_VALIDATE_CERT": "false"}
    assert "ldap.cert-validation-disabled" not in codes(run(CHECK, env))


@pytest.mark.parametrize(("value", "text"), [
    ("objectClass=person", "must be in parentheses"),
    ("((objectClass=person)", "do not balance"),
    ("(objectClass=person))", "do not balance"),
    ("(memberOf=CN=Chat (EU),OU=Groups,DC=example,DC=com)", "ldap3 refuses"),
])
def test_filter_invalid(value: str, text: str) -> None:
    findings = [f for f in run(CHECK, {**LDAPS, "LDAP_SEARCH_FILTER": value})
                if f.code == "ldap.filter-invalid"]
    assert len(findings) == 1 and findings[0].severity is E
    assert text in findings[0].detail


@pytest.mark.parametrize("value", ["(uid=%(user)s)", "(sAMAccountName={username})", "(uid=%s)",
                                   "(&(objectClass=person)(uid={{username}}))"])
def test_filter_with_username_placeholder(value: str) -> None:
    findings = [f for f in run(CHECK, {**LDAPS, "LDAP_SEARCH_FILTER": value})
                if f.code == "ldap.filter-invalid"]
    assert len(findings) == 1 and "placeholder" in findings[0].title


@pytest.mark.parametrize("value", ["", "(objectClass=person)(!(userAccountControl=514))",
                                   "(&(objectClass=user)(memberOf=cn=chat,ou=groups,dc=ex,dc=com))",
                                   "(memberOf=CN=Chat \\28EU\\29,OU=G,DC=ex,DC=com)"])
def test_valid_filters_are_silent(value: str) -> None:
    assert "ldap.filter-invalid" not in codes(run(CHECK, {**LDAPS, "LDAP_SEARCH_FILTER": value}))


def test_filter_alias_and_precedence() -> None:
    env = {k: v for k, v in LDAPS.items() if k != "LDAP_SEARCH_FILTER"}
    broken = run(CHECK, {**env, "LDAP_SEARCH_FILTERS": "objectClass=person"})
    assert [f.subject for f in broken if f.code == "ldap.filter-invalid"] == ["LDAP_SEARCH_FILTERS"]
    # LDAP_SEARCH_FILTER wins over the alias, even when it is the valid one
    fixed = run(CHECK, {**env, "LDAP_SEARCH_FILTER": "(objectClass=person)",
                        "LDAP_SEARCH_FILTERS": "objectClass=person"})
    assert "ldap.filter-invalid" not in codes(fixed)


def test_bad_username_attribute_breaks_the_filter() -> None:
    findings = run(CHECK, {**LDAPS, "LDAP_ATTRIBUTE_FOR_USERNAME": "(sAMAccountName)"})
    assert [f.subject for f in findings if f.code == "ldap.filter-invalid"] == ["LDAP_ATTRIBUTE_FOR_USERNAME"]


@pytest.mark.parametrize(("extra", "subject", "severity"), [
    ({"LDAP_SEARCH_BASE": ""}, "LDAP_SEARCH_BASE", E),
    ({"LDAP_SEARCH_BASE": None}, "LDAP_SEARCH_BASE", E),
    ({"LDAP_SERVER_HOST": None}, "LDAP_SERVER_HOST", W),          # defaults to localhost
    ({"LDAP_SERVER_HOST": ""}, "LDAP_SERVER_HOST", E),
    ({"LDAP_SERVER_HOST": "dc:abc"}, "LDAP_SERVER_HOST", E),      # ldap3: port must be an integer
    ({"LDAP_SERVER_HOST": "ldap.example.com/"}, "LDAP_SERVER_HOST", E),
    ({"LDAP_ATTRIBUTE_FOR_MAIL": ""}, "LDAP_ATTRIBUTE_FOR_MAIL", E),
    ({"LDAP_ATTRIBUTE_FOR_USERNAME": ""}, "LDAP_ATTRIBUTE_FOR_USERNAME", E),
    ({"LDAP_SERVER_LABEL": ""}, "LDAP_SERVER_LABEL", INFO),
    ({"LDAP_APP_PASSWORD": ""}, "LDAP_APP_PASSWORD", E),          # ldap3 refuses the simple bind
])
def test_setting_missing(extra: dict[str, str | None], subject: str, severity: Severity) -> None:
    env = {k: v for k, v in {**LDAPS, **extra}.items() if v is not None}
    findings = [f for f in run(CHECK, env) if f.code == "ldap.setting-missing"]
    assert [(f.subject, f.severity) for f in findings] == [(subject, severity)]


def test_anonymous_app_bind_is_info() -> None:
    env = {k: v for k, v in LDAPS.items() if k not in ("LDAP_APP_DN", "LDAP_APP_PASSWORD")}
    assert problems(run(CHECK, env)) == [("ldap.app-bind-anonymous", INFO)]


def test_no_secret_in_any_ldap_finding() -> None:
    env = {**LDAPS, "LDAP_SERVER_PORT": "389", "LDAP_VALIDATE_CERT": "false", "LDAP_SEARCH_BASE": "",
           "LDAP_SEARCH_FILTER": "uid=%(user)s"}
    findings = run(CHECK, env)
    assert len(problems(findings)) >= 4
    assert APP_PASSWORD not in rendered(findings)


@pytest.mark.parametrize(("port", "severity"), [("99999", E), ("-1", E), ("65535", E), ("0", W)])
def test_port_ldap3_refuses_is_an_invalid_value_not_a_missing_host(port: str, severity: Severity) -> None:
    findings = run(CHECK, {**LDAPS, "LDAP_SERVER_PORT": port})
    assert problems(findings) == [("config.invalid-value", severity)]
    assert findings[0].subject == "LDAP_SERVER_PORT"
    assert "ldap.setting-missing" not in codes(findings)
    assert "LDAP_SERVER_PORT=636" in findings[0].fix


def test_out_of_range_port_with_ldap_off_is_a_warning() -> None:
    findings = run(CHECK, {"LDAP_SERVER_PORT": "99999"})
    assert problems(findings) == [("config.invalid-value", W)]


@pytest.mark.parametrize("port", ["1", "636", "3269", "65534"])
def test_ports_ldap3_accepts_are_not_invalid(port: str) -> None:
    assert "config.invalid-value" not in codes(run(CHECK, {**LDAPS, "LDAP_SERVER_PORT": port}))


@pytest.mark.parametrize(("missing", "stand_in", "value"), [
    ("LDAP_SERVER_HOST", "LDAP_URL", "ldaps://ldap.example.com"),
    ("LDAP_APP_PASSWORD", "LDAP_BIND_PASSWORD", APP_PASSWORD),
    ("LDAP_SEARCH_BASE", "LDAP_BASE_DN", "ou=people,dc=example,dc=com"),
])
def test_missing_ldap_setting_names_the_variable_meant_to_be_it(missing: str, stand_in: str,
                                                                value: str) -> None:
    env = {k: v for k, v in LDAPS.items() if k != missing}
    env[stand_in] = value
    found = [f for f in run(CHECK, env) if f.code == "ldap.setting-missing" and f.subject == missing]
    assert len(found) == 1
    assert f"{stand_in} on line" in found[0].detail and "looks like it was meant to be it" in found[0].detail
    assert found[0].fix.startswith(f"Rename {stand_in} to {missing}")
    assert APP_PASSWORD not in rendered(found)
