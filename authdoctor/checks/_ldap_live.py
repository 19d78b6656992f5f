"""The ldap area's live half: `authdoctor.probes.ldap` walks Open WebUI 0.12.4's LDAP sign-in
(`routers/auths.py` `ldap_auth`), and `evaluate` (pure) turns the observation into findings.

Each finding carries every step's time (`steps`) and, after a hard failure, the steps that did not
run (`not run`). The codes, by the step that failed, and what the user sees in the app:

- DNS / TCP: `ldap.unreachable` (the rung, the resolver's answer, SRV records when only a domain
  was given: ldap3 does no SRV lookup). The app: 400 "LDAP authentication failed."
- TLS (implicit TLS, `LDAP_USE_TLS`): `ldap.tls-untrusted-ca`, `ldap.tls-hostname-mismatch` (the
  names the certificate carries), `ldap.tls-certificate-expired`, `ldap.tls-port-mismatch` when
  the port answered plain LDAP (or, with TLS off, when a dropped bind was on a port that speaks
  TLS), `ldap.tls-failed` for the rest. `ldap.tls-certificate-expiring` 30 days ahead.
- The service account's bind: `ldap.bind-failed` with the LDAP result code and, for Active
  Directory, the decoded `data` sub-code (`AD_SUBCODES`; Microsoft's
  "AcceptSecurityContext error, data 52e" answer). The app: "Application account bind failed".
- The search base: `ldap.search-base-not-found` (noSuchObject, RFC 4511 §4.1.9 matchedDN and the
  RootDSE naming contexts shown); another error there or in the search: `ldap.search-failed`; a
  filter the client or server refuses: `ldap.filter-invalid`.
- With a test user (`--user`, `test_account.ldap_user`): `ldap.user-not-found`,
  `ldap.user-ambiguous` (the app takes `entries[0]`), `ldap.attribute-missing` (no mail and no
  `LDAP_DEFAULT_EMAIL_DOMAIN`: "User does not have a valid email address."; the typed name not
  among the username values: "User record mismatch."; values that are not UTF-8), with the
  attribute names the entry does have; with its password `ldap.user-bind-failed` (AD sub-codes).
- Groups (`ENABLE_LDAP_GROUP_MANAGEMENT`): the app reads `LDAP_ATTRIBUTE_FOR_GROUPS` from the
  entry and keeps each value's CN (it never searches for groups); an empty attribute is
  `ldap.groups-empty`, with the groups that do list the user (memberof overlay missing) or none.
- Anonymous access (a service account configured): an anonymous bind that can read the search
  base's entries is `ldap.anonymous-read`. An anonymous bind that reads nothing is the LDAP
  default (RFC 4513 §5.1.1) and not reported.
- Everything passed with a test user and password: `ldap.signin-path` (info) with the timings
  and the groups the app will sync. Without a user or password, the steps that need them are a
  partial skip saying how to run them.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from authdoctor.checks.base import CheckContext, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.probes.ldap import PROBE_NAME, LdapObservation, LdapResult, LdapTarget
from authdoctor.settings.model import EnvSource

AREA = "ldap"
EXPIRY_WARNING = timedelta(days=30)
GENERIC = "users get 400 'LDAP authentication failed.' (the reason is only in the app's log)"
PERSISTED = (" (The env value only seeds the database on the first start; afterwards change it "
             "in Admin > Settings > General > LDAP.)")

#: Active Directory's bind sub-codes (the `data XXX` in "80090308: LdapErr: DSID-…, comment:
#: AcceptSecurityContext error, data 52e, v4563"): Win32 error codes, as Microsoft documents them
#: (ERROR_LOGON_FAILURE 0x52e, ERROR_NO_SUCH_USER 0x525, ERROR_INVALID_LOGON_HOURS 0x530, …).
AD_SUBCODES: dict[str, tuple[str, str]] = {
    "525": ("the account does not exist (no such user)",
            "the DN or user@domain is wrong: use the account's exact distinguishedName or userPrincipalName"),
    "52e": ("the password is wrong (or the account name: AD answers 52e for both with a UPN)",
            "set the account's current password"),
    "530": ("the account may not sign in at this time of day (logon hours)",
            "allow all logon hours for the account in Active Directory (Account > Logon Hours)"),
    "531": ("the account may not sign in from this computer (workstation restriction)",
            "remove the 'Log On To' workstation restriction from the account"),
    "532": ("the password has expired",
            "set a new password for the account (for a service account also 'Password never expires')"),
    "533": ("the account is disabled", "enable the account in Active Directory"),
    "701": ("the account has expired", "extend or clear the account's expiry date (Account expires)"),
    "773": ("the password must be changed before the first sign-in (user must reset password)",
            "set a new password and clear 'User must change password at next logon'"),
    "775": ("the account is locked out (too many wrong passwords)",
            "unlock the account (and find what keeps sending the old password)"),
}
_AD_DATA = re.compile(r"\bdata ([0-9a-fA-F]{3,4})\b")

#: LDAP result codes a user meets here (RFC 4511 Appendix A), in plain words.
RESULT_WORDS = {
    1: "operations error", 2: "protocol error", 3: "time limit exceeded", 4: "size limit exceeded",
    7: "authentication method not supported", 8: "stronger authentication required (TLS needed)",
    10: "referral to another server", 11: "administrative limit exceeded",
    13: "confidentiality required (TLS needed)", 32: "no such object", 34: "invalid DN syntax",
    48: "inappropriate authentication (anonymous bind refused)",
    49: "invalid credentials", 50: "insufficient access rights", 51: "busy", 52: "unavailable",
    53: "unwilling to perform", 80: "other",
}


def ad_subcode(message: str) -> str | None:
    """The AD `data` sub-code in a bind answer's diagnostic message, lower-cased, or None."""
    match = _AD_DATA.search(message or "")
    if match is None:
        return None
    code = match.group(1).lower()
    return code


