"""Catalog entries for the 'ldap' area: the directory server, TLS, binds and the user search."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_GENERIC = ("Open WebUI catches the exception and answers POST /api/v1/auths/ldap with 400 'LDAP "
            "authentication failed.'; the real reason is only in the server log ('LDAP "
            "authentication error: …').")
_PERSISTED = ("The LDAP_* variables only seed the database on the first start; afterwards change "
              "them in Admin > Settings > General > LDAP.")

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="ldap.unreachable",
        severity=Severity.ERROR,
        summary="the LDAP server cannot be reached (DNS or TCP failure; the finding says which)",
        explanation=(
            "Open WebUI connects to LDAP_SERVER_HOST:LDAP_SERVER_PORT on every LDAP sign-in. If the "
            "name does not resolve inside the container (LDAP_SERVER_HOST defaults to localhost, "
            "which there is the Open WebUI container itself) or the port refuses or drops the "
            "connection, ldap3 raises before any bind. " + _GENERIC + " Nobody can sign in with "
            "LDAP until the server is reachable."
        ),
        fix="Set LDAP_SERVER_HOST to a name the container resolves (host name only, no ldap://) and "
            "LDAP_SERVER_PORT to the port the server listens on; open the firewall. " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth",),
    ),
    CodeInfo(
        code="ldap.tls-failed",
        severity=Severity.ERROR,
        summary="the LDAP TLS handshake fails for a reason other than trust or host name",
        explanation=(
            "The TLS handshake with the directory fails before certificate checks matter: no "
            "common protocol version or cipher (LDAP_CIPHERS, default ALL; an old server that only "
            "speaks TLS 1.0), a reset during the handshake, or a server that sent no certificate. "
            "ldap3 reports a socket error. " + _GENERIC + " If the port speaks plain LDAP or "
            "StartTLS, see ldap.tls-port-mismatch instead."
        ),
        fix="Enable TLS 1.2+ with modern ciphers on the directory server, or set LDAP_CIPHERS to a "
            "cipher list both sides support. " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth (ldap3 Tls)",),
    ),
    CodeInfo(
        code="ldap.tls-untrusted-ca",
        severity=Severity.ERROR,
        summary="the LDAP server certificate is not trusted by the configured CA",
        explanation=(
            "With LDAP_VALIDATE_CERT=true (the default) ldap3 uses CERT_REQUIRED and verifies the "
            "server certificate against LDAP_CA_CERT_FILE, or the system store when that is empty. "
            "An internal CA that is not in that file (or a self-signed certificate) fails the "
            "handshake ('certificate verify failed'). " + _GENERIC + " A LDAP_CA_CERT_FILE path "
            "that does not exist inside the container answers 400 'Failed to configure TLS for LDAP "
            "connection.' instead."
        ),
        fix="Set LDAP_CA_CERT_FILE to a PEM file, mounted into the container, holding the CA that "
            "signed the server certificate (keep LDAP_VALIDATE_CERT=true). " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth (ldap3 Tls)",),
    ),
    CodeInfo(
        code="ldap.tls-hostname-mismatch",
        severity=Severity.ERROR,
        summary="the LDAP server certificate does not name the host Open WebUI connects to",
        explanation=(
            "TLS certificate validation also checks that the certificate's subject alternative "
            "names include LDAP_SERVER_HOST. Connecting by IP address, by a short or internal name, "
            "or by a load-balancer name not in the certificate fails the handshake although the "
            "CA is trusted. " + _GENERIC
        ),
        fix="Set LDAP_SERVER_HOST to a name the certificate contains (the finding lists them), or "
            "reissue the certificate with that name. " + _PERSISTED,
        references=("RFC 6125", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.tls-port-mismatch",
        severity=Severity.ERROR,
        summary="implicit TLS against a plain/StartTLS port or the reverse (e.g. LDAP_USE_TLS=true on 389)",
        explanation=(
            "Open WebUI passes LDAP_USE_TLS to ldap3 as use_ssl, which means implicit TLS (LDAPS) "
            "from the first byte; it never sends StartTLS. LDAP_USE_TLS defaults to true while "
            "LDAP_SERVER_PORT defaults to 389, where servers speak plain LDAP and expect StartTLS, "
            "so the default combination fails the handshake; plain LDAP against 636 fails the other "
            "way. " + _GENERIC + " The docs' 'StartTLS on 389' does not match the code."
        ),
        fix="Use LDAPS: LDAP_USE_TLS=true with LDAP_SERVER_PORT=636 (3269 for the AD global "
            "catalog); only if the server has no LDAPS use LDAP_USE_TLS=false on 389. " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth (use_ssl)", "Open WebUI config.py"),
    ),
    CodeInfo(
        code="ldap.bind-failed",
        severity=Severity.ERROR,
        summary="the service account (LDAP_APP_DN) bind is refused",
        explanation=(
            "Before searching for the user, Open WebUI binds as LDAP_APP_DN with LDAP_APP_PASSWORD "
            "(simple bind). A refusal answers every LDAP sign-in with 400 'Application account "
            "bind failed'. Active Directory's data code says why: 52e wrong password, 525 no such "
            "user, 530/531 not allowed at this time/workstation, 532 password expired, 533 "
            "account disabled, 701 account expired, 773 must change password, 775 locked out. "
            "Result 49 without a data code means wrong DN or password on other servers."
        ),
        fix="Set LDAP_APP_DN to the service account's full DN (or user@domain for AD) and "
            "LDAP_APP_PASSWORD to its current password; fix the account state the sub-code names. "
            + _PERSISTED,
        references=("RFC 4511 §4.2", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.search-base-not-found",
        severity=Severity.ERROR,
        summary="LDAP_SEARCH_BASE does not exist in the directory",
        explanation=(
            "Open WebUI searches the user under LDAP_SEARCH_BASE; the server answered noSuchObject "
            "(32), so the base DN is misspelled, belongs to another domain, or is not visible to "
            "the bind account. The search returns nothing and every LDAP sign-in answers 400 'User "
            "not found in the LDAP server', which looks like a user problem but is not. In Active "
            "Directory the base uses the domain's DC components (dc=corp,dc=example,dc=com), not "
            "its DNS name."
        ),
        fix="Set LDAP_SEARCH_BASE to an existing DN that contains the users, e.g. "
            "ou=people,dc=example,dc=com (check with ldapsearch -b '<base>' -s base). " + _PERSISTED,
        references=("RFC 4511 §4.5", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.user-not-found",
        severity=Severity.ERROR,
        summary="the test user is not found with the configured attribute and filter",
        explanation=(
            "Open WebUI searches with (&({LDAP_ATTRIBUTE_FOR_USERNAME}={typed name, lower-cased})"
            "{LDAP_SEARCH_FILTER}) under LDAP_SEARCH_BASE and answers 400 'User not found in the "
            "LDAP server' when nothing matches. Usual causes: the wrong username attribute (uid "
            "where AD needs sAMAccountName), users outside the search base, an extra filter that "
            "excludes them, or users typing an email where the attribute holds a login name. The "
            "username attribute must also be readable by the bind account."
        ),
        fix="Set LDAP_ATTRIBUTE_FOR_USERNAME to the attribute users type (uid, sAMAccountName, "
            "mail) and check LDAP_SEARCH_BASE and LDAP_SEARCH_FILTER against the user's entry. "
            + _PERSISTED,
        references=("RFC 4515", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.attribute-missing",
        severity=Severity.ERROR,
        summary="the user entry lacks the mail or username attribute the app reads",
        explanation=(
            "After finding the entry Open WebUI reads LDAP_ATTRIBUTE_FOR_MAIL (default mail), "
            "LDAP_ATTRIBUTE_FOR_USERNAME and cn. Without a mail value (and no "
            "LDAP_DEFAULT_EMAIL_DOMAIN to build one) sign-in answers 400 'User does not have a "
            "valid email address.'; if the typed name is not among the username values it answers "
            "400 'User record mismatch.' An attribute the bind account may not read looks the same "
            "as a missing one."
        ),
        fix="Fill the attribute in the directory, point LDAP_ATTRIBUTE_FOR_MAIL / "
            "LDAP_ATTRIBUTE_FOR_USERNAME at attributes the entries have (e.g. userPrincipalName), or "
            "grant the bind account read access. " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth",),
    ),
    CodeInfo(
        code="ldap.filter-invalid",
        severity=Severity.ERROR,
        summary="LDAP_SEARCH_FILTER is not a valid filter fragment",
        explanation=(
            "Open WebUI builds the search as (&({LDAP_ATTRIBUTE_FOR_USERNAME}={user})"
            "{LDAP_SEARCH_FILTER}) and inserts the user itself, so LDAP_SEARCH_FILTER (alias "
            "LDAP_SEARCH_FILTERS) must be zero or more parenthesised conditions (RFC 4515) with no "
            "placeholder. A %(user)s or {username} placeholder, a missing pair of parentheses or "
            "unbalanced ones make the filter invalid or match nobody, and every LDAP sign-in fails "
            "with 400 'LDAP authentication failed.' or 'User not found in the LDAP server'."
        ),
        fix="Keep only the extra conditions, each in parentheses, e.g. "
            "LDAP_SEARCH_FILTER=(&(objectClass=person)(memberOf=cn=chat,ou=groups,dc=example,"
            "dc=com)), or leave it empty. " + _PERSISTED,
        references=("RFC 4515", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.user-bind-failed",
        severity=Severity.ERROR,
        summary="the test user's own bind fails",
        explanation=(
            "After finding the user's entry Open WebUI binds as that entry's DN with the typed "
            "password; a refusal answers 400 'Authentication failed.' The password is wrong, or "
            "the account is locked, disabled, expired or must change its password (AD data codes "
            "52e, 533, 701, 773, 775). An empty password is refused earlier with 400 'The email or "
            "password provided is incorrect…' as protection against unauthenticated binds (RFC "
            "4513 §5.1.2)."
        ),
        fix="Check the password and the account state in the directory (the finding decodes the "
            "AD sub-code); nothing in Open WebUI's settings changes this.",
        references=("RFC 4513 §5.1.2", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.setting-missing",
        severity=Severity.ERROR,
        summary="LDAP is enabled but a required setting (host, search base, attribute, label) is empty",
        explanation=(
            "The admin API refuses to save an LDAP server without label, host, mail and username "
            "attributes and search base ('Required field {name} is empty'), but env values seed "
            "the database unchecked. An empty search base starts the search at the root DSE, "
            "where no users live; an empty attribute makes the filter malformed; a DN without "
            "LDAP_APP_PASSWORD makes ldap3 refuse the simple bind. Every LDAP sign-in then fails "
            "with 'User not found in the LDAP server' or 'LDAP authentication failed.'"
        ),
        fix="Set the setting the finding names, e.g. LDAP_SERVER_HOST=ldap.example.com, "
            "LDAP_SEARCH_BASE=ou=people,dc=example,dc=com, LDAP_ATTRIBUTE_FOR_USERNAME=uid. "
            + _PERSISTED,
        references=("Open WebUI routers/auths.py update_ldap_server", "Open WebUI config.py"),
    ),
    CodeInfo(
        code="ldap.app-bind-anonymous",
        severity=Severity.INFO,
        summary="LDAP_APP_DN is empty: the user search runs with an anonymous bind",
        explanation=(
            "With an empty LDAP_APP_DN Open WebUI binds with authentication ANONYMOUS before "
            "searching for the user. Many directories (Active Directory, hardened OpenLDAP) refuse "
            "anonymous searches or return no entries, and every LDAP sign-in then fails with "
            "'Application account bind failed' or 'User not found in the LDAP server'. Directories "
            "that allow anonymous reads work, which is why this is only info."
        ),
        fix="If the directory requires it, set LDAP_APP_DN and LDAP_APP_PASSWORD to a read-only "
            "service account. " + _PERSISTED,
        references=("RFC 4513 §5.1.1", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.cert-validation-disabled",
        severity=Severity.WARNING,
        summary="LDAP_VALIDATE_CERT=false: the LDAP server's certificate is not verified",
        explanation=(
            "With LDAP_VALIDATE_CERT=false Open WebUI gives ldap3 CERT_NONE, so the TLS connection "
            "accepts any certificate. Anyone who can intercept the connection can present their own "
            "certificate and read the service account's and every user's password from the LDAP "
            "binds. Sign-in works, so it goes unnoticed; it is typically a workaround for "
            "ldap.tls-untrusted-ca."
        ),
        fix="Set LDAP_VALIDATE_CERT=true and LDAP_CA_CERT_FILE to the CA bundle that signed the "
            "server certificate. " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth (ldap3 Tls)",),
    ),
    CodeInfo(
        code="ldap.unencrypted",
        severity=Severity.WARNING,
        summary="LDAP sign-in sends passwords unencrypted (no TLS to a non-loopback server)",
        explanation=(
            "With LDAP_USE_TLS=false Open WebUI connects in plain LDAP and never upgrades with "
            "StartTLS, so the service account's password and every user's password cross the "
            "network in clear text in the simple binds (RFC 4513 §5.1.2 warns against simple binds "
            "without confidentiality). Sign-in works, so nothing looks wrong. Anyone who can watch "
            "the traffic between the container and the directory collects the passwords."
        ),
        fix="Use LDAPS: LDAP_USE_TLS=true with LDAP_SERVER_PORT=636. " + _PERSISTED,
        references=("RFC 4513 §5.1.2", "Open WebUI routers/auths.py ldap_auth (use_ssl)"),
    ),
    CodeInfo(
        code="ldap.search-failed",
        severity=Severity.ERROR,
        summary="the LDAP user search itself errors (e.g. insufficient access for the bind account)",
        explanation=(
            "The search under LDAP_SEARCH_BASE returned an error other than noSuchObject, e.g. "
            "insufficientAccessRights (50) for the bind account, sizeLimitExceeded, unwillingToPerform "
            "(53) for anonymous searches, or a referral to another server. Open WebUI treats a "
            "failed search like an empty one and answers 400 'User not found in the LDAP server', "
            "so the message points at the user while the service account or the search scope is "
            "at fault."
        ),
        fix="Grant LDAP_APP_DN read/search rights on LDAP_SEARCH_BASE (or set LDAP_APP_DN if it is "
            "empty), or narrow LDAP_SEARCH_BASE to a subtree the server serves itself. " + _PERSISTED,
        references=("RFC 4511 §4.1.9", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.tls-certificate-expired",
        severity=Severity.ERROR,
        summary="the LDAP server's certificate has expired (or is not valid yet)",
        explanation=(
            "With LDAP_VALIDATE_CERT=true ldap3 verifies the server certificate's validity dates; "
            "an expired certificate (or one whose notBefore lies in the future, often a clock "
            "problem) fails the handshake with 'certificate verify failed' before any bind. "
            + _GENERIC + " Nothing in Open WebUI's settings fixes it."
        ),
        fix="Renew the directory server's certificate (or correct the server's clock); do not turn "
            "LDAP_VALIDATE_CERT off to work around it.",
        references=("RFC 5280 §4.1.2.5", "Open WebUI routers/auths.py ldap_auth (ldap3 Tls)"),
    ),
    CodeInfo(
        code="ldap.tls-certificate-expiring",
        severity=Severity.WARNING,
        summary="the LDAP server's certificate expires soon",
        explanation=(
            "The certificate the directory presents is valid today but expires within the "
            "warning window (30 days). On that day every LDAP sign-in starts failing with "
            "'LDAP authentication failed.' (the log says 'certificate verify failed')."
        ),
        fix="Renew the directory server's certificate before the date in the finding.",
        references=("RFC 5280 §4.1.2.5",),
    ),
    CodeInfo(
        code="ldap.user-ambiguous",
        severity=Severity.ERROR,
        summary="the app's search finds the test user more than once",
        explanation=(
            "Open WebUI 0.12.4 uses the first entry of the search result (connection.entries[0]) "
            "and ignores the others, in whatever order the server returns them. Depending on "
            "that order the user signs in as another person's entry (its mail, its groups), is "
            "refused with 'User record mismatch.', or gets 'Authentication failed.' because the "
            "password is checked against the other entry's DN."
        ),
        fix="Make the username attribute unique under LDAP_SEARCH_BASE: narrow LDAP_SEARCH_BASE, "
            "add a condition to LDAP_SEARCH_FILTER (e.g. (objectClass=inetOrgPerson)), or remove "
            "the duplicate entry. " + _PERSISTED,
        references=("RFC 4511 §4.5.2", "Open WebUI routers/auths.py ldap_auth"),
    ),
    CodeInfo(
        code="ldap.groups-empty",
        severity=Severity.WARNING,
        summary="LDAP group management is on but the test user's group attribute is empty",
        explanation=(
            "With ENABLE_LDAP_GROUP_MANAGEMENT=true Open WebUI reads LDAP_ATTRIBUTE_FOR_GROUPS "
            "(default memberOf) from the user's entry and syncs the groups named by the CN of each "
            "value; it never searches for groups. When the attribute is not returned (OpenLDAP "
            "without the memberof overlay, a wrong attribute name, no read access) the user "
            "silently loses every group membership at sign-in."
        ),
        fix="Enable the memberof overlay (OpenLDAP) or set LDAP_ATTRIBUTE_FOR_GROUPS to the "
            "attribute your directory fills (memberOf, isMemberOf); the finding says which groups "
            "list the user. " + _PERSISTED,
        references=("Open WebUI routers/auths.py ldap_auth (group sync)",),
    ),
    CodeInfo(
        code="ldap.anonymous-read",
        severity=Severity.WARNING,
        summary="the directory lets anonymous clients read the user entries",
        explanation=(
            "An anonymous bind (no DN, no password) is accepted and an anonymous search of "
            "LDAP_SEARCH_BASE returns entries. Open WebUI itself binds as LDAP_APP_DN, so sign-in "
            "works, but anyone who reaches the directory can list its users (RFC 4513 §5.1.1 "
            "leaves anonymous access to the server's policy)."
        ),
        fix="Restrict anonymous access in the directory (OpenLDAP: 'access to * by anonymous auth' "
            "or 'disallow bind_anon'); nothing changes in Open WebUI.",
        references=("RFC 4513 §5.1.1",),
    ),
    CodeInfo(
        code="ldap.signin-path",
        severity=Severity.INFO,
        summary="the whole LDAP sign-in path works for the test user (steps and timings)",
        explanation=(
            "Every step of Open WebUI's LDAP sign-in passed for the test user: the server reached, "
            "TLS as the app does it, the service account's bind, the search found the user once "
            "with mail and username, and the user's own bind. The finding lists each step's time "
            "and the groups the app will sync."
        ),
        fix="Nothing to fix.",
        references=("Open WebUI routers/auths.py ldap_auth",),
    ),
)
