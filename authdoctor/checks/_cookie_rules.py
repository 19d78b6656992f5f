"""One raw `Set-Cookie` header, parsed and judged as a browser will treat it. Pure: no I/O.

Used by the live sign-in probe (the deploy area) and by readers of recorded traffic (a HAR file),
which have the raw headers and the page URL. The public API:

    parse_set_cookie(raw) -> SetCookie | None
        Every attribute kept, in order, with its value as sent (SameSite's raw spelling,
        unknown attributes too), the header's size, and the typed readings (Secure, HttpOnly,
        Max-Age, Expires, Domain, Path). Parsed by the standard library's own Set-Cookie parser
        (`http.cookiejar.parse_ns_headers`, what `urllib`'s cookie jar uses); a header without a
        name-value pair gives None.

    judge_set_cookie(cookie, *, public_url, now, token_exp=None, expect_httponly=True)
        -> list[Finding]
        The browser's verdict against the PUBLIC URL (where users open the app, not the internal
        address authdoctor may have used): `cookie.secure-on-http`,
        `cookie.samesite-none-without-secure`, `cookie.missing-secure-on-https`,
        `cookie.not-httponly`, `cookie.too-large`, `cookie.prefix-violation`,
        `cookie.expiry-mismatch`. A deletion cookie (Max-Age <= 0, or Expires before `now`) is
        not judged: Open WebUI's sign-out clears `token` with `Max-Age=0; Path=/; SameSite=lax`
        and no HttpOnly on purpose (openwebui-live-0.12.4 §3.7).

    judge_against_settings(cookie, settings, *, expected_max_age=None, where="")
        -> list[Finding]
        `cookie.differs-from-config`: the flags the settings ask for (SameSite from
        WEBUI_AUTH_COOKIE_SAME_SITE, falling back to WEBUI_SESSION_COOKIE_SAME_SITE; Secure from
        WEBUI_AUTH_COOKIE_SECURE, falling back to WEBUI_SESSION_COOKIE_SECURE; Max-Age from
        JWT_EXPIRES_IN at sign-in) against the flags that arrived.

The rules and what they rest on (standards.md, browser-truth.md truth table 1, Chromium 156):

- C1: name + value over 4096 octets: the cookie is ignored (4096 stored, 4097 rejected
  `NameValuePairExceedsMaxSize`).
- C3: a `Secure` cookie from a non-secure URL is ignored, except that Chromium (and Firefox)
  treat http://localhost and http://127.0.0.1 as secure and store it there; so only a public
  http URL off loopback is judged (`SecureOnly`).
- C4: `SameSite=None` without `Secure` is rejected on every origin (`SameSiteNoneInsecure`).
- C5: `__Secure-` needs Secure; `__Host-` needs Secure, no Domain and `Path=/`
  (`InvalidPrefix`); user agents match the prefixes case-insensitively.
- C7: a lifetime over 400 days is capped by the browser.
- C8: a cookie without HttpOnly is readable by page scripts; Open WebUI sets `token` HttpOnly
  except at the OAuth callback (the SPA copies it to localStorage), where `expect_httponly=False`.
- Open WebUI gives `token` Max-Age = the token lifetime at sign-in and the remaining lifetime when
  `GET /api/v1/auths/` re-issues it (with Expires), so the cookie ends with the token's `exp`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from authdoctor.checks._urls import trustworthy_http_host
from authdoctor.checks.base import finding
from authdoctor.clock import humanize_delta
from authdoctor.findings import Finding
from authdoctor.masking import mask_url

if TYPE_CHECKING:
    from authdoctor.openwebui.values import CookieSettings

#: What a dropped token cookie does on 0.12.4, as a real Chromium showed it (tests/lab/
#: test_browser_cookies.py): the password sign-in page keeps the token from the answer's body.
TOKEN_DROPPED = ("the browser never stores the token cookie: the password sign-in page still "
                 "signs in (it keeps the token from the answer's body), but OAuth sign-in ends back "
                 "on the sign-in page and images and files the browser loads by URL answer 401")
#: The cookie Open WebUI keeps its session token in.
AUTH_COOKIE = "token"
#: The cookies Open WebUI itself sets (the others come from a proxy or another app on the host).
APP_COOKIES = frozenset({"token", "owui-session", "oui-session", "oauth_session_id", "oauth_id_token"})
MAX_NAME_VALUE = 4096
MAX_AGE_CAP_S = 400 * 86400
#: How far the cookie's end may be from the token's exp before it is a mismatch (the two are
#: computed a moment apart by the app, and `now` comes from another clock).
EXPIRY_TOLERANCE_S = 120
#: Attribute names RFC 6265bis (and Chromium) know; anything else is kept as unknown.
KNOWN_ATTRIBUTES = frozenset({"expires", "max-age", "domain", "path", "secure", "httponly", "samesite",
                              "partitioned", "priority"})


@dataclass(frozen=True)
class SetCookie:
    """One parsed `Set-Cookie` header. `raw` and `value` may hold a session token: show
    `shown` (the value replaced by its length), never `raw`."""

    raw: str
    name: str
    value: str
    attributes: tuple[tuple[str, str | None], ...]
    """Every attribute in order as sent (None: an attribute without '=', such as HttpOnly);
    the stdlib parser lower-cases the names it knows (expires, max-age, domain, path, secure)."""
    expires: float | None = None
    """Expires as Unix seconds (None: absent or unparsable)."""

    def _attr(self, name: str) -> tuple[bool, str | None]:
        found, value = False, None
        for key, val in self.attributes:  # the last one wins, as in browsers
            if key.lower() == name:
                found, value = True, val
        return found, value

    @property
    def secure(self) -> bool:
        return self._attr("secure")[0]

    @property
    def http_only(self) -> bool:
        return self._attr("httponly")[0]

    @property
    def same_site(self) -> str | None:
        """SameSite exactly as sent (None: absent)."""
        found, value = self._attr("samesite")
        return (value or "") if found else None

    @property
    def domain(self) -> str | None:
        found, value = self._attr("domain")
        return (value or "") if found else None

    @property
    def path(self) -> str | None:
        found, value = self._attr("path")
        return (value or "") if found else None

    @property
    def max_age(self) -> int | None:
        """Max-Age in seconds (None: absent or not a number, which browsers ignore)."""
        found, value = self._attr("max-age")
        if not found or value is None:
            return None
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text   # ASCII digits only: '²' is no number
        if not digits or not (digits.isascii() and digits.isdigit()):
            return None
        return int(text)

    @property
    def has_expires(self) -> bool:
        return self._attr("expires")[0]

    @property
    def unknown_attributes(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.attributes if key.lower() not in KNOWN_ATTRIBUTES)

    @property
    def size(self) -> int:
        """Name plus value in octets (the 4096 limit of C1)."""
        # surrogatepass: a HAR (JSON) may carry a lone surrogate escape, which no header holds
        return sum(len(part.encode("utf-8", "surrogatepass")) for part in (self.name, self.value))

    @property
    def raw_size(self) -> int:
        return len(self.raw.encode("utf-8"))

    def is_deletion(self, now: datetime | None = None) -> bool:
        """Max-Age <= 0, or (without Max-Age) an Expires in the past: the cookie is being cleared."""
        age = self.max_age
        if age is not None:
            return age <= 0
        return self.expires is not None and now is not None and self.expires <= now.timestamp()

    @property
    def shown(self) -> str:
        """The header with the value replaced by its length (the value may be a token)."""
        _, sep, rest = self.raw.partition(";")
        value = "<empty>" if self.value in ("", '""') else f"<{len(self.value)} chars>"
        return f"{self.name}={value}" + (f";{rest}" if sep else "")

    def to_dict(self) -> dict[str, Any]:
        """Serialisable and safe: the value is never included, only its length."""
        return {"name": self.name, "value_chars": len(self.value), "shown": self.shown,
                "attributes": [[k, v] for k, v in self.attributes], "secure": self.secure,
                "http_only": self.http_only, "same_site": self.same_site, "max_age": self.max_age,
                "expires": self.expires, "domain": self.domain, "path": self.path,
                "size": self.size, "raw_size": self.raw_size,
                "unknown_attributes": list(self.unknown_attributes)}


def parse_set_cookie(raw: str) -> SetCookie | None:
    """Parse one `Set-Cookie` header value (without the `Set-Cookie:` name). None when it holds
    no cookie at all (empty, or only attributes)."""
    from http.cookiejar import parse_ns_headers  # type: ignore[attr-defined]  # not in typeshed

    text = raw.strip()
    if text.lower().startswith("set-cookie:"):
        text = text[len("set-cookie:"):].strip()
    if not text or text.startswith(";"):
        return None
    parsed = parse_ns_headers([text])
    if not parsed or not parsed[0]:
        return None
    pairs: list[tuple[str, Any]] = parsed[0]
    name, value = pairs[0]
    if value is None:  # `novalue; Secure`: browsers take it as a value with an empty name
        name, value = "", name
    attributes: list[tuple[str, str | None]] = []
    expires: float | None = None
    version_written = "version" in text.lower()
    for key, val in pairs[1:]:
        if key == "version" and not version_written:
            continue  # added by the stdlib parser, not sent
        if key == "expires":
            expires = float(val) if isinstance(val, int | float) else None
            attributes.append((key, _raw_expires(text)))
            continue
        attributes.append((key, val))
    return SetCookie(raw=text, name=name, value=value, attributes=tuple(attributes), expires=expires)


def _raw_expires(text: str) -> str | None:
    for part in text.split(";")[1:]:
        key, sep, val = part.strip().partition("=")
        if key.strip().lower() == "expires":
            return val.strip() if sep else None
    return None


# --------------------------------------------------------------------------- judging


def _public(public_url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(public_url.strip())
        return parts.scheme.lower(), (parts.hostname or "")
    except ValueError:
        return "", ""


def _evidence(cookie: SetCookie, public_url: str, where: str, **more: str) -> dict[str, str]:
    evidence = {"Set-Cookie": cookie.shown, "public URL": mask_url(public_url)}
    if where:
        evidence["answer"] = where
    evidence.update(more)
    return evidence


def judge_set_cookie(cookie: SetCookie, *, public_url: str, now: datetime,
                     token_exp: float | None = None, expect_httponly: bool = True,
                     where: str = "") -> list[Finding]:
    """What a browser at `public_url` does with `cookie` (see the module docstring). `token_exp`
    is the `exp` of the token the cookie carries, when known; `where` names the answer that set
    it (e.g. 'POST /api/v1/auths/signin 200') for the evidence. `expect_httponly=False` for the
    OAuth callback, which sets `token` readable by scripts on purpose."""
    if cookie.is_deletion(now):
        return []
    scheme, host = _public(public_url)
    name = cookie.name or "(no name)"
    findings: list[Finding] = []
    app_cookie = cookie.name in APP_COOKIES
    if cookie.size > MAX_NAME_VALUE:
        findings.append(finding(
            "cookie.too-large",
            f"the {name} cookie is {cookie.size} bytes (name + value): browsers ignore it",
            detail=(f"Browsers drop a cookie whose name and value together exceed {MAX_NAME_VALUE} "
                    "octets, silently and whole (RFC 6265bis, Chromium "
                    "'NameValuePairExceedsMaxSize'), so whatever needs this cookie fails."),
            fix=("Set ENABLE_OAUTH_ID_TOKEN_COOKIE=false for oauth_id_token, or trim the ID token's "
                 "claims at the IdP" if name == "oauth_id_token" else
                 "Make the cookie smaller (what sets it stores too much in it)."),
            evidence=_evidence(cookie, public_url, where, size=f"{cookie.size} bytes",
                               limit=f"{MAX_NAME_VALUE} bytes"),
            subject=name))
    same_site = cookie.same_site
    if same_site is not None and same_site.strip().lower() == "none" and not cookie.secure:
        findings.append(finding(
            "cookie.samesite-none-without-secure",
            f"the {name} cookie arrived SameSite={same_site} without Secure: browsers reject it",
            detail=("Current browsers refuse to store a SameSite=None cookie that lacks Secure, on "
                    "every origin, localhost included (RFC 6265bis C4, Chromium "
                    "'SameSiteNoneInsecure')"
                    + (f": {TOKEN_DROPPED}." if name == AUTH_COOKIE else ".")),
            fix=("Set WEBUI_AUTH_COOKIE_SECURE=true (needs https) or WEBUI_AUTH_COOKIE_SAME_SITE=lax"
                 if name == AUTH_COOKIE else "Add Secure to the cookie, or use SameSite=Lax."),
            evidence=_evidence(cookie, public_url, where), subject=name))
    if scheme == "http" and cookie.secure and host and not trustworthy_http_host(host):
        findings.append(finding(
            "cookie.secure-on-http",
            f"the {name} cookie is Secure but the public URL is http://{host}: the browser drops it",
            detail=("Browsers store Secure cookies only from https:// pages (RFC 6265bis C3, Chromium "
                    "'SecureOnly'); http://localhost and http://127.0.0.1 are the only exceptions."
                    + (f" Sign-in answers 200 but {TOKEN_DROPPED}." if name == AUTH_COOKIE else "")),
            fix=("Serve the app over https (WEBUI_URL=https://...), or set WEBUI_AUTH_COOKIE_SECURE=false "
                 "and WEBUI_SESSION_COOKIE_SECURE=false while it is plain http."),
            evidence=_evidence(cookie, public_url, where), subject=name))
    if scheme == "https" and not cookie.secure and app_cookie:
        findings.append(finding(
            "cookie.missing-secure-on-https",
            f"the public URL is https but the {name} cookie arrived without Secure",
            detail=(f"Without Secure the browser also sends {name} over plain http:// to {host} (a "
                    "typed address, an old link, a downgrade on a hostile network), where anyone on "
                    "the path can copy the session token."),
            fix="Set WEBUI_AUTH_COOKIE_SECURE=true and WEBUI_SESSION_COOKIE_SECURE=true.",
            evidence=_evidence(cookie, public_url, where), subject=name))
    if name == AUTH_COOKIE and expect_httponly and not cookie.http_only:
        findings.append(finding(
            "cookie.not-httponly",
            "the token cookie arrived without HttpOnly: page scripts can read the session token",
            detail=("Open WebUI sets the token cookie HttpOnly at password, LDAP and sign-up sign-in "
                    "(only its OAuth callback leaves it readable, on purpose). Arriving without "
                    "HttpOnly here means something between the app and the browser rewrote the "
                    "Set-Cookie header, and any script injection can steal the session (RFC 6265bis C8)."),
            fix="Remove the proxy rule that rewrites Set-Cookie (proxy_cookie_flags, a CDN cookie rule).",
            evidence=_evidence(cookie, public_url, where), subject=name))
    findings.extend(_prefix_findings(cookie, public_url, where))
    if name == AUTH_COOKIE:
        findings.extend(_expiry_findings(cookie, public_url, now, token_exp, where))
    return findings


def _prefix_findings(cookie: SetCookie, public_url: str, where: str) -> list[Finding]:
    lowered = cookie.name.lower()
    missing: list[str] = []
    if lowered.startswith("__secure-") and not cookie.secure:
        missing.append("Secure")
    elif lowered.startswith("__host-"):
        if not cookie.secure:
            missing.append("Secure")
        if cookie.domain is not None:
            missing.append(f"no Domain (it has Domain={cookie.domain})")
        if cookie.path != "/":
            missing.append("Path=/" + (f" (it has Path={cookie.path})" if cookie.path is not None else ""))
    if not missing:
        return []
    prefix = cookie.name.split("-", 1)[0] + "-"
    return [finding(
        "cookie.prefix-violation",
        f"the {cookie.name} cookie lacks what its {prefix} prefix requires: {', '.join(missing)}",
        detail=("Browsers ignore a __Secure- cookie without Secure, and a __Host- cookie without "
                "Secure, with a Domain, or without Path=/ (RFC 6265bis C5, Chromium 'InvalidPrefix', "
                "matched case-insensitively). Open WebUI's own cookies have no prefix, so this one "
                "comes from a proxy or another app on the host."),
        fix=("Give the cookie what its prefix requires (Secure; for __Host- also Path=/ and no "
             "Domain), or drop the prefix in the proxy rule that names it."),
        evidence=_evidence(cookie, public_url, where, requires=", ".join(missing)),
        subject=cookie.name)]


def cookie_end(cookie: SetCookie, now: datetime) -> float | None:
    """When the browser drops the cookie (Unix seconds; Max-Age wins over Expires), None for a
    session cookie (until the browser closes)."""
    age = cookie.max_age
    if age is not None:
        return now.timestamp() + min(age, MAX_AGE_CAP_S)
    return cookie.expires


def _expiry_findings(cookie: SetCookie, public_url: str, now: datetime, token_exp: float | None,
                     where: str) -> list[Finding]:
    if token_exp is None:
        return []
    from authdoctor.jwt.claims import format_utc

    exp_shown = format_utc(token_exp) or str(token_exp)
    age = cookie.max_age
    end = cookie_end(cookie, now)
    capped = age is not None and age > MAX_AGE_CAP_S
    if end is None:
        why = ("the cookie has no Max-Age or Expires, so it lasts only until the browser closes while "
               f"the token is valid until {exp_shown}: users are signed out at every browser restart")
    elif capped:
        why = (f"Max-Age={age} is over the 400 days browsers allow (RFC 6265bis C7), so the browser "
               f"drops the cookie long before the token's exp {exp_shown}")
    elif abs(end - token_exp) <= EXPIRY_TOLERANCE_S:
        return []
    elif end > token_exp:
        why = (f"the cookie lives {humanize_delta(end - token_exp)} longer than the token (exp "
               f"{exp_shown}): after exp the browser keeps sending an expired token, answered 401 "
               "'401 Unauthorized', until the user signs in again")
    else:
        why = (f"the cookie ends {humanize_delta(token_exp - end)} before the token's exp "
               f"{exp_shown}: users are signed out early")
    lifetime = (f"Max-Age={age}" if age is not None else
                f"Expires={format_utc(cookie.expires) or cookie.expires}" if cookie.expires is not None
                else "none (a session cookie)")
    return [finding(
        "cookie.expiry-mismatch",
        "the token cookie's lifetime and the token's exp disagree",
        detail=(f"Open WebUI gives the token cookie the token's lifetime, so both end together; here "
                f"{why}. A proxy rewrites Max-Age/Expires, or JWT_EXPIRES_IN is beyond what "
                "browsers keep."),
        fix=("Let the app's Set-Cookie through unchanged (no proxy rule rewriting Max-Age/Expires) and "
             "keep JWT_EXPIRES_IN finite and under 400 days (e.g. 4w)."),
        evidence=_evidence(cookie, public_url, where, **{"cookie lifetime": lifetime,
                                                         "token exp": exp_shown}),
        subject=cookie.name)]


def judge_against_settings(cookie: SetCookie, settings: CookieSettings, *,
                           expected_max_age: int | None = None, where: str = "",
                           public_url: str = "") -> list[Finding]:
    """`cookie.differs-from-config` for the auth cookie: SameSite and Secure as the settings ask
    (with env.py's fallbacks, see `CookieSettings`) against what arrived, and at sign-in the
    Max-Age against `expected_max_age` (JWT_EXPIRES_IN in seconds, when the settings give one).
    Other cookies and deletion cookies (always `SameSite=lax` without Secure in 0.12.4) are not
    compared."""
    if cookie.name != AUTH_COOKIE or cookie.is_deletion():
        return []
    rows: dict[str, str] = {}
    arrived = (cookie.same_site or "").strip().lower()
    wanted = settings.auth_same_site.strip().lower()
    if arrived != wanted:
        rows["SameSite"] = (f"arrived {cookie.same_site or '(absent)'}, the settings ask "
                            f"{settings.auth_same_site} ({settings.auth_same_site_var})")
    if cookie.secure != settings.auth_secure:
        rows["Secure"] = (f"arrived {'on' if cookie.secure else 'off'}, the settings ask "
                          f"{'on' if settings.auth_secure else 'off'} ({settings.auth_secure_var})")
    age = cookie.max_age
    if expected_max_age is not None and age is not None and abs(age - expected_max_age) > EXPIRY_TOLERANCE_S:
        rows["Max-Age"] = (f"arrived {age} s ({humanize_delta(age)}), JWT_EXPIRES_IN gives "
                           f"{expected_max_age} s ({humanize_delta(expected_max_age)})")
    if not rows:
        return []
    persistent = (" (JWT_EXPIRES_IN is kept in the database after the first start)"
                  if "Max-Age" in rows else "")
    evidence: dict[str, str] = {"Set-Cookie": cookie.shown, **rows}
    if public_url:
        evidence["public URL"] = mask_url(public_url)
    if where:
        evidence["answer"] = where
    return [finding(
        "cookie.differs-from-config",
        f"the live token cookie differs from the checked settings: {', '.join(rows)}",
        detail=("The settings make Open WebUI 0.12.4 send the token cookie with other flags than the "
                "ones that arrived: a proxy rewrites Set-Cookie, or the running app does not run "
                f"these settings{persistent}. The settings findings about cookies then describe a "
                "configuration that is not the one in use."),
        fix=("Compare the running container's environment with the checked settings (docker inspect / "
             "kubectl describe pod) and remove proxy rules that rewrite Set-Cookie"
             + ("; JWT_EXPIRES_IN is changed in Admin Panel > Settings > General once stored."
                if "Max-Age" in rows else ".")),
        evidence=evidence, subject=AUTH_COOKIE)]


def parse_all(raw_headers: Iterable[str]) -> list[SetCookie]:
    """Every parsable cookie of a response's Set-Cookie headers, in order."""
    return [c for c in (parse_set_cookie(raw) for raw in raw_headers) if c is not None]


__all__ = ["APP_COOKIES", "AUTH_COOKIE", "SetCookie", "cookie_end", "judge_against_settings",
           "judge_set_cookie", "parse_all", "parse_set_cookie"]
