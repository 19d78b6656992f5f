"""The lab's slapd answers like a real directory: binds, the 49 for a bad password, the data the
LDAP checks rely on (a user without mail, memberOf), StartTLS and LDAPS, and the two TLS
failures (unknown CA, wrong host name) the TLS diagnostics must tell apart."""

from __future__ import annotations

import os
import ssl
import subprocess

import pytest
from ldap3 import SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPSocketOpenError, LDAPStartTLSError

from .certs import WRONG_HOSTNAME, LabCerts
from .ldap import USERS, LabLdap
from .process import find_binary

pytestmark = pytest.mark.realserver


def tls(ca_file: str | None) -> Tls:
    return Tls(ca_certs_file=ca_file, validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT)


def ldaps_server(lab: LabLdap) -> Server:
    return Server(lab.ldaps_url, use_ssl=True, tls=tls(lab.ca_file), connect_timeout=3)


def app_connection(lab: LabLdap, **kwargs: object) -> Connection:
    return Connection(Server(lab.url, connect_timeout=3), lab.app_dn, lab.app_password, **kwargs)


def test_service_account_binds(lab_ldap: LabLdap) -> None:
    conn = app_connection(lab_ldap)
    assert conn.bind(), conn.result
    assert conn.extend.standard.who_am_i() == f"dn:{lab_ldap.app_dn}"


@pytest.mark.parametrize("dn", ["uid=alice,ou=people,dc=example,dc=org",
                                "uid=nobody,ou=people,dc=example,dc=org"])
def test_wrong_password_or_unknown_dn_is_invalid_credentials_49(lab_ldap: LabLdap, dn: str) -> None:
    conn = Connection(Server(lab_ldap.url, connect_timeout=3), dn, "wrong-password")
    assert not conn.bind()
    assert (conn.result["result"], conn.result["description"]) == (49, "invalidCredentials")


@pytest.mark.parametrize("user", USERS, ids=[u.uid for u in USERS])
def test_every_listed_user_binds_with_its_password(lab_ldap: LabLdap, user: object) -> None:
    from .ldap import LdapUser

    assert isinstance(user, LdapUser)
    assert Connection(Server(lab_ldap.url, connect_timeout=3), user.dn, user.password).bind()


def test_directory_data_matches_the_description(lab_ldap: LabLdap) -> None:
    conn = app_connection(lab_ldap, auto_bind=True)
    conn.search(lab_ldap.search_base, "(objectClass=inetOrgPerson)", SUBTREE,
                attributes=["uid", "mail", "cn", "memberOf"])
    found = {e.uid.value: e for e in conn.entries}
    assert set(found) == {u.uid for u in lab_ldap.users}
    for user in lab_ldap.users:
        entry = found[user.uid]
        assert entry.cn.value == user.cn
        assert (entry.mail.value if "mail" in entry.entry_attributes else None) == user.mail
        member_of = sorted(entry.memberOf.values) if "memberOf" in entry.entry_attributes else []
        assert member_of == sorted(f"cn={g},{lab_ldap.groups_dn}" for g in user.groups)
    assert lab_ldap.user("dave").mail is None, "the lab must keep one user without mail"
    conn.search(lab_ldap.groups_dn, "(objectClass=groupOfNames)", attributes=["cn", "member"])
    groups = {e.cn.value: sorted(e.member.values) for e in conn.entries}
    assert groups == {g: sorted(f"uid={m},{lab_ldap.search_base}" for m in members)
                      for g, members in lab_ldap.groups.items()}


def test_anonymous_clients_cannot_read_the_tree(lab_ldap: LabLdap) -> None:
    conn = Connection(Server(lab_ldap.url, connect_timeout=3), auto_bind=True)
    conn.search(lab_ldap.base_dn, "(uid=alice)", attributes=["mail"])
    assert conn.entries == []
    assert conn.result["description"] == "noSuchObject"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_starttls_with_the_lab_ca(lab_ldap: LabLdap, host: str) -> None:
    conn = Connection(Server(f"ldap://{host}:{lab_ldap.port}", tls=tls(lab_ldap.ca_file), connect_timeout=3),
                      lab_ldap.app_dn, lab_ldap.app_password)
    conn.open()
    assert conn.start_tls(), conn.result
    assert conn.bind()
    assert conn.tls_started


