"""Open WebUI 0.12.4 settings read exactly as the app reads them (pure, no I/O).

Every helper here mirrors a line of the app (file named in each docstring), so a check can say
what the app *will do* with a value rather than what the value looks like: a boolean is true only
for `true` in any case (`yes`, `1`, ` true` are false), a duration is summed over every
`<number><unit>` pair found anywhere in the text, a 44-character encryption key must be a Fernet
key, the auth cookie inherits the session cookie's settings. The OAuth/LDAP/Redis checks may
import these too; the smaller `authdoctor.openwebui.envread` holds the bare `os.getenv` idioms.
"""

from __future__ import annotations

import base64
import binascii
import collections
import math
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

from authdoctor.openwebui.envread import getenv, int_or_none
from authdoctor.settings.model import EnvSource

# --------------------------------------------------------------------------- booleans


def _names(block: str) -> frozenset[str]:
    return frozenset(block.split())


#: Every boolean Open WebUI 0.12.4 reads as `os.getenv(NAME, DEFAULT).lower() == 'true'`, by its
#: default (found with `ast` over the wheel: all 270 booleans use exactly this idiom).
BOOLEANS_DEFAULT_TRUE: frozenset[str] = _names("""
DATABASE_ENABLE_SQLITE_WAL ENABLE_ADMIN_ANALYTICS ENABLE_ADMIN_CHAT_ACCESS ENABLE_ADMIN_EXPORT
ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS ENABLE_API_OUTLET_FILTERS ENABLE_ASYNC_EMBEDDING
ENABLE_AUDIT_LOGS_FILE ENABLE_AUTOMATIONS ENABLE_CALENDAR ENABLE_CODE_EXECUTION
ENABLE_CODE_INTERPRETER ENABLE_COMMUNITY_SHARING ENABLE_COMPRESSION_MIDDLEWARE ENABLE_DB_MIGRATIONS
ENABLE_EASTER_EGGS ENABLE_FOLDERS ENABLE_FOLLOW_UP_GENERATION ENABLE_FUNCTIONS
ENABLE_IMAGE_PROMPT_GENERATION ENABLE_LOGIN_FORM ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER
ENABLE_MEMORIES ENABLE_MEMORY_SYSTEM_CONTEXT ENABLE_MESSAGE_RATING ENABLE_NOTES ENABLE_OAUTH
ENABLE_OAUTH_ID_TOKEN_COOKIE ENABLE_OLLAMA_API ENABLE_ONEDRIVE_BUSINESS ENABLE_ONEDRIVE_PERSONAL
ENABLE_OPENAI_API ENABLE_OPENAI_IMAGE_EDIT_NORMALIZATION ENABLE_ORJSON ENABLE_PASSWORD_AUTH
ENABLE_PASSWORD_CHANGE_FORM ENABLE_PERSISTENT_CONFIG ENABLE_PIP_INSTALL_FRONTMATTER_REQUIREMENTS
ENABLE_PLUGINS ENABLE_PROFILE_IMAGE_URL_FORWARDING ENABLE_PUBLIC_ACTIVE_USERS_COUNT
ENABLE_QDRANT_MULTITENANCY_MODE ENABLE_RETRIEVAL_QUERY_GENERATION ENABLE_SEARCH_QUERY_GENERATION
ENABLE_SIGNUP ENABLE_TAGS_GENERATION ENABLE_TITLE_GENERATION ENABLE_TOOLS ENABLE_TOOL_SERVERS
ENABLE_USER_STATUS ENABLE_VERSION_UPDATE_CHECK ENABLE_VOICE_MODE_PROMPT ENABLE_WEBSOCKET_SUPPORT
ENABLE_WEB_LOADER_SSL_VERIFICATION LDAP_USE_TLS LDAP_VALIDATE_CERT OPENSEARCH_SSL
PGVECTOR_CREATE_EXTENSION RAG_EMBEDDING_MODEL_AUTO_UPDATE RAG_EMBEDDING_MODEL_TRUST_REMOTE_CODE
RAG_RERANKING_MODEL_AUTO_UPDATE RAG_RERANKING_MODEL_TRUST_REMOTE_CODE REQUESTS_VERIFY
SENTENCE_TRANSFORMERS_CROSS_ENCODER_SIGMOID_ACTIVATION_FUNCTION SERPSTACK_HTTPS SHOW_ADMIN_DETAILS
STORAGE_LOCAL_CACHE TOOL_SEARCH_DEFER_BUILTIN_TOOLS USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_GROUPS
USER_PERMISSIONS_ACCESS_GRANTS_ALLOW_USERS USER_PERMISSIONS_CHAT_CALL
USER_PERMISSIONS_CHAT_CONTINUE_RESPONSE USER_PERMISSIONS_CHAT_CONTROLS USER_PERMISSIONS_CHAT_DELETE
USER_PERMISSIONS_CHAT_DELETE_MESSAGE USER_PERMISSIONS_CHAT_EDIT USER_PERMISSIONS_CHAT_EXPORT
USER_PERMISSIONS_CHAT_FILE_UPLOAD USER_PERMISSIONS_CHAT_IMPORT USER_PERMISSIONS_CHAT_MULTIPLE_MODELS
USER_PERMISSIONS_CHAT_PARAMS USER_PERMISSIONS_CHAT_RATE_RESPONSE
USER_PERMISSIONS_CHAT_REGENERATE_RESPONSE USER_PERMISSIONS_CHAT_SHARE USER_PERMISSIONS_CHAT_STT
USER_PERMISSIONS_CHAT_SYSTEM_PROMPT USER_PERMISSIONS_CHAT_TEMPORARY USER_PERMISSIONS_CHAT_TTS
USER_PERMISSIONS_CHAT_VALVES USER_PERMISSIONS_CHAT_WEB_UPLOAD USER_PERMISSIONS_FEATURES_CALENDAR
USER_PERMISSIONS_FEATURES_CHANNELS USER_PERMISSIONS_FEATURES_CODE_INTERPRETER
USER_PERMISSIONS_FEATURES_FOLDERS USER_PERMISSIONS_FEATURES_IMAGE_GENERATION
USER_PERMISSIONS_FEATURES_MEMORIES USER_PERMISSIONS_FEATURES_NOTES
USER_PERMISSIONS_FEATURES_WEB_SEARCH USER_PERMISSIONS_SETTINGS_INTERFACE
UVICORN_WS_PER_MESSAGE_DEFLATE WEBSOCKET_REDIS_ROOM_CHANNELS WEBUI_AUTH WEB_SEARCH_TRUST_ENV
""")
BOOLEANS_DEFAULT_FALSE: frozenset[str] = _names("""
AIOHTTP_CLIENT_ALLOW_REDIRECTS AIOHTTP_CLIENT_ASYNC_DNS_RESOLVER AUDIO_REALTIME_ENABLED
AUDIO_STT_MISTRAL_USE_CHAT_COMPLETIONS BYPASS_EMBEDDING_AND_RETRIEVAL BYPASS_MODEL_ACCESS_CONTROL
BYPASS_PYDUB_PREPROCESSING BYPASS_RETRIEVAL_ACCESS_CONTROL BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL
BYPASS_WEB_SEARCH_WEB_LOADER CHROMA_HTTP_SSL DATABASE_ENABLE_IAM_TOKEN_AUTH
DATABASE_ENABLE_SESSION_SHARING DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION DATALAB_MARKER_FORCE_OCR
DATALAB_MARKER_FORMAT_LINES DATALAB_MARKER_PAGINATE DATALAB_MARKER_SKIP_CACHE
DATALAB_MARKER_STRIP_EXISTING_OCR DATALAB_MARKER_USE_LLM DOCKER ENABLE_API_KEYS ENABLE_APPS
ENABLE_AUDIT_GET_REQUESTS ENABLE_AUDIT_STDOUT ENABLE_AUTOCOMPLETE_GENERATION
ENABLE_BASE_MODELS_CACHE ENABLE_CHANNELS ENABLE_CHAT_RESPONSE_BASE64_IMAGE_URL_CONVERSION
ENABLE_CHAT_RESPONSE_STREAM_INPLACE_APPEND ENABLE_CONTEXT_COMPACTION ENABLE_CUSTOM_MODEL_FALLBACK
ENABLE_DIRECT_CONNECTIONS ENABLE_DIRECT_INTEGRATIONS ENABLE_ENCRYPTED_CHANNELS
ENABLE_EVALUATION_ARENA_MODELS ENABLE_FORWARD_USER_INFO_HEADERS ENABLE_GOOGLE_DRIVE_INTEGRATION
ENABLE_IMAGE_CONTENT_TYPE_EXTENSION_FALLBACK ENABLE_IMAGE_EDIT ENABLE_IMAGE_GENERATION
ENABLE_INITIAL_ADMIN_SIGNUP ENABLE_KB_EXEC ENABLE_KNOWLEDGE_FILE_RETENTION ENABLE_LDAP
ENABLE_LDAP_GROUP_CREATION ENABLE_LDAP_GROUP_MANAGEMENT ENABLE_MEMORY_BACKGROUND_REVIEW ENABLE_MFA
ENABLE_MILVUS_MULTITENANCY_MODE ENABLE_OAUTH_BACKCHANNEL_LOGOUT ENABLE_OAUTH_EMAIL_FALLBACK
ENABLE_OAUTH_GROUP_CREATION ENABLE_OAUTH_GROUP_MANAGEMENT ENABLE_OAUTH_PERSISTENT_CONFIG
ENABLE_OAUTH_ROLE_MANAGEMENT ENABLE_OAUTH_SIGNUP ENABLE_OAUTH_TOKEN_EXCHANGE
ENABLE_ONEDRIVE_INTEGRATION ENABLE_OPENAI_API_PASSTHROUGH ENABLE_OTEL ENABLE_OTEL_LOGS
ENABLE_OTEL_METRICS ENABLE_OTEL_TRACES ENABLE_PASSWORD_VALIDATION ENABLE_PYODIDE_FILE_PERSISTENCE
ENABLE_QUERIES_CACHE ENABLE_RAG_CSV_SUMMARY ENABLE_RAG_HYBRID_SEARCH
ENABLE_RAG_HYBRID_SEARCH_ENRICHED_TEXTS ENABLE_REALTIME_CHAT_SAVE ENABLE_RESPONSES_API_STATEFUL
ENABLE_RETRIEVAL_UNSCOPED_COLLECTIONS ENABLE_SIGNUP_PASSWORD_CONFIRMATION ENABLE_SKILL_LAZY_LOADING
ENABLE_STAR_SESSIONS_MIDDLEWARE ENABLE_SUBAGENTS ENABLE_TOOL_PERMISSIONS ENABLE_TOOL_SEARCH
ENABLE_USER_WEBHOOKS ENABLE_VALVE_ENCRYPTION ENABLE_WEB_SEARCH ENABLE_WEB_SEARCH_CONFIRMATION
FROM_INIT_PY LOGURU_DIAGNOSE MFA_ALLOW_OAUTH_BYPASS MFA_ALLOW_TRUSTED_HEADER_BYPASS
MISTRAL_OCR_USE_BASE64 OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID OAUTH_AUTO_REDIRECT
OAUTH_MERGE_ACCOUNTS_BY_EMAIL OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE OAUTH_UPDATE_EMAIL_ON_LOGIN
OAUTH_UPDATE_NAME_ON_LOGIN OAUTH_UPDATE_PICTURE_ON_LOGIN OFFLINE_MODE OPENSEARCH_CERT_VERIFY
ORACLE_DB_USE_WALLET OTEL_EXPORTER_OTLP_INSECURE PDF_EXTRACT_IMAGES PGVECTOR_PGCRYPTO
PGVECTOR_USE_HALFVEC QDRANT_ON_DISK QDRANT_PREFER_GRPC RAG_FULL_CONTEXT RAG_SYSTEM_CONTEXT
REDIS_CLUSTER REDIS_SOCKET_KEEPALIVE RESET_CONFIG_ON_START S3_ENABLE_TAGGING
S3_USE_ACCELERATE_ENDPOINT SAFE_MODE SUBAGENTS_BACKGROUND_ENABLED
USER_PERMISSIONS_CALENDAR_ALLOW_PUBLIC_SHARING USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING
USER_PERMISSIONS_CHAT_ALLOW_PUBLIC_SHARING USER_PERMISSIONS_CHAT_TEMPORARY_ENFORCED
USER_PERMISSIONS_FEATURES_API_KEYS USER_PERMISSIONS_FEATURES_AUTOMATIONS
USER_PERMISSIONS_FEATURES_DIRECT_TOOL_SERVERS USER_PERMISSIONS_FEATURES_ENCRYPTED_CHANNELS
USER_PERMISSIONS_FEATURES_USER_WEBHOOKS USER_PERMISSIONS_FOLDERS_ALLOW_SHARING
USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING USER_PERMISSIONS_NOTES_ALLOW_SHARING
USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS
USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_PUBLIC_SHARING
USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_SHARING USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS
USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_PUBLIC_SHARING
USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_SHARING USER_PERMISSIONS_WORKSPACE_MODELS_EXPORT
USER_PERMISSIONS_WORKSPACE_MODELS_HIDDEN USER_PERMISSIONS_WORKSPACE_MODELS_IMPORT
USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_PUBLIC_SHARING
USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_SHARING USER_PERMISSIONS_WORKSPACE_PROMPTS_EXPORT
USER_PERMISSIONS_WORKSPACE_PROMPTS_IMPORT USER_PERMISSIONS_WORKSPACE_SKILLS_ACCESS
USER_PERMISSIONS_WORKSPACE_SKILLS_ALLOW_PUBLIC_SHARING
USER_PERMISSIONS_WORKSPACE_SKILLS_ALLOW_SHARING USER_PERMISSIONS_WORKSPACE_SKILLS_EXPORT
USER_PERMISSIONS_WORKSPACE_SKILLS_IMPORT USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS
USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_PUBLIC_SHARING USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_SHARING
USER_PERMISSIONS_WORKSPACE_TOOLS_EXPORT USER_PERMISSIONS_WORKSPACE_TOOLS_IMPORT USE_SLIM_DOCKER
WEAVIATE_GRPC_SECURE WEAVIATE_HTTP_SECURE WEAVIATE_SKIP_INIT_CHECKS WEBSOCKET_SERVER_LOGGING
WEBUI_SESSION_COOKIE_SECURE WHISPER_MODEL_AUTO_UPDATE WHISPER_MULTILINGUAL WHISPER_VAD_FILTER
""")
#: Booleans whose default is another variable's raw value (`os.getenv(A, os.getenv(B, d))`).
BOOLEAN_FALLBACKS: dict[str, str] = {
    "WEBUI_AUTH_COOKIE_SECURE": "WEBUI_SESSION_COOKIE_SECURE",
    "ENABLE_SCIM": "SCIM_ENABLED",
    "BYPASS_ADMIN_ACCESS_CONTROL": "ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS",
    "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS": "ENABLE_API_KEY_ENDPOINT_RESTRICTIONS",
    "ENABLE_LOCAL_WEB_FETCH": "ENABLE_RAG_LOCAL_WEB_FETCH",
    "WEBSOCKET_REDIS_CLUSTER": "REDIS_CLUSTER",
    "WEBSOCKET_SERVER_ENGINEIO_LOGGING": "WEBSOCKET_SERVER_LOGGING",
    "OTEL_LOGS_EXPORTER_OTLP_INSECURE": "OTEL_EXPORTER_OTLP_INSECURE",
    "OTEL_METRICS_EXPORTER_OTLP_INSECURE": "OTEL_EXPORTER_OTLP_INSECURE",
}
BOOLEAN_VARIABLES: frozenset[str] = (BOOLEANS_DEFAULT_TRUE | BOOLEANS_DEFAULT_FALSE
                                     | frozenset(BOOLEAN_FALLBACKS))

