"""How identity providers answer the two requests that present the OAuth client: ONE table.

Pure data and pure functions (no I/O). `authdoctor.checks._oauth_idp` sends the requests and
turns the verdicts into findings; the table says what each answer means.

- Probe 5, the token endpoint (`Probe.TOKEN`): a POST with `grant_type=authorization_code`, a
  deliberately invalid code and the client authentication the app uses. An IdP that checks the
  client first answers `invalid_client` (or its own shape) for wrong credentials and
  `invalid_grant` for right ones.
- Probe 6, the authorization endpoint (`Probe.AUTHORIZE`): a GET with the client id and the
  redirect URI the app sends, redirects not followed. A login page, or a redirect to the IdP's
  login, means the client and the redirect URI were accepted.

Each `Shape` is one answer of one provider family (or of any provider, for the generic rows at
the end of each probe's list), with how it is recognised (status, the OAuth `error` code, a text
marker) and what it means (`Verdict`). Rows whose recognition rests on the family (the same
answer means something else elsewhere: zitadel's `invalid_grant`, Kanidm's 200 error page) are
`family_only`. The first matching row wins, so specific rows come before generic ones.

Source of every row: shared reference `idp-responses.md` §1 (authorize) and §2 (token), whose
tags (K1, E1, ...) are in `source`. Families are recognised from the discovery document's issuer
and endpoint URLs (`recognise`); the properties on `Family` feed the settings-level checks
(item 11 of issue 9): which providers URL-decode HTTP Basic credentials, which enforce one
registered client authentication method, which require PKCE by default, which look at the code
before the client.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation


class Probe(StrEnum):
    AUTHORIZE = "authorize"
    TOKEN = "token"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    """authorize: client and redirect URI accepted; token: the client credentials accepted."""
    REJECTED = "rejected"
    """token: the client credentials (or their shape) rejected -> oauth.invalid-client."""
    CLIENT_UNKNOWN = "client-unknown"
    """the IdP does not know the client id -> oauth.client-unknown."""
    REDIRECT_MISMATCH = "redirect-mismatch"
    """authorize: the redirect URI is not registered -> oauth.redirect-uri-not-registered."""
    PKCE_REQUIRED = "pkce-required"
    """authorize: the IdP requires PKCE and none was sent -> oauth.pkce-required."""
    UNDETERMINED = "undetermined"
    """the answer does not tell; the report says what could not be established."""
    UNUSABLE = "unusable"
    """token: not an OAuth answer at all -> oauth.token-endpoint-unusable."""


# ----------------------------------------------------------------------------- families

@dataclass(frozen=True)
class Family:
    name: str
    label: str
    hosts: tuple[str, ...] = ()
    """Host names (or `.suffix`) of the issuer or any endpoint."""
    paths: tuple[str, ...] = ()
    """Regexes searched in the issuer and endpoint URLs (all given ones must match one URL)."""
    url_decodes_basic: bool = False
    """URL-decodes the HTTP Basic id and secret (RFC 6749 §2.3.1): '%' and '+' change meaning."""
    enforces_one_method: bool = False
    """Accepts only the client's registered authentication method."""
    refresh_needs_offline_access: bool = False
    """Issues refresh tokens only for the `offline_access` scope."""
    pkce_required_by_default: bool = False
    code_before_client: bool = False
    """May look the code up before the client: `invalid_grant` does not prove the credentials."""
    source: str = ""


