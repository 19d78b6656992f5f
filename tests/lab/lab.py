"""The whole lab at once, for `scripts/lab` (and anything else that wants every server): starts
all servers in parallel, records them in `<run_dir>/state.json`, stops them by PID.

Ports: `base + offset` per service (`OFFSETS`; base 24000 unless `AUTHDOCTOR_LAB_PORT_BASE` says
otherwise, `free` = a free port each); any single port can be fixed with
`AUTHDOCTOR_LAB_<SERVICE>_PORT`. The resolved ports are exported under those names, which is
what `${AUTHDOCTOR_LAB_..._PORT:-default}` in fixtures/lab/deploy.yaml and openwebui.env read.

The app under test runs with fixtures/lab/openwebui.env (interpolated), which carries the
demo's seeded misconfigurations; tests use the fixtures in tests/lab/fixtures.py instead.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from . import ldap as ldap_mod
from . import oidc as oidc_mod
from . import redis_servers
from .app_under_test import LabApp, start_app
from .certs import LabCerts, make_certs
from .ldap import LabLdap, start_ldap
from .oidc import LabOidcSet, start_oidc
from .paths import FIXTURES, LAB_RUN
from .ports import free_port
from .process import ServerProcess, find_binary, pid_alive, stop_all
from .redis_servers import LabRedis, start_redis

DEFAULT_BASE = 24000
SLOW_DELAY_S = 6.0  # the `slow` IdP variant: above authdoctor's default probe timeout (5 s)
DEFAULT_DIR = LAB_RUN / "lab"
APP_ENV_FILE = FIXTURES / "openwebui.env"
DEPLOY_YAML = FIXTURES / "deploy.yaml"

OFFSETS: dict[str, int] = {
    "app": 80,
    "ldap": 389, "ldap_ldaps": 636,
    "ldap_unknown_ca": 390, "ldap_unknown_ca_ldaps": 637,
    "ldap_wrong_host": 391, "ldap_wrong_host_ldaps": 638,
    "redis_standalone": 300, "redis_acl": 301, "redis_tls": 302, "redis_persistent": 303, "redis_lru": 304,
    "redis_sentinel_master": 305, "redis_sentinel_replica": 306, "redis_sentinel": 307,
    "redis_cluster_1": 310, "redis_cluster_1_bus": 320, "redis_cluster_2": 311, "redis_cluster_2_bus": 321,
    "redis_cluster_3": 312, "redis_cluster_3_bus": 322,
    "oidc_healthy": 400, "oidc_issuer_trailing_slash": 401, "oidc_issuer_internal": 402,
    "oidc_no_end_session": 403, "oidc_html_discovery_backend": 404, "oidc_html_discovery": 405,
    "oidc_slow_backend": 406, "oidc_slow": 407,
    "oidc_not_found_backend": 408, "oidc_not_found": 409, "oidc_microsoft": 410, "oidc_microsoft_common": 411,
    "oidc_tls_backend": 412, "oidc_tls": 413, "oidc_tls_unknown_ca_backend": 414, "oidc_tls_unknown_ca": 415,
    "oidc_tls_expired_backend": 416, "oidc_tls_expired": 417, "oidc_tls_wrong_host_backend": 418,
    "oidc_tls_wrong_host": 419,
    "oidc_post_only": 420, "oidc_pkce_always": 421, "oidc_plain_pkce": 422,
    "oidc_jwks_private_backend": 423, "oidc_jwks_private": 424, "oidc_no_jwks_uri_backend": 425,
    "oidc_no_jwks_uri": 426, "oidc_foreign_host_backend": 427, "oidc_foreign_host": 428,
}
LDAP_INSTANCES = {"ldap": "good", "ldap_unknown_ca": "unknown_ca", "ldap_wrong_host": "wrong_host"}


def port_env_name(service: str) -> str:
    return f"AUTHDOCTOR_LAB_{service.upper()}_PORT"


def resolve_ports(environ: Mapping[str, str]) -> dict[str, int]:
    base_text = environ.get("AUTHDOCTOR_LAB_PORT_BASE", str(DEFAULT_BASE))
    ports: dict[str, int] = {}
    for service, offset in OFFSETS.items():
        fixed = environ.get(port_env_name(service))
        if fixed:
            ports[service] = int(fixed)
        elif base_text == "free":
            ports[service] = free_port()
        else:
            ports[service] = int(base_text) + offset
    return ports


def missing_binaries() -> list[str]:
    return ldap_mod.missing_binaries() + redis_servers.missing_binaries() + oidc_mod.missing_binaries()


def load_app_env(path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The app's variables from an Open WebUI-style .env file, `${VAR:-default}` resolved from
    `environ` (python-dotenv, like authdoctor reads it)."""
    from dotenv import dotenv_values

    saved = dict(os.environ)
    try:
        os.environ.update(environ)
        values = dotenv_values(path, interpolate=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {k: v for k, v in values.items() if v is not None}


@dataclass
class RunningLab:
    run_dir: Path
    certs: LabCerts
    ports: dict[str, int]
    ldap: dict[str, LabLdap] = field(default_factory=dict)
    redis: dict[str, LabRedis] = field(default_factory=dict)
    oidc: LabOidcSet | None = None
    app: LabApp | None = None
    processes: list[ServerProcess] = field(default_factory=list)
    startup_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def port_env(self) -> dict[str, str]:
        env = {port_env_name(k): str(v) for k, v in self.ports.items()}
        env["AUTHDOCTOR_LAB_DIR"] = str(self.run_dir)
        return env

    def describe(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.run_dir),
            "startup_s": round(self.startup_s, 3),
            "timings": {k: round(v, 3) for k, v in sorted(self.timings.items())},
            "ports": self.ports,
            "certs": {k: str(v) for k, v in asdict(self.certs).items()},
            "ldap": {k: _plain(self.ldap[k]) for k in LDAP_INSTANCES if k in self.ldap},
            "redis": {k: _plain(self.redis[k]) for k in redis_servers.TOPOLOGIES if k in self.redis},
            "oidc": {k: {**_plain(v), "discovery_url": v.discovery_url}
                     for k, v in (self.oidc.variants.items() if self.oidc else [])},
            "app": _plain(self.app) if self.app else None,
            "processes": [p.to_state() for p in self.processes],
        }


