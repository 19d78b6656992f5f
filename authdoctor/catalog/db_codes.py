"""Catalog entries for the 'db' area: Open WebUI 0.12.4's own database, read read-only (the
settings that really apply, users and roles, OAuth sessions, session stamps, secrets at rest),
and `config.env-shadowed-by-db`, which the db area reports when the database is read."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_REF_DB = "openwebui-db-0.12.4"

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="config.env-shadowed-by-db",
        severity=Severity.WARNING,
        summary="an environment value is ignored: the app uses a different value from its database",
        explanation=(
            "After its first start Open WebUI 0.12.4 reads most sign-in settings (WEBUI_URL, "
            "JWT_EXPIRES_IN, signup and the default role, every LDAP setting, and the OAuth claim, "
            "role, group, merge and domain settings when ENABLE_OAUTH_PERSISTENT_CONFIG=true) from "
            "its config table, one row per key, on every request (models/config.py Config.get). The "
            "start only inserts missing rows, so a value changed in the environment later has no "
            "effect. The database was read: this setting's row differs from the environment, and "
            "the app uses the row. The other checks of this report judged the row's value."
        ),
        fix="Change the setting in Admin Panel > Settings (that writes the row), or set "
            "RESET_CONFIG_ON_START=true for one restart to reseed every row from the environment, "
            "or ENABLE_PERSISTENT_CONFIG=false to make the environment win on every start.",
        references=("Open WebUI models/config.py Config.persistent_enabled_for/seed_defaults",
                    _REF_DB + " §1"),
    ),
    CodeInfo(
        code="db.unreadable",
        severity=Severity.ERROR,
        summary="the app's database cannot be read (missing, not SQLite, damaged, locked, bad URL)",
        explanation=(
            "authdoctor opens the database strictly read-only (file:PATH?mode=ro&readonly_shm=1): "
            "it never creates, repairs or locks it for writing. The file was not found, is not an "
            "SQLite database, is truncated or damaged, is locked by a writer beyond the timeout, "
            "or its -wal file is there without its -shm index; or a PostgreSQL URL carries an "
            "option libpq refuses (an unknown sslmode). A damaged or wrong file, or such a URL, "
            "is also what the app would open: sign-in fails for everyone."
        ),
        fix="Point --database at the app's DATA_DIR/webui.db (copy webui.db together with its -wal "
            "and -shm files if you copy it); restore a damaged database from a backup.",
        references=("SQLite URI filenames (mode=ro, readonly_shm, immutable)", _REF_DB + " §6"),
    ),
    CodeInfo(
        code="db.unreachable",
        severity=Severity.ERROR,
        summary="the app's PostgreSQL server cannot be reached (DNS, TCP or TLS)",
        explanation=(
            "The connection to the PostgreSQL server named by the database URL failed before the "
            "server answered: the host name does not resolve, nothing accepts connections on the "
            "port, or the TLS handshake failed. If the app uses the same address it cannot start "
            "or serve a sign-in either; from another machine the address may simply not be "
            "reachable from here."
        ),
        fix="Check the host and port of DATABASE_URL from where authdoctor runs, or give "
            "--database with an address of the same server reachable from here.",
        references=(_REF_DB + " §6",),
    ),
    CodeInfo(
        code="db.auth-failed",
        severity=Severity.ERROR,
        summary="PostgreSQL refused the login or has no such database",
        explanation=(
            "The server answered and refused: wrong user or password (SQLSTATE 28P01), no "
            "pg_hba.conf entry for this client (28000), or the database does not exist (3D000). "
            "With the app's own DATABASE_URL the app fails the same way at start."
        ),
        fix="Use the credentials and database name of the app's DATABASE_URL (a read-only role "
            "with SELECT on the app's tables is enough for authdoctor).",
        references=("PostgreSQL error codes class 28 and 3D", _REF_DB + " §6"),
    ),
    CodeInfo(
        code="db.not-inspectable",
        severity=Severity.INFO,
        summary="the database URL is one the app accepts but authdoctor does not read",
        explanation=(
            "An SQLCipher database (sqlite+sqlcipher://) is encrypted with DATABASE_PASSWORD (and "
            "0.12.4's async engine refuses the URL at start), an in-memory SQLite exists only in "
            "the app's process, and other dialects (MySQL, MariaDB, SQL Server, Oracle) are not "
            "supported by 0.12.4 for groups and permissions. The checks that need the database did "
            "not run."
        ),
        fix="Give --database with an SQLite file or a PostgreSQL URL of the app's database.",
        references=("Open WebUI env.py DATABASE_URL, internal/db.py", _REF_DB + " §6"),
    ),
    CodeInfo(
        code="db.schema-mismatch",
        severity=Severity.WARNING,
        summary="the database schema is not 0.12.4's (older, newer, or not Open WebUI's)",
        explanation=(
            "authdoctor reads the tables of Open WebUI 0.12.4 (alembic head 0bd252b206fb). An "
            "older revision is migrated by 0.12.4 at its next start; a revision 0.12.4 does not "
            "know was written by a newer release (0.12.4 then fails to start against it), and no "
            "alembic_version table means the file is not an Open WebUI database or has never been "
            "started. What could be read was read; parts that are missing are named."
        ),
        fix="Point --database at the database of the Open WebUI 0.12.4 instance, or diagnose it "
            "with an authdoctor made for its release.",
        references=("Open WebUI migrations/versions", _REF_DB + " §1"),
    ),
    CodeInfo(
        code="db.no-admin",
        severity=Severity.ERROR,
        summary="accounts exist but none is an admin: nobody can approve users or change settings",
        explanation=(
            "Only an admin can approve pending users, change roles and edit the settings stored "
            "in the database. The first account becomes admin at sign-up; if that account was "
            "demoted or deleted, no admin remains, and nothing in the app can create one."
        ),
        fix="Make an account admin in the database (UPDATE \"user\" SET role='admin' WHERE "
            "email='you@example.com'; with the app stopped and a backup taken).",
        references=("Open WebUI routers/auths.py signup_handler", _REF_DB + " §2"),
    ),
    CodeInfo(
        code="db.no-users",
        severity=Severity.WARNING,
        summary="no account yet: whoever signs up first becomes admin",
        explanation=(
            "With an empty user table the first sign-up (password, LDAP or OAuth) is made admin and "
            "closes sign-up. If the app is reachable by others and sign-up is open, anyone can "
            "claim the admin account first."
        ),
        fix="Create the admin now (sign up, or start once with WEBUI_ADMIN_EMAIL and "
            "WEBUI_ADMIN_PASSWORD), before the app is exposed.",
        references=("Open WebUI routers/auths.py signup_handler, main.py lifespan",
                    _REF_DB + " §2"),
    ),
    CodeInfo(
        code="db.users-pending",
        severity=Severity.WARNING,
        summary="accounts wait in the pending role: they can sign in but use nothing",
        explanation=(
            "New accounts get ui.default_user_role (default pending). A pending user signs in and "
            "sees the 'awaiting approval' screen: every verified-user endpoint answers 401. To the "
            "user this looks like a broken sign-in; only an admin approving the account, or a "
            "default role of user, ends it."
        ),
        fix="Approve them in Admin Panel > Users, or set the default user role to 'user' in Admin "
            "Panel > Settings > General (DEFAULT_USER_ROLE only seeds it).",
        references=("Open WebUI utils/auth.py get_verified_user", _REF_DB + " §2"),
    ),
    CodeInfo(
        code="db.oauth-email-taken",
        severity=Severity.WARNING,
        summary="password accounts cannot sign in with OAuth: merge by email is off",
        explanation=(
            "An OAuth sign-in looks the user up by the provider's subject (user.oauth), then, only "
            "with OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true, by email. Accounts created with a password "
            "(or by LDAP) have no OAuth subject; when such a user signs in with OAuth and sign-up "
            "is on, the app tries to create a second account with the same email and refuses: "
            "'Email is already registered'."
        ),
        fix="Set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true (the row oauth.merge_accounts_by_email when "
            "ENABLE_OAUTH_PERSISTENT_CONFIG=true) if the IdP verifies emails, or keep these users "
            "on password sign-in.",
        references=("Open WebUI utils/oauth.py handle_callback", _REF_DB + " §5"),
    ),
    CodeInfo(
        code="db.oauth-provider-orphaned",
        severity=Severity.WARNING,
        summary="accounts are linked to an OAuth provider the settings no longer configure",
        explanation=(
            "Each OAuth account stores its subject under the provider's name (user.oauth = "
            "{provider: {sub}}), and sign-in finds the account by it. Accounts linked only to a "
            "provider that is no longer configured (renamed, replaced by another IdP) are not found "
            "by the new provider: with merge by email off their sign-in fails 'Email is already "
            "registered', with it on they are re-linked by email."
        ),
        fix="Configure the provider again, or set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true while the "
            "accounts move to the new provider.",
        references=("Open WebUI utils/oauth.py handle_callback", _REF_DB + " §2, §5"),
    ),
    CodeInfo(
        code="db.oauth-session-undecryptable",
        severity=Severity.ERROR,
        summary="stored OAuth sessions do not decrypt with the key the settings give",
        explanation=(
            "OAuth tokens are stored Fernet-encrypted with OAUTH_SESSION_TOKEN_ENCRYPTION_KEY "
            "(default WEBUI_SECRET_KEY; a key that is not 44 characters is hashed with SHA-256). "
            "Rows that do not decrypt were written with another key: it was rotated, regenerated "
            "when the container was re-created, or differs between replicas. The app deletes such "
            "rows when it meets them (an admin's read of a user's sessions deletes them too), so "
            "token refresh and tool calls with the user's OAuth token fail until the user signs in "
            "again."
        ),
        fix="Give every replica the key the sessions were written with (OAUTH_SESSION_TOKEN_"
            "ENCRYPTION_KEY, else WEBUI_SECRET_KEY); if it is lost, users must sign in with OAuth "
            "again.",
        references=("Open WebUI models/oauth_sessions.py", _REF_DB + " §4"),
    ),
    CodeInfo(
        code="db.mfa-secret-undecryptable",
        severity=Severity.ERROR,
        summary="stored MFA secrets do not decrypt with the key the settings give",
        explanation=(
            "0.12.4 encrypts each user's authenticator (TOTP) secret with MFA_ENCRYPTION_KEY, or "
            "else with a key derived from WEBUI_SECRET_KEY (HKDF-SHA256). Secrets that do not "
            "decrypt were written with another key. With ENABLE_MFA on, the app checks every "
            "secret at start and refuses to start ('Stored MFA secrets cannot be decrypted'); with "
            "it off, switching it on later fails the same way, and a code check answers 503."
        ),
        fix="Restore the WEBUI_SECRET_KEY or MFA_ENCRYPTION_KEY the secrets were written with; if it "
            "is lost, reset MFA for the users concerned so they enrol again.",
        references=("Open WebUI utils/mfa.py cipher, validate_mfa_configuration", _REF_DB + " §5"),
    ),
    CodeInfo(
        code="db.oauth-session-no-refresh",
        severity=Severity.WARNING,
        summary="OAuth sessions have expired without a refresh token: the app will delete them",
        explanation=(
            "The app refreshes a session's access token within 5 minutes of its expiry; without a "
            "refresh token it logs 'No refresh token available' and deletes the session, so "
            "features that call the provider with the user's token (tool servers, MCP) fail until "
            "the user signs in again. The provider issues refresh tokens only for some scopes "
            "(often offline_access) or client settings."
        ),
        fix="Ask the IdP for refresh tokens (add offline_access to OAUTH_SCOPES where the IdP "
            "needs it, or enable refresh tokens for the client).",
        references=("Open WebUI utils/oauth.py OAuthManager.get_oauth_token", _REF_DB + " §4"),
    ),
    CodeInfo(
        code="db.token-stamp-stale",
        severity=Severity.ERROR,
        summary="the token's session stamp is no longer the account's: the app answers 401",
        explanation=(
            "Every token carries the account's auth.session_stamp, compared with the database on "
            "each request (utils/auth.py is_valid_token). A password change, an admin's session "
            "revoke or an MFA policy change rotates the stamp, which signs out every earlier "
            "token: the app answers 401 'Invalid token'."
        ),
        fix="Sign in again for a new token; if users are signed out unexpectedly, look for the "
            "password change, session revoke or MFA change that rotated the stamp.",
        references=("Open WebUI utils/auth.py is_valid_token", _REF_DB + " §5"),
    ),
    CodeInfo(
        code="db.token-account-missing",
        severity=Severity.ERROR,
        summary="the token's account is not in the database or is disabled: the app answers 401",
        explanation=(
            "The app reads the token's user (claim id) from the auth table on every request; no "
            "row, or a row with active false, gives 401 'Invalid authentication request.' The "
            "token belongs to another instance or database, or the account was deleted."
        ),
        fix="Use a token from this instance, or re-create the account; check that every replica "
            "uses the same DATABASE_URL.",
        references=("Open WebUI utils/mfa.py get_auth", _REF_DB + " §2"),
    ),
    CodeInfo(
        code="db.session-stamp-missing",
        severity=Severity.WARNING,
        summary="accounts have no session stamp: old tokens cannot be revoked by it",
        explanation=(
            "Rows from before migration a7d3e9f2b641 (0.12.0) keep a NULL session_stamp until a "
            "password change or session revoke sets one. Until then a token without the claim "
            "passes the stamp comparison, so tokens issued before the upgrade stay valid."
        ),
        fix="Revoke the sessions of these users (Admin Panel > Users > revoke sessions) or have "
            "them change their password; both set a stamp.",
        references=("Open WebUI utils/auth.py is_valid_token", _REF_DB + " §5"),
    ),
    CodeInfo(
        code="db.account-inactive",
        severity=Severity.WARNING,
        summary="accounts are marked inactive: every request of theirs gets 401",
        explanation=(
            "0.12.4 never sets auth.active to false itself, but it refuses accounts where it is: "
            "every request answers 401 'Invalid authentication request.' The row was changed by "
            "hand or by another tool."
        ),
        fix="Set auth.active back to true for these accounts (with the app stopped and a backup "
            "taken), or delete them.",
        references=("Open WebUI utils/mfa.py get_auth", _REF_DB + " §2"),
    ),
    CodeInfo(
        code="db.secrets-at-rest",
        severity=Severity.INFO,
        summary="credentials are stored in plain text in the database (API keys, LDAP password)",
        explanation=(
            "0.12.4 stores API keys (sk-..., never expiring, surviving a password change) and the "
            "LDAP bind password, OAuth client secrets and provider API keys from the admin forms "
            "in plain text. Anyone with a copy of the database or a backup can use them. Only "
            "counts are reported, never values."
        ),
        fix="Protect database backups like the secrets they hold; delete unused API keys; rotate "
            "the LDAP bind password and API keys if a backup leaked.",
        references=("Open WebUI models/users.py ApiKey, models/config.py", _REF_DB + " §2"),
    ),
    CodeInfo(
        code="db.effective-settings",
        severity=Severity.INFO,
        summary="the sign-in settings the app really uses, and where each comes from",
        explanation=(
            "`db show` lists each sign-in setting with the value the app uses, whether it comes "
            "from the config table or the environment, and why. Secrets are shown as set or "
            "unset only."
        ),
        fix="Nothing to do; change a setting where the view says it comes from.",
        references=(_REF_DB + " §1",),
    ),
    CodeInfo(
        code="db.accounts",
        severity=Severity.INFO,
        summary="accounts by role and sign-in method (counts only)",
        explanation=(
            "`db show` counts the accounts by role (admin, user, pending) and by how they sign in "
            "(password, LDAP, OAuth provider, none), with sessions and API keys. No email or name "
            "is shown."
        ),
        fix="Nothing to do.",
        references=(_REF_DB + " §2",),
    ),
    CodeInfo(
        code="db.groups",
        severity=Severity.INFO,
        summary="groups, their members and the permissions they grant",
        explanation=(
            "`db show` lists the groups (up to 50, by name) with their member counts, parent "
            "group and the permissions each grants. A user's permission is the most permissive "
            "value across the default permissions and every group the user belongs to, with "
            "parent groups included."
        ),
        fix="Nothing to do; `authdoctor rbac why` explains one user's permission.",
        references=(_REF_DB + " §3",),
    ),
)