@dataclass(frozen=True)
class LiveSettings:
    """What the live half reads from the settings (plain values; passwords stay in the target)."""

    use_tls: bool
    host: str
    port: int
    app_dn: str
    search_base: str
    search_filter: str
    filter_var: str
    attr_username: str
    attr_mail: str
    attr_groups: str | None
    default_email_domain: str
    ca_file_setting: str
    ca_file_readable: bool
    user: str | None
    password_given: bool
    timings: bool = True
    """False with a fixed clock (`--now`): the steps are listed without their measured times."""


# --------------------------------------------------------------------------- evidence helpers


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _result_text(result: LdapResult) -> str:
    if result.error:
        return result.error
    words = RESULT_WORDS.get(result.code or 0, result.description or "")
    text = f"{result.code} {result.description or words}".strip()
    if result.message:
        text += f": {result.message}"
    return text


def _step_text(name: str, elapsed_s: float | None, outcome: str) -> str:
    text = name if elapsed_s is None else f"{name} {_ms(elapsed_s)}"
    return text + ("" if outcome == "ok" else f" ({outcome})")


def applicable_steps(s: LiveSettings) -> list[str]:
    steps = ["dns", "tcp"] + (["tls"] if s.use_tls else []) + ["bind"]
    if s.search_base.strip():
        steps.append("base")
    steps.append("search")
    if s.user and s.password_given:
        steps.append("user-bind")
    if s.user and s.attr_groups is not None:
        steps.append("groups")
    if s.app_dn:
        steps.append("anonymous")
    return steps


def step_evidence(obs: LdapObservation, s: LiveSettings) -> dict[str, str]:
    """The server, every step with its time (without times when `s.timings` is off: `--now`
    makes a reproducible report) and, after a hard failure, the steps that did not run."""
    evidence = {"server": f"{'ldaps' if obs.use_tls else 'ldap'}://{obs.host}:{obs.port}",
                "steps": ", ".join(_step_text(t.name, t.elapsed_s if s.timings else None, t.outcome)
                                   for t in obs.steps) or "(none)"}
    if obs.failed_step:
        steps = applicable_steps(s)
        later = steps[steps.index(obs.failed_step) + 1:] if obs.failed_step in steps else []
        later = [name for name in later if name not in ("anonymous", "groups")]
        if later:
            evidence["not run"] = ", ".join(later) + f" (after the {obs.failed_step} step failed)"
    return evidence


def _f(code: str, title: str, obs: LdapObservation, s: LiveSettings, *, detail: str, fix: str,
       evidence: dict[str, str] | None = None, subject: str = "", severity: Severity | None = None,
       env: EnvSource | None = None) -> Finding:
    merged = {**(evidence or {}), **step_evidence(obs, s)}
    location = env.location(subject) if env is not None and subject else None
    return finding(code, title, detail=detail, fix=fix, evidence=merged, subject=subject,
                   location=location, severity=severity)


def _cert_evidence(obs: LdapObservation) -> dict[str, str]:
    cert = obs.certificate
    if cert is None:
        return {}
    return {"certificate subject": cert.subject, "names (SAN)": ", ".join(cert.sans) or "(none)",
            "issuer": cert.issuer, "valid": f"{cert.not_before} to {cert.not_after}"}


# --------------------------------------------------------------------------- evaluation


def evaluate(obs: LdapObservation, s: LiveSettings, now: datetime,
             env: EnvSource | None = None) -> list[Finding]:
    """Findings from one observation (pure: no I/O)."""
    findings: list[Finding] = []
    expiring = _expiry(obs, s, now, env)
    if obs.failed_step in ("dns", "tcp", "tls"):
        findings.extend(_connection_findings(obs, s, env, now))
        return findings + expiring
    findings.extend(expiring)
    if obs.failed_step == "bind":
        return findings + _bind_findings(obs, s, env)
    if obs.failed_step == "base":
        return findings + _base_findings(obs, s, env)
    if obs.failed_step == "search" or (obs.timed_out and obs.search is None):
        return findings + _search_failure(obs, s, env)
    findings.extend(_user_findings(obs, s, env))
    if obs.anonymous_entries:
        findings.append(_f(
            "ldap.anonymous-read", "anonymous clients can read the user entries under LDAP_SEARCH_BASE",
            obs, s, detail=(f"An anonymous bind was accepted and an anonymous search of "
                            f"{s.search_base} returned entries. Open WebUI binds as LDAP_APP_DN, so "
                            "sign-in is not affected, but anyone who reaches the directory can list "
                            "its users."),
            fix="Restrict anonymous access in the directory (OpenLDAP: 'disallow bind_anon' or "
                "'access to * by anonymous auth').",
            evidence={"LDAP_SEARCH_BASE": s.search_base}, subject="LDAP_SEARCH_BASE"))
    if obs.timed_out:
        findings.append(_timeout_finding(obs, s))
    return findings


