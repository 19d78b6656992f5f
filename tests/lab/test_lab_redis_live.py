"""`authdoctor redis inspect` (and the redis area's live half) against every lab Redis topology
(issue 12), with seeded keys: healthy, without a TTL, under another prefix, per-user revoked_at,
a TTL longer than JWT_EXPIRES_IN, and keys written by a real sign-out of the lab's app. The probe
is read-only (MONITOR sees only the listed commands) and each fault (Redis killed during a scan,
a server that accepts and never answers, a wrong password, TLS with an unknown CA) is a finding
within the probe timeout.

The lab servers are shared by the session, so each test seeds its own database number (SCAN is
per database) or, on the Cluster (database 0 only), its own prefix, and deletes what it seeded."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from authdoctor.cli import main
from authdoctor.probes.redis import READ_ONLY_COMMANDS, RedisTarget, inspect_redis

from .app_under_test import LabApp
from .redis_servers import ACL_USERS, LabRedis, start_redis

pytestmark = pytest.mark.realserver
NOW = "2026-11-28T00:00:00Z"
DAY = 86400


def env_file(tmp_path: Path, env: dict[str, str], name: str = "redis.env") -> str:
    path = tmp_path / name
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return str(path)


def with_db(url: str, db: int) -> str:
    return re.sub(r"/0(\?|$)", lambda m: f"/{db}{m.group(1)}", url, count=1)


def inspect(capsys: pytest.CaptureFixture[str], path: str, *args: str) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["redis", "inspect", "--env-file", path, "--format", "json", "--now", NOW, *args])
    out, err = capsys.readouterr()
    assert err == ""
    code = excinfo.value.code
    document: dict[str, Any] = json.loads(out)
    return (code if isinstance(code, int) else 0), document


def codes(document: dict[str, Any]) -> list[str]:
    return [f["code"] for f in document["findings"]]


def the(document: dict[str, Any], code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in document["findings"] if f["code"] == code]
    assert len(found) == 1, codes(document)
    return found[0]


@pytest.fixture
def seeded() -> Iterator[Callable[..., None]]:
    """`seed(client, {key: ttl or None})`: writes the keys ('1', EX ttl) and deletes them after."""
    written: list[tuple[Any, str]] = []

    def seed(client: Any, keys: dict[str, int | None], value: str = "1") -> None:
        for key, ttl in keys.items():
            client.set(key, value, ex=ttl)
            written.append((client, key))

    yield seed
    for client, key in written:
        client.delete(key)


def revocation_keys(prefix: str, ttls: list[int | None]) -> dict[str, int | None]:
    return {f"{prefix}:auth:token:{uuid.uuid4()}:revoked": ttl for ttl in ttls}


# ----------------------------------------------------------------------------- topologies


def test_persistent_redis_with_healthy_keys_only_counts_them(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, lab_redis_persistent: LabRedis,
        seeded: Callable[..., None]) -> None:
    lab = lab_redis_persistent
    seeded(lab.client(db=3), revocation_keys("open-webui", [600, 2 * 3600, 3 * DAY]))
    path = env_file(tmp_path, {"REDIS_URL": with_db(lab.url, 3), "JWT_EXPIRES_IN": "4w"})
    code, document = inspect(capsys, path)
    assert code == 0
    assert codes(document) == ["redis.revocation-keys"]
    summary = the(document, "redis.revocation-keys")
    assert summary["title"] == "3 revoked tokens and 0 per-user revocations under 'open-webui'"
    evidence = summary["evidence"]
    assert evidence["TTL histogram"] == "< 1h: 1, 1h-1d: 1, 1d-1w: 1, 1w-4w: 0, > 4w: 0"
    assert evidence["without TTL"] == "0"
    assert evidence["persistence"].startswith("AOF + RDB")
    assert evidence["maxmemory-policy"] == "noeviction"
    redis_check = next(c for c in document["checks"] if c["area"] == "redis")
    assert redis_check["live"] == {"status": "ran", "reason": ""}


def test_standalone_with_every_kind_of_bad_key(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               lab_redis_standalone: LabRedis,
                                               seeded: Callable[..., None]) -> None:
    lab = lab_redis_standalone
    client = lab.client(db=4)
    seeded(client, revocation_keys("open-webui", [600, None, None, 3 * DAY]))
    seeded(client, revocation_keys("old-prefix", [600, 600]))
    seeded(client, {"open-webui:auth:user:u-1:revoked_at": None}, value="1700000000")
    path = env_file(tmp_path, {"REDIS_URL": with_db(lab.url, 4), "JWT_EXPIRES_IN": "8h"})
    code, document = inspect(capsys, path, "--fail-on", "warning")
    assert code == 1
    assert codes(document) == ["redis.key-prefix-mismatch", "redis.revocation-key-no-ttl",
                               "redis.revocation-not-persistent", "redis.revocation-ttl-too-long",
                               "redis.revocation-keys"]
    assert the(document, "redis.revocation-key-no-ttl")["title"] == "2 of 4 revocation keys have no expiry"
    mismatch = the(document, "redis.key-prefix-mismatch")
    assert mismatch["evidence"]["other prefixes"] == "'old-prefix': 2"
    assert the(document, "redis.revocation-ttl-too-long")["title"] == (
        "1 revocation key lives longer than JWT_EXPIRES_IN (8h)")
    assert the(document, "redis.revocation-keys")["evidence"]["per-user revoked_at keys"] == "1"
    # the area is the same in `check`, without the summary
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--env-file", path, "--only", "redis", "--format", "json", "--now", NOW])
    out, _ = capsys.readouterr()
    assert excinfo.value.code == 0
    assert "redis.revocation-keys" not in codes(json.loads(out))
    assert "redis.revocation-key-no-ttl" in codes(json.loads(out))


def test_keys_only_under_another_prefix(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        lab_redis_standalone: LabRedis, seeded: Callable[..., None]) -> None:
    lab = lab_redis_standalone
    seeded(lab.client(db=9), revocation_keys("open-webui", [600, 600, 600]))
    path = env_file(tmp_path, {"REDIS_URL": with_db(lab.url, 9), "REDIS_KEY_PREFIX": "owui-prod"})
    _, document = inspect(capsys, path)
    mismatch = the(document, "redis.key-prefix-mismatch")
    assert mismatch["title"] == ("revocation keys exist only under another prefix than "
                                 "REDIS_KEY_PREFIX='owui-prod'")
    assert mismatch["evidence"]["other prefixes"] == "'open-webui': 3"


def test_allkeys_lru_may_evict_revocations(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          lab_redis_lru: LabRedis) -> None:
    path = env_file(tmp_path, {"REDIS_URL": with_db(lab_redis_lru.url, 5)})
    code, document = inspect(capsys, path)
    assert code == 0
    assert codes(document) == ["redis.eviction-may-drop-revocations", "redis.revocation-not-persistent",
                               "redis.revocation-keys"]
    evidence = the(document, "redis.eviction-may-drop-revocations")["evidence"]
    assert evidence["maxmemory-policy"] == "allkeys-lru"
    assert evidence["maxmemory"] == f"64 MiB ({64 * 1024 * 1024} bytes)"


def test_tls_with_the_lab_ca_and_with_an_unknown_ca(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    lab_redis_tls: LabRedis) -> None:
    lab = lab_redis_tls
    good = env_file(tmp_path, {"REDIS_URL": with_db(lab.url, 6)}, "good.env")
    _, document = inspect(capsys, good)
    assert codes(document) == ["redis.revocation-not-persistent", "redis.revocation-keys"]
    # without ssl_ca_certs the lab CA is unknown to this machine, as to an app that was not given it
    unknown = env_file(tmp_path, {"REDIS_URL": lab.url.split("?")[0]}, "unknown.env")
    started = time.monotonic()
    code, document = inspect(capsys, unknown, "--probe-timeout", "2")
    assert time.monotonic() - started < 4
    assert code == 1
    unreachable = the(document, "redis.unreachable")
    assert unreachable["title"] == ("Redis cannot be reached: the certificate is signed by a CA this "
                                    "machine does not trust (unknown CA)")
    assert unreachable["evidence"]["failed at"] == "tls"
    assert unreachable["evidence"]["issuer"]
    assert "fails open" in unreachable["detail"]
    assert lab.password is not None and lab.password not in json.dumps(document)
    # --ca-file adds the CA, as ssl_ca_certs would
    assert lab.ca_file is not None
    _, document = inspect(capsys, unknown, "--ca-file", lab.ca_file)
    assert "redis.unreachable" not in codes(document)


@pytest.mark.parametrize(("user", "password", "reply"), [
    (None, None, "NOAUTH"),
    ("app", "wrong-password", "WRONGPASS"),
    ("disabled", ACL_USERS["disabled"], "WRONGPASS"),
])
def test_acl_refusals(capsys: pytest.CaptureFixture[str], tmp_path: Path, lab_redis_acl: LabRedis,
                      user: str | None, password: str | None, reply: str) -> None:
    lab = lab_redis_acl
    credentials = f"{user}:{password}@" if user else ""
    path = env_file(tmp_path, {"REDIS_URL": f"redis://{credentials}{lab.host}:{lab.port}/0"})
    started = time.monotonic()
    code, document = inspect(capsys, path)
    assert time.monotonic() - started < 3, "an auth failure must not be retried"
    assert code == 1
    assert codes(document) == ["redis.auth-failed"]
    failed = the(document, "redis.auth-failed")
    assert failed["evidence"]["reply"].startswith(reply)
    assert failed["evidence"]["command"] in ("AUTH", "PING")
    assert password is None or password not in json.dumps(document)


def test_acl_config_refused_is_a_skipped_part_not_a_failure(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, lab_redis_acl: LabRedis) -> None:
    lab = lab_redis_acl
    url = f"redis://noconfig:{ACL_USERS['noconfig']}@{lab.host}:{lab.port}/7"
    path = env_file(tmp_path, {"REDIS_URL": url})
    code, document = inspect(capsys, path)
    assert code == 0
    assert codes(document) == ["redis.revocation-keys", "redis.skipped"]
    skip = the(document, "redis.skipped")
    assert skip["title"].startswith("redis checks skipped: RDB persistence not checked: CONFIG GET save "
                                    "was refused (")
    assert "NOPERM" in skip["title"] or "permission" in skip["title"]
    redis_check = next(c for c in document["checks"] if c["area"] == "redis")
    assert redis_check["live"]["status"] == "ran"


def test_acl_refusing_the_apps_keys_names_the_command(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       lab_redis_acl: LabRedis) -> None:
    lab = lab_redis_acl
    url = f"redis://otherkeys:{ACL_USERS['otherkeys']}@{lab.host}:{lab.port}/0"
    path = env_file(tmp_path, {"REDIS_URL": url})
    token = jwt.encode({"id": "u-7", "jti": str(uuid.uuid4()), "iat": 1, "exp": 2**31}, "k" * 32)
    code, document = inspect(capsys, path, "--token", token)
    assert code == 1
    failed = the(document, "redis.auth-failed")
    assert failed["title"] == "Redis lets the user in but its ACL refuses GET"
    assert failed["evidence"]["command"] == "GET"
    assert failed["evidence"]["reply"] == ("NOPERM this user has no permissions to access one of the keys "
                                           "used as arguments")


def test_sentinel_master_and_replica(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     lab_redis_sentinel: LabRedis, seeded: Callable[..., None]) -> None:
    lab = lab_redis_sentinel
    seeded(lab.client(db=8), revocation_keys("open-webui", [600, None]))
    env = {**lab.env(), "REDIS_URL": with_db(lab.url, 8)}
    code, document = inspect(capsys, env_file(tmp_path, env))
    assert code == 0
    assert codes(document) == ["redis.revocation-key-no-ttl", "redis.revocation-not-persistent",
                               "redis.revocation-keys"]
    assert the(document, "redis.revocation-keys")["evidence"]["server"] == f"{lab.host}:{lab.port}"
    # the URL's host is the master name: a name the Sentinel does not monitor
    wrong = {**env, "REDIS_URL": "redis://othermaster:6379/8"}
    code, document = inspect(capsys, env_file(tmp_path, wrong, "wrong.env"))
    assert code == 1
    assert the(document, "redis.unreachable")["title"] == (
        f"Redis cannot be reached: the Sentinel at {lab.host}:{lab.sentinel_port} monitors no master "
        "named 'othermaster'")


def test_cluster_scans_every_master(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    lab_redis_cluster: LabRedis) -> None:
    import redis

    lab = lab_redis_cluster
    prefix = f"cl-{uuid.uuid4().hex[:8]}"
    cluster = redis.cluster.RedisCluster(host=lab.host, port=lab.port)
    keys = revocation_keys(prefix, [600] * 30 + [None] * 3)
    try:
        for key, ttl in keys.items():
            cluster.set(key, "1", ex=ttl)
        nodes_holding = {cluster.get_node_from_key(key).port for key in keys}  # type: ignore[no-untyped-call]
        assert len(nodes_holding) == 3  # the keys really are spread over the three masters
        env = {**lab.env(prefix=prefix)}
        code, document = inspect(capsys, env_file(tmp_path, env))
        assert code == 0
        summary = the(document, "redis.revocation-keys")
        assert summary["title"] == f"33 revoked tokens and 0 per-user revocations under '{prefix}'"
        assert summary["evidence"]["scanned"].endswith("on 3 nodes")
        no_ttl = the(document, "redis.revocation-key-no-ttl")
        assert no_ttl["title"] == "3 of 33 revocation keys have no expiry"
        token_key = next(iter(keys))
        jti = token_key.split(":")[3]
        token = jwt.encode({"id": "u-1", "jti": jti, "iat": 1, "exp": 2**31}, "k" * 32)
        _, document = inspect(capsys, env_file(tmp_path, env), "--token", token)
        assert the(document, "jwt.revoked")["evidence"]["jti"] == jti
    finally:
        for key in keys:
            cluster.delete(key)
        cluster.close()


def test_unix_socket(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """REDIS_URL=unix:///path (redis-py's from_url, as the app) against a real server's socket."""
    import subprocess

    sock = tmp_path / "redis.sock"
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        path = env_file(tmp_path, {"REDIS_URL": f"unix://{sock}?db=2"})
        _, document = inspect(capsys, path)
        assert codes(document) == ["redis.revocation-not-persistent", "redis.revocation-keys"]
        assert the(document, "redis.revocation-keys")["evidence"]["server"] == str(sock)
    finally:
        server.terminate()
        server.wait(5)
    _, document = inspect(capsys, path)
    unreachable = the(document, "redis.unreachable")
    assert unreachable["title"] == f"Redis cannot be reached: no Redis socket at {sock}"


