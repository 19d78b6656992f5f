"""The OAuth client presented to the lab's real oidc-provider (issue 9, probes 5, 6 and 11): the
healthy provider with the right client gives no oauth problem; a wrong secret, an unknown client,
an unregistered redirect URI, a client registered for client_secret_post and a provider that
requires PKCE each give their code; `--no-idp-requests` sends nothing to /auth or /token (the
provider's own request log proves it); the secret never appears in any output."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from settings_env import source

from authdoctor.checks import oauth, oidc
from authdoctor.findings import CheckOutcome, Severity
from authdoctor.runner import RunOptions, run_checks
from authdoctor.settings.model import Deployment, ProbeOptions

from .fixtures import LabSession
from .oidc import CLIENT_SECRET, PLUS_CLIENT_ID, PLUS_CLIENT_SECRET, LabOidc, LabOidcSet

pytestmark = pytest.mark.realserver


def lab_env(provider: LabOidc, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The provider's env, with the redirect URI the app sends pinned to one the lab registered."""
    env: dict[str, str | None] = {**provider.env(), "OPENID_REDIRECT_URI": provider.client.redirect_uris[0],
                                  **(extra or {})}
    return {k: v for k, v in env.items() if v is not None}


def run_oauth(env: Mapping[str, str], *, idp_requests: bool = True) -> dict[str, CheckOutcome]:
    deployment = Deployment(replicas=(source(dict(env)),), sources=("lab.env",),
                            probe=ProbeOptions(idp_requests=idp_requests))
    report = run_checks(deployment, RunOptions(timeout_s=20),
                        checks={"oauth": oauth.CHECK, "oidc": oidc.CHECK})
    return {outcome.area: outcome for outcome in report.checks}


def live_codes(outcome: CheckOutcome) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in outcome.findings
            if f.severity not in (Severity.OK, Severity.SKIPPED, Severity.INFO)
            and f.code not in ("oauth.redirect-uri-depends-on-proxy", "config.webui-url-missing")]


def assert_no_secret(outcome: CheckOutcome, secret: str) -> None:
    text = repr(outcome)
    assert secret not in text
    assert secret[:12] not in text


def test_healthy_provider_and_client_give_no_oauth_problem(lab_oidc: LabOidc) -> None:
    outcomes = run_oauth(lab_env(lab_oidc))
    assert live_codes(outcomes["oauth"]) == []
    assert not [f for f in outcomes["oauth"].findings if f.severity is Severity.SKIPPED]
    live = outcomes["oauth"].live
    assert live is not None and live.ran
    assert live_codes(outcomes["oidc"]) == []
    assert_no_secret(outcomes["oauth"], CLIENT_SECRET)


def test_healthy_public_client_with_pkce(lab_oidc: LabOidc) -> None:
    env = {**lab_oidc.env(public=True), "OPENID_REDIRECT_URI": lab_oidc.public_client.redirect_uris[0]}
    assert live_codes(run_oauth(env)["oauth"]) == []


def test_the_redirect_uri_from_the_public_url(lab_oidc: LabOidc) -> None:
    registered = lab_oidc.client.redirect_uris[0]
    public = registered.removesuffix("/oauth/oidc/callback")
    outcome = run_oauth(lab_env(lab_oidc, {"OPENID_REDIRECT_URI": None, "WEBUI_URL": public}))["oauth"]
    assert live_codes(outcome) == []


def test_wrong_client_secret_is_invalid_client(lab_oidc: LabOidc) -> None:
    wrong = "wrong-secret-" + "x" * 20
    outcome = run_oauth(lab_env(lab_oidc, {"OAUTH_CLIENT_SECRET": wrong}))["oauth"]
    [found] = [f for f in outcome.findings if f.code == "oauth.invalid-client"]
    assert found.severity is Severity.ERROR
    assert found.subject == "oidc"
    assert found.evidence["error"] == "invalid_client"
    assert found.evidence["OAUTH_CLIENT_SECRET"] == f"<secret, {len(wrong)} chars>"
    assert "client_secret_basic" in found.evidence["sent"]
    assert live_codes(outcome) == [("oauth.invalid-client", Severity.ERROR)]
    assert_no_secret(outcome, wrong)


def test_unknown_client_id(lab_oidc: LabOidc) -> None:
    outcome = run_oauth(lab_env(lab_oidc, {"OAUTH_CLIENT_ID": "no-such-client"}))["oauth"]
    codes = live_codes(outcome)
    assert ("oauth.client-unknown", Severity.ERROR) in codes
    assert {code for code, _ in codes} <= {"oauth.client-unknown", "oauth.invalid-client"}
    [at_authorize, *_] = [f for f in outcome.findings if f.code == "oauth.client-unknown"]
    assert "'no-such-client'" in at_authorize.title


def test_unregistered_redirect_uri(lab_oidc: LabOidc) -> None:
    unregistered = "http://127.0.0.1:1/oauth/oidc/callback"
    outcome = run_oauth(lab_env(lab_oidc, {"OPENID_REDIRECT_URI": unregistered}))["oauth"]
    [found] = [f for f in outcome.findings if f.code == "oauth.redirect-uri-not-registered"]
    assert found.severity is Severity.ERROR
    assert found.evidence["redirect_uri sent"] == unregistered
    assert "redirect_uri did not match" in found.evidence["recognised as"]
    assert found.location is not None and found.location.key == "OPENID_REDIRECT_URI"


