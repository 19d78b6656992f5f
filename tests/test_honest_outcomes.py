"""An area is ok only for what it checked (issue 7 §5): run the real `check` on a healthy
deployment, with and without --offline, and read every format the way its user does. Today no
area has a live half, so no format may claim more than "settings ok"."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from render_fixtures import REPO_ROOT, validate_json_report

from authdoctor.cli import main

HEALTHY = str(REPO_ROOT / "fixtures" / "healthy.env")


def check(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--env-file", HEALTHY, "--now", "2026-11-28T00:00:00Z", *args])
    out, _ = capsys.readouterr()
    assert excinfo.value.code == 0
    return out


@pytest.mark.parametrize("offline", [False, True])
def test_text_never_says_no_problems_found_for_an_area_it_did_not_probe(
        capsys: pytest.CaptureFixture[str], offline: bool) -> None:
    out = check(capsys, *(["--offline"] if offline else []))
    ok_lines = [line for line in out.splitlines() if line.startswith("OK ")]
    assert ok_lines
    for line in ok_lines:
        assert "settings ok; the server was not contacted" in line, line
    assert "OK       Redis and token revocation: settings ok; the server was not contacted" in out
    assert "no problems found" not in out.replace("no problems found ·", "")
    assert out.splitlines()[-1].startswith(
        "1 info, 1 skipped · 10 areas checked (settings only, no server contacted) · exit 0")


def test_json_gives_each_halfs_status(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(check(capsys, "--format", "json"))
    validate_json_report(data)
    checks = {c["area"]: c for c in data["checks"]}
    assert checks["redis"]["settings"] == {"status": "ran", "reason": ""}
    assert checks["redis"]["live"] == {"status": "not-implemented", "reason": "no live check yet"}
    assert all(c["live"]["status"] != "ran" for c in data["checks"])
    assert checks["trusted-header"]["settings"]["status"] == "skipped"
    ldap_ok = next(f for f in data["findings"] if f["code"] == "ldap.ok")
    assert ldap_ok["title"] == "LDAP: settings ok; the server was not contacted (no live check yet)"


def test_sarif_and_junit_say_the_server_was_not_contacted(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    sarif = json.loads(check(capsys, "--format", "sarif"))
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {"area": "ldap", "half": "live", "status": "not-implemented",
            "reason": "no live check yet"} in [n["properties"] for n in notes]
    junit = ET.fromstring(check(capsys, "--format", "junit"))
    ldap = next(c for c in junit.iter("testcase") if c.attrib["classname"] == "authdoctor.ldap")
    assert ldap.findtext("system-out", "").startswith(
        "settings check: ran\nlive check: not-implemented (no live check yet)")
