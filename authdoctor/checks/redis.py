"""Redis: token revocation and multi-process state (the settings half, and the live half).

Open WebUI 0.12.4 only revokes a token on sign-out when it has a Redis client
(`utils/auth.invalidate_token` writes `{REDIS_KEY_PREFIX}:auth:token:{jti}:revoked`); without one,
`POST /api/v1/auths/signout` answers 200 and the old token keeps working until it expires
(recorded live). The client comes from `utils/redis.get_redis_client()`, which:

- returns None when neither `REDIS_URL` nor `REDIS_SENTINEL_HOSTS` is set;
- parses `REDIS_SENTINEL_PORT` with `int()` *outside* its try block, so a bad port with Sentinel
  hosts makes the app's startup fail;
- returns None (logging only at debug level) when building the connection raises: an
  unsupported scheme (standalone/cluster: `redis`, `rediss`, `unix` via redis-py `from_url`;
  Sentinel: `redis`, `rediss` via `parse_redis_url`), a port that is not a number, a Sentinel db
  that is not a number, or Sentinel hosts without `REDIS_URL`. The app then runs without Redis.

The websocket manager (`socket/main.py`) is Redis only for `WEBSOCKET_MANAGER` exactly `redis`;
it builds its connections at import time without a try, so an invalid `WEBSOCKET_REDIS_URL`
(default `REDIS_URL`) stops the app from starting.

Failure modes named here: `redis.not-configured`, `redis.url-invalid`,
`redis.sentinel-config-invalid`, `redis.websocket-not-redis`.

Live half (`check_live`, unless --offline): connect read-only exactly as the app would
(`authdoctor.probes.redis`), read persistence, eviction and the Sentinel/Cluster state, SCAN the
revocation keys, and look up `test_account.token` (`--token` of `redis inspect`); the findings are
decided in `authdoctor.checks._redis_live` (`redis.unreachable`, `redis.auth-failed`,
`redis.revocation-not-persistent`, `redis.eviction-may-drop-revocations`, `redis.topology-degraded`,
`redis.key-prefix-mismatch`, `redis.revocation-key-no-ttl`, `redis.revocation-ttl-too-long`,
`jwt.revoked`).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url
from authdoctor.openwebui.envread import env_int_or, env_true, getenv, int_or_none
from authdoctor.settings.model import Deployment, EnvSource

if TYPE_CHECKING:
    from authdoctor.probes.redis import RedisObservation, RedisTarget, TokenQuery

AREA = "redis"
SENTINEL_SCHEMES = frozenset({"redis", "rediss"})


# --------------------------------------------------------------------------- app-exact parsing


def sentinel_hosts(hosts_csv: str) -> list[str]:
    """`get_sentinels_from_env`: comma-separated, stripped, empty entries dropped."""
    return [host.strip() for host in hosts_csv.split(",") if host.strip()]


def sentinel_url_problem(url: str) -> str | None:
    """Why `parse_redis_url(url)` (0.12.4 utils/redis.py) raises, or None."""
    try:
        parts = urlparse(url)
    except ValueError as exc:
        return f"it cannot be parsed ({exc})"
    if parts.scheme not in SENTINEL_SCHEMES:
        return (f"the scheme is {parts.scheme + '://' if parts.scheme else 'missing'}; with "
                "Sentinel only redis:// and rediss:// are accepted")
    try:
        _ = parts.port
    except ValueError:
        return "the port is not a number between 0 and 65535"
    if int_or_none(parts.path.lstrip("/") or "0") is None:
        return f"the database number {parts.path.lstrip('/')!r} is not an integer"
    return None


def sentinel_service(url: str) -> str:
    """The Sentinel master (service) name the app takes from the URL's host part."""
    try:
        netloc = urlparse(url).netloc
    except ValueError:
        netloc = ""
    return netloc.rpartition("@")[2].split(":")[0] or "mymaster"


