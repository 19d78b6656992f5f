"""Which OAuth providers Open WebUI registers, read exactly as the app reads them.

Source: Open WebUI 0.12.4 `open_webui/config.py`, `load_oauth_providers()` (run once at import)
and the provider variables above it. Every variable there is `os.getenv(NAME, '')` (the PKCE
variable defaults to None) tested for *truthiness*: an unset variable and an empty one are the
same, and nothing is stripped, so a value of one space counts as set. Registration always reads
the process environment, even with `ENABLE_OAUTH_PERSISTENT_CONFIG=true` (only the runtime
`oauth.*` keys such as signup and role mapping come from the database then).

Rules (0.12.4):

- google: `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`.
- microsoft: `MICROSOFT_CLIENT_ID`, `MICROSOFT_CLIENT_SECRET` and `MICROSOFT_CLIENT_TENANT_ID`.
- github: `GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET`.
- oidc: `OAUTH_CLIENT_ID` and (`OAUTH_CLIENT_SECRET` or `OAUTH_CODE_CHALLENGE_METHOD`) and
  `OPENID_PROVIDER_URL`.
- feishu: `FEISHU_CLIENT_ID` and `FEISHU_CLIENT_SECRET`.

A provider whose rule fails is skipped without a log line: `/oauth/{provider}/login` answers 404
and `/api/config` does not list it.

When a provider is registered (at import, `OAuthManager.__init__`), google, microsoft, github and
oidc build their client kwargs with `oauth_client_kwargs()`, which raises (startup fails) when
`OAUTH_CODE_CHALLENGE_METHOD` is set to anything but exactly `S256`; feishu does not call it.

The login route uses the provider's redirect-URI variable when non-empty, else
`request.url_for('oauth_login_callback')` = `{request scheme://host}/oauth/{provider}/callback`
(the app serves the callback at both `/oauth/{provider}/callback` and
`/oauth/{provider}/login/callback`).
"""

from __future__ import annotations

from dataclasses import dataclass

from authdoctor.settings.model import EnvSource

PKCE_VAR = "OAUTH_CODE_CHALLENGE_METHOD"
PKCE_SUPPORTED = "S256"

#: Paths (format with provider=...) at which 0.12.4 serves the OAuth callback. The first is what
#: the app generates itself when no redirect URI is pinned.
CALLBACK_PATHS: tuple[str, ...] = ("/oauth/{provider}/callback", "/oauth/{provider}/login/callback")


@dataclass(frozen=True)
class ProviderSpec:
    """What Open WebUI 0.12.4 reads for one built-in OAuth provider."""

    name: str
    """The provider key: the URL segment in `/oauth/{name}/login` and the `/api/config` key."""
    label: str
    """Human name used in the app's own startup warning (`Google`, `Microsoft`, ...)."""
    client_id_var: str
    client_secret_var: str
    required: tuple[str, ...]
    """Variables that must all be non-empty. For oidc the secret-or-PKCE alternative is extra."""
    redirect_uri_var: str
    scope_var: str
    default_scope: str
    sub_claim: str
    uses_client_kwargs: bool
    """True when registration goes through `oauth_client_kwargs()` (so the PKCE check runs)."""
    in_logout_warning: bool
    """True when the app's "logout will not work" startup warning names this provider."""
    fixed_metadata_url: str | None = None
    """The discovery URL when the app hard-codes it; None when it comes from settings or the
    provider has no discovery at all (see `metadata_url`)."""
    has_discovery: bool = True
    authorize_url: str | None = None
    """The authorization endpoint the app hard-codes (`authorize_url=`, github and feishu only:
    the others take it from their discovery document)."""
    token_url: str | None = None
    """The token endpoint the app hard-codes (`access_token_url=`, github and feishu only)."""
    userinfo_url: str | None = None
    """The user endpoint the app hard-codes (`userinfo_endpoint`, github and feishu only)."""


