"""Where the output goes: global options anywhere on the line, an unwritable or closed stdout,
a reader that goes away, and `--output` that would overwrite an input (adversarial report H6h,
H7, W3, U10, U14; issue 7 §4, issue 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jwt_factory import NOW, hs_token, run_cli

from authdoctor.cli import build_app

Capsys = pytest.CaptureFixture[str]
TOKEN = hs_token()


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "keep.env"
    path.write_text("WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY=0123456789abcdef0123456789abcdef\n")
    return path


def authdoctor(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    result: subprocess.CompletedProcess[str] = subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-m", "authdoctor", *args], capture_output=True, text=True, check=False, env=env,
        timeout=60, **kwargs)
    return result


# --------------------------------------------------------------------------- global options


@pytest.mark.parametrize("flag", ["--no-color", "--debug"])
def test_global_flags_work_after_the_subcommand_on_both_routes(capsys: Capsys, flag: str) -> None:
    before = run_cli(capsys, flag, "jwt", "decode", TOKEN, "--now", NOW)
    after = run_cli(capsys, "jwt", "decode", TOKEN, "--now", NOW, flag)
    assert after == before and after[0] == 0
    # the typer route (what `main` uses for everything but plain `jwt decode`) gives the same
    from authdoctor.cli import hoist_global_flags

    app = build_app()
    result = app(args=hoist_global_flags(["jwt", "decode", TOKEN, "--now", NOW, flag]),
                 prog_name="authdoctor", standalone_mode=False)
    out, _ = capsys.readouterr()
    assert (result, out) == (after[0], after[1])


def test_global_flags_after_check_and_after_options(capsys: Capsys, env_file: Path) -> None:
    plain = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--now", NOW)
    for args in (["check", "--no-color", "--env-file", str(env_file), "--offline", "--now", NOW],
                 ["check", "--env-file", str(env_file), "--offline", "--now", NOW, "--no-color", "--debug"]):
        assert run_cli(capsys, *args) == plain


def test_a_global_flag_after_double_dash_is_an_argument() -> None:
    from authdoctor.cli import hoist_global_flags

    assert hoist_global_flags(["jwt", "decode", "--", "--debug"]) == ["jwt", "decode", "--", "--debug"]
    assert hoist_global_flags(["check", "--debug", "--no-color", "--debug"]) == ["--debug", "--no-color",
                                                                                 "check"]


# --------------------------------------------------------------------------- stdout


@pytest.mark.parametrize("args", [
    ["jwt", "decode", TOKEN, "--now", NOW],
    ["explain", "--list"],
    ["check", "--env-file", "ENV", "--offline"],
    ["--help"],
])
def test_a_reader_that_goes_away_ends_quietly_with_141(env_file: Path, args: list[str]) -> None:
    args = [str(env_file) if a == "ENV" else a for a in args]
    read, write = os.pipe()
    os.close(read)  # nobody will read: every write is EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "authdoctor", *args], stdout=write,
                                stderr=subprocess.PIPE, text=True, check=False, timeout=60)
    finally:
        os.close(write)
    assert result.returncode == 141
    assert result.stderr == ""


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_reader_that_leaves_mid_report_ends_with_141(tmp_path: Path, unbuffered: str) -> None:
    """`authdoctor check ... | head -c1` on a report far larger than a pipe's buffer: the reader
    leaves after the first bytes. Under PYTHONUNBUFFERED the raw write took 64 KiB, said so by
    its count and the run exited 0 with the report cut (review of issue 7)."""
    many = tmp_path / "many.env"
    many.write_text("WEBUI_URL=https://chat.example.org\n"
                    + "".join(f"WEBUI_X_{i}=v\n" for i in range(600)))
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": unbuffered}
    proc = subprocess.Popen([sys.executable, "-m", "authdoctor", "check", "--env-file", str(many),
                             "--offline", "-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    assert proc.stdout is not None and proc.stderr is not None
    while not proc.stdout.read(1):  # the report has begun
        pass
    proc.stdout.close()  # the reader leaves, as head -c1 does
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err == b""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["jwt", "decode", TOKEN, "--now", NOW], ["check", "--env-file", "ENV",
                                                                            "--offline"]])
def test_a_full_stdout_is_a_one_line_error(env_file: Path, args: list[str]) -> None:
    args = [str(env_file) if a == "ENV" else a for a in args]
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "authdoctor", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "authdoctor: error: cannot write to stdout: No space left on device\n"


@pytest.mark.parametrize("args", [["jwt", "decode", TOKEN, "--now", NOW], ["check", "--env-file", "ENV",
                                                                            "--offline"]])
def test_a_closed_stdout_is_a_one_line_error(env_file: Path, args: list[str]) -> None:
    args = [str(env_file) if a == "ENV" else a for a in args]
    # Closing fd 1 before the interpreter starts is what `>&-` does; python then has sys.stdout None.
    result = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "authdoctor", *args],
                            stderr=subprocess.PIPE, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("authdoctor: error: stdout is closed")
    assert result.stderr.count("\n") == 1


# --------------------------------------------------------------------------- --output


def test_output_equal_to_an_input_is_refused_and_the_input_kept(capsys: Capsys, env_file: Path) -> None:
    before = env_file.read_bytes()
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline",
                             "--output", str(env_file))
    assert code == 2 and out == ""
    assert err == (f"authdoctor: error: --output {env_file} is one of the input files ({env_file}); "
                   "refusing to overwrite it: choose another file for the report\n")
    assert env_file.read_bytes() == before


def test_output_through_another_name_of_an_input_is_refused(capsys: Capsys, env_file: Path,
                                                            tmp_path: Path) -> None:
    link = tmp_path / "link.env"
    link.symlink_to(env_file)
    before = env_file.read_bytes()
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text("version: 1\npublic_url: https://chat.example.org\n")
    for args in (["--env-file", str(env_file), "--output", str(link)],
                 ["--config", str(deploy), "--output", str(tmp_path / "." / "deploy.yaml")]):
        code, _, err = run_cli(capsys, "check", "--offline", *args)
        assert code == 2 and "refusing to overwrite" in err
    assert env_file.read_bytes() == before
    assert deploy.read_text().startswith("version: 1")


@pytest.mark.parametrize("target", ["x.env", ".env"])
def test_output_onto_a_file_compose_reads_itself_is_refused(capsys: Capsys, tmp_path: Path,
                                                             target: str) -> None:
    """A compose `env_file:` and the project `.env` are inputs too, though not named on the
    command line (review of issue 7: both were overwritten with the report)."""
    (tmp_path / "x.env").write_text("WEBUI_URL=https://chat.example.org\n")
    (tmp_path / ".env").write_text("A=1\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n"
                       "    env_file: x.env\n")
    code, _, err = run_cli(capsys, "check", "--offline", "--compose", str(compose),
                           "--output", str(tmp_path / target))
    assert code == 2 and "refusing to overwrite" in err
    assert (tmp_path / "x.env").read_text() == "WEBUI_URL=https://chat.example.org\n"
    assert (tmp_path / ".env").read_text() == "A=1\n"


def test_empty_output_and_now_are_usage_errors(capsys: Capsys, env_file: Path) -> None:
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--output", "")
    assert (code, out) == (2, "") and "--output ''" in err
    code, out, err = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--now", "")
    assert (code, out) == (2, "") and "--now ''" in err
    code, out, err = run_cli(capsys, "jwt", "decode", TOKEN, "--now", " ")
    assert (code, out) == (2, "") and "--now ' '" in err


def test_output_file_still_written(capsys: Capsys, env_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run_cli(capsys, "check", "--env-file", str(env_file), "--offline", "--format", "json",
                           "--output", str(target), "--now", NOW)
    assert code in (0, 1) and out == ""
    assert json.loads(target.read_text())["command"] == "check"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["jwt", "--help"], ["--version"]])
def test_help_and_version_into_a_full_stdout_are_a_one_line_error(args: list[str]) -> None:
    """typer prints help itself: its OSError reached the boundary as "a bug", exit 3 (review)."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "authdoctor", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "authdoctor: error: cannot write to stdout: No space left on device\n"


