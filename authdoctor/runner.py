"""Run the registered checks concurrently and collect one `Report`.

Each area (its settings half, then its live half) runs in its own daemon thread, all areas
concurrently under one deadline (`RunOptions.deadline`, the whole run's, see `commands/check.py`);
an area still running then is abandoned (`_abandonable`). Nothing one check does can hide
another's findings: an exception becomes an `internal.check-crashed` finding, the deadline an
`internal.deadline-exceeded` one, and both make the report incomplete (exit 3). An area that
needs a value the input does not hold (a Kubernetes ConfigMap or Secret that was not given:
`UnknownValueError`) is reported as not judged (skipped), never judged on a guess.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from authdoctor import __version__
from authdoctor.checks.base import CheckContext, CheckSpec
from authdoctor.findings import (
    CheckOutcome,
    CheckStatus,
    Finding,
    HalfOutcome,
    HalfStatus,
    Report,
    Severity,
)
from authdoctor.settings.model import Deployment, UnknownValueError

T = TypeVar("T")


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
    deadline: float | None = None  # absolute time.monotonic() when areas must be done (the whole run's)
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
    both = sorted(set(only) & set(skip))
    if both:
        raise UsageError(f"--only and --skip both name {', '.join(both)}: choose one")
    selected = [spec for area, spec in checks.items() if (not only or area in only) and area not in skip]
    if not selected:
        raise UsageError("--skip leaves no check area to run (areas: " + ", ".join(checks) + ")")
    return selected


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


_PROBLEMS = (Severity.ERROR, Severity.WARNING, Severity.INFO)
NO_LIVE_YET = "no live check yet"
OFFLINE_REASON = "--offline"


def _ok(spec: CheckSpec, settings: HalfOutcome, live: HalfOutcome) -> Finding:
    """`<area>.ok`, saying exactly what was checked: an area is ok only for what it looked at."""
    if settings.ran and live.ran:
        what = "settings and the running server checked, no problems found"
    elif live.ran:
        what = "the running server checked, no problems found"
    else:
        why = live.reason if live.status is not HalfStatus.SKIPPED else f"skipped: {live.reason}"
        what = f"settings ok; the server was not contacted ({why})"
    return Finding(code=f"{spec.area}.ok", severity=Severity.OK, title=f"{spec.title}: {what}",
                   area=spec.area)


def _half_from(findings: Sequence[Finding]) -> HalfOutcome:
    """A half that returned only `skipped` findings could not run (their reasons say why); any
    other result means it ran, even when it reported nothing. A `partial` skip (one step of a
    half that probed something else) does not make the half skipped."""
    if any(f.severity is Severity.SKIPPED and not f.partial for f in findings) and not any(
            f.severity in _PROBLEMS for f in findings):
        reasons = dict.fromkeys(f.detail or f.title for f in findings if f.severity is Severity.SKIPPED)
        return HalfOutcome(HalfStatus.SKIPPED, "; ".join(reasons))
    return HalfOutcome(HalfStatus.RAN)


@dataclass
class AreaRecord:
    """What each half of one area did and found, filled in as the area runs (in its own thread),
    so that a deadline that interrupts it still leaves an honest account: the findings of a half
    that finished are kept (`interrupted`, `snapshot`). A lock guards it because the area's thread
    and the runner's loop both touch it; once interrupted, a late finish is ignored."""

    settings: HalfOutcome = field(
        default_factory=lambda: HalfOutcome(HalfStatus.NOT_IMPLEMENTED, "this area has no settings check"))
    live: HalfOutcome = field(default_factory=lambda: HalfOutcome(HalfStatus.NOT_IMPLEMENTED, NO_LIVE_YET))
    running: str = ""  # "settings" or "live" while that half runs
    findings: list[Finding] = field(default_factory=list)
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def finished(self, half: str, found: list[Finding]) -> None:
        """`half` ("settings" or "live") ran to its end with `found`."""
        with self._lock:
            if self.closed:
                return
            setattr(self, half, _half_from(found))
            self.findings.extend(found)
            self.running = ""

    def interrupted(self, status: HalfStatus, reason: str) -> None:
        """The half that was running ended with `status`; a half that had not started yet is
        marked skipped. Nothing the area does afterwards changes the record."""
        with self._lock:
            if self.running == "settings":
                self.settings = HalfOutcome(status, reason)
                if self.live.status not in (HalfStatus.NOT_IMPLEMENTED, HalfStatus.OFFLINE):
                    self.live = HalfOutcome(HalfStatus.SKIPPED,
                                            f"not started: the settings check {status.value}")
            elif self.running == "live":
                self.live = HalfOutcome(status, reason)
            self.running = ""
            self.closed = True

    def snapshot(self) -> tuple[list[Finding], HalfOutcome, HalfOutcome]:
        """The findings of the halves that finished, and both halves' outcomes, read together."""
        with self._lock:
            return list(self.findings), self.settings, self.live


