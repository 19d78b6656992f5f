"""`authdoctor check` against the reproductions of the adversarial report of 2026-11-28 (ids in
each test's docstring) and issue 8's selection and --public-url rules: a clear exit 2 line or a
report, never a crash (exit 3) or a silent pass."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jwt_factory import run_cli

from authdoctor.checks.registry import all_checks

Capsys = pytest.CaptureFixture[str]
REPO = Path(__file__).resolve().parent.parent
SETTINGS_FILES = [REPO / "examples" / "broken.env", REPO / "fixtures" / "healthy.env",
                  REPO / "fixtures" / "lab" / "openwebui.env"]


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "w.env"
    path.write_text("WEBUI_URL=https://chat.example.org\nWEBUI_AUTH=yes\n")
    return path


def one_line_error(code: int, out: str, err: str) -> None:
    assert (code, out) == (2, ""), err
    assert err.startswith("authdoctor: error: ") and err.count("\n") == 1, err


# --------------------------------------------------------------------------- W1 / issue 8: selection


def test_w1_only_and_skip_of_the_same_area_is_a_usage_error(capsys: Capsys, env_file: Path) -> None:
    """W1: `--only secret --skip secret` checked nothing and exited 0."""
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline",
                             "--only", "secret", "--skip", "secret")
    one_line_error(code, out, err)
    assert "--only and --skip both name secret" in err


def test_w1_skipping_every_area_is_a_usage_error(capsys: Capsys, env_file: Path) -> None:
    skips = [arg for area in all_checks() for arg in ("--skip", area)]
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", *skips)
    one_line_error(code, out, err)
    assert "leaves no check area to run" in err


@pytest.mark.parametrize("area", list(all_checks()))
def test_only_shows_only_that_area(capsys: Capsys, area: str) -> None:
    """Issue 8: `--only ldap` shows only the ldap area; no other area's findings appear."""
    for path in SETTINGS_FILES:
        code, out, err = run_cli(capsys, "check", "--env-file", str(path), "--offline", "--only", area,
                                 "--format", "json", "--now", "2026-11-26T12:00:00Z")
        assert code in (0, 1), err
        report: dict[str, Any] = json.loads(out)
        assert [c["area"] for c in report["checks"]] == [area]
        assert {f["area"] for f in report["findings"]} <= {area}


# --------------------------------------------------------------------------- H6f, H6g: no exit 3


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
@pytest.mark.parametrize("now", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_h6f_now_at_the_ends_of_the_calendar(capsys: Capsys, env_file: Path, fmt: str, now: str) -> None:
    """H6f: --now near year 1 or 9999 with an offset crashed json/sarif/junit (OverflowError)."""
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--now", now,
                             "--format", fmt)
    one_line_error(code, out, err)
    assert "outside the range authdoctor can compute with (1970-01-01 to 9998-12-31, UTC)" in err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_h6f_the_last_supported_day_works_in_every_format(capsys: Capsys, env_file: Path, fmt: str) -> None:
    code, _, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--now",
                           "9998-12-31T23:00:00-00:30", "--format", fmt)
    assert code in (0, 1), err


