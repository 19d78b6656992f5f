"""OAuth live, a real ID token: an ID token the user gives (`--id-token`, or deploy.yaml
`test_account.id_token`) verified against the provider's keys and compared with what Open WebUI
0.12.4 reads from it at the OAuth callback.

The token is a secret: it never goes into a finding; evidence shows claim names and values only
(claims are not secret), never the token or its signature.

Probes (`id_token_findings`): the provider's discovery document and its `jwks_uri`, through the
run's probe session (the same cached requests as the oidc area: the provider sees one of each).
Evaluation (`evaluate_id_token`, pure: the token text, the discovered issuer, the JWKS body,
the claim settings and `now` in, findings out):

- Signature with the provider's keys (`jwt.bad-signature`, `jwt.key-not-found`,
  `jwt.alg-not-allowed`), `iss` equal to the discovered issuer and `aud` containing the client id
  (rule K2: `jwt.issuer-mismatch`, `jwt.audience-mismatch`), expiry and issue time against the
  run's clock (`jwt.expired` is only a warning here: a pasted sample token expires within the
  hour, which says nothing about the deployment).
- Claims as `handle_callback` reads them (0.12.4 `utils/oauth.py`): the sub claim
  (`OAUTH_SUB_CLAIM`, else the provider's: `sub`) must be there (`jwt.claim-missing`, error);
  the email claim (`OAUTH_EMAIL_CLAIM`, default `email`) or the username claim
  (`OAUTH_USERNAME_CLAIM`, default `name`) missing makes the app ask the userinfo endpoint, which
  authdoctor cannot query without the access token (`jwt.claim-missing`, a warning for email
  unless `ENABLE_OAUTH_EMAIL_FALLBACK` is on, info for the name, which falls back to the email);
  the email's domain against `OAUTH_ALLOWED_DOMAINS` (`oauth.email-domain-not-allowed`).
- With `ENABLE_OAUTH_ROLE_MANAGEMENT`: the roles claim (`OAUTH_ROLES_CLAIM`, dotted nesting as
  `get_user_role` walks it, a flat key of the same name first) missing (`jwt.claim-missing`: the
  user gets DEFAULT_USER_ROLE, an admin is demoted) or holding none of the allowed or admin roles
  (`oauth.role-not-allowed`: 403).
- With `ENABLE_OAUTH_GROUP_MANAGEMENT`: the groups claim (`OAUTH_GROUPS_CLAIM`, then
  `OAUTH_GROUP_CLAIM`, default `groups`) missing: Entra ID's group overage (`_claim_names.groups`
  or `hasgroups`: more groups than fit in a token, so none are in it) is `oauth.groups-overage`,
  otherwise `jwt.claim-missing` (the group sync changes nothing).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authdoctor.checks.base import CheckContext, finding
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import env_true, getenv
from authdoctor.openwebui.oauth import ProviderSettings, configured_providers
from authdoctor.settings.model import EnvSource

AREA = "oauth"
#: Providers whose sign-in carries an ID token (github and feishu use plain OAuth 2.0).
ID_TOKEN_PROVIDERS = ("oidc", "google", "microsoft")
_MISSING: Any = object()


@dataclass(frozen=True)
class ClaimSettings:
    """The claim-related settings of the running app (0.12.4 `config.py` defaults)."""

    sub_claim: str
    email_claim: str = "email"
    username_claim: str = "name"
    email_fallback: bool = False
    allowed_domains: tuple[str, ...] = ("*",)
    role_management: bool = False
    roles_claim: str = "roles"
    allowed_roles: tuple[str, ...] = ("user", "admin")
    admin_roles: tuple[str, ...] = ("admin",)
    group_management: bool = False
    groups_claim: str = "groups"


def claim_settings(env: EnvSource, provider: ProviderSettings) -> ClaimSettings:
    sep = getenv(env, "OAUTH_ROLES_SEPARATOR", ",") or ","

    def roles(name: str, default: str) -> tuple[str, ...]:
        return tuple(r.strip() for r in getenv(env, name, default).split(sep) if r)

    return ClaimSettings(
        sub_claim=getenv(env, "OAUTH_SUB_CLAIM", "") or provider.spec.sub_claim,
        email_claim=getenv(env, "OAUTH_EMAIL_CLAIM", "email"),
        username_claim=getenv(env, "OAUTH_USERNAME_CLAIM", "name"),
        email_fallback=env_true(env, "ENABLE_OAUTH_EMAIL_FALLBACK", "False"),
        allowed_domains=tuple(d.strip() for d in getenv(env, "OAUTH_ALLOWED_DOMAINS", "*").split(",")),
        role_management=env_true(env, "ENABLE_OAUTH_ROLE_MANAGEMENT", "False"),
        roles_claim=getenv(env, "OAUTH_ROLES_CLAIM", "roles"),
        allowed_roles=roles("OAUTH_ALLOWED_ROLES", f"user{sep}admin"),
        admin_roles=roles("OAUTH_ADMIN_ROLES", "admin"),
        group_management=env_true(env, "ENABLE_OAUTH_GROUP_MANAGEMENT", "False"),
        groups_claim=(getenv(env, "OAUTH_GROUPS_CLAIM") or getenv(env, "OAUTH_GROUP_CLAIM")
                      or "groups"),
    )


def id_token_provider(token_iss: object,
                      providers: Mapping[str, ProviderSettings]) -> ProviderSettings | None:
    """The configured provider the token most likely comes from: by its issuer's host for Google
    and Microsoft, else the generic OIDC provider, else the only one with an ID token."""
    candidates = [providers[n] for n in ID_TOKEN_PROVIDERS if n in providers and providers[n].metadata_url]
    iss = token_iss if isinstance(token_iss, str) else ""
    for provider in candidates:
        if provider.name == "google" and "accounts.google.com" in iss:
            return provider
        if provider.name == "microsoft" and ("login.microsoftonline" in iss or "sts.windows.net" in iss):
            return provider
    named = {p.name: p for p in candidates}
    return named.get("oidc") or (candidates[0] if candidates else None)


# --------------------------------------------------------------------------- live


async def id_token_findings(ctx: CheckContext) -> list[Finding] | None:
    """Verify the user's ID token against the provider's keys and compare its claims; None when
    no ID token was given."""
    account = ctx.deployment.test_account
    text = account.id_token if account is not None else None
    if not text:
        return None
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token

    text = text.strip()
    env = ctx.deployment.env
    try:
        iss = decode_token(text).payload.get("iss")
    except MalformedTokenError:
        iss = None
    provider = id_token_provider(iss, configured_providers(env))
    if provider is None or provider.metadata_url is None:
        return [finding(
            "oauth.id-token-unchecked", "the ID token was not checked: no configured provider issues one",
            detail=("An ID token was given, but no OpenID provider (oidc, google, microsoft) is "
                    "configured; GitHub and Feishu sign in with plain OAuth 2.0 and no ID token."),
            fix="Give the ID token of the OpenID provider the app signs in with, or drop it.",
            evidence={}, subject="id_token")]
    discovery = await ctx.probes.http_get_async(provider.metadata_url)
    document = _json_object(discovery.body) if discovery.answered and discovery.status == 200 else None
    issuer = document.get("issuer") if document is not None else None
    jwks_uri = document.get("jwks_uri") if document is not None else None
    jwks_body: bytes | None = None
    if isinstance(jwks_uri, str) and jwks_uri.lower().startswith(("http://", "https://")):
        keys = await ctx.probes.http_get_async(jwks_uri)
        if keys.answered and keys.status == 200:
            jwks_body = keys.body
    return evaluate_id_token(
        text, provider=provider, claims=claim_settings(env, provider),
        issuer=issuer if isinstance(issuer, str) else None, jwks=jwks_body,
        jwks_source=mask_url(jwks_uri) if isinstance(jwks_uri, str) else "(no jwks_uri)", now=ctx.now)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- evaluation


def claim_value(claims: Mapping[str, Any], name: str) -> Any:
    """A claim as the app reads a roles or groups claim: a flat key of that name, else the
    dotted path through nested objects (`realm_access.roles`); `_MISSING` when absent."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def evaluate_id_token(text: str, *, provider: ProviderSettings, claims: ClaimSettings,
                      issuer: str | None, jwks: bytes | None, jwks_source: str,
                      now: datetime) -> list[Finding]:
    """Every finding about one ID token (see the module docstring). `issuer` and `jwks` are None
    when discovery or the key set could not be read (the oidc area reports why); then the
    signature and issuer are not checked and a finding says so."""
    from authdoctor.jwt.claims import malformed_finding, time_findings, token_times
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token
    from authdoctor.jwt.verify import expectation_findings, jwks_keyset, usable_keys, verify_signature

    try:
        token = decode_token(text)
    except MalformedTokenError as error:
        return [malformed_finding(error)]
    findings: list[Finding] = []
    keyset = None
    if jwks is not None:
        document = _json_object(jwks)
        if document is not None:
            keyset, _ = jwks_keyset(document, jwks_source, strict=False)
    if keyset is not None and usable_keys(keyset):
        _, signature = verify_signature(token, keyset)
        findings += signature
    else:
        findings.append(finding(
            "oauth.id-token-unchecked",
            f"{provider.name}: the ID token's signature was not checked (no usable provider keys)",
            detail=("The provider's discovery document or its key set could not be read (the oidc "
                    "area names why), so the signature"
                    + (" and the issuer were" if issuer is None else " was")
                    + " not checked. The claims were still compared."),
            fix="Fix what the oidc area reports, then run the check again.",
            evidence={"provider": provider.name, "jwks_uri": jwks_source}, subject="id_token",
            severity=Severity.WARNING))
    findings += expectation_findings(token, issuer, provider.client_id or None)
    for timed in time_findings(token, token_times(token, now, 0)):
        if timed.code == "jwt.expired":
            timed = dataclasses.replace(  # noqa: PLW2901 - the same finding, softened
                timed, severity=Severity.WARNING,
                detail=timed.detail + (" The ID token you gave has expired: ID tokens live minutes "
                                       "to an hour, so this says nothing about the deployment; the "
                                       "other checks were still made."),
                fix="Give a freshly issued ID token to check its expiry too.")
        findings.append(timed)
    findings += claim_findings(token.payload, provider, claims)
    return findings