def _timeout_finding(obs: LdapObservation, s: LiveSettings) -> Finding:
    step = obs.failed_step or "probe"
    code = "ldap.user-bind-failed" if step == "user-bind" else "ldap.search-failed"
    return _f(code, f"the LDAP server did not answer the {step} step in time", obs, s,
              detail=(f"{obs.failure.summary if obs.failure else 'no answer'}. Open WebUI waits "
                      "without a limit of its own, so sign-in hangs until the client gives up."),
              fix="Check the directory server's load and the network path; see the steps' times.")


def _expiry(obs: LdapObservation, s: LiveSettings, now: datetime, env: EnvSource | None) -> list[Finding]:
    cert = obs.certificate
    if cert is None or not cert.not_after or obs.tls_problem in ("expired", "not-yet-valid"):
        return []
    try:
        not_after = datetime.fromisoformat(cert.not_after)
    except ValueError:
        return []
    if not_after.tzinfo is None or now.tzinfo is None:
        not_after, now = not_after.replace(tzinfo=None), now.replace(tzinfo=None)
    if now > not_after:
        return [_expired(obs, s, env, now)]
    left = not_after - now
    if left > EXPIRY_WARNING:
        return []
    return [_f("ldap.tls-certificate-expiring",
               f"the LDAP server's certificate expires in {left.days} days ({cert.not_after[:10]})",
               obs, s, detail=("On that date every LDAP sign-in starts failing with 'LDAP "
                               "authentication failed.' (the app's log: certificate verify failed)."),
               fix="Renew the directory server's certificate before that date.",
               evidence=_cert_evidence(obs), subject="LDAP_SERVER_HOST", env=env)]


def _expired(obs: LdapObservation, s: LiveSettings, env: EnvSource | None, now: datetime) -> Finding:
    cert = obs.certificate
    not_yet = obs.tls_problem == "not-yet-valid"
    when = (cert.not_before if not_yet else cert.not_after) if cert is not None else ""
    title = (f"the LDAP server's certificate is not valid yet (from {when[:10]})" if not_yet else
             f"the LDAP server's certificate has expired{f' ({when[:10]})' if when else ''}")
    return _f("ldap.tls-certificate-expired", title, obs, s,
              detail=("Open WebUI verifies the certificate (LDAP_VALIDATE_CERT=true) and the "
                      f"handshake fails before any bind: {GENERIC}."
                      + (" A certificate that is not valid yet usually means a wrong clock on one "
                         "side." if not_yet else "")),
              fix="Renew the directory server's certificate (or fix the clock); do not set "
                  "LDAP_VALIDATE_CERT=false to work around it.",
              evidence={**_cert_evidence(obs), "checked at": now.isoformat(timespec="seconds")},
              subject="LDAP_SERVER_HOST", env=env)


def _connection_findings(obs: LdapObservation, s: LiveSettings, env: EnvSource | None,
                         now: datetime) -> list[Finding]:
    failure = obs.failure
    summary = failure.summary if failure is not None else "no connection"
    evidence = dict(failure.evidence) if failure is not None else {}
    if obs.failed_step == "dns":
        fix = "Set LDAP_SERVER_HOST to a name the Open WebUI container resolves (host name only)."
        if obs.srv:
            target = obs.srv[0].split(" ")[0]
            host, _, port = target.rpartition(":")
            fix = (f"{s.host} is a domain: ldap3 does not look up SRV records. Set "
                   f"LDAP_SERVER_HOST={host} and LDAP_SERVER_PORT={port} (from the SRV record).")
        return [_f("ldap.unreachable", f"LDAP server not reachable (DNS): {summary}", obs, s,
                   detail=f"The app cannot resolve LDAP_SERVER_HOST, so {GENERIC}.",
                   fix=fix + PERSISTED, evidence=evidence, subject="LDAP_SERVER_HOST", env=env)]
    if obs.failed_step == "tcp":
        return [_f("ldap.unreachable", f"LDAP server not reachable (TCP): {summary}", obs, s,
                   detail=(f"{s.host} resolves ({', '.join(obs.addresses) or '?'}) but the TCP "
                           f"connection to port {s.port} fails, so {GENERIC}."),
                   fix=("Check LDAP_SERVER_PORT (636 for LDAPS, 389 for plain LDAP), that the "
                        "directory listens there, and the firewall between the app and it." + PERSISTED),
                   evidence=evidence, subject="LDAP_SERVER_PORT", env=env)]
    return [_tls_finding(obs, s, env, now)]


