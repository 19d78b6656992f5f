"""The text report as the operator reads it: worst area first, what was seen, where, the fix, a
one-line summary with the exit code; colour only when asked, never an escape code otherwise."""

from __future__ import annotations

import dataclasses
import re

import pytest
from render_fixtures import shared_report

from authdoctor.findings import CheckOutcome, CheckStatus, Finding, HalfOutcome, HalfStatus, Report, Severity
from authdoctor.render import RenderOptions
from authdoctor.render.text import render, summary_line

ESC = "\x1b"


def lines_of(report: Report, **options: object) -> list[str]:
    return render(report, RenderOptions(**options)).splitlines()  # type: ignore[arg-type]


def area_headings(text: str) -> list[str]:
    """The area headings in order: unindented lines that are not labels, header or summary."""
    return [line.split(" · ")[0] for line in text.splitlines()
            if line and not line.startswith((" ", "authdoctor ", "settings from:", "OK ", "SKIPPED "))
            and " · exit " not in line]


def test_areas_worst_first_then_catalog_order() -> None:
    text = render(shared_report(), RenderOptions())
    assert area_headings(text) == [
        "OAuth clients and redirect URIs",  # 1 error + 1 warning (catalog order breaks the error tie)
        "OIDC provider",  # crashed check: its internal error
        "Redis and token revocation",
        "LDAP",  # warning
        "Logout",  # info
    ]


def test_a_finding_shows_code_title_what_was_seen_where_and_the_fix() -> None:
    text = render(shared_report(), RenderOptions(width=120))
    block = text[text.index("ERROR    oauth.redirect-uri-scheme-mismatch"):]
    block = block[:block.index("\n  WARNING")]
    assert "OPENID_REDIRECT_URI uses http:// but the site is served over https://" in block
    assert re.search(r"seen: The provider sends the browser back", block)
    assert "OPENID_REDIRECT_URI: http://chat.example.org/oauth/oidc/callback" in block
    assert "at:   deploy/openwebui.env:7 (OPENID_REDIRECT_URI)" in block
    assert "fix:  Set OPENID_REDIRECT_URI=https://chat.example.org/oauth/oidc/callback" in block


def test_findings_inside_an_area_are_worst_first() -> None:
    text = render(shared_report(), RenderOptions(width=120))
    warning = text.index("WARNING  ldap.cert-validation-disabled")
    assert warning < text.index("INFO     ldap.app-bind-anonymous")


def test_ok_and_skipped_areas_take_one_line_each() -> None:
    lines = lines_of(shared_report())
    assert "OK       Settings: settings ok; the server was not contacted (no live check yet)" in lines
    assert "OK       Cookies: settings ok; the server was not contacted (--offline)" in lines
    assert "SKIPPED  Trusted-header sign-in: WEBUI_AUTH_TRUSTED_EMAIL_HEADER is not set" in lines
    assert "SKIPPED  Live application: skipped (--offline; these checks need the network)" in lines
    assert not any("config.ok" in line or "deploy.skipped" in line for line in lines)


def test_verbose_shows_ok_and_skipped_areas_in_full_with_durations() -> None:
    text = render(shared_report(), RenderOptions(verbose=True, width=120))
    assert "Settings · 0.004 s" in text
    assert ("OK       config.ok  Settings: settings ok; the server was not contacted (no live check "
            "yet)") in text
    assert "SKIPPED  deploy.skipped" in text and "check skipped" in text
    assert "OIDC provider · 1 error · check crashed · 0.030 s" in text


def test_summary_is_the_last_line_and_names_the_exit_code() -> None:
    lines = lines_of(shared_report(), width=60)
    assert lines[-1] == ("3 errors, 2 warnings, 2 info, 2 skipped · 9 areas checked (settings only, "
                         "--offline) · exit 3 (a check did not complete)")


def without_crash(report: Report) -> Report:
    return dataclasses.replace(report, checks=tuple(o for o in report.checks
                                                    if o.status is not CheckStatus.CRASHED))


@pytest.mark.parametrize(("fail_on", "expected"), [
    (Severity.ERROR, "2 errors, 2 warnings, 2 info, 2 skipped · 8 areas checked (settings only, --offline) "
                     "· exit 1 (fail-on error)"),
    (Severity.INFO, "2 errors, 2 warnings, 2 info, 2 skipped · 8 areas checked (settings only, --offline) "
                    "· exit 1 (fail-on info)"),
])
def test_summary_with_findings_at_the_threshold(fail_on: Severity, expected: str) -> None:
    assert summary_line(without_crash(shared_report(fail_on=fail_on))) == expected


def test_summary_of_a_clean_run() -> None:
    ok = Finding("config.ok", Severity.OK, "Settings: no problems found")
    clean = Report(tool_version="0.1.0", command="check", target="https://chat.example.org",
                   started_at=shared_report().started_at, duration_s=0.0, fail_on=Severity.ERROR,
                   checks=(CheckOutcome("config", "Settings", CheckStatus.COMPLETED, 0.0, (ok,)),))
    assert summary_line(clean) == "no problems found · 1 area checked · exit 0 (fail-on error)"
    warnings_only = dataclasses.replace(clean, checks=(CheckOutcome(
        "logout", "Logout", CheckStatus.COMPLETED, 0.0,
        (Finding("logout.idp-session-not-ended", Severity.WARNING, "x"),)),))
    assert summary_line(warnings_only) == "1 warning · 1 area checked · exit 0 (fail-on error)"


def test_areas_with_problems_say_the_server_was_not_contacted() -> None:
    headings = [line for line in lines_of(shared_report(), width=120) if " · " in line]
    assert "LDAP · 1 warning, 1 info · settings only (--offline)" in headings
    assert "Logout · 1 info · settings only (no live check yet)" in headings
    assert "OIDC provider · 1 error · check crashed" in headings  # the crash says enough


