"""OAuth settings checks (authdoctor/checks/oauth.py) and the registration rules they rest on
(authdoctor/openwebui/oauth.py): each broken setting fires its code, the healthy one is silent."""

from __future__ import annotations

import pytest
from settings_env import codes, problems, rendered, run, source

from authdoctor.checks.oauth import CHECK
from authdoctor.findings import Severity
from authdoctor.openwebui.oauth import (
    configured_providers,
    logout_warning_providers,
    partially_configured_providers,
    pkce_breaks_startup,
)

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

SECRET = "client-secret-0123456789abcdef"
OIDC = {
    "WEBUI_URL": "https://chat.example.com",
    "OAUTH_CLIENT_ID": "open-webui",
    "OAUTH_CLIENT_SECRET": SECRET,
    "OPENID_PROVIDER_URL": "https://idp.example.com/realms/main/.well-known/openid-configuration",
    "OPENID_REDIRECT_URI": "https://chat.example.com/oauth/oidc/callback",
    "ENABLE_OAUTH_SIGNUP": "true",
}
GOOGLE = {"GOOGLE_CLIENT_ID": "123.apps.googleusercontent.com", "GOOGLE_CLIENT_SECRET": SECRET}
MICROSOFT = {"MICROSOFT_CLIENT_ID": "a1b2", "MICROSOFT_CLIENT_SECRET": SECRET,
             "MICROSOFT_CLIENT_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
GITHUB = {"GITHUB_CLIENT_ID": "Iv1.abc", "GITHUB_CLIENT_SECRET": SECRET}
FEISHU = {"FEISHU_CLIENT_ID": "cli_abc", "FEISHU_CLIENT_SECRET": SECRET}


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


# --------------------------------------------------------------------------- registration rules

@pytest.mark.parametrize(("env", "registered"), [
    (GOOGLE, ["google"]),
    (MICROSOFT, ["microsoft"]),
    (without(MICROSOFT, "MICROSOFT_CLIENT_TENANT_ID"), []),
    (GITHUB, ["github"]),
    (FEISHU, ["feishu"]),
    (OIDC, ["oidc"]),
    ({**without(OIDC, "OAUTH_CLIENT_SECRET"), "OAUTH_CODE_CHALLENGE_METHOD": "S256"}, ["oidc"]),
    (without(OIDC, "OAUTH_CLIENT_SECRET"), []),
    (without(OIDC, "OPENID_PROVIDER_URL"), []),
    ({**GOOGLE, "GOOGLE_CLIENT_SECRET": ""}, []),  # empty counts as unset (os.getenv truthiness)
    ({**GOOGLE, **GITHUB, **OIDC, **FEISHU, **MICROSOFT},
     ["google", "microsoft", "github", "oidc", "feishu"]),  # the app's registration order
])
def test_configured_providers_follow_load_oauth_providers(env: dict[str, str],
                                                          registered: list[str]) -> None:
    assert list(configured_providers(source(env))) == registered


def test_partially_configured_providers_name_what_is_missing() -> None:
    partial = partially_configured_providers(source({
        **without(MICROSOFT, "MICROSOFT_CLIENT_TENANT_ID"),
        "OAUTH_CLIENT_ID": "x", "OPENID_PROVIDER_URL": "https://idp/.well-known/openid-configuration",
    }))
    assert partial["microsoft"].missing == ("MICROSOFT_CLIENT_TENANT_ID",)
    assert partial["oidc"].missing == ("OAUTH_CLIENT_SECRET or OAUTH_CODE_CHALLENGE_METHOD",)
    # OPENID_PROVIDER_URL alone is also the logout discovery URL: not a half-configured provider.
    assert partially_configured_providers(source({"OPENID_PROVIDER_URL": "https://x"})) == {}


def test_provider_settings_carry_the_apps_defaults() -> None:
    providers = configured_providers(source({**GITHUB, **OIDC, **FEISHU}))
    assert providers["github"].scope == "user:email" and providers["github"].scope_is_default
    assert providers["feishu"].scope == "contact:user.base:readonly"
    assert providers["oidc"].redirect_uri_var == "OPENID_REDIRECT_URI"
    assert providers["oidc"].display_name == "SSO"
    assert providers["github"].redirect_uri_var == "GITHUB_CLIENT_REDIRECT_URI"
    assert providers["oidc"].callback_paths() == ("/oauth/oidc/callback", "/oauth/oidc/login/callback")
    explicit_empty = configured_providers(source({**OIDC, "OAUTH_SCOPES": ""}))["oidc"]
    assert explicit_empty.scope == "" and not explicit_empty.scope_is_default


def test_logout_warning_and_pkce_rules() -> None:
    assert logout_warning_providers(source({**GOOGLE, "GITHUB_CLIENT_ID": "x"})) == ["Google", "GitHub"]
    assert logout_warning_providers(source({**GOOGLE, "OPENID_END_SESSION_ENDPOINT": "https://x"})) == []
    assert pkce_breaks_startup(source({**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "plain"}))
    assert not pkce_breaks_startup(source({**FEISHU, "OAUTH_CODE_CHALLENGE_METHOD": "plain"}))
    assert not pkce_breaks_startup(source({**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "S256"}))


# --------------------------------------------------------------------------- the check, both sides

def test_healthy_oidc_config_is_silent() -> None:
    findings = run(CHECK, OIDC)
    assert problems(findings) == []
    assert [f.code for f in findings] == []  # nothing at all: the runner adds oauth.ok


def test_no_provider_is_a_skip_not_an_ok() -> None:
    findings = run(CHECK, {"WEBUI_URL": "https://chat.example.com"})
    assert [(f.code, f.severity) for f in findings] == [("oauth.skipped", Severity.SKIPPED)]


def test_enable_oauth_false_skips_the_client_checks() -> None:
    findings = run(CHECK, {**without(OIDC, "WEBUI_URL"), "ENABLE_OAUTH": "false"})
    assert [f.code for f in findings] == ["oauth.skipped"]
    assert "ENABLE_OAUTH" in findings[0].title


@pytest.mark.parametrize(("env", "provider", "missing"), [
    (without(MICROSOFT, "MICROSOFT_CLIENT_TENANT_ID"), "microsoft", "MICROSOFT_CLIENT_TENANT_ID"),
    (without(GOOGLE, "GOOGLE_CLIENT_SECRET"), "google", "GOOGLE_CLIENT_SECRET"),
    (without(GITHUB, "GITHUB_CLIENT_ID"), "github", "GITHUB_CLIENT_ID"),
    (without(FEISHU, "FEISHU_CLIENT_SECRET"), "feishu", "FEISHU_CLIENT_SECRET"),
    (without(OIDC, "OPENID_PROVIDER_URL"), "oidc", "OPENID_PROVIDER_URL"),
    (without(OIDC, "OAUTH_CLIENT_SECRET"), "oidc", "OAUTH_CLIENT_SECRET or OAUTH_CODE_CHALLENGE_METHOD"),
])
def test_incomplete_provider_is_an_error_naming_the_missing_variable(
        env: dict[str, str], provider: str, missing: str) -> None:
    findings = [f for f in run(CHECK, env) if f.code == "oauth.provider-incomplete"]
    assert [(f.severity, f.subject) for f in findings] == [(E, provider)]
    assert findings[0].evidence["missing"] == missing
    assert "404" in findings[0].detail


@pytest.mark.parametrize(("env", "expected"), [
    ({**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "s256"}, [("oauth.pkce-method-unsupported", E)]),
    ({**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "plain"}, [("oauth.pkce-method-unsupported", E)]),
    ({**FEISHU, "WEBUI_URL": "https://chat.example.com", "ENABLE_OAUTH_SIGNUP": "true",
      "OAUTH_CODE_CHALLENGE_METHOD": "plain"}, [("oauth.pkce-method-unsupported", W)]),
    ({**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "S256"}, []),
    ({**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": ""}, []),
])
def test_pkce_method(env: dict[str, str], expected: list[tuple[str, Severity]]) -> None:
    assert [p for p in problems(run(CHECK, env)) if p[0].startswith("oauth.pkce")] == expected


def test_pkce_finding_says_startup_fails() -> None:
    finding = run(CHECK, {**OIDC, "OAUTH_CODE_CHALLENGE_METHOD": "plain"})[0]
    assert "does not start" in finding.detail and "S256" in finding.fix


REDIRECT = "OPENID_REDIRECT_URI"


@pytest.mark.parametrize(("uri", "expected"), [
    ("https://chat.example.com/oauth/oidc/callback", []),
    ("https://chat.example.com/oauth/oidc/login/callback", []),  # the app serves both routes
    ("https://CHAT.example.com:443/oauth/oidc/callback", []),   # host case, default port
    ("http://chat.example.com/oauth/oidc/callback", ["oauth.redirect-uri-scheme-mismatch"]),
    ("https://other.example.com/oauth/oidc/callback", ["oauth.redirect-uri-host-mismatch"]),
    ("https://chat.example.com:8443/oauth/oidc/callback", ["oauth.redirect-uri-host-mismatch"]),
    ("http://localhost:8080/oauth/oidc/callback",
     ["oauth.redirect-uri-scheme-mismatch", "oauth.redirect-uri-host-mismatch"]),
    ("https://chat.example.com/oauth/oidc/callback/", ["oauth.redirect-uri-trailing-slash"]),
    ("https://chat.example.com/oauth/keycloak/callback", ["oauth.redirect-uri-path-invalid"]),
    ("https://chat.example.com/auth/callback", ["oauth.redirect-uri-path-invalid"]),
    ("https://chat.example.com/oauth/oidc/callback#x", ["oauth.redirect-uri-path-invalid"]),
    ("/oauth/oidc/callback", ["oauth.redirect-uri-path-invalid"]),
])
def test_pinned_redirect_uri_against_public_url(uri: str, expected: list[str]) -> None:
    findings = run(CHECK, {**OIDC, REDIRECT: uri})
    assert [c for c, _ in problems(findings)] == expected
    assert all(s is E for c, s in problems(findings))
    for f in findings:
        assert f.fix.startswith(f"Set {REDIRECT}=https://chat.example.com/oauth/oidc/callback") or \
            "Remove" in f.fix


def test_redirect_uri_is_compared_with_deploy_public_url_first() -> None:
    env = {**OIDC, REDIRECT: "https://chat.example.com/oauth/oidc/callback"}
    findings = run(CHECK, env, public_url="https://ai.example.org")
    assert codes(findings) == {"oauth.redirect-uri-host-mismatch"}


def test_public_url_with_a_path_prefix() -> None:
    env = {**OIDC, "WEBUI_URL": "https://example.com/chat",
           REDIRECT: "https://example.com/chat/oauth/oidc/callback"}
    assert problems(run(CHECK, env)) == []
    env[REDIRECT] = "https://example.com/oauth/oidc/callback"
    assert codes(run(CHECK, env)) == {"oauth.redirect-uri-path-invalid"}


def test_unpinned_redirect_on_https_depends_on_proxy_headers() -> None:
    findings = run(CHECK, without(OIDC, REDIRECT))
    assert problems(findings) == [("oauth.redirect-uri-depends-on-proxy", W)]
    assert findings[0].evidence["expected"] == "https://chat.example.com/oauth/oidc/callback"
    assert "X-Forwarded-Proto" in findings[0].detail


def test_unpinned_redirect_on_http_is_silent() -> None:
    env = {**without(OIDC, REDIRECT), "WEBUI_URL": "http://chat.internal:8080"}
    assert problems(run(CHECK, env)) == []


@pytest.mark.parametrize(("env", "public_url", "fires"), [
    (without(OIDC, "WEBUI_URL"), None, True),
    ({**OIDC, "WEBUI_URL": ""}, None, True),
    # a loopback WEBUI_URL alone is a local instance, not a gap (issue 8: it used to fire)
    ({**OIDC, "WEBUI_URL": "http://localhost:3000"}, None, False),
    ({**OIDC, "WEBUI_URL": "https://localhost"}, None, False),
    ({**OIDC, "WEBUI_URL": "http://127.0.0.1:8080"}, "https://chat.example.com", True),
    ({**OIDC, "WEBUI_URL": "http://localhost:3000"}, "http://localhost:3000", False),
    (OIDC, None, False),
    ({"WEBUI_URL": "http://localhost:3000"}, None, False),  # no OAuth: not this check's business
])
def test_webui_url_missing(env: dict[str, str], public_url: str | None, fires: bool) -> None:
    env = {**env}
    if "OAUTH_CLIENT_ID" in env:
        env[REDIRECT] = (public_url or env.get("WEBUI_URL") or "https://chat.example.com").rstrip("/") \
            + "/oauth/oidc/callback"
    assert ("config.webui-url-missing" in codes(run(CHECK, env, public_url=public_url))) is fires


@pytest.mark.parametrize(("env", "missing"), [
    ({**OIDC, "OAUTH_SCOPES": "email profile"}, "openid"),
    ({**OIDC, "OAUTH_SCOPES": "openid profile"}, "email"),
    ({**OIDC, "OAUTH_SCOPES": "openid,email,profile"}, "openid, email"),
    ({**OIDC, "OAUTH_SCOPES": ""}, "openid, email"),
    ({**OIDC, **GOOGLE, "GOOGLE_OAUTH_SCOPE": "profile email"}, "openid"),
    ({**OIDC, **MICROSOFT, "MICROSOFT_OAUTH_SCOPE": "openid profile offline_access"}, "email"),
    ({**OIDC, **GITHUB, "GITHUB_CLIENT_SCOPE": "read:user"}, "user:email"),
])
def test_scope_missing(env: dict[str, str], missing: str) -> None:
    findings = [f for f in run(CHECK, env) if f.code == "oauth.scope-missing"]
    assert [f.evidence["missing"] for f in findings] == [missing]
    assert findings[0].severity is not Severity.OK


def test_scope_comma_separated_gets_a_hint() -> None:
    finding = next(f for f in run(CHECK, {**OIDC, "OAUTH_SCOPES": "openid,email,profile"})
                   if f.code == "oauth.scope-missing")
    assert "spaces, not commas" in finding.detail
    assert finding.fix == 'Set OAUTH_SCOPES="openid email profile".'


@pytest.mark.parametrize("env", [
    {**OIDC, "OAUTH_SCOPES": "openid profile", "OAUTH_EMAIL_CLAIM": "upn"},
    {**OIDC, "OAUTH_SCOPES": "openid profile", "ENABLE_OAUTH_EMAIL_FALLBACK": "true"},
    {**OIDC, **GITHUB},
    {**OIDC, **GITHUB, "GITHUB_CLIENT_SCOPE": "user"},
    {**OIDC, **FEISHU},
])
def test_scope_silent_when_the_app_does_not_need_it(env: dict[str, str]) -> None:
    assert "oauth.scope-missing" not in codes(run(CHECK, env))


@pytest.mark.parametrize(("domains", "expected"), [
    ("*", []),
    ("example.com,example.org", []),
    ("example.com, example.org ,", []),
    ("Example.com", [("oauth.allowed-domains-case", E)]),  # nothing else can match
    ("Example.com,@x.org", [("oauth.allowed-domains-case", E), ("oauth.allowed-domains-never-match", E)]),
    ("example.com,Example.org", [("oauth.allowed-domains-case", W)]),
    ("@example.com", [("oauth.allowed-domains-never-match", E)]),
    ("", [("oauth.allowed-domains-never-match", E)]),
    ("example.com,*.example.org", [("oauth.allowed-domains-never-match", W)]),
    ("https://example.com", [("oauth.allowed-domains-never-match", E)]),
    ("Example.com,*", []),  # a lone '*' allows every domain
])
def test_allowed_domains(domains: str, expected: list[tuple[str, Severity]]) -> None:
    findings = run(CHECK, {**OIDC, "OAUTH_ALLOWED_DOMAINS": domains})
    assert [p for p in problems(findings) if "allowed-domains" in p[0]] == expected


@pytest.mark.parametrize(("extra", "expected"), [
    ({}, []),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "true"}, []),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ALLOWED_ROLES": "*",
      "OAUTH_ADMIN_ROLES": "owui-admins"}, []),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ROLES_CLAIM": ""}, ["OAUTH_ROLES_CLAIM"]),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ADMIN_ROLES": ""}, ["OAUTH_ADMIN_ROLES"]),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ALLOWED_ROLES": ""}, ["OAUTH_ALLOWED_ROLES"]),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ALLOWED_ROLES": ",", "OAUTH_ADMIN_ROLES": ""},
     ["OAUTH_ALLOWED_ROLES"]),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "True", "OAUTH_ADMIN_ROLES": ""}, ["OAUTH_ADMIN_ROLES"]),
    ({"ENABLE_OAUTH_ROLE_MANAGEMENT": "1", "OAUTH_ADMIN_ROLES": ""}, []),  # '1' is not 'true'
])
def test_role_mapping_incomplete(extra: dict[str, str], expected: list[str]) -> None:
    findings = [f for f in run(CHECK, {**OIDC, **extra}) if f.code == "oauth.role-mapping-incomplete"]
    assert [f.subject for f in findings] == expected


