"""Private Redis servers (Debian redis-server 7) in every topology Open WebUI can be pointed at.

| topology     | what runs                                              | REDIS_URL (Open WebUI)         |
|--------------|--------------------------------------------------------|--------------------------------|
| `standalone` | one server, no auth, no persistence                    | `redis://127.0.0.1:P/0`        |
| `acl`        | ACL users: default (password), app, readonly, disabled,| `redis://app:app-secret@H:P/0` |
|              | noconfig (no CONFIG), otherkeys (keys other:* only)    |                                |
| `tls`        | TLS only (no plain port), password, lab CA certificate | `rediss://:tls-secret@H:P/0`   |
|              |                                                        | `?ssl_ca_certs=<lab CA>`       |
| `persistent` | AOF (everysec) + RDB snapshots, noeviction             | `redis://127.0.0.1:P/0`        |
| `lru`        | maxmemory 64mb + allkeys-lru (may evict revocation     | `redis://127.0.0.1:P/0`        |
|              | keys), no persistence                                  |                                |
| `sentinel`   | master + replica + one sentinel (quorum 1), master     | `redis://labmaster:6379/0`,    |
|              | name `labmaster`                                       | REDIS_SENTINEL_HOSTS/PORT      |
| `cluster`    | three masters, slots split by                          | `redis://127.0.0.1:P1/0`,      |
|              | `redis-cli --cluster create`                           | REDIS_CLUSTER=true             |

"Healthy" for token revocation is `persistent` (and `acl`/`tls` for access control); `standalone`
forgets revocations on restart and `lru` may evict them under memory pressure.

Every server binds 127.0.0.1, runs in the foreground with its config file and data in its own
folder, and logs to `redis.log` there. Ready means it answers PING (NOAUTH counts), the replica
has synced, the sentinel knows master and replica, and the cluster reports `cluster_state:ok`.
"""

from __future__ import annotations

import functools
import socket
import ssl
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .certs import LabCerts
from .ports import HOST, free_port, wait_until
from .process import ServerProcess, StartError, find_binary, launch

if TYPE_CHECKING:
    import redis

TOPOLOGIES = ("standalone", "acl", "tls", "persistent", "lru", "sentinel", "cluster")
MASTER_NAME = "labmaster"
ACL_USERS: dict[str, str] = {
    "default": "default-secret",
    "app": "app-secret",
    "readonly": "readonly-secret",
    "disabled": "disabled-secret",
    "noconfig": "noconfig-secret",
    "otherkeys": "otherkeys-secret",
}
TLS_PASSWORD = "tls-secret"
REQUIRED_BINARIES = ("redis-server", "redis-cli")

BASE_CONF = """\
bind {host}
port {port}
dir {dir}
daemonize no
logfile ""
protected-mode yes
"""
NO_PERSISTENCE = 'save ""\nappendonly no\n'
PortSource = Callable[[], int]


@dataclass(frozen=True)
class LabRedis:
    """A running Redis topology. `port` is where data goes: the server, the TLS port, the
    Sentinel master, or the first cluster node. `client()` connects the way a careful probe
    would: lab credentials, 2 s timeouts, no retries (redis-py 8 otherwise retries connection
    and auth errors with backoff for seconds)."""

    topology: str
    host: str
    port: int
    url: str
    pids: tuple[int, ...]
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    persistent: bool = False
    maxmemory_policy: str = "noeviction"
    users: Mapping[str, str] = field(default_factory=dict)
    sentinel_port: int | None = None
    master_name: str | None = None
    replica_port: int | None = None
    cluster_ports: tuple[int, ...] = ()

    def env(self, prefix: str | None = None) -> dict[str, str]:
        """Open WebUI's variables for this topology."""
        env = {"REDIS_URL": self.url}
        if self.sentinel_port is not None:
            env.update(REDIS_SENTINEL_HOSTS=self.host, REDIS_SENTINEL_PORT=str(self.sentinel_port))
        if self.cluster_ports:
            env["REDIS_CLUSTER"] = "true"
        if prefix is not None:
            env["REDIS_KEY_PREFIX"] = prefix
        return env

    def client(self, **overrides: Any) -> redis.Redis:
        """A redis-py client for `port` (for Sentinel: the master; for Cluster: one node)."""
        import redis as redis_mod
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        kwargs: dict[str, Any] = {
            "host": self.host, "port": self.port, "username": self.username, "password": self.password,
            "socket_timeout": 2, "socket_connect_timeout": 2, "retry": Retry(NoBackoff(), 0)}
        if self.tls:
            kwargs.update(ssl=True, ssl_ca_certs=self.ca_file)
        kwargs.update(overrides)
        return redis_mod.Redis(**kwargs)


