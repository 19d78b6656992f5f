"""The LDAP probe: Open WebUI 0.12.4's LDAP sign-in walked step by step, each step's outcome as data.

`probe_ldap(LdapTarget(...), timeout_s=...)` returns an `LdapObservation`; it never raises for a
network, TLS or LDAP failure. The steps, in the app's order (`routers/auths.py` `ldap_auth`), each
timed, stopping at the first hard failure (the observation names the step that failed; the
evaluation names the steps that did not run):

1. `dns`: the host as the app's socket layer resolves it (`getaddrinfo`, hosts file included);
   when that fails, dnspython says why (NXDOMAIN, SERVFAIL, timeout) and looks for
   `_ldap._tcp` / `_ldaps._tcp` SRV records (a domain given where a server name is needed).
2. `tcp`: one connect to the first address (refused, timed out, unreachable).
3. `tls` (when the app uses implicit TLS, `LDAP_USE_TLS`): a handshake on that connection with
   the app's TLS settings (a TLS client context as ldap3's `Tls(version=PROTOCOL_TLS)` makes,
   `LDAP_CA_CERT_FILE` else the system store,
   `LDAP_VALIDATE_CERT`, `LDAP_CIPHERS`, no SNI, then ldap3's own host-name check), the peer
   certificate read in any case (names, issuer, expiry). No LDAP data is sent on it. When the
   handshake fails for a reason other than the certificate, one plain LDAP RootDSE read on a new
   connection tells whether the port speaks plain LDAP (and offers StartTLS); with plain LDAP
   configured and a connection the server drops, one unverified handshake tells whether the port
   speaks TLS. Detected by what the server answers, not by the port number.
4. `bind`: the service account's simple bind, or an anonymous bind when no DN is set, through
   ldap3 exactly as the app builds it (`Server(get_info=NONE, use_ssl, tls=Tls(...))`,
   `Connection(auto_bind='NONE', authentication='SIMPLE'|'ANONYMOUS')`); the LDAP result code and
   the server's message (Active Directory's `data 52e` sub-code is in it). Then the RootDSE.
5. `base`: a base-scope read of the search base (noSuchObject tells a wrong base apart).
6. `search`: the app's search (its filter, its attribute list, subtree scope), with the test
   user or a probe name when none is given; at most `MAX_ENTRIES` entries are read.
7. `user-bind`: the test user's own bind as the entry's DN, when a password is given.
8. `groups`: when the group attribute came back empty, one search for groups that list the user
   as a member (member / uniqueMember / memberUid), to tell a missing memberOf overlay from a user
   in no group.
9. `anonymous`: when a service account is configured, an anonymous bind and a one-entry read
   of the search base (what an anonymous client can see).

Read-only: only binds, searches and the RootDSE read; every connection is unbound. Every socket
operation is bounded by what is left of `timeout_s`, and the whole probe runs in a daemon thread
that is abandoned at `timeout_s` (the observation then names the step the time ran out in). A
password is never put into an observation. ldap3 and dnspython are imported inside the probe.
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from authdoctor.probes import ProbeFailure, Rung, TlsCertificate

#: Entries read from one search at most (the app reads them all; the probe needs two to see
#: several matches, and a bound keeps a huge directory from flooding the probe).
MAX_ENTRIES = 20
#: Values kept per attribute in an observation.
MAX_VALUES = 50
STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
#: The login name searched for when no test user is given: checks the filter and the right to
#: search without naming anyone.
PROBE_NAME = "authdoctor-probe-no-such-user"
STEPS = ("dns", "tcp", "tls", "bind", "base", "search", "user-bind", "groups", "anonymous")


@dataclass(frozen=True)
class LdapTarget:
    """What the app would use (plain values; the passwords are used, never stored)."""

    host: str
    port: int
    use_tls: bool
    app_dn: str = ""
    app_password: str = dataclasses.field(default="", repr=False)
    search_base: str = ""
    search_filter: str = ""
    attr_username: str = "uid"
    attr_mail: str = "mail"
    attr_groups: str | None = None
    """`LDAP_ATTRIBUTE_FOR_GROUPS` when the app's group management is on, else None."""
    validate_cert: bool = True
    ca_file: str | None = None
    """`LDAP_CA_CERT_FILE` (a path readable here) or None for the system store."""
    extra_ca_file: str | None = None
    """authdoctor's `--ca-file`, trusted in addition."""
    ciphers: str = "ALL"
    user: str | None = None
    user_password: str | None = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True)