def standalone_url_problem(url: str) -> str | None:
    """Why redis-py's `from_url(url)` (what the app calls for a standalone or cluster Redis)
    raises, or None. Uses redis-py's own parser (imported lazily); a plain redis:// URL is
    answered without importing it (`_plain_parse`: --offline start-up)."""
    from authdoctor.checks._plain_parse import plain_redis_url_accepted

    if plain_redis_url_accepted(url):
        return None
    from redis.asyncio.connection import parse_url

    try:
        parse_url(url)
    except ValueError as exc:
        text = str(exc)
        if "scheme" in text:
            scheme = url.split("://", 1)[0] if "://" in url else ""
            return (f"the scheme is {scheme + '://' if scheme else 'missing'}; Redis URLs start "
                    "with redis://, rediss:// or unix://")
        if "Port" in text or "port" in text:
            return "the port is not a number between 0 and 65535"
        return text
    return None


@dataclass(frozen=True)
class RedisPlan:
    """What `get_redis_client()` will do with these settings."""

    url: str
    sentinels: list[str]
    cluster: bool

    @property
    def configured(self) -> bool:
        return bool(self.url) or bool(self.sentinels)


def plan(env: EnvSource) -> RedisPlan:
    hosts = getenv(env, "REDIS_SENTINEL_HOSTS", "")
    return RedisPlan(url=getenv(env, "REDIS_URL", ""), sentinels=sentinel_hosts(hosts),
                     cluster=env_true(env, "REDIS_CLUSTER", "False"))


def process_count(deployment: Deployment) -> tuple[int, str]:
    """How many app processes share the state, and how we know."""
    workers = env_int_or(deployment.env, "UVICORN_WORKERS", 1, minimum=1)
    replicas = deployment.replica_count
    if replicas > 1 and workers > 1:
        return replicas * workers, f"{replicas} replicas × UVICORN_WORKERS={workers}"
    if replicas > 1:
        return replicas, f"{replicas} replicas"
    if workers > 1:
        return workers, f"UVICORN_WORKERS={workers}"
    return 1, "one process"


def websocket_uses_redis(env: EnvSource) -> bool:
    return getenv(env, "WEBSOCKET_MANAGER", "") == "redis"


# --------------------------------------------------------------------------- findings

_NO_REVOCATION = ("sign-out answers 200 but does not revoke the token: a copied or stolen token "
                  "keeps working until it expires (JWT_EXPIRES_IN, default 4 weeks); only a "
                  "password change invalidates earlier tokens")


