"""The finding-code catalog: the public contract (every code named, explained and fixable)."""

from __future__ import annotations

import re

import pytest

from authdoctor.catalog import AREAS, CATALOG, CODE_PATTERN, RUN_AREAS, CodeInfo, closest, lookup
from authdoctor.findings import Severity

# Every code listed in shared/reference/finding-codes.md (the minimum catalog), copied here so
# CI does not depend on files outside the repository. A code, once shipped, never goes away.
CONTRACT_CODES: tuple[str, ...] = (
    "secret.missing",
    "secret.default",
    "secret.weak",
    "secret.not-persisted",
    "secret.replica-mismatch",
    "secret.encryption-key-invalid",
    "config.unknown-variable",
    "config.invalid-value",
    "config.webui-url-missing",
    "config.persisted-setting-ignored",
    "config.cors-origin-invalid",
    "jwt.malformed",
    "jwt.alg-none",
    "jwt.bad-signature",
    "jwt.weak-secret",
    "jwt.expired",
    "jwt.not-yet-valid",
    "jwt.issued-in-future",
    "jwt.no-expiry",
    "jwt.long-lifetime",
    "jwt.expires-in-invalid",
    "jwt.issuer-mismatch",
    "jwt.audience-mismatch",
    "jwt.key-not-found",
    "jwt.claim-missing",
    "jwt.revoked",
    "cookie.secure-on-http",
    "cookie.samesite-none-without-secure",
    "cookie.missing-secure-on-https",
    "cookie.samesite-strict-breaks-oauth",
    "cookie.samesite-invalid",
    "cookie.not-httponly",
    "cookie.expiry-mismatch",
    "cookie.too-large",
    "cookie.not-set",
    "cookie.differs-from-config",
    "oauth.redirect-uri-scheme-mismatch",
    "oauth.redirect-uri-host-mismatch",
    "oauth.redirect-uri-path-invalid",
    "oauth.redirect-uri-trailing-slash",
    "oauth.redirect-uri-not-registered",
    "oauth.provider-incomplete",
    "oauth.provider-not-registered",
    "oauth.invalid-client",
    "oauth.scope-missing",
    "oauth.pkce-method-unsupported",
    "oauth.proxy-headers-not-forwarded",
    "oauth.allowed-domains-case",
    "oauth.role-mapping-incomplete",
    "oidc.discovery-unreachable",
    "oidc.discovery-not-json",
    "oidc.discovery-invalid",
    "oidc.issuer-mismatch",
    "oidc.issuer-template",
    "oidc.provider-url-not-discovery",
    "oidc.jwks-unreachable",
    "oidc.jwks-invalid",
    "oidc.end-session-missing",
    "oidc.insecure-endpoint",
    "oidc.scope-unsupported",
    "oidc.pkce-unsupported",
    "logout.idp-session-not-ended",
    "ldap.unreachable",
    "ldap.tls-failed",
    "ldap.tls-untrusted-ca",
    "ldap.tls-hostname-mismatch",
    "ldap.tls-port-mismatch",
    "ldap.bind-failed",
    "ldap.search-base-not-found",
    "ldap.user-not-found",
    "ldap.attribute-missing",
    "ldap.filter-invalid",
    "ldap.user-bind-failed",
    "redis.not-configured",
    "redis.url-invalid",
    "redis.unreachable",
    "redis.auth-failed",
    "redis.revocation-not-persistent",
    "redis.eviction-may-drop-revocations",
    "redis.key-prefix-mismatch",
    "redis.revocation-key-no-ttl",
    "trusted-header.password-auth-disabled",
    "trusted-header.backend-exposed",
    "deploy.unreachable",
    "deploy.signin-failed",
    "deploy.signout-not-revoking",
)

# Codes beyond the contract that the checks emit; they are part of the public surface too.
EXTRA_CODES: tuple[str, ...] = (
    "config.value-whitespace",
    "config.startup-fails",
    "config.replica-mismatch",
    "jwt.revocation-impossible",
    "cookie.prefix-violation",
    "oauth.allowed-domains-never-match",
    "oauth.redirect-uri-depends-on-proxy",
    "oauth.signup-disabled",
    "oauth.merge-accounts-by-email",
    "oidc.discovery-slow",
    "ldap.setting-missing",
    "ldap.app-bind-anonymous",
    "ldap.cert-validation-disabled",
    "ldap.unencrypted",
    "ldap.search-failed",
    "redis.websocket-not-redis",
    "redis.sentinel-config-invalid",
    "trusted-header.signup-bypass",
    "deploy.not-openwebui",
    "deploy.signout-get-noop",
    "deploy.session-refused",
    "deploy.signout-failed",
    "deploy.session-summary",
)