class StepTime:
    name: str
    elapsed_s: float
    outcome: str
    """ok | failed | timed out"""


@dataclass(frozen=True)
class LdapResult:
    """One LDAP operation's answer (RFC 4511 LDAPResult), or the client-side error instead."""

    code: int | None = None
    description: str = ""
    message: str = ""
    matched_dn: str = ""
    referrals: tuple[str, ...] = ()
    error: str = ""
    """ldap3's exception text when no LDAP answer came (socket closed, timeout, bad response)."""
    policy: str = ""
    """The password policy response control's error on a bind (draft-behera-ldap-password-policy
    §6.2: `accountLocked`, `passwordExpired`, `changeAfterReset`, ...), when the server sent one."""

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.error


@dataclass(frozen=True)
class LdapEntry:
    dn: str
    attributes: dict[str, tuple[str, ...]]
    """Attribute (as the server named it) -> values; a value that is not UTF-8 is shown as
    `<not UTF-8: hex…>` and its attribute listed in `not_utf8`."""
    not_utf8: tuple[str, ...] = ()

    def values(self, name: str) -> tuple[str, ...] | None:
        for key, values in self.attributes.items():
            if key.lower() == name.lower():
                return values
        return None


@dataclass(frozen=True)
class SearchOutcome:
    base: str
    filter: str
    attributes: tuple[str, ...]
    result: LdapResult
    entries: tuple[LdapEntry, ...] = ()
    truncated: bool = False
    """More entries than `MAX_ENTRIES` (or the server's size limit) matched."""
    probe_name: bool = False
    """True: no test user was given; the search used `PROBE_NAME`."""


@dataclass(frozen=True)
class LdapObservation:
    host: str
    port: int
    use_tls: bool
    steps: tuple[StepTime, ...] = ()
    failed_step: str = ""
    """The step that failed hard (later steps did not run), or ''."""
    failure: ProbeFailure | None = None
    """For a failure on the DNS, TCP or TLS rung (or a timeout): the rung and its evidence."""
    addresses: tuple[str, ...] = ()
    srv: tuple[str, ...] = ()
    """`_ldap._tcp` / `_ldaps._tcp` SRV targets (`host:port`) when the name has no address."""
    tls_version: str = ""
    certificate: TlsCertificate | None = None
    tls_problem: str = ""
    """untrusted-ca | hostname | expired | not-yet-valid | handshake | port-plain | '' (ok)."""
    tls_error: str = ""
    port_speaks: str = ""
    """What the port answered to the other protocol: 'plain-ldap', 'tls' or ''."""
    starttls_offered: bool | None = None
    verified: bool = True
    """False when the certificate was not verified (LDAP_VALIDATE_CERT=false or --insecure)."""
    ca_source: str = ""
    app_bind: LdapResult | None = None
    anonymous_app_bind: bool = False
    rootdse: dict[str, tuple[str, ...]] = field(default_factory=dict)
    base: LdapResult | None = None
    search: SearchOutcome | None = None
    user_bind: LdapResult | None = None
    user_dn: str = ""
    member_groups: tuple[str, ...] | None = None
    """DNs of groups that list the user as a member (only looked up when the group attribute was
    empty), or None when not looked up."""
    member_groups_base: str = ""
    anonymous_bind: LdapResult | None = None
    anonymous_entries: int | None = None
    timed_out: bool = False
    elapsed_s: float = 0.0

    def step(self, name: str) -> StepTime | None:
        for step in self.steps:
            if step.name == name:
                return step
        return None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- the run's record


