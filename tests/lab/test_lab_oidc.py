"""The lab IdP is a real, strict OIDC provider (discovery, JWKS, token endpoint, code flow with
PKCE, RP-initiated logout, registered redirect URIs), and each broken variant is broken exactly
as intended while the provider behind it keeps working."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx
import jwt
import pytest

from .oidc import (
    ACCOUNTS,
    INTERNAL_HOST,
    PUBLIC_CLIENT_ID,
    LabOidc,
    LabOidcSet,
    code_flow,
    drive_authorization,
    pkce_pair,
)

pytestmark = pytest.mark.realserver


def discovery(provider: LabOidc, timeout: float = 5.0) -> httpx.Response:
    return httpx.get(provider.discovery_url, timeout=timeout)


def test_healthy_discovery_and_jwks(lab_oidc: LabOidc) -> None:
    response = discovery(lab_oidc)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    meta = response.json()
    assert meta["issuer"] == lab_oidc.issuer == lab_oidc.url
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint",
                     "end_session_endpoint"):
        assert meta[endpoint].startswith(lab_oidc.url + "/"), endpoint
    assert "S256" in meta["code_challenge_methods_supported"]
    keys = httpx.get(meta["jwks_uri"], timeout=5).json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]


def test_token_endpoint_client_credentials(lab_oidc: LabOidc) -> None:
    token_endpoint = discovery(lab_oidc).json()["token_endpoint"]
    client = lab_oidc.client
    assert client.client_secret
    ok = httpx.post(token_endpoint, data={"grant_type": "client_credentials", "scope": "api:read"},
                    auth=(client.client_id, client.client_secret), timeout=5)
    assert ok.status_code == 200, ok.text
    assert ok.json()["token_type"] == "Bearer"
    bad = httpx.post(token_endpoint, data={"grant_type": "client_credentials"},
                     auth=(client.client_id, "wrong-secret"), timeout=5)
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_client")


def test_code_flow_confidential_client_id_token(lab_oidc: LabOidc) -> None:
    tokens = code_flow(lab_oidc, login="bob")
    assert tokens["returned_state"] == tokens["state"]
    meta = discovery(lab_oidc).json()
    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], audience=lab_oidc.client.client_id,
                        issuer=lab_oidc.issuer)
    assert claims["sub"] == "bob"
    assert claims["nonce"] == tokens["nonce"]
    assert claims["email"] == ACCOUNTS["bob"]["email"]  # claims in the ID token, as Open WebUI reads them
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    userinfo = httpx.get(meta["userinfo_endpoint"], headers=bearer, timeout=5).json()
    assert userinfo["email"] == ACCOUNTS["bob"]["email"]


def test_public_client_needs_pkce(lab_oidc: LabOidc) -> None:
    assert code_flow(lab_oidc, client=lab_oidc.public_client)["id_token"]
    meta = discovery(lab_oidc).json()
    query = urlencode({"client_id": PUBLIC_CLIENT_ID, "response_type": "code", "scope": "openid",
                       "redirect_uri": lab_oidc.public_client.redirect_uris[0], "state": "s"})
    with httpx.Client(timeout=5) as http:
        back = drive_authorization(http, f"{meta['authorization_endpoint']}?{query}",
                                   stop_at=lab_oidc.public_client.redirect_uris[0])
    params = parse_qs(urlparse(back).query)
    assert params["error"] == ["invalid_request"]
    assert "PKCE" in params["error_description"][0]


def test_wrong_pkce_verifier_is_refused(lab_oidc: LabOidc) -> None:
    meta = discovery(lab_oidc).json()
    client = lab_oidc.client
    _, challenge = pkce_pair()
    query = urlencode({"client_id": client.client_id, "response_type": "code", "scope": "openid",
                       "redirect_uri": client.redirect_uris[0], "state": "s", "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    with httpx.Client(timeout=5) as http:
        back = drive_authorization(http, f"{meta['authorization_endpoint']}?{query}",
                                   stop_at=client.redirect_uris[0])
        code = parse_qs(urlparse(back).query)["code"][0]
        assert client.client_secret
        token = http.post(meta["token_endpoint"], auth=(client.client_id, client.client_secret),
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": client.redirect_uris[0], "code_verifier": pkce_pair()[0]})
    assert (token.status_code, token.json()["error"]) == (400, "invalid_grant")


def test_unregistered_redirect_uri_is_refused_at_the_idp(lab_oidc: LabOidc) -> None:
    meta = discovery(lab_oidc).json()
    query = urlencode({"client_id": lab_oidc.client.client_id, "response_type": "code", "scope": "openid",
                       "redirect_uri": "http://127.0.0.1:1/oauth/oidc/callback", "state": "s"})
    response = httpx.get(f"{meta['authorization_endpoint']}?{query}", timeout=5)
    assert response.status_code == 400
    assert "invalid_redirect_uri" in response.text
    assert "did not match any of the client" in response.text


def test_rp_initiated_logout(lab_oidc: LabOidc) -> None:
    tokens = code_flow(lab_oidc)
    end_session = discovery(lab_oidc).json()["end_session_endpoint"]
    target = lab_oidc.client.post_logout_redirect_uris[0]
    with httpx.Client(timeout=5) as http:
        page = http.get(end_session, params={"id_token_hint": tokens["id_token"],
                                             "post_logout_redirect_uri": target, "state": "bye"})
        assert page.status_code == 200
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
        assert form is not None
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
        done = http.post(urljoin(str(page.url), form.group(1)), data={**fields, "logout": "yes"})
        assert done.status_code in (302, 303)
        assert done.headers["location"] == f"{target}?state=bye"
        refused = http.get(end_session, params={"id_token_hint": tokens["id_token"],
                                                "post_logout_redirect_uri": "http://127.0.0.1:1/elsewhere"})
    assert refused.status_code == 400
    assert "post_logout_redirect_uri not registered" in refused.text


def test_issuer_trailing_slash_variant(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["issuer_trailing_slash"]
    meta = discovery(provider).json()
    assert meta["issuer"] == provider.url + "/" == provider.issuer
    assert meta["token_endpoint"] == provider.url + "/token"
    tokens = code_flow(provider)  # the provider itself still works, and signs with its issuer
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["iss"] == provider.url + "/"


def test_issuer_internal_hostname_variant(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["issuer_internal"]
    meta = discovery(provider).json()
    assert urlparse(meta["issuer"]).hostname == INTERNAL_HOST
    assert meta["issuer"] != provider.url
    assert urlparse(meta["token_endpoint"]).hostname == "127.0.0.1"  # endpoints follow the request


def test_no_end_session_variant(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["no_end_session"]
    meta = discovery(provider).json()
    assert meta["issuer"] == provider.url
    assert "end_session_endpoint" not in meta
    assert httpx.get(provider.url + "/session/end", timeout=5).status_code == 404


def test_html_discovery_variant(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["html_discovery"]
    for url in (provider.discovery_url, provider.url + "/jwks"):
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        with pytest.raises(ValueError):
            response.json()
    # behind the proxy the real provider still answers
    client = provider.client
    assert client.client_secret
    token = httpx.post(provider.url + "/token", data={"grant_type": "client_credentials"},
                       auth=(client.client_id, client.client_secret), timeout=5)
    assert token.status_code == 200, token.text


def test_slow_variant(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["slow"]
    assert provider.delay_s >= 1
    with pytest.raises(httpx.TimeoutException):
        discovery(provider, timeout=provider.delay_s / 3)
    started = time.monotonic()
    response = discovery(provider, timeout=provider.delay_s + 5)
    assert time.monotonic() - started >= provider.delay_s * 0.9
    assert response.json()["issuer"] == provider.url  # slow, not broken
