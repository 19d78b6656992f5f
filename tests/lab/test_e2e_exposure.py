"""Issue 10 probes 5 and 6 against the real Open WebUI 0.12.4: trusted-header exposure and
transport (HSTS, http -> https, mixed schemes), with a TLS front from the lab (`tls_front.py`,
an nginx-like proxy that authenticates nobody) where https is needed.

Two real instances: one with trusted-header sign-in (X-Forwarded-Email) whose WEBUI_URL is the
https front's address (reserved before it starts, since 0.12.4 keeps its first WEBUI_URL), and
test_e2e_deploy.py's scenario without it (the same settings share its instance in a session).
The trusted-header tests also prove that the probe creates no account: the admin's user list
is the same before and after, and the probe's address is not in it. Run alone with
`scripts/test -m e2e`."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from authdoctor.checks.trusted_header import INVALID_TRUSTED_HEADER, PROBE_EMAIL, SIGNIN_BODY
from authdoctor.cli import main

from .app_under_test import LabApp
from .certs import LabCerts
from .fixtures import STRONG_SECRET, need
from .oidc import LabOidc
from .openwebui_real import RealOpenWebUI
from .ports import reserve_port
from .tls_front import PlainHttp, TlsFront

pytestmark = [pytest.mark.e2e, pytest.mark.realserver]

HEADER = "X-Forwarded-Email"
YEAR = "max-age=31536000; includeSubDomains"


@pytest.fixture(scope="module")
def front_port() -> int:
    """The https front's port, chosen before the trusted-header app starts (its WEBUI_URL)."""
    port, sock = reserve_port()
    sock.close()
    return port


@pytest.fixture(scope="module")
def trusted(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
            front_port: int) -> tuple[RealOpenWebUI, str]:
    """The trusted-header instance and its admin's token (made through /signup, which does not
    read the header)."""
    app = lab_openwebui_factory({"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user",
                                 "WEBUI_AUTH_TRUSTED_EMAIL_HEADER": HEADER,
                                 "WEBUI_URL": f"https://localhost:{front_port}"})
    token = str(app.create_admin()["token"])
    return app, token


@pytest.fixture(scope="module")
def plain_settings(lab_oidc: LabOidc) -> dict[str, str]:
    # test_e2e_deploy.py's settings: the same real instance when both modules run
    return {"WEBUI_SECRET_KEY": STRONG_SECRET, "DEFAULT_USER_ROLE": "user", **lab_oidc.env()}


@pytest.fixture(scope="module")
def plain(lab_openwebui_factory: Callable[[Mapping[str, str]], RealOpenWebUI],
          plain_settings: dict[str, str]) -> RealOpenWebUI:
    app = lab_openwebui_factory(plain_settings)
    if httpx.get(f"{app.url}/api/config", timeout=10).json().get("onboarding"):
        app.create_admin()
    return app


@pytest.fixture
def front(trusted: tuple[RealOpenWebUI, str], lab_certs: LabCerts, front_port: int) -> Iterator[TlsFront]:
    app, _ = trusted
    with TlsFront(app.url, lab_certs.server_cert, lab_certs.server_key, hsts=YEAR, port=front_port) as tls:
        yield tls


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


def users(app: RealOpenWebUI, token: str) -> list[str]:
    answer = httpx.get(f"{app.url}/api/v1/users/", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    return sorted(str(u["email"]) for u in answer.json()["users"])


# --------------------------------------------------------------------------- probe 5


def test_trusted_header_reachable_without_the_proxy_is_backend_exposed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, trusted: tuple[RealOpenWebUI, str]) -> None:
    app, token = trusted
    before = users(app, token)
    code, found = run(capsys, "check", "--env-file", write_env(tmp_path, app.env), "--url", app.url,
                      "--only", "trusted-header")
    assert code == 1
    [exposed] = [f for f in found if f["code"] == "trusted-header.backend-exposed"]
    assert exposed["severity"] == "error"
    assert exposed["evidence"]["answer"] == f"400 Bad Request {INVALID_TRUSTED_HEADER!r}"
    assert exposed["evidence"]["reached at"] == "--url, not the public URL"
    # no account was created: the same users, and the probe's address is not one of them
    after = users(app, token)
    assert after == before == ["admin@example.org"]
    assert PROBE_EMAIL not in after