class _Record:
    """What the worker has seen so far (the caller snapshots it when the time runs out)."""

    def __init__(self, target: LdapTarget, timeout_s: float) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + max(timeout_s, 0.05)
        self.lock = threading.Lock()
        self.fields: dict[str, Any] = {"host": target.host, "port": target.port, "use_tls": target.use_tls}
        self.steps: list[StepTime] = []
        self.current = ""
        self.current_started = self.started

    def remaining(self) -> float:
        return max(0.05, self.deadline - time.monotonic())

    def set(self, **values: Any) -> None:
        with self.lock:
            self.fields.update(values)

    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """Times one step; the body appends 'failed' to the yielded list to mark a failure."""
        outcome: list[str] = []
        with self.lock:
            self.current, self.current_started = name, time.monotonic()
        try:
            yield outcome
        finally:
            with self.lock:
                self.steps.append(StepTime(name, time.monotonic() - self.current_started,
                                           outcome[0] if outcome else "ok"))
                self.current = ""

    def fail(self, name: str, failure: ProbeFailure | None = None) -> None:
        self.set(failed_step=name, **({"failure": failure} if failure is not None else {}))

    def observation(self, timed_out: bool = False) -> LdapObservation:
        with self.lock:
            steps = list(self.steps)
            fields = dict(self.fields)
            if timed_out and self.current:
                steps.append(StepTime(self.current, time.monotonic() - self.current_started, "timed out"))
                fields["failed_step"] = self.current
        return LdapObservation(**fields, steps=tuple(steps), timed_out=timed_out,
                               elapsed_s=time.monotonic() - self.started)


# --------------------------------------------------------------------------- entry point


def probe_ldap(target: LdapTarget, *, timeout_s: float) -> LdapObservation:
    """Walk the app's LDAP sign-in against `target` within `timeout_s` in all (module docstring)."""
    record = _Record(target, timeout_s)
    done = threading.Event()
    box: dict[str, BaseException] = {}

    def work() -> None:
        try:
            _walk(target, record)
        except BaseException as exc:  # a bug in the probe: re-raised in the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="authdoctor-ldap-probe", daemon=True).start()
    if not done.wait(max(timeout_s, 0.05)):
        observation = record.observation(timed_out=True)
        step = observation.failed_step or "the probe"
        rung = {"dns": Rung.DNS, "tcp": Rung.TCP, "tls": Rung.TLS}.get(step, Rung.PROTOCOL)
        where = f"{target.host}:{target.port}"
        return dataclasses.replace(observation, failure=ProbeFailure(
            rung, f"no answer from {where} within {timeout_s:g} s (during the {step} step)",
            {"address": where, "timeout": f"{timeout_s:g} s", "step": step}, timed_out=True))
    if "error" in box:
        raise box["error"]
    return record.observation()


def _walk(target: LdapTarget, record: _Record) -> None:
    address = _resolve(target, record)
    if address is None:
        return
    if not _tcp_and_tls(target, address, record):
        return
    _ldap_steps(target, record)


# --------------------------------------------------------------------------- 1. DNS


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _resolve(target: LdapTarget, record: _Record) -> tuple[Any, ...] | None:
    with record.step("dns") as outcome:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            outcome.append("failed")
            failure, srv = _dns_failure(target.host, exc, record.remaining())
            record.set(srv=srv)
            record.fail("dns", failure)
            return None
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        record.set(addresses=addresses)
        return infos[0] if infos else None


