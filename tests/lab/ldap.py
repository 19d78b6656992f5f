"""A private OpenLDAP slapd (Debian slapd + ldap-utils) for the lab.

Each instance gets its own folder (config, mdb data, pid/args, log) under the run folder and two
loopback listeners: plain LDAP (StartTLS offered) and LDAPS. The config and data come from the
templates in fixtures/lab/ldap/ (slapd.conf.tmpl, base.ldif.tmpl, groups.ldif.tmpl):

- base `dc=example,dc=org`; root `cn=admin,dc=example,dc=org` / `admin-secret`;
- service account `cn=openwebui,ou=services,dc=example,dc=org` / `app-secret` (read access);
- users (see `USERS`) with uid, cn, sn, mail, userPassword ({SSHA}); **dave has no mail**;
- groups `admins` (alice) and `users` (alice, bob, dave): groupOfNames/member, and memberOf on
  the users from the memberof overlay (groups are added online after start for that reason);
  `legacy` (carol) is a groupOfUniqueNames, which the overlay does not follow: carol is in a
  group but has no memberOf (a directory whose memberof overlay misses a group class);
- `erin` (see `LOCKED_USERS`) is locked by the ppolicy overlay (her own password policy).

`tls` picks the certificate slapd presents on both StartTLS and LDAPS: "good" (lab CA, right
names), "unknown_ca" (a CA no client trusts) or "wrong_host" (lab CA, wrong name). The data is
the same in all three, so a failing TLS test fails on TLS and nothing else.

slapd runs in the foreground (`-d 256`: the stats log, one line per connection and operation, goes
to `slapd.log`): the PID we hold is slapd itself. Start to ready (config,
slapadd, listen, groups): about 0.1 s.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from .certs import LabCerts
from .paths import FIXTURES
from .ports import HOST, free_port, port_open, wait_until
from .process import ServerProcess, StartError, find_binary, launch

TEMPLATES = FIXTURES / "ldap"
BASE_DN = "dc=example,dc=org"
PEOPLE_DN = f"ou=people,{BASE_DN}"
GROUPS_DN = f"ou=groups,{BASE_DN}"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "admin-secret"
APP_DN = f"cn=openwebui,ou=services,{BASE_DN}"
APP_PASSWORD = "app-secret"

REQUIRED_BINARIES = ("slapd", "slapadd", "ldapadd")


@dataclass(frozen=True)
class LdapUser:
    uid: str
    password: str
    cn: str
    mail: str | None
    groups: tuple[str, ...]

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE_DN}"


USERS: tuple[LdapUser, ...] = (
    LdapUser("alice", "alice-pass", "Alice Anderson", "alice@example.org", ("admins", "users")),
    LdapUser("bob", "bob-pass", "Bob Brown", "bob@example.org", ("users",)),
    LdapUser("carol", "carol-pass", "Carol Clark", "carol@example.org", ()),
    LdapUser("dave", "dave-pass", "Dave Davis", None, ("users",)),
)
#: Locked by the password policy (ppolicy overlay, pwdAccountLockedTime): the right password is
#: refused with invalidCredentials; not in USERS (they all bind) nor an inetOrgPerson.
LOCKED_USERS: tuple[LdapUser, ...] = (
    LdapUser("erin", "erin-pass", "Erin Evans", "erin@example.org", ()),
)
GROUPS: dict[str, tuple[str, ...]] = {"admins": ("alice",), "users": ("alice", "bob", "dave")}
#: groupOfUniqueNames groups (no memberOf on their members: the overlay follows groupOfNames only).
UNIQUE_GROUPS: dict[str, tuple[str, ...]] = {"legacy": ("carol",)}


@dataclass(frozen=True)
class LabLdap:
    """A running lab slapd. `ca_file` is the lab CA: it verifies `tls="good"` servers and (by
    design) not the `unknown_ca` one; for `wrong_host` the chain verifies but the name does not."""

    name: str
    tls: str
    host: str
    port: int
    ldaps_port: int
    ca_file: str
    pid: int
    base_dn: str = BASE_DN
    search_base: str = PEOPLE_DN
    groups_dn: str = GROUPS_DN
    admin_dn: str = ADMIN_DN
    admin_password: str = ADMIN_PASSWORD
    app_dn: str = APP_DN
    app_password: str = APP_PASSWORD
    users: tuple[LdapUser, ...] = USERS
    groups: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(GROUPS))
    log_path: str = ""
    """slapd's stats log (`-d 256`): one line per connection and operation."""

    @property
    def url(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.host}:{self.ldaps_port}"

    def user(self, uid: str) -> LdapUser:
        for u in self.users:
            if u.uid == uid:
                return u
        raise KeyError(uid)

    def env(self, *, ldaps: bool = True) -> dict[str, str]:
        """Open WebUI variables that point at this server (LDAPS with the lab CA by default;
        Open WebUI never uses StartTLS, so `ldaps=False` means plain LDAP)."""
        env = {
            "ENABLE_LDAP": "true",
            "LDAP_SERVER_LABEL": "Lab LDAP",
            "LDAP_SERVER_HOST": self.host,
            "LDAP_SERVER_PORT": str(self.ldaps_port if ldaps else self.port),
            "LDAP_USE_TLS": "true" if ldaps else "false",
            "LDAP_APP_DN": self.app_dn,
            "LDAP_APP_PASSWORD": self.app_password,
            "LDAP_SEARCH_BASE": self.search_base,
            "LDAP_ATTRIBUTE_FOR_USERNAME": "uid",
            "LDAP_ATTRIBUTE_FOR_MAIL": "mail",
        }
        if ldaps:
            env.update(LDAP_CA_CERT_FILE=self.ca_file, LDAP_VALIDATE_CERT="true")
        return env