def revocation_redis_findings(env: EnvSource, deployment: Deployment) -> list[Finding]:
    """`redis.url-invalid`, `redis.sentinel-config-invalid`, or `redis.not-configured`."""
    p = plan(env)
    processes, how = process_count(deployment)
    backchannel = env_true(env, "ENABLE_OAUTH_BACKCHANNEL_LOGOUT", "False")
    # The websocket manager falls back to REDIS_URL, and without WEBSOCKET_SENTINEL_HOSTS it
    # parses it as a standalone URL at import (an error there stops the app).
    ws_same_url = (websocket_uses_redis(env) and env.get("WEBSOCKET_REDIS_URL") is None
                   and not sentinel_hosts(getenv(env, "WEBSOCKET_SENTINEL_HOSTS", "")))

    if not p.configured:
        reasons = []
        if processes > 1:
            reasons.append(f"{how}: sign-in rate limits and websocket state are kept per process")
        if backchannel:
            reasons.append("ENABLE_OAUTH_BACKCHANNEL_LOGOUT=true: an IdP logout deletes the OAuth "
                           "session but cannot revoke the Open WebUI tokens without Redis")
        return [finding(
            "redis.not-configured",
            "no Redis: signing out does not revoke tokens",
            detail=("Neither REDIS_URL nor REDIS_SENTINEL_HOSTS is set, so " + _NO_REVOCATION
                    + "." + (" Also " + "; ".join(reasons) + "." if reasons else "")),
            fix=("Set REDIS_URL=redis://:<password>@<host>:6379/0 (a Redis that persists its data), "
                 "or shorten JWT_EXPIRES_IN if revocation is not needed."),
            evidence={"REDIS_URL": "<unset>", "processes": how,
                      **({"ENABLE_OAUTH_BACKCHANNEL_LOGOUT": "true"} if backchannel else {})},
            subject="REDIS_URL",
            severity=Severity.WARNING if (processes > 1 or backchannel) else Severity.INFO,
        )]

    runs_without = ("Open WebUI still starts, but get_redis_client() swallows the error (it is "
                    "logged only at debug level) and the app runs without Redis: " + _NO_REVOCATION
                    + ".")
    if p.sentinels:
        return _sentinel_findings(env, p, runs_without, ws_same_url)

    problem = standalone_url_problem(p.url)
    if problem is None:
        return []
    consequence = runs_without
    if ws_same_url:
        consequence = ("WEBSOCKET_MANAGER=redis uses the same URL (WEBSOCKET_REDIS_URL is not set) "
                       "and builds its connection at import without catching the error, so Open "
                       "WebUI does not start.")
    return [finding(
        "redis.url-invalid",
        f"REDIS_URL is not a usable Redis URL: {problem}",
        detail=f"REDIS_URL={mask_url(p.url)!r}: {problem}. {consequence}",
        fix="Set REDIS_URL=redis://[:password@]host:6379/0 (rediss:// for TLS, unix:///path for a "
            "socket).",
        evidence={"REDIS_URL": mask_url(p.url)},
        subject="REDIS_URL", location=env.location("REDIS_URL"),
        severity=Severity.ERROR,
    )]