def _tls_finding(obs: LdapObservation, s: LiveSettings, env: EnvSource | None, now: datetime) -> Finding:
    cert = _cert_evidence(obs)
    problem = obs.tls_problem
    if problem == "untrusted-ca":
        store = "LDAP_CA_CERT_FILE" if s.ca_file_setting else "the system store"
        detail = (f"The certificate is signed by a CA that {store} "
                  f"does not hold ({obs.tls_error}), so the handshake fails and {GENERIC}.")
        if s.ca_file_setting and not s.ca_file_readable:
            detail += (f" LDAP_CA_CERT_FILE={s.ca_file_setting} is not readable on this machine, so "
                       "authdoctor checked against the system store; give the same file with --ca-file.")
        issuer = f" ({obs.certificate.issuer})" if obs.certificate else ""
        return _f("ldap.tls-untrusted-ca", "the LDAP server's certificate is not trusted (unknown CA)",
                  obs, s,
                  detail=detail,
                  fix=("Set LDAP_CA_CERT_FILE to the PEM file of the CA that issued the server "
                       f"certificate{issuer}, mounted into "
                       "the container." + PERSISTED),
                  evidence={**cert, "verify error": obs.tls_error, "trusted CAs from": obs.ca_source},
                  subject="LDAP_CA_CERT_FILE", env=env)
    if problem == "hostname":
        names = ", ".join(obs.certificate.sans) if obs.certificate and obs.certificate.sans else "(no names)"
        return _f("ldap.tls-hostname-mismatch",
                  f"the LDAP server's certificate is for {names}, not {s.host}", obs, s,
                  detail=(f"The CA is trusted, but ldap3 checks LDAP_SERVER_HOST={s.host} against the "
                          f"certificate's names and it is not one of them, so {GENERIC}."),
                  fix=(f"Set LDAP_SERVER_HOST to a name the certificate carries ({names}) and that "
                       "resolves to the server, or reissue the certificate with that name." + PERSISTED),
                  evidence={**cert, "LDAP_SERVER_HOST": s.host}, subject="LDAP_SERVER_HOST", env=env)
    if problem in ("expired", "not-yet-valid"):
        return _expired(obs, s, env, now)
    if problem == "port-plain":
        offers = (" The server offers StartTLS there, which Open WebUI never sends."
                  if obs.starttls_offered else "")
        return _f("ldap.tls-port-mismatch",
                  f"LDAPS (implicit TLS) against port {s.port}, which answers plain LDAP", obs, s,
                  detail=(f"LDAP_USE_TLS=true makes the app start with a TLS handshake, but the server "
                          f"on port {s.port} answered a plain LDAP request instead, so {GENERIC}.{offers}"),
                  fix=("Set LDAP_SERVER_PORT to the server's LDAPS port (usually 636). Only if it has "
                       "no LDAPS: LDAP_USE_TLS=false (passwords then cross the network unencrypted)."
                       + PERSISTED),
                  evidence={"TLS error": obs.tls_error, "port answered": "plain LDAP"},
                  subject="LDAP_SERVER_PORT", env=env)
    if problem == "ca-file":
        return _f("ldap.tls-failed", "the CA file for the LDAP connection cannot be used", obs, s,
                  detail=f"{obs.failure.summary if obs.failure else obs.tls_error}.",
                  fix="Give a readable PEM file with LDAP_CA_CERT_FILE / --ca-file." + PERSISTED,
                  evidence={"error": obs.tls_error}, subject="LDAP_CA_CERT_FILE", env=env)
    summary = obs.failure.summary if obs.failure else obs.tls_error
    return _f("ldap.tls-failed", f"the TLS handshake with the LDAP server failed: {summary}", obs, s,
              detail=(f"The connection opens but TLS does not complete ({obs.tls_error or 'no answer'}), "
                      f"so {GENERIC}. The port did not answer plain LDAP either."),
              fix=("Check that the port speaks LDAPS, that TLS 1.2+ and a cipher from LDAP_CIPHERS "
                   "(default ALL) are enabled on the server." + PERSISTED),
              evidence={"TLS error": obs.tls_error or "timeout", **cert}, subject="LDAP_SERVER_PORT", env=env)


#: The password policy control's errors on a refused bind (draft-behera-ldap-password-policy
#: §6.2; OpenLDAP's ppolicy overlay sends them when the client asks, as the probe does).
PPOLICY_WORDS: dict[str, tuple[str, str]] = {
    "accountLocked": ("the account is locked by the directory's password policy",
                      "unlock the account (OpenLDAP: remove its pwdAccountLockedTime)"),
    "passwordExpired": ("the password has expired (password policy)", "set a new password for the account"),
    "changeAfterReset": ("the password was reset and must be changed first (password policy)",
                         "let the user set a new password (or clear pwdReset)"),
}


def _ad_parts(result: LdapResult) -> tuple[str, str, dict[str, str]]:
    """(the cause in words, the fix, evidence) for a refused bind, AD sub-codes and the password
    policy control's error decoded."""
    evidence = {"LDAP result": _result_text(result)}
    if result.policy:
        meaning, fix = PPOLICY_WORDS.get(result.policy, (f"password policy: {result.policy}",
                                                          "see the directory's password policy"))
        evidence["password policy"] = f"{result.policy}: {meaning}"
        return meaning, fix, evidence
    code = ad_subcode(result.message)
    if code is not None:
        meaning, fix = AD_SUBCODES.get(code, (f"Active Directory sub-code {code}",
                                              "see Microsoft's list of logon error codes"))
        evidence["AD sub-code"] = f"{code}: {meaning}"
        return meaning, fix, evidence
    if result.code == 49:
        return ("the DN or the password is wrong (invalidCredentials)",
                "check the DN and the password", evidence)
    if result.error:
        return (f"no LDAP answer ({result.error})", "check the server's log", evidence)
    words = RESULT_WORDS.get(result.code or 0, result.description or "refused")
    return words, "see the LDAP result", evidence