def missing_binaries() -> list[str]:
    return [b for b in REQUIRED_BINARIES if find_binary(b) is None]


# ----------------------------------------------------------------------------- low level

def _ping(port: int, *, tls_ca: Path | None = None) -> bytes:
    """Raw RESP PING: b"+PONG", b"-NOAUTH ...", b"-LOADING ..." or b"" when not answering."""
    try:
        raw = socket.create_connection((HOST, port), timeout=0.5)
    except OSError:
        return b""
    try:
        sock: socket.socket = raw
        if tls_ca is not None:
            ctx = ssl.create_default_context(cafile=str(tls_ca))
            sock = ctx.wrap_socket(raw, server_hostname=HOST)
        sock.sendall(b"PING\r\n")
        return sock.recv(256)
    except OSError:
        return b""
    finally:
        raw.close()


def _answers(port: int, tls_ca: Path | None = None) -> bool:
    reply = _ping(port, tls_ca=tls_ca)
    return reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH")


def _cli(port: int, *args: str, timeout: float = 5.0) -> str:
    out = subprocess.run([_need("redis-cli"), "-h", HOST, "-p", str(port), *args],
                         capture_output=True, text=True, timeout=timeout, check=False)
    return out.stdout


def _cluster_ok(port: int) -> bool:
    return "cluster_state:ok" in _cli(port, "CLUSTER", "INFO")


def _start_server(name: str, home: Path, conf_text: str, *, sentinel: bool = False) -> ServerProcess:
    home.mkdir(parents=True, exist_ok=True)
    for stale in home.iterdir():
        if stale.is_file():
            stale.unlink()
    conf = home / ("sentinel.conf" if sentinel else "redis.conf")
    conf.write_text(conf_text)
    argv = [_need("redis-server"), str(conf)] + (["--sentinel"] if sentinel else [])
    return launch(name, argv, log_path=home / "redis.log", cwd=home)


def _wait_ready(proc: ServerProcess, port: int, timeout: float, tls_ca: Path | None = None) -> None:
    try:
        wait_until(lambda: _answers(port, tls_ca), timeout=timeout, alive=proc.alive,
                   what=f"{proc.name} answering PING on {port}")
    except (RuntimeError, TimeoutError) as exc:
        raise StartError(proc, f"did not start: {exc}") from None


def _need(binary: str) -> str:
    path = find_binary(binary)
    if path is None:
        raise FileNotFoundError(f"{binary} not installed (scripts/install-lab-deps)")
    return path


# ----------------------------------------------------------------------------- topologies

Starter = Callable[[Path, LabCerts | None, PortSource, list[ServerProcess], float], LabRedis]

def start_redis(topology: str, run_dir: Path, certs: LabCerts | None = None, *,
                ports: list[int] | None = None,
                timeout: float = 10.0) -> tuple[LabRedis, list[ServerProcess]]:
    """Start one topology under `run_dir/redis-<topology>`; returns its description and its
    processes (the caller stops them). `ports` fixes the ports (scripts/lab): one per
    process, two per cluster node (data, bus). On failure everything started is stopped."""
    if topology not in TOPOLOGIES:
        raise ValueError(f"unknown Redis topology {topology!r}; one of {', '.join(TOPOLOGIES)}")
    procs: list[ServerProcess] = []
    home = (run_dir / f"redis-{topology}").resolve()
    want = iter(ports or [])

    def port() -> int:
        return next(want, None) or free_port()

    try:
        info = _STARTERS[topology](home, certs, port, procs, timeout)
    except BaseException:
        for p in procs:
            p.stop()
        raise
    return info, procs