FINDING_SEVERITIES = frozenset({Severity.ERROR, Severity.WARNING, Severity.INFO})
_SENTENCE_END = re.compile(r"[.!?]['\")]?(?:\s|$)")


def _specific_entries() -> list[CodeInfo]:
    return [e for e in CATALOG.values() if e.severity in FINDING_SEVERITIES]


def test_every_code_matches_the_pattern() -> None:
    bad = [code for code in CATALOG if not CODE_PATTERN.match(code)]
    assert bad == []


def test_every_entry_is_filed_under_its_own_code_and_a_known_area() -> None:
    for code, entry in CATALOG.items():
        assert entry.code == code
        assert entry.area in AREAS, code


def test_contract_list_has_no_duplicates() -> None:
    assert len(set(CONTRACT_CODES)) == len(CONTRACT_CODES)
    assert not set(CONTRACT_CODES) & set(EXTRA_CODES)


@pytest.mark.parametrize("code", CONTRACT_CODES + EXTRA_CODES)
def test_contract_code_exists_as_a_finding(code: str) -> None:
    entry = lookup(code)
    assert entry is not None, f"{code} is missing from the catalog"
    assert entry.severity in FINDING_SEVERITIES


@pytest.mark.parametrize("entry", _specific_entries(), ids=lambda e: e.code)
def test_entry_texts_are_complete(entry: CodeInfo) -> None:
    assert entry.summary.strip(), "empty summary"
    assert len(entry.summary) <= 100, f"summary is {len(entry.summary)} chars"
    assert "\n" not in entry.summary
    assert entry.fix.strip(), "empty fix"
    sentences = len(_SENTENCE_END.findall(entry.explanation.strip()))
    assert sentences >= 2, f"explanation has {sentences} sentence(s)"
    if entry.area != "internal":  # authdoctor's own failures rest on no external rule
        assert entry.references, "no references"
    assert all(isinstance(r, str) and r.strip() for r in entry.references)


def test_no_text_has_stray_whitespace() -> None:
    for entry in CATALOG.values():
        for text in (entry.summary, entry.explanation, entry.fix):
            assert text == text.strip(), entry.code
            assert "  " not in text, entry.code


@pytest.mark.parametrize("area", [a for a in AREAS if a not in RUN_AREAS])
def test_generic_ok_and_skipped_codes_exist_for_each_area(area: str) -> None:
    ok = lookup(f"{area}.ok")
    skipped = lookup(f"{area}.skipped")
    assert ok is not None and ok.severity is Severity.OK
    assert skipped is not None and skipped.severity is Severity.SKIPPED


def test_every_area_has_specific_codes() -> None:
    areas = {entry.area for entry in _specific_entries()}
    assert areas == set(AREAS)


@pytest.mark.parametrize(("code", "severity"), [
    ("secret.default", Severity.ERROR),
    ("jwt.expires-in-invalid", Severity.ERROR),
    ("jwt.no-expiry", Severity.WARNING),
    ("cookie.samesite-invalid", Severity.ERROR),
    ("cookie.missing-secure-on-https", Severity.WARNING),
    ("oauth.pkce-method-unsupported", Severity.ERROR),
    ("oauth.signup-disabled", Severity.INFO),
    ("ldap.app-bind-anonymous", Severity.INFO),
    ("ldap.cert-validation-disabled", Severity.WARNING),
    ("redis.websocket-not-redis", Severity.WARNING),
    ("trusted-header.signup-bypass", Severity.INFO),
])
def test_default_severities_of_key_codes(code: str, severity: Severity) -> None:
    entry = lookup(code)
    assert entry is not None and entry.severity is severity


def test_closest_suggests_the_intended_code() -> None:
    assert closest("cookie.samesite-none-without-secur")[0] == "cookie.samesite-none-without-secure"
    assert closest("samesite-none-without-secure")[0] == "cookie.samesite-none-without-secure"
    assert closest("jwt.expird")[0] == "jwt.expired"
