"""The CLI's fast path (authdoctor/cli/fast.py) runs `check`, `explain` and `jwt decode` without
typer. It must never change what a command does or says: every command line it takes gives the
same exit code, stdout, stderr and output file as typer's path; every other one is left to typer.
And `check --offline` must not import the network libraries (issue 8 §5), checked in a fresh
interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from render_fixtures import REPO_ROOT

from authdoctor.cli import fast, main, split_global_flags

BROKEN = str(REPO_ROOT / "examples" / "broken.env")
HEALTHY = str(REPO_ROOT / "fixtures" / "healthy.env")
NOW = "2026-11-28T00:00:00Z"

TAKEN = [
    ["check", "--offline", "--env-file", BROKEN, "--format", "json", "--now", NOW],
    ["check", "-e", HEALTHY, "--now", NOW],
    ["check", f"--env-file={BROKEN}", "--only", "secret", "--only", "cookie", "--fail-on", "warning",
     "--ignore", "cookie.samesite-strict-breaks-oauth", "--now", NOW, "-f", "sarif"],
    ["check", "--env-file", BROKEN, "--timeout", "5", "--probe-timeout", "1.5", "--format", "junit",
     "--now", NOW, "-v"],
    ["check", "--env-file", BROKEN, "--skip", "ldap", "--verbose", "--now", NOW, "--public-url",
     "https://chat.example.org"],
    ["--no-color", "--debug", "check", "--env-file", BROKEN, "--now", NOW, "--offline"],
    ["check", "--env-file", BROKEN, "--offline", "--now", NOW, "--url", "http://10.0.0.5:8080"],
    ["check", "--env-file", BROKEN, "--url=ftp://x"],
    ["check", "--env-file", BROKEN, "--env-file", HEALTHY, "--now", NOW, "--format", "text",
     "--format", "json"],
    ["check", "--env-file", "/nonexistent/openwebui.env"],
    ["check"],
    ["check", "--env-file", BROKEN, "--format", "yaml"],
    ["check", "--env-file", BROKEN, "--only", "cookies"],
    ["check", "--env-file", BROKEN, "--ignore", "no.such-code"],
    ["check", "--env-file", BROKEN, "--fail-on", "loud"],
    ["check", "--env-file", BROKEN, "--now", "yesterday"],
    ["check", "--config", "/nonexistent/deploy.yaml"],
    ["check", "--env-file", BROKEN, "--timeout", "0.01"],
    ["check", "--docker-inspect", str(REPO_ROOT / "fixtures" / "docker" / "inspect-compose.json"),
     "--offline", "--now", NOW, "--format", "json"],
    ["check", "--k8s", str(REPO_ROOT / "fixtures" / "k8s" / "helm-template.yaml"), "--offline",
     "--now", NOW],
    ["explain", "jwt.expired"],
    ["explain", "JWT.EXPIRED", "--json"],
    ["explain", "--list"],
    ["explain", "-l", "--json"],
    ["explain", "jwt.expird"],
]

DECLINED = [
    ["check", "--help"],
    ["check", "-h"],
    ["check", "--env-file", BROKEN, "--timeout", "1e1"],
    ["check", "--env-file", BROKEN, "--timeout", "soon"],
    ["check", "--env-file", BROKEN, "--bogus"],
    ["check", "--env-file"],
    ["check", "--env-file", "--offline"],
    ["check", "--env-file", BROKEN, "extra"],
    ["check", "--offline=true", "--env-file", BROKEN],
    ["check", f"-e{BROKEN}"],
    ["check", "--env-file", BROKEN, "--no-color"],
    ["explain"],
    ["explain", "a", "b"],
    ["explain", "--help"],
    ["explain", "jwt.expired", "--verbose"],
    ["--version"],
    ["config", "schema"],
    ["jwt", "verify", "x"],
    [],
]


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[object, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    return excinfo.value.code, out, err


@pytest.mark.parametrize("args", TAKEN, ids=lambda a: " ".join(Path(x).name for x in a)[:60])
def test_the_fast_path_says_exactly_what_typer_says(args: list[str], capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # as `main` asks it: with the global flags taken out
    assert fast.fast_command(split_global_flags(args)[1]) is not None, \
        "this command line should take the fast path"
    quick = run(capsys, args)
    monkeypatch.setattr(fast, "fast_command", lambda args: None)
    assert run(capsys, args) == quick


@pytest.mark.parametrize("args", DECLINED, ids=lambda a: " ".join(Path(x).name for x in a)[:60])
def test_unusual_command_lines_are_left_to_typer(args: list[str]) -> None:
    assert fast.fast_command(args) is None


def test_output_file_is_the_same(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path) -> None:
    args = ["check", "--env-file", BROKEN, "--now", NOW, "--format", "json", "-o", str(tmp_path / "a.json")]
    assert run(capsys, args)[0] == 1
    monkeypatch.setattr(fast, "fast_command", lambda args: None)
    assert run(capsys, [*args[:-1], str(tmp_path / "b.json")])[0] == 1
    first = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert first == json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))


HEAVY = ("ldap3", "redis", "httpx", "dns", "cryptography", "pydantic",
         # no live half runs offline: no event loop, no TLS, no probe session (start-up time)
         "asyncio", "ssl", "authdoctor.probes.cache",
         # nor the database reader: nothing is read from the app's database offline
         "sqlite3", "authdoctor.probes.db")
PROBE = """
import contextlib, io, json, sys
from authdoctor.cli import main
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = {*sys.modules, *(name.split(".")[0] for name in sys.modules)}
heavy = sorted(loaded & set(json.loads(sys.stdin.read())))
print(json.dumps({"code": code, "heavy": heavy}))
"""


@pytest.mark.parametrize("args", [
    ["check", "--offline", "--env-file", BROKEN, "--format", "json"],
    ["check", "--offline", "--env-file", HEALTHY],
    ["check", "--offline", "--env-file", HEALTHY, "--format", "sarif"],
    ["explain", "ldap.tls-port-mismatch"],
], ids=["broken-json", "healthy-text", "healthy-sarif", "explain"])
def test_offline_check_and_explain_import_no_network_library(args: list[str]) -> None:
    """Issue 8 §5: the offline path must not import ldap3, redis, httpx, dnspython or
    cryptography; and it takes the fast path, so not pydantic either (typer's cost); nor asyncio,
    ssl or the probe session, which only live halves need."""
    result = subprocess.run([sys.executable, "-c", PROBE, *args], input=json.dumps(HEAVY),
                            capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, 1)
    assert report["heavy"] == []


def test_the_fast_parser_knows_every_option_of_typers_check() -> None:
    """A new `check` option must be taught to the fast path too, or it would be refused there as
    unknown only to be handed to typer (slow) -- or worse, parsed differently."""
    import typer.main

    from authdoctor.cli import build_app

    group = typer.main.get_command(build_app())
    check = group.commands["check"]  # type: ignore[attr-defined]
    declared = {opt for param in check.params for opt in (*param.opts, *param.secondary_opts)}
    known = {*fast._CHECK_LISTS, *fast._CHECK_VALUES, *fast._CHECK_FLAGS}
    assert declared - {"--help", "-h"} == known
    # ... with the same shape (repeatable, a value, a flag) and the same defaults
    for param in check.params:
        for opt in param.opts:
            if opt in fast._CHECK_LISTS:
                assert param.multiple, opt
            elif opt in fast._CHECK_VALUES:
                assert not param.multiple and not getattr(param, "is_flag", False), opt
            elif opt in fast._CHECK_FLAGS:
                assert getattr(param, "is_flag", False), opt
    defaults = {param.name: param.default for param in check.params}
    assert defaults["timeout"] == fast.CHECK_DEFAULT_TIMEOUT
    assert {name: defaults[name] for name in fast.CHECK_DEFAULTS} == fast.CHECK_DEFAULTS
