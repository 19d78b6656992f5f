"""The lab's OIDC providers: panva `oidc-provider` 8.8.1 (OpenID Certified) on Node, one Node
process (fixtures/lab/oidc/server.mjs) hosting one real provider per variant.

| variant                 | what is wrong                                                  | how       |
|-------------------------|----------------------------------------------------------------|-----------|
| `healthy`               | nothing: issuer = URL, end-session on, claims in the ID token  | config    |
| `issuer_trailing_slash` | discovery says `http://127.0.0.1:P/` (trailing slash)          | config    |
| `issuer_internal`       | discovery says `http://idp.internal:P` (an internal hostname); | config    |
|                         | the endpoints are still on 127.0.0.1 (built from the request)  |           |
| `no_end_session`        | RP-initiated logout off: no `end_session_endpoint`             | config    |
| `html_discovery`        | discovery and JWKS answer 200 text/html (login wall, SPA)      | proxy.mjs |
| `slow`                  | every response held `slow_delay_s` seconds                     | proxy.mjs |
| `not_found`             | discovery answers 404 text/html (wrong path, realm or routing) | proxy.mjs |
| `microsoft`             | nothing: served under `/<LAB_TENANT>/v2.0` like an Entra tenant, | mount     |
|                         | issuer `http://127.0.0.1:P/<LAB_TENANT>/v2.0` (`env_microsoft`)  |           |
| `microsoft_common`      | served under `/common/v2.0`, issuer the literal Entra template | mount     |
|                         | `http://127.0.0.1:P/{tenantid}/v2.0`                           |           |
| `tls`                   | nothing, over https with the lab CA's certificate (trust it    | proxy.mjs |
|                         | with `--ca-file <lab CA>`)                                     |           |
| `tls_unknown_ca`        | https, certificate from a CA nobody trusts                     | proxy.mjs |
| `tls_expired`           | https, lab CA certificate that expired yesterday               | proxy.mjs |
| `tls_wrong_host`        | https, lab CA certificate for wrong-host.example.net only      | proxy.mjs |
| `post_only`             | client authentication `client_secret_post` only (discovery     | config    |
|                         | lists `client_secret_post`, `none`); the confidential client  |           |
|                         | is registered for it, so the app's default HTTP Basic fails    |           |
| `pkce_always`           | PKCE required for every client, the confidential one too      | config    |
| `plain_pkce`            | PKCE method `plain` only: no `S256` in the metadata            | config    |
| `jwks_private`          | the JWKS carries a private exponent `d` in every key           | proxy.mjs |
| `no_jwks_uri`           | the discovery document has no `jwks_uri`                       | proxy.mjs |
| `foreign_host`          | the proxy passes `Host: idp.lab.invalid:P`: every endpoint is  | proxy.mjs |
|                         | plain http on a host that never resolves (issuer stays right)  |           |

Behind the proxied variants runs a real provider whose issuer is the proxy's URL, as behind a
real reverse proxy; only the bent responses differ. The `tls*` variants need the lab's
certificates (`start_oidc(certs=...)`); without them they are not started.

Clients on every provider: `authdoctor-lab` (confidential, client_secret_basic, code +
refresh_token + client_credentials), `authdoctor-lab-public` (public, PKCE S256 required) and
`authdoctor-lab-plus` (confidential, a secret with '+' and '%').
PKCE is optional for the confidential client (Open WebUI sends it only with
OAUTH_CODE_CHALLENGE_METHOD=S256). Login is oidc-provider's dev interaction: any account name in
`ACCOUNTS` with any password, then a consent form (`drive_code_flow` fills both).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

from .paths import OIDC_DIR
from .ports import HOST, free_port, wait_until
from .process import ServerProcess, StartError, find_binary, launch

if TYPE_CHECKING:
    import httpx

    from .certs import LabCerts

VARIANTS = ("healthy", "issuer_trailing_slash", "issuer_internal", "no_end_session",
            "html_discovery", "slow", "not_found", "microsoft", "microsoft_common",
            "tls", "tls_unknown_ca", "tls_expired", "tls_wrong_host", "post_only", "pkce_always",
            "plain_pkce", "jwks_private", "no_jwks_uri", "foreign_host")
#: Variants behind the bending proxy (a backend port and a front port).
PROXIED = {"html_discovery": "html", "slow": "slow", "not_found": "notfound", "tls": "pass",
           "tls_unknown_ca": "pass", "tls_expired": "pass", "tls_wrong_host": "pass",
           "jwks_private": "jwks_private", "no_jwks_uri": "no_jwks_uri", "foreign_host": "foreign_host"}
#: The host name the `foreign_host` variant's proxy passes on (never resolves: RFC 6761 .invalid).
FOREIGN_HOST = "idp.lab.invalid"
#: TLS variants -> the certificate kind of `LabCerts.pair`.
TLS_VARIANTS = {"tls": "good", "tls_unknown_ca": "unknown_ca", "tls_expired": "expired",
                "tls_wrong_host": "wrong_host"}
#: The tenant the `microsoft` variant serves (a made-up directory id).
LAB_TENANT = "3f2c1a9e-7b4d-4e8a-9c61-2d5f0a7b8c90"
INTERNAL_HOST = "idp.internal"
CLIENT_ID = "authdoctor-lab"
CLIENT_SECRET = "lab-client-secret-0123456789abcdef"
PUBLIC_CLIENT_ID = "authdoctor-lab-public"
#: A confidential client whose secret has '+' and '%': the app sends it raw in HTTP Basic, and
#: oidc-provider URL-decodes it there (as RFC 6749 §2.3.1 says), so only client_secret_post works.
PLUS_CLIENT_ID = "authdoctor-lab-plus"
PLUS_CLIENT_SECRET = "lab+secret%41-0123456789abcdef"
ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice": {"email": "alice@example.org", "name": "Alice Anderson", "groups": ["admins", "users"]},
    "bob": {"email": "bob@example.org", "name": "Bob Brown", "groups": ["users"]},
}


@dataclass(frozen=True)
class OidcClient:
    client_id: str
    client_secret: str | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    auth_method: str = "client_secret_basic"
    """The registered token_endpoint_auth_method of a confidential client."""

    @property
    def public(self) -> bool:
        return self.client_secret is None

    def metadata(self) -> dict[str, Any]:
        """oidc-provider client metadata."""
        data: dict[str, Any] = {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "response_types": ["code"],
        }
        if self.public:
            data.update(token_endpoint_auth_method="none",
                        grant_types=["authorization_code", "refresh_token"])
        else:
            data.update(client_secret=self.client_secret, token_endpoint_auth_method=self.auth_method,
                        grant_types=["authorization_code", "refresh_token", "client_credentials"])
        return data


@dataclass(frozen=True)
class LabOidc:
    """One provider variant. `url` is where it is served; `issuer` is what its discovery
    document claims (they differ on purpose in the issuer_* variants)."""

    variant: str
    url: str
    issuer: str
    pid: int
    clients: Mapping[str, OidcClient]
    end_session: bool = True
    delay_s: float = 0.0
    mount: str = ""
    """The path prefix the provider is served under (`microsoft*`), part of `url`."""
    accounts: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: dict(ACCOUNTS))

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def client(self) -> OidcClient:
        return self.clients[CLIENT_ID]

    @property
    def public_client(self) -> OidcClient:
        return self.clients[PUBLIC_CLIENT_ID]

    @property
    def login_base(self) -> str:
        """`url` without the mount: MICROSOFT_CLIENT_LOGIN_BASE_URL for the `microsoft*` variants."""
        return self.url[: len(self.url) - len(self.mount)] if self.mount else self.url

    def env_microsoft(self) -> dict[str, str]:
        """Open WebUI's Microsoft provider pointed at this variant (the app then fetches
        {login_base}/{tenant}/v2.0/.well-known/openid-configuration?appid={client id})."""
        tenant = self.mount.strip("/").split("/", 1)[0]
        return {"MICROSOFT_CLIENT_ID": self.client.client_id,
                "MICROSOFT_CLIENT_SECRET": self.client.client_secret or "",
                "MICROSOFT_CLIENT_TENANT_ID": tenant, "MICROSOFT_CLIENT_LOGIN_BASE_URL": self.login_base}

    def env(self, *, public: bool = False) -> dict[str, str]:
        """Open WebUI's variables for signing in with this provider."""
        client = self.public_client if public else self.client
        env = {
            "ENABLE_OAUTH_SIGNUP": "true",
            "OAUTH_PROVIDER_NAME": "Lab IdP",
            "OAUTH_CLIENT_ID": client.client_id,
            "OPENID_PROVIDER_URL": self.discovery_url,
            "OAUTH_SCOPES": "openid email profile",
        }
        if client.client_secret:
            env["OAUTH_CLIENT_SECRET"] = client.client_secret
        if public:
            env["OAUTH_CODE_CHALLENGE_METHOD"] = "S256"
        return env


