"""A real browser in the lab: Debian's Chromium driven by Playwright, with Chromium's own cookie
verdicts read over CDP (the ground truth for the cookie findings).

pytest plugin (loaded by tests/conftest.py) and helpers for tests marked `browser`:

- `lab_browser` (session fixture): ONE Chromium per test session, launched on first use with
  `executable_path=/usr/lib/chromium/chromium` (Playwright's own browser download cannot work
  here: never run `playwright install`) and the recipe's flags (shared/reference/browser-truth.md:
  no sandbox as root, no outbound connection attempts, `--host-resolver-rules` mapping
  `*.example.test` and `*.other.test` to 127.0.0.1, so `http://chat.example.test:PORT` reaches a
  lab server on loopback and keeps its port).
- `lab_browser.case(record_har_path=None)`: a context manager giving a `BrowserCase`: a fresh
  browser context (an empty cookie jar: a cookie left over from another case changes results),
  one page, and a CDP session that collects, for every request of that page:
    - `set_cookies`: each `Set-Cookie` line received and whether Chromium stored it, with the
      reasons from `Network.responseReceivedExtraInfo.blockedCookies[].blockedReasons`
      (`SecureOnly`, `SameSiteNoneInsecure`, `InvalidDomain`, `InvalidPrefix`, ...);
    - `requests`: the cookies sent and the ones held back, with the reasons from
      `Network.requestWillBeSentExtraInfo.associatedCookies[].blockedReasons`
      (`SchemefulSameSiteStrict`, `SchemefulSameSiteLax`, `NotOnPath`, ...);
    - `issues`: the Audits issues (cookie warnings, mixed content, bounce tracking);
    - `jar()`: the raw jar from `Network.getAllCookies` (keeps "SameSite unspecified" apart from an
      explicit Lax, which `context.cookies()` does not).
  With `record_har_path` the context records a HAR 1.2 of everything (written when the case ends).
  Pitfall: a HAR does not say whether a cookie was stored; use the verdicts above for that.

Missing Chromium or Playwright: the test is skipped locally and FAILS when the lab is required
(`AUTHDOCTOR_REQUIRE_LAB=1` / CI), like every real-server test; a skipped `browser` test also
fails a required session (tests/lab/fixtures.py). The terminal summary names the browser version
(Debian's security updates change the browser under the tests without notice), the launch time
and the per-case times.

Playwright's sync API keeps its event loop RUNNING in the main thread while the browser is open
(`asyncio.run()` there fails: "cannot be called from a running event loop"). So the tests that use
the browser run last in the session (this plugin's collection hook), and inside them authdoctor
runs as a subprocess or through `in_thread()` (a fresh thread has no running loop).
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
CHROMIUM = Path("/usr/lib/chromium/chromium")
PLAYWRIGHT_VERSION = "1.65.2"
#: Host names a case may use; every one resolves to 127.0.0.1 inside the browser only.
#: `*.example.test` names are same-site with each other; `*.other.test` is another site.
MAPPED_DOMAINS = ("*.example.test", "*.other.test")
APP_HOST = "chat.example.test"
SAME_SITE_IDP_HOST = "idp.example.test"
CROSS_SITE_IDP_HOST = "idp.other.test"
ARGS = [
    "--no-sandbox",  # root
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",  # no outbound connection attempts
    "--host-resolver-rules=" + ", ".join(f"MAP {d} 127.0.0.1" for d in MAPPED_DOMAINS),
]
NAV_TIMEOUT_MS = 60_000  # the real Open WebUI is slow on a loaded 2-core machine


def missing_binaries() -> list[str]:
    """What is missing for the browser tier (empty when Chromium and Playwright are here)."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian package chromium)")
    try:
        import playwright
        del playwright
    except ImportError:
        missing.append(f"playwright=={PLAYWRIGHT_VERSION} (the test extra)")
    return missing


# ----------------------------------------------------------------------------- verdicts

@dataclass(frozen=True)
class SetCookieVerdict:
    """One Set-Cookie line of one response, and what Chromium did with it."""

    url: str
    name: str
    stored: bool
    reasons: tuple[str, ...]
    line: str = field(repr=False)  # holds the value (a token): never printed


@dataclass(frozen=True)
class RequestCookies:
    """One request of the page (each redirect hop is its own) and the cookies Chromium attached."""

    url: str
    method: str
    sent: tuple[str, ...]
    blocked: dict[str, tuple[str, ...]]  # cookie name -> Chromium's reasons for not sending it