FAMILIES: tuple[Family, ...] = (
    Family("entra", "Microsoft Entra ID",
           hosts=("login.microsoftonline.com", "login.windows.net", "sts.windows.net",
                  "login.microsoftonline.us", "login.partner.microsoftonline.cn",
                  "login.chinacloudapi.cn"), source="E1 E3"),
    Family("google", "Google", hosts=("accounts.google.com", "oauth2.googleapis.com"), source="G4"),
    Family("github", "GitHub", hosts=("github.com",), source="H3"),
    Family("feishu", "Feishu", hosts=(".feishu.cn", ".larksuite.com"), source="W3"),
    Family("okta", "Okta", hosts=(".okta.com", ".oktapreview.com", ".okta-emea.com"),
           enforces_one_method=True, refresh_needs_offline_access=True, source="O3"),
    Family("auth0", "Auth0", hosts=(".auth0.com",), source="A2"),
    Family("cognito", "Amazon Cognito", hosts=(".amazonaws.com", ".amazoncognito.com"), source="C2"),
    Family("keycloak", "Keycloak", paths=(r"/realms/[^/]+(/protocol/openid-connect/|$)",),
           url_decodes_basic=True, source="K3 K5"),
    Family("authentik", "authentik", paths=(r"/application/o/",), source="T3"),
    Family("authelia", "Authelia", paths=(r"/api/oidc/(token|authorization)",),
           enforces_one_method=True, refresh_needs_offline_access=True, source="L2 L3"),
    Family("zitadel", "ZITADEL", paths=(r"/oauth/v2/(token|authorize)",), url_decodes_basic=True,
           code_before_client=True, source="Z2 Z3"),
    Family("kanidm", "Kanidm", paths=(r"/oauth2/openid/",), pkce_required_by_default=True,
           source="N1 N3"),
    Family("gitlab", "GitLab", paths=(r"/oauth/discovery/keys$",), source="B2 B3"),
    # panva oidc-provider and Dex share /auth and /token; their key sets are /jwks and /keys.
    # panva enforces the registered method's class (none / secret / JWT / mTLS), but 8.8.1 (the
    # lab's) accepts client_secret_basic and client_secret_post for each other, so it is not
    # counted as enforcing one of the two; it URL-decodes the Basic id and secret
    # (lib/shared/token_auth.js decodeAuthToken).
    Family("panva", "oidc-provider (panva)", paths=(r"/auth$", r"/token$", r"/jwks$"),
           url_decodes_basic=True, refresh_needs_offline_access=True, source="P1 P4"),
    Family("dex", "Dex", paths=(r"/auth$", r"/token$", r"/keys$"), url_decodes_basic=True,
           source="D1"),
)
FAMILIES_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def recognise(urls: Mapping[str, Any]) -> Family | None:
    """The provider family from the issuer and endpoint URLs (`issuer`, `authorization_endpoint`,
    `token_endpoint`, `jwks_uri`, ...: any string values), or None when none fits."""
    found = [u for u in urls.values() if isinstance(u, str) and u]
    hosts = set()
    for url in found:
        try:
            hosts.add((urlsplit(url).hostname or "").lower())
        except ValueError:
            continue
    for family in FAMILIES:
        if family.hosts and any(h == name or (name.startswith(".") and h.endswith(name))
                                for h in hosts for name in family.hosts):
            return family
        if family.paths and all(any(re.search(p, u.split("?", 1)[0]) for u in found)
                                for p in family.paths):
            return family
    return None


# ----------------------------------------------------------------------------- answers

@dataclass(frozen=True)
class Answer:
    """What the table reads from one observation."""

    status: int
    error: str = ""
    """The OAuth `error` code: from a JSON body, or from the query of a redirect's Location."""
    description: str = ""
    """`error_description` / `error_hint` / `error.message`, as one line."""
    text: str = ""
    """The body as text (HTML entities decoded) and the decoded Location, for markers."""
    location: str = ""
    is_json: bool = False
    content_type: str = ""

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and bool(self.location)


TEXT_CAP = 64 * 1024


