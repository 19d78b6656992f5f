"""An ID token the user gives, compared with what Open WebUI 0.12.4 reads at the OAuth callback
(issue 9 probe 8b): pure evaluation with hand-made tokens and key sets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from settings_env import source

from authdoctor.checks._id_token import (
    claim_settings,
    claim_value,
    evaluate_id_token,
    id_token_provider,
)
from authdoctor.findings import Finding, Severity
from authdoctor.openwebui.oauth import configured_providers

ISSUER = "https://idp.example.com/realms/acme"
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
IAT = int(NOW.timestamp()) - 60
OIDC = {"OAUTH_CLIENT_ID": "owui", "OAUTH_CLIENT_SECRET": "client-secret-abc",
        "OPENID_PROVIDER_URL": f"{ISSUER}/.well-known/openid-configuration"}
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())


def jwks(key: Any = KEY, kid: str = "k1") -> bytes:
    data = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    return json.dumps({"keys": [{**data, "kid": kid, "use": "sig", "alg": "ES256"}]}).encode()


def claims(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"iss": ISSUER, "sub": "u-1", "aud": "owui", "iat": IAT, "exp": IAT + 300,
                            "email": "alice@example.org", "name": "Alice"}
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def token(payload: Mapping[str, Any], key: Any = KEY, kid: str = "k1") -> str:
    return jwt.encode(dict(payload), key, algorithm="ES256", headers={"kid": kid})


def evaluate(text: str, env: Mapping[str, str] | None = None, *, issuer: str | None = ISSUER,
             keys: bytes | None = None, now: datetime = NOW) -> list[Finding]:
    settings = source({**OIDC, **(env or {})})
    provider = configured_providers(settings)["oidc"]
    return evaluate_id_token(text, provider=provider, claims=claim_settings(settings, provider),
                             issuer=issuer, jwks=jwks() if keys is None else keys,
                             jwks_source=f"{ISSUER}/certs", now=now)


def problems(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in findings]


def test_a_good_token_gives_nothing() -> None:
    assert evaluate(token(claims())) == []


def test_signed_by_another_key() -> None:
    assert problems(evaluate(token(claims(), OTHER_KEY))) == [("jwt.bad-signature", Severity.ERROR)]


def test_kid_not_in_the_provider_keys() -> None:
    assert [c for c, _ in problems(evaluate(token(claims(), kid="rotated")))] == ["jwt.key-not-found"]


def test_issuer_compared_with_the_discovered_one() -> None:
    [found] = evaluate(token(claims(iss=ISSUER + "/")))
    assert found.code == "jwt.issuer-mismatch"
    assert found.evidence == {"iss": ISSUER + "/", "expected": ISSUER}


def test_audience_is_the_client_id() -> None:
    [found] = evaluate(token(claims(aud="other-client")))
    assert found.code == "jwt.audience-mismatch"
    assert found.evidence["expected"] == "owui"


def test_expired_sample_token_is_only_a_warning() -> None:
    [found] = evaluate(token(claims(exp=IAT + 30)))
    assert (found.code, found.severity) == ("jwt.expired", Severity.WARNING)
    assert "says nothing about the deployment" in found.detail


def test_no_keys_says_the_signature_was_not_checked_but_claims_were() -> None:
    findings = evaluate(token(claims(email=None)), issuer=None, keys=b"<html>")
    assert problems(findings) == [("oauth.id-token-unchecked", Severity.WARNING),
                                  ("jwt.claim-missing", Severity.WARNING)]
    assert "the signature and the issuer were not checked" in findings[0].detail


def test_malformed_token() -> None:
    assert [f.code for f in evaluate("not-a-token")] == ["jwt.malformed"]


def test_missing_email_warns_and_names_userinfo() -> None:
    [found] = evaluate(token(claims(email=None)))
    assert (found.code, found.severity) == ("jwt.claim-missing", Severity.WARNING)
    assert found.subject == "email" and "userinfo" in found.detail


def test_missing_email_with_fallback_is_info() -> None:
    [found] = evaluate(token(claims(email=None)), {"ENABLE_OAUTH_EMAIL_FALLBACK": "true"})
    assert (found.code, found.severity) == ("jwt.claim-missing", Severity.INFO)
    assert "oidc@<sub>.local" in found.detail


def test_custom_email_claim() -> None:
    findings = evaluate(token(claims(upn="alice@corp.example")), {"OAUTH_EMAIL_CLAIM": "upn"})
    assert findings == []
    [found] = evaluate(token(claims()), {"OAUTH_EMAIL_CLAIM": "upn"})
    assert found.evidence["claim"] == "upn" and found.evidence["setting"] == "OAUTH_EMAIL_CLAIM"


def test_missing_username_is_info() -> None:
    [found] = evaluate(token(claims(name=None)))
    assert (found.code, found.severity, found.subject) == ("jwt.claim-missing", Severity.INFO, "name")


def test_custom_sub_claim_missing_is_an_error() -> None:
    [found] = evaluate(token(claims()), {"OAUTH_SUB_CLAIM": "oid"})
    assert (found.code, found.severity, found.subject) == ("jwt.claim-missing", Severity.ERROR, "oid")


def test_email_domain_not_allowed() -> None:
    [found] = evaluate(token(claims(email="Alice@Other.example")), {"OAUTH_ALLOWED_DOMAINS": "example.org"})
    assert (found.code, found.severity) == ("oauth.email-domain-not-allowed", Severity.ERROR)
    assert "'other.example'" in found.title
    assert evaluate(token(claims()), {"OAUTH_ALLOWED_DOMAINS": "example.org, example.com"}) == []


ROLES = {"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ROLES_CLAIM": "realm_access.roles"}


def test_nested_roles_claim_read_like_the_app() -> None:
    assert evaluate(token(claims(realm_access={"roles": ["user", "offline"]})), ROLES) == []
    assert claim_value({"realm_access.roles": ["x"]}, "realm_access.roles") == ["x"]  # flat key first


def test_roles_claim_missing_warns_about_demotion() -> None:
    [found] = evaluate(token(claims()), ROLES)
    assert (found.code, found.severity) == ("jwt.claim-missing", Severity.WARNING)
    assert "demoted" in found.detail and "(dots walk into nested objects)" in found.detail


def test_roles_present_but_none_allowed_is_refused() -> None:
    [found] = evaluate(token(claims(realm_access={"roles": ["guest"]})), ROLES)
    assert (found.code, found.severity) == ("oauth.role-not-allowed", Severity.ERROR)
    assert found.evidence["roles in the token"] == "guest"
    assert found.evidence["OAUTH_ALLOWED_ROLES"] == "user,admin"


def test_roles_not_read_when_the_app_would_not_read_them() -> None:
    # role management off, or an empty admin-role list: get_user_role reads no roles
    assert evaluate(token(claims())) == []
    assert evaluate(token(claims()), {**ROLES, "OAUTH_ADMIN_ROLES": ""}) == []


GROUPS = {"ENABLE_OAUTH_GROUP_MANAGEMENT": "true"}


def test_groups_present() -> None:
    assert evaluate(token(claims(groups=["a", "b"])), GROUPS) == []
    assert evaluate(token(claims(memberOf="a")), {**GROUPS, "OAUTH_GROUP_CLAIM": "memberOf"}) == []


def test_groups_missing() -> None:
    [found] = evaluate(token(claims()), GROUPS)
    assert (found.code, found.severity, found.subject) == ("jwt.claim-missing", Severity.WARNING, "groups")


@pytest.mark.parametrize("marker", [{"_claim_names": {"groups": "src1"},
                                     "_claim_sources": {"src1": {"endpoint": "https://graph"}}},
                                    {"hasgroups": True}])
def test_entra_group_overage(marker: dict[str, Any]) -> None:
    [found] = evaluate(token(claims(**marker)), GROUPS)
    assert (found.code, found.severity) == ("oauth.groups-overage", Severity.WARNING)
    assert "Microsoft Graph" in found.detail


def test_provider_chosen_by_issuer() -> None:
    env = source({**OIDC, "GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "gs"})
    providers = configured_providers(env)
    assert id_token_provider("https://accounts.google.com", providers) is providers["google"]
    assert id_token_provider(ISSUER, providers) is providers["oidc"]
    github_only = configured_providers(source({"GITHUB_CLIENT_ID": "x", "GITHUB_CLIENT_SECRET": "y"}))
    assert id_token_provider(ISSUER, github_only) is None


def test_the_token_never_appears_in_findings() -> None:
    text = token(claims(email=None, aud="x", iss="y"), OTHER_KEY)
    findings = evaluate(text, {"OAUTH_SUB_CLAIM": "oid", **ROLES, **GROUPS})
    dump = repr(findings)
    assert len(findings) >= 5
    assert text not in dump and text.split(".")[2] not in dump and text.split(".")[1] not in dump