def _looks_like_host(name: str) -> bool:
    if name == "localhost" or "." in name:
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _sentinel_findings(env: EnvSource, p: RedisPlan, runs_without: str,
                       ws_same_url: bool) -> list[Finding]:
    findings: list[Finding] = []
    port_raw = getenv(env, "REDIS_SENTINEL_PORT", "26379")
    hosts = ", ".join(p.sentinels)
    if port_raw and int_or_none(port_raw) is None:
        return [finding(
            "redis.sentinel-config-invalid",
            f"REDIS_SENTINEL_PORT={port_raw!r} is not a number: Open WebUI does not start",
            detail=("With REDIS_SENTINEL_HOSTS set, get_redis_client() converts REDIS_SENTINEL_PORT "
                    "with int() outside its error handling, during startup; the ValueError stops "
                    "the app."),
            fix="Set REDIS_SENTINEL_PORT to the Sentinels' port (default 26379).",
            evidence={"REDIS_SENTINEL_PORT": port_raw, "REDIS_SENTINEL_HOSTS": hosts},
            subject="REDIS_SENTINEL_PORT", location=env.location("REDIS_SENTINEL_PORT"),
            severity=Severity.ERROR,
        )]
    if not p.url:
        return [finding(
            "redis.sentinel-config-invalid",
            "REDIS_SENTINEL_HOSTS is set without REDIS_URL: the app runs without Redis",
            detail=("With Sentinel the app reads the master name, password and database from "
                    "REDIS_URL; an empty REDIS_URL fails to parse. " + runs_without),
            fix="Set REDIS_URL=redis://:<password>@<master-name>:6379/0 (the host part is the "
                "Sentinel master name, e.g. mymaster).",
            evidence={"REDIS_SENTINEL_HOSTS": hosts, "REDIS_URL": "<unset>"},
            subject="REDIS_URL", severity=Severity.ERROR,
        )]
    problem = sentinel_url_problem(p.url)
    if problem is not None:
        consequence = runs_without
        if ws_same_url and standalone_url_problem(p.url) is not None:
            consequence = ("WEBSOCKET_MANAGER=redis connects to the same URL at import without "
                           "catching the error, so Open WebUI does not start.")
        return [finding(
            "redis.url-invalid",
            f"REDIS_URL is not usable with Sentinel: {problem}",
            detail=f"REDIS_URL={mask_url(p.url)!r}: {problem}. {consequence}",
            fix="Set REDIS_URL=redis://:<password>@<master-name>:6379/0.",
            evidence={"REDIS_URL": mask_url(p.url), "REDIS_SENTINEL_HOSTS": hosts},
            subject="REDIS_URL", location=env.location("REDIS_URL"), severity=Severity.ERROR,
        )]
    with_port = [h for h in p.sentinels if ":" in h and not h.startswith("[")]
    if with_port:
        findings.append(finding(
            "redis.sentinel-config-invalid",
            "REDIS_SENTINEL_HOSTS entries carry a port: no Sentinel can be reached",
            detail=(f"Entries {', '.join(with_port)}: the app pairs each entry with "
                    f"REDIS_SENTINEL_PORT ({port_raw or 26379}), so it looks up a host literally "
                    "named 'host:port'. Every Redis command then fails: revocation checks fail "
                    "open (revoked tokens are accepted) and sign-out answers 500."),
            fix="List host names only (REDIS_SENTINEL_HOSTS=s1,s2,s3) and put the common port in "
                "REDIS_SENTINEL_PORT.",
            evidence={"REDIS_SENTINEL_HOSTS": hosts, "REDIS_SENTINEL_PORT": port_raw or "26379"},
            subject="REDIS_SENTINEL_HOSTS", location=env.location("REDIS_SENTINEL_HOSTS"),
            severity=Severity.ERROR,
        ))
    service = sentinel_service(p.url)
    if _looks_like_host(service):
        findings.append(finding(
            "redis.sentinel-config-invalid",
            f"with Sentinel, REDIS_URL's host part {service!r} is used as the master name",
            detail=("Open WebUI asks the Sentinels for the master named by REDIS_URL's host part. "
                    f"{service!r} looks like a server address, not a Sentinel master name such "
                    "as 'mymaster'; if no master has that name every Redis command fails: "
                    "revocation checks fail open and sign-out answers 500."),
            fix="Set REDIS_URL=redis://:<password>@<master-name>:6379/0 with the name from the "
                "Sentinels' 'sentinel monitor <master-name> …' line.",
            evidence={"REDIS_URL": mask_url(p.url), "master name": service},
            subject="REDIS_URL", location=env.location("REDIS_URL"), severity=Severity.WARNING,
        ))
    return findings