def test_role_mapping_texts_say_what_0_12_4_does() -> None:
    def detail(extra: dict[str, str]) -> str:
        env = {**OIDC, "ENABLE_OAUTH_ROLE_MANAGEMENT": "true", **extra}
        return next(f.detail for f in run(CHECK, env) if f.code == "oauth.role-mapping-incomplete")

    assert "demoted" in detail({"OAUTH_ADMIN_ROLES": ""})
    assert "403" in detail({"OAUTH_ALLOWED_ROLES": "", "OAUTH_ADMIN_ROLES": ""})


def test_empty_roles_separator_stops_startup() -> None:
    env = {**OIDC, "ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ROLES_SEPARATOR": ""}
    assert problems(run(CHECK, env)) == [("config.invalid-value", E)]


def test_signup_disabled_is_info_and_merge_is_warning() -> None:
    findings = run(CHECK, {**without(OIDC, "ENABLE_OAUTH_SIGNUP"), "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true"})
    assert problems(findings) == [("oauth.signup-disabled", INFO), ("oauth.merge-accounts-by-email", W)]
    assert problems(run(CHECK, {**OIDC, "ENABLE_OAUTH_SIGNUP": "false"})) == [("oauth.signup-disabled", INFO)]
    assert problems(run(CHECK, {**OIDC, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "false"})) == []