def _bind_findings(obs: LdapObservation, s: LiveSettings, env: EnvSource | None) -> list[Finding]:
    result = obs.app_bind or LdapResult(error="no answer")
    if obs.port_speaks == "tls":
        return [_f("ldap.tls-port-mismatch",
                   f"plain LDAP against port {s.port}, which speaks TLS (LDAPS)", obs, s,
                   detail=(f"LDAP_USE_TLS is off, so the app sends its bind in plain LDAP, but port "
                           f"{s.port} expects a TLS handshake first and drops the connection "
                           f"({result.error}), so {GENERIC}."),
                   fix="Set LDAP_USE_TLS=true (exactly 'true')." + PERSISTED,
                   evidence={"bind": result.error, "port answered": "a TLS handshake"},
                   subject="LDAP_USE_TLS", env=env)]
    if obs.timed_out:
        return [_f("ldap.bind-failed", "the LDAP server did not answer the service account's bind in time",
                   obs, s, detail=(f"The connection opened but no bind answer came within the probe "
                                   "timeout. The app waits without a limit, so sign-in hangs, then "
                                   f"{GENERIC}."),
                   fix="Check the directory server (overloaded, a proxy that accepts and never "
                       "forwards) and LDAP_SERVER_HOST/LDAP_SERVER_PORT." + PERSISTED,
                   evidence={"timeout": (obs.failure.evidence.get("timeout", "") if obs.failure else "")},
                   subject="LDAP_SERVER_HOST", env=env)]
    cause, fix, evidence = _ad_parts(result)
    if obs.anonymous_app_bind:
        return [_f("ldap.bind-failed", f"the directory refuses the app's anonymous bind: {cause}", obs, s,
                   detail=("LDAP_APP_DN is empty, so the app binds anonymously before searching; the "
                           "server refuses it and users get 400 'Application account bind failed'."),
                   fix="Set LDAP_APP_DN and LDAP_APP_PASSWORD to a read-only service account." + PERSISTED,
                   evidence=evidence, subject="LDAP_APP_DN", env=env)]
    if result.error and not result.code:
        title = f"the service account's bind got no answer: {result.error}"
        detail = (f"The connection opened, but the server closed it or answered something that is "
                  f"not LDAP during the bind, so {GENERIC}.")
        fix = ("Check that LDAP_SERVER_HOST:LDAP_SERVER_PORT is the directory itself (not a proxy or "
               "another service).")
    else:
        title = f"the service account's bind is refused: {cause}"
        detail = (f"Open WebUI binds as LDAP_APP_DN={s.app_dn} before every search; the server "
                  "answers " + evidence["LDAP result"] + ", so users get 400 'Application account bind "
                  "failed'.")
        fix = (f"For LDAP_APP_DN: {fix}. Set LDAP_APP_DN to the full DN (AD: also user@domain) and "
               "LDAP_APP_PASSWORD to its current password.")
    return [_f("ldap.bind-failed", title, obs, s, detail=detail, fix=fix + PERSISTED,
               evidence={"LDAP_APP_DN": s.app_dn, **evidence}, subject="LDAP_APP_DN", env=env)]


def _contexts(obs: LdapObservation) -> str:
    values = [v for key, vals in obs.rootdse.items() if key.lower() == "namingcontexts" for v in vals]
    return ", ".join(values)


def _base_findings(obs: LdapObservation, s: LiveSettings, env: EnvSource | None) -> list[Finding]:
    result = obs.base or LdapResult(error="no answer")
    evidence = {"LDAP_SEARCH_BASE": s.search_base, "LDAP result": _result_text(result)}
    if result.matched_dn:
        evidence["exists up to"] = result.matched_dn
    contexts = _contexts(obs)
    if contexts:
        evidence["directory's naming contexts"] = contexts
    if result.code == 32:
        return [_f("ldap.search-base-not-found", f"LDAP_SEARCH_BASE {s.search_base} does not exist", obs, s,
                   detail=("The server answers noSuchObject for the search base, so every search "
                           "finds nothing and users get 400 'User not found in the LDAP server'"
                           + (f"; the directory holds {contexts}." if contexts else ".")
                           + (" The app binds anonymously (LDAP_APP_DN is empty), and directories "
                              "answer noSuchObject for entries anonymous clients may not see."
                              if obs.anonymous_app_bind else
                              " (An entry the bind account may not see answers the same.)")),
                   fix=("Set LDAP_SEARCH_BASE to the DN that holds the users, under "
                        f"{result.matched_dn or contexts or 'the directory suffix'}." + PERSISTED),
                   evidence=evidence, subject="LDAP_SEARCH_BASE", env=env)]
    return [_search_failed(obs, s, env, result, "the search base", evidence)]


