"""The command line as a user meets it: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from authdoctor import __version__
from authdoctor.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "openwebui.env"
    path.write_text("WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY=Sup3r-Secret-Value-For-Tests-0123456789\n")
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert (code, out.strip()) == (0, f"authdoctor {__version__}")


def test_python_dash_m_runs_the_same_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "authdoctor", "--version"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.strip() == f"authdoctor {__version__}"


def test_help_teaches_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for text in ("check", "jwt", "explain", "config", "Exit codes", "--env-file"):
        assert text in out
    code, out, _ = run_cli(capsys, "check", "--help")
    assert code == 0
    assert "--offline" in out and "--fail-on" in out and "Exit codes" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--env-file", "/nonexistent/openwebui.env"],
         "/nonexistent/openwebui.env: env file not found"),
        (["check", "--config", "/nonexistent/deploy.yaml"], "deploy.yaml: config file not found"),
        (["check"], "no settings given"),
        (["check", "--from-env", "--format", "yaml"],
         "--format 'yaml': choose one of text, json, sarif, junit"),
        (["check", "--from-env", "--fail-on", "panic"], "--fail-on 'panic': choose error, warning or info"),
        (["check", "--from-env", "--ignore", "cookie.secure-on-htp"], "did you mean cookie.secure-on-http"),
        (["check", "--from-env", "--only", "cookies"], "unknown check area 'cookies'"),
        (["check", "--from-env", "--now", "yesterday"], "--now 'yesterday' is not a date"),
        (["explain", "jwt.expird"], "Closest known codes: jwt.expired"),
        (["check", "--no-such-flag"], "No such option: --no-such-flag"),
    ],
)
def test_usage_and_config_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str],
                                                      message: str) -> None:
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary\xff", "is a binary file, not text"),
        (b"WEBUI_URL=ok\n\xff\xfe bad", "is not UTF-8 text"),
        (b"WEBUI_URL=ok\nthis is not a setting\n", ":2: cannot parse line"),
    ],
)
def test_garbage_env_files_are_clear_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            content: bytes, message: str) -> None:
    path = tmp_path / "bad.env"
    path.write_bytes(content)
    code, _, err = run_cli(capsys, "check", "--env-file", str(path), "--offline")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_directory_is_not_a_settings_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "check", "--env-file", str(tmp_path), "--offline")
    assert code == 2
    assert "is a directory" in err


def test_invalid_yaml_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text("public_url: https://x\nldap:\n  port: [1, 2\n")
    code, _, err = run_cli(capsys, "check", "--config", str(path))
    assert code == 2
    assert f"{path}:" in err and "invalid YAML" in err


def test_internal_error_exits_3_without_traceback(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch, env_file: Path) -> None:
    import authdoctor.commands.check as check_module

    def explode(**kwargs: object) -> int:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(check_module, "run_check", explode)
    code, _, err = run_cli(capsys, "check", "--env-file", str(env_file))
    assert code == 3
    assert "internal error: ZeroDivisionError: simulated bug" in err
    assert "Traceback" not in err


def test_explain_prints_summary_explanation_and_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "explain", "internal.check-crashed")
    assert code == 0
    assert out.startswith("internal.check-crashed  (error)")
    assert "Fix: " in out


def test_explain_list_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "explain", "--list")
    assert code == 0 and "internal.deadline-exceeded" in out
    code, out, _ = run_cli(capsys, "explain", "internal.check-crashed", "--json")
    assert code == 0 and json.loads(out)["code"] == "internal.check-crashed"


def test_config_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "config", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert "public_url" in schema["properties"]


def test_config_show_masks_secrets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "owui.env"
    path.write_text(
        "WEBUI_SECRET_KEY=Sup3r-Secret-Value-For-Tests-0123456789\n"
        "OAUTH_CLIENT_SECRET=client-secret-value-xyz\n"
        "REDIS_URL=redis://default:redis-pass-123@cache:6379/0\n"
        "LDAP_APP_PASSWORD=ldap-app-pass-456\n"
    )
    for extra in ([], ["--json"]):
        code, out, _ = run_cli(capsys, "config", "show", "--env-file", str(path), *extra)
        assert code == 0
        for secret in ("Sup3r-Secret-Value-For-Tests-0123456789", "client-secret-value-xyz",
                       "redis-pass-123", "ldap-app-pass-456"):
            assert secret not in out
        assert "WEBUI_SECRET_KEY" in out and "<secret, 39 chars>" in out
        assert "redis://default:***@cache:6379/0" in out


def test_check_writes_report_to_output_file(capsys: pytest.CaptureFixture[str], env_file: Path,
                                            tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--format", "json",
                           "--output", str(target), "--now", "2026-11-26T12:00:00Z")
    assert code in (0, 1)
    assert out == ""
    data = json.loads(target.read_text())
    assert data["findings"]


def test_no_colour_when_not_a_terminal(env_file: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "authdoctor", "check", "--env-file", str(env_file),
                             "--offline"], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    assert "\x1b[" not in result.stdout and "\x1b[" not in result.stderr
    assert "Traceback" not in result.stderr


def test_no_color_env_var_even_when_forced(env_file: Path) -> None:
    import os

    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "authdoctor", "check", "--env-file", str(env_file),
                             "--offline"], capture_output=True, text=True, check=False, env=env)
    assert "\x1b[" not in result.stdout


def test_a_malformed_line_is_located_but_never_echoed(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    path = tmp_path / "typo.env"
    path.write_text("WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY supersecret-typo-value\n")
    code, out, err = run_cli(capsys, "check", "--env-file", str(path), "--offline")
    assert code == 2
    # L9: not even the line's first word is echoed (a wrapped secret's text can look like a name).
    assert ":2: cannot parse line, column 17: no '=' after the variable name" in err
    assert "supersecret-typo-value" not in out + err and "WEBUI_SECRET_KEY" not in err


def test_url_password_with_slash_is_masked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "r.env"
    path.write_text("REDIS_URL=redis://:REDISPW_QQQ/abc@127.0.0.1:6379/0\n")
    for args in (["check", "--offline"], ["check", "--offline", "--format", "json"], ["config", "show"]):
        _code, out, err = run_cli(capsys, *args[:1], *args[1:], "--env-file", str(path))
        assert "REDISPW_QQQ" not in out + err


def test_dev_zero_is_refused_not_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--env-file", "/dev/zero", "--offline")
    assert code == 2 and "is not a regular file" in err
