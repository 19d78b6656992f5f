"""Every lab Redis topology answers redis-py the way the Redis checks will meet it: healthy and
unsafe settings, NOAUTH/WRONGPASS/ACL denials, TLS trust, Sentinel discovery, Cluster slots.
Expected failures are fast (no client retries) so the checks' own timeouts can be tested."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .redis_servers import ACL_USERS, TLS_PASSWORD, TOPOLOGIES, LabRedis

pytestmark = pytest.mark.realserver
NO_RETRY: dict[str, Any] = {"retry": Retry(NoBackoff(), 0), "socket_timeout": 2, "socket_connect_timeout": 2}


@pytest.mark.parametrize("topology", [t for t in TOPOLOGIES if t not in ("sentinel", "cluster")])
def test_url_as_open_webui_would_use_it(lab_redis_factory: Callable[[str], LabRedis], topology: str) -> None:
    lab = lab_redis_factory(topology)
    client = redis.Redis.from_url(lab.url, decode_responses=True, **NO_RETRY)
    assert client.ping()
    client.set(f"open-webui:lab-test:{topology}", "1", ex=30)
    assert client.get(f"open-webui:lab-test:{topology}") == "1"


@pytest.mark.parametrize(("topology", "appendonly", "save_empty", "policy"), [
    ("standalone", "no", True, "noeviction"),
    ("persistent", "yes", False, "noeviction"),
    ("lru", "no", True, "allkeys-lru"),
])
def test_persistence_and_eviction_settings(lab_redis_factory: Callable[[str], LabRedis], topology: str,
                                           appendonly: str, save_empty: bool, policy: str) -> None:
    lab = lab_redis_factory(topology)
    client = lab.client(decode_responses=True)
    config = {k: v for name in ("appendonly", "save", "maxmemory-policy")
              for k, v in client.config_get(name).items()}
    assert config["appendonly"] == appendonly
    assert (config["save"] == "") is save_empty
    assert config["maxmemory-policy"] == policy
    assert lab.persistent is (appendonly == "yes")
    assert lab.maxmemory_policy == policy
    if policy == "allkeys-lru":
        assert client.config_get("maxmemory")["maxmemory"] == str(64 * 1024 * 1024)


def expect_auth_error(client: redis.Redis, pattern: str) -> str:
    started = time.monotonic()
    with pytest.raises(redis.exceptions.AuthenticationError, match=pattern) as caught:
        client.ping()
    assert time.monotonic() - started < 1.5, "an auth failure must not be retried"
    return str(caught.value)


def test_acl_refuses_missing_and_wrong_credentials(lab_redis_acl: LabRedis) -> None:
    lab = lab_redis_acl
    # RESP3 HELLO (redis-py default) and RESP2 word the missing password differently
    expect_auth_error(redis.Redis(lab.host, lab.port, **NO_RETRY),
                      "HELLO must be called|Authentication required")
    expect_auth_error(redis.Redis(lab.host, lab.port, protocol=2, **NO_RETRY), "Authentication required")
    expect_auth_error(redis.Redis(lab.host, lab.port, username="app", password="wrong", **NO_RETRY),
                      "invalid username-password pair")
    expect_auth_error(redis.Redis(lab.host, lab.port, username="disabled", password=ACL_USERS["disabled"],
                                  **NO_RETRY), "invalid username-password pair or user is disabled")


def test_acl_users_and_permissions(lab_redis_acl: LabRedis) -> None:
    lab = lab_redis_acl
    app = lab.client()
    assert app.acl_whoami() == "app"
    # the default user's password works like requirepass
    assert redis.Redis(lab.host, lab.port, password=ACL_USERS["default"], **NO_RETRY).ping()
    reader = redis.Redis(lab.host, lab.port, username="readonly", password=ACL_USERS["readonly"], **NO_RETRY)
    app.set("open-webui:auth:token:lab-acl:revoked", "1", ex=30)
    assert reader.get("open-webui:auth:token:lab-acl:revoked") == b"1"
    assert reader.config_get("maxmemory-policy")  # probes may read the config
    with pytest.raises(redis.exceptions.NoPermissionError):
        reader.set("open-webui:auth:token:lab-acl:revoked", "0")
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.flushall()  # the app user has no @dangerous commands


def test_tls_server(lab_redis_tls: LabRedis) -> None:
    lab = lab_redis_tls
    assert lab.client().ping()
    assert redis.Redis.from_url(lab.url.replace("127.0.0.1", "localhost"), **NO_RETRY).ping()
    with pytest.raises(redis.exceptions.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        redis.Redis(lab.host, lab.port, ssl=True, password=TLS_PASSWORD, **NO_RETRY).ping()
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis(lab.host, lab.port, password=TLS_PASSWORD, **NO_RETRY).ping()  # plain text to a TLS port
    expect_auth_error(redis.Redis(lab.host, lab.port, ssl=True, ssl_ca_certs=lab.ca_file, **NO_RETRY),
                      "HELLO must be called|Authentication required")


def test_sentinel_discovers_master_and_replica(lab_redis_sentinel: LabRedis) -> None:
    from redis import sentinel as sentinel_mod

    Sentinel: Any = sentinel_mod.Sentinel  # untyped in redis-py
    lab = lab_redis_sentinel
    assert lab.sentinel_port and lab.master_name and lab.replica_port
    assert lab.env() == {"REDIS_URL": f"redis://{lab.master_name}:6379/0", "REDIS_SENTINEL_HOSTS": lab.host,
                         "REDIS_SENTINEL_PORT": str(lab.sentinel_port)}
    sentinel = Sentinel([(lab.host, lab.sentinel_port)], socket_timeout=2)
    assert sentinel.discover_master(lab.master_name) == (lab.host, lab.port)
    assert (lab.host, lab.replica_port) in sentinel.discover_slaves(lab.master_name)
    master = sentinel.master_for(lab.master_name, socket_timeout=2)
    master.set("open-webui:lab-test:sentinel", "1", ex=30)
    replica = sentinel.slave_for(lab.master_name, socket_timeout=2)
    deadline = time.monotonic() + 5
    while replica.get("open-webui:lab-test:sentinel") != b"1":
        assert time.monotonic() < deadline, "write did not reach the replica"
        time.sleep(0.02)


def test_cluster_spreads_keys_over_three_masters(lab_redis_cluster: LabRedis) -> None:
    from redis.cluster import RedisCluster

    lab = lab_redis_cluster
    assert lab.env()["REDIS_CLUSTER"] == "true"
    cluster: Any = RedisCluster.from_url(lab.url, socket_timeout=2)  # partly untyped in redis-py
    try:
        assert cluster.cluster_info()["cluster_state"] == "ok"
        masters = {n.port for n in cluster.get_primaries()}
        assert masters == set(lab.cluster_ports)
        keys = [f"open-webui:auth:token:{i}:revoked" for i in range(30)]
        for key in keys:
            cluster.set(key, "1", ex=30)
        assert all(cluster.get(k) == b"1" for k in keys)
        owners = {cluster.get_node_from_key(k).port for k in keys}
        assert len(owners) == 3
    finally:
        cluster.close()
    # a plain client on one node is redirected, which is what REDIS_CLUSTER=false would meet
    with pytest.raises(redis.exceptions.MovedError):
        for key in keys:
            lab.client().get(key)


def test_closed_port_fails_fast() -> None:
    from .ports import free_port

    started = time.monotonic()
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis("127.0.0.1", free_port(), **NO_RETRY).ping()
    assert time.monotonic() - started < 1.5
