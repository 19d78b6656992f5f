"""What authdoctor keeps of a HAR 1.2 recording (http://www.softwareishard.com/blog/har-12-spec/):
per entry, the request line, headers, form body, the answer's status, headers, redirect target and
a small text body. Large bodies (scripts, images) are cut at `BODY_CAP`: the diagnosis reads
sign-in answers, error pages and IdP forms, which are small.

A HAR never says whether the browser stored a cookie (browser-truth.md, HAR pitfall): a rejected
`Set-Cookie` is recorded like an accepted one, and only its absence from the `Cookie` header of
later requests shows it. `HarEntry.request_cookies` is therefore read from the `Cookie` request
header (what was actually sent), falling back to `request.cookies`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

#: The most of a response body or a POST body kept per entry (the rest is not needed).
BODY_CAP = 64 * 1024


@dataclass(frozen=True)
class HarEntry:
    """One request and its answer, as recorded (derived facts computed once, `cached_property`).
    `status` is 0 when the browser got no answer
    (`error` then holds Chrome's `_error`, e.g. net::ERR_ABORTED, when recorded)."""

    index: int
    started: str
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...] = ()
    request_recorded: bool = True
    """The request's headers were recorded (only the few the checks read are kept in
    `request_headers`); False for entries from the cache or without captured headers."""
    request_cookie_list: tuple[tuple[str, str], ...] = ()
    """`request.cookies` as recorded (used when the request has no Cookie header)."""
    post_mime: str = ""
    post_text: str = ""
    post_params: tuple[tuple[str, str], ...] = ()
    has_response: bool = True
    status: int = 0
    status_text: str = ""
    response_headers: tuple[tuple[str, str], ...] = ()
    response_cookie_list: tuple[tuple[str, str], ...] = ()
    redirect_url: str = ""
    mime: str = ""
    body: str = ""
    body_cut: bool = False
    error: str = ""
    initiator_type: str = ""

    # ------------------------------------------------------------------ derived facts

    def request_header(self, name: str) -> str | None:
        wanted = name.lower()
        values = [v for n, v in self.request_headers if n.lower() == wanted]
        if not values:
            return None
        return "; ".join(values) if wanted == "cookie" else values[0]

    def response_header(self, name: str) -> str | None:
        wanted = name.lower()
        for n, v in self.response_headers:
            if n.lower() == wanted:
                return v
        return None

    @cached_property
    def request_cookies(self) -> dict[str, str]:
        """The cookies the browser sent with this request (name -> value; the last one wins)."""
        header = self.request_header("cookie")
        if header is None:
            return dict(self.request_cookie_list)
        cookies: dict[str, str] = {}
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                cookies.setdefault(name.strip(), value.strip())
        return cookies

    @cached_property
    def set_cookie_headers(self) -> list[str]:
        """Every raw `Set-Cookie` line of the answer (Chrome may join several with newlines)."""
        lines: list[str] = []
        for name, value in self.response_headers:
            if name.lower() == "set-cookie":
                lines.extend(line for line in value.split("\n") if line.strip())
        if not lines and self.response_cookie_list:
            # Some exporters keep only the parsed list; rebuild name=value (attributes unknown).
            lines = [f"{name}={value}" for name, value in self.response_cookie_list]
        return lines

    @cached_property
    def location(self) -> str:
        """Where a redirect goes (`redirectURL`, else the Location header)."""
        return self.redirect_url or (self.response_header("location") or "")

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and bool(self.location)

    @cached_property
    def scheme(self) -> str:
        return split_url(self.url)[0]

    @cached_property
    def host(self) -> str:
        return split_url(self.url)[1]

    @cached_property
    def origin(self) -> str:
        return origin_of(self.url)

    @cached_property
    def path(self) -> str:
        return split_url(self.url)[2]

    @cached_property
    def hostname(self) -> str:
        """The host without port, lower case ('' when the URL has none)."""
        try:
            return (urlsplit(self.url).hostname or "").lower()
        except ValueError:
            return ""

    @cached_property
    def query(self) -> dict[str, str]:
        try:
            return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))
        except ValueError:
            return {}

    @cached_property
    def form(self) -> dict[str, str]:
        """The POST body's form fields (params, or the urlencoded text)."""
        if self.post_params:
            return dict(self.post_params)
        if "x-www-form-urlencoded" in self.post_mime.lower() and self.post_text:
            try:
                return dict(parse_qsl(self.post_text, keep_blank_values=True))
            except ValueError:
                return {}
        return {}

    @property
    def bearer(self) -> str | None:
        header = self.request_header("authorization") or ""
        scheme, _, value = header.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass(frozen=True)
class HarLog:
    """The recording: who made it and its entries in time order."""

    path: str
    version: str
    creator: str = ""
    browser: str = ""
    entries: tuple[HarEntry, ...] = ()
    entries_total: int = 0
    """How many entries the file holds (more than `entries` when the cap was reached)."""
    secrets: frozenset[str] = field(default_factory=frozenset)
    """Every secret-looking value read (cookie values, tokens, codes, passwords): the report's
    safety net masks them wherever they might appear."""


def split_url(url: str) -> tuple[str, str, str]:
    """(scheme, host[:port as written], path) of a URL; empty strings when it is not one."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower(), parts.path or "/"
    except ValueError:
        return "", "", ""


def origin_of(url: str) -> str:
    """`scheme://host[:port]` without a default port (https://a:443 and https://a are one origin)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if not scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + ("" if port is None or port == default else f":{port}")
