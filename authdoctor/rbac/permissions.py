"""The user permissions Open WebUI 0.12.4 knows: each leaf of `DEFAULT_USER_PERMISSIONS`, the
environment variable that sets its default and the app's built-in value when that variable is unset.

Source: `open_webui/config.py` of the open-webui==0.12.4 wheel (`USER_PERMISSIONS_*` read with
`os.getenv(NAME, 'True'|'False').lower() == 'true'`, assembled into `DEFAULT_USER_PERMISSIONS`,
the seed of the config row `user.permissions`). Names and defaults only; no code of the app.

How the defaults reach a request (`utils/access_control/__init__.py`): the stored tree
(`Config.get('user.permissions')`, or the environment's tree when persistent config is off) is
deep-copied and filled from `DEFAULT_USER_PERMISSIONS` for the keys it lacks
(`fill_missing_permissions`), so a `USER_PERMISSIONS_*` variable only matters for keys absent
from the stored tree.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authdoctor.settings.model import EnvSource

#: (dotted name, environment variable, built-in default) in the app's own order.
PERMISSIONS: tuple[tuple[str, str, bool], ...] = (
    ("workspace.models", "USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS", False),
    ("workspace.knowledge", "USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS", False),
    ("workspace.prompts", "USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS", False),
    ("workspace.tools", "USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS", False),
    ("workspace.skills", "USER_PERMISSIONS_WORKSPACE_SKILLS_ACCESS", False),
    ("workspace.models_import", "USER_PERMISSIONS_WORKSPACE_MODELS_IMPORT", False),
    ("workspace.models_export", "USER_PERMISSIONS_WORKSPACE_MODELS_EXPORT", False),
    ("workspace.models_hidden", "USER_PERMISSIONS_WORKSPACE_MODELS_HIDDEN", False),
    ("workspace.prompts_import", "USER_PERMISSIONS_WORKSPACE_PROMPTS_IMPORT", False),
    ("workspace.prompts_export", "USER_PERMISSIONS_WORKSPACE_PROMPTS_EXPORT", False),
    ("workspace.tools_import", "USER_PERMISSIONS_WORKSPACE_TOOLS_IMPORT", False),
    ("workspace.tools_export", "USER_PERMISSIONS_WORKSPACE_TOOLS_EXPORT", False),
    ("workspace.skills_import", "USER_PERMISSIONS_WORKSPACE_SKILLS_IMPORT", False),
    ("workspace.skills_export", "USER_PERMISSIONS_WORKSPACE_SKILLS_EXPORT", False),
    ("sharing.models", "USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_SHARING", False),
    ("sharing.public_models", "USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_PUBLIC_SHARING", False),
    ("sharing.knowledge", "USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_SHARING", False),
    ("sharing.public_knowledge", "USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_PUBLIC_SHARING", False),
    ("sharing.prompts", "USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_SHARING", False),
    ("sharing.public_prompts", "USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_PUBLIC_SHARING", False),
    ("sharing.tools", "USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_SHARING", False),
    ("sharing.public_tools", "USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_PUBLIC_SHARING", False),
    ("sharing.skills", "USER_PERMISSIONS_WORKSPACE_SKILLS_ALLOW_SHARING", False),
    ("sharing.public_skills", "USER_PERMISSIONS_WORKSPACE_SKILLS_ALLOW_PUBLIC_SHARING", False),
    ("sharing.notes", "USER_PERMISSIONS_NOTES_ALLOW_SHARING", False),
    ("sharing.public_notes", "USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING", False),
    ("sharing.folders", "USER_PERMISSIONS_FOLDERS_ALLOW_SHARING", False),
    ("sharing.public_chats", "USER_PERMISSIONS_CHAT_ALLOW_PUBLIC_SHARING", False),
    ("sharing.open_chats", "USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING", False),
    ("sharing.public_calendars", "USER_PERMISSIONS_CALENDAR_ALLOW_PUBLIC_SHARING", False),
    ("access_grants.allow_users", "USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_USERS", True),
    ("access_grants.allow_groups", "USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_GROUPS", True),
    ("chat.controls", "USER_PERMISSIONS_CHAT_CONTROLS", True),
    ("chat.valves", "USER_PERMISSIONS_CHAT_VALVES", True),
    ("chat.system_prompt", "USER_PERMISSIONS_CHAT_SYSTEM_PROMPT", True),
    ("chat.params", "USER_PERMISSIONS_CHAT_PARAMS", True),
    ("chat.file_upload", "USER_PERMISSIONS_CHAT_FILE_UPLOAD", True),
    ("chat.web_upload", "USER_PERMISSIONS_CHAT_WEB_UPLOAD", True),
    ("chat.delete", "USER_PERMISSIONS_CHAT_DELETE", True),
    ("chat.delete_message", "USER_PERMISSIONS_CHAT_DELETE_MESSAGE", True),
    ("chat.continue_response", "USER_PERMISSIONS_CHAT_CONTINUE_RESPONSE", True),
    ("chat.regenerate_response", "USER_PERMISSIONS_CHAT_REGENERATE_RESPONSE", True),
    ("chat.rate_response", "USER_PERMISSIONS_CHAT_RATE_RESPONSE", True),
    ("chat.edit", "USER_PERMISSIONS_CHAT_EDIT", True),
    ("chat.share", "USER_PERMISSIONS_CHAT_SHARE", True),
    ("chat.export", "USER_PERMISSIONS_CHAT_EXPORT", True),
    ("chat.import", "USER_PERMISSIONS_CHAT_IMPORT", True),
    ("chat.stt", "USER_PERMISSIONS_CHAT_STT", True),
    ("chat.tts", "USER_PERMISSIONS_CHAT_TTS", True),
    ("chat.call", "USER_PERMISSIONS_CHAT_CALL", True),
    ("chat.multiple_models", "USER_PERMISSIONS_CHAT_MULTIPLE_MODELS", True),
    ("chat.temporary", "USER_PERMISSIONS_CHAT_TEMPORARY", True),
    ("chat.temporary_enforced", "USER_PERMISSIONS_CHAT_TEMPORARY_ENFORCED", False),
    ("features.api_keys", "USER_PERMISSIONS_FEATURES_API_KEYS", False),
    ("features.notes", "USER_PERMISSIONS_FEATURES_NOTES", True),
    ("features.folders", "USER_PERMISSIONS_FEATURES_FOLDERS", True),
    ("features.channels", "USER_PERMISSIONS_FEATURES_CHANNELS", True),
    ("features.encrypted_channels", "USER_PERMISSIONS_FEATURES_ENCRYPTED_CHANNELS", False),
    ("features.direct_tool_servers", "USER_PERMISSIONS_FEATURES_DIRECT_TOOL_SERVERS", False),
    ("features.web_search", "USER_PERMISSIONS_FEATURES_WEB_SEARCH", True),
    ("features.image_generation", "USER_PERMISSIONS_FEATURES_IMAGE_GENERATION", True),
    ("features.code_interpreter", "USER_PERMISSIONS_FEATURES_CODE_INTERPRETER", True),
    ("features.memories", "USER_PERMISSIONS_FEATURES_MEMORIES", True),
    ("features.automations", "USER_PERMISSIONS_FEATURES_AUTOMATIONS", False),
    ("features.calendar", "USER_PERMISSIONS_FEATURES_CALENDAR", True),
    ("features.webhooks", "USER_PERMISSIONS_FEATURES_USER_WEBHOOKS", False),
    ("settings.interface", "USER_PERMISSIONS_SETTINGS_INTERFACE", True),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(name.split(".", 1)[0] for name, _, _ in PERMISSIONS))
_BY_NAME: dict[str, tuple[str, bool]] = {name: (var, default) for name, var, default in PERMISSIONS}


@dataclass(frozen=True)
class DefaultLeaf:
    """One leaf of the environment's default tree: its value and where that value comes from."""

    name: str
    var: str
    value: bool
    from_env: bool  # the variable is set (else the built-in default applies)


