"""`authdoctor oidc probe`: the command's interface (issue 9), against the loopback provider of
`discovery_server` (a healthy discovery document and JWKS) and a dead loopback port. The codes
themselves are proved on the lab's real oidc-provider in tests/lab/test_lab_oidc_probe.py."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from discovery_server import WELL_KNOWN, discovery_server  # noqa: F401 - the fixture
from render_fixtures import validate_json_report

from authdoctor.checks.oidc import discovery_url
from authdoctor.cli import main

NOW = "2026-11-28T00:00:00Z"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(["oidc", "probe", *args])
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.mark.parametrize(("url", "expected", "appended"), [
    ("https://idp.example.com/realms/acme", "https://idp.example.com/realms/acme" + WELL_KNOWN, True),
    ("https://idp.example.com/realms/acme/", "https://idp.example.com/realms/acme" + WELL_KNOWN, True),
    ("https://idp.example.com/realms/acme" + WELL_KNOWN, "https://idp.example.com/realms/acme" + WELL_KNOWN,
     False),
    ("https://login.example.com/t/v2.0?appid=x", "https://login.example.com/t/v2.0" + WELL_KNOWN + "?appid=x",
     True),
    ("https://as.example.com/.well-known/oauth-authorization-server/tenant",
     "https://as.example.com/.well-known/oauth-authorization-server/tenant", False),
])
def test_discovery_url(url: str, expected: str, appended: bool) -> None:
    assert discovery_url(url) == (expected, appended)


def test_issuer_url_healthy_provider(capsys: pytest.CaptureFixture[str], discovery_server: str) -> None:  # noqa: F811
    code, out, err = run(capsys, discovery_server, "--now", NOW)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"authdoctor 0.1.0 oidc probe: {discovery_server}{WELL_KNOWN}"
    assert lines[1] == (f"({discovery_server} is taken as the issuer: "
                        "/.well-known/openid-configuration appended)")
    assert "OK       OIDC provider: settings and the running server checked, no problems found" in out
    assert lines[-1] == "no problems found · 1 area checked · exit 0 (fail-on error)"


def test_discovery_url_is_not_rewritten(capsys: pytest.CaptureFixture[str], discovery_server: str) -> None:  # noqa: F811
    code, out, _ = run(capsys, discovery_server + WELL_KNOWN, "--now", NOW)
    assert code == 0
    assert out.splitlines()[0] == f"authdoctor 0.1.0 oidc probe: {discovery_server}{WELL_KNOWN}"
    assert "appended" not in out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_machine_formats_and_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         discovery_server: str, fmt: str) -> None:  # noqa: F811
    target = tmp_path / f"report.{fmt}"
    code, out, _ = run(capsys, discovery_server, "--format", fmt, "--output", str(target), "--now", NOW)
    assert (code, out) == (0, "")
    text = target.read_text()
    if fmt == "json":
        document = json.loads(text)
        validate_json_report(document)
        assert document["command"] == "oidc probe"
        assert document["target"].endswith("/.well-known/openid-configuration appended)")
        assert [c["area"] for c in document["checks"]] == ["oidc"]
        assert document["exit_code"] == 0
    elif fmt == "sarif":
        assert json.loads(text)["runs"][0]["properties"]["command"] == "oidc probe"
    else:
        assert ET.fromstring(text).find("testsuite") is not None or ET.fromstring(text).tag == "testsuite"


def test_dead_provider_exits_1_with_the_rung(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, _ = run(capsys, f"http://127.0.0.1:{port}", "--format", "json", "--now", NOW,
                       "--probe-timeout", "2")
    document = json.loads(out)
    assert code == 1
    [finding] = document["findings"]
    assert finding["code"] == "oidc.discovery-unreachable"
    assert finding["evidence"]["failed at"] == "tcp"
    assert finding["evidence"]["not checked because of it"].startswith("the JWKS")


def test_ignore_and_public_url_are_the_same_options_as_checks(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    """One interface for every command that reports findings: --ignore and --public-url too."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, _ = run(capsys, f"http://127.0.0.1:{port}", "--format", "json", "--now", NOW,
                       "--probe-timeout", "2", "--ignore", "oidc.discovery-unreachable")
    assert code == 0 and not [f for f in json.loads(out)["findings"]
                              if f["code"] == "oidc.discovery-unreachable"]
    env = tmp_path / "o.env"
    env.write_text(f"OPENID_PROVIDER_URL=http://127.0.0.1:{port}/.well-known/openid-configuration\n")
    code, out, _ = run(capsys, "--env-file", str(env), "--public-url", "https://chat.example.org",
                       "--format", "json", "--now", NOW, "--probe-timeout", "2")
    assert json.loads(out)["target"] == "https://chat.example.org"


def test_fail_on_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                         discovery_server: str) -> None:  # noqa: F811
    env = tmp_path / "openwebui.env"
    env.write_text(f"OAUTH_CLIENT_ID=webui\nOAUTH_CLIENT_SECRET=Sup3r-Secret-Client-Value-987\n"
                   f"OPENID_PROVIDER_URL={discovery_server}{WELL_KNOWN}\nOAUTH_SCOPES=openid email roles\n"
                   "ENABLE_OAUTH_SIGNUP=true\n")
    code, out, _ = run(capsys, "--env-file", str(env), "--provider", "oidc", "--now", NOW, "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert [c["area"] for c in document["checks"]] == ["logout", "oauth", "oidc"]
    oidc = next(c for c in document["checks"] if c["area"] == "oidc")
    assert oidc["finding_codes"] == ["oidc.scope-unsupported"]
    assert "Sup3r-Secret-Client-Value-987" not in out
    code, _, _ = run(capsys, "--env-file", str(env), "--now", NOW, "--fail-on", "warning")
    assert code == 1


@pytest.mark.parametrize(("args", "message"), [
    ([], "give the provider's issuer or discovery URL, or the app's settings"),
    (["ftp://idp.example.com"], "URL 'ftp://idp.example.com': give the issuer or discovery URL"),
    (["https://"], "URL is not a usable URL: it has no host name"),
    (["https://idp.example.com", "--from-env"], "give either a URL or settings"),
    (["https://idp.example.com", "--provider", "google"],
     "--provider google: give the app's settings (--env-file, --config, ...), not a URL"),
    (["https://idp.example.com", "--provider", "okta"],
     "--provider 'okta': choose one of oidc, google, microsoft, github, feishu"),
    (["https://idp.example.com", "--format", "yaml"],
     "--format 'yaml': choose one of text, json, sarif, junit"),
    (["https://idp.example.com", "--fail-on", "panic"], "--fail-on 'panic': choose error, warning or info"),
    (["https://idp.example.com", "--now", "yesterday"], "--now 'yesterday' is not a date"),
    (["https://idp.example.com", "--timeout", "0"], "--timeout"),
])
def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str],
                                           message: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("authdoctor: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_help_says_what_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for text in ("--provider", "--probe-timeout", "--fail-on", "Exit codes"):
        assert text in out
    flat = " ".join(out.split())
    for text in ("What is sent for a URL: one GET of the discovery document and one GET of its jwks_uri",
                 "a GET of the end_session_endpoint (or OPENID_END_SESSION_ENDPOINT) without id_token_hint",
                 "GETs of the app's /api/config and /oauth/<provider>/login at the public URL",
                 "GET <authorization_endpoint>?response_type=code&client_id=",
                 "POST <token_endpoint> grant_type=authorization_code&code=authdoctor-probe-invalid-code",
                 "never over plain http off loopback", "--no-idp-requests leaves both requests out"):
        assert text in flat
