"""The OIDC live half after discovery: the JWKS, end-session, scopes and PKCE (issue 9, probes 2-4).

Pure evaluation only (no I/O); `authdoctor.checks.oidc.check_live` fetches and calls these.

- `evaluate_jwks` (probe 2): the JWKS at the discovery document's `jwks_uri`, fetched as the app's
  authlib client fetches it (GET, redirects not followed, `raise_for_status`, `resp.json()`, then
  `JsonWebKey.import_key_set`, which fails on any key it cannot import).
  `oidc.jwks-unreachable`: DNS, TCP, TLS, an HTTP error status or a redirect. `oidc.jwks-invalid`:
  not a JWKS (RFC 7517 §5), a key pyjwt cannot read (the same parsing as `jwt verify --jwks`,
  `authdoctor.jwt.verify.parse_jwk`), a duplicate `kid` (RFC 7517 §4.5: the app picks the key by
  kid), no key for an algorithm the provider says it signs ID tokens with
  (`id_token_signing_alg_values_supported`, OIDC Discovery §3, rule D4), an RSA key under 2048 bits
  (RFC 7518 §3.3), or private key material published (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, or
  an `oct` key's `k`: RFC 7517 §9.1/§9.3 / RFC 7518 §6.2.2, §6.3.2: a public key set must not).
  Encryption keys (`use: enc`, or an encryption `alg` such as Keycloak's RSA-OAEP key) are read
  without their `alg` and never count as signing keys.
- `evaluate_metadata` (probes 3 and 4), from the discovery document and what the app will do
  with it (`AppUse`, read from the settings as Open WebUI 0.12.4 reads them):
  `oidc.end-session-missing` when the app's sign-out relies on the document's
  `end_session_endpoint` (`routers/auths.signout`: `OPENID_END_SESSION_ENDPOINT` unset, and an
  OIDC, GitHub or Feishu session, whose sign-out reads `OPENID_PROVIDER_URL`'s document; rule L1);
  `oidc.scope-unsupported` for each `OAUTH_SCOPES` scope outside an advertised `scopes_supported`
  (rule D5); `oidc.pkce-unsupported` when `OAUTH_CODE_CHALLENGE_METHOD=S256` and
  `code_challenge_methods_supported` lacks S256 or is absent (RFC 8414 §2, rule M4; rule O2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authdoctor.checks.base import finding
from authdoctor.findings import Finding, Severity, SourceLocation
from authdoctor.masking import mask_credentials, mask_url
from authdoctor.openwebui.envread import getenv
from authdoctor.openwebui.oauth import (
    PKCE_SUPPORTED,
    configured_providers,
    partially_configured_providers,
    pkce_method,
)

if TYPE_CHECKING:
    from authdoctor.jwt.verify import VerifyKey
    from authdoctor.probes.http import HttpObservation
    from authdoctor.settings.model import EnvSource

DEFAULT_SCOPES = "openid email profile"
#: JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037).
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
#: JWE key-management algorithms (RFC 7518 §4.1): a key with one of these is an encryption key.
ENC_ALGS = frozenset({"RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512", "A128KW",
                      "A192KW", "A256KW", "dir", "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW",
                      "ECDH-ES+A256KW", "A128GCMKW", "A192GCMKW", "A256GCMKW", "PBES2-HS256+A128KW",
                      "PBES2-HS384+A192KW", "PBES2-HS512+A256KW"})
MIN_RSA_BITS = 2048
#: More keys than any real key set holds (Entra lists a handful, Keycloak one per algorithm);
#: beyond this the set is reported, not parsed key by key.
MAX_KEYS = 100
#: Sessions of these providers read OPENID_PROVIDER_URL's document at sign-out: oidc's own metadata
#: URL is it; github and feishu have none, so the app falls back to it (0.12.4 auths.signout).
END_SESSION_FROM_PROVIDER_URL = ("oidc", "github", "feishu")
PREVIEW_CHARS = 160
SUBJECT = "OPENID_PROVIDER_URL"


# ----------------------------------------------------------------------------- what the app does

@dataclass(frozen=True)
class AppUse:
    """What Open WebUI will do with this provider's metadata (from the settings)."""

    scopes: tuple[str, ...] = tuple(DEFAULT_SCOPES.split())
    scope_setting: str = "OAUTH_SCOPES (unset: the default 'openid email profile')"
    scope_var: str = "OAUTH_SCOPES"
    """The provider's scope variable (a preset has its own, e.g. GOOGLE_OAUTH_SCOPE)."""
    check_scopes: bool = True
    pkce: bool = False
    end_session_relied: bool = True
    end_session_sessions: str = "OIDC"
    scope_location: SourceLocation | None = None
    pkce_location: SourceLocation | None = None