def _dns_failure(host: str, exc: Exception, lifetime: float) -> tuple[ProbeFailure, tuple[str, ...]]:
    """Why the name does not resolve, in dnspython's words, and any LDAP SRV records."""
    evidence = {"name": host, "resolver": str(getattr(exc, "strerror", None) or exc)}
    summary = f"{host}: the name cannot be resolved"
    srv: list[str] = []
    if isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN:
        summary = f"{host}: no DNS server gave an answer (SERVFAIL or timeout)"
    try:
        import dns.exception
        import dns.resolver

        resolver = dns.resolver.Resolver()
        # the explanation may not eat the probe's time: one second for all of it, and no SRV
        # lookups after a resolver that did not answer
        ends = time.monotonic() + min(max(lifetime - 0.2, 0.05), 1.0)
        answering = True
        try:
            resolver.resolve(host, "A", lifetime=max(ends - time.monotonic(), 0.01))
        except dns.resolver.NXDOMAIN:
            summary = f"{host}: the name does not exist (NXDOMAIN)"
            evidence["DNS"] = "NXDOMAIN"
        except dns.resolver.NoAnswer:
            summary = f"{host}: the name exists but has no address (no A/AAAA record)"
            evidence["DNS"] = "no A/AAAA record"
        except dns.resolver.NoNameservers:
            summary = f"{host}: the DNS servers failed to answer (SERVFAIL)"
            evidence["DNS"] = "SERVFAIL"
            answering = False
        except dns.exception.Timeout:
            summary = f"{host}: no DNS server answered in time"
            evidence["DNS"] = "timeout"
            answering = False
        except dns.exception.DNSException as dns_exc:
            evidence["DNS"] = type(dns_exc).__name__
            answering = False
        for service in ("_ldaps._tcp", "_ldap._tcp") if answering else ():
            left = ends - time.monotonic()
            if left <= 0:
                break
            with suppress(dns.exception.DNSException):
                for answer in resolver.resolve(f"{service}.{host}", "SRV", lifetime=left):
                    srv.append(f"{str(answer.target).rstrip('.')}:{answer.port} ({service})")
    except ImportError:  # pragma: no cover - dnspython is a dependency
        pass
    if srv:
        evidence["SRV records"] = ", ".join(srv)
    return ProbeFailure(Rung.DNS, summary, evidence), tuple(srv)


# --------------------------------------------------------------------------- 2-3. TCP and TLS


def _connect(address: tuple[Any, ...], record: _Record) -> socket.socket:
    family, kind, proto, _, sockaddr = address
    sock = socket.socket(family, kind, proto)
    sock.settimeout(record.remaining())
    try:
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


def _tcp_failure(exc: OSError, where: str, timeout_s: float) -> ProbeFailure:
    if isinstance(exc, TimeoutError | socket.timeout):
        return ProbeFailure(Rung.TCP, f"{where}: no answer to the TCP connect within {timeout_s:.3g} s "
                            "(a firewall dropping packets, or the wrong host)",
                            {"address": where, "error": "timed out"}, timed_out=True)
    if isinstance(exc, ConnectionRefusedError):
        return ProbeFailure(Rung.TCP, f"{where}: connection refused (nothing listens on that port)",
                            {"address": where, "error": "connection refused"})
    if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        words = exc.strerror or "unreachable"
        return ProbeFailure(Rung.TCP, f"{where}: {words.lower()}", {"address": where, "error": words})
    return ProbeFailure(Rung.TCP, f"{where}: cannot connect ({exc.strerror or exc})",
                        {"address": where, "error": str(exc.strerror or exc)})


def _context(target: LdapTarget) -> ssl.SSLContext:
    """The app's TLS client context (ldap3 `Tls(validate, version=PROTOCOL_TLS, ca_certs_file,
    ciphers)`), host names checked separately as ldap3 does."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    if target.validate_cert:
        files = [f for f in (target.ca_file, target.extra_ca_file) if f]
        if files:
            for name in files:
                context.load_verify_locations(cafile=name)
        else:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        context.verify_mode = ssl.CERT_REQUIRED
    else:
        context.verify_mode = ssl.CERT_NONE
    if target.ciphers:
        with suppress(ssl.SSLError):
            context.set_ciphers(target.ciphers)
    return context


def certificate_from_der(der: bytes | None) -> TlsCertificate | None:
    if not der:
        return None
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = (*san.get_values_for_type(x509.DNSName),
                     *(str(ip) for ip in san.get_values_for_type(x509.IPAddress)))
        except x509.ExtensionNotFound:
            names = ()
        return TlsCertificate(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                              sans=tuple(names), not_before=cert.not_valid_before_utc.isoformat(),
                              not_after=cert.not_valid_after_utc.isoformat())
    except ValueError:
        return None


def _peer_certificate(address: tuple[Any, ...], record: _Record) -> TlsCertificate | None:
    """The certificate from an unverified handshake (nothing sent after it)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with _connect(address, record) as raw, context.wrap_socket(raw) as tls:
            return certificate_from_der(tls.getpeercert(binary_form=True))
    except (OSError, ValueError):
        return None


