"""OAuth live, at the running app: its own login redirect and the providers `/api/config` offers.

(Being built: `GET {app}/oauth/{provider}/login` without following redirects, the `redirect_uri`
it sends, and `/api/config`'s provider list.)
"""

from __future__ import annotations

from authdoctor.checks.base import CheckContext
from authdoctor.findings import Finding


async def app_findings(ctx: CheckContext) -> list[Finding] | None:
    """Findings from the running app's OAuth routes ; None when nothing was probed
    (none yet)."""
    return None
