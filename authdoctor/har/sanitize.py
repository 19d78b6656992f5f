"""`authdoctor har FILE --sanitize OUT`: a copy of the recording that is safe to attach to a bug
report. Secrets are replaced, the structure is kept (every entry, URL, status, header name,
cookie name and attribute), so the copy still shows the fault and `authdoctor har` reads it.

What is replaced (`authdoctor.har.secrets` decides what is secret, for the report too):
- cookie values (Cookie, Set-Cookie, request.cookies, response.cookies), Authorization and other
  credential headers, secret query and fragment parameters (`code`, tokens, `client_secret`,
  passwords) in every URL (request, Location, redirectURL, page titles), secret form fields and
  JSON fields in request and response bodies, HTML hidden inputs (form_post's code and id_token),
  and any JWT-shaped string;
- then every secret value found anywhere in the recording, wherever else it appears (a token
  quoted in a script, an error page echoing the code).
A replaced value becomes `REDACTED-<10 hex>`, a fingerprint (SHA-256) of the value, so the same
cookie set and sent again stays recognisably the same. An Open WebUI session JWT keeps its
header and its claims (id, typ, auth_method, times, jti, session_stamp: no personal data, and
useless without the signature, which is replaced): the copy can still show an expired or revoked
token. Any other JWT (an IdP's ID token carries the user's email and name) is replaced whole.

The copy is written as it is read (one entry at a time, `ijson`), to a temporary file renamed at
the end, so a failure never leaves half a file. The `log` keys written before `entries` (version,
creator, browser, pages: where browsers write them) are kept; keys after `entries` are not.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from authdoctor.errors import UsageError
from authdoctor.har.secrets import (
    HIDDEN_INPUT,
    HIDDEN_INPUT_VALUE_FIRST,
    JWT,
    is_secret_header,
    is_secret_param,
)
from authdoctor.masking import Redactor, nettable

#: Claims of an Open WebUI session token (openwebui-live-0.12.4 §3.3) and registered claims:
#: a JWT whose payload holds nothing else keeps header and payload in the copy.
SESSION_CLAIMS = frozenset({"id", "typ", "auth_method", "auth_time", "session_stamp", "mfa_verified",
                            "exp", "jti", "iat", "nbf"})


def placeholder(value: str) -> str:
    return "REDACTED-" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def redact_jwt(token: str) -> str:
    """A JWT without its signature when its claims are an app session's, else a placeholder."""
    import base64

    parts = token.split(".")
    if len(parts) == 3:
        try:
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except (ValueError, UnicodeDecodeError):
            payload = None
        if isinstance(payload, dict) and payload and set(payload) <= SESSION_CLAIMS:
            return f"{parts[0]}.{parts[1]}.{placeholder(token)}"
    return placeholder(token)


def redact_value(value: str) -> str:
    stripped = value.strip().strip('"')
    if JWT.fullmatch(stripped):
        return redact_jwt(stripped)
    return placeholder(value) if value else value


def _redact_jwts(text: str) -> str:
    return JWT.sub(lambda m: redact_jwt(m.group(0)), text) if "eyJ" in text else text