def _not_judged(spec: CheckSpec, exc: UnknownValueError) -> Finding:
    """The area read a variable whose value the input does not hold: say so, never guess."""
    var = exc.var
    return Finding(
        code=f"{spec.area}.skipped", severity=Severity.SKIPPED,
        title=f"{spec.title}: not judged: {var.name} is {exc.reason}",
        detail=f"not judged: {var.name} is {exc.reason} (authdoctor does not guess values)",
        fix=("Add the ConfigMap or Secret to the input (e.g. `kubectl get deploy,cm,secret -o yaml`), "
             "or check the running container with `docker inspect` / --env-file."),
        subject=var.name, location=var.location, area=spec.area)


def _prepare(spec: CheckSpec, offline: bool, record: AreaRecord | None) -> AreaRecord:
    record = record if record is not None else AreaRecord()
    if spec.live is not None:
        record.live = (HalfOutcome(HalfStatus.OFFLINE, OFFLINE_REASON) if offline
                       else HalfOutcome(HalfStatus.SKIPPED, "not started"))
    return record


def _settings_half(spec: CheckSpec, ctx: CheckContext, record: AreaRecord) -> list[Finding]:
    if spec.settings is None:
        return []
    record.running = "settings"
    found = list(spec.settings(ctx))
    record.finished("settings", found)
    return found


def _area_failed(spec: CheckSpec, record: AreaRecord, findings: list[Finding],
                 exc: Exception) -> tuple[CheckStatus, list[Finding]]:
    """An area that raised: not judged (a value the input does not hold) or crashed."""
    if isinstance(exc, UnknownValueError):
        record.interrupted(HalfStatus.SKIPPED, f"not judged: {exc.var.name} is {exc.reason}")
        return CheckStatus.SKIPPED, [*findings, _not_judged(spec, exc)]
    from authdoctor.output import GlobalState

    if GlobalState.debug:  # --debug: the traceback on stderr; the crash is still a finding
        import traceback

        traceback.print_exception(exc)
    record.interrupted(HalfStatus.CRASHED, f"{type(exc).__name__}: {exc}"[:200])
    findings.append(_crash(spec.area, exc))
    return CheckStatus.CRASHED, findings


def _area_done(spec: CheckSpec, record: AreaRecord, findings: list[Finding],
               offline: bool) -> tuple[CheckStatus, list[Finding]]:
    if spec.settings is None and offline:
        return CheckStatus.SKIPPED, [Finding(
            code=f"{spec.area}.skipped", severity=Severity.SKIPPED,
            title=f"{spec.title}: skipped (--offline; these checks need the network)",
            area=spec.area)]
    if not any(f.severity in _PROBLEMS for f in findings) and (record.settings.ran or record.live.ran):
        findings.append(_ok(spec, record.settings, record.live))
    return CheckStatus.COMPLETED, findings


def _run_area_offline(spec: CheckSpec, ctx: CheckContext,
                      record: AreaRecord | None = None) -> tuple[CheckStatus, list[Finding]]:
    """`_run_area` for --offline: the settings half only, plain synchronous code."""
    record = _prepare(spec, True, record)
    findings: list[Finding] = []
    try:
        findings.extend(_settings_half(spec, ctx, record))
    except Exception as exc:
        return _area_failed(spec, record, findings, exc)
    return _area_done(spec, record, findings, True)


async def _run_area(spec: CheckSpec, ctx: CheckContext, offline: bool,
                    record: AreaRecord | None = None) -> tuple[CheckStatus, list[Finding]]:
    record = _prepare(spec, offline, record)
    findings: list[Finding] = []
    try:
        findings.extend(_settings_half(spec, ctx, record))
        if spec.live is not None and not offline:
            record.running = "live"
            found = list(await spec.live(ctx))
            record.finished("live", found)
            both_skipped = HalfStatus.SKIPPED is record.settings.status is record.live.status
            if not both_skipped:
                findings.extend(found)
            # else: the area is not configured, and its settings half already says so; the live
            # half's own skip is kept in the record (report `live`), not repeated as a finding.
    except Exception as exc:
        return _area_failed(spec, record, findings, exc)
    return _area_done(spec, record, findings, offline)


