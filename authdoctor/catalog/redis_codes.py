"""Catalog entries for the 'redis' area: token revocation and state shared between processes."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_KEY = "`{REDIS_KEY_PREFIX}:auth:token:{jti}:revoked` (default prefix open-webui)"

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="redis.not-configured",
        severity=Severity.WARNING,
        summary="no Redis: sign-out does not revoke tokens, and multi-process state is per process",
        explanation=(
            "Open WebUI revokes a token on sign-out by writing " + _KEY + " to Redis; with neither "
            "REDIS_URL nor REDIS_SENTINEL_HOSTS set there is no client, so POST "
            "/api/v1/auths/signout answers 200 {\"status\":true} and deletes the cookie, but the old "
            "token keeps working until it expires (recorded live on 0.12.4; JWT_EXPIRES_IN default "
            "4w). Only a password change invalidates earlier tokens. With several replicas or "
            "workers the sign-in rate limit and websocket state are also per process, and OIDC "
            "back-channel logout cannot revoke tokens. A single-process instance without "
            "revocation needs is fine, so the finding is info there."
        ),
        fix="Set REDIS_URL=redis://:<password>@<host>:6379/0 (a Redis with persistence), or shorten "
            "JWT_EXPIRES_IN if revocation is not needed.",
        references=("Open WebUI utils/auth.py invalidate_token", "Open WebUI utils/redis.py "
                    "get_redis_client", "openwebui-live-0.12.4 §3.7"),
    ),
    CodeInfo(
        code="redis.url-invalid",
        severity=Severity.ERROR,
        summary="REDIS_URL has an unsupported scheme or cannot be parsed",
        explanation=(
            "Open WebUI builds its Redis client with redis-py from_url (redis://, rediss://, "
            "unix://) or, with Sentinel, its own parse_redis_url (redis:// and rediss:// only). An "
            "unsupported scheme (http://, tcp://, a bare host:port) or a port that is not a number "
            "raises inside get_redis_client(), which logs it only at debug level and returns no "
            "client: the app runs without Redis, so sign-out silently stops revoking tokens. If "
            "WEBSOCKET_MANAGER=redis uses the same URL, the websocket manager raises at import and "
            "the app does not start."
        ),
        fix="Set REDIS_URL=redis://[:password@]host:6379/0 (rediss:// for TLS, unix:///path for a "
            "socket).",
        references=("Open WebUI utils/redis.py", "redis-py from_url"),
    ),
    CodeInfo(
        code="redis.unreachable",
        severity=Severity.ERROR,
        summary="Redis cannot be reached (DNS, TCP or TLS failure; the finding says which)",
        explanation=(
            "Open WebUI connects lazily, so a wrong or dead Redis only shows on the first command. "
            "Recorded live on 0.12.4 with Redis down: the revocation check fails open ('Revocation "
            "check failed; accepting token' in the log), so even revoked tokens answer 200 again; "
            "sign-in still works (the rate limiter falls back to memory); POST "
            "/api/v1/auths/signout answers 500 'Internal Server Error'; /health stays 200 while "
            "/ready answers 503 'Redis not ready'. The finding names the failing layer: a host name "
            "that does not resolve, a refused or timed-out port, or a TLS error with rediss://."
        ),
        fix="Make the REDIS_URL host and port reachable from every Open WebUI container (network, "
            "firewall, Redis bind/protected-mode), and for rediss:// trust the server's CA.",
        references=("openwebui-live-0.12.4 §3.7", "Open WebUI utils/auth.py is_valid_token",
                    "Open WebUI main.py /ready"),
    ),
    CodeInfo(
        code="redis.auth-failed",
        severity=Severity.ERROR,
        summary="Redis refuses the credentials (NOAUTH, WRONGPASS or an ACL denial)",
        explanation=(
            "Redis answered NOAUTH (a password is required but REDIS_URL has none), WRONGPASS "
            "(wrong user or password) or NOPERM (the ACL user may not run GET/SET on the "
            "prefix's keys). Open WebUI then behaves as with an unreachable Redis: the revocation "
            "check fails open so revoked tokens work again, and sign-out answers 500. Note that a "
            "password sent to a server whose default user has no password is accepted, so a "
            "working login does not prove the password is right."
        ),
        fix="Put the right credentials in REDIS_URL (redis://<user>:<password>@host:6379/0, "
            "URL-encoding special characters) and allow that ACL user GET/SET on "
            "'<REDIS_KEY_PREFIX>:*'.",
        references=("Redis AUTH/ACL", "Open WebUI utils/auth.py is_valid_token"),
    ),
    CodeInfo(
        code="redis.revocation-not-persistent",
        severity=Severity.WARNING,
        summary="Redis has neither RDB nor AOF persistence: a restart forgets every revocation",
        explanation=(
            "Revocation keys (" + _KEY + ") live only in Redis. With save '' and appendonly no, a "
            "Redis restart or failover empties it, and every token that was signed out before is "
            "accepted again until its exp (recorded live on 0.12.4 with --save ''). The "
            "back-channel-logout keys `{prefix}:auth:user:{id}:revoked_at` are lost the same way. "
            "Sign-in keeps working, so nobody notices."
        ),
        fix="Enable persistence on the Redis Open WebUI uses (appendonly yes, or a save schedule), "
            "or use a managed Redis with persistence.",
        references=("openwebui-live-0.12.4 §3.7", "Redis persistence (RDB/AOF)"),
    ),
    CodeInfo(
        code="redis.eviction-may-drop-revocations",
        severity=Severity.WARNING,
        summary="maxmemory-policy allkeys-* can evict revocation keys",
        explanation=(
            "Under memory pressure an allkeys-lru/lfu/random policy evicts any key, including the "
            "revocation keys " + _KEY + ", and a token whose key was evicted is accepted again. "
            "volatile-* policies can drop them too, since they carry a TTL, but prefer other keys "
            "with a shorter TTL. This matters most when the same Redis also serves as a cache for "
            "Open WebUI or other apps."
        ),
        fix="Use maxmemory-policy noeviction on a Redis dedicated to Open WebUI's state (or give it "
            "enough memory), and keep caches in a separate Redis.",
        references=("Redis maxmemory-policy", "Open WebUI utils/auth.py invalidate_token"),
    ),
    CodeInfo(
        code="redis.key-prefix-mismatch",
        severity=Severity.WARNING,
        summary="revocation keys exist under another prefix than the configured REDIS_KEY_PREFIX",
        explanation=(
            "Open WebUI writes and checks " + _KEY + ". Keys under another prefix were written by "
            "a replica or an earlier version with a different REDIS_KEY_PREFIX; a replica that "
            "checks under its own prefix never sees them, so a token signed out on one replica is "
            "still accepted on another. It can also mean authdoctor was given another prefix than "
            "the one the app runs with."
        ),
        fix="Set the same REDIS_KEY_PREFIX on every replica (and give authdoctor that value); "
            "unset means open-webui.",
        references=("Open WebUI env.py REDIS_KEY_PREFIX", "openwebui-live-0.12.4 §3.7"),
    ),
    CodeInfo(
        code="redis.revocation-key-no-ttl",
        severity=Severity.WARNING,
        summary="revocation keys have no expiry, so they pile up",
        explanation=(
            "Open WebUI writes each revocation key with a TTL of the token's remaining lifetime "
            "(exp minus now), so it vanishes together with the token. Keys without a TTL were "
            "written by something else (a restore, a script, a PERSIST) and stay forever. They "
            "grow memory until maxmemory, where noeviction makes sign-out fail with 500 and "
            "eviction policies drop keys that still matter."
        ),
        fix="Give the keys a TTL or delete those whose token has expired (a jti older than "
            "JWT_EXPIRES_IN); find what writes them without EX.",
        references=("Open WebUI utils/auth.py invalidate_token",),
    ),
    CodeInfo(
        code="redis.websocket-not-redis",
        severity=Severity.WARNING,
        summary="several replicas or workers, but WEBSOCKET_MANAGER is not redis",
        explanation=(
            "Open WebUI's Socket.IO server uses Redis for shared state only when WEBSOCKET_MANAGER "
            "is exactly 'redis'; otherwise each process keeps its own sessions and user pools. "
            "With several replicas or UVICORN_WORKERS, realtime events (streamed answers, "
            "notifications, the disconnect of a signed-out user's sockets) only reach clients "
            "connected to the same process, so chats hang or update only after a reload. A "
            "single process needs no Redis for this."
        ),
        fix="Set WEBSOCKET_MANAGER=redis (it uses WEBSOCKET_REDIS_URL, default REDIS_URL), or run a "
            "single process.",
        references=("Open WebUI socket/main.py", "Open WebUI env.py WEBSOCKET_MANAGER"),
    ),
    CodeInfo(
        code="redis.sentinel-config-invalid",
        severity=Severity.ERROR,
        summary="Sentinel hosts are set but REDIS_URL lacks a usable master name, port or scheme",
        explanation=(
            "With REDIS_SENTINEL_HOSTS set Open WebUI asks the sentinels on REDIS_SENTINEL_PORT "
            "(default 26379) for the master named by the host part of REDIS_URL "
            "(redis://:pass@mymaster:6379/0). A host name or address there instead of the service "
            "name, or no REDIS_URL at all, finds no master; a REDIS_SENTINEL_PORT that int() "
            "refuses stops the app from starting. Otherwise the error is swallowed and the app "
            "runs without Redis, so sign-out stops revoking tokens."
        ),
        fix="Set REDIS_URL=redis://:<password>@<master service name>/0 (e.g. mymaster), "
            "REDIS_SENTINEL_HOSTS=sentinel1,sentinel2,sentinel3 and REDIS_SENTINEL_PORT=26379.",
        references=("Open WebUI utils/redis.py get_redis_client", "Open WebUI env.py"),
    ),
    CodeInfo(
        code="redis.revocation-ttl-too-long",
        severity=Severity.WARNING,
        summary="revocation keys outlive the configured token lifetime (JWT_EXPIRES_IN)",
        explanation=(
            "Open WebUI writes each revocation key " + _KEY + " with a TTL of the token's remaining "
            "lifetime (exp minus now), so no key can live longer than JWT_EXPIRES_IN. Keys with a "
            "longer TTL were written for tokens that live longer than the configured value: the "
            "running app uses another lifetime (auth.jwt_expiry in the database wins over the "
            "variable once the instance has started, unless ENABLE_PERSISTENT_CONFIG=false), "
            "another replica has another setting, or something else writes the keys. Tokens then "
            "stay valid longer than the settings suggest."
        ),
        fix="Compare JWT_EXPIRES_IN with Admin > Settings > General (JWT Expiration) and set the "
            "same value in both, on every replica.",
        references=("Open WebUI utils/auth.py invalidate_token", "Open WebUI config.py auth.jwt_expiry"),
    ),
    CodeInfo(
        code="redis.topology-degraded",
        severity=Severity.WARNING,
        summary="Sentinel or Cluster is degraded: no replica, a Sentinel down, slots not covered",
        explanation=(
            "With Sentinel, revocation keys survive the loss of the master only when a replica is "
            "connected and in sync and enough Sentinels answer to agree on a failover; a master "
            "without a live replica loses every revocation when it fails. With Cluster, every one "
            "of the 16384 slots must be served: a key in an uncovered slot cannot be written or "
            "read, so sign-out answers 500 and the revocation check fails open for the tokens "
            "whose keys hash there (an error when the cluster state is not ok)."
        ),
        fix="Bring the missing replica, Sentinel or Cluster master back (redis-cli -p <port> "
            "SENTINEL REPLICAS <master>, redis-cli --cluster check <host:port>).",
        references=("Redis Sentinel", "Redis Cluster specification (hash slots)",
                    "Open WebUI utils/redis.py get_redis_connection"),
    ),
    CodeInfo(
        code="redis.revocation-keys",
        severity=Severity.INFO,
        summary="what the revocation store holds: key counts and a TTL histogram (redis inspect)",
        explanation=(
            "`authdoctor redis inspect` counts the revocation keys " + _KEY + " and the per-user "
            "keys `{prefix}:auth:user:{id}:revoked_at` with a streamed SCAN and pipelined TTL "
            "lookups (read-only), and shows how long the revocations still have to live. Each "
            "key is a token signed out before its expiry; the keys vanish with the tokens."
        ),
        fix="Nothing to fix: this is a summary.",
        references=("Open WebUI utils/auth.py invalidate_token/is_valid_token",),
    ),
)