def _plain(topology: str, extra: str, persistent: bool = False,
           policy: str = "noeviction") -> Starter:
    def start(home: Path, certs: LabCerts | None, port: PortSource, procs: list[ServerProcess],
              timeout: float) -> LabRedis:
        p = port()
        conf = BASE_CONF.format(host=HOST, port=p, dir=home) + extra
        proc = _start_server(f"redis-{topology}", home, conf)
        procs.append(proc)
        _wait_ready(proc, p, timeout)
        return LabRedis(topology=topology, host=HOST, port=p, url=f"redis://{HOST}:{p}/0",
                        pids=(proc.pid,), persistent=persistent, maxmemory_policy=policy)
    return start


def _acl(home: Path, certs: LabCerts | None, port: PortSource, procs: list[ServerProcess],
         timeout: float) -> LabRedis:
    p = port()
    users = (
        f"user default on >{ACL_USERS['default']} ~* &* +@all\n"
        f"user app on >{ACL_USERS['app']} ~* &* +@all -@dangerous +info +config|get\n"
        f"user readonly on >{ACL_USERS['readonly']} ~* &* -@all +@read +@connection +info "
        f"+config|get +acl|whoami\n"
        f"user disabled off >{ACL_USERS['disabled']} ~* &* +@all\n"
        # reads keys and INFO, but CONFIG is refused (a managed Redis often does that)
        f"user noconfig on >{ACL_USERS['noconfig']} ~* &* -@all +@read +@connection +info\n"
        # may only touch keys under other:*, so GET of an open-webui key is refused (NOPERM)
        f"user otherkeys on >{ACL_USERS['otherkeys']} ~other:* &* +@all -@dangerous +info +config|get\n"
    )
    conf = BASE_CONF.format(host=HOST, port=p, dir=home) + NO_PERSISTENCE + users
    proc = _start_server("redis-acl", home, conf)
    procs.append(proc)
    _wait_ready(proc, p, timeout)
    return LabRedis(topology="acl", host=HOST, port=p,
                    url=f"redis://app:{ACL_USERS['app']}@{HOST}:{p}/0", pids=(proc.pid,),
                    username="app", password=ACL_USERS["app"], users=dict(ACL_USERS))


def _tls(home: Path, certs: LabCerts | None, port: PortSource, procs: list[ServerProcess],
         timeout: float) -> LabRedis:
    if certs is None:
        raise ValueError("the tls topology needs the lab certificates")
    p = port()
    conf = (BASE_CONF.format(host=HOST, port=0, dir=home) + NO_PERSISTENCE
            + f"tls-port {p}\ntls-cert-file {certs.server_cert}\ntls-key-file {certs.server_key}\n"
              f"tls-ca-cert-file {certs.ca_file}\ntls-auth-clients no\n"
              f"user default on >{TLS_PASSWORD} ~* &* +@all\n")
    proc = _start_server("redis-tls", home, conf)
    procs.append(proc)
    _wait_ready(proc, p, timeout, tls_ca=certs.ca_file)
    return LabRedis(topology="tls", host=HOST, port=p,
                    url=f"rediss://:{TLS_PASSWORD}@{HOST}:{p}/0?ssl_ca_certs={certs.ca_file}",
                    pids=(proc.pid,), password=TLS_PASSWORD, tls=True, ca_file=str(certs.ca_file))


