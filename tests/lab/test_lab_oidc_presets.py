"""Issue 9 against the lab's real panva providers: the Microsoft preset (a provider served under
/<tenant>/v2.0 like an Entra tenant, reached through MICROSOFT_CLIENT_LOGIN_BASE_URL), Entra's
template issuer, a 404 at the discovery URL, and TLS fronts with a good, an unknown-CA, an
expired and a wrong-host certificate from the lab's throwaway CAs (tests/lab/certs.py).

Google's discovery URL is fixed in the app and cannot be pointed at the lab: tests/test_oidc_presets.py
covers it with hand-built observations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from authdoctor.cli import main
from authdoctor.findings import Severity

from .certs import WRONG_HOSTNAME, LabCerts
from .oidc import LAB_TENANT, LabOidcSet
from .test_lab_oidc_live import problems, run_oidc

pytestmark = pytest.mark.realserver
NOW = "2026-11-28T00:00:00Z"


def probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["oidc", "probe", *args, "--format", "json", "--now", NOW, "--probe-timeout", "5"])
    out, err = capsys.readouterr()
    assert err == "", err
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), json.loads(out)


def findings(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["findings"]
    assert isinstance(found, list)
    return found


# ----------------------------------------------------------------------------- Microsoft

def test_microsoft_tenant_served_like_entra_gives_only_ok(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["microsoft"]
    assert provider.issuer.endswith(f"/{LAB_TENANT}/v2.0")
    outcome = run_oidc(provider, {**provider.env_microsoft(), "OPENID_PROVIDER_URL": ""})["oidc"]
    assert problems(outcome) == []
    assert [f.code for f in outcome.findings] == ["oidc.ok"]


def test_microsoft_preset_by_oidc_probe_provider(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["microsoft"]
    env = tmp_path / "ms.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in provider.env_microsoft().items()))
    code, document = probe(capsys, "--env-file", str(env), "--provider", "microsoft")
    assert code == 0
    oidc_area = next(c for c in document["checks"] if c["area"] == "oidc")
    assert oidc_area["finding_codes"] == ["oidc.ok"]
    # a wrong tenant: the real provider answers 404 outside its mount, named for Microsoft
    wrong = {**provider.env_microsoft(), "MICROSOFT_CLIENT_TENANT_ID": "other-tenant"}
    env.write_text("".join(f"{k}={v}\n" for k, v in wrong.items()))
    code, document = probe(capsys, "--env-file", str(env), "--provider", "microsoft")
    [found] = [f for f in findings(document) if f["area"] == "oidc"]
    assert code == 1 and found["code"] == "oidc.discovery-unreachable"
    assert found["title"] == "Microsoft: the Microsoft discovery URL answers HTTP 404 Not Found"
    assert found["evidence"]["Microsoft discovery URL"] == (
        f"{provider.login_base}/other-tenant/v2.0/.well-known/openid-configuration?appid=authdoctor-lab")
    assert "MICROSOFT_CLIENT_TENANT_ID (now 'other-tenant'" in found["fix"]


def test_oidc_probe_provider_not_configured_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, lab_oidc_all: LabOidcSet) -> None:
    settings = {k: v for k, v in lab_oidc_all["microsoft"].env_microsoft().items()
                if k != "MICROSOFT_CLIENT_TENANT_ID"}
    env = tmp_path / "ms.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    with pytest.raises(SystemExit) as excinfo:
        main(["oidc", "probe", "--env-file", str(env), "--provider", "microsoft"])
    out, err = capsys.readouterr()
    assert excinfo.value.code == 2 and out == ""
    assert err == ("authdoctor: error: --provider microsoft: the settings do not configure the Microsoft "
                   "provider (missing MICROSOFT_CLIENT_TENANT_ID)\n")


def test_microsoft_common_template_issuer_is_reported_once(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["microsoft_common"]
    assert provider.issuer.endswith("/{tenantid}/v2.0")
    outcome = run_oidc(provider, {**provider.env_microsoft(), "OPENID_PROVIDER_URL": ""})["oidc"]
    # the settings half predicts it from MICROSOFT_CLIENT_TENANT_ID=common; the live half agrees
    # (the document really has the template) and does not repeat it, nor call it a mismatch
    assert problems(outcome) == [("oidc.issuer-template", Severity.ERROR)]


def test_template_issuer_seen_live_where_the_settings_cannot_tell(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["microsoft_common"]
    # the generic OIDC provider pointed at a non-Entra host that publishes the template issuer
    outcome = run_oidc(provider)["oidc"]
    [found] = outcome.findings
    assert (found.code, found.severity) == ("oidc.issuer-template", Severity.ERROR)
    assert found.evidence["issuer in the document"] == provider.issuer


# ----------------------------------------------------------------------------- 404, TLS

def test_discovery_answering_404(lab_oidc_all: LabOidcSet) -> None:
    [found] = run_oidc(lab_oidc_all["not_found"])["oidc"].findings
    assert (found.code, found.severity) == ("oidc.discovery-unreachable", Severity.ERROR)
    assert found.evidence["status"] == "HTTP 404 Not Found"
    assert found.evidence["content type"].startswith("text/html")
    assert found.evidence["not checked because of it"].startswith("the JWKS")


def _tls(document: dict[str, Any]) -> dict[str, Any]:
    [found] = findings(document)
    assert found["code"] == "oidc.discovery-unreachable"
    assert found["evidence"]["failed at"] == "tls"
    return found


def test_tls_with_the_lab_ca_untrusted_then_trusted_with_ca_file(
        capsys: pytest.CaptureFixture[str], lab_oidc_all: LabOidcSet, lab_certs: LabCerts) -> None:
    provider = lab_oidc_all["tls"]
    assert provider.url.startswith("https://127.0.0.1:")
    code, document = probe(capsys, provider.url)
    found = _tls(document)
    assert code == 1
    assert "unknown CA" in found["title"]
    assert "authdoctor lab CA" in found["evidence"]["issuer"]
    assert "127.0.0.1" in found["evidence"]["names (SAN)"]
    code, document = probe(capsys, provider.url, "--ca-file", str(lab_certs.ca_file))
    assert code == 0 and [f["code"] for f in findings(document)] == ["oidc.ok"]
    code, document = probe(capsys, provider.url, "--insecure")
    assert code == 0 and [f["code"] for f in findings(document)] == ["probe.tls-not-verified", "oidc.ok"]


def test_tls_certificate_from_an_unknown_ca(capsys: pytest.CaptureFixture[str], lab_oidc_all: LabOidcSet,
                                            lab_certs: LabCerts) -> None:
    code, document = probe(capsys, lab_oidc_all["tls_unknown_ca"].url, "--ca-file", str(lab_certs.ca_file))
    found = _tls(document)
    assert code == 1
    assert found["title"].endswith("signed by a CA this machine does not trust (unknown CA)")
    assert "authdoctor lab UNKNOWN CA" in found["evidence"]["issuer"]


def test_tls_expired_certificate(capsys: pytest.CaptureFixture[str], lab_oidc_all: LabOidcSet,
                                 lab_certs: LabCerts) -> None:
    code, document = probe(capsys, lab_oidc_all["tls_expired"].url, "--ca-file", str(lab_certs.ca_file))
    found = _tls(document)
    assert code == 1
    assert found["title"].endswith("the certificate has expired")
    ended = datetime.fromisoformat(found["evidence"]["valid"].split(" to ")[1])
    assert ended < datetime.now(UTC)


def test_tls_wrong_host_certificate(capsys: pytest.CaptureFixture[str], lab_oidc_all: LabOidcSet,
                                    lab_certs: LabCerts) -> None:
    code, document = probe(capsys, lab_oidc_all["tls_wrong_host"].url, "--ca-file", str(lab_certs.ca_file))
    found = _tls(document)
    assert code == 1
    assert found["title"].endswith(f"the certificate is for {WRONG_HOSTNAME}, not 127.0.0.1")
    assert found["evidence"]["names (SAN)"] == WRONG_HOSTNAME
