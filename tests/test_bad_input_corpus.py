"""The bad-input corpus: every input of the adversarial report of 2026-11-28, rebuilt by the
generators in tests/corpus/, run through the real CLI and held to one assertion
(`corpus.check.problems`): exit 0, 1 or 2; exit 2 is one `authdoctor: error:` line; no
traceback; no secret marker in any output (whole, URL-encoded or any 6-character fragment); a
machine-readable report parses; inputs unchanged; within 10 s and 300 MB.

How it runs: a session fixture starts the misbehaving JWKS servers on 127.0.0.1, then runs every
selected case at once through `corpus.runner` (a warm process forks one child per case, a few at
a time; see `corpus/zygote.py`), and stops the servers. Each case is then its own test, so a
failure names the case id and its reasons on one line; the end of the run lists them all again,
untruncated, with the report's defect ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus import CATEGORIES, all_cases
from corpus.check import Outcome, leaked, problems
from corpus.model import Case, marker
from corpus.runner import run_cases
from corpus.servers import JwksServers

CASES = all_cases()
BY_ID = {case.id: case for case in CASES}


class _Summary:
    """Lists every failing case, one line each, at the end of the pytest run."""

    def __init__(self) -> None:
        self.failures: dict[str, str] = {}

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.failures:
            return
        terminalreporter.section(f"bad-input corpus: {len(self.failures)} failing cases")
        for case_id, reason in sorted(self.failures.items()):
            terminalreporter.write_line(f"{case_id}: {reason}")


@pytest.fixture(scope="session")
def corpus_summary(request: pytest.FixtureRequest) -> _Summary:
    summary = _Summary()
    request.config.pluginmanager.register(summary, "bad-input-corpus-summary")
    return summary


@pytest.fixture(scope="session")
def jwks_servers() -> Iterator[JwksServers]:
    servers = JwksServers().start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def corpus_outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, jwks_servers: JwksServers
) -> dict[str, Outcome]:
    """Run the cases selected for this session (all of them, or those -k picked) in one batch."""
    selected = {
        item.callspec.params["case_id"]
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_bad_input"
    }
    cases = [case for case in CASES if case.id in selected]
    return run_cases(cases, tmp_path_factory.mktemp("corpus"), jwks_servers.base)


@pytest.mark.parametrize("case_id", [case.id for case in CASES])
def test_bad_input(case_id: str, corpus_outcomes: dict[str, Outcome], corpus_summary: _Summary) -> None:
    case = BY_ID[case_id]
    found = problems(case, corpus_outcomes[case_id])
    if found:
        defects = f" (report: {', '.join(case.defects)})" if case.defects else ""
        reason = "; ".join(found) + defects
        corpus_summary.failures[case_id] = reason
        pytest.fail(reason, pytrace=False)


# --- the corpus itself and its assertion ------------------------------------------------------


def test_the_corpus_is_big_and_covers_every_category() -> None:
    assert len(BY_ID) == len(CASES), "case ids must be unique"
    assert len(CASES) >= 300
    per_category = {name: sum(case.id.startswith(name + "/") for case in CASES) for name in CATEGORIES}
    assert all(count >= 10 for count in per_category.values()), per_category
    assert sum(case.id.startswith(CATEGORIES) for case in CASES) == len(CASES)
    kinds = {case.stdout for case in CASES}
    assert kinds == {"pipe", "closed", "broken-pipe", "full"}
    assert any(case.fifos for case in CASES) and any(case.outputs for case in CASES)
    assert sum(bool(case.secrets) for case in CASES) >= 200


def test_every_defect_of_the_report_has_a_case() -> None:
    tagged = {defect for case in CASES for defect in case.defects}
    expected = (
        {f"L{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)}
        | {"H1", "H2", "H3", "H4", "H5", "H7"}
        | {f"H6{c}" for c in "abcdefgh"}
        | {"W1", "W2", "W3", "W4"}
        | {f"U{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)}
    )
    assert expected <= tagged, sorted(expected - tagged)


def _outcome(**changes: object) -> Outcome:
    base: dict[str, object] = {"exit": 0, "stdout": b"", "stderr": b""}
    base.update(changes)
    return Outcome(**base)  # type: ignore[arg-type]


def test_the_assertion_catches_what_it_is_for() -> None:
    secret = marker("self-test", 20)
    case = Case(
        "self/test",
        ("check", "--format", "json"),
        secrets=(secret,),
        files=(("in.env", b"x"),),
        outputs=("out.json",),
    )
    assert problems(case, _outcome(stdout=b"{}")) == []
    assert problems(case, _outcome(exit=2, stderr=b"authdoctor: error: bad\n")) == []
    assert problems(case, _outcome(exit=3, stderr=b"authdoctor: internal error: X\n"))[0].startswith("exit 3")
    assert problems(case, _outcome(exit=2, stderr=b"Usage: x\n\nError: y\n"))
    assert problems(case, _outcome(exit=2, stderr=b"error: y\n"))
    assert problems(case, _outcome(stdout=b"{}", stderr=b"Traceback (most recent call last):\n"))
    assert problems(case, _outcome(stdout=b'{"k": "' + secret[3:9].encode() + b'"}'))
    assert problems(case, _outcome(outputs={"out.json": b'{"a": 1'}))
    assert problems(case, _outcome(stdout=b"{}", changed_inputs=["in.env"]))
    assert problems(case, _outcome(stdout=b"{}", timed_out=True, exit=-9))
    assert problems(case, _outcome(stdout=b"{}", maxrss_mb=301.0))
    assert problems(case, _outcome(exit=-11))
    junit = Case("self/junit", ("check", "--format", "junit"))
    assert problems(junit, _outcome(stdout=b"<testsuites>"))
    assert problems(junit, _outcome(stdout=b"<testsuites/>")) == []


def test_leaks_are_found_whole_encoded_and_in_fragments() -> None:
    secret = "Xk29/pass word@"
    assert leaked(secret, f"x {secret} y") == "whole"
    assert leaked(secret, "x Xk29%2Fpass%20word%40 y") == "URL-encoded"
    assert leaked(secret, "... ss wor ...") == "fragment 'ss wor'"
    assert leaked(secret, "<secret, 15 chars>") is None


def test_the_runner_isolates_cases(tmp_path: Path) -> None:
    """Environment, working directory, stdin and files are the case's own, and a hang is killed."""
    cases = [
        Case(
            "self/env",
            ("check", "--from-env", "--offline", "--format", "json"),
            env=((b"WEBUI_URL", b"https://self-test.example.org"),),
        ),
        Case("self/stdin", ("jwt", "decode", "-", "--json"), stdin=b"not-a-token"),
        Case("self/version", ("--version",), process="exec"),
    ]
    outcomes = run_cases(cases, tmp_path, "http://127.0.0.1:9", jobs=2)
    assert b"self-test.example.org" in outcomes["self/env"].stdout
    assert outcomes["self/stdin"].exit in (0, 1) and b"malformed" in outcomes["self/stdin"].stdout
    assert outcomes["self/version"].stdout.startswith(b"authdoctor ")
    assert all(outcome.maxrss_mb > 0 and outcome.wall_s > 0 for outcome in outcomes.values())