def test_findings_point_at_the_offending_line() -> None:
    env = {**OIDC, REDIRECT: "http://chat.example.com/oauth/oidc/callback"}
    finding = run(CHECK, env)[0]
    assert finding.location is not None
    assert (finding.location.path, finding.location.key) == ("test.env", REDIRECT)


def test_no_secret_in_any_finding() -> None:
    env = {
        **without(MICROSOFT, "MICROSOFT_CLIENT_TENANT_ID"), **GITHUB, **GOOGLE,
        "OAUTH_CLIENT_ID": "x", "OAUTH_CLIENT_SECRET": SECRET,
        "GOOGLE_REDIRECT_URI": f"http://user:{SECRET}@other.example.com/cb/",
        "GITHUB_CLIENT_SCOPE": "read:user", "WEBUI_URL": "https://chat.example.com",
        "OAUTH_CODE_CHALLENGE_METHOD": "plain", "OAUTH_ALLOWED_DOMAINS": "Example.com",
        "ENABLE_OAUTH_ROLE_MANAGEMENT": "true", "OAUTH_ADMIN_ROLES": "",
        "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true",
    }
    findings = run(CHECK, env)
    assert len(problems(findings)) >= 8
    assert SECRET not in rendered(findings)


def test_runtime_keys_mention_the_database_copy_when_oauth_config_persists() -> None:
    env = {**OIDC, "ENABLE_OAUTH_SIGNUP": "false", "ENABLE_OAUTH_PERSISTENT_CONFIG": "true"}
    finding = next(f for f in run(CHECK, env) if f.code == "oauth.signup-disabled")
    assert "ENABLE_OAUTH_PERSISTENT_CONFIG=true" in finding.detail
    plain = next(f for f in run(CHECK, {**OIDC, "ENABLE_OAUTH_SIGNUP": "false"})
                 if f.code == "oauth.signup-disabled")
    assert "database" not in plain.detail


