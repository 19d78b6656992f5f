"""General settings hygiene for Open WebUI 0.12.4, from settings alone (settings half).

Failure modes named here, and the app behaviour each rests on:

- `config.unknown-variable`: a name shaped like an Open WebUI setting that the app does not read
  (`authdoctor.openwebui.variables`, extracted from the 0.12.4 wheel): a misspelled setting is
  silently ignored, so the default applies. Aliases the app still reads are known. What it was
  meant to be comes from `authdoctor.openwebui.names`: a near miss of an auth setting or another
  product's name for it (by meaning) is a warning, as is a name that would complete a provider
  the app skips.
- `config.signup-reopens`: the first account's `ui.enable_signup=false` is lost at restart with
  `ENABLE_PERSISTENT_CONFIG=false` or `RESET_CONFIG_ON_START=true`, and ENABLE_SIGNUP is unset.
- `config.startup-fails` for the database: `sqlite+sqlcipher://` (refused by the async engine at
  import) and `postgresql://` without psycopg2 (`database_findings`).
- `config.value-whitespace`: `os.getenv` values are never stripped; `' true'` is false, `'lax '`
  fails Starlette's SameSite assertion, `'4w '` still parses but `' -1'` does not.
  A trailing space after an unquoted value in a .env file is stripped by python-dotenv and
  compose, but kept by `docker run --env-file` (info).
- `config.invalid-value`: booleans the app reads as false (`yes`, `1`, ` true`, empty where the
  default is true: `os.getenv(N, d).lower() == 'true'`), integers `int()` refuses at import
  (startup fails), a `WEBUI_URL` that is not an absolute http(s) URL, a `DEFAULT_USER_ROLE` the
  app seeds unchecked but `get_verified_user` refuses.
- `config.cors-origin-invalid`: `CORS_ALLOW_ORIGIN` is split on `;` without stripping and each
  entry is validated at import (`validate_cors_origin`: scheme http/https/CORS_ALLOW_CUSTOM_SCHEME,
  netloc required, else ValueError: the app does not start); entries that pass but can never equal
  a browser's Origin (comma lists, trailing slash, path, spaces) never match; `*` reflects any
  origin with credentials (Starlette CORSMiddleware with allow_credentials=True).
- `config.persisted-setting-ignored`: variables seeding `DEFAULT_CONFIG` keys are copied into the
  database on the first start and the database copy wins afterwards (`models/config.py`), unless
  `ENABLE_PERSISTENT_CONFIG` is not true; `oauth.*` keys only with
  `ENABLE_OAUTH_PERSISTENT_CONFIG=true`; `RESET_CONFIG_ON_START=true` clears the table each start.
- `config.replica-mismatch`: settings every replica must share (Redis, database, cookies, OAuth
  clients, LDAP, auth switches) differ between sources. Secret values are never shown.
- `config.startup-fails`: `open-webui serve` generating a key with a `WEBUI_SECRET_KEY_LENGTH`
  that `int()` refuses or that is below 1 (`__init__.py`).
- `config.value-unknown`: variables the input sets from a Kubernetes ConfigMap or Secret it does
  not hold (`EnvVar.unknown`, `EnvSource.unresolved`). Their values are never guessed: a rule
  that needs one is not judged, and this finding says which values were missing.
"""

from __future__ import annotations

from collections.abc import Callable

from authdoctor.checks._replicas import each_replica
from authdoctor.checks._urls import URLProblem, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding, Severity
from authdoctor.masking import is_secret_name, mask, mask_credentials, mask_url
from authdoctor.openwebui.envread import env_true, getenv, int_or_none
from authdoctor.openwebui.names import suggestion_for
from authdoctor.openwebui.oauth import (
    PROVIDER_VARIABLES,
    PROVIDERS,
    configured_providers,
    partially_configured_providers,
)
from authdoctor.openwebui.values import (
    BOOLEAN_FALLBACKS,
    BOOLEAN_VARIABLES,
    STARTUP_INTS,
    bool_default,
    cookie_settings,
    cors_custom_schemes,
    cors_never_matches,
    cors_origins,
    cors_startup_error,
    int_problem,
    oauth_persistent_config,
    persistent_config,
    read_bool,
    webui_auth,
)
from authdoctor.openwebui.variables import (
    ALIASES,
    is_known,
    is_persisted,
    looks_like_setting,
    similarity,
)
from authdoctor.settings.model import Deployment, EnvSource, UnknownValueError

AREA = "config"
WELL_KNOWN = "/.well-known/openid-configuration"

#: Switches whose misreading weakens security (reading false turns protection off).
SECURITY_SWITCHES = frozenset({
    "WEBUI_AUTH", "WEBUI_AUTH_COOKIE_SECURE", "WEBUI_SESSION_COOKIE_SECURE", "LDAP_USE_TLS",
    "LDAP_VALIDATE_CERT", "ENABLE_PASSWORD_VALIDATION", "REQUESTS_VERIFY",
    "ENABLE_WEB_LOADER_SSL_VERIFICATION", "ENABLE_OAUTH_BACKCHANNEL_LOGOUT",
})
ROLES = ("pending", "user", "admin")

