"""pytest plugin: the lab's real servers as session-scoped fixtures (see tests/lab/__init__.py).

Loaded by tests/conftest.py (`pytest_plugins = ["lab.fixtures"]`). Every server starts
once per session, on free loopback ports, on first use; servers the collected tests will need
are started in the background as soon as the first of them is asked for, so the whole lab costs
about as much as its slowest server (the Redis Cluster, ~2 s). Everything the lab writes lives
in `<repo>/.lab-run/pytest-<pid>/` (removed after a green session, kept after a failure).

Missing binaries: the test is skipped locally but FAILS when the lab is required
(`AUTHDOCTOR_REQUIRE_LAB=1`, or `CI` set to a true value and AUTHDOCTOR_REQUIRE_LAB unset). When
required, any skipped test marked `realserver` (or `browser`: the real Chromium, tests/lab/browser.py)
also makes the session fail (exit 1), so a green CI run never hides a skipped real-server test.

At the end of the session every lab process is stopped, and a finaliser checks each PID is
gone (by PID and start time); leftovers of an earlier session that was killed (its pytest PID
is dead) are stopped and removed when the next session starts.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from . import ldap as ldap_mod
from . import oidc as oidc_mod
from . import openwebui_real, postgres, redis_servers
from . import samba_ad as samba_ad_mod
from .app_under_test import LabApp, start_app
from .certs import LabCerts, make_certs
from .ldap import LabLdap, start_ldap
from .oidc import LabOidc, LabOidcSet, start_oidc
from .openwebui_real import RealOpenWebUI, start_openwebui
from .paths import LAB_RUN
from .ports import free_port, reserve_port
from .process import ServerProcess, StartError, pid_alive, stop_all
from .redis_servers import LabRedis, start_redis
from .samba_ad import LabSambaAd, start_samba_ad

REQUIRE_ENV = "AUTHDOCTOR_REQUIRE_LAB"
KEEP_ENV = "AUTHDOCTOR_LAB_KEEP"
MARKER = "realserver"
MARKERS = (MARKER, "browser")  # a skipped test with any of these fails a session that requires the lab
SLOW_DELAY_S = 1.0  # the `slow` IdP variant in tests (scripts/lab uses 6 s, above the default probe timeout)
APP_PORT_POOL = 4  # app ports registered as OIDC redirect URIs (lab_app + factory apps)
# more of them, kept for real Open WebUI instances (lab_openwebui_factory): a whole session starts
# about a dozen (the browser tier's cookie and HAR scenarios, the e2e modules), and an instance on
# a port outside the pool gets "redirect_uri did not match" from the IdP at its first OAuth sign-in
OPENWEBUI_PORT_POOL = 16
# lab_app's signing key: 64 hex characters, like `openssl rand -hex 32` (a throwaway lab value)
STRONG_SECRET = "5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"

_TRUE = ("1", "true", "yes", "on")


def lab_required(environ: Mapping[str, str] | None = None) -> bool:
    """AUTHDOCTOR_REQUIRE_LAB decides when set; otherwise a true CI variable does."""
    environ = os.environ if environ is None else environ
    value = environ.get(REQUIRE_ENV)
    if value is not None and value.strip():
        return value.strip().lower() in _TRUE
    return environ.get("CI", "").strip().lower() in _TRUE


def need(missing: list[str], what: str) -> None:
    """Skip (locally) or fail (lab required) when a lab binary is missing."""
    if not missing:
        return
    message = f"{what}: missing {', '.join(missing)} (run scripts/install-lab-deps)"
    if lab_required():
        pytest.fail(f"{message}; {REQUIRE_ENV}=1 makes this a failure", pytrace=False)
    pytest.skip(message)


# ----------------------------------------------------------------------------- the session

MISSING: dict[str, Callable[[], list[str]]] = {
    "ldap": ldap_mod.missing_binaries,
    "redis": redis_servers.missing_binaries,
    "oidc": oidc_mod.missing_binaries,
    "samba_ad": samba_ad_mod.missing_binaries,
    "openwebui": openwebui_real.missing_binaries,
    "postgres": postgres.missing_binaries,
}


def _missing_for(key: str) -> list[str]:
    """Binaries a component key needs that are not installed."""
    if key == "certs":
        return []
    if key == "app":
        return [m for kind in ("ldap", "redis", "oidc") for m in MISSING[kind]()]
    kind = "redis" if key.startswith("redis:") else "ldap" if key.startswith("ldap") else key
    return MISSING[kind]()


class LabSession:
    """Starts lab components on demand (each once, thread-safe), owns their processes."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.processes: list[ServerProcess] = []
        self._futures: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="lab")
        # app ports are registered at the IdP before any app runs: hold them until used
        self._port_holders = dict(reserve_port() for _ in range(APP_PORT_POOL + OPENWEBUI_PORT_POOL))
        self.app_ports = list(self._port_holders)
        self._app_ports_free = list(self.app_ports[1:APP_PORT_POOL])
        self._openwebui_ports_free = list(self.app_ports[APP_PORT_POOL:])
        self._apps: dict[tuple[tuple[str, str], ...], LabApp] = {}
        self._openwebuis: dict[tuple[tuple[str, str], ...], Future[RealOpenWebUI]] = {}
        run_dir.mkdir(parents=True, exist_ok=True)
        self._write_record()

    # --- bookkeeping, crash-safe: a later session can stop what a killed one left
    def _write_record(self) -> None:
        record = {"owner_pid": os.getpid(), "processes": [p.to_state() for p in self.processes]}
        (self.run_dir / "session.json").write_text(json.dumps(record, indent=1))

    def register(self, procs: list[ServerProcess]) -> None:
        with self._lock:
            self.processes.extend(procs)
            self._write_record()

    # --- components
    def get(self, key: str) -> Any:
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = self._pool.submit(self._start_with_retry, key)
                self._futures[key] = future
        return future.result()

    def prestart(self, keys: list[str]) -> None:
        for key in keys:
            if _missing_for(key):
                continue
            with self._lock:
                if key not in self._futures:
                    self._futures[key] = self._pool.submit(self._start_with_retry, key)

    def _start_with_retry(self, key: str) -> Any:
        try:
            return self._start(key)
        except StartError:  # most likely a free port taken in between: once more, new ports
            return self._start(key)

    def _start(self, key: str) -> Any:
        if key == "certs":
            return make_certs(self.run_dir / "certs")
        if key in ("ldap", "ldap_unknown_ca", "ldap_wrong_host"):
            tls = {"ldap": "good", "ldap_unknown_ca": "unknown_ca", "ldap_wrong_host": "wrong_host"}[key]
            info, proc = start_ldap(self.run_dir, self.get("certs"), name=key, tls=tls)
            self.register([proc])
            return info
        if key == "samba_ad":
            ad_info, ad_proc = start_samba_ad(self.run_dir)
            self.register([ad_proc])
            return ad_info
        if key.startswith("redis:"):
            topology = key.split(":", 1)[1]
            certs = self.get("certs") if topology == "tls" else None
            rinfo, procs = start_redis(topology, self.run_dir, certs)
            self.register(procs)
            return rinfo
        if key == "oidc":
            hosts = ("127.0.0.1", "localhost")
            oinfo, proc = start_oidc(
                self.run_dir,
                redirect_uris=[f"http://{h}:{p}/oauth/oidc/callback" for p in self.app_ports for h in hosts],
                post_logout_redirect_uris=[f"http://{h}:{p}/auth" for p in self.app_ports for h in hosts],
                slow_delay_s=SLOW_DELAY_S, certs=self.get("certs"))
            self.register([proc])
            return oinfo
        if key == "app":
            return self.app({}, port=self.app_ports[0])
        if key == "postgres":
            pinfo, pproc = postgres.start_postgres(self.run_dir)
            self.register([pproc])
            return pinfo
        raise KeyError(key)

    def default_app_env(self, port: int, *, redis: LabRedis | None, oidc: LabOidc | None,
                        ldap: LabLdap | None) -> dict[str, str]:
        env = {"WEBUI_SECRET_KEY": STRONG_SECRET,
               "WEBUI_URL": f"http://127.0.0.1:{port}", "ENABLE_SIGNUP": "false", "DEFAULT_USER_ROLE": "user",
               "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": f"http://127.0.0.1:{port}/auth"}
        if redis is not None:
            env.update(redis.env())
        if oidc is not None:
            env.update(oidc.env())
        if ldap is not None:
            env.update(ldap.env())
        return env

    def app(self, overrides: Mapping[str, str | None], *, port: int | None = None,
            redis_topology: str | None = "persistent", oidc_variant: str | None = "healthy",
            with_ldap: bool = True) -> LabApp:
        """An app under test with the healthy lab env, `overrides` applied (None removes a
        variable). Apps with the same settings are shared within the session."""
        redis = self.get(f"redis:{redis_topology}") if redis_topology else None
        oidc = self.get("oidc")[oidc_variant] if oidc_variant else None
        ldap = self.get("ldap") if with_ldap else None
        cache_key = (("redis", str(redis_topology)), ("oidc", str(oidc_variant)), ("ldap", str(with_ldap)),
                     *sorted((k, str(v)) for k, v in overrides.items()))
        with self._lock:
            if port is None and cache_key in self._apps:
                return self._apps[cache_key]
            if port is None:
                port = self._app_ports_free.pop(0) if self._app_ports_free else free_port()
        env = self.default_app_env(port, redis=redis, oidc=oidc, ldap=ldap)
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        holder = self._port_holders.pop(port, None)
        if holder is not None:
            holder.close()
        info, proc = start_app(self.run_dir, env, port=port, name=f"app-{port}", redis=redis)
        self.register([proc])
        with self._lock:
            self._apps[cache_key] = info
        return info

    def openwebui(self, env: Mapping[str, str]) -> RealOpenWebUI:
        """A real Open WebUI 0.12.4 run with exactly the settings `env` (plus the offline
        plumbing, and WEBUI_URL = its own URL unless `env` names one), on a fresh data folder.
        One process per distinct `env` in the session: 0.12.4 keeps most settings in its
        database after the first start, so other settings need another instance."""
        key = tuple(sorted((k, str(v)) for k, v in env.items()))
        with self._lock:
            future = self._openwebuis.get(key)
            if future is None:
                future = self._pool.submit(self._start_openwebui, dict(env), len(self._openwebuis))
                self._openwebuis[key] = future
        return future.result()

    def _start_openwebui(self, env: dict[str, str], index: int) -> RealOpenWebUI:
        with self._lock:  # a port the lab IdP knows as a redirect URI, while there is one
            port = self._openwebui_ports_free.pop(0) if self._openwebui_ports_free else free_port()
            holder = self._port_holders.pop(port, None)
        if holder is not None:
            holder.close()
        info, proc = start_openwebui(self.run_dir, env, port=port, name=f"openwebui-{index}")
        self.register([proc])
        return info

    def close(self) -> list[ServerProcess]:
        """Stop everything; returns processes still alive afterwards (must be none)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for holder in self._port_holders.values():
            holder.close()
        left = stop_all(self.processes)
        self._write_record()
        return left


def _clean_stale_sessions() -> None:
    """Stop and remove what killed sessions left behind (their pytest PID is dead)."""
    if not LAB_RUN.exists():
        return
    for record_path in LAB_RUN.glob("pytest-*/session.json"):
        try:
            record = json.loads(record_path.read_text())
        except (OSError, ValueError):
            continue
        owner = int(record.get("owner_pid", 0))
        if owner and pid_alive(owner):
            continue
        stop_all([ServerProcess.from_state(p) for p in record.get("processes", [])
                  if pid_alive(int(p["pid"]), p.get("start_time"))])
        shutil.rmtree(record_path.parent, ignore_errors=True)


FIXTURE_KEYS: dict[str, list[str]] = {
    "lab_certs": ["certs"],
    "lab_ldap": ["ldap"],
    "lab_ldap_unknown_ca": ["ldap_unknown_ca"],
    "lab_ldap_wrong_host": ["ldap_wrong_host"],
    **{f"lab_redis_{t}": [f"redis:{t}"] for t in redis_servers.TOPOLOGIES},
    "lab_oidc_all": ["oidc"],
    "lab_oidc": ["oidc"],
    "lab_samba_ad": ["samba_ad"],
    "lab_app": ["app", "redis:persistent", "oidc", "ldap"],
    "lab_app_factory": ["redis:persistent", "oidc", "ldap"],
    "lab_openwebui_factory": [],
    "lab_postgres": ["postgres"],
}
_NEEDED = pytest.StashKey[list[str]]()


# ----------------------------------------------------------------------------- hooks

def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    needed: list[str] = []
    for item in items:
        for name in getattr(item, "fixturenames", ()):
            for key in FIXTURE_KEYS.get(name, []):
                if key not in needed:
                    needed.append(key)
    config.stash[_NEEDED] = needed


_SKIPPED_REALSERVER: list[str] = []  # node ids of skipped `realserver` tests, this session


def pytest_configure(config: pytest.Config) -> None:
    _SKIPPED_REALSERVER.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and any(m in report.keywords for m in MARKERS) and not hasattr(report, "wasxfail") \
            and report.nodeid not in _SKIPPED_REALSERVER:
        _SKIPPED_REALSERVER.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED_REALSERVER and lab_required() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = list(_SKIPPED_REALSERVER)
    if skipped and lab_required():
        terminalreporter.section("real-server tests skipped while the lab is required", red=True)
        for nodeid in skipped:
            terminalreporter.line(f"SKIPPED {nodeid}")
        terminalreporter.line(f"{len(skipped)} `{MARKER}`/`browser` test(s) skipped with {REQUIRE_ENV}=1 "
                              "(or CI): the session fails.")


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def lab_session(request: pytest.FixtureRequest) -> Iterator[LabSession]:
    """The session's lab (run folder, processes). Prefer the component fixtures below."""
    _clean_stale_sessions()
    run_dir = LAB_RUN / f"pytest-{os.getpid()}"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    lab = LabSession(run_dir)
    lab.prestart(request.config.stash.get(_NEEDED, []))
    yield lab
    left = lab.close()
    failed = request.session.testsfailed
    if not left and not failed and not os.environ.get(KEEP_ENV):
        shutil.rmtree(run_dir, ignore_errors=True)
    if left:
        raise RuntimeError("lab processes still running after the session: "
                           + ", ".join(f"{p.name} (pid {p.pid})" for p in left))
    gone = [p for p in lab.processes if pid_alive(p.pid, p.start_time)]
    assert not gone, f"lab PIDs not gone: {[p.pid for p in gone]}"


