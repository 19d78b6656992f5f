"""What a check module is, and what it gets to run.

A check module under `authdoctor/checks/` names one area of diagnosis and exposes one
module-level constant `CHECK: CheckSpec`:

- `settings`: a *pure* function from the settings (and `now`) to findings. No I/O. It runs in
  every `check`, including `--offline`.
- `live`: an async function that probes the real services and evaluates what it saw. It runs
  unless `--offline`. It probes through `ctx.probes` (`authdoctor.probes.cache.ProbeSession`: the
  run's TLS policy, probe timeout and deadline, and the per-run cache, so areas asking for the
  same document share one request), and turns observations into findings with pure functions.

Either may be None. The runner discovers modules (`authdoctor.checks.registry`), runs them
concurrently, and turns a crash or a deadline into an `internal.*` finding.

Honest outcomes: the runner records what each half did (`CheckOutcome.settings` / `.live`, a
`HalfOutcome`) and adds `<area>.ok` only when the area has no problem, worded after what actually
ran ("settings ok; the server was not contacted (--offline)"). A half that could not do its job
(not configured, the server unreachable, a later probe not attempted after an earlier failure)
must say so by returning `skipped(area, reason)` (alone, or with the findings of the steps that
did run): a half that returns only `skipped` findings is recorded as `skipped` with their
reasons. Returning nothing means "ran and found nothing", so never return nothing for a probe
that did not run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from authdoctor.findings import Finding, Severity, SourceLocation
from authdoctor.settings.model import Deployment

if TYPE_CHECKING:
    import httpx

    from authdoctor.probes.cache import ProbeSession


class _ProbesOnDemand:
    """The probe session of an offline context, made when first used (a settings half never
    probes; a test may still run a live half with an offline context)."""

    def __init__(self, make: Callable[[], ProbeSession]) -> None:
        import threading

        self._make = make
        self._session: ProbeSession | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> object:
        with self._lock:
            if self._session is None:
                self._session = self._make()
        return getattr(self._session, name)


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may read. `now` is the run's clock (`--now` fixes it). `probes` is the
    run's probe session (made from the deployment's probe options when not given; for an
    `offline` context only on first use, since no live half runs there and an --offline run starts
    faster without importing it)."""

    deployment: Deployment
    now: datetime
    offline: bool = False
    probe_timeout_s: float = 5.0
    probes: ProbeSession = None  # type: ignore[assignment]  # filled in by __post_init__
    fixed_clock: bool = False
    """`--now`: the report must be reproducible, so findings leave out measured timings."""
    on_progress: Callable[[str, str], None] | None = field(default=None, compare=False)
    """The run's progress line (a terminal only): `progress(area, text)` reaches it."""

    def __post_init__(self) -> None:
        if self.probes is None:
            object.__setattr__(self, "probes", self._new_probes() if not self.offline
                               else _ProbesOnDemand(self._new_probes))

    def _new_probes(self) -> ProbeSession:
        from authdoctor.probes.cache import ProbeSession

        return ProbeSession.from_options(self.deployment.probe, timeout_s=self.probe_timeout_s)

    def progress(self, area: str, text: str) -> None:
        """Say how far a slow step of `area` has got (e.g. keys scanned); shown on a terminal only,
        next to the area's name. Safe to call from a probe's worker thread."""
        if self.on_progress is not None:
            self.on_progress(area, text)

    def http_client(self) -> httpx.AsyncClient:
        """A client with the run's TLS and timeout policy (see `authdoctor.http`)."""
        from authdoctor.http import make_async_client

        return make_async_client(self.deployment.probe, timeout_s=self.probe_timeout_s)


SettingsCheck = Callable[[CheckContext], Iterable[Finding]]
LiveCheck = Callable[[CheckContext], Awaitable[Iterable[Finding]]]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check area: its name (the code prefix and `--only` value), a title for
    reports, and its settings and live halves."""

    area: str
    title: str
    settings: SettingsCheck | None = None
    live: LiveCheck | None = None


def finding(code: str, title: str, *, detail: str = "", fix: str = "",
            evidence: dict[str, str] | None = None, subject: str = "",
            location: SourceLocation | None = None, severity: Severity | None = None) -> Finding:
    """A Finding whose severity defaults to the catalog's for `code` (unknown codes are a bug
    caught by the registry tests)."""
    from authdoctor.catalog import CATALOG

    if severity is None:
        info = CATALOG.get(code)
        if info is None:
            raise KeyError(f"finding code {code!r} is not in the catalog")
        severity = info.severity
    return Finding(code=code, severity=severity, title=title, detail=detail, fix=fix,
                   evidence=evidence or {}, subject=subject, location=location)


def skipped(area: str, reason: str, *, fix: str = "") -> Finding:
    """The area (or one half of it) could not run; `reason` says why in plain words and becomes
    the half's `HalfOutcome.reason`."""
    return Finding(code=f"{area}.skipped", severity=Severity.SKIPPED,
                   title=f"{area} checks skipped: {reason}", detail=reason, fix=fix)
