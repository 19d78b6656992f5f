"""Redis settings (authdoctor/checks/redis.py, settings half): both sides of each rule."""

from __future__ import annotations

import pytest
from settings_env import problems, rendered, run

from authdoctor.checks.redis import CHECK, sentinel_url_problem, standalone_url_problem
from authdoctor.findings import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
PASSWORD = "redis-pass-0123456789"


@pytest.mark.parametrize(("env", "replicas", "severity"), [
    ({}, None, INFO),
    ({"UVICORN_WORKERS": "4"}, None, W),
    ({"UVICORN_WORKERS": "four"}, None, INFO),  # the app falls back to 1 worker
    ({"UVICORN_WORKERS": "0"}, None, INFO),     # max(int(...), 1)
    ({}, 3, W),
    ({"ENABLE_OAUTH_BACKCHANNEL_LOGOUT": "true"}, None, W),
])
def test_no_redis(env: dict[str, str], replicas: int | None, severity: Severity) -> None:
    findings = run(CHECK, env, replicas=replicas)
    assert ("redis.not-configured", severity) in problems(findings)
    finding = next(f for f in findings if f.code == "redis.not-configured")
    assert "does not revoke" in finding.title
    assert "until it expires" in finding.detail


@pytest.mark.parametrize("env", [
    {"REDIS_URL": "redis://redis:6379/0"},
    {"REDIS_URL": f"rediss://:{PASSWORD}@redis.example.com:6380/1"},
    {"REDIS_URL": "unix:///run/redis/redis.sock"},
    {"REDIS_URL": "REDIS://redis:6379"},  # the asyncio parser lower-cases the scheme
    {"REDIS_URL": "redis://redis:6379/0", "UVICORN_WORKERS": "4", "WEBSOCKET_MANAGER": "redis"},
    {"REDIS_URL": f"redis://:{PASSWORD}@mymaster:6379/0", "REDIS_SENTINEL_HOSTS": "s1,s2,s3"},
    {"REDIS_URL": "redis://mymaster/0", "REDIS_SENTINEL_HOSTS": "s1", "REDIS_SENTINEL_PORT": ""},
])
def test_healthy_redis_settings_are_silent(env: dict[str, str]) -> None:
    assert problems(run(CHECK, env)) == []


@pytest.mark.parametrize(("url", "reason"), [
    ("http://redis:6379", "scheme"),
    ("redis.example.com:6379", "scheme"),
    ("redis://redis:port/0", "port"),
    ("redis://redis:99999/0", "port"),
])
def test_invalid_standalone_url_runs_without_redis(url: str, reason: str) -> None:
    findings = run(CHECK, {"REDIS_URL": url})
    assert problems(findings) == [("redis.url-invalid", E)]
    assert reason in findings[0].title
    assert "runs without Redis" in findings[0].detail


def test_invalid_url_shared_with_websocket_manager_stops_startup() -> None:
    findings = run(CHECK, {"REDIS_URL": "http://redis:6379", "WEBSOCKET_MANAGER": "redis"})
    assert problems(findings) == [("redis.url-invalid", E)]
    assert "does not start" in findings[0].detail


def test_password_is_masked_in_evidence() -> None:
    findings = run(CHECK, {"REDIS_URL": f"redis://:{PASSWORD}@redis:notaport/0"})
    assert findings and PASSWORD not in rendered(findings)


@pytest.mark.parametrize(("env", "subject", "text"), [
    ({"REDIS_SENTINEL_HOSTS": "s1,s2", "REDIS_URL": "redis://mymaster/0", "REDIS_SENTINEL_PORT": "2637x"},
     "REDIS_SENTINEL_PORT", "does not start"),
    ({"REDIS_SENTINEL_HOSTS": "s1,s2"}, "REDIS_URL", "runs without Redis"),
    ({"REDIS_SENTINEL_HOSTS": "s1:26379,s2:26379", "REDIS_URL": "redis://mymaster/0"},
     "REDIS_SENTINEL_HOSTS", "host literally named"),
    ({"REDIS_SENTINEL_HOSTS": "s1", "REDIS_URL": "redis://redis.example.com:6379/0"},
     "REDIS_URL", "master name"),
    ({"REDIS_SENTINEL_HOSTS": "s1", "REDIS_URL": "redis://10.0.0.5:6379/0"}, "REDIS_URL", "master name"),
])
def test_sentinel_config_invalid(env: dict[str, str], subject: str, text: str) -> None:
    findings = [f for f in run(CHECK, env) if f.code == "redis.sentinel-config-invalid"]
    assert [f.subject for f in findings] == [subject]
    assert text in findings[0].detail or text in findings[0].title


@pytest.mark.parametrize(("url", "problem"), [
    ("unix:///run/redis.sock", "scheme"),
    ("redis://mymaster/cache", "database number"),
])
def test_sentinel_url_rules_are_stricter_than_standalone(url: str, problem: str) -> None:
    assert standalone_url_problem(url) is None
    found = sentinel_url_problem(url)
    assert found is not None and problem in found
    findings = run(CHECK, {"REDIS_SENTINEL_HOSTS": "s1", "REDIS_URL": url})
    assert problems(findings) == [("redis.url-invalid", E)]


@pytest.mark.parametrize(("env", "replicas", "expected"), [
    ({"REDIS_URL": "redis://redis:6379/0"}, 2, [("redis.websocket-not-redis", W)]),
    ({"REDIS_URL": "redis://redis:6379/0", "UVICORN_WORKERS": "2"}, None, [("redis.websocket-not-redis", W)]),
    ({"REDIS_URL": "redis://redis:6379/0", "WEBSOCKET_MANAGER": "Redis"}, 2,
     [("redis.websocket-not-redis", W)]),
    ({"REDIS_URL": "redis://redis:6379/0", "WEBSOCKET_MANAGER": "Redis"}, None,
     [("redis.websocket-not-redis", INFO)]),
    ({"REDIS_URL": "redis://redis:6379/0"}, None, []),
    ({"REDIS_URL": "redis://redis:6379/0", "WEBSOCKET_MANAGER": "redis"}, 2, []),
])
def test_websocket_manager(env: dict[str, str], replicas: int | None,
                           expected: list[tuple[str, Severity]]) -> None:
    assert problems(run(CHECK, env, replicas=replicas)) == expected


@pytest.mark.parametrize(("env", "text"), [
    ({"REDIS_URL": "redis://redis:6379/0", "WEBSOCKET_MANAGER": "redis",
      "WEBSOCKET_REDIS_URL": "http://redis:6379"}, "does not start"),
    ({"REDIS_URL": "redis://redis:6379/0", "WEBSOCKET_MANAGER": "redis",
      "WEBSOCKET_SENTINEL_HOSTS": "s1", "WEBSOCKET_REDIS_URL": "redis://m/x"}, "does not start"),
    ({"WEBSOCKET_MANAGER": "redis"}, "realtime features fail"),
])
def test_websocket_redis_url_invalid(env: dict[str, str], text: str) -> None:
    findings = [f for f in run(CHECK, env) if f.code == "redis.url-invalid"]
    assert len(findings) == 1 and findings[0].subject == "WEBSOCKET_REDIS_URL"
    assert text in findings[0].detail