GOOGLE = ProviderSpec(
    name="google", label="Google",
    client_id_var="GOOGLE_CLIENT_ID", client_secret_var="GOOGLE_CLIENT_SECRET",
    required=("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"),
    redirect_uri_var="GOOGLE_REDIRECT_URI",
    scope_var="GOOGLE_OAUTH_SCOPE", default_scope="openid email profile",
    sub_claim="sub", uses_client_kwargs=True, in_logout_warning=True,
    fixed_metadata_url="https://accounts.google.com/.well-known/openid-configuration",
)
MICROSOFT = ProviderSpec(
    name="microsoft", label="Microsoft",
    client_id_var="MICROSOFT_CLIENT_ID", client_secret_var="MICROSOFT_CLIENT_SECRET",
    required=("MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "MICROSOFT_CLIENT_TENANT_ID"),
    redirect_uri_var="MICROSOFT_REDIRECT_URI",
    scope_var="MICROSOFT_OAUTH_SCOPE", default_scope="openid email profile",
    sub_claim="sub", uses_client_kwargs=True, in_logout_warning=True,
)
GITHUB = ProviderSpec(
    name="github", label="GitHub",
    client_id_var="GITHUB_CLIENT_ID", client_secret_var="GITHUB_CLIENT_SECRET",
    required=("GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"),
    redirect_uri_var="GITHUB_CLIENT_REDIRECT_URI",
    scope_var="GITHUB_CLIENT_SCOPE", default_scope="user:email",
    sub_claim="id", uses_client_kwargs=True, in_logout_warning=True, has_discovery=False,
    authorize_url="https://github.com/login/oauth/authorize",
    token_url="https://github.com/login/oauth/access_token",
    userinfo_url="https://api.github.com/user",
)
OIDC = ProviderSpec(
    name="oidc", label="OIDC",
    client_id_var="OAUTH_CLIENT_ID", client_secret_var="OAUTH_CLIENT_SECRET",
    required=("OAUTH_CLIENT_ID", "OPENID_PROVIDER_URL"),
    redirect_uri_var="OPENID_REDIRECT_URI",
    scope_var="OAUTH_SCOPES", default_scope="openid email profile",
    sub_claim="sub", uses_client_kwargs=True, in_logout_warning=False,
)
FEISHU = ProviderSpec(
    name="feishu", label="Feishu",
    client_id_var="FEISHU_CLIENT_ID", client_secret_var="FEISHU_CLIENT_SECRET",
    required=("FEISHU_CLIENT_ID", "FEISHU_CLIENT_SECRET"),
    redirect_uri_var="FEISHU_REDIRECT_URI",
    scope_var="FEISHU_OAUTH_SCOPE", default_scope="contact:user.base:readonly",
    sub_claim="user_id", uses_client_kwargs=False, in_logout_warning=True, has_discovery=False,
    authorize_url="https://accounts.feishu.cn/open-apis/authen/v1/authorize",
    token_url="https://open.feishu.cn/open-apis/authen/v2/oauth/token",
    userinfo_url="https://open.feishu.cn/open-apis/authen/v1/user_info",
)

#: In the order `load_oauth_providers()` registers them.
PROVIDERS: tuple[ProviderSpec, ...] = (GOOGLE, MICROSOFT, GITHUB, OIDC, FEISHU)
PROVIDERS_BY_NAME: dict[str, ProviderSpec] = {spec.name: spec for spec in PROVIDERS}

#: Every variable that takes part in deciding or building a provider registration.
PROVIDER_VARIABLES: frozenset[str] = frozenset(
    {v for spec in PROVIDERS for v in (*spec.required, spec.client_secret_var, spec.redirect_uri_var,
                                        spec.scope_var)}
    | {PKCE_VAR, "MICROSOFT_CLIENT_LOGIN_BASE_URL", "OAUTH_PROVIDER_NAME"}
)


def _val(env: EnvSource, name: str) -> str:
    """`os.getenv(name, '')` as the app has it."""
    value = env.get(name)
    return "" if value is None else value


@dataclass(frozen=True)
class ProviderSettings:
    """One provider as the app would register it (or, for a partial one, would have)."""

    spec: ProviderSpec
    client_id: str
    redirect_uri: str
    """The pinned redirect URI, `''` when the app builds it from the request."""
    scope: str
    """The scope string the app sends (the variable, or its default when unset/empty)."""
    scope_is_default: bool
    metadata_url: str | None
    """Where the app fetches discovery (None for github/feishu, which have none)."""
    display_name: str
    """What `/api/config` shows: `OAUTH_PROVIDER_NAME` (default `SSO`) for oidc, else the key."""
    missing: tuple[str, ...] = ()
    """Variables the app still needs before it registers this provider (empty when registered)."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def redirect_uri_var(self) -> str:
        return self.spec.redirect_uri_var

    @property
    def scope_var(self) -> str:
        return self.spec.scope_var

    def callback_paths(self) -> tuple[str, ...]:
        """The paths the app serves this provider's callback on (generated one first)."""
        return tuple(p.format(provider=self.spec.name) for p in CALLBACK_PATHS)


def _missing(spec: ProviderSpec, env: EnvSource) -> tuple[str, ...]:
    missing = [name for name in spec.required if not _val(env, name)]
    if spec is OIDC and not (_val(env, "OAUTH_CLIENT_SECRET") or _val(env, PKCE_VAR)):
        missing.insert(1, "OAUTH_CLIENT_SECRET or OAUTH_CODE_CHALLENGE_METHOD")
    return tuple(missing)


def _touched(spec: ProviderSpec, env: EnvSource) -> bool:
    """True when the operator set any variable that identifies this provider's client. Scope,
    redirect URI and the shared `OPENID_PROVIDER_URL` alone do not count (the latter is also the
    logout discovery URL for the other providers)."""
    own = {spec.client_id_var, spec.client_secret_var, *spec.required} - {"OPENID_PROVIDER_URL"}
    return any(_val(env, name) for name in own)


def _settings(spec: ProviderSpec, env: EnvSource, missing: tuple[str, ...]) -> ProviderSettings:
    scope_raw = _val(env, spec.scope_var)
    # The app: os.getenv(SCOPE_VAR, default) -- an explicitly empty variable stays empty.
    scope_set = env.get(spec.scope_var) is not None
    scope = scope_raw if scope_set else spec.default_scope
    if spec is OIDC:
        metadata: str | None = _val(env, "OPENID_PROVIDER_URL") or None
        display = env.get("OAUTH_PROVIDER_NAME")
        display_name = "SSO" if display is None else display
    elif spec is MICROSOFT:
        base = env.get("MICROSOFT_CLIENT_LOGIN_BASE_URL")
        base = "https://login.microsoftonline.com" if base is None else base
        tenant = _val(env, "MICROSOFT_CLIENT_TENANT_ID")
        metadata = (f"{base}/{tenant}/v2.0/.well-known/openid-configuration"
                    f"?appid={_val(env, spec.client_id_var)}")
        display_name = spec.name
    else:
        metadata = spec.fixed_metadata_url
        display_name = spec.name
    return ProviderSettings(
        spec=spec, client_id=_val(env, spec.client_id_var),
        redirect_uri=_val(env, spec.redirect_uri_var), scope=scope,
        scope_is_default=not scope_set, metadata_url=metadata, display_name=display_name,
        missing=missing,
    )


def configured_providers(env: EnvSource) -> dict[str, ProviderSettings]:
    """The providers `load_oauth_providers()` registers from these settings, keyed by name, in the
    app's order. This ignores `ENABLE_OAUTH` (a runtime switch that hides registered providers)."""
    result: dict[str, ProviderSettings] = {}
    for spec in PROVIDERS:
        missing = _missing(spec, env)
        if not missing:
            result[spec.name] = _settings(spec, env, ())
    return result


def partially_configured_providers(env: EnvSource) -> dict[str, ProviderSettings]:
    """Providers for which some identifying variable is set but the app will skip registration;
    `ProviderSettings.missing` names what is still needed."""
    result: dict[str, ProviderSettings] = {}
    for spec in PROVIDERS:
        missing = _missing(spec, env)
        if missing and _touched(spec, env):
            result[spec.name] = _settings(spec, env, missing)
    return result


def logout_warning_providers(env: EnvSource) -> list[str]:
    """The provider labels the app names in its startup warning "OAuth providers configured (...)
    but OPENID_PROVIDER_URL not set - logout will not work!": every one of Google, Microsoft,
    GitHub, Feishu whose client id is set (registered or not), when neither `OPENID_PROVIDER_URL`
    nor `OPENID_END_SESSION_ENDPOINT` is set. Empty when the warning is not logged."""
    if _val(env, "OPENID_PROVIDER_URL") or _val(env, "OPENID_END_SESSION_ENDPOINT"):
        return []
    return [spec.label for spec in PROVIDERS
            if spec.in_logout_warning and _val(env, spec.client_id_var)]


def pkce_method(env: EnvSource) -> str | None:
    """`OAUTH_CODE_CHALLENGE_METHOD` as the app holds it (None when unset)."""
    return env.get(PKCE_VAR)


def pkce_breaks_startup(env: EnvSource) -> bool:
    """True when the app will raise at import: a non-empty PKCE method other than exactly `S256`
    and at least one registered provider that builds its kwargs through `oauth_client_kwargs()`."""
    method = _val(env, PKCE_VAR)
    if not method or method == PKCE_SUPPORTED:
        return False
    return any(PROVIDERS_BY_NAME[name].uses_client_kwargs for name in configured_providers(env))


# ----------------------------------------------------------------------------- fixed endpoints
# Providers without discovery (0.12.4 registers them with hard-coded endpoints, on their specs
# above). These are the URLs `authdoctor.checks.oidc` GETs for reachability only (no client id,
# no credentials): the authorize endpoint the browser is sent to, and the token and user
# endpoints the app's server calls in the callback.


def _reachability(spec: ProviderSpec, user_what: str) -> tuple[tuple[str, str], ...]:
    return (("authorize endpoint (browser)", spec.authorize_url or ""),
            ("token endpoint (server)", spec.token_url or ""), (user_what, spec.userinfo_url or ""))


#: provider name -> ((what the app uses it for, URL), ...), in the order the app uses them.
REACHABILITY_ENDPOINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "github": _reachability(GITHUB, "user API (server)"),
    "feishu": _reachability(FEISHU, "user info endpoint (server)"),
}


