"""The app under test behaves like Open WebUI 0.12.4 as recorded live
(shared/reference/openwebui-live-0.12.4.md): status codes, detail strings, the `token` cookie,
the session JWT, revocation keys in the lab Redis, the GET-signout trap, fail-open revocation,
the OAuth login redirect built from the request, and LDAP sign-in against the lab slapd."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest

from .app_under_test import INVALID_CRED, INVALID_TOKEN, LabApp
from .oidc import LabOidc, drive_authorization
from .ports import free_port

pytestmark = pytest.mark.realserver
JWT_RE = r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"
CLAIMS = ["id", "typ", "auth_method", "auth_time", "session_stamp", "mfa_verified", "exp", "jti", "iat"]


def client(app: LabApp) -> httpx.Client:
    return httpx.Client(base_url=app.url, timeout=5, follow_redirects=False)


def sign_in(app: LabApp, email: str | None = None, password: str | None = None) -> httpx.Response:
    if email is None or password is None:
        email, password = app.admin.email, app.admin.password
    with client(app) as http:
        return http.post("/api/v1/auths/signin", json={"email": email, "password": password})


def token_of(app: LabApp) -> str:
    response = sign_in(app)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def test_public_endpoints(lab_app: LabApp) -> None:
    with client(lab_app) as http:
        assert http.get("/health").json() == {"status": True}
        assert http.get("/api/version").json() == {"version": "0.12.4", "deployment_id": ""}
        config = http.get("/api/config").json()
    assert config["oauth"] == {"providers": {"oidc": "Lab IdP"}, "auto_redirect": False}
    assert config["features"]["auth"] is True
    assert config["features"]["enable_ldap"] is True
    assert "enable_api_keys" not in config["features"]  # only for a signed-in user


def test_signin_cookie_and_jwt(lab_app: LabApp) -> None:
    response = sign_in(lab_app)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["email"] == lab_app.admin.email
    assert response.headers["cache-control"] == "no-store"
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    assert re.fullmatch(rf"token=({JWT_RE}); HttpOnly; Max-Age=2419200; Path=/; SameSite=lax", cookies[0])
    token = body["token"]
    assert cookies[0].startswith(f"token={token};")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, lab_app.secret, algorithms=["HS256"])
    assert list(claims) == CLAIMS
    assert (claims["typ"], claims["auth_method"], claims["mfa_verified"]) == ("session", "password", False)
    assert claims["exp"] - claims["iat"] == 2419200
    assert claims["id"] == lab_app.admin.id
    assert body["expires_at"] == claims["exp"]
    assert token_of(lab_app) != token  # a new jti per sign-in


@pytest.mark.parametrize(("payload", "status", "detail"), [
    ({"email": "admin@example.org", "password": "wrong"}, 400, INVALID_CRED),
    ({"email": "nobody@example.org", "password": "wrong"}, 400, INVALID_CRED),
    ({"email": "admin@example.org"}, 422, "Invalid authentication request."),
])
def test_signin_failures(lab_app: LabApp, payload: dict[str, str], status: int, detail: str) -> None:
    with client(lab_app) as http:
        response = http.post("/api/v1/auths/signin", json=payload)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert "set-cookie" not in response.headers


def test_session_endpoint_credentials(lab_app: LabApp) -> None:
    token = token_of(lab_app)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    cases: list[tuple[dict[str, str], int, str | None]] = [
        ({}, 401, "Not authenticated"),
        ({"authorization": token}, 401, "Not authenticated"),
        ({"authorization": "Basic YWRtaW46eA=="}, 401, "401 Unauthorized"),
        ({"authorization": f"Bearer {tampered}"}, 401, "401 Unauthorized"),
        ({"authorization": "Bearer not-a-jwt"}, 401, "401 Unauthorized"),
        ({"authorization": "Bearer sk-0123456789abcdef"}, 401, INVALID_TOKEN),
        ({"authorization": f"bearer {token}"}, 200, None),
        ({"cookie": f"token={token}"}, 200, None),
    ]
    with client(lab_app) as http:
        for headers, status, detail in cases:
            response = http.get("/api/v1/auths/", headers=headers)
            assert response.status_code == status, (headers, response.text)
            if detail is not None:
                assert response.json() == {"detail": detail}
                assert "www-authenticate" not in response.headers
        ok = http.get("/api/v1/auths/", headers={"authorization": f"Bearer {token}"})
    assert ok.json()["token"] == token
    reissued = ok.headers["set-cookie"]
    assert re.fullmatch(rf"token={re.escape(token)}; expires=[A-Z][a-z]{{2}}, \d\d [A-Z][a-z]{{2}} \d{{4}} "
                        r"\d\d:\d\d:\d\d GMT; HttpOnly; Max-Age=\d+; Path=/; SameSite=lax", reissued)


def test_expired_and_foreign_tokens(lab_app: LabApp) -> None:
    token = token_of(lab_app)
    claims = jwt.decode(token, lab_app.secret, algorithms=["HS256"])
    expired = jwt.encode({**claims, "exp": int(time.time()) - 10}, lab_app.secret, algorithm="HS256")
    foreign = jwt.encode(claims, "another-secret-another-secret-another", algorithm="HS256")
    unknown = jwt.encode({**claims, "id": "00000000-0000-0000-0000-000000000000"}, lab_app.secret,
                         algorithm="HS256")
    no_stamp = jwt.encode({k: v for k, v in claims.items() if k != "session_stamp"}, lab_app.secret,
                          algorithm="HS256")
    with client(lab_app) as http:
        for bad, detail in ((expired, "401 Unauthorized"), (foreign, "401 Unauthorized"),
                            (unknown, "Invalid authentication request."), (no_stamp, "Invalid token")):
            response = http.get("/api/v1/auths/", headers={"authorization": f"Bearer {bad}"})
            assert (response.status_code, response.json()) == (401, {"detail": detail})


def test_post_signout_revokes_in_redis(lab_app: LabApp) -> None:
    assert lab_app.redis is not None
    token = token_of(lab_app)
    claims = jwt.decode(token, lab_app.secret, algorithms=["HS256"])
    key = lab_app.revocation_key(claims["jti"])
    assert key == f"open-webui:auth:token:{claims['jti']}:revoked"
    with client(lab_app) as http:
        out = http.post("/api/v1/auths/signout", headers={"authorization": f"Bearer {token}"})
        assert out.status_code == 200
        assert out.json() == {"status": True, "redirect_url": f"{lab_app.url}/auth"}
        names = [c.split("=", 1)[0] for c in out.headers.get_list("set-cookie")]
        assert names == ["token", "owui-session", "oui-session", "oauth_id_token"]
        assert all(re.fullmatch(r'[a-z_-]+=""; expires=.+ GMT; Max-Age=0; Path=/; SameSite=lax', c)
                   for c in out.headers.get_list("set-cookie"))
        redis = lab_app.redis.client(decode_responses=True)
        assert redis.get(key) == "1"
        assert abs(redis.ttl(key) - (claims["exp"] - int(time.time()))) <= 2
        after = http.get("/api/v1/auths/", headers={"authorization": f"Bearer {token}"})
        assert (after.status_code, after.json()) == (401, {"detail": "Invalid token"})
        by_cookie = http.get("/api/v1/auths/", headers={"cookie": f"token={token}"})
        assert by_cookie.json() == {"detail": "Invalid token"}


def test_get_signout_is_the_spa_page_and_does_nothing(lab_app: LabApp) -> None:
    assert lab_app.redis is not None
    token = token_of(lab_app)
    jti = jwt.decode(token, lab_app.secret, algorithms=["HS256"])["jti"]
    with client(lab_app) as http:
        page = http.get("/api/v1/auths/signout", headers={"authorization": f"Bearer {token}"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "set-cookie" not in page.headers
        assert lab_app.redis.client().get(lab_app.revocation_key(jti)) is None
        assert http.get("/api/v1/auths/", headers={"authorization": f"Bearer {token}"}).status_code == 200
        for method in ("PUT", "DELETE"):
            assert http.request(method, "/api/v1/auths/signout").status_code == 405


def test_password_change_ends_every_session(lab_app_factory: Callable[..., LabApp]) -> None:
    app = lab_app_factory({"LAB_APP_USERS": '[{"email": "pw@example.org", "password": "old-pass", '
                                            '"name": "PW", "role": "user"}]'})
    user = app.users[0]
    first, second = (sign_in(app, user.email, user.password).json()["token"] for _ in range(2))
    with client(app) as http:
        changed = http.post("/api/v1/auths/update/password", headers={"authorization": f"Bearer {first}"},
                            json={"password": user.password, "new_password": "new-pass"})
        assert (changed.status_code, changed.json()) == (200, True)
        for old in (first, second):
            response = http.get("/api/v1/auths/", headers={"authorization": f"Bearer {old}"})
            assert response.json() == {"detail": "Invalid token"}
    assert sign_in(app, user.email, user.password).status_code == 400


def test_rate_limit_after_fifteen_attempts(lab_app: LabApp) -> None:
    email = f"ratelimit-{time.time_ns()}@example.org"
    with client(lab_app) as http:
        statuses = [http.post("/api/v1/auths/signin", json={"email": email, "password": "x"}).status_code
                    for _ in range(16)]
        last = http.post("/api/v1/auths/signin", json={"email": email, "password": "x"})
    assert statuses[:15] == [400] * 15 and statuses[15] == 429
    assert last.json() == {"detail": "API rate limit exceeded"}
    assert "retry-after" not in last.headers


def test_cookie_flags_follow_the_settings(lab_app_factory: Callable[..., LabApp]) -> None:
    none_insecure = lab_app_factory({"WEBUI_AUTH_COOKIE_SAME_SITE": "none",
                                     "WEBUI_AUTH_COOKIE_SECURE": "false"}, oidc_variant=None, with_ldap=False)
    assert sign_in(none_insecure).headers["set-cookie"].endswith("; Path=/; SameSite=none")
    via_session_vars = lab_app_factory({"WEBUI_SESSION_COOKIE_SAME_SITE": "strict",
                                        "WEBUI_SESSION_COOKIE_SECURE": "true"},
                                       oidc_variant=None, with_ldap=False)
    assert sign_in(via_session_vars).headers["set-cookie"].endswith("; Path=/; SameSite=strict; Secure")
    no_expiry = lab_app_factory({"JWT_EXPIRES_IN": "-1"}, oidc_variant=None, with_ldap=False)
    response = sign_in(no_expiry)
    assert response.headers["set-cookie"].endswith("; HttpOnly; Path=/; SameSite=lax")
    assert "exp" not in jwt.decode(response.json()["token"], no_expiry.secret, algorithms=["HS256"])


def test_without_redis_signout_does_not_revoke(lab_app_factory: Callable[..., LabApp]) -> None:
    app = lab_app_factory({}, redis_topology=None, oidc_variant=None, with_ldap=False)
    assert "REDIS_URL" not in app.env
    token = token_of(app)
    with client(app) as http:
        bearer = {"authorization": f"Bearer {token}"}
        assert http.post("/api/v1/auths/signout", headers=bearer).status_code == 200
        assert http.get("/api/v1/auths/", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_redis_down_fails_open_and_signout_is_500(lab_app_factory: Callable[..., LabApp]) -> None:
    app = lab_app_factory({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, redis_topology=None,
                          oidc_variant=None, with_ldap=False)
    token = token_of(app)  # the rate limiter falls back to memory
    with client(app) as http:
        assert http.get("/api/v1/auths/", headers={"authorization": f"Bearer {token}"}).status_code == 200
        out = http.post("/api/v1/auths/signout", headers={"authorization": f"Bearer {token}"})
        assert (out.status_code, out.text) == (500, "Internal Server Error")
        assert out.headers["content-type"].startswith("text/plain")
        assert http.get("/health").json() == {"status": True}


def test_oauth_login_redirect_uri_comes_from_the_request(lab_app: LabApp, lab_oidc: LabOidc) -> None:
    authorize = httpx.get(lab_oidc.discovery_url, timeout=5).json()["authorization_endpoint"]
    with client(lab_app) as http:
        plain = http.get("/oauth/oidc/login")
        other_host = http.get("/oauth/oidc/login", headers={"host": f"localhost:{lab_app.port}"})
        proxied = http.get("/oauth/oidc/login", headers={"x-forwarded-proto": "https",
                                                         "host": "chat.example.com"})
        assert http.get("/oauth/google/login").status_code == 404
    assert plain.status_code == 302
    assert plain.headers["location"].startswith(authorize + "?")
    assert re.fullmatch(r"owui-session=[^;]+; path=/; Max-Age=1209600; httponly; samesite=lax",
                        plain.headers["set-cookie"])

    def redirect_uri(response: httpx.Response) -> str:
        return parse_qs(urlparse(response.headers["location"]).query)["redirect_uri"][0]

    assert redirect_uri(plain) == f"{lab_app.url}/oauth/oidc/callback"
    assert redirect_uri(other_host) == f"http://localhost:{lab_app.port}/oauth/oidc/callback"
    assert redirect_uri(proxied) == "https://chat.example.com/oauth/oidc/callback"
    query = parse_qs(urlparse(plain.headers["location"]).query)
    assert query["client_id"] == [lab_oidc.client.client_id]
    assert query["scope"] == ["openid email profile"]


def test_oidc_sign_in_and_idp_logout_through_the_app(lab_app: LabApp, lab_oidc: LabOidc) -> None:
    with httpx.Client(timeout=5, follow_redirects=False) as http:
        login = http.get(f"{lab_app.url}/oauth/oidc/login")
        callback = drive_authorization(http, login.headers["location"],
                                       stop_at=f"{lab_app.url}/oauth/oidc/callback", login="alice")
        done = http.get(callback)
        assert done.status_code == 307
        assert done.headers["location"] == f"{lab_app.url}/auth"
        cookies = {c.split("=", 1)[0]: c for c in done.headers.get_list("set-cookie")}
        assert set(cookies) == {"token", "oauth_id_token", "oauth_session_id"}
        assert "HttpOnly" not in cookies["token"]  # the SPA reads it after OAuth
        assert "HttpOnly" in cookies["oauth_id_token"]
        token = http.cookies["token"]
        assert jwt.decode(token, lab_app.secret, algorithms=["HS256"])["auth_method"] == "oauth"
        me = http.get(f"{lab_app.url}/api/v1/auths/")
        assert me.json()["email"] == "alice@example.org"
        out = http.post(f"{lab_app.url}/api/v1/auths/signout")
    end_session = httpx.get(lab_oidc.discovery_url, timeout=5).json()["end_session_endpoint"]
    redirect = out.json()["redirect_url"]
    assert redirect.startswith(f"{end_session}?id_token_hint=")
    assert redirect.endswith(f"&post_logout_redirect_uri={lab_app.url}/auth")


def test_ldap_sign_in(lab_app: LabApp) -> None:
    with client(lab_app) as http:
        ok = http.post("/api/v1/auths/ldap", json={"user": "alice", "password": "alice-pass"})
        assert ok.status_code == 200, ok.text
        assert ok.json()["email"] == "alice@example.org"
        assert jwt.decode(ok.json()["token"], lab_app.secret, algorithms=["HS256"])["auth_method"] == "ldap"
        for user, password, detail in (("dave", "dave-pass", "User does not have a valid email address."),
                                       ("alice", "wrong", "Authentication failed."),
                                       ("zed", "x", "User not found in the LDAP server")):
            response = http.post("/api/v1/auths/ldap", json={"user": user, "password": password})
            assert (response.status_code, response.json()) == (400, {"detail": detail})