#: Settings every replica must share, with the consequence when they differ.
_SHARED_STATE = ("revocations, rate limits and websocket state written by one replica are invisible "
                 "to the others")
_LDAP = "LDAP sign-in depends on the replica"
MUST_MATCH: dict[str, str] = {
    "REDIS_URL": _SHARED_STATE, "REDIS_KEY_PREFIX": _SHARED_STATE,
    "REDIS_SENTINEL_HOSTS": _SHARED_STATE, "REDIS_CLUSTER": _SHARED_STATE,
    "WEBSOCKET_MANAGER": _SHARED_STATE, "WEBSOCKET_REDIS_URL": _SHARED_STATE,
    "DATABASE_URL": "replicas see different users, sessions and settings",
    "WEBUI_AUTH": "some replicas require sign-in and others do not",
    "WEBUI_URL": "users are redirected to different places after sign-in",
    "JWT_EXPIRES_IN": "token lifetime depends on which replica issued the token",
    "ENABLE_PASSWORD_AUTH": "password sign-in works or not depending on the replica",
    "ENABLE_PERSISTENT_CONFIG": "replicas disagree on whether the database or env wins",
    "ENABLE_OAUTH_PERSISTENT_CONFIG": "replicas disagree on whether the database or env wins",
    "ENABLE_STAR_SESSIONS_MIDDLEWARE": "OAuth state is stored in Redis on some replicas only",
    "CORS_ALLOW_ORIGIN": "cross-origin requests succeed or fail depending on the replica",
    "ENABLE_OAUTH_SIGNUP": "new SSO users are admitted or refused depending on the replica",
    "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "accounts are linked or refused depending on the replica",
    "OAUTH_ALLOWED_DOMAINS": "an email domain is admitted or refused depending on the replica",
    "ENABLE_LDAP": "LDAP sign-in works or not depending on the replica",
    "LDAP_SERVER_HOST": _LDAP, "LDAP_SERVER_PORT": _LDAP, "LDAP_USE_TLS": _LDAP,
    "LDAP_SEARCH_BASE": _LDAP, "LDAP_APP_DN": _LDAP, "LDAP_APP_PASSWORD": _LDAP,
    "WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "trusted-header sign-in depends on the replica",
    "OPENID_END_SESSION_ENDPOINT": "sign-out ends the IdP session on some replicas only",
    "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "sign-out lands in different places",
    "ENABLE_OAUTH_BACKCHANNEL_LOGOUT": "IdP logouts are honoured by some replicas only",
}
_OAUTH_EFFECT = ("the OAuth login starts on one replica and the callback may land on another with "
                 "a different client configuration: the IdP or the token exchange rejects it")
_ERROR_MISMATCH = frozenset({"REDIS_URL", "REDIS_KEY_PREFIX", "DATABASE_URL", "WEBUI_AUTH",
                             "WEBSOCKET_REDIS_URL", "REDIS_SENTINEL_HOSTS"})
_COOKIE_EFFECT = ("the cookie a user gets depends on the replica that answered: a login loop or a "
                  "lost OAuth state on some requests only")


# --------------------------------------------------------------------------- unknown names


def _missing_from_partial_provider(env: EnvSource, target: str) -> str | None:
    """The label of a provider the app skips because `target` is missing, or None."""
    for partial in partially_configured_providers(env).values():
        if any(target in missing.split(" or ") for missing in partial.missing):
            return partial.spec.label
    return None


def _provider_touched_by(env: EnvSource, target: str) -> bool:
    """True when some Open WebUI variable of the provider that reads `target` is set."""
    for spec in PROVIDERS:
        own = {spec.client_id_var, spec.client_secret_var, *spec.required, spec.redirect_uri_var,
               spec.scope_var}
        if target in own and any(getenv(env, name) for name in own - {target}):
            return True
    return False


