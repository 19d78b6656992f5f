"""Transport: HTTPS as the browser meets the public URL (issue 10, probe 6).

Live half only (`check_live`, unless --offline), at the public URL (deploy.yaml `public_url`,
`--public-url`, else `WEBUI_URL`; `app probe URL` without settings: that URL), because that is
what browsers open; `--url` does not move it. It runs for an https public URL only (HSTS, the
http -> https redirect and mixed schemes are about leaving https). GETs only, no credentials,
no redirects followed, through the run's probe session:

- `GET {public}/`: the page users open, for its `Strict-Transport-Security` header and, when it
  redirects, where to.
- `GET http://{host}/` (port 80, the public URL's path kept), only when the public URL uses the
  default https port (with another port there is no standard place for plain http): does plain
  http redirect to https?
- `GET {app}/opensearch.xml` (the deploy area's cached request at `--url`, else the public
  URL): the app's own public URL (`webui.url`, the database copy of WEBUI_URL), which 0.12.4
  sends users to after an OAuth sign-in (`utils/oauth.py` handle_callback:
  `RedirectResponse(webui.url or request.base_url)`).

Failure modes named by `evaluate` (pure: observations in, findings out):

- `transport.hsts-missing`: no `Strict-Transport-Security` on the https page (RFC 6797). Not
  reported for an IP address, for which browsers ignore HSTS (RFC 6797 §8.1.1, §8.3).
- `transport.hsts-invalid`: a header browsers ignore (RFC 6797 §6.1/§8.1: max-age missing or not
  a number, a directive twice); of several headers only the first counts.
- `transport.hsts-short` (info; warning for max-age=0, which turns HSTS off): max-age under 180
  days.
- `transport.http-not-redirected`: http://host/ answers (any status but a redirect), or redirects
  to another http:// URL.
- `transport.mixed-scheme`: the https page redirects to http://, or the app's own public URL is
  http:// while the public URL is https.

The https page not answering at all is the deploy area's finding (`deploy.unreachable`); here it
is a skip of the HSTS step. A plain-http port that refuses or drops the connection is fine (the
site does not serve http): nothing is reported for it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from authdoctor.checks._urls import ParsedURL, URLProblem, parse_absolute
from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask_url

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation

AREA = "transport"
HSTS = "strict-transport-security"
#: Six months: the least the HTTP Observatory accepts.
HSTS_MIN_S = 180 * 24 * 3600
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class TransportObservations:
    """The answers at the public URL. `plain` is None when plain http was not asked (the public
    URL has a non-default port); `app_url` is the app's own public URL from /opensearch.xml
    (None: not served, or empty)."""

    public_url: str
    page: HttpObservation
    plain: HttpObservation | None
    app_url: str | None


def public_target(ctx: CheckContext) -> str | None:
    """The public URL (what browsers open); for `app probe URL` without settings, that URL."""
    deployment = ctx.deployment
    return deployment.effective_public_url or (deployment.app_url if not deployment.replicas else None)


def plain_http_url(public: ParsedURL) -> str | None:
    """`http://host/path/` for a public URL on the default https port, else None."""
    if public.port not in (None, 443):
        return None
    host = f"[{public.host}]" if ":" in public.host else public.host
    return f"http://{host}{public.path.rstrip('/')}/"


async def check_live(ctx: CheckContext) -> list[Finding]:
    import asyncio  # here: the registry imports every check module, --offline runs too

    from authdoctor.checks.deploy import app_base, opensearch_url

    public_url = public_target(ctx)
    if not public_url:
        return [skipped(AREA, "no public URL (give --public-url or WEBUI_URL): HTTPS as users meet "
                              "it was not checked")]
    try:
        public = parse_absolute(public_url)
    except URLProblem:
        return [skipped(AREA, f"the public URL {mask_url(public_url)} is not an absolute URL (the "
                              "config area says why): HTTPS was not checked")]
    if public.scheme != "https":
        return [skipped(AREA, f"the public URL {mask_url(public_url)} is plain http: HSTS, the "
                              "redirect to https and mixed schemes concern https sites only")]
    page_url = f"{public.origin}{public.path.rstrip('/')}/"
    plain_url = plain_http_url(public)
    app = app_base(ctx.deployment) or public_url.rstrip("/")
    probes = ctx.probes
    page, plain, opensearch = await asyncio.gather(
        probes.http_get_async(page_url),
        probes.http_get_async(plain_url) if plain_url else _none(),
        probes.http_get_async(f"{app}/opensearch.xml"))
    app_url = opensearch_url(opensearch) if opensearch is not None else None
    assert page is not None
    return evaluate(TransportObservations(public_url, page, plain, app_url or None))


async def _none() -> None:
    return None


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Hsts:
    """A parsed Strict-Transport-Security value: `problem` is why browsers ignore it (or '')."""

    max_age: int | None
    include_subdomains: bool
    problem: str


def parse_hsts(value: str) -> Hsts:
    """RFC 6797 §6.1 grammar, as a browser reads it (§8.1): only the first of several headers
    (joined by commas) counts; directive names are case-insensitive, values may be quoted."""
    first = value.split(",", 1)[0]
    seen: dict[str, str] = {}
    for directive in (p.strip() for p in first.split(";")):
        if not directive:
            continue
        name, _, raw = directive.partition("=")
        name = name.strip().lower()
        if name in seen:
            return Hsts(None, False, f"the directive {name} appears twice")
        seen[name] = raw.strip().strip('"')
    if "max-age" not in seen:
        return Hsts(None, "includesubdomains" in seen, "there is no max-age directive (it is required)")
    raw_age = seen["max-age"]
    if not (raw_age.isascii() and raw_age.isdigit()):  # delta-seconds = 1*DIGIT (ASCII only)
        return Hsts(None, "includesubdomains" in seen, f"max-age={raw_age!r} is not a number of seconds")
    return Hsts(int(raw_age), "includesubdomains" in seen, "")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _days(seconds: int) -> str:
    if seconds < 86400:
        return f"{seconds} s"
    days = seconds / 86400
    return f"{seconds} s ({days:g} day{'' if days == 1 else 's'})"


def evaluate(observed: TransportObservations) -> list[Finding]:
    """Every finding from the answers at the public URL (see the module docstring)."""
    public = parse_absolute(observed.public_url)
    shown = mask_url(observed.public_url)
    findings: list[Finding] = []
    page = observed.page
    if not page.answered:
        why = page.failure.summary if page.failure is not None else (page.refused or "no answer")
        findings.append(replace(skipped(AREA, f"{shown} did not answer ({why}): its HSTS header was "
                                              "not checked"), partial=True))
    else:
        findings.extend(_hsts_findings(page, public, shown))
        findings.extend(_redirect_findings(page, shown))
    if observed.plain is None:
        findings.append(replace(skipped(
            AREA, f"the public URL uses port {public.port}, so there is no standard plain-http "
                  "address to check for a redirect to https"), partial=True))
    else:
        findings.extend(_plain_findings(observed.plain, shown))
    if observed.app_url and observed.app_url.lower().startswith("http://"):
        findings.append(finding(
            "transport.mixed-scheme",
            f"the app's own public URL is {mask_url(observed.app_url)}, while users reach it at {shown}",
            detail=(f"Open WebUI publishes {mask_url(observed.app_url)} in /opensearch.xml: it is the "
                    "WEBUI_URL the app stored (its database copy wins after the first start). "
                    "0.12.4 sends users to that URL after an OAuth sign-in and builds its links from "
                    "it, so the browser leaves https: cookies marked Secure are not sent there (a "
                    "sign-in loop), and the request goes in clear unless HSTS upgrades it."),
            fix=(f"Set WEBUI_URL={public.origin}{public.path.rstrip('/')} (after the first start: "
                 "Admin Panel > Settings > General > WebUI URL)."),
            evidence={"GET /opensearch.xml": f"<moz:SearchForm>{mask_url(observed.app_url)}",
                      "public URL": shown},
            subject=shown))
    if all(f.severity is Severity.SKIPPED for f in findings):
        # Only notes about steps that could not run: the half skipped if nothing was checked.
        checked = page.answered or (observed.plain is not None and observed.plain.answered)
        if not checked:
            return [replace(f, partial=False) for f in findings]
    return findings


def _hsts_findings(page: HttpObservation, public: ParsedURL, shown: str) -> list[Finding]:
    if _is_ip(public.host):
        return []  # browsers do not keep HSTS for IP addresses (RFC 6797 §8.1.1)
    value = page.headers.get(HSTS)
    evidence = {"GET": mask_url(page.url), "status": f"{page.status} {page.reason}".strip()}
    if page.proxy:
        evidence["proxy"] = page.proxy
    if value is None:
        return [finding(
            "transport.hsts-missing",
            f"{shown} sends no Strict-Transport-Security header",
            detail=("The https page answered without HSTS, so a browser that is sent to http:// "
                    f"(a typed address, an old link, an attacker on the network) asks for {public.host} "
                    "in clear first, and a man in the middle can keep it on http and read the "
                    "password typed at sign-in. Open WebUI does not send the header; the "
                    "TLS-terminating proxy must."),
            fix=("Add it at the proxy, e.g. nginx: add_header Strict-Transport-Security "
                 "\"max-age=31536000; includeSubDomains\" always;"),
            evidence={**evidence, "Strict-Transport-Security": "(none)"}, subject=shown)]
    evidence["Strict-Transport-Security"] = value
    hsts = parse_hsts(value)
    if hsts.problem:
        return [finding(
            "transport.hsts-invalid",
            f"{shown} sends a Strict-Transport-Security header browsers ignore: {hsts.problem}",
            detail=(f"Strict-Transport-Security: {value}. Browsers ignore a header that does not "
                    "follow RFC 6797 §6.1 (max-age required, a number of seconds; each directive "
                    "once), so the site has no HSTS."),
            fix="Send exactly one header: Strict-Transport-Security: max-age=31536000; includeSubDomains",
            evidence=evidence, subject=shown)]
    assert hsts.max_age is not None
    if hsts.max_age == 0:
        return [finding(
            "transport.hsts-short",
            f"{shown} sends Strict-Transport-Security with max-age=0, which turns HSTS off",
            detail=("max-age=0 tells browsers to forget the https-only rule for the host at once "
                    "(RFC 6797 §6.1.1): the site has no HSTS."),
            fix="Set max-age=31536000 (one year).", evidence=evidence, subject=shown,
            severity=Severity.WARNING)]
    if hsts.max_age < HSTS_MIN_S:
        return [finding(
            "transport.hsts-short",
            f"{shown} keeps HSTS for {_days(hsts.max_age)} only",
            detail=(f"max-age={hsts.max_age}: the https-only rule lapses {_days(hsts.max_age)} after "
                    "the last visit, and the next first request goes out in clear again. Six months "
                    "is the least scanners accept; a year is usual."),
            fix="Raise it to max-age=31536000 (one year).", evidence=evidence, subject=shown)]
    return []


def _location(obs: HttpObservation) -> str | None:
    if not obs.answered or obs.status not in REDIRECTS:
        return None
    location = obs.headers.get("location")
    return urljoin(obs.url, location) if location else None


def _redirect_findings(page: HttpObservation, shown: str) -> list[Finding]:
    target = _location(page)
    if target is None or not target.lower().startswith("http://"):
        return []
    return [finding(
        "transport.mixed-scheme",
        f"{shown} redirects to plain http: {mask_url(target)}",
        detail=(f"GET {mask_url(page.url)} answered {page.status} to {mask_url(target)}: the browser "
                "leaves https. Cookies marked Secure are not sent there (a sign-in loop), fetches "
                "from the https page are blocked as mixed content, and the request goes in clear "
                "unless HSTS upgrades it. Usually the proxy does not send X-Forwarded-Proto, so the "
                "app or a redirect rule builds http:// URLs."),
        fix=("Make the proxy send X-Forwarded-Proto: https (and uvicorn trust it: "
             "FORWARDED_ALLOW_IPS), and write its own redirects with https://."),
        evidence={"GET": mask_url(page.url), "status": f"{page.status} {page.reason}".strip(),
                  "redirects to": mask_url(target)},
        subject=shown)]


def _plain_findings(plain: HttpObservation, shown: str) -> list[Finding]:
    if not plain.answered:
        return []  # nothing serves plain http there (refused, dropped, no name): fine
    evidence = {"GET": mask_url(plain.url), "status": f"{plain.status} {plain.reason}".strip()}
    if plain.proxy:
        evidence["proxy"] = plain.proxy
    target = _location(plain)
    if target is not None and target.lower().startswith("https://"):
        return []
    if target is not None:
        evidence["redirects to"] = mask_url(target)
        what = f"redirects to another plain-http URL ({mask_url(target)})"
    else:
        evidence["content type"] = plain.content_type or "(none)"
        what = f"answers {plain.status} instead of redirecting to https"
    return [finding(
        "transport.http-not-redirected",
        f"plain http on the public host {what}",
        detail=(f"GET {mask_url(plain.url)} {what}, while the public URL is {shown}. Users who type "
                "the bare name or follow an old http link stay on http: the password and any "
                "cookie without Secure travel in clear, and the app's https callbacks and Secure "
                "cookies do not work there."),
        fix=("Answer every http:// request with a 301/308 to the same path on https:// (nginx: "
             "return 301 https://$host$request_uri;), and add HSTS."),
        evidence=evidence, subject=shown)]


CHECK = CheckSpec(area=AREA, title="Transport (HTTPS)", settings=None, live=check_live)