# ----------------------------------------------------------------------------- tokens


def test_token_revoked_by_a_real_sign_out_of_the_app(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      lab_app: LabApp) -> None:
    assert lab_app.redis is not None
    lab_app.forget_sign_in_attempts()  # earlier tests of the run used up the admin's 15 sign-ins
    with httpx.Client(base_url=lab_app.url, timeout=5) as http:
        signin = http.post("/api/v1/auths/signin", json={"email": lab_app.admin.email,
                                                         "password": lab_app.admin.password})
        token = signin.json()["token"]
        path = env_file(tmp_path, dict(lab_app.env))
        _, before = inspect(capsys, path, "--token", token)
        assert "jwt.revoked" not in codes(before)
        out = http.post("/api/v1/auths/signout", headers={"authorization": f"Bearer {token}"})
        assert out.status_code == 200
    code, document = inspect(capsys, path, "--token", token)
    assert code == 1
    revoked = the(document, "jwt.revoked")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert revoked["evidence"]["jti"] == claims["jti"]
    assert revoked["title"].startswith(
        "the token is revoked (signed out): open-webui:auth:token:<jti>:revoked exists, for ")
    assert token not in json.dumps(document)


def test_per_user_revoked_at_after_the_tokens_iat(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  lab_redis_standalone: LabRedis,
                                                  seeded: Callable[..., None]) -> None:
    lab = lab_redis_standalone
    seeded(lab.client(db=10), {"open-webui:auth:user:u-42:revoked_at": 600}, value="1800000000")
    path = env_file(tmp_path, {"REDIS_URL": with_db(lab.url, 10)})
    old = jwt.encode({"id": "u-42", "jti": "j-old", "iat": 1700000000, "exp": 2**31}, "k" * 32)
    new = jwt.encode({"id": "u-42", "jti": "j-new", "iat": 1900000000, "exp": 2**31}, "k" * 32)
    _, document = inspect(capsys, path, "--token", old)
    assert the(document, "jwt.revoked")["title"].startswith("every token of user u-42 issued at or before ")
    _, document = inspect(capsys, path, "--token", new)
    assert "jwt.revoked" not in codes(document)