def _plain(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: _plain(v) for k, v in asdict(obj).items()}
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def start_lab(run_dir: Path = DEFAULT_DIR, *, environ: Mapping[str, str] | None = None,
              app_env_file: Path = APP_ENV_FILE, timeout: float = 15.0) -> RunningLab:
    """Start every server in parallel (each starter blocks until its server is ready); on any
    failure stop whatever did start and re-raise."""
    environ = dict(os.environ if environ is None else environ)
    t0 = time.perf_counter()
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    ports = resolve_ports(environ)
    certs = make_certs(run_dir / "certs", reuse=True)
    lab = RunningLab(run_dir=run_dir, certs=certs, ports=ports)
    environ.update(lab.port_env())
    app_port = ports["app"]
    app_env = load_app_env(app_env_file, environ)

    def ldap_task(name: str, tls: str) -> Callable[[], None]:
        def run() -> None:
            info, proc = start_ldap(run_dir, certs, name=name, tls=tls, port=ports[name],
                                    ldaps_port=ports[f"{name}_ldaps"], timeout=timeout)
            lab.processes.append(proc)
            lab.ldap[name] = info
        return run

    def redis_task(topology: str) -> Callable[[], None]:
        def run() -> None:
            if topology == "sentinel":
                fixed = [ports[f"redis_sentinel{part}"] for part in ("_master", "_replica", "")]
            elif topology == "cluster":
                fixed = [ports[f"redis_cluster_{i}{suffix}"] for i in (1, 2, 3) for suffix in ("", "_bus")]
            else:
                fixed = [ports[f"redis_{topology}"]]
            info, procs = start_redis(topology, run_dir, certs, ports=fixed, timeout=timeout)
            lab.processes.extend(procs)
            lab.redis[topology] = info
        return run

    def oidc_task() -> None:
        fixed = {v: [ports[f"oidc_{v}_backend"], ports[f"oidc_{v}"]] if f"oidc_{v}_backend" in ports
                 else [ports[f"oidc_{v}"]] for v in oidc_mod.VARIANTS}
        hosts = ("127.0.0.1", "localhost")
        info, proc = start_oidc(
            run_dir, redirect_uris=[f"http://{h}:{app_port}/oauth/oidc/callback" for h in hosts],
            post_logout_redirect_uris=[f"http://{h}:{app_port}/auth" for h in hosts], ports=fixed,
            slow_delay_s=SLOW_DELAY_S, timeout=timeout, certs=certs)
        lab.processes.append(proc)
        lab.oidc = info

    def app_task() -> None:
        info, proc = start_app(run_dir, app_env, port=app_port, timeout=timeout)
        lab.processes.append(proc)
        lab.app = info

    tasks: list[Callable[[], None]] = [ldap_task(n, t) for n, t in LDAP_INSTANCES.items()]
    tasks += [redis_task(t) for t in redis_servers.TOPOLOGIES]
    tasks += [oidc_task, app_task]
    def timed(task: Callable[[], None], name: str) -> Callable[[], None]:
        def run() -> None:
            started = time.perf_counter()
            task()
            lab.timings[name] = time.perf_counter() - started
        return run

    names = [*LDAP_INSTANCES, *(f"redis_{t}" for t in redis_servers.TOPOLOGIES), "oidc", "app"]
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        for future in [pool.submit(timed(t, n)) for t, n in zip(tasks, names, strict=True)]:
            exc = future.exception()
            if exc is not None:
                errors.append(exc)
    if errors:
        stop_all(lab.processes)
        raise errors[0]
    lab.startup_s = time.perf_counter() - t0
    (run_dir / "state.json").write_text(json.dumps(lab.describe(), indent=2))
    return lab


# ----------------------------------------------------------------------------- state file

def read_state(run_dir: Path = DEFAULT_DIR) -> dict[str, Any] | None:
    path = run_dir / "state.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def state_processes(state: Mapping[str, Any]) -> list[ServerProcess]:
    return [ServerProcess.from_state(p) for p in state.get("processes", [])]


def alive_processes(state: Mapping[str, Any]) -> list[ServerProcess]:
    return [p for p in state_processes(state) if pid_alive(p.pid, p.start_time)]


def stop_lab(run_dir: Path = DEFAULT_DIR) -> tuple[int, list[ServerProcess]]:
    """Stop every process in the state file (PID + start time must match); returns how many
    were running and which survived. The state file is removed when all are gone."""
    state = read_state(run_dir)
    if state is None:
        return 0, []
    running = alive_processes(state)
    left = stop_all(running)
    if not left:
        (run_dir / "state.json").unlink(missing_ok=True)
    return len(running), left


def have_binaries() -> bool:
    return all(find_binary(b) for b in ("slapd", "redis-server", "node"))