#: Words people use for "on" that the app reads as false.
_ON_WORDS = frozenset({"1", "yes", "y", "on", "t", "enable", "enabled", "active"})
#: Words for "off": read as false, which is what was meant.
_OFF_WORDS = frozenset({"false", "0", "no", "n", "off", "f", "disable", "disabled", "none"})


def bool_default(name: str, env: EnvSource | None = None) -> str:
    """The default string the app passes to `os.getenv` for this boolean."""
    if name in BOOLEAN_FALLBACKS:
        other = BOOLEAN_FALLBACKS[name]
        fallback = bool_default(other, env)
        return fallback if env is None else getenv(env, other, fallback)
    return "True" if name in BOOLEANS_DEFAULT_TRUE else "False"


@dataclass(frozen=True)
class BoolReading:
    """One boolean as the app reads it.

    raw       the value as set (None when unset)
    value     what the app reads
    intended  what the operator most likely meant (None when the text is not a boolean word)
    problem   why the app's reading may not be what was meant, or None
    """

    name: str
    raw: str | None
    value: bool
    intended: bool | None
    problem: str | None


def read_bool(env: EnvSource, name: str, default: str | None = None) -> BoolReading:
    """`os.getenv(name, default).lower() == 'true'` (env.py/config.py), with a diagnosis of
    values that do not mean what they seem to."""
    if default is None:
        default = bool_default(name, env)
    raw = env.get(name)
    value = getenv(env, name, default).lower() == "true"
    if raw is None or value:
        return BoolReading(name, raw, value, value, None)
    word = raw.strip().lower()
    default_on = default.lower() == "true"
    if word == "true":
        return BoolReading(name, raw, False, True,
                           "it has stray whitespace around 'true'; the app compares the whole "
                           "value with 'true', so it reads false")
    if word in _ON_WORDS:
        return BoolReading(name, raw, False, True,
                           f"{raw.strip()!r} means 'on', but the app only accepts 'true' (any case) "
                           "and reads everything else as false")
    if word == "":
        if default_on:
            return BoolReading(name, raw, False, None,
                               "it is set but empty; the app reads an empty value as false, "
                               "although the default (when unset) is true")
        return BoolReading(name, raw, False, False, None)
    if word in _OFF_WORDS:
        return BoolReading(name, raw, False, False, None)
    return BoolReading(name, raw, False, None,
                       f"{raw!r} is not a boolean; the app reads it as false")


