"""Throwaway TLS material for the lab, made with trustme (ECDSA P-256: milliseconds to make).

- `ca_file`: the lab CA. Clients that should succeed trust this file.
- `server_cert`/`server_key`: issued by the lab CA; SAN = localhost, 127.0.0.1, ::1 and this
  machine's hostname (libldap compares "localhost" against the hostname, see test-servers.md).
- `unknown_ca_cert`/`unknown_ca_key`: right names, but issued by a second CA that no client
  trusts (`unknown_ca_file` is that CA, for tests that want to trust it on purpose).
- `wrong_host_cert`/`wrong_host_key`: issued by the lab CA for `wrong-host.example.net` only, so
  verification against the lab CA passes the chain and fails the hostname.
- `expired_cert`/`expired_key`: issued by the lab CA for the right names, valid from 30 days ago
  until yesterday, so verification against the lab CA fails on the date alone.

Files are PEM; keys are PKCS#8, readable by GnuTLS (slapd) and OpenSSL (Redis, Python).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

WRONG_HOSTNAME = "wrong-host.example.net"


@dataclass(frozen=True)
class LabCerts:
    directory: Path
    ca_file: Path
    server_cert: Path
    server_key: Path
    unknown_ca_file: Path
    unknown_ca_cert: Path
    unknown_ca_key: Path
    wrong_host_cert: Path
    wrong_host_key: Path
    expired_cert: Path
    expired_key: Path

    def pair(self, kind: str) -> tuple[Path, Path]:
        """(certificate, key) for kind = "good" | "unknown_ca" | "wrong_host" | "expired"."""
        return {
            "good": (self.server_cert, self.server_key),
            "unknown_ca": (self.unknown_ca_cert, self.unknown_ca_key),
            "wrong_host": (self.wrong_host_cert, self.wrong_host_key),
            "expired": (self.expired_cert, self.expired_key),
        }[kind]


def _paths(directory: Path) -> LabCerts:
    return LabCerts(
        directory=directory,
        ca_file=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        unknown_ca_file=directory / "unknown-ca.pem",
        unknown_ca_cert=directory / "unknown-ca-server.pem",
        unknown_ca_key=directory / "unknown-ca-server.key",
        wrong_host_cert=directory / "wrong-host.pem",
        wrong_host_key=directory / "wrong-host.key",
        expired_cert=directory / "expired.pem",
        expired_key=directory / "expired.key",
    )


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        os.chmod(path, 0o600)


def make_certs(directory: Path, *, reuse: bool = False) -> LabCerts:
    """Create the lab's CA and certificates in `directory` (kept as they are when `reuse` and
    every file exists, so a CA path a user configured stays valid across `scripts/lab up`)."""
    directory = directory.resolve()
    certs = _paths(directory)
    files = [certs.ca_file, certs.server_cert, certs.server_key, certs.unknown_ca_file,
             certs.unknown_ca_cert, certs.unknown_ca_key, certs.wrong_host_cert, certs.wrong_host_key,
             certs.expired_cert, certs.expired_key]
    if reuse and all(f.exists() for f in files):
        return certs
    import trustme

    directory.mkdir(parents=True, exist_ok=True)
    names = ["localhost", "127.0.0.1", "::1"]
    hostname = socket.gethostname()
    if hostname and hostname not in names:
        names.append(hostname)

    ca = trustme.CA(organization_name="authdoctor lab CA")
    good = ca.issue_cert(*names, common_name="localhost")
    wrong = ca.issue_cert(WRONG_HOSTNAME, common_name=WRONG_HOSTNAME)
    now = datetime.now(UTC)
    expired = ca.issue_cert(*names, common_name="localhost", not_before=now - timedelta(days=30),
                            not_after=now - timedelta(days=1))
    rogue = trustme.CA(organization_name="authdoctor lab UNKNOWN CA")
    rogue_leaf = rogue.issue_cert(*names, common_name="localhost")

    _write(certs.ca_file, ca.cert_pem.bytes())
    _write(certs.server_cert, b"".join(p.bytes() for p in good.cert_chain_pems))
    _write(certs.server_key, good.private_key_pem.bytes(), private=True)
    _write(certs.wrong_host_cert, b"".join(p.bytes() for p in wrong.cert_chain_pems))
    _write(certs.wrong_host_key, wrong.private_key_pem.bytes(), private=True)
    _write(certs.expired_cert, b"".join(p.bytes() for p in expired.cert_chain_pems))
    _write(certs.expired_key, expired.private_key_pem.bytes(), private=True)
    _write(certs.unknown_ca_file, rogue.cert_pem.bytes())
    _write(certs.unknown_ca_cert, b"".join(p.bytes() for p in rogue_leaf.cert_chain_pems))
    _write(certs.unknown_ca_key, rogue_leaf.private_key_pem.bytes(), private=True)
    return certs
