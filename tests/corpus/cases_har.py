"""`har FILE`: bad recordings (not JSON, truncated, not a HAR, HAR 1.1, compressed, nested too
deep, one huge body, entries without answers) and a broken sign-in full of secrets in every
format. Each must end in exit 0, 1 or 2 with one clear line for 2, within the corpus' time and
memory limits, and show no secret of the file (issue 14)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

from corpus.model import Case, b64, marker, text

APP = "http://chat.example.test:8080"


def _entry(method: str, url: str, status: int = 200, **extra: object) -> dict[str, object]:
    request: dict[str, object] = {"method": method, "url": url, "headers": extra.pop("headers", [])}
    if "post" in extra:
        request["postData"] = {"mimeType": "application/json", "text": extra.pop("post")}
    entry: dict[str, object] = {"startedDateTime": "2026-11-28T10:00:00.000Z", "request": request}
    if status:
        entry["response"] = {"status": status, "headers": extra.pop("response_headers", []),
                             "content": {"mimeType": "application/json", "text": extra.pop("body", "")},
                             "redirectURL": extra.pop("location", "")}
    return entry


def _har(entries: list[dict[str, object]], version: str = "1.2") -> bytes:
    return text(json.dumps({"log": {"version": version, "creator": {"name": "corpus"}, "entries": entries}}))


def _case(name: str, data: bytes, *extra: str, secrets: tuple[str, ...] = ()) -> Case:
    return Case(f"har/{name}", ("har", "login.har", *extra), files=(("login.har", data),), secrets=secrets)


def _broken_signin() -> tuple[bytes, tuple[str, ...]]:
    password, cookie, code = marker("har/password"), marker("har/session"), marker("har/code")
    signature = marker("har/signature", 43)
    head, body = b64(json.dumps({"alg": "HS256"})), b64(json.dumps({"id": "u1", "exp": 1798000000}))
    token = f"{head}.{body}.{signature}"
    entries = [
        _entry("GET", f"{APP}/api/config", body="{}"),
        _entry("POST", f"{APP}/api/v1/auths/signin",
               post=json.dumps({"email": "a@b.c", "password": password}),
               response_headers=[{"name": "set-cookie",
                                  "value": f"token={token}; HttpOnly; Path=/; SameSite=None"}],
               body=json.dumps({"token": token})),
        _entry("GET", f"{APP}/api/v1/auths/", 401,
               headers=[{"name": "Cookie", "value": f"owui-session={cookie}"}],
               body='{"detail":"Not authenticated"}'),
        _entry("GET", f"{APP}/oauth/oidc/callback?code={code}&state=s", 307, location=f"{APP}/auth?error=x",
               headers=[{"name": "Authorization", "value": f"Bearer {token}"}]),
        _entry("GET", f"{APP}/api/v1/auths/signout", 200, body="<html>"),
    ]
    return _har(entries), (password, cookie, code, signature)


def cases() -> Iterator[Case]:
    secret = marker("har/in-file")
    yield _case("empty", b"")
    yield _case("not-json", text(f"password={secret}\n"), secrets=(secret,))
    yield _case("html", text(f"<html>{secret}</html>"), secrets=(secret,))
    yield _case("truncated", _har([_entry("GET", f"{APP}/api/config?token={secret}")])[:90],
                secrets=(secret,))
    yield _case("trailing-text", _har([]) + text(f" {secret}"), secrets=(secret,))
    yield _case("top-level-list", b"[1, 2]")
    yield _case("no-log", text(json.dumps({"password": secret})), secrets=(secret,))
    yield _case("no-entries", b'{"log": {"version": "1.2"}}')
    yield _case("har-1.1", _har([], version="1.1"))
    yield _case("gzip", gzip.compress(_har([])))
    yield _case("utf-16", json.dumps({"log": {"entries": []}}).encode("utf-16"))
    yield _case("not-utf-8", b'{"log": {"entries": [{"request": {"url": "\xff' + secret.encode() + b'"}}]}}',
                secrets=(secret,))
    yield _case("deep-nesting", b'{"log": {"entries": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}}")
    yield _case("deep-objects", b'{"log": {"creator": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000
                + b', "entries": []}}')
    yield _case("huge-body", _har([_entry("GET", f"{APP}/api/config", body="x" * 20_000_000)]))
    yield _case("entries-without-response", _har([_entry("GET", f"{APP}/api/config", 0)] * 50))
    yield _case("entries-of-wrong-types", text('{"log": {"entries": [1, "x", null, {"request": 3}, '
                                               '{"request": {"url": 5}}, {"request": {"url": "x"}, '
                                               '"response": {"status": "abc", "headers": 7}}]}}'))
    data, secrets = _broken_signin()
    for fmt in ("text", "json", "sarif", "junit"):
        yield _case(f"secrets-{fmt}", data, "--format", fmt, secrets=secrets)
    yield _case("secrets-verbose", data, "-v", secrets=secrets)
    yield Case("har/missing-file", ("har", "nothing.har"))
    yield Case("har/directory", ("har", "."), files=(("x", b""),))
    yield _case("sanitize-onto-itself", data, "--sanitize", "login.har", secrets=secrets)
    yield _case("no-such-option", data, "--no-such-option")
