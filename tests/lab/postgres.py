"""A real PostgreSQL (Debian's `postgresql` package, 15 on bookworm) for the db tests, on loopback.

`start_postgres(run_dir)` runs `initdb` into `<run_dir>/<name>/data` and `postgres` in the
foreground on 127.0.0.1 (its unix socket in the run folder, never the system's), with every
statement logged with its client's application name (`log_statement=all`,
`log_line_prefix='%a|%u|'`), so a test can prove from the server's own log which statements
authdoctor sent. Roles:

- `labadmin` (superuser, initdb's bootstrap role): creates the others;
- `openwebui`, owner of the database `openwebui`: what the app's DATABASE_URL uses;
- `authdoctor_ro`: LOGIN with SELECT on what `openwebui` creates in schema public (default
  privileges) and nothing else: a read-only role, the safest way to run authdoctor.

PostgreSQL refuses to run as root: as root the server (and initdb) run as the `postgres` system
user the package creates (`setpriv`, which execs, so the lab still stops it by its own PID).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .ports import HOST, free_port, wait_until
from .process import ServerProcess, StartError, launch

PG_ROOT = Path("/usr/lib/postgresql")
ADMIN_PASSWORD = "lab-pg-admin-pw"
APP_PASSWORD = "lab-pg-app-pw"
RO_PASSWORD = "lab-pg-ro-pw"
DATABASE = "openwebui"
SYSTEM_USER = "postgres"


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = []
    for child in PG_ROOT.glob("*/bin"):
        if (child / "initdb").exists() and (child / "postgres").exists():
            with contextlib.suppress(ValueError):
                found.append((int(child.parent.name), child))
    return max(found)[1] if found else None


def missing_binaries() -> list[str]:
    missing = [] if bin_dir() is not None else ["postgresql (initdb, postgres)"]
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            missing.append(f"the '{SYSTEM_USER}' system user (PostgreSQL refuses to run as root)")
    return missing


@dataclass(frozen=True)
class LabPostgres:
    host: str
    port: int
    pid: int
    data_dir: Path
    log_path: Path

    def url(self, user: str = "openwebui", password: str = APP_PASSWORD, database: str = DATABASE,
            scheme: str = "postgresql") -> str:
        return f"{scheme}://{user}:{password}@{self.host}:{self.port}/{database}"

    @property
    def app_url(self) -> str:
        """The app's DATABASE_URL. 0.12.4's sync engine needs psycopg2 for postgresql:// (not in
        the app's venv); `postgresql+psycopg://` uses the psycopg 3 it has."""
        return self.url(scheme="postgresql+psycopg")

    @property
    def ro_url(self) -> str:
        return self.url("authdoctor_ro", RO_PASSWORD)

    @property
    def admin_url(self) -> str:
        return self.url("labadmin", ADMIN_PASSWORD, "postgres")

    def statements(self, application: str) -> list[str]:
        """The statements the server logged for clients with this application_name."""
        text = self.log_path.read_text(errors="replace")
        found = []
        for line in text.splitlines():
            prefix = f"{application}|"
            if not line.startswith(prefix):
                continue
            match = re.search(r"(?:statement|execute [^:]*): (.*)$", line)
            if match:
                found.append(match.group(1).strip())
        return found


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["setpriv", f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}", "--init-groups", *argv]


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def start_postgres(run_dir: Path, *, name: str = "postgres",
                   timeout: float = 60.0) -> tuple[LabPostgres, ServerProcess]:
    bindir = bin_dir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed")
    home = (run_dir / name).resolve()
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    _chown(home)
    data, socket_dir, pwfile = home / "data", home / "sock", home / "pwfile"
    socket_dir.mkdir()
    _chown(socket_dir)
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    _chown(pwfile)
    init_log = home / "initdb.log"
    with open(init_log, "wb") as log:
        done = subprocess.run(
            _as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "labadmin",
                             f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                             "-E", "UTF8", "--locale=C.UTF-8"]),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {init_log.read_text(errors='replace')[-2000:]}")
    port = free_port()
    log_path = home / "postgres.log"
    log_path.touch()
    _chown(log_path)
    argv = _as_server_user([
        str(bindir / "postgres"), "-D", str(data), "-h", HOST, "-p", str(port),
        "-k", str(socket_dir), "-c", "log_statement=all", "-c", "log_line_prefix=%a|%u|",
        "-c", "logging_collector=off", "-c", "fsync=off", "-c", "shared_buffers=16MB",
        "-c", "max_connections=40"])
    proc = launch(name, argv, log_path=log_path, cwd=home)
    info = LabPostgres(host=HOST, port=port, pid=proc.pid, data_dir=data, log_path=log_path)

    def ready() -> bool:
        import psycopg

        try:
            with psycopg.connect(info.admin_url, connect_timeout=2):
                return True
        except psycopg.Error:
            return False

    try:
        wait_until(ready, timeout=timeout, interval=0.2, alive=proc.alive, what="postgres accepting logins")
        _bootstrap(info)
    except (RuntimeError, TimeoutError) as exc:
        proc.stop(grace=10)
        raise StartError(proc, f"did not start: {exc}") from None
    return info, proc


def _bootstrap(info: LabPostgres) -> None:
    import psycopg

    with psycopg.connect(info.admin_url, autocommit=True, application_name="lab-bootstrap") as conn:
        conn.execute(f"CREATE ROLE openwebui LOGIN PASSWORD '{APP_PASSWORD}'")
        conn.execute(f"CREATE ROLE authdoctor_ro LOGIN PASSWORD '{RO_PASSWORD}'")
        conn.execute(f"CREATE DATABASE {DATABASE} OWNER openwebui")
    with psycopg.connect(info.url("labadmin", ADMIN_PASSWORD), autocommit=True,
                         application_name="lab-bootstrap") as conn:
        conn.execute("GRANT CONNECT ON DATABASE openwebui TO authdoctor_ro")
        conn.execute("GRANT USAGE ON SCHEMA public TO authdoctor_ro")
        conn.execute("ALTER DEFAULT PRIVILEGES FOR ROLE openwebui IN SCHEMA public "
                     "GRANT SELECT ON TABLES TO authdoctor_ro")


WRITE_STATEMENT = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE|GRANT|COPY|"
                             r"MERGE|VACUUM|LOCK)\b", re.I)
