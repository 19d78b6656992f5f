"""The logout area's live half against the lab's real panva provider: its end_session_endpoint
(/session/end, a confirmation form) answers, a wrong OPENID_END_SESSION_ENDPOINT answers 404, and a
WEBUI_AUTH_SIGNOUT_REDIRECT_URL with a query breaks the sign-out URL the app builds."""

from __future__ import annotations

import pytest

from authdoctor.checks import logout, oidc
from authdoctor.findings import Severity

from .oidc import LabOidc
from .test_lab_oidc_live import problems, run_oidc

pytestmark = pytest.mark.realserver
CHECKS = {"oidc": oidc.CHECK, "logout": logout.CHECK}


def test_healthy_end_session_answers(lab_oidc: LabOidc) -> None:
    outcomes = run_oidc(lab_oidc, {"WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "http://127.0.0.1:8080/auth"},
                        checks=CHECKS)
    assert problems(outcomes["logout"]) == [] and problems(outcomes["oidc"]) == []
    assert [f.code for f in outcomes["logout"].findings] == ["logout.ok"]


def test_a_wrong_end_session_endpoint_answers_404(lab_oidc: LabOidc) -> None:
    wrong = lab_oidc.url + "/no-such-logout"
    [found] = run_oidc(lab_oidc, {"OPENID_END_SESSION_ENDPOINT": wrong}, checks=CHECKS)["logout"].findings
    assert (found.code, found.severity) == ("logout.end-session-unreachable", Severity.WARNING)
    assert found.evidence["status"] == "HTTP 404 Not Found"
    assert found.evidence["the app sends the browser to"] == wrong


def test_a_redirect_url_with_a_query_breaks_the_sign_out_url(lab_oidc: LabOidc) -> None:
    redirect = "http://127.0.0.1:8080/auth?next=/chat&lang=en"
    outcomes = run_oidc(lab_oidc, {"WEBUI_AUTH_SIGNOUT_REDIRECT_URL": redirect}, checks=CHECKS)
    [found] = outcomes["logout"].findings
    assert (found.code, found.severity) == ("logout.signout-url-malformed", Severity.WARNING)
    assert found.evidence["the app sends the browser to"] == (
        f"{lab_oidc.url}/session/end?id_token_hint=<the user's ID token>&post_logout_redirect_uri={redirect}")
