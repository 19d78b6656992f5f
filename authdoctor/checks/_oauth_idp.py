"""OAuth live, at the identity provider: each configured client presented to the IdP's authorize
and token endpoints as the app presents it, and what the settings already reveal about the wire.

For every provider Open WebUI 0.12.4 registers (`configured_providers`), the endpoints come from
the provider's discovery document (oidc: `OPENID_PROVIDER_URL`; google: its fixed URL;
microsoft: the URL built from the tenant), fetched through the run's probe session, so the oidc
area's fetch of the same URL is shared and the provider sees one request; github and feishu have
no discovery and use the app's fixed endpoints (`ProviderSpec.authorize_url` / `token_url`).

Probe 6, the redirect URI (`evaluate_authorize`): one GET of the authorization endpoint with what
authlib's `authorize_redirect` sends: `response_type=code`, `client_id`, the exact `redirect_uri`
the app sends (the pinned `*_REDIRECT_URI`, else `{public URL}/oauth/{provider}/callback`, which
is what `request.url_for` gives behind a correctly forwarding proxy), `scope`, a random `state`,
a `nonce` when the scope has `openid`, a PKCE challenge with `OAUTH_CODE_CHALLENGE_METHOD=S256`,
and `audience` / `OAUTH_AUTHORIZE_PARAMS`. Redirects are not followed and no cookie is sent.
`oauth.redirect-uri-not-registered`, `oauth.client-unknown`, `oauth.pkce-required` (RFC 9700
§2.1 rule O1: exact matching; RFC 6749 §4.1.2.1: errors about the redirect URI or the client are
shown by the IdP, never redirected).

Probe 5, the client credentials (`evaluate_token`): one POST of the token endpoint with
`grant_type=authorization_code`, a deliberately invalid code, the redirect URI, `Accept:
application/json`, the PKCE `code_verifier` when the app sends one, and the client
authentication exactly as authlib 1.7.2 does it for the app (`token_request_shape`: HTTP Basic
of the raw `id:secret` by default, `client_secret_post` or `none` when
`OAUTH_TOKEN_ENDPOINT_AUTH_METHOD` says so, body `client_id` with
`OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID=true`). The secret goes to that URL only, never
over plain http off loopback (`oauth.token-endpoint-insecure` then), never in a finding.
`oauth.invalid-client`, `oauth.client-unknown`, `oauth.token-endpoint-unusable` (RFC 6749 §5.2).

What each answer means is `authdoctor.checks._idp_answers` (one table); an answer that does not
tell (zitadel looks the code up first, Kanidm's one error page, an error at the redirect URI)
becomes an `oauth.skipped` note that says what could not be established, never a guess.

Item 11, from the settings and the discovery document (`wire_findings`, no request):
`oauth.auth-method-unsupported` (the method the app uses against
`token_endpoint_auth_methods_supported`, RFC 8414 §2), `oauth.client-secret-encoding` ('%' or '+'
sent raw in HTTP Basic to an IdP that URL-decodes it, RFC 6749 §2.3.1),
`oauth.refresh-auth-method-differs` (Basic at sign-in, post at refresh, against an IdP that
enforces one method), `oauth.pkce-required` (a provider that requires PKCE by default, no PKCE).

`--no-idp-requests` (`ProbeSession.idp_requests` False) leaves out probes 5 and 6; the report
says so. `idp_findings` returns None when nothing at all was probed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from authdoctor.checks._idp_answers import (
    FAMILIES_BY_NAME,
    Family,
    Probe,
    Shape,
    Verdict,
    classify,
    read_answer,
    recognise,
)
from authdoctor.checks._urls import URLProblem, parse_absolute
from authdoctor.checks.base import CheckContext, finding, skipped
from authdoctor.findings import Finding, Severity, SourceLocation
from authdoctor.masking import mask_credentials, mask_url
from authdoctor.openwebui.envread import env_true, getenv
from authdoctor.openwebui.oauth import (
    INCLUDE_CLIENT_ID_VAR,
    PKCE_VAR,
    TOKEN_AUTH_METHOD_VAR,
    ProviderSettings,
    TokenRequestShape,
    client_secret,
    configured_providers,
    token_request_shape,
)

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation
    from authdoctor.settings.model import EnvSource

AREA = "oauth"
#: The deliberately invalid authorization code of probe 5 (no IdP issues codes like it).
INVALID_CODE = "authdoctor-probe-invalid-code"
PREVIEW_CHARS = 160
METHOD_WORDS = {"client_secret_basic": "client_secret_basic (HTTP Basic of client id and secret)",
                "client_secret_post": "client_secret_post (client_id and client_secret in the body)",
                "none": "none (client_id in the body, no secret)"}


@dataclass(frozen=True)
class Plan:
    """One provider as the probes present it: from the settings and the discovery document."""

    provider: ProviderSettings
    token: TokenRequestShape
    has_secret: bool
    secret_shown: str
    """The secret as the report may show it (`<secret, N chars>`), never the value."""
    authorize_url: str | None
    token_url: str | None
    redirect_uri: str | None
    """The redirect URI the app sends, or None when it cannot be known (no pin, no public URL)."""
    redirect_source: str
    """Where `redirect_uri` comes from (the variable, or the public URL), or why it is unknown."""
    family: Family | None = None
    document: dict[str, Any] | None = None
    locations: Mapping[str, SourceLocation | None] = field(default_factory=dict)
    """Where each variable is set (to point a finding at its line; never changes a verdict)."""

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def client_id(self) -> str:
        return self.provider.client_id

    def evidence(self, **more: str) -> dict[str, str]:
        base = {"provider": self.name, self.provider.spec.client_id_var: self.client_id}
        if self.family is not None:
            base["IdP recognised as"] = self.family.label
        return {**base, **more}


# ----------------------------------------------------------------------------- pure evaluation

def _preview(body: bytes) -> str:
    text = body[: PREVIEW_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + "…"
    return mask_credentials(text) or "(empty body)"


def _seen(observation: HttpObservation) -> dict[str, str]:
    """What the IdP answered, for evidence (credentials masked, the probe scrubbed the secret)."""
    seen = {"answer": f"HTTP {observation.status} {observation.reason}".rstrip(),
            "content type": observation.content_type or "(none)"}
    answer = read_answer(observation)
    if answer.error:
        seen["error"] = mask_credentials(answer.error)[:200]
    if answer.description:
        seen["error_description"] = mask_credentials(answer.description)[:300]
    if answer.location:
        seen["Location"] = mask_url(answer.location)[:300]
    elif not answer.is_json or not answer.error:
        seen["first bytes"] = _preview(observation.body)
    if observation.proxy:
        seen["proxy"] = observation.proxy
    return seen


def _not_established(plan: Plan, what: str, why: str) -> Finding:
    return skipped(AREA, f"{plan.name}: {what} could not be established: {why}")


def _credentials_sent(plan: Plan) -> str:
    parts = [METHOD_WORDS.get(plan.token.method, plan.token.method)]
    if plan.token.include_client_id and plan.token.method == "client_secret_basic":
        parts.append(f"client_id in the body too ({INCLUDE_CLIENT_ID_VAR}=true)")
    if plan.token.pkce:
        parts.append("a PKCE code_verifier")
    return ", ".join(parts)


def evaluate_token(observation: HttpObservation, plan: Plan) -> list[Finding]:
    """Findings from probe 5's answer. Pure."""
    name, spec = plan.name, plan.provider.spec
    url = mask_url(plan.token_url or "")
    sent = (f"POST {url}: grant_type=authorization_code, an invalid code"
            + (", redirect_uri" if plan.redirect_uri else "") + f"; client authentication "
            f"{_credentials_sent(plan)}")
    base = plan.evidence(**{"token endpoint": url, "sent": sent})
    secret_location = plan.provider.spec.client_secret_var
    if observation.refused:
        if "plain http" in observation.refused:
            return [finding(
                "oauth.token-endpoint-insecure",
                f"{name}: the app sends its client secret over plain http to {url}",
                detail=(f"The token endpoint {url} is http:// on a host that is not loopback. Open WebUI "
                        f"sends {spec.client_secret_var} there at every sign-in ({_credentials_sent(plan)}), "
                        "readable by anyone on the path (RFC 6749 §2.3.1 requires TLS). authdoctor did not "
                        "send it, so whether the IdP accepts the client credentials was not checked."),
                fix=("Serve the IdP over https and point the app at its https discovery URL (the token "
                     "endpoint comes from the discovery document: set the IdP's public URL to https)."),
                evidence={**base, "not sent": observation.refused}, subject=name,
                location=_location_of(plan, secret_location))]
        return [_not_established(plan, "whether the IdP accepts the client credentials",
                                 observation.refused)]
    if observation.failure is not None:
        failure = observation.failure
        return [finding(
            "oauth.token-endpoint-unusable",
            f"{name}: the token endpoint cannot be reached: {failure.summary}",
            detail=(f"{sent} failed at the {failure.rung.value} step: {failure.summary}. Open WebUI "
                    "exchanges the code there at every sign-in, from the server, so if the app's "
                    "container sees the same, every sign-in through this provider fails after the "
                    "IdP login. Whether the client credentials are accepted was not established."),
            fix=("Make the token endpoint reachable from the Open WebUI container (DNS, firewall, "
                 "proxy, the CA that signed its certificate)."),
            evidence={**base, "failed at": failure.rung.value, **failure.evidence}, subject=name,
            location=_location_of(plan, None))]
    answer = read_answer(observation)
    shape = classify(Probe.TOKEN, answer, plan.family)
    seen = {**base, **_seen(observation), "recognised as": shape.meaning}
    if observation.body_truncated:
        seen["body"] = f"more than {len(observation.body)} bytes (cut)"
    return _token_verdict(shape, plan, seen, sent)


