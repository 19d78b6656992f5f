"""pytest plugin: every catalog code must be produced by at least one test.

It records the code of every `Finding` built in-process during the session. When the whole
suite runs (no -k/-m/file selection: `scripts/test` sets AUTHDOCTOR_CATALOG_COVERAGE=1), codes
that no test produced fail the session — a code nobody can trigger is either dead or untested.

Codes of checks that are not built yet (the live probes of later issues) are listed in
`NOT_YET_PRODUCED` with the reason; shrink the list as those checks land.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from authdoctor.findings import Finding

PRODUCED: set[str] = set()

# Live-probe codes whose checks are later issues' work (the settings doctor and spine do not
# produce them). Each entry must name a code that exists in the catalog.
NOT_YET_PRODUCED: frozenset[str] = frozenset({
    # oauth: live IdP and app redirects
})


@pytest.fixture(autouse=True, scope="session")
def _record_finding_codes() -> Iterator[None]:
    original = Finding.__post_init__

    def recording(self: Finding) -> None:
        original(self)
        PRODUCED.add(self.code)

    Finding.__post_init__ = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        Finding.__post_init__ = original  # type: ignore[method-assign]


def missing_codes() -> list[str]:
    from authdoctor.catalog import CATALOG

    return sorted(code for code in CATALOG
                  if code not in PRODUCED and code not in NOT_YET_PRODUCED
                  and not code.endswith((".ok", ".skipped")))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("AUTHDOCTOR_CATALOG_COVERAGE") != "1" or exitstatus != 0:
        return
    missing = missing_codes()
    stale = sorted(c for c in NOT_YET_PRODUCED if c in PRODUCED)
    if missing or stale:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if missing:
                reporter.write_line("catalog codes no test produced: " + ", ".join(missing), red=True)
            if stale:
                reporter.write_line("NOT_YET_PRODUCED lists codes that tests now produce: "
                                    + ", ".join(stale), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