class _Hops:
    """CDP reuses one requestId for every redirect hop: the n-th ExtraInfo event of an id belongs
    to its n-th hop. ExtraInfo events may arrive before the main events, so pair them lazily."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.hops: dict[str, list[tuple[str, str]]] = {}  # requestId -> [(url, method)] per hop

    def add(self, request_id: str, url: str, method: str) -> None:
        if request_id not in self.hops:
            self.order.append(request_id)
        self.hops.setdefault(request_id, []).append((url, method))

    def hop(self, request_id: str, index: int) -> tuple[str, str]:
        hops = self.hops.get(request_id, [])
        return hops[index] if index < len(hops) else ("<unknown>", "?")


def _set_cookie_lines(headers: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, value in headers.items():
        if key.lower() == "set-cookie":
            lines.extend(line for line in str(value).split("\n") if line.strip())
    return lines


def _cookie_name(line: str) -> str:
    return line.split(";", 1)[0].split("=", 1)[0].strip()


class BrowserCase:
    """A fresh context, one page, and Chromium's cookie verdicts for everything it loads."""

    def __init__(self, context: Any, har_path: Path | None) -> None:
        self.context = context
        self.har_path = har_path
        self.page = context.new_page()
        self.page.set_default_timeout(NAV_TIMEOUT_MS)
        self.page.set_default_navigation_timeout(NAV_TIMEOUT_MS)
        self.cdp = context.new_cdp_session(self.page)
        self._hops = _Hops()
        self._responses: dict[str, list[dict[str, Any]]] = {}
        self._requests: dict[str, list[dict[str, Any]]] = {}
        self.issues: list[dict[str, Any]] = []
        self.cdp.on("Network.requestWillBeSent", self._on_request)
        self.cdp.on("Network.responseReceivedExtraInfo",
                    lambda e: self._responses.setdefault(e["requestId"], []).append(e))
        self.cdp.on("Network.requestWillBeSentExtraInfo",
                    lambda e: self._requests.setdefault(e["requestId"], []).append(e))
        self.cdp.on("Audits.issueAdded", lambda e: self.issues.append(e.get("issue", {})))
        self.cdp.send("Network.enable")
        self.cdp.send("Audits.enable")

    def _on_request(self, event: dict[str, Any]) -> None:
        request = event.get("request", {})
        self._hops.add(event["requestId"], request.get("url", ""), request.get("method", ""))

    # --- navigation
    def goto(self, url: str) -> Any:
        """Navigate like a typed URL; returns Playwright's Response of the last hop."""
        return self.page.goto(url, wait_until="load")

    # --- Chromium's verdicts
    @property
    def set_cookies(self) -> list[SetCookieVerdict]:
        """Every Set-Cookie line received, in order, with Chromium's verdict."""
        verdicts: list[SetCookieVerdict] = []
        for request_id in self._responses_order():
            for index, event in enumerate(self._responses.get(request_id, [])):
                url, _ = self._hops.hop(request_id, index)
                blocked: dict[str, tuple[str, ...]] = {}
                for item in event.get("blockedCookies", []):
                    line = item.get("cookieLine", "")
                    blocked[line] = tuple(item.get("blockedReasons", []))
                for line in _set_cookie_lines(event.get("headers", {})):
                    reasons = blocked.get(line, ())
                    verdicts.append(SetCookieVerdict(url=url, name=_cookie_name(line), stored=not reasons,
                                                     reasons=reasons, line=line))
        return verdicts

    @property
    def requests(self) -> list[RequestCookies]:
        """Every request (each redirect hop) with the cookies sent and the ones held back."""
        out: list[RequestCookies] = []
        for request_id in self._requests_order():
            for index, event in enumerate(self._requests.get(request_id, [])):
                url, method = self._hops.hop(request_id, index)
                sent: list[str] = []
                blocked: dict[str, tuple[str, ...]] = {}
                for item in event.get("associatedCookies", []):
                    name = item.get("cookie", {}).get("name", "")
                    reasons = tuple(item.get("blockedReasons", []))
                    if reasons:
                        blocked[name] = reasons
                    else:
                        sent.append(name)
                out.append(RequestCookies(url=url, method=method, sent=tuple(sent), blocked=blocked))
        return out

    def _responses_order(self) -> list[str]:
        return [*self._hops.order, *(r for r in self._responses if r not in self._hops.hops)]

    def _requests_order(self) -> list[str]:
        return [*self._hops.order, *(r for r in self._requests if r not in self._hops.hops)]

    def verdict(self, name: str) -> SetCookieVerdict:
        """The last Set-Cookie of `name` (AssertionError when none arrived)."""
        found = [v for v in self.set_cookies if v.name == name]
        assert found, f"no Set-Cookie for {name!r} arrived; seen: {[v.name for v in self.set_cookies]}"
        return found[-1]

    def requests_to(self, path_fragment: str) -> list[RequestCookies]:
        return [r for r in self.requests if path_fragment in r.url]

    def jar(self) -> list[dict[str, Any]]:
        """The raw cookie jar (`Network.getAllCookies`): `sameSite` absent = unspecified."""
        answer = self.cdp.send("Network.getAllCookies")
        cookies: list[dict[str, Any]] = answer.get("cookies", [])
        return cookies

    def jar_names(self) -> list[str]:
        return sorted(c["name"] for c in self.jar())

    def cookie_issues(self) -> list[dict[str, Any]]:
        """Audits cookie issues: `cookieWarningReasons` / `cookieExclusionReasons` per cookie."""
        return [i.get("details", {}).get("cookieIssueDetails", {}) for i in self.issues
                if i.get("code") == "CookieIssue"]


