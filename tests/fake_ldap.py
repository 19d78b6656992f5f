"""A tiny plain-LDAP server on 127.0.0.1 that answers with hand-encoded BER (RFC 4511 messages),
for what the lab's slapd cannot be made to do: an Active Directory bind refusal with its `data`
sub-code, attribute values that are not UTF-8, a search that ignores the size limit, a server
that accepts and never answers or closes during the bind; and a healthy directory for `check`
runs that need the ldap area's live half to run against something cheap.

`FakeLdap(behaviour)` with behaviour one of: "healthy", "hang", "close-on-bind", "ad-775",
"not-utf8", "huge". Binds succeed (except where the behaviour says), anonymous ones too; a base
search of the RootDSE answers namingContexts; a base search of anything else succeeds; a subtree
search answers one entry for uid=alice (mail and cn), none otherwise. Anonymous searches see no
entries (noSuchObject), like the lab's slapd.

The AD answer text is the one Active Directory sends for a locked account, as recorded in
Microsoft's "LDAP bind errors" support pages and ldapwiki's "Common Active Directory Bind
Errors": `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

AD_LOCKED = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563"


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def octets(value: bytes | str) -> bytes:
    return tlv(0x04, value.encode() if isinstance(value, str) else value)


def integer(n: int, tag: int = 0x02) -> bytes:
    return tlv(tag, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def message(msg_id: int, op: bytes) -> bytes:
    return tlv(0x30, integer(msg_id) + op)


def result(tag: int, code: int, diagnostic: str = "", matched: str = "") -> bytes:
    return tlv(tag, integer(code, 0x0A) + octets(matched) + octets(diagnostic))


def entry(dn: str, attributes: dict[str, list[bytes]]) -> bytes:
    attrs = b"".join(tlv(0x30, octets(name) + tlv(0x31, b"".join(octets(v) for v in values)))
                     for name, values in attributes.items())
    return tlv(0x64, octets(dn) + tlv(0x30, attrs))


def _read_tlv(sock: socket.socket) -> bytes | None:
    head = sock.recv(2)
    if len(head) < 2:
        return None
    length = head[1]
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(_recv(sock, size), "big")
    return _recv(sock, length)


def _recv(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _parse(content: bytes) -> tuple[int, int, bytes]:
    """(message id, protocol op tag, op content) of one LDAPMessage's content."""
    assert content[0] == 0x02
    id_len = content[1]
    msg_id = int.from_bytes(content[2:2 + id_len], "big")
    rest = content[2 + id_len:]
    tag = rest[0]
    length = rest[1]
    start = 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(rest[2:2 + size], "big")
        start = 2 + size
    return msg_id, tag, rest[start:start + length]


def _first_octets(op: bytes, skip: int = 0) -> bytes:
    """The first OCTET STRING of a bind request (after the version INTEGER) or a search (base)."""
    pos = 0
    for _ in range(skip):
        pos += 2 + op[pos + 1]
    length = op[pos + 1]
    return op[pos + 2:pos + 2 + length]


class FakeLdap:
    def __init__(self, behaviour: str = "healthy") -> None:
        self.behaviour = behaviour
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port: int = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.operations: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.listener.close()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        bound: dict[str, bytes] = {}
        with conn:
            conn.settimeout(10)
            try:
                while not self.stop.is_set():
                    content = _read_tlv(conn)
                    if content is None:
                        return
                    msg_id, tag, op = _parse(content)
                    if self.behaviour == "hang":
                        self.stop.wait(30)
                        return
                    if tag == 0x60:  # bind
                        self.operations.append("BIND")
                        if self.behaviour == "close-on-bind":
                            return
                        bound["dn"] = _first_octets(op, skip=1)
                        refuse = self.behaviour == "ad-775" and bound["dn"]
                        code, text = (49, AD_LOCKED) if refuse else (0, "")
                        conn.sendall(message(msg_id, result(0x61, code, text)))
                    elif tag == 0x63:  # search
                        self.operations.append("SEARCH")
                        conn.sendall(self._search(msg_id, op, bool(bound.get("dn"))))
                    elif tag == 0x42:  # unbind
                        self.operations.append("UNBIND")
                        return
                    else:
                        self.operations.append(f"OP {tag:#x}")
                        conn.sendall(message(msg_id, result(0x78, 2, "unsupported")))
            except (OSError, AssertionError, IndexError, ValueError):  # not LDAP (a TLS hello): close
                return

    def _search(self, msg_id: int, op: bytes, authenticated: bool) -> bytes:
        base = _first_octets(op).decode()
        scope = op[2 + op[1] + 2]
        if base == "":
            return (message(msg_id, entry("", {"namingContexts": [b"dc=example,dc=org"]}))
                    + message(msg_id, result(0x65, 0)))
        if not authenticated:
            return message(msg_id, result(0x65, 32, "", ""))
        if self.behaviour.startswith("referral:"):  # "referral:<ldap URL>": every search is referred
            url = self.behaviour.split(":", 1)[1]
            done = integer(10, 0x0A) + octets("") + octets("") + tlv(0xA3, octets(url))
            return message(msg_id, tlv(0x65, done))
        if scope == 0:
            return message(msg_id, result(0x65, 0))
        wanted = b"alice" in op
        mail = b"\xff\xfe-not-utf8@example.org" if self.behaviour == "not-utf8" else b"alice@example.org"
        out = b""
        if self.behaviour == "huge":
            for i in range(3000):
                out += message(msg_id, entry(f"uid=alice{i},ou=people,dc=example,dc=org",
                                             {"uid": [b"alice"], "mail": [mail], "cn": [b"Alice"]}))
        elif wanted:
            out += message(msg_id, entry("uid=alice,ou=people,dc=example,dc=org",
                                         {"uid": [b"alice"], "mail": [mail], "cn": [b"Alice Anderson"]}))
        return out + message(msg_id, result(0x65, 0))


@pytest.fixture
def fake_ldap() -> Iterator[type[FakeLdap]]:
    """A factory: `fake_ldap("hang")` starts one; every server started is closed after the test."""
    started: list[FakeLdap] = []

    class Factory(FakeLdap):
        def __init__(self, behaviour: str = "healthy") -> None:
            super().__init__(behaviour)
            started.append(self)

    yield Factory
    for server in started:
        server.close()


def ldap_env(port: int, **overrides: str) -> dict[str, str]:
    """Open WebUI's LDAP variables for a fake server on 127.0.0.1 (plain LDAP: loopback)."""
    env = {"ENABLE_LDAP": "true", "LDAP_SERVER_LABEL": "Fake", "LDAP_SERVER_HOST": "127.0.0.1",
           "LDAP_SERVER_PORT": str(port), "LDAP_USE_TLS": "false",
           "LDAP_APP_DN": "cn=app,dc=example,dc=org", "LDAP_APP_PASSWORD": "app-secret-value",
           "LDAP_SEARCH_BASE": "ou=people,dc=example,dc=org"}
    env.update(overrides)
    return env