def test_ldaps_with_the_lab_ca(lab_ldap: LabLdap) -> None:
    server = Server(lab_ldap.ldaps_url, use_ssl=True, tls=tls(lab_ldap.ca_file), connect_timeout=3)
    conn = Connection(server, lab_ldap.app_dn, lab_ldap.app_password, auto_bind=True)
    assert conn.extend.standard.who_am_i() == f"dn:{lab_ldap.app_dn}"


def test_ldaps_with_libldap_tools(lab_ldap: LabLdap) -> None:
    """ldapwhoami (libldap/GnuTLS) checks names its own way; the SAN holds the hostname too."""
    tool = find_binary("ldapwhoami")
    assert tool is not None
    env = {**os.environ, "LDAPTLS_CACERT": lab_ldap.ca_file}
    for uri, extra in ((lab_ldap.ldaps_url, []), (f"ldap://localhost:{lab_ldap.port}", ["-ZZ"])):
        argv = [tool, "-x", "-H", uri, *extra, "-D", lab_ldap.app_dn, "-w", lab_ldap.app_password]
        out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=10, check=False)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == f"dn:{lab_ldap.app_dn}"


def test_good_server_is_not_trusted_without_the_lab_ca(lab_ldap: LabLdap) -> None:
    conn = Connection(Server(lab_ldap.url, tls=tls(None), connect_timeout=3))
    conn.open()
    with pytest.raises(LDAPStartTLSError, match="CERTIFICATE_VERIFY_FAILED"):
        conn.start_tls()


def test_unknown_ca_server_fails_verification_on_both_ports(lab_ldap_unknown_ca: LabLdap) -> None:
    lab = lab_ldap_unknown_ca
    conn = Connection(Server(lab.url, tls=tls(lab.ca_file), connect_timeout=3))
    conn.open()
    with pytest.raises(LDAPStartTLSError, match="CERTIFICATE_VERIFY_FAILED"):
        conn.start_tls()
    with pytest.raises(LDAPSocketOpenError, match="CERTIFICATE_VERIFY_FAILED"):
        Connection(ldaps_server(lab), auto_bind=True)


def test_unknown_ca_server_is_fine_once_its_ca_is_trusted(lab_ldap_unknown_ca: LabLdap,
                                                          lab_certs: LabCerts) -> None:
    """So the failure above is about trust only, not a broken server."""
    server = Server(lab_ldap_unknown_ca.ldaps_url, use_ssl=True, tls=tls(str(lab_certs.unknown_ca_file)),
                    connect_timeout=3)
    conn = Connection(server, lab_ldap_unknown_ca.app_dn, lab_ldap_unknown_ca.app_password, auto_bind=True)
    assert conn.bound


def test_wrong_host_server_fails_on_the_name_not_the_chain(lab_ldap_wrong_host: LabLdap) -> None:
    lab = lab_ldap_wrong_host
    conn = Connection(Server(lab.url, tls=tls(lab.ca_file), connect_timeout=3))
    conn.open()
    with pytest.raises(LDAPStartTLSError, match="doesn't match any name") as caught:
        conn.start_tls()
    assert WRONG_HOSTNAME in str(caught.value)
    with pytest.raises(LDAPSocketOpenError, match="doesn't match any name"):
        Connection(ldaps_server(lab), auto_bind=True)
    # the chain itself verifies: with the name check off, the bind goes through
    ctx = ssl.create_default_context(cafile=lab.ca_file)
    ctx.check_hostname = False
    import socket

    with socket.create_connection((lab.host, lab.ldaps_port), timeout=3) as raw, ctx.wrap_socket(raw) as sock:
        assert sock.version() is not None
