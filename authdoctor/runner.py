"""Run the registered checks concurrently and collect one `Report`.

Each area's settings half runs first (pure, fast); the live halves run concurrently under one
global deadline. Nothing one check does can hide another's findings: an exception becomes an
`internal.check-crashed` finding, the deadline an `internal.deadline-exceeded` one, and both make
the report incomplete (exit 3).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from authdoctor import __version__
from authdoctor.checks.base import CheckContext, CheckSpec
from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Report, Severity
from authdoctor.settings.model import Deployment


@dataclass(frozen=True)
class RunOptions:
    only: Sequence[str] = ()
    skip: Sequence[str] = ()
    ignore: Sequence[str] = ()
    offline: bool = False
    fail_on: Severity = Severity.ERROR
    timeout_s: float = 30.0
    probe_timeout_s: float | None = None
    now: datetime | None = None  # fixed clock (--now); also zeroes durations for reproducible output
    on_progress: Callable[[str, str], None] | None = field(default=None, compare=False)


def select_checks(checks: dict[str, CheckSpec], only: Sequence[str], skip: Sequence[str]) -> list[CheckSpec]:
    """Validate --only/--skip against the known areas (UsageError on a typo) and select."""
    import difflib

    from authdoctor.errors import UsageError

    for name in (*only, *skip):
        if name not in checks:
            close = difflib.get_close_matches(name, checks, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UsageError(f"unknown check area '{name}'{hint} (areas: {', '.join(checks)})")
    return [spec for area, spec in checks.items()
            if (not only or area in only) and area not in skip]


def _crash(area: str, exc: BaseException) -> Finding:
    return Finding(
        code="internal.check-crashed",
        severity=Severity.ERROR,
        title=f"the {area} check crashed: {type(exc).__name__}: {exc}"[:300],
        detail=("authdoctor hit an unexpected error in this check, so this area was not fully "
                "diagnosed; the other areas below are unaffected."),
        fix="Re-run with --debug for the traceback and report it as an authdoctor bug.",
        evidence={"exception": type(exc).__name__},
        subject=area,
        area=area,
    )


def _timed_out(area: str, timeout_s: float) -> Finding:
    return Finding(
        code="internal.deadline-exceeded",
        severity=Severity.ERROR,
        title=f"the {area} check did not finish within --timeout {timeout_s:g}s",
        detail="A service this check probes answered too slowly or not at all.",
        fix=f"Raise --timeout, or run `authdoctor check --only {area}` to see which probe hangs.",
        subject=area,
        area=area,
    )


def _ok(spec: CheckSpec) -> Finding:
    return Finding(code=f"{spec.area}.ok", severity=Severity.OK,
                   title=f"{spec.title}: no problems found", area=spec.area)


class _Debug:
    enabled = False


def set_debug(enabled: bool) -> None:
    """With --debug, crashes are re-raised after being recorded, so the CLI can show them."""
    _Debug.enabled = enabled


async def _run_area(spec: CheckSpec, ctx: CheckContext, offline: bool) -> tuple[CheckStatus, list[Finding]]:
    findings: list[Finding] = []
    try:
        if spec.settings is not None:
            findings.extend(spec.settings(ctx))
        if spec.live is not None and not offline:
            findings.extend(await spec.live(ctx))
    except Exception as exc:
        if _Debug.enabled:
            import traceback

            traceback.print_exc()
        findings.append(_crash(spec.area, exc))
        return CheckStatus.CRASHED, findings
    if spec.settings is None and offline:
        return CheckStatus.SKIPPED, [Finding(
            code=f"{spec.area}.skipped", severity=Severity.SKIPPED,
            title=f"{spec.title}: skipped (--offline; these checks need the network)",
            area=spec.area)]
    if not any(f.severity.rank >= Severity.INFO.rank or f.severity is Severity.SKIPPED for f in findings):
        findings.append(_ok(spec))
    return CheckStatus.COMPLETED, findings


def _apply_ignores(findings: Iterable[Finding], ignore: Sequence[str]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.code not in ignore)


async def run_checks_async(deployment: Deployment, specs: Sequence[CheckSpec], options: RunOptions,
                           now: datetime) -> tuple[CheckOutcome, ...]:
    probe_timeout = options.probe_timeout_s or deployment.probe.timeout_s
    ctx = CheckContext(deployment=deployment, now=now, offline=options.offline,
                       probe_timeout_s=min(probe_timeout, options.timeout_s))
    deadline = time.monotonic() + options.timeout_s

    async def one(spec: CheckSpec) -> CheckOutcome:
        started = time.monotonic()
        if options.on_progress:
            options.on_progress(spec.area, "start")
        remaining = max(0.0, deadline - time.monotonic())
        try:
            status, found = await asyncio.wait_for(_run_area(spec, ctx, options.offline), remaining)
        except TimeoutError:
            status, found = CheckStatus.TIMED_OUT, [_timed_out(spec.area, options.timeout_s)]
        if options.on_progress:
            options.on_progress(spec.area, "done")
        return CheckOutcome(area=spec.area, title=spec.title, status=status,
                            duration_s=round(time.monotonic() - started, 3),
                            findings=_apply_ignores(found, options.ignore))

    return tuple(await asyncio.gather(*(one(spec) for spec in specs)))


def run_checks(deployment: Deployment, options: RunOptions, *, target: str | None = None,
               checks: dict[str, CheckSpec] | None = None) -> Report:
    """The whole `check` run: select areas, run them, and build the report."""
    from authdoctor.checks.registry import all_checks
    from authdoctor.clock import utcnow

    specs = select_checks(checks if checks is not None else all_checks(), options.only, options.skip)
    now = options.now or utcnow()
    started = time.monotonic()
    outcomes = asyncio.run(run_checks_async(deployment, specs, options, now))
    duration = round(time.monotonic() - started, 3)
    if options.now is not None:
        # A fixed clock means a reproducible report: timings are the only other varying values.
        outcomes = tuple(replace(o, duration_s=0.0) for o in outcomes)
        duration = 0.0
    return Report(
        tool_version=__version__,
        command="check",
        target=target or deployment.shown_public_url or ", ".join(deployment.sources),
        started_at=now,
        duration_s=duration,
        fail_on=options.fail_on,
        checks=outcomes,
        sources=deployment.sources,
    )
