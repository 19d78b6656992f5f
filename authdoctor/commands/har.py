"""`authdoctor har FILE`: a browser's recording of a failed sign-in, judged (the `har` area).

The file is read (`authdoctor.har.reader`: streamed, bounded, every bad input one usage error),
optionally written again sanitized (`--sanitize OUT`, `authdoctor.har.sanitize`), and judged by
`authdoctor.checks.har.evaluate`; with settings (`--env-file`, `--config`, ... read exactly as
`check` reads them) what the browser saw is also compared with them. The run has `check`'s shape:
one deadline (`--timeout`) around reading, judging and rendering, the formats, `--output`,
`--fail-on`, `--ignore`, `--now` and the exit codes. Every value the recording holds that looks
like a secret joins the report's safety net (`HarLog.secrets`), on top of the checks masking
what they show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.checks.base import CheckContext
    from authdoctor.findings import Finding, Report
    from authdoctor.har.model import HarLog
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment


@dataclass
class _Run:
    """What the run has read so far (filled in inside the deadline)."""

    path: str
    sanitize: str | None
    log: HarLog | None = None
    sanitized_entries: int | None = None
    deployment: Deployment | None = None
    with_settings: bool = False
    secrets: set[str] = field(default_factory=set)


def _check_paths(path: str, sanitize: str | None, output: str | None) -> None:
    from authdoctor.output import check_output_path

    if sanitize is not None:
        if not sanitize.strip() or sanitize.strip() == "-":
            raise UsageError("--sanitize: give the file to write the sanitized copy to (e.g. "
                             "--sanitize login.sanitized.har)")
        check_output_path(sanitize, [path])
    check_output_path(output, [path, *([sanitize] if sanitize else [])])  # the report never overwrites either
    if output not in (None, "-") and sanitize is not None:
        import os

        if os.path.abspath(str(output)) == os.path.abspath(sanitize):
            raise UsageError("--output and --sanitize name the same file: give the report and the "
                             "sanitized copy a file each")


def _evaluate(run: _Run, ctx: CheckContext) -> list[Finding]:
    from authdoctor.checks.base import finding
    from authdoctor.checks.har import evaluate

    assert run.log is not None
    deployment = ctx.deployment
    env = deployment.env if run.with_settings else None
    public = deployment.effective_public_url
    found = evaluate(run.log, now=ctx.now, public_url=public, env=env)
    if run.log.entries_total > len(run.log.entries):
        found.append(finding(
            "har.recording-incomplete",
            f"only the first {len(run.log.entries)} of {run.log.entries_total} entries were judged",
            detail=("The recording holds more entries than authdoctor reads (it keeps memory bounded); "
                    "a sign-in after them is not judged."),
            fix="Record only the failing sign-in (clear the Network panel first), then save the HAR.",
            evidence={"entries": str(run.log.entries_total)}, subject="recording",
            severity=None))
    if run.sanitized_entries is not None and run.sanitize is not None:
        from authdoctor.localfiles import shown_path

        found.append(finding(
            "har.sanitized-copy",
            f"a sanitized copy was written to {shown_path(run.sanitize)}: attach that file, not the original",
            detail=(f"{run.sanitized_entries} entries written with every cookie value, Authorization "
                    "header, token, authorization code, password and secret-named field replaced by a "
                    "fingerprint (REDACTED-…); URLs, statuses, headers and cookie attributes kept."),
            fix="Nothing to fix: attach the sanitized file to the bug report.",
            evidence={"sanitized copy": shown_path(run.sanitize),
                      "entries": str(run.sanitized_entries)}, subject="--sanitize"))
    return found


def _shown_ok(report: Report, run: _Run) -> Report:
    """`har.ok` says what was judged, not the settings/server wording of `check`'s areas."""
    from authdoctor.findings import CheckOutcome

    entries = len(run.log.entries) if run.log is not None else 0

    def fix(outcome: CheckOutcome) -> CheckOutcome:
        findings = tuple(replace(f, title=f"{outcome.title}: {entries} requests judged, no cause of a "
                                          "failed sign-in found")
                         if f.code == "har.ok" else f for f in outcome.findings)
        # A recording has no live half: nothing is probed, so no "settings only" note either.
        return replace(outcome, findings=findings, live=None)

    return replace(report, checks=tuple(fix(o) for o in report.checks))


def run_har(*, path: str, inputs: SettingsInputs, sanitize: str | None, fail_on: str, timeout: float,
            now: str | None, output_format: str, output: str | None, verbose: bool, stderr: TextIO,
            ignore: Sequence[str] = ()) -> int:
    from authdoctor.checks.base import CheckSpec
    from authdoctor.checks.har import TITLE
    from authdoctor.clock import parse_now
    from authdoctor.commands.common import check_ignore_codes, parse_fail_on, parse_format, render_report
    from authdoctor.deadline import MIN_TIMEOUT_S, Deadline, Phase, call_before, check_seconds, render_reserve
    from authdoctor.exitcodes import exit_code_for
    from authdoctor.har.reader import read_har
    from authdoctor.localfiles import shown_path
    from authdoctor.output import write_output
    from authdoctor.progress import Progress
    from authdoctor.runner import RunOptions, run_checks
    from authdoctor.settings import load_deployment
    from authdoctor.settings.model import Deployment

    deadline = Deadline(check_seconds("--timeout", timeout, minimum=MIN_TIMEOUT_S))
    fmt = parse_format(output_format)
    options = RunOptions(ignore=check_ignore_codes(ignore), offline=True, fail_on=parse_fail_on(fail_on),
                         timeout_s=timeout, now=parse_now(now) if now is not None else None)
    _check_paths(path, sanitize, output)
    run = _Run(path=path, sanitize=sanitize, with_settings=not inputs.empty)
    spec = CheckSpec(area="har", title=TITLE, settings=lambda ctx: _evaluate(run, ctx))
    phase = Phase("while reading the HAR file")

    def work() -> tuple[str, int]:
        run.log = read_har(path)
        if sanitize is not None:
            from authdoctor.har.sanitize import write_sanitized

            phase.text = "while writing the sanitized copy"
            run.sanitized_entries = write_sanitized(path, sanitize, run.log.secrets)
        phase.text = "while reading the settings"
        if inputs.empty:
            deployment = Deployment(replicas=(), public_url=inputs.public_url, sources=(shown_path(path),))
        else:
            deployment = load_deployment(inputs)
            from authdoctor.output import check_output_path

            check_output_path(output, [path, *deployment.sources, *deployment.files_read])
        run.deployment = deployment
        phase.text = "while judging the recording"
        checks_until = deadline.earlier(render_reserve(deadline.seconds))
        with Progress.for_stream(stderr, enabled=not fmt.machine_readable) as progress:
            report = run_checks(deployment, replace(options, on_progress=progress.update,
                                                    deadline=checks_until.at),
                                checks={"har": spec}, target=shown_path(path))
        sources = deployment.sources if run.with_settings else ()
        report = _shown_ok(replace(report, command="har", sources=sources), run)
        phase.text = "while rendering the report"
        secrets = [*run.log.secrets, *deployment.secret_values()]
        text = render_report(report, fmt, output, secrets, verbose=verbose)
        return text, int(exit_code_for(report))

    text, code = call_before(deadline, work, phase=phase)
    write_output(text, output)
    return code
