"""The app under test: a small HTTP server with Open WebUI 0.12.4's authentication surface.

It reads Open WebUI's own variables from its environment (so fixtures/lab/openwebui.env is
literally the env it runs with) and answers like the live 0.12.4 recorded in
shared/reference/openwebui-live-0.12.4.md: status codes, `detail` strings, the `token` cookie
and its flags, HS256 session JWTs (id, typ, auth_method, auth_time, session_stamp,
mfa_verified, exp, jti, iat), revocation keys `{prefix}:auth:token:{jti}:revoked` = "1" with
TTL exp-now in the lab Redis, and the traps: `GET /api/v1/auths/signout` is the SPA's HTML page
(200, does nothing), a Redis that is down makes revocation checks fail *open* and POST signout
answer 500.

Routes
  GET  /health, /health/db, /api/version, /api/config (more fields with a valid token)
  GET  /opensearch.xml                 no sign-in; <moz:SearchForm> is WEBUI_URL (main.py)
  POST /api/v1/auths/signin            {"email","password"} -> token cookie (15 tries/180 s/email);
                                       with WEBUI_AUTH_TRUSTED_EMAIL_HEADER: the header's user
                                       (created if unknown), 400 without the header
  POST /api/v1/auths/ldap              {"user","password"} against the configured LDAP (ldap3)
  GET  /api/v1/auths/                  session user; re-issues the cookie with expires=
  POST /api/v1/auths/signout           revokes in Redis, deletes cookies, IdP logout redirect_url
  POST /api/v1/auths/update/password   rotates the account's session_stamp (all tokens die)
  GET  /oauth/{provider}/login         302 to the IdP; redirect_uri from the request (Host header,
                                       X-Forwarded-Proto) unless OPENID_REDIRECT_URI is set
  GET  /oauth/{provider}/callback      code exchange, ID token checks, cookies, 307 to /auth
  any other GET                        200 text/html SPA page (the frontend catch-all)

Lab-only settings: `LAB_APP_USERS` (JSON list of {"email","password","name","role"}; default:
`DEFAULT_USERS`). Run (from tests/): `python -m lab.app_under_test --host 127.0.0.1 --port 8080`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, quote, urlencode, urlparse

from .paths import PACKAGE_ROOT, REPO
from .ports import HOST, free_port, wait_until
from .process import ServerProcess, StartError, launch

if TYPE_CHECKING:
    from .redis_servers import LabRedis

log = logging.getLogger("app_under_test")

VERSION = "0.12.4"
INVALID_CRED = ("The email or password provided is incorrect. Please check for typos and try logging in "
                "again.")
INVALID_TOKEN = "Your session has expired or the token is invalid. Please sign in again."
INVALID_TRUSTED_HEADER = ("Your provider has not provided a trusted header. Please contact your "
                          "administrator for assistance.")
ACCESS_PROHIBITED = ("You do not have permission to access this resource. Please contact your "
                     "administrator for assistance.")
INCORRECT_PASSWORD = "The password provided is incorrect. Please check for typos and try again."
SESSION_TYPES = ("session", "automation", "subagent")
RATE_LIMIT, RATE_WINDOW_S, RATE_BUCKET_S = 15, 180, 60
DEFAULT_USERS: tuple[dict[str, str], ...] = (
    {"email": "admin@example.org", "password": "lab-admin-pass", "name": "Lab Admin", "role": "admin"},
    {"email": "user@example.org", "password": "lab-user-pass", "name": "Lab User", "role": "user"},
)
SESSION_COOKIE = "owui-session"
OPENSEARCH_XML = """
    <OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
    <ShortName>Open WebUI</ShortName>
    <Description>Search Open WebUI</Description>
    <InputEncoding>UTF-8</InputEncoding>
    <Image width="16" height="16" type="image/x-icon">{webui_url}/static/favicon.png</Image>
    <Url type="text/html" method="get" template="{webui_url}/?q={searchTerms}"/>
    <moz:SearchForm>{webui_url}</moz:SearchForm>
    </OpenSearchDescription>
    """
SPA_PAGE = ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
            "<title>Open WebUI</title>\n<link rel=\"icon\" href=\"/static/favicon.png\" />\n</head>\n"
            "<body data-sveltekit-preload-data=\"hover\">\n<div style=\"display: contents\"></div>\n"
            "<script>/* SPA bootstrap (lab stand-in for Open WebUI's index.html) */</script>\n"
            "</body>\n</html>\n")


# ----------------------------------------------------------------------------- settings

def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


def parse_duration(text: str) -> timedelta | None:
    """Open WebUI's utils.misc.parse_duration: '-1'/'0' = no expiry; otherwise the sum of every
    unanchored `<number><unit>` match; no match raises ValueError (a 500 on sign-in)."""
    if text in ("-1", "0"):
        return None
    matches = re.findall(r"(-?\d+(\.\d+)?)(ms|s|m|h|d|w)", text)
    if not matches:
        raise ValueError("Invalid duration string")
    units = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    total = timedelta()
    for number, _, unit in matches:
        total += timedelta(**{units[unit]: float(number)})
    return total


@dataclass
class Settings:
    secret: str
    webui_url: str
    jwt_expires_in: str
    auth_same_site: str
    auth_secure: bool
    session_same_site: str
    session_secure: bool
    redis_url: str
    redis_prefix: str
    sentinel_hosts: str
    sentinel_port: int
    redis_cluster: bool
    enable_signup: bool
    enable_login_form: bool
    enable_password_auth: bool
    enable_ldap: bool
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        session_same_site = env.get("WEBUI_SESSION_COOKIE_SAME_SITE", "lax")
        session_secure = _bool(env.get("WEBUI_SESSION_COOKIE_SECURE"), False)
        return cls(
            secret=env.get("WEBUI_SECRET_KEY", env.get("WEBUI_JWT_SECRET_KEY", "")),
            webui_url=env.get("WEBUI_URL", ""),
            jwt_expires_in=env.get("JWT_EXPIRES_IN", "4w"),
            auth_same_site=env.get("WEBUI_AUTH_COOKIE_SAME_SITE", session_same_site),
            auth_secure=_bool(env.get("WEBUI_AUTH_COOKIE_SECURE"), session_secure),
            session_same_site=session_same_site,
            session_secure=session_secure,
            redis_url=env.get("REDIS_URL", ""),
            redis_prefix=env.get("REDIS_KEY_PREFIX", "open-webui"),
            sentinel_hosts=env.get("REDIS_SENTINEL_HOSTS", ""),
            sentinel_port=int(env.get("REDIS_SENTINEL_PORT", "26379") or 26379),
            redis_cluster=_bool(env.get("REDIS_CLUSTER"), False),
            enable_signup=_bool(env.get("ENABLE_SIGNUP"), False),
            enable_login_form=_bool(env.get("ENABLE_LOGIN_FORM"), True),
            enable_password_auth=_bool(env.get("ENABLE_PASSWORD_AUTH"), True),
            enable_ldap=_bool(env.get("ENABLE_LDAP"), False),
            env=dict(env),
        )

    @property
    def oidc_configured(self) -> bool:
        e = self.env
        secret_or_pkce = e.get("OAUTH_CLIENT_SECRET") or e.get("OAUTH_CODE_CHALLENGE_METHOD")
        return bool(e.get("OAUTH_CLIENT_ID") and secret_or_pkce and e.get("OPENID_PROVIDER_URL"))


@dataclass
class User:
    id: str
    email: str
    name: str
    role: str
    password: str
    session_stamp: str = field(default_factory=lambda: str(uuid.uuid4()))


class HttpError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# ----------------------------------------------------------------------------- state

class AppState:
    def __init__(self, settings: Settings, users: list[dict[str, str]]) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.users: dict[str, User] = {}
        for u in users:
            uid = str(uuid.uuid5(uuid.NAMESPACE_URL, "lab-user:" + u["email"].lower()))
            self.users[uid] = User(uid, u["email"].lower(), u.get("name", u["email"]), u.get("role", "user"),
                                   u["password"])
        self.sessions: dict[str, dict[str, Any]] = {}        # owui-session cookie -> data
        self.oauth_sessions: dict[str, dict[str, Any]] = {}  # oauth_session_id -> tokens
        self.rate_memory: dict[str, int] = {}
        self._redis: Any = None
        self._metadata: dict[str, Any] | None = None

    # --- users
    def by_email(self, email: str) -> User | None:
        email = email.lower()
        return next((u for u in self.users.values() if u.email == email), None)

    def add_user(self, email: str, name: str, role: str) -> User:
        uid = str(uuid.uuid4())
        user = User(uid, email.lower(), name, role, secrets.token_urlsafe(16))
        self.users[uid] = user
        return user

    # --- redis
    def redis(self) -> Any:
        """The app's Redis client, built like utils/redis.get_redis_client: Sentinel, then
        Cluster, then standalone; None without REDIS_URL/Sentinel hosts. Fail fast (no retries)."""
        s = self.settings
        if not s.redis_url and not s.sentinel_hosts:
            return None
        if self._redis is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            opts: dict[str, Any] = {"decode_responses": True, "socket_timeout": 2,
                                    "socket_connect_timeout": 2, "retry": Retry(NoBackoff(), 0)}
            if s.sentinel_hosts:
                from redis import sentinel as sentinel_mod

                parsed = urlparse(s.redis_url or "redis://mymaster")
                sentinel_class: Any = sentinel_mod.Sentinel  # untyped in redis-py
                sentinel = sentinel_class([(h.strip(), s.sentinel_port) for h in s.sentinel_hosts.split(",")],
                                    sentinel_kwargs={"socket_timeout": 2}, socket_timeout=2,
                                    password=parsed.password, username=parsed.username, decode_responses=True)
                self._redis = sentinel.master_for(parsed.hostname or "mymaster")
            elif s.redis_cluster:
                from redis.cluster import RedisCluster

                self._redis = RedisCluster.from_url(s.redis_url, decode_responses=True, socket_timeout=2,
                                                    socket_connect_timeout=2)
            else:
                self._redis = redis.Redis.from_url(s.redis_url, **opts)
        return self._redis

    def revocation_key(self, jti: str) -> str:
        return f"{self.settings.redis_prefix}:auth:token:{jti}:revoked"

    def revoked_at_key(self, user_id: str) -> str:
        return f"{self.settings.redis_prefix}:auth:user:{user_id}:revoked_at"

    # --- rate limit (15 sign-ins per email per 180 s, 60 s buckets; memory when Redis fails)
    def rate_limited(self, email: str) -> bool:
        now_bucket = int(time.time()) // RATE_BUCKET_S
        buckets = [f"{self.settings.redis_prefix}:ratelimit:{email.lower()}:{now_bucket - i}"
                   for i in range(RATE_WINDOW_S // RATE_BUCKET_S)]
        client = self.redis()
        if client is not None:
            try:
                count = client.incr(buckets[0])
                client.expire(buckets[0], RATE_WINDOW_S + RATE_BUCKET_S)
                older = [int(v) for v in (client.get(b) for b in buckets[1:]) if v]
                return int(count) + sum(older) > RATE_LIMIT
            except Exception as exc:
                log.warning("rate limiter: redis failed, using memory: %s", exc)
        with self.lock:
            self.rate_memory[buckets[0]] = self.rate_memory.get(buckets[0], 0) + 1
            return sum(self.rate_memory.get(b, 0) for b in buckets) > RATE_LIMIT

    # --- tokens
    def expiry(self) -> timedelta | None:
        return parse_duration(self.settings.jwt_expires_in)

    def create_token(self, user: User, auth_method: str) -> tuple[str, int | None]:
        import jwt

        now = int(time.time())
        delta = self.expiry()
        payload: dict[str, Any] = {"id": user.id, "typ": "session", "auth_method": auth_method,
                                   "auth_time": now, "session_stamp": user.session_stamp,
                                   "mfa_verified": False}
        exp = None
        if delta:
            exp = int((datetime.now(UTC) + delta).timestamp())
            payload["exp"] = exp
        payload["jti"] = str(uuid.uuid4())
        payload["iat"] = now
        return jwt.encode(payload, self.settings.secret, algorithm="HS256"), exp

    def decode(self, token: str) -> dict[str, Any] | None:
        import jwt

        try:
            data: dict[str, Any] = jwt.decode(token, self.settings.secret, algorithms=["HS256"])
            return data
        except Exception:
            return None

    def is_revoked(self, claims: Mapping[str, Any]) -> bool:
        client = self.redis()
        if client is None:
            return False
        try:
            jti = claims.get("jti")
            if jti and client.get(self.revocation_key(str(jti))):
                return True
            revoked_at = client.get(self.revoked_at_key(str(claims.get("id"))))
            if revoked_at is not None:
                iat = claims.get("iat")
                return iat is None or int(iat) <= int(revoked_at)
        except Exception as exc:
            log.warning("Revocation check failed; accepting token: %s", exc)
        return False

    # --- OIDC
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            import httpx

            response = httpx.get(self.settings.env["OPENID_PROVIDER_URL"], timeout=10)
            response.raise_for_status()
            self._metadata = response.json()
        return self._metadata


# ----------------------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    server_version = "uvicorn"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    state: AppState

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # --- plumbing
    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> Any:
        try:
            return json.loads(self._body() or b"null")
        except ValueError:
            return None

    def _send(self, status: int, body: bytes, content_type: str | None,
              headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> None:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        self._send(status, body, "application/json", headers)

    def _redirect(self, status: int, location: str, headers: list[tuple[str, str]] | None = None) -> None:
        # Starlette's RedirectResponse: an empty body and no content-type (seen on the real 0.12.4)
        self._send(status, b"", None, [("location", location), *(headers or [])])

    def _cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie") or "")
        except Exception:
            return {}
        return {k: m.value for k, m in jar.items()}

    def _path(self) -> tuple[str, dict[str, list[str]]]:
        parsed = urlparse(self.path)
        return parsed.path, parse_qs(parsed.query)

    def _base_url(self) -> str:
        scheme = self.headers.get("x-forwarded-proto") or "http"  # uvicorn proxy headers (loopback trusted)
        host = self.headers.get("host") or "{}:{}".format(*self.request.getsockname()[:2])
        return f"{scheme.split(',')[0].strip()}://{host}"

    # --- cookies, exactly as Starlette writes them
    def _token_cookie(self, token: str, exp: int | None, *, http_only: bool = True,
                      with_expires: bool = False, name: str = "token") -> tuple[str, str]:
        s = self.state.settings
        if s.auth_same_site.lower() not in ("lax", "strict", "none"):
            # Starlette's set_cookie asserts the value: the real 0.12.4 answers 500 text/plain
            raise AssertionError("samesite must be either 'strict', 'lax' or 'none'")
        parts = [f"{name}={token}"]
        if exp is not None:
            max_age = max(0, exp - int(time.time()))
            if with_expires:
                parts.append("expires=" + format_datetime(datetime.fromtimestamp(exp, UTC), usegmt=True))
            if http_only:
                parts.append("HttpOnly")
            parts.append(f"Max-Age={max_age}")
        elif http_only:
            parts.append("HttpOnly")
        parts.append("Path=/")
        parts.append(f"SameSite={s.auth_same_site}")
        if s.auth_secure:
            parts.append("Secure")
        return ("set-cookie", "; ".join(parts))

    @staticmethod
    def _delete_cookie(name: str) -> tuple[str, str]:
        expires = format_datetime(datetime.now(UTC), usegmt=True)
        return ("set-cookie", f'{name}=""; expires={expires}; Max-Age=0; Path=/; SameSite=lax')

    # --- auth
    def _token(self) -> str | None:
        header = self.headers.get("authorization")
        if header:
            scheme, _, cred = header.partition(" ")
            if scheme.lower() == "bearer" and cred:
                return cred
        cookie = self._cookies().get("token")
        if cookie:
            return cookie
        if header:
            parts = header.split(" ")
            if len(parts) == 2:
                return parts[1]
        return self.headers.get("x-api-key")

    def _current(self) -> tuple[User, dict[str, Any], str]:
        token = self._token()
        if not token:
            raise HttpError(401, "Not authenticated")
        if token.startswith("sk-"):
            raise HttpError(401, INVALID_TOKEN)
        claims = self.state.decode(token)
        if claims is None or "id" not in claims:
            raise HttpError(401, "401 Unauthorized")
        user = self.state.users.get(str(claims["id"]))
        if user is None:
            raise HttpError(401, "Invalid authentication request.")
        if claims.get("typ", "session") not in SESSION_TYPES \
                or claims.get("session_stamp") != user.session_stamp:
            raise HttpError(401, "Invalid token")
        if self.state.is_revoked(claims):
            raise HttpError(401, "Invalid token")
        if user.role not in ("user", "admin"):
            raise HttpError(401, ACCESS_PROHIBITED)
        return user, claims, token

    def _session_response(self, user: User, token: str, exp: int | None) -> dict[str, Any]:
        return {"id": user.id, "name": user.name, "role": user.role, "email": user.email,
                "profile_image_url": f"/api/v1/users/{user.id}/profile/image", "token": token,
                "token_type": "Bearer", "expires_at": exp, "permissions": _permissions()}

    # --- dispatch
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    ROUTES: ClassVar[dict[tuple[str, str], str]] = {
        ("GET", "/health"): "health",
        ("GET", "/health/db"): "health",
        ("GET", "/ready"): "health",
        ("GET", "/api/version"): "version",
        ("GET", "/api/config"): "config",
        ("GET", "/opensearch.xml"): "opensearch",
        ("POST", "/api/v1/auths/signin"): "signin",
        ("POST", "/api/v1/auths/ldap"): "ldap",
        ("GET", "/api/v1/auths/"): "session",
        ("POST", "/api/v1/auths/signout"): "signout",
        ("POST", "/api/v1/auths/update/password"): "update_password",
    }

    def _dispatch(self, method: str) -> None:
        path, query = self._path()
        try:
            name = self.ROUTES.get((method, path))
            if name is not None:
                getattr(self, "route_" + name)(query)
                return
            oauth = re.fullmatch(r"/oauth/([^/]+)/(login|callback|login/callback)", path)
            if oauth and method == "GET":
                if oauth.group(2) == "login":
                    self.route_oauth_login(oauth.group(1))
                else:
                    self.route_oauth_callback(oauth.group(1), query)
                return
            if method == "GET":  # SPA catch-all: any other GET is index.html
                self._send(200, SPA_PAGE.encode(), "text/html; charset=utf-8")
                return
            self._json(405, {"detail": "Method Not Allowed"})
        except HttpError as err:
            self._json(err.status, {"detail": err.detail})
        except Exception:
            log.exception("unhandled error on %s %s", method, path)
            self._send(500, b"Internal Server Error", "text/plain; charset=utf-8")

    # --- routes
    def route_health(self, query: Mapping[str, list[str]]) -> None:
        self._json(200, {"status": True})

    def route_opensearch(self, query: Mapping[str, list[str]]) -> None:
        # 0.12.4 main.py get_opensearch_xml: Config.get('webui.url') (WEBUI_URL, default ''), no auth
        url = self.state.settings.webui_url
        xml = OPENSEARCH_XML.replace("{webui_url}", url)
        self._send(200, xml.encode(), "application/xml")

    def route_version(self, query: Mapping[str, list[str]]) -> None:
        self._json(200, {"version": VERSION, "deployment_id": ""})

    def route_config(self, query: Mapping[str, list[str]]) -> None:
        s = self.state.settings
        providers = {"oidc": s.env.get("OAUTH_PROVIDER_NAME", "SSO")} if s.oidc_configured else {}
        data: dict[str, Any] = {
            "status": True, "name": "Open WebUI", "version": VERSION, "default_locale": "", "i18n": {},
            "oauth": {"providers": providers, "auto_redirect": False},
            "features": {"slim": False, "auth": _bool(s.env.get("WEBUI_AUTH"), True),
                         "auth_trusted_header": bool(s.env.get("WEBUI_AUTH_TRUSTED_EMAIL_HEADER")),
                         "enable_signup_password_confirmation": False, "enable_ldap": s.enable_ldap,
                         "enable_signup": s.enable_signup, "enable_login_form": s.enable_login_form,
                         "enable_websocket": True},
        }
        token = self._token()
        claims = self.state.decode(token) if token else None
        if claims and str(claims.get("id")) in self.state.users:
            data["features"].update(enable_api_keys=False, enable_password_change_form=True,
                                    enable_version_update_check=False)
            data.update(default_models="", permissions=_permissions(), license_metadata=None)
        self._json(200, data)

    def route_signin(self, query: Mapping[str, list[str]]) -> None:
        form = self._json_body()
        if not isinstance(form, dict) or not isinstance(form.get("email"), str) \
                or not isinstance(form.get("password"), str):
            raise HttpError(422, "Invalid authentication request.")
        if not self.state.settings.enable_password_auth:
            raise HttpError(403, "The requested action has been restricted as a security measure.")
        trusted = self.state.settings.env.get("WEBUI_AUTH_TRUSTED_EMAIL_HEADER")
        if trusted:  # 0.12.4 signin: the trusted-header branch comes first, not rate limited
            email = self.headers.get(trusted)
            if email is None:
                raise HttpError(400, INVALID_TRUSTED_HEADER)
            email = email.lower()
            known = self.state.by_email(email) or self.state.add_user(
                email, email, self.state.settings.env.get("DEFAULT_USER_ROLE", "pending"))
            self._signed_in(known, "trusted_header")
            return
        if self.state.rate_limited(form["email"]):
            raise HttpError(429, "API rate limit exceeded")
        user = self.state.by_email(form["email"])
        if user is None or not secrets.compare_digest(user.password, form["password"]):
            raise HttpError(400, INVALID_CRED)
        self._signed_in(user, "password")

    def _signed_in(self, user: User, method: str) -> None:
        token, exp = self.state.create_token(user, method)
        self._json(200, self._session_response(user, token, exp),
                   [self._token_cookie(token, exp), ("cache-control", "no-store")])

    def route_ldap(self, query: Mapping[str, list[str]]) -> None:
        s = self.state.settings
        form = self._json_body()
        if not isinstance(form, dict) or not isinstance(form.get("user"), str) \
                or not isinstance(form.get("password"), str):
            raise HttpError(422, "Invalid authentication request.")
        if not s.enable_ldap:
            raise HttpError(400, "LDAP authentication is not enabled")
        if not form["password"].strip():
            raise HttpError(400, INVALID_CRED)
        mail, cn = ldap_authenticate(s.env, form["user"], form["password"])
        user = self.state.by_email(mail) \
            or self.state.add_user(mail, cn, s.env.get("DEFAULT_USER_ROLE", "pending"))
        self._signed_in(user, "ldap")

    def route_session(self, query: Mapping[str, list[str]]) -> None:
        user, claims, token = self._current()
        exp = claims.get("exp")
        body = self._session_response(user, token, exp)
        body.update(bio=None, gender=None, date_of_birth=None, status_emoji=None, status_message=None,
                    status_expires_at=None, profile_image_url="/user.png")
        self._json(200, body, [self._token_cookie(token, exp, with_expires=exp is not None)])

    def route_signout(self, query: Mapping[str, list[str]]) -> None:
        header = self.headers.get("authorization") or ""
        scheme, _, cred = header.partition(" ")
        token = cred if scheme.lower() == "bearer" and cred else self._cookies().get("token")
        if token:
            claims = self.state.decode(token)
            client = self.state.redis()
            if claims and client is not None and claims.get("jti") and claims.get("exp") \
                    and not self.state.is_revoked(claims):
                ttl = int(claims["exp"]) - int(time.time())
                if ttl > 0:
                    client.set(self.state.revocation_key(str(claims["jti"])), "1", ex=ttl)  # 500 when down
        cookies = [self._delete_cookie(n) for n in ("token", "owui-session", "oui-session", "oauth_id_token")]
        body: dict[str, Any] = {"status": True}
        env = self.state.settings.env
        session_id = self._cookies().get("oauth_session_id")
        oauth = self.state.oauth_sessions.get(session_id or "")
        signout_redirect = env.get("WEBUI_AUTH_SIGNOUT_REDIRECT_URL")
        if oauth is not None:
            if env.get("OPENID_END_SESSION_ENDPOINT"):
                body["redirect_url"] = env["OPENID_END_SESSION_ENDPOINT"]
            else:
                try:
                    metadata = self.state.metadata()
                except Exception:
                    raise HttpError(500, "Failed to sign out from the OpenID provider.") from None
                end = metadata.get("end_session_endpoint")
                if end:
                    url = f"{end}?id_token_hint={oauth['id_token']}"
                    if signout_redirect:
                        url += f"&post_logout_redirect_uri={signout_redirect}"
                    body["redirect_url"] = url
        elif signout_redirect:
            body["redirect_url"] = signout_redirect
        self._json(200, body, cookies)

    def route_update_password(self, query: Mapping[str, list[str]]) -> None:
        user, _, _ = self._current()
        form = self._json_body()
        if not isinstance(form, dict) or not isinstance(form.get("password"), str) \
                or not isinstance(form.get("new_password"), str):
            raise HttpError(422, "Invalid authentication request.")
        if not secrets.compare_digest(user.password, form["password"]):
            raise HttpError(400, INCORRECT_PASSWORD)
        user.password = form["new_password"]
        user.session_stamp = str(uuid.uuid4())
        self._json(200, True)

    # --- OAuth
    def route_oauth_login(self, provider: str) -> None:
        s = self.state.settings
        if provider != "oidc" or not s.oidc_configured:
            raise HttpError(404, "Not Found")
        env = s.env
        metadata = self.state.metadata()  # an HTML or unreachable discovery URL ends in a 500, as in the app
        redirect_uri = env.get("OPENID_REDIRECT_URI") or f"{self._base_url()}/oauth/{provider}/callback"
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        params = {"response_type": "code", "client_id": env["OAUTH_CLIENT_ID"], "redirect_uri": redirect_uri,
                  "scope": env.get("OAUTH_SCOPES", "openid email profile"), "state": state}
        data: dict[str, Any] = {"state": state, "nonce": nonce, "redirect_uri": redirect_uri}
        if env.get("OAUTH_CODE_CHALLENGE_METHOD") == "S256":
            from .oidc import pkce_pair

            verifier, challenge = pkce_pair()
            params.update(code_challenge=challenge, code_challenge_method="S256")
            data["code_verifier"] = verifier
        params["nonce"] = nonce
        session_id = secrets.token_urlsafe(24)
        self.state.sessions[session_id] = data
        flags = f"; samesite={s.session_same_site}" + ("; secure" if s.session_secure else "")
        cookie = f"{SESSION_COOKIE}={session_id}; path=/; Max-Age=1209600; httponly{flags}"
        self._redirect(302, f"{metadata['authorization_endpoint']}?{urlencode(params)}",
                       [("set-cookie", cookie)])

    def route_oauth_callback(self, provider: str, query: Mapping[str, list[str]]) -> None:
        s = self.state.settings
        if provider != "oidc" or not s.oidc_configured:
            raise HttpError(404, "Not Found")
        base = (s.webui_url or self._base_url()).rstrip("/")
        try:
            user, id_token = self._oauth_exchange(query)
        except HttpError as err:
            self._redirect(307, f"{base}/auth?error={quote(err.detail)}")
            return
        token, exp = self.state.create_token(user, "oauth")
        session_id = str(uuid.uuid4())
        self.state.oauth_sessions[session_id] = {"id_token": id_token, "user": user.id}
        cookies = [self._token_cookie(token, exp, http_only=False)]
        if _bool(s.env.get("ENABLE_OAUTH_ID_TOKEN_COOKIE"), True):
            cookies.append(self._token_cookie(id_token, exp, name="oauth_id_token"))
        cookies.append(self._token_cookie(session_id, exp, name="oauth_session_id"))
        self._redirect(307, f"{base}/auth", cookies)

    def _oauth_exchange(self, query: Mapping[str, list[str]]) -> tuple[User, str]:
        import httpx
        import jwt

        env = self.state.settings.env
        session = self.state.sessions.pop(self._cookies().get(SESSION_COOKIE, ""), None)
        if "error" in query:
            raise HttpError(400, f"OAuth callback failed: {query['error'][0]}")
        if session is None or "state" not in query:
            raise HttpError(400, "Missing state parameter in callback (session may have expired)")
        if query["state"][0] != session["state"]:
            raise HttpError(400, "OAuth callback failed: mismatching_state: CSRF Warning! State not equal "
                                 "in request and response.")
        metadata = self.state.metadata()
        data = {"grant_type": "authorization_code", "code": query.get("code", [""])[0],
                "redirect_uri": session["redirect_uri"]}
        if "code_verifier" in session:
            data["code_verifier"] = session["code_verifier"]
        secret = env.get("OAUTH_CLIENT_SECRET")
        if not secret:
            data["client_id"] = env["OAUTH_CLIENT_ID"]
        response = httpx.post(metadata["token_endpoint"], data=data, timeout=10,
                              auth=(env["OAUTH_CLIENT_ID"], secret) if secret else None)
        if response.status_code != 200:
            error = response.json().get("error", response.status_code)
            raise HttpError(400, f"OAuth callback failed: {error}")
        tokens = response.json()
        id_token = tokens.get("id_token", "")
        try:
            key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(id_token)
            claims = jwt.decode(id_token, key.key, algorithms=["RS256", "ES256"],
                                audience=env["OAUTH_CLIENT_ID"], issuer=metadata["issuer"])
        except Exception as exc:
            raise HttpError(400, f"OAuth callback failed: {exc}") from None
        if claims.get("nonce") != session["nonce"]:
            raise HttpError(400, "OAuth callback failed: invalid_claim: Invalid claim 'nonce'")
        email = claims.get(env.get("OAUTH_EMAIL_CLAIM", "email"))
        if not email and metadata.get("userinfo_endpoint"):
            info = httpx.get(metadata["userinfo_endpoint"], timeout=10,
                             headers={"authorization": f"Bearer {tokens.get('access_token', '')}"}).json()
            email = info.get(env.get("OAUTH_EMAIL_CLAIM", "email"))
            claims = {**info, **claims}
        if not email:
            raise HttpError(400, INVALID_CRED)
        user = self.state.by_email(str(email))
        if user is None:
            if not _bool(env.get("ENABLE_OAUTH_SIGNUP"), False):
                raise HttpError(403, ACCESS_PROHIBITED)
            user = self.state.add_user(str(email), str(claims.get("name") or email),
                                       env.get("DEFAULT_USER_ROLE", "pending"))
        return user, id_token


def _permissions() -> dict[str, Any]:
    return {"workspace": {"models": False, "knowledge": False, "prompts": False, "tools": False},
            "chat": {"controls": True, "file_upload": True, "delete": True, "edit": True, "temporary": True},
            "features": {"web_search": True, "image_generation": True, "code_interpreter": True}}


def ldap_authenticate(env: Mapping[str, str], username: str, password: str) -> tuple[str, str]:
    """Open WebUI's LDAP sign-in (v0.11 routers/auths.py, the last reason as detail): app bind,
    search `(&(uid=<user>)<filter>)`, mail and cn required, user bind. Implicit TLS only."""
    import ssl

    from ldap3 import NONE, SIMPLE, Connection, Server, Tls
    from ldap3.utils.conv import escape_filter_chars

    username_attr = env.get("LDAP_ATTRIBUTE_FOR_USERNAME", "uid")
    mail_attr = env.get("LDAP_ATTRIBUTE_FOR_MAIL", "mail")
    use_tls = _bool(env.get("LDAP_USE_TLS"), True)
    tls = Tls(validate=ssl.CERT_REQUIRED if _bool(env.get("LDAP_VALIDATE_CERT"), True) else ssl.CERT_NONE,
              version=ssl.PROTOCOL_TLS, ca_certs_file=env.get("LDAP_CA_CERT_FILE") or None)
    server = Server(env.get("LDAP_SERVER_HOST", "localhost"), port=int(env.get("LDAP_SERVER_PORT", "389")),
                    get_info=NONE, use_ssl=use_tls, tls=tls, connect_timeout=5)
    app_dn = env.get("LDAP_APP_DN", "")
    try:
        conn = Connection(server, app_dn, env.get("LDAP_APP_PASSWORD", ""), auto_bind="NONE",
                          authentication=SIMPLE if app_dn else "ANONYMOUS", receive_timeout=5)
        if not conn.bind():
            raise HttpError(400, "Application account bind failed")
        extra_filter = env.get("LDAP_SEARCH_FILTER", "")
        search = f"(&({username_attr}={escape_filter_chars(username.lower())}){extra_filter})"
        conn.search(env.get("LDAP_SEARCH_BASE", ""), search, attributes=[username_attr, mail_attr, "cn"])
        if not conn.entries:
            raise HttpError(400, "User not found in the LDAP server")
        entry = conn.entries[0]
        values = entry.entry_attributes_as_dict
        mail = (values.get(mail_attr) or [None])[0]
        if not mail:
            raise HttpError(400, "User does not have a valid email address.")
        if username.lower() not in [str(v).lower() for v in values.get(username_attr, [])]:
            raise HttpError(400, "User record mismatch.")
        cn = (values.get("cn") or [mail])[0]
        if not Connection(server, entry.entry_dn, password, authentication=SIMPLE, receive_timeout=5).bind():
            raise HttpError(400, "Authentication failed.")
        return str(mail), str(cn)
    except HttpError:
        raise
    except Exception as exc:
        log.warning("LDAP authentication error: %s", exc)
        raise HttpError(400, "LDAP authentication failed.") from None


# ----------------------------------------------------------------------------- runner

def make_server(host: str, port: int, env: Mapping[str, str]) -> ThreadingHTTPServer:
    settings = Settings.from_env(env)
    if _bool(env.get("WEBUI_AUTH"), True) and not settings.secret:
        raise SystemExit("WEBUI_SECRET_KEY is not set. It is a hard requirement when authentication is "
                         "enabled.")
    users = json.loads(env["LAB_APP_USERS"]) if env.get("LAB_APP_USERS") else [dict(u) for u in DEFAULT_USERS]
    state = AppState(settings, users)
    handler = type("LabHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open WebUI 0.12.4 auth surface, for the authdoctor lab")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    server = make_server(args.host, args.port, os.environ)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    print(f"READY http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


# ----------------------------------------------------------------------------- controller

@dataclass(frozen=True)
class AppUser:
    email: str
    password: str
    name: str
    role: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "lab-user:" + self.email.lower()))


@dataclass(frozen=True)
class LabApp:
    """The running app under test. `env` is exactly the environment it runs with (Open WebUI
    variable names); `redis` is the lab Redis it revokes tokens in (None: no REDIS_URL)."""

    url: str
    host: str
    port: int
    secret: str
    env: Mapping[str, str]
    pid: int
    redis: LabRedis | None = None
    users: tuple[AppUser, ...] = ()

    @property
    def key_prefix(self) -> str:
        return self.env.get("REDIS_KEY_PREFIX", "open-webui")

    @property
    def admin(self) -> AppUser:
        return next(u for u in self.users if u.role == "admin")

    def revocation_key(self, jti: str) -> str:
        return f"{self.key_prefix}:auth:token:{jti}:revoked"

    def forget_sign_in_attempts(self) -> None:
        """Delete the sign-in rate-limit counters from the app's Redis: the session-wide app is
        shared by every test, and 15 sign-ins per email per 180 s (as 0.12.4) run out in a whole
        run. Only for a test that needs a sign-in of its own, not one about the limit."""
        if self.redis is None or not self.env.get("REDIS_URL"):
            return
        import redis

        client = redis.Redis.from_url(self.env["REDIS_URL"])
        try:
            keys = list(client.scan_iter(f"{self.key_prefix}:ratelimit:*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def start_app(run_dir: Path, env: Mapping[str, str], *, port: int | None = None, name: str = "app",
              redis: LabRedis | None = None, timeout: float = 10.0) -> tuple[LabApp, ServerProcess]:
    """Start the app under test as its own process with exactly `env` (plus PATH/PYTHONPATH)."""
    home = (run_dir / name).resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    full_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PACKAGE_ROOT), "PYTHONUNBUFFERED": "1",
                **env}
    log_path = home / "app.log"
    if log_path.exists():
        log_path.unlink()
    argv = [sys.executable, "-m", f"{__package__}.app_under_test", "--host", HOST, "--port", str(port)]
    proc = launch(name, argv, log_path=log_path, env=full_env, cwd=REPO)

    def ready() -> bool:
        try:
            return "READY " in log_path.read_text()
        except OSError:
            return False

    try:
        wait_until(ready, timeout=timeout, alive=proc.alive, what="app under test READY")
    except (RuntimeError, TimeoutError) as exc:
        proc.stop()
        raise StartError(proc, f"did not start: {exc}") from None
    users_data = json.loads(env["LAB_APP_USERS"]) if env.get("LAB_APP_USERS") else list(DEFAULT_USERS)
    users = tuple(AppUser(u["email"].lower(), u["password"], u.get("name", u["email"]), u.get("role", "user"))
                  for u in users_data)
    app = LabApp(url=f"http://{HOST}:{port}", host=HOST, port=port, secret=env.get("WEBUI_SECRET_KEY", ""),
                 env=dict(env), pid=proc.pid, redis=redis, users=users)
    return app, proc


if __name__ == "__main__":
    raise SystemExit(main())