def _missing(name: str, var: str, provider: str, consequence: str, fix: str,
             severity: Severity | None = None) -> Finding:
    return finding(
        "jwt.claim-missing", f"{provider}: the ID token has no '{name}' claim ({var})",
        detail=f"Open WebUI reads '{name}' ({var}) from the ID token at the OAuth callback. {consequence}",
        fix=fix, evidence={"claim": name, "setting": var, "provider": provider}, subject=name,
        severity=severity)


def claim_findings(payload: Mapping[str, Any], provider: ProviderSettings,
                   claims: ClaimSettings) -> list[Finding]:
    """The claims `handle_callback` needs, compared with the token's payload."""
    name = provider.name
    findings: list[Finding] = []
    if payload.get(claims.sub_claim) in (None, ""):
        findings.append(_missing(
            claims.sub_claim, "OAUTH_SUB_CLAIM", name,
            "Without it the callback answers 'The email or password provided is incorrect' and "
            "nobody can sign in with this provider.",
            f"Unset OAUTH_SUB_CLAIM (the default '{provider.spec.sub_claim}' is always in an ID "
            "token) or set it to a claim the IdP sends."))
    userinfo = ("The app then asks the provider's userinfo endpoint, which authdoctor cannot query "
                "without the access token: sign-in works only if userinfo has it.")
    email = payload.get(claims.email_claim)
    if email in (None, ""):
        findings.append(_missing(
            claims.email_claim, "OAUTH_EMAIL_CLAIM", name,
            userinfo + (" ENABLE_OAUTH_EMAIL_FALLBACK is on, so without it the account's email "
                        f"becomes {name}@<sub>.local." if claims.email_fallback else
                        " Without an email the sign-in fails ('Sign-in with your identity provider "
                        "failed')."),
            "Request the 'email' scope (and map the email into the ID token at the IdP), or set "
            "OAUTH_EMAIL_CLAIM to the claim that carries it (e.g. preferred_username, upn).",
            severity=Severity.INFO if claims.email_fallback else Severity.WARNING))
    elif isinstance(email, str):
        findings += _domain_findings(email, name, claims)
    if payload.get(claims.username_claim) in (None, ""):
        findings.append(_missing(
            claims.username_claim, "OAUTH_USERNAME_CLAIM", name,
            userinfo + " Without it a new account's name is its email address.",
            "Request the 'profile' scope, or set OAUTH_USERNAME_CLAIM to a claim the IdP sends "
            "(e.g. preferred_username).", severity=Severity.INFO))
    if claims.role_management and claims.roles_claim and claims.allowed_roles and claims.admin_roles:
        findings += _role_findings(payload, name, claims)
    if claims.group_management and claims.groups_claim:
        findings += _group_findings(payload, name, claims)
    return findings


