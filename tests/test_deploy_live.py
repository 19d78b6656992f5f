"""The deploy area (issue 10, probe 1): the running app's reachability and identity.

Evaluation tests build the app's answers by hand (`fake_openwebui.FakeApp.answer` gives the
bodies the real 0.12.4 sends); the CLI tests run `check --url` and `app probe` against loopback
servers: the imitation, an HTML page, a 502 proxy page, a login wall and a closed port."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping

import pytest
from fake_openwebui import HTML_PAGE, LOGIN_WALL, PROXY_502, FakeApp, serve
from render_fixtures import REPO_ROOT
from settings_env import source

from authdoctor.checks.deploy import AppObservations, evaluate, settings_view
from authdoctor.cli import main
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation

BASE = "http://app.internal:8080"


def observe(app: FakeApp) -> AppObservations:
    def obs(path: str) -> HttpObservation:
        status, ctype, body = app.answer(path)
        return HttpObservation(url=f"{BASE}{path}", status=status, headers={"content-type": ctype}, body=body)

    return AppObservations(BASE, obs("/health"), obs("/api/version"), obs("/api/config"),
                           obs("/opensearch.xml"))


def run(app: FakeApp, env: Mapping[str, str] | None = None, *, summary: bool = False) -> list[Finding]:
    return evaluate(observe(app), settings_view(source(env)) if env is not None else None, summary=summary)


def codes(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in findings]


def test_an_app_that_runs_the_settings_gives_nothing() -> None:
    env = {"WEBUI_URL": "http://localhost:3000", "ENABLE_SIGNUP": "false"}
    assert run(FakeApp(), env) == []
    assert run(FakeApp()) == []  # no settings: nothing to compare


def test_unreachable_names_the_rung_and_its_evidence() -> None:
    failure = ProbeFailure(rung=Rung.DNS, summary="app.internal: the name does not resolve (NXDOMAIN)",
                           evidence={"name": "app.internal", "resolver": "NXDOMAIN"})
    dead = HttpObservation(url=f"{BASE}/api/config", failure=failure)
    observed = AppObservations(BASE, dead, dead, dead, dead)
    [found] = evaluate(observed, None)
    assert (found.code, found.severity) == ("deploy.unreachable", Severity.ERROR)
    assert "(dns)" in found.title and "NXDOMAIN" in found.title
    assert found.evidence["rung"] == "dns" and found.evidence["name"] == "app.internal"
    assert found.evidence["not attempted"] == "tcp, tls, protocol, application"


def test_a_proxy_502_means_the_app_behind_it_is_down() -> None:
    [found] = run(FakeApp(page=PROXY_502))
    assert (found.code, found.severity) == ("deploy.unreachable", Severity.ERROR)
    assert "answers 502" in found.title
    assert found.evidence["rung"] == "protocol" and "502 Bad Gateway" in found.evidence["first bytes"]


@pytest.mark.parametrize(("page", "words"), [
    (HTML_PAGE, "an HTML page answers where Open WebUI answers JSON"),
    (LOGIN_WALL, "a sign-in wall"),
    ((404, "application/json", b'{"detail":"Not Found"}'), "there is no /api/config here"),
    ((200, "application/json", b'{"hello":"world"}'), "not Open WebUI's JSON"),
])
def test_an_answer_that_is_not_open_webui(page: tuple[int, str, bytes], words: str) -> None:
    [found] = run(FakeApp(page=page), {"WEBUI_URL": BASE})
    assert (found.code, found.severity) == ("deploy.not-openwebui", Severity.WARNING)
    assert words in found.title
    assert found.evidence["content type"] == page[1]
    assert found.evidence["first bytes"].startswith(repr(page[2].decode()[:20])[:-1])


def test_another_version_is_said() -> None:
    [found] = run(FakeApp(version="0.6.5"))
    assert (found.code, found.severity) == ("deploy.version-unexpected", Severity.INFO)
    assert "0.6.5" in found.title


def test_ldap_on_in_the_app_but_off_in_the_settings() -> None:
    [found] = run(FakeApp(ldap=True), {"ENABLE_LDAP": "false"})
    assert (found.code, found.severity) == ("deploy.config-differs", Severity.WARNING)
    assert "LDAP sign-in" in found.title
    assert found.evidence["LDAP sign-in"] == "the app: on; the settings: off (ENABLE_LDAP)"
    assert "database copy" in found.detail


def test_a_missing_provider_auth_and_trusted_header_are_listed_in_one_finding() -> None:
    env = {"WEBUI_AUTH": "false", "WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-Email",
           "OAUTH_CLIENT_ID": "app", "OAUTH_CLIENT_SECRET": "s3cr3t-value-never-shown",
           "OPENID_PROVIDER_URL": "https://id.example.com/.well-known/openid-configuration"}
    [found] = run(FakeApp(), env)
    assert found.code == "deploy.config-differs"
    assert found.evidence["OAuth providers"] == "the app: (none); the settings: oidc"
    assert found.evidence["sign-in (auth)"] == "the app: on; the settings: off (WEBUI_AUTH)"
    assert "trusted-header sign-in" in found.evidence
    assert "s3cr3t" not in json.dumps(found.evidence) + found.detail


def test_signup_turned_off_by_the_first_signup_is_not_a_difference() -> None:
    assert run(FakeApp(signup=False), {"ENABLE_SIGNUP": "true"}) == []
    [found] = run(FakeApp(signup=True), {"ENABLE_SIGNUP": "false"})
    assert found.evidence["sign-up"] == "the app: on; the settings: off (ENABLE_SIGNUP=false)"


def test_providers_the_app_offers_while_oauth_is_off_in_the_settings() -> None:
    [found] = run(FakeApp(providers={"google": "Google"}), {"ENABLE_OAUTH": "false"})
    assert found.evidence["OAuth providers"] == "the app: google; the settings: (none)"


def test_the_database_copy_of_webui_url_wins() -> None:
    [found] = run(FakeApp(webui_url="http://old.example.com"), {"WEBUI_URL": "https://chat.example.com/"})
    assert (found.code, found.severity) == ("deploy.public-url-differs", Severity.WARNING)
    assert "http://old.example.com" in found.title and "WEBUI_URL=https://chat.example.com/" in found.title
    same = {"WEBUI_URL": "https://chat.example.com/"}
    assert run(FakeApp(webui_url="https://chat.example.com"), same) == []
    assert run(FakeApp(webui_url="http://old.example.com"), {}) == []  # WEBUI_URL not in the settings


def test_the_summary_says_what_the_app_advertises() -> None:
    [found] = run(FakeApp(ldap=True, providers={"oidc": "SSO"}), summary=True)
    assert (found.code, found.severity) == ("deploy.app-summary", Severity.INFO)
    assert found.evidence["LDAP"] == "on" and found.evidence["OAuth providers"] == "oidc"
    assert found.evidence["public URL the app uses"] == "http://localhost:3000"


# --------------------------------------------------------------------------- the command line


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as excinfo:
        main([*args, "--now", "2026-11-28T00:00:00Z"])
    out, err = capsys.readouterr()
    return int(excinfo.value.code or 0), out + err


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code, out = cli(capsys, *args, "--format", "json")
    return code, [f["code"] for f in json.loads(out)["findings"]]


def test_app_probe_of_a_healthy_app(capsys: pytest.CaptureFixture[str]) -> None:
    app = FakeApp()
    with serve(app) as url:
        code, out = cli(capsys, "app", "probe", url)
    assert code == 0, out
    assert f"Open WebUI 0.12.4 at {url}" in out
    assert sorted(app.requests) == ["/api/config", "/api/version", "/health", "/opensearch.xml"]


@pytest.mark.parametrize(("page", "expected", "exit_code"), [
    (HTML_PAGE, "deploy.not-openwebui", 0), (LOGIN_WALL, "deploy.not-openwebui", 0),
    (PROXY_502, "deploy.unreachable", 1)])
def test_app_probe_of_what_is_not_open_webui(capsys: pytest.CaptureFixture[str], page: tuple[int, str, bytes],
                                             expected: str, exit_code: int) -> None:
    # app probe also runs the trusted-header and transport live halves (issue 10 probes 5, 6):
    # without /api/config the exposure probe is not sent; a plain-http URL has no HTTPS to check
    with serve(FakeApp(page=page)) as url:
        code, found = report(capsys, "app", "probe", url)
    assert (code, found) == (exit_code, [expected, "transport.skipped", "trusted-header.skipped"])


def test_app_probe_of_a_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out = cli(capsys, "app", "probe", f"http://127.0.0.1:{port}")
    assert code == 1
    assert f"ERROR    deploy.unreachable  the app at http://127.0.0.1:{port} cannot be reached (tcp)" in out


def test_check_url_reaches_the_app_at_an_internal_address(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: object) -> None:
    from pathlib import Path

    env = Path(str(tmp_path)) / "app.env"
    env.write_text("WEBUI_URL=https://chat.example.com\nWEBUI_SECRET_KEY=a-long-random-secret-0123456789abcdef\n"
                   "ENABLE_LDAP=false\n")
    with serve(FakeApp(ldap=True, webui_url="https://chat.example.com")) as url:
        code, found = report(capsys, "check", "--env-file", str(env), "--url", url, "--only", "deploy")
        assert (code, found) == (0, ["deploy.config-differs"])
        code, found = report(capsys, "app", "probe", url, "--env-file", str(env))
        # transport: https://chat.example.com does not resolve in the tests; trusted header: off
        assert (code, found) == (0, ["deploy.config-differs", "deploy.app-summary", "transport.skipped",
                                     "trusted-header.skipped"])


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "app", "probe")
    assert code == 2 and "authdoctor: error: give the app's URL" in out
    code, out = cli(capsys, "app", "probe", "not a url")
    assert code == 2 and "authdoctor: error: URL 'not a url' is not usable" in out
    code, out = cli(capsys, "check", "--env-file", str(REPO_ROOT / "fixtures" / "healthy.env"), "--url", "ftp://x")
    assert code == 2 and "--url 'ftp://x' is not usable" in out


def test_credentials_in_the_url_are_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    with serve(FakeApp(page=HTML_PAGE)) as url:
        for fmt in ("text", "json", "sarif", "junit"):
            code, out = cli(capsys, "app", "probe", url.replace("http://", "http://ops:pa55word-x1@"),
                            "--format", fmt)
            assert code == 0, out
            assert "pa55word-x1" not in out
            assert "deploy.not-openwebui" in out
