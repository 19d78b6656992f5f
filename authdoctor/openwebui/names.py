"""What an unknown variable name was probably meant to be: by spelling (a near miss of an auth
setting) or by meaning (another product's name for the same setting).

Open WebUI 0.12.4 reads each setting under one exact name (`authdoctor.openwebui.variables`) and
ignores every other variable. Two classes of mistake put the right value under the wrong name:

- **Near misses of an auth setting**: a dropped or added letter (`OPENID_PROVIDR_URL`), a dropped
  or added word (`WEBUI_SECRET` for `WEBUI_SECRET_KEY`, `OAUTH_OIDC_CLIENT_ID`), a singular for
  a plural (`OAUTH_SCOPE`), swapped words. `near_miss()` recognises these structurally, so a
  short name that a ratio-based did-you-mean scores low is still caught.
- **Foreign names**: the variable another product uses for the same thing, copied from its
  guide. `FOREIGN_NAMES` maps each to the Open WebUI variable *by meaning*, with the product
  whose documentation uses it (the `source`). An issuer or discovery URL maps to
  `OPENID_PROVIDER_URL`, which in Open WebUI must be the full discovery document URL. Beyond the
  table, `foreign_by_pattern()` reads names built as an identity provider's name plus what the
  setting is (`KEYCLOAK_CLIENT_SECRET`, `SSO_ISSUER_URL`, `OKTA_ISSUER`).

Sources of the foreign names (each product's own configuration documentation):
LibreChat (`OPENID_ISSUER`, `OPENID_CLIENT_ID`, `OPENID_CLIENT_SECRET`, `OPENID_CALLBACK_URL`,
`OPENID_SCOPE`: librechat.ai, Authentication > OAuth2-OIDC); oauth2-proxy (every flag as
`OAUTH2_PROXY_<FLAG>`: `--client-id`, `--client-secret`, `--oidc-issuer-url`, `--redirect-url`,
`--scope`; oauth2-proxy.github.io, Configuration > Overview); Grafana (`GF_<SECTION>_<KEY>` for
`[auth.generic_oauth] client_id, client_secret, scopes`; grafana.com, Configure Generic OAuth);
Mealie (`OIDC_CONFIGURATION_URL`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`; docs.mealie.io, OIDC);
the common `OIDC_*` convention (`OIDC_ISSUER`, `OIDC_DISCOVERY_URL`, `OIDC_REDIRECT_URI`,
`OIDC_SCOPES`; e.g. Nutify's and Outline's environment documentation); python-social-auth
(`SOCIAL_AUTH_OIDC_OIDC_ENDPOINT`, `SOCIAL_AUTH_OIDC_KEY`, `SOCIAL_AUTH_OIDC_SECRET`, e.g.
Squest's documentation); `JWT_SECRET`/`JWT_SECRET_KEY` (the signing-key name of Express and
Flask-JWT guides, which Open WebUI calls `WEBUI_SECRET_KEY`); provider-named client variables
(`GOOGLE_OAUTH_CLIENT_ID`, `GITHUB_OAUTH_CLIENT_ID`, `MICROSOFT_TENANT_ID`, `AZURE_AD_TENANT_ID`);
LDAP and Redis URL conventions (`LDAP_URL`, `LDAP_USE_SSL` after ldap3's `use_ssl`, `REDIS_HOST`,
`REDIS_PASSWORD` of the Redis images, where Open WebUI takes one `REDIS_URL`).
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authdoctor.openwebui.variables import KNOWN_VARIABLES, NOT_READ_ANYMORE

if TYPE_CHECKING:  # names only: settings.model asks this module for suggestions at run time
    from authdoctor.settings.model import EnvSource, EnvVar

#: Prefixes of the settings that decide sign-in (a near miss of one of these is a warning).
_AUTH_PREFIXES = (
    "WEBUI_AUTH", "WEBUI_SECRET", "WEBUI_SESSION", "WEBUI_URL", "WEBUI_ADMIN", "JWT_", "OAUTH_",
    "OPENID_", "GOOGLE_CLIENT", "GOOGLE_OAUTH", "GOOGLE_REDIRECT", "MICROSOFT_CLIENT",
    "MICROSOFT_OAUTH", "MICROSOFT_REDIRECT", "GITHUB_CLIENT", "FEISHU_", "LDAP_", "ENABLE_OAUTH",
    "ENABLE_LDAP", "ENABLE_SIGNUP", "ENABLE_LOGIN_FORM", "ENABLE_PASSWORD_AUTH",
    "ENABLE_PERSISTENT_CONFIG", "ENABLE_API_KEY", "ENABLE_MFA", "ENABLE_SCIM",
    "ENABLE_INITIAL_ADMIN", "DEFAULT_USER_ROLE", "REDIS_", "WEBSOCKET_REDIS", "CORS_ALLOW", "MFA_",
    "SCIM_", "FORWARDED_ALLOW", "RESET_CONFIG", "DATABASE_URL",
)

#: The known variables that decide sign-in, session or authorization behaviour.
AUTH_VARIABLES: frozenset[str] = frozenset(
    n for n in KNOWN_VARIABLES if n.startswith(_AUTH_PREFIXES)
)


def is_auth_setting(name: str) -> bool:
    return name in AUTH_VARIABLES


@dataclass(frozen=True)
class ForeignName:
    """Another product's variable for an Open WebUI setting."""

    target: str
    source: str
    proxy: bool = False
    """True for a variable another component reads itself (an authenticating proxy such as
    oauth2-proxy; the Azure SDK's credential variables): in a shared .env it is probably meant
    for that component, so it is only a warning when Open WebUI's own provider settings are being
    set up too."""