def read_answer(observation: HttpObservation) -> Answer:
    """An `Answer` from an observation that has an HTTP status (the caller checks `answered`)."""
    body = observation.body[:TEXT_CAP].decode("utf-8", errors="replace")
    location = observation.headers.get("location", "")
    error, description, is_json = "", "", False
    try:
        document = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        is_json = True
        raw_error = document.get("error")
        if isinstance(raw_error, dict):  # {"error": {"code": ..., "message": ...}} (Google APIs)
            error = str(raw_error.get("status") or raw_error.get("code") or "")
            description = str(raw_error.get("message") or "")
        elif isinstance(raw_error, str):
            error = raw_error
        parts = [document.get(k) for k in ("error_description", "error_hint", "message")]
        description = " ".join([description, *(p for p in parts if isinstance(p, str))]).strip()
    query: dict[str, list[str]] = {}
    if location:
        try:
            query = parse_qs(urlsplit(location).query) or parse_qs(urlsplit(location).fragment)
        except ValueError:
            query = {}
        if not error and query.get("error"):
            error = query["error"][0]
            description = " ".join(query.get(k, [""])[0] for k in ("error_description", "error_hint")).strip()
    text = html.unescape(body) + " " + unquote(location)
    return Answer(status=observation.status or 0, error=error, description=" ".join(description.split()),
                  text=text, location=location, is_json=is_json,
                  content_type=observation.content_type.split(";")[0].strip().lower())