def ssha(password: str) -> str:
    """An OpenLDAP {SSHA} hash (what slappasswd makes), without running slappasswd."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def missing_binaries() -> list[str]:
    return [b for b in REQUIRED_BINARIES if find_binary(b) is None]


def _render(name: str, **values: str) -> str:
    return Template((TEMPLATES / name).read_text()).substitute(values)


def start_ldap(run_dir: Path, certs: LabCerts, *, name: str = "ldap", tls: str = "good",
               port: int | None = None, ldaps_port: int | None = None,
               timeout: float = 10.0) -> tuple[LabLdap, ServerProcess]:
    """Render config and data into `run_dir/name`, start slapd, add the groups; returns the
    server description and its process (the caller stops it)."""
    home = (run_dir / name).resolve()
    data_dir, state_dir = home / "data", home / "run"
    for d in (data_dir, state_dir):
        d.mkdir(parents=True, exist_ok=True)
    for stale in data_dir.iterdir():
        stale.unlink()
    port = port or free_port()
    ldaps_port = ldaps_port or free_port()
    cert, key = certs.pair(tls)

    values = {"base_dn": BASE_DN, "admin_dn": ADMIN_DN, "app_dn": APP_DN}
    conf = home / "slapd.conf"
    conf.write_text(_render(
        "slapd.conf.tmpl", **values, run_dir=str(state_dir), data_dir=str(data_dir),
        tls_ca_file=str(certs.ca_file), tls_cert_file=str(cert), tls_key_file=str(key),
        admin_hash=ssha(ADMIN_PASSWORD)))
    hashes = {f"{u.uid}_hash": ssha(u.password) for u in (*USERS, *LOCKED_USERS)}
    base_ldif = home / "base.ldif"
    base_ldif.write_text(_render("base.ldif.tmpl", **values, app_hash=ssha(APP_PASSWORD), **hashes))
    groups_ldif = home / "groups.ldif"
    groups_ldif.write_text(_render("groups.ldif.tmpl", **values))

    slapadd = subprocess.run([_need("slapadd"), "-q", "-f", str(conf), "-l", str(base_ldif)],
                             capture_output=True, text=True, timeout=timeout, check=False)
    if slapadd.returncode != 0:
        raise RuntimeError(f"slapadd failed for {name}: {slapadd.stderr.strip()}")

    urls = f"ldap://{HOST}:{port}/ ldaps://{HOST}:{ldaps_port}/"
    # -d 256 (stats): one line per connection and operation in slapd.log (the probe's read-only
    # test reads it: ACCEPT, BIND, SRCH, UNBIND, closed)
    proc = launch(name, [_need("slapd"), "-d", "256", "-f", str(conf), "-h", urls],
                  log_path=home / "slapd.log")
    try:
        for p in (port, ldaps_port):
            wait_until(functools.partial(port_open, p), timeout=timeout, alive=proc.alive,
                       what=f"slapd listening on {p}")
        added = subprocess.run(
            [_need("ldapadd"), "-x", "-H", f"ldap://{HOST}:{port}", "-D", ADMIN_DN, "-w", ADMIN_PASSWORD,
             "-f", str(groups_ldif)], capture_output=True, text=True, timeout=timeout, check=False)
        if added.returncode != 0:
            raise RuntimeError(f"ldapadd groups failed: {added.stderr.strip()}")
    except (RuntimeError, TimeoutError) as exc:
        proc.stop()
        raise StartError(proc, f"did not start: {exc}") from None
    info = LabLdap(name=name, tls=tls, host=HOST, port=port, ldaps_port=ldaps_port,
                   ca_file=str(certs.ca_file), pid=proc.pid, log_path=str(home / "slapd.log"))
    return info, proc


def _need(binary: str) -> str:
    path = find_binary(binary)
    if path is None:
        raise FileNotFoundError(f"{binary} not installed (scripts/install-lab-deps)")
    return path