# --------------------------------------------------------------------------- numbers

@dataclass(frozen=True)
class IntSetting:
    """An integer the app converts with `int()` at import time, outside any try: a value `int()`
    refuses stops the app before it serves a request."""

    name: str
    default: str
    empty_means_default: bool = False
    none_words: tuple[str, ...] = ()


#: Auth-related integers read unprotected at import (env.py 0.12.4).
STARTUP_INTS: dict[str, IntSetting] = {
    s.name: s for s in (
        IntSetting("OAUTH_MAX_SESSIONS_PER_USER", "10"),
        IntSetting("OAUTH_TOKEN_EXCHANGE_RATE_LIMIT_WINDOW", "180"),
        # (os.getenv(...) or '').strip(); '' and 'none' mean no limit, anything else int().
        IntSetting("OAUTH_TOKEN_EXCHANGE_RATE_LIMIT", "", empty_means_default=True, none_words=("none",)),
    )
}


def int_problem(env: EnvSource, setting: IntSetting) -> str | None:
    """Why the app's `int()` of this variable raises at import, or None."""
    raw = env.get(setting.name)
    if raw is None:
        return None
    text = raw
    if setting.none_words:
        text = raw.strip()
        if text == "" or text.lower() in setting.none_words:
            return None
    if setting.empty_means_default and text == "":
        return None
    if int_or_none(text) is None:
        return f"{raw!r} is not a whole number, and int() raises ValueError while the app starts"
    return None