def test_a_closed_stderr_keeps_the_exit_code() -> None:
    """An error with stderr closed (`2>&-`) exited 1, which means findings (review)."""
    result = subprocess.run([sys.executable, "-m", "authdoctor", "check", "--env-file",
                             "/nonexistent/x.env", "--offline"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, check=False, timeout=60,
                            preexec_fn=lambda: os.close(2))
    assert result.returncode == 2


def test_the_deadline_while_stdin_stays_open_exits_3_not_an_abort() -> None:
    """`--k8s -` fed by a writer that never closes: the read is abandoned at --timeout, and the
    exit is 3 with one line, not SIGABRT at the interpreter's shutdown (review)."""
    read, write = os.pipe()
    try:
        result = subprocess.run([sys.executable, "-m", "authdoctor", "check", "--k8s", "-",
                                 "--offline", "--timeout", "1"], stdin=read,
                                capture_output=True, text=True, check=False, timeout=60)
    finally:
        os.close(read)
        os.close(write)
    assert result.returncode == 3
    assert result.stderr.startswith("authdoctor: error: --timeout 1s reached while reading the settings")
    assert result.stderr.count("\n") == 1


def test_jwt_verify_reading_the_token_from_stdin_is_under_the_deadline() -> None:
    """`jwt verify -` with a writer that keeps stdin open: cut at --timeout, naming the phase
    (review of issue 7: it waited for the writer, then said 'while loading the key')."""
    read, write = os.pipe()
    os.write(write, b"eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
    try:
        result = subprocess.run([sys.executable, "-m", "authdoctor", "jwt", "verify", "-", "--secret-env",
                                 "SEC", "--timeout", "1"], stdin=read, capture_output=True, text=True,
                                check=False, timeout=60, env={**os.environ, "SEC": "x" * 32})
    finally:
        os.close(read)
        os.close(write)
    assert result.returncode == 3
    assert result.stderr.startswith("authdoctor: error: --timeout 1s reached while reading the token")