@pytest.fixture(scope="session")
def lab_certs(lab_session: LabSession) -> LabCerts:
    """The lab CA and server certificates (good, unknown CA, wrong host name)."""
    certs: LabCerts = lab_session.get("certs")
    return certs


def _ldap(lab_session: LabSession, key: str) -> LabLdap:
    need(ldap_mod.missing_binaries(), "OpenLDAP")
    info: LabLdap = lab_session.get(key)
    return info


@pytest.fixture(scope="session")
def lab_ldap(lab_session: LabSession) -> LabLdap:
    """slapd with the good certificate (StartTLS on `port`, LDAPS on `ldaps_port`)."""
    return _ldap(lab_session, "ldap")


@pytest.fixture(scope="session")
def lab_ldap_unknown_ca(lab_session: LabSession) -> LabLdap:
    """slapd whose certificate is issued by a CA nobody trusts (same data)."""
    return _ldap(lab_session, "ldap_unknown_ca")


@pytest.fixture(scope="session")
def lab_ldap_wrong_host(lab_session: LabSession) -> LabLdap:
    """slapd whose certificate (lab CA) names wrong-host.example.net (same data)."""
    return _ldap(lab_session, "ldap_wrong_host")


@pytest.fixture(scope="session")
def lab_samba_ad(lab_session: LabSession) -> LabSambaAd:
    """A Samba AD DC (a fresh domain LAB.TEST, plain LDAP on 127.0.0.3:389) with one user per
    bind sub-code state (tests/lab/samba_ad.py). Provision to ready: about 10 s."""
    need(samba_ad_mod.missing_binaries(), "Samba AD DC")
    info: LabSambaAd = lab_session.get("samba_ad")
    return info


