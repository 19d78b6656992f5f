"""Property test: no value of any auth setting makes a settings check crash.

A crash would surface as `internal.check-crashed` (exit 3) instead of a diagnosis, so every
registered settings check is run on environments whose variables are the ones the checks read,
with arbitrary values, and must complete.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authdoctor.checks.registry import all_checks
from authdoctor.findings import CheckStatus
from authdoctor.runner import RunOptions, run_checks
from authdoctor.settings.model import Deployment, EnvSource, EnvVar

NAMES = [
    "WEBUI_URL", "WEBUI_SECRET_KEY", "WEBUI_JWT_SECRET_KEY", "WEBUI_AUTH", "JWT_EXPIRES_IN",
    "WEBUI_SESSION_COOKIE_SAME_SITE", "WEBUI_SESSION_COOKIE_SECURE", "WEBUI_AUTH_COOKIE_SAME_SITE",
    "WEBUI_AUTH_COOKIE_SECURE", "CORS_ALLOW_ORIGIN", "CORS_ALLOW_CUSTOM_SCHEME", "REDIS_URL",
    "REDIS_SENTINEL_HOSTS", "REDIS_SENTINEL_PORT", "REDIS_CLUSTER", "REDIS_KEY_PREFIX",
    "WEBSOCKET_MANAGER", "UVICORN_WORKERS", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET",
    "OPENID_PROVIDER_URL", "OPENID_REDIRECT_URI", "OAUTH_SCOPES", "OAUTH_CODE_CHALLENGE_METHOD",
    "OPENID_END_SESSION_ENDPOINT", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_REDIRECT_URI",
    "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "MICROSOFT_CLIENT_TENANT_ID",
    "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GITHUB_CLIENT_SCOPE", "OAUTH_ALLOWED_DOMAINS",
    "ENABLE_OAUTH_ROLE_MANAGEMENT", "OAUTH_ROLES_CLAIM", "OAUTH_ADMIN_ROLES", "OAUTH_ROLES_SEPARATOR",
    "ENABLE_LDAP", "LDAP_SERVER_HOST", "LDAP_SERVER_PORT", "LDAP_USE_TLS", "LDAP_SEARCH_FILTER",
    "LDAP_SEARCH_BASE", "LDAP_APP_DN", "LDAP_APP_PASSWORD", "ENABLE_PASSWORD_AUTH",
    "WEBUI_AUTH_TRUSTED_EMAIL_HEADER", "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY", "ENABLE_PERSISTENT_CONFIG",
    "WEBUI_SECRET_KEY_LENGTH", "AUTOMATION_AUTH_TOKEN_EXPIRES_IN", "DEFAULT_USER_ROLE", "OAUTH_GROUP_CLAIMS",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "true", "false", "yes", "-1", "0", "1e999", "9" * 30, "none", "strict",
                     "redis://:p@h:x/0", "rediss://", "http://[::1", "https://a.example/", "ldap://h:636",
                     "(uid=%(user)s)", "((", "S256", "plain", "a;b,c", "1h30m", "-5w", "nan"]),
)
ENVS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=25)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def deployment(*replicas: dict[str, str]) -> Deployment:
    sources = tuple(EnvSource(label=f"r{i}.env", vars={k: EnvVar(k, v) for k, v in env.items()})
                    for i, env in enumerate(replicas))
    return Deployment(replicas=sources, sources=tuple(s.label for s in sources))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ENVS, st.one_of(st.none(), ENVS))
def test_no_settings_value_crashes_a_check(first: dict[str, str], second: dict[str, str] | None) -> None:
    replicas = (first,) if second is None else (first, second)
    report = run_checks(deployment(*replicas), RunOptions(offline=True, now=NOW), checks=all_checks())
    crashed = [f.title for o in report.checks if o.status is CheckStatus.CRASHED for f in o.findings]
    assert not crashed
