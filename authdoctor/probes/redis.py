"""The Redis probe: the revocation store as Open WebUI 0.12.4 would reach it, read-only.

`inspect_redis(target, ...)` returns a `RedisObservation`; it never raises for a DNS, TCP, TLS,
protocol, authentication or timeout failure. Policy (the live-probe design's network hygiene):

- Connected the way `utils/redis.get_redis_connection` connects: Sentinel first (the URL's host
  is the master name, asked of `REDIS_SENTINEL_HOSTS` on `REDIS_SENTINEL_PORT` with the URL's
  credentials), then Cluster (`REDIS_CLUSTER`: the URL's node, then every master from
  `CLUSTER SLOTS`), then the URL itself (`redis://`, `rediss://` with its `ssl_*` parameters,
  `unix://`), parsed by redis-py's own `parse_url`.
- The ladder is climbed by hand before redis-py speaks: name resolution, TCP connect, the TLS
  handshake (on a verification failure the peer certificate is read by a second, unverified
  handshake, as the HTTP probe does), so a failure names its rung.
- One bounded attempt per step: redis-py's retries are off (`Retry(NoBackoff(), 0)`), every socket
  has the probe's timeout, and the Cluster client of redis-py (which retries on its own) is not
  used: the probe reads `CLUSTER SLOTS` and talks to each master with a plain client.
- Read-only: only the commands in `READ_ONLY_COMMANDS` are sent (tests watch it with MONITOR).
  Never KEYS. The keys are read with SCAN (`COUNT` `SCAN_COUNT`) and their TTLs with pipelined TTL
  commands, one batch at a time, so memory does not grow with the number of keys: the
  observation holds counters and a histogram, never a list of keys.
- The scan stops at `scan_until` (an absolute `time.monotonic()`, the run's deadline less a
  margin) and says it is incomplete, so a huge keyspace never makes the area miss the deadline.
- No password, user name or URL credentials ever go into an observation.

redis-py is synchronous: the live half runs this in a worker thread (`ProbeCache`).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from authdoctor.probes import ProbeFailure, Rung, TlsCertificate

if TYPE_CHECKING:
    import redis

#: Every command the probe may send (first word, or first two for container commands). AUTH is
#: sent by redis-py when the URL carries credentials, SELECT for a db > 0; HELLO (a handshake) only
#: with RESP3, which the probe does not use. MONITOR never shows AUTH or CONFIG.
READ_ONLY_COMMANDS: frozenset[str] = frozenset({
    "PING", "AUTH", "HELLO", "SELECT", "INFO", "CONFIG GET", "SCAN", "TTL", "PTTL", "EXISTS", "GET",
    "TYPE", "CLIENT SETNAME", "SENTINEL MASTER", "SENTINEL REPLICAS", "SENTINEL SLAVES",
    "SENTINEL GET-MASTER-ADDR-BY-NAME", "CLUSTER INFO", "CLUSTER SLOTS",
})
SCAN_COUNT = 1000
CLIENT_NAME = "authdoctor-readonly"
#: TTL histogram buckets: (upper bound in seconds, label); keys above the last are "> 4w".
TTL_BUCKETS: tuple[tuple[int, str], ...] = (
    (3600, "< 1h"), (86400, "1h-1d"), (7 * 86400, "1d-1w"), (28 * 86400, "1w-4w"))
TTL_OVER = "> 4w"
#: Other prefixes remembered by name (the rest are only counted).
MAX_OTHER_PREFIXES = 10
TOKEN_MARK = b":auth:token:"
USER_MARK = b":auth:user:"


# ----------------------------------------------------------------------------- what is probed

@dataclass(frozen=True)
class RedisTarget:
    """Where and how the app connects (from its settings). Holds the URL with its password:
    it is an argument, never an observation, and is never shown."""

    url: str
    sentinels: tuple[tuple[str, int], ...] = ()
    cluster: bool = False
    prefix: str = "open-webui"

    @property
    def topology(self) -> str:
        return "sentinel" if self.sentinels else "cluster" if self.cluster else "standalone"


@dataclass(frozen=True)
class TokenQuery:
    """One token's revocation keys to look up (`--token`)."""

    jti: str | None
    user_id: str | None


# ----------------------------------------------------------------------------- observations

@dataclass(frozen=True)
class ServerFacts:
    """What decides whether revocations survive, read from INFO (and CONFIG GET save)."""

    address: str
    version: str = ""
    role: str = ""
    aof_enabled: bool | None = None
    save: str | None = None
    """`CONFIG GET save` ('' = no RDB snapshots), None when it could not be read."""
    maxmemory: int | None = None
    maxmemory_policy: str | None = None
    evicted_keys: int | None = None
    info_refused: str = ""
    """The error reply when INFO was refused (an ACL), else ''."""
    config_refused: str = ""
    """The error reply when CONFIG GET was refused (an ACL), else ''."""