# ----------------------------------------------------------------------------- the browser

@dataclass
class Timings:
    launch_s: float = 0.0
    cases: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # other costs of the tier (servers started)

    def summary(self) -> str:
        if not self.cases:
            return f"launch {self.launch_s:.2f} s, no case"
        times = [t for _, t in self.cases]
        return (f"launch {self.launch_s:.2f} s; {len(times)} case(s): min {min(times):.2f} s, "
                f"median {statistics.median(times):.2f} s, max {max(times):.2f} s, "
                f"sum {sum(times):.1f} s")


class LabBrowser:
    """One Chromium for the whole session; `case()` gives each test case a fresh context."""

    def __init__(self, *, args: Sequence[str] = ARGS, executable: Path = CHROMIUM) -> None:
        from playwright.sync_api import sync_playwright

        started = time.monotonic()
        self._manager = sync_playwright()
        self.playwright = self._manager.start()
        try:
            self.browser = self.playwright.chromium.launch(executable_path=str(executable), args=list(args))
        except Exception:
            self._manager.__exit__(None, None, None)
            raise
        self.timings = Timings(launch_s=time.monotonic() - started)
        self.version = self.browser.version

    @property
    def description(self) -> str:
        from importlib.metadata import version

        return f"Chromium {self.version} ({CHROMIUM}), Playwright {version('playwright')}"

    @contextlib.contextmanager
    def case(self, label: str = "case", *, record_har_path: Path | None = None,
             ignore_https_errors: bool = True) -> Iterator[BrowserCase]:
        """A fresh context (empty jar) with one page and the CDP verdicts; closed afterwards (the
        HAR, when asked for, is written then). `ignore_https_errors` trusts the lab's throwaway
        certificates (the same results as an SPKI pin, browser-truth.md)."""
        started = time.monotonic()
        options: dict[str, Any] = {"ignore_https_errors": ignore_https_errors}
        if record_har_path is not None:
            record_har_path.parent.mkdir(parents=True, exist_ok=True)
            options["record_har_path"] = str(record_har_path)
        context = self.browser.new_context(**options)
        try:
            yield BrowserCase(context, record_har_path)
        finally:
            context.close()
            self.timings.cases.append((label, time.monotonic() - started))

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self._manager.__exit__(None, None, None)


def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in a fresh thread, for code that calls `asyncio.run()` (the
    in-process CLI, the runner) while the browser's loop runs in this one. Exceptions (SystemExit
    included) are raised here."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="outside-browser-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["value"]
    return result


# ----------------------------------------------------------------------------- pytest plugin

def uses_browser(item: pytest.Item) -> bool:
    marked = item.get_closest_marker("browser") is not None
    return marked or "lab_browser" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """The tests that use the browser run last (in their collected order): once Chromium is open,
    the main thread has a running event loop until the session ends (module docstring)."""
    items[:] = [i for i in items if not uses_browser(i)] + [i for i in items if uses_browser(i)]


_LAUNCHED: list[LabBrowser] = []


@pytest.fixture(scope="session")
def lab_browser() -> Iterator[LabBrowser]:
    """The session's Chromium (launched once, on first use). Skipped locally, failed when the lab
    is required, if Chromium or Playwright is missing (scripts/install-lab-deps)."""
    from .fixtures import need

    need(missing_binaries(), "Chromium + Playwright")
    browser = LabBrowser()
    _LAUNCHED.append(browser)
    try:
        yield browser
    finally:
        browser.close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for browser in _LAUNCHED:
        terminalreporter.section("browser tier")
        terminalreporter.line(browser.description)
        terminalreporter.line(browser.timings.summary())
        for label, seconds in browser.timings.cases:
            terminalreporter.line(f"  {seconds:6.2f} s  {label}")
        for note in browser.timings.notes:
            terminalreporter.line(note)
    _LAUNCHED.clear()