def _search_failed(obs: LdapObservation, s: LiveSettings, env: EnvSource | None, result: LdapResult,
                   what: str, evidence: dict[str, str]) -> Finding:
    if obs.timed_out:
        return _timeout_finding(obs, s)
    reason = RESULT_WORDS.get(result.code or 0, result.description) if not result.error else result.error
    if result.referrals:
        evidence["referrals"] = ", ".join(result.referrals)
    fix = ("Grant LDAP_APP_DN read and search rights on LDAP_SEARCH_BASE." if result.code == 50 else
           "Point LDAP_SERVER_HOST at a server that holds LDAP_SEARCH_BASE itself, e.g. the AD domain "
           "controller, or correct the base. Open WebUI's LDAP library (ldap3, default settings) follows "
           "the referral and binds there with LDAP_APP_DN and its password, in clear text when the "
           "referral is ldap://; authdoctor did not follow it." if result.code == 10 else
           "Set LDAP_APP_DN to a service account: the directory refuses anonymous searches."
           if result.code in (48, 53) and obs.anonymous_app_bind else
           "Check the directory's log for the search and the bind account's rights.")
    return _f("ldap.search-failed", f"the LDAP search of {what} fails: {reason}", obs, s,
              detail=(f"The server answers {_result_text(result)}. The app treats a failed search like "
                      "an empty one: users get 400 'User not found in the LDAP server'."),
              fix=fix + PERSISTED, evidence=evidence, subject="LDAP_SEARCH_BASE", env=env)


def _search_failure(obs: LdapObservation, s: LiveSettings, env: EnvSource | None) -> list[Finding]:
    search = obs.search
    result = search.result if search is not None else LdapResult(error="no answer")
    evidence = {"LDAP_SEARCH_BASE": s.search_base, "search filter": search.filter if search else "",
                "LDAP result": _result_text(result)}
    if "filter" in result.error.lower() or result.code == 87:
        refusal = result.error or result.description
        return [_f("ldap.filter-invalid", f"the search filter the app builds is refused: {refusal}", obs, s,
                   detail=("Open WebUI searches with (&(USERNAME_ATTR=<user>)" + s.filter_var
                           + "); the filter is not valid, so " + GENERIC + "."),
                   fix=(f"Set {s.filter_var} to zero or more parenthesised conditions, e.g. "
                        f"(objectClass=person)." + PERSISTED),
                   evidence=evidence, subject=s.filter_var, env=env)]
    return [_search_failed(obs, s, env, result, "LDAP_SEARCH_BASE", evidence)]