def test_h6g_non_utf8_secret_key_in_the_environment(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """H6g: WEBUI_SECRET_KEY=$'abc\\xffdef...' crashed the secret check (UnicodeEncodeError)."""
    monkeypatch.setenv("WEBUI_SECRET_KEY", "abc\udcffdef0123456789abcdef0123456789")
    code, out, err = run_cli(capsys, "check", "--from-env", "--offline", "--only", "secret",
                             "--format", "json")
    assert code in (0, 1), err
    assert "internal.check-crashed" not in out


def _authdoctor(*args: str, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> tuple[int, str, str]:
    """A real process: its stdout is a real UTF-8 stream, where the reproductions crashed (the
    capture of an in-process run forgives what a terminal or a file does not)."""
    result = subprocess.run([sys.executable, "-m", "authdoctor", *args], capture_output=True, check=False,
                            timeout=60, env={**os.environ, "NO_COLOR": "1", **(env or {})}, cwd=cwd)
    return result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_h6g_non_utf8_file_name(env_file: Path, tmp_path: Path, fmt: str) -> None:
    """H6g: `--env-file $'n\\xfe.env' --format sarif` raised UnicodeEncodeError."""
    odd = tmp_path / "n\udcfe.env"
    shutil.copy(env_file, odd)
    code, out, err = _authdoctor("check", "--env-file", str(odd), "--offline", "--format", fmt)
    assert code in (0, 1), err
    if fmt in ("json", "sarif"):
        json.loads(out)


def test_h6g_non_utf8_relative_file_name_in_sarif(tmp_path: Path) -> None:
    """H6g, as the report ran it: a relative name (a SARIF artifact URI relative to the current
    directory) that is not UTF-8 becomes the percent-encoded bytes of the name."""
    (tmp_path / "n\udcfe.env").write_text("WEBUI_URL=https://chat.example.org\nJWT_EXPIRES_IN=3600\n")
    code, out, err = _authdoctor("check", "--env-file", "n\udcfe.env", "--offline", "--format", "sarif",
                                 cwd=tmp_path)
    assert code in (0, 1), err
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in json.loads(out)["runs"] for result in run["results"]
            for loc in result.get("locations", [])}
    assert "n%FE.env" in uris


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_h6g_non_utf8_variable_name(fmt: str) -> None:
    """H6g: `env $'WEBUI_\\xe9X=1' authdoctor check --from-env --format sarif` crashed."""
    code, out, err = _authdoctor("check", "--from-env", "--offline", "--format", fmt,
                                 env={"WEBUI_\udce9X": "1", "WEBUI_URL": "https://chat.example.org"})
    assert code in (0, 1), err  # a crashed check is exit 3
    if fmt in ("json", "sarif"):
        json.loads(out)


# --------------------------------------------------------------------------- U7, --public-url


def test_an_empty_config_path_is_named_as_such(capsys: Capsys) -> None:
    """`--config ""` said "no settings given" (review of issue 7); `--env-file ""` already named it."""
    code, out, err = run_cli(capsys, "check", "--config", "", "--offline")
    one_line_error(code, out, err)
    assert "the config file path is empty" in err


def test_u7_service_without_compose(capsys: Capsys) -> None:
    """U7: `check --service webui` said "no settings given" instead of the intended message."""
    code, out, err = run_cli(capsys, "check", "--service", "webui")
    one_line_error(code, out, err)
    assert "--service needs --compose, --docker-inspect or --k8s" in err


@pytest.mark.parametrize(("url", "problem"), [
    ("chat.example.org", "it is not an absolute URL (no scheme://host)"),
    ("ftp://chat.example.org", "its scheme is 'ftp'"),
    ("https://[::1/x", "Invalid IPv6 URL"),
    ("https://chat.example.org:99999", "its port is not a number between 0 and 65535"),
    ("https://chat.example.org/a b", "spaces or control characters"),
    ("", "it is empty"),
    ("https://chat.example.org/\udcff", "not UTF-8 text"),
])
def test_a_malformed_public_url_is_a_usage_error(capsys: Capsys, env_file: Path, url: str,
                                                problem: str) -> None:
    """Issue 8: a malformed --public-url is a usage error naming what is wrong with it."""
    for command in (["check", "--offline"], ["config", "show"]):
        code, out, err = run_cli(capsys, *command, "--env-file", str(env_file), "--public-url", url)
        one_line_error(code, out, err)
        assert problem in err


def test_a_public_url_password_is_not_echoed(capsys: Capsys, env_file: Path) -> None:
    code, out, err = run_cli(capsys, "check", "--offline", "--env-file", str(env_file),
                             "--public-url", "https://admin:S3cretPW@chat.example.org:99999")
    one_line_error(code, out, err)
    assert "S3cretPW" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["check", "--from-env", "--timeout", "abc"], "Invalid value for '--timeout'"),
    (["check", "--only"], "Option '--only' requires an argument."),
    (["jwt", "verify"], "Missing argument 'TOKEN'."),
    (["check", "--no-such-flag"], "No such option: --no-such-flag"),
])
def test_option_parsing_errors_are_one_line_too(capsys: Capsys, args: list[str], message: str) -> None:
    """Issue 7 §4: every bad input is a clear exit 2 line; click's four-line usage block was not."""
    code, out, err = run_cli(capsys, *args)
    one_line_error(code, out, err)
    assert message in err and "--help')" in err