def websocket_findings(env: EnvSource, deployment: Deployment) -> list[Finding]:
    """`redis.websocket-not-redis` and an unusable websocket Redis URL."""
    processes, how = process_count(deployment)
    manager = getenv(env, "WEBSOCKET_MANAGER", "")
    if not websocket_uses_redis(env):
        near_miss = manager.strip().lower() == "redis"
        if processes <= 1 and not near_miss:
            return []
        detail = ("Open WebUI uses the Redis websocket manager only when WEBSOCKET_MANAGER is "
                  "exactly 'redis'" + (f"; {manager!r} is not that, so " if near_miss else "; ")
                  + "each process keeps its own Socket.IO clients and session pool.")
        if processes > 1:
            detail += (f" With {how}, events emitted by one process (streamed replies, "
                       "notifications, forced disconnects after sign-out) never reach clients "
                       "connected to another.")
        return [finding(
            "redis.websocket-not-redis",
            (f"websocket manager is not Redis with {how}" if processes > 1 else
             f"WEBSOCKET_MANAGER={manager!r} is ignored (must be exactly 'redis')"),
            detail=detail,
            fix="Set WEBSOCKET_MANAGER=redis and WEBSOCKET_REDIS_URL (default REDIS_URL).",
            evidence={"WEBSOCKET_MANAGER": manager or "<unset>", "processes": how},
            subject="WEBSOCKET_MANAGER", location=env.location("WEBSOCKET_MANAGER"),
            severity=Severity.WARNING if processes > 1 else Severity.INFO,
        )]
    # WEBSOCKET_MANAGER == 'redis'
    explicit = env.get("WEBSOCKET_REDIS_URL") is not None
    url = getenv(env, "WEBSOCKET_REDIS_URL", getenv(env, "REDIS_URL", ""))
    ws_hosts = sentinel_hosts(getenv(env, "WEBSOCKET_SENTINEL_HOSTS", ""))
    if not explicit and not ws_hosts:
        # Same URL as REDIS_URL: its problems are reported once, by revocation_redis_findings.
        if url:
            return []
        return [_ws_no_url(env)]
    if ws_hosts:
        port_raw = getenv(env, "WEBSOCKET_SENTINEL_PORT", "26379")
        problem = sentinel_url_problem(url) if url else "it is empty"
        if problem is None and port_raw and int_or_none(port_raw) is None:
            problem = f"WEBSOCKET_SENTINEL_PORT={port_raw!r} is not a number"
    else:
        if not url:
            return [_ws_no_url(env)]
        problem = standalone_url_problem(url)
    if problem is None:
        return []
    var = "WEBSOCKET_REDIS_URL" if explicit else "REDIS_URL"
    how_read = "" if explicit else " (WEBSOCKET_REDIS_URL is unset, so REDIS_URL is used)"
    return [finding(
        "redis.url-invalid",
        f"the websocket Redis URL is not usable: {problem}",
        detail=(f"{var}={mask_url(url)!r}{how_read}: {problem}. With WEBSOCKET_MANAGER=redis "
                "socket/main.py builds this connection at import without catching the error, so "
                "Open WebUI does not start."),
        fix="Set WEBSOCKET_REDIS_URL=redis://[:password@]host:6379/0 (with "
            "WEBSOCKET_SENTINEL_HOSTS: the Sentinel master name as host).",
        evidence={var: mask_url(url) if url else "<empty>",
                  **({"WEBSOCKET_SENTINEL_HOSTS": ", ".join(ws_hosts)} if ws_hosts else {})},
        subject="WEBSOCKET_REDIS_URL", location=env.location(var),
        severity=Severity.ERROR,
    )]


def _ws_no_url(env: EnvSource) -> Finding:
    return finding(
        "redis.url-invalid",
        "WEBSOCKET_MANAGER=redis but no Redis URL is set for it",
        detail=("WEBSOCKET_REDIS_URL and REDIS_URL are both empty: the Socket.IO Redis manager "
                "cannot connect (it retries in the background) and the shared session and model "
                "pools have no connection, so realtime features fail."),
        fix="Set WEBSOCKET_REDIS_URL (or REDIS_URL) to redis://[:password@]host:6379/0, or remove "
            "WEBSOCKET_MANAGER.",
        evidence={"WEBSOCKET_MANAGER": "redis", "WEBSOCKET_REDIS_URL": "<unset>",
                  "REDIS_URL": "<unset>"},
        subject="WEBSOCKET_REDIS_URL", location=env.location("WEBSOCKET_MANAGER"),
        severity=Severity.ERROR,
    )


def check_settings(ctx: CheckContext) -> list[Finding]:
    env = ctx.deployment.env
    return [*revocation_redis_findings(env, ctx.deployment), *websocket_findings(env, ctx.deployment)]


# --------------------------------------------------------------------------- live half


def redis_target(env: EnvSource) -> tuple[RedisTarget | None, str]:
    """The probe's target from the settings, as `get_redis_client()` picks it (Sentinel, then
    Cluster, then the URL), or None and why it cannot be probed."""
    from authdoctor.probes.redis import RedisTarget

    p = plan(env)
    prefix = getenv(env, "REDIS_KEY_PREFIX", "open-webui")
    if not p.configured:
        return None, "no Redis is configured (REDIS_URL and REDIS_SENTINEL_HOSTS are unset)"
    if p.sentinels:
        port = int_or_none(getenv(env, "REDIS_SENTINEL_PORT", "26379") or "26379")
        if port is None or not p.url or sentinel_url_problem(p.url) is not None:
            return None, "the Sentinel settings cannot be used (see the finding above)"
        return RedisTarget(url=p.url, sentinels=tuple((h, port) for h in p.sentinels), prefix=prefix), ""
    if standalone_url_problem(p.url) is not None:
        return None, "REDIS_URL cannot be used (see the finding above)"
    return RedisTarget(url=p.url, cluster=p.cluster, prefix=prefix), ""