def test_summary_says_how_many_areas_had_a_live_check() -> None:
    live_ran = HalfOutcome(HalfStatus.RAN)
    offline = HalfOutcome(HalfStatus.OFFLINE, "--offline")
    skipped = HalfOutcome(HalfStatus.SKIPPED, "ldap.example.com: connection refused")
    ldap_ok = Finding("ldap.ok", Severity.OK,
                      "LDAP: settings ok; the server was not contacted (skipped: ldap.example.com: "
                      "connection refused)")
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("redis", "Redis", CheckStatus.COMPLETED, 0.0,
                     (Finding("redis.ok", Severity.OK, "Redis: no problems found"),), live=live_ran),
        CheckOutcome("ldap", "LDAP", CheckStatus.COMPLETED, 0.0, (ldap_ok,), live=skipped),
        CheckOutcome("cookie", "Cookies", CheckStatus.COMPLETED, 0.0, (), live=offline)))
    lines = lines_of(report, width=140)
    assert lines[-1].startswith("no problems found · 3 areas checked (1 with a live check) · exit 0")
    assert ("OK       LDAP: settings ok; the server was not contacted (skipped: ldap.example.com: "
            "connection refused)") in lines
    no_server = dataclasses.replace(report, checks=tuple(
        dataclasses.replace(o, live=HalfOutcome(HalfStatus.NOT_IMPLEMENTED, "no live check yet"))
        for o in report.checks))
    assert "3 areas checked (settings only, no server contacted)" in summary_line(no_server)


def test_no_escape_code_without_colour_and_colour_when_asked() -> None:
    report = shared_report()
    plain = render(report, RenderOptions(color=False))
    assert ESC not in plain
    coloured = render(report, RenderOptions(color=True))
    assert f"{ESC}[1;31mERROR" in coloured  # bold red label
    # Colour decorates; the words are the same.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


PREFIX_WORDS = {"ERROR", "WARNING", "INFO", "OK", "SKIPPED", "seen:", "at:", "fix:"}


def test_lines_fit_the_width_except_the_summary_and_single_long_words() -> None:
    """Lines break only at spaces: a line runs past the width only when it holds one word that
    is longer than the room (a URL, a VAR=value), never to split it."""
    for width in (60, 80, 100):
        lines = lines_of(shared_report(), width=width)
        for line in lines[:-1]:
            if len(line) > width:
                words = [w for w in line.split() if w not in PREFIX_WORDS]
                assert len(words) == 1, (width, line)
        assert not any(line != line.rstrip() for line in lines)


LONG_URL = ("https://login.microsoftonline.com/0a1b2c3d-4e5f-6789-abcd-ef0123456789/v2.0/"
            ".well-known/openid-configuration")


def test_a_long_url_or_assignment_is_never_split() -> None:
    """Issue 8 §5: a URL or `VAR=value` in a fix line must be copyable whole."""
    long_fix = Finding(
        code="oauth.redirect-uri-scheme-mismatch", severity=Severity.ERROR,
        title="the provider's discovery document is not where OPENID_PROVIDER_URL points",
        detail=f"Fetching {LONG_URL} is what the app does at start-up.",
        fix=f"Set OPENID_PROVIDER_URL={LONG_URL} and restart the app.",
        evidence={"OPENID_PROVIDER_URL": LONG_URL})
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("oauth", "OAuth", CheckStatus.COMPLETED, 0.0, (long_fix,)),))
    for width in (60, 100):
        text = render(report, RenderOptions(width=width))
        lines = text.splitlines()
        assert any(line.strip() == f"OPENID_PROVIDER_URL={LONG_URL}" or
                   line.endswith(f" OPENID_PROVIDER_URL={LONG_URL}") for line in lines), text
        assert sum(line.count(LONG_URL) for line in lines) == 3  # detail, evidence, fix: all whole


def test_control_characters_in_setting_values_are_shown_not_sent() -> None:
    """A value with an escape sequence must not drive the operator's terminal."""
    report = shared_report()
    evil = Finding("oauth.provider-incomplete", Severity.ERROR, "bad \x1b[2J title\x07",
                   detail="line\rover", evidence={"X": "\x1b]0;owned\x07"})
    checks = (dataclasses.replace(report.checks[1], findings=(evil,)),)
    text = render(dataclasses.replace(report, checks=checks), RenderOptions(width=120))
    assert ESC not in text and "\x07" not in text and "\r" not in text
    assert "bad \\x1b[2J title\\x07" in text and "X: \\x1b]0;owned\\x07" in text


def test_area_without_findings_left_says_so() -> None:
    """--ignore can remove every finding of an area; the area still shows it ran."""
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("redis", "Redis", CheckStatus.COMPLETED, 0.0, ()),))
    assert "OK       Redis and token revocation: no findings reported" in lines_of(report)


def test_a_timed_out_area_is_never_shown_as_fine() -> None:
    """Even when --ignore removed its deadline finding, the area did not run to the end."""
    report = dataclasses.replace(shared_report(), checks=(
        CheckOutcome("config", "Settings", CheckStatus.COMPLETED, 0.0,
                     (Finding("config.ok", Severity.OK, "Settings: no problems found"),)),
        CheckOutcome("redis", "Redis", CheckStatus.TIMED_OUT, 30.0, ()),))
    text = render(report, RenderOptions())
    assert area_headings(text) == ["Redis and token revocation"]
    assert "Redis and token revocation · check timed out" in text
    assert "  ERROR    this area was not diagnosed" in text
    assert text.splitlines()[-1].endswith("exit 3 (a check did not complete)")