_UNKNOWN_CA = {18, 19, 20, 21, 27}


def _tcp_and_tls(target: LdapTarget, address: tuple[Any, ...], record: _Record) -> bool:
    where = f"{target.host}:{target.port}"
    with record.step("tcp") as outcome:
        try:
            sock = _connect(address, record)
        except OSError as exc:
            outcome.append("failed")
            record.fail("tcp", _tcp_failure(exc, where, record.remaining()))
            return False
    if not target.use_tls:
        sock.close()
        return True
    ca_source = ("LDAP_CA_CERT_FILE" if target.ca_file else "the system store") + (
        " + --ca-file" if target.extra_ca_file else "")
    record.set(verified=target.validate_cert, ca_source=ca_source if target.validate_cert else "")
    with record.step("tls") as outcome:
        try:
            context = _context(target)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            outcome.append("failed")
            record.set(tls_problem="ca-file", tls_error=str(exc))
            record.fail("tls", ProbeFailure(Rung.TLS, f"the CA file cannot be read ({exc})",
                                            {"CA file": str(target.ca_file or target.extra_ca_file)}))
            return False
        sock.settimeout(record.remaining())
        try:
            with context.wrap_socket(sock) as tls:
                der = tls.getpeercert(binary_form=True)
                record.set(tls_version=tls.version() or "", certificate=certificate_from_der(der))
                if target.validate_cert:
                    from ldap3.core.exceptions import LDAPCertificateError
                    from ldap3.core.tls import check_hostname

                    try:
                        check_hostname(tls, target.host, None)
                    except LDAPCertificateError as exc:
                        outcome.append("failed")
                        record.set(tls_problem="hostname",
                                   tls_error=_short_hostname_error(str(exc), target.host))
                        record.fail("tls", ProbeFailure(
                            Rung.TLS, f"the certificate does not name {target.host}", {"address": where}))
                        return False
                with suppress(OSError):
                    tls.unwrap()
            return True
        except ssl.SSLCertVerificationError as exc:
            outcome.append("failed")
            code = exc.verify_code
            problem = ("untrusted-ca" if code in _UNKNOWN_CA else "expired" if code == 10 else
                       "not-yet-valid" if code == 9 else "verify")
            record.set(tls_problem=problem, tls_error=str(exc.verify_message or exc.reason or exc),
                       certificate=_peer_certificate(address, record))
            record.fail("tls", ProbeFailure(Rung.TLS, f"the certificate was refused ({exc.verify_message})",
                                            {"address": where}))
            return False
        except (ssl.SSLError, OSError) as exc:
            outcome.append("failed")
            timed_out = isinstance(exc, TimeoutError | socket.timeout)
            text = str(getattr(exc, "reason", None) or exc.strerror or exc) or type(exc).__name__
            record.set(tls_problem="timeout" if timed_out else "handshake", tls_error=text)
            if not timed_out:
                plain, starttls = _speaks_plain_ldap(target, record)
                if plain:
                    record.set(tls_problem="port-plain", port_speaks="plain-ldap", starttls_offered=starttls)
            record.fail("tls", ProbeFailure(Rung.TLS, f"the TLS handshake with {where} failed ({text})",
                                            {"address": where, "error": text}, timed_out=timed_out))
            return False
        finally:
            sock.close()


def _short_hostname_error(text: str, host: str) -> str:
    return f"the certificate does not match {host}" if "doesn't match" in text else text[:300]


def _speaks_plain_ldap(target: LdapTarget, record: _Record) -> tuple[bool, bool | None]:
    """(the port answered a plain LDAP RootDSE read, StartTLS listed in supportedExtension)."""
    try:
        from ldap3 import BASE, NONE, Connection, Server

        server = Server(target.host, port=target.port, use_ssl=False, get_info=NONE,
                        connect_timeout=record.remaining())
        conn = Connection(server, auto_bind="NONE", receive_timeout=_whole_seconds(record),
                          authentication="ANONYMOUS")
        conn.open()
        try:
            conn.search("", "(objectClass=*)", BASE, attributes=["supportedExtension"])
            if conn.result.get("result") is None:
                return False, None
            extensions = _rootdse_values(conn).get("supportedExtension", ())
            return True, STARTTLS_OID in extensions
        finally:
            with suppress(Exception):
                conn.unbind()
    except Exception:
        return False, None


