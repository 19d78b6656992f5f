"""The redis area's live half, evaluation only (issue 12): hand-built `RedisObservation`s in, the
findings an operator sees out. Every code and branch of `authdoctor.checks._redis_live`; the real
servers are in tests/lab/test_lab_redis_live.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from authdoctor.checks._redis_live import live_findings
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.redis import (
    ClusterFacts,
    KeyStats,
    RedisObservation,
    ReplicaState,
    SentinelFacts,
    ServerFacts,
    TokenState,
)

NOW = datetime(2026, 11, 28, tzinfo=UTC)
URL = "redis://:****@cache:6379/0"
PERSISTENT = ServerFacts(address="cache:6379", version="7.0.15", role="master", aof_enabled=True,
                         save="3600 1", maxmemory=0, maxmemory_policy="noeviction", evicted_keys=0)
HISTOGRAM = (("< 1h", 1), ("1h-1d", 2), ("1d-1w", 0), ("1w-4w", 0), ("> 4w", 0))
CLEAN_KEYS = KeyStats(prefix="open-webui", scanned=3, token_keys=3, ttl_histogram=HISTOGRAM, ttl_max_s=7200,
                      ttl_limit_s=28800)


def observe(**changes: Any) -> RedisObservation:
    base = RedisObservation(topology="standalone", address="cache:6379", prefix="open-webui",
                            server=PERSISTENT, keys=CLEAN_KEYS)
    return dataclasses.replace(base, **changes)


def run(obs: RedisObservation, *, payload: dict[str, Any] | None = None,
        summary: bool = False) -> list[Finding]:
    return live_findings(obs, url_shown=URL, lifetime_shown="8h", payload=payload, now=NOW, summary=summary)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_healthy_store_has_nothing_to_report_and_the_summary_counts() -> None:
    assert run(observe()) == []
    (summary,) = run(observe(), summary=True)
    assert summary.code == "redis.revocation-keys"
    assert summary.severity is Severity.INFO
    assert summary.title == "3 revoked tokens and 0 per-user revocations under 'open-webui'"
    assert summary.evidence["TTL histogram"] == "< 1h: 1, 1h-1d: 2, 1d-1w: 0, 1w-4w: 0, > 4w: 0"
    assert summary.evidence["persistence"] == "AOF + RDB (save 3600 1)"
    assert summary.evidence["longest TTL"] == "2.0 h"


@pytest.mark.parametrize(("failure", "title", "fix_start"), [
    (ProbeFailure(Rung.DNS, "cache: the name does not exist (NXDOMAIN)", {"name": "cache"}),
     "Redis cannot be reached: cache: the name does not exist (NXDOMAIN)", "Fix the host name in REDIS_URL"),
    (ProbeFailure(Rung.TCP, "cache:6379: connection refused (nothing listens on that port)"),
     "Redis cannot be reached: cache:6379: connection refused (nothing listens on that port)",
     "Make the REDIS_URL host and port reachable"),
    (ProbeFailure(Rung.TLS, "the certificate is signed by a CA this machine does not trust (unknown CA)"),
     "Redis cannot be reached: the certificate is signed by a CA this machine does not trust (unknown CA)",
     "Trust the Redis server's CA"),
    (ProbeFailure(Rung.PROTOCOL, "connected to cache:6379, but no answer to PING within 0.5 s",
                  timed_out=True),
     "Redis cannot be reached: connected to cache:6379, but no answer to PING within 0.5 s",
     "Make the REDIS_URL host and port reachable"),
])
def test_unreachable_names_the_rung_and_says_the_app_fails_open(failure: ProbeFailure, title: str,
                                                                 fix_start: str) -> None:
    (found,) = run(observe(failure=failure, server=None, keys=None))
    assert (found.code, found.severity, found.title) == ("redis.unreachable", Severity.ERROR, title)
    assert found.evidence["failed at"] == failure.rung.value
    assert found.evidence["REDIS_URL"] == URL
    assert "fails open" in found.detail
    assert "sign-out (POST /api/v1/auths/signout) answers 500" in found.detail
    assert found.fix.startswith(fix_start)
    if failure.rung is Rung.DNS:
        assert found.evidence["not attempted"] == "tcp, tls, protocol, application"


def test_sentinel_unreachable_points_at_the_sentinel_settings() -> None:
    failure = ProbeFailure(Rung.APPLICATION, "the Sentinel at s1:26379 monitors no master named 'cache'")
    (found,) = run(observe(topology="sentinel", failure=failure, server=None, keys=None))
    assert found.fix.startswith("Check REDIS_SENTINEL_HOSTS/REDIS_SENTINEL_PORT")


@pytest.mark.parametrize(("word", "command", "title"), [
    ("NOAUTH", "PING", "Redis asks for a password and REDIS_URL gives none"),
    ("WRONGPASS", "AUTH", "Redis refuses the user name or password in REDIS_URL"),
    ("NOPERM", "GET", "Redis lets the user in but its ACL refuses GET"),
    ("ERR", "AUTH", "Redis refuses AUTH"),
])
def test_auth_failed_says_which_command(word: str, command: str, title: str) -> None:
    (found,) = run(observe(auth_refused=word, refused_command=command, refused_text=f"{word} no", server=None,
                           keys=None))
    assert (found.code, found.title) == ("redis.auth-failed", title)
    assert found.evidence["command"] == command


def test_acl_refusing_a_key_after_connecting_keeps_the_server_facts() -> None:
    obs = observe(auth_refused="NOPERM", refused_command="GET", refused_text="NOPERM no",
                  server=dataclasses.replace(PERSISTENT, maxmemory_policy="allkeys-lfu"))
    assert codes(run(obs)) == ["redis.auth-failed", "redis.eviction-may-drop-revocations"]


def test_no_persistence() -> None:
    server = dataclasses.replace(PERSISTENT, aof_enabled=False, save="")
    (found,) = run(observe(server=server))
    assert (found.code, found.severity) == ("redis.revocation-not-persistent", Severity.WARNING)
    assert found.evidence == {"server": "cache:6379", "appendonly": "no", "save": "''", "version": "7.0.15"}


def test_rdb_alone_is_persistence() -> None:
    assert run(observe(server=dataclasses.replace(PERSISTENT, aof_enabled=False, save="900 1"))) == []


def test_config_refused_is_a_partial_skip_saying_what_was_not_checked() -> None:
    server = dataclasses.replace(PERSISTENT, aof_enabled=False, save=None,
                                 config_refused="NOPERM this user has no permissions to run the "
                                                "'config|get' command")
    (found,) = run(observe(server=server))
    assert (found.code, found.severity, found.partial) == ("redis.skipped", Severity.SKIPPED, True)
    assert found.detail.startswith("RDB persistence not checked: CONFIG GET save was refused (NOPERM")
    # with AOF on, the RDB schedule does not matter
    assert run(observe(server=dataclasses.replace(server, aof_enabled=True))) == []


def test_info_refused_is_a_partial_skip() -> None:
    (found,) = run(observe(server=ServerFacts(address="cache:6379", info_refused="NOPERM info")))
    assert found.partial and found.detail.startswith("persistence and eviction not checked: INFO was refused")


@pytest.mark.parametrize(("policy", "flagged"), [("allkeys-lru", True), ("allkeys-random", True),
                                                 ("volatile-lru", False), ("noeviction", False)])
def test_eviction_policy(policy: str, flagged: bool) -> None:
    server = dataclasses.replace(PERSISTENT, maxmemory_policy=policy, maxmemory=64 * 2**20, evicted_keys=12)
    found = run(observe(server=server))
    assert codes(found) == (["redis.eviction-may-drop-revocations"] if flagged else [])
    if flagged:
        assert found[0].evidence["evicted keys since start"] == "12"
        assert "It has evicted 12 keys since it started." in found[0].detail


def test_sentinel_without_a_healthy_replica() -> None:
    sentinel = SentinelFacts(sentinel="s1:26379", master_name="mymaster", master_address="10.0.0.1:6379",
                             master_flags="master")
    (found,) = run(observe(topology="sentinel", sentinel=sentinel))
    assert (found.code, found.severity) == ("redis.topology-degraded", Severity.WARNING)
    assert found.title == "Sentinel master 'mymaster': the master has no replica"
    down = dataclasses.replace(sentinel, replicas=(ReplicaState("10.0.0.2:6379", "slave,s_down", "err"),),
                               unreachable=("s2:26379: connection refused",))
    (found,) = run(observe(topology="sentinel", sentinel=down))
    assert found.detail.startswith("No replica is connected and in sync (10.0.0.2:6379 slave,s_down link "
                                   "err)")
    assert "Sentinels that did not answer: s2:26379: connection refused" in found.detail
    healthy = dataclasses.replace(sentinel, replicas=(ReplicaState("10.0.0.2:6379", "slave", "ok"),))
    assert run(observe(topology="sentinel", sentinel=healthy)) == []


def test_cluster_slot_coverage() -> None:
    ok = ClusterFacts(state="ok", slots_assigned=16384, slots_ok=16384, masters=("a:1", "b:2", "c:3"))
    assert run(observe(topology="cluster", cluster=ok)) == []
    failing = dataclasses.replace(ok, state="fail", slots_ok=10923)
    (found,) = run(observe(topology="cluster", cluster=failing))
    assert (found.code, found.severity) == ("redis.topology-degraded", Severity.ERROR)
    assert found.title == "Redis Cluster state is 'fail': 5461 of 16384 slots are not served"
    unread = dataclasses.replace(ok, masters_failed=("c:3: connection refused",))
    (found,) = run(observe(topology="cluster", cluster=unread))
    assert found.severity is Severity.WARNING
    assert found.title == "Redis Cluster: some masters could not be read"


def test_keys_without_ttl_other_prefix_and_too_long() -> None:
    keys = dataclasses.replace(CLEAN_KEYS, token_keys=10, token_no_ttl=4, other_prefix_keys=5,
                               other_prefixes=(("old", 5),), ttl_over_limit=2, ttl_max_s=3 * 86400)
    found = {f.code: f for f in run(observe(keys=keys))}
    assert set(found) == {"redis.revocation-key-no-ttl", "redis.key-prefix-mismatch",
                          "redis.revocation-ttl-too-long"}
    assert found["redis.revocation-key-no-ttl"].title == "4 of 10 revocation keys have no expiry"
    assert found["redis.key-prefix-mismatch"].title == ("revocation keys also exist under another prefix "
                                                        "than 'open-webui'")
    assert found["redis.key-prefix-mismatch"].evidence["other prefixes"] == "'old': 5"
    too_long = found["redis.revocation-ttl-too-long"]
    assert too_long.title == "2 revocation keys live longer than JWT_EXPIRES_IN (8h)"
    assert "The longest TTL is 3.0 days, but a token issued with JWT_EXPIRES_IN=8h lives at most 8.0 h" \
        in too_long.detail


def test_keys_only_under_another_prefix() -> None:
    keys = KeyStats(prefix="owui", scanned=4, other_prefix_keys=4, other_prefixes=(("open-webui", 4),))
    (found,) = run(observe(keys=keys))
    assert found.title == "revocation keys exist only under another prefix than REDIS_KEY_PREFIX='owui'"


def test_scan_cut_by_the_deadline_is_a_partial_skip() -> None:
    keys = dataclasses.replace(CLEAN_KEYS, complete=False, stopped="the run's deadline came first")
    (found,) = run(observe(keys=keys))
    assert (found.code, found.partial) == ("redis.skipped", True)
    assert found.detail == ("the key scan stopped after 3 keys: the run's deadline came first; the "
                            "counts are partial")


def test_scan_broken_off_by_the_server_is_unreachable_with_partial_counts() -> None:
    failure = ProbeFailure(Rung.PROTOCOL, "cache:6379 closed the connection during SCAN (Connection closed)")
    keys = dataclasses.replace(CLEAN_KEYS, complete=False, stopped=failure.summary)
    (found,) = run(observe(keys=keys, scan_failure=failure))
    assert found.code == "redis.unreachable"
    assert found.title == ("Redis stopped answering during the key scan: cache:6379 closed the "
                           "connection during SCAN (Connection closed)")
    assert found.evidence["keys scanned before"] == "3"


def test_token_revoked_by_its_jti() -> None:
    obs = observe(token=TokenState(jti="j-1", user_id="u-1", revoked=True, revoked_ttl_s=5400))
    (found,) = run(obs, payload={"id": "u-1", "jti": "j-1", "iat": 1})
    assert (found.code, found.severity) == ("jwt.revoked", Severity.ERROR)
    assert found.title == ("the token is revoked (signed out): open-webui:auth:token:<jti>:revoked "
                           "exists, for 1.5 h more")
    assert found.evidence["key"] == "open-webui:auth:token:j-1:revoked"


@pytest.mark.parametrize(("iat", "revoked"), [(1700000000, True), (1800000000, True), (1800000001, False),
                                              (None, True)])
def test_token_revoked_by_its_users_revoked_at(iat: int | None, revoked: bool) -> None:
    obs = observe(token=TokenState(jti="j-1", user_id="u-1", user_revoked_at="1800000000"))
    payload = {"id": "u-1", "jti": "j-1", **({"iat": iat} if iat is not None else {})}
    found = run(obs, payload=payload)
    assert codes(found) == (["jwt.revoked"] if revoked else [])
    if revoked:
        assert found[0].title == ("every token of user u-1 issued at or before "
                                  "2027-01-15T08:00:00+00:00 is revoked")
        assert found[0].evidence["iat"] == (str(iat) if iat is not None else "<absent>")


def test_token_not_revoked_and_an_unreadable_revoked_at() -> None:
    assert run(observe(token=TokenState(jti="j-1", user_id="u-1"))) == []
    assert run(observe(token=TokenState(jti="j-1", user_id="u-1", user_revoked_at="soon")),
               payload={"iat": 1}) == []


def test_sentinel_credentials_and_transport_are_the_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    """0.12.4's Sentinel client (utils/redis.py parse_redis_url) passes the URL's password as
    written, not percent-decoded, and connects to the master without TLS even for rediss://. A
    review found the probe decoding it (a false 'ok' where the app cannot authenticate) and using
    TLS (a false error)."""
    from authdoctor.probes import ProbeFailure, Rung
    from authdoctor.probes import redis as probe

    seen: list[dict[str, object]] = []

    def fake_connect(kwargs: dict[str, object], where: str, timeout_s: float) -> object:
        seen.append(dict(kwargs))
        raise probe._Failed(ProbeFailure(Rung.TCP, "stop", {}))

    monkeypatch.setattr(probe, "_ladder", lambda *args: None)
    monkeypatch.setattr(probe, "_connect", fake_connect)
    target = probe.RedisTarget(url="rediss://:p%40ssSEK9@mymaster/0", sentinels=(("127.0.0.1", 9),))
    probe.inspect_redis(target, timeout_s=1)
    assert seen and seen[0]["password"] == "p%40ssSEK9"
    assert all(kwargs.get("connection_class") is None and not kwargs.get("ssl") for kwargs in seen)