def _table() -> dict[str, ForeignName]:
    table: dict[str, ForeignName] = {}

    def add(target: str, source: str, *names: str, proxy: bool = False) -> None:
        for name in names:
            table[name] = ForeignName(target, source, proxy)

    discovery = "OPENID_PROVIDER_URL"
    add(discovery, "LibreChat", "OPENID_ISSUER")
    add(discovery, "the OIDC_* convention (Nutify, Outline)", "OIDC_ISSUER", "OIDC_ISSUER_URL",
        "OIDC_DISCOVERY_URL", "OIDC_DISCOVERY_URI", "OIDC_PROVIDER", "OIDC_WELL_KNOWN_URL",
        "OIDC_AUTHORITY", "OIDC_ENDPOINT")
    add(discovery, "Mealie", "OIDC_CONFIGURATION_URL")
    add(discovery, "python-social-auth", "SOCIAL_AUTH_OIDC_OIDC_ENDPOINT")
    add(discovery, "the OAUTH_* convention", "OAUTH_ISSUER", "OAUTH_ISSUER_URL", "OAUTH_DISCOVERY_URL",
        "OAUTH2_ISSUER_URL", "OPENID_CONFIGURATION_URL", "OPENID_DISCOVERY_URL",
        "OPENID_CONNECT_URL", "OPENID_ISSUER_URL")
    add(discovery, "oauth2-proxy", "OAUTH2_PROXY_OIDC_ISSUER_URL", proxy=True)
    add("OAUTH_CLIENT_ID", "LibreChat", "OPENID_CLIENT_ID")
    add("OAUTH_CLIENT_ID", "the OIDC_* convention (Mealie, Nutify, Outline)", "OIDC_CLIENT_ID")
    add("OAUTH_CLIENT_ID", "Grafana", "GF_AUTH_GENERIC_OAUTH_CLIENT_ID")
    add("OAUTH_CLIENT_ID", "python-social-auth", "SOCIAL_AUTH_OIDC_KEY")
    add("OAUTH_CLIENT_ID", "the OAUTH2_* convention", "OAUTH2_CLIENT_ID")
    add("OAUTH_CLIENT_ID", "oauth2-proxy", "OAUTH2_PROXY_CLIENT_ID", proxy=True)
    add("OAUTH_CLIENT_SECRET", "LibreChat", "OPENID_CLIENT_SECRET")
    add("OAUTH_CLIENT_SECRET", "the OIDC_* convention (Mealie, Nutify, Outline)", "OIDC_CLIENT_SECRET")
    add("OAUTH_CLIENT_SECRET", "Grafana", "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET")
    add("OAUTH_CLIENT_SECRET", "python-social-auth", "SOCIAL_AUTH_OIDC_SECRET")
    add("OAUTH_CLIENT_SECRET", "the OAUTH2_* convention", "OAUTH2_CLIENT_SECRET")
    add("OAUTH_CLIENT_SECRET", "oauth2-proxy", "OAUTH2_PROXY_CLIENT_SECRET", proxy=True)
    add("OPENID_REDIRECT_URI", "LibreChat", "OPENID_CALLBACK_URL")
    add("OPENID_REDIRECT_URI", "the OIDC_* convention", "OIDC_REDIRECT_URI", "OIDC_REDIRECT_URL",
        "OIDC_CALLBACK_URL", "OAUTH_CALLBACK_URL", "OAUTH_REDIRECT_URL")
    add("OPENID_REDIRECT_URI", "oauth2-proxy", "OAUTH2_PROXY_REDIRECT_URL", proxy=True)
    add("OAUTH_SCOPES", "LibreChat", "OPENID_SCOPE")
    add("OAUTH_SCOPES", "the OIDC_* convention", "OIDC_SCOPES", "OIDC_SCOPE")
    add("OAUTH_SCOPES", "Grafana", "GF_AUTH_GENERIC_OAUTH_SCOPES")
    add("OAUTH_SCOPES", "oauth2-proxy", "OAUTH2_PROXY_SCOPE", proxy=True)
    add("WEBUI_SECRET_KEY", "the JWT_SECRET convention (Express, Flask-JWT and many others)",
        "JWT_SECRET", "JWT_SECRET_KEY", "JWT_SIGNING_KEY")
    add("JWT_EXPIRES_IN", "the JWT_* convention", "JWT_EXPIRE", "JWT_EXPIRES", "JWT_EXPIRY_TIME",
        "JWT_EXPIRATION_TIME", "JWT_TTL", "JWT_LIFETIME")
    add("LDAP_SERVER_HOST", "the LDAP URL convention (ldap3, python-ldap guides)", "LDAP_URL", "LDAP_URI",
        "LDAP_SERVER_URL", "LDAP_SERVER_URI", "LDAP_SERVER")
    add("LDAP_USE_TLS", "ldap3's use_ssl", "LDAP_USE_SSL", "LDAP_SSL", "LDAP_TLS")
    add("REDIS_URL", "the Redis image convention (REDIS_HOST/PORT/PASSWORD; Open WebUI takes one URL, "
        "redis://:password@host:port/db)", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_URI")
    add("GOOGLE_CLIENT_ID", "the <PROVIDER>_OAUTH_* convention", "GOOGLE_OAUTH_CLIENT_ID")
    add("GOOGLE_CLIENT_SECRET", "the <PROVIDER>_OAUTH_* convention", "GOOGLE_OAUTH_CLIENT_SECRET")
    add("GITHUB_CLIENT_ID", "the <PROVIDER>_OAUTH_* convention", "GITHUB_OAUTH_CLIENT_ID")
    add("GITHUB_CLIENT_SECRET", "the <PROVIDER>_OAUTH_* convention", "GITHUB_OAUTH_CLIENT_SECRET")
    add("MICROSOFT_CLIENT_TENANT_ID", "the Entra ID convention", "MICROSOFT_TENANT_ID",
        "AZURE_AD_TENANT_ID", "ENTRA_TENANT_ID")
    add("MICROSOFT_CLIENT_ID", "the Entra ID convention", "AZURE_AD_CLIENT_ID", "ENTRA_CLIENT_ID")
    add("MICROSOFT_CLIENT_SECRET", "the Entra ID convention", "AZURE_AD_CLIENT_SECRET",
        "ENTRA_CLIENT_SECRET")
    # azure-identity's EnvironmentCredential; Open WebUI also uses that library for Azure OpenAI
    # and storage, so these may be meant for it: a warning only when a Microsoft provider is set up.
    azure = "the Azure SDK (azure-identity EnvironmentCredential)"
    add("MICROSOFT_CLIENT_TENANT_ID", azure, "AZURE_TENANT_ID", proxy=True)
    add("MICROSOFT_CLIENT_ID", azure, "AZURE_CLIENT_ID", proxy=True)
    add("MICROSOFT_CLIENT_SECRET", azure, "AZURE_CLIENT_SECRET", proxy=True)
    return table


#: Foreign variable name -> the Open WebUI variable with the same meaning.
FOREIGN_NAMES: dict[str, ForeignName] = _table()

#: Words that name an identity provider or the protocol in other products' variable names
#: (`KEYCLOAK_CLIENT_SECRET`, `SSO_ISSUER_URL`, `AUTHENTIK_CLIENT_ID`, …).
_IDP_WORDS = frozenset({
    "OIDC", "OPENID", "OAUTH", "OAUTH2", "SSO", "KEYCLOAK", "AUTHENTIK", "AUTHELIA", "AUTH0",
    "OKTA", "ZITADEL", "CASDOOR", "DEX", "COGNITO", "LOGTO", "KANIDM", "POCKETID", "ENTRA", "IDP",
})
#: Trailing words -> the Open WebUI variable they mean (for the generic OIDC provider).
_SUFFIX_MEANING: tuple[tuple[tuple[str, ...], str], ...] = (
    (("CLIENT", "ID"), "OAUTH_CLIENT_ID"),
    (("CLIENTID",), "OAUTH_CLIENT_ID"),
    (("CLIENT", "SECRET"), "OAUTH_CLIENT_SECRET"),
    (("ISSUER",), "OPENID_PROVIDER_URL"),
    (("ISSUER", "URL"), "OPENID_PROVIDER_URL"),
    (("ISSUER", "URI"), "OPENID_PROVIDER_URL"),
    (("DISCOVERY", "URL"), "OPENID_PROVIDER_URL"),
    (("DISCOVERY", "URI"), "OPENID_PROVIDER_URL"),
    (("DISCOVERY", "ENDPOINT"), "OPENID_PROVIDER_URL"),
    (("WELL", "KNOWN", "URL"), "OPENID_PROVIDER_URL"),
    (("CONFIGURATION", "URL"), "OPENID_PROVIDER_URL"),
    (("METADATA", "URL"), "OPENID_PROVIDER_URL"),
    (("AUTHORITY",), "OPENID_PROVIDER_URL"),
    (("REDIRECT", "URI"), "OPENID_REDIRECT_URI"),
    (("REDIRECT", "URL"), "OPENID_REDIRECT_URI"),
    (("CALLBACK", "URL"), "OPENID_REDIRECT_URI"),
    (("CALLBACK", "URI"), "OPENID_REDIRECT_URI"),
    (("SCOPE",), "OAUTH_SCOPES"),
    (("SCOPES",), "OAUTH_SCOPES"),
)


def foreign_by_pattern(name: str) -> ForeignName | None:
    """`<IdP word>…_<meaning>`: a name that says which identity provider and which setting, in
    another product's words (`KEYCLOAK_CLIENT_SECRET`, `SSO_ISSUER_URL`). Provider names Open
    WebUI has its own variables for (GOOGLE_, MICROSOFT_, GITHUB_, FEISHU_) are left to the
    table and the near-miss rule."""
    tokens = _tokens(name)
    if name in KNOWN_VARIABLES or not tokens or tokens[0] in ("GOOGLE", "MICROSOFT", "GITHUB", "FEISHU"):
        return None
    if _IDP_WORDS.isdisjoint(tokens):  # first: most names of an environment name no provider
        return None
    for suffix, target in _SUFFIX_MEANING:
        head = tokens[: len(tokens) - len(suffix)]
        if tuple(tokens[-len(suffix):]) == suffix and head and _IDP_WORDS & set(head):
            proxy = "PROXY" in head
            return ForeignName(target, "other products that prefix an identity provider's name "
                               f"(<IdP>_{'_'.join(suffix)})", proxy)
    return None


@dataclass(frozen=True)
class Suggestion:
    """What an unknown name was probably meant to be, and why authdoctor thinks so."""

    target: str
    kind: str  # "case" (wrong letter case), "near-miss" (one slip), "meaning" (foreign name),
    #            "renamed" (older/doc name), "spelling" (only similar)
    source: str = ""
    another_component: bool = False  # a foreign name another component itself reads (ForeignName.proxy)

    @property
    def auth(self) -> bool:
        return is_auth_setting(self.target)


def _tokens(name: str) -> list[str]:
    return [t for t in name.split("_") if t]


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped."""
    if a == b:
        return False
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _plural_pair(x: str, y: str) -> bool:
    return x != y and (x + "S" == y or y + "S" == x or x + "ES" == y or y + "ES" == x)


def _structural_match(name: str, candidate: str) -> bool:
    """True when `name` is `candidate` with one structural slip (see the module docstring)."""
    a, b = _tokens(name), _tokens(candidate)
    if not a or not b:
        return False
    if len(a) + 1 == len(b) and any(b[:i] + b[i + 1:] == a for i in range(len(b))):
        return True  # a word dropped (WEBUI_SECRET -> WEBUI_SECRET_KEY)
    if len(a) == len(b) + 1 and any(a[:i] + a[i + 1:] == b for i in range(len(a))):
        return True  # a word added (OAUTH_OIDC_CLIENT_ID -> OAUTH_CLIENT_ID)
    if len(a) == len(b):
        diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        if len(diffs) == 1 and _plural_pair(*diffs[0]):
            return True  # a singular for a plural (OAUTH_SCOPE -> OAUTH_SCOPES)
        if len(diffs) == 2 and sorted(a) == sorted(b):
            return True  # two words swapped
    return _edit_distance_at_most_one(name, candidate)


def _candidates(name: str) -> set[str]:
    """The auth settings `name` could be one slip away from, found through two indexes instead
    of a comparison with every one (a process environment or a generated deploy.yaml can hold
    tens of thousands of names): a one-character slip keeps the length within one, and every
    word-level slip (dropped, added, singular for plural, swapped) keeps a word in common.
    Single-word settings are always candidates."""
    found = set(_SINGLE_WORD)
    for length in (len(name) - 1, len(name), len(name) + 1):
        found.update(_BY_LENGTH.get(length, ()))
    for word in set(_tokens(name)):
        found.update(_BY_WORD.get(word, ()))
    return found


def near_miss(name: str) -> str | None:
    """The auth setting `name` is a near miss of, or None. With several, the closest spelling."""
    if name in KNOWN_VARIABLES:
        return None
    matches = [c for c in _candidates(name) if _structural_match(name, c)]
    if not matches:
        return None
    return max(sorted(matches), key=lambda c: difflib.SequenceMatcher(None, name, c).ratio())


def _index() -> tuple[dict[int, list[str]], dict[str, list[str]], list[str]]:
    by_length: dict[int, list[str]] = {}
    by_word: dict[str, list[str]] = {}
    single: list[str] = []
    for candidate in sorted(AUTH_VARIABLES):
        by_length.setdefault(len(candidate), []).append(candidate)
        words = set(_tokens(candidate))
        if len(words) <= 1:
            single.append(candidate)
        for word in words:
            by_word.setdefault(word, []).append(candidate)
    return by_length, by_word, single


_BY_LENGTH, _BY_WORD, _SINGLE_WORD = _index()


@functools.lru_cache(maxsize=65536)
def suggestion_for(name: str, *, spelling: bool = True) -> Suggestion | None:
    """Why an unknown `name` looks like a known setting: a documented rename, another product's
    name (by meaning), a near miss of an auth setting, or only a similar spelling. The spelling
    comparison against every known name is the costly step (about 1 ms a name): callers that would
    ignore a spelling-only answer pass `spelling=False`, so thousands of unrelated variables (a
    whole process environment) stay fast."""
    if name in KNOWN_VARIABLES:
        return None
    if name != name.upper() and name.upper() in KNOWN_VARIABLES:
        return Suggestion(name.upper(), "case")  # Linux environment names are case-sensitive
    if name in NOT_READ_ANYMORE:
        return Suggestion(NOT_READ_ANYMORE[name], "renamed")
    foreign = FOREIGN_NAMES.get(name) or foreign_by_pattern(name)
    if foreign is not None:
        return Suggestion(foreign.target, "meaning", foreign.source, another_component=foreign.proxy)
    close = near_miss(name)
    if close is not None:
        return Suggestion(close, "near-miss")
    if not spelling:
        return None
    matches = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1, cutoff=0.75)
    return Suggestion(matches[0], "spelling") if matches else None


def misnamed_as(env: EnvSource, target: str) -> EnvVar | None:
    """An unknown variable in `env` that looks like it was meant to be `target` (set, non-empty),
    or None. Used to say why a required setting is missing."""
    for var in env:
        if not var.value or var.name in KNOWN_VARIABLES:
            continue
        suggestion = suggestion_for(var.name, spelling=False)
        if suggestion is not None and suggestion.target == target:
            return var
    return None


def describe_line(var: EnvVar) -> str:
    """`OIDC_ISSUER on line 12` (or `in compose.yml`), for a finding's text."""
    location = var.location
    if location is None:
        return var.name
    if location.line is not None:
        return f"{var.name} on line {location.line} of {location.path}"
    return f"{var.name} in {location.path}"