def test_client_registered_for_client_secret_post(lab_oidc_all: LabOidcSet) -> None:
    """The provider lists only client_secret_post; the app uses HTTP Basic (its default). panva
    8.8.1 accepts Basic for a client_secret_post client all the same, which the token probe sees:
    the finding says so and is a warning."""
    provider = lab_oidc_all["post_only"]
    outcome = run_oauth(lab_env(provider))["oauth"]
    assert live_codes(outcome) == [("oauth.auth-method-unsupported", Severity.WARNING)]
    [method] = [f for f in outcome.findings if f.code == "oauth.auth-method-unsupported"]
    assert method.evidence["token_endpoint_auth_methods_supported"] == "client_secret_post, none"
    assert method.evidence["token probe"] == "credentials accepted with client_secret_basic"
    assert "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD=client_secret_post" in method.fix
    # the fix: the method the provider lists
    fixed = run_oauth(lab_env(provider, {"OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post"}))
    assert live_codes(fixed["oauth"]) == []
    # and without the token probe the method finding keeps the catalog's error
    blind = run_oauth(lab_env(provider), idp_requests=False)["oauth"]
    assert live_codes(blind) == [("oauth.auth-method-unsupported", Severity.ERROR)]


def test_provider_requiring_pkce(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["pkce_always"]
    outcome = run_oauth(lab_env(provider))["oauth"]
    assert live_codes(outcome) == [("oauth.pkce-required", Severity.ERROR)]
    assert live_codes(run_oauth(lab_env(provider, {"OAUTH_CODE_CHALLENGE_METHOD": "S256"}))["oauth"]) == []


def test_secret_with_plus_and_percent_fails_in_http_basic(lab_oidc: LabOidc) -> None:
    """oidc-provider URL-decodes the Basic credentials; the app (authlib) sends them raw."""
    env = lab_env(lab_oidc, {"OAUTH_CLIENT_ID": PLUS_CLIENT_ID, "OAUTH_CLIENT_SECRET": PLUS_CLIENT_SECRET})
    outcome = run_oauth(env)["oauth"]
    assert live_codes(outcome) == [("oauth.client-secret-encoding", Severity.ERROR),
                                   ("oauth.invalid-client", Severity.ERROR)]
    [encoding] = [f for f in outcome.findings if f.code == "oauth.client-secret-encoding"]
    assert "oidc-provider (panva) URL-decodes" in encoding.detail
    assert_no_secret(outcome, PLUS_CLIENT_SECRET)
    # the documented fix: the secret in the (properly encoded) body
    fixed = run_oauth({**env, "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post"})["oauth"]
    assert live_codes(fixed) == []


def _requests(log: Path, variant: str, since: int) -> list[str]:
    lines = log.read_text(errors="replace")[since:].splitlines()
    return [line.split(" ", 2)[2] for line in lines if line.startswith(f"REQ {variant} ")]


def test_no_idp_requests_sends_nothing_to_authorize_or_token(lab_oidc: LabOidc,
                                                             lab_session: LabSession) -> None:
    log = lab_session.run_dir / "oidc" / "oidc.log"
    start = len(log.read_text(errors="replace"))
    outcomes = run_oauth(lab_env(lab_oidc, {"OAUTH_CLIENT_SECRET": "wrong-" + "y" * 20}), idp_requests=False)
    time.sleep(0.2)
    paths = {entry.split(" ", 1)[1] for entry in _requests(log, "healthy", start)}
    assert "/.well-known/openid-configuration" in paths  # discovery is still fetched
    assert not [p for p in paths if p == "/token" or p.startswith("/auth")], paths
    outcome = outcomes["oauth"]
    assert live_codes(outcome) == []  # the wrong secret is not found: the client was never presented
    [note] = [f for f in outcome.findings if f.severity is Severity.SKIPPED]
    assert "--no-idp-requests" in note.title
    assert outcome.live is not None and not outcome.live.ran
    # and with IdP requests the same run reaches both endpoints
    start = len(log.read_text(errors="replace"))
    run_oauth(lab_env(lab_oidc))
    time.sleep(0.2)
    paths = {line.split(" ", 1)[1] for line in _requests(log, "healthy", start)}
    assert {"/auth", "/token"} <= paths, paths


def test_wrong_secret_through_the_cli_shows_no_secret(lab_oidc: LabOidc, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from authdoctor.cli import main

    wrong = "Zq+Wr0ng%2Fsecret/value=="
    env_file = tmp_path / "lab.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in
                                lab_env(lab_oidc, {"OAUTH_CLIENT_SECRET": wrong}).items()))
    for fmt in ("text", "json"):
        with pytest.raises(SystemExit) as exit_info:
            main(["check", "--env-file", str(env_file), "--only", "oauth", "--format", fmt, "-v",
                  "--now", "2026-11-28T00:00:00Z"])
        out, err = capsys.readouterr()
        assert exit_info.value.code == 1
        assert "oauth.invalid-client" in out
        assert "oauth.client-secret-encoding" in out
        for text in (out, err):
            assert wrong not in text and "Wr0ng" not in text and "Zq%2BWr0ng" not in text