def sanitize_url(url: str) -> str:
    """Secret query and fragment values and the userinfo password replaced; the rest kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _redact_jwts(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}{':' + placeholder(_password) if sep else ''}@{host}"

    def params(text: str) -> str:
        if "=" not in text:
            return text
        out = []
        for piece in text.split("&"):
            name, sep, value = piece.partition("=")
            if sep and value and is_secret_param(unquote_plus(name)):
                value = quote(redact_value(unquote_plus(value)), safe="-._~")
            out.append(f"{name}{sep}{value}")
        return "&".join(out)

    return _redact_jwts(urlunsplit((parts.scheme, netloc, parts.path, params(parts.query),
                                    params(parts.fragment))))


def sanitize_cookie_header(value: str) -> str:
    out = []
    for part in value.split(";"):
        name, sep, cookie_value = part.partition("=")
        value = redact_value(cookie_value.strip()) if sep and cookie_value.strip() else cookie_value
        out.append(f"{name}{sep}{value}")
    return ";".join(out)


def sanitize_set_cookie(value: str) -> str:
    lines = []
    for line in value.split("\n"):
        first, sep, rest = line.partition(";")
        name, eq, cookie_value = first.partition("=")
        if eq and cookie_value.strip().strip('"'):
            first = f"{name}={redact_value(cookie_value.strip())}"
        lines.append(first + sep + rest)
    return "\n".join(lines)


def sanitize_header(name: str, value: str) -> str:
    lowered = name.strip().lower()
    if lowered == "cookie":
        return sanitize_cookie_header(value)
    if lowered == "set-cookie":
        return sanitize_set_cookie(value)
    if lowered in ("location", "referer", "content-location", "origin"):
        return sanitize_url(value)
    if lowered == "refresh" and "url=" in value.lower():
        head, _, url = value.partition("=")
        return head + "=" + sanitize_url(url) if ";" not in head else value
    if is_secret_header(name):
        scheme, space, credential = value.strip().partition(" ")
        if space and scheme.lower() in ("bearer", "basic", "digest", "negotiate", "token"):
            return f"{scheme} {redact_value(credential.strip())}"
        return redact_value(value)
    return _redact_jwts(value)


def _json_walk(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, dict):
        return {k: (redact_value(v) if isinstance(v, str) and v and is_secret_param(str(k))
                    else _json_walk(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_walk(v, depth + 1) for v in value]
    if isinstance(value, str):
        return _redact_jwts(value)
    return value


def sanitize_body(text: str, mime: str = "") -> str:
    """A body with secret JSON fields, form fields, hidden inputs and JWTs replaced."""
    if not text:
        return text
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            document = None
        if document is not None:
            return json.dumps(_json_walk(document), ensure_ascii=False)
    if "x-www-form-urlencoded" in mime.lower() and "=" in text:
        return sanitize_url("?" + text)[1:]
    if "<input" in text.lower():
        def hidden(match: re.Match[str], name_group: int, value_groups: tuple[int, int]) -> str:
            if not is_secret_param(match.group(name_group)):
                return match.group(0)
            whole = match.group(0)
            for group in value_groups:
                found = match.group(group)
                if found:
                    start, end = match.span(group)
                    offset = match.start()
                    return whole[:start - offset] + redact_value(found) + whole[end - offset:]
            return whole

        text = HIDDEN_INPUT.sub(lambda m: hidden(m, 1, (2, 3)), text)
        text = HIDDEN_INPUT_VALUE_FIRST.sub(lambda m: hidden(m, 3, (1, 2)), text)
    return _redact_jwts(text)


def _pairs(items: Any, secret: bool | None = None) -> Any:
    if not isinstance(items, list):
        return items
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            name = str(item.get("name", ""))
            value = item["value"]
            if secret is True or (secret is None and is_secret_param(name)):
                value = redact_value(value) if value else value
            out.append({**item, "value": value})
            continue
        out.append(item)
    return out


def _headers(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    return [{**h, "value": sanitize_header(str(h.get("name", "")), h["value"])}
            if isinstance(h, dict) and isinstance(h.get("value"), str) else h for h in items]


def sanitize_entry(entry: Any) -> Any:
    """One raw HAR entry with every secret replaced (structure and other values kept)."""
    if not isinstance(entry, dict):
        return entry
    out = dict(entry)
    request = out.get("request")
    if isinstance(request, dict):
        request = dict(request)
        if isinstance(request.get("url"), str):
            request["url"] = sanitize_url(request["url"])
        request["headers"] = _headers(request.get("headers"))
        request["cookies"] = _pairs(request.get("cookies"), secret=True)
        request["queryString"] = _pairs(request.get("queryString"))
        post = request.get("postData")
        if isinstance(post, dict):
            post = dict(post)
            if isinstance(post.get("text"), str):
                post["text"] = sanitize_body(post["text"], str(post.get("mimeType", "")))
            if "params" in post:
                post["params"] = _pairs(post.get("params"))
            request["postData"] = post
        out["request"] = {k: v for k, v in request.items() if v is not None or k in entry["request"]}
    response = out.get("response")
    if isinstance(response, dict):
        response = dict(response)
        response["headers"] = _headers(response.get("headers"))
        response["cookies"] = _pairs(response.get("cookies"), secret=True)
        if isinstance(response.get("redirectURL"), str):
            response["redirectURL"] = sanitize_url(response["redirectURL"])
        content = response.get("content")
        if isinstance(content, dict) and isinstance(content.get("text"), str) \
                and str(content.get("encoding", "")).lower() != "base64":
            content = {**content, "text": sanitize_body(content["text"], str(content.get("mimeType", "")))}
            response["content"] = content
        out["response"] = {k: v for k, v in response.items() if v is not None or k in entry["response"]}
    return out


def _replace_known(value: Any, redactor: Redactor, depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, dict):
        return {k: _replace_known(v, redactor, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_known(v, redactor, depth + 1) for v in value]
    return value


class _FingerprintRedactor(Redactor):
    """The report's safety net, replacing with the sanitizer's fingerprint instead of a mask."""

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for secret in self._long:
            if secret in text:
                text = text.replace(secret, redact_value(secret))
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: redact_value(m.group(0)), text)


def _with_json_forms(secrets: Iterable[str]) -> set[str]:
    """The secrets and, where JSON writes them otherwise (a quote, a backslash, a control
    character), their escaped forms: the net runs over the entry's JSON text."""
    found = set()
    for secret in secrets:
        found.add(secret)
        escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
        if escaped != secret:
            found.add(escaped)
    return found


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot write {type(value).__name__}")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default, separators=(",", ":"))


