"""Settings inputs as the doctor reads them: .env files, compose services, the process
environment, several replicas; and what the settings checks then report through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authdoctor.cli import main
from authdoctor.errors import ConfigError
from authdoctor.settings import SettingsInputs, load_deployment
from authdoctor.settings.compose import load_compose
from authdoctor.settings.envfile import load_process_env, parse_env_text

STRONG = "9f1c2e7a4b8d6f0e3a5c7b9d1e2f4a6c8b0d2e4f6a8c0b2d4e6f8a0c2e4b6d8f"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    with pytest.raises(SystemExit) as excinfo:
        main([*args, "--format", "json", "--offline"])
    out, _err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), json.loads(out)


def finding_codes(report: dict[str, object]) -> set[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["code"] for f in findings if f["severity"] not in ("ok", "skipped")}


# --------------------------------------------------------------------------- .env files

@pytest.mark.parametrize(("line", "value"), [
    ("A=plain", "plain"),
    ('A="double quoted"', "double quoted"),
    ("A='single ${B}'", "single ${B}"),          # single quotes: no interpolation
    ('A="with ${B}"', "with from-b"),
    ("A=${B}-x", "from-b-x"),
    ("A=${MISSING:-fallback}", "fallback"),
    ("export A=exported", "exported"),
    ("A=value # comment", "value"),
    ("A=crlf\r", "crlf"),
    ('A="keeps space "', "keeps space "),
    ("A=trailing   ", "trailing"),
    ("A=", ""),
])
def test_env_file_values(line: str, value: str) -> None:
    text = "B=from-b\n" + line + "\n"
    assert parse_env_text(text, "t.env", {})["A"].value == value


def test_env_file_keeps_line_numbers_and_raw_lines() -> None:
    parsed = parse_env_text("# comment\n\nWEBUI_URL=https://x.example  \r\n", "t.env", {})
    var = parsed["WEBUI_URL"]
    assert var.location is not None and (var.location.path, var.location.line) == ("t.env", 3)
    assert var.raw is not None and var.raw.startswith("WEBUI_URL=https://x.example  ")


def test_env_reference_resolves_from_environment() -> None:
    assert parse_env_text("A=${OUTSIDE}\n", "t.env", {"OUTSIDE": "v"})["A"].value == "v"


def test_unparsable_env_line_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot parse line"):
        parse_env_text('A="unterminated\n', "t.env", {})


def test_process_environment_source() -> None:
    env = load_process_env({"WEBUI_SECRET_KEY": STRONG, "PATH": "/bin"})
    assert env.get("WEBUI_SECRET_KEY") == STRONG and env.label == "process environment"


# --------------------------------------------------------------------------- compose

COMPOSE = """\
x-common: &common
  REDIS_URL: redis://redis:6379/0
services:
  redis:
    image: redis:7
  open-webui:
    image: ghcr.io/open-webui/open-webui:main
    env_file: [owui.env]
    environment:
      <<: *common
      WEBUI_SECRET_KEY: ${OWUI_SECRET}
      WEBUI_AUTH_COOKIE_SECURE: yes
      LDAP_SERVER_PORT: 0636
      ENABLE_SIGNUP: false
      WEBUI_URL: https://from-compose.example.com
      PRICE: "a$$b"
      PASSED_THROUGH:
    volumes:
      - open-webui:/app/backend/data
      - type: bind
        source: ./certs
        target: /certs
  worker:
    image: ghcr.io/open-webui/open-webui:main
    environment:
      - WEBUI_SECRET_KEY=other-secret-value-0123456789abcdef
      - "WEBUI_URL=https://chat.example.com "
volumes:
  open-webui: {}
