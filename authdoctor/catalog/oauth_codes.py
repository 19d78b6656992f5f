"""Catalog entries for the 'oauth' area: client side (redirect URIs, registration, credentials)."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_FAILED = "/auth?error=Sign-in with your identity provider failed…"
_EXACT = ("IdPs compare redirect URIs with the registered ones by exact string (RFC 9700 §2.1, "
          "rule O1)")
_STATE = ("Open WebUI keeps the OAuth state in the host-only owui-session cookie of the site the "
          "login started on")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="oauth.redirect-uri-scheme-mismatch",
        severity=Severity.ERROR,
        summary="the OAuth redirect URI uses http where the public URL is https (or the reverse)",
        explanation=(
            "The redirect URI sent to the IdP is the provider's *_REDIRECT_URI when set, otherwise "
            "built from the incoming request. If its scheme differs from the public URL, either the "
            "IdP refuses it because only the https URI is registered (" + _EXACT + "), or the "
            "browser returns to the other scheme, where the state cookie of the login does not "
            "exist. " + _STATE + ", so the callback fails and users land on " + _FAILED + ". "
            "Behind a TLS-terminating proxy the cause is usually a pinned http:// URI or missing "
            "X-Forwarded-Proto."
        ),
        fix="Set the provider's *_REDIRECT_URI (OPENID_REDIRECT_URI, GOOGLE_REDIRECT_URI, "
            "MICROSOFT_REDIRECT_URI, GITHUB_CLIENT_REDIRECT_URI, FEISHU_REDIRECT_URI) to "
            "https://<public host>/oauth/<provider>/callback and register exactly that URI at the IdP.",
        references=("RFC 9700 §2.1 (O1)", "Open WebUI utils/oauth.py handle_login"),
    ),
    CodeInfo(
        code="oauth.redirect-uri-host-mismatch",
        severity=Severity.ERROR,
        summary="the OAuth redirect URI's host or port differs from the public URL",
        explanation=(
            "The IdP sends the browser back to the redirect URI, so it must name the same host and "
            "port users sign in at. " + _STATE + " (no Domain attribute), so a callback on another "
            "host or port (an internal name, a different port, www vs bare domain) has no state "
            "and fails with " + _FAILED + ". If that other URI is not registered the IdP refuses "
            "the login before that (" + _EXACT + ")."
        ),
        fix="Set the provider's *_REDIRECT_URI to https://<public host>/oauth/<provider>/callback "
            "(the finding gives it) and register exactly that URI at the IdP.",
        references=("RFC 9700 §2.1 (O1)", "RFC 6265bis C6", "Open WebUI utils/oauth.py handle_login"),
    ),
    CodeInfo(
        code="oauth.redirect-uri-path-invalid",
        severity=Severity.ERROR,
        summary="the OAuth redirect URI's path is not the app's callback route /oauth/{provider}/callback",
        explanation=(
            "Open WebUI serves the OAuth callback at /oauth/{provider}/callback (and "
            "/oauth/{provider}/login/callback), with {provider} one of google, microsoft, github, "
            "oidc, feishu. A redirect URI with another path (/auth, /oauth/callback, "
            "/oauth/keycloak/callback, a path prefix the site does not have) sends the "
            "authorization code where the app does not read it: the SPA or a 404 answers and "
            "sign-in never completes. A redirect URI must also be absolute and without a fragment "
            "(RFC 6749 §3.1.2, rule O1), or the IdP rejects it."
        ),
        fix="Set the provider's *_REDIRECT_URI to https://<public host>/oauth/<provider>/callback "
            "(e.g. /oauth/oidc/callback for the generic OIDC provider) and register the same URI "
            "at the IdP.",
        references=("RFC 6749 §3.1.2 (O1)", "Open WebUI main.py OAuth routes"),
    ),
    CodeInfo(
        code="oauth.redirect-uri-trailing-slash",
        severity=Severity.ERROR,
        summary="the OAuth redirect URI differs from the expected one only by a trailing slash",
        explanation=(
            "Redirect URIs are compared by exact string (RFC 9700 §2.1, rule O1), so "
            "…/oauth/oidc/callback/ and …/oauth/oidc/callback are different URIs to the IdP. Open "
            "WebUI's callback route has no trailing slash: with one, the browser comes back to a "
            "path the frontend catch-all answers, the code is never exchanged and sign-in never "
            "completes. If the slash differs between the app and the IdP registration, the IdP "
            "refuses the login with a redirect_uri mismatch."
        ),
        fix="Remove the trailing slash from the provider's *_REDIRECT_URI and register the same URI, "
            "without the slash, at the IdP.",
        references=("RFC 9700 §2.1 (O1)", "Open WebUI main.py OAuth routes"),
    ),
    CodeInfo(
        code="oauth.redirect-uri-not-registered",
        severity=Severity.ERROR,
        summary="live: the IdP rejects the redirect URI the app sends",
        explanation=(
            "authdoctor sent the IdP's authorization endpoint the client id and the redirect_uri "
            "the app sends (redirects not followed) and the IdP refused the redirect_uri "
            "(Keycloak 'Invalid parameter: redirect_uri', Entra AADSTS50011, Google "
            "'Error 400: redirect_uri_mismatch'). The authorization server must compare it with "
            "the registered URIs by exact string (RFC 9700 §2.1, rule O1), so scheme, host, port, "
            "path and trailing slash must all match. Users see the IdP's error page and never get "
            "back to Open WebUI."
        ),
        fix="Register the exact redirect URI the finding shows at the IdP, or set the provider's "
            "*_REDIRECT_URI to the URI that is registered.",
        references=("RFC 9700 §2.1 (O1)", "RFC 8252 §7.3 (O1)"),
    ),
    CodeInfo(
        code="oauth.provider-incomplete",
        severity=Severity.ERROR,
        summary="some of a provider's variables are set but not all: the app silently skips it",
        explanation=(
            "Open WebUI's load_oauth_providers() registers a provider only when all of its "
            "variables are non-empty: Google needs client id and secret; Microsoft also needs "
            "MICROSOFT_CLIENT_TENANT_ID; the generic OIDC provider needs OAUTH_CLIENT_ID, "
            "OPENID_PROVIDER_URL and OAUTH_CLIENT_SECRET or OAUTH_CODE_CHALLENGE_METHOD. Otherwise "
            "it skips the provider without a log line: the login page has no button for it, "
            "/api/config does not list it and /oauth/microsoft/login (for example) returns 404. "
            "This is the classic 'the Microsoft button is gone' report, e.g. after "
            "MICROSOFT_CLIENT_TENANT_ID was left out of a new .env."
        ),
        fix="Set the missing variable(s) the finding names (non-empty) and restart, or remove the "
            "provider's variables if it is not used.",
        references=("Open WebUI config.py load_oauth_providers",),
    ),
    CodeInfo(
        code="oauth.provider-not-registered",
        severity=Severity.ERROR,
        summary="live: the app does not offer a provider the settings configure",
        explanation=(
            "The settings configure this provider, but the running app does not list it in "
            "/api/config `oauth.providers` and /oauth/{provider}/login answers 404. Either the "
            "running container has other settings than the ones checked (an old container, a "
            "missing env_file), ENABLE_OAUTH is false, a variable is empty in the container (see "
            "oauth.provider-incomplete), or ENABLE_OAUTH_PERSISTENT_CONFIG=true makes the app use "
            "the database copy of the oauth.* settings instead of env. Users see no button for "
            "the provider on the sign-in page."
        ),
        fix="Compare the container's environment with the checked settings (docker inspect / "
            "kubectl describe pod), set the provider's variables there and restart.",
        references=("Open WebUI config.py load_oauth_providers", "Open WebUI main.py /api/config"),
    ),
    CodeInfo(
        code="oauth.invalid-client",
        severity=Severity.ERROR,
        summary="live: the IdP's token endpoint rejects the client id or secret",
        explanation=(
            "After the user authenticates, Open WebUI exchanges the code at the token endpoint "
            "with its client id and secret; the IdP answered invalid_client (or "
            "unauthorized_client). Open WebUI logs 'OAuth callback error during "
            "authorize_access_token … invalid_client' and users land on " + _FAILED + ". Common "
            "causes: an expired or rotated secret (Entra AADSTS7000215/7000222), whitespace or "
            "quotes kept in the value, a secret from another client or realm, or a client that "
            "expects client_secret_post while the app sends client_secret_basic."
        ),
        fix="Copy the current secret into the provider's *_CLIENT_SECRET without quotes or "
            "whitespace; if the IdP requires it, set OAUTH_TOKEN_ENDPOINT_AUTH_METHOD="
            "client_secret_post (OIDC provider).",
        references=("RFC 6749 §5.2", "Open WebUI utils/oauth.py handle_callback"),
    ),
    CodeInfo(
        code="oauth.scope-missing",
        severity=Severity.ERROR,
        summary="a needed OAuth scope is missing (openid, email; GitHub user:email)",
        explanation=(
            "Google, Microsoft and the OIDC provider need 'openid' to get an ID token and 'email' to "
            "get the email claim Open WebUI keys accounts on (OAUTH_EMAIL_CLAIM, default email); "
            "GitHub needs 'user:email' to read a private primary address from /user/emails. "
            "Without them the callback has no email and fails with " + _FAILED + " unless "
            "ENABLE_OAUTH_EMAIL_FALLBACK is on. Scopes are separated by spaces, not commas."
        ),
        fix='Set the provider\'s scope variable (OAUTH_SCOPES, GOOGLE_OAUTH_SCOPE, '
            'MICROSOFT_OAUTH_SCOPE, GITHUB_CLIENT_SCOPE), e.g. OAUTH_SCOPES="openid email profile".',
        references=("OIDC Core §2 (K1)", "Open WebUI config.py load_oauth_providers"),
    ),
    CodeInfo(
        code="oauth.pkce-method-unsupported",
        severity=Severity.ERROR,
        summary="OAUTH_CODE_CHALLENGE_METHOD is not exactly S256: Open WebUI does not start",
        explanation=(
            "Open WebUI passes OAUTH_CODE_CHALLENGE_METHOD to authlib when Google, Microsoft, GitHub "
            "or the OIDC provider registers at import, and any value other than exactly 'S256' "
            "raises 'Code challenge methods other than \"S256\" not supported'. The app therefore "
            "fails to start (the container restarts in a loop), also for 'plain' and 's256'. RFC "
            "7636 §4.2 requires S256 from any client that can do it (rule O2)."
        ),
        fix="Set OAUTH_CODE_CHALLENGE_METHOD=S256, or remove it to use no PKCE (the OIDC provider "
            "then needs OAUTH_CLIENT_SECRET).",
        references=("RFC 7636 §4.2 (O2)", "Open WebUI config.py oauth_client_kwargs"),
    ),
    CodeInfo(
        code="oauth.proxy-headers-not-forwarded",
        severity=Severity.ERROR,
        summary="the app builds http or internal callback URLs: the proxy's forwarded headers are not used",
        explanation=(
            "Without a pinned *_REDIRECT_URI Open WebUI builds the OAuth callback with "
            "request.url_for, from the scheme and host the request reached it with. uvicorn "
            "(0.54, pinned by 0.12.4) applies X-Forwarded-Proto only for connections from an "
            "address in FORWARDED_ALLOW_IPS; `open-webui serve` defaults it to '*'. From the "
            "settings, authdoctor reports an https site whose FORWARDED_ALLOW_IPS trusts loopback "
            "only while the proxy clearly connects from elsewhere (the app is a compose service "
            "on a bridge network, typically beside a proxy service): the header is ignored and "
            "the IdP receives redirect_uri=http://…. Live, authdoctor requests GET "
            "/oauth/{provider}/login at the public URL and reads the redirect_uri the app sends. "
            "The IdP then rejects the redirect URI, or sends users to a URL where their state "
            "cookie does not exist."
        ),
        fix="Pin the provider's *_REDIRECT_URI to https://<public host>/oauth/<provider>/callback, or "
            "set FORWARDED_ALLOW_IPS to the proxy's address or network, and make the proxy send "
            "X-Forwarded-Proto and Host (nginx: proxy_set_header X-Forwarded-Proto $scheme; "
            "proxy_set_header Host $host).",
        references=("RFC 9700 §2.1 (O1)", "Open WebUI utils/oauth.py handle_login",
                    "Open WebUI __init__.py FORWARDED_ALLOW_IPS",
                    "uvicorn middleware/proxy_headers.py (forwarded_allow_ips)"),
    ),
    CodeInfo(
        code="oauth.allowed-domains-case",
        severity=Severity.WARNING,
        summary="an OAUTH_ALLOWED_DOMAINS entry with upper case never matches",
        explanation=(
            "Open WebUI lower-cases the user's email before comparing its domain with each "
            "OAUTH_ALLOWED_DOMAINS entry, but keeps the entries as written (it only strips them), "
            "and compares by exact string. An entry such as Example.com therefore never matches, "
            "and users of that domain are refused with " + _FAILED + ". If no other entry can "
            "match, every OAuth sign-in is refused and the finding is an error."
        ),
        fix="Write the domains in lower case, e.g. OAUTH_ALLOWED_DOMAINS=example.com,example.org.",
        references=("Open WebUI utils/oauth.py handle_callback",),
    ),
    CodeInfo(
        code="oauth.allowed-domains-never-match",
        severity=Severity.WARNING,
        summary="an OAUTH_ALLOWED_DOMAINS entry can never match an email domain",
        explanation=(
            "The email domain (after the last '@', lower-cased) must equal an OAUTH_ALLOWED_DOMAINS "
            "entry exactly; the only wildcard is an entry that is exactly '*'. Entries with an '@' "
            "or leading dot, a URL, a port, spaces or a pattern such as *.example.com match "
            "nothing, so users of those domains are refused with " + _FAILED + ". When no entry "
            "can match (or the list is empty), every OAuth sign-in is refused and the finding is "
            "an error."
        ),
        fix="List bare domains separated by commas, e.g. OAUTH_ALLOWED_DOMAINS=example.com,"
            "example.org, or '*' to allow any domain.",
        references=("Open WebUI utils/oauth.py handle_callback",),
    ),
    CodeInfo(
        code="oauth.role-mapping-incomplete",
        severity=Severity.WARNING,
        summary="OAuth role management is on but the roles claim, allowed or admin roles are empty",
        explanation=(
            "With ENABLE_OAUTH_ROLE_MANAGEMENT=true Open WebUI 0.12.4 reads the roles claim whenever "
            "OAUTH_ROLES_CLAIM is non-empty, and then applies OAUTH_ALLOWED_ROLES and "
            "OAUTH_ADMIN_ROLES as they are, empty or not. An empty claim means roles are never "
            "read and everyone gets DEFAULT_USER_ROLE. Empty "
            "allowed roles refuse users whose roles match no admin role with 403 'You do not have "
            "permission to access this resource…'. Empty admin roles mean nobody becomes admin "
            "through the IdP, and an existing admin is demoted at the next sign-in."
        ),
        fix="Set OAUTH_ROLES_CLAIM (e.g. roles or realm_access.roles), OAUTH_ALLOWED_ROLES (e.g. "
            "user,admin) and OAUTH_ADMIN_ROLES (e.g. admin) to values the IdP sends, or turn "
            "ENABLE_OAUTH_ROLE_MANAGEMENT off.",
        references=("Open WebUI utils/oauth.py get_user_role",),
    ),
    CodeInfo(
        code="oauth.redirect-uri-depends-on-proxy",
        severity=Severity.WARNING,
        summary="no *_REDIRECT_URI is pinned on an https site: the callback URL depends on proxy headers",
        explanation=(
            "Without the provider's *_REDIRECT_URI Open WebUI sends the IdP "
            "request.url_for('oauth_login_callback'), built from the scheme and host of the request "
            "it receives (WEBUI_URL is not used here). Behind a TLS-terminating proxy that is "
            "https only if the proxy sends X-Forwarded-Proto and uvicorn trusts it "
            "(FORWARDED_ALLOW_IPS, default '*' with `open-webui serve`). It works today if the "
            "proxy is right, but a proxy change or a new replica without those headers turns every "
            "OAuth sign-in into a redirect_uri mismatch (RFC 9700 §2.1, rule O1)."
        ),
        fix="Pin the provider's *_REDIRECT_URI to https://<public host>/oauth/<provider>/callback "
            "and register exactly that URI at the IdP.",
        references=("RFC 9700 §2.1 (O1)", "Open WebUI utils/oauth.py handle_login"),
    ),
    CodeInfo(
        code="oauth.signup-disabled",
        severity=Severity.INFO,
        summary="ENABLE_OAUTH_SIGNUP is off: new SSO users are refused until an account exists",
        explanation=(
            "OAuth sign-up is controlled by ENABLE_OAUTH_SIGNUP (default false), not by "
            "ENABLE_SIGNUP. A user with no account linked to the provider is refused with 403 "
            "ACCESS_PROHIBITED, shown as /auth?error=You do not have permission to access this "
            "resource. Please contact your administrator for assistance. An existing local account "
            "with the same email is not linked either unless OAUTH_MERGE_ACCOUNTS_BY_EMAIL is on. "
            "This is a valid policy (accounts created by an admin or SCIM), hence info."
        ),
        fix="Set ENABLE_OAUTH_SIGNUP=true if SSO users should get an account on first sign-in; "
            "otherwise create their accounts first.",
        references=("Open WebUI utils/oauth.py handle_callback",),
    ),
    CodeInfo(
        code="oauth.merge-accounts-by-email",
        severity=Severity.WARNING,
        summary="OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true lets an OAuth sign-in take over a local account",
        explanation=(
            "With OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true the first OAuth sign-in whose email equals an "
            "existing account's (the admin's included) is linked to that account. Open WebUI does "
            "not check email_verified, so anyone who can get an account with that address at any "
            "configured IdP (self-registration, an IdP that does not verify emails) signs in as "
            "that user. Open WebUI's documentation marks the option as insecure."
        ),
        fix="Set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=false unless every configured IdP only issues "
            "verified addresses of domains you control.",
        references=("Open WebUI utils/oauth.py handle_callback",),
    ),
    CodeInfo(
        code="oauth.id-token-unchecked",
        severity=Severity.WARNING,
        summary="live: the ID token given could not be verified (no provider keys, or no OpenID provider)",
        explanation=(
            "An ID token was given (--id-token or test_account.id_token) to compare with what the "
            "app needs, but its signature (and issuer) could not be checked: the provider's "
            "discovery document or key set could not be read (the oidc area says why), or no "
            "configured provider issues ID tokens (GitHub and Feishu use plain OAuth 2.0). The "
            "claims that could be compared still were."
        ),
        fix="Fix what the oidc area reports, or give the ID token of the OpenID provider the app "
            "signs in with.",
        references=("OIDC Core §3.1.3.7 (K2)",),
    ),
    CodeInfo(
        code="oauth.email-domain-not-allowed",
        severity=Severity.ERROR,
        summary="live: the ID token's email domain is not in OAUTH_ALLOWED_DOMAINS (sign-in refused)",
        explanation=(
            "Open WebUI lower-cases the email from the email claim and compares the part after "
            "the last '@' with each OAUTH_ALLOWED_DOMAINS entry by exact string (no subdomains, "
            "no wildcard but a lone '*'). A user whose domain is not listed lands on " + _FAILED +
            "."
        ),
        fix="Add the domain to OAUTH_ALLOWED_DOMAINS (comma-separated), or '*' for any.",
        references=("Open WebUI utils/oauth.py handle_callback",),
    ),
    CodeInfo(
        code="oauth.role-not-allowed",
        severity=Severity.ERROR,
        summary="live: the ID token's roles hold none of OAUTH_ALLOWED_ROLES / OAUTH_ADMIN_ROLES (403)",
        explanation=(
            "With ENABLE_OAUTH_ROLE_MANAGEMENT=true Open WebUI 0.12.4 reads the roles claim "
            "(OAUTH_ROLES_CLAIM, dotted paths walk nested objects) and gives 'user' for an allowed "
            "role, 'admin' for an admin role; a token with roles of which none matches is refused "
            "with 403 'You do not have permission to access this resource'. Role values are "
            "compared exactly (case included)."
        ),
        fix="Add the role to OAUTH_ALLOWED_ROLES or OAUTH_ADMIN_ROLES, or assign an allowed role at "
            "the IdP.",
        references=("Open WebUI utils/oauth.py get_user_role",),
    ),
    CodeInfo(
        code="oauth.groups-overage",
        severity=Severity.WARNING,
        summary="live: Entra ID left the groups out of the token (group overage): group sync does nothing",
        explanation=(
            "Entra ID puts at most 200 groups in a JWT (fewer in other flows); for a user in more it "
            "leaves the groups claim out and sends _claim_names.groups (or hasgroups=true), "
            "expecting the app to read the groups from Microsoft Graph. Open WebUI reads only the "
            "token's OAUTH_GROUPS_CLAIM, so with ENABLE_OAUTH_GROUP_MANAGEMENT these users get no "
            "group changes at all."
        ),
        fix="Emit only the groups assigned to the application (Entra token configuration, "
            "groupMembershipClaims=ApplicationGroup), or map access with app roles instead.",
        references=("Microsoft identity platform: ID token claims (groups, _claim_names, hasgroups)",
                    "Open WebUI utils/oauth.py update_user_groups"),
    ),
    CodeInfo(
        code="oauth.client-unknown",
        severity=Severity.ERROR,
        summary="live: the IdP does not know the client id",
        explanation=(
            "authdoctor presented the configured client id to the IdP's authorization (or token) "
            "endpoint and the IdP answered that no such client exists (Keycloak 'Client not "
            "found.', Entra AADSTS700016, Google 'The OAuth client was not found.', Dex 'Invalid "
            "client_id.', panva 'client is invalid'). Users clicking the sign-in button get the "
            "IdP's error page and never reach a login form. Usual causes: a client id from "
            "another realm, tenant or environment, a typo, a deleted client, or the wrong "
            "variable (the Application ID URI instead of the Application (client) ID)."
        ),
        fix="Copy the client id from the IdP's client or app registration into the provider's "
            "*_CLIENT_ID (OAUTH_CLIENT_ID for the OIDC provider), and check OPENID_PROVIDER_URL "
            "names the realm or tenant where that client lives.",
        references=("RFC 6749 §4.1.2.1", "RFC 6749 §5.2"),
    ),
    CodeInfo(
        code="oauth.token-endpoint-unusable",
        severity=Severity.ERROR,
        summary="live: the token endpoint does not answer like an OAuth token endpoint",
        explanation=(
            "authdoctor posted a token request shaped like the app's (a deliberately invalid "
            "code) to the token endpoint and got no OAuth answer: the endpoint is unreachable "
            "from here (DNS, TCP, TLS, timeout), redirects (the app's client does not follow a "
            "redirect on the code exchange), or answers something that is not a JSON token or "
            "error response (an HTML page, a server error). Open WebUI's authlib client parses "
            "the answer as JSON (RFC 6749 §5.1, §5.2), so if the app gets the same answer every "
            "sign-in ends in " + _FAILED + ". Whether the client credentials are accepted could "
            "not be established."
        ),
        fix="Make the token endpoint from the discovery document reachable from the Open WebUI "
            "container, without a login wall or redirect in front of it; check the IdP's logs for "
            "the server error.",
        references=("RFC 6749 §5.1", "RFC 6749 §5.2", "Open WebUI utils/oauth.py handle_callback"),
    ),
    CodeInfo(
        code="oauth.token-endpoint-insecure",
        severity=Severity.ERROR,
        summary="the app sends its client secret to a plain-http token endpoint off loopback",
        explanation=(
            "The token endpoint the app uses is http://, on a host other than loopback. Open "
            "WebUI sends the client secret there on every sign-in (HTTP Basic or in the form "
            "body), readable and replayable by anyone on the path: with it they can redeem codes "
            "as the app. OAuth requires TLS on the token endpoint (RFC 6749 §3.2, §2.3.1). "
            "authdoctor does not send a secret over plain http off loopback, so the client "
            "credentials were not probed."
        ),
        fix="Publish the IdP over https and use its https discovery URL (the token endpoint comes "
            "from the discovery document; the IdP's public-URL setting decides its scheme).",
        references=("RFC 6749 §3.2", "RFC 6749 §2.3.1", "RFC 9700 §2.1"),
    ),
    CodeInfo(
        code="oauth.auth-method-unsupported",
        severity=Severity.ERROR,
        summary="the client authentication the app uses is not one the IdP supports",
        explanation=(
            "Open WebUI authenticates at the token endpoint with OAUTH_TOKEN_ENDPOINT_AUTH_METHOD "
            "(OIDC provider only) or else with authlib's default, client_secret_basic (HTTP "
            "Basic); it never reads the provider's token_endpoint_auth_methods_supported (RFC "
            "8414 §2, OIDC Discovery §3). When the method is not in that list, the IdP answers "
            "invalid_client to every code exchange and users land on " + _FAILED + "."
        ),
        fix="Set OAUTH_TOKEN_ENDPOINT_AUTH_METHOD to a method the provider lists (e.g. "
            "client_secret_post), or change the client's authentication method at the IdP.",
        references=("RFC 8414 §2", "OIDC Discovery §3", "Open WebUI config.py oauth_client_kwargs"),
    ),
    CodeInfo(
        code="oauth.client-secret-encoding",
        severity=Severity.ERROR,
        summary="the client secret has characters the app sends unencoded in HTTP Basic",
        explanation=(
            "RFC 6749 §2.3.1 says the client id and secret are form-urlencoded before they go "
            "into the HTTP Basic header, and IdPs that follow it decode them (Keycloak, Dex, "
            "zitadel). authlib 1.7.2, which Open WebUI uses, sends them raw (its PR #594 that "
            "encoded them was reverted), so a secret with '%' or '+' arrives changed ('+' "
            "becomes a space, '%41' becomes 'A') and the IdP answers invalid_client."
        ),
        fix="Generate a client secret without '%' and '+' (letters, digits, '-', '_', '.', '~'), "
            "or use client_secret_post (OAUTH_TOKEN_ENDPOINT_AUTH_METHOD=client_secret_post, OIDC "
            "provider only).",
        references=("RFC 6749 §2.3.1", "authlib PR #594 (reverted)"),
    ),
    CodeInfo(
        code="oauth.refresh-auth-method-differs",
        severity=Severity.WARNING,
        summary="sign-in uses HTTP Basic but token refresh sends the secret in the body",
        explanation=(
            "With OAUTH_TOKEN_ENDPOINT_AUTH_METHOD unset, the code exchange uses authlib's "
            "default client_secret_basic, while Open WebUI's own refresh code sends "
            "client_secret in the form body unless the method is explicitly client_secret_basic. "
            "IdPs that enforce the client's one registered method (Authelia, panva "
            "oidc-provider, Okta) accept the sign-in and reject every refresh with "
            "invalid_client: the stored OAuth session is deleted when its access token expires, "
            "and features that use the user's IdP token stop working."
        ),
        fix="Set OAUTH_TOKEN_ENDPOINT_AUTH_METHOD=client_secret_basic (OIDC provider): then "
            "sign-in and refresh both use HTTP Basic.",
        references=("Open WebUI utils/oauth.py (token refresh)", "RFC 6749 §2.3.1"),
    ),
    CodeInfo(
        code="oauth.pkce-required",
        severity=Severity.ERROR,
        summary="the IdP requires PKCE but the app sends none",
        explanation=(
            "Open WebUI sends a PKCE code_challenge only with OAUTH_CODE_CHALLENGE_METHOD=S256. "
            "This IdP requires PKCE for the client (Kanidm does by default; others per client), "
            "so it refuses the authorization request and users never reach the login form. PKCE "
            "is recommended for every client (RFC 9700 §2.1.1, rule O2)."
        ),
        fix="Set OAUTH_CODE_CHALLENGE_METHOD=S256 (Open WebUI then uses PKCE for Google, "
            "Microsoft, GitHub and the OIDC provider), or turn the PKCE requirement off for this "
            "client at the IdP.",
        references=("RFC 9700 §2.1.1 (O2)", "RFC 7636 §4.3", "Open WebUI config.py oauth_client_kwargs"),
    ),
)
