"""Catalog entries for the 'deploy' area: the live application at its public URL."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="deploy.unreachable",
        severity=Severity.ERROR,
        summary="the public URL does not answer (DNS, TCP, TLS or HTTP failure; the finding says which)",
        explanation=(
            "authdoctor could not get an answer from the public URL at the layer the finding names: "
            "the name does not resolve, the port refuses or drops the connection, the TLS handshake "
            "or certificate check fails, or the proxy answers 502/503/504 because Open WebUI is "
            "down or still starting (11-16 s on 0.12.4). Nobody can sign in, and the live checks "
            "of the other areas cannot run. The layer tells where to look: DNS, the firewall, "
            "certificates or the container."
        ),
        fix="Check DNS, the proxy and the container (docker logs: a setting may stop startup), and "
            "that GET /health answers {\"status\":true}.",
        references=("openwebui-live-0.12.4 §3.1",),
    ),
    CodeInfo(
        code="deploy.signin-failed",
        severity=Severity.ERROR,
        summary="live sign-in with the test account fails (the finding gives the app's answer)",
        explanation=(
            "authdoctor signed in with the test account at POST /api/v1/auths/signin (or /ldap) "
            "and did not get 200 with a token. The app's answer says why: 400 'The email or "
            "password provided is incorrect…' (wrong credentials, or an SSO-only account), 403 "
            "'The requested action has been restricted…' (ENABLE_PASSWORD_AUTH=false), 429 'API "
            "rate limit exceeded' (15 attempts per email per 3 minutes, successful ones included), "
            "or 500 (often an unparsable JWT_EXPIRES_IN or an invalid SameSite value). Users see "
            "the same message under the sign-in form."
        ),
        fix="Act on the status and message the finding quotes; the related settings finding (e.g. "
            "jwt.expires-in-invalid, cookie.samesite-invalid) names the setting to change.",
        references=("openwebui-live-0.12.4 §3.2", "openwebui-live-0.12.4 §3.5"),
    ),
    CodeInfo(
        code="deploy.signout-not-revoking",
        severity=Severity.ERROR,
        summary="after sign-out the old token is still accepted",
        explanation=(
            "authdoctor signed in, signed out with POST /api/v1/auths/signout and then called GET "
            "/api/v1/auths/ with the old token, which still answered 200 instead of 401 'Invalid "
            "token'. A copied or stolen token therefore survives sign-out until its exp. Without "
            "Redis this is Open WebUI's documented behaviour and redis.not-configured is the root "
            "cause; with Redis configured it means the app cannot write or read the revocation key "
            "(Redis down or refusing credentials, a different REDIS_KEY_PREFIX per replica, or a "
            "token without exp)."
        ),
        fix="Configure a reachable REDIS_URL and the same REDIS_KEY_PREFIX on every replica, keep "
            "JWT_EXPIRES_IN finite, and see the redis findings for the exact cause.",
        references=("openwebui-live-0.12.4 §3.7", "Open WebUI utils/auth.py invalidate_token"),
    ),
    CodeInfo(
        code="deploy.not-openwebui",
        severity=Severity.WARNING,
        summary="the public URL answers, but not like Open WebUI (/api/config missing or not JSON)",
        explanation=(
            "Every Open WebUI answers GET /api/config without authentication with JSON holding "
            "name, version, features.auth and oauth.providers; this URL answered with HTML, a "
            "404 or something else. The URL may point at another app, a login portal of an "
            "authenticating proxy, or a sub-path deployment whose prefix is missing. The live "
            "checks cannot trust anything else this URL says."
        ),
        fix="Give authdoctor the URL users open for Open WebUI (including any path prefix), or "
            "exempt /api/config from the authenticating proxy.",
        references=("openwebui-live-0.12.4 §3.1",),
    ),
    CodeInfo(
        code="deploy.signout-get-noop",
        severity=Severity.WARNING,
        summary="GET on the sign-out URL answers 200 HTML and does nothing; clients must POST",
        explanation=(
            "In Open WebUI 0.12.4 sign-out is POST /api/v1/auths/signout. A GET on that path is "
            "answered by the frontend catch-all with 200 text/html (the SPA's index.html): no "
            "revocation key is written and the token stays valid (recorded live). A client, script "
            "or proxy-logout link that uses GET and only checks for a 2xx believes it signed out; "
            "older versions used GET, so old scripts do this."
        ),
        fix="Sign out with POST /api/v1/auths/signout (falling back to GET only on 405), sending "
            "the token as Bearer or cookie; expect {\"status\":true}.",
        references=("openwebui-live-0.12.4 §3.7",),
    ),
    CodeInfo(
        code="deploy.version-unexpected",
        severity=Severity.INFO,
        summary="the running app is another Open WebUI version than 0.12.4",
        explanation=(
            "GET /api/version (and /api/config) name the running version. authdoctor's checks "
            "follow Open WebUI 0.12.4: its settings, defaults and answers. In another version a "
            "setting may be named, defaulted or stored differently, so a finding may not apply."
        ),
        fix="Read the release notes between the running version and 0.12.4, or run 0.12.4.",
        references=("openwebui-live-0.12.4 §3.1",),
    ),
    CodeInfo(
        code="deploy.config-differs",
        severity=Severity.WARNING,
        summary="the running app advertises other auth features than the checked settings turn on",
        explanation=(
            "Open WebUI answers GET /api/config without sign-in with its auth features: "
            "features.auth (WEBUI_AUTH), auth_trusted_header (WEBUI_AUTH_TRUSTED_EMAIL_HEADER), "
            "enable_ldap, enable_signup, enable_login_form and oauth.providers. When they disagree "
            "with the settings authdoctor checked, the app runs other settings (an old container, "
            "another env file) or, for the persistent ones (ENABLE_LDAP, ENABLE_SIGNUP, "
            "ENABLE_LOGIN_FORM, OAuth), the copy 0.12.4 stored in its database on the first start "
            "wins over the file. The settings findings then describe an app that is not running. "
            "The first sign-up turns sign-up off by itself, so only an app that offers sign-up "
            "the settings turn off is reported for it."
        ),
        fix="Compare the running container's environment with the checked settings; change "
            "persistent settings in the Admin Panel or start once with ENABLE_PERSISTENT_CONFIG=false.",
        references=("openwebui-live-0.12.4 §3.1", "openwebui-live-0.12.4 §2 (persistent config)"),
    ),
    CodeInfo(
        code="deploy.public-url-differs",
        severity=Severity.WARNING,
        summary=("the running app uses another public URL than WEBUI_URL in the settings (the database "
                 "copy wins)"),
        explanation=(
            "Open WebUI 0.12.4 copies WEBUI_URL into its database on the first start and uses "
            "that copy afterwards; it publishes it without sign-in in /opensearch.xml "
            "(<moz:SearchForm>). When it differs from WEBUI_URL in the settings, changing the "
            "file did nothing: links, the OpenSearch description and redirect URIs the app "
            "builds use the stored value."
        ),
        fix="Set the WebUI URL in the Admin Panel (Settings > General), or start once with "
            "ENABLE_PERSISTENT_CONFIG=false or RESET_CONFIG_ON_START=true.",
        references=("Open WebUI 0.12.4 main.py get_opensearch_xml", "openwebui-live-0.12.4 §2"),
    ),
    CodeInfo(
        code="deploy.app-summary",
        severity=Severity.INFO,
        summary="what the running app advertises without sign-in (authdoctor app probe)",
        explanation=(
            "The version and the auth features the app publishes at /api/config (sign-in, "
            "sign-up, login form, LDAP, trusted header, OAuth providers) and the public URL it "
            "uses (/opensearch.xml), as `authdoctor app probe` shows them. It is not a problem: "
            "it is the answer to 'what does the running app actually do?'."
        ),
        fix="Nothing to fix: compare it with what you expect.",
        references=("openwebui-live-0.12.4 §3.1",),
    ),
    CodeInfo(
        code="deploy.session-refused",
        severity=Severity.ERROR,
        summary="the app refuses the token it has just issued (as Bearer or as the cookie)",
        explanation=(
            "authdoctor signed in with the test account and sent the new token straight back to "
            "GET /api/v1/auths/, once as `Authorization: Bearer` and once as the `token` cookie. "
            "Open WebUI 0.12.4 names the cause in its 401 detail: 'Not authenticated' (nothing "
            "arrived: a proxy dropped the header or the cookie), '401 Unauthorized' (the answering "
            "process cannot verify it: replicas with different WEBUI_SECRET_KEYs, or it expired), "
            "'Invalid token' (revoked, or the account's session_stamp changed), 'Invalid "
            "authentication request.' (the user is not in that process's database). Users are "
            "signed out right after signing in, or at random behind a load balancer."
        ),
        fix="Act on the cause the finding names: pass Authorization and Cookie through the proxy, "
            "give every replica the same WEBUI_SECRET_KEY and DATABASE_URL.",
        references=("openwebui-live-0.12.4 §3.4", "openwebui-live-0.12.4 §3.6"),
    ),
    CodeInfo(
        code="deploy.signout-failed",
        severity=Severity.ERROR,
        summary="sign-out (POST /api/v1/auths/signout) fails, typically 500 with Redis configured but down",
        explanation=(
            "With --signout authdoctor signs the test session out with POST /api/v1/auths/signout. "
            "Open WebUI 0.12.4 answers 200 {\"status\":true}; it answers 500 Internal Server Error "
            "when REDIS_URL is set but Redis cannot be used (the revocation key cannot be written, "
            "redis ConnectionError in the log). Users then get an error when signing out, their "
            "token stays valid, and because the revocation check fails open, tokens revoked earlier "
            "work again (recorded live)."
        ),
        fix="Make the Redis of REDIS_URL reachable from the app (see the redis findings), or remove "
            "REDIS_URL if the deployment runs without Redis.",
        references=("openwebui-live-0.12.4 §3.7",),
    ),
    CodeInfo(
        code="deploy.session-summary",
        severity=Severity.INFO,
        summary=("what signing in with the test account gave: the token's lifetime and claims, each "
                 "step's answer"),
        explanation=(
            "With a test account (--user and --password-env, or test_account in deploy.yaml) "
            "authdoctor signs in once (POST /api/v1/auths/signin, or /ldap for an LDAP login name), "
            "sends the token back as Bearer and as cookie, and with --signout signs out and tries "
            "the old token again. This entry reports what it saw: the token's algorithm, claims, "
            "lifetime and exp (never the token), each answer, and after sign-out the Redis "
            "revocation key with its TTL. It is not a problem."
        ),
        fix="Nothing to fix: compare it with what you expect.",
        references=("openwebui-live-0.12.4 §3.2", "openwebui-live-0.12.4 §3.3"),
    ),
)
