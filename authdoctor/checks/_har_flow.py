"""The shared reading of a recording for the `har` evaluation (pure): which origin is the app,
when each entry happened, what a request or a token looks like when shown, and the app's routes.

The app is found by Open WebUI 0.12.4's own routes (`/api/config`, `/api/v1/...`,
`/oauth/{provider}/login` and its callbacks, `/_app/`, `/ws/socket.io`), and, with settings, by
the public URL. Nothing here prints a secret: `shown_url` masks secret-named query parameters
(`code`, tokens) and `token_facts` reads a JWT's times and ids, never its signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from authdoctor.har.model import HarEntry, HarLog, origin_of
from authdoctor.masking import mask_credentials

APP_PATH = re.compile(r"^/(?:api/(?:config|version|v1/)|oauth/[^/]+/(?:login|callback)|_app/|"
                      r"ws/socket\.io)")
LOGIN_PATH = re.compile(r"^/oauth/([^/]+)/login/?$")
CALLBACK_PATH = re.compile(r"^/oauth/([^/]+)/(?:login/)?callback/?$")
SIGNIN_PATHS = {"/api/v1/auths/signin": "password", "/api/v1/auths/signup": "sign-up",
                "/api/v1/auths/ldap": "LDAP"}
SIGNOUT_PATH = "/api/v1/auths/signout"
SESSION_COOKIE = "owui-session"
TOKEN_COOKIE = "token"


def hostname(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def shown_url(url: str, limit: int = 160) -> str:
    """A URL as a finding may show it: credentials masked, cut at `limit` characters."""
    shown = mask_credentials(url)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def request_line(entry: HarEntry) -> str:
    """`#12 POST https://app/api/v1/auths/signin -> 400` (entry numbers start at 1)."""
    error = f" ({entry.error})" if entry.error else ""
    answer = f"{entry.status}" if entry.has_response else f"no answer{error}"
    return f"#{entry.index + 1} {entry.method} {shown_url(entry.url)} -> {answer}"


def resolve(base: str, location: str) -> str:
    try:
        return urljoin(base, location)
    except ValueError:
        return location


def url_params(url: str) -> dict[str, str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return {}
    found = dict(parse_qsl(parts.fragment, keep_blank_values=True)) if "=" in parts.fragment else {}
    found.update(parse_qsl(parts.query, keep_blank_values=True))
    return found


def json_body(entry: HarEntry) -> Any:
    import json

    text = entry.body.strip()
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def detail_text(entry: HarEntry) -> str:
    """The app's error text (`{"detail": ...}`) or a short, masked start of the body."""
    document = json_body(entry)
    if isinstance(document, dict):
        detail = document.get("detail") or document.get("error_description") or document.get("error")
        if isinstance(detail, str):
            return mask_credentials(" ".join(detail.split()))[:300]
        if detail is not None:
            return mask_credentials(" ".join(str(detail).split()))[:300]
    return ""


@dataclass(frozen=True)
class TokenFacts:
    """What a session token says about itself (not verified; the signature is never shown)."""

    length: int
    exp: float | None = None
    iat: float | None = None
    jti: str = ""
    typ: str = ""
    auth_method: str = ""
    decoded: bool = False

    @property
    def shown(self) -> str:
        parts = [f"<token, {self.length} chars>"]
        if self.jti:
            parts.append(f"jti {self.jti[:8]}…")
        if self.auth_method:
            parts.append(f"auth_method {self.auth_method}")
        return ", ".join(parts)


def token_facts(token: str) -> TokenFacts:
    from authdoctor.jwt.tokens import decode_token

    try:
        decoded = decode_token(token.strip())
    except Exception:
        return TokenFacts(length=len(token))
    payload = decoded.payload

    def number(name: str) -> float | None:
        value = payload.get(name)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def text(name: str) -> str:
        value = payload.get(name)
        return value if isinstance(value, str) else ""

    return TokenFacts(length=len(token), exp=number("exp"), iat=number("iat"), jti=text("jti"),
                      typ=text("typ"), auth_method=text("auth_method"), decoded=True)


@dataclass
class Flow:
    """The recording as the checks read it."""

    log: HarLog
    now: datetime
    public_url: str | None = None
    """The URL users open: from the settings when given, else the first app origin seen."""
    settings_public_url: str | None = None
    env: Any = None
    """The settings' `EnvSource` when --env-file/--config... were given, else None."""
    app_origins: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, log: HarLog, now: datetime, *, public_url: str | None = None, env: Any = None) -> Flow:
        origins: list[str] = []
        settings_origin = origin_of(public_url) if public_url else ""
        if settings_origin:
            origins.append(settings_origin)
        for entry in log.entries:
            path = entry.path
            if APP_PATH.match(path):
                origin = entry.origin
                if origin and origin not in origins:
                    origins.append(origin)
        first_seen = next((o for o in origins if o != settings_origin), None)
        return cls(log=log, now=now, public_url=public_url or first_seen, settings_public_url=public_url,
                   env=env, app_origins=origins)

    @property
    def entries(self) -> tuple[HarEntry, ...]:
        return self.log.entries

    def is_app(self, entry: HarEntry) -> bool:
        return entry.origin in self.app_origins

    def time_of(self, entry: HarEntry) -> datetime:
        return parse_time(entry.started) or self.now

    def after(self, entry: HarEntry) -> tuple[HarEntry, ...]:
        return self.entries[entry.index + 1:]

    @property
    def callback_chains(self) -> frozenset[int]:
        """Entries of the navigations back from an IdP: each OAuth callback and the redirects it
        leads to. They are cross-site, so SameSite may rightly keep a cookie off them (browser-
        truth.md truth table 2); the cookie confirmation leaves them to the OAuth round trip."""
        cached = self.__dict__.get("_callback_chains")
        if cached is None:
            indices = {hop.index for entry in self.entries if CALLBACK_PATH.match(entry.path)
                       for hop in self.redirect_chain(entry)}
            cached = self.__dict__["_callback_chains"] = frozenset(indices)
        return cached

    def redirect_chain(self, entry: HarEntry, limit: int = 20) -> list[HarEntry]:
        """`entry` and the entries its redirects led to, in order (each hop is its own entry)."""
        chain = [entry]
        current = entry
        for _ in range(limit):
            if not current.is_redirect:
                break
            target = resolve(current.url, current.location).split("#", 1)[0]
            following = next((e for e in self.after(current) if e.url.split("#", 1)[0] == target), None)
            if following is None:
                break
            chain.append(following)
            current = following
        return chain
