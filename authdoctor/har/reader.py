"""Reading a HAR 1.2 file (I/O), in bounded memory and time, with a clear error for bad input.

The file is streamed with ijson (its C backend, yajl2_c, when installed): a browser's export of a
long session easily reaches hundreds of megabytes, nearly all of it response bodies (scripts,
images), and `json.load` would hold all of it several times over. ijson builds one entry at a time;
`HarEntry` keeps its request and answer with bodies cut at `BODY_CAP` and all bodies together within
`BODY_BUDGET`, and at most `MAX_ENTRIES` entries are kept (the rest are counted). Memory is thus
bounded by the largest single entry plus what is kept, and time is linear in the file (a 200 MB
recording takes a few seconds; `benchmarks/har_reading.py`).

Every way a file can fail to be a usable recording is one `UsageError` line (exit 2) that never
quotes the file's text (it may hold a password): not a regular file, empty, compressed, not JSON,
truncated, trailing text, not a HAR (no `log.entries`), another HAR version than 1.2. Entries
without an answer (aborted, blocked, or pending when the file was saved) are kept with
`has_response=False`; the evaluation reports them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

from authdoctor.errors import UsageError
from authdoctor.har.model import BODY_CAP, HarEntry, HarLog
from authdoctor.har.secrets import entry_secrets

MAX_ENTRIES = 10_000
#: ijson's read size. With its default (64 KiB) yajl2_c copies a long string's accumulated bytes
#: at every read, so one 40 MB body took 12 s (quadratic; 4 MiB: 0.5 s, a 200 MB one 4 s); but it
#: also turns a whole read into events before yielding any, so bigger reads cost memory (16 MiB:
#: 200 MB of events for a file of small entries; 4 MiB: 48 MB).
READ_BUFFER = 4 * 1024 * 1024
BODY_BUDGET = 16 * 1024 * 1024
SUPPORTED_VERSION = "1.2"
#: Deeper than any browser's HAR (Chrome's async `_initiator` stacks nest a few dozen levels).
MAX_DEPTH = 256
_TEXT_MIMES = ("json", "html", "text/", "xml", "x-www-form-urlencoded")


def read_har(path: str) -> HarLog:
    """The recording at `path`, or a `UsageError` that says in one line what is wrong with it."""
    from authdoctor.localfiles import open_regular_file, shown_path

    shown = shown_path(path)
    fd = open_regular_file(path, "HAR file")
    try:
        with os.fdopen(fd, "rb") as handle:
            start = _check_start(handle, shown)
            _check_depth(handle, start, shown)
            version, creator, browser = _read_head(handle, start, shown)
            handle.seek(start)
            return _read_entries(handle, path, shown, version, creator, browser)
    except OSError as exc:
        raise UsageError(f"HAR file {shown}: {exc.strerror or exc}") from None


def _check_start(handle: IO[bytes], shown: str) -> int:
    """The offset of the JSON text (after a UTF-8 byte-order mark), or a usage error for a file
    that cannot be a HAR at all."""
    head = handle.read(4)
    if not head:
        raise UsageError(f"HAR file {shown} is empty: export the recording again "
                         "(developer tools, Network, 'Save all as HAR')")
    if head[:2] == b"\x1f\x8b":
        raise UsageError(f"HAR file {shown} is gzip-compressed: decompress it first (gunzip)")
    if head[:4] == b"PK\x03\x04":
        raise UsageError(f"HAR file {shown} is a zip archive: extract the .har file from it first")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UsageError(f"HAR file {shown} is UTF-16 text: save it as UTF-8 (browsers export UTF-8)")
    return 3 if head[:3] == b"\xef\xbb\xbf" else 0


def _json_problem(exc: Exception, shown: str) -> UsageError:
    """One line for an ijson error, without quoting the file (yajl's message shows a slice of it)."""
    # Only known phrases are used: yajl's message goes on to quote the file (it may hold a
    # password), and for bytes that are not UTF-8 the whole message is a bytes repr.
    first = str(exc).split("\\n", 1)[0].split("\n", 1)[0].strip().lower()
    if isinstance(exc, UnicodeDecodeError) or "utf8" in first or "utf-8" in first:
        return UsageError(f"HAR file {shown} is not UTF-8 text: it is not a HAR (a HAR is JSON)")
    if "premature eof" in first:
        return UsageError(f"HAR file {shown} is truncated: its JSON ends in the middle (was it still "
                          "being saved, or cut by a size limit?); export the recording again")
    if "trailing garbage" in first:
        return UsageError(f"HAR file {shown} has text after its JSON document: it is not one HAR "
                          "(two files joined?); export the recording again")
    what = next((phrase for phrase in ("invalid char in json text", "invalid string", "invalid literal",
                                       "unallowed token", "invalid number", "probable comment found",
                                       "missing integer after", "missing exponent")
                 if phrase in first), "")
    return UsageError(f"HAR file {shown} is not JSON{f' ({what})' if what else ''}: give the file the "
                      "browser saved with 'Save all as HAR' (Chrome) or 'Save All As HAR' (Firefox)")


def _kind(event: str) -> str:
    return {"start_array": "a list", "string": "a string", "number": "a number",
            "boolean": "true/false", "null": "null"}.get(event, event)


_ESCAPE = re.compile(rb"\\.", re.DOTALL)  # a backslash and the byte it escapes
_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_WINDOW = 64


def _check_depth(handle: IO[bytes], start: int, shown: str) -> None:
    """A usage error if lists and objects nest deeper than `MAX_DEPTH`, found at C speed before any
    ijson parser runs: ijson's prefix-building parsers use memory quadratic in the depth (100,000
    nested brackets took 20 GB). Escapes are dropped, then every byte but brackets and quotes,
    then whole strings; what is left is the structure, counted in windows of `_WINDOW` brackets
    (byte by byte only where a window could cross the limit). A string that runs past a read is
    carried over as its brackets only."""
    handle.seek(start)
    depth = 0
    pending = b""  # the structure since an unmatched quote (a string that continues)
    backslash = b""  # a lone trailing backslash escapes the next read's first byte
    while True:
        chunk = handle.read(READ_BUFFER)
        if not chunk:
            break
        data = backslash + chunk
        run = len(data) - len(data.rstrip(b"\\"))
        backslash = b"\\" if run % 2 else b""
        if backslash:
            data = data[:-1]
        reduced = pending + _ESCAPE.sub(b"", data).translate(None, _NOT_STRUCTURE)
        reduced = _STRING.sub(b"", reduced)
        quote = reduced.find(b'"')
        pending, reduced = (reduced[quote:], reduced[:quote]) if quote >= 0 else (b"", reduced)
        for offset in range(0, len(reduced), _WINDOW):
            window = reduced[offset:offset + _WINDOW]
            opens = window.count(b"[") + window.count(b"{")
            if depth + opens > MAX_DEPTH:
                for byte in window:
                    depth += 1 if byte in (0x5B, 0x7B) else -1
                    if depth > MAX_DEPTH:
                        raise UsageError(f"HAR file {shown} nests lists and objects more than "
                                         f"{MAX_DEPTH} levels deep: it is not a browser's HAR")
            else:
                depth += 2 * opens - len(window)


def _read_head(handle: IO[bytes], start: int, shown: str) -> tuple[str, str, str]:
    """`log.version`, the creator and the browser, read up to the start of `log.entries` (where
    browsers write them). A document without `log.entries` is not a HAR."""
    import ijson

    handle.seek(start)
    version: str | None = None
    names: dict[str, str] = {}
    seen_log = False
    try:
        events = ijson.parse(handle, buf_size=READ_BUFFER)
        for index, (prefix, event, value) in enumerate(events):
            if index == 0 and event != "start_map":
                raise UsageError(f"HAR file {shown} is JSON but not a HAR: its top level is "
                                 f"{_kind(event)}, not an object with a \"log\"")
            if prefix == "log" and event not in ("map_key", "end_map"):
                if event != "start_map":
                    raise UsageError(f"HAR file {shown} is not a HAR: \"log\" is {_kind(event)}, "
                                     "not an object")
                seen_log = True
            elif prefix == "log.version" and event in ("string", "number"):
                version = str(value)
            elif prefix in ("log.creator.name", "log.creator.version", "log.browser.name",
                            "log.browser.version") and event == "string":
                names[prefix] = str(value)
            elif prefix == "log.entries":
                if event != "start_array":
                    raise UsageError(f"HAR file {shown} is not a HAR: log.entries is {_kind(event)}, "
                                     "not a list")
                break
        else:
            what = "no \"log\" object" if not seen_log else "no log.entries list"
            raise UsageError(f"HAR file {shown} is JSON but not a HAR: it has {what}")
    except ijson.JSONError as exc:
        raise _json_problem(exc, shown) from None
    except UnicodeDecodeError as exc:
        raise _json_problem(exc, shown) from None
    if version is None:
        # Browsers write the version before the entries; a tool may write it after them.
        handle.seek(start)
        try:
            found = next(ijson.items(handle, "log.version", buf_size=READ_BUFFER), None)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_problem(exc, shown) from None
        version = None if found is None else str(found)
    if version is not None and version.strip() != SUPPORTED_VERSION:
        shown_version = version.strip()[:20] or "empty"
        raise UsageError(f"HAR file {shown} is HAR version {shown_version!r}; authdoctor reads HAR "
                         f"{SUPPORTED_VERSION}, which Chrome, Edge, Firefox and Safari export: save "
                         "the recording again from the browser's developer tools")

    def joined(kind: str) -> str:
        return " ".join(v for v in (names.get(f"log.{kind}.name"), names.get(f"log.{kind}.version")) if v)

    return version or SUPPORTED_VERSION, joined("creator"), joined("browser")


def _entries(handle: IO[bytes]) -> Iterator[Any]:
    import ijson

    return iter(ijson.items(handle, "log.entries.item", buf_size=READ_BUFFER))


def _read_entries(handle: IO[bytes], path: str, shown: str, version: str, creator: str,
                  browser: str) -> HarLog:
    import ijson

    kept: list[HarEntry] = []
    secrets: set[str] = set()
    total = 0
    budget = [BODY_BUDGET]
    try:
        for raw in _entries(handle):
            total += 1
            if len(kept) >= MAX_ENTRIES:
                continue
            entry = build_entry(raw, len(kept), budget)
            if entry is None:
                continue
            kept.append(entry)
            if len(secrets) < 100_000:
                secrets.update(entry_secrets(entry))
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _json_problem(exc, shown) from None
    return HarLog(path=path, version=version, creator=creator, browser=browser, entries=tuple(kept),
                  entries_total=total, secrets=frozenset(secrets))


# ----------------------------------------------------------------------------- one entry


def _text(value: object, cap: int | None = None) -> str:
    if isinstance(value, str):
        return value if cap is None else value[:cap]
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return ""


def _int(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, Decimal)):
        try:
            return int(value)
        except (ValueError, OverflowError):
            return 0
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()[:9])
    return 0