def _domain_findings(email: str, provider: str, claims: ClaimSettings) -> list[Finding]:
    allowed = claims.allowed_domains
    if "*" in allowed:
        return []
    domain = email.lower().rsplit("@", 1)[-1]
    if domain in allowed:
        return []
    return [finding(
        "oauth.email-domain-not-allowed",
        f"{provider}: this user's email domain {domain!r} is not in OAUTH_ALLOWED_DOMAINS",
        detail=(f"The ID token's {claims.email_claim} is {email!r}; Open WebUI lower-cases it and "
                "compares the part after '@' with each OAUTH_ALLOWED_DOMAINS entry exactly, so this "
                "user is refused ('Sign-in with your identity provider failed')."),
        fix=f"Add {domain} to OAUTH_ALLOWED_DOMAINS (comma-separated) if these users may sign in.",
        evidence={"email": email, "OAUTH_ALLOWED_DOMAINS": ",".join(allowed)},
        subject="OAUTH_ALLOWED_DOMAINS")]


def _role_findings(payload: Mapping[str, Any], provider: str, claims: ClaimSettings) -> list[Finding]:
    value = claim_value(payload, claims.roles_claim)
    if isinstance(value, list):
        roles = [str(v) for v in value]
    elif isinstance(value, str | int) and not isinstance(value, bool):
        roles = [str(value)]
    else:
        roles = []
    if not roles:
        what = ("has no roles claim" if value is _MISSING else
                f"has '{claims.roles_claim}' but no role in it ({_kind(value)})")
        return [finding(
            "jwt.claim-missing", f"{provider}: the ID token {what} ({claims.roles_claim})",
            detail=(f"ENABLE_OAUTH_ROLE_MANAGEMENT is on and OAUTH_ROLES_CLAIM={claims.roles_claim!r}"
                    + (" (dots walk into nested objects)" if "." in claims.roles_claim else "")
                    + ". Without roles the user gets DEFAULT_USER_ROLE, and an existing admin is "
                    "demoted at the next sign-in."),
            fix=("Add the roles to the ID token at the IdP (a client scope or mapper; Keycloak: "
                 "realm_access.roles), or set OAUTH_ROLES_CLAIM to where the token carries them."),
            evidence={"claim": claims.roles_claim, "setting": "OAUTH_ROLES_CLAIM",
                      "top-level claims": ", ".join(sorted(payload))[:300]},
            subject=claims.roles_claim, severity=Severity.WARNING)]
    if set(roles) & (set(claims.allowed_roles) | set(claims.admin_roles)):
        return []
    return [finding(
        "oauth.role-not-allowed",
        f"{provider}: none of this user's roles is allowed: sign-in is refused (403)",
        detail=(f"The ID token's {claims.roles_claim} holds {', '.join(roles)[:200]}; none is in "
                "OAUTH_ALLOWED_ROLES or OAUTH_ADMIN_ROLES, so with role management on Open WebUI "
                "answers 'You do not have permission to access this resource'."),
        fix=("Add the role this user should sign in with to OAUTH_ALLOWED_ROLES (or "
             "OAUTH_ADMIN_ROLES), or give the user an allowed role at the IdP."),
        evidence={"roles in the token": ", ".join(roles)[:200],
                  "OAUTH_ALLOWED_ROLES": ",".join(claims.allowed_roles),
                  "OAUTH_ADMIN_ROLES": ",".join(claims.admin_roles)},
        subject="OAUTH_ALLOWED_ROLES")]


