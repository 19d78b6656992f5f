"""`authdoctor ldap test` against the lab's real slapd variants (issue 11): every variant names its
fault with its code, and a full probe is read-only (slapd's own stats log for the probe's
connections holds only binds, searches and unbinds)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from authdoctor.cli import main

from .ldap import LabLdap

pytestmark = pytest.mark.realserver
NOW = "2026-11-28T00:00:00Z"


def ldap_test(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
              env: dict[str, str], *args: str, password: str | None = None,
              now: bool = True) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "lab.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    extra: list[str] = []
    if password is not None:
        monkeypatch.setenv("LAB_TEST_PW", password)
        extra = ["--password-env", "LAB_TEST_PW"]
    with pytest.raises(SystemExit) as excinfo:
        main(["ldap", "test", "--env-file", str(path), *args, *extra, "--format", "json",
              *(["--now", NOW] if now else []), "--probe-timeout", "5"])
    out, err = capsys.readouterr()
    assert err == ""
    assert "Traceback" not in out
    if password is not None:
        assert password not in out
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), json.loads(out)


def live(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {f["code"]: f for f in findings}


def test_healthy_ldaps_user_signs_in_with_groups(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 lab_ldap: LabLdap) -> None:
    env = {**lab_ldap.env(), "ENABLE_LDAP_GROUP_MANAGEMENT": "true"}
    code, document = ldap_test(capsys, monkeypatch, tmp_path, env, "--user", "Alice", password="alice-pass",
                               now=False)
    assert code == 0
    found = live(document)
    assert list(found) == ["ldap.signin-path"]
    evidence = found["ldap.signin-path"]["evidence"]
    assert evidence["groups the app syncs"] == "admins, users"
    assert evidence["mail"] == "alice@example.org"
    assert re.fullmatch(r"dns [\d.]+ ms, tcp [\d.]+ ms, tls [\d.]+ m?s, bind [\d.]+ m?s, base [\d.]+ m?s, "
                        r"search [\d.]+ m?s, user-bind [\d.]+ m?s, anonymous [\d.]+ m?s", evidence["steps"])
    # --now makes a reproducible report: the same steps, without their measured times
    _, fixed = ldap_test(capsys, monkeypatch, tmp_path, env, "--user", "Alice", password="alice-pass")
    assert live(fixed)["ldap.signin-path"]["evidence"]["steps"] == (
        "dns, tcp, tls, bind, base, search, user-bind, anonymous")


def test_without_a_user_the_area_is_ok_and_says_what_it_did_not_check(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        lab_ldap: LabLdap) -> None:
    code, document = ldap_test(capsys, monkeypatch, tmp_path, lab_ldap.env())
    assert code == 0
    found = live(document)
    # the ok line itself names what was not checked (not only the separate skipped finding)
    assert found["ldap.ok"]["title"] == (
        "LDAP: settings and the running server checked, no problems found; skipped: ldap: the user "
        "lookup, its attributes, its bind and groups were not checked (no test user)")
    assert "no test user" in found["ldap.skipped"]["title"]


@pytest.mark.parametrize(("uid", "password", "code", "title"), [
    ("dave", "dave-pass", "ldap.attribute-missing", "dave's entry has no mail"),
    ("zed", None, "ldap.user-not-found", "the app's search does not find zed"),
    ("alice", "wrong-pass", "ldap.user-bind-failed",
     "alice's own bind is refused: the DN or the password is wrong (invalidCredentials)"),
    # the right password, but the ppolicy overlay has locked the account; the app sees only 49
    ("erin", "erin-pass", "ldap.user-bind-failed",
     "erin's own bind is refused: the account is locked by the directory's password policy"),
])
def test_user_faults(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                     lab_ldap: LabLdap, uid: str, password: str | None, code: str, title: str) -> None:
    exit_code, document = ldap_test(capsys, monkeypatch, tmp_path, lab_ldap.env(), "--user", uid,
                                    password=password)
    assert exit_code == 1
    found = live(document)
    assert found[code]["title"] == title
    if code == "ldap.attribute-missing":
        assert found[code]["evidence"]["attributes it has"] == "cn, uid"


def test_groups_without_memberof(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path, lab_ldap: LabLdap) -> None:
    """carol is in the groupOfUniqueNames group `legacy`, which the memberof overlay ignores."""
    env = {**lab_ldap.env(), "ENABLE_LDAP_GROUP_MANAGEMENT": "true"}
    exit_code, document = ldap_test(capsys, monkeypatch, tmp_path, env, "--user", "carol",
                                    password="carol-pass")
    assert exit_code == 0  # a warning
    found = live(document)["ldap.groups-empty"]
    assert found["severity"] == "warning"
    assert "cn=legacy,ou=groups,dc=example,dc=org" in found["detail"]
    assert "memberof overlay is missing" in found["detail"]


@pytest.mark.parametrize(("overrides", "code", "title"), [
    ({"LDAP_SEARCH_BASE": "ou=staff,dc=example,dc=org"}, "ldap.search-base-not-found",
     "LDAP_SEARCH_BASE ou=staff,dc=example,dc=org does not exist"),
    ({"LDAP_APP_PASSWORD": "not-the-app-secret"}, "ldap.bind-failed",
     "the service account's bind is refused: the DN or the password is wrong (invalidCredentials)"),
    ({"LDAP_SEARCH_FILTER": "(objectClass=inetOrgPerson"}, "ldap.filter-invalid", None),
])
def test_settings_faults(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                         lab_ldap: LabLdap, overrides: dict[str, str], code: str, title: str | None) -> None:
    exit_code, document = ldap_test(capsys, monkeypatch, tmp_path, {**lab_ldap.env(), **overrides},
                                    "--user", "alice")
    assert exit_code == 1
    found = live(document)
    assert code in found
    if title is not None:
        assert found[code]["title"] == title
        assert "not run" in found[code]["evidence"]
    if code == "ldap.search-base-not-found":
        assert found[code]["evidence"]["exists up to"] == "dc=example,dc=org"


def test_unknown_ca(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                    lab_ldap_unknown_ca: LabLdap) -> None:
    exit_code, document = ldap_test(capsys, monkeypatch, tmp_path, lab_ldap_unknown_ca.env())
    assert exit_code == 1
    found = live(document)["ldap.tls-untrusted-ca"]
    assert "UNKNOWN CA" in found["evidence"]["issuer"]
    assert found["evidence"]["not run"].startswith("bind, base, search")


def test_wrong_host_names_the_certificates_names(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 lab_ldap_wrong_host: LabLdap) -> None:
    exit_code, document = ldap_test(capsys, monkeypatch, tmp_path, lab_ldap_wrong_host.env())
    assert exit_code == 1
    found = live(document)["ldap.tls-hostname-mismatch"]
    assert found["title"] == "the LDAP server's certificate is for wrong-host.example.net, not 127.0.0.1"


def test_ldaps_against_the_plain_port_and_the_reverse(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      lab_ldap: LabLdap) -> None:
    env = {**lab_ldap.env(), "LDAP_SERVER_PORT": str(lab_ldap.port)}
    _, document = ldap_test(capsys, monkeypatch, tmp_path, env)
    found = live(document)["ldap.tls-port-mismatch"]
    assert found["evidence"]["port answered"] == "plain LDAP"
    assert "offers StartTLS" in found["detail"]
    env = {**lab_ldap.env(ldaps=False), "LDAP_SERVER_PORT": str(lab_ldap.ldaps_port)}
    _, document = ldap_test(capsys, monkeypatch, tmp_path, env)
    found = live(document)["ldap.tls-port-mismatch"]
    assert found["evidence"]["port answered"] == "a TLS handshake"


def test_nothing_listening(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                           tmp_path: Path, lab_ldap: LabLdap) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**lab_ldap.env(), "LDAP_SERVER_PORT": str(port)}
    exit_code, document = ldap_test(capsys, monkeypatch, tmp_path, env)
    assert exit_code == 1
    found = live(document)["ldap.unreachable"]
    assert found["title"].startswith("LDAP server not reachable (TCP)")
    assert "connection refused" in found["title"]


def test_a_full_probe_only_binds_and_searches(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              lab_ldap: LabLdap) -> None:
    """slapd's stats log: every operation on the probe's connections is BIND, SRCH or UNBIND."""
    log = Path(lab_ldap.log_path)
    start = log.stat().st_size
    env = {**lab_ldap.env(), "ENABLE_LDAP_GROUP_MANAGEMENT": "true"}
    code, _ = ldap_test(capsys, monkeypatch, tmp_path, env, "--user", "carol", password="carol-pass")
    assert code == 0
    lines = log.read_bytes()[start:].decode("utf-8", "replace").splitlines()
    operations = [m.group(1) for line in lines if (m := re.search(r" op=\d+ ([A-Z]+)", line))]
    assert {"BIND", "SRCH", "UNBIND"} <= set(operations)
    assert set(operations) <= {"BIND", "SRCH", "SEARCH", "RESULT", "UNBIND"}, sorted(set(operations))
    writes = (" ADD ", " MOD ", " DEL ", " MODRDN ", " EXT ")
    assert not any(word in line for line in lines for word in writes)