def _user_findings(obs: LdapObservation, s: LiveSettings, env: EnvSource | None) -> list[Finding]:
    search = obs.search
    if search is None:
        return []
    findings: list[Finding] = []
    base_evidence = {"LDAP_SEARCH_BASE": s.search_base, "search filter": search.filter}
    if search.probe_name or not s.user:
        return [Finding(code=f"{AREA}.skipped", severity=Severity.SKIPPED, partial=True,
                        title="ldap: the user lookup, its attributes, its bind and groups were not checked "
                              "(no test user)",
                        detail=("no test user given: the search ran with a name nobody has "
                                f"({PROBE_NAME}) to check the filter and the right to search; give "
                                "--user NAME (and --password-env VAR) or test_account.ldap_user"),
                        evidence={**base_evidence, **step_evidence(obs, s)})]
    if not search.entries:
        hint = (" The app binds anonymously (LDAP_APP_DN is empty): many directories show anonymous "
                "clients no entries." if obs.anonymous_app_bind else "")
        return [_f("ldap.user-not-found", f"the app's search does not find {s.user}", obs, s,
                   detail=(f"The search under {s.search_base} with {search.filter} returns nothing, so "
                           f"this user gets 400 'User not found in the LDAP server'.{hint}"),
                   fix=("Check that LDAP_ATTRIBUTE_FOR_USERNAME is the attribute users type "
                        f"(now {s.attr_username}; AD: sAMAccountName), that the user is under "
                        f"LDAP_SEARCH_BASE and that {s.filter_var} does not exclude them." + PERSISTED),
                   evidence=base_evidence, subject="LDAP_ATTRIBUTE_FOR_USERNAME", env=env)]
    entry = search.entries[0]
    if len(search.entries) > 1 or search.truncated:
        count = f"more than {len(search.entries)}" if search.truncated else str(len(search.entries))
        findings.append(_f(
            "ldap.user-ambiguous", f"the app's search finds {count} entries for {s.user}", obs, s,
            detail=(f"Open WebUI uses the first entry the server returns ({entry.dn}) and ignores the "
                    "rest: the user may sign in as another entry (its mail and groups), or be refused "
                    "with 'User record mismatch.' or 'Authentication failed.' depending on the order."),
            fix=("Make the username unique under LDAP_SEARCH_BASE: narrow the base or add a "
                 f"condition to {s.filter_var}." + PERSISTED),
            evidence={**base_evidence, "entries": "; ".join(e.dn for e in search.entries[:5])},
            subject="LDAP_SEARCH_BASE", env=env))
    has = ", ".join(sorted(entry.attributes)) or "(none readable)"
    attr_evidence = {"entry": entry.dn, "attributes it has": has}
    mail = entry.values(s.attr_mail)
    if s.attr_mail in entry.not_utf8 or any(n.lower() == s.attr_mail.lower() for n in entry.not_utf8):
        findings.append(_f(
            "ldap.attribute-missing", f"{s.user}'s {s.attr_mail} value is not UTF-8 text", obs, s,
            detail=("The app reads the value as text; a value that is not UTF-8 arrives as bytes and "
                    "the app stores a wrong email (or refuses it)."),
            fix=f"Store {s.attr_mail} as UTF-8 text in the directory.",
            evidence={**attr_evidence, s.attr_mail: ", ".join(mail or ())},
            subject="LDAP_ATTRIBUTE_FOR_MAIL", env=env))
    elif not mail and not s.default_email_domain:
        findings.append(_f(
            "ldap.attribute-missing", f"{s.user}'s entry has no {s.attr_mail}", obs, s,
            detail=(f"The app reads LDAP_ATTRIBUTE_FOR_MAIL={s.attr_mail} and refuses the sign-in with "
                    "400 'User does not have a valid email address.' (LDAP_DEFAULT_EMAIL_DOMAIN is not "
                    "set). An attribute the bind account may not read looks the same."),
            fix=(f"Fill {s.attr_mail} in the user's entry, set LDAP_ATTRIBUTE_FOR_MAIL to an attribute "
                 "the entries have (see the evidence), or set LDAP_DEFAULT_EMAIL_DOMAIN." + PERSISTED),
            evidence=attr_evidence, subject="LDAP_ATTRIBUTE_FOR_MAIL", env=env))
    names = [v.lower() for v in entry.values(s.attr_username) or ()]
    if s.user.lower() not in names:
        findings.append(_f(
            "ldap.attribute-missing",
            f"{s.user}'s entry has no {s.attr_username} value equal to the typed name", obs, s,
            detail=(f"The app compares the typed name (lower-cased) with the entry's "
                    f"{s.attr_username} values ({', '.join(names) or 'none'}) and answers 400 'User "
                    "record mismatch.' when it is not among them."),
            fix=("Set LDAP_ATTRIBUTE_FOR_USERNAME to the attribute the search matched and that "
                 "holds the login name." + PERSISTED),
            evidence=attr_evidence, subject="LDAP_ATTRIBUTE_FOR_USERNAME", env=env))
    if obs.user_bind is not None and not obs.user_bind.ok:
        cause, fix, evidence = _ad_parts(obs.user_bind)
        findings.append(_f(
            "ldap.user-bind-failed", f"{s.user}'s own bind is refused: {cause}", obs, s,
            detail=(f"After finding {entry.dn} the app binds as it with the typed password; the server "
                    f"answers {evidence['LDAP result']}, so the user gets 400 'Authentication failed.'"),
            fix=f"{fix[0].upper()}{fix[1:]} (in the directory; nothing in Open WebUI's settings "
                "changes this).",
            evidence={"entry": entry.dn, **evidence}, subject=s.user))
    groups = _groups(entry, s)
    if s.attr_groups is not None and not groups:
        findings.append(_groups_empty(obs, s, env, entry.dn))
    if findings:
        return findings
    if not s.password_given:
        return [Finding(code=f"{AREA}.skipped", severity=Severity.SKIPPED, partial=True,
                        title=f"ldap: {s.user}'s own bind was not checked (no password)",
                        detail=(f"no password for {s.user}: give --password-env VAR (or "
                                "test_account.ldap_password) to check the user's own bind"),
                        evidence=step_evidence(obs, s))]
    built = f"(built with @{s.default_email_domain})"
    evidence = {"entry": entry.dn, s.attr_mail: ", ".join(mail or ()) or built}
    if s.attr_groups is not None:
        evidence["groups the app syncs"] = ", ".join(groups)
    return [_f("ldap.signin-path", f"LDAP sign-in works for {s.user}", obs, s,
               detail="Every step of the app's LDAP sign-in passed for this user.",
               fix="Nothing to fix.", evidence=evidence, subject=s.user)]


def group_cn(dn: str) -> str | None:
    """The first CN of a group DN, as the app's `extract_group_cn_from_dn` (ldap3 `parse_dn`)."""
    from ldap3.core.exceptions import LDAPInvalidDnError
    from ldap3.utils.dn import parse_dn

    try:
        for attr_type, value, _ in parse_dn(dn):
            if attr_type.upper() == "CN":
                return str(value).replace("\\,", ",")
    except (LDAPInvalidDnError, ValueError):
        return None
    return None


def _groups(entry: object, s: LiveSettings) -> list[str]:
    from authdoctor.probes.ldap import LdapEntry

    if s.attr_groups is None or not isinstance(entry, LdapEntry):
        return []
    return [cn for cn in (group_cn(dn) for dn in entry.values(s.attr_groups) or ()) if cn]


