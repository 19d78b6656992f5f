"""Secret key settings (authdoctor/checks/secret.py): each rule from both sides."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from settings_env import problems, rendered, run, source

from authdoctor.checks.base import CheckContext
from authdoctor.checks.secret import CHECK
from authdoctor.findings import Severity
from authdoctor.settings.model import ComposeService, Deployment, EnvSource

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
STRONG = "9f1c2e7a4b8d6f0e3a5c7b9d1e2f4a6c8b0d2e4f6a8c0b2d4e6f8a0c2e4b6d8f"  # 64 hex chars
FERNET = base64.urlsafe_b64encode(bytes(range(32))).decode()  # a real 44-char Fernet key
NOT_FERNET_44 = "A" * 44  # decodes to 33 bytes


def codes_of(env: dict[str, str]) -> list[tuple[str, Severity]]:
    return problems(run(CHECK, env))


@pytest.mark.parametrize(("env", "expected"), [
    ({}, [("secret.missing", W), ("secret.not-persisted", W)]),
    ({"WEBUI_SECRET_KEY": ""}, [("secret.missing", W), ("secret.not-persisted", W)]),
    ({"WEBUI_JWT_SECRET_KEY": STRONG}, [("secret.missing", E)]),
    ({"WEBUI_SECRET_KEY": "", "WEBUI_JWT_SECRET_KEY": STRONG}, [("secret.missing", E)]),
    ({"WEBUI_SECRET_KEY_FILE": "/app/backend/data/.webui_secret_key"}, []),
    ({"WEBUI_SECRET_KEY_FILE": "/tmp/key"}, [("secret.not-persisted", W)]),
    ({"WEBUI_AUTH": "false"}, []),
    ({"WEBUI_SECRET_KEY": STRONG}, []),
])
def test_missing_and_generated_key(env: dict[str, str], expected: list[tuple[str, Severity]]) -> None:
    assert codes_of(env) == expected


def test_legacy_name_explains_the_image_trap() -> None:
    found = run(CHECK, {"WEBUI_JWT_SECRET_KEY": STRONG})[0]
    assert "does not start" in found.title
    assert "Rename WEBUI_JWT_SECRET_KEY to WEBUI_SECRET_KEY" in found.fix


def test_set_but_empty_key_mentions_serve_exit() -> None:
    found = run(CHECK, {"WEBUI_SECRET_KEY": ""})[0]
    assert "`open-webui serve` exits" in found.detail


def _compose_ctx(env: dict[str, str], volumes: tuple[str, ...], replicas: int | None = None) -> CheckContext:
    base = source(env)
    src = EnvSource(label="compose.yml:openwebui", vars=base.vars,
                    compose=ComposeService(name="openwebui", volume_targets=volumes))
    return CheckContext(deployment=Deployment(replicas=(src,), declared_replicas=replicas),
                        now=datetime(2026, 11, 26, tzinfo=UTC), offline=True)


@pytest.mark.parametrize(("volumes", "env", "persisted"), [
    (("/app/backend/data",), {}, False),
    (("/app/backend",), {}, True),
    (("/app/backend/.webui_secret_key",), {}, True),
    (("/app/backend/data",), {"WEBUI_SECRET_KEY_FILE": "data/.webui_secret_key"}, True),
    (("/app/backend/data",), {"WEBUI_SECRET_KEY_FILE": "/secrets/key"}, False),
    ((), {"WEBUI_SECRET_KEY": STRONG}, True),
])
def test_not_persisted_judged_from_compose_volumes(volumes: tuple[str, ...], env: dict[str, str],
                                                    persisted: bool) -> None:
    assert CHECK.settings is not None
    found = problems(list(CHECK.settings(_compose_ctx(env, volumes))))
    assert (("secret.not-persisted", W) not in found) is persisted


@pytest.mark.parametrize(("key", "code", "severity"), [
    ("t0p-s3cr3t", "secret.default", E),
    ("changeme", "secret.default", E),
    ("  Your-Secret-Key ", "secret.default", E),
    ("short-but-random-9x", "secret.weak", W),
    ("a" * 64, "secret.weak", W),
    ("abcabcabcabcabcabcabcabcabcabcabcabc", "secret.weak", W),
])
def test_default_and_weak_keys(key: str, code: str, severity: Severity) -> None:
    findings = run(CHECK, {"WEBUI_SECRET_KEY": key})
    assert (code, severity) in problems(findings)
    assert key not in rendered(findings)


@pytest.mark.parametrize("key", [STRONG, "Zq8#vT2!mW9@kL4$xR7%nB3^cF6&hJ1*pD5(", FERNET])
def test_strong_keys_are_silent(key: str) -> None:
    assert codes_of({"WEBUI_SECRET_KEY": key}) == []


def test_weak_key_with_auth_off_is_only_info() -> None:
    assert codes_of({"WEBUI_SECRET_KEY": "t0p-s3cr3t", "WEBUI_AUTH": "false"}) == [("secret.default", INFO)]


@pytest.mark.parametrize(("env", "subject"), [
    ({"WEBUI_SECRET_KEY": NOT_FERNET_44}, "WEBUI_SECRET_KEY"),
    ({"WEBUI_SECRET_KEY": STRONG, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": NOT_FERNET_44},
     "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY"),
    ({"WEBUI_SECRET_KEY": STRONG, "OAUTH_CLIENT_INFO_ENCRYPTION_KEY": "!" * 44},
     "OAUTH_CLIENT_INFO_ENCRYPTION_KEY"),
    ({"WEBUI_SECRET_KEY": STRONG, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": ""},
     "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY"),
])
def test_encryption_key_breaks_startup(env: dict[str, str], subject: str) -> None:
    findings = [f for f in run(CHECK, env) if f.code == "secret.encryption-key-invalid"]
    assert [(f.subject, f.severity) for f in findings] == [(subject, E)]
    assert "does not start" in findings[0].title
    assert NOT_FERNET_44 not in rendered(findings)


@pytest.mark.parametrize("env", [
    {"WEBUI_SECRET_KEY": FERNET},
    {"WEBUI_SECRET_KEY": STRONG, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": FERNET},
    {"WEBUI_SECRET_KEY": STRONG, "OAUTH_CLIENT_INFO_ENCRYPTION_KEY": ""},  # hashed: fine
    {"WEBUI_SECRET_KEY": STRONG, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": "x" * 43},  # hashed
    {"WEBUI_SECRET_KEY": NOT_FERNET_44, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": FERNET,
     "OAUTH_CLIENT_INFO_ENCRYPTION_KEY": FERNET},
])
def test_usable_encryption_keys_are_silent(env: dict[str, str]) -> None:
    assert not [f for f in run(CHECK, env) if f.code == "secret.encryption-key-invalid"]


def test_valve_encryption_with_non_fernet_44_char_key_warns() -> None:
    env = {"WEBUI_SECRET_KEY": NOT_FERNET_44, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": FERNET,
           "OAUTH_CLIENT_INFO_ENCRYPTION_KEY": FERNET, "ENABLE_VALVE_ENCRYPTION": "true"}
    assert ("secret.encryption-key-invalid", W) in codes_of(env)


@pytest.mark.parametrize(("mfa", "fires"), [("not-a-fernet-key", True), (FERNET, False)])
def test_mfa_encryption_key(mfa: str, fires: bool) -> None:
    found = codes_of({"WEBUI_SECRET_KEY": STRONG, "MFA_ENCRYPTION_KEY": mfa})
    assert (("secret.encryption-key-invalid", W) in found) is fires


def _replicas_ctx(*envs: dict[str, str], declared: int | None = None) -> CheckContext:
    sources = tuple(source(env, label=f"r{i}.env") for i, env in enumerate(envs, start=1))
    return CheckContext(deployment=Deployment(replicas=sources, declared_replicas=declared),
                        now=datetime(2026, 11, 26, tzinfo=UTC), offline=True)


def _run_ctx(ctx: CheckContext) -> list[tuple[str, Severity]]:
    assert CHECK.settings is not None
    return problems(list(CHECK.settings(ctx)))


def test_replicas_with_different_keys() -> None:
    ctx = _replicas_ctx({"WEBUI_SECRET_KEY": STRONG}, {"WEBUI_SECRET_KEY": STRONG[::-1]})
    assert CHECK.settings is not None
    findings = [f for f in CHECK.settings(ctx) if f.code == "secret.replica-mismatch"]
    assert [(f.subject, f.severity) for f in findings] == [("WEBUI_SECRET_KEY", E)]
    text = rendered(findings)
    assert STRONG not in text and STRONG[::-1] not in text
    assert "r1.env" in text and "r2.env" in text


def test_replicas_with_the_same_key_are_silent() -> None:
    ctx = _replicas_ctx({"WEBUI_SECRET_KEY": STRONG}, {"WEBUI_SECRET_KEY": STRONG})
    assert _run_ctx(ctx) == []


def test_replicas_that_each_generate_a_key() -> None:
    assert ("secret.replica-mismatch", E) in _run_ctx(_replicas_ctx({}, {}))


def test_declared_replicas_without_key_generate_per_container() -> None:
    assert ("secret.replica-mismatch", E) in _run_ctx(_replicas_ctx({}, declared=3))
    assert ("secret.replica-mismatch", E) not in _run_ctx(_replicas_ctx({"WEBUI_SECRET_KEY": STRONG},
                                                                         declared=3))


def test_encryption_key_mismatch_between_replicas() -> None:
    ctx = _replicas_ctx({"WEBUI_SECRET_KEY": STRONG, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY": FERNET},
                        {"WEBUI_SECRET_KEY": STRONG})
    assert CHECK.settings is not None
    subjects = [f.subject for f in CHECK.settings(ctx) if f.code == "secret.replica-mismatch"]
    assert subjects == ["OAUTH_SESSION_TOKEN_ENCRYPTION_KEY"]


def test_shared_finding_names_replicas_once() -> None:
    ctx = _replicas_ctx({"WEBUI_SECRET_KEY": "t0p-s3cr3t"}, {"WEBUI_SECRET_KEY": "t0p-s3cr3t"})
    assert CHECK.settings is not None
    defaults = [f for f in CHECK.settings(ctx) if f.code == "secret.default"]
    assert len(defaults) == 1
    assert defaults[0].evidence["replicas"] == "r1.env, r2.env"