def _speaks_tls(target: LdapTarget, record: _Record) -> bool:
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with _connect(infos[0], record) as raw, context.wrap_socket(raw) as tls:
            return tls.version() is not None
    except (OSError, ValueError, IndexError):
        return False


# --------------------------------------------------------------------------- 4-9. LDAP


def _result(conn: Any) -> LdapResult:
    result = conn.result or {}
    referrals = result.get("referrals") or ()
    return LdapResult(code=result.get("result"), description=str(result.get("description") or ""),
                      message=str(result.get("message") or ""), matched_dn=str(result.get("dn") or ""),
                      referrals=tuple(str(r) for r in referrals))


def _error(exc: BaseException) -> LdapResult:
    text = str(exc) or type(exc).__name__
    return LdapResult(error=f"{type(exc).__name__}: {text}"[:300])


def _decode(value: Any) -> tuple[str, bool]:
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8"), True
        except UnicodeDecodeError:
            return f"<not UTF-8: {bytes(value)[:24].hex()}{'…' if len(value) > 24 else ''}>", False
    return str(value), True


def _entries(conn: Any) -> list[LdapEntry]:
    entries: list[LdapEntry] = []
    for item in conn.response or ():
        if item.get("type") != "searchResEntry":
            continue
        raw = item.get("raw_attributes") or {}
        attributes: dict[str, tuple[str, ...]] = {}
        bad: list[str] = []
        for name, values in raw.items():
            shown = []
            for value in list(values)[:MAX_VALUES]:
                text, good = _decode(value)
                shown.append(text[:512])
                if not good and name not in bad:
                    bad.append(name)
            if shown:  # ldap3 lists requested attributes the entry lacks with no values
                attributes[str(name)] = tuple(shown)
        dn, _ = _decode(item.get("raw_dn", item.get("dn", "")))
        entries.append(LdapEntry(dn=dn, attributes=attributes, not_utf8=tuple(bad)))
    return entries


def _rootdse_values(conn: Any) -> dict[str, tuple[str, ...]]:
    entries = _entries(conn)
    return dict(entries[0].attributes) if entries else {}


def _server(target: LdapTarget, record: _Record) -> Any:
    from ldap3 import NONE, Server, Tls

    tls = None
    if target.use_tls:
        cadata = None
        if target.validate_cert and target.ca_file and target.extra_ca_file:
            cadata = "".join(open(f, encoding="utf-8", errors="replace").read() + "\n"  # noqa: SIM115
                             for f in (target.ca_file, target.extra_ca_file))
        tls = Tls(validate=ssl.CERT_REQUIRED if target.validate_cert else ssl.CERT_NONE,
                  version=ssl.PROTOCOL_TLS_CLIENT,
                  ca_certs_file=None if cadata else (target.ca_file or target.extra_ca_file),
                  ca_certs_data=cadata, ciphers=target.ciphers or None)
    return Server(host=target.host, port=target.port, get_info=NONE, use_ssl=target.use_tls, tls=tls,
                  connect_timeout=record.remaining())


def _connection(target: LdapTarget, record: _Record, dn: str | None, password: str | None) -> Any:
    from ldap3 import Connection

    return Connection(_server(target, record), dn or None, password or None, auto_bind="NONE",
                      authentication="SIMPLE" if dn else "ANONYMOUS",
                      receive_timeout=_whole_seconds(record), raise_exceptions=False, read_only=True,
                      check_names=True,
                      # Never follow a referral: ldap3 would bind at the referred host with the same
                      # DN and password (in clear for an ldap:// referral). The referral is reported.
                      auto_referrals=False)


def _whole_seconds(record: _Record) -> int:
    """ldap3 sets SO_RCVTIMEO from whole seconds; the probe's own deadline cuts finer."""
    import math

    return max(1, math.ceil(record.remaining()))


