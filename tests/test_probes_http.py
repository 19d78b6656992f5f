"""The HTTP probe and the per-run cache against small misbehaving servers on 127.0.0.1: a refused
port, a hang, a slow drip, 5xx, HTML, a huge body, redirects (and a loop), a forward proxy, and
TLS servers with throwaway certificates from `trustme` (unknown CA, wrong host). Loopback only:
DNS failures are made by a patched resolver, never by asking a real one."""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from authdoctor.probes import Rung
from authdoctor.probes.cache import ProbeCache, ProbeSession, wait_future
from authdoctor.probes.http import MAX_BODY, http_get, proxy_for, strip_credentials

DOC = json.dumps({"issuer": "x"}).encode()


def _response(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
            "Connection: close\r\n\r\n").encode() + body


class Server:
    """A loopback server: `routes` maps a path to a function(handler) that answers. It counts
    requests per path and records the request heads."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.stop = threading.Event()
        self.hits: dict[str, int] = {}
        self.heads: list[bytes] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock = self.request
                try:
                    if tls is not None:
                        sock = tls.wrap_socket(sock, server_side=True)
                    head = b""
                    while b"\r\n\r\n" not in head:
                        chunk = sock.recv(4096)
                        if not chunk:
                            return
                        if not head and chunk.startswith(b"\x16"):  # a TLS hello: answer as plain HTTP does
                            sock.sendall(_response("400 Bad Request", b"", "text/plain"))
                            return
                        head += chunk
                    target = head.split(b" ")[1].decode()
                    path = "/" + target.split("://", 1)[1].split("/", 1)[1] if "://" in target else target
                    with outer.lock:
                        outer.hits[path] = outer.hits.get(path, 0) + 1
                        outer.heads.append(head)
                    outer.answer(path, sock)
                except (OSError, ssl.SSLError):
                    pass

        class TCPServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = TCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def answer(self, path: str, sock: socket.socket) -> None:
        if path == "/hang":
            self.stop.wait(10)
        elif path == "/drip":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):
                if self.stop.wait(0.1):
                    return
                sock.sendall(b" ")
        elif path == "/slow":
            self.stop.wait(0.4)
            sock.sendall(_response("200 OK", DOC))
        elif path == "/500":
            sock.sendall(_response("500 Internal Server Error", b"oops", "text/plain"))
        elif path == "/html":
            sock.sendall(_response("200 OK", b"<!doctype html><title>Sign in</title>", "text/html"))
        elif path == "/huge":
            sock.sendall(_response("200 OK", b"x" * (2 * MAX_BODY), "application/json"))
        elif path == "/redirect":
            sock.sendall(_response("302 Found", b"", extra="Location: /doc\r\n"))
        elif path == "/loop":
            sock.sendall(_response("302 Found", b"", extra="Location: /loop\r\n"))
        else:
            sock.sendall(_response("200 OK", DOC))

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[Callable[[str], Server]]:
    made: list[Server] = []

    def make(*names: str) -> Server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*names).configure_cert(context)
        srv = Server(tls=context)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ----------------------------------------------------------------------------- rungs


def test_a_json_answer(server: Server) -> None:
    obs = http_get(server.url("/doc"), timeout_s=3)
    assert obs.failure is None and obs.answered
    assert (obs.status, obs.content_type, obs.body) == (200, "application/json", DOC)
    assert obs.final_url == server.url("/doc") and obs.proxy is None
    assert b"user-agent: authdoctor/" in server.heads[0].lower()


def test_refused_port() -> None:
    port = free_port()
    obs = http_get(f"http://127.0.0.1:{port}/", timeout_s=3)
    assert obs.failure is not None
    assert obs.failure.rung is Rung.TCP
    assert obs.failure.summary == f"127.0.0.1:{port}: connection refused (nothing listens on that port)"
    assert obs.failure.not_attempted == (Rung.TLS, Rung.PROTOCOL, Rung.APPLICATION)


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_name(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    obs = http_get("https://idp.corp.invalid/.well-known/openid-configuration", timeout_s=3)
    assert obs.failure is not None
    assert obs.failure.rung is Rung.DNS
    assert obs.failure.summary == "idp.corp.invalid: the name does not exist (NXDOMAIN)"
    assert obs.failure.evidence == {"name": "idp.corp.invalid", "resolver": "Name or service not known"}


def test_unreachable_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    obs = http_get("http://127.0.0.1:9/", timeout_s=3)
    assert obs.failure is not None and obs.failure.rung is Rung.TCP


def test_a_hang_is_cut_at_the_timeout(server: Server) -> None:
    started = time.monotonic()
    obs = http_get(server.url("/hang"), timeout_s=0.5)
    assert time.monotonic() - started < 2
    assert obs.failure is not None and obs.failure.timed_out
    assert obs.failure.rung is Rung.PROTOCOL
    assert obs.failure.summary == f"connected to 127.0.0.1:{server.port}, but no answer within 0.5 s"


def test_a_slow_drip_is_cut_at_the_timeout_not_per_read(server: Server) -> None:
    started = time.monotonic()
    obs = http_get(server.url("/drip"), timeout_s=0.8)
    assert time.monotonic() - started < 2.5
    assert obs.failure is not None and obs.failure.timed_out
    assert obs.failure.rung is Rung.PROTOCOL
    assert "the answer started but was not complete within 0.8 s" in obs.failure.summary


def test_a_slow_answer_is_timed(server: Server) -> None:
    obs = http_get(server.url("/slow"), timeout_s=3)
    assert obs.status == 200
    assert 0.35 <= obs.elapsed_s < 2


def test_5xx_is_an_answer_not_a_failure(server: Server) -> None:
    obs = http_get(server.url("/500"), timeout_s=3)
    assert obs.failure is None
    assert (obs.status, obs.reason, obs.body) == (500, "Internal Server Error", b"oops")


def test_html(server: Server) -> None:
    obs = http_get(server.url("/html"), timeout_s=3)
    assert obs.content_type == "text/html"
    assert obs.body.startswith(b"<!doctype html>")


def test_a_huge_body_is_capped(server: Server) -> None:
    obs = http_get(server.url("/huge"), timeout_s=5)
    assert obs.failure is None and obs.body_truncated
    assert len(obs.body) == MAX_BODY
    small = http_get(server.url("/huge"), timeout_s=5, max_body=10)
    assert (len(small.body), small.body_truncated) == (10, True)


def test_redirects_are_not_followed_unless_asked(server: Server) -> None:
    obs = http_get(server.url("/redirect"), timeout_s=3)
    assert (obs.status, obs.headers["location"], obs.redirects) == (302, "/doc", ())
    assert server.hits == {"/redirect": 1}
    followed = http_get(server.url("/redirect"), timeout_s=3, follow_redirects=True)
    assert (followed.status, followed.final_url) == (200, server.url("/doc"))
    assert followed.redirects == (server.url("/redirect"),)


def test_a_redirect_loop_stops(server: Server) -> None:
    obs = http_get(server.url("/loop"), timeout_s=3, follow_redirects=True, max_redirects=3)
    assert obs.status == 302
    assert len(obs.redirects) == 3
    assert server.hits["/loop"] == 4


def test_credentials_in_the_url_are_never_sent(server: Server) -> None:
    url = server.url("/doc").replace("http://", "http://admin:hunter2@")
    obs = http_get(url, timeout_s=3)
    assert obs.status == 200
    assert b"authorization" not in server.heads[0].lower()
    assert "hunter2" not in json.dumps(obs.to_dict())
    assert strip_credentials("https://a:b@h:1/p?q") == "https://h:1/p?q"


# ----------------------------------------------------------------------------- proxy


@pytest.mark.parametrize(("environ", "url", "proxy"), [
    ({}, "https://idp/x", None),
    ({"HTTPS_PROXY": "http://p:3128"}, "https://idp/x", "http://p:3128"),
    ({"HTTPS_PROXY": "http://p:3128"}, "http://idp/x", None),
    ({"HTTP_PROXY": "p:3128"}, "http://idp/x", "http://p:3128"),
    ({"ALL_PROXY": "http://all:1"}, "https://idp/x", "http://all:1"),
    ({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:1"}, "https://idp/x", "http://lower:1"),
    ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.example"}, "https://idp.corp.example/x", None),
    ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".corp.example"}, "https://corp.example/x", None),
    ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.example"}, "https://notcorp.example/x", "http://p:1"),
    ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, "https://10.1.2.3/x", None),
    ({"HTTPS_PROXY": "http://p:1", "no_proxy": "*"}, "https://idp/x", None),
])
def test_proxy_from_the_environment(environ: dict[str, str], url: str, proxy: str | None) -> None:
    assert proxy_for(url, environ) == proxy


def test_a_proxy_is_used_and_named(server: Server) -> None:
    # The loopback server plays the proxy: the target's name is never resolved here.
    proxy = f"http://user:proxy-pass@127.0.0.1:{server.port}"
    obs = http_get("http://idp.example.invalid/doc", timeout_s=3, environ={"HTTP_PROXY": proxy})
    assert obs.status == 200
    assert server.heads[0].startswith(b"GET http://idp.example.invalid/doc HTTP/1.1")
    assert obs.proxy is not None and "proxy-pass" not in obs.proxy
    assert obs.proxy.endswith(f"@127.0.0.1:{server.port}")


# ----------------------------------------------------------------------------- TLS


def test_tls_with_the_ca_file(tls_server: Callable[..., Server], ca: trustme.CA, tmp_path: Path) -> None:
    srv = tls_server("127.0.0.1", "localhost")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    obs = http_get(srv.url("/doc", "https"), timeout_s=3, ca_file=str(ca_file))
    assert (obs.failure, obs.status) == (None, 200)


def test_tls_unknown_ca_names_the_certificate(tls_server: Callable[..., Server]) -> None:
    srv = tls_server("127.0.0.1", "idp.lab.test")
    obs = http_get(srv.url("/doc", "https"), timeout_s=3)
    assert obs.failure is not None and obs.failure.rung is Rung.TLS
    assert obs.failure.summary == "the certificate is signed by a CA this machine does not trust (unknown CA)"
    assert obs.certificate is not None
    assert obs.certificate.sans == ("idp.lab.test", "127.0.0.1")
    assert "trustme" in obs.failure.evidence["issuer"]
    assert obs.failure.evidence["names (SAN)"] == "idp.lab.test, 127.0.0.1"
    assert " to " in obs.failure.evidence["valid"]
    assert srv.hits == {}  # no HTTP request went out on either handshake


def test_tls_wrong_host_says_which_names_the_certificate_carries(
        tls_server: Callable[..., Server], ca: trustme.CA, tmp_path: Path) -> None:
    srv = tls_server("other.example")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    obs = http_get(srv.url("/doc", "https"), timeout_s=3, ca_file=str(ca_file))
    assert obs.failure is not None and obs.failure.rung is Rung.TLS
    assert obs.failure.summary == "the certificate is for other.example, not 127.0.0.1"


def test_tls_to_a_plain_http_port(server: Server) -> None:
    obs = http_get(server.url("/doc", "https"), timeout_s=3)
    assert obs.failure is not None and obs.failure.rung is Rung.TLS
    assert "does not speak TLS" in obs.failure.summary


def test_an_unreadable_ca_file_is_a_tls_failure(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    obs = http_get("https://127.0.0.1:1/", timeout_s=1, ca_file=str(bad))
    assert obs.failure is not None and obs.failure.rung is Rung.TLS
    assert obs.failure.summary.startswith("the CA file cannot be used")


def test_insecure_skips_verification(tls_server: Callable[..., Server]) -> None:
    srv = tls_server("127.0.0.1")
    assert http_get(srv.url("/doc", "https"), timeout_s=3, verify_tls=False).status == 200


# ----------------------------------------------------------------------------- cache


def test_the_cache_runs_each_request_once_across_threads_and_loops(server: Server) -> None:
    session = ProbeSession(timeout_s=3)
    results: list[Any] = []

    def area() -> None:  # like the runner: each area in its own thread and event loop
        async def live() -> Any:
            return await session.http_get_async(server.url("/slow"))
        results.append(asyncio.run(live()))

    threads = [threading.Thread(target=area) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert server.hits == {"/slow": 1}
    assert session.cache.started == 1
    session.http_get(server.url("/doc")).result(5)
    assert server.hits == {"/slow": 1, "/doc": 1} and len(session.cache) == 2


def test_the_cache_keeps_failures_too() -> None:
    session = ProbeSession(timeout_s=1)
    url = f"http://127.0.0.1:{free_port()}/"
    first = session.http_get(url).result(5)
    assert session.http_get(url).result(5) is first
    assert session.cache.started == 1


def test_a_probe_bug_reaches_every_asker() -> None:
    cache = ProbeCache()

    def broken() -> int:
        raise RuntimeError("bug")

    future = cache.get("k", broken)
    with pytest.raises(RuntimeError):
        asyncio.run(wait_future(future))
    assert cache.get("k", lambda: 1) is future


def test_the_budget_is_cut_to_the_runs_deadline() -> None:
    assert ProbeSession(timeout_s=5).budget() == 5
    near = ProbeSession(timeout_s=5, deadline=time.monotonic() + 1)
    assert 0.5 < near.budget() <= 1
    assert ProbeSession(timeout_s=5, deadline=time.monotonic() - 1).budget() == 0.05