def env_var(name: str) -> str | None:
    """The `USER_PERMISSIONS_*` variable behind `name`, or None for a name the app does not seed."""
    entry = _BY_NAME.get(name)
    return entry[0] if entry else None


def is_known(name: str) -> bool:
    return name in _BY_NAME


def close_names(name: str, limit: int = 4) -> list[str]:
    """Known permission names close to a mistyped one (`workspace.model` -> `workspace.models`,
    a bare leaf `models` -> `workspace.models`, `sharing.models`, ...)."""
    names = list(_BY_NAME)
    found = difflib.get_close_matches(name, names, n=limit, cutoff=0.6)
    leaf = name.rsplit(".", 1)[-1]
    for candidate in names:
        if len(found) >= limit:
            break
        if candidate.rsplit(".", 1)[-1] == leaf and candidate not in found:
            found.append(candidate)
    if not found and name in SECTIONS:
        found = [n for n in names if n.startswith(name + ".")][:limit]
    return found


def env_defaults(env: EnvSource) -> dict[str, DefaultLeaf]:
    """`DEFAULT_USER_PERMISSIONS` as the app builds it from these settings: each leaf is
    `os.getenv(VAR, default).lower() == 'true'`."""
    leaves: dict[str, DefaultLeaf] = {}
    for name, var, default in PERMISSIONS:
        raw = env.get(var)
        value = default if raw is None else raw.lower() == "true"
        leaves[name] = DefaultLeaf(name=name, var=var, value=value, from_env=raw is not None)
    return leaves


def lookup(tree: Mapping[str, Any] | None, name: str) -> tuple[bool, Any]:
    """`get_permission` of `has_permission`: walk the dotted path; (False, None) when a part is
    missing (the app then denies), else (True, the value found)."""
    node: Any = tree if tree is not None else {}
    for key in name.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node