#: The password policy control (draft-behera-ldap-password-policy §6.1), sent non-critical with
#: every bind so that OpenLDAP's ppolicy overlay (and other servers that know it) says why a bind
#: was refused; servers that do not know it ignore it.
PPOLICY_OID = "1.3.6.1.4.1.42.2.27.8.5.1"
PPOLICY_ERRORS = ("passwordExpired", "accountLocked", "changeAfterReset", "passwordModNotAllowed",
                  "mustSupplyOldPassword", "insufficientPasswordQuality", "passwordTooShort",
                  "passwordTooYoung", "passwordInHistory")


def ppolicy_error(value: bytes | None) -> str:
    """The `error` of a PasswordPolicyResponseValue (SEQUENCE { warning [0] OPTIONAL, error [1]
    ENUMERATED OPTIONAL }), or ''."""
    if not value or len(value) < 2 or value[0] != 0x30:
        return ""
    pos, end = 2, min(len(value), 2 + value[1])
    while pos + 1 < end:
        tag, length = value[pos], value[pos + 1]
        if tag == 0x81 and length >= 1 and pos + 2 + length <= end:
            code = int.from_bytes(value[pos + 2:pos + 2 + length], "big")
            return PPOLICY_ERRORS[code] if code < len(PPOLICY_ERRORS) else f"error {code}"
        pos += 2 + length
    return ""


def _bind(conn: Any) -> LdapResult:
    from ldap3.core.exceptions import LDAPException

    try:
        conn.bind(controls=[(PPOLICY_OID, False, None)])
    except LDAPException as exc:
        return _error(exc)
    except Exception as exc:  # socket and protocol errors inside ldap3 (struct, BER decoding)
        return _error(exc)
    result = _result(conn)
    if result.code is None and not result.error:
        return dataclasses.replace(result, error="the server closed the connection without an answer")
    control = ((conn.result or {}).get("controls") or {}).get(PPOLICY_OID) or {}
    policy = ppolicy_error(control.get("value") if isinstance(control, dict) else None)
    return dataclasses.replace(result, policy=policy) if policy else result


def _search(conn: Any, base: str, search_filter: str, scope: str, attributes: list[str],
            size_limit: int) -> tuple[LdapResult, list[LdapEntry]]:
    from ldap3.core.exceptions import LDAPException

    try:
        conn.search(search_base=base, search_filter=search_filter, search_scope=scope,
                    attributes=attributes, size_limit=size_limit)
    except LDAPException as exc:
        return _error(exc), []
    except Exception as exc:  # socket and protocol errors inside ldap3 (struct, BER decoding)
        return _error(exc), []
    result = _result(conn)
    if result.code is None and not result.error:
        result = dataclasses.replace(result, error="the server closed the connection without an answer")
    return result, _entries(conn)


def _unbind(conn: Any) -> None:
    with suppress(Exception):
        conn.unbind()


def app_filter(attr_username: str, user: str, search_filter: str) -> str:
    """The app's search filter for `user` (0.12.4: lower-cased, `escape_filter_chars`)."""
    from ldap3.utils.conv import escape_filter_chars

    return f"({'&'}({attr_username}={escape_filter_chars(user.lower())}){search_filter})"