def _token_verdict(shape: Shape, plan: Plan, seen: dict[str, str], sent: str) -> list[Finding]:
    name, spec = plan.name, plan.provider.spec
    if shape.verdict is Verdict.ACCEPTED:
        return []
    if shape.verdict is Verdict.CLIENT_UNKNOWN:
        return [_client_unknown(plan, "token endpoint", shape, seen)]
    if shape.verdict is Verdict.REJECTED:
        likely = _rejection_causes(plan)
        return [finding(
            "oauth.invalid-client",
            f"{name}: the IdP rejects the client credentials ({shape.meaning})",
            detail=(f"{sent}. The IdP answered: {shape.meaning}. Open WebUI makes the same request "
                    "with the real code after every IdP login, so every sign-in through this "
                    "provider ends in 'Sign-in with your identity provider failed' (the app logs "
                    "'OAuth callback error during authorize_access_token'). " + likely),
            fix=(f"Copy the current secret of client {plan.client_id!r} into {spec.client_secret_var} "
                 "(the secret's value, not its id; no quotes or trailing spaces)"
                 + (f"; or set {TOKEN_AUTH_METHOD_VAR} to the method the client is registered with"
                    if spec.name == "oidc" else "")
                 + (f"; or set {INCLUDE_CLIENT_ID_VAR}=false" if plan.token.include_client_id else "")
                 + "."),
            evidence={**seen, spec.client_secret_var: plan.secret_shown}, subject=name,
            location=_location_of(plan, spec.client_secret_var))]
    if shape.verdict is Verdict.UNUSABLE:
        return [finding(
            "oauth.token-endpoint-unusable",
            f"{name}: the token endpoint answers {shape.meaning}, not an OAuth response",
            detail=(f"{sent}. The answer ({seen['answer']}, {seen['content type']}) is {shape.meaning}. "
                    "Open WebUI's OAuth client (authlib) reads the token endpoint's answer as JSON and "
                    "does not follow redirects there, so if the app gets the same answer every sign-in "
                    "through this provider fails. Whether the client credentials are accepted was not "
                    "established."),
            fix=("Make the discovery document's token_endpoint the IdP's real token endpoint, with no "
                 "login wall, redirect or error page in front of it; the IdP's logs name a server "
                 "error."),
            evidence=seen, subject=name, location=_location_of(plan, None))]
    return [_not_established(plan, "whether the IdP accepts the client credentials",
                             f"the token endpoint answered {shape.meaning}")]


