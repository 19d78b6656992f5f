"""The OAuth client at the IdP, pure evaluation (issue 9 probes 5, 6, 11): one test per provider
answer shape of `authdoctor.checks._idp_answers.SHAPES` (an observation built by hand, as the
provider answers; idp-responses.md §1 and §2), then the settings-level wire checks and the
probe outcomes that are not an answer (refused, unreachable)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import pytest
from settings_env import NOW, source

from authdoctor.checks._idp_answers import (
    FAMILIES_BY_NAME,
    SHAPES,
    Probe,
    Verdict,
    classify,
    read_answer,
    recognise,
)
from authdoctor.checks._oauth_idp import (
    Plan,
    accepted_anyway,
    evaluate_authorize,
    evaluate_token,
    redirect_uri_for,
    token_request,
    wire_findings,
)
from authdoctor.findings import Finding, Severity
from authdoctor.openwebui.oauth import configured_providers, token_request_shape
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.cache import ProbeSession
from authdoctor.probes.http import HttpObservation

REDIRECT_URI = "https://chat.example.com/oauth/oidc/callback"
SECRET = "s3cr3t-value-for-tests-0123456789"
BASE_ENV = {"OAUTH_CLIENT_ID": "open-webui", "OAUTH_CLIENT_SECRET": SECRET,
            "OPENID_PROVIDER_URL": "https://idp.example.com/.well-known/openid-configuration",
            "OPENID_REDIRECT_URI": REDIRECT_URI}


def obs(status: int, body: str | bytes = b"", *, ctype: str = "text/html; charset=utf-8",
        location: str | None = None, **headers: str) -> HttpObservation:
    kept = {"content-type": ctype, **headers}
    if location is not None:
        kept["location"] = location
    raw = body.encode() if isinstance(body, str) else body
    return HttpObservation(url="https://idp.example.com/x", final_url="https://idp.example.com/x",
                           status=status, reason="", headers=kept, body=raw)


def js(status: int, document: dict[str, object], **headers: str) -> HttpObservation:
    return obs(status, json.dumps(document), ctype="application/json", **headers)


def plan(env: dict[str, str] | None = None, *, family: str | None = None,
         document: dict[str, Any] | None = None, name: str = "oidc") -> Plan:
    settings = source({**BASE_ENV, **(env or {})})
    provider = configured_providers(settings)[name]
    uri, where = redirect_uri_for(provider, "https://chat.example.com")
    return Plan(provider=provider, token=token_request_shape(provider, settings), has_secret=True,
                secret_shown=f"<secret, {len(SECRET)} chars>",
                authorize_url="https://idp.example.com/authorize",
                token_url="https://idp.example.com/token", redirect_uri=uri, redirect_source=where,
                family=FAMILIES_BY_NAME[family] if family else None, document=document,
                locations={name: settings.location(name) for name in settings.vars})


AT_REDIRECT = REDIRECT_URI + "?"
#: One hand-made answer per row of SHAPES: (family the provider is recognised as, observation).
EXAMPLES: dict[str, tuple[str | None, HttpObservation]] = {
    # ------------------------------------------------------------ authorize
    "keycloak-authorize-redirect": ("keycloak", obs(400, "<p class='instruction'>Invalid parameter: "
                                                         "redirect_uri</p>")),
    "keycloak-authorize-client": ("keycloak", obs(400, "<p>Client not found.</p>")),
    "entra-authorize-redirect": ("entra", obs(200, "Sorry, but we're having trouble signing you in. "
                                                   "AADSTS50011: The redirect URI 'https://x' specified in "
                                                   "the request does not match the redirect URIs")),
    "entra-authorize-client": ("entra", obs(200, "AADSTS700016: Application with identifier 'x' was not "
                                                 "found in the directory 'Contoso'.")),
    "entra-authorize-tenant": ("entra", obs(200, "AADSTS50194: Application 'x' is not configured as a "
                                                 "multi-tenant application.")),
    "google-authorize-client": ("google", obs(401, "Authorization Error Error 401: invalid_client The OAuth "
                                                   "client was not found.")),
    "github-authorize-redirect": ("github", obs(302, location=(
        "https://chat.example.com/oauth/github/callback?error=redirect_uri_mismatch&error_description="
        "The+redirect_uri+MUST+match+the+registered+callback+URL+for+this+application.&state=abc"))),
    "google-authorize-redirect": ("google", obs(400, "Authorization Error Error 400: redirect_uri_mismatch")),
    "okta-authorize-redirect": ("okta", obs(400, "Error Code: invalid_request Description: The "
                                                 "&#39;redirect_uri&#39; parameter must be a Login redirect "
                                                 "URI in the client app settings")),
    "okta-authorize-client": ("okta", obs(400, "invalid_client Invalid value for 'client_id' parameter.")),
    "authentik-authorize-redirect": ("authentik", obs(400, "<h1>Redirect URI Error</h1><p>The request "
                                                           "fails due to a missing, invalid, or mismatching "
                                                           "redirection URI</p>")),
    "authentik-authorize-client": ("authentik", obs(400, "<h1>Client ID Error</h1>")),
    "authelia-authorize-redirect": ("authelia", obs(302, location=(
        "https://auth.example.com/consent/completion?error=invalid_request&error_hint=The+%27redirect_uri"
        "%27+parameter+does+not+match+any+of+the+OAuth+2.0+Client%27s+pre-registered+%27redirect_uris"
        "%27.&error_status_code=400"))),
    "authelia-authorize-client": ("authelia", obs(302, location=(
        "https://auth.example.com/consent/completion?error=invalid_client&error_hint=The+requested+OAuth"
        "+2.0+Client+does+not+exist.&error_status_code=401"))),
    "zitadel-authorize-redirect": ("zitadel", js(400, {
        "error": "invalid_request", "error_description": "The requested redirect_uri is missing in the "
                                                        "client configuration. If you have any questions…"})),
    "zitadel-authorize-client": ("zitadel", js(400, {
        "error": "invalid_request", "error_description": "unable to retrieve client by id"})),
    "dex-authorize-redirect": ("dex", obs(400, "<p>Unregistered redirect_uri.</p>")),
    "dex-authorize-client": ("dex", obs(404, "<p>Invalid client_id.</p>")),
    "panva-authorize-redirect": ("panva", obs(400, "<h1>oops! something went wrong</h1><pre><strong>error"
                                                   "</strong>: invalid_redirect_uri<br><strong>"
                                                   "error_description</strong>: redirect_uri did not "
                                                   "match any of the client's registered "
                                                   "redirect_uris</pre>")),
    "panva-authorize-client": ("panva", obs(400, "<pre>error: invalid_client<br>error_description: client "
                                                 "is invalid</pre>")),
    "cognito-authorize-redirect": ("cognito", obs(302, location=(
        "https://x.auth.eu-west-1.amazoncognito.com/error?error=redirect_mismatch&client_id=abc"))),
    "gitlab-authorize-redirect": ("gitlab", obs(200, "<p>The redirect URI included is not valid.</p>")),
    "kanidm-authorize-page": ("kanidm", obs(200, "<main><h2>Error</h2><p>InvalidState</p></main>")),
    "any-authorize-pkce": ("panva", obs(303, location=(
        AT_REDIRECT + "error=invalid_request&error_description=Authorization+Server+policy+requires+PKCE"
        "+to+be+used+for+this+request&state=abc"))),
    "any-authorize-error-at-redirect-uri": (None, obs(302, location=AT_REDIRECT + "error=access_denied")),
    "any-authorize-invalid-client": (None, js(400, {"error": "invalid_client"})),
    "any-authorize-redirect-text": (None, obs(400, "<p>Error: invalid redirect_uri for this client</p>")),
    "any-authorize-login-redirect": (None, obs(302, location="https://idp.example.com/login?ticket=1")),
    "any-authorize-login-page": (None, obs(200, '<form method="post"><input type="password" '
                                                'name="password"></form>')),
    "any-authorize-server-error": (None, obs(503, "Service Unavailable")),
    # ------------------------------------------------------------ token
    "keycloak-token-wrong-secret": ("keycloak", js(401, {
        "error": "unauthorized_client",
        "error_description": "Invalid client or Invalid client credentials"})),
    "entra-token-expired-secret": ("entra", js(401, {
        "error": "invalid_client", "error_description": "AADSTS7000222: The provided client secret keys for "
                                                       "app 'x' are expired."})),
    "entra-token-invalid-secret": ("entra", js(401, {
        "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. "
                                                       "Ensure the secret being sent in the request is the "
                                                       "client secret value, not the client secret ID"})),
    "entra-token-unknown-app": ("entra", js(400, {
        "error": "unauthorized_client", "error_description": "AADSTS700016: Application with identifier "
                                                            "'x' was not found in the directory"})),
    "google-token-unknown-client": ("google", js(401, {
        "error": "invalid_client", "error_description": "The OAuth client was not found."})),
    "github-token-wrong-credentials": ("github", js(200, {
        "error": "incorrect_client_credentials",
        "error_description": "The client_id and/or client_secret passed are incorrect."})),
    "github-token-accepted": ("github", js(200, {"error": "bad_verification_code",
                                                 "error_description": "The code passed is incorrect."})),
    "okta-token-multiple-credentials": ("okta", js(400, {
        "error": "invalid_request", "error_description": "Cannot supply multiple client credentials. Use one "
                                                        "of the following: credentials in the Authorization "
                                                        "header, credentials in the post body, or a "
                                                        "client_assertion in the post body."})),
    "zitadel-token-multiple-methods": ("zitadel", js(400, {
        "error": "invalid_request",
        "error_description": "client authentication must not use more than one method"})),
    "zitadel-token-code-first": ("zitadel", js(400, {"error": "invalid_grant",
                                                     "error_description": "invalid code"})),
    "kanidm-token-empty-401": ("kanidm", obs(401, b"", ctype="", **{"www-authenticate": "Bearer"})),
    "kanidm-token-accepted": ("kanidm", js(400, {"error": "invalid_request"})),
    "any-token-unknown-client": (None, js(401, {"error": "invalid_client",
                                                "error_description": "client not found"})),
    "any-token-invalid-client": ("dex", js(401, {"error": "invalid_client",
                                                 "error_description": "Invalid client credentials."})),
    "any-token-unauthorized-client": (None, js(400, {
        "error": "unauthorized_client",
        "error_description": "The client is not authorized to use this authorization grant type"})),
    "any-token-accepted": ("keycloak", js(400, {"error": "invalid_grant",
                                                "error_description": "Code not valid"})),
    "any-token-401": (None, obs(401, "<h1>401 Authorization Required</h1>")),
    "any-token-redirect": (None, obs(302, location="https://idp.example.com/login")),
    "any-token-server-error": (None, obs(500, "<h1>Internal Server Error</h1>")),
    # ------------------------------------------------------------ fallbacks (no row matched)
    "any-token-other-error": (None, js(400, {"error": "unsupported_grant_type"})),
    "any-token-json": (None, js(200, {"hello": "world"})),
    "any-token-not-json": (None, obs(200, "<html><body>Sign in</body></html>")),
    "any-authorize-unrecognised": (None, obs(200, "<html><body>Welcome</body></html>")),
}
EXPECTED_CODE = {Verdict.ACCEPTED: None, Verdict.REJECTED: "oauth.invalid-client",
                 Verdict.CLIENT_UNKNOWN: "oauth.client-unknown",
                 Verdict.REDIRECT_MISMATCH: "oauth.redirect-uri-not-registered",
                 Verdict.PKCE_REQUIRED: "oauth.pkce-required", Verdict.UNDETERMINED: "oauth.skipped",
                 Verdict.UNUSABLE: "oauth.token-endpoint-unusable"}
FALLBACKS = {"any-token-other-error": (Probe.TOKEN, Verdict.UNDETERMINED),
             "any-token-json": (Probe.TOKEN, Verdict.UNDETERMINED),
             "any-token-not-json": (Probe.TOKEN, Verdict.UNUSABLE),
             "any-authorize-unrecognised": (Probe.AUTHORIZE, Verdict.UNDETERMINED)}


def test_every_shape_has_one_example() -> None:
    ids = [shape.id for shape in SHAPES]
    assert len(ids) == len(set(ids))
    assert set(EXAMPLES) == set(ids) | set(FALLBACKS)


@pytest.mark.parametrize("shape_id", list(EXAMPLES))
def test_shape(shape_id: str) -> None:
    family_name, observation = EXAMPLES[shape_id]
    row = next((s for s in SHAPES if s.id == shape_id), None)
    probe, verdict = (row.probe, row.verdict) if row else FALLBACKS[shape_id]
    family = FAMILIES_BY_NAME[family_name] if family_name else None
    shape = classify(probe, read_answer(observation), family, redirect_uri=REDIRECT_URI)
    assert (shape.id, shape.verdict) == (shape_id, verdict)
    the_plan = plan(family=family_name)
    found = (evaluate_token if probe is Probe.TOKEN else evaluate_authorize)(observation, the_plan)
    expected = EXPECTED_CODE[verdict]
    assert [f.code for f in found] == ([] if expected is None else [expected])
    for f in found:
        assert f.subject == "oidc" or f.severity is Severity.SKIPPED
        assert SECRET not in repr(f)
        if f.severity is not Severity.SKIPPED:
            assert f.evidence["recognised as"] == shape.meaning
            assert f.evidence["OAUTH_CLIENT_ID"] == "open-webui"
        else:
            assert "could not be established" in f.title


def test_family_only_rows_need_the_family() -> None:
    """zitadel's invalid_grant proves nothing, anyone else's proves the credentials."""
    answer = read_answer(js(400, {"error": "invalid_grant"}))
    assert classify(Probe.TOKEN, answer, FAMILIES_BY_NAME["zitadel"]).verdict is Verdict.UNDETERMINED
    assert classify(Probe.TOKEN, answer, None).verdict is Verdict.ACCEPTED
    assert classify(Probe.TOKEN, read_answer(js(400, {"error": "invalid_request"})),
                    None).verdict is Verdict.UNDETERMINED


def test_a_redirect_to_another_callback_is_not_the_probes_redirect_uri() -> None:
    other = obs(302, location="https://elsewhere.example.com/cb?error=access_denied")
    shape = classify(Probe.AUTHORIZE, read_answer(other), None, redirect_uri=REDIRECT_URI)
    assert shape.verdict is Verdict.ACCEPTED  # a redirect elsewhere: the IdP's own login hop


@pytest.mark.parametrize(("urls", "family"), [
    ({"issuer": "https://sso.example.com/realms/acme",
      "token_endpoint": "https://sso.example.com/realms/acme/protocol/openid-connect/token"}, "keycloak"),
    ({"issuer": "https://login.microsoftonline.com/tid/v2.0"}, "entra"),
    ({"issuer": "https://accounts.google.com"}, "google"),
    ({"issuer": "https://dev-1.okta.com/oauth2/default"}, "okta"),
    ({"issuer": "http://127.0.0.1:1", "authorization_endpoint": "http://127.0.0.1:1/auth",
      "token_endpoint": "http://127.0.0.1:1/token", "jwks_uri": "http://127.0.0.1:1/jwks"}, "panva"),
    ({"issuer": "https://dex.example.com/dex", "authorization_endpoint": "https://dex.example.com/dex/auth",
      "token_endpoint": "https://dex.example.com/dex/token", "jwks_uri": "https://dex.example.com/dex/keys"},
     "dex"),
    ({"issuer": "https://id.example.com", "token_endpoint": "https://id.example.com/oauth/v2/token"},
     "zitadel"),
    ({"issuer": "https://idm.example.com/oauth2/openid/owui"}, "kanidm"),
    ({"issuer": "https://auth.example.com", "token_endpoint": "https://auth.example.com/api/oidc/token"},
     "authelia"),
    ({"issuer": "https://ak.example.com/application/o/owui/"}, "authentik"),
    ({"issuer": "https://idp.example.com", "token_endpoint": "https://idp.example.com/oauth2/token"}, None),
])
def test_recognise(urls: dict[str, str], family: str | None) -> None:
    found = recognise(urls)
    assert (found.name if found else None) == family


# ----------------------------------------------------------------------------- item 11

def wire(env: dict[str, str] | None = None, *, family: str | None = None,
         document: dict[str, Any] | None = None, decoded_differs: bool = False,
         latin1: bool = True) -> list[Finding]:
    return wire_findings(plan(env, family=family, document=document),
                         secret_changes_when_decoded=decoded_differs, secret_latin1=latin1)


def codes(found: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in found]


def test_method_not_listed_by_the_provider() -> None:
    document = {"token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]}
    [found] = wire(document=document)
    assert (found.code, found.severity) == ("oauth.auth-method-unsupported", Severity.ERROR)
    assert "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD=client_secret_post" in found.fix
    assert found.evidence["method the app uses"].startswith("client_secret_basic (authlib's default")
    assert wire({"OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post"}, document=document) == []
    assert wire(document={}) == []  # nothing listed: nothing to compare
    [entra] = wire(family="entra", document=document)
    assert entra.severity is Severity.WARNING


def test_accepted_anyway_downgrades_the_method_finding() -> None:
    the_plan = plan(document={"token_endpoint_auth_methods_supported": ["client_secret_post"]})
    [found] = wire_findings(the_plan, secret_changes_when_decoded=False, secret_latin1=True)
    relaxed = accepted_anyway(found, the_plan)
    assert relaxed.severity is Severity.WARNING
    assert relaxed.evidence["token probe"] == "credentials accepted with client_secret_basic"


def test_secret_with_plus_or_percent_in_basic() -> None:
    [keycloak] = wire(family="keycloak", decoded_differs=True)
    assert (keycloak.code, keycloak.severity) == ("oauth.client-secret-encoding", Severity.ERROR)
    assert "Keycloak URL-decodes" in keycloak.detail
    assert codes(wire(decoded_differs=True)) == [("oauth.client-secret-encoding", Severity.WARNING)]
    assert wire({"OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post"}, family="keycloak",
                decoded_differs=True) == []
    [latin] = wire(latin1=False)
    assert "outside latin-1" in latin.detail


def test_refresh_uses_another_method_than_sign_in() -> None:
    scope = {"OAUTH_SCOPES": "openid email profile offline_access"}
    [found] = wire(scope, family="authelia")
    assert (found.code, found.severity) == ("oauth.refresh-auth-method-differs", Severity.WARNING)
    assert "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD=client_secret_basic" in found.fix
    assert wire(family="authelia") == []  # no offline_access: Authelia issues no refresh token
    assert wire({**scope, "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_basic"}, family="authelia") == []
    assert wire(scope, family="keycloak") == []  # accepts both
    basic_only = {"token_endpoint_auth_methods_supported": ["client_secret_basic"]}
    assert codes(wire(scope, document=basic_only)) == [
        ("oauth.refresh-auth-method-differs", Severity.WARNING)]


def test_pkce_required_by_default() -> None:
    [found] = wire(family="kanidm")
    assert (found.code, found.severity) == ("oauth.pkce-required", Severity.WARNING)
    assert wire({"OAUTH_CODE_CHALLENGE_METHOD": "S256"}, family="kanidm") == []


# ----------------------------------------------------------------------------- the requests

def test_token_request_as_authlib_sends_it() -> None:
    form, basic, secret_form = token_request(plan(), SECRET)
    assert basic == ("open-webui", SECRET) and secret_form == {}
    assert form == {"grant_type": "authorization_code", "code": "authdoctor-probe-invalid-code",
                    "redirect_uri": REDIRECT_URI}
    form, basic, secret_form = token_request(plan({"OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post",
                                                   "OAUTH_CODE_CHALLENGE_METHOD": "S256"}), SECRET)
    assert basic is None and secret_form == {"client_secret": SECRET}
    assert form["client_id"] == "open-webui" and len(form["code_verifier"]) >= 43
    form, basic, _ = token_request(plan({"OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID": "true"}), SECRET)
    assert basic is not None and form["client_id"] == "open-webui"


def test_redirect_uri_unknown_without_pin_or_public_url() -> None:
    provider = configured_providers(source({**BASE_ENV, "OPENID_REDIRECT_URI": ""}))["oidc"]
    assert redirect_uri_for(provider, None)[0] is None
    assert "public URL is unknown" in redirect_uri_for(provider, None)[1]
    assert redirect_uri_for(provider, "https://chat.example.com/ai/")[0] == \
        "https://chat.example.com/ai/oauth/oidc/callback"


# ----------------------------------------------------------------------------- not an answer

def test_secret_refused_over_plain_http_is_token_endpoint_insecure() -> None:
    refused = HttpObservation(url="http://idp.example.com/token", refused=(
        "the client secret would travel over plain http to idp.example.com (not loopback): authdoctor "
        "does not send it"))
    [found] = evaluate_token(refused, plan())
    assert (found.code, found.severity) == ("oauth.token-endpoint-insecure", Severity.ERROR)
    assert "did not send it" in found.detail
    assert found.location is not None and found.location.key == "OAUTH_CLIENT_SECRET"


def test_no_idp_requests_is_said_never_guessed() -> None:
    from authdoctor.probes.cache import NO_IDP_REQUESTS

    refused = HttpObservation(url="https://idp.example.com/token", refused=NO_IDP_REQUESTS)
    for evaluate in (evaluate_token, evaluate_authorize):
        [found] = evaluate(refused, plan())
        assert found.severity is Severity.SKIPPED and "--no-idp-requests" in found.title


def test_unreachable_token_endpoint() -> None:
    failed = HttpObservation(url="https://idp.example.com/token", failure=ProbeFailure(
        Rung.TCP, "idp.example.com:443: connection refused (nothing listens on that port)",
        {"address": "idp.example.com:443"}))
    [found] = evaluate_token(failed, plan())
    assert (found.code, found.evidence["failed at"]) == ("oauth.token-endpoint-unusable", "tcp")
    [note] = evaluate_authorize(failed, plan())
    assert note.severity is Severity.SKIPPED and "cannot be reached" in note.title


def test_huge_token_answer_is_cut_and_said() -> None:
    huge = obs(200, b"<html>" + b"x" * 2048, ctype="text/html")
    huge = HttpObservation(**{**huge.__dict__, "body_truncated": True})
    [found] = evaluate_token(huge, plan())
    assert found.code == "oauth.token-endpoint-unusable"
    assert found.evidence["body"].endswith("(cut)")


# ----------------------------------------------------------------------------- presets, wired

class CannedSession(ProbeSession):
    """A probe session that answers from a table (URL prefix -> observation) and records what
    would have been sent: the presets' endpoints without leaving the machine."""

    answers: dict[str, HttpObservation]
    sent: list[tuple[str, str, object]]

    def _answer(self, url: str) -> Future[HttpObservation]:
        future: Future[HttpObservation] = Future()
        match = next(obs for prefix, obs in self.answers.items() if url.startswith(prefix))
        future.set_result(match)
        return future

    def http_get(self, url: str, *, max_body: int | None = None, follow_redirects: bool = False,
                 idp_request: bool = False) -> Future[HttpObservation]:
        self.sent.append(("GET", url, idp_request))
        return self._answer(url)

    def http_post_form(self, url: str, form: Mapping[str, str], *,
                       basic_auth: tuple[str, str] | None = None,
                       secret_form: Mapping[str, str] | None = None,
                       headers: Mapping[str, str] | None = None) -> Future[HttpObservation]:
        self.sent.append(("POST", url, (basic_auth, dict(headers or {}))))
        return self._answer(url)