def _ldap_steps(target: LdapTarget, record: _Record) -> None:
    from ldap3 import BASE, SUBTREE

    conn = None
    with record.step("bind") as outcome:
        try:
            conn = _connection(target, record, target.app_dn, target.app_password)
        except Exception as exc:  # ldap3 refuses the arguments (bad DN, no password, CA file)
            outcome.append("failed")
            record.set(app_bind=_error(exc), anonymous_app_bind=not target.app_dn)
            record.fail("bind")
            return
        result = _bind(conn)
        record.set(app_bind=result, anonymous_app_bind=not target.app_dn)
        if not result.ok:
            outcome.append("failed")
            if not target.use_tls and result.error and _speaks_tls(target, record):
                record.set(port_speaks="tls")
            record.fail("bind")
            _unbind(conn)
            return
    try:
        rootdse_result, rootdse = _search(conn, "", "(objectClass=*)", BASE,
                                          ["namingContexts", "supportedExtension", "vendorName",
                                           "vendorVersion", "defaultNamingContext", "dnsHostName"], 1)
        if rootdse_result.ok and rootdse:
            record.set(rootdse=dict(rootdse[0].attributes),
                       starttls_offered=STARTTLS_OID in (rootdse[0].values("supportedExtension") or ()))
        if target.search_base.strip():
            with record.step("base") as outcome:
                result, _ = _search(conn, target.search_base, "(objectClass=*)", BASE, ["1.1"], 1)
                record.set(base=result)
                if not result.ok:
                    outcome.append("failed")
                    record.fail("base")
                    return
        with record.step("search") as outcome:
            attributes = [target.attr_username, target.attr_mail, "cn"]
            if target.attr_groups is not None:
                attributes.append(target.attr_groups)
            user = target.user or PROBE_NAME
            try:
                search_filter = app_filter(target.attr_username, user, target.search_filter)
            except Exception as exc:  # pragma: no cover - escape_filter_chars takes any str
                search_filter = ""
                record.set(search=SearchOutcome(target.search_base, "", tuple(attributes), _error(exc)))
                outcome.append("failed")
                record.fail("search")
                return
            result, entries = _search(conn, target.search_base, search_filter, SUBTREE, attributes,
                                      MAX_ENTRIES)
            truncated = result.code == 4 or len(entries) > MAX_ENTRIES
            if result.code == 4:  # sizeLimitExceeded: the entries so far arrived
                result = dataclasses.replace(result, code=0)
            search = SearchOutcome(target.search_base, search_filter, tuple(attributes), result,
                                   tuple(entries[:MAX_ENTRIES]), truncated, probe_name=not target.user)
            record.set(search=search)
            if not result.ok:
                outcome.append("failed")
                record.fail("search")
                return
        if target.user and search.entries:
            entry = search.entries[0]
            record.set(user_dn=entry.dn)
            if target.attr_groups is not None and not entry.values(target.attr_groups):
                _member_groups(conn, target, entry, record)
            if target.user_password:
                with record.step("user-bind") as outcome:
                    user_conn = _connection(target, record, entry.dn, target.user_password)
                    result = _bind(user_conn)
                    _unbind(user_conn)
                    record.set(user_bind=result)
                    if not result.ok:
                        outcome.append("failed")
    finally:
        _unbind(conn)
    if target.app_dn:
        _anonymous(target, record)


def _parent_base(target: LdapTarget, record: _Record) -> str:
    with record.lock:
        rootdse: dict[str, tuple[str, ...]] = record.fields.get("rootdse", {})
    names = ("namingcontexts", "defaultnamingcontext")
    contexts = [c for key, values in rootdse.items() if key.lower() in names for c in values]
    base = target.search_base.strip().lower()
    for context in contexts:
        if base.endswith(context.lower()):
            return context
    return contexts[0] if contexts else target.search_base


def _member_groups(conn: Any, target: LdapTarget, entry: LdapEntry, record: _Record) -> None:
    from ldap3 import SUBTREE
    from ldap3.utils.conv import escape_filter_chars

    base = _parent_base(target, record)
    uid = (entry.values(target.attr_username) or ("",))[0]
    query = (f"(|(member={escape_filter_chars(entry.dn)})(uniqueMember={escape_filter_chars(entry.dn)})"
             f"(memberUid={escape_filter_chars(uid)}))")
    with record.step("groups") as outcome:
        result, groups = _search(conn, base, query, SUBTREE, ["1.1"], MAX_ENTRIES)
        if result.ok or result.code == 4:
            record.set(member_groups=tuple(g.dn for g in groups), member_groups_base=base)
        else:
            outcome.append("failed")


def _anonymous(target: LdapTarget, record: _Record) -> None:
    from ldap3 import SUBTREE

    with record.step("anonymous") as outcome:
        try:
            conn = _connection(target, record, None, None)
        except Exception as exc:
            record.set(anonymous_bind=_error(exc))
            outcome.append("failed")
            return
        result = _bind(conn)
        record.set(anonymous_bind=result)
        if result.ok and target.search_base.strip():
            search, entries = _search(conn, target.search_base, "(objectClass=*)", SUBTREE, ["1.1"], 2)
            record.set(anonymous_entries=len(entries) if search.ok or search.code == 4 else 0)
        _unbind(conn)
