"""Catalog entries for the 'config' area: settings read from env/.env/compose, judged alone."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_PERSISTED = (
    "On the first start Open WebUI copies most settings into its database `config` table, and "
    "from then on the database copy wins over the environment unless ENABLE_PERSISTENT_CONFIG=false."
)

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="config.unknown-variable",
        severity=Severity.WARNING,
        summary="an environment variable Open WebUI does not read (misspelled or another app's name)",
        explanation=(
            "Open WebUI reads each setting with os.getenv under one exact, case-sensitive name and "
            "ignores every other variable without a log line. A misspelled or invented name "
            "(WEBUI_SECRET, OAUTH_REDIRECT_URI, LDAP_USE_SSL, a variable of another app) therefore "
            "has no effect and the app quietly uses its default, which is often the real cause of "
            "the symptom being chased. Names that only appear in docs or older releases (e.g. "
            "ENABLE_OAUTH_WITHOUT_EMAIL, which the code does not read) fall in the same trap. The "
            "finding names the variable Open WebUI reads instead: by spelling for a near miss of "
            "an auth setting (a dropped or added letter or word, a singular for a plural, a "
            "missing suffix such as WEBUI_SECRET for WEBUI_SECRET_KEY), and by meaning for the "
            "names other products use (OIDC_ISSUER or LibreChat's OPENID_ISSUER for "
            "OPENID_PROVIDER_URL, OIDC_CLIENT_ID or GF_AUTH_GENERIC_OAUTH_CLIENT_ID for "
            "OAUTH_CLIENT_ID, JWT_SECRET for WEBUI_SECRET_KEY). It is a warning for those, and "
            "when the name would complete an OAuth provider the app skips; info when the meant "
            "setting is set as well (the name is probably another container's) or nothing close "
            "is known."
        ),
        fix="Rename the variable to the one Open WebUI reads (the finding suggests it), or remove it.",
        references=("Open WebUI env.py", "Open WebUI config.py"),
    ),
    CodeInfo(
        code="config.invalid-value",
        severity=Severity.ERROR,
        summary="a value Open WebUI will reject or silently misread (bad boolean, number, list)",
        explanation=(
            "Open WebUI parses most booleans as `value.lower() == 'true'`, so `1`, `yes` or `on` "
            "mean false without any warning, and it parses numbers with int() at import, so a value "
            "such as `\"389\"` (quotes kept) or `ldaps` for LDAP_SERVER_PORT stops the app from "
            "starting. Other values are accepted but never match what the code compares them with "
            "(a role outside pending/user/admin for DEFAULT_USER_ROLE gives every new user 401 'You "
            "do not have permission…'). The finding names the variable, what the app makes of the "
            "value, and the consequence."
        ),
        fix="Set the variable to a value of the documented form: true/false for booleans, a bare "
            "number for ports and counts (the finding gives the exact value).",
        references=("Open WebUI env.py", "Open WebUI config.py"),
    ),
    CodeInfo(
        code="config.webui-url-missing",
        severity=Severity.WARNING,
        summary="WEBUI_URL is unset with OAuth on (or localhost while users sign in elsewhere)",
        explanation=(
            "After the IdP callback Open WebUI redirects the browser to "
            "`{WEBUI_URL or request.base_url}/auth`. Unset, that is whatever scheme and host the "
            "request reached the app with, which behind a proxy that does not forward them is "
            "http:// or an internal name. Set to localhost (http or https), it is the user's own "
            "machine: that is right for a local instance, so it is reported only when another "
            "setting shows users sign in at another host (deploy.yaml public_url, or a pinned "
            "*_REDIRECT_URI on a public host). The "
            "session and `token` cookies are host-only, so on the wrong host they are missing and "
            "sign-in looks like it failed or loops. WEBUI_URL is also the base of MCP OAuth "
            "redirect URIs and of links in notifications. " + _PERSISTED
        ),
        fix=(
            "Set WEBUI_URL to the public URL users open, e.g. WEBUI_URL=https://chat.example.com, "
            "and after the first start also in Admin > Settings > General (the database copy wins)."
        ),
        references=("Open WebUI utils/oauth.py handle_callback", "Open WebUI config.py (webui.url)"),
    ),
    CodeInfo(
        code="config.persisted-setting-ignored",
        severity=Severity.WARNING,
        summary="an env value Open WebUI ignores because the copy in its database wins",
        explanation=(
            _PERSISTED + " Changing such a variable (JWT_EXPIRES_IN, ENABLE_SIGNUP, WEBUI_URL, "
            "DEFAULT_USER_ROLE, the LDAP_* settings…) and restarting therefore changes nothing: "
            "0.12.4 logged 'Seeded 378 new config defaults' on the first start and kept the stored "
            "values on every later one. OAuth keys are the exception: they come from env on every "
            "start unless ENABLE_OAUTH_PERSISTENT_CONFIG=true. WEBUI_SECRET_KEY, REDIS_URL and the "
            "cookie variables are always read from env."
        ),
        fix=(
            "Change the value in the Admin UI (or POST /api/v1/auths/admin/config), or set "
            "ENABLE_PERSISTENT_CONFIG=false to make env win, or RESET_CONFIG_ON_START=true once to "
            "re-seed from env."
        ),
        references=("Open WebUI config.py ENABLE_PERSISTENT_CONFIG", "openwebui-live-0.12.4 §2"),
    ),
    CodeInfo(
        code="config.cors-origin-invalid",
        severity=Severity.ERROR,
        summary="a CORS_ALLOW_ORIGIN entry has no scheme, uses commas or ends with a slash",
        explanation=(
            "CORS_ALLOW_ORIGIN is split on ';' (not ','), and unless it is exactly '*' every entry "
            "is checked at startup: an entry without http/https (or a CORS_ALLOW_CUSTOM_SCHEME "
            "scheme) or without a host raises ValueError ('Invalid scheme in CORS_ALLOW_ORIGIN' / "
            "'Invalid URL structure in CORS_ALLOW_ORIGIN') and the app does not start. Entries that "
            "pass are compared with the browser's Origin header as exact strings, so a trailing "
            "'/', a path, another port or a comma-joined list never matches. The browser then "
            "blocks credentialed requests and the Socket.IO connection ('… is not an accepted "
            "origin'), which users see as a UI that signs in but shows nothing."
        ),
        fix=(
            "List bare origins separated by ';', e.g. "
            "CORS_ALLOW_ORIGIN=https://chat.example.com;https://admin.example.com (scheme, host, "
            "optional port; no path, no trailing slash)."
        ),
        references=("Open WebUI config.py validate_cors_origin", "Starlette CORSMiddleware"),
    ),
    CodeInfo(
        code="config.value-whitespace",
        severity=Severity.WARNING,
        summary="a value carries leading/trailing whitespace, quotes or a CR that the app keeps",
        explanation=(
            "Open WebUI uses most values exactly as os.getenv returns them, without strip(). A "
            "trailing space, a Windows CR from a .env file edited on Windows, or quotes kept by "
            "docker-compose list syntax (`- KEY=\"value\"`) become part of the value. The result is "
            "a client secret the IdP rejects (invalid_client), a redirect URI that is no longer an "
            "exact match (RFC 9700 §2.1, rule O1), a secret key that differs from the other "
            "replicas, or a number int() refuses at startup. The mismatch is invisible in most logs."
        ),
        fix="Remove the surrounding whitespace, CR and quotes from the value (save .env with LF line "
            "endings; in compose use `KEY: value` or `- KEY=value` without quotes).",
        references=("Open WebUI env.py", "RFC 9700 §2.1 (O1)"),
    ),
    CodeInfo(
        code="config.startup-fails",
        severity=Severity.ERROR,
        summary="a setting makes Open WebUI refuse to start",
        explanation=(
            "Some settings are parsed at import time, and a value the code cannot use raises before "
            "the server listens: LDAP_SERVER_PORT that int() refuses, an invalid CORS_ALLOW_ORIGIN "
            "entry, a 44-character encryption key that is not a Fernet key, a bad "
            "REDIS_SENTINEL_PORT, an invalid WEBSOCKET_REDIS_URL. The container then restarts in a "
            "loop and the public URL answers 502/503 from the proxy, so users see no sign-in page "
            "at all. In Kubernetes, a `valueFrom` of a key its ConfigMap or Secret lacks (and not "
            "optional) stops earlier still: the kubelet never creates the container "
            "(CreateContainerConfigError). This generic code is used only when no more specific code "
            "(oauth.pkce-method-unsupported, secret.encryption-key-invalid, "
            "config.cors-origin-invalid, …) names the cause."
        ),
        fix="Correct or remove the setting the finding names, then check the container log for a "
            "clean start (GET /health answers {\"status\":true}).",
        references=("Open WebUI env.py", "Open WebUI config.py",
                    "Kubernetes EnvVarSource (configMapKeyRef/secretKeyRef optional)"),
    ),
    CodeInfo(
        code="config.replica-mismatch",
        severity=Severity.ERROR,
        summary="a setting that must be equal on every replica differs between them",
        explanation=(
            "Behind a load balancer each request may reach another replica, so anything that "
            "signs, stores or checks sign-in state must be identical everywhere: REDIS_URL and "
            "REDIS_KEY_PREFIX (otherwise a token revoked on one replica still works on another), "
            "the cookie variables (otherwise the same sign-in sets different cookies), and the "
            "OAuth client settings (otherwise the login and the callback disagree on client id, "
            "redirect URI or PKCE). Users see failures that come and go with the replica that "
            "answers. The secret key has its own code, secret.replica-mismatch."
        ),
        fix="Give every replica the same value for the setting the finding names (one shared .env "
            "or ConfigMap), then restart them all.",
        references=("Open WebUI env.py", "Open WebUI utils/redis.py"),
    ),
    CodeInfo(
        code="config.value-unknown",
        severity=Severity.INFO,
        summary="a setting comes from a ConfigMap or Secret that is not in the input: value unknown",
        explanation=(
            "A Kubernetes container can take a variable from a ConfigMap or Secret (`valueFrom`, "
            "`envFrom`). When the manifests given to authdoctor do not contain that object (it is "
            "created elsewhere, or `kubectl get` did not include it), the variable is set but its "
            "value is unknown; an `envFrom` of a missing object may set any variable. authdoctor "
            "never guesses such a value: the checks that need it say they did not judge it, and "
            "this finding lists what was missing."
        ),
        fix=("Include the ConfigMaps and Secrets in the input (`kubectl get deploy,cm,secret -o "
             "yaml`, the whole `helm template` output), or check the running container with "
             "`docker inspect`."),
        references=("Kubernetes EnvVarSource", "Kubernetes EnvFromSource"),
    ),
    CodeInfo(
        code="config.signup-reopens",
        severity=Severity.WARNING,
        summary="sign-up opens again after every restart: the first account's 'signup off' is not kept",
        explanation=(
            "When the first account is created Open WebUI turns sign-up off by writing "
            "ui.enable_signup=false. With ENABLE_PERSISTENT_CONFIG=false that write stays in the "
            "running worker's memory, and with RESET_CONFIG_ON_START=true the settings table is "
            "deleted and reseeded from the environment at every start. Either way, after a restart "
            "ui.enable_signup is ENABLE_SIGNUP again, and ENABLE_SIGNUP defaults to true: anyone "
            "who can open the sign-in page can create an account (seen live on 0.12.4: sign-up "
            "true with 3 users). The new account gets DEFAULT_USER_ROLE; the finding is an error "
            "when that is user or admin, so the stranger can use the app at once."
        ),
        fix="Set ENABLE_SIGNUP=false (an empty instance still lets the first admin sign up), or "
            "ENABLE_SIGNUP=true if open sign-up is intended.",
        references=("Open WebUI routers/auths.py signup_handler", "Open WebUI models/config.py",
                    "openwebui-db-0.12.4 §1"),
    ),
)