def _sentinel(home: Path, certs: LabCerts | None, port: PortSource, procs: list[ServerProcess],
              timeout: float) -> LabRedis:
    mp, rp, sp = port(), port(), port()
    # diskless sync without the default 5 s wait for more replicas
    master = _start_server("redis-sentinel-master", home / "master",
                           BASE_CONF.format(host=HOST, port=mp, dir=home / "master") + NO_PERSISTENCE
                           + "repl-diskless-sync-delay 0\n")
    procs.append(master)
    replica = _start_server("redis-sentinel-replica", home / "replica",
                            BASE_CONF.format(host=HOST, port=rp, dir=home / "replica") + NO_PERSISTENCE
                            + f"replicaof {HOST} {mp}\n")
    procs.append(replica)
    _wait_ready(master, mp, timeout)
    _wait_ready(replica, rp, timeout)
    try:
        wait_until(lambda: "master_link_status:up" in _cli(rp, "INFO", "replication"),
                   timeout=timeout, alive=replica.alive, what="replica synced with master")
    except (RuntimeError, TimeoutError) as exc:
        raise StartError(replica, str(exc)) from None
    # started after the replica has synced, so the sentinel's first INFO to the master lists it
    sentinel = _start_server("redis-sentinel", home / "sentinel",
                             f"bind {HOST}\nport {sp}\ndir {home / 'sentinel'}\ndaemonize no\n"
                             f'logfile ""\nsentinel monitor {MASTER_NAME} {HOST} {mp} 1\n'
                             f"sentinel down-after-milliseconds {MASTER_NAME} 5000\n"
                             f"sentinel failover-timeout {MASTER_NAME} 10000\n", sentinel=True)
    procs.append(sentinel)
    _wait_ready(sentinel, sp, timeout)
    try:
        wait_until(lambda: f"{rp}" in _cli(sp, "SENTINEL", "REPLICAS", MASTER_NAME),
                   timeout=timeout, alive=sentinel.alive, what="sentinel knowing the replica")
    except (RuntimeError, TimeoutError) as exc:
        raise StartError(sentinel, str(exc)) from None
    return LabRedis(topology="sentinel", host=HOST, port=mp, url=f"redis://{MASTER_NAME}:6379/0",
                    pids=(master.pid, replica.pid, sentinel.pid), sentinel_port=sp,
                    master_name=MASTER_NAME, replica_port=rp)


def _cluster(home: Path, certs: LabCerts | None, port: PortSource, procs: list[ServerProcess],
             timeout: float) -> LabRedis:
    nodes: list[tuple[int, ServerProcess]] = []
    for i in range(3):
        p, bus = port(), port()
        d = home / f"node{i + 1}"
        conf = (BASE_CONF.format(host=HOST, port=p, dir=d) + NO_PERSISTENCE
                + f"cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-port {bus}\n"
                  "cluster-node-timeout 1000\n")
        proc = _start_server(f"redis-cluster-{i + 1}", d, conf)
        procs.append(proc)
        nodes.append((p, proc))
    for p, proc in nodes:
        _wait_ready(proc, p, timeout)
    create = subprocess.run(
        [_need("redis-cli"), "--cluster", "create", *(f"{HOST}:{p}" for p, _ in nodes),
         "--cluster-replicas", "0", "--cluster-yes"],
        capture_output=True, text=True, timeout=timeout, check=False)
    if create.returncode != 0:
        raise StartError(nodes[0][1], f"redis-cli --cluster create failed: {create.stdout[-500:]}")
    for p, proc in nodes:
        try:
            wait_until(functools.partial(_cluster_ok, p), timeout=timeout, alive=proc.alive,
                       what=f"cluster_state:ok on {p}")
        except (RuntimeError, TimeoutError) as exc:
            raise StartError(proc, str(exc)) from None
    first = nodes[0][0]
    return LabRedis(topology="cluster", host=HOST, port=first, url=f"redis://{HOST}:{first}/0",
                    pids=tuple(proc.pid for _, proc in nodes),
                    cluster_ports=tuple(p for p, _ in nodes))


_STARTERS: dict[str, Starter] = {
    "standalone": _plain("standalone", NO_PERSISTENCE),
    "persistent": _plain("persistent", "appendonly yes\nappendfsync everysec\n"
                                       "save 3600 1 300 100 60 10000\n", persistent=True),
    "lru": _plain("lru", NO_PERSISTENCE + "maxmemory 64mb\nmaxmemory-policy allkeys-lru\n",
                  policy="allkeys-lru"),
    "acl": _acl,
    "tls": _tls,
    "sentinel": _sentinel,
    "cluster": _cluster,
}