# --------------------------------------------------------------------------- the token request

TOKEN_AUTH_METHOD_VAR = "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD"
INCLUDE_CLIENT_ID_VAR = "OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID"
#: The client authentication methods authlib 1.7.2 can perform with what Open WebUI gives it.
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class TokenRequestShape:
    """How 0.12.4 (with authlib 1.7.2) authenticates the client at the token endpoint.

    Sign-in (`authorize_access_token`): `OAUTH_TOKEN_ENDPOINT_AUTH_METHOD` (oidc only, passed as
    `token_endpoint_auth_method` in the client kwargs), else authlib's default:
    `client_secret_basic` with a secret, `none` without (client_id in the body).
    `OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID=true` adds `client_id` to the body. PKCE
    (`code_verifier`) only with `OAUTH_CODE_CHALLENGE_METHOD=S256`, for the providers registered
    through `oauth_client_kwargs()` (not feishu). Token refresh is Open WebUI's own code
    (`utils/oauth.py`): HTTP Basic only when the method is *explicitly* `client_secret_basic`,
    else `client_secret` in the body."""

    method: str
    method_setting: str | None
    """`OAUTH_TOKEN_ENDPOINT_AUTH_METHOD` when it decided the method, else None (the default)."""
    include_client_id: bool
    pkce: bool
    refresh_method: str


def token_request_shape(provider: ProviderSettings, env: EnvSource) -> TokenRequestShape:
    secret = _val(env, provider.spec.client_secret_var)
    configured = _val(env, TOKEN_AUTH_METHOD_VAR) if provider.spec is OIDC else ""
    method = configured or ("client_secret_basic" if secret else "none")
    refresh = ("none" if not secret else
               "client_secret_basic" if configured == "client_secret_basic" else "client_secret_post")
    return TokenRequestShape(
        method=method, method_setting=configured or None,
        include_client_id=_val(env, INCLUDE_CLIENT_ID_VAR).lower() == "true",
        pkce=provider.spec.uses_client_kwargs and _val(env, PKCE_VAR) == PKCE_SUPPORTED,
        refresh_method=refresh,
    )


def client_secret(provider: ProviderSettings, env: EnvSource) -> str:
    """The provider's client secret as the app reads it (`''` when unset). Never show it."""
    return _val(env, provider.spec.client_secret_var)
