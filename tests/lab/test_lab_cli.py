"""`scripts/lab` and the lab's config files: deploy.yaml and openwebui.env say the same thing and
point at the lab's ports, and up / status / env / demo / down work end to end (on free ports,
in a private state folder, so they never collide with a lab started by hand)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from authdoctor.settings.deploy_yaml import load_deploy_yaml
from authdoctor.settings.envfile import load_env_file

from .lab import APP_ENV_FILE, DEFAULT_BASE, DEPLOY_YAML, OFFSETS, missing_binaries, port_env_name
from .paths import LAB_RUN, REPO
from .process import pid_alive

LAB_SCRIPT = REPO / "scripts" / "lab"


def settings(environ: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    from_yaml = {v.name: v.value for v in load_deploy_yaml(str(DEPLOY_YAML), environ).env}
    from_env = {v.name: v.value for v in load_env_file(APP_ENV_FILE, environ)}
    return from_yaml, from_env


def test_deploy_yaml_and_env_file_describe_the_same_deployment() -> None:
    from_yaml, from_env = settings({})
    assert from_yaml == from_env


def test_config_files_default_to_the_lab_ports_and_follow_overrides() -> None:
    lines = [line for line in APP_ENV_FILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    used = {name for name in OFFSETS if any(f"${{{port_env_name(name)}:-" in line for line in lines)}
    assert {"app", "redis_lru", "oidc_issuer_trailing_slash", "ldap_wrong_host_ldaps"} <= used
    defaults, _ = settings({})
    moved_env = {port_env_name(name): str(40000 + offset) for name, offset in OFFSETS.items()}
    moved, _ = settings({**moved_env, "AUTHDOCTOR_LAB_DIR": "/lab-dir"})
    for name in used:
        default_port, moved_port = str(DEFAULT_BASE + OFFSETS[name]), str(40000 + OFFSETS[name])
        assert any(default_port in v for v in defaults.values()), name
        assert any(moved_port in v for v in moved.values()), name
    assert moved["LDAP_CA_CERT_FILE"] == "/lab-dir/certs/ca.pem"
    assert defaults["LDAP_CA_CERT_FILE"] == ".lab-run/lab/certs/ca.pem"


@pytest.fixture
def cli_env() -> Iterator[dict[str, str]]:
    state_dir = LAB_RUN / f"cli-{os.getpid()}"
    shutil.rmtree(state_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHDOCTOR_LAB_")}
    env.update(AUTHDOCTOR_LAB_DIR=str(state_dir), AUTHDOCTOR_LAB_PORT_BASE="free")
    yield env
    subprocess.run([str(LAB_SCRIPT), "down"], env=env, capture_output=True, timeout=30, check=False)
    shutil.rmtree(state_dir, ignore_errors=True)


def lab(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LAB_SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=REPO, check=False)


@pytest.mark.realserver
def test_scripts_lab_up_status_env_demo_down(cli_env: dict[str, str]) -> None:
    from .fixtures import need

    need(missing_binaries(), "the whole lab")
    up = lab(cli_env, "up")
    assert up.returncode == 0, up.stderr
    state_file = Path(cli_env["AUTHDOCTOR_LAB_DIR"]) / "state.json"
    state = json.loads(state_file.read_text())
    assert state["startup_s"] < 5.0, f"whole-lab start-up took {state['startup_s']} s: {state['timings']}"
    assert state["app"]["url"] in up.stdout
    assert "alice/alice-pass" in up.stdout and "dave/dave-pass (no mail)" in up.stdout
    assert "(issuer says http://idp.internal:" in up.stdout
    for topology in ("standalone", "acl", "tls", "persistent", "lru", "sentinel", "cluster"):
        assert state["redis"][topology]["url"] in up.stdout

    status = lab(cli_env, "status")
    assert status.returncode == 0
    assert "authdoctor lab: running;" in status.stdout
    exports = lab(cli_env, "env").stdout.splitlines()
    assert f"export AUTHDOCTOR_LAB_APP_PORT={state['ports']['app']}" in exports

    demo = lab(cli_env, "demo")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "authdoctor check --config fixtures/lab/deploy.yaml" in demo.stdout
    assert "[found  ] secret.weak" in demo.stdout
    assert "[found  ] cookie.samesite-none-without-secure" in demo.stdout
    assert "[found  ] oidc.issuer-mismatch" in demo.stdout  # the live discovery probe (issue 9)
    assert "stopping the lab" not in demo.stdout  # it was already up: demo leaves it running

    down = lab(cli_env, "down")
    assert down.returncode == 0
    assert f"lab stopped ({len(state['processes'])} processes)" in down.stdout
    assert not any(pid_alive(p["pid"], p["start_time"]) for p in state["processes"])
    assert lab(cli_env, "status").returncode == 1


@pytest.mark.realserver
def test_install_lab_deps_is_a_fast_no_op_when_everything_is_present() -> None:
    import time

    from .fixtures import need

    need(missing_binaries(), "the whole lab")
    started = time.monotonic()
    out = subprocess.run([str(REPO / "scripts" / "install-lab-deps")], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "installing" not in out.stderr and "npm ci" not in out.stderr
    assert "lab dependencies ready" in out.stderr
    assert time.monotonic() - started < 3
