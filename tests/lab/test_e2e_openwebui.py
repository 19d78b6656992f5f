"""The imitation (app_under_test.py) checked against the real Open WebUI 0.12.4, for what
authdoctor's live probes read today: `/health`, `/api/version`, the anonymous `/api/config` (the
oauth area's provider list), `GET /oauth/oidc/login` with the lab's healthy panva provider (the
Location and its redirect_uri), the password sign-in's Set-Cookie and token claims for an admin
made through the real app's own signup, and `authdoctor check`'s oauth area run against both.

One real instance serves the whole module (settings fixed at its first start; ~15-30 s, 0.8 GB).
Run alone with `scripts/test -m e2e`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from authdoctor.cli import main

from .app_under_test import LabApp
from .fixtures import STRONG_SECRET
from .oidc import LabOidc
from .openwebui_real import ADMIN, RealOpenWebUI

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]


@pytest.fixture(scope="module")
def settings(lab_oidc: LabOidc) -> dict[str, str]:
    """The scenario: a strong key, the healthy lab IdP (confidential client), no Redis. Both apps
    run with exactly these settings; only WEBUI_URL (each app's own URL) differs."""
    return {"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user", **lab_oidc.env()}


@pytest.fixture(scope="module")
def real(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
         settings: dict[str, str]) -> RealOpenWebUI:
    app = lab_openwebui_factory(settings)
    if httpx.get(f"{app.url}/api/config", timeout=10).json().get("onboarding"):
        answer = app.create_admin()
        assert answer["role"] == "admin"  # the first signup becomes the admin
    return app


@pytest.fixture(scope="module")
def imitation(lab_app_factory: Callable[..., LabApp], settings: dict[str, str]) -> LabApp:
    # the healthy lab env without what `settings` leaves out, so both run with the same settings
    overrides: dict[str, str | None] = {**settings, "ENABLE_SIGNUP": None,
                                        "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": None}
    app: LabApp = lab_app_factory(overrides, redis_topology=None, oidc_variant=None, with_ldap=False)
    return app


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30, follow_redirects=False)


@pytest.mark.parametrize("path", ["/health", "/api/version"])
def test_public_answers_match(real: RealOpenWebUI, imitation: LabApp, path: str) -> None:
    truth, copy = get(real.url + path), get(imitation.url + path)
    assert (copy.status_code, copy.json()) == (truth.status_code, truth.json())
    assert truth.headers["content-type"] == copy.headers["content-type"] == "application/json"


def test_anonymous_config_matches(real: RealOpenWebUI, imitation: LabApp) -> None:
    truth, copy = get(real.url + "/api/config"), get(imitation.url + "/api/config")
    assert truth.status_code == copy.status_code == 200
    assert copy.json() == truth.json()
    assert truth.json()["oauth"]["providers"] == {"oidc": "Lab IdP"}


def _login(base: str) -> tuple[httpx.Response, str, dict[str, list[str]]]:
    response = get(f"{base}/oauth/oidc/login")
    location = urlsplit(response.headers.get("location", ""))
    return response, f"{location.scheme}://{location.netloc}{location.path}", parse_qs(location.query)


def test_oidc_login_redirect_matches(real: RealOpenWebUI, imitation: LabApp, lab_oidc: LabOidc) -> None:
    authorize = httpx.get(lab_oidc.discovery_url, timeout=10).json()["authorization_endpoint"]
    truth, truth_to, truth_q = _login(real.url)
    copy, copy_to, copy_q = _login(imitation.url)
    assert copy.status_code == truth.status_code == 302
    assert copy_to == truth_to == authorize
    assert sorted(copy_q) == sorted(truth_q)
    assert truth_q["redirect_uri"] == [f"{real.url}/oauth/oidc/callback"]
    assert copy_q["redirect_uri"] == [f"{imitation.url}/oauth/oidc/callback"]
    for name in ("response_type", "client_id", "scope"):
        assert copy_q[name] == truth_q[name], name
    # the OAuth state lives in Starlette's session cookie; a redirect has no content-type
    assert _cookie_shape(copy) == _cookie_shape(truth) == [
        ("owui-session", [("path", "/"), ("Max-Age", "<n>"), ("httponly", ""), ("samesite", "lax")])]
    assert "content-type" not in truth.headers and "content-type" not in copy.headers


def test_unregistered_provider_login_matches(real: RealOpenWebUI, imitation: LabApp) -> None:
    """What `oauth.provider-not-registered` reads at the login route."""
    truth, copy = get(f"{real.url}/oauth/github/login"), get(f"{imitation.url}/oauth/github/login")
    assert (copy.status_code, copy.json()) == (truth.status_code, truth.json())
    assert (truth.status_code, truth.json()) == (404, {"detail": "Not Found"})


def _signin(base: str) -> httpx.Response:
    response = httpx.post(f"{base}/api/v1/auths/signin", timeout=30,
                          json={"email": ADMIN["email"], "password": ADMIN["password"]})
    assert response.status_code == 200, response.text
    return response


def _cookie_shape(response: httpx.Response) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each Set-Cookie: name and its attributes in order, the token value and the seconds left
    (Max-Age) replaced by placeholders."""
    shapes = []
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        attrs = []
        for part in header.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            attrs.append((key, "<n>" if key.lower() == "max-age" else value))
        shapes.append((name, attrs))
    return shapes


def test_password_signin_cookie_matches(real: RealOpenWebUI, imitation: LabApp) -> None:
    truth, copy = _signin(real.url), _signin(imitation.url)
    assert _cookie_shape(copy) == _cookie_shape(truth)
    assert _cookie_shape(truth) == [("token", [("HttpOnly", ""), ("Max-Age", "<n>"), ("Path", "/"),
                                               ("SameSite", "lax")])]
    for response in (truth, copy):
        jar: SimpleCookie = SimpleCookie()
        jar.load(response.headers["set-cookie"])
        assert int(jar["token"]["max-age"]) == 2419200
        assert jar["token"].value == response.json()["token"]
        assert response.headers["cache-control"] == "no-store"
    claims = [jwt.decode(r.json()["token"], STRONG_SECRET, algorithms=["HS256"]) for r in (truth, copy)]
    assert list(claims[1]) == list(claims[0])
    assert claims[0]["auth_method"] == claims[1]["auth_method"] == "password"
    assert sorted(copy.json()) == sorted(truth.json())


def _oauth_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path, env: Mapping[str, str],
                    name: str) -> tuple[int, list[dict[str, Any]]]:
    env_file = tmp_path / f"{name}.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--env-file", str(env_file), "--only", "oauth", "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return int(excinfo.value.code or 0), findings


def test_oauth_area_reports_the_same_against_both(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  real: RealOpenWebUI, imitation: LabApp) -> None:
    assert dict(imitation.env, WEBUI_URL=real.url) == dict(real.env)  # the same settings but the URL
    truth_code, truth = _oauth_findings(capsys, tmp_path, real.env, "real")
    copy_code, copy = _oauth_findings(capsys, tmp_path, imitation.env, "imitation")

    def shape(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return sorted((f["code"], f["severity"], str(f.get("subject"))) for f in found)

    assert shape(copy) == shape(truth)
    assert copy_code == truth_code
    assert not [f for f in truth if f["code"].startswith("oauth.") and f["severity"] in ("error", "skipped")]
