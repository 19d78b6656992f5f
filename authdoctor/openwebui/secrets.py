"""Which Open WebUI 0.12.4 variables carry credentials, and a name heuristic for every other name.

Source: the names in `authdoctor.openwebui.variables` (every variable the 0.12.4 wheel and its
start script read), each classified by hand from its name and its documented purpose in Open
WebUI's environment-variable reference (docs.openwebui.com, "Environment Variable
Configuration"). `SECRET_VARIABLES` are masked whole wherever a value is shown: API keys and key
lists (`OPENAI_API_KEYS` is `;`-separated keys), passwords and tokens, `…_AUTH` credentials
(`AUTOMATIC1111_API_AUTH` is `user:password`), credential JSON (a service account's private key),
connection JSON and header lists that embed keys, and webhook URLs (the token is the path).

Every other value (URLs such as `DATABASE_URL`, `REDIS_URL`, `PLAYWRIGHT_WS_URL`, lists such as
`CORS_ALLOW_ORIGIN`, free JSON) is shown with the credentials inside it masked where they sit
(`authdoctor.masking.mask_credentials`).

A name Open WebUI does not read (`DB_PASS`, `GPG_PASSPHRASE`, a misspelled setting) is judged by
`looks_secret`: any `_`-separated word such as PASS, PASSPHRASE, SECRET, TOKEN, KEY, AUTH,
CREDENTIALS. Known names are never judged by the heuristic: `WEBUI_AUTH` is a switch and
`WEBUI_SECRET_KEY_FILE` a path. `NOT_SECRET_LOOKALIKES` lists the known names the heuristic
would call secret and why they are not; a test keeps every known name in one list or the other.
"""

from __future__ import annotations

import functools


def _names(block: str) -> frozenset[str]:
    return frozenset(block.split())


#: Known variables whose whole value is a credential.
SECRET_VARIABLES: frozenset[str] = _names("""
ADMIN_USER_PASSWORD WEBUI_ADMIN_PASSWORD
WEBUI_SECRET_KEY WEBUI_JWT_SECRET_KEY MFA_ENCRYPTION_KEY OAUTH_SESSION_TOKEN_ENCRYPTION_KEY
OAUTH_CLIENT_INFO_ENCRYPTION_KEY FORWARD_USER_INFO_HEADER_JWT_SECRET TRUSTED_SIGNATURE_KEY
LICENSE_KEY SCIM_TOKEN
OAUTH_CLIENT_SECRET GOOGLE_CLIENT_SECRET MICROSOFT_CLIENT_SECRET GITHUB_CLIENT_SECRET
FEISHU_CLIENT_SECRET
LDAP_APP_PASSWORD
DATABASE_PASSWORD ELASTICSEARCH_PASSWORD OPENSEARCH_PASSWORD ORACLE_DB_PASSWORD
ORACLE_WALLET_PASSWORD YACY_PASSWORD OTEL_BASIC_AUTH_PASSWORD OTEL_LOGS_BASIC_AUTH_PASSWORD
OTEL_METRICS_BASIC_AUTH_PASSWORD CODE_EXECUTION_JUPYTER_AUTH_PASSWORD
CODE_EXECUTION_JUPYTER_AUTH_TOKEN CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD
CODE_INTERPRETER_JUPYTER_AUTH_TOKEN MILVUS_TOKEN PADDLEOCR_VL_TOKEN PGVECTOR_PGCRYPTO_KEY
S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY AZURE_STORAGE_KEY DOCUMENT_INTELLIGENCE_KEY
BING_SEARCH_V7_SUBSCRIPTION_KEY SOUGOU_API_SK ORACLE_DB_DSN
AUTOMATIC1111_API_AUTH CHROMA_CLIENT_AUTH_CREDENTIALS GOOGLE_APPLICATION_CREDENTIALS_JSON
OPENAI_API_KEY OPENAI_API_KEYS OPENAI_API_CONFIGS OLLAMA_API_CONFIGS OLLAMA_CLOUD_API_KEY
TOOL_SERVER_CONNECTIONS TERMINAL_SERVER_CONNECTIONS CHROMA_HTTP_HEADERS
EXTERNAL_DOCUMENT_LOADER_HEADERS WEBHOOK_URL
AUDIO_REALTIME_OPENAI_API_KEY AUDIO_STT_AZURE_API_KEY AUDIO_STT_MISTRAL_API_KEY
AUDIO_STT_OPENAI_API_KEY AUDIO_TTS_API_KEY AUDIO_TTS_MISTRAL_API_KEY AUDIO_TTS_OPENAI_API_KEY
AZURE_AI_SEARCH_API_KEY BOCHA_SEARCH_API_KEY BRAVE_SEARCH_API_KEY COMFYUI_API_KEY
DATALAB_MARKER_API_KEY DEEPGRAM_API_KEY DOCLING_API_KEY ELASTICSEARCH_API_KEY EXA_API_KEY
EXTERNAL_DOCUMENT_LOADER_API_KEY EXTERNAL_WEB_LOADER_API_KEY EXTERNAL_WEB_SEARCH_API_KEY
FIRECRAWL_API_KEY GEMINI_API_KEY GOOGLE_DRIVE_API_KEY GOOGLE_PSE_API_KEY IMAGES_EDIT_COMFYUI_API_KEY
IMAGES_EDIT_GEMINI_API_KEY IMAGES_EDIT_OPENAI_API_KEY IMAGES_GEMINI_API_KEY IMAGES_OPENAI_API_KEY
JINA_API_KEY KAGI_SEARCH_API_KEY LINKUP_API_KEY MICROSOFT_WEB_IQ_API_KEY MINERU_API_KEY
MISTRAL_OCR_API_KEY MOJEEK_SEARCH_API_KEY PERPLEXITY_API_KEY PINECONE_API_KEY QDRANT_API_KEY
RAG_AZURE_OPENAI_API_KEY RAG_EXTERNAL_RERANKER_API_KEY RAG_OLLAMA_API_KEY RAG_OPENAI_API_KEY
SEARCHAPI_API_KEY SERPAPI_API_KEY SERPER_API_KEY SERPHOUSE_API_KEY SERPLY_API_KEY
SERPSTACK_API_KEY STAAN_API_KEY TAVILY_API_KEY WEAVIATE_API_KEY YANDEX_WEB_SEARCH_API_KEY
YDC_API_KEY YOUCOM_API_KEY
""")

