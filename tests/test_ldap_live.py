"""The ldap area's live half (issue 11) without the lab: the pure evaluation from hand-made
observations (AD sub-codes, certificate dates, several matches, refused searches, anonymous
reads), and `authdoctor ldap test` against `fake_ldap` servers for the faults slapd cannot play
(AD's answer, a server that never answers or closes during the bind, a huge result, values that
are not UTF-8, invalid settings). Each is a finding within the probe timeout, never a traceback,
never a password in the output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_ldap import AD_LOCKED, FakeLdap, fake_ldap, ldap_env  # noqa: F401 - the fixture

from authdoctor.checks._ldap_live import AD_SUBCODES, LiveSettings, ad_subcode, evaluate
from authdoctor.cli import main
from authdoctor.findings import Finding
from authdoctor.probes import ProbeFailure, Rung, TlsCertificate
from authdoctor.probes.ldap import (
    LdapEntry,
    LdapObservation,
    LdapResult,
    SearchOutcome,
    StepTime,
    ppolicy_error,
)

NOW = datetime(2026, 11, 28, tzinfo=UTC)
PASSWORD = "fake-user-password-42"


def settings(**changes: object) -> LiveSettings:
    values: dict[str, object] = dict(  # noqa: C408 - the dataclass's field names
        use_tls=True, host="ldap.example.org", port=636, app_dn="cn=app,dc=example,dc=org",
        search_base="ou=people,dc=example,dc=org", search_filter="", filter_var="LDAP_SEARCH_FILTER",
        attr_username="uid", attr_mail="mail", attr_groups=None, default_email_domain="",
        ca_file_setting="", ca_file_readable=False, user="alice", password_given=True)
    values.update(changes)
    return LiveSettings(**values)  # type: ignore[arg-type]


def observation(**changes: object) -> LdapObservation:
    names = ("dns", "tcp", "tls", "bind", "base", "search", "user-bind")
    steps = tuple(StepTime(n, 0.001, "ok") for n in names)
    alice = LdapEntry("uid=alice,ou=people,dc=example,dc=org",
                      {"uid": ("alice",), "mail": ("alice@example.org",), "cn": ("Alice",)})
    values: dict[str, object] = dict(  # noqa: C408 - the dataclass's field names
        host="ldap.example.org", port=636, use_tls=True, steps=steps, app_bind=LdapResult(code=0),
        base=LdapResult(code=0),
        search=SearchOutcome("ou=people,dc=example,dc=org", "(&(uid=alice))", ("uid", "mail", "cn"),
                             LdapResult(code=0), (alice,)),
        user_bind=LdapResult(code=0), user_dn=alice.dn)
    values.update(changes)
    return LdapObservation(**values)  # type: ignore[arg-type]


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


# --------------------------------------------------------------------------- AD sub-codes

# Active Directory's bind refusals as AD sends them (the diagnostic message of result 49); the
# wording is the one recorded in Microsoft's "LDAP bind errors" pages and ldapwiki's "Common
# Active Directory Bind Errors" (DSID and version vary between DC builds, the data code does not).
AD_ANSWER = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data {}, v4563"
AD_ANSWERS = {code: AD_ANSWER.format(code)
              for code in ("525", "52e", "530", "531", "532", "533", "701", "773", "775")}


@pytest.mark.parametrize("code", sorted(AD_ANSWERS))
def test_ad_subcodes_are_decoded_for_the_service_account_and_the_user(code: str) -> None:
    assert ad_subcode(AD_ANSWERS[code]) == code
    refused = LdapResult(code=49, description="invalidCredentials", message=AD_ANSWERS[code])
    failed_bind = observation(app_bind=refused, failed_step="bind", base=None, search=None, user_bind=None,
                              steps=(StepTime("dns", 0.001, "ok"), StepTime("bind", 0.002, "failed")))
    [found] = evaluate(failed_bind, settings(), NOW)
    meaning, fix = AD_SUBCODES[code]
    assert found.code == "ldap.bind-failed"
    assert found.title == f"the service account's bind is refused: {meaning}"
    assert found.evidence["AD sub-code"] == f"{code}: {meaning}"
    assert fix in found.fix
    assert found.evidence["not run"].startswith("base, search")
    [user] = evaluate(observation(user_bind=refused), settings(), NOW)
    assert user.code == "ldap.user-bind-failed"
    assert user.evidence["AD sub-code"] == f"{code}: {meaning}"


def test_a_plain_49_without_ad_data_says_dn_or_password() -> None:
    refused = LdapResult(code=49, description="invalidCredentials")
    [found] = evaluate(observation(user_bind=refused), settings(), NOW)
    assert found.title == "alice's own bind is refused: the DN or the password is wrong (invalidCredentials)"
    assert "AD sub-code" not in found.evidence


@pytest.mark.parametrize(("value", "error"), [
    (b"0\x03\x81\x01\x01", "accountLocked"),  # OpenLDAP 2.5 ppolicy, a locked account (the lab's erin)
    (b"0\x03\x81\x01\x00", "passwordExpired"),
    (b"0\x05\xa0\x03\x80\x01\x05", ""),  # a warning only (timeBeforeExpiration)
    (b"0\x00", ""), (b"", ""), (None, ""), (b"\x04\x00", ""),
])
def test_password_policy_control_errors_are_decoded(value: bytes | None, error: str) -> None:
    assert ppolicy_error(value) == error


def test_a_locked_account_by_password_policy_is_named() -> None:
    refused = LdapResult(code=49, description="invalidCredentials", policy="accountLocked")
    [found] = evaluate(observation(user_bind=refused), settings(), NOW)
    assert found.title == ("alice's own bind is refused: the account is locked by the directory's "
                           "password policy")
    assert found.evidence["password policy"].startswith("accountLocked")


# --------------------------------------------------------------------------- certificates


def cert(not_before: str, not_after: str) -> TlsCertificate:
    return TlsCertificate(subject="CN=ldap.example.org", issuer="CN=Corp CA", sans=("ldap.example.org",),
                          not_before=not_before, not_after=not_after)


def test_expired_certificate_is_its_own_code() -> None:
    obs = observation(failed_step="tls", tls_problem="expired", certificate=cert("2024-01-01T00:00:00+00:00",
                                                                                "2026-11-01T00:00:00+00:00"),
                      failure=ProbeFailure(Rung.TLS, "the certificate was refused (certificate has expired)"))
    [found] = evaluate(obs, settings(), NOW)
    assert (found.code, found.title) == ("ldap.tls-certificate-expired",
                                         "the LDAP server's certificate has expired (2026-11-01)")


def test_certificate_expiring_within_30_days_is_a_warning_ahead_of_time() -> None:
    soon = observation(certificate=cert("2026-01-01T00:00:00+00:00", "2026-12-10T00:00:00+00:00"))
    found = evaluate(soon, settings(), NOW)
    assert codes(found) == ["ldap.tls-certificate-expiring", "ldap.signin-path"]
    assert found[0].title == "the LDAP server's certificate expires in 12 days (2026-12-10)"
    later = observation(certificate=cert("2026-01-01T00:00:00+00:00", "2027-06-01T00:00:00+00:00"))
    assert codes(evaluate(later, settings(), NOW)) == ["ldap.signin-path"]


# --------------------------------------------------------------------------- search and user


def test_several_matches_name_the_entry_the_app_picks() -> None:
    entries = tuple(LdapEntry(f"uid=alice,ou={ou},dc=example,dc=org",
                              {"uid": ("alice",), "mail": ("a@x.org",)}) for ou in ("people", "contractors"))
    search = SearchOutcome("dc=example,dc=org", "(&(uid=alice))", (), LdapResult(code=0), entries)
    obs = observation(search=search)
    [found] = evaluate(obs, settings(), NOW)
    assert found.code == "ldap.user-ambiguous"
    assert found.title == "the app's search finds 2 entries for alice"
    assert "uid=alice,ou=people,dc=example,dc=org" in found.detail


@pytest.mark.parametrize(("result", "words"), [
    (LdapResult(code=50, description="insufficientAccessRights"), "insufficient access rights"),
    (LdapResult(code=10, description="referral", referrals=("ldap://other.example.org/dc=x",)),
     "referral to another server"),
])
def test_a_refused_search_is_search_failed(result: LdapResult, words: str) -> None:
    obs = observation(failed_step="search", user_bind=None,
                      search=SearchOutcome("ou=people,dc=example,dc=org", "(&(uid=alice))", (), result))
    [found] = evaluate(obs, settings(), NOW)
    assert found.code == "ldap.search-failed"
    assert found.title.endswith(words)
    assert found.evidence["not run"] == "user-bind (after the search step failed)"


def test_anonymous_clients_reading_the_users_is_a_warning() -> None:
    found = evaluate(observation(anonymous_bind=LdapResult(code=0), anonymous_entries=2), settings(), NOW)
    # sign-in works; the exposure is a warning
    assert codes(found) == ["ldap.signin-path", "ldap.anonymous-read"]
    assert found[1].severity.value == "warning"


def test_a_domain_with_srv_records_names_the_server_to_set() -> None:
    obs = LdapObservation(host="corp.example.org", port=636, use_tls=True, failed_step="dns",
                          srv=("dc1.corp.example.org:636 (_ldaps._tcp)",),
                          failure=ProbeFailure(Rung.DNS, "corp.example.org: the name has no address"),
                          steps=(StepTime("dns", 0.01, "failed"),))
    [found] = evaluate(obs, settings(host="corp.example.org"), NOW)
    assert found.code == "ldap.unreachable"
    assert "LDAP_SERVER_HOST=dc1.corp.example.org and LDAP_SERVER_PORT=636" in found.fix
    assert found.evidence["not run"] == "tcp, tls, bind, base, search, user-bind (after the dns step failed)"


# --------------------------------------------------------------------------- faults, end to end


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        env: dict[str, str], *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    path = tmp_path / "ldap.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    monkeypatch.setenv("FAKE_PW", PASSWORD)
    with pytest.raises(SystemExit) as excinfo:
        main(["ldap", "test", "--env-file", str(path), "--user", "alice", "--password-env", "FAKE_PW",
              "--format", "json", "--now", "2026-11-28T00:00:00Z", "--probe-timeout", "1", *args])
    out, err = capsys.readouterr()
    for text in (out, err):
        assert PASSWORD not in text
        assert "app-secret-value" not in text
        assert "Traceback" not in text
    document = json.loads(out)
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), {f["code"]: f for f in document["findings"]}


def test_ad_locked_account_end_to_end(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path, fake_ldap: type[FakeLdap]) -> None:  # noqa: F811
    server = fake_ldap("ad-775")
    code, found = run(capsys, monkeypatch, tmp_path, ldap_env(server.port))
    assert code == 1
    assert found["ldap.bind-failed"]["evidence"]["AD sub-code"] == (
        "775: the account is locked out (too many wrong passwords)")
    assert found["ldap.bind-failed"]["evidence"]["LDAP result"] == f"49 invalidCredentials: {AD_LOCKED}"


def test_healthy_fake_and_what_it_was_sent(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           fake_ldap: type[FakeLdap]) -> None:  # noqa: F811
    server = fake_ldap("healthy")
    code, found = run(capsys, monkeypatch, tmp_path, ldap_env(server.port))
    assert code == 0
    assert list(found) == ["ldap.signin-path"]
    assert set(server.operations) == {"BIND", "SEARCH", "UNBIND"}


@pytest.mark.parametrize(("behaviour", "use_tls", "code", "words"), [
    ("hang", "false", "ldap.bind-failed", "did not answer the service account's bind in time"),
    ("hang", "true", "ldap.tls-failed", "the TLS handshake with the LDAP server failed"),
    ("close-on-bind", "false", "ldap.bind-failed", "the service account's bind got no answer"),
    ("not-utf8", "false", "ldap.attribute-missing", "alice's mail value is not UTF-8 text"),
    ("huge", "false", "ldap.user-ambiguous", "the app's search finds more than 20 entries for alice"),
])
def test_misbehaving_servers_are_findings_within_the_probe_timeout(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        fake_ldap: type[FakeLdap], behaviour: str, use_tls: str, code: str, words: str) -> None:  # noqa: F811
    import time

    server = fake_ldap(behaviour)
    started = time.monotonic()
    exit_code, found = run(capsys, monkeypatch, tmp_path, ldap_env(server.port, LDAP_USE_TLS=use_tls))
    assert time.monotonic() - started < 5
    assert exit_code == 1
    assert words in str(found[code]["title"])


def test_invalid_dn_in_the_settings_is_a_finding(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 fake_ldap: type[FakeLdap]) -> None:  # noqa: F811
    server = fake_ldap("healthy")
    _, found = run(capsys, monkeypatch, tmp_path,
                   ldap_env(server.port, LDAP_SEARCH_BASE="this is not a DN", LDAP_SEARCH_FILTER="(cn=x"))
    assert "ldap.filter-invalid" in found


def test_password_options(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                          tmp_path: Path) -> None:
    path = tmp_path / "ldap.env"
    path.write_text("ENABLE_LDAP=true\n")
    monkeypatch.delenv("NOT_SET_PW", raising=False)
    for args, message in (
            (["--password-env", "NOT_SET_PW"], "the environment variable NOT_SET_PW is not set"),
            (["--password-env", f"PW={PASSWORD}"], "give the NAME of an environment variable"),
            # the password itself given by mistake: no variable name, never echoed (review)
            (["--password-env", "Sup3r s3cret!pw"], "give the NAME of an environment variable"),
            (["--password-env", "X", "--password-stdin"], "not both")):
        with pytest.raises(SystemExit) as excinfo:
            main(["ldap", "test", "--env-file", str(path), "--user", "alice", *args])
        out, err = capsys.readouterr()
        assert excinfo.value.code == 2
        assert err.startswith("authdoctor: error: ") and message in err
        assert PASSWORD not in err + out and "s3cret" not in err + out
    path.write_text("ENABLE_LDAP=false\n")
    with pytest.raises(SystemExit) as excinfo:
        main(["ldap", "test", "--env-file", str(path)])
    assert excinfo.value.code == 2
    assert "do not enable LDAP" in capsys.readouterr().err


def test_check_uses_the_deploy_yaml_test_account(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 fake_ldap: type[FakeLdap]) -> None:  # noqa: F811
    """`check` runs the same live half; test_account.ldap_user/ldap_password name the test user."""
    server = fake_ldap("healthy")
    config = tmp_path / "deploy.yaml"
    config.write_text(
        "version: 1\nldap:\n  enabled: true\n  label: Fake\n  host: 127.0.0.1\n"
        f"  port: {server.port}\n  use_tls: false\n  app_dn: cn=app,dc=example,dc=org\n"
        "  app_password: app-secret-value\n  search_base: ou=people,dc=example,dc=org\n"
        f"test_account:\n  ldap_user: alice\n  ldap_password: {PASSWORD}\n")
    with pytest.raises(SystemExit) as excinfo:
        main(["check", "--config", str(config), "--only", "ldap", "--format", "json",
              "--now", "2026-11-28T00:00:00Z", "--probe-timeout", "2"])
    out, _ = capsys.readouterr()
    assert excinfo.value.code == 0
    assert PASSWORD not in out
    assert [f["code"] for f in json.loads(out)["findings"]] == ["ldap.signin-path"]
    assert server.operations.count("BIND") == 3  # the service account, alice, the anonymous check


def test_password_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path, fake_ldap: type[FakeLdap]) -> None:  # noqa: F811
    import io
    import sys

    server = fake_ldap("healthy")
    path = tmp_path / "ldap.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in ldap_env(server.port).items()))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{PASSWORD}\n".encode())))
    with pytest.raises(SystemExit) as excinfo:
        main(["ldap", "test", "--env-file", str(path), "--user", "alice", "--password-stdin", "--format",
              "json"])
    out, err = capsys.readouterr()
    assert excinfo.value.code == 0, err
    assert PASSWORD not in out + err
    assert [f["code"] for f in json.loads(out)["findings"]] == ["ldap.signin-path"]


def test_a_fixed_clock_lists_the_steps_without_their_times() -> None:
    failed = observation(user_bind=LdapResult(code=49, description="invalidCredentials"))
    [timed] = evaluate(failed, settings(), NOW)
    assert timed.evidence["steps"].startswith("dns 1.0 ms, tcp 1.0 ms, tls 1.0 ms")
    [fixed] = evaluate(failed, settings(timings=False), NOW)
    assert fixed.evidence["steps"] == "dns, tcp, tls, bind, base, search, user-bind"


def test_ldap_test_names_the_server_it_probed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from authdoctor.cli import main

    path = tmp_path / "l.env"
    path.write_text("ENABLE_LDAP=true\nLDAP_SERVER_HOST=127.0.0.1\nLDAP_SERVER_PORT=9\nLDAP_USE_TLS=true\n"
                    "LDAP_SEARCH_BASE=dc=x\nLDAP_ATTRIBUTE_FOR_USERNAME=uid\nLDAP_ATTRIBUTE_FOR_MAIL=mail\n")
    with pytest.raises(SystemExit):
        main(["ldap", "test", "--env-file", str(path), "--probe-timeout", "1"])
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == "authdoctor 0.1.0 ldap test: ldaps://127.0.0.1:9"


def test_ldap_test_names_the_server_with_the_apps_tls_default(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """LDAP_USE_TLS unset is implicit TLS in 0.12.4 (config.py default True): ldaps:// in the header."""
    from authdoctor.cli import main

    path = tmp_path / "l.env"
    path.write_text("ENABLE_LDAP=true\nLDAP_SERVER_HOST=127.0.0.1\nLDAP_SERVER_PORT=9\n")
    with pytest.raises(SystemExit):
        main(["ldap", "test", "--env-file", str(path), "--probe-timeout", "1"])
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == "authdoctor 0.1.0 ldap test: ldaps://127.0.0.1:9"


def test_a_referral_is_reported_and_never_followed(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    fake_ldap: type[FakeLdap]) -> None:  # noqa: F811
    """A review found ldap3's default auto_referrals binding at the referred host with the service
    account's password (in clear for ldap://) and the report saying ok. The referral is a finding
    now, and the referred server receives nothing."""
    elsewhere = fake_ldap("healthy")
    server = fake_ldap(f"referral:ldap://127.0.0.1:{elsewhere.port}/dc=elsewhere")
    code, found = run(capsys, monkeypatch, tmp_path, ldap_env(server.port))
    assert code == 1
    failed = found["ldap.search-failed"]
    assert failed["evidence"]["referrals"] == f"ldap://127.0.0.1:{elsewhere.port}/dc=elsewhere"
    assert "authdoctor did not follow it" in failed["fix"]
    assert elsewhere.operations == []