async def _abandonable(make: Callable[[], Coroutine[Any, Any, T]], area: str) -> T:
    """Run one area in its own daemon thread and event loop, so the deadline can always leave it.

    `asyncio.wait_for` alone cannot: a settings half is plain synchronous code, and a live half
    that blocks (a synchronous client library, a slow DNS lookup) holds the shared event loop, so
    the timer that should cancel it never runs. In a thread of its own, an area that overruns is
    abandoned: its result is ignored, and as a daemon thread it never holds up the exit."""
    import asyncio

    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled at the deadline: nobody is waiting any more
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = asyncio.run(make())
        except BaseException as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the run's loop is closed: the area was abandoned
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name=f"authdoctor-check-{area}", daemon=True).start()
    return await future


def _claimed(findings: Iterable[Finding], area: str) -> list[Finding]:
    """Every finding belongs to the area whose check produced it (`Finding.area`), also when its
    code comes from another area's catalog: the OAuth check's `config.webui-url-missing` is shown
    under OAuth, so `--only oauth` shows the OAuth area alone and nothing else."""
    return [f if f.area == area else replace(f, area=area) for f in findings]


def _apply_ignores(findings: Iterable[Finding], ignore: Sequence[str]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.code not in ignore)


def _outcome(spec: CheckSpec, record: AreaRecord, status: CheckStatus, found: list[Finding],
             started: float, options: RunOptions) -> CheckOutcome:
    _, settings_half, live_half = record.snapshot()
    return CheckOutcome(area=spec.area, title=spec.title, status=status,
                        duration_s=round(time.monotonic() - started, 3),
                        findings=_apply_ignores(_claimed(found, spec.area), options.ignore),
                        settings=settings_half, live=live_half)


def run_checks_offline(deployment: Deployment, specs: Sequence[CheckSpec], options: RunOptions,
                       now: datetime) -> tuple[CheckOutcome, ...]:
    """`run_checks_async` for --offline, without asyncio or a probe session (their imports are
    most of an offline run's start-up): each area's settings half in its own daemon thread, all
    concurrently, joined up to the run's deadline; an area still running then is abandoned, as
    `_abandonable` does."""
    deadline = options.deadline if options.deadline is not None else time.monotonic() + options.timeout_s
    ctx = CheckContext(deployment=deployment, now=now, offline=True,
                       probe_timeout_s=min(options.probe_timeout_s or deployment.probe.timeout_s,
                                           options.timeout_s),
                       fixed_clock=options.now is not None, on_progress=options.on_progress)
    started = time.monotonic()
    records = {spec.area: AreaRecord() for spec in specs}
    results: dict[str, tuple[CheckStatus, list[Finding]]] = {}
    errors: dict[str, BaseException] = {}

    def work(spec: CheckSpec) -> None:
        try:
            results[spec.area] = _run_area_offline(spec, ctx, records[spec.area])
        except BaseException as exc:  # re-raised in the caller, like _abandonable
            errors[spec.area] = exc

    threads = []
    for spec in specs:
        if options.on_progress:
            options.on_progress(spec.area, "start")
        thread = threading.Thread(target=work, args=(spec,), name=f"authdoctor-check-{spec.area}",
                                  daemon=True)
        thread.start()
        threads.append(thread)
    outcomes = []
    for spec, thread in zip(specs, threads, strict=True):
        thread.join(max(0.0, deadline - time.monotonic()))
        record = records[spec.area]
        if spec.area in errors:
            raise errors[spec.area]
        if thread.is_alive():
            record.interrupted(HalfStatus.TIMED_OUT,
                               f"did not finish within --timeout {options.timeout_s:g}s")
            status, found = CheckStatus.TIMED_OUT, [*record.snapshot()[0],
                                                    _timed_out(spec.area, options.timeout_s)]
        else:
            status, found = results[spec.area]
        if options.on_progress:
            options.on_progress(spec.area, "done")
        outcomes.append(_outcome(spec, record, status, found, started, options))
    return tuple(outcomes)


