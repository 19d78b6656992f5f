"""Catalog entries for the 'oidc' area: the provider's discovery document, issuer and keys."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_FAILED = "/auth?error=Sign-in with your identity provider failed…"
_USES = ("Open WebUI hands OPENID_PROVIDER_URL to authlib as server_metadata_url (fetched at the "
         "first login) and fetches it again on every sign-out of an OAuth session")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="oidc.discovery-unreachable",
        severity=Severity.ERROR,
        summary="the discovery document cannot be fetched (DNS, TCP, TLS or HTTP; the finding says which)",
        explanation=(
            _USES + ". If it cannot be fetched, GET /oauth/oidc/login fails (HTTP 500 or an error "
            "redirect) and nobody can sign in with the provider, and POST /api/v1/auths/signout "
            "for OAuth users answers 500 'Failed to sign out from the OpenID provider.' The "
            "finding names the failing layer: a name that does not resolve inside the container, "
            "a refused or timed-out connection, a certificate the container does not trust, or an "
            "HTTP error status (OIDC Discovery §4.2, rule D2)."
        ),
        fix="Make the discovery URL reachable from the Open WebUI container (DNS, firewall, "
            "proxy), and for a private CA add it to the container's trust store (e.g. "
            "REQUESTS_CA_BUNDLE / SSL_CERT_FILE).",
        references=("OIDC Discovery §4 (D1)", "OIDC Discovery §4.2 (D2)",
                    "Open WebUI routers/auths.py signout"),
    ),
    CodeInfo(
        code="oidc.discovery-not-json",
        severity=Severity.ERROR,
        summary="the discovery URL answers, but not with JSON (a login page, a proxy error)",
        explanation=(
            "A discovery response must be HTTP 200 with an application/json body (OIDC Discovery "
            "§4.2, rule D2). An HTML login page, a proxy or WAF error page, or a redirect to one "
            "means the URL is not the metadata document, usually because OPENID_PROVIDER_URL is "
            "the issuer or an admin-console URL, or an SSO proxy intercepts the request. "
            + _USES + ", so OIDC sign-in fails and the OAuth sign-out answers 500."
        ),
        fix="Set OPENID_PROVIDER_URL to <issuer>/.well-known/openid-configuration and exempt that "
            "path from any authenticating proxy in front of the IdP.",
        references=("OIDC Discovery §4.2 (D2)", "OIDC Discovery §4 (D1)"),
    ),
    CodeInfo(
        code="oidc.discovery-invalid",
        severity=Severity.ERROR,
        summary="required discovery metadata is missing or has the wrong type",
        explanation=(
            "OIDC Discovery §3 (rule D4) requires issuer, authorization_endpoint, token_endpoint, "
            "jwks_uri, response_types_supported, subject_types_supported and "
            "id_token_signing_alg_values_supported (with RS256). Authlib needs "
            "authorization_endpoint to start the login, token_endpoint to exchange the code and "
            "jwks_uri to verify the ID token, so a missing one breaks every OIDC sign-in "
            "(" + _FAILED + " or a 500 on /oauth/oidc/login). The finding names the field and what "
            "was found instead."
        ),
        fix="Fix the provider's metadata (usually a wrong realm, tenant or base path in "
            "OPENID_PROVIDER_URL), or point OPENID_PROVIDER_URL at the provider's real discovery "
            "document.",
        references=("OIDC Discovery §3 (D4)", "RFC 8414 §2 (M4)"),
    ),
    CodeInfo(
        code="oidc.issuer-mismatch",
        severity=Severity.ERROR,
        summary="the discovery issuer differs from the URL it was fetched from",
        explanation=(
            "The issuer in the discovery document must be identical to the URL the well-known path "
            "was appended to (OIDC Discovery §4.3, rule D3), and ID tokens carry the same value in "
            "iss. A difference means the IdP believes it lives at another URL (a proxy in front of "
            "Keycloak without KC_HOSTNAME, http vs https, an internal host name). Clients that "
            "follow the rule refuse such a provider. Open WebUI's authlib does not compare the two "
            "itself: it checks each ID token's iss against the document's issuer exactly, so OIDC "
            "sign-in fails with " + _FAILED + " as soon as the tokens carry the other form (the IdP "
            "reached under two names). Most often the only difference is a trailing slash; the "
            "finding says so, and which side has it, and is then a warning."
        ),
        fix="Configure the IdP's public URL (e.g. Keycloak KC_HOSTNAME, proxy headers) so the issuer "
            "is the URL users and Open WebUI reach, and set OPENID_PROVIDER_URL to "
            "<that issuer>/.well-known/openid-configuration.",
        references=("OIDC Discovery §4.3 (D3)", "OIDC Core §3.1.3.7 (K2)", "RFC 8414 §3.3 (M3)"),
    ),
    CodeInfo(
        code="oidc.issuer-template",
        severity=Severity.ERROR,
        summary="the issuer holds a template such as {tenantid} (Microsoft common/organizations)",
        explanation=(
            "For the multi-tenant 'common' and 'organizations' endpoints, Entra ID's discovery "
            "document has the issuer https://login.microsoftonline.com/{tenantid}/v2.0, a template, "
            "while each ID token carries the user's real tenant id. Authlib (1.7, pinned by Open "
            "WebUI 0.12.4) compares iss with the discovered issuer exactly (OIDC Core §3.1.3.7, rule "
            "K2), so every Microsoft sign-in ends in " + _FAILED + ". Open WebUI supports a single "
            "tenant per deployment. authdoctor recognises this from the settings alone: "
            "MICROSOFT_CLIENT_TENANT_ID=common or organizations, or an OPENID_PROVIDER_URL on an "
            "Entra login host whose first path segment is common or organizations. 'consumers' is "
            "not a template (its issuer is the fixed personal-account tenant "
            "9188040d-6c67-4c5b-b112-36a304b66dad) and is not reported."
        ),
        fix="Put your directory (tenant) id where the alias is: MICROSOFT_CLIENT_TENANT_ID=<tenant-id>, "
            "or OPENID_PROVIDER_URL=https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/"
            "openid-configuration; use consumers (9188040d-6c67-4c5b-b112-36a304b66dad) for personal "
            "Microsoft accounts only.",
        references=("OIDC Core §3.1.3.7 (K2)", "OIDC Discovery §4.3 (D3)", "Open WebUI config.py "
                    "load_oauth_providers", "Microsoft identity platform: OpenID Connect (issuer "
                    "for common/organizations)"),
    ),
    CodeInfo(
        code="oidc.provider-url-not-discovery",
        severity=Severity.ERROR,
        summary="OPENID_PROVIDER_URL is the issuer, not the full /.well-known/openid-configuration URL",
        explanation=(
            "Discovery lives at the issuer with /.well-known/openid-configuration appended (OIDC "
            "Discovery §4, rule D1), and Open WebUI does not append it: it uses "
            "OPENID_PROVIDER_URL verbatim as the metadata URL. Set to the issuer "
            "(https://idp.example.com/realms/main), the fetch returns an HTML page or 404 instead "
            "of JSON, so /oauth/oidc/login fails and OAuth sign-out answers 500 'Failed to sign out "
            "from the OpenID provider.' Every compliant provider serves the document at the issuer "
            "plus that suffix, so the fix is mechanical."
        ),
        fix="Set OPENID_PROVIDER_URL=<issuer>/.well-known/openid-configuration, e.g. "
            "https://idp.example.com/realms/main/.well-known/openid-configuration.",
        references=("OIDC Discovery §4 (D1)", "Open WebUI config.py load_oauth_providers"),
    ),
    CodeInfo(
        code="oidc.jwks-unreachable",
        severity=Severity.ERROR,
        summary="the provider's jwks_uri cannot be fetched",
        explanation=(
            "Authlib fetches the keys from jwks_uri to verify the ID token's signature during the "
            "OAuth callback. If that URL cannot be reached from the container (an internal-only "
            "host name, a firewall, an untrusted certificate, an HTTP error), the code exchange "
            "succeeds but the token cannot be verified, and every OIDC sign-in ends in " + _FAILED
            + ". Back-channel logout verifies logout tokens with the same keys and fails too."
        ),
        fix="Make jwks_uri reachable from the Open WebUI container, or fix the IdP's public URL so "
            "the discovery document advertises a reachable jwks_uri.",
        references=("OIDC Discovery §3 (D4)", "OIDC Core §3.1.3.7 (K2)"),
    ),
    CodeInfo(
        code="oidc.jwks-invalid",
        severity=Severity.ERROR,
        summary="the JWKS is unusable: keys unparsable, duplicate kid, weak RSA or no signing key",
        explanation=(
            "The JWKS must hold parsable public keys with unique kid values, usable for signatures "
            "(use 'sig' or no use), with RSA moduli of at least 2048 bits. Unparsable keys or none "
            "for signing make every ID-token verification fail (" + _FAILED + "); a duplicate kid "
            "makes the chosen key ambiguous, so verification fails at random; a weak RSA key lets "
            "an attacker who factors it forge ID tokens. Each key must be used with exactly one "
            "algorithm (RFC 8725 §3.1, rule J3). The provider should also have a signing key for each "
            "algorithm in its id_token_signing_alg_values_supported. A key set that publishes private "
            "key material (d, p, q, ... or a symmetric key's k) lets anyone who reads it forge ID tokens."
        ),
        fix="Fix the key set at the IdP: rotate out weak, broken or exposed keys, give each key a "
            "unique kid and publish a signing key for each advertised algorithm.",
        references=("RFC 7517 §4", "RFC 8725 §3.1 (J3)", "OIDC Discovery §3 (D4)"),
    ),
    CodeInfo(
        code="oidc.end-session-missing",
        severity=Severity.WARNING,
        summary="the discovery document has no end_session_endpoint: sign-out will not end the IdP session",
        explanation=(
            "On sign-out of an OAuth session Open WebUI fetches the provider's discovery document "
            "and, if it has an end_session_endpoint, sends the browser there with id_token_hint "
            "(OIDC RP-Initiated Logout §2.1, rule L1). Without one the app only deletes its own "
            "cookies: the IdP session stays, and the next 'Continue with …' click signs the user "
            "straight back in without a password, which users report as 'logout does not work'. "
            "Google's discovery, for one, has no end_session_endpoint."
        ),
        fix="Enable RP-initiated logout at the IdP, or set OPENID_END_SESSION_ENDPOINT to the IdP's "
            "logout URL (Open WebUI then redirects there verbatim).",
        references=("OIDC RP-Initiated Logout §2.1 (L1)", "Open WebUI routers/auths.py signout"),
    ),
    CodeInfo(
        code="oidc.insecure-endpoint",
        severity=Severity.WARNING,
        summary="a provider endpoint is plain http to a host other than loopback",
        explanation=(
            "Provider endpoints must use TLS (OIDC Discovery §3 and the OIDF suite's "
            "all-endpoints-https check, rule D7; logout endpoints rule L1). Discovery metadata, "
            "keys, tokens and logout redirects fetched over plain http can be read and altered on "
            "the way, so whoever sits on the network path can substitute the signing keys or the "
            "endpoints and sign in as anyone, or read authorization codes and tokens. Sign-in "
            "works meanwhile, which is why it goes unnoticed."
        ),
        fix="Use the https:// URL of the IdP in OPENID_PROVIDER_URL / OPENID_END_SESSION_ENDPOINT, "
            "and make the IdP advertise https endpoints (its public URL setting).",
        references=("OIDC Discovery §3 (D7)", "OIDC RP-Initiated Logout §2.1 (L1)"),
    ),
    CodeInfo(
        code="oidc.scope-unsupported",
        severity=Severity.WARNING,
        summary="a configured scope is not in the provider's scopes_supported",
        explanation=(
            "The provider lists the scopes it knows in scopes_supported (OIDC Discovery §3, rule "
            "D5), and a scope Open WebUI asks for (OAUTH_SCOPES, default 'openid email profile') is "
            "not among them. Some IdPs ignore unknown scopes, but others (Keycloak: "
            "error=invalid_scope) refuse the authorization request, and the user sees the IdP's "
            "error instead of a login. A misspelled scope (or commas instead of spaces) is the "
            "usual cause."
        ),
        fix="Set OAUTH_SCOPES to space-separated scopes the provider supports (e.g. \"openid email "
            "profile\"), or create the client scope at the IdP.",
        references=("OIDC Discovery §3 (D5)",),
    ),
    CodeInfo(
        code="oidc.pkce-unsupported",
        severity=Severity.WARNING,
        summary="the provider does not advertise S256 while PKCE is configured",
        explanation=(
            "With OAUTH_CODE_CHALLENGE_METHOD=S256 Open WebUI sends a PKCE challenge, but the "
            "discovery document's code_challenge_methods_supported lacks S256 or is absent, and an "
            "absent list means the server is taken not to support PKCE (RFC 8414 §2, rule M4; RFC "
            "9700 §2.1.1, rule O2). A server that ignores the challenge loses the protection "
            "silently. One that rejects it breaks the login, and a public client (no "
            "OAUTH_CLIENT_SECRET) then cannot sign in at all."
        ),
        fix="Enable PKCE S256 for the client at the IdP (and make it advertise it), or, for a "
            "confidential client, set OAUTH_CLIENT_SECRET and remove OAUTH_CODE_CHALLENGE_METHOD.",
        references=("RFC 8414 §2 (M4)", "RFC 9700 §2.1.1 (O2)", "RFC 7636 §4.2 (O2)"),
    ),
    CodeInfo(
        code="oidc.discovery-slow",
        severity=Severity.WARNING,
        summary="the discovery document answered, but slower than the timeout threshold",
        explanation=(
            _USES + ", and the sign-out fetch happens while the user waits. authdoctor warns when "
            "the answer takes half the time the app's OAuth client waits (OAUTH_TIMEOUT seconds when "
            "set, otherwise httpx's default of 5 s), and at most 2 s: a discovery document normally "
            "answers in well under a second. Slower than that, logins and sign-outs hang and, under "
            "load or when the IdP is slower still, time out: the login ends in a 500 and the "
            "sign-out in 500 'Failed to sign out from the OpenID provider.' Typical causes are DNS "
            "timeouts (IPv6 first), a proxy in between or an overloaded IdP."
        ),
        fix="Find the slow hop (DNS, proxy, IdP) from inside the container; raise OAUTH_TIMEOUT "
            "(seconds) only as a stopgap.",
        references=("Open WebUI config.py OAUTH_TIMEOUT", "Open WebUI routers/auths.py signout"),
    ),
    CodeInfo(
        code="oidc.endpoint-unreachable",
        severity=Severity.ERROR,
        summary="a fixed endpoint of GitHub or Feishu (no discovery) cannot be reached",
        explanation=(
            "GitHub and Feishu publish no discovery document: Open WebUI 0.12.4 has their "
            "authorize, token and user endpoints built in. The browser is sent to the authorize "
            "endpoint; the app's server calls the token and user endpoints in the OAuth callback. "
            "authdoctor GETs each one without a client id or credentials and checks only that it "
            "answers: DNS, TCP, TLS and an HTTP status below 500 (a 4xx is the expected answer to "
            "such a request). An endpoint that cannot be reached from the Open WebUI container "
            "(egress firewall, missing HTTPS_PROXY, a TLS-inspecting proxy whose CA the container "
            "lacks) makes every sign-in with that provider fail after the user approved it."
        ),
        fix="Let the Open WebUI container reach the provider's hosts over HTTPS (DNS, egress "
            "firewall, HTTPS_PROXY / NO_PROXY; a TLS-inspecting proxy's CA in the container).",
        references=("Open WebUI config.py load_oauth_providers (github, feishu)",),
    ),
)