"""


@pytest.fixture
def compose_dir(tmp_path: Path) -> Path:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    (tmp_path / "owui.env").write_text("WEBUI_URL=https://from-env-file.example.com\nENABLE_LDAP=true\n")
    (tmp_path / ".env").write_text(f"OWUI_SECRET={STRONG}\n")
    return tmp_path


def test_compose_service_environment(compose_dir: Path) -> None:
    path = str(compose_dir / "docker-compose.yml")
    [service] = load_compose(path, ["open-webui"], {"PASSED_THROUGH": "host-value"})
    values = {v.name: v.value for v in service}
    assert values["REDIS_URL"] == "redis://redis:6379/0"          # merge key
    assert values["WEBUI_SECRET_KEY"] == STRONG                     # project .env interpolation
    assert values["WEBUI_AUTH_COOKIE_SECURE"] == "yes"              # YAML 1.2: stays a string
    assert values["LDAP_SERVER_PORT"] == "0636"                     # not YAML 1.1 octal
    assert values["ENABLE_SIGNUP"] == "false"
    assert values["WEBUI_URL"] == "https://from-compose.example.com"  # environment beats env_file
    assert values["ENABLE_LDAP"] == "true"                          # from env_file
    assert values["PRICE"] == "a$b"                                 # $$ escape
    assert values["PASSED_THROUGH"] == "host-value"
    assert service.compose is not None
    assert service.compose.volume_targets == ("/app/backend/data", "/certs")
    line = service.vars["WEBUI_AUTH_COOKIE_SECURE"].location
    assert line is not None and line.line == 12


def test_compose_process_environment_beats_project_env(compose_dir: Path) -> None:
    [service] = load_compose(str(compose_dir / "docker-compose.yml"), ["open-webui"],
                             {"OWUI_SECRET": "from-shell"})
    assert service.get("WEBUI_SECRET_KEY") == "from-shell"


def test_compose_picks_every_open_webui_service(compose_dir: Path) -> None:
    services = load_compose(str(compose_dir / "docker-compose.yml"), [], {})
    assert [s.compose.name for s in services if s.compose] == ["open-webui", "worker"]
    worker = services[1]
    assert worker.get("WEBUI_URL") == "https://chat.example.com "   # list form keeps the space


@pytest.mark.parametrize(("text", "message"), [
    ("services: {db: {image: postgres}}", "no service runs an Open WebUI image"),
    ("just: text", "no 'services:' mapping"),
    ("services:\n  a: [", "invalid YAML"),
])
def test_compose_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_compose(str(path), [], {})


def test_unknown_service_is_named(compose_dir: Path) -> None:
    with pytest.raises(ConfigError, match="service 'web' not found"):
        load_compose(str(compose_dir / "docker-compose.yml"), ["web"], {})


# --------------------------------------------------------------------------- replicas

def test_each_source_is_a_replica(tmp_path: Path) -> None:
    a, b = tmp_path / "a.env", tmp_path / "b.env"
    a.write_text(f"WEBUI_SECRET_KEY={STRONG}\n")
    b.write_text(f"WEBUI_SECRET_KEY={STRONG[::-1]}\n")
    deployment = load_deployment(SettingsInputs(env_files=(str(a), str(b)), from_env=True, environ={}))
    assert deployment.replica_count == 3
    assert [r.label for r in deployment.replicas] == [str(a), str(b), "process environment"]


def test_cli_compares_env_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ("WEBUI_URL=https://chat.example.com\nCORS_ALLOW_ORIGIN=https://chat.example.com\n"
              "WEBUI_SESSION_COOKIE_SECURE=true\nREDIS_URL=redis://redis:6379/0\n")
    a, b = tmp_path / "a.env", tmp_path / "b.env"
    a.write_text(common + f"WEBUI_SECRET_KEY={STRONG}\n")
    b.write_text(common.replace("redis:6379", "redis-2:6379") + f"WEBUI_SECRET_KEY={STRONG[::-1]}\n")
    code, report = run_cli(capsys, "check", "--env-file", str(a), "--env-file", str(b))
    assert code == 1
    assert {"secret.replica-mismatch", "config.replica-mismatch"} <= finding_codes(report)
    text = json.dumps(report)
    assert STRONG not in text and STRONG[::-1] not in text


def test_cli_reads_compose_services_as_replicas(compose_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_cli(capsys, "check", "--compose", str(compose_dir / "docker-compose.yml"))
    assert code == 1
    codes = finding_codes(report)
    assert "secret.replica-mismatch" in codes           # open-webui and worker keys differ
    assert "config.invalid-value" in codes              # WEBUI_AUTH_COOKIE_SECURE: yes
    assert "config.value-whitespace" in codes           # worker's WEBUI_URL
    assert STRONG not in json.dumps(report)


def test_cli_from_env(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_EXPIRES_IN", "3600")
    monkeypatch.setenv("WEBUI_SECRET_KEY", STRONG)
    code, report = run_cli(capsys, "check", "--from-env", "--only", "jwt")
    assert code == 1
    assert finding_codes(report) == {"jwt.expires-in-invalid"}


@pytest.mark.parametrize(
    ("service_extra", "expected"),
    [("", 1), ("    deploy:\n      replicas: 3\n", 3), ("    scale: 2\n", 2),
     ("    deploy:\n      replicas: zero\n", 1)],
)
def test_compose_replicas_count_as_processes(tmp_path: Path, service_extra: str, expected: int) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  open-webui:\n    image: ghcr.io/open-webui/open-webui:main\n"
        "    environment:\n      - WEBUI_SECRET_KEY=k\n" + service_extra
    )
    deployment = load_deployment(SettingsInputs(compose_files=(str(compose),), environ={}))
    assert deployment.replica_count == expected


def test_compose_replicas_without_redis_warn(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  open-webui:\n    image: ghcr.io/open-webui/open-webui:main\n"
        "    environment:\n      - WEBUI_URL=https://chat.example.org\n    deploy:\n      replicas: 2\n"
    )
    _code, report = run_cli(capsys, "check", "--compose", str(compose), "--only", "redis")
    findings = report["findings"]
    assert isinstance(findings, list)
    not_configured = next(f for f in findings if f["code"] == "redis.not-configured")
    assert not_configured["severity"] == "warning"


@pytest.mark.parametrize(
    ("extra", "message"),
    [("    env_file: 5\n", "'env_file' must be a path or a list of paths"),
     ("    volumes: 7\n", "'volumes' must be a list")],
)
def test_compose_odd_shapes_are_config_errors(tmp_path: Path, extra: str, message: str) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  ow:\n    image: ghcr.io/open-webui/open-webui:main\n" + extra)
    with pytest.raises(ConfigError, match=message):
        load_deployment(SettingsInputs(compose_files=(str(compose),), environ={}))