def _rejection_causes(plan: Plan) -> str:
    causes = ["a wrong, expired or rotated secret", "a secret of another client or realm"]
    if plan.token.method == "client_secret_basic":
        causes.append("a client registered for client_secret_post (the app uses HTTP Basic "
                      + (f"because {TOKEN_AUTH_METHOD_VAR} is not set)" if plan.token.method_setting is None
                         else f"as {TOKEN_AUTH_METHOD_VAR} says)"))
    if plan.token.include_client_id:
        causes.append(f"client_id in the body next to HTTP Basic ({INCLUDE_CLIENT_ID_VAR}=true)")
    return "Likely causes: " + "; ".join(causes) + "."


def _client_unknown(plan: Plan, where: str, shape: Shape, seen: dict[str, str]) -> Finding:
    spec = plan.provider.spec
    return finding(
        "oauth.client-unknown",
        f"{plan.name}: the IdP does not know the client id {plan.client_id!r}",
        detail=(f"The IdP's {where} answered: {shape.meaning}. Every sign-in through this provider "
                "stops at the IdP's error page. Usual causes: a client id from another realm, tenant "
                "or environment, a typo, or a deleted client."),
        fix=(f"Copy the client id from the IdP's client (app registration) into {spec.client_id_var}"
             + (", and check OPENID_PROVIDER_URL names the realm or tenant where it lives."
                if spec.name == "oidc" else ".")),
        evidence=seen, subject=plan.name, location=_location_of(plan, spec.client_id_var))


