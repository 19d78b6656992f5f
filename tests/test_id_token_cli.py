"""`check --id-token` (issue 9 probe 8b) as a user gives it: on the command line, from stdin, in
deploy.yaml; usage errors in one line; the fast path parses it like typer."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from authdoctor.cli import main
from authdoctor.cli.fast import fast_command

NOW = "2026-11-28T00:00:00Z"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture
def env_file(tmp_path: Path) -> str:
    path = tmp_path / "app.env"
    path.write_text("OAUTH_CLIENT_ID=owui\nOAUTH_CLIENT_SECRET=client-secret-value\n"
                    "OPENID_PROVIDER_URL=http://127.0.0.1:9/.well-known/openid-configuration\n")
    return str(path)


def oauth_codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"] if f["area"] == "oauth"]


def test_the_fast_path_knows_the_option() -> None:
    assert fast_command(["check", "--env-file", "x.env", "--id-token", TOKEN]) is not None
    assert fast_command(["check", "--env-file", "x.env", f"--id-token={TOKEN}"]) is not None


@pytest.mark.parametrize("how", ["option", "stdin"])
def test_the_token_is_checked_live(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                   env_file: str, how: str) -> None:
    if how == "stdin":
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{TOKEN}\n".encode())))
    code, out, err = run(capsys, "check", "--env-file", env_file, "--only", "oauth", "--probe-timeout", "1",
                         "--id-token", TOKEN if how == "option" else "-", "--now", NOW, "--format", "json")
    assert code in (0, 1), err
    assert "oauth.id-token-unchecked" in oauth_codes(out)  # the provider does not answer here
    assert TOKEN not in out and TOKEN.split(".")[2] not in out


def test_deploy_yaml_field(capsys: pytest.CaptureFixture[str], env_file: str, tmp_path: Path) -> None:
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(f"version: 1\ntest_account:\n  id_token: {TOKEN}\n")
    _, out, _ = run(capsys, "check", "--env-file", env_file, "--config", str(deploy), "--only", "oauth",
                    "--probe-timeout", "1", "--now", NOW, "--format", "json")
    assert "oauth.id-token-unchecked" in oauth_codes(out)
    _, shown, _ = run(capsys, "config", "show", "--config", str(deploy), "--json")
    assert TOKEN.split(".")[2] not in shown


def test_offline_does_not_use_it(capsys: pytest.CaptureFixture[str], env_file: str) -> None:
    _, out, _ = run(capsys, "check", "--env-file", env_file, "--only", "oauth", "--offline",
                    "--id-token", TOKEN, "--now", NOW, "--format", "json")
    assert not any(c.startswith(("jwt.", "oauth.id-token")) for c in oauth_codes(out))


def test_stdin_cannot_carry_both(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--docker-inspect", "-", "--id-token", "-")
    assert code == 2 and out == ""
    assert err.startswith("authdoctor: error: --id-token -: stdin already carries the settings")
    assert len(err.strip().splitlines()) == 1


def test_an_empty_token_is_a_usage_error(capsys: pytest.CaptureFixture[str], env_file: str) -> None:
    code, _, err = run(capsys, "check", "--env-file", env_file, "--id-token", " ")
    assert code == 2 and err.strip() == "authdoctor: error: --id-token: the token is empty"
