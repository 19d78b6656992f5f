"""`authdoctor redis inspect` (issue 12) as a command: its usage errors, --help, and what it
reports against a healthy Redis on loopback (`fake_redis`) and against none. The real servers are
in tests/lab/test_lab_redis_live.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_redis import FakeRedis, fake_redis  # noqa: F401 - the fixture

from authdoctor.cli import main

NOW = "2026-11-28T00:00:00Z"
Capsys = pytest.CaptureFixture[str]


def run(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(["redis", "inspect", *args])
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def env(tmp_path: Path, text: str) -> str:
    path = tmp_path / "app.env"
    path.write_text(text)
    return str(path)


def test_healthy_redis_gives_the_summary_and_exit_0(capsys: Capsys, tmp_path: Path,
                                                    fake_redis: FakeRedis) -> None:  # noqa: F811
    path = env(tmp_path, f"REDIS_URL=redis://:pw@127.0.0.1:{fake_redis.port}/0\n")
    code, out, err = run(capsys, "--env-file", path, "--now", NOW, "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["command"] == "redis inspect"
    assert [f["code"] for f in document["findings"]] == ["redis.revocation-keys"]
    assert [c["area"] for c in document["checks"]] == ["redis"]
    assert {"AUTH", "INFO", "CONFIG", "SCAN"} <= set(fake_redis.received)
    assert "KEYS" not in fake_redis.received


def test_no_redis_configured_says_what_was_not_probed(capsys: Capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--env-file", env(tmp_path, "WEBUI_URL=http://127.0.0.1\n"), "--now", NOW)
    assert code == 0
    assert "redis.not-configured" in out
    assert "no Redis is configured (REDIS_URL and REDIS_SENTINEL_HOSTS are unset)" in " ".join(out.split())


def test_an_unusable_url_is_the_settings_finding_and_no_probe(capsys: Capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--env-file", env(tmp_path, "REDIS_URL=http://cache:6379\n"), "--now", NOW,
                       "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert [f["code"] for f in document["findings"]] == ["redis.url-invalid", "redis.skipped"]
    redis = document["checks"][0]
    assert redis["live"]["status"] == "skipped"
    assert redis["live"]["reason"] == "REDIS_URL cannot be used (see the finding above)"


@pytest.mark.parametrize(("args", "message"), [
    ([], "give the app's settings, e.g. authdoctor redis inspect --env-file .env"),
    (["--env-file", "ENV", "--token", " "], "no token given"),
    (["--docker-inspect", "-", "--token", "-"], "--token -: stdin already carries the settings"),
    (["--env-file", "ENV", "--bogus"], "No such option: --bogus"),
])
def test_usage_errors_are_one_line_exit_2(capsys: Capsys, tmp_path: Path, args: list[str],
                                         message: str) -> None:
    path = env(tmp_path, "REDIS_URL=redis://127.0.0.1:9/0\n")
    code, out, err = run(capsys, *[path if a == "ENV" else a for a in args])
    assert (code, out) == (2, "")
    assert err.startswith("authdoctor: error: ") and message in err and err.count("\n") == 1


def test_help_says_what_is_sent(capsys: Capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "What is sent (read-only, no retries" in flat
    assert "Never KEYS, never a write." in flat
    for option in ("--token", "--env-file", "--probe-timeout", "--ca-file", "--insecure", "--fail-on"):
        assert option in out


def test_check_looks_up_the_test_accounts_token(capsys: Capsys, tmp_path: Path,
                                                fake_redis: FakeRedis) -> None:  # noqa: F811
    """`check` (not only `redis inspect`) looks up `test_account.token` of deploy.yaml."""
    import jwt

    token = jwt.encode({"id": "u-1", "jti": "j-signed-out", "iat": 1, "exp": 2**31}, "k" * 32)
    fake_redis.revoked.add("owui:auth:token:j-signed-out:revoked")
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(f"version: 1\nenv:\n  REDIS_URL: redis://127.0.0.1:{fake_redis.port}/0\n"
                      f"  REDIS_KEY_PREFIX: owui\ntest_account:\n  token: {token}\n")
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--config", str(deploy), "--only", "redis", "--now", NOW, "--format", "json"])
    out, _ = capsys.readouterr()
    assert excinfo.value.code == 1
    found = [f for f in json.loads(out)["findings"] if f["code"] == "jwt.revoked"]
    assert found and found[0]["area"] == "redis"
    assert found[0]["evidence"]["key"] == "owui:auth:token:j-signed-out:revoked"
    assert token not in out


def test_the_report_names_the_redis_it_probed_with_the_password_masked(capsys: Capsys,
                                                                        tmp_path: Path) -> None:
    path = env(tmp_path, "REDIS_URL=redis://:hunter2-secret@127.0.0.1:9/0\nWEBUI_URL=https://chat.example.com\n")
    _, out, _ = run(capsys, "--env-file", path, "--probe-timeout", "1", "--format", "json")
    document = json.loads(out)
    assert document["target"] == "redis://:***@127.0.0.1:9/0"
    assert "hunter2-secret" not in out
    _, text, _ = run(capsys, "--env-file", path, "--probe-timeout", "1")
    assert text.splitlines()[0] == "authdoctor 0.1.0 redis inspect: redis://:***@127.0.0.1:9/0"
