"""Catalog entries for the 'jwt' area: Open WebUI session tokens and IdP ID tokens."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_REJECTED = ("Open WebUI's decode_token swallows every PyJWT error, so the app only answers 401 "
             "'401 Unauthorized' and never says why.")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="jwt.malformed",
        severity=Severity.ERROR,
        summary="the token is not three base64url segments of JSON (the finding names the bad one)",
        explanation=(
            "A JWS compact token is header.payload.signature, each base64url without padding, and "
            "the first two must decode to JSON objects (RFC 7515 §2, rule J9). A token cut off by "
            "copy-and-paste, wrapped in quotes, prefixed with 'Bearer ' twice, or an API key "
            "(`sk-…`) mistaken for a JWT fails here. " + _REJECTED + " A token sent in the "
            "Authorization header without the Bearer scheme is not even read: 401 'Not "
            "authenticated'."
        ),
        fix="Copy the whole token again (from the `token` cookie or localStorage.token) without "
            "quotes or whitespace, and send it as `Authorization: Bearer <token>`.",
        references=("RFC 7515 §2 (J9)", "Open WebUI utils/auth.py decode_token"),
    ),
    CodeInfo(
        code="jwt.alg-none",
        severity=Severity.ERROR,
        summary="the token is unsigned (alg: none)",
        explanation=(
            "An unsecured JWT carries no signature, so anyone can write one with any claims; "
            "libraries should not accept it unless explicitly asked (RFC 7519 §6, RFC 8725 §3.2, "
            "rule J2). Open WebUI verifies with algorithms=['HS256'] only and answers 401 '401 "
            "Unauthorized' to such a token (recorded live). If some other component accepted it, "
            "that component lets anyone sign in as anyone; if a client produced it, that client is "
            "broken or is testing the server."
        ),
        fix="Use a token issued by Open WebUI's sign-in (HS256); if a component in front of the app "
            "accepts alg=none, restrict it to the expected algorithms.",
        references=("RFC 7519 §6 (J2)", "RFC 8725 §3.1-3.2 (J2, J3)"),
    ),
    CodeInfo(
        code="jwt.bad-signature",
        severity=Severity.ERROR,
        summary="the token's signature does not verify with the given key or secret",
        explanation=(
            "Open WebUI signs session tokens with HS256 and WEBUI_SECRET_KEY; a token signed with "
            "another key was issued by a replica or an earlier start with a different secret, or "
            "was altered. " + _REJECTED + " The typical stories are a regenerated "
            ".webui_secret_key after a container was recreated (everyone signed out), replicas "
            "with different keys (random 401s), or the secret given to authdoctor not being the "
            "one the server runs with. For IdP tokens it means the JWKS key with that kid did not "
            "verify the signature (RFC 8725 §3.1, rule J3)."
        ),
        fix="Make sure every replica runs with the same WEBUI_SECRET_KEY and give authdoctor that "
            "key; then sign in again to get a token signed with it.",
        references=("RFC 8725 §3.1 (J3)", "Open WebUI utils/auth.py"),
    ),
    CodeInfo(
        code="jwt.weak-secret",
        severity=Severity.ERROR,
        summary="the token verifies with a guessable secret from authdoctor's list of known defaults",
        explanation=(
            "authdoctor tried a built-in list of published and default secrets (Open WebUI's old "
            "fallback 't0p-s3cr3t', example values from docs and compose files) and one of them "
            "verifies this token's HMAC signature. Whoever tries the same list can mint a token "
            "for any user id, the admin included, and Open WebUI accepts it. Human-memorable or "
            "public values must not be used as HMAC keys (RFC 8725 §3.5; RFC 7518 §3.2 asks for at "
            "least 256 bits for HS256: rule J4)."
        ),
        fix="Set WEBUI_SECRET_KEY to a new random value (`openssl rand -base64 48`) on every replica "
            "and restart; all existing tokens become invalid, which is intended.",
        references=("RFC 8725 §3.5 (J4)", "RFC 7518 §3.2 (J4)"),
    ),
    CodeInfo(
        code="jwt.expired",
        severity=Severity.ERROR,
        summary="the token's exp is in the past (the finding says how long ago and the leeway used)",
        explanation=(
            "A token must not be accepted at or after its exp; a small leeway of a few minutes at "
            "most is allowed (RFC 7519 §4.1.4, rule J1). Open WebUI's decode_token uses no leeway "
            "at all and answers 401 '401 Unauthorized'; GET /api/v1/auths/ answers 401 'Your "
            "session has expired or the token is invalid. Please sign in again.' The lifetime comes "
            "from JWT_EXPIRES_IN (default 4w), and tokens are never extended: neither the session "
            "refresh nor an OAuth token refresh renews the JWT."
        ),
        fix="Sign in again. If tokens expire sooner than expected, check JWT_EXPIRES_IN (and the "
            "copy in Admin > Settings, which wins after the first start) and the server clock.",
        references=("RFC 7519 §4.1.4 (J1)", "Open WebUI utils/auth.py decode_token"),
    ),
    CodeInfo(
        code="jwt.not-yet-valid",
        severity=Severity.ERROR,
        summary="the token's nbf is in the future",
        explanation=(
            "A token must not be accepted before its nbf (RFC 7519 §4.1.5, rule J1). Open WebUI "
            "never sets nbf, so this concerns an IdP token, or a session token built by something "
            "else. A validator with no leeway rejects it until the time is reached; the usual "
            "cause is a clock running behind on the validating host or ahead on the issuer."
        ),
        fix="Synchronise the clocks of the IdP and the application hosts (NTP/chrony); a validator "
            "may allow a leeway of a few minutes, not more.",
        references=("RFC 7519 §4.1.5 (J1)",),
    ),
    CodeInfo(
        code="jwt.issued-in-future",
        severity=Severity.ERROR,
        summary="the token's iat is in the future: the issuing and checking clocks disagree",
        explanation=(
            "Open WebUI sets iat on every token, and PyJWT (2.x) rejects a token whose iat is later "
            "than now plus leeway ('The token is not yet valid (iat)'); Open WebUI uses no leeway, "
            "so the request answers 401 '401 Unauthorized'. With several replicas a token issued "
            "by a host whose clock runs ahead is refused by the others for as long as the skew, "
            "which users see as sign-ins that fail right after success. For IdP tokens the same "
            "skew breaks ID-token validation (OIDC Core §3.1.3.7, rule K2). A skew within 5 "
            "minutes of a whole number of hours (or :30/:45, up to 14 h) is a time-zone offset, "
            "not drift: a clock keeping local time where UTC is expected, typically a hardware "
            "clock kept in local time (Windows dual boot) or a time set by hand in the wrong "
            "zone; the finding then says so."
        ),
        fix="Synchronise the clocks of all replicas and the IdP (NTP/chrony); the finding gives the "
            "measured skew. For a whole-hours skew keep the hardware clock in UTC (timedatectl "
            "set-local-rtc 0) and set the right time zone.",
        references=("RFC 7519 §4.1.6 (J1)", "PyJWT _validate_iat", "OIDC Core §3.1.3.7 (K2)"),
    ),
    CodeInfo(
        code="jwt.no-expiry",
        severity=Severity.WARNING,
        summary="the token has no exp (e.g. JWT_EXPIRES_IN=-1 or 0): it never expires",
        explanation=(
            "Open WebUI adds exp only when JWT_EXPIRES_IN parses to a duration; exactly '-1' or "
            "'0' mean none (startup logs '⚠️ SECURITY WARNING: JWT_EXPIRES_IN is set to '-1'' for "
            "-1). Such a token stays valid until the secret key changes or the user's password "
            "changes (which rotates the session stamp). Sign-out cannot revoke it either, because "
            "the Redis revocation key needs jti and exp (see jwt.revocation-impossible), so a "
            "copied token is usable forever. The cookie also loses Max-Age and becomes a browser "
            "session cookie."
        ),
        fix="Set JWT_EXPIRES_IN to a finite duration such as 4w or 7d (and in Admin > Settings, "
            "which wins after the first start).",
        references=("RFC 7519 §4.1.4 (J1)", "Open WebUI utils/misc.py parse_duration",
                    "Open WebUI utils/auth.py invalidate_token"),
    ),
    CodeInfo(
        code="jwt.long-lifetime",
        severity=Severity.WARNING,
        summary="the token lifetime is far above a sane bound",
        explanation=(
            "Open WebUI tokens cannot be refreshed or shortened after issue, and without Redis "
            "they cannot be revoked by sign-out either, so the lifetime is how long a copied token "
            "stays usable. The default JWT_EXPIRES_IN is 4w; values of months or years make a "
            "leaked token (from a log, a proxy, a shared browser) a long-term credential. The Open "
            "WebUI docs advise a short JWT_EXPIRES_IN when Redis is not used, and matching the IdP "
            "session lifetime for OAuth users. Browsers cap cookie lifetimes at 400 days (RFC "
            "6265bis C7), so a longer token outlives its cookie anyway."
        ),
        fix="Set JWT_EXPIRES_IN to the longest session you accept (e.g. 7d or 4w), in env and in "
            "Admin > Settings; configure REDIS_URL so sign-out revokes tokens.",
        references=("Open WebUI config.py JWT_EXPIRES_IN", "RFC 6265bis C7 (400-day cookie cap)"),
    ),
    CodeInfo(
        code="jwt.expires-in-invalid",
        severity=Severity.ERROR,
        summary="JWT_EXPIRES_IN cannot be parsed (e.g. 3600 without a unit): every sign-in answers 500",
        explanation=(
            "Open WebUI parses JWT_EXPIRES_IN at each sign-in with parse_duration: exactly '-1' or "
            "'0' mean no expiry, anything else is summed from all matches of the unanchored regex "
            "(-?\\d+(\\.\\d+)?)(ms|s|m|h|d|w). A value with no match (3600, '1 hour', abc) raises "
            "ValueError('Invalid duration string') inside the session creation, so every password, "
            "LDAP and signup sign-in answers HTTP 500 and the OAuth callback fails too. Values that "
            "match partly are misread: '30days' is 30 days but '1month' is 1 minute, and a negative "
            "value like -1h gives tokens that are already expired."
        ),
        fix="Set JWT_EXPIRES_IN to a number with a unit, e.g. 4w, 7d, 12h or 90m (or -1 for no "
            "expiry, not recommended); in Admin > Settings too, since the database copy wins.",
        references=("Open WebUI utils/misc.py parse_duration", "Open WebUI utils/auth.py "
                    "create_session_response"),
    ),
    CodeInfo(
        code="jwt.issuer-mismatch",
        severity=Severity.ERROR,
        summary="iss differs from the expected or discovered issuer (often only by a trailing slash)",
        explanation=(
            "An ID token's iss must be identical to the issuer of the provider's discovery "
            "document (OIDC Discovery §4.3 rule D3; OIDC Core §3.1.3.7 rule K2; RFC 8725 §3.8 rule "
            "J5). Authlib, which Open WebUI uses, compares them as exact strings, so a trailing "
            "slash, http vs https, or another hostname in front of the IdP is enough. The OAuth "
            "callback then fails and the user lands on /auth?error=Sign-in with your identity "
            "provider failed…, with the real reason only in the server log."
        ),
        fix="Make the IdP issue tokens under the same issuer URL as its discovery document (set its "
            "public/frontend URL, e.g. Keycloak KC_HOSTNAME), and point OPENID_PROVIDER_URL at "
            "that issuer's /.well-known/openid-configuration.",
        references=("OIDC Discovery §4.3 (D3)", "OIDC Core §3.1.3.7 (K2)", "RFC 8725 §3.8 (J5)"),
    ),
    CodeInfo(
        code="jwt.audience-mismatch",
        severity=Severity.ERROR,
        summary="aud does not contain the client id",
        explanation=(
            "An ID token must list the relying party's client id in aud (OIDC Core §3.1.3.7, rule "
            "K2; RFC 8725 §3.9, rule J5); a token minted for another client must be refused. "
            "Authlib checks this during Open WebUI's OAuth callback, which then redirects to "
            "/auth?error=Sign-in with your identity provider failed…. The usual cause is "
            "OAUTH_CLIENT_ID (or GOOGLE_/MICROSOFT_/GITHUB_CLIENT_ID) naming another client than "
            "the one the IdP issued the token for, or an IdP mapper that replaces aud."
        ),
        fix="Set the provider's *_CLIENT_ID to the client id the IdP puts in aud (the finding shows "
            "both), or fix the IdP's audience mapping.",
        references=("OIDC Core §3.1.3.7 (K2)", "RFC 8725 §3.9 (J5)"),
    ),
    CodeInfo(
        code="jwt.key-not-found",
        severity=Severity.ERROR,
        summary="the token's kid is not in the provider's JWKS",
        explanation=(
            "The token names its signing key with kid, and the validator looks for that key in "
            "the provider's jwks_uri; if it is absent the signature cannot be checked and the token "
            "is refused. The usual causes are a key rotation at the IdP (Open WebUI drops its "
            "cached JWKS and retries once on a bad signature), a token from another realm or "
            "tenant, or a JWKS fetched from a different URL than the issuer's. Users see "
            "/auth?error=Sign-in with your identity provider failed…."
        ),
        fix="Check that OPENID_PROVIDER_URL belongs to the realm/tenant that issued the token; after "
            "a key rotation restart Open WebUI if sign-ins keep failing.",
        references=("RFC 7515 §4.1.4", "RFC 8725 §3.10 (J6)", "OIDC Discovery §3 (D4)"),
    ),
    CodeInfo(
        code="jwt.claim-missing",
        severity=Severity.ERROR,
        summary="a claim the app needs is absent (session token: id, session_stamp; IdP: email, sub…)",
        explanation=(
            "Open WebUI's own session tokens (jwt verify, a valid HMAC signature): 0.12.4 accepts "
            "a token only with the user id in id (else 401 '401 Unauthorized') and a "
            "session_stamp equal to the account's current stamp (else 401 'Invalid token'; every "
            "account 0.12.4 creates has one); typ may be absent (read as session) but must "
            "otherwise be session, automation or subagent; without iat a token is refused once "
            "the account has a Redis revoked_at key (a warning). A token minted by hand or by an "
            "older version fails this way although its signature is right. "
            "ID tokens from the IdP: Open WebUI reads the user's identity from the ID token, then "
            "userinfo: the sub claim "
            "(OAUTH_SUB_CLAIM, 'id' for GitHub), the email claim (OAUTH_EMAIL_CLAIM, default "
            "email), and with role or group management the claims OAUTH_ROLES_CLAIM and "
            "OAUTH_GROUPS_CLAIM. Without sub or email the callback fails with /auth?error=Sign-in "
            "with your identity provider failed… (unless ENABLE_OAUTH_EMAIL_FALLBACK is on). "
            "Without roles the user gets DEFAULT_USER_ROLE (an admin can be demoted), and without "
            "groups the group sync changes nothing."
        ),
        fix="Session token: sign in again for a token the app issued itself. IdP token: add the "
            "claim at the IdP (a client scope or protocol mapper, e.g. the 'email' scope), "
            "or point OAUTH_*_CLAIM at the claim the IdP actually sends.",
        references=("OIDC Core §2 (K1)", "Open WebUI utils/oauth.py handle_callback",
                    "Open WebUI utils/auth.py get_current_user/is_valid_token",
                    "openwebui-live-0.12.4 §3.6"),
    ),
    CodeInfo(
        code="jwt.revoked",
        severity=Severity.ERROR,
        summary="the token's jti is marked revoked in Redis (signed out)",
        explanation=(
            "On POST /api/v1/auths/signout Open WebUI writes `{REDIS_KEY_PREFIX}:auth:token:{jti}:"
            "revoked` (value 1, TTL exp minus now) and then refuses the token with 401 'Invalid "
            "token' on every request. A per-user key `{prefix}:auth:user:{id}:revoked_at` from "
            "OIDC back-channel logout revokes every token with an older iat the same way. This is "
            "the intended effect of signing out; it is a problem only if the client keeps using "
            "the old token (a stale Authorization header beats a fresh cookie)."
        ),
        fix="Sign in again and use the new token; clients must drop the old Authorization header "
            "after sign-out.",
        references=("Open WebUI utils/auth.py invalidate_token/is_valid_token",
                    "openwebui-live-0.12.4 §3.7"),
    ),
    CodeInfo(
        code="jwt.revocation-impossible",
        severity=Severity.WARNING,
        summary="tokens have no exp (JWT_EXPIRES_IN -1/0), so sign-out cannot revoke them",
        explanation=(
            "Open WebUI's invalidate_token writes the revocation key only when the token has both "
            "jti and exp and the remaining lifetime is positive, because the key's TTL is exp "
            "minus now. With JWT_EXPIRES_IN=-1 or 0 tokens carry no exp, so POST "
            "/api/v1/auths/signout answers 200 {\"status\":true} and deletes the cookie but writes "
            "nothing to Redis, and a copied token keeps working forever, Redis or not. Only a "
            "password change (which rotates the session stamp) or a new WEBUI_SECRET_KEY ends it."
        ),
        fix="Set JWT_EXPIRES_IN to a finite duration (e.g. 4w), in env and in Admin > Settings, and "
            "keep REDIS_URL configured.",
        references=("Open WebUI utils/auth.py invalidate_token", "Open WebUI utils/misc.py parse_duration"),
    ),
    CodeInfo(
        code="jwt.alg-not-allowed",
        severity=Severity.ERROR,
        summary="the token's alg is not one the verifier allows for this key (e.g. HS256 against an RSA key)",
        explanation=(
            "A verifier must fix the algorithms it accepts and use each key with its own algorithm "
            "only (RFC 8725 §3.1, rule J3). A token whose header asks for another algorithm is "
            "refused before any signature check. The dangerous case is an HS256/384/512 token "
            "checked against an RSA or EC key: a library that used the public key as HMAC secret "
            "would accept a token anyone can sign (key confusion). The harmless case is a key of "
            "the wrong type given to authdoctor (an HMAC secret for an RS256 ID token)."
        ),
        fix="Verify with the key the issuer really signs with (--secret-env/--secret-file for HS*, "
            "--key or --jwks for RS/PS/ES/EdDSA), or add the algorithm with --alg if the issuer "
            "really uses it; treat an HS* token offered for a public-key issuer as forged.",
        references=("RFC 8725 §3.1 (J3)", "RFC 7515 §4.1.1"),
    ),
)
