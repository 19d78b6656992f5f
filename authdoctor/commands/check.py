"""`authdoctor check`: load settings, run the checks, render, and decide the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from authdoctor.settings import SettingsInputs


def run_check(*, inputs: SettingsInputs, only: Sequence[str], skip: Sequence[str],
              ignore: Sequence[str], offline: bool, fail_on: str, timeout: float,
              probe_timeout: float | None, now: str | None, output_format: str, output: str | None,
              verbose: bool, stderr: TextIO) -> int:
    from authdoctor.clock import parse_now
    from authdoctor.commands.common import check_ignore_codes, emit_report, parse_fail_on, parse_format
    from authdoctor.exitcodes import exit_code_for
    from authdoctor.progress import Progress
    from authdoctor.runner import RunOptions, run_checks
    from authdoctor.settings import load_deployment

    fmt = parse_format(output_format)
    options = RunOptions(
        only=list(only), skip=list(skip), ignore=check_ignore_codes(ignore), offline=offline,
        fail_on=parse_fail_on(fail_on), timeout_s=timeout, probe_timeout_s=probe_timeout,
        now=parse_now(now) if now else None,
    )
    deployment = load_deployment(inputs)
    # Progress only for people: a terminal on stderr and the text format (never for CI formats).
    with Progress.for_stream(stderr, enabled=not fmt.machine_readable) as progress:
        report = run_checks(deployment, replace(options, on_progress=progress.update))
    emit_report(report, fmt, output, deployment.secret_values(), verbose=verbose)
    return int(exit_code_for(report))