def canned(answers: dict[str, HttpObservation]) -> CannedSession:
    session = CannedSession(timeout_s=1)
    object.__setattr__(session, "answers", answers)
    object.__setattr__(session, "sent", [])
    return session


def run_idp(env: dict[str, str], session: CannedSession) -> list[Finding]:
    import asyncio

    from authdoctor.checks._oauth_idp import idp_findings
    from authdoctor.checks.base import CheckContext
    from authdoctor.settings.model import Deployment

    deployment = Deployment(replicas=(source(env),), public_url="https://chat.example.com")
    ctx = CheckContext(deployment=deployment, now=NOW, probes=session)
    found = asyncio.run(idp_findings(ctx))
    assert found is not None
    return found


def test_github_uses_the_apps_fixed_endpoints() -> None:
    session = canned({
        "https://github.com/login/oauth/authorize?": obs(302, location="https://github.com/login?return_to=x"),
        "https://github.com/login/oauth/access_token": js(200, {"error": "incorrect_client_credentials"}),
    })
    found = run_idp({"GITHUB_CLIENT_ID": "Iv1.abc", "GITHUB_CLIENT_SECRET": SECRET}, session)
    assert [(f.code, f.subject) for f in found] == [("oauth.invalid-client", "github")]
    assert found[0].evidence["IdP recognised as"] == "GitHub"
    [(get, url, idp_request), (post, token_url, sent)] = session.sent
    assert (get, idp_request, post, token_url) == ("GET", True, "POST",
                                                   "https://github.com/login/oauth/access_token")
    assert "redirect_uri=https%3A%2F%2Fchat.example.com%2Foauth%2Fgithub%2Fcallback" in url
    assert "scope=user%3Aemail" in url and "nonce=" not in url
    assert sent == (("Iv1.abc", SECRET), {"Accept": "application/json"})


def test_microsoft_expired_secret_through_its_tenant_discovery() -> None:
    base = "https://login.microsoftonline.com/tid-123"
    document: dict[str, object] = {
                "issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token", "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                          "client_secret_basic"]}
    session = canned({
        f"{base}/v2.0/.well-known/openid-configuration?appid=app-1": js(200, document),
        f"{base}/oauth2/v2.0/authorize?": obs(200, "<html>$Config={...}</html>"),
        f"{base}/oauth2/v2.0/token": js(401, {
            "error": "invalid_client",
            "error_description": "AADSTS7000222: The provided client secret keys are expired."}),
    })
    found = run_idp({"MICROSOFT_CLIENT_ID": "app-1", "MICROSOFT_CLIENT_SECRET": SECRET,
                     "MICROSOFT_CLIENT_TENANT_ID": "tid-123"}, session)
    assert [(f.code, f.severity) for f in found] == [("oauth.skipped", Severity.SKIPPED),
                                                     ("oauth.invalid-client", Severity.ERROR)]
    assert "expired" in found[1].title and found[1].subject == "microsoft"
    assert "could not be established" in found[0].title  # Entra's JS login page is not recognised