def evaluate_authorize(observation: HttpObservation, plan: Plan) -> list[Finding]:
    """Findings from probe 6's answer. Pure."""
    name = plan.name
    redirect_uri = plan.redirect_uri or ""
    url = mask_url(plan.authorize_url or "")
    base = plan.evidence(**{"authorization endpoint": url, "redirect_uri sent": mask_url(redirect_uri),
                            "redirect_uri from": plan.redirect_source})
    what = "whether the IdP accepts the client and the redirect URI"
    if observation.refused:
        return [_not_established(plan, what, observation.refused)]
    if observation.failure is not None:
        return [_not_established(plan, what, f"the authorization endpoint {url} cannot be reached from "
                                             f"here: {observation.failure.summary}")]
    answer = read_answer(observation)
    shape = classify(Probe.AUTHORIZE, answer, plan.family, redirect_uri=redirect_uri)
    seen = {**base, **_seen(observation), "recognised as": shape.meaning}
    if shape.verdict is Verdict.ACCEPTED:
        return []
    if shape.verdict is Verdict.CLIENT_UNKNOWN:
        return [_client_unknown(plan, "authorization endpoint", shape, seen)]
    if shape.verdict is Verdict.REDIRECT_MISMATCH:
        var = plan.provider.redirect_uri_var
        return [finding(
            "oauth.redirect-uri-not-registered",
            f"{name}: the IdP rejects the redirect URI {mask_url(redirect_uri)}",
            detail=(f"GET {url} with client_id={plan.client_id!r} and redirect_uri="
                    f"{mask_url(redirect_uri)!r} ({plan.redirect_source}): the IdP answered "
                    f"{shape.meaning}. IdPs compare the redirect URI with the registered ones by "
                    "exact string (RFC 9700 §2.1): scheme, host, port, path and trailing slash. "
                    "Users see this error page after clicking the sign-in button and never reach "
                    "the login form."),
            fix=(f"Register exactly {mask_url(redirect_uri)} as a redirect URI of client "
                 f"{plan.client_id!r} at the IdP, or set {var} to the URI that is registered."),
            evidence=seen, subject=name,
            location=_location_of(plan, var if plan.provider.redirect_uri else "WEBUI_URL"))]
    if shape.verdict is Verdict.PKCE_REQUIRED:
        return [_pkce_required(plan, f"the authorization endpoint answered: {shape.meaning}", seen,
                               Severity.ERROR)]
    return [_not_established(plan, what, f"at the authorization endpoint, {shape.meaning} "
                                         f"({seen['answer']})")]


def _pkce_required(plan: Plan, why: str, evidence: dict[str, str], severity: Severity) -> Finding:
    return finding(
        "oauth.pkce-required",
        f"{plan.name}: the IdP requires PKCE, but the app sends none",
        detail=(f"{why}. Open WebUI sends a PKCE code_challenge only with {PKCE_VAR}=S256, which is "
                "not set, so the IdP refuses the sign-in before the login form."),
        fix=(f"Set {PKCE_VAR}=S256 (Open WebUI then uses PKCE for Google, Microsoft, GitHub and the "
             "OIDC provider), or allow this client without PKCE at the IdP."),
        evidence={**evidence, PKCE_VAR: "<unset>"}, subject=plan.name,
        location=_location_of(plan, PKCE_VAR), severity=severity)


