"""The one catalog of finding codes: the public contract (see README "Finding codes").

Each area has a module here holding a tuple `ENTRIES` of `CodeInfo`. This package merges them
into `CATALOG`, adds the generic `{area}.ok` / `{area}.skipped` codes every area may emit, and
feeds `authdoctor explain`, the SARIF `rules` array, JUnit names and the docs.
A code, once shipped, never changes name or meaning.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from authdoctor.findings import Severity

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CodeInfo:
    """One catalog entry.

    code         `area.kebab-name`
    severity     the default severity a check proposes
    summary      one line, shown in tables and SARIF shortDescription
    explanation  what fails, why (with the rule or app behaviour it rests on), how it shows
    fix          the generic fix; a finding's own `fix` is more specific
    references   rule ids from standards.md or app facts (e.g. "RFC 6265bis C4", "Open WebUI env.py")
    """

    code: str
    severity: Severity
    summary: str
    explanation: str
    fix: str
    references: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        return self.code.split(".", 1)[0]


AREAS: Mapping[str, str] = {
    "secret": "Secret key",
    "config": "Settings",
    "jwt": "JWT",
    "cookie": "Cookies",
    "oauth": "OAuth clients and redirect URIs",
    "oidc": "OIDC provider",
    "logout": "Logout",
    "ldap": "LDAP",
    "redis": "Redis and token revocation",
    "trusted-header": "Trusted-header sign-in",
    "mcp": "Tool-server OAuth (MCP)",
    "deploy": "Live application",
    "har": "Browser recording (HAR)",
    "transport": "Transport (HTTPS)",
    "db": "The app's database",
    "rbac": "Permissions and access (RBAC)",
    "probe": "How authdoctor probed",
    "internal": "authdoctor itself",
}
#: Areas of findings about authdoctor's own run, not the deployment: no generic .ok/.skipped.
RUN_AREAS = frozenset({"probe", "internal"})


def _generic_entries() -> list[CodeInfo]:
    entries = []
    for area, title in AREAS.items():
        if area in RUN_AREAS:
            continue
        entries.append(CodeInfo(
            code=f"{area}.ok",
            severity=Severity.OK,
            summary=f"{title}: the checks ran and found nothing to report",
            explanation=(f"Every check in the '{area}' area ran against the settings (and, unless "
                         "--offline, the live services) and found no problem."),
            fix="Nothing to do.",
        ))
        entries.append(CodeInfo(
            code=f"{area}.skipped",
            severity=Severity.SKIPPED,
            summary=f"{title}: the checks could not run (the finding says why)",
            explanation=(f"The '{area}' checks did not run: the feature is not configured, --offline "
                         "was given, a setting they need is missing, or its value is not in the input "
                         "(a Kubernetes ConfigMap or Secret that was not given). The finding names "
                         "the reason."),
            fix="Configure what the finding names, or ignore it if the feature is not used.",
        ))
    return entries


def _load() -> dict[str, CodeInfo]:
    from authdoctor.catalog import (
        config_codes,
        cookie_codes,
        db_codes,
        deploy_codes,
        har_codes,
        internal_codes,
        jwt_codes,
        ldap_codes,
        logout_codes,
        mcp_codes,
        oauth_codes,
        oidc_codes,
        probe_codes,
        rbac_codes,
        redis_codes,
        secret_codes,
        transport_codes,
        trusted_header_codes,
    )

    merged: dict[str, CodeInfo] = {}
    modules = (secret_codes, config_codes, jwt_codes, cookie_codes, oauth_codes, oidc_codes,
               logout_codes, ldap_codes, redis_codes, trusted_header_codes, mcp_codes, deploy_codes,
               har_codes, transport_codes, db_codes, rbac_codes, probe_codes, internal_codes)
    for entry in [*_generic_entries(), *(e for m in modules for e in m.ENTRIES)]:
        if entry.code in merged:
            raise RuntimeError(f"duplicate catalog code {entry.code}")
        merged[entry.code] = entry
    return merged


CATALOG: Mapping[str, CodeInfo] = _load()


def lookup(code: str) -> CodeInfo | None:
    return CATALOG.get(code)


def closest(code: str, limit: int = 3) -> list[str]:
    """Known codes closest to a mistyped one (for `explain` and `--ignore`)."""
    candidates = difflib.get_close_matches(code, CATALOG.keys(), n=limit, cutoff=0.5)
    if not candidates:
        # A bare kebab name without the area prefix: match on the part after the dot.
        tails = {c.split(".", 1)[1]: c for c in CATALOG}
        candidates = [tails[t] for t in difflib.get_close_matches(code, tails, n=limit, cutoff=0.5)]
    return candidates