def app_use(env: EnvSource) -> AppUse:
    """Read from the settings as 0.12.4 reads them. With no OAuth provider configured at all (the
    bare `oidc probe URL`), the provider is judged as the app's OIDC provider with the defaults."""
    providers = {**partially_configured_providers(env), **configured_providers(env)}
    bare = not providers
    raw_scope = getenv(env, "OAUTH_SCOPES", "")
    scope = raw_scope or DEFAULT_SCOPES
    setting = (f"OAUTH_SCOPES={raw_scope!r}" if raw_scope
               else "OAUTH_SCOPES (unset: the default 'openid email profile')")
    uses_oidc = bare or "oidc" in providers
    relying = ([name for name in END_SESSION_FROM_PROVIDER_URL if name in providers]
               or (["oidc"] if bare else []))
    labels = {"oidc": "OIDC", "github": "GitHub", "feishu": "Feishu"}
    return AppUse(
        scopes=tuple(part for part in scope.split(" ") if part),
        scope_setting=setting, check_scopes=uses_oidc,
        pkce=uses_oidc and pkce_method(env) == PKCE_SUPPORTED,
        end_session_relied=not getenv(env, "OPENID_END_SESSION_ENDPOINT", "") and bool(relying),
        end_session_sessions=", ".join(labels[name] for name in relying),
        scope_location=env.location("OAUTH_SCOPES"),
        pkce_location=env.location("OAUTH_CODE_CHALLENGE_METHOD"),
    )


# ----------------------------------------------------------------------------- probes 3 and 4

