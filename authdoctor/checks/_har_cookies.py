"""Every Set-Cookie of a recording judged, then confirmed against the requests that follow (pure).

The judgement is the live cookie checks' own code (`authdoctor.checks._cookie_rules`, shared with
the sign-in probe): `judge_set_cookie` against the URL that set the cookie (the page the browser
was on, which is what the browser judges), at the moment it was set, with the `exp` of the token
inside a `token` cookie. The HAR then says what the rules can only predict (browser-truth.md):
a cookie is stored when a later request to the same host and path carries it, and dropped when
such requests exist and none does. A rule finding is confirmed or not by that; a dropped cookie no
rule explains is `har.cookie-not-sent` (with a Domain that does not cover the host named, which
Chromium rejects as 'InvalidDomain').

One finding per (code, cookie, host): the app re-issues `token` at every `GET /api/v1/auths/`, and
the evidence counts how often it was set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from authdoctor.checks._cookie_rules import APP_COOKIES, SetCookie, judge_set_cookie, parse_set_cookie
from authdoctor.checks._har_flow import CALLBACK_PATH, TOKEN_COOKIE, Flow, request_line, token_facts
from authdoctor.checks._urls import is_loopback_host
from authdoctor.checks.base import finding
from authdoctor.findings import Finding, Severity
from authdoctor.har.model import HarEntry

#: Rules under which the browser refuses to store the cookie (the others only weaken it).
DROP_RULES = frozenset({"cookie.secure-on-http", "cookie.samesite-none-without-secure",
                        "cookie.too-large", "cookie.prefix-violation"})
#: Chromium's reason for each rule (browser-truth.md, reason strings).
CHROMIUM_REASON = {"cookie.secure-on-http": "SecureOnly",
                   "cookie.samesite-none-without-secure": "SameSiteNoneInsecure",
                   "cookie.too-large": "NameValuePairExceedsMaxSize",
                   "cookie.prefix-violation": "InvalidPrefix"}


@dataclass(frozen=True)
class CookieSet:
    """One Set-Cookie line as recorded: the answer that carried it and the parsed cookie."""

    entry: HarEntry
    cookie: SetCookie

    @property
    def host(self) -> str:
        return self.entry.hostname


@dataclass(frozen=True)
class Fate:
    """What later requests say about one Set-Cookie."""

    candidates: tuple[HarEntry, ...]
    """Later requests the browser would have sent it with, had it stored it."""
    sent_with: HarEntry | None
    """The first of them that carried it (same value), if any."""

    @property
    def dropped(self) -> bool:
        return bool(self.candidates) and self.sent_with is None

    @property
    def unknown(self) -> bool:
        return not self.candidates


def cookie_sets(flow: Flow) -> list[CookieSet]:
    found = []
    for entry in flow.entries:
        for raw in entry.set_cookie_headers:
            cookie = parse_set_cookie(raw)
            if cookie is not None and cookie.name:
                found.append(CookieSet(entry, cookie))
    return found


def domain_covers(cookie: SetCookie, set_host: str, host: str) -> bool:
    """Whether a request to `host` gets the cookie (host-only without Domain, RFC 6265bis C6)."""
    domain = (cookie.domain or "").strip().lstrip(".").lower()
    if not domain:
        return host == set_host
    return host == domain or host.endswith("." + domain)


def domain_valid(cookie: SetCookie, set_host: str) -> bool:
    """A Domain attribute must cover the host that sets it, else the cookie is ignored."""
    domain = (cookie.domain or "").strip().lstrip(".").lower()
    return not domain or set_host == domain or set_host.endswith("." + domain)


def _default_path(request_path: str) -> str:
    if not request_path.startswith("/") or request_path.count("/") <= 1:
        return "/"
    return request_path.rsplit("/", 1)[0]


def path_covers(cookie_path: str, request_path: str) -> bool:
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


def fate_of(flow: Flow, item: CookieSet) -> Fate:
    """The later requests that would carry the cookie, up to the next Set-Cookie of the same name
    for the same host (which replaces or deletes it), and whether one did."""
    cookie = item.cookie
    cookie_path = (cookie.path if cookie.path and cookie.path.startswith("/")
                   else _default_path(item.entry.path))
    candidates: list[HarEntry] = []
    for later in flow.after(item.entry):
        host = later.hostname
        # A Domain that does not cover the setting host is refused: judge it as host-only there.
        if not (domain_covers(cookie, item.host, host) if domain_valid(cookie, item.host)
                else host == item.host):
            continue
        # Nothing recorded about what was sent (from cache, not captured; no answer: Chrome keeps
        # only provisional headers for those), another path, a Secure
        # cookie from https on a plain-http request (not sent there by design), or the callback
        # (judged by the round trip: SameSite may rightly keep the cookie off there).
        if (later.request_recorded and later.has_response and path_covers(cookie_path, later.path)
                and not (cookie.secure and item.entry.scheme == "https" and later.scheme != "https"
                         and not is_loopback_host(host))
                and later.index not in flow.callback_chains):
            candidates.append(later)
            if _carries(later, cookie):
                return Fate(tuple(candidates), later)
        replaced = any(c is not None and c.name == cookie.name
                       for c in map(parse_set_cookie, later.set_cookie_headers))
        if replaced:
            break  # later requests carry the replacement (or nothing, after a deletion)
    return Fate(tuple(candidates), None)


def _carries(entry: HarEntry, cookie: SetCookie) -> bool:
    sent = entry.request_cookies.get(cookie.name)
    return sent is not None and sent.strip('"') == cookie.value.strip('"')


def _confirmation(fate: Fate, host: str, code: str) -> tuple[str, bool | None]:
    """The evidence line, and True (dropped, as the rule says), False (stored) or None (unknown)."""
    if fate.sent_with is not None:
        return (f"sent again with {request_line(fate.sent_with)}: this browser stored it", False)
    if fate.dropped:
        reason = CHROMIUM_REASON.get(code)
        why = f" (Chromium: {reason})" if reason else ""
        return (f"never sent again: none of the {len(fate.candidates)} later request(s) to {host} "
                f"carried it, first {request_line(fate.candidates[0])}{why}", True)
    return (f"not confirmed: the recording has no later request to {host} that would carry it", None)


def cookie_findings(flow: Flow) -> tuple[list[Finding], dict[int, Fate]]:
    """Rule findings (confirmed), `har.cookie-not-sent`, and each Set-Cookie's fate by its position
    in `cookie_sets` (the OAuth and session checks reuse them)."""
    sets = cookie_sets(flow)
    grouped: dict[tuple[str, str, str], tuple[Finding, int, CookieSet, Fate]] = {}
    fates: dict[int, Fate] = {}
    for position, item in enumerate(sets):
        cookie = item.cookie
        moment = flow.time_of(item.entry)
        if cookie.is_deletion(moment):
            continue
        exp = token_facts(cookie.value).exp if cookie.name == TOKEN_COOKIE else None
        at_callback = bool(CALLBACK_PATH.match(item.entry.path))
        found = judge_set_cookie(cookie, public_url=item.entry.url, now=moment, token_exp=exp,
                                 expect_httponly=not at_callback, where=request_line(item.entry))
        fate = fate_of(flow, item)
        fates[position] = fate
        explained = False
        for rule in found:
            if rule.code in DROP_RULES:
                explained = True
            key = (rule.code, cookie.name, item.host)
            if key in grouped:
                first, count, first_item, first_fate = grouped[key]
                better = first_fate if first_fate.sent_with is not None or fate.unknown else fate
                grouped[key] = (first, count + 1, first_item, better)
            else:
                grouped[key] = (rule, 1, item, fate)
        if not explained and fate.dropped and (flow.is_app(item.entry) or cookie.name in APP_COOKIES):
            key = ("har.cookie-not-sent", cookie.name, item.host)
            if key not in grouped:
                grouped[key] = (_not_sent(flow, item, fate), 1, item, fate)
            else:
                first, count, first_item, first_fate = grouped[key]
                grouped[key] = (first, count + 1, first_item, first_fate)
    findings = []
    for (code, _name, host), (rule, count, item, fate) in grouped.items():
        judged = _with_fate(rule, code, host, count, fate)
        if not flow.is_app(item.entry):
            judged = _not_the_apps(judged, host)
        findings.append(judged)
    return findings, fates


def _not_the_apps(rule: Finding, host: str) -> Finding:
    """A cookie of another site (the IdP's session or interaction cookie): its rules hold, but it
    is that site's configuration, and a sign-in that came back from the IdP did not depend on it."""
    return replace(rule, severity=Severity.INFO if rule.severity.at_least(Severity.INFO) else rule.severity,
                   title=f"{rule.title} (a cookie of {host}, not of the app)",
                   detail=(f"{rule.detail} This cookie is set by {host} (the identity provider or another "
                           "site), not by Open WebUI: if the sign-in stops at that site, this is a likely "
                           "cause there; fix it in that site's configuration."),
                   evidence={**rule.evidence, "set by": f"{host}, not the app"})


def _with_fate(rule: Finding, code: str, host: str, count: int, fate: Fate) -> Finding:
    evidence = {("set at" if k == "public URL" else k): v for k, v in rule.evidence.items()}
    if count > 1:
        evidence["times set"] = str(count)
    if code in DROP_RULES:
        line, dropped = _confirmation(fate, host, code)
        evidence["in this recording"] = line
        if dropped is False:
            return replace(rule, severity=Severity.INFO, evidence=evidence,
                           title=rule.title + " (this browser still sent it back)")
    return replace(rule, evidence=evidence)


def _not_sent(flow: Flow, item: CookieSet, fate: Fate) -> Finding:
    cookie = item.cookie
    causes = []
    if not domain_valid(cookie, item.host):
        causes.append(f"its Domain={cookie.domain} does not cover {item.host}, so the browser ignores "
                      "it (Chromium 'InvalidDomain')")
    causes.append("the browser's own settings block cookies for this site (site settings, an "
                  "extension, a strict privacy mode)")
    causes.append("a proxy rewrote the Set-Cookie between the app and the browser")
    essential = cookie.name in (TOKEN_COOKIE, "owui-session")
    consequence = {TOKEN_COOKIE: " Without it every cookie-authenticated request fails and users are "
                                 "sent back to the sign-in page.",
                   "owui-session": " It holds the OAuth state, so OAuth sign-in fails."}.get(cookie.name, "")
    line, _ = _confirmation(fate, item.host, "")
    return finding(
        "har.cookie-not-sent",
        f"the {cookie.name} cookie was set but never sent back to {item.host}",
        detail=(f"{request_line(item.entry)} set {cookie.name}, and none of the later requests that "
                f"should carry it did: the browser did not keep it.{consequence} No cookie rule "
                "explains it; likely: " + "; ".join(causes) + "."),
        fix=("Remove the Domain attribute (Open WebUI sets none; a proxy adds it) or make it cover "
             "the host." if not domain_valid(cookie, item.host) else
             "Check the browser's cookie settings for the site and proxy rules that rewrite Set-Cookie."),
        evidence={"Set-Cookie": cookie.shown, "set at": request_line(item.entry), "in this recording": line},
        subject=cookie.name, severity=Severity.ERROR if essential else Severity.WARNING)
