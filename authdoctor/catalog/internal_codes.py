"""Catalog entries about authdoctor itself (crashes, deadlines). These make the exit code 3."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="internal.check-crashed",
        severity=Severity.ERROR,
        summary="a check crashed inside authdoctor; its area was not fully diagnosed",
        explanation=(
            "One check raised an unexpected exception. The other checks still ran and their "
            "findings are reported, but the crashed area may hide a real problem. This is a bug in "
            "authdoctor, not in your deployment; the exit code is 3 so CI can tell it apart from "
            "findings."
        ),
        fix="Re-run with --debug to see the traceback and report it with the finding's evidence.",
    ),
    CodeInfo(
        code="internal.deadline-exceeded",
        severity=Severity.ERROR,
        summary="the global --timeout ran out before this check finished",
        explanation=(
            "authdoctor gives the whole run one deadline (--timeout) and each probe its own timeout. "
            "This check was still waiting when the global deadline passed, so its area was not "
            "diagnosed. Usually a service answers very slowly or a firewall drops packets silently."
        ),
        fix="Raise --timeout, or run the area alone with --only AREA to see which probe hangs.",
    ),
)