def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def evaluate_metadata(document: dict[str, Any], *, configured_url: str, use: AppUse,
                      location: SourceLocation | None = None) -> list[Finding]:
    """End-session, scopes and PKCE from a usable discovery document. Pure."""
    shown = mask_url(configured_url)
    evidence = {"OPENID_PROVIDER_URL": shown}
    findings: list[Finding] = []
    end_session = document.get("end_session_endpoint")
    if use.end_session_relied and not (isinstance(end_session, str) and end_session.strip()):
        findings.append(finding(
            "oidc.end-session-missing",
            "the provider has no end_session_endpoint: signing out of Open WebUI leaves the IdP session",
            detail=(f"The discovery document at {shown} has no end_session_endpoint"
                    + ("" if end_session is None else f" (it is {_kind(end_session)})")
                    + f". On sign-out of an {use.end_session_sessions} session Open WebUI 0.12.4 fetches "
                    "this document and redirects the browser to end_session_endpoint with "
                    "id_token_hint (OIDC RP-Initiated Logout §2.1); OPENID_END_SESSION_ENDPOINT is not "
                    "set, so it only deletes its own cookies. The IdP session stays, and the next "
                    "sign-in click logs the user straight back in without a password."),
            fix=("Enable RP-initiated logout at the IdP (it then publishes end_session_endpoint), or "
                 "set OPENID_END_SESSION_ENDPOINT to the IdP's logout URL (used verbatim, for every "
                 "provider)."),
            evidence={**evidence,
                      "end_session_endpoint": "<absent>" if end_session is None else _kind(end_session),
                      "OPENID_END_SESSION_ENDPOINT": "<unset>",
                      "sessions affected": use.end_session_sessions},
            subject=SUBJECT, location=location))
    supported = _string_list(document.get("scopes_supported"))
    if use.check_scopes and supported is not None:
        unknown = [scope for scope in use.scopes if scope not in supported]
        if unknown:
            commas = any("," in scope for scope in unknown)
            listed = ", ".join(repr(scope) for scope in unknown)
            findings.append(finding(
                "oidc.scope-unsupported",
                f"the provider does not list the scope{'s' if len(unknown) > 1 else ''} {listed} "
                "that Open WebUI asks for",
                detail=(f"Open WebUI sends scope={' '.join(use.scopes)!r} ({use.scope_setting}); the "
                        f"provider's scopes_supported is {', '.join(supported)}. "
                        + (f"{use.scope_var} is split on spaces only: commas make one unknown scope. "
                           if commas else "")
                        + "Providers such as Keycloak refuse the authorization request with "
                        "error=invalid_scope, so the user sees the IdP's error page instead of a login."),
                fix=(f"Set {use.scope_var} to space-separated scopes from scopes_supported (e.g. "
                     "\"openid email profile\"), or create the missing scope at the IdP."),
                evidence={**evidence, use.scope_var: " ".join(use.scopes),
                          "not supported": listed, "scopes_supported": ", ".join(supported)},
                subject=use.scope_var, location=use.scope_location or location))
    if use.pkce:
        methods_raw = document.get("code_challenge_methods_supported")
        methods = _string_list(methods_raw)
        if methods is None or PKCE_SUPPORTED not in methods:
            seen = ("absent" if methods_raw is None else
                    ", ".join(methods) if methods else _kind(methods_raw))
            findings.append(finding(
                "oidc.pkce-unsupported",
                "OAUTH_CODE_CHALLENGE_METHOD=S256, but the provider does not advertise S256"
                + (" (code_challenge_methods_supported is absent)" if methods_raw is None else ""),
                detail=(f"Open WebUI sends a PKCE S256 challenge, and the discovery document at {shown} "
                        f"has code_challenge_methods_supported: {seen}. An absent list means the "
                        "server is taken not to support PKCE (RFC 8414 §2). A server that ignores "
                        "the challenge loses the protection silently; one that rejects it breaks "
                        "the login, and a public client (no OAUTH_CLIENT_SECRET) cannot sign in."),
                fix=("Enable PKCE (S256) for the client at the IdP so it advertises it, or, for a "
                     "confidential client, set OAUTH_CLIENT_SECRET and remove "
                     "OAUTH_CODE_CHALLENGE_METHOD."),
                evidence={**evidence, "OAUTH_CODE_CHALLENGE_METHOD": PKCE_SUPPORTED,
                          "code_challenge_methods_supported": seen},
                subject="OAUTH_CODE_CHALLENGE_METHOD", location=use.pkce_location or location))
    return findings


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an empty list" if not value else "a list that is not all strings"
    return "an object"


# ----------------------------------------------------------------------------- probe 2: JWKS

