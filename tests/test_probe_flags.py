"""The probe options every live command shares (`--insecure`, `--ca-file`, `--no-idp-requests`):
what a user sees when they give them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from discovery_server import WELL_KNOWN, discovery_server  # noqa: F401 - the fixture

from authdoctor.cli import main
from authdoctor.commands.check import ProbeFlags
from authdoctor.settings.model import Deployment, EnvSource

NOW = "2026-11-28T00:00:00Z"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def codes(out: str) -> list[str]:
    return [f["code"] for f in json.loads(out)["findings"]]


def test_insecure_is_itself_reported_as_a_warning(capsys: pytest.CaptureFixture[str],
                                                  discovery_server: str) -> None:  # noqa: F811
    code, out, _ = run(capsys, "oidc", "probe", discovery_server, "--insecure", "--now", NOW,
                       "--format", "json")
    assert "probe.tls-not-verified" in codes(out)
    assert code == 0  # a warning: --fail-on error passes
    code, out, _ = run(capsys, "oidc", "probe", discovery_server, "--insecure", "--now", NOW,
                       "--format", "json", "--fail-on", "warning")
    assert code == 1


def test_verified_runs_and_offline_runs_do_not_carry_it(capsys: pytest.CaptureFixture[str],
                                                         discovery_server: str, tmp_path: Path) -> None:  # noqa: F811
    _, out, _ = run(capsys, "oidc", "probe", discovery_server, "--now", NOW, "--format", "json")
    assert "probe.tls-not-verified" not in codes(out)
    env = tmp_path / "a.env"
    env.write_text(f"OPENID_PROVIDER_URL={discovery_server}{WELL_KNOWN}\n")
    _, out, _ = run(capsys, "check", "--env-file", str(env), "--offline", "--insecure", "--now", NOW,
                    "--format", "json")
    assert "probe.tls-not-verified" not in codes(out)  # nothing was probed


def test_insecure_can_be_ignored_like_any_code(capsys: pytest.CaptureFixture[str],
                                              discovery_server: str) -> None:  # noqa: F811
    _, out, _ = run(capsys, "oidc", "probe", discovery_server, "--insecure", "--now", NOW,
                    "--format", "json", "--ignore", "probe.tls-not-verified")
    assert "probe.tls-not-verified" not in codes(out)


def test_a_ca_file_that_is_not_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    env = tmp_path / "a.env"
    env.write_text("WEBUI_SECRET_KEY=x\n")
    code, out, err = run(capsys, "check", "--env-file", str(env), "--ca-file", str(tmp_path))
    assert code == 2 and not out
    assert "--ca-file" in err and "Traceback" not in err


def test_flags_lay_over_the_settings_probe_section() -> None:
    deployment = Deployment(replicas=(EnvSource(label="x", vars={}),))
    assert ProbeFlags().apply(deployment) is deployment
    probe = ProbeFlags(ca_file="ca.pem", insecure=True, idp_requests=False).apply(deployment).probe
    assert (probe.ca_file, probe.verify_tls, probe.idp_requests) == ("ca.pem", False, False)


def test_the_run_level_area_is_not_counted_as_an_area_checked(capsys: pytest.CaptureFixture[str],
                                                              discovery_server: str) -> None:  # noqa: F811
    _, out, _ = run(capsys, "oidc", "probe", discovery_server, "--insecure", "--now", NOW)
    assert "How authdoctor probed · 1 warning" in out
    assert out.splitlines()[-1] == "1 warning · 1 area checked · exit 0 (fail-on error)"
