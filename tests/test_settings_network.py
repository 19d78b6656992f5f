"""Who can reach the app, read from a compose file: trusted-header sign-in with a published port
(`trusted-header.backend-exposed`) and FORWARDED_ALLOW_IPS narrowed to loopback behind a proxy in
another container (`oauth.proxy-headers-not-forwarded`), through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authdoctor.cli import main
from authdoctor.settings.compose import load_compose

TRUSTED = """
services:
  open-webui:
    image: ghcr.io/open-webui/open-webui:0.12.4
{ports}    environment:
      WEBUI_URL: https://chat.example.com
      WEBUI_SECRET_KEY: 3b9e7c1a5d2f4e6a8c0b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f2a4c6e8b0d1f3a
      WEBUI_AUTH_TRUSTED_EMAIL_HEADER: X-Forwarded-Email
{extra}  proxy:
    image: caddy:2
    ports: ["443:443"]
"""


def check(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[dict[str, object]]]:
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--compose", str(path), "--offline", "--format", "json"])
    out, _err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), json.loads(out)["findings"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compose.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("ports", "extra", "exposed"), [
    ('    ports: ["3000:8080"]\n', "", True),
    ('    ports: ["0.0.0.0:3000:8080"]\n', "", True),
    ('    ports: ["8080"]\n', "", True),  # random host port, every interface
    ("    ports:\n      - target: 8080\n        published: 3000\n", "", True),
    ('    ports: ["192.168.1.10:3000:8080/tcp"]\n', "", True),
    ('    ports: ["3000:9090"]\n', "", False),  # another container port
    ('    ports: ["127.0.0.1:3000:8080"]\n', "", False),
    ('    ports: ["[::1]:3000:8080"]\n', "", False),
    ("    ports:\n      - target: 8080\n        host_ip: 127.0.0.1\n        published: 3000\n", "", False),
    ("", "", False),  # no published port: only the compose network reaches it
    ('    ports: ["3000:3000"]\n', "      PORT: '3000'\n", True),  # the app's PORT moved
    ("    network_mode: host\n", "", True),
    ("    network_mode: host\n", "      HOST: 127.0.0.1\n", False),
])
def test_trusted_header_with_a_reachable_port_is_an_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, ports: str, extra: str, exposed: bool) -> None:
    code, findings = check(capsys, write(tmp_path, TRUSTED.format(ports=ports, extra=extra)))
    found = [f for f in findings if f["code"] == "trusted-header.backend-exposed"]
    assert bool(found) is exposed
    if exposed:
        assert found[0]["severity"] == "error" and code == 1
        assert "sign in as anyone" in str(found[0]["title"])
        assert "127.0.0.1" in str(found[0]["fix"])


def test_trusted_header_off_means_no_exposure_finding(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = TRUSTED.format(ports='    ports: ["3000:8080"]\n', extra="").replace(
        "      WEBUI_AUTH_TRUSTED_EMAIL_HEADER: X-Forwarded-Email\n", "")
    _code, findings = check(capsys, write(tmp_path, text))
    assert "trusted-header.backend-exposed" not in {f["code"] for f in findings}


def test_compose_ports_and_neighbours_are_read(tmp_path: Path) -> None:
    [service] = load_compose(str(write(tmp_path, TRUSTED.format(
        ports='    ports: ["${BIND:-127.0.0.1}:3000:8080", "9000"]\n', extra=""))), [], {})
    assert service.compose is not None
    assert [(p.host_ip, p.published, p.target) for p in service.compose.published] == [
        ("127.0.0.1", "3000", "8080"), (None, None, "9000")]
    assert service.compose.neighbours == (("proxy", "caddy:2"),)


OIDC = """
services:
  open-webui:
    image: ghcr.io/open-webui/open-webui:0.12.4
{mode}    environment:
      WEBUI_URL: {url}
      FORWARDED_ALLOW_IPS: "{allow}"
      OAUTH_CLIENT_ID: open-webui
      OAUTH_CLIENT_SECRET: oidc-client-secret-for-tests-0123456789
      OPENID_PROVIDER_URL: https://id.example.com/realms/company/.well-known/openid-configuration
{pinned}  nginx:
    image: nginx:1.27
    ports: ["443:443"]
"""


def oidc(tmp_path: Path, *, allow: str = "127.0.0.1", url: str = "https://chat.example.com",
         pinned: str = "", mode: str = "") -> Path:
    return write(tmp_path, OIDC.format(allow=allow, url=url, pinned=pinned, mode=mode))


@pytest.mark.parametrize("allow", ["127.0.0.1", "127.0.0.1,::1", "::1", "127.0.0.0/8", "localhost"])
def test_loopback_only_forwarding_behind_a_proxy_container_builds_http_callbacks(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, allow: str) -> None:
    code, findings = check(capsys, oidc(tmp_path, allow=allow))
    found = [f for f in findings if f["code"] == "oauth.proxy-headers-not-forwarded"]
    assert len(found) == 1 and found[0]["severity"] == "error" and code == 1
    assert "'nginx'" in str(found[0]["detail"])
    assert "OPENID_REDIRECT_URI=https://chat.example.com/oauth/oidc/callback" in str(found[0]["fix"])
    assert "oauth.redirect-uri-depends-on-proxy" not in {f["code"] for f in findings}


@pytest.mark.parametrize(("kwargs", "code_expected"), [
    ({"allow": "*"}, "oauth.redirect-uri-depends-on-proxy"),  # trusts the proxy: only a warning
    ({"allow": "172.16.0.0/12"}, "oauth.redirect-uri-depends-on-proxy"),  # the bridge network
    ({"url": "http://chat.example.com"}, None),  # plain http site: an http callback is right
    ({"pinned": "      OPENID_REDIRECT_URI: https://chat.example.com/oauth/oidc/callback\n"}, None),
    ({"mode": "    network_mode: host\n"}, "oauth.redirect-uri-depends-on-proxy"),  # loopback proxy possible
])
def test_forwarding_that_works_or_cannot_be_judged_is_not_an_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, kwargs: dict[str, str],
        code_expected: str | None) -> None:
    _code, findings = check(capsys, oidc(tmp_path, **kwargs))
    codes = {f["code"] for f in findings}
    assert "oauth.proxy-headers-not-forwarded" not in codes
    assert ("oauth.redirect-uri-depends-on-proxy" in codes) is (code_expected is not None)
