"""Golden files: the shared fixture report, written through the CLI's own emit path (redaction
included) in every format, must equal tests/golden/report.{txt,json,sarif,xml} byte for byte.

After an intended output change, rewrite them and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render_golden.py

The SARIF log lists every catalog rule, and the catalog grows independently of the renderers, so
its `rules` array (and the rule indexes pointing into it) is checked structurally against the
current catalog; everything else in the SARIF golden is compared exactly.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest
from render_fixtures import (
    GOLDEN_DIR,
    GOLDEN_SUFFIX,
    emit,
    shared_report,
    validate_json_report,
    validate_sarif,
)

from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Severity, SourceLocation
from authdoctor.render import OutputFormat

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def golden(fmt: OutputFormat, actual: str) -> str:
    """The stored golden text for `fmt`; with UPDATE_GOLDEN=1, first replace it by `actual`."""
    path = GOLDEN_DIR / f"report.{GOLDEN_SUFFIX[fmt]}"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
    if not path.is_file():
        pytest.fail(f"{path} is missing: run UPDATE_GOLDEN=1 pytest {Path(__file__).name}")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", [OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.JUNIT])
def test_output_matches_golden_file(fmt: OutputFormat, tmp_path: Path) -> None:
    actual = emit(shared_report(), fmt, tmp_path)
    assert actual == golden(fmt, actual), f"{fmt.value} output changed; see the module docstring"


LONG_URL = ("https://login.microsoftonline.com/0a1b2c3d-4e5f-6789-abcd-ef0123456789/v2.0/"
            ".well-known/openid-configuration")


def test_text_keeps_a_long_url_whole(tmp_path: Path) -> None:
    """Issue 8 §5: lines break only at spaces; a URL or `VAR=value` longer than the line runs past
    the margin and can be copied whole (tests/golden/long-url.txt)."""
    finding = Finding(
        code="oauth.redirect-uri-scheme-mismatch", severity=Severity.ERROR,
        title="OPENID_REDIRECT_URI uses http:// but the site is served over https://",
        detail=f"The provider's discovery document is at {LONG_URL} and names an https redirect.",
        fix=f"Set OPENID_PROVIDER_URL={LONG_URL} and OPENID_REDIRECT_URI=https://chat.example.org/"
            "oauth/oidc/callback, then restart the app.",
        evidence={"OPENID_PROVIDER_URL": LONG_URL},
        location=SourceLocation("deploy/openwebui.env", 9, "OPENID_PROVIDER_URL"))
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("oauth", "OAuth clients", CheckStatus.COMPLETED, 0.0, (finding,)),))
    actual = emit(report, OutputFormat.TEXT, tmp_path)
    path = GOLDEN_DIR / "long-url.txt"
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="")
    assert actual == path.read_text(encoding="utf-8")
    assert f"OPENID_PROVIDER_URL={LONG_URL}" in actual
    assert actual.count(LONG_URL) == 3


def test_json_golden_file_still_matches_the_shipped_schema() -> None:
    """The stored sample keeps parsing: a schema edit that rejects it breaks consumers."""
    validate_json_report(json.loads((GOLDEN_DIR / "report.json").read_text(encoding="utf-8")))


def _without_rule_table(log: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log minus what depends on the catalog's current contents."""
    log = copy.deepcopy(log)
    for run in log["runs"]:
        run["tool"]["driver"].pop("rules", None)
        for result in run["results"]:
            result.pop("ruleIndex", None)
        for invocation in run.get("invocations", []):
            for note in invocation.get("toolExecutionNotifications", []):
                note.get("associatedRule", {}).pop("index", None)
    return log


def test_sarif_matches_golden_file_except_the_rule_table(tmp_path: Path) -> None:
    from authdoctor.catalog import CATALOG

    actual_text = emit(shared_report(), OutputFormat.SARIF, tmp_path)
    stored = json.loads(golden(OutputFormat.SARIF, actual_text))
    actual = json.loads(actual_text)
    assert _without_rule_table(actual) == _without_rule_table(stored)

    # The rule table: every catalog code once, in catalog order, then (only while the catalog
    # lacks them) the fired codes it does not know, so every ruleIndex resolves.
    run = actual["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    fired_unknown = list(dict.fromkeys(r["ruleId"] for r in run["results"] if r["ruleId"] not in CATALOG))
    assert ids == [*CATALOG, *fired_unknown]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    for note in run["invocations"][0].get("toolExecutionNotifications", []):
        if "associatedRule" in note:  # "not run" notes name no rule
            assert ids[note["associatedRule"]["index"]] == note["associatedRule"]["id"]


def test_sarif_golden_file_is_valid_sarif() -> None:
    validate_sarif(json.loads((GOLDEN_DIR / "report.sarif").read_text(encoding="utf-8")))


def test_golden_files_hold_no_secret() -> None:
    from render_fixtures import SECRETS

    for suffix in GOLDEN_SUFFIX.values():
        text = (GOLDEN_DIR / f"report.{suffix}").read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, f"report.{suffix} contains a secret"