# --------------------------------------------------------------------------- durations

DURATION_PATTERN = re.compile(r"(-?\d+(\.\d+)?)(ms|s|m|h|d|w)")
ADMIN_DURATION_PATTERN = re.compile(r"^(-1|0|(-?\d+(\.\d+)?)(ms|s|m|h|d|w))$")
_UNIT = {"ms": timedelta(milliseconds=1), "s": timedelta(seconds=1), "m": timedelta(minutes=1),
         "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_UNIT_KW = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days",
            "w": "weeks"}


def parse_duration(duration: str) -> timedelta | None:
    r"""`utils/misc.parse_duration` of Open WebUI 0.12.4, exactly: `'-1'` and `'0'` give None (no
    expiry); otherwise the sum of every `(-?\d+(\.\d+)?)(ms|s|m|h|d|w)` match found anywhere in
    the text (the pattern is not anchored); no match raises `ValueError('Invalid duration
    string')`. An amount beyond `timedelta`'s range raises OverflowError, as in the app."""
    if duration in ("-1", "0"):
        return None
    matches = DURATION_PATTERN.findall(duration)
    if not matches:
        raise ValueError("Invalid duration string")
    total = timedelta()
    for number, _, unit in matches:
        total += timedelta(**{_UNIT_KW[unit]: float(number)})
    return total