def _groups_empty(obs: LdapObservation, s: LiveSettings, env: EnvSource | None, dn: str) -> Finding:
    listed = obs.member_groups or ()
    if listed:
        reason = (f"{len(listed)} group(s) list the user as a member ({'; '.join(listed[:5])}), but "
                  "the entry "
                  f"has no {s.attr_groups}: the memberof overlay is missing, or the attribute is another one")
        fix = (f"Enable the memberof overlay (OpenLDAP) or set LDAP_ATTRIBUTE_FOR_GROUPS to the "
               f"attribute your directory fills (now {s.attr_groups}).")
    elif obs.member_groups is not None:
        reason = (f"no group under {obs.member_groups_base} lists the user (member, uniqueMember, "
                  "memberUid) either: the user is in no group there, or the groups live elsewhere")
        fix = "Add the user to the groups in the directory, or check where the groups live."
    else:
        reason = "the groups could not be looked up"
        fix = f"Check that LDAP_ATTRIBUTE_FOR_GROUPS={s.attr_groups} is the attribute your directory fills."
    return _f("ldap.groups-empty", f"group management is on but {s.user} has no {s.attr_groups}", obs, s,
              detail=(f"ENABLE_LDAP_GROUP_MANAGEMENT is on; the app reads {s.attr_groups} from the entry "
                      f"and syncs no group, so the user loses every group at sign-in. {reason}."),
              fix=fix + PERSISTED, evidence={"entry": dn, "LDAP_ATTRIBUTE_FOR_GROUPS": s.attr_groups or ""},
              subject="LDAP_ATTRIBUTE_FOR_GROUPS", env=env)


# --------------------------------------------------------------------------- the live half

_SALT = os.urandom(16)


def target_and_settings(ctx: CheckContext) -> tuple[LdapTarget, LiveSettings] | str:
    """The probe's target from the settings and the test account, or why there is none."""
    from authdoctor.checks.ldap import EndpointProblem, effective_endpoint, read_settings
    from authdoctor.openwebui.envread import getenv

    env = ctx.deployment.env
    s = read_settings(env)
    if not s.enabled:
        return "ENABLE_LDAP is not true (LDAP sign-in is off)"
    if s.port is None or not 0 <= s.port <= 65534:
        return f"LDAP_SERVER_PORT={s.port_raw!r} is not a usable port"
    if not s.host.strip():
        return "LDAP_SERVER_HOST is empty"
    port = s.port or (636 if s.use_tls else 389)
    try:
        ep = effective_endpoint(s.host, port, s.use_tls)
    except EndpointProblem as exc:
        return f"LDAP_SERVER_HOST is not a usable address ({exc})"
    if s.app_dn and not s.app_password:
        return "LDAP_APP_DN is set without LDAP_APP_PASSWORD (the app cannot bind)"
    ca_setting = getenv(env, "LDAP_CA_CERT_FILE", "")
    ca_readable = bool(ca_setting) and os.path.isfile(ca_setting) and os.access(ca_setting, os.R_OK)
    group_mgmt = getenv(env, "ENABLE_LDAP_GROUP_MANAGEMENT", "False").lower() == "true"
    account = ctx.deployment.test_account
    user = (account.ldap_user or None) if account is not None else None
    password = (account.ldap_password or None) if account is not None else None
    verify = s.validate_cert and ctx.probes.verify_tls
    target = LdapTarget(
        host=ep.host, port=ep.port, use_tls=ep.tls, app_dn=s.app_dn, app_password=s.app_password,
        search_base=s.search_base, search_filter=s.search_filter, attr_username=s.attr_username,
        attr_mail=s.attr_mail,
        attr_groups=getenv(env, "LDAP_ATTRIBUTE_FOR_GROUPS", "memberOf") if group_mgmt else None,
        validate_cert=verify, ca_file=ca_setting if ca_readable else None,
        extra_ca_file=ctx.probes.ca_file, ciphers=getenv(env, "LDAP_CIPHERS", "ALL") or "ALL",
        user=user, user_password=password)
    live = LiveSettings(
        use_tls=ep.tls, host=ep.host, port=ep.port, app_dn=s.app_dn, search_base=s.search_base,
        search_filter=s.search_filter, filter_var=s.filter_var, attr_username=s.attr_username,
        attr_mail=s.attr_mail, attr_groups=target.attr_groups,
        default_email_domain=getenv(env, "LDAP_DEFAULT_EMAIL_DOMAIN", ""),
        ca_file_setting=ca_setting, ca_file_readable=ca_readable, user=user,
        password_given=bool(password), timings=not ctx.fixed_clock)
    return target, live


async def check_live(ctx: CheckContext) -> list[Finding]:
    """Probe the directory as the app's LDAP sign-in does and evaluate what was seen."""
    from authdoctor.probes.cache import wait_future
    from authdoctor.probes.ldap import probe_ldap

    prepared = target_and_settings(ctx)
    if isinstance(prepared, str):
        return [skipped(AREA, prepared)]
    target, live = prepared
    secret = f"{target.app_password}\0{target.user_password or ''}".encode("utf-8", "replace")
    digest = hashlib.blake2b(secret, key=_SALT, digest_size=16).hexdigest()
    key = ("ldap", target.host, target.port, target.use_tls, target.app_dn, target.search_base,
           target.search_filter, target.attr_username, target.attr_mail, target.attr_groups,
           target.validate_cert, target.ca_file, target.extra_ca_file, target.ciphers, target.user, digest)
    budget = ctx.probes.budget()
    observation = await wait_future(ctx.probes.cache.get(key, lambda: probe_ldap(target, timeout_s=budget)))
    return evaluate(observation, live, ctx.now, ctx.deployment.env)
