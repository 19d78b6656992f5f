"""The environment variables Open WebUI reads that matter for authentication.

Source: Open WebUI 0.12.4 backend (`env.py`, `config.py`) as summarised in the project's
reference notes. Extended by the settings-doctor work (issue: settings doctor).
"""

from __future__ import annotations

import re

SOURCE_VERSION = "0.12.4"

KNOWN_VARIABLES: frozenset[str] = frozenset({
    "WEBUI_URL", "WEBUI_SECRET_KEY", "WEBUI_JWT_SECRET_KEY", "WEBUI_SECRET_KEY_FILE", "WEBUI_AUTH",
    "JWT_EXPIRES_IN", "WEBUI_SESSION_COOKIE_SAME_SITE", "WEBUI_SESSION_COOKIE_SECURE",
    "WEBUI_AUTH_COOKIE_SAME_SITE", "WEBUI_AUTH_COOKIE_SECURE", "REDIS_URL", "REDIS_KEY_PREFIX",
})

_SETTING_SHAPE = re.compile(
    r"^(WEBUI_|OAUTH_|OPENID_|ENABLE_|JWT_|LDAP_|REDIS_|WEBSOCKET_|GOOGLE_|MICROSOFT_|GITHUB_|FEISHU_|"
    r"CORS_|DEFAULT_USER_ROLE|SCIM_|USER_PERMISSIONS_|ADMIN_EMAIL|SHOW_ADMIN_DETAILS)"
)


def looks_like_setting(name: str) -> bool:
    """True for names shaped like an Open WebUI/auth setting (known or not)."""
    return name in KNOWN_VARIABLES or bool(_SETTING_SHAPE.match(name))