@dataclass(frozen=True)
class DurationReading:
    """`JWT_EXPIRES_IN`-style value as the app reads it.

    delta       the parsed lifetime (None: no expiry, or unparsable/overflowing; see `error`)
    error       'invalid' (ValueError), 'overflow' (OverflowError), or None
    ignored     the parts of the text the unanchored pattern skipped (e.g. 'onth' in '1month')
    pieces      the matched `<number><unit>` pairs, in order
    """

    raw: str
    delta: timedelta | None
    error: str | None
    ignored: str
    pieces: tuple[str, ...]

    @property
    def no_expiry(self) -> bool:
        """True when the app issues tokens without `exp`: `-1`, `0`, or a sum of exactly zero
        (`create_token` only adds `exp` when the timedelta is truthy)."""
        return self.error is None and (self.delta is None or self.delta == timedelta(0))

    @property
    def negative(self) -> bool:
        return self.error is None and self.delta is not None and self.delta < timedelta(0)

    @property
    def admin_ui_accepts(self) -> bool:
        """Whether the Admin UI/API would accept this value (anchored single-unit pattern; a
        refused value is dropped silently there)."""
        return bool(ADMIN_DURATION_PATTERN.match(self.raw))


def read_duration(raw: str) -> DurationReading:
    matches = list(DURATION_PATTERN.finditer(raw))
    pieces = tuple(m.group(0) for m in matches)
    ignored_parts: list[str] = []
    position = 0
    for m in matches:
        ignored_parts.append(raw[position:m.start()])
        position = m.end()
    ignored_parts.append(raw[position:])
    ignored = "".join(ignored_parts)
    if raw in ("-1", "0"):
        return DurationReading(raw, None, None, "", ())
    try:
        delta = parse_duration(raw)
    except ValueError:
        return DurationReading(raw, None, "invalid", ignored, pieces)
    except OverflowError:
        return DurationReading(raw, None, "overflow", ignored, pieces)
    return DurationReading(raw, delta, None, ignored, pieces)