# --------------------------------------------------------------------------- misnamed variables

@pytest.mark.parametrize(("stand_in", "missing"), [
    ("OIDC_ISSUER", "OPENID_PROVIDER_URL"),
    ("OPENID_PROVIDR_URL", "OPENID_PROVIDER_URL"),
    ("OIDC_CLIENT_SECRET", "OAUTH_CLIENT_SECRET"),
])
def test_incomplete_provider_names_the_variable_meant_to_complete_it(stand_in: str, missing: str) -> None:
    env = {**OIDC, stand_in: "https://idp.example.com/realms/main/.well-known/openid-configuration"}
    del env[missing]
    found = [f for f in run(CHECK, env) if f.code == "oauth.provider-incomplete"]
    assert len(found) == 1
    assert f"{missing} is missing; {stand_in} on line 6 of test.env looks like it was meant to be it" \
        in found[0].detail
    assert found[0].fix.startswith(f"Rename {stand_in} to {missing}")
    assert found[0].evidence[f"meant as {missing}"] == stand_in


def test_incomplete_provider_without_a_stand_in_is_unchanged() -> None:
    env = without(OIDC, "OPENID_PROVIDER_URL")
    found = [f for f in run(CHECK, env) if f.code == "oauth.provider-incomplete"]
    assert "looks like it was meant" not in found[0].detail
    assert found[0].fix.startswith("Set OPENID_PROVIDER_URL")


@pytest.mark.parametrize(("webui_url", "redirect", "fires"), [
    ("https://localhost", "https://chat.example.com/oauth/oidc/callback", True),
    ("https://localhost:8443", "https://localhost:8443/oauth/oidc/callback", False),
    ("http://127.0.0.1:3000", "http://127.0.0.1:3000/oauth/oidc/callback", False),
])
def test_loopback_webui_url_fires_only_when_users_sign_in_elsewhere(webui_url: str, redirect: str,
                                                                    fires: bool) -> None:
    found = [f for f in run(CHECK, {**OIDC, "WEBUI_URL": webui_url, REDIRECT: redirect})
             if f.code == "config.webui-url-missing"]
    assert bool(found) is fires
    if fires:
        assert found[0].fix.startswith("Set WEBUI_URL=https://chat.example.com")
        assert found[0].evidence["from"] == REDIRECT