def _group_findings(payload: Mapping[str, Any], provider: str, claims: ClaimSettings) -> list[Finding]:
    value = claim_value(payload, claims.groups_claim)
    if value is not _MISSING and value not in (None, "", []):
        return []
    claim_names = payload.get("_claim_names")
    overage = (isinstance(claim_names, Mapping) and claims.groups_claim.split(".")[-1] in claim_names) \
        or payload.get("hasgroups") is True
    if overage:
        return [finding(
            "oauth.groups-overage",
            f"{provider}: the ID token has no groups: the user is in too many (Entra group overage)",
            detail=("The token carries "
                    + ("_claim_names.groups" if isinstance(claim_names, Mapping) else "hasgroups=true")
                    + " instead of the groups: Entra ID leaves them out when a user is in more "
                    "groups than fit in a token (200 in a JWT) and expects the app to ask Microsoft "
                    "Graph. Open WebUI does not, so its group sync sees no groups and changes "
                    "nothing for these users."),
            fix=("In the Entra app registration's token configuration emit only 'Groups assigned "
                 "to the application' (groupMembershipClaims=ApplicationGroup), or use app roles "
                 "(OAUTH_ROLES_CLAIM=roles) instead of groups."),
            evidence={"claim": claims.groups_claim,
                      "overage marker": "_claim_names" if isinstance(claim_names, Mapping) else "hasgroups"},
            subject=claims.groups_claim)]
    return [finding(
        "jwt.claim-missing", f"{provider}: the ID token has no groups claim ({claims.groups_claim})",
        detail=("ENABLE_OAUTH_GROUP_MANAGEMENT is on and OAUTH_GROUPS_CLAIM="
                f"{claims.groups_claim!r}, but the token carries no groups there: the group sync "
                "changes nothing (new users join no group)."),
        fix=("Add a groups claim to the ID token at the IdP (Keycloak: a 'Group Membership' "
             "mapper; Entra: token configuration > groups claim), or set OAUTH_GROUPS_CLAIM to "
             "where the token carries them."),
        evidence={"claim": claims.groups_claim, "setting": "OAUTH_GROUPS_CLAIM",
                  "top-level claims": ", ".join(sorted(payload))[:300]},
        subject=claims.groups_claim, severity=Severity.WARNING)]


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "an empty list"
    return "empty" if value in (None, "") else type(value).__name__
