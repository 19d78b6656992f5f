"""`authdoctor har FILE`: the report interface (formats, --output, --fail-on, --now, settings,
exit codes), secrets masked in every format, and `--sanitize` writing a copy without any secret
that still gives the same diagnosis."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from har_factory import APP, IDP, entry, password_signin, session_token, write

from authdoctor.cli import main
from authdoctor.har.reader import read_har

PASSWORD = "Hunter2-Very-Secret!"
CLIENT_SECRET = "cl1ent-s3cret-value-77"
CODE = "auth-c0de-9f8e7d6c5b4a"
ID_TOKEN_SIG = "idTokenSignatureAAAABBBBCCCCDDDD"
SESSION = "owui-session-value-0123456789"
NOW = "2026-11-28T10:05:00Z"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(["har", *args])
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def _id_token() -> str:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"iss": IDP, "sub": "alice", "email": "alice@example.org", "name": "Alice", "aud": "open-webui"}
    return f"{b64({'alg': 'RS256'})}.{b64(claims)}.{ID_TOKEN_SIG}"


def broken_recording(tmp_path: Path) -> tuple[Path, set[str]]:
    """A Secure token cookie on http (refused), an OAuth form_post carrying a code and an ID token,
    a Basic header with a client secret, a sign-out by GET: every kind of secret a HAR holds."""
    token = session_token()
    id_token = _id_token()
    basic = base64.b64encode(f"open-webui:{CLIENT_SECRET}".encode()).decode()
    callback = f"{APP}/oauth/oidc/callback"
    authorize = f"{IDP}/auth?client_id=open-webui&redirect_uri={callback}&state=s1&response_mode=form_post"
    entries = [
        *password_signin(token=token, password=PASSWORD,
                         flags="HttpOnly; Max-Age=2419200; Path=/; SameSite=lax; Secure"),
        entry("GET", f"{APP}/api/v1/auths/", 401, body='{"detail":"Not authenticated"}',
              request_headers={"Authorization": f"Basic {basic}"}),
        entry("GET", f"{APP}/oauth/oidc/login", 302, location=authorize,
              set_cookies=[f"owui-session={SESSION}; HttpOnly; Path=/; SameSite=lax"]),
        entry("GET", authorize, 200, mime="text/html",
              body=(f'<form method="post" action="{callback}">'
                    f'<input type="hidden" name="code" value="{CODE}">'
                    f'<input type="hidden" name="id_token" value="{id_token}"></form>')),
        entry("POST", callback, 302, cookies=f"owui-session={SESSION}", location=f"{APP}/auth",
              post=f"code={CODE}&id_token={id_token}&state=s1",
              post_mime="application/x-www-form-urlencoded"),
        entry("GET", f"{APP}/api/v1/auths/signout", 200, mime="text/html", body="<!doctype html>"),
        entry("GET", f"{APP}/static/x.js?access_token={token}", 200, mime="text/javascript", body=""),
    ]
    secrets = {token, PASSWORD, CLIENT_SECRET, CODE, id_token, ID_TOKEN_SIG, SESSION, basic,
               token.rsplit(".", 1)[1]}
    return write(tmp_path / "login.har", entries), secrets


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_every_format_names_the_cause_and_masks_every_secret(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    path, secrets = broken_recording(tmp_path)
    code, out, err = run(capsys, str(path), "--format", fmt, "--now", NOW)
    assert code == 1, err
    assert "cookie.secure-on-http" in out
    assert "deploy.signout-get-noop" in out
    for secret in secrets:
        assert secret not in out, f"{secret[:8]}… leaked in {fmt}"
    assert err == ""


def test_json_report_is_reproducible_with_now(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = broken_recording(tmp_path)
    first = run(capsys, str(path), "--format", "json", "--now", NOW)[1]
    second = run(capsys, str(path), "--format", "json", "--now", NOW)[1]
    assert first == second
    report = json.loads(first)
    assert report["command"] == "har"
    assert {f["area"] for f in report["findings"]} == {"har"}


def test_fail_on_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = session_token()
    path = write(tmp_path / "x.har", [*password_signin(token=token),
                                       entry("GET", f"{APP}/api/v1/auths/signout", 200, mime="text/html",
                                             cookies=f"token={token}")])
    assert run(capsys, str(path))[0] == 0  # a warning only
    assert run(capsys, str(path), "--fail-on", "warning")[0] == 1
    assert run(capsys, str(path), "--fail-on", "warning", "--ignore", "deploy.signout-get-noop")[0] == 0
    code, _, err = run(capsys, str(path), "--ignore", "deploy.no-such-code")
    assert code == 2 and err.startswith("authdoctor: error: --ignore")


def test_healthy_recording_says_what_was_judged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = session_token()
    path = write(tmp_path / "x.har", [*password_signin(token=token),
                                       entry("GET", f"{APP}/api/v1/auths/", 200, cookies=f"token={token}")])
    code, out, _ = run(capsys, str(path), "--no-color")
    assert code == 0
    assert "3 requests judged, no cause of a failed sign-in found" in out
    assert "settings only" not in out and "settings from" not in out


def test_output_file_and_refused_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = broken_recording(tmp_path)
    report = tmp_path / "report.json"
    code, out, _ = run(capsys, str(path), "--format", "json", "--output", str(report))
    assert code == 1 and out == ""
    assert json.loads(report.read_text())["command"] == "har"
    for option in ("--output", "--sanitize"):
        code, _, err = run(capsys, str(path), option, str(path))
        assert code == 2 and err.startswith("authdoctor: error:"), err
    both = tmp_path / "both.har"
    code, _, err = run(capsys, str(path), "--output", str(both), "--sanitize", str(both))
    assert code == 2 and "same file" in err, err
    assert not both.exists()
    assert read_har(str(path)).entries  # the input is untouched


def test_sanitized_copy_holds_no_secret_and_keeps_the_diagnosis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, secrets = broken_recording(tmp_path)
    copy = tmp_path / "login.sanitized.har"
    code, out, _ = run(capsys, str(path), "--sanitize", str(copy), "--format", "json", "--now", NOW)
    assert code == 1
    report = json.loads(out)
    [note] = [f for f in report["findings"] if f["code"] == "har.sanitized-copy"]
    assert note["evidence"]["sanitized copy"] == str(copy)
    text = copy.read_text(encoding="utf-8")
    for secret in secrets | read_har(str(path)).secrets:
        if len(secret) >= 6:
            assert secret not in text, f"{secret[:8]}… left in the sanitized copy"
    assert "REDACTED-" in text
    sanitized = json.loads(text)
    assert len(sanitized["log"]["entries"]) == len(json.loads(path.read_text())["log"]["entries"])
    cookie_line = sanitized["log"]["entries"][1]["response"]["headers"][1]["value"]
    assert cookie_line.startswith("token=eyJ") and cookie_line.endswith("; SameSite=lax; Secure")
    code, again, _ = run(capsys, str(copy), "--format", "json", "--now", NOW)
    codes = sorted(f["code"] for f in report["findings"] if f["code"] != "har.sanitized-copy")
    assert sorted(f["code"] for f in json.loads(again)["findings"]) == codes


def test_settings_are_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = session_token()
    path = write(tmp_path / "x.har", [*password_signin(token=token),
                                       entry("GET", f"{APP}/api/v1/auths/", 200, cookies=f"token={token}")])
    env = tmp_path / "app.env"
    env.write_text(f"WEBUI_URL={APP}\nWEBUI_SECRET_KEY=0123456789abcdef0123456789abcdef\n"
                   "WEBUI_AUTH_COOKIE_SAME_SITE=strict\n")
    code, out, _ = run(capsys, str(path), "--env-file", str(env), "--format", "json", "--fail-on", "warning")
    report = json.loads(out)
    [differs] = [f for f in report["findings"] if f["code"] == "cookie.differs-from-config"]
    assert "strict" in differs["evidence"]["SameSite"]
    assert code == 1
    assert "0123456789abcdef0123456789abcdef" not in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_are_masked_where_they_are_read_not_by_the_net(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        fmt: str) -> None:
    """The safety net off: cookie values, tokens, codes and passwords are already masked in every
    finding (Set-Cookie by its length, URLs with secret parameters masked, tokens by their claims)."""
    from authdoctor.masking import Redactor

    monkeypatch.setattr(Redactor, "__call__", lambda self, text: text)
    path, secrets = broken_recording(tmp_path)
    code, out, err = run(capsys, str(path), "--format", fmt, "--now", NOW, "-v")
    assert code == 1, err
    for secret in secrets:
        assert secret not in out, f"{secret[:8]}… shown in {fmt}"


def test_json_and_sarif_reports_are_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    root = Path(__file__).resolve().parents[1]
    path, _ = broken_recording(tmp_path)
    out = run(capsys, str(path), "--format", "json", "--now", NOW)[1]
    jsonschema.validate(json.loads(out), json.loads((root / "authdoctor/schemas/report-1.json").read_text()))
    out = run(capsys, str(path), "--format", "sarif", "--now", NOW)[1]
    sarif = json.loads((root / "tests/schemas/sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(json.loads(out), sarif)
