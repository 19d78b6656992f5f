"""Catalog entries for the 'secret' area: `WEBUI_SECRET_KEY` and the Fernet keys derived from it."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="secret.missing",
        severity=Severity.ERROR,
        summary="WEBUI_SECRET_KEY (and WEBUI_SECRET_KEY_FILE) is not set while authentication is on",
        explanation=(
            "Open WebUI signs every session JWT (HS256) and the OAuth session cookie with "
            "WEBUI_SECRET_KEY, and since v0.11 it has no built-in fallback. Started any way other "
            "than the supported scripts (e.g. plain uvicorn) with WEBUI_AUTH on and no key, env.py "
            "stops with SystemExit 'WEBUI_SECRET_KEY is not set. It is a hard requirement when "
            "authentication is enabled.' `open-webui serve` and the Docker start.sh instead invent "
            "a random key in a .webui_secret_key file in their working directory, so the app runs "
            "with a key nobody chose and that is lost or differs as soon as the container or the "
            "directory changes (see secret.not-persisted)."
        ),
        fix=(
            "Generate a key once (`openssl rand -base64 48`) and set WEBUI_SECRET_KEY to it on every "
            "replica, or (Docker start.sh) set WEBUI_SECRET_KEY_FILE to a file on a persistent "
            "volume, e.g. /app/backend/data/.webui_secret_key."
        ),
        references=("Open WebUI env.py", "Open WebUI backend/start.sh", "Open WebUI __init__.py (serve)"),
    ),
    CodeInfo(
        code="secret.default",
        severity=Severity.ERROR,
        summary="the signing key is a published default (e.g. t0p-s3cr3t): anyone can forge a session",
        explanation=(
            "WEBUI_SECRET_KEY is the HMAC key of every session token, and a value copied from "
            "documentation or examples, or Open WebUI's old hard-coded fallback 't0p-s3cr3t' (used "
            "up to v0.10 when no key was set), is known to attackers. With it anyone can sign a "
            "token carrying the id of any user (ids appear in URLs such as "
            "/api/v1/users/{id}/profile/image) and Open WebUI accepts it: sign-in as that user, "
            "the admin included, without a password. The same key signs the OAuth state cookie "
            "and, by default, derives the Fernet keys that encrypt stored OAuth tokens. Human-"
            "memorable or public values must never be used as HMAC keys (RFC 8725 §3.5, rule J4)."
        ),
        fix=(
            "Set WEBUI_SECRET_KEY to a new random value of at least 32 bytes (`openssl rand -base64 "
            "48`), the same on every replica, and restart; everyone is signed out once and stored "
            "OAuth sessions need a new sign-in, which is intended."
        ),
        references=("RFC 8725 §3.5 (J4)", "RFC 7518 §3.2 (J4)", "Open WebUI env.py"),
    ),
    CodeInfo(
        code="secret.weak",
        severity=Severity.WARNING,
        summary="WEBUI_SECRET_KEY is shorter than 32 bytes or has low entropy",
        explanation=(
            "An HS256 key must be at least as long as the 256-bit hash (RFC 7518 §3.2) and must not "
            "be a human-chosen password (RFC 8725 §3.5); both are rule J4. Anyone who holds one "
            "session token (from a browser, a log or a proxy) can test candidate keys offline at "
            "GPU speed, and a short or dictionary-like key falls, giving them every account, since "
            "the token only carries the user id. Open WebUI accepts any non-empty key silently; "
            "PyJWT only warns that the key is short. The key Docker's start.sh generates (12 random "
            "bytes, 16 characters) is random but below the 32-byte bound."
        ),
        fix=(
            "Set WEBUI_SECRET_KEY to at least 32 random bytes, e.g. `openssl rand -base64 48`, the "
            "same on every replica; changing it signs everyone out once."
        ),
        references=("RFC 7518 §3.2 (J4)", "RFC 8725 §3.5 (J4)", "Open WebUI backend/start.sh"),
    ),
    CodeInfo(
        code="secret.not-persisted",
        severity=Severity.WARNING,
        summary="the secret key is generated at start and lost when the container is recreated",
        explanation=(
            "With WEBUI_SECRET_KEY unset, Docker's start.sh writes a random key to "
            "/app/backend/.webui_secret_key and `open-webui serve` writes .webui_secret_key into "
            "its current directory. In Docker that file is outside the usual volume "
            "(/app/backend/data), so recreating the container (an image update, `docker rm`, a new "
            "pod) creates a new key. Every user is then signed out at once (old tokens answer 401 "
            "'401 Unauthorized'), and stored OAuth sessions and MCP client data can no longer be "
            "decrypted ('Error decrypting tokens' in the log). With `open-webui serve`, starting "
            "from another directory has the same effect."
        ),
        fix=(
            "Set WEBUI_SECRET_KEY explicitly (from a secret store or .env), or set "
            "WEBUI_SECRET_KEY_FILE=/app/backend/data/.webui_secret_key so the generated key lives on "
            "the persistent volume."
        ),
        references=("Open WebUI backend/start.sh", "Open WebUI __init__.py (serve)",
                    "Open WebUI models/oauth_sessions.py"),
    ),
    CodeInfo(
        code="secret.replica-mismatch",
        severity=Severity.ERROR,
        summary="replicas or workers sign with different secret keys: random 401s and OAuth state errors",
        explanation=(
            "Each replica verifies tokens with its own WEBUI_SECRET_KEY, so a token issued by one "
            "fails the signature check on another and the request answers 401 '401 Unauthorized': "
            "users are signed out at random, depending on where the load balancer sends them. The "
            "OAuth session cookie (owui-session) is signed with the same key, so an OAuth login "
            "that starts on one replica and returns on another loses its state and ends in "
            "/auth?error=Sign-in with your identity provider failed…. OAuth tokens encrypted by one "
            "replica cannot be decrypted by another ('Error decrypting tokens'). The usual cause is "
            "that each container generated its own .webui_secret_key."
        ),
        fix=(
            "Give every replica and worker the same WEBUI_SECRET_KEY (and the same "
            "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY / OAUTH_CLIENT_INFO_ENCRYPTION_KEY if they are set) "
            "from one shared secret, then restart them all."
        ),
        references=("Open WebUI utils/auth.py decode_token", "Open WebUI main.py SessionMiddleware"),
    ),
    CodeInfo(
        code="secret.encryption-key-invalid",
        severity=Severity.ERROR,
        summary="a 44-character OAuth encryption key is not a valid Fernet key: Open WebUI does not start",
        explanation=(
            "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY and OAUTH_CLIENT_INFO_ENCRYPTION_KEY (both default "
            "to WEBUI_SECRET_KEY) are hashed into a Fernet key unless they are exactly 44 "
            "characters long; a 44-character value is used as the Fernet key as is. It must then be "
            "url-safe base64 of exactly 32 bytes, otherwise Fernet() raises at import ('Error "
            "initializing Fernet with provided key' in the log) and the app does not start. A "
            "44-character WEBUI_SECRET_KEY that is not such a key breaks startup the same way, "
            "because both encryption keys inherit it."
        ),
        fix=(
            "Set the key to a real Fernet key (`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`), or to any value whose length is not 44; keep "
            "it stable, since changing it makes stored OAuth sessions undecryptable."
        ),
        references=("Open WebUI env.py", "Open WebUI models/oauth_sessions.py", "Open WebUI utils/oauth.py"),
    ),
)
