"""Issue 10 probes 2-4 against the real Open WebUI 0.12.4: `authdoctor check --env-file X --url
http://127.0.0.1:PORT --user ... --password-env ... --signout` reports each scenario by its code.

Two real instances (module-scoped; settings are fixed at an instance's first start):

- `healthy`: http on loopback, the lab's persistent Redis, a strong key. Sign-in, the round trip
  and sign-out work; the revocation key `open-webui:auth:token:<jti>:revoked` is found with a TTL
  equal to the token's remaining life. Checked again with settings that name another
  WEBUI_SECRET_KEY than the app runs with: `jwt.bad-signature`.
- `lax_none`: no Redis, `WEBUI_AUTH_COOKIE_SAME_SITE=none` without Secure, LDAP against the lab's
  slapd. The settings finding and the live cookie finding both fire, `--signout` shows the old
  token still works (`deploy.signout-not-revoking`), and an LDAP login name signs in through the
  app's own `/api/v1/auths/ldap`.

Run alone with `scripts/test -m e2e`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from authdoctor.cli import main

from .app_under_test import LabApp
from .fixtures import STRONG_SECRET
from .ldap import LabLdap
from .openwebui_real import ADMIN, RealOpenWebUI
from .redis_servers import LabRedis

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]
PASSWORD_VAR = "AUTHDOCTOR_E2E_OWUI_PW"
OTHER_SECRET = "9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5f3a9c1e7b2d4f6a8c0e1b3d5f7a"


def ready(app: RealOpenWebUI) -> RealOpenWebUI:
    if httpx.get(f"{app.url}/api/config", timeout=30).json().get("onboarding"):
        assert app.create_admin()["role"] == "admin"
    return app


@pytest.fixture(scope="module")
def healthy(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
            lab_redis_persistent: LabRedis) -> RealOpenWebUI:
    return ready(lab_openwebui_factory({"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user",
                                        **lab_redis_persistent.env()}))


@pytest.fixture(scope="module")
def lax_none(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
             lab_ldap: LabLdap) -> RealOpenWebUI:
    return ready(lab_openwebui_factory({"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user",
                                        "WEBUI_AUTH_COOKIE_SAME_SITE": "none", **lab_ldap.env()}))


def write_env(tmp_path: Path, env: Mapping[str, str], name: str = "app.env") -> str:
    path = tmp_path / name
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return str(path)


def check(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, app: RealOpenWebUI | LabApp,
          env_file: str, *more: str, user: str = ADMIN["email"], password: str = ADMIN["password"]
          ) -> tuple[int, list[dict[str, Any]]]:
    monkeypatch.setenv(PASSWORD_VAR, password)
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--env-file", env_file, "--url", app.url, "--user", user,
              "--password-env", PASSWORD_VAR, *more, "--format", "json", "--timeout", "120"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert password not in out + err
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return int(excinfo.value.code or 0), findings


def by_code(findings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        grouped.setdefault(f["code"], []).append(f)
    return grouped


def test_healthy_signin_round_trip_signout_and_the_revocation_key(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        healthy: RealOpenWebUI) -> None:
    code, found = check(capsys, monkeypatch, healthy, write_env(tmp_path, healthy.env), "--signout")
    assert code == 0
    reported = sorted((f["severity"], f["code"]) for f in found if f["severity"] not in ("ok", "skipped"))
    # Each remaining finding, named: CORS_ALLOW_ORIGIN is unset, so the app's default '*' (inherent
    # in a settings file that leaves it out); the note that settings stored on the first start win
    # afterwards; and what the sign-in showed.
    assert reported == [("info", "config.persisted-setting-ignored"), ("info", "deploy.session-summary"),
                        ("warning", "config.cors-origin-invalid")]
    codes = by_code(found)
    assert codes["redis.ok"]
    [summary] = codes["deploy.session-summary"]
    evidence = summary["evidence"]
    assert evidence["token lifetime"] == "28 d"
    assert evidence["auth_method"] == "password"
    assert evidence["Bearer round trip"] == evidence["cookie round trip"] == "200 application/json"
    assert evidence["sign-out"] == "200 application/json"
    assert evidence["old token after sign-out"] == "401 detail 'Invalid token'"
    ttl, remaining = (int(n) for n in re.findall(r"(\d+) s", evidence["revocation key"]))
    assert abs(ttl - remaining) <= 5 and ttl > 28 * 86400 - 300
    assert not [c for c in codes if c.startswith("cookie.") and c != "cookie.ok"]


def test_settings_with_another_secret_key_than_the_app(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        healthy: RealOpenWebUI) -> None:
    other = {**healthy.env, "WEBUI_SECRET_KEY": OTHER_SECRET}
    code, found = check(capsys, monkeypatch, healthy, write_env(tmp_path, other), "--only", "deploy")
    assert code == 1
    assert [f["code"] for f in found] == ["jwt.bad-signature", "deploy.session-summary"]
    assert "another WEBUI_SECRET_KEY" in found[0]["title"]
    assert OTHER_SECRET not in json.dumps(found) and STRONG_SECRET not in json.dumps(found)


def test_samesite_none_without_secure_settings_and_live_and_signout_without_redis(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        lax_none: RealOpenWebUI) -> None:
    code, found = check(capsys, monkeypatch, lax_none, write_env(tmp_path, lax_none.env), "--signout",
                        "--only", "cookie", "--only", "deploy", "--only", "redis")
    assert code == 1
    codes = by_code(found)
    same_site = {f["area"]: f for f in codes["cookie.samesite-none-without-secure"]}
    assert set(same_site) == {"cookie", "deploy"}  # the settings finding and the live cookie
    assert "arrived SameSite=none without Secure" in same_site["deploy"]["title"]
    [not_revoking] = codes["deploy.signout-not-revoking"]
    assert "no REDIS_URL" in not_revoking["title"]
    assert not_revoking["evidence"]["old token afterwards"] == "200 application/json"
    assert "redis.not-configured" in codes  # the root cause, from the settings
    problems = sorted(f["code"] for f in found if f["severity"] in ("error", "warning"))
    assert problems == ["cookie.samesite-none-without-secure", "cookie.samesite-none-without-secure",
                        "deploy.signout-not-revoking"]


def test_ldap_signin_through_the_app(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path, lax_none: RealOpenWebUI, lab_ldap: LabLdap) -> None:
    alice = lab_ldap.user("alice")
    code, found = check(capsys, monkeypatch, lax_none, write_env(tmp_path, lax_none.env),
                        "--only", "deploy", user=alice.uid, password=alice.password)
    [summary] = [f for f in found if f["code"] == "deploy.session-summary"]
    assert summary["evidence"]["signed in"] == "alice (ldap): POST /api/v1/auths/ldap 200"
    assert summary["evidence"]["auth_method"] == "ldap"
    # the cookie of the LDAP sign-in is judged too
    assert [f["code"] for f in found if f["code"] != "deploy.session-summary"] == [
        "cookie.samesite-none-without-secure"]
    assert code == 1
    code, found = check(capsys, monkeypatch, lax_none, write_env(tmp_path, lax_none.env),
                        "--only", "deploy", user=alice.uid, password="not-alices-password")
    [failed] = [f for f in found if f["code"] == "deploy.signin-failed"]
    assert "LDAP sign-in refused" in failed["title"]
    assert "'Authentication failed.'" in failed["evidence"]["answer"]


def test_the_imitation_answers_the_session_like_the_real_app(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        healthy: RealOpenWebUI, lab_app_factory: Callable[..., LabApp]) -> None:
    """The fast tests' imitation against the truth: the same sign-in, round trip, sign-out and
    revocation key, seen through the same probe (times and TTL values aside)."""
    imitation: LabApp = lab_app_factory({"WEBUI_AUTH_SIGNOUT_REDIRECT_URL": None}, oidc_variant=None,
                                        with_ldap=False)

    def seen(app: RealOpenWebUI | LabApp) -> tuple[int, dict[str, str]]:
        code, found = check(capsys, monkeypatch, app, write_env(tmp_path, app.env, f"{app.port}.env"),
                            "--signout", "--only", "deploy")
        [summary] = [f for f in found if f["code"] == "deploy.session-summary"]
        assert [f["code"] for f in found] == ["deploy.session-summary"]
        evidence = {k: re.sub(r"\d+", "N", v) for k, v in summary["evidence"].items() if k != "token exp"}
        return code, evidence

    assert seen(imitation) == seen(healthy)