def humanize(delta: timedelta) -> str:
    """'4 weeks', '90 minutes', '1.5 hours', '500 ms' (for messages)."""
    seconds = delta.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    for size, unit in ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size:
            amount = seconds / size
            if not math.isclose(amount, round(amount), abs_tol=1e-9) and size > 1:
                continue
            amount_text = f"{round(amount):,}" if math.isclose(amount, round(amount)) else f"{amount:g}"
            return f"{sign}{amount_text} {unit}{'' if amount_text == '1' else 's'}"
    if seconds == 0:
        return "0 seconds"
    if seconds < 1:
        return f"{sign}{seconds * 1000:g} ms"
    return f"{sign}{seconds:g} seconds"


# --------------------------------------------------------------------------- secret key

SECRET_VAR = "WEBUI_SECRET_KEY"
LEGACY_SECRET_VAR = "WEBUI_JWT_SECRET_KEY"
SECRET_FILE_VAR = "WEBUI_SECRET_KEY_FILE"
#: Where start.sh writes the generated key (it runs with cwd /app/backend in the image).
DOCKER_KEY_DIR = "/app/backend"
DOCKER_KEY_FILE = "/app/backend/.webui_secret_key"
#: The data directory the upstream instructions mount as a volume.
DOCKER_DATA_DIR = "/app/backend/data"

#: Secrets that are published defaults or placeholders (compared after strip, case-insensitive).
#: `t0p-s3cr3t` was the hard-coded fallback up to v0.10.
KNOWN_DEFAULT_SECRETS: frozenset[str] = frozenset({
    "t0p-s3cr3t", "secret", "changeme", "change-me", "change_me", "changeit", "password",
    "your-secret-key", "your_secret_key", "yoursecretkey", "your-secret-key-here",
    "your_secret_key_here", "secret-key", "secret_key", "secretkey", "mysecret", "my-secret",
    "my-secret-key", "supersecret", "super-secret", "supersecretkey", "super-secret-key",
    "please-change-me", "replace-me", "replaceme", "xxx", "todo", "test", "testsecret",
    "webui-secret-key", "open-webui", "openwebui", "default", "key", "jwt-secret", "jwtsecret",
    "12345678", "123456", "1234567890", "admin", "letmein", "generate-a-random-key",
    "your-webui-secret-key", "your_webui_secret_key", "<your-secret-key>", "random-secret",
})


@dataclass(frozen=True)
class SecretKey:
    """How env.py resolves the signing key: `os.getenv('WEBUI_SECRET_KEY',
    os.getenv('WEBUI_JWT_SECRET_KEY', ''))`. A set-but-empty WEBUI_SECRET_KEY does NOT fall back
    to the legacy name (getenv returns '' since the variable exists)."""

    value: str
    """What env.py reads when started straight from these settings ('' = none)."""
    source: str | None
    """The variable it comes from (None when empty)."""
    primary_set: bool
    legacy_set: bool

    @property
    def start_script_generates(self) -> bool:
        """start.sh generates (or reads) a key file when both names are empty or unset
        (`test "$WEBUI_SECRET_KEY $WEBUI_JWT_SECRET_KEY" = " "`)."""
        return not self.primary_set and not self.legacy_set


def secret_key(env: EnvSource) -> SecretKey:
    primary = env.get(SECRET_VAR)
    legacy = env.get(LEGACY_SECRET_VAR)
    value = primary if primary is not None else (legacy if legacy is not None else "")
    source = None
    if value:
        source = SECRET_VAR if primary is not None else LEGACY_SECRET_VAR
    return SecretKey(value=value, source=source, primary_set=bool(primary), legacy_set=bool(legacy))


def secret_bytes(value: str) -> int:
    """The HMAC key length in bytes (PyJWT encodes the str as UTF-8). Bytes that are not UTF-8
    (from the process environment, kept as surrogate escapes) count as themselves."""
    return len(value.encode("utf-8", "surrogateescape"))


SHANNON_SAMPLE = 64 * 1024