def test_the_imitation_answers_the_exposure_probe_like_the_real_app(
        trusted: tuple[RealOpenWebUI, str], lab_app_factory: Callable[..., LabApp]) -> None:
    app, _ = trusted
    imitation: LabApp = lab_app_factory({"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": HEADER}, redis_topology=None,
                                        oidc_variant=None, with_ldap=False)
    truth = httpx.post(f"{app.url}/api/v1/auths/signin", json=SIGNIN_BODY, timeout=30)
    copy = httpx.post(f"{imitation.url}/api/v1/auths/signin", json=SIGNIN_BODY, timeout=30)
    assert (truth.status_code, truth.json()) == (copy.status_code, copy.json()) == (
        400, {"detail": INVALID_TRUSTED_HEADER})


def test_through_an_unauthenticating_https_front_the_public_url_is_exposed_too(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, trusted: tuple[RealOpenWebUI, str],
        front: TlsFront, lab_certs: LabCerts) -> None:
    app, token = trusted
    code, found = run(capsys, "app", "probe", "--env-file", write_env(tmp_path, app.env),
                      "--ca-file", str(lab_certs.ca_file))
    assert code == 1
    by_code = {f["code"]: f for f in found}
    assert by_code["trusted-header.backend-exposed"]["evidence"]["reached at"] == "the public URL"
    assert by_code["trusted-header.backend-exposed"]["evidence"]["POST"] == (
        f"{front.url}/api/v1/auths/signin")
    # transport at the front: HSTS for a year, the app's own URL is the front's: only the note
    # that plain http on port 80 was not asked (the front is not on 443)
    assert by_code["transport.ok"]["severity"] == "ok"
    assert "no standard plain-http address" in by_code["transport.skipped"]["detail"]
    assert users(app, token) == ["admin@example.org"]


def test_trusted_header_off_sends_nothing_and_reports_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, plain: RealOpenWebUI) -> None:
    settings = write_env(tmp_path, plain.env)
    code, found = run(capsys, "check", "--env-file", settings, "--only", "trusted-header")
    assert code == 0
    assert [f["code"] for f in found] == ["trusted-header.skipped"]
    code, found = run(capsys, "app", "probe", plain.url)
    assert code == 0
    assert "trusted-header.ok" in [f["code"] for f in found]
    assert "trusted-header.backend-exposed" not in [f["code"] for f in found]


# --------------------------------------------------------------------------- probe 6


def test_https_front_without_hsts_and_an_app_that_thinks_it_is_http(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, plain: RealOpenWebUI,
        lab_certs: LabCerts) -> None:
    # the real app behind an https front that sends no HSTS; its WEBUI_URL stayed http (its own
    # address), which it publishes in /opensearch.xml and redirects to after an OAuth sign-in
    with TlsFront(plain.url, lab_certs.server_cert, lab_certs.server_key, hsts=None) as tls:
        code, found = run(capsys, "check", "--env-file", write_env(tmp_path, plain.env),
                          "--public-url", tls.url, "--url", plain.url, "--only", "transport",
                          "--ca-file", str(lab_certs.ca_file))
    assert code == 0
    by_code = {f["code"]: f for f in found}
    assert sorted(by_code) == ["transport.hsts-missing", "transport.mixed-scheme", "transport.skipped"]
    assert by_code["transport.hsts-missing"]["evidence"]["GET"] == f"{tls.url}/"
    assert by_code["transport.mixed-scheme"]["evidence"]["GET /opensearch.xml"] == (
        f"<moz:SearchForm>{plain.url}")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("redirects", [True, False], ids=["redirects", "serves-http"])
def test_plain_http_on_port_80_of_the_public_host(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  plain: RealOpenWebUI, lab_certs: LabCerts,
                                                  redirects: bool) -> None:
    # the public URL on the default https port, so its plain-http address is http://localhost/
    need([f"127.0.0.1:{p} (privileged, or in use)" for p in (443, 80) if not _bindable(p)],
         "https on 443 and http on 80")
    with TlsFront(plain.url, lab_certs.server_cert, lab_certs.server_key, hsts=YEAR, port=443) as tls, \
            PlainHttp(80, redirect_to=tls.url if redirects else None):
        code, found = run(capsys, "check", "--env-file", write_env(tmp_path, plain.env),
                          "--public-url", tls.url, "--url", plain.url, "--only", "transport",
                          "--ca-file", str(lab_certs.ca_file))
    assert code == 0
    codes = sorted(f["code"] for f in found)
    assert "transport.skipped" not in codes  # every step ran
    assert ("transport.http-not-redirected" in codes) is not redirects
    if not redirects:
        [served] = [f for f in found if f["code"] == "transport.http-not-redirected"]
        assert served["evidence"]["GET"] == "http://localhost/"