def _preview(body: bytes) -> str:
    text = " ".join(body[: PREVIEW_CHARS * 4].decode("utf-8", errors="replace").split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + "…"
    return mask_credentials(text) or "(empty body)"


def _family(alg: str) -> str:
    """RS*/PS* share an RSA key; the others name their own curve or key type."""
    from authdoctor.jwt.verify import RSA_ALGS

    return "RSA" if alg in RSA_ALGS else alg


def _key_families(key: VerifyKey) -> set[str]:
    return {"RSA"} if key.kty == "RSA" else set(key.algorithms)


def _jwks_unreachable(title: str, detail: str, fix: str, evidence: dict[str, str],
                      location: SourceLocation | None) -> Finding:
    return finding("oidc.jwks-unreachable", title,
                   detail=detail + (" Open WebUI fetches this key set in the OAuth callback to verify "
                                    "the ID token: the code exchange succeeds, then every OIDC sign-in "
                                    "fails with 'Sign-in with your identity provider failed'."),
                   fix=fix, evidence=evidence, subject=SUBJECT, location=location)


def _jwks_invalid(title: str, detail: str, fix: str, evidence: dict[str, str],
                  location: SourceLocation | None, severity: Severity | None = None) -> Finding:
    return finding("oidc.jwks-invalid", title, detail=detail, fix=fix, evidence=evidence,
                   subject=SUBJECT, location=location, severity=severity)


def evaluate_jwks(observation: HttpObservation, *, jwks_uri: str, signing_algs: list[str],
                  location: SourceLocation | None = None) -> list[Finding]:
    """Findings from one fetch of `jwks_uri` (the discovery document's). Pure; `signing_algs` is
    the document's `id_token_signing_alg_values_supported`. An empty list: the key set is usable."""
    from authdoctor.jwt.verify import jwks_keyset, usable_keys

    shown = mask_url(jwks_uri)
    evidence = {"jwks_uri": shown}
    if observation.proxy:
        evidence["proxy"] = observation.proxy
    failure = observation.failure
    if failure is not None:
        later = ", ".join(r.value for r in failure.not_attempted
                          if not (shown.lower().startswith("http://") and r.value == "tls"))
        return [_jwks_unreachable(
            f"the provider's key set (jwks_uri) cannot be fetched: {failure.summary}",
            f"GET {shown} failed at the {failure.rung.value} step: {failure.summary}."
            + (f" Not attempted because of it: {later}." if later else ""),
            ("Make jwks_uri reachable from the Open WebUI container; if the discovery document "
             "advertises an internal host or the wrong scheme, fix the IdP's public URL setting."),
            {**evidence, "failed at": failure.rung.value, **failure.evidence}, location)]
    status = observation.status or 0
    status_text = f"HTTP {observation.status} {observation.reason}".rstrip()
    seen = {**evidence, "status": status_text, "content type": observation.content_type or "(none)"}
    if 300 <= status < 400:
        target = observation.headers.get("location", "(no Location header)")
        return [_jwks_unreachable(
            f"jwks_uri redirects ({status_text}) instead of answering with the keys",
            f"GET {shown} answers {status_text} to {mask_url(target)}; the app's OAuth client does "
            "not follow redirects when it fetches the keys.",
            "Make the IdP advertise the URL that answers the key set directly (its public URL setting).",
            {**seen, "Location": mask_url(target), "failed at": "protocol"}, location)]
    if not 200 <= status < 300:
        return [_jwks_unreachable(
            f"jwks_uri answers {status_text}",
            f"GET {shown} answers {status_text}; the app's OAuth client raises on it.",
            "Check the IdP's logs and that jwks_uri is not behind an authenticating proxy (the key "
            "set is public by design).",
            {**seen, "first bytes": _preview(observation.body), "failed at": "protocol"}, location)]
    fix_doc = "Point the IdP's jwks_uri at its real key set (usually a wrong public URL or proxy rule)."
    if observation.body_truncated:
        return [_jwks_invalid(
            f"the key set is larger than {len(observation.body) // 1024} KiB",
            f"GET {shown} answers more than {len(observation.body)} bytes; a key set is a few KiB. "
            "authdoctor stopped reading: this is not a JWKS.", fix_doc,
            {**seen, "first bytes": _preview(observation.body)}, location)]
    try:
        document = json.loads(observation.body)
    except (ValueError, RecursionError):
        return [_jwks_invalid(
            "jwks_uri answers, but not with JSON",
            f"GET {shown} answers HTTP {status} with a body that is not JSON (content type "
            f"{observation.content_type or 'none'}); the app cannot read any key from it, so every "
            "ID token fails verification.", fix_doc,
            {**seen, "first bytes": _preview(observation.body)}, location)]
    findings: list[Finding] = []
    raw_keys = document.get("keys") if isinstance(document, dict) else None
    raw_keys = raw_keys if isinstance(raw_keys, list) else []
    if len(raw_keys) > MAX_KEYS:
        return [_jwks_invalid(
            f"the provider's key set holds {len(raw_keys)} keys",
            f"GET {shown} answers a key set of {len(raw_keys)} keys; real providers publish a handful "
            f"(the current and next key per algorithm). authdoctor reads at most {MAX_KEYS}: this is "
            "not a key set the IdP meant to publish, or something in front of it is broken.", fix_doc,
            {**seen, "keys": str(len(raw_keys))}, location)]
    # Encryption keys are read without their (JWE) alg, which pyjwt's signing parser would refuse.
    readable = [{k: v for k, v in jwk.items() if k != "alg"}
                if isinstance(jwk, dict) and (jwk.get("use") == "enc"
                                              or (isinstance(jwk.get("alg"), str) and jwk["alg"] in ENC_ALGS))
                else jwk for jwk in raw_keys]
    keyset, problems = jwks_keyset({"keys": readable} if isinstance(document, dict) and isinstance(
        document.get("keys"), list) else document, jwks_uri, strict=False)
    keys = keyset.keys
    broken = [key for key in keys if key.problem]
    if broken and not any("no key in it can verify" in p for p in problems):
        problems.append("; ".join(f"{key.label}: {key.problem}" for key in broken[:10])
                        + (f"; and {len(broken) - 10} more" if len(broken) > 10 else ""))
    if problems:
        findings.append(_jwks_invalid(
            "the provider's key set is unusable: " + problems[0],
            f"GET {shown} answers a key set that Open WebUI's OAuth library cannot use: "
            + "; ".join(problems) + ". authlib imports every key of the set and picks the key by the "
            "ID token's kid, so an unreadable key or a duplicate kid makes ID-token verification "
            "fail, and the user sees 'Sign-in with your identity provider failed'.",
            "Fix the key set at the IdP: remove or repair the broken keys and give each key a unique kid.",
            {**seen, "keys": str(len(keys)), **{f"problem {i + 1}": p for i, p in enumerate(problems[:5])}},
            location))
    private = []
    for index, jwk in enumerate(raw_keys):
        if isinstance(jwk, dict):
            members = [m for m in PRIVATE_MEMBERS if m in jwk]
            if members:
                kid = jwk.get("kid")
                name = f"kid {kid!r}" if isinstance(kid, str) else f"key #{index + 1}"
                private.append(f"{name} ({jwk.get('kty', '?')}): {', '.join(members)}")
    if private:
        findings.append(_jwks_invalid(
            "the provider's public key set publishes private key material",
            f"GET {shown} answers a key set in which {'; '.join(private)} "
            "are present. These members belong to a private (or symmetric) key: anyone who reads "
            "this public URL can sign ID tokens that Open WebUI accepts, as any user. The values are "
            "not shown.",
            "Rotate these keys at once (they are compromised) and make the IdP publish public keys only.",
            {**seen, "private members": "; ".join(private)}, location))
    weak = [key.label for key in keys if not key.problem and key.kty == "RSA"
            and getattr(key.material, "key_size", MIN_RSA_BITS) < MIN_RSA_BITS]
    if weak:
        findings.append(_jwks_invalid(
            f"the provider's key set has RSA keys under {MIN_RSA_BITS} bits",
            f"GET {shown} answers {', '.join(weak)}. RSA keys shorter than {MIN_RSA_BITS} bits can be "
            "factored with feasible effort, and whoever factors one can forge ID tokens (RFC 7518 "
            "§3.3 requires at least 2048 bits).",
            f"Rotate to an RSA key of at least {MIN_RSA_BITS} bits (or an EC key) at the IdP.",
            {**seen, "weak keys": ", ".join(weak)}, location))
    signing = usable_keys(keyset)
    families = set().union(*(_key_families(key) for key in signing)) if signing else set()
    advertised = [alg for alg in signing_algs if alg != "none" and not alg.startswith("HS")]
    missing = [alg for alg in advertised if _family(alg) not in families]
    if signing and missing:
        covered = [alg for alg in advertised if alg not in missing]
        findings.append(_jwks_invalid(
            f"no key in the key set for {', '.join(missing)}, "
            "which the provider says it signs ID tokens with",
            "The discovery document's id_token_signing_alg_values_supported lists "
            f"{', '.join(signing_algs)}, "
            f"but the key set at {shown} has no signing key for {', '.join(missing)} (its keys: "
            f"{', '.join(key.label for key in signing)}). An ID token signed with "
            f"{' or '.join(missing)} cannot be verified, so that sign-in fails."
            + (f" Tokens signed with {', '.join(covered)} still verify." if covered else ""),
            "Publish a signing key for each advertised algorithm at the IdP, or stop advertising the "
            "algorithms it has no key for.",
            {**seen, "advertised": ", ".join(signing_algs), "without a key": ", ".join(missing)},
            location, severity=Severity.WARNING if covered else None))
    return findings
