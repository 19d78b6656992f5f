"""The OIDC live half (discovery) against the lab's real oidc-provider variants, through the real
runner: the healthy provider gives only ok, each broken variant its code, and a slow provider
costs at most the probe timeout without delaying the other areas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping

import pytest
from settings_env import NOW, source

from authdoctor.checks import oidc
from authdoctor.checks.base import CheckContext, CheckSpec
from authdoctor.findings import CheckOutcome, Finding, HalfStatus, Severity
from authdoctor.runner import RunOptions, run_checks
from authdoctor.settings.model import Deployment

from .oidc import LabOidc, LabOidcSet
from .ports import free_port

pytestmark = pytest.mark.realserver


def run_oidc(provider: LabOidc, extra: Mapping[str, str] | None = None, *,
             probe_timeout_s: float | None = None,
             checks: dict[str, CheckSpec] | None = None) -> dict[str, CheckOutcome]:
    env = {**provider.env(), **(extra or {})}
    deployment = Deployment(replicas=(source(env),), sources=("lab.env",))
    report = run_checks(deployment, RunOptions(timeout_s=20, probe_timeout_s=probe_timeout_s),
                        checks=checks or {"oidc": oidc.CHECK})
    return {outcome.area: outcome for outcome in report.checks}


def problems(outcome: CheckOutcome) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in outcome.findings
            if f.severity not in (Severity.OK, Severity.SKIPPED)]


def test_healthy_provider_gives_only_ok(lab_oidc: LabOidc) -> None:
    outcome = run_oidc(lab_oidc)["oidc"]
    assert problems(outcome) == []
    assert outcome.live is not None and outcome.live.status is HalfStatus.RAN
    [ok] = outcome.findings
    assert ok.title == "OIDC provider: settings and the running server checked, no problems found"


def test_trailing_slash_issuer(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["issuer_trailing_slash"]
    [finding] = run_oidc(provider)["oidc"].findings
    assert (finding.code, finding.severity) == ("oidc.issuer-mismatch", Severity.WARNING)
    assert finding.evidence["issuer in the document"] == provider.url + "/"
    assert finding.evidence["issuer the URL names"] == provider.url
    assert finding.evidence["difference"] == "the document's issuer ends in '/', the URL's does not"


def test_internal_issuer_host(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["issuer_internal"]
    [finding] = run_oidc(provider)["oidc"].findings
    assert (finding.code, finding.severity) == ("oidc.issuer-mismatch", Severity.ERROR)
    assert finding.evidence["issuer in the document"] == provider.issuer
    assert "idp.internal" in finding.title


def test_html_discovery(lab_oidc_all: LabOidcSet) -> None:
    outcome = run_oidc(lab_oidc_all["html_discovery"])["oidc"]
    [finding] = outcome.findings
    assert (finding.code, finding.severity) == ("oidc.discovery-not-json", Severity.ERROR)
    assert finding.evidence["content type"].startswith("text/html")
    assert finding.evidence["first bytes"].lower().startswith("<!doctype html")
    assert outcome.live is not None and outcome.live.status is HalfStatus.RAN


def test_slow_provider_is_reported_slow(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["slow"]
    # OAUTH_TIMEOUT=2: the app waits 2 s, authdoctor warns from half of it (1 s, the lab's delay)
    assert provider.delay_s >= 1
    [finding] = run_oidc(provider, {"OAUTH_TIMEOUT": "2"})["oidc"].findings
    assert (finding.code, finding.severity) == ("oidc.discovery-slow", Severity.WARNING)
    assert finding.evidence["threshold"] == "1 s"


async def _quick_live(ctx: CheckContext) -> Iterable[Finding]:
    return []


def test_slow_provider_is_cut_by_the_probe_timeout_without_delaying_other_areas(
        lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["slow"]
    checks = {"oidc": oidc.CHECK, "other": CheckSpec(area="other", title="Other", live=_quick_live)}
    started = time.monotonic()
    outcomes = run_oidc(provider, probe_timeout_s=0.3, checks=checks)
    assert time.monotonic() - started < provider.delay_s
    [finding] = outcomes["oidc"].findings
    assert (finding.code, finding.severity) == ("oidc.discovery-unreachable", Severity.ERROR)
    assert "within 0.3 s" in finding.title
    assert outcomes["other"].duration_s < 0.3
    live = outcomes["oidc"].live
    assert live is not None and live.status is HalfStatus.RAN


def test_a_dead_provider_port_is_unreachable_at_the_tcp_rung(lab_oidc: LabOidc) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    outcome = run_oidc(lab_oidc, {"OPENID_PROVIDER_URL": url})["oidc"]
    [finding] = outcome.findings
    assert (finding.code, finding.severity) == ("oidc.discovery-unreachable", Severity.ERROR)
    assert finding.evidence["failed at"] == "tcp"
    assert finding.title.endswith(f"127.0.0.1:{port}: connection refused (nothing listens on that port)")


# ------------------------------------------------------------------ JWKS, end-session, scopes, PKCE

def test_healthy_provider_keys_and_metadata_checked_with_one_request_each(lab_oidc: LabOidc) -> None:
    from authdoctor.probes.cache import ProbeSession

    env = lab_oidc.env()
    deployment = Deployment(replicas=(source(env),), sources=("lab.env",))
    probes = ProbeSession(timeout_s=5)
    ctx = CheckContext(deployment=deployment, now=NOW, probes=probes)
    async def twice() -> list[list[Finding]]:
        return [list(await oidc.check_live(ctx)), list(await oidc.check_live(ctx))]

    assert asyncio.run(twice()) == [[], []]
    assert probes.cache.started == 2  # the discovery document and the JWKS, once each


def test_healthy_public_client_with_pkce_gives_only_ok(lab_oidc: LabOidc) -> None:
    outcome = run_oidc(lab_oidc, lab_oidc.env(public=True))["oidc"]
    assert problems(outcome) == []
    assert [f.code for f in outcome.findings] == ["oidc.ok"]


def test_no_end_session_variant(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["no_end_session"]
    assert not provider.end_session
    [finding] = run_oidc(provider)["oidc"].findings
    assert (finding.code, finding.severity) == ("oidc.end-session-missing", Severity.WARNING)
    assert finding.evidence["end_session_endpoint"] == "<absent>"
    assert finding.evidence["sessions affected"] == "OIDC"


def test_no_end_session_variant_with_an_explicit_end_session_endpoint_is_ok(
        lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["no_end_session"]
    outcome = run_oidc(provider, {"OPENID_END_SESSION_ENDPOINT": provider.url + "/logout"})["oidc"]
    assert problems(outcome) == []


def test_a_scope_the_lab_provider_does_not_know(lab_oidc: LabOidc) -> None:
    [finding] = run_oidc(lab_oidc, {"OAUTH_SCOPES": "openid email profile roles"})["oidc"].findings
    assert (finding.code, finding.severity) == ("oidc.scope-unsupported", Severity.WARNING)
    assert finding.evidence["not supported"] == "'roles'"
    assert "api:read" in finding.evidence["scopes_supported"]


def test_html_discovery_says_what_was_not_checked(lab_oidc_all: LabOidcSet) -> None:
    [finding] = run_oidc(lab_oidc_all["html_discovery"])["oidc"].findings
    assert finding.evidence["not checked because of it"].startswith("the JWKS, end_session_endpoint")


# --------------------------------------------------------------------------- the metadata's own faults
# Each on a real oidc-provider, bent where the provider itself cannot be configured into the fault
# (tests/lab/oidc.py: plain_pkce by configuration; jwks_private, no_jwks_uri, foreign_host by the
# lab's proxy in front of it).

def test_s256_not_advertised_while_the_app_sends_it(lab_oidc_all: LabOidcSet) -> None:
    provider = lab_oidc_all["plain_pkce"]
    outcome = run_oidc(provider, {"OAUTH_CODE_CHALLENGE_METHOD": "S256"})["oidc"]
    assert problems(outcome) == [("oidc.pkce-unsupported", Severity.WARNING)]
    # without PKCE in the app's settings the same provider is fine
    assert problems(run_oidc(provider)["oidc"]) == []


def test_private_key_material_in_the_jwks(lab_oidc_all: LabOidcSet) -> None:
    outcome = run_oidc(lab_oidc_all["jwks_private"])["oidc"]
    # the private member is named; the bent key (a "d" that does not belong to n, e) is also unusable
    assert {code for code, _ in problems(outcome)} == {"oidc.jwks-invalid"}
    [private] = [f for f in outcome.findings if "private key material" in f.title]
    assert private.evidence["private members"] == "kid 'lab-rs256' (RSA): d"
    assert "bGFiLXByaXZhdGUtZXhwb25lbnQ" not in repr(outcome)  # the private value is never shown


def test_discovery_without_jwks_uri(lab_oidc_all: LabOidcSet) -> None:
    outcome = run_oidc(lab_oidc_all["no_jwks_uri"])["oidc"]
    assert problems(outcome) == [("oidc.discovery-invalid", Severity.ERROR)]
    [found] = [f for f in outcome.findings if f.code == "oidc.discovery-invalid"]
    assert found.evidence["metadata jwks_uri"] == "missing"
    assert "JWKS" in found.evidence["not checked because of it"]


def test_endpoints_on_a_plain_http_host_that_does_not_resolve(lab_oidc_all: LabOidcSet) -> None:
    from .oidc import FOREIGN_HOST

    outcome = run_oidc(lab_oidc_all["foreign_host"], probe_timeout_s=3)["oidc"]
    found = {f.code: f for f in outcome.findings if f.severity not in (Severity.OK, Severity.SKIPPED)}
    assert set(found) == {"oidc.insecure-endpoint", "oidc.jwks-unreachable"}
    assert found["oidc.insecure-endpoint"].evidence["token_endpoint"].startswith(f"http://{FOREIGN_HOST}:")
    unreachable = found["oidc.jwks-unreachable"]
    assert unreachable.evidence["failed at"] == "dns", unreachable.evidence
    assert FOREIGN_HOST in unreachable.title + unreachable.detail


def test_the_client_secret_never_travels_to_the_plain_http_host(lab_oidc_all: LabOidcSet) -> None:
    """The token endpoint of that document is plain http off loopback: the OAuth area says so
    and sends nothing there (the secret would travel in clear)."""
    from authdoctor.checks import oauth

    outcomes = run_oidc(lab_oidc_all["foreign_host"], probe_timeout_s=3,
                        checks={"oidc": oidc.CHECK, "oauth": oauth.CHECK})
    codes = {f.code for f in outcomes["oauth"].findings}
    assert "oauth.token-endpoint-insecure" in codes, codes
