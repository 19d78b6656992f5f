"""One way to make a jwt/oidc finding: severity from the catalog (`authdoctor.catalog`), so
`authdoctor explain CODE` and every report agree on it. (Same rule as
`authdoctor.checks.base.finding`, without importing the settings package on the `jwt decode`
start-up path.)"""

from __future__ import annotations

from authdoctor.findings import Finding


def make_finding(code: str, title: str, *, detail: str = "", fix: str = "",
                 evidence: dict[str, str] | None = None, subject: str = "") -> Finding:
    """A Finding for `code` with the catalog's default severity (an unknown code is a bug)."""
    from authdoctor.catalog import CATALOG

    info = CATALOG.get(code)
    if info is None:
        raise KeyError(f"finding code {code!r} is not in the catalog")
    return Finding(code=code, severity=info.severity, title=title, detail=detail, fix=fix,
                   evidence=evidence or {}, subject=subject)
