"""The app's own login redirect and provider list (issue 9 probe 7), evaluated from hand-built
observations: `/api/config` and `GET /oauth/{provider}/login` as Open WebUI 0.12.4 answers them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import pytest
from settings_env import source

from authdoctor.checks._oauth_app import AppObservations, evaluate_app, sent_redirect_uri
from authdoctor.findings import Finding, Severity
from authdoctor.openwebui.oauth import configured_providers
from authdoctor.probes import ProbeFailure, Rung
from authdoctor.probes.http import HttpObservation

PUBLIC = "https://chat.example.com"
OIDC = {"OAUTH_CLIENT_ID": "owui", "OAUTH_CLIENT_SECRET": "s3cret-value-xyz",
        "OPENID_PROVIDER_URL": "https://idp.example.com/.well-known/openid-configuration"}
GOOGLE = {"GOOGLE_CLIENT_ID": "g-client", "GOOGLE_CLIENT_SECRET": "g-secret-value"}


def config(providers: Mapping[str, str] | None, *, status: int = 200,
           body: bytes | None = None) -> HttpObservation:
    data = {"status": True, "name": "Open WebUI", "version": "0.12.4",
            "oauth": {"providers": dict(providers or {}), "auto_redirect": False}}
    return HttpObservation(url=f"{PUBLIC}/api/config", status=status,
                           headers={"content-type": "application/json"},
                           body=json.dumps(data).encode() if body is None else body)


def login(provider: str, redirect_uri: str | None, *, status: int = 302) -> HttpObservation:
    query = {"response_type": "code", "client_id": "owui", "state": "xyz"}
    if redirect_uri is not None:
        query["redirect_uri"] = redirect_uri
    headers = {"location": "https://idp.example.com/authorize?" + urlencode(query)} if status == 302 else {}
    return HttpObservation(url=f"{PUBLIC}/oauth/{provider}/login", status=status, headers=headers)


def evaluate(env: Mapping[str, str], cfg: HttpObservation, logins: Mapping[str, HttpObservation],
             public: str = PUBLIC) -> list[Finding]:
    providers = configured_providers(source(env))
    return evaluate_app(AppObservations(base_url=public, config=cfg, logins=logins),
                        providers=providers, public_url=public)


def codes(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in findings]


def test_healthy_app_gives_nothing() -> None:
    findings = evaluate(OIDC, config({"oidc": "SSO"}),
                        {"oidc": login("oidc", f"{PUBLIC}/oauth/oidc/callback")})
    assert findings == []


def test_the_login_callback_path_is_accepted_too() -> None:
    findings = evaluate(OIDC, config({"oidc": "SSO"}),
                        {"oidc": login("oidc", f"{PUBLIC}/oauth/oidc/login/callback")})
    assert findings == []


def test_provider_missing_from_api_config() -> None:
    [found] = evaluate({**OIDC, **GOOGLE}, config({"google": "google"}),
                       {"oidc": login("oidc", f"{PUBLIC}/oauth/oidc/callback"),
                        "google": login("google", f"{PUBLIC}/oauth/google/callback")})
    assert (found.code, found.severity) == ("oauth.provider-not-registered", Severity.ERROR)
    assert found.subject == "oidc"
    assert found.evidence["providers the app offers"] == "google"
    assert "other settings than the ones checked" in found.detail
    assert "skipped the provider" in found.detail
    assert "OAUTH_CLIENT_ID" in found.fix


def test_login_404_is_the_same_symptom_even_when_config_is_unreadable() -> None:
    [found] = evaluate(OIDC, config(None, status=500), {"oidc": login("oidc", None, status=404)})
    assert found.code == "oauth.provider-not-registered"
    assert found.evidence["GET /oauth/oidc/login"] == "404"
    assert "providers the app offers" not in found.evidence


def test_both_symptoms_make_one_finding() -> None:
    [found] = evaluate(OIDC, config({}), {"oidc": login("oidc", None, status=404)})
    assert found.code == "oauth.provider-not-registered"
    assert "lists no OAuth provider and /oauth/oidc/login answers 404" in found.detail


def test_http_callback_behind_https_is_proxy_headers_not_forwarded() -> None:
    [found] = evaluate(OIDC, config({"oidc": "SSO"}),
                       {"oidc": login("oidc", "http://chat.example.com/oauth/oidc/callback")})
    assert (found.code, found.severity) == ("oauth.proxy-headers-not-forwarded", Severity.ERROR)
    assert found.evidence["redirect_uri the app sends"] == "http://chat.example.com/oauth/oidc/callback"
    assert found.evidence["expected"] == f"{PUBLIC}/oauth/oidc/callback"
    assert "FORWARDED_ALLOW_IPS" in found.fix and "OPENID_REDIRECT_URI" in found.fix


def test_internal_host_is_host_mismatch() -> None:
    [found] = evaluate(OIDC, config({"oidc": "SSO"}),
                       {"oidc": login("oidc", "https://openwebui:8080/oauth/oidc/callback")})
    assert found.code == "oauth.redirect-uri-host-mismatch"
    assert "Host header" in found.detail
    assert found.evidence["redirect_uri the app sends"] == "https://openwebui:8080/oauth/oidc/callback"


def test_both_scheme_and_host_wrong_name_both() -> None:
    findings = evaluate(OIDC, config({"oidc": "SSO"}),
                        {"oidc": login("oidc", "http://127.0.0.1:8080/oauth/oidc/callback")})
    assert [f.code for f in findings] == ["oauth.proxy-headers-not-forwarded",
                                         "oauth.redirect-uri-host-mismatch"]


def test_path_prefix_lost_by_the_proxy_is_path_invalid() -> None:
    public = f"{PUBLIC}/chat"
    [found] = evaluate(OIDC, config({"oidc": "SSO"}),
                       {"oidc": login("oidc", f"{PUBLIC}/oauth/oidc/callback")}, public=public)
    assert found.code == "oauth.redirect-uri-path-invalid"
    assert found.evidence["expected"] == f"{PUBLIC}/chat/oauth/oidc/callback"
    assert "root-path" in found.detail


def test_pinned_value_sent_as_pinned_is_left_to_the_settings_half() -> None:
    pinned = "http://chat.example.com/oauth/oidc/callback"
    findings = evaluate({**OIDC, "OPENID_REDIRECT_URI": pinned}, config({"oidc": "SSO"}),
                        {"oidc": login("oidc", pinned)})
    assert findings == []


def test_running_app_sends_another_value_than_the_pinned_one() -> None:
    env = {**OIDC, "OPENID_REDIRECT_URI": f"{PUBLIC}/oauth/oidc/callback"}
    [found] = evaluate(env, config({"oidc": "SSO"}),
                       {"oidc": login("oidc", "http://chat.example.com/oauth/oidc/callback")})
    assert found.code == "oauth.redirect-uri-scheme-mismatch"
    assert "runs with other settings than the ones checked" in found.detail
    assert found.evidence["OPENID_REDIRECT_URI in the checked settings"] == f"{PUBLIC}/oauth/oidc/callback"


def test_unreachable_app_is_one_skip_naming_the_url() -> None:
    failure = ProbeFailure(rung=Rung.TCP, summary="connection refused (nothing listens on that port)")
    dead = HttpObservation(url=f"{PUBLIC}/api/config", failure=failure)
    findings = evaluate(OIDC, dead, {"oidc": HttpObservation(url=f"{PUBLIC}/oauth/oidc/login",
                                                             failure=failure)})
    [skip] = findings
    assert skip.severity is Severity.SKIPPED
    assert skip.detail.startswith(f"could not reach the app at {PUBLIC}: connection refused")
    assert not any(f.code.startswith("deploy.") for f in findings)


@pytest.mark.parametrize("body", [b"<html>login</html>", b"[]", b'{"oauth": []}', b"{"])
def test_config_that_is_not_open_webuis_is_not_judged(body: bytes) -> None:
    findings = evaluate(OIDC, config(None, body=body),
                        {"oidc": login("oidc", f"{PUBLIC}/oauth/oidc/callback")})
    assert findings == []


def test_login_answer_without_redirect_uri_or_not_a_redirect() -> None:
    assert sent_redirect_uri(login("oidc", None)) is None
    assert sent_redirect_uri(login("oidc", None, status=500)) is None
    assert evaluate(OIDC, config({"oidc": "SSO"}), {"oidc": login("oidc", None, status=500)}) == []


def test_relative_location_is_resolved() -> None:
    observation = HttpObservation(url=f"{PUBLIC}/oauth/oidc/login", status=307,
                                  headers={"location": "/idp/authorize?redirect_uri=x%3Ay"})
    assert sent_redirect_uri(observation) == "x:y"


def test_client_secret_never_in_findings() -> None:
    findings = evaluate({**OIDC, **GOOGLE}, config({}),
                        {"oidc": login("oidc", "http://x/oauth/oidc/callback"),
                         "google": login("google", None, status=404)})
    text = repr(findings)
    assert findings and "s3cret-value-xyz" not in text and "g-secret-value" not in text


# --------------------------------------------------------------------------- reached at --url

INTERNAL = "http://10.0.0.5:8080"


def evaluate_at(env: Mapping[str, str], sent: str | None, public: str = PUBLIC) -> list[Finding]:
    """The app reached at `--url` INTERNAL; the redirect URIs judged against `public`."""
    providers = configured_providers(source(env))
    answer = login("oidc", sent)
    return evaluate_app(AppObservations(base_url=INTERNAL, config=config({"oidc": "SSO"}),
                                        logins={"oidc": answer}), providers=providers, public_url=public)


def test_a_callback_built_from_authdoctors_own_request_to_url_is_not_judged_by_scheme_and_host() -> None:
    # request.url_for builds it from the request: at --url that is authdoctor's, not the proxy's
    [note] = evaluate_at(OIDC, f"{INTERNAL}/oauth/oidc/callback")
    assert note.severity is Severity.SKIPPED
    assert note.detail == (
        "the scheme and host of the callback the app builds (oidc) were not judged: authdoctor reached "
        f"the app at {INTERNAL} (--url), not through the proxy, so the app built them from that "
        "request; run without --url to see what users' browsers get")


def test_at_url_the_path_is_still_judged_against_the_public_url() -> None:
    findings = evaluate_at(OIDC, f"{INTERNAL}/oauth/oidc/callback", public=f"{PUBLIC}/chat")
    assert [(f.code, f.severity) for f in findings] == [("oauth.redirect-uri-path-invalid", Severity.ERROR),
                                                       ("oauth.skipped", Severity.SKIPPED)]
    assert findings[0].evidence["expected"] == f"{PUBLIC}/chat/oauth/oidc/callback"


def test_at_url_a_pinned_value_is_still_judged_against_the_public_url() -> None:
    env = {**OIDC, "OPENID_REDIRECT_URI": f"{PUBLIC}/oauth/oidc/callback"}
    assert evaluate_at(env, f"{PUBLIC}/oauth/oidc/callback") == []  # sent as pinned
    [found] = evaluate_at(env, "https://other.example.com/oauth/oidc/callback")  # not what is pinned
    assert found.code == "oauth.redirect-uri-host-mismatch"
    assert "runs with other settings than the ones checked" in found.detail


def test_at_url_a_callback_on_a_third_host_is_judged() -> None:
    # not built from authdoctor's request (another host than --url): what the app really sends
    [found] = evaluate_at(OIDC, "https://openwebui:8080/oauth/oidc/callback")
    assert found.code == "oauth.redirect-uri-host-mismatch"


def test_check_url_asks_the_app_at_url_not_at_the_public_url(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    from fake_openwebui import FakeApp, serve

    from authdoctor.cli import main

    env = tmp_path / "app.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in {**OIDC, "WEBUI_URL": PUBLIC}.items()))
    app = FakeApp(providers={})  # the running app offers no provider: only --url can tell
    with serve(app) as url, pytest.raises(SystemExit):
        main(["check", "--env-file", str(env), "--url", url, "--only", "oauth", "--no-idp-requests",
              "--format", "json", "--now", "2026-11-28T00:00:00Z"])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert "oauth.provider-not-registered" in [f["code"] for f in found]
    assert "/oauth/oidc/login" in app.requests and "/api/config" in app.requests