def _marker(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Shape:
    id: str
    family: str
    """A `Family.name`, or "any"."""
    probe: Probe
    verdict: Verdict
    meaning: str
    """What the answer means, in plain words (shown in the finding)."""
    status: frozenset[int] | None = None
    error: str | None = None
    marker: re.Pattern[str] | None = None
    family_only: bool = False
    """The row applies only when the provider is recognised as `family`."""
    to_redirect_uri: bool | None = None
    """authorize: True = the answer redirects to the probe's redirect URI; False = a redirect
    elsewhere; None = either (or no redirect)."""
    source: str = ""

    def matches(self, answer: Answer, family: Family | None, redirect_uri: str) -> bool:
        if self.family_only and (family is None or family.name != self.family):
            return False
        if self.status is not None and answer.status not in self.status:
            return False
        if self.error is not None and answer.error != self.error:
            return False
        if self.marker is not None and not (self.marker.search(answer.description)
                                            or self.marker.search(answer.text)):
            return False
        if self.to_redirect_uri is not None:
            if not answer.is_redirect:
                return False
            back = bool(redirect_uri) and answer.location.split("?", 1)[0].split("#", 1)[0] == \
                redirect_uri.split("?", 1)[0]
            if back is not self.to_redirect_uri:
                return False
        return True


_4XX = frozenset(range(400, 500))
_5XX = frozenset(range(500, 600))
_3XX = frozenset(range(300, 400))
A, T = Probe.AUTHORIZE, Probe.TOKEN
V = Verdict

SHAPES: tuple[Shape, ...] = (
    # ---------------------------------------------------------------- authorize, per provider
    Shape("keycloak-authorize-redirect", "keycloak", A, V.REDIRECT_MISMATCH,
          "Keycloak: 'Invalid parameter: redirect_uri'", marker=_marker(r"Invalid parameter: redirect_uri"),
          source="K1 K2"),
    Shape("keycloak-authorize-client", "keycloak", A, V.CLIENT_UNKNOWN, "Keycloak: 'Client not found.'",
          marker=_marker(r"Client not found"), source="K2 K5"),
    Shape("entra-authorize-redirect", "entra", A, V.REDIRECT_MISMATCH,
          "Entra ID AADSTS50011: the redirect URI does not match the app registration's",
          marker=_marker(r"AADSTS50011\b"), source="E1 E5"),
    Shape("entra-authorize-client", "entra", A, V.CLIENT_UNKNOWN,
          "Entra ID AADSTS700016: no application with this client id in the tenant",
          marker=_marker(r"AADSTS700016\b"), source="E1"),
    Shape("entra-authorize-tenant", "entra", A, V.CLIENT_UNKNOWN,
          "Entra ID refuses the client for this tenant endpoint (AADSTS50194: a single-tenant app "
          "through /common; AADSTS9002332: an organisations-only app through /consumers; "
          "AADSTS90002: no such tenant)", marker=_marker(r"AADSTS(50194|9002332|90002)\b"), source="E1"),
    Shape("google-authorize-client", "google", A, V.CLIENT_UNKNOWN,
          "Google 'Error 401: invalid_client / The OAuth client was not found.'",
          marker=_marker(r"The OAuth client was not found"), source="G1 G2"),
    Shape("github-authorize-redirect", "github", A, V.REDIRECT_MISMATCH,
          "GitHub redirects to the app's registered callback with error=redirect_uri_mismatch",
          status=_3XX, error="redirect_uri_mismatch", source="H1"),
    Shape("google-authorize-redirect", "google", A, V.REDIRECT_MISMATCH,
          "Google 'Error 400: redirect_uri_mismatch'", marker=_marker(r"redirect_uri_mismatch"),
          source="G1"),
    Shape("okta-authorize-redirect", "okta", A, V.REDIRECT_MISMATCH,
          "Okta: 'The 'redirect_uri' parameter must be a Login redirect URI in the client app settings'",
          marker=_marker(r"must be a Login redirect URI|absolute URI that is whitelisted"), source="O1"),
    Shape("okta-authorize-client", "okta", A, V.CLIENT_UNKNOWN,
          "Okta: 'Invalid value for 'client_id' parameter.'",
          marker=_marker(r"Invalid value for .client_id. parameter"), source="O1"),
    Shape("authentik-authorize-redirect", "authentik", A, V.REDIRECT_MISMATCH,
          "authentik 'Redirect URI Error'", marker=_marker(r"Redirect URI Error"), source="T1 T2"),
    Shape("authentik-authorize-client", "authentik", A, V.CLIENT_UNKNOWN,
          "authentik 'Client ID Error'", marker=_marker(r"Client ID Error"), source="T1 T2"),
    Shape("authelia-authorize-redirect", "authelia", A, V.REDIRECT_MISMATCH,
          "Authelia: 'The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's "
          "pre-registered 'redirect_uris'.'",
          marker=_marker(r"does not match any of the OAuth 2\.0 Client's pre-registered"), source="L1 L2"),
    Shape("authelia-authorize-client", "authelia", A, V.CLIENT_UNKNOWN,
          "Authelia: 'The requested OAuth 2.0 Client does not exist.'",
          marker=_marker(r"The requested OAuth 2\.0 Client does not exist"), source="L1 L2"),
    Shape("zitadel-authorize-redirect", "zitadel", A, V.REDIRECT_MISMATCH,
          "ZITADEL: 'The requested redirect_uri is missing in the client configuration.'",
          marker=_marker(r"redirect_uri is missing in the client configuration"), source="Z1 Z2"),
    Shape("zitadel-authorize-client", "zitadel", A, V.CLIENT_UNKNOWN,
          "ZITADEL: 'unable to retrieve client by id'", marker=_marker(r"unable to retrieve client by id"),
          source="Z2"),
    Shape("dex-authorize-redirect", "dex", A, V.REDIRECT_MISMATCH, "Dex: 'Unregistered redirect_uri.'",
          marker=_marker(r"Unregistered redirect_uri"), source="D1"),
    Shape("dex-authorize-client", "dex", A, V.CLIENT_UNKNOWN, "Dex: 'Invalid client_id.'",
          marker=_marker(r"Invalid client_id"), source="D1"),
    Shape("panva-authorize-redirect", "panva", A, V.REDIRECT_MISMATCH,
          "oidc-provider: invalid_redirect_uri 'redirect_uri did not match any of the client's "
          "registered redirect_uris'", marker=_marker(r"invalid_redirect_uri|redirect_uri did not match"),
          source="P1 P2"),
    Shape("panva-authorize-client", "panva", A, V.CLIENT_UNKNOWN,
          "oidc-provider: invalid_client 'client is invalid'", marker=_marker(r"client is invalid"),
          source="P1"),
    Shape("cognito-authorize-redirect", "cognito", A, V.REDIRECT_MISMATCH,
          "Cognito redirects to its /error page with error=redirect_mismatch",
          error="redirect_mismatch", source="C1"),
    Shape("gitlab-authorize-redirect", "gitlab", A, V.REDIRECT_MISMATCH,
          "GitLab: 'The redirect URI included is not valid.'",
          marker=_marker(r"redirect URI included is not valid|doesn't match client redirect URI"),
          source="B1 B2"),
    Shape("kanidm-authorize-page", "kanidm", A, V.UNDETERMINED,
          "Kanidm answers HTTP 200 with the same error page for an unregistered redirect URI, an "
          "unknown client and a missing PKCE challenge", status=frozenset({200}),
          marker=_marker(r"invalid ?state|error"), family_only=True, source="N1 N2"),
    # ---------------------------------------------------------------- authorize, any provider
    Shape("any-authorize-pkce", "any", A, V.PKCE_REQUIRED,
          "the IdP requires PKCE (a code_challenge) for this client",
          marker=_marker(r"\bPKCE\b|code_challenge"), error="invalid_request", source="P1 O2"),
    Shape("any-authorize-error-at-redirect-uri", "any", A, V.UNDETERMINED,
          "the IdP sent its answer to the redirect URI (so it accepts it) but refused the request",
          to_redirect_uri=True, marker=_marker(r"error="), source="RFC 6749 §4.1.2.1"),
    Shape("any-authorize-invalid-client", "any", A, V.CLIENT_UNKNOWN,
          "the IdP answers invalid_client: it does not know this client id", error="invalid_client"),
    Shape("any-authorize-redirect-text", "any", A, V.REDIRECT_MISMATCH,
          "the IdP's error names the redirect URI",
          marker=_marker(r"redirect[_ ]ur[il][^<]{0,80}?(mismatch|not (valid|registered|allowed|match)"
                         r"|invalid|unregistered|does not match)|(invalid|unregistered|mismatch\w*)"
                         r"[^<]{0,40}?redirect[_ ]ur[il]"), status=_4XX | frozenset({200})),
    Shape("any-authorize-login-redirect", "any", A, V.ACCEPTED,
          "the IdP redirects to its login", to_redirect_uri=False, status=_3XX),
    Shape("any-authorize-login-page", "any", A, V.ACCEPTED, "the IdP shows a login page",
          status=frozenset({200}),
          marker=_marker(r"type=[\"']?password|name=[\"']?(password|username|login)\b|id=[\"']?kc-form-login")),
    Shape("any-authorize-server-error", "any", A, V.UNDETERMINED, "the IdP answers a server error",
          status=_5XX),
    # ---------------------------------------------------------------- token, per provider
    Shape("keycloak-token-wrong-secret", "keycloak", T, V.REJECTED,
          "Keycloak: unauthorized_client 'Invalid client or Invalid client credentials' (a wrong "
          "client secret)", error="unauthorized_client", marker=_marker(r"Invalid client"), source="K3"),
    Shape("entra-token-expired-secret", "entra", T, V.REJECTED,
          "Entra ID AADSTS7000222: the client secret has expired", marker=_marker(r"AADSTS7000222\b"),
          source="E1"),
    Shape("entra-token-invalid-secret", "entra", T, V.REJECTED,
          "Entra ID AADSTS7000215: invalid client secret provided (often the secret's ID was "
          "copied instead of its value)", marker=_marker(r"AADSTS7000215\b"), source="E1 E2"),
    Shape("entra-token-unknown-app", "entra", T, V.CLIENT_UNKNOWN,
          "Entra ID AADSTS700016: no application with this client id in the tenant",
          marker=_marker(r"AADSTS700016\b"), source="E1"),
    Shape("google-token-unknown-client", "google", T, V.CLIENT_UNKNOWN,
          "Google: invalid_client 'The OAuth client was not found.'",
          marker=_marker(r"The OAuth client was not found"), source="G2"),
    Shape("github-token-wrong-credentials", "github", T, V.REJECTED,
          "GitHub (HTTP 200): incorrect_client_credentials", error="incorrect_client_credentials",
          source="H2"),
    Shape("github-token-accepted", "github", T, V.ACCEPTED,
          "GitHub (HTTP 200): bad_verification_code (the code, not the client, was refused)",
          error="bad_verification_code", source="H2"),
    Shape("okta-token-multiple-credentials", "okta", T, V.REJECTED,
          "Okta: 'Cannot supply multiple client credentials' (HTTP Basic and client_id in the body: "
          "OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID)",
          marker=_marker(r"Cannot supply multiple client credentials"), source="O4"),
    Shape("zitadel-token-multiple-methods", "zitadel", T, V.REJECTED,
          "ZITADEL: 'client authentication must not use more than one method' (HTTP Basic and "
          "client_id in the body: OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID)",
          marker=_marker(r"must not use more than one method"), source="Z3"),
    Shape("zitadel-token-code-first", "zitadel", T, V.UNDETERMINED,
          "ZITADEL (classic provider) looks the code up before the client: invalid_grant does not "
          "show whether the client credentials are right", error="invalid_grant", family_only=True,
          source="Z3"),
    Shape("kanidm-token-empty-401", "kanidm", T, V.REJECTED,
          "Kanidm: HTTP 401 with an empty body (client authentication failed)",
          status=frozenset({401}), family_only=True, source="N2 N4"),
    Shape("kanidm-token-accepted", "kanidm", T, V.ACCEPTED,
          "Kanidm: invalid_request (the code could not be decrypted: the client was authenticated)",
          error="invalid_request", family_only=True, source="N4"),
    # ---------------------------------------------------------------- token, any provider
    Shape("any-token-unknown-client", "any", T, V.CLIENT_UNKNOWN,
          "invalid_client: the IdP does not know this client id", error="invalid_client",
          marker=_marker(r"unknown client|client not found|not found|does not exist|no such client")),
    Shape("any-token-invalid-client", "any", T, V.REJECTED,
          "invalid_client: client authentication failed", error="invalid_client", source="RFC 6749 §5.2"),
    Shape("any-token-unauthorized-client", "any", T, V.REJECTED,
          "unauthorized_client: the IdP refuses this client the authorization_code grant",
          error="unauthorized_client", source="RFC 6749 §5.2"),
    Shape("any-token-accepted", "any", T, V.ACCEPTED,
          "invalid_grant: the code was refused after the client was authenticated",
          error="invalid_grant", source="RFC 6749 §5.2"),
    Shape("any-token-401", "any", T, V.REJECTED, "HTTP 401: client authentication failed",
          status=frozenset({401}), source="RFC 6749 §5.2"),
    Shape("any-token-redirect", "any", T, V.UNUSABLE,
          "a redirect (the app's client does not follow it on the code exchange)", status=_3XX),
    Shape("any-token-server-error", "any", T, V.UNUSABLE, "a server error", status=_5XX),
)


def _is_oauth_error(answer: Answer) -> bool:
    return answer.is_json and bool(answer.error)


def classify(probe: Probe, answer: Answer, family: Family | None, *, redirect_uri: str = "") -> Shape:
    """The first row of `SHAPES` for `probe` that matches `answer` (and the family), or the
    fallback row (`fallback`)."""
    for shape in SHAPES:
        if shape.probe is probe and shape.matches(answer, family, redirect_uri):
            return shape
    return fallback(probe, answer)


def fallback(probe: Probe, answer: Answer) -> Shape:
    """No row matched: say what the answer was, and that it does not tell."""
    if probe is Probe.TOKEN:
        if _is_oauth_error(answer):
            return Shape("any-token-other-error", "any", T, V.UNDETERMINED,
                         f"the OAuth error {answer.error!r}, which does not say whether the client "
                         "was authenticated")
        if answer.is_json:
            return Shape("any-token-json", "any", T, V.UNDETERMINED,
                         "JSON without an OAuth error for an invalid code")
        kind = f" ({answer.content_type})" if answer.content_type else ""
        return Shape("any-token-not-json", "any", T, V.UNUSABLE, "an answer that is not JSON" + kind)
    return Shape("any-authorize-unrecognised", "any", A, V.UNDETERMINED,
                 f"HTTP {answer.status}, an answer authdoctor does not recognise")