def test_jwt_decode_with_redis_url(capsys: pytest.CaptureFixture[str], lab_redis_standalone: LabRedis,
                                   seeded: Callable[..., None]) -> None:
    lab = lab_redis_standalone
    jti = str(uuid.uuid4())
    seeded(lab.client(db=11), {f"open-webui:auth:token:{jti}:revoked": 3600})
    token = jwt.encode({"id": "u-1", "jti": jti, "iat": 1764288000, "exp": 1764892800}, "k" * 32)
    with pytest.raises(SystemExit) as excinfo:
        main(["jwt", "decode", token, "--json", "--now", NOW, "--redis-url", with_db(lab.url, 11)])
    out, _ = capsys.readouterr()
    assert excinfo.value.code == 1
    found = [f["code"] for f in json.loads(out)["findings"]]
    assert "jwt.revoked" in found


# ----------------------------------------------------------------------------- read-only, proven


def test_every_command_is_read_only_under_monitor(tmp_path: Path, lab_redis_standalone: LabRedis,
                                                  seeded: Callable[..., None]) -> None:
    lab = lab_redis_standalone
    seeded(lab.client(db=12), revocation_keys("open-webui", [600] * 2500 + [None]))
    seeded(lab.client(db=12), {"open-webui:auth:user:u-9:revoked_at": 600})
    seen: list[str] = []
    ready = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        with lab.client(socket_timeout=10).monitor() as monitor:  # type: ignore[no-untyped-call]
            ready.set()
            while not stop.is_set():
                seen.append(monitor.next_command()["command"])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert ready.wait(5)
    time.sleep(0.2)
    token = jwt.encode({"id": "u-9", "jti": "j-9", "iat": 1, "exp": 2**31}, "k" * 32)
    from authdoctor.probes.redis import TokenQuery

    observation = inspect_redis(RedisTarget(with_db(lab.url, 12)), timeout_s=5, ttl_limit_s=3600,
                                token=TokenQuery("j-9", "u-9"))
    assert observation.keys is not None and observation.keys.token_keys == 2501
    time.sleep(0.3)
    stop.set()
    lab.client().echo("authdoctor-test-end")  # one more line for the monitor, which then stops
    watcher.join(5)
    assert not watcher.is_alive()
    del token
    ours = [command for command in seen if command.split(" ")[0] not in ("SET", "DEL", "ECHO")]
    assert any(c.startswith("SCAN ") for c in ours) and any(c.startswith("TTL ") for c in ours)
    assert not any(c.upper().startswith("KEYS") for c in ours)
    bad = sorted({c.split(" ")[0] for c in ours
                  if not (c.split(" ")[0].upper() in READ_ONLY_COMMANDS
                          or " ".join(c.upper().split(" ")[:2]) in READ_ONLY_COMMANDS)})
    assert bad == [], bad
    # what the probe sent, as far as MONITOR shows it (it never shows admin commands such as
    # CONFIG GET, nor AUTH)
    names = {" ".join(c.split(" ")[:2]) if c.split(" ")[0] == "CLIENT" else c.split(" ")[0] for c in ours}
    assert {"SELECT", "CLIENT SETNAME", "PING", "INFO", "SCAN", "TTL", "GET"} <= names


