"""The bad-input corpus: the inputs of the adversarial report of 2026-11-28, rebuilt as small
generators, one module per category, and run by `tests/test_bad_input_corpus.py` with one
assertion (`corpus.check.problems`). The report itself is not read by any test."""

from __future__ import annotations

from dataclasses import replace

from corpus.model import Case

CATEGORIES = ("jwt-decode", "jwt-verify", "deploy-yaml", "env", "compose", "from-env", "options", "secrets",
              "rbac", "db", "har")


def all_cases() -> list[Case]:
    """Every case of every category, in a stable order; ids are unique."""
    from corpus import (
        cases_compose,
        cases_db,
        cases_deploy_yaml,
        cases_env,
        cases_from_env,
        cases_har,
        cases_jwt_decode,
        cases_jwt_verify,
        cases_options,
        cases_rbac,
        cases_secrets,
    )

    cases: list[Case] = []
    for module in (
        cases_jwt_decode,
        cases_jwt_verify,
        cases_deploy_yaml,
        cases_env,
        cases_compose,
        cases_from_env,
        cases_options,
        cases_rbac,
        cases_db,
        cases_secrets,
        cases_har,
    ):
        cases.extend(replace(case, slow=True) if case.slow or _big(case) else case for case in module.cases())
    return cases


def _big(case: Case) -> bool:
    """Over 100 kB of input, or deep nesting: seconds of honest work, so `slow`."""
    blobs = (
        [content for _, content in case.files]
        + [case.stdin]
        + [value for _, value in case.env]
        + [arg.encode("utf-8", "surrogateescape") for arg in case.argv]
    )
    return sum(map(len, blobs)) > 100_000 or any(b"[[[[[[[[[[" in blob for blob in blobs)