@dataclass(frozen=True)
class LabOidcSet:
    """All variants, served by one Node process (`pid`)."""

    pid: int
    variants: Mapping[str, LabOidc]

    def __getitem__(self, variant: str) -> LabOidc:
        return self.variants[variant]

    @property
    def healthy(self) -> LabOidc:
        return self.variants["healthy"]


def missing_binaries() -> list[str]:
    missing = [b for b in ("node",) if find_binary(b) is None]
    if not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        missing.append(f"{OIDC_DIR.relative_to(OIDC_DIR.parents[2])}/node_modules (npm ci)")
    return missing


def start_oidc(run_dir: Path, *, redirect_uris: Sequence[str], post_logout_redirect_uris: Sequence[str],
               ports: Mapping[str, Sequence[int]] | None = None, slow_delay_s: float = 1.0,
               timeout: float = 10.0, certs: LabCerts | None = None) -> tuple[LabOidcSet, ServerProcess]:
    """Start every variant in one Node process under `run_dir/oidc`. `ports` may fix the ports
    per variant (scripts/lab): one for a direct provider, two (backend, front) for a proxied one.
    The `tls*` variants start only with `certs`."""
    home = (run_dir / "oidc").resolve()
    home.mkdir(parents=True, exist_ok=True)
    clients = {
        CLIENT_ID: OidcClient(CLIENT_ID, CLIENT_SECRET, tuple(redirect_uris),
                              tuple(post_logout_redirect_uris)),
        PUBLIC_CLIENT_ID: OidcClient(PUBLIC_CLIENT_ID, None, tuple(redirect_uris),
                                     tuple(post_logout_redirect_uris)),
        PLUS_CLIENT_ID: OidcClient(PLUS_CLIENT_ID, PLUS_CLIENT_SECRET, tuple(redirect_uris),
                                   tuple(post_logout_redirect_uris)),
    }
    fixed = {k: list(v) for k, v in (ports or {}).items()}

    def port(variant: str) -> int:
        mine = fixed.get(variant) or []
        return mine.pop(0) if mine else free_port()

    specs: list[dict[str, Any]] = []
    described: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS:
        if variant in TLS_VARIANTS and certs is None:
            continue
        p = port(variant)
        spec: dict[str, Any] = {"name": variant, "port": p, "end_session": True,
                                "pkce": "public", "clients": [c.metadata() for c in clients.values()]}
        if variant == "post_only":
            post = dataclasses.replace(clients[CLIENT_ID], auth_method="client_secret_post")
            spec["clients"] = [post.metadata(), clients[PUBLIC_CLIENT_ID].metadata(),
                               clients[PLUS_CLIENT_ID].metadata()]
            spec["client_auth_methods"] = ["client_secret_post", "none"]
        elif variant == "pkce_always":
            spec["pkce"] = "always"
        elif variant == "plain_pkce":
            spec["pkce_methods"] = ["plain"]
        url = f"http://{HOST}:{p}"
        issuer = url
        delay = 0.0
        mount = ""
        if variant == "issuer_trailing_slash":
            issuer = url + "/"
        elif variant == "issuer_internal":
            issuer = f"http://{INTERNAL_HOST}:{p}"
        elif variant == "no_end_session":
            spec["end_session"] = False
        elif variant == "microsoft":
            mount = f"/{LAB_TENANT}/v2.0"
            url = issuer = url + mount
        elif variant == "microsoft_common":
            mount = "/common/v2.0"
            issuer = url + "/{tenantid}/v2.0"
            url = url + mount
        elif variant in PROXIED:
            front = port(variant)
            scheme = "https" if variant in TLS_VARIANTS else "http"
            url = issuer = f"{scheme}://{HOST}:{front}"
            delay = slow_delay_s if variant == "slow" else 0.0
            spec["front"] = {"port": front, "mode": PROXIED[variant], "delay_ms": int(delay * 1000)}
            if certs is not None and variant in TLS_VARIANTS:
                cert, key = certs.pair(TLS_VARIANTS[variant])
                spec["front"]["tls"] = {"cert": str(cert), "key": str(key)}
        if mount:
            spec["mount"] = mount
        spec["issuer"] = issuer
        specs.append(spec)
        described[variant] = {"url": url, "issuer": issuer, "end_session": spec["end_session"],
                              "delay_s": delay, "mount": mount}

    config = home / "config.json"
    config.write_text(json.dumps({"host": HOST, "accounts": ACCOUNTS, "providers": specs}, indent=2))
    log = home / "oidc.log"
    if log.exists():
        log.unlink()
    node = find_binary("node")
    if node is None:
        raise FileNotFoundError("node not installed (scripts/install-lab-deps)")
    proc = launch("oidc", [node, str(OIDC_DIR / "server.mjs"), str(config)], log_path=log, cwd=OIDC_DIR)

    def ready() -> bool:
        try:
            return "READY " in log.read_text()
        except OSError:
            return False

    try:
        wait_until(ready, timeout=timeout, alive=proc.alive, what="oidc-provider READY")
    except (RuntimeError, TimeoutError) as exc:
        proc.stop()
        raise StartError(proc, f"did not start: {exc}") from None
    variants = {
        name: LabOidc(variant=name, url=d["url"], issuer=d["issuer"], pid=proc.pid, clients=clients,
                      end_session=d["end_session"], delay_s=d["delay_s"], mount=d["mount"])
        for name, d in described.items()
    }
    return LabOidcSet(pid=proc.pid, variants=variants), proc


