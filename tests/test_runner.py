"""The runner: concurrency, crash isolation, the global deadline, selection and exit codes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.errors import UsageError
from authdoctor.exitcodes import ExitCode, exit_code_for
from authdoctor.findings import CheckOutcome, CheckStatus, Finding, HalfOutcome, HalfStatus, Report, Severity
from authdoctor.runner import RunOptions, run_checks
from authdoctor.settings.model import Deployment, EnvSource

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DEPLOYMENT = Deployment(replicas=(EnvSource(label="test.env"),), sources=("test.env",))


def warns(ctx: CheckContext) -> Iterable[Finding]:
    return [finding("cookie.missing-secure-on-https", "cookies are not Secure")]


def silent(ctx: CheckContext) -> Iterable[Finding]:
    return []


def crashes(ctx: CheckContext) -> Iterable[Finding]:
    raise RuntimeError("boom")


async def hangs(ctx: CheckContext) -> Iterable[Finding]:
    await asyncio.sleep(30)
    return []


async def live_error(ctx: CheckContext) -> Iterable[Finding]:
    return [finding("redis.unreachable", "Redis does not answer")]


CHECKS = {
    "cookie": CheckSpec("cookie", "Cookies", settings=warns),
    "secret": CheckSpec("secret", "Secret key", settings=silent),
    "redis": CheckSpec("redis", "Redis", live=live_error),
}


def run(checks: dict[str, CheckSpec], **options: Any) -> Report:
    return run_checks(DEPLOYMENT, RunOptions(now=NOW, **options), checks=checks)


def test_findings_worst_first_and_ok_for_silent_areas() -> None:
    report = run(CHECKS)
    codes = [(f.code, f.severity) for f in report.findings]
    assert codes == [
        ("redis.unreachable", Severity.ERROR),
        ("cookie.missing-secure-on-https", Severity.WARNING),
        ("secret.ok", Severity.OK),
    ]
    assert exit_code_for(report) == ExitCode.FINDINGS


def test_fail_on_threshold_decides_exit_code() -> None:
    only_warning = {"cookie": CHECKS["cookie"]}
    assert exit_code_for(run(only_warning)) == ExitCode.OK
    assert exit_code_for(run(only_warning, fail_on=Severity.WARNING)) == ExitCode.FINDINGS


def test_offline_skips_live_halves() -> None:
    report = run(CHECKS, offline=True)
    redis = next(o for o in report.checks if o.area == "redis")
    assert redis.status is CheckStatus.SKIPPED
    assert [f.code for f in redis.findings] == ["redis.skipped"]


def test_an_area_whose_live_findings_come_from_another_says_where() -> None:
    """The cookie area has no live half: the cookies that arrive are judged by the deploy area's
    sign-in. Its record says so instead of 'no live check yet' (only when live checks run)."""
    from authdoctor.checks.cookie import CHECK as COOKIE

    live = run({"cookie": COOKIE}).checks[0].live
    assert live is not None
    assert live.status is HalfStatus.NOT_IMPLEMENTED
    assert "judged under Live application" in live.reason and "--user" in live.reason
    offline = run({"cookie": COOKIE}, offline=True).checks[0].live
    assert offline is not None and offline.reason == "no live check yet"


def test_a_crash_is_a_finding_and_the_others_still_report() -> None:
    checks = {**CHECKS, "ldap": CheckSpec("ldap", "LDAP", settings=crashes)}
    report = run(checks)
    codes = {f.code for f in report.findings}
    assert "internal.check-crashed" in codes
    assert {"redis.unreachable", "cookie.missing-secure-on-https"} <= codes
    crashed = next(f for f in report.findings if f.code == "internal.check-crashed")
    assert "RuntimeError: boom" in crashed.title
    assert exit_code_for(report) == ExitCode.INTERNAL


def test_global_deadline_stops_a_hanging_check() -> None:
    checks = {**CHECKS, "oidc": CheckSpec("oidc", "OIDC", live=hangs)}
    started = time.monotonic()
    report = run(checks, timeout_s=0.3)
    assert time.monotonic() - started < 5
    oidc = next(o for o in report.checks if o.area == "oidc")
    assert oidc.status is CheckStatus.TIMED_OUT
    assert [f.code for f in oidc.findings] == ["internal.deadline-exceeded"]
    assert oidc.duration_s == 0.0  # --now given: durations are zeroed
    assert exit_code_for(report) == ExitCode.INTERNAL


def test_checks_run_concurrently() -> None:
    async def slow(ctx: CheckContext) -> Iterable[Finding]:
        await asyncio.sleep(0.3)
        return []

    checks = {name: CheckSpec(name, name, live=slow) for name in ("ldap", "redis", "oidc", "deploy")}
    report = run_checks(DEPLOYMENT, RunOptions(), checks=checks)
    assert 0.3 <= report.duration_s < 0.9


def test_only_skip_and_ignore() -> None:
    report = run(CHECKS, only=["cookie", "redis"], ignore=["redis.unreachable"])
    assert [o.area for o in report.checks] == ["cookie", "redis"]
    assert "redis.unreachable" not in {f.code for f in report.findings}
    report = run(CHECKS, skip=["cookie"])
    assert "cookie" not in [o.area for o in report.checks]


def test_unknown_area_is_a_usage_error_with_a_suggestion() -> None:
    with pytest.raises(UsageError, match="unknown check area 'cookies'; did you mean 'cookie'"):
        run(CHECKS, only=["cookies"])


def test_now_is_the_reports_clock() -> None:
    assert run(CHECKS).started_at == NOW


def test_fixed_clock_makes_reports_reproducible() -> None:
    first, second = run(CHECKS), run(CHECKS)
    assert first == second
    assert first.duration_s == 0.0
    assert all(o.duration_s == 0.0 for o in first.checks)


# --- honest outcomes: an area is ok only for what it checked (issue 7 §5) -------------------------

async def live_silent(ctx: CheckContext) -> Iterable[Finding]:
    return []


async def live_unreachable(ctx: CheckContext) -> Iterable[Finding]:
    return [skipped("redis", "redis.internal:6379 refused the connection")]


def outcome(report: Report, area: str) -> CheckOutcome:
    return next(o for o in report.checks if o.area == area)


def ok_title(report: Report, area: str) -> str:
    return next(f.title for f in outcome(report, area).findings if f.code == f"{area}.ok")


def test_ok_without_a_live_half_says_the_server_was_not_contacted() -> None:
    report = run({"secret": CheckSpec("secret", "Secret key", settings=silent)})
    secret = outcome(report, "secret")
    assert ok_title(report, "secret") == (
        "Secret key: settings ok; the server was not contacted (no live check yet)")
    assert secret.settings == HalfOutcome(HalfStatus.RAN)
    assert secret.live == HalfOutcome(HalfStatus.NOT_IMPLEMENTED, "no live check yet")


def test_ok_with_offline_says_so() -> None:
    checks = {"redis": CheckSpec("redis", "Redis", settings=silent, live=live_silent)}
    report = run(checks, offline=True)
    assert ok_title(report, "redis") == "Redis: settings ok; the server was not contacted (--offline)"
    assert outcome(report, "redis").live == HalfOutcome(HalfStatus.OFFLINE, "--offline")
    online = run(checks)
    assert ok_title(online, "redis") == "Redis: settings and the running server checked, no problems found"
    assert outcome(online, "redis").live == HalfOutcome(HalfStatus.RAN)


def test_a_live_half_that_could_not_run_is_skipped_never_silently_ok() -> None:
    report = run({"redis": CheckSpec("redis", "Redis", settings=silent, live=live_unreachable)})
    redis = outcome(report, "redis")
    assert redis.live == HalfOutcome(HalfStatus.SKIPPED, "redis.internal:6379 refused the connection")
    assert redis.settings == HalfOutcome(HalfStatus.RAN)
    assert sorted(f.code for f in redis.findings) == ["redis.ok", "redis.skipped"]
    assert ok_title(report, "redis") == ("Redis: settings ok; the server was not contacted "
                                         "(skipped: redis.internal:6379 refused the connection)")


def test_a_live_half_with_problems_has_no_ok() -> None:
    report = run({"redis": CheckSpec("redis", "Redis", settings=silent, live=live_error)})
    assert [f.code for f in outcome(report, "redis").findings] == ["redis.unreachable"]
    assert outcome(report, "redis").live == HalfOutcome(HalfStatus.RAN)


def test_a_settings_crash_marks_the_halves() -> None:
    report = run({"ldap": CheckSpec("ldap", "LDAP", settings=crashes, live=live_silent)})
    ldap = outcome(report, "ldap")
    assert ldap.settings == HalfOutcome(HalfStatus.CRASHED, "RuntimeError: boom")
    assert ldap.live == HalfOutcome(HalfStatus.SKIPPED, "not started: the settings check crashed")
    assert "ldap.ok" not in {f.code for f in ldap.findings}


def test_a_timeout_marks_the_live_half_timed_out() -> None:
    report = run({"oidc": CheckSpec("oidc", "OIDC", settings=silent, live=hangs)}, timeout_s=0.2)
    oidc = outcome(report, "oidc")
    assert oidc.settings == HalfOutcome(HalfStatus.RAN)
    assert oidc.live == HalfOutcome(HalfStatus.TIMED_OUT, "did not finish within --timeout 0.2s")
    assert [f.code for f in oidc.findings] == ["internal.deadline-exceeded"]


def test_a_live_half_cut_by_the_deadline_keeps_the_settings_findings() -> None:
    """The settings half finished with a warning before the live half hung: the warning stands
    beside the deadline finding (nothing one half does hides another's findings)."""
    warns(CheckContext(deployment=DEPLOYMENT, now=NOW))  # the catalog loaded: the half is instant
    report = run({"cookie": CheckSpec("cookie", "Cookies", settings=warns, live=hangs)}, timeout_s=1.0)
    cookie = outcome(report, "cookie")
    assert cookie.status is CheckStatus.TIMED_OUT
    assert cookie.settings == HalfOutcome(HalfStatus.RAN)
    assert sorted(f.code for f in cookie.findings) == ["cookie.missing-secure-on-https",
                                                      "internal.deadline-exceeded"]


def test_a_live_only_area_offline_is_skipped() -> None:
    report = run(CHECKS, offline=True)
    redis = outcome(report, "redis")
    assert redis.settings == HalfOutcome(HalfStatus.NOT_IMPLEMENTED, "this area has no settings check")
    assert redis.live == HalfOutcome(HalfStatus.OFFLINE, "--offline")


def test_an_area_that_is_not_configured_says_so_once() -> None:
    """Both halves skip (nothing configured): one skipped finding, from the settings half; the
    live half's reason stays in the report's `live` record."""
    def not_configured(ctx: CheckContext) -> list[Finding]:
        return [skipped("ldap", "ENABLE_LDAP is not true")]

    async def nothing_to_probe(ctx: CheckContext) -> list[Finding]:
        return [skipped("ldap", "no LDAP server to probe")]

    async def probe_fails(ctx: CheckContext) -> list[Finding]:
        return [finding("ldap.unreachable", "no answer")]

    spec = CheckSpec("ldap", "LDAP", settings=not_configured, live=nothing_to_probe)
    [outcome] = run_checks(DEPLOYMENT, RunOptions(), checks={"ldap": spec}).checks
    assert [f.title for f in outcome.findings] == ["ldap checks skipped: ENABLE_LDAP is not true"]
    assert outcome.live == HalfOutcome(HalfStatus.SKIPPED, "no LDAP server to probe")
    # a live half that found something is always reported
    spec = CheckSpec("ldap", "LDAP", settings=not_configured, live=probe_fails)
    [outcome] = run_checks(DEPLOYMENT, RunOptions(), checks={"ldap": spec}).checks
    assert [f.code for f in outcome.findings] == ["ldap.skipped", "ldap.unreachable"]


def test_a_partial_skip_leaves_the_half_run() -> None:
    """A live half that probed something and could not establish one step says so in a partial
    skip; the half still ran, and the ok line says the server was checked and names the skipped
    step (eaac475)."""
    from dataclasses import replace

    async def one_step_unknown(ctx: CheckContext) -> list[Finding]:
        return [replace(skipped("oauth", "oidc: whether the IdP accepts the redirect URI could not be "
                                         "established"), partial=True)]

    spec = CheckSpec("oauth", "OAuth", settings=silent, live=one_step_unknown)
    [outcome] = run_checks(DEPLOYMENT, RunOptions(), checks={"oauth": spec}).checks
    assert outcome.live == HalfOutcome(HalfStatus.RAN)
    assert [f.code for f in outcome.findings] == ["oauth.skipped", "oauth.ok"]
    assert outcome.findings[1].title == ("OAuth: settings and the running server checked, no problems "
                                         "found; skipped: oidc: whether the IdP accepts the redirect "
                                         "URI could not be established")