def shannon_bits(value: str) -> float:
    """Shannon entropy of the string's characters times its length: an upper bound on how much
    randomness a key can hold (a repeated or dictionary-like key scores low). Only the first
    64 KiB are counted: the question is whether a key reaches ~100 bits, which any real key
    settles in far fewer characters, and a pasted 4 MB value must not cost seconds."""
    value = value[:SHANNON_SAMPLE]
    if not value:
        return 0.0
    counts = collections.Counter(value)
    length = len(value)
    per_char = -sum(c / length * math.log2(c / length) for c in counts.values())
    return per_char * length


def is_known_default_secret(value: str) -> bool:
    return value.strip().lower() in KNOWN_DEFAULT_SECRETS


def key_file_path(env: EnvSource) -> str:
    """Where start.sh keeps a generated key: WEBUI_SECRET_KEY_FILE (relative to /app/backend),
    else /app/backend/.webui_secret_key."""
    configured = env.get(SECRET_FILE_VAR) or ""
    if not configured:
        return DOCKER_KEY_FILE
    if configured.startswith("/"):
        return configured
    return f"{DOCKER_KEY_DIR}/{configured.removeprefix('./')}"


def path_under(path: str, directory: str) -> bool:
    """True when `path` is `directory` or inside it (POSIX container paths)."""
    directory = directory.rstrip("/") or "/"
    path = path.rstrip("/")
    return path == directory or path.startswith(directory if directory == "/" else directory + "/")


# --------------------------------------------------------------------------- Fernet keys

ENCRYPTION_KEY_VARS: tuple[str, ...] = ("OAUTH_SESSION_TOKEN_ENCRYPTION_KEY",
                                        "OAUTH_CLIENT_INFO_ENCRYPTION_KEY")
FERNET_KEY_LENGTH = 44


def fernet_key_problem(key: str) -> str | None:
    """Why `cryptography.fernet.Fernet(key.encode())` raises, or None: the key must decode with
    `base64.urlsafe_b64decode` (non-alphabet characters are skipped, padding must be right) to
    exactly 32 bytes (the same two steps as cryptography's Fernet.__init__)."""
    try:
        raw = base64.urlsafe_b64decode(key.encode("utf-8"))
    except (binascii.Error, ValueError):
        return "it is not valid base64 (wrong padding or length)"
    if len(raw) != 32:
        return f"it decodes to {len(raw)} bytes, not the 32 a Fernet key needs"
    return None


def used_as_fernet_key(key: str) -> bool:
    """The app uses a key as-is only when `len(key) == 44` (str length, i.e. characters);
    any other length is hashed with SHA-256 into a valid key (models/oauth_sessions.py,
    utils/oauth.py, utils/valves.py)."""
    return len(key) == FERNET_KEY_LENGTH


@dataclass(frozen=True)
class EncryptionKey:
    name: str
    value: str
    inherited: bool
    """True when the variable is unset and the app uses WEBUI_SECRET_KEY (env.py default)."""


def encryption_key(env: EnvSource, name: str) -> EncryptionKey:
    """`os.getenv(name, WEBUI_SECRET_KEY)`."""
    raw = env.get(name)
    if raw is None:
        return EncryptionKey(name, secret_key(env).value, True)
    return EncryptionKey(name, raw, False)


# --------------------------------------------------------------------------- cookies

SAMESITE_VALUES = ("lax", "strict", "none")


@dataclass(frozen=True)
class CookieSettings:
    """The four cookie variables with env.py's fallbacks (0.12.4 lines 777-786):

    session_same_site = getenv(WEBUI_SESSION_COOKIE_SAME_SITE, 'lax')
    session_secure    = getenv(WEBUI_SESSION_COOKIE_SECURE, 'false').lower() == 'true'
    auth_same_site    = getenv(WEBUI_AUTH_COOKIE_SAME_SITE, session_same_site)
    auth_secure       = getenv(WEBUI_AUTH_COOKIE_SECURE, raw WEBUI_SESSION_COOKIE_SECURE or 'false')
                        .lower() == 'true'
    """

    session_same_site: str
    session_secure: bool
    auth_same_site: str
    auth_secure: bool
    auth_same_site_var: str
    """The variable the auth cookie's SameSite actually comes from."""
    auth_secure_var: str