def unknown_variable_findings(env: EnvSource) -> list[Finding]:
    """`config.unknown-variable` with a did-you-mean by spelling or by meaning
    (`authdoctor.openwebui.names`).

    Severity: a warning when the name is a documented rename, another product's name for an Open
    WebUI setting, a near miss of an auth setting, or would complete a provider the app skips;
    info when the setting it resembles is set here anyway (the name is probably another
    container's) or nothing close is known."""
    findings: list[Finding] = []
    for var in env:
        name = var.name
        if is_known(name) or name in ALIASES:
            continue
        looks = looks_like_setting(name)
        suggestion = suggestion_for(name, spelling=looks)  # a spelling-only match counts only then
        if not looks and suggestion is None:
            continue
        target = suggestion.target if suggestion else None
        completes = _missing_from_partial_provider(env, target) if target else None
        target_set = bool(target and getenv(env, target))
        if suggestion is None:
            warn = False
        elif completes:
            warn = True
        elif target_set:
            warn = False
        elif suggestion.kind == "case":
            warn = True
        elif suggestion.kind == "meaning":
            warn = not suggestion.another_component or _provider_touched_by(env, suggestion.target)
        elif suggestion.kind == "spelling":
            warn = similarity(name, suggestion.target) >= 0.85
        else:  # renamed, near-miss
            warn = suggestion.kind == "renamed" or suggestion.auth
        why = ""
        if suggestion is not None and suggestion.kind == "meaning":
            why = (f" {name} is the name used by {suggestion.source} for this setting; Open WebUI "
                   f"reads it as {target}.")
        elif suggestion is not None and suggestion.kind == "case":
            why = (f" Environment variable names are case-sensitive: the app reads {target}, "
                   f"never {name}.")
        elif suggestion is not None and suggestion.kind == "near-miss":
            why = f" {name} is one slip away from {target}, an authentication setting."
        if completes:
            why += (f" {target} is exactly what the {completes} provider is missing, so the app "
                    "skips that provider (see oauth.provider-incomplete).")
        elif target_set:
            why += (f" {target} is set here as well, so if another container reads {name}, "
                    "ignore this.")
        elif not warn:
            why += " If another container reads it, ignore this."
        value_hint = ""
        if target == "OPENID_PROVIDER_URL" and var.value and WELL_KNOWN not in var.value:
            value_hint = (" Open WebUI needs the full discovery document URL there: "
                          f"{mask_url(var.value.rstrip('/'))}{WELL_KNOWN}.")
        findings.append(finding(
            "config.unknown-variable",
            f"{name} is not a setting Open WebUI reads"
            + (f"; did you mean {target}?" if target else ""),
            detail=(f"Open WebUI 0.12.4 never reads {name}, so this line changes nothing and the "
                    "default of the setting you meant applies." + why + value_hint),
            fix=(f"Rename {name} to {target}." + value_hint if target else
                 f"Remove {name}, or check the setting's name in the Open WebUI documentation."),
            evidence={name: var.shown,  # a misspelt secret setting is secret too (EnvVar.secret)
                      **({"did you mean": target} if target else {}),
                      **({"by meaning": suggestion.source} if suggestion and suggestion.kind == "meaning"
                         else {})},
            subject=name, location=var.location,
            severity=Severity.WARNING if warn else Severity.INFO,
        ))
    return findings


# --------------------------------------------------------------------------- whitespace


def _describe_whitespace(value: str) -> str:
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()):]

    def words(part: str) -> str:
        names = {" ": "space", "\t": "tab", "\r": "carriage return (CRLF file?)", "\n": "newline"}
        kinds = sorted({names.get(ch, repr(ch)) for ch in part})
        return f"{'/'.join(kinds)}{'s' if len(part) > 1 else ''}"

    parts = []
    if lead:
        parts.append(f"{len(lead)} leading {words(lead)}")
    if trail:
        parts.append(f"{len(trail)} trailing {words(trail)}")
    return " and ".join(parts)


def whitespace_findings(env: EnvSource) -> list[Finding]:
    """`config.value-whitespace`: values the app receives with stray whitespace (warning), and
    unquoted trailing spaces in a .env line that only `docker run --env-file` keeps (info)."""
    findings: list[Finding] = []
    for var in env:
        if not (is_known(var.name) or looks_like_setting(var.name)):
            continue
        secret = var.secret
        if var.value != var.value.strip():
            shown = var.shown if secret else repr(var.shown)
            findings.append(finding(
                "config.value-whitespace",
                f"{var.name} has {_describe_whitespace(var.value)} in its value",
                detail=(f"Open WebUI never strips values, so it receives {shown}: a boolean with a "
                        "space reads as false, a SameSite or duration with a space is refused, a "
                        "URL or key with one differs from the value everywhere else."),
                fix=f"Remove the whitespace: {var.name}={'<value>' if secret else var.shown.strip()}",
                evidence={var.name: shown, "whitespace": _describe_whitespace(var.value)},
                subject=var.name, location=var.location, severity=Severity.WARNING,
            ))
            continue
        raw = (var.raw or "").rstrip("\r\n")
        if env.compose is None and raw and raw != raw.rstrip() and "=" in raw:
            after = raw.split("=", 1)[1].strip()
            if after and after[0] not in "'\"" and "#" not in after:
                findings.append(finding(
                    "config.value-whitespace",
                    f"{var.name}'s line ends in spaces that `docker run --env-file` keeps",
                    detail=("python-dotenv and docker compose strip the trailing whitespace of an "
                            "unquoted value, but `docker run --env-file` passes the line verbatim, "
                            "so there the app would receive the value with the spaces."),
                    fix=f"Delete the trailing spaces after {var.name}'s value.",
                    evidence={var.name: var.shown},
                    subject=var.name, location=var.location, severity=Severity.INFO,
                ))
    return findings


# --------------------------------------------------------------------------- invalid values


