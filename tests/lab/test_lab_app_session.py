"""The sign-in probe end to end through the CLI (`check --user --password-env --signout`, `app
probe`) against the lab's imitation of Open WebUI 0.12.4 (app_under_test.py, run in-process here
without Redis, and with the lab Redis as a real server): the codes a user sees, the exit code,
what is sent, and that the password and the token appear in no output."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from authdoctor.cli import main

from .app_under_test import DEFAULT_USERS, LabApp, make_server
from .fixtures import STRONG_SECRET
from .ports import free_port

ADMIN = DEFAULT_USERS[0]
PASSWORD_VAR = "AUTHDOCTOR_TEST_OWUI_PW"


@pytest.fixture
def imitation(request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, str]]]:
    """The imitation on a free loopback port, in this process, no Redis; `env` via indirect param."""
    overrides: Mapping[str, str] = getattr(request, "param", {})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"WEBUI_SECRET_KEY": STRONG_SECRET, "WEBUI_URL": url, "ENABLE_SIGNUP": "false", **overrides}
    server = make_server("127.0.0.1", port, env)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, env
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def write_env(tmp_path: Path, env: Mapping[str, str]) -> str:
    path = tmp_path / "app.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        password: str = ADMIN["password"], fmt: str = "json") -> tuple[int, Any, str]:
    monkeypatch.setenv(PASSWORD_VAR, password)
    with pytest.raises(SystemExit) as excinfo:
        main([*args, "--format", fmt])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert password not in out + err
    return int(excinfo.value.code or 0), (json.loads(out) if fmt == "json" and out else out), err


#: Areas `app probe` also runs (probes 5-6), not this probe's.
OTHER_AREAS = ("trusted-header", "transport")


def codes(report: Any) -> list[str]:
    return [f["code"] for f in report["findings"] if f["area"] not in OTHER_AREAS]


def account(user: str = ADMIN["email"]) -> list[str]:
    return ["--user", user, "--password-env", PASSWORD_VAR]


def test_healthy_signin_round_trip_and_signout_without_redis(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        imitation: tuple[str, dict[str, str]]) -> None:
    _url, env = imitation
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, env),
                          "--only", "deploy", *account(), "--signout")
    assert code == 1
    assert codes(report) == ["deploy.signout-not-revoking", "deploy.session-summary"]
    summary = report["findings"][1]["evidence"]
    assert summary["Bearer round trip"] == summary["cookie round trip"] == "200 application/json"
    assert summary["old token after sign-out"] == "200 application/json"
    assert "no REDIS_URL" in report["findings"][0]["title"]


def test_without_signout_the_session_stays_and_is_clean(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        imitation: tuple[str, dict[str, str]]) -> None:
    url, _env = imitation
    code, report, _ = run(capsys, monkeypatch, "app", "probe", url, *account())
    assert code == 0
    assert codes(report) == ["deploy.app-summary", "deploy.session-summary"]
    [summary] = [f for f in report["findings"] if f["code"] == "deploy.session-summary"]
    assert "sign-out" not in summary["evidence"]


def test_the_text_report_never_shows_the_token(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        imitation: tuple[str, dict[str, str]]) -> None:
    url, _ = imitation
    token = httpx.post(f"{url}/api/v1/auths/signin", timeout=5,
                       json={"email": ADMIN["email"], "password": ADMIN["password"]}).json()["token"]
    _code, out, _ = run(capsys, monkeypatch, "app", "probe", url, *account(), "--signout", fmt="text")
    head = token.split(".")[0]
    assert "deploy.session-summary" in out
    assert token.split(".")[2] not in out and token.split(".")[1][:40] not in out
    assert head + "." not in out


def test_wrong_password(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                        imitation: tuple[str, dict[str, str]]) -> None:
    url, _ = imitation
    code, report, _ = run(capsys, monkeypatch, "app", "probe", url, *account(), password="not-the-pw-123")
    assert code == 1
    assert codes(report) == ["deploy.signin-failed", "deploy.app-summary"]
    [failed] = [f for f in report["findings"] if f["code"] == "deploy.signin-failed"]
    assert "wrong email or password" in failed["title"]


def test_rate_limited_is_not_retried(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                     imitation: tuple[str, dict[str, str]]) -> None:
    url, _ = imitation
    user = DEFAULT_USERS[1]
    for _ in range(15):
        httpx.post(f"{url}/api/v1/auths/signin", json={"email": user["email"], "password": "x"}, timeout=5)
    code, report, _ = run(capsys, monkeypatch, "app", "probe", url, *account(user["email"]),
                          password=user["password"])
    assert code == 1
    [failed] = [f for f in report["findings"] if f["code"] == "deploy.signin-failed"]
    assert "rate limited" in failed["title"] and "clears by" in failed["evidence"]


@pytest.mark.parametrize("imitation", [{"WEBUI_AUTH_COOKIE_SAME_SITE": "None;Secure"}], indirect=True)
def test_an_invalid_samesite_is_a_500_at_signin_named_by_its_setting(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        imitation: tuple[str, dict[str, str]]) -> None:
    _url, env = imitation
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, env),
                          "--only", "deploy", "--only", "cookie", *account())
    assert code == 1
    assert codes(report) == ["cookie.samesite-invalid", "deploy.signin-failed"]
    failed = report["findings"][1]
    assert "WEBUI_AUTH_COOKIE_SAME_SITE" in failed["title"] and "HTTP 500" in failed["title"]


@pytest.mark.parametrize("imitation", [{"WEBUI_AUTH_COOKIE_SAME_SITE": "none"}], indirect=True)
def test_samesite_none_without_secure_in_the_settings_and_live(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        imitation: tuple[str, dict[str, str]]) -> None:
    _url, env = imitation
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, env),
                          "--only", "deploy", "--only", "cookie", *account())
    assert code == 1
    assert codes(report) == ["cookie.samesite-none-without-secure", "cookie.samesite-none-without-secure",
                             "deploy.session-summary"]
    by_area = {f["area"]: f for f in report["findings"] if f["code"].startswith("cookie.")}
    assert "arrived SameSite=none" in by_area["deploy"]["title"]


def test_settings_with_another_key_than_the_app(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        imitation: tuple[str, dict[str, str]]) -> None:
    _url, env = imitation
    other = {**env, "WEBUI_SECRET_KEY": "0" * 32 + "another-key-than-the-apps"}
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, other),
                          "--only", "deploy", *account())
    assert code == 1
    assert codes(report) == ["jwt.bad-signature", "deploy.session-summary"]


@pytest.mark.parametrize(("args", "message"), [
    (["--user", "a@example.org"], "--user needs the account's password"),
    (["--password-env", PASSWORD_VAR], "--password-env needs the account"),
    (["--signout"], "--signout signs the test account's session out"),
    (["--user", "a@example.org", "--password-env", "UNSET_AUTHDOCTOR_VAR_X"], "is not set"),
    (["--user", "a@example.org", "--password-env", "hunter2=x"], "give the NAME"),
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                      args: list[str], message: str) -> None:
    monkeypatch.setenv(PASSWORD_VAR, "pw-value-123")
    with pytest.raises(SystemExit) as excinfo:
        main(["app", "probe", "http://127.0.0.1:9", *args])
    out, err = capsys.readouterr()
    assert excinfo.value.code == 2
    assert err.startswith("authdoctor: error: ") and message in err
    assert "pw-value-123" not in out + err


# --------------------------------------------------------------------------- with the lab Redis


@pytest.mark.realserver
def test_with_redis_signout_revokes_and_the_key_has_the_right_ttl(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        lab_app_factory: Callable[..., LabApp]) -> None:
    app = lab_app_factory({}, oidc_variant=None, with_ldap=False)
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, app.env),
                          "--only", "deploy", *account(), "--signout")
    assert code == 0, report
    assert codes(report) == ["deploy.session-summary"]
    evidence = report["findings"][0]["evidence"]
    assert evidence["old token after sign-out"] == "401 detail 'Invalid token'"
    assert evidence["revocation key"].startswith("found, TTL ")
    ttl, remaining = (int(n) for n in re.findall(r"(\d+) s", evidence["revocation key"]))
    assert abs(ttl - remaining) <= 5 and ttl > 27 * 86400


def test_a_given_token_is_sent_back_and_a_refusal_explained(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        imitation: tuple[str, dict[str, str]]) -> None:
    import jwt as pyjwt

    url, env = imitation
    token = httpx.post(f"{url}/api/v1/auths/signin", timeout=5,
                       json={"email": ADMIN["email"], "password": ADMIN["password"]}).json()["token"]
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, env),
                          "--only", "deploy", "--token", token)
    assert (code, codes(report)) == (0, ["deploy.session-summary"])
    evidence = report["findings"][0]["evidence"]
    assert evidence["Bearer round trip"] == evidence["cookie round trip"] == "200 application/json"
    forged = pyjwt.encode({**pyjwt.decode(token, options={"verify_signature": False})},
                          "a-key-the-app-does-not-have-0123456789", algorithm="HS256")
    code, report, _ = run(capsys, monkeypatch, "check", "--env-file", write_env(tmp_path, env),
                          "--only", "deploy", "--token", forged)
    assert code == 1
    assert sorted(codes(report)) == ["deploy.session-refused", "deploy.session-refused",
                                     "deploy.session-summary", "jwt.bad-signature"]
    [refusal, _] = [f for f in report["findings"] if f["code"] == "deploy.session-refused"]
    assert "another WEBUI_SECRET_KEY" in refusal["title"]
    for output in (json.dumps(report),):
        assert token.split(".")[2] not in output and forged.split(".")[2] not in output


def test_a_given_token_is_never_signed_out(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["app", "probe", "http://127.0.0.1:9", "--token", "eyJhbGciOiJIUzI1NiJ9.e30.x", "--signout"])
    assert excinfo.value.code == 2
    assert "--signout signs the test account's session out" in capsys.readouterr().err