#: Known variables the name heuristic would call secret, and why they are not.
NOT_SECRET_LOOKALIKES: dict[str, str] = {
    "WEBUI_AUTH": "a switch",
    "USER_PERMISSIONS_FEATURES_API_KEYS": "a switch",
    "BRAVE_SEARCH_CONTEXT_TOKENS": "a number",
    "CONTEXT_COMPACTION_TOKEN_CAP": "a number",
    "CONTEXT_COMPACTION_TOKEN_THRESHOLD": "a number",
    "OAUTH_TOKEN_EXCHANGE_RATE_LIMIT": "a number",
    "OAUTH_TOKEN_EXCHANGE_RATE_LIMIT_WINDOW": "a number",
    "CODE_EXECUTION_JUPYTER_AUTH": "a mode (token or password), not the credential",
    "CODE_INTERPRETER_JUPYTER_AUTH": "a mode (token or password), not the credential",
    "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "a URL (credentials inside are masked where they sit)",
    "OAUTH_REFRESH_TOKEN_INCLUDE_SCOPE": "a switch",
    "OAUTH_ACCESS_TOKEN_REQUEST_INCLUDE_CLIENT_ID": "a switch",
    "OAUTH_TOKEN_EXCHANGE_TRUSTED_CLIENT_IDS": "client ids",
    "PASSWORD_VALIDATION_HINT": "text shown to users",
    "PASSWORD_VALIDATION_REGEX_PATTERN": "a pattern",
    "API_KEYS_ALLOWED_ENDPOINTS": "a list of paths",
    "API_KEY_ALLOWED_ENDPOINTS": "a list of paths",
    "RAG_SOURCE_METADATA_KEYS": "metadata field names",
    "LICENSE_PUBLIC_KEY": "a public key",
    "OTEL_BASIC_AUTH_USERNAME": "a user name",
    "OTEL_LOGS_BASIC_AUTH_USERNAME": "a user name",
    "OTEL_METRICS_BASIC_AUTH_USERNAME": "a user name",
    "TIKTOKEN_ENCODING_NAME": "an encoding name",
}

# `_`-separated words that make an unknown name secret, and words that make it plainly not one
# (a switch, a path, a number, a mode), which win.
_SECRET_WORDS = _names("""
PASS PASSWD PASSWORD PASSWORDS PASSPHRASE PWD PW SECRET SECRETS TOKEN TOKENS KEY KEYS APIKEY AUTH
CREDENTIAL CREDENTIALS CREDS PRIVKEY SALT SIGNATURE SK PAT DSN COOKIE COOKIES
""")
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "PRIVKEY", "SECRETKEY")
_PLAIN_WORDS = _names("""
ENABLE ENABLED DISABLE DISABLED FILE PATH DIR LENGTH EXPIRES EXPIRY EXPIRATION TTL TIMEOUT
PREFIX HEADER TYPE PROVIDER METHOD ENDPOINT CLAIM ALGORITHM ALG SAME SITE SECURE NAME DOMAIN
HTTPONLY
""")
# A URL or address is not a secret as a whole (the credentials inside one are masked where they
# sit), except a webhook URL, whose path is the token.
_ADDRESS_WORDS = _names("URL URI HOST PORT USER USERNAME EMAIL")
_WEBHOOK_WORDS = _names("WEBHOOK")  # singular: `..._USER_WEBHOOKS` is a feature switch


def looks_secret(name: str) -> bool:
    """The name heuristic for variables Open WebUI does not read (`DB_PASS`, `GPG_PASSPHRASE`,
    `MY_API_TOKEN`, `SMTP_AUTH`, `SLACK_WEBHOOK_URL`); `ENABLE_…`, `…_FILE`, `…_EXPIRES_IN`,
    `…_TYPE` and addresses (`OAUTH_AUTH_URL`, `SMTP_AUTH_USER`) are not."""
    words = [word for word in name.upper().replace("-", "_").replace(".", "_").split("_") if word]
    if any(word in _PLAIN_WORDS for word in words):
        return False
    if any(word in _WEBHOOK_WORDS for word in words):
        return True
    if any(word in _ADDRESS_WORDS for word in words):
        return False
    return any(word in _SECRET_WORDS or word.endswith(_SECRET_SUFFIXES) for word in words)


@functools.lru_cache(maxsize=65536)  # asked for every variable, often several times
def is_secret_variable(name: str) -> bool:
    """True when a variable's whole value must never be shown: a curated credential-bearing Open
    WebUI variable, or an unknown name the heuristic calls secret."""
    if name in SECRET_VARIABLES:
        return True
    from authdoctor.openwebui.variables import KNOWN_VARIABLES

    if name in KNOWN_VARIABLES:
        return False
    return looks_secret(name)
