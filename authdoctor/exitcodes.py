"""Exit codes, decided at one boundary (the CLI). Documented in `--help` and the README.

0  nothing at or above the `--fail-on` threshold
1  findings at or above the threshold
2  usage or configuration error (bad flag, unreadable or invalid config)
3  authdoctor itself failed or could not complete (a check crashed, the global deadline hit)
141  stdout's reader went away (a broken pipe): a quiet stop, as for any tool stopped by SIGPIPE
     (`authdoctor.output.EXIT_BROKEN_PIPE`)
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authdoctor.findings import Report


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL = 3


EXIT_CODES_HELP = (
    "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; "
    "2 usage or configuration error; 3 authdoctor failed or could not complete (a crash, or the "
    "--timeout deadline)."
)


def exit_code_for(report: Report) -> ExitCode:
    """3 when the run could not complete, else 1 when a finding reaches `--fail-on`, else 0."""
    if report.incomplete:
        return ExitCode.INTERNAL
    return ExitCode.FINDINGS if report.failing() else ExitCode.OK
