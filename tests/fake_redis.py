"""A healthy Redis for `check` runs that need the redis area's live half to run against something,
without the lab: a few lines of RESP2 on 127.0.0.1 that answer what the probe sends (AUTH, CLIENT
SETNAME, SELECT, PING, INFO, CONFIG GET save, SCAN, GET, TTL) as a persistent (AOF + RDB), noeviction
Redis 7 with no revocation keys would. The lab's redis-server is the real thing
(tests/lab/test_lab_redis_live.py); this costs nothing to start. Every command it received is in
`received` (first word upper-cased)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BufferedIOBase

import pytest

INFO = ("# Server\r\nredis_version:7.0.15\r\n# Replication\r\nrole:master\r\n# Persistence\r\n"
        "aof_enabled:1\r\n# Memory\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n# Stats\r\n"
        "evicted_keys:0\r\n")


def _bulk(text: str) -> bytes:
    data = text.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _reply(args: list[bytes], revoked: set[str]) -> bytes:
    name = args[0].upper() if args else b""
    setname = name == b"CLIENT" and len(args) > 1 and args[1].upper() == b"SETNAME"
    if name in (b"AUTH", b"SELECT") or setname:
        return b"+OK\r\n"
    if name == b"PING":
        return b"+PONG\r\n"
    if name == b"INFO":
        return _bulk(INFO)
    if name == b"CONFIG":
        return b"*2\r\n" + _bulk("save") + _bulk("3600 1 300 100 60 10000")
    if name == b"GET":
        return _bulk("1") if len(args) > 1 and args[1].decode() in revoked else b"$-1\r\n"
    if name == b"TTL":
        return b":600\r\n" if len(args) > 1 and args[1].decode() in revoked else b":-2\r\n"
    if name == b"SCAN":
        return b"*2\r\n" + _bulk("0") + b"*0\r\n"
    return b"-ERR unknown command '%s'\r\n" % name


def _read_command(stream: BufferedIOBase) -> list[bytes] | None:
    header = stream.readline()
    if not header:
        return None
    if not header.startswith(b"*"):
        return header.split()
    args = []
    for _ in range(int(header[1:])):
        size = int(stream.readline()[1:])
        args.append(stream.read(size + 2)[:size])
    return args


@dataclass
class FakeRedis:
    port: int
    received: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    """Keys GET answers '1' for (TTL 600); SCAN still lists no key."""


@pytest.fixture
def fake_redis() -> Iterator[FakeRedis]:
    """A healthy fake Redis on 127.0.0.1 (see the module docstring)."""
    state = FakeRedis(port=0)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:
                args = _read_command(self.rfile)
                if args is None:
                    return
                state.received.append(args[0].decode(errors="replace").upper() if args else "")
                self.wfile.write(_reply(args, state.revoked))
                self.wfile.flush()

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