def _bool_findings(env: EnvSource) -> list[Finding]:
    findings: list[Finding] = []
    for var in env:
        if var.name not in BOOLEAN_VARIABLES:
            continue
        reading = read_bool(env, var.name)
        if reading.problem is None:
            continue
        default_on = bool_default(var.name, env).lower() == "true"
        weakens = var.name in SECURITY_SWITCHES and (reading.intended is True or default_on)
        consequence = ""
        if var.name == "WEBUI_AUTH":
            consequence = (" With WEBUI_AUTH false there is no sign-in at all: every visitor "
                           "acts as the admin (or, with existing users, sign-in answers 400).")
        elif var.name in BOOLEAN_FALLBACKS and default_on:
            consequence = (f" Left unset it would follow {BOOLEAN_FALLBACKS[var.name]} (true); "
                           "this value turns it off.")
        elif default_on:
            consequence = " The default is true, so this turns the feature off."
        findings.append(finding(
            "config.invalid-value",
            f"{var.name}={var.value!r} is read as false",
            detail=(f"Open WebUI reads {var.name} with os.getenv(...).lower() == 'true': "
                    f"{reading.problem}.{consequence}"),
            fix=(f"Write {var.name}=true or {var.name}=false."),
            evidence={var.name: repr(var.value), "app reads": "false"},
            subject=var.name, location=var.location,
            severity=Severity.ERROR if weakens else Severity.WARNING,
        ))
    return findings


def _int_findings(env: EnvSource) -> list[Finding]:
    findings: list[Finding] = []
    for name, setting in STARTUP_INTS.items():
        problem = int_problem(env, setting)
        if problem is None:
            continue
        findings.append(finding(
            "config.invalid-value",
            f"{name}={env.get(name)!r} is not a number: Open WebUI does not start",
            detail=(f"env.py converts {name} with int() at import, outside any error handling; "
                    f"{problem}, so the app exits before serving a request."),
            fix=f"Set {name} to a whole number (default {setting.default or 'unset'}) or remove it.",
            evidence={name: repr(env.get(name))}, subject=name, location=env.location(name),
            severity=Severity.ERROR,
        ))
    return findings


def _webui_url_findings(env: EnvSource) -> list[Finding]:
    value = env.get("WEBUI_URL")
    if value is None or not value.strip():
        return []
    problem = None
    try:
        parsed = parse_absolute(value)
        if parsed.scheme not in ("http", "https"):
            problem = f"its scheme is {parsed.scheme!r}, not http or https"
    except URLProblem as exc:
        problem = str(exc)
    if problem is None:
        return []
    oauth = bool(configured_providers(env))
    return [finding(
        "config.invalid-value",
        f"WEBUI_URL is not a usable URL: {problem}",
        detail=(f"WEBUI_URL={mask_url(value)!r}: {problem}. After the OAuth callback the app "
                "redirects to '{WEBUI_URL}/auth', and it builds links (MCP OAuth redirect URIs, "
                "notifications, opensearch) from it; with this value those point nowhere."),
        fix="Set WEBUI_URL to the full public URL, e.g. WEBUI_URL=https://chat.example.com (and in "
            "Admin > Settings > General, which wins after the first start).",
        evidence={"WEBUI_URL": mask_url(value)}, subject="WEBUI_URL",
        location=env.location("WEBUI_URL"),
        severity=Severity.ERROR if oauth else Severity.WARNING,
    )]


def _role_findings(env: EnvSource) -> list[Finding]:
    role = env.get("DEFAULT_USER_ROLE")
    if role is None or role in ROLES:
        return []
    return [finding(
        "config.invalid-value",
        f"DEFAULT_USER_ROLE={role!r} is not pending, user or admin",
        detail=(f"The app seeds ui.default_user_role from the environment without checking it, so "
                f"new accounts get the role {role!r} (roles are case-sensitive). Only 'user' and "
                "'admin' pass get_verified_user: such accounts get 401 'You do not have permission "
                "to access this resource' on nearly every call, and no admin is told to approve "
                "them as with 'pending'."),
        fix="Set DEFAULT_USER_ROLE=pending (admins approve new users) or DEFAULT_USER_ROLE=user.",
        evidence={"DEFAULT_USER_ROLE": repr(role)}, subject="DEFAULT_USER_ROLE",
        location=env.location("DEFAULT_USER_ROLE"), severity=Severity.ERROR,
    )]


def invalid_value_findings(env: EnvSource) -> list[Finding]:
    """`config.invalid-value`: booleans read as false, startup-crashing integers, a WEBUI_URL that
    is no URL, an unknown DEFAULT_USER_ROLE."""
    return [*_bool_findings(env), *_int_findings(env), *_webui_url_findings(env), *_role_findings(env)]


