"""A private Samba Active Directory domain controller (Debian's samba 4.17) for the lab.

Issue 11 asks for the LDAP live check's Active Directory sub-codes (`data 52e`, `533`, …) to be
proven against a real AD DC. Each instance is a throwaway domain provisioned under the run folder
(`samba-tool domain provision --targetdir`, realm LAB.TEST, no DNS), whose smb.conf is then cut
down to the LDAP server alone (`server services = ldap`), plain simple binds allowed on loopback
(`ldap server require strong auth = no`), logs in the folder. `samba -i -M single` runs it in the
foreground as one process: the PID we hold is the whole server.

Samba binds the LDAP server to the addresses of `interfaces`; it only accepts an address it can
match to a network interface, and 127.0.0.3 is not one (only 127.0.0.1 is on `lo`), so the
setting is `127.0.0.3/8` (the loopback network, which the kernel routes to `lo`; when 127.0.0.3:389
is taken, e.g. by another session's DC, the next free 127.0.0.N is used). The ports are
Samba's fixed ones (389 LDAP, 636 LDAPS, 3268 GC): no setting changes them, which is why the
server needs root and its own loopback address.

The users (`AD_USERS`), one per state whose bind sub-code the check decodes, made with samba-tool
before the server starts (offline, on sam.ldb):

- `alice` healthy (mail set); `svc-openwebui` the app's service account (LDAP_APP_DN);
- `wrongpw` (the tests bind with a wrong password: 52e);
- `disabled` (`samba-tool user disable`: 533); `expired` (`user setexpiry --days=0`: 701);
- `mustchange` (`user create --must-change-at-next-login`, pwdLastSet=0: 773);
- `pwexpired` (532): a password settings object (PSO `lab-strict`) gives it a maximum password
  age of 2 days and its pwdLastSet is moved 3 days back by a raw ldb write (Samba refuses any
  pwdLastSet but 0 or -1 through its modules, and treats a maximum age of one day or less as
  "never expires", so a PSO alone cannot do it);
- `locked` (775): the same PSO sets a lockout threshold of 3 (the domain's stays 0, so no other
  user can be locked by a test), and three wrong binds after the start lock it.

What Samba 4.17.12 answers (recorded in tests/lab/test_lab_samba_ad_live.py): resultCode 49
invalidCredentials, message `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext
error, data <code>, v1db1` with code 52e, 533, 701, 773, 532 or 775 as above.

Provision to ready: about 8-10 s (provision ~5 s, users ~4 s, start ~1 s).
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .ports import port_open, wait_until
from .process import ServerProcess, StartError, find_binary, launch

HOST = "127.0.0.3"
#: When HOST:389 is taken (another session's DC), the next of these that is free.
SPARE_HOSTS = tuple(f"127.0.0.{n}" for n in range(4, 20))
LDAP_PORT = 389
REALM = "LAB.TEST"
DOMAIN = "LAB"
BASE_DN = "DC=lab,DC=test"
USERS_DN = f"CN=Users,{BASE_DN}"
ADMIN_PASSWORD = "Lab-Admin-Pass-1"  # throwaway lab value; AD's complexity rules need 3 classes
PSO = "lab-strict"
LOCKOUT_THRESHOLD = 3

REQUIRED_BINARIES = ("samba", "samba-tool")
#: Debian splits the DC over packages that `samba` only recommends: the schema files
#: (samba-ad-provision), the directory's ldb modules (samba-dsdb-modules) and the VFS module the
#: provision's sysvol ACLs need (samba-vfs-modules). Without them provision fails half-way.
#: Paths are globs: the modules live under the multiarch folder (/usr/lib/<triplet>/samba/).
REQUIRED_FILES = {
    "samba-ad-provision": "/usr/share/samba/setup/ad-schema",
    "samba-dsdb-modules": "/usr/lib/*/samba/ldb/samba_dsdb.so",
    "samba-vfs-modules": "/usr/lib/*/samba/vfs/acl_xattr.so",
}


@dataclass(frozen=True)
class AdUser:
    name: str
    password: str
    state: str
    """healthy, service, wrong-password, disabled, account-expired, must-change, password-expired, locked"""
    subcode: str | None
    """the `data` code Samba answers a bind with the right password (52e: with a wrong one)"""
    mail: str | None = None

    @property
    def dn(self) -> str:
        return f"CN={self.name},{USERS_DN}"


AD_USERS: tuple[AdUser, ...] = (
    AdUser("alice", "Alice-Pass-1", "healthy", None, "alice@lab.test"),
    AdUser("svc-openwebui", "Svc-Openwebui-Pass-1", "service", None),
    AdUser("wrongpw", "Wrongpw-Pass-1", "wrong-password", "52e", "wrongpw@lab.test"),
    AdUser("disabled", "Disabled-Pass-1", "disabled", "533", "disabled@lab.test"),
    AdUser("expired", "Expired-Pass-1", "account-expired", "701", "expired@lab.test"),
    AdUser("mustchange", "Mustchange-Pass-1", "must-change", "773", "mustchange@lab.test"),
    AdUser("pwexpired", "Pwexpired-Pass-1", "password-expired", "532", "pwexpired@lab.test"),
    AdUser("locked", "Locked-Pass-1", "locked", "775", "locked@lab.test"),
    AdUser("svc-disabled", "Svc-Disabled-Pass-1", "disabled", "533"),
)


@dataclass(frozen=True)
class LabSambaAd:
    """A running lab Samba AD DC (plain LDAP on HOST:389)."""

    name: str
    host: str
    port: int
    pid: int
    home: str
    admin_dn: str = f"CN=Administrator,{USERS_DN}"
    admin_password: str = ADMIN_PASSWORD
    search_base: str = USERS_DN
    users: tuple[AdUser, ...] = AD_USERS
    log_path: str = ""
    timings: tuple[tuple[str, float], ...] = ()
    """(step, seconds): provision, users, start, lock"""

    @property
    def url(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    def user(self, name: str) -> AdUser:
        for u in self.users:
            if u.name == name:
                return u
        raise KeyError(name)

    def env(self) -> dict[str, str]:
        """Open WebUI variables for this DC, as an AD admin would set them (plain LDAP: Samba's
        self-signed certificate names the DC's host name, not 127.0.0.3)."""
        svc = self.user("svc-openwebui")
        return {
            "ENABLE_LDAP": "true",
            "LDAP_SERVER_LABEL": "Lab AD",
            "LDAP_SERVER_HOST": self.host,
            "LDAP_SERVER_PORT": str(self.port),
            "LDAP_USE_TLS": "false",
            "LDAP_APP_DN": svc.dn,
            "LDAP_APP_PASSWORD": svc.password,
            "LDAP_SEARCH_BASE": self.search_base,
            "LDAP_ATTRIBUTE_FOR_USERNAME": "sAMAccountName",
            "LDAP_ATTRIBUTE_FOR_MAIL": "mail",
        }


def missing_binaries() -> list[str]:
    missing = [b for b in REQUIRED_BINARIES if find_binary(b) is None]
    missing += [pkg for pkg, pattern in REQUIRED_FILES.items() if not glob.glob(pattern)]
    if os.geteuid() != 0:
        missing.append("root (Samba's LDAP ports 389/636 are fixed)")
    return missing


def _need(binary: str) -> str:
    path = find_binary(binary)
    if path is None:
        raise RuntimeError(f"{binary} not found (run scripts/install-lab-deps)")
    return path


def _samba_python() -> str:
    """The interpreter samba-tool runs with (its shebang): the one that has Samba's `ldb` module."""
    first = Path(_need("samba-tool")).read_text(errors="replace").splitlines()[0]
    return first[2:].strip().split()[0] if first.startswith("#!") else "/usr/bin/python3"


def _run(argv: list[str], what: str, timeout: float) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise RuntimeError(f"samba lab: {what} failed (exit {done.returncode}):\n{tail}")


#: Moves pwdLastSet of one user back by N days in the domain partition itself (no modules: the
#: password_hash module refuses any value but 0 and -1). argv: partition file, DN, days.
_BACKDATE = """
import sys, ldb
db = ldb.Ldb(url=sys.argv[1], options=["modules:"])
dn = ldb.Dn(db, sys.argv[2])
now = int(str(db.search(dn, scope=ldb.SCOPE_BASE, attrs=["pwdLastSet"])[0]["pwdLastSet"]))
m = ldb.Message(dn)
back = now - int(sys.argv[3]) * 864000000000
m["pwdLastSet"] = ldb.MessageElement(str(back), ldb.FLAG_MOD_REPLACE, "pwdLastSet")
db.modify(m)
"""


def _tune_conf(conf: Path, home: Path, host: str) -> None:
    """Only the LDAP server, on `host`, simple binds without TLS, logs in the instance folder."""
    keep = []
    for line in conf.read_text().splitlines():
        key = line.strip().split("=", 1)[0].strip().lower()
        if key in ("server services", "interfaces", "bind interfaces only", "log file", "logging",
                   "ldap server require strong auth", "panic action"):
            continue
        keep.append(line)
        if line.strip() == "[global]":
            keep += ["\tserver services = ldap", f"\tinterfaces = {host}/8", "\tbind interfaces only = yes",
                     f"\tlog file = {home / 'samba.log'}", "\tlogging = file",
                     "\tldap server require strong auth = no"]
    conf.write_text("\n".join(keep) + "\n")


def start_samba_ad(run_dir: Path, *, name: str = "samba_ad",
                   timeout: float = 120.0) -> tuple[LabSambaAd, ServerProcess]:
    """Provision a fresh domain in `run_dir/name`, create the users, start samba, lock `locked`;
    returns the server description and its process (the caller stops it)."""
    home = (run_dir / name).resolve()
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    tool = _need("samba-tool")
    host = next((h for h in (HOST, *SPARE_HOSTS) if not port_open(LDAP_PORT, h)), HOST)
    timings: list[tuple[str, float]] = []
    t0 = time.monotonic()
    _run([tool, "domain", "provision", f"--targetdir={home / 'dc'}", f"--realm={REALM}", f"--domain={DOMAIN}",
          "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307", f"--adminpass={ADMIN_PASSWORD}",
          "--host-name=labdc", f"--option=interfaces={host}/8", "--option=bind interfaces only=yes"],
         "domain provision", timeout)
    timings.append(("provision", time.monotonic() - t0))
    conf = home / "dc" / "etc" / "smb.conf"
    _tune_conf(conf, home, host)

    t0 = time.monotonic()
    sam = home / "dc" / "private" / "sam.ldb"
    local = ["-H", f"tdb://{sam}", "-s", str(conf)]
    for u in AD_USERS:
        argv = [tool, "user", "create", u.name, u.password, *local]
        if u.mail:
            argv.append(f"--mail-address={u.mail}")
        if u.state == "must-change":
            argv.append("--must-change-at-next-login")
        _run(argv, f"user create {u.name}", timeout)
        if u.state == "disabled":
            _run([tool, "user", "disable", u.name, *local], f"user disable {u.name}", timeout)
        elif u.state == "account-expired":
            _run([tool, "user", "setexpiry", u.name, "--days=0", *local], f"user setexpiry {u.name}", timeout)
    _run([tool, "domain", "passwordsettings", "pso", "create", PSO, "1", "--min-pwd-age=0", "--max-pwd-age=2",
          f"--account-lockout-threshold={LOCKOUT_THRESHOLD}", *local], "pso create", timeout)
    for u in AD_USERS:
        if u.state in ("password-expired", "locked"):
            _run([tool, "domain", "passwordsettings", "pso", "apply", PSO, u.name, *local],
                 f"pso apply {u.name}", timeout)
    partition = home / "dc" / "private" / "sam.ldb.d" / f"{BASE_DN.upper()}.ldb"
    for u in AD_USERS:
        if u.state == "password-expired":
            _run([_samba_python(), "-c", _BACKDATE, str(partition), u.dn, "3"], f"backdate {u.name}", timeout)
    timings.append(("users", time.monotonic() - t0))

    t0 = time.monotonic()
    proc = launch(name, [_need("samba"), "-i", "-M", "single", "-s", str(conf), "--debug-stdout", "-d", "1"],
                  log_path=home / "samba.out")
    try:
        wait_until(functools.partial(port_open, LDAP_PORT, host), timeout=timeout, interval=0.1,
                   alive=proc.alive, what=f"samba listening on {host}:{LDAP_PORT}")
        timings.append(("start", time.monotonic() - t0))
        t0 = time.monotonic()
        _lock(host, next(u for u in AD_USERS if u.state == "locked"))
        timings.append(("lock", time.monotonic() - t0))
    except (TimeoutError, RuntimeError) as exc:
        proc.stop()
        raise StartError(proc, str(exc)) from exc
    info = LabSambaAd(name=name, host=host, port=LDAP_PORT, pid=proc.pid, home=str(home),
                      log_path=str(home / "samba.out"), timings=tuple(timings))
    return info, proc


def _lock(host: str, user: AdUser) -> None:
    """LOCKOUT_THRESHOLD wrong simple binds: AD locks the account (lockoutTime)."""
    import ldap3

    server = ldap3.Server(host, port=LDAP_PORT, connect_timeout=5)
    for _ in range(LOCKOUT_THRESHOLD):
        conn = ldap3.Connection(server, user=user.dn, password="not-" + user.password, receive_timeout=5)
        if conn.bind():
            raise RuntimeError(f"{user.name} bound with a wrong password")
        conn.unbind()
