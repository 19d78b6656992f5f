"""General settings hygiene for Open WebUI 0.12.4, from settings alone (settings half).

Failure modes named here, and the app behaviour each rests on:

- `config.unknown-variable`: a name shaped like an Open WebUI setting that the app does not read
  (`authdoctor.openwebui.variables`, extracted from the 0.12.4 wheel): a misspelled setting is
  silently ignored, so the default applies. Aliases the app still reads are known.
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
"""

from __future__ import annotations

from collections.abc import Callable

from authdoctor.checks._replicas import each_replica
from authdoctor.checks._urls import URLProblem, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding, Severity
from authdoctor.masking import is_secret_name, mask, mask_credentials, mask_url
from authdoctor.openwebui.envread import getenv, int_or_none
from authdoctor.openwebui.oauth import PROVIDER_VARIABLES, configured_providers
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
)
from authdoctor.openwebui.variables import (
    ALIASES,
    NOT_READ_ANYMORE,
    closest_known,
    is_known,
    is_persisted,
    looks_like_setting,
    similarity,
)
from authdoctor.settings.model import Deployment, EnvSource

AREA = "config"

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


def unknown_variable_findings(env: EnvSource) -> list[Finding]:
    """`config.unknown-variable` with a did-you-mean."""
    findings: list[Finding] = []
    for var in env:
        name = var.name
        if is_known(name) or name in ALIASES or not looks_like_setting(name):
            continue
        suggestion = closest_known(name)
        likely_typo = suggestion is not None and (name in NOT_READ_ANYMORE
                                                  or similarity(name, suggestion) >= 0.85)
        hint = f" Did you mean {suggestion}?" if suggestion else ""
        findings.append(finding(
            "config.unknown-variable",
            f"{name} is not a setting Open WebUI reads"
            + (f"; did you mean {suggestion}?" if suggestion else ""),
            detail=(f"Open WebUI 0.12.4 never reads {name}, so this line changes nothing and the "
                    "default of the setting you meant applies." + hint
                    + ("" if likely_typo else " If another container reads it, ignore this.")),
            fix=(f"Rename {name} to {suggestion}." if suggestion else
                 f"Remove {name}, or check the setting's name in the Open WebUI documentation."),
            evidence={name: var.shown,
                      **({"did you mean": suggestion} if suggestion else {})},
            subject=name, location=var.location,
            severity=Severity.WARNING if likely_typo else Severity.INFO,
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
        values = [read(r) for r in replicas]
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


def check_settings(ctx: CheckContext) -> list[Finding]:
    def per_replica(env: EnvSource) -> list[Finding]:
        return [*unknown_variable_findings(env), *whitespace_findings(env),
                *invalid_value_findings(env), *startup_findings(env), *cors_findings(env),
                *persisted_findings(env)]

    return [*each_replica(ctx.deployment, per_replica), *replica_findings(ctx.deployment)]


CHECK = CheckSpec(area=AREA, title="Settings", settings=check_settings, live=None)