def _location_of(plan: Plan, var: str | None) -> SourceLocation | None:
    return plan.locations.get(var or plan.provider.spec.client_id_var)


def wire_findings(plan: Plan, *, secret_changes_when_decoded: bool, secret_latin1: bool) -> list[Finding]:
    """Item 11: what the settings and the discovery document reveal before any request. Pure.
    The secret itself is never passed in: only whether URL-decoding changes it and whether it
    is latin-1."""
    findings: list[Finding] = []
    name, spec, token, family = plan.name, plan.provider.spec, plan.token, plan.family
    document = plan.document or {}
    raw = document.get("token_endpoint_auth_methods_supported")
    supported = [m for m in raw if isinstance(m, str)] if isinstance(raw, list) else None
    method_from = (f"{TOKEN_AUTH_METHOD_VAR}={token.method_setting}" if token.method_setting else
                   "authlib's default; " + (f"{TOKEN_AUTH_METHOD_VAR} is not set" if spec.name == "oidc"
                                            else f"the app sets no method for {name}"))
    evidence = plan.evidence(**{"method the app uses": f"{token.method} ({method_from})"})
    if supported is not None:
        evidence["token_endpoint_auth_methods_supported"] = ", ".join(supported) or "(empty)"
    if supported is not None and token.method not in supported:
        entra = family is not None and family.name == "entra"
        findings.append(finding(
            "oauth.auth-method-unsupported",
            f"{name}: the app authenticates with {token.method}, which the IdP does not list",
            detail=(f"Open WebUI authenticates the client at the token endpoint with {token.method} "
                    f"({method_from}); it never reads token_endpoint_auth_methods_supported, which "
                    f"lists {', '.join(supported) or 'nothing'} (RFC 8414 §2). The IdP then answers "
                    "invalid_client to every code exchange."
                    + (" Entra ID is reported to accept HTTP Basic although its discovery may not list "
                       "it, so this may still work." if entra else "")),
            fix=(f"Set {TOKEN_AUTH_METHOD_VAR}={_suggested_method(supported)} (or allow {token.method} "
                 "for the client at the IdP)." if spec.name == "oidc" else
                 f"Allow {token.method} for the client at the IdP (the app sets no other method "
                 f"for {name})."),
            evidence=evidence, subject=name, location=_location_of(plan, TOKEN_AUTH_METHOD_VAR),
            severity=Severity.WARNING if entra else None))
    if token.method == "client_secret_basic" and not secret_latin1:
        findings.append(finding(
            "oauth.client-secret-encoding",
            f"{name}: the client secret has characters the app cannot send in HTTP Basic",
            detail=(f"{spec.client_secret_var} has a character outside latin-1. authlib 1.7.2 encodes "
                    "'id:secret' as latin-1 for the HTTP Basic header and raises UnicodeEncodeError, so "
                    "every code exchange fails inside the app."),
            fix="Use a client secret of ASCII letters, digits and '-', '_', '.', '~'.",
            evidence={**evidence, spec.client_secret_var: plan.secret_shown}, subject=name,
            location=_location_of(plan, spec.client_secret_var)))
    elif token.method == "client_secret_basic" and secret_changes_when_decoded:
        decodes = family is not None and family.url_decodes_basic
        findings.append(finding(
            "oauth.client-secret-encoding",
            f"{name}: the client secret has '%' or '+', which the app sends unencoded in HTTP Basic",
            detail=(f"{spec.client_secret_var} contains '%' or '+'. RFC 6749 §2.3.1 has the client id "
                    "and secret form-urlencoded inside the HTTP Basic header, and IdPs that follow it "
                    "decode them; authlib 1.7.2 (Open WebUI's OAuth library) sends them raw, so the "
                    "IdP reads another secret ('+' becomes a space) and answers invalid_client."
                    + (f" {family.label} URL-decodes the Basic credentials." if decodes and family else
                       " Whether this IdP decodes them is not known; RFC-conforming ones do.")),
            fix=("Generate a client secret without '%' and '+'"
                 + (f", or set {TOKEN_AUTH_METHOD_VAR}=client_secret_post" if spec.name == "oidc" else "")
                 + "."),
            evidence={**evidence, spec.client_secret_var: plan.secret_shown}, subject=name,
            location=_location_of(plan, spec.client_secret_var),
            severity=None if decodes else Severity.WARNING))
    if (spec.has_discovery and token.method == "client_secret_basic"
            and token.refresh_method == "client_secret_post"):
        scopes = plan.provider.scope.split()
        enforcing = family is not None and family.enforces_one_method
        post_refused = supported is not None and "client_secret_post" not in supported
        refresh_issued = "offline_access" in scopes or (
            family is not None and not family.refresh_needs_offline_access and post_refused)
        if (enforcing or post_refused) and refresh_issued:
            why = (f"{family.label} accepts only the client's registered method, so it refuses every "
                   "refresh with invalid_client while sign-in works" if enforcing and family else
                   "the IdP does not list client_secret_post; an IdP that enforces what it lists "
                   "refuses every refresh with invalid_client while sign-in works")
            findings.append(finding(
                "oauth.refresh-auth-method-differs",
                f"{name}: sign-in uses HTTP Basic but token refresh sends the secret in the body",
                detail=(f"With {TOKEN_AUTH_METHOD_VAR} unset the code exchange uses HTTP Basic (authlib's "
                        "default), while Open WebUI's refresh code sends client_secret in the form body. "
                        f"Here {why}: the stored OAuth session is deleted when its access token expires."),
                fix=(f"Set {TOKEN_AUTH_METHOD_VAR}=client_secret_basic: sign-in and refresh then both use "
                     "HTTP Basic." if spec.name == "oidc" else
                     "Allow client_secret_post as well for this client at the IdP."),
                evidence={**evidence, "refresh sends": METHOD_WORDS["client_secret_post"],
                          plan.provider.scope_var: plan.provider.scope},
                subject=name, location=_location_of(plan, TOKEN_AUTH_METHOD_VAR)))
    if family is not None and family.pkce_required_by_default and not token.pkce:
        findings.append(_pkce_required(
            plan, f"{family.label} requires PKCE for its clients unless an administrator turned it off "
                  "for this one", evidence, Severity.WARNING))
    return findings