def startup_findings(env: EnvSource) -> list[Finding]:
    """`config.startup-fails`: `open-webui serve` generating a key with a bad key length."""
    raw = env.get("WEBUI_SECRET_KEY_LENGTH")
    if raw is None or env.get("WEBUI_SECRET_KEY") is not None:
        return []
    number = int_or_none(raw)
    if number is not None and number >= 1:
        return []
    why = (f"int({raw!r}) raises ValueError" if number is None else
           "it raises ValueError('WEBUI_SECRET_KEY_LENGTH must be a positive integer')")
    return [finding(
        "config.startup-fails",
        f"WEBUI_SECRET_KEY_LENGTH={raw!r}: `open-webui serve` cannot generate a secret key",
        detail=("WEBUI_SECRET_KEY is unset, so `open-webui serve` generates one with "
                f"WEBUI_SECRET_KEY_LENGTH random bytes when ./.webui_secret_key does not exist yet; "
                f"{why} and the app does not start. (The Docker image's start.sh ignores this "
                "variable.)"),
        fix="Set WEBUI_SECRET_KEY (preferred), or WEBUI_SECRET_KEY_LENGTH to a positive number "
            "such as 32.",
        evidence={"WEBUI_SECRET_KEY_LENGTH": repr(raw), "WEBUI_SECRET_KEY": "<unset>"},
        subject="WEBUI_SECRET_KEY_LENGTH", location=env.location("WEBUI_SECRET_KEY_LENGTH"),
        severity=Severity.ERROR,
    )]


# --------------------------------------------------------------------------- database, signup