@dataclass(frozen=True)
class ReplicaState:
    address: str
    flags: str
    link: str


@dataclass(frozen=True)
class SentinelFacts:
    sentinel: str
    """The Sentinel that answered (host:port)."""
    master_name: str
    master_address: str = ""
    master_flags: str = ""
    replicas: tuple[ReplicaState, ...] = ()
    other_sentinels: int = 0
    unreachable: tuple[str, ...] = ()
    """Sentinels that did not answer (with why)."""


@dataclass(frozen=True)
class ClusterFacts:
    state: str
    slots_assigned: int
    slots_ok: int
    masters: tuple[str, ...]
    masters_failed: tuple[str, ...] = ()
    """Masters that could not be read (address: why)."""


@dataclass(frozen=True)
class KeyStats:
    """Counters of a streamed SCAN: never the keys themselves."""

    prefix: str
    scanned: int = 0
    """Keys returned by SCAN MATCH *:auth:* (any prefix)."""
    token_keys: int = 0
    token_no_ttl: int = 0
    ttl_histogram: tuple[tuple[str, int], ...] = ()
    ttl_max_s: int | None = None
    ttl_limit_s: int | None = None
    ttl_over_limit: int = 0
    user_keys: int = 0
    other_prefix_keys: int = 0
    other_prefixes: tuple[tuple[str, int], ...] = ()
    complete: bool = True
    nodes: int = 1
    elapsed_s: float = 0.0
    stopped: str = ""
    """Why the scan stopped early ('' when complete)."""


@dataclass(frozen=True)
class TokenState:
    jti: str | None
    user_id: str | None
    revoked: bool = False
    revoked_ttl_s: int | None = None
    user_revoked_at: str | None = None
    """The raw value of `{prefix}:auth:user:{id}:revoked_at`, None when absent."""


@dataclass(frozen=True)
class RedisObservation:
    """What one inspection saw. `failure` is set when the store could not be used at all; a
    refusal of the credentials or of a command is `auth_refused` (the error reply's first word:
    NOAUTH, WRONGPASS, NOPERM, or ERR) with `refused_command`; with `server` set, the refusal
    came after the connection was made (an ACL refusing GET or SCAN)."""

    topology: str
    address: str
    """Where the probe connected (host:port or a socket path; no credentials)."""
    prefix: str
    failure: ProbeFailure | None = None
    certificate: TlsCertificate | None = None
    auth_refused: str = ""
    refused_command: str = ""
    refused_text: str = ""
    server: ServerFacts | None = None
    sentinel: SentinelFacts | None = None
    cluster: ClusterFacts | None = None
    keys: KeyStats | None = None
    token: TokenState | None = None
    scan_failure: ProbeFailure | None = None
    """The scan broke off (the server went away, a timeout): counts are partial."""
    tls: bool = False

    @property
    def connected(self) -> bool:
        return self.failure is None and not self.auth_refused


# ----------------------------------------------------------------------------- the probe

class _Refused(Exception):
    """An error reply that refuses the credentials or a command."""

    def __init__(self, word: str, command: str, text: str) -> None:
        super().__init__(text)
        self.word, self.command, self.text = word, command, text


class _Failed(Exception):
    def __init__(self, failure: ProbeFailure, certificate: TlsCertificate | None = None) -> None:
        super().__init__(failure.summary)
        self.failure, self.certificate = failure, certificate


def masked_address(url: str) -> str:
    """host:port or the socket path of a Redis URL, never its credentials."""
    try:
        parts = urlsplit(url)
        if parts.scheme == "unix":
            return parts.path or "unix socket"
        host = parts.hostname or "localhost"
        return f"{host}:{parts.port or 6379}"
    except ValueError:
        return "<unparsable URL>"


def _url_options(url: str) -> dict[str, Any]:
    from redis.connection import parse_url

    options: dict[str, Any] = dict(parse_url(url))  # type: ignore[no-untyped-call]
    return options


def _base_kwargs(timeout_s: float) -> dict[str, Any]:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s,
            "retry": Retry(NoBackoff(), 0), "protocol": 2,
            "driver_info": None, "client_name": CLIENT_NAME,
            "single_connection_client": True}


def _tls_kwargs(options: dict[str, Any], verify_tls: bool, ca_file: str | None) -> dict[str, Any]:
    """The URL's ssl_* options, with --ca-file added and --insecure applied."""
    extra: dict[str, Any] = {}
    if ca_file and not options.get("ssl_ca_certs"):
        extra["ssl_ca_certs"] = ca_file
    if not verify_tls:
        extra["ssl_cert_reqs"] = "none"
        extra["ssl_check_hostname"] = False
    return extra