def _suggested_method(supported: list[str]) -> str:
    for method in ("client_secret_post", "client_secret_basic"):
        if method in supported:
            return method
    return supported[0] if supported else "client_secret_post"


# ----------------------------------------------------------------------------- the plan

def redirect_uri_for(provider: ProviderSettings, public_url: str | None) -> tuple[str | None, str]:
    """(the redirect URI the app sends, where it comes from) or (None, why it is unknown)."""
    if provider.redirect_uri:
        return provider.redirect_uri, provider.redirect_uri_var
    if not public_url:
        return None, (f"{provider.redirect_uri_var} is not set, so the app builds it from each request, "
                      "and the public URL is unknown (set WEBUI_URL or --public-url)")
    try:
        public = parse_absolute(public_url)
    except URLProblem:
        return None, "the public URL is not a usable URL"
    uri = f"{public.origin}{public.path.rstrip('/')}/oauth/{provider.name}/callback"
    return uri, f"{provider.redirect_uri_var} unset: the public URL + /oauth/{provider.name}/callback"


def _authorize_params(env: EnvSource) -> dict[str, str]:
    """`audience` (OAUTH_AUDIENCE) and OAUTH_AUTHORIZE_PARAMS (a JSON object; anything else is
    ignored, as the app ignores it), as `handle_login` adds them."""
    params: dict[str, str] = {}
    audience = getenv(env, "OAUTH_AUDIENCE", "")
    if audience:
        params["audience"] = audience
    raw = getenv(env, "OAUTH_AUTHORIZE_PARAMS", "")
    if raw:
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            params.update({str(k): v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict | list)
                           else str(v) for k, v in parsed.items()})
    return params