def cookie_settings(env: EnvSource) -> CookieSettings:
    session_same_site = getenv(env, "WEBUI_SESSION_COOKIE_SAME_SITE", "lax")
    session_secure_raw = getenv(env, "WEBUI_SESSION_COOKIE_SECURE", "false")
    auth_same_site_raw = env.get("WEBUI_AUTH_COOKIE_SAME_SITE")
    auth_secure_raw = env.get("WEBUI_AUTH_COOKIE_SECURE")
    return CookieSettings(
        session_same_site=session_same_site,
        session_secure=session_secure_raw.lower() == "true",
        auth_same_site=session_same_site if auth_same_site_raw is None else auth_same_site_raw,
        auth_secure=(session_secure_raw if auth_secure_raw is None else auth_secure_raw).lower() == "true",
        auth_same_site_var=("WEBUI_SESSION_COOKIE_SAME_SITE" if auth_same_site_raw is None
                            else "WEBUI_AUTH_COOKIE_SAME_SITE"),
        auth_secure_var=("WEBUI_SESSION_COOKIE_SECURE" if auth_secure_raw is None
                         else "WEBUI_AUTH_COOKIE_SECURE"),
    )


def samesite_accepted(value: str) -> bool:
    """Starlette's `Response.set_cookie` asserts `samesite.lower() in ['strict', 'lax', 'none']`
    (no strip): anything else raises AssertionError, i.e. HTTP 500, when the cookie is set.
    The session middleware does not check and writes `samesite=<value>` verbatim."""
    return value.lower() in SAMESITE_VALUES


# --------------------------------------------------------------------------- CORS

def cors_origins(env: EnvSource) -> list[str]:
    """`os.getenv('CORS_ALLOW_ORIGIN', '*').split(';')` (config.py): no strip."""
    return getenv(env, "CORS_ALLOW_ORIGIN", "*").split(";")


def cors_custom_schemes(env: EnvSource) -> list[str]:
    """`os.getenv('CORS_ALLOW_CUSTOM_SCHEME', '').split(';')`; note the default gives `['']`, so
    an empty scheme (an origin without `scheme://`) passes the scheme test."""
    return getenv(env, "CORS_ALLOW_CUSTOM_SCHEME", "").split(";")


def cors_startup_error(origin: str, custom_schemes: list[str]) -> str | None:
    """The ValueError `validate_cors_origin` (config.py) raises at import, or None."""
    try:
        parsed = urlparse(origin)
    except ValueError as exc:  # urlparse itself raises (e.g. an unclosed '[' IPv6 host)
        return f"{exc} (urlparse of CORS_ALLOW_ORIGIN entry '{origin}')"
    if parsed.scheme not in ["http", "https", *custom_schemes]:
        return (f"Invalid scheme in CORS_ALLOW_ORIGIN: '{origin}'. Only 'http' and 'https' and "
                "CORS_ALLOW_CUSTOM_SCHEME are allowed.")
    if not parsed.netloc:
        return f"Invalid URL structure in CORS_ALLOW_ORIGIN: '{origin}'."
    return None


def cors_never_matches(origin: str) -> str | None:
    """Why an entry that passes startup validation can never equal a browser's `Origin` header
    (Starlette's CORSMiddleware compares exact strings), or None."""
    if origin != origin.strip():
        return "it has stray whitespace"
    if "," in origin:
        return "it holds a comma: entries are separated by ';', not ','"
    try:
        parsed = urlparse(origin)
    except ValueError:
        return "it is not a URL"
    if not parsed.scheme:
        return "it has no scheme (an Origin is always scheme://host[:port])"
    if parsed.path or parsed.query or parsed.fragment or origin.endswith("/"):
        return ("it has a path or trailing slash; an Origin is only scheme://host[:port]")
    if parsed.username is not None or parsed.password is not None:
        return "it holds user information; an Origin never does"
    if parsed.netloc != parsed.netloc.lower():
        return "it has upper-case letters; browsers send the host in lower case"
    default_port = {"http": 80, "https": 443}.get(parsed.scheme)
    try:
        port = parsed.port
    except ValueError:
        return "its port is not a number"
    if port is not None and port == default_port:
        return f"it names the default port {port}; browsers leave it out of the Origin"
    return None


# --------------------------------------------------------------------------- persistence

def persistent_config(env: EnvSource) -> bool:
    """`ENABLE_PERSISTENT_CONFIG` (config.py, default True)."""
    return getenv(env, "ENABLE_PERSISTENT_CONFIG", "True").lower() == "true"


def oauth_persistent_config(env: EnvSource) -> bool:
    """`ENABLE_OAUTH_PERSISTENT_CONFIG` (config.py, default False)."""
    return getenv(env, "ENABLE_OAUTH_PERSISTENT_CONFIG", "False").lower() == "true"


def webui_auth(env: EnvSource) -> bool:
    """`WEBUI_AUTH` (env.py, default True)."""
    return getenv(env, "WEBUI_AUTH", "True").lower() == "true"
