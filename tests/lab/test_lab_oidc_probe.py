"""`authdoctor oidc probe` against the lab's real oidc-provider variants (issue 9): the healthy
provider gives only ok (by issuer URL, and as the app uses it from a .env), the no-end-session
variant its code, the trailing-slash issuer its warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authdoctor.cli import main

from .oidc import LabOidc, LabOidcSet

pytestmark = pytest.mark.realserver
NOW = "2026-11-28T00:00:00Z"


def probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["oidc", "probe", *args, "--format", "json", "--now", NOW])
    out, err = capsys.readouterr()
    assert err == ""
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), json.loads(out)


def codes(document: dict[str, object]) -> list[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [f["code"] for f in findings]


def test_healthy_by_issuer_url(capsys: pytest.CaptureFixture[str], lab_oidc: LabOidc) -> None:
    code, document = probe(capsys, lab_oidc.url)
    assert code == 0
    assert codes(document) == ["oidc.ok"]
    assert document["target"] == (f"{lab_oidc.discovery_url} ({lab_oidc.url} is taken as the issuer: "
                                  "/.well-known/openid-configuration appended)")


def test_healthy_public_client_from_env_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             lab_oidc: LabOidc) -> None:
    env = tmp_path / "lab.env"
    # the public URL of an app whose callback the lab registered: the oauth area presents the
    # client and this redirect URI to the provider's authorization endpoint. Whether a lab app
    # answers there depends on earlier tests: the app probe (issue 9 probe 7) then finds it healthy,
    # or says in a skipped line that it could not reach it; neither is a problem.
    public = lab_oidc.public_client.redirect_uris[0].removesuffix("/oauth/oidc/callback")
    settings = {**lab_oidc.env(public=True), "WEBUI_URL": public}
    env.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    code, document = probe(capsys, "--env-file", str(env), "--provider", "oidc")
    assert code == 0
    assert [c for c in codes(document) if c != "oauth.skipped"] == ["logout.ok", "oauth.ok", "oidc.ok"]
    findings = document["findings"]
    assert isinstance(findings, list)
    assert all("could not reach the app" in f["title"] for f in findings if f["code"] == "oauth.skipped")


def test_unregistered_public_url_from_env_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               lab_oidc: LabOidc) -> None:
    env = tmp_path / "lab.env"
    settings = {**lab_oidc.env(public=True), "WEBUI_URL": "http://127.0.0.1:1"}
    env.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    code, document = probe(capsys, "--env-file", str(env), "--provider", "oidc")
    assert code == 1
    assert "oauth.redirect-uri-not-registered" in codes(document)


def test_no_end_session(capsys: pytest.CaptureFixture[str], lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["no_end_session"]
    code, document = probe(capsys, provider.discovery_url, "--fail-on", "warning")
    assert code == 1
    assert codes(document) == ["oidc.end-session-missing"]


def test_trailing_slash_issuer(capsys: pytest.CaptureFixture[str], lab_oidc_all: LabOidcSet) -> None:
    code, document = probe(capsys, lab_oidc_all["issuer_trailing_slash"].url)
    assert code == 0
    assert codes(document) == ["oidc.issuer-mismatch"]