def authorize_request(plan: Plan, env: EnvSource) -> tuple[str, str | None]:
    """(the authorization URL to GET, the PKCE verifier or None): what authlib builds."""
    assert plan.authorize_url is not None and plan.redirect_uri is not None
    params = {"response_type": "code", "client_id": plan.client_id, "redirect_uri": plan.redirect_uri,
              "scope": plan.provider.scope, "state": secrets.token_urlsafe(24)}
    if "openid" in plan.provider.scope.split():
        params["nonce"] = secrets.token_urlsafe(24)
    verifier = None
    if plan.token.pkce:
        verifier = secrets.token_urlsafe(48)
        params["code_challenge"] = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params["code_challenge_method"] = "S256"
    params.update(_authorize_params(env))
    joiner = "&" if "?" in plan.authorize_url else "?"
    return plan.authorize_url + joiner + urlencode(params), verifier


def token_request(plan: Plan, secret: str) -> tuple[dict[str, str], tuple[str, str] | None, dict[str, str]]:
    """(form, basic_auth, secret_form) of probe 5, as authlib sends them for the app."""
    form = {"grant_type": "authorization_code", "code": INVALID_CODE}
    if plan.redirect_uri:
        form["redirect_uri"] = plan.redirect_uri
    if plan.token.pkce:
        form["code_verifier"] = secrets.token_urlsafe(48)
    basic: tuple[str, str] | None = None
    secret_form: dict[str, str] = {}
    if plan.token.method == "client_secret_basic":
        basic = (plan.client_id, secret)
        if plan.token.include_client_id:
            form["client_id"] = plan.client_id
    elif plan.token.method == "client_secret_post":
        form["client_id"] = plan.client_id
        secret_form["client_secret"] = secret
    else:  # none
        form["client_id"] = plan.client_id
    return form, basic, secret_form


