"""The deploy area (issue 10, probe 1) against the real Open WebUI 0.12.4: a healthy app gives no
deploy problem, and settings that disagree with the running app give deploy.config-differs and
deploy.public-url-differs, from the real app's own /api/config and /opensearch.xml.

The scenario is test_e2e_openwebui.py's (the same settings share one real instance for the test
session). Run alone with `scripts/test -m e2e`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from authdoctor.cli import main

from .app_under_test import LabApp
from .fixtures import STRONG_SECRET
from .oidc import LabOidc
from .openwebui_real import RealOpenWebUI

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]


@pytest.fixture(scope="module")
def settings(lab_oidc: LabOidc) -> dict[str, str]:
    # test_e2e_openwebui.py's settings: the same real instance when both modules run
    return {"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user", **lab_oidc.env()}


@pytest.fixture(scope="module")
def real(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
         settings: dict[str, str]) -> RealOpenWebUI:
    app = lab_openwebui_factory(settings)
    if httpx.get(f"{app.url}/api/config", timeout=10).json().get("onboarding"):
        app.create_admin()
    return app


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SystemExit) as excinfo:
        main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return int(excinfo.value.code or 0), findings


def write_env(tmp_path: Path, env: Mapping[str, str]) -> str:
    path = tmp_path / "app.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return str(path)


def test_the_healthy_real_app_has_no_deploy_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    real: RealOpenWebUI) -> None:
    code, found = run(capsys, "check", "--env-file", write_env(tmp_path, real.env), "--only", "deploy")
    assert (code, [f["code"] for f in found]) == (0, ["deploy.ok"])
    code, found = run(capsys, "app", "probe", real.url)
    assert code == 0
    # app probe also runs the trusted-header and transport areas (issue 10 probes 5, 6): the app
    # offers no trusted-header sign-in (ok), and its URL is plain http (no HTTPS to check)
    assert sorted(f["code"] for f in found if not f["code"].startswith("deploy.")) == [
        "transport.skipped", "trusted-header.ok"]
    [summary] = [f for f in found if f["code"].startswith("deploy.")]
    assert summary["code"] == "deploy.app-summary"
    assert summary["evidence"] == {
        "version": "0.12.4", "sign-in (auth)": "on", "sign-up": "off", "login form": "on", "LDAP": "off",
        "trusted header": "off", "OAuth providers": "oidc",
        "public URL the app uses": real.url}  # /opensearch.xml is served without sign-in


def test_settings_that_disagree_with_the_running_app(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     real: RealOpenWebUI) -> None:
    other = {**real.env, "WEBUI_URL": "https://chat.example.com", "ENABLE_LDAP": "true",
             "ENABLE_OAUTH": "false"}
    code, found = run(capsys, "check", "--env-file", write_env(tmp_path, other), "--url", real.url,
                      "--only", "deploy")
    assert code == 0
    by_code = {f["code"]: f for f in found}
    assert sorted(by_code) == ["deploy.config-differs", "deploy.public-url-differs"]
    assert by_code["deploy.config-differs"]["evidence"] == {
        "LDAP sign-in": "the app: off; the settings: on (ENABLE_LDAP)",
        "OAuth providers": "the app: oidc; the settings: (none)"}
    assert real.url in by_code["deploy.public-url-differs"]["title"]
    assert "WEBUI_URL=https://chat.example.com" in by_code["deploy.public-url-differs"]["title"]


def test_the_imitation_serves_opensearch_like_the_real_app(capsys: pytest.CaptureFixture[str],
                                                           real: RealOpenWebUI,
                                                           lab_app_factory: Callable[..., LabApp],
                                                           settings: dict[str, str]) -> None:
    overrides: dict[str, str | None] = {**settings, "ENABLE_SIGNUP": None,
                                        "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": None}
    imitation: LabApp = lab_app_factory(overrides, redis_topology=None, oidc_variant=None, with_ldap=False)
    truth = httpx.get(f"{real.url}/opensearch.xml", timeout=30)
    copy = httpx.get(f"{imitation.url}/opensearch.xml", timeout=30)
    assert truth.status_code == copy.status_code == 200
    assert truth.headers["content-type"] == copy.headers["content-type"] == "application/xml"
    assert copy.text.replace(imitation.url, real.url) == truth.text

    def probe(url: str) -> tuple[int, dict[str, str]]:
        code, found = run(capsys, "app", "probe", url)
        [summary] = [f for f in found if f["code"].startswith("deploy.")]
        evidence: dict[str, str] = summary["evidence"]
        return code, {k: v.replace(url, "URL") for k, v in evidence.items()}

    assert probe(imitation.url) == probe(real.url)
