"""`authdoctor ldap test` against a real Samba Active Directory DC (issue 11): each account state
gives the code and the decoded AD sub-code the check promises, from the answer the real server
sends, not a recorded one.

What Samba 4.17.12 (Debian bookworm) answers a simple bind in each state, as recorded with this
lab (`ldapsearch -x -D <dn> -w <password>` and ldap3): resultCode 49 (invalidCredentials) and the
diagnostic message `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error,
data <code>, v1db1` with <code> 52e (wrong password), 533 (disabled), 701 (account expired),
773 (must change password), 532 (password expired), 775 (locked out). The same text Windows
Server sends, except the DSID and the trailing version (v1db1 for Samba).
"""

from __future__ import annotations

from pathlib import Path

import ldap3
import pytest

from authdoctor.checks._ldap_live import AD_SUBCODES

from . import samba_ad
from .fixtures import need
from .samba_ad import LabSambaAd
from .test_lab_ldap_live import ldap_test, live

pytestmark = pytest.mark.realserver

SAMBA_MESSAGE = "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data {}, v1db1"


def test_samba_answers_each_state_with_its_ad_subcode(lab_samba_ad: LabSambaAd) -> None:
    """The raw answers the check decodes below: if Samba changes them, this says so first."""
    server = ldap3.Server(lab_samba_ad.host, port=lab_samba_ad.port, connect_timeout=5)
    seen: dict[str, tuple[int, str]] = {}
    for user in lab_samba_ad.users:
        password = "not-" + user.password if user.state == "wrong-password" else user.password
        conn = ldap3.Connection(server, user=user.dn, password=password, receive_timeout=5)
        conn.bind()
        seen[user.name] = (conn.result["result"], conn.result["message"])
        conn.unbind()
    expected = {u.name: ((49, SAMBA_MESSAGE.format(u.subcode)) if u.subcode else (0, ""))
                for u in lab_samba_ad.users}
    assert seen == expected


def test_healthy_ad_user_signs_in(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path, lab_samba_ad: LabSambaAd) -> None:
    alice = lab_samba_ad.user("alice")
    code, document = ldap_test(capsys, monkeypatch, tmp_path, lab_samba_ad.env(),
                               "--user", "alice", password=alice.password)
    assert code == 0
    found = live(document)
    assert list(found) == ["ldap.signin-path"]  # an info finding: no problem code
    evidence = found["ldap.signin-path"]["evidence"]
    assert evidence["mail"] == "alice@lab.test"
    assert evidence["steps"] == "dns, tcp, bind, base, search, user-bind, anonymous"


@pytest.mark.parametrize("name", ["wrongpw", "disabled", "expired", "mustchange", "pwexpired", "locked"])
def test_user_bind_states_are_decoded(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path, lab_samba_ad: LabSambaAd, name: str) -> None:
    user = lab_samba_ad.user(name)
    assert user.subcode is not None
    password = "not-" + user.password if user.state == "wrong-password" else user.password
    code, document = ldap_test(capsys, monkeypatch, tmp_path, lab_samba_ad.env(),
                               "--user", name, password=password)
    assert code == 1
    found = live(document)["ldap.user-bind-failed"]
    meaning = AD_SUBCODES[user.subcode][0]
    assert found["title"] == f"{name}'s own bind is refused: {meaning}"
    assert found["evidence"]["AD sub-code"] == f"{user.subcode}: {meaning}"


@pytest.mark.parametrize(("overrides", "subcode"), [
    ({"LDAP_APP_PASSWORD": "not-the-service-password"}, "52e"),
    ({"LDAP_APP_DN": "CN=svc-disabled,CN=Users,DC=lab,DC=test", "LDAP_APP_PASSWORD": "Svc-Disabled-Pass-1"},
     "533"),
])
def test_service_account_bind_is_decoded(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path, lab_samba_ad: LabSambaAd,
                                         overrides: dict[str, str], subcode: str) -> None:
    code, document = ldap_test(capsys, monkeypatch, tmp_path,
                               {**lab_samba_ad.env(), **overrides}, "--user", "alice")
    assert code == 1
    found = live(document)["ldap.bind-failed"]
    meaning = AD_SUBCODES[subcode][0]
    assert found["title"] == f"the service account's bind is refused: {meaning}"
    assert found["evidence"]["AD sub-code"] == f"{subcode}: {meaning}"
    assert "not run" in found["evidence"]


def test_a_missing_samba_part_is_named_and_fails_a_required_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's `samba` alone cannot provision a DC: the parts it only recommends are named too."""
    monkeypatch.setattr(samba_ad, "REQUIRED_BINARIES", ("samba", "samba-tool-not-installed"))
    monkeypatch.setattr(samba_ad, "REQUIRED_FILES", {"samba-ad-provision": "/nonexistent/ad-schema"})
    missing = samba_ad.missing_binaries()
    assert missing[:2] == ["samba-tool-not-installed", "samba-ad-provision"]
    monkeypatch.setenv("AUTHDOCTOR_REQUIRE_LAB", "1")
    with pytest.raises(pytest.fail.Exception,
                       match=r"Samba AD DC: missing samba-tool-not-installed, samba-ad-provision \(run"):
        need(missing, "Samba AD DC")