# ----------------------------------------------------------------------------- flow helpers

def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


def drive_authorization(client: httpx.Client, authorize_url: str, *, stop_at: str, login: str = "alice",
                        password: str = "any-password", max_steps: int = 12) -> str:
    """Follow an authorization request through oidc-provider's dev login and consent pages
    until a redirect to a URL starting with `stop_at` (the client's redirect URI); return that
    URL (with `code`, `state`, `iss`, or `error`). `client` must keep cookies."""
    response = client.get(authorize_url)
    for _ in range(max_steps):
        if response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(stop_at):
                return target
            response = client.get(target)
            continue
        form = _FORM.search(response.text)
        if form is None:
            raise RuntimeError(f"no form and no redirect at {response.url} ({response.status_code}): "
                               f"{response.text[:300]}")
        fields = dict(_INPUT.findall(form.group(2)))
        if 'name="login"' in form.group(2):
            fields.update(login=login, password=password)
        response = client.post(urljoin(str(response.url), form.group(1)), data=fields)
    raise RuntimeError(f"authorization did not reach {stop_at} in {max_steps} steps")


def code_flow(provider: LabOidc, *, client: OidcClient | None = None, login: str = "alice",
              scope: str = "openid email profile", timeout: float = 5.0) -> dict[str, Any]:
    """A full authorization-code flow with PKCE against `provider`; returns the token response
    (access_token, id_token, ...) plus `nonce` and `state` used."""
    import httpx

    client = client or provider.client
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        meta = http.get(provider.discovery_url).json()
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
        redirect_uri = client.redirect_uris[0]
        query = urlencode({"client_id": client.client_id, "response_type": "code", "scope": scope,
                           "redirect_uri": redirect_uri, "state": state, "nonce": nonce,
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        back = drive_authorization(http, f"{meta['authorization_endpoint']}?{query}", stop_at=redirect_uri,
                                   login=login)
        params = parse_qs(urlparse(back).query)
        if "code" not in params:
            raise RuntimeError(f"authorization failed: {back}")
        data = {"grant_type": "authorization_code", "code": params["code"][0],
                "redirect_uri": redirect_uri, "code_verifier": verifier}
        if client.client_secret:
            token = http.post(meta["token_endpoint"], data=data,
                              auth=(client.client_id, client.client_secret))
        else:
            token = http.post(meta["token_endpoint"], data={**data, "client_id": client.client_id})
        token.raise_for_status()
        result: dict[str, Any] = token.json()
        result.update(state=state, nonce=nonce, returned_state=params.get("state", [""])[0])
        return result
