"""Catalog entries for the 'transport' area: HTTPS as the browser meets the public URL."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="transport.hsts-missing",
        severity=Severity.WARNING,
        summary="the https site sends no Strict-Transport-Security header",
        explanation=(
            "Without HSTS (RFC 6797) a browser that is sent to http://, by a typed address, an old "
            "link or an attacker on the network, makes that request in clear before any redirect "
            "to https: a man in the middle can keep the user on http (SSL stripping) and read the "
            "password typed at sign-in or a session cookie that lacks Secure. With HSTS the "
            "browser rewrites every http:// request to the host into https:// for max-age "
            "seconds. Open WebUI does not send the header itself; the TLS-terminating proxy must. "
            "Browsers ignore HSTS for IP addresses, so it is only reported for host names."
        ),
        fix="Add the header at the proxy, e.g. nginx: add_header Strict-Transport-Security "
            "\"max-age=31536000; includeSubDomains\" always; (Caddy sends none by default either; "
            "Traefik: headers.stsSeconds=31536000).",
        references=("RFC 6797 §6.1, §8.1", "OWASP HTTP Strict Transport Security Cheat Sheet"),
    ),
    CodeInfo(
        code="transport.hsts-invalid",
        severity=Severity.WARNING,
        summary="the Strict-Transport-Security header is malformed, so browsers ignore it",
        explanation=(
            "RFC 6797 §8.1: a browser ignores a Strict-Transport-Security header that does not "
            "follow the grammar of §6.1: max-age is required and must be a number of seconds, "
            "each directive may appear only once. The header is then as good as missing "
            "(see transport.hsts-missing). When several headers arrive, only the first counts."
        ),
        fix="Send exactly one header: Strict-Transport-Security: max-age=31536000; "
            "includeSubDomains (add preload only when the domain is submitted to the preload list).",
        references=("RFC 6797 §6.1, §8.1",),
    ),
    CodeInfo(
        code="transport.hsts-short",
        severity=Severity.INFO,
        summary="HSTS max-age is short (under 180 days), or 0, which turns HSTS off",
        explanation=(
            "The browser keeps the https-only rule for max-age seconds after the last visit. A "
            "short max-age lapses between visits, so the next first request goes out in clear "
            "again; max-age=0 tells the browser to forget the rule at once (RFC 6797 §6.1.1), "
            "which is reported as a warning. Six months is the least that scanners such as the "
            "HTTP Observatory accept; a year is the usual value."
        ),
        fix="Raise it to max-age=31536000 (one year) once https works everywhere on the host.",
        references=("RFC 6797 §6.1.1", "MDN HTTP Observatory: HSTS"),
    ),
    CodeInfo(
        code="transport.http-not-redirected",
        severity=Severity.WARNING,
        summary="plain http:// on the public host answers instead of redirecting to https://",
        explanation=(
            "The public URL is https, but http://<host>/ (port 80) answers with a page or an error "
            "instead of a redirect to https://, or redirects to another http:// URL. Users who "
            "type the bare name or follow an old link stay on http: their password and the "
            "session cookie (unless it is Secure) travel in clear, and the sign-in may fail "
            "because the app's callbacks and Secure cookies are built for https."
        ),
        fix="Make the proxy answer every http:// request with a 301/308 to the same path on "
            "https:// (nginx: return 301 https://$host$request_uri;), and add HSTS.",
        references=("RFC 6797 §7.2", "OWASP Transport Layer Security Cheat Sheet"),
    ),
    CodeInfo(
        code="transport.mixed-scheme",
        severity=Severity.WARNING,
        summary="the https site sends the browser to an http:// URL (a redirect or the app's own URL)",
        explanation=(
            "The public URL is https, but a redirect it answers points to http://, or the app's "
            "own public URL (WEBUI_URL as the app stores it, published in /opensearch.xml) is "
            "http://. Open WebUI 0.12.4 sends users to that URL at the end of an OAuth sign-in "
            "(handle_callback redirects to webui.url) and builds its links from it, so the "
            "browser leaves https: cookies marked Secure are not sent there (a sign-in loop), "
            "fetches from the https page to http are blocked as mixed content, and what is sent "
            "travels in clear unless HSTS upgrades it."
        ),
        fix="Set WEBUI_URL to the https public URL (Admin Panel > Settings > General after the "
            "first start), make the proxy send X-Forwarded-Proto: https and its redirects https.",
        references=("W3C Mixed Content §4", "Open WebUI 0.12.4 utils/oauth.py handle_callback"),
    ),
)