def _family_for(provider: ProviderSettings, document: dict[str, Any] | None) -> Family | None:
    if document is None:
        return FAMILIES_BY_NAME.get(provider.name)  # github, feishu: the app's fixed endpoints
    urls = {k: document.get(k) for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")}
    return recognise(urls)


def _usable(url: str | None) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        parse_absolute(url)
    except URLProblem:
        return None
    return url


# ----------------------------------------------------------------------------- orchestration

async def _discovery(ctx: CheckContext, provider: ProviderSettings) -> tuple[dict[str, Any] | None, str]:
    """The provider's discovery document through the run's cache, or (None, why not)."""
    from authdoctor.checks.oidc import evaluate_discovery, usable_document

    url = provider.metadata_url or ""
    if _usable(url) is None:
        return None, f"its discovery URL {mask_url(url)!r} cannot be fetched"
    observation = await ctx.probes.http_get_async(url)
    problems = evaluate_discovery(observation, configured_url=url)
    document = usable_document(observation, problems)
    if document is None:
        first = problems[0].title if problems else "the document is not usable"
        return None, f"its discovery document is not usable ({first})"
    return document, ""


async def _provider_findings(ctx: CheckContext, provider: ProviderSettings) -> list[Finding]:
    env = ctx.deployment.env
    spec = provider.spec
    name = provider.name
    document: dict[str, Any] | None = None
    if spec.has_discovery:
        document, why = await _discovery(ctx, provider)
        if document is None:
            return [skipped(AREA, f"{name}: the client was not presented to the IdP: {why}"
                                  + (" (see the OIDC area)" if name == "oidc" else ""))]
        authorize_url = _usable(document.get("authorization_endpoint"))
        token_url = _usable(document.get("token_endpoint"))
    else:
        authorize_url, token_url = spec.authorize_url, spec.token_url
    secret = client_secret(provider, env)
    try:
        public_url = ctx.deployment.effective_public_url
    except LookupError:
        public_url = None
    redirect_uri, redirect_source = redirect_uri_for(provider, public_url)
    var = env.vars.get(spec.client_secret_var)
    locations = {variable: env.location(variable) for variable in (
        spec.client_id_var, spec.client_secret_var, spec.redirect_uri_var, PKCE_VAR,
        TOKEN_AUTH_METHOD_VAR, INCLUDE_CLIENT_ID_VAR, "WEBUI_URL")}
    plan = Plan(provider=provider, token=token_request_shape(provider, env), has_secret=bool(secret),
                secret_shown=var.shown if var is not None and secret else "<unset>",
                authorize_url=authorize_url, token_url=token_url, redirect_uri=redirect_uri,
                redirect_source=redirect_source, family=_family_for(provider, document), document=document,
                locations=locations)
    try:
        secret.encode("latin1")
        latin1 = True
    except UnicodeEncodeError:
        latin1 = False
    decoded_differs = any(ch in value for ch in "%+" for value in (secret, plan.client_id))
    findings = wire_findings(plan, secret_changes_when_decoded=decoded_differs, secret_latin1=latin1)
    if not ctx.probes.idp_requests:
        findings.append(skipped(AREA, f"{name}: the client credentials and the redirect URI were not "
                                      "checked at the IdP: left out (--no-idp-requests)"))
        return findings

    authorize_verdict: list[Finding] = []
    sent = False  # whether a request reached (or was sent towards) the IdP's endpoints
    if authorize_url is None:
        authorize_verdict = [_not_established(plan, "whether the IdP accepts the redirect URI",
                                              "the discovery document has no usable authorization_endpoint")]
    elif redirect_uri is None:
        authorize_verdict = [_not_established(plan, "whether the IdP accepts the redirect URI",
                                              redirect_source)]
    else:
        url, _ = authorize_request(plan, env)
        observation = await ctx.probes.http_get_async(url, idp_request=True)
        sent = True
        authorize_verdict = evaluate_authorize(observation, plan)
    findings.extend(authorize_verdict)
    if any(f.code == "oauth.pkce-required" and f.severity is Severity.ERROR for f in authorize_verdict):
        findings = [f for f in findings if not (f.code == "oauth.pkce-required"
                                                and f.severity is Severity.WARNING)]

    what = "whether the IdP accepts the client credentials"
    if token_url is None:
        findings.append(_not_established(plan, what, "the discovery document has no usable token_endpoint"))
    elif plan.token.method not in ("client_secret_basic", "client_secret_post", "none"):
        findings.append(_not_established(plan, what, f"{TOKEN_AUTH_METHOD_VAR}={plan.token.method} is a "
                                                     "method authdoctor does not reproduce"))
    elif plan.family is not None and plan.family.name == "authentik" and authorize_verdict:
        # authentik logs a configuration_error event (and by default notifies its admins) for a
        # token request whose redirect_uri it does not accept: only probe after the redirect URI
        # was accepted.
        findings.append(_not_established(plan, what, "authentik notifies its administrators about a "
                                                     "token request with a redirect URI it has not "
                                                     "accepted; the redirect URI was not confirmed first"))
    else:
        form, basic, secret_form = token_request(plan, secret)
        sent = True
        observation = await ctx.probes.http_post_form_async(
            token_url, form, basic_auth=basic, secret_form=secret_form,
            headers={"Accept": "application/json"})
        at_token = evaluate_token(observation, plan)
        if not at_token and observation.answered:
            findings = [accepted_anyway(f, plan) for f in findings]
        findings.extend(at_token)
    if sent:
        # The IdP was contacted: a step it could not establish is a partial skip, and the half
        # still says the running server was checked (a review found 'not contacted' here).
        from dataclasses import replace

        findings = [replace(f, partial=True) if f.severity is Severity.SKIPPED else f for f in findings]
    return findings


def accepted_anyway(found: Finding, plan: Plan) -> Finding:
    """`oauth.auth-method-unsupported` when the token probe saw the IdP accept the app's method
    all the same: it works today, on behaviour the provider does not advertise (a warning)."""
    if found.code != "oauth.auth-method-unsupported":
        return found
    from dataclasses import replace

    return replace(
        found, severity=Severity.WARNING,
        detail=found.detail + (f" The token probe saw this IdP accept {plan.token.method} all the same, "
                               "so sign-in works today, on behaviour the provider does not advertise."),
        evidence={**found.evidence, "token probe": f"credentials accepted with {plan.token.method}"})


async def idp_findings(ctx: CheckContext) -> list[Finding] | None:
    """Findings from presenting each configured client to its IdP (see the module docstring);
    None when nothing was probed at all."""
    env = ctx.deployment.env
    providers = configured_providers(env)
    if not providers or not env_true(env, "ENABLE_OAUTH", "True"):
        return None
    findings: list[Finding] = []
    for provider in providers.values():
        findings.extend(await _provider_findings(ctx, provider))
    return findings