# ----------------------------------------------------------------------------- faults


def test_redis_killed_during_a_scan(tmp_path: Path) -> None:
    lab, procs = start_redis("standalone", tmp_path)
    try:
        client = lab.client()
        pipe = client.pipeline(transaction=False)
        for key in revocation_keys("open-webui", [600] * 5000):
            pipe.set(key, "1", ex=600)
        pipe.execute()
        client.close()

        def kill(scanned: int) -> None:
            for proc in procs:
                proc.stop(grace=0)

        started = time.monotonic()
        observation = inspect_redis(RedisTarget(lab.url), timeout_s=2, on_progress=kill)
        assert time.monotonic() - started < 3
    finally:
        for proc in procs:
            proc.stop()
    assert observation.scan_failure is not None
    assert observation.keys is not None and not observation.keys.complete
    assert 0 < observation.keys.scanned < 5000
    from datetime import UTC, datetime

    from authdoctor.checks._redis_live import live_findings

    findings = live_findings(observation, url_shown=lab.url, lifetime_shown="4w", payload=None,
                             now=datetime(2026, 11, 28, tzinfo=UTC))
    unreachable = [f for f in findings if f.code == "redis.unreachable"]
    assert unreachable and unreachable[0].title.startswith("Redis stopped answering during the key scan: ")
    assert "keys scanned before" in unreachable[0].evidence


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on loopback that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not done.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    done.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def test_server_that_accepts_and_never_answers(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               silent_server: int) -> None:
    path = env_file(tmp_path, {"REDIS_URL": f"redis://127.0.0.1:{silent_server}/0"})
    started = time.monotonic()
    code, document = inspect(capsys, path, "--probe-timeout", "0.5")
    assert time.monotonic() - started < 2
    assert code == 1
    unreachable = the(document, "redis.unreachable")
    assert unreachable["title"] == (f"Redis cannot be reached: connected to 127.0.0.1:{silent_server}, but "
                                    "no answer to PING within 0.5 s")
    assert unreachable["evidence"]["failed at"] == "protocol"


