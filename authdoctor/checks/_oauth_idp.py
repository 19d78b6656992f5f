"""OAuth live, at the identity provider: the client presented to the authorize and token endpoints.

(Being built: client credentials with a deliberately invalid code, the redirect URI at the
authorize endpoint, the client authentication method against the provider's metadata.)
"""

from __future__ import annotations

from authdoctor.checks.base import CheckContext
from authdoctor.findings import Finding


async def idp_findings(ctx: CheckContext) -> list[Finding] | None:
    """Findings from presenting each configured client to its IdP; None when nothing was probed
    (none yet)."""
    return None