@pytest.fixture(scope="session")
def lab_redis_factory(lab_session: LabSession) -> Callable[[str], LabRedis]:
    """`factory(topology)` -> LabRedis, for parametrised tests over `redis_servers.TOPOLOGIES`."""
    def factory(topology: str) -> LabRedis:
        need(redis_servers.missing_binaries(), "Redis")
        info: LabRedis = lab_session.get(f"redis:{topology}")
        return info
    return factory


def _redis_fixture(topology: str) -> Any:
    def fixture(lab_redis_factory: Callable[[str], LabRedis]) -> LabRedis:
        return lab_redis_factory(topology)
    fixture.__name__ = f"lab_redis_{topology}"
    fixture.__doc__ = f"The `{topology}` Redis topology (see tests/lab/redis_servers.py)."
    return pytest.fixture(scope="session", name=f"lab_redis_{topology}")(fixture)


lab_redis_standalone = _redis_fixture("standalone")
lab_redis_acl = _redis_fixture("acl")
lab_redis_tls = _redis_fixture("tls")
lab_redis_persistent = _redis_fixture("persistent")
lab_redis_lru = _redis_fixture("lru")
lab_redis_sentinel = _redis_fixture("sentinel")
lab_redis_cluster = _redis_fixture("cluster")


@pytest.fixture(scope="session")
def lab_oidc_all(lab_session: LabSession) -> LabOidcSet:
    """Every OIDC provider variant (one Node process): `lab_oidc_all["slow"]`, ..."""
    need(oidc_mod.missing_binaries(), "OIDC provider")
    info: LabOidcSet = lab_session.get("oidc")
    return info