async def run_checks_async(deployment: Deployment, specs: Sequence[CheckSpec], options: RunOptions,
                           now: datetime) -> tuple[CheckOutcome, ...]:
    import asyncio

    from authdoctor.probes.cache import ProbeSession

    probe_timeout = min(options.probe_timeout_s or deployment.probe.timeout_s, options.timeout_s)
    deadline = options.deadline if options.deadline is not None else time.monotonic() + options.timeout_s
    # One probe session per run: its cache makes areas that need the same document share a request.
    probes = ProbeSession.from_options(deployment.probe, timeout_s=probe_timeout, deadline=deadline)
    ctx = CheckContext(deployment=deployment, now=now, offline=options.offline,
                       probe_timeout_s=probe_timeout, probes=probes, fixed_clock=options.now is not None,
                       on_progress=options.on_progress)

    async def one(spec: CheckSpec) -> CheckOutcome:
        started = time.monotonic()
        if options.on_progress:
            options.on_progress(spec.area, "start")
        remaining = max(0.0, deadline - time.monotonic())
        record = AreaRecord()
        try:
            status, found = await asyncio.wait_for(
                _abandonable(lambda: _run_area(spec, ctx, options.offline, record), spec.area), remaining)
        except TimeoutError:
            # The findings of a half that finished stand; the deadline finding names the rest.
            record.interrupted(HalfStatus.TIMED_OUT,
                               f"did not finish within --timeout {options.timeout_s:g}s")
            status, found = CheckStatus.TIMED_OUT, [*record.snapshot()[0],
                                                    _timed_out(spec.area, options.timeout_s)]
        if options.on_progress:
            options.on_progress(spec.area, "done")
        return _outcome(spec, record, status, found, started, options)

    return tuple(await asyncio.gather(*(one(spec) for spec in specs)))


def _probe_outcomes(deployment: Deployment, outcomes: Sequence[CheckOutcome],
                    options: RunOptions) -> tuple[CheckOutcome, ...]:
    """`probe.tls-not-verified` when a live half ran without TLS verification (`--insecure` or
    `probe.verify_tls: false`): what passed may fail for the app, which verifies."""
    from authdoctor.checks.base import finding

    if deployment.probe.verify_tls or not any(o.live is not None and o.live.ran for o in outcomes):
        return ()
    found = finding(
        "probe.tls-not-verified", "TLS certificates were not verified in this run",
        detail=("The live probes ran with certificate verification off (--insecure or "
                "probe.verify_tls: false): an unknown CA, an expired certificate or one for another "
                "host name was accepted here, but Open WebUI checks them and would fail."),
        fix="Trust the internal CA with --ca-file PEM (or probe.ca_file) instead of --insecure.",
        evidence={"TLS verification": "off"}, subject="--insecure")
    if found.code in options.ignore:
        return ()
    return (CheckOutcome(area="probe", title="How authdoctor probed", status=CheckStatus.COMPLETED,
                         duration_s=0.0, findings=(found,),
                         settings=HalfOutcome(HalfStatus.RAN), live=HalfOutcome(HalfStatus.RAN)),)


def run_checks(deployment: Deployment, options: RunOptions, *, target: str | None = None,
               checks: dict[str, CheckSpec] | None = None) -> Report:
    """The whole `check` run: select areas, run them, and build the report."""
    from authdoctor.checks.registry import all_checks
    from authdoctor.clock import utcnow

    specs = select_checks(checks if checks is not None else all_checks(), options.only, options.skip)
    now = options.now or utcnow()
    started = time.monotonic()
    if options.offline:
        outcomes = run_checks_offline(deployment, specs, options, now)
    else:
        import asyncio

        outcomes = asyncio.run(run_checks_async(deployment, specs, options, now))
    outcomes = (*outcomes, *_probe_outcomes(deployment, outcomes, options))
    duration = round(time.monotonic() - started, 3)
    if options.now is not None:
        # A fixed clock means a reproducible report: timings are the only other varying values.
        outcomes = tuple(replace(o, duration_s=0.0) for o in outcomes)
        duration = 0.0
    public_url = deployment.shown_public_url  # credentials masked; a Secret-held URL by its length
    return Report(
        tool_version=__version__,
        command="check",
        target=target or public_url or ", ".join(deployment.sources),
        started_at=now,
        duration_s=duration,
        fail_on=options.fail_on,
        checks=outcomes,
        sources=deployment.sources,
    )