def token_lifetime(env: EnvSource) -> tuple[int | None, str]:
    """JWT_EXPIRES_IN in whole seconds (None: no expiry or unparsable) and as shown."""
    from authdoctor.openwebui.values import parse_duration

    raw = getenv(env, "JWT_EXPIRES_IN", "4w")
    try:
        delta = parse_duration(raw)
    except (ValueError, OverflowError):
        return None, raw
    return (None if delta is None or delta.total_seconds() <= 0 else int(delta.total_seconds())), raw


def token_query(ctx: CheckContext,
                token: str | None = None) -> tuple[TokenQuery | None, dict[str, Any] | None]:
    """The jti and user id of `token` or else `test_account.token` (decoded without a key), or
    None."""
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token, extract_token
    from authdoctor.probes.redis import TokenQuery

    account = ctx.deployment.test_account
    raw = token or (account.token if account is not None else None)
    if not raw:
        return None, None
    try:
        payload = dict(decode_token(extract_token(raw)).payload)
    except MalformedTokenError:
        return None, None
    jti, user = payload.get("jti"), payload.get("id")
    return TokenQuery(jti=str(jti) if jti else None, user_id=str(user) if user else None), payload


#: The part of the time left before the run's deadline kept back from a key scan (the report
#: still has to be written), at least `SCAN_MARGIN_S`.
SCAN_MARGIN_S = 0.5


async def check_live(ctx: CheckContext, *, summary: bool = False, token: str | None = None) -> list[Finding]:
    """Probe the Redis the settings name (one bounded, read-only inspection in a worker thread)
    and evaluate it. `summary` adds `redis.revocation-keys` (what `redis inspect` counted);
    `token` (`redis inspect --token`) replaces `test_account.token`."""
    import hashlib
    import time

    from authdoctor.checks import _redis_live
    from authdoctor.checks.base import skipped
    from authdoctor.probes.cache import wait_future
    from authdoctor.probes.redis import inspect_redis

    env = ctx.deployment.env
    target, why = redis_target(env)
    if target is None:
        return [skipped(AREA, why)]
    limit, lifetime_shown = token_lifetime(env)
    query, payload = token_query(ctx, token)
    session = ctx.probes
    scan_until = None
    if session.deadline is not None:
        left = session.deadline - time.monotonic()
        scan_until = session.deadline - max(SCAN_MARGIN_S, 0.1 * left)
    timeout = session.budget()
    key = ("redis", hashlib.sha256(repr((target, _SALT)).encode()).hexdigest(), limit,
           query, timeout, session.verify_tls, session.ca_file)

    def work() -> RedisObservation:
        return inspect_redis(target, timeout_s=timeout, verify_tls=session.verify_tls,
                             ca_file=session.ca_file, ttl_limit_s=limit,
                             token=query, scan_until=scan_until,
                             on_progress=lambda n: ctx.progress(AREA, f"{n:,} keys scanned"))

    observation = await wait_future(session.cache.get(key, work))
    shown = mask_url(target.url)
    if target.sentinels:
        shown += " via Sentinels " + ", ".join(f"{h}:{p}" for h, p in target.sentinels)
    return _redis_live.live_findings(observation, url_shown=shown, lifetime_shown=lifetime_shown,
                                     payload=payload, now=ctx.now, summary=summary)


_SALT = os.urandom(16)
"""Keys the memo's digest of the target (a memo key never holds the URL's password)."""

CHECK = CheckSpec(area=AREA, title="Redis and token revocation", settings=check_settings, live=check_live)
