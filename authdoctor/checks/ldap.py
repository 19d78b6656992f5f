"""LDAP: the settings half here, the live half in `authdoctor.checks._ldap_live`.

How Open WebUI 0.12.4 uses them (`config.py`, `routers/auths.ldap_auth`, ldap3 2.9.1):

- `LDAP_SERVER_PORT` is converted with `int()` at import, whether LDAP is on or not: a value
  `int()` refuses (`"389"` with quotes, `ldaps`, empty) stops the app from starting.
- The other `LDAP_*` values only seed the database on the first start (`ldap.server.*` keys);
  after that the Admin UI values win. authdoctor checks the env values it is given.
- `ldap3.Server(host, port, use_ssl=LDAP_USE_TLS)`: `use_ssl` is implicit TLS (LDAPS); StartTLS
  is never sent. ldap3 also accepts a URL in the host: `ldap://` / `ldaps://` there override
  `LDAP_USE_TLS`, and a `:port` there overrides `LDAP_SERVER_PORT`. `LDAP_USE_TLS` defaults to
  true while the port defaults to 389 (plain/StartTLS).
- App bind: `LDAP_APP_DN` empty means an anonymous bind; a DN with an empty `LDAP_APP_PASSWORD`
  makes ldap3 refuse the simple bind ("password is mandatory in simple bind").
- Search filter: `(&({LDAP_ATTRIBUTE_FOR_USERNAME}={escaped user}){LDAP_SEARCH_FILTER})`
  (`LDAP_SEARCH_FILTER` wins over its alias `LDAP_SEARCH_FILTERS`), so the filter must be zero or
  more parenthesised parts and cannot hold a username placeholder.
- Any exception inside the login ends in 400 "LDAP authentication failed." (the reason only in the
  server log).

Failure modes named here: `ldap.tls-port-mismatch`, `ldap.filter-invalid`, `ldap.setting-missing`,
`ldap.unencrypted`, `ldap.app-bind-anonymous` (info), `ldap.cert-validation-disabled`, and
`config.invalid-value` for `LDAP_SERVER_PORT` (not a number: no start; a number ldap3 refuses,
negative or above 65534: every LDAP sign-in fails; 0: ldap3 silently uses its default port).

Live half (`check_live`, `authdoctor.checks._ldap_live`): the app's sign-in walked step by step
against the real directory (DNS, TCP, TLS, the service account's bind, the search base, the
search, the test user's entry, attributes, bind and groups): `ldap.unreachable`, `ldap.tls-*`,
`ldap.bind-failed`, `ldap.search-base-not-found`, `ldap.search-failed`, `ldap.user-not-found`,
`ldap.user-ambiguous`, `ldap.attribute-missing`, `ldap.user-bind-failed`, `ldap.groups-empty`,
`ldap.anonymous-read`, `ldap.signin-path`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authdoctor.checks._urls import is_loopback_host
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask, mask_url
from authdoctor.openwebui.envread import env_true, getenv, int_or_none
from authdoctor.openwebui.names import describe_line, misnamed_as
from authdoctor.settings.model import EnvSource

AREA = "ldap"
PLAIN_PORTS = frozenset({389, 3268})  # LDAP and AD global catalog: plain or StartTLS
TLS_PORTS = frozenset({636, 3269})  # LDAPS and AD global catalog over TLS
PERSISTED = (" (The env value only seeds the database on the first start; afterwards change it "
             "in Admin > Settings > General > LDAP.)")
_PLACEHOLDER = re.compile(r"%\(\w*\)s|%s|\{[^{}()=]*\}|\$\{?\w+\}?")


@dataclass(frozen=True)
class LdapSettings:
    """The LDAP settings as the app reads them from env."""

    enabled: bool
    host: str
    host_set: bool
    port_raw: str
    port: int | None
    use_tls: bool
    validate_cert: bool
    app_dn: str
    app_password: str
    search_base: str
    search_filter: str
    filter_var: str
    attr_mail: str
    attr_username: str
    label: str


def read_settings(env: EnvSource) -> LdapSettings:
    port_raw = getenv(env, "LDAP_SERVER_PORT", "389")
    filter_var = "LDAP_SEARCH_FILTER" if env.get("LDAP_SEARCH_FILTER") is not None else "LDAP_SEARCH_FILTERS"
    return LdapSettings(
        enabled=env_true(env, "ENABLE_LDAP", "false"),
        host=getenv(env, "LDAP_SERVER_HOST", "localhost"),
        host_set=env.get("LDAP_SERVER_HOST") is not None,
        port_raw=port_raw,
        port=int_or_none(port_raw),
        use_tls=env_true(env, "LDAP_USE_TLS", "True"),
        validate_cert=env_true(env, "LDAP_VALIDATE_CERT", "True"),
        app_dn=getenv(env, "LDAP_APP_DN", ""),
        app_password=getenv(env, "LDAP_APP_PASSWORD", ""),
        search_base=getenv(env, "LDAP_SEARCH_BASE", ""),
        # config.py: os.getenv('LDAP_SEARCH_FILTER', os.getenv('LDAP_SEARCH_FILTERS', ''))
        search_filter=getenv(env, "LDAP_SEARCH_FILTER", getenv(env, "LDAP_SEARCH_FILTERS", "")),
        filter_var=filter_var,
        attr_mail=getenv(env, "LDAP_ATTRIBUTE_FOR_MAIL", "mail"),
        attr_username=getenv(env, "LDAP_ATTRIBUTE_FOR_USERNAME", "uid"),
        label=getenv(env, "LDAP_SERVER_LABEL", "LDAP Server"),
    )


@dataclass(frozen=True)
class Endpoint:
    """Where ldap3 will connect: host, port, implicit TLS or not."""

    host: str
    port: int
    tls: bool
    url_in_host: bool


class EndpointProblem(ValueError):
    pass


def effective_endpoint(host: str, port: int, use_tls: bool) -> Endpoint:
    """What `ldap3.Server(host, port, use_ssl=use_tls)` resolves to (ldap3's own parsing, imported
    lazily; no network). Raises EndpointProblem where ldap3 raises. A bare host name is answered
    without importing ldap3 (`_plain_parse`: --offline start-up)."""
    from authdoctor.checks._plain_parse import plain_ldap_endpoint

    plain = plain_ldap_endpoint(host, port, use_tls)
    if plain is not None:
        return Endpoint(host=plain[0], port=plain[1], tls=plain[2], url_in_host=False)
    from ldap3 import NONE, Server
    from ldap3.core.exceptions import LDAPException

    try:
        server = Server(host=host, port=port, get_info=NONE, use_ssl=use_tls)
    except LDAPException as exc:
        raise EndpointProblem(str(exc) or type(exc).__name__) from exc
    lowered = host.strip().lower()
    return Endpoint(host=str(server.host), port=int(server.port), tls=bool(server.ssl),
                    url_in_host=lowered.startswith(("ldap://", "ldaps://")))


def filter_problem(username_attr: str, search_filter: str) -> str | None:
    """Why ldap3 refuses the filter the app builds for a login, or None (ldap3's own parser,
    with the app's Connection defaults: auto_escape, auto_encode, check_names). Plain filters
    are answered without importing ldap3 (`_plain_parse`: --offline start-up)."""
    from authdoctor.checks._plain_parse import plain_ldap_filter_accepted

    if plain_ldap_filter_accepted(username_attr, search_filter):
        return None
    from ldap3.core.exceptions import LDAPException
    from ldap3.operation.search import parse_filter

    try:
        parse_filter(f"(&({username_attr}=jdoe){search_filter})", None, True, True, None, True)
    except LDAPException as exc:
        return str(exc) or type(exc).__name__
    return None


# --------------------------------------------------------------------------- findings


#: ldap3 2.9.1 `utils/port_validators.check_port`: `port not in range(0, 65535)` is refused
#: (so 65535 too, one short of the TCP range), and `Server()` treats 0 as "no port" (`not port`).
LDAP3_MAX_PORT = 65534


def port_range_findings(env: EnvSource, s: LdapSettings) -> list[Finding]:
    """`config.invalid-value` for a number that is no usable port (0, negative, above 65534).

    `ldap_auth` builds `ldap3.Server(host, port=LDAP_SERVER_PORT, …)` on every LDAP sign-in;
    ldap3 raises LDAPInvalidPortError ('Source port must in range from 0 to 65535') for a negative
    port or one above 65534, which the app turns into 400 "LDAP authentication failed.". 0 is
    falsy: ldap3 silently uses its default (636 with LDAP_USE_TLS, else 389)."""
    port = s.port
    if port is None or 1 <= port <= LDAP3_MAX_PORT:
        return []
    default = 636 if s.use_tls else 389
    if port == 0:
        title = "LDAP_SERVER_PORT=0 is not a port: ldap3 silently uses its default"
        detail = (f"ldap3 treats port 0 as 'not given' and connects to {default} (its default for "
                  f"LDAP_USE_TLS={'true' if s.use_tls else 'false'}), so the value you set is not "
                  "the port used.")
        severity = Severity.WARNING
    else:
        title = f"LDAP_SERVER_PORT={s.port_raw} is not a valid port: every LDAP sign-in fails"
        detail = (f"Open WebUI starts (int() accepts {s.port_raw}), but every LDAP sign-in builds "
                  "ldap3.Server(port=…), and ldap3 refuses a port outside 0-65534 "
                  "(LDAPInvalidPortError: 'Source port must in range from 0 to 65535'): users get "
                  "400 'LDAP authentication failed.' and the log says only 'LDAP authentication "
                  "error'. The host is not the problem.")
        severity = Severity.ERROR if s.enabled else Severity.WARNING
    return [finding(
        "config.invalid-value", title, detail=detail + PERSISTED,
        fix=f"Set LDAP_SERVER_PORT={default} (the port that matches LDAP_USE_TLS="
            f"{'true' if s.use_tls else 'false'}: 636 for LDAPS, 389 for plain LDAP), or the port "
            "your directory listens on.",
        evidence={"LDAP_SERVER_PORT": s.port_raw, "valid": f"1-{LDAP3_MAX_PORT}"},
        subject="LDAP_SERVER_PORT", location=env.location("LDAP_SERVER_PORT"), severity=severity,
    )]


def port_findings(env: EnvSource, s: LdapSettings) -> list[Finding]:
    """`LDAP_SERVER_PORT` that `int()` refuses: the app does not start (even with LDAP off)."""
    if s.port is not None:
        return port_range_findings(env, s)
    return [finding(
        "config.invalid-value",
        f"LDAP_SERVER_PORT={s.port_raw!r} is not a number: Open WebUI does not start",
        detail=("config.py runs int(LDAP_SERVER_PORT) at import, whether ENABLE_LDAP is on or not; "
                "this value raises ValueError and the app exits during startup."
                + (" Quotes are part of the value here." if '"' in s.port_raw or "'" in s.port_raw
                   else "")),
        fix="Set LDAP_SERVER_PORT to a bare number (636 for LDAPS, 389 for plain LDAP) or remove it.",
        evidence={"LDAP_SERVER_PORT": s.port_raw or "<empty>"},
        subject="LDAP_SERVER_PORT", location=env.location("LDAP_SERVER_PORT"),
        severity=Severity.ERROR,
    )]


def endpoint_findings(env: EnvSource, s: LdapSettings, port: int) -> list[Finding]:
    """Host problems, TLS/port mismatch, plaintext LDAP, disabled certificate validation."""
    findings: list[Finding] = []
    if not s.host.strip():
        findings.append(_missing(env, "LDAP_SERVER_HOST", "the LDAP server has no host name",
                                 "ldap3 has no server to connect to, so every LDAP sign-in fails "
                                 "with 'LDAP authentication failed.'",
                                 "LDAP_SERVER_HOST=ldap.example.com"))
        return findings
    try:
        ep = effective_endpoint(s.host, port, s.use_tls)
    except EndpointProblem as problem:
        findings.append(_missing(env, "LDAP_SERVER_HOST",
                                 f"LDAP_SERVER_HOST={mask_url(s.host)!r} is not a usable server address",
                                 f"ldap3 refuses it ({problem}), so every LDAP sign-in fails with "
                                 "'LDAP authentication failed.'",
                                 "LDAP_SERVER_HOST=ldap.example.com (host name only; the port goes "
                                 "in LDAP_SERVER_PORT)"))
        return findings
    if not s.host_set:
        findings.append(_missing(
            env, "LDAP_SERVER_HOST", "LDAP_SERVER_HOST is not set: the app connects to localhost",
            "The default is 'localhost', which inside a container is the Open WebUI container "
            "itself, where no directory server runs.", "LDAP_SERVER_HOST=ldap.example.com",
            severity=Severity.WARNING))
    elif "/" in ep.host or " " in ep.host:
        findings.append(_missing(
            env, "LDAP_SERVER_HOST", f"LDAP_SERVER_HOST={mask_url(s.host)!r} is not a bare host name",
            f"ldap3 keeps {mask_url('ldap://' + ep.host)[7:]!r} as the host to resolve, which no DNS "
            "server knows, so every "
            "LDAP sign-in fails with 'LDAP authentication failed.'",
            "LDAP_SERVER_HOST=ldap.example.com (no path, no trailing slash)"))

    tls_var = env.get("LDAP_USE_TLS")
    evidence = {"LDAP_SERVER_HOST": mask_url(s.host), "LDAP_SERVER_PORT": s.port_raw,
                "LDAP_USE_TLS": "<unset> (default True)" if tls_var is None else tls_var,
                "connects to": mask_url(f"{'ldaps' if ep.tls else 'ldap'}://{ep.host}:{ep.port}")}
    if ep.url_in_host and (ep.tls != s.use_tls or ep.port != port):
        overridden = [n for n, differs in (("LDAP_USE_TLS", ep.tls != s.use_tls),
                                           ("LDAP_SERVER_PORT", ep.port != port)) if differs]
        findings.append(_missing(
            env, "LDAP_SERVER_HOST",
            f"LDAP_SERVER_HOST is a URL that overrides {' and '.join(overridden)}",
            f"ldap3 reads the scheme and port in LDAP_SERVER_HOST={mask_url(s.host)!r} and ignores "
            f"{' and '.join(overridden)}: it connects to {evidence['connects to']}.",
            f"LDAP_SERVER_HOST={ep.host.rpartition('@')[2]} with LDAP_SERVER_PORT={ep.port} and "
            f"LDAP_USE_TLS={'true' if ep.tls else 'false'}", severity=Severity.INFO))

    if ep.tls and ep.port in PLAIN_PORTS:
        findings.append(finding(
            "ldap.tls-port-mismatch",
            f"LDAPS (implicit TLS) on port {ep.port}, which speaks plain LDAP/StartTLS",
            detail=(f"LDAP_USE_TLS is true (the default) and the port is {ep.port}. Open WebUI "
                    "opens a TLS connection straight away (ldap3 use_ssl) and never sends "
                    "StartTLS, but a server on this port expects plain LDAP first, so the TLS "
                    "handshake fails and every LDAP sign-in ends in 'LDAP authentication failed.'"),
            fix="Use the LDAPS port: LDAP_SERVER_PORT=636 (3269 for the AD global catalog). Only "
                "if the server offers no LDAPS: LDAP_USE_TLS=false (passwords then travel "
                "unencrypted)." + PERSISTED,
            evidence=evidence, subject="LDAP_SERVER_PORT",
            location=env.location("LDAP_SERVER_PORT") or env.location("LDAP_USE_TLS"),
        ))
    elif not ep.tls and ep.port in TLS_PORTS:
        findings.append(finding(
            "ldap.tls-port-mismatch",
            f"plain LDAP on port {ep.port}, which expects TLS (LDAPS)",
            detail=(f"LDAP_USE_TLS is off but port {ep.port} is an LDAPS port: the server waits "
                    "for a TLS handshake and drops the plain LDAP bind, so every LDAP sign-in "
                    "ends in 'LDAP authentication failed.'"),
            fix="Set LDAP_USE_TLS=true (exactly 'true'; '1' or 'yes' count as false)." + PERSISTED,
            evidence=evidence, subject="LDAP_USE_TLS",
            location=env.location("LDAP_USE_TLS") or env.location("LDAP_SERVER_PORT"),
        ))
    elif not ep.tls and not is_loopback_host(ep.host):
        findings.append(finding(
            "ldap.unencrypted",
            "LDAP sign-in sends users' passwords unencrypted",
            detail=(f"Open WebUI connects to {evidence['connects to']} without TLS and never "
                    "uses StartTLS, so the service account's and every user's password cross "
                    "the network in clear text in the LDAP bind."),
            fix="Use LDAPS: LDAP_USE_TLS=true with LDAP_SERVER_PORT=636." + PERSISTED,
            evidence=evidence, subject="LDAP_USE_TLS",
            location=env.location("LDAP_USE_TLS") or env.location("LDAP_SERVER_HOST"),
        ))
    if ep.tls and not s.validate_cert:
        findings.append(finding(
            "ldap.cert-validation-disabled",
            "the LDAP server's certificate is not verified",
            detail=("LDAP_VALIDATE_CERT is false, so Open WebUI uses CERT_NONE: anyone who can "
                    "intercept the connection can present any certificate and read every "
                    "password of the LDAP bind."),
            fix="Set LDAP_VALIDATE_CERT=true and LDAP_CA_CERT_FILE to the CA bundle that signed "
                "the server certificate." + PERSISTED,
            evidence={"LDAP_VALIDATE_CERT": getenv(env, "LDAP_VALIDATE_CERT", "")},
            subject="LDAP_VALIDATE_CERT", location=env.location("LDAP_VALIDATE_CERT"),
        ))
    return findings


def _missing(env: EnvSource, var: str, title: str, why: str, example: str, *,
             severity: Severity | None = None) -> Finding:
    value = env.get(var)
    shown = ("<unset>" if value is None else "<empty>" if value == "" else
             mask(value) if "PASSWORD" in var else mask_url(value))
    detail = why if why.endswith((".", ".'")) else why + "."
    fix = f"Set {example}.{PERSISTED}"
    evidence = {var: shown}
    stand_in = misnamed_as(env, var) if not value else None
    if stand_in is not None:  # e.g. LDAP_URL or LDAP_PASSWORD set instead
        detail += f" {var} is missing; {describe_line(stand_in)} looks like it was meant to be it."
        fix = f"Rename {stand_in.name} to {var}.{PERSISTED}"
        evidence[f"meant as {var}"] = stand_in.name
    return finding(
        "ldap.setting-missing", title, detail=detail, fix=fix,
        evidence=evidence, subject=var, location=env.location(var), severity=severity,
    )


def required_findings(env: EnvSource, s: LdapSettings) -> list[Finding]:
    """Fields the admin API calls required (label, host, attributes, search base) and the app
    bind password. The host is handled by `endpoint_findings`."""
    findings = []
    if not s.search_base.strip():
        findings.append(_missing(env, "LDAP_SEARCH_BASE", "LDAP_SEARCH_BASE is empty",
                                 "The user search starts at the empty DN (the root DSE), where a "
                                 "directory keeps no users, so sign-in ends in 'User not found in "
                                 "the LDAP server' or 'LDAP authentication failed.'",
                                 "LDAP_SEARCH_BASE=ou=people,dc=example,dc=com"))
    for var, value, example in (("LDAP_ATTRIBUTE_FOR_USERNAME", s.attr_username, "uid (AD: sAMAccountName)"),
                                ("LDAP_ATTRIBUTE_FOR_MAIL", s.attr_mail, "mail")):
        if not value.strip():
            findings.append(_missing(env, var, f"{var} is empty",
                                     "The app searches and reads this attribute of the user's "
                                     "entry; empty, the search filter is malformed and every LDAP "
                                     "sign-in fails", f"{var}={example}"))
    if not s.label.strip():
        findings.append(_missing(env, "LDAP_SERVER_LABEL", "LDAP_SERVER_LABEL is empty",
                                 "The sign-in page shows this name on the LDAP form; empty, the "
                                 "form has no label (the admin settings page refuses to save it)",
                                 "LDAP_SERVER_LABEL=\"Company directory\"", severity=Severity.INFO))
    if s.app_dn and not s.app_password:
        findings.append(_missing(env, "LDAP_APP_PASSWORD",
                                 "LDAP_APP_DN is set but LDAP_APP_PASSWORD is empty",
                                 "Open WebUI binds as LDAP_APP_DN with a simple bind before "
                                 "searching; ldap3 refuses a simple bind without a password "
                                 "('password is mandatory in simple bind'), so every LDAP sign-in "
                                 "fails with 'LDAP authentication failed.'",
                                 "LDAP_APP_PASSWORD to the service account's password (or clear "
                                 "LDAP_APP_DN for an anonymous bind)"))
    return findings


def filter_findings(env: EnvSource, s: LdapSettings) -> list[Finding]:
    """`ldap.filter-invalid`: placeholders, and whatever ldap3's parser refuses."""
    var = s.filter_var
    value = s.search_filter
    location = env.location(var)
    built = f"(&({s.attr_username or '<attr>'}=<user>){value})"
    placeholder = _PLACEHOLDER.search(value)
    if placeholder:
        return [finding(
            "ldap.filter-invalid",
            f"{var} contains the placeholder {placeholder.group(0)!r}",
            detail=(f"Open WebUI inserts the login name itself and appends {var} as is: the "
                    f"search is {built}. The placeholder is not replaced, so the filter is "
                    "malformed or matches no user, and LDAP sign-in fails ('User not found in the "
                    "LDAP server' or 'LDAP authentication failed.')."),
            fix=(f"Remove the username part; keep only extra conditions, e.g. "
                 f"{var}=(objectClass=person)." + PERSISTED),
            evidence={var: value, "search filter": built}, subject=var, location=location,
        )]
    if not s.attr_username.strip():
        return []  # reported as ldap.setting-missing
    problem = filter_problem(s.attr_username, value)
    if problem is None:
        return []
    if filter_problem(s.attr_username, "") is not None:
        return [finding(
            "ldap.filter-invalid",
            f"LDAP_ATTRIBUTE_FOR_USERNAME={s.attr_username!r} makes the search filter invalid",
            detail=(f"The app searches with {built}; ldap3 refuses it ({problem}), so every LDAP "
                    "sign-in fails with 'LDAP authentication failed.'"),
            fix="Set LDAP_ATTRIBUTE_FOR_USERNAME to an attribute name such as uid or "
                "sAMAccountName." + PERSISTED,
            evidence={"LDAP_ATTRIBUTE_FOR_USERNAME": s.attr_username, "search filter": built},
            subject="LDAP_ATTRIBUTE_FOR_USERNAME",
            location=env.location("LDAP_ATTRIBUTE_FOR_USERNAME"),
        )]
    stripped = value.strip()
    hint = ""
    if stripped and not stripped.startswith("("):
        hint = f" Each part must be in parentheses: ({stripped})."
    elif stripped.count("(") != stripped.count(")"):
        hint = (f" The parentheses do not balance ({stripped.count('(')} opening, "
                f"{stripped.count(')')} closing); literal parentheses in values must be "
                "written \\28 and \\29.")
    return [finding(
        "ldap.filter-invalid",
        f"{var} is not a valid LDAP filter fragment",
        detail=(f"The app searches with {built}; ldap3 refuses it ({problem}), so every LDAP "
                f"sign-in fails with 'LDAP authentication failed.'{hint}"),
        fix=(f"Set {var} to zero or more parenthesised conditions, e.g. "
             f"{var}=(&(objectClass=person)(memberOf=cn=chat,ou=groups,dc=example,dc=com))."
             + PERSISTED),
        evidence={var: value, "search filter": built}, subject=var, location=location,
    )]


def app_bind_findings(env: EnvSource, s: LdapSettings) -> list[Finding]:
    if s.app_dn:
        return []
    return [finding(
        "ldap.app-bind-anonymous",
        "LDAP user search uses an anonymous bind",
        detail=("LDAP_APP_DN is empty, so Open WebUI binds anonymously to search for the user. "
                "Many directories (Active Directory, hardened OpenLDAP) refuse anonymous searches, "
                "and then every LDAP sign-in fails with 'Application account bind failed' or "
                "'User not found in the LDAP server'."),
        fix="If the directory needs it, set LDAP_APP_DN and LDAP_APP_PASSWORD to a read-only "
            "service account." + PERSISTED,
        evidence={"LDAP_APP_DN": "<unset>" if env.get("LDAP_APP_DN") is None else "<empty>"},
        subject="LDAP_APP_DN", location=env.location("LDAP_APP_DN"),
    )]


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    s = read_settings(env)
    findings = port_findings(env, s)
    if not s.enabled:
        findings.append(skipped(AREA, "ENABLE_LDAP is not true (LDAP sign-in is off)"))
        return findings
    if s.port is not None and 1 <= s.port <= LDAP3_MAX_PORT:
        findings.extend(endpoint_findings(env, s, s.port))
    elif s.port == 0:
        findings.extend(endpoint_findings(env, s, 636 if s.use_tls else 389))
    findings.extend(required_findings(env, s))
    findings.extend(filter_findings(env, s))
    findings.extend(app_bind_findings(env, s))
    return findings


async def check_live(ctx: CheckContext) -> list[Finding]:
    from authdoctor.checks._ldap_live import check_live as live

    return await live(ctx)


CHECK = CheckSpec(area=AREA, title="LDAP", settings=check_settings, live=check_live)
