"""Trusted-header settings (authdoctor/checks/trusted_header.py): both sides of each rule."""

from __future__ import annotations

import pytest
from settings_env import problems, run

from authdoctor.checks.trusted_header import CHECK
from authdoctor.findings import Severity

HEADER = {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-Forwarded-Email"}


@pytest.mark.parametrize(("value", "fires"), [
    ("false", True), ("False", True), ("0", True),  # anything but 'true' is false
    ("true", False), ("TRUE", False), (None, False),  # unset: default True
])
def test_password_auth_disabled_blocks_trusted_header(value: str | None, fires: bool) -> None:
    env = {**HEADER, **({"ENABLE_PASSWORD_AUTH": value} if value is not None else {})}
    findings = run(CHECK, env)
    found = [f for f in findings if f.code == "trusted-header.password-auth-disabled"]
    assert bool(found) is fires
    if fires:
        assert found[0].severity is Severity.ERROR
        assert "403" in found[0].detail
        assert found[0].fix.startswith("Set ENABLE_PASSWORD_AUTH=true")


def test_signup_bypass_is_info_and_names_role_and_role_header() -> None:
    env = {**HEADER, "ENABLE_SIGNUP": "false", "DEFAULT_USER_ROLE": "user",
           "WEBUI_AUTH_TRUSTED_ROLE_HEADER": "X-Role"}
    findings = run(CHECK, env)
    assert problems(findings) == [("trusted-header.signup-bypass", Severity.INFO)]
    assert "'user'" in findings[0].detail and "X-Role" in findings[0].detail
    assert "ENABLE_SIGNUP is not consulted" in findings[0].detail


@pytest.mark.parametrize("env", [{}, {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": ""},
                                 {"ENABLE_PASSWORD_AUTH": "false"}])
def test_off_when_no_header_is_configured(env: dict[str, str]) -> None:
    findings = run(CHECK, env)
    assert [f.code for f in findings] == ["trusted-header.skipped"]
