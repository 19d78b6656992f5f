"""The trusted-header area's live half (issue 10, probe 5): is trusted-header sign-in reachable
without the proxy's authentication?

Evaluation tests feed recorded answers of POST /api/v1/auths/signin (the bodies the real 0.12.4
sends, openwebui-live-0.12.4.md and constants.ERROR_MESSAGES) to `evaluate_exposure`; the CLI tests
run `check` and `app probe` against the loopback imitation (`fake_openwebui`), which records
every POST, so the tests also prove what is sent and when nothing is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_openwebui import HTML_PAGE, FakeApp, serve

from authdoctor.checks.trusted_header import (
    ACTION_PROHIBITED,
    INVALID_CRED,
    INVALID_TRUSTED_HEADER,
    PROBE_EMAIL,
    evaluate_exposure,
)
from authdoctor.cli import main
from authdoctor.findings import Finding, Severity
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation

BASE = "http://10.0.0.5:8080"
URL = f"{BASE}/api/v1/auths/signin"
HEADER = "X-Forwarded-Email"


def answer(status: int, body: bytes | dict[str, Any], ctype: str = "application/json",
           **headers: str) -> HttpObservation:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    return HttpObservation(url=URL, status=status, reason={200: "OK", 400: "Bad Request"}.get(status, ""),
                           headers={"content-type": ctype, **headers}, body=data)


def judge(obs: HttpObservation, header: str | None = HEADER) -> list[Finding]:
    return evaluate_exposure(obs, base_url=BASE, header=header, where="--url, not the public URL")


def test_the_apps_missing_header_answer_means_any_client_can_sign_in_as_anyone() -> None:
    [found] = judge(answer(400, {"detail": INVALID_TRUSTED_HEADER}))
    assert (found.code, found.severity) == ("trusted-header.backend-exposed", Severity.ERROR)
    assert found.title == (f"the app at {BASE} lets any client use trusted-header sign-in: anyone who "
                           "reaches it can sign in as anyone")
    assert f"Open WebUI takes the user's email from {HEADER} of whatever request reaches it" in found.detail
    assert "authdoctor did not send the header itself" in found.detail
    assert found.evidence["POST"] == URL
    assert found.evidence["reached at"] == "--url, not the public URL"
    assert found.evidence["answer"] == f"400 Bad Request {INVALID_TRUSTED_HEADER!r}"
    assert "without the trusted header, cookies or credentials" in found.evidence["sent"]
    assert PROBE_EMAIL in found.evidence["sent"]
    assert found.evidence["WEBUI_AUTH_TRUSTED_EMAIL_HEADER"] == HEADER
    assert "HOST=127.0.0.1" in found.fix and f"overwrite or remove {HEADER}" in found.fix


def test_without_settings_the_header_is_named_by_its_variable() -> None:
    [found] = judge(answer(400, {"detail": INVALID_TRUSTED_HEADER}), header=None)
    assert "the trusted email header (WEBUI_AUTH_TRUSTED_EMAIL_HEADER)" in found.detail
    assert "WEBUI_AUTH_TRUSTED_EMAIL_HEADER" not in found.evidence


def test_an_anonymous_request_that_gets_a_session_is_exposed_too() -> None:
    body = {"id": "u1", "email": "proxy-user@example.com", "token": "eyJhbGciOi.x.y", "token_type": "Bearer"}
    [found] = judge(answer(200, body))
    assert (found.code, found.severity) == ("trusted-header.backend-exposed", Severity.ERROR)
    assert "signed in a request that carried no credential at all" in found.title
    assert found.evidence["answer"] == "200 OK with a session token"
    assert "eyJhbGciOi" not in json.dumps(found.evidence) + found.detail  # the token is never shown


@pytest.mark.parametrize("obs", [
    answer(302, b"", "text/html", location="https://sso.example.com/login?rd=/api/v1/auths/signin"),
    answer(401, b"<html>Please sign in</html>", "text/html"),
    answer(401, {"error": "unauthorized"}),  # a forward-auth proxy's JSON wall
    answer(403, b"Forbidden", "text/plain"),
    answer(200, b"<!doctype html><html><body>Sign in</body></html>", "text/html; charset=utf-8"),
    answer(403, {"detail": ACTION_PROHIBITED}),  # ENABLE_PASSWORD_AUTH=false: every sign-in refused
], ids=["login-redirect", "html-wall", "json-wall", "forbidden", "portal-page", "password-auth-off"])
def test_an_authenticating_proxy_or_a_refused_sign_in_is_not_exposed(obs: HttpObservation) -> None:
    assert judge(obs) == []


@pytest.mark.parametrize(("obs", "words"), [
    (answer(400, {"detail": INVALID_CRED}), "replicas with different settings?"),
    (answer(422, {"detail": "Invalid authentication request."}), "does not tell"),
    (answer(502, b"<html>502 Bad Gateway</html>", "text/html"), "does not tell"),
    (answer(500, b"Internal Server Error", "text/plain"), "does not tell"),
])
def test_answers_that_do_not_tell_are_said_as_a_skip(obs: HttpObservation, words: str) -> None:
    [found] = judge(obs)
    assert found.severity is Severity.SKIPPED
    assert words in found.detail and "is not established" in found.detail


def test_no_answer_is_a_skip_with_the_failed_step() -> None:
    failure = ProbeFailure(Rung.TCP, "10.0.0.5:8080: connection refused (nothing listens on that port)")
    [found] = judge(HttpObservation(url=URL, failure=failure))
    assert found.severity is Severity.SKIPPED
    assert "connection refused" in found.detail


# --------------------------------------------------------------------------- the command line


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SystemExit) as excinfo:
        main([*args, "--now", "2026-11-28T00:00:00Z", "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(excinfo.value.code or 0), json.loads(out)["findings"]


def env_file(tmp_path: Path, **extra: str) -> str:
    path = tmp_path / "app.env"
    values = {"WEBUI_URL": "https://chat.example.com",
              "WEBUI_SECRET_KEY": "a-long-random-secret-0123456789abcdef", **extra}
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return str(path)


def test_check_sends_one_post_without_the_header_and_reports_the_exposure(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    app = FakeApp(trusted_header=True, trusted_header_name=HEADER)
    settings = env_file(tmp_path, WEBUI_AUTH_TRUSTED_EMAIL_HEADER=HEADER)
    with serve(app) as url:
        code, found = run(capsys, "check", "--env-file", settings, "--url", url, "--only", "trusted-header")
    assert code == 1
    exposed = [f for f in found if f["code"] == "trusted-header.backend-exposed"]
    assert len(exposed) == 1 and exposed[0]["severity"] == "error"
    assert exposed[0]["evidence"]["reached at"] == "--url, not the public URL"
    assert exposed[0]["location"]["path"] == settings
    [(path, headers, body)] = app.posts  # exactly one POST
    assert path == "/api/v1/auths/signin"
    assert json.loads(body) == {"email": PROBE_EMAIL, "password": ""}
    assert HEADER.lower() not in headers and "cookie" not in headers and "authorization" not in headers
    assert headers["content-type"] == "application/json"
    assert "/api/config" in app.requests  # the gate: the app said it runs trusted-header sign-in


@pytest.mark.parametrize(("app", "extra", "why"), [
    (FakeApp(trusted_header=False), {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": HEADER},
     "does not run trusted-header sign-in"),
    (FakeApp(trusted_header=True, page=HTML_PAGE), {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": HEADER},
     "could not be read"),
    (FakeApp(trusted_header=True), {}, "is not set"),
], ids=["app-says-off", "no-api-config", "settings-off"])
def test_nothing_is_posted_unless_the_app_is_known_to_run_trusted_header_sign_in(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, app: FakeApp, extra: dict[str, str],
        why: str) -> None:
    with serve(app) as url:
        code, found = run(capsys, "check", "--env-file", env_file(tmp_path, **extra), "--url", url,
                          "--only", "trusted-header")
    assert code == 0
    assert app.posts == []
    skips = [f for f in found if f["code"] == "trusted-header.skipped"]
    assert skips and any(why in str(f["detail"]) for f in skips), found
    assert "trusted-header.backend-exposed" not in {f["code"] for f in found}


def test_offline_sends_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    app = FakeApp(trusted_header=True)
    with serve(app) as url:
        run(capsys, "check", "--env-file", env_file(tmp_path, WEBUI_AUTH_TRUSTED_EMAIL_HEADER=HEADER),
            "--url", url, "--offline")
    assert app.posts == [] and app.requests == []


def test_app_probe_of_an_exposed_app_without_settings(capsys: pytest.CaptureFixture[str]) -> None:
    app = FakeApp(trusted_header=True)
    with serve(app) as url:
        code, found = run(capsys, "app", "probe", url)
    assert code == 1
    [exposed] = [f for f in found if f["code"] == "trusted-header.backend-exposed"]
    assert exposed["evidence"]["reached at"] == "the URL given"
    assert len(app.posts) == 1


def test_app_probe_of_an_app_without_trusted_header_sign_in(capsys: pytest.CaptureFixture[str]) -> None:
    app = FakeApp(trusted_header=False)
    with serve(app) as url:
        code, found = run(capsys, "app", "probe", url)
    assert code == 0
    assert "trusted-header.ok" in [f["code"] for f in found]
    assert app.posts == []