def test_nothing_listens(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = env_file(tmp_path, {"REDIS_URL": f"redis://:pw@127.0.0.1:{port}/0"})
    code, document = inspect(capsys, path)
    assert code == 1
    assert the(document, "redis.unreachable")["evidence"]["not attempted"] == "tls, protocol, application"


def test_the_fast_ttl_path_and_the_library_pipeline_agree(lab_redis_persistent: LabRedis,
                                                          seeded: Callable[..., None],
                                                          tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan reads TTLs straight off redis-py's socket for speed; where a redis-py keeps no
    `_sock` it falls back to redis-py's own pipeline. Both give the same report."""
    lab = lab_redis_persistent
    seeded(lab.client(db=4), revocation_keys("open-webui", [600, 2 * 3600, None]))
    path = env_file(tmp_path, {"REDIS_URL": with_db(lab.url, 4), "JWT_EXPIRES_IN": "4w"})
    _, fast = inspect(capsys, path)

    from authdoctor.probes import redis as probe

    monkeypatch.setattr(probe, "_has_raw_socket", lambda connection: False)
    _, library = inspect(capsys, path)
    assert the(fast, "redis.revocation-keys")["evidence"] == the(library, "redis.revocation-keys")["evidence"]
    assert the(library, "redis.revocation-keys")["evidence"]["without TTL"] == "1"