#: The headers the evaluation reads (and the secrets in them); the others are not kept, so that
#: thousands of entries stay small.
KEPT_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization", "location",
                          "content-type", "strict-transport-security", "origin", "referer", "refresh",
                          "www-authenticate", "x-api-key", "x-auth-token"})


def _pairs(items: object, cap: int = 8 * 1024, *, headers: bool = False) -> tuple[tuple[str, str], ...]:
    """`[{"name": ..., "value": ...}, ...]` as pairs; anything malformed is left out (and, for
    headers, the ones nothing reads)."""
    if not isinstance(items, list):
        return ()
    pairs = []
    for item in items[:500]:
        if isinstance(item, Mapping):
            name = _text(item.get("name"), 256)
            if name and (not headers or name.lower() in KEPT_HEADERS
                         or name.lower().startswith("sec-fetch-")):
                pairs.append((name, _text(item.get("value"), cap)))
    return tuple(pairs)


def _keep_body(mime: str) -> bool:
    lowered = mime.lower()
    if "javascript" in lowered or "css" in lowered:
        return False
    return any(kind in lowered for kind in _TEXT_MIMES) or not lowered


def build_entry(raw: object, index: int, budget: list[int] | None = None) -> HarEntry | None:
    """One `HarEntry` from a parsed entry object, or None when it has no request URL. `budget`
    (one number in a list) is what all kept bodies may still take together."""
    if not isinstance(raw, Mapping):
        return None
    request = raw.get("request")
    if not isinstance(request, Mapping):
        return None
    url = _text(request.get("url"), 16 * 1024)
    if not url:
        return None
    room = [BODY_BUDGET] if budget is None else budget
    post = request.get("postData")
    post_mime = post_text = ""
    post_params: tuple[tuple[str, str], ...] = ()
    if isinstance(post, Mapping):
        post_mime = _text(post.get("mimeType"), 256)
        full = _text(post.get("text"))
        post_text = full[:min(BODY_CAP, max(room[0], 0))]
        room[0] -= len(post_text)
        post_params = _pairs(post.get("params"))
    response = raw.get("response")
    has_response = isinstance(response, Mapping)
    resp: Mapping[str, Any] = response if isinstance(response, Mapping) else {}
    content = resp.get("content")
    mime = body = ""
    cut = False
    if isinstance(content, Mapping):
        mime = _text(content.get("mimeType"), 256)
        text = content.get("text")
        encoding = _text(content.get("encoding"), 32).lower()
        if isinstance(text, str) and encoding != "base64" and _keep_body(mime) and room[0] > 0:
            body = text[:min(BODY_CAP, room[0])]
            cut = len(body) < len(text)
            room[0] -= len(body)
    initiator = raw.get("_initiator")
    status = _int(resp.get("status"))
    error = _text(raw.get("_error") or resp.get("_error") or resp.get("_transferSize_error"), 200)
    return HarEntry(
        index=index,
        started=_text(raw.get("startedDateTime"), 64),
        method=_text(request.get("method"), 32).upper() or "GET",
        url=url,
        request_headers=_pairs(request.get("headers"), headers=True),
        request_recorded=bool(request.get("headers")) if isinstance(request.get("headers"), list) else False,
        request_cookie_list=_pairs(request.get("cookies")),
        post_mime=post_mime, post_text=post_text, post_params=post_params,
        has_response=has_response and status > 0,
        status=status,
        status_text=_text(resp.get("statusText"), 200),
        response_headers=_pairs(resp.get("headers"), headers=True),
        response_cookie_list=_pairs(resp.get("cookies")),
        redirect_url=_text(resp.get("redirectURL"), 16 * 1024),
        mime=mime, body=body, body_cut=cut, error=error,
        initiator_type=_text(initiator.get("type"), 32) if isinstance(initiator, Mapping) else "",
    )
