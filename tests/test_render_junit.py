"""JUnit XML as a CI test-report view reads it: one testcase per check, failures for findings at
or above --fail-on, an error for a crashed check, skipped areas skipped, the rest in system-out."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from render_fixtures import shared_report

from authdoctor.findings import CheckOutcome, CheckStatus, Finding, Report, Severity
from authdoctor.render import RenderOptions
from authdoctor.render.junit import render


def parsed(report: Report) -> ET.Element:
    text = render(report, RenderOptions())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.attrib["classname"]: case for case in root.iter("testcase")}


def test_suites_and_totals() -> None:
    root = parsed(shared_report())
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "authdoctor", "tests": "9", "failures": "3", "errors": "1",
                           "skipped": "2", "time": "0.052"}
    [suite] = root.findall("testsuite")
    assert suite.attrib["name"] == "authdoctor check"
    assert suite.attrib["timestamp"] == "2026-11-26T12:00:00"
    assert {k: suite.attrib[k] for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "9", "failures": "3", "errors": "1", "skipped": "2"}
    properties = {(p.attrib["name"], p.attrib["value"]) for p in suite.iter("property")}
    assert ("target", "https://chat.example.org") in properties and ("fail-on", "warning") in properties


def test_one_testcase_per_check_named_by_area() -> None:
    found = cases(parsed(shared_report()))
    assert list(found) == [f"authdoctor.{o.area}" for o in shared_report().checks]
    assert found["authdoctor.oauth"].attrib == {"classname": "authdoctor.oauth",
                                                "name": "OAuth clients and redirect URIs", "time": "0.012"}
    assert len({(c.attrib["classname"], c.attrib["name"]) for c in found.values()}) == len(found)


def test_failures_for_findings_at_or_above_the_threshold() -> None:
    found = cases(parsed(shared_report(fail_on=Severity.WARNING)))
    oauth = found["authdoctor.oauth"].findall("failure")
    assert [f.attrib["type"] for f in oauth] == ["oauth.redirect-uri-scheme-mismatch",
                                                 "oauth.merge-accounts-by-email"]
    text = oauth[0].text or ""
    assert oauth[0].attrib["message"] == "OPENID_REDIRECT_URI uses http:// but the site is served over https://"
    assert "WEBUI_URL: https://chat.example.org" in text
    assert "at: deploy/openwebui.env:7 (OPENID_REDIRECT_URI)" in text
    assert "fix: Set OPENID_REDIRECT_URI=https://chat.example.org/oauth/oidc/callback" in text
    # Below the threshold: not a failure, but not lost either.
    ldap = found["authdoctor.ldap"]
    assert [f.attrib["type"] for f in ldap.findall("failure")] == ["ldap.cert-validation-disabled"]
    out = ldap.findtext("system-out") or ""
    assert "INFO ldap.app-bind-anonymous: LDAP searches bind anonymously" in out
    assert found["authdoctor.logout"].find("failure") is None


@pytest.mark.parametrize(("fail_on", "failing_cases"), [
    (Severity.ERROR, ["authdoctor.oauth", "authdoctor.redis"]),
    (Severity.WARNING, ["authdoctor.oauth", "authdoctor.redis", "authdoctor.ldap"]),
    (Severity.INFO, ["authdoctor.oauth", "authdoctor.redis", "authdoctor.ldap", "authdoctor.logout"]),
])
def test_threshold_moves_findings_between_failure_and_system_out(fail_on: Severity,
                                                                  failing_cases: list[str]) -> None:
    root = parsed(shared_report(fail_on=fail_on))
    found = cases(root)
    assert [name for name, case in found.items() if case.find("failure") is not None] == failing_cases
    assert root.attrib["failures"] == str(len(failing_cases))
    if fail_on is Severity.ERROR:
        assert "\n\nWARNING oauth.merge-accounts-by-email" in found["authdoctor.oauth"].findtext(
            "system-out", "")


def test_crashed_check_is_an_error_not_a_failure() -> None:
    oidc = cases(parsed(shared_report()))["authdoctor.oidc"]
    [error] = oidc.findall("error")
    assert error.attrib == {"message": "the oidc check crashed: KeyError: 'issuer'",
                            "type": "internal.check-crashed"}
    assert "exception: KeyError" in (error.text or "")
    assert oidc.find("failure") is None


def test_timed_out_check_without_finding_is_still_an_error() -> None:
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("ldap", "LDAP", CheckStatus.TIMED_OUT, 30.0, ()),))
    root = parsed(report)
    [error] = root.iter("error")
    assert error.attrib == {"message": "the ldap check ran out of time", "type": "timed-out"}
    assert root.attrib["errors"] == "1"


def test_skipped_areas_are_skipped_with_the_reason() -> None:
    found = cases(parsed(shared_report()))
    skipped = found["authdoctor.trusted-header"].find("skipped")
    assert skipped is not None and skipped.attrib["message"] == "WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set"
    deploy = found["authdoctor.deploy"].find("skipped")
    assert deploy is not None and "--offline" in deploy.attrib["message"]
    config = found["authdoctor.config"]
    assert [child.tag for child in config] == ["system-out"]  # passed: no failure, error or skipped
    assert config.findtext("system-out") == (
        "settings check: ran\nlive check: not-implemented (no live check yet)\n\n"
        "OK config.ok: Settings: settings ok; the server was not contacted (no live check yet)")


def test_every_case_says_what_was_checked() -> None:
    found = cases(parsed(shared_report()))
    assert found["authdoctor.cookie"].findtext("system-out", "").startswith(
        "settings check: ran\nlive check: offline (--offline)")
    oidc = found["authdoctor.oidc"].findtext("system-out", "")
    assert "settings check: crashed (KeyError: 'issuer')" in oidc


def test_control_characters_keep_the_xml_well_formed() -> None:
    evil = Finding("oauth.provider-incomplete", Severity.ERROR, "bad\x00title\x1b[31m",
                   detail="a\x0bb", evidence={"X": "\x07"})
    report = dataclasses.replace(shared_report(), target="t\x01", checks=(
        CheckOutcome("oauth", "OAuth", CheckStatus.COMPLETED, 0.0, (evil,)),))
    root = parsed(report)
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.attrib["message"] == "bad\\x00title\\x1b[31m"
    assert "a\\x0bb" in (failure.text or "") and "X: \\x07" in (failure.text or "")


def test_same_report_same_bytes() -> None:
    assert render(shared_report(), RenderOptions()) == render(shared_report(), RenderOptions())