def write_sanitized(source: str, target: str, secrets: Iterable[str]) -> int:
    """Write the sanitized copy of the HAR at `source` to `target`; returns the entries written.
    `secrets` are the values found by the reader, replaced wherever they appear."""
    import ijson

    from authdoctor.har.reader import MAX_ENTRIES, READ_BUFFER, build_entry
    from authdoctor.har.secrets import entry_secrets

    known = set(secrets)
    directory = os.path.dirname(os.path.abspath(target)) or "."
    try:
        handle, temporary = tempfile.mkstemp(prefix=".authdoctor-sanitize-", suffix=".har", dir=directory)
    except OSError as exc:
        raise UsageError(f"--sanitize {target}: cannot write there ({exc.strerror or exc})") from None
    written = 0
    try:
        with open(source, "rb") as raw, os.fdopen(handle, "w", encoding="utf-8") as out:
            head = _head(raw)
            out.write('{"log":{')
            for key, value in head:
                out.write(f"{json.dumps(key)}:{_dump(_sanitize_head(key, value))},")
            out.write('"entries":[\n')
            raw.seek(_start(raw))
            global_redactor = _FingerprintRedactor(_with_json_forms(known))
            collected = len(known) < 100_000  # the reader collected every kept entry's secrets
            for entry in ijson.items(raw, "log.entries.item", buf_size=READ_BUFFER):
                # The known secrets are replaced in the entry's JSON text, in one pass (their
                # JSON-escaped forms too). Past the reader's entry cap an entry's own secrets are
                # found here: a small second pass, never a net rebuilt of every secret.
                text = global_redactor(_dump(sanitize_entry(entry)))
                if written >= MAX_ENTRIES or not collected:
                    parsed = build_entry(entry, written)
                    own = entry_secrets(parsed) - known if parsed is not None else set()
                    for secret in sorted(_with_json_forms(own), key=len, reverse=True):
                        if nettable(secret) and secret in text:  # a few per entry: no regex
                            text = text.replace(secret, redact_value(secret))
                out.write(("," if written else "") + text + "\n")
                written += 1
            out.write("]}}\n")
        os.replace(temporary, target)
    except OSError as exc:
        _remove(temporary)
        raise UsageError(f"--sanitize {target}: cannot write the copy ({exc.strerror or exc})") from None
    except BaseException:
        _remove(temporary)
        raise
    return written


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _start(raw: IO[bytes]) -> int:
    raw.seek(0)
    return 3 if raw.read(3) == b"\xef\xbb\xbf" else 0


def _head(raw: IO[bytes]) -> list[tuple[str, Any]]:
    """The `log` keys before `entries`, with their values."""
    import ijson

    from authdoctor.har.reader import READ_BUFFER

    keys: list[str] = []
    raw.seek(_start(raw))
    for prefix, event, value in ijson.parse(raw, buf_size=READ_BUFFER):
        if prefix == "log" and event == "map_key":
            if value == "entries":
                break
            keys.append(str(value))
    values = []
    for key in keys:
        raw.seek(_start(raw))
        found = next(ijson.items(raw, f"log.{key}", buf_size=READ_BUFFER), None)
        values.append((key, found))
    return values


def _sanitize_head(key: str, value: Any) -> Any:
    if key == "pages" and isinstance(value, list):
        return [{**p, "title": sanitize_url(p["title"])} if isinstance(p, dict)
                and isinstance(p.get("title"), str) else p for p in value]
    return _json_walk(value)