def _tls_context(options: dict[str, Any]) -> ssl.SSLContext:
    """The context redis-py's SSLConnection builds from the same options (for the ladder)."""
    reqs = options.get("ssl_cert_reqs", "required")
    context = ssl.create_default_context()
    if isinstance(reqs, str):
        reqs = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL,
                "required": ssl.CERT_REQUIRED}.get(reqs.lower(), ssl.CERT_REQUIRED)
    check = options.get("ssl_check_hostname", True)
    if isinstance(check, str):
        check = check.lower() not in ("false", "0", "no")
    context.check_hostname = bool(check) and reqs != ssl.CERT_NONE
    context.verify_mode = reqs
    if options.get("ssl_ca_certs") or options.get("ssl_ca_path"):
        context.load_verify_locations(cafile=options.get("ssl_ca_certs"), capath=options.get("ssl_ca_path"))
    if options.get("ssl_certfile"):
        context.load_cert_chain(options["ssl_certfile"], options.get("ssl_keyfile"))
    return context


def _ladder(host: str, port: int, timeout_s: float, tls: ssl.SSLContext | None) -> None:
    """DNS, TCP and TLS, each named when it fails (raises `_Failed`)."""
    from authdoctor.probes.http import _tls_failure, read_certificate

    where = f"{host}:{port}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        what = {socket.EAI_NONAME: "the name does not exist (NXDOMAIN)",
                socket.EAI_AGAIN: "no DNS server gave an answer (SERVFAIL or timeout)"}.get(
                    exc.errno or 0, "the name cannot be resolved")
        raise _Failed(ProbeFailure(Rung.DNS, f"{host}: {what}",
                                   {"name": host, "resolver": exc.strerror or str(exc)})) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.settimeout(timeout_s)
    try:
        try:
            sock.connect(address)
        except TimeoutError:
            raise _Failed(ProbeFailure(Rung.TCP, f"no connection to {where} within {timeout_s:g} s",
                                       {"address": where, "timeout": f"{timeout_s:g} s"},
                                       timed_out=True)) from None
        except ConnectionRefusedError:
            raise _Failed(ProbeFailure(
                Rung.TCP, f"{where}: connection refused (nothing listens on that port)",
                {"address": where, "error": "connection refused"})) from None
        except OSError as exc:
            words = exc.strerror or str(exc)
            raise _Failed(ProbeFailure(Rung.TCP, f"{where}: {words.lower()}",
                                       {"address": where, "error": words})) from None
        if tls is None:
            return
        try:  # the name (or address) is checked against the certificate, as redis-py does
            with tls.wrap_socket(sock, server_hostname=host):
                pass
        except ssl.SSLCertVerificationError as exc:
            cert = read_certificate(host, port, timeout_s)
            raise _Failed(_tls_failure(exc, host, cert), cert) from None
        except TimeoutError:
            raise _Failed(ProbeFailure(Rung.TLS, f"connected to {where}, but the TLS handshake did not "
                                       f"finish within {timeout_s:g} s",
                                       {"address": where, "timeout": f"{timeout_s:g} s"},
                                       timed_out=True)) from None
        except (ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            plain = "WRONG_VERSION_NUMBER" in str(reason).upper() or isinstance(exc, ConnectionResetError)
            summary = (f"{where} does not speak TLS (is it a plain redis:// port?)" if plain
                       else f"the TLS handshake with {where} failed ({reason})")
            raise _Failed(ProbeFailure(Rung.TLS, summary, {"address": where, "error": str(reason)})) from None
    finally:
        sock.close()


def _command_failure(exc: BaseException, where: str, command: str, timeout_s: float) -> Exception:
    """A redis-py exception as `_Refused` (credentials, ACL) or `_Failed` (everything else)."""
    import redis.exceptions as rex

    text = str(exc) or type(exc).__name__
    word = text.split(" ", 1)[0].upper()
    if isinstance(exc, rex.NoPermissionError) or word == "NOPERM":
        return _Refused("NOPERM", command, text if word == "NOPERM" else f"NOPERM {text}")
    auth_words = ("invalid username-password", "Authentication required", "without any password")
    if isinstance(exc, rex.AuthenticationError | rex.AuthenticationWrongNumberOfArgsError) or word in (
            "NOAUTH", "WRONGPASS") or any(w in text for w in auth_words):
        if word not in ("NOAUTH", "WRONGPASS"):  # redis-py drops the reply's first word
            word = ("NOAUTH" if "required" in text.lower() else
                    "WRONGPASS" if "username-password" in text else "ERR")
            text = f"{word} {text}" if word != "ERR" else text
        return _Refused(word, command, text)
    if isinstance(exc, rex.TimeoutError | TimeoutError):
        return _Failed(ProbeFailure(Rung.PROTOCOL, f"connected to {where}, but no answer to {command} "
                                    f"within {timeout_s:g} s", {"address": where, "command": command,
                                                                 "timeout": f"{timeout_s:g} s"},
                                    timed_out=True))
    if isinstance(exc, rex.ConnectionError | OSError):
        return _Failed(ProbeFailure(Rung.PROTOCOL, f"{where} closed the connection during {command} "
                                    f"({text})", {"address": where, "command": command, "error": text}))
    return _Failed(ProbeFailure(Rung.PROTOCOL, f"{where} answered {command} with an error: {text}",
                                {"address": where, "command": command, "error": text}))


class _Node:
    """One Redis connection with the probe's policy; every call goes through `run`."""

    def __init__(self, client: redis.Redis, where: str, timeout_s: float) -> None:
        self.client, self.where, self.timeout_s = client, where, timeout_s

    def run(self, command: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:
            raise _command_failure(exc, self.where, command, self.timeout_s) from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


def _command(node: _Node, *args: str) -> Any:
    return node.client.execute_command(*args)  # type: ignore[no-untyped-call]


def _connect(kwargs: dict[str, Any], where: str, timeout_s: float) -> _Node:
    import redis as redis_mod

    command = "AUTH" if kwargs.get("password") else "PING"
    try:  # a single-connection client connects (and authenticates) here
        client = redis_mod.Redis(**kwargs)
    except Exception as exc:
        raise _command_failure(exc, where, command, timeout_s) from None
    node = _Node(client, where, timeout_s)
    node.run("PING", client.ping)
    return node


def _node_kwargs(options: dict[str, Any], timeout_s: float, verify_tls: bool,
                 ca_file: str | None) -> tuple[dict[str, Any], str, ssl.SSLContext | None, str | None, int]:
    """redis.Redis kwargs from parsed URL options; (kwargs, where, tls context, host, port)."""
    from redis.connection import SSLConnection, UnixDomainSocketConnection

    options = dict(options)
    connection_class = options.pop("connection_class", None)
    kwargs = {**_base_kwargs(timeout_s), **options}
    tls: ssl.SSLContext | None = None
    if connection_class is UnixDomainSocketConnection:
        kwargs["unix_socket_path"] = kwargs.pop("path", None)
        return kwargs, str(kwargs["unix_socket_path"]), None, None, 0
    host = str(kwargs.get("host") or "localhost")
    port = int(kwargs.get("port") or 6379)
    if connection_class is SSLConnection:
        kwargs.update(_tls_kwargs(options, verify_tls, ca_file))
        kwargs["ssl"] = True
        try:
            tls = _tls_context({k: v for k, v in kwargs.items() if k.startswith("ssl_")})
        except (OSError, ValueError, ssl.SSLError) as exc:
            raise _Failed(ProbeFailure(Rung.TLS, f"the TLS options cannot be used ({exc})",
                                       {"address": f"{host}:{port}", "error": str(exc)})) from None
    return kwargs, f"{host}:{port}", tls, host, port


def _open(options: dict[str, Any], timeout_s: float, verify_tls: bool, ca_file: str | None) -> _Node:
    kwargs, where, tls, host, port = _node_kwargs(options, timeout_s, verify_tls, ca_file)
    if host is not None:
        _ladder(host, port, timeout_s, tls)
    elif not _socket_exists(str(kwargs["unix_socket_path"])):
        raise _Failed(ProbeFailure(Rung.TCP, f"no Redis socket at {where}",
                                   {"socket": where, "error": "no such file"}))
    return _connect(kwargs, where, timeout_s)


def _socket_exists(path: str) -> bool:
    import os
    import stat

    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


# ----------------------------------------------------------------------------- server facts

def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _server_facts(node: _Node) -> ServerFacts:
    info_refused = config_refused = ""
    info: dict[str, Any] = {}
    for section in ("server", "replication", "persistence", "memory", "stats"):
        try:
            info.update(node.run("INFO", partial(node.client.info, section)))
        except _Refused as refused:
            info_refused = refused.text
            break
    save: str | None = None
    try:
        reply = node.run("CONFIG GET", lambda: node.client.config_get("save"))
        raw = reply.get("save", reply.get(b"save")) if isinstance(reply, dict) else None
        save = raw.decode() if isinstance(raw, bytes) else raw
    except _Refused as refused:
        config_refused = refused.text
    except _Failed as failed:
        if "unknown command" not in failed.failure.summary.lower() and "ERR" not in failed.failure.summary:
            raise
        config_refused = failed.failure.evidence.get("error", failed.failure.summary)
    aof = info.get("aof_enabled")
    policy = info.get("maxmemory_policy")
    return ServerFacts(
        address=node.where, version=str(info.get("redis_version", "")), role=str(info.get("role", "")),
        aof_enabled=None if aof is None else bool(_int(aof)), save=save,
        maxmemory=_int(info.get("maxmemory")),
        maxmemory_policy=policy.decode() if isinstance(policy, bytes) else policy,
        evicted_keys=_int(info.get("evicted_keys")), info_refused=info_refused,
        config_refused=config_refused)


# ----------------------------------------------------------------------------- keys

def _pipelined_ttls(node: _Node, keys: list[bytes]) -> list[int]:
    """TTL of every key, pipelined on the node's one connection: the commands packed in one
    write, the integer replies read straight off the socket (redis-py's pipeline spends most of
    a big scan packing and parsing one command at a time). Raises like redis-py does: an error
    reply as `ResponseError` (NOPERM as `NoPermissionError`), a closed socket as
    `ConnectionError`, a slow one as `TimeoutError`."""
    import redis.exceptions as rex

    connection = node.client.connection
    if connection is None:
        raise rex.ConnectionError("no connection")
    if not _has_raw_socket(connection):  # a redis-py without it: its own (slower) pipeline
        return _library_pipelined_ttls(node, keys)
    connection.send_packed_command(  # type: ignore[no-untyped-call]
        [b"".join(b"*2\r\n$3\r\nTTL\r\n$%d\r\n%b\r\n" % (len(key), key) for key in keys)])
    sock = connection._sock  # the replies follow the SCAN reply redis-py has read in full
    if sock is None:
        raise rex.ConnectionError("no connection")
    buffer = bytearray()
    lines = 0
    try:
        while lines < len(keys):
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise rex.ConnectionError("Connection closed by server.")
            start = max(len(buffer) - 1, 0)
            buffer += chunk
            lines += buffer.count(b"\r\n", start)
    except TimeoutError:
        raise rex.TimeoutError("Timeout reading from socket") from None
    except OSError as exc:
        raise rex.ConnectionError(str(exc)) from None
    replies = bytes(buffer).split(b"\r\n")
    if lines != len(keys) or replies[-1]:
        connection.disconnect()
        raise rex.ConnectionError("unexpected data after the TTL replies")
    out: list[int] = []
    for reply in replies[:-1]:
        if reply[:1] != b":":
            text = reply[1:].decode("utf-8", "replace")
            if text.startswith("NOPERM"):
                raise rex.NoPermissionError(text)
            raise rex.ResponseError(text)
        out.append(int(reply[1:]))
    return out


def _has_raw_socket(connection: Any) -> bool:
    """True when the connection keeps its socket where redis-py 5-8 does (`_sock`)."""
    return hasattr(connection, "_sock")


def _library_pipelined_ttls(node: _Node, keys: list[bytes]) -> list[int]:
    """The same TTLs through redis-py's own pipeline (no transaction): what `_pipelined_ttls`
    falls back to when the connection's socket is not where redis-py 5-8 keeps it."""
    pipe = node.client.pipeline(transaction=False)
    for key in keys:
        pipe.ttl(key)
    return [int(ttl) for ttl in pipe.execute()]


class _Counter:
    def __init__(self, prefix: str, ttl_limit_s: int | None) -> None:
        self.prefix = prefix
        self.own = prefix.encode() + TOKEN_MARK
        self.own_user = prefix.encode() + USER_MARK
        self.ttl_limit_s = ttl_limit_s
        self.scanned = self.token_keys = self.no_ttl = self.user_keys = self.other = 0
        self.over_limit = 0
        self.ttl_max: int | None = None
        self.buckets = [0] * (len(TTL_BUCKETS) + 1)
        self.others: dict[str, int] = {}

    def add_batch(self, keys: list[bytes], node: _Node) -> None:
        own: list[bytes] = []
        own_token, own_user = self.own, self.own_user
        for key in keys:
            if key.startswith(own_token):
                if key.endswith(b":revoked"):
                    own.append(key)
            elif key.startswith(own_user):
                if key.endswith(b":revoked_at"):
                    self.user_keys += 1
            elif (TOKEN_MARK in key and key.endswith(b":revoked")) or (
                    USER_MARK in key and key.endswith(b":revoked_at")):
                self.other += 1
                mark = TOKEN_MARK if TOKEN_MARK in key else USER_MARK
                name = key.split(mark, 1)[0].decode("utf-8", "replace")
                if name in self.others or len(self.others) < MAX_OTHER_PREFIXES:
                    self.others[name] = self.others.get(name, 0) + 1
        self.scanned += len(keys)
        if not own:
            return
        bounds = [bound for bound, _ in TTL_BUCKETS]
        limit = self.ttl_limit_s
        for ttl in node.run("TTL", partial(_pipelined_ttls, node, own)):
            self.token_keys += 1
            if ttl < 0:
                if ttl == -1:
                    self.no_ttl += 1
                continue  # -2: expired between SCAN and TTL
            if self.ttl_max is None or ttl > self.ttl_max:
                self.ttl_max = ttl
            if limit is not None and ttl > limit:
                self.over_limit += 1
            self.buckets[bisect_right(bounds, ttl)] += 1

    def stats(self, *, complete: bool, nodes: int, elapsed_s: float, stopped: str) -> KeyStats:
        labels = [label for _, label in TTL_BUCKETS] + [TTL_OVER]
        return KeyStats(
            prefix=self.prefix, scanned=self.scanned, token_keys=self.token_keys, token_no_ttl=self.no_ttl,
            ttl_histogram=tuple(zip(labels, self.buckets, strict=True)), ttl_max_s=self.ttl_max,
            ttl_limit_s=self.ttl_limit_s, ttl_over_limit=self.over_limit, user_keys=self.user_keys,
            other_prefix_keys=self.other, other_prefixes=tuple(sorted(self.others.items())),
            complete=complete, nodes=nodes, elapsed_s=elapsed_s, stopped=stopped)


def _scan(node: _Node, counter: _Counter, until: float | None,
          on_progress: Callable[[int], None] | None) -> str:
    """SCAN the node's keyspace (MATCH *:auth:*); '' when done, else why it stopped."""
    cursor = 0
    while True:
        if until is not None and time.monotonic() >= until:
            return "the run's deadline came first (raise --timeout to scan every key)"
        reply: tuple[int, list[bytes]] = node.run(
            "SCAN", partial(node.client.scan, cursor, match="*:auth:*", count=SCAN_COUNT))
        cursor, keys = reply
        if keys:
            counter.add_batch(keys, node)
            if on_progress is not None:
                on_progress(counter.scanned)
        if int(cursor) == 0:
            return ""


# ----------------------------------------------------------------------------- topologies

def _sentinel(target: RedisTarget, options: dict[str, Any], timeout_s: float, verify_tls: bool,
              ca_file: str | None) -> tuple[_Node, SentinelFacts]:
    """Ask the Sentinels for the master (as redis-py's Sentinel.discover_master: the first that
    knows it), read its replicas, and connect to it with the URL's credentials."""
    from authdoctor.checks.redis import sentinel_service

    service = sentinel_service(target.url)
    parts = urlsplit(target.url)
    # 0.12.4 `parse_redis_url` hands urlparse's username and password to Sentinel as they are
    # written: no percent-decoding (unlike redis.from_url for a plain REDIS_URL).
    username = parts.username or None
    password = parts.password or None
    unreachable: list[str] = []
    last: Exception | None = None
    for host, port in target.sentinels:
        where = f"{host}:{port}"
        try:
            _ladder(host, port, timeout_s, None)
            node = _connect({**_base_kwargs(timeout_s), "host": host, "port": port, "username": username,
                             "password": password}, where, timeout_s)
        except _Failed as failed:
            unreachable.append(f"{where}: {failed.failure.summary}")
            last = failed
            continue
        except _Refused as refused:
            last = refused
            unreachable.append(f"{where}: {refused.text}")
            continue
        try:
            master = node.run("SENTINEL MASTER", partial(_command, node, "SENTINEL MASTER", service))
        except _Failed as failed:
            node.close()
            text = failed.failure.evidence.get("error", failed.failure.summary)
            if "No such master" in text:
                raise _Failed(ProbeFailure(
                    Rung.APPLICATION, f"the Sentinel at {where} monitors no master named {service!r}",
                    {"sentinel": where, "master name": service, "reply": text})) from None
            unreachable.append(f"{where}: {failed.failure.summary}")
            last = failed
            continue
        master = _pairs(master)
        replicas_raw = node.run("SENTINEL REPLICAS", partial(_command, node, "SENTINEL REPLICAS", service))
        node.close()
        replicas = tuple(ReplicaState(address=f"{r.get('ip')}:{r.get('port')}", flags=str(r.get("flags", "")),
                                      link=str(r.get("master-link-status", "")))
                         for r in (_pairs(item) for item in replicas_raw or []))
        facts = SentinelFacts(
            sentinel=where, master_name=service,
            master_address=f"{master.get('ip')}:{master.get('port')}",
            master_flags=str(master.get("flags", "")),
            replicas=replicas, other_sentinels=_int(master.get("num-other-sentinels")) or 0,
            unreachable=tuple(unreachable))
        if any(flag in facts.master_flags for flag in ("s_down", "o_down")):
            raise _Failed(ProbeFailure(
                Rung.APPLICATION, f"the Sentinels mark the master {service!r} at {facts.master_address} "
                f"as down ({facts.master_flags})", {"sentinel": where, "master": facts.master_address,
                                                     "flags": facts.master_flags}))
        master_options = {**{k: v for k, v in options.items() if k not in ("host", "port")},
                          "host": str(master.get("ip")), "port": _int(master.get("port")) or 6379}
        return _open(master_options, timeout_s, verify_tls, ca_file), facts
    if isinstance(last, _Refused):
        raise last
    evidence = {"sentinels": ", ".join(unreachable) or "(none)", "master name": service}
    failed_first = last.failure if isinstance(last, _Failed) else None
    why = f" ({failed_first.summary})" if failed_first else ""
    raise _Failed(ProbeFailure(
        failed_first.rung if failed_first else Rung.TCP,
        "no Sentinel in REDIS_SENTINEL_HOSTS answered" + why,
        evidence, timed_out=bool(failed_first and failed_first.timed_out)))


def _pairs(reply: Any) -> dict[str, Any]:
    """A Sentinel reply (flat list or dict, bytes or str) as a dict of str."""
    if isinstance(reply, dict):
        items = list(reply.items())
    else:
        seq = list(reply or [])
        items = list(zip(seq[::2], seq[1::2], strict=False))
    return {(k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else v)
            for k, v in items}


def _cluster(first: _Node, options: dict[str, Any], timeout_s: float, verify_tls: bool,
             ca_file: str | None) -> tuple[list[tuple[str, _Node | None, str]], ClusterFacts,
                                           list[tuple[int, int, str]]]:
    info = first.run("CLUSTER INFO", partial(_command, first, "CLUSTER INFO"))
    if isinstance(info, bytes):
        info = info.decode()
    if isinstance(info, str):
        info = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    slots = first.run("CLUSTER SLOTS", partial(_command, first, "CLUSTER SLOTS"))
    ranges: list[tuple[int, int, str]] = []
    masters: dict[str, tuple[str, int]] = {}
    for entry in _slot_entries(slots):
        start, end, host, port = entry
        address = f"{host or first.where.rsplit(':', 1)[0]}:{port}"
        ranges.append((start, end, address))
        masters.setdefault(address, (address.rsplit(":", 1)[0], port))
    nodes: list[tuple[str, _Node | None, str]] = []
    for address, (host, port) in sorted(masters.items()):
        if address == first.where:
            nodes.append((address, first, ""))
            continue
        try:
            nodes.append((address, _open({**options, "host": host, "port": port}, timeout_s, verify_tls,
                                         ca_file), ""))
        except (_Failed, _Refused) as exc:
            nodes.append((address, None, exc.failure.summary if isinstance(exc, _Failed) else exc.text))
    facts = ClusterFacts(state=str(info.get("cluster_state", "")),
                         slots_assigned=_int(info.get("cluster_slots_assigned")) or 0,
                         slots_ok=_int(info.get("cluster_slots_ok")) or 0,
                         masters=tuple(address for address, _, _ in nodes),
                         masters_failed=tuple(f"{a}: {why}" for a, n, why in nodes if n is None))
    return nodes, facts, ranges


def _slot_entries(slots: Any) -> Iterator[tuple[int, int, str, int]]:
    if isinstance(slots, dict):  # redis-py's parsed form: {(start, end): {"primary": (host, port), ...}}
        for (start, end), nodes in slots.items():
            host, port = nodes["primary"][:2]
            yield int(start), int(end), host.decode() if isinstance(host, bytes) else str(host), int(port)
        return
    for entry in slots or []:
        host, port = entry[2][0], entry[2][1]
        yield int(entry[0]), int(entry[1]), host.decode() if isinstance(host, bytes) else str(host), int(port)


# ----------------------------------------------------------------------------- token

def _token_state(node_for: Callable[[bytes], _Node | None], prefix: str, token: TokenQuery) -> TokenState:
    revoked, ttl, revoked_at = False, None, None
    if token.jti:
        key = f"{prefix}:auth:token:{token.jti}:revoked".encode()
        node = node_for(key)
        if node is not None:
            value = node.run("GET", partial(node.client.get, key))
            if value:
                revoked = True
                ttl = node.run("TTL", partial(node.client.ttl, key))
    if token.user_id:
        key = f"{prefix}:auth:user:{token.user_id}:revoked_at".encode()
        node = node_for(key)
        if node is not None:
            value = node.run("GET", partial(node.client.get, key))
            if value is not None:
                revoked_at = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return TokenState(jti=token.jti, user_id=token.user_id, revoked=revoked, revoked_ttl_s=ttl,
                      user_revoked_at=revoked_at)


# ----------------------------------------------------------------------------- entry point

def inspect_redis(target: RedisTarget, *, timeout_s: float, verify_tls: bool = True,
                  ca_file: str | None = None, scan: bool = True, ttl_limit_s: int | None = None,
                  token: TokenQuery | None = None, scan_until: float | None = None,
                  on_progress: Callable[[int], None] | None = None) -> RedisObservation:
    """Connect as the app would, read the server's facts, SCAN the revocation keys (`scan`) and
    look up one token (`token`). Never raises for a network, protocol or credentials failure."""
    address = "sentinels " + ", ".join(f"{h}:{p}" for h, p in target.sentinels) if target.sentinels \
        else masked_address(target.url)
    base = RedisObservation(topology=target.topology, address=address, prefix=target.prefix,
                            tls=target.url.lower().startswith("rediss://"))
    try:
        options = _url_options(target.url) if not target.sentinels else {}
    except (ValueError, TypeError) as exc:
        return replace(base, failure=ProbeFailure(Rung.PROTOCOL, f"the URL cannot be used ({exc})",
                                                  {"error": str(exc)}))
    opened: list[_Node] = []
    sentinel: SentinelFacts | None = None
    cluster: ClusterFacts | None = None
    server: ServerFacts | None = None
    try:
        if target.sentinels:
            from authdoctor.checks.redis import sentinel_url_problem

            if sentinel_url_problem(target.url) is None:
                parts = urlsplit(target.url)
                # As 0.12.4's Sentinel client: plain TCP to the master even for rediss:// (it passes
                # no ssl options), and the URL's credentials as written (no percent-decoding).
                options = {"db": int(parts.path.lstrip("/") or "0")}
                if parts.username:
                    options["username"] = parts.username
                if parts.password:
                    options["password"] = parts.password
            node, sentinel = _sentinel(target, options, timeout_s, verify_tls, ca_file)
            base = replace(base, address=node.where)
            opened.append(node)
            nodes: list[tuple[str, _Node | None, str]] = [(node.where, node, "")]
            ranges: list[tuple[int, int, str]] = []
        else:
            node = _open(options, timeout_s, verify_tls, ca_file)
            opened.append(node)
            nodes = [(node.where, node, "")]
            ranges = []
            if target.cluster:
                nodes, cluster, ranges = _cluster(node, options, timeout_s, verify_tls, ca_file)
                opened.extend(n for _, n, _ in nodes if n is not None and n is not node)
        server = _server_facts(node)
    except _Failed as failed:
        _close(opened)
        return replace(base, failure=failed.failure, certificate=failed.certificate, sentinel=sentinel)
    except _Refused as refused:
        _close(opened)
        return replace(base, auth_refused=refused.word, refused_command=refused.command,
                       refused_text=refused.text, sentinel=sentinel)
    result = replace(base, server=server, sentinel=sentinel, cluster=cluster)
    live = [(a, n) for a, n, _ in nodes if n is not None]
    try:
        if token is not None:
            by_address = dict(live)

            def node_for(key: bytes) -> _Node | None:
                if not ranges:
                    return live[0][1] if live else None
                from redis.crc import key_slot

                slot = key_slot(key)
                owner = next((a for s, e, a in ranges if s <= slot <= e), None)
                return by_address.get(owner) if owner else None

            result = replace(result, token=_token_state(node_for, target.prefix, token))
        if scan:
            counter = _Counter(target.prefix, ttl_limit_s)
            stopped = ""
            scan_started = time.monotonic()
            try:
                for _, n in live:
                    stopped = _scan(n, counter, scan_until, on_progress)
                    if stopped:
                        break
            except _Failed as exc:
                keys = counter.stats(complete=False, nodes=len(live),
                                     elapsed_s=time.monotonic() - scan_started, stopped=exc.failure.summary)
                return replace(result, keys=keys, scan_failure=exc.failure)
            except _Refused as exc:
                keys = counter.stats(complete=False, nodes=len(live),
                                     elapsed_s=time.monotonic() - scan_started,
                                     stopped=f"{exc.command} refused: {exc.text}")
                return replace(result, keys=keys, auth_refused=exc.word, refused_command=exc.command,
                               refused_text=exc.text)
            incomplete = bool(stopped) or len(live) < len(nodes)
            result = replace(result, keys=counter.stats(
                complete=not incomplete, nodes=len(live), elapsed_s=time.monotonic() - scan_started,
                stopped=stopped or ("masters not read: " + "; ".join(why for _, n, why in nodes if n is None)
                                    if len(live) < len(nodes) else "")))
    except _Failed as failed:
        return replace(result, scan_failure=failed.failure)
    except _Refused as refused:  # the token's GET refused by an ACL
        return replace(result, auth_refused=refused.word, refused_command=refused.command,
                       refused_text=refused.text)
    finally:
        _close(opened)
    return result


def _close(nodes: list[_Node]) -> None:
    for node in nodes:
        node.close()


__all__ = ["READ_ONLY_COMMANDS", "ClusterFacts", "KeyStats", "RedisObservation", "RedisTarget",
           "ReplicaState", "SentinelFacts", "ServerFacts", "TokenQuery", "TokenState", "inspect_redis",
           "masked_address"]