def effective_database_url(env: EnvSource) -> tuple[str, str]:
    """(the URL the app connects with, the variable it came from), as env.py 0.12.4 builds it:
    DATABASE_URL (default sqlite); DATABASE_TYPE/USER[:PASSWORD]/HOST/PORT/NAME, all non-empty,
    override it; DATABASE_TYPE=sqlite+sqlcipher without DATABASE_URL gives a SQLCipher file;
    'postgres://' becomes 'postgresql://'."""
    url = getenv(env, "DATABASE_URL", "sqlite:///{DATA_DIR}/webui.db")
    origin = "DATABASE_URL"
    user, password = getenv(env, "DATABASE_USER", ""), getenv(env, "DATABASE_PASSWORD", "")
    cred = user + (f":{password}" if password else "")
    parts = [getenv(env, n, "") for n in ("DATABASE_TYPE", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME")]
    if all(parts) and cred:
        url = f"{parts[0]}://{cred}@{parts[1]}:{parts[2]}/{parts[3]}"
        origin = "DATABASE_TYPE"
    elif getenv(env, "DATABASE_TYPE") == "sqlite+sqlcipher" and not getenv(env, "DATABASE_URL"):
        url, origin = "sqlite+sqlcipher:///{DATA_DIR}/webui.db", "DATABASE_TYPE"
    return url.replace("postgres://", "postgresql://"), origin


def _official_image(env: EnvSource) -> bool:
    image = (env.compose.image or "") if env.compose is not None else ""
    return "open-webui/open-webui" in image.lower()


def database_findings(env: EnvSource) -> list[Finding]:
    """`config.startup-fails` for a DATABASE_URL the app cannot open at start.

    - `sqlite+sqlcipher://`: 0.12.4 `internal/db.py _make_async_url` raises ValueError('sqlite+
      sqlcipher:// URLs are not supported with async engine…') at import: the app never starts.
    - `postgresql://`, `postgres://`, `postgresql+psycopg2://`: the async engine uses psycopg 3,
      but the sync engine (migrations, config loading) is SQLAlchemy's default psycopg2 driver,
      which a plain `pip install open-webui` lacks (only the `postgres` extra installs it; live:
      `ModuleNotFoundError: psycopg2`). `postgresql+psycopg://` works with what the app always
      installs. Not reported for the official image (its requirements install psycopg2-binary)."""
    url, origin = effective_database_url(env)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    shown = mask_url(url)
    location = env.location(origin) or env.location("DATABASE_URL")
    if scheme == "sqlite+sqlcipher":
        return [finding(
            "config.startup-fails",
            "DATABASE_URL is sqlite+sqlcipher://: Open WebUI 0.12.4 does not start",
            detail=(f"The database URL is {shown!r} (from {origin}). Open WebUI 0.12.4 opens every "
                    "database with an async engine as well, and refuses SQLCipher there at import: "
                    "ValueError('sqlite+sqlcipher:// URLs are not supported with async engine. Use "
                    "standard sqlite:// or postgresql:// instead.'). The container restarts in a loop."),
            fix="Use sqlite:///… (encrypt the volume instead) or postgresql+psycopg://…, and remove "
                "DATABASE_TYPE=sqlite+sqlcipher.",
            evidence={origin: shown}, subject=origin, location=location, severity=Severity.ERROR,
        )]
    if scheme in ("postgresql", "postgresql+psycopg2") and not _official_image(env):
        fixed = "postgresql+psycopg://" + url.split("://", 1)[1]
        return [finding(
            "config.startup-fails",
            f"DATABASE_URL uses {scheme}://, which needs psycopg2: a pip install of Open WebUI "
            "does not start",
            detail=(f"The database URL is {shown!r} (from {origin}). Open WebUI's startup engine "
                    f"(migrations, config loading) opens {scheme}:// with SQLAlchemy's psycopg2 "
                    "driver, which `pip install open-webui` does not install (only the "
                    "open-webui[postgres] extra does): the app exits at start with "
                    "ModuleNotFoundError: No module named 'psycopg2'. Images that install psycopg2 "
                    "(the official one does) are not affected."),
            fix=(f"Use the psycopg 3 driver the app always has: DATABASE_URL={mask_url(fixed)} "
                 "(or install open-webui[postgres])."),
            evidence={origin: shown, "driver needed": "psycopg2"}, subject=origin,
            location=location, severity=Severity.WARNING,
        )]
    return []


def signup_reopens_findings(env: EnvSource) -> list[Finding]:
    """`config.signup-reopens`: the first account closes sign-up by writing ui.enable_signup=false
    (`routers/auths.signup_handler`), but with ENABLE_PERSISTENT_CONFIG=false that write stays in
    the worker's memory and with RESET_CONFIG_ON_START=true the table is reseeded at start, so
    after every restart ui.enable_signup is ENABLE_SIGNUP again, default true, and anyone can
    create an account (openwebui-db-0.12.4 §1: live, true with 3 users)."""
    if not webui_auth(env) or env.get("ENABLE_SIGNUP") is not None:
        return []
    if not env_true(env, "ENABLE_LOGIN_FORM", "True"):
        return []  # signup with existing users is refused while the login form is off
    reset = read_bool(env, "RESET_CONFIG_ON_START").value is True
    if persistent_config(env) and not reset:
        return []
    why_name, why_value = (("RESET_CONFIG_ON_START", "true") if reset else
                           ("ENABLE_PERSISTENT_CONFIG", "false"))
    why_var = f"{why_name}={why_value}"
    why = ("every start deletes the stored settings and seeds them again from the environment"
           if reset else "the app neither reads nor writes its settings table: changes stay in "
           "the running worker's memory")
    role = getenv(env, "DEFAULT_USER_ROLE", "pending")
    grants = role in ("user", "admin")
    return [finding(
        "config.signup-reopens",
        "sign-up opens again after every restart (ENABLE_SIGNUP is not set)",
        detail=(f"With {why_var} {why}. When the first account is created Open WebUI turns "
                "sign-up off (ui.enable_signup=false), but that change is lost at the next "
                "restart: ENABLE_SIGNUP is unset, so sign-up is on again and anyone who can open "
                f"the sign-in page can create an account with role {role!r} (DEFAULT_USER_ROLE)"
                + ("; such an account can use the app at once." if grants else
                   ", which an admin must approve.")),
        fix="Set ENABLE_SIGNUP=false (the first admin can still be created on an empty instance), "
            "or ENABLE_SIGNUP=true if open sign-up is intended.",
        evidence={"ENABLE_SIGNUP": "<unset: true>", why_name: why_value, "DEFAULT_USER_ROLE": role},
        subject="ENABLE_SIGNUP",
        location=env.location(why_name),
        severity=Severity.ERROR if grants else Severity.WARNING,
    )]


# --------------------------------------------------------------------------- CORS


def cors_findings(env: EnvSource) -> list[Finding]:
    """`config.cors-origin-invalid` exactly as config.py validates and Starlette matches."""
    raw = env.get("CORS_ALLOW_ORIGIN")
    origins = cors_origins(env)
    location = env.location("CORS_ALLOW_ORIGIN")
    shown = mask_credentials(raw) if raw is not None else "<unset: '*'>"
    if origins == ["*"]:
        cs = cookie_settings(env)
        none = cs.auth_same_site.lower() == "none"
        return [finding(
            "config.cors-origin-invalid",
            "CORS_ALLOW_ORIGIN is '*': any website may make credentialed requests",
            detail=("With '*' and allow_credentials=True, Starlette's CORS middleware echoes any "
                    "Origin back with Access-Control-Allow-Credentials: true (the app itself logs "
                    "'CORS_ALLOW_ORIGIN IS SET TO '*' - NOT RECOMMENDED FOR PRODUCTION')."
                    + (" The token cookie is SameSite=None, so any site a signed-in user visits "
                       "can call the API as that user and read the answers." if none else
                       " Today the SameSite=Lax token cookie keeps other sites' requests "
                       "anonymous, but sibling subdomains and any change to SameSite=None are "
                       "exposed.")),
            fix="Set CORS_ALLOW_ORIGIN to the public origin, e.g. CORS_ALLOW_ORIGIN=https://chat.example.com "
                "(several: separate with ';').",
            evidence={"CORS_ALLOW_ORIGIN": shown}, subject="CORS_ALLOW_ORIGIN", location=location,
            severity=Severity.ERROR if none else Severity.WARNING,
        )]
    custom = cors_custom_schemes(env)
    for origin in origins:
        error = cors_startup_error(origin, custom)
        if error is not None:
            # The app's own message quotes the entry: show it with its credentials masked.
            entry = mask_credentials(origin)
            error = error.replace(origin, entry) if origin else error
            return [finding(
                "config.cors-origin-invalid",
                f"CORS_ALLOW_ORIGIN entry {entry!r} is refused at start: Open WebUI does not start",
                detail=(f"config.py splits CORS_ALLOW_ORIGIN on ';' and validates every entry at "
                        f"import; {entry!r} raises ValueError: {error}"
                        + (" (An empty entry comes from a leading, trailing or doubled ';'.)"
                           if origin == "" else "")),
                fix="Write each origin as scheme://host[:port], separated by ';' with no spaces, "
                    "e.g. CORS_ALLOW_ORIGIN=https://chat.example.com;https://admin.example.com",
                evidence={"CORS_ALLOW_ORIGIN": shown, "entry": repr(entry)},
                subject="CORS_ALLOW_ORIGIN", location=location, severity=Severity.ERROR,
            )]
    bad = [(mask_credentials(origin), reason) for origin in origins
           if (reason := cors_never_matches(origin))]
    if not bad:
        return []
    return [finding(
        "config.cors-origin-invalid",
        "CORS_ALLOW_ORIGIN has entries no browser Origin can ever match",
        detail=("The CORS middleware and the websocket server compare the Origin header with each "
                "entry as an exact string. " + "; ".join(f"{o!r}: {r}" for o, r in bad)
                + ". Requests from those origins get no CORS headers (the browser blocks them) and "
                "their websocket connections are refused."),
        fix="Write each origin exactly as the browser sends it, scheme://host[:port] without a "
            "trailing slash, separated by ';'.",
        evidence={"CORS_ALLOW_ORIGIN": shown, **{f"entry {i}": repr(o) for i, (o, _) in enumerate(bad, 1)}},
        subject="CORS_ALLOW_ORIGIN", location=location, severity=Severity.WARNING,
    )]


# --------------------------------------------------------------------------- persistence

_AUTH_FIRST = ("WEBUI_URL", "JWT_EXPIRES_IN", "ENABLE_SIGNUP", "DEFAULT_USER_ROLE", "ENABLE_LOGIN_FORM",
               "ENABLE_API_KEYS", "ENABLE_LDAP")


def persisted_findings(env: EnvSource) -> list[Finding]:
    """`config.persisted-setting-ignored`: one info finding listing the present variables whose
    database copy wins after the first start."""
    if not persistent_config(env) or read_bool(env, "RESET_CONFIG_ON_START").value:
        return []
    oauth = oauth_persistent_config(env)
    present = [var.name for var in env if is_persisted(var.name, oauth_persistent=oauth)]
    if not present:
        return []
    present.sort(key=lambda n: (n not in _AUTH_FIRST, not n.startswith(("LDAP_", "ENABLE_", "OAUTH_")), n))
    shown = ", ".join(present[:12]) + (f" and {len(present) - 12} more" if len(present) > 12 else "")
    oauth_note = (" OAuth settings are included because ENABLE_OAUTH_PERSISTENT_CONFIG=true."
                  if oauth else " (OAuth client settings are read from the environment on every "
                  "start while ENABLE_OAUTH_PERSISTENT_CONFIG is false.)")
    return [finding(
        "config.persisted-setting-ignored",
        f"{len(present)} setting(s) here only apply on the first start",
        detail=(f"Open WebUI copies these variables into its database the first time it starts, "
                f"and from then on the database copy wins: {shown}. If this instance has started "
                "before, changing them here has no effect." + oauth_note
                + " Cookie flags, the secret key and REDIS_URL are always read from the environment."),
        fix=("Change them in the Admin Panel (Settings), or set ENABLE_PERSISTENT_CONFIG=false to "
             "make the environment win on every start (Admin Panel changes are then lost at "
             "restart), or set RESET_CONFIG_ON_START=true once to reseed the database from the "
             "environment."),
        evidence={"variables": shown, "ENABLE_PERSISTENT_CONFIG": getenv(env, "ENABLE_PERSISTENT_CONFIG",
                                                                          "<unset: true>")},
        subject=present[0], location=env.location(present[0]), severity=Severity.INFO,
    )]


# --------------------------------------------------------------------------- replicas


def _reader(name: str) -> Callable[[EnvSource], str]:
    cookie_readers: dict[str, Callable[[EnvSource], str]] = {
        "WEBUI_AUTH_COOKIE_SAME_SITE": lambda e: cookie_settings(e).auth_same_site,
        "WEBUI_SESSION_COOKIE_SAME_SITE": lambda e: cookie_settings(e).session_same_site,
        "WEBUI_AUTH_COOKIE_SECURE": lambda e: str(cookie_settings(e).auth_secure).lower(),
        "WEBUI_SESSION_COOKIE_SECURE": lambda e: str(cookie_settings(e).session_secure).lower(),
    }
    if name in cookie_readers:
        return cookie_readers[name]
    if name in BOOLEAN_VARIABLES:
        return lambda e: str(read_bool(e, name).value).lower()
    return lambda e: "<unset>" if e.get(name) is None else e.get(name) or ""


def _shown(name: str, value: str) -> str:
    if value == "<unset>":
        return value
    if is_secret_name(name):
        return mask(value)
    shown = mask_credentials(value)
    return shown if "://" in value else repr(shown)


def replica_findings(deployment: Deployment) -> list[Finding]:
    """`config.replica-mismatch` for every must-match setting that differs between replicas."""
    replicas = deployment.replicas
    if len(replicas) < 2:
        return []
    names: dict[str, str] = dict(MUST_MATCH)
    for cookie in ("WEBUI_AUTH_COOKIE_SAME_SITE", "WEBUI_SESSION_COOKIE_SAME_SITE",
                   "WEBUI_AUTH_COOKIE_SECURE", "WEBUI_SESSION_COOKIE_SECURE"):
        names[cookie] = _COOKIE_EFFECT
    for var in sorted(PROVIDER_VARIABLES):
        names.setdefault(var, _OAUTH_EFFECT)
    findings: list[Finding] = []
    for name, effect in names.items():
        read = _reader(name)
        try:
            values = [read(r) for r in replicas]
        except UnknownValueError:
            continue  # not judged: config.value-unknown names the value the input lacks
        if len(set(values)) < 2:
            continue
        secret = is_secret_name(name)
        evidence: dict[str, str] = {}
        for index, (replica, value) in enumerate(zip(replicas, values, strict=True)):
            if not secret or value == "<unset>":
                evidence[replica.label] = _shown(name, value)
            elif index == 0:
                evidence[replica.label] = "set"
            else:
                evidence[replica.label] = "same" if value == values[0] else "differs"
        findings.append(finding(
            "config.replica-mismatch",
            f"{name} differs between replicas",
            detail=(f"{name} is not the same on all {len(replicas)} replicas"
                    + (" (values not shown: it is a secret)" if secret else "")
                    + f": {effect}."),
            fix=f"Give every replica the same {name} (one shared .env or secret), then restart them.",
            evidence=evidence, subject=name,
            location=next((r.location(name) for r in replicas if r.location(name)), None),
            severity=(Severity.ERROR if name in _ERROR_MISMATCH or name in PROVIDER_VARIABLES
                      or (name.startswith("WEBUI_") and "COOKIE" in name) else Severity.WARNING),
        ))
    return findings


# --------------------------------------------------------------------------- unknown values


def value_unknown_findings(env: EnvSource) -> list[Finding]:
    """`config.value-unknown`: what the input references but does not hold."""
    unknown = [var for var in env.vars.values() if var.unknown is not None]
    if not unknown and not env.unresolved:
        return []
    names = ", ".join(var.name for var in unknown)
    parts = [f"{var.name} is {var.unknown_text}" for var in unknown]
    parts += [f"{entry} is not in the input, so any variable may come from it" for entry in env.unresolved]
    if len(unknown) == 1:
        title = f"{unknown[0].name} is {unknown[0].unknown_text}"
    elif unknown:
        title = f"{len(unknown)} settings come from objects not in the input: {names}"
    else:
        title = f"settings may come from {env.unresolved[0]}, which is not in the input"
    return [finding(
        "config.value-unknown",
        title if len(title) <= 160 else title[:157] + "...",
        detail=("; ".join(parts) + ". authdoctor does not guess these values: a check that needs "
                "one of them does not judge it (its area says so)."),
        fix=("Give the ConfigMaps and Secrets too (`kubectl get deploy,cm,secret -o yaml`, or the "
             "whole `helm template` output), or check a running container with `docker inspect`."),
        evidence={var.name: var.unknown_text for var in unknown},
        subject=unknown[0].name if unknown else "",
        location=unknown[0].location if unknown else None,
    )]


def start_failure_findings(env: EnvSource) -> list[Finding]:
    """`config.startup-fails` for what the platform itself refuses before the app runs: a
    Kubernetes `valueFrom` of a key its ConfigMap or Secret does not have (not optional) keeps the
    container in CreateContainerConfigError, so Open WebUI never starts."""
    return [finding(
        "config.startup-fails",
        f"Kubernetes does not start the container: {failure}",
        detail=(f"The {failure}. The kubelet refuses to create the container "
                "(CreateContainerConfigError) until the key exists or the reference is marked "
                "optional: the pod never runs, so nobody can sign in."),
        fix="Add the key to the object, correct the key name in valueFrom, or set optional: true.",
        subject=failure.split(" ", 2)[1], location=location,
    ) for failure, location in env.start_failures]


def _judged(rule: Callable[[EnvSource], list[Finding]]) -> Callable[[EnvSource], list[Finding]]:
    """`rule`, or nothing when it needs a value the input does not hold (`value_unknown_findings`
    names those values)."""
    def run(env: EnvSource) -> list[Finding]:
        try:
            return rule(env)
        except UnknownValueError:
            return []
    return run


def check_settings(ctx: CheckContext) -> list[Finding]:
    database = ctx.deployment.database
    # With the config table read, the db area names each ignored value (config.env-shadowed-by-db)
    # and the replicas already hold the values the app uses: the generic "may be ignored" is moot.
    persisted = () if database is not None and database.config_applied else (persisted_findings,)
    rules = (unknown_variable_findings, whitespace_findings, invalid_value_findings,
             startup_findings, cors_findings, *persisted, database_findings,
             signup_reopens_findings)

    def per_replica(env: EnvSource) -> list[Finding]:
        return [*start_failure_findings(env), *value_unknown_findings(env),
                *(f for rule in rules for f in _judged(rule)(env))]

    return [*each_replica(ctx.deployment, per_replica), *replica_findings(ctx.deployment)]


CHECK = CheckSpec(area=AREA, title="Settings", settings=check_settings, live=None)