@pytest.fixture(scope="session")
def lab_oidc(lab_oidc_all: LabOidcSet) -> LabOidc:
    """The healthy OIDC provider."""
    return lab_oidc_all.healthy


@pytest.fixture(scope="session")
def lab_app(lab_session: LabSession) -> LabApp:
    """The app under test with a healthy configuration: strong secret, persistent Redis, the
    healthy IdP (confidential client), LDAPS with the lab CA, default cookie flags."""
    for missing, what in ((redis_servers.missing_binaries(), "Redis"), (oidc_mod.missing_binaries(), "OIDC"),
                          (ldap_mod.missing_binaries(), "OpenLDAP")):
        need(missing, what)
    info: LabApp = lab_session.get("app")
    return info


@pytest.fixture(scope="session")
def lab_app_factory(lab_session: LabSession) -> Callable[..., LabApp]:
    """`factory(overrides={...}, redis_topology="persistent"|None|..., oidc_variant="healthy"|None|...,
    with_ldap=True)` -> LabApp with the healthy env plus `overrides` (a None value removes a
    variable). Identical settings share one process; all stop at the end of the session."""
    def factory(overrides: Mapping[str, str | None] | None = None, **kwargs: Any) -> LabApp:
        if kwargs.get("redis_topology", "persistent"):
            need(redis_servers.missing_binaries(), "Redis")
        if kwargs.get("oidc_variant", "healthy"):
            need(oidc_mod.missing_binaries(), "OIDC provider")
        if kwargs.get("with_ldap", True):
            need(ldap_mod.missing_binaries(), "OpenLDAP")
        return lab_session.app(overrides or {}, **kwargs)
    return factory


@pytest.fixture(scope="session")
def lab_postgres(lab_session: LabSession) -> postgres.LabPostgres:
    """A real PostgreSQL on loopback (tests/lab/postgres.py): roles `openwebui` (owner of the
    database `openwebui`) and `authdoctor_ro` (SELECT only), every statement logged."""
    need(postgres.missing_binaries(), "PostgreSQL")
    info: postgres.LabPostgres = lab_session.get("postgres")
    return info


@pytest.fixture(scope="session")
def lab_openwebui_factory(lab_session: LabSession) -> Callable[[Mapping[str, str]], RealOpenWebUI]:
    """`factory(env)` -> a real Open WebUI 0.12.4 (openwebui_real.py) with the settings `env`;
    the same `env` shares one instance for the whole session (each start costs ~15-30 s and
    ~0.8 GB). Missing install (scripts/install-openwebui): skipped locally, a failure when the
    lab is required."""
    def factory(env: Mapping[str, str]) -> RealOpenWebUI:
        need(openwebui_real.missing_binaries(), "Open WebUI 0.12.4")
        return lab_session.openwebui(env)
    return factory
