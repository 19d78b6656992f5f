"""The app's own database (issue 13): the settings that really apply, users and roles, OAuth
sessions, session stamps and secrets at rest. Pure evaluation of `Deployment.database`.

The database is read once per run, before the checks, by `authdoctor.settings.database`
(read-only, `authdoctor.probes.db`): its config table is laid over the settings, so every other
area judges the values the app really uses, and this area says where they come from. This module
does no I/O; decryption of the sampled OAuth sessions is CPU only.

Failure modes named here, and the app behaviour each rests on (0.12.4):

- `db.unreadable`, `db.unreachable`, `db.auth-failed`, `db.not-inspectable`: the database could
  not be read (`DatabaseUnavailable.code`), `db.schema-mismatch`: its alembic revision is not
  0.12.4's head (`SchemaInfo`).
- `config.env-shadowed-by-db`: a config row differs from the environment and wins
  (`models/config.py`, `authdoctor.openwebui.dbconfig`); replaces the generic
  `config.persisted-setting-ignored` of the config area when the table was read.
- `db.no-users`, `db.no-admin`, `db.users-pending`: `routers/auths.py signup_handler` (the first
  account becomes admin), `utils/auth.py get_verified_user` (pending gets 401).
- `db.oauth-email-taken`, `db.oauth-provider-orphaned`: `utils/oauth.py handle_callback` finds
  an account by `user.oauth[provider].sub`, by email only with merge on; else 400 EMAIL_TAKEN
  (sign-up on) or 403 (off).
- `db.mfa-secret-undecryptable`: `utils/mfa.py cipher` (MFA_ENCRYPTION_KEY, else HKDF of
  WEBUI_SECRET_KEY); with ENABLE_MFA the start refuses undecryptable secrets
  (`validate_mfa_configuration`).
- `db.oauth-session-undecryptable`, `db.oauth-session-no-refresh`: `models/oauth_sessions.py`
  (Fernet, key = OAUTH_SESSION_TOKEN_ENCRYPTION_KEY else WEBUI_SECRET_KEY, SHA-256 unless 44
  characters), `OAuthManager.get_oauth_token` (no refresh token: the session is deleted).
- `db.token-stamp-stale`, `db.token-account-missing`, `jwt.bad-signature` for `--token`
  (`utils/auth.py is_valid_token`, `utils/mfa.py get_auth`); Redis revocation of the same token
  is the redis area's.
- `db.session-stamp-missing`, `db.account-inactive`, `db.secrets-at-rest`.
- `db.effective-settings`, `db.accounts`, `db.groups`: the `db show` view (summary only).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask
from authdoctor.openwebui.envread import getenv
from authdoctor.settings.model import EnvSource

if TYPE_CHECKING:
    from authdoctor.openwebui.dbconfig import EffectiveValue
    from authdoctor.probes.db import DatabaseObservation, SessionSample
    from authdoctor.settings.database import DatabaseState

AREA = "db"
#: A session expiring within this many seconds is refreshed by the app (utils/oauth.py).
REFRESH_WINDOW_S = 300
NO_EXPIRY = 253402300799


# --------------------------------------------------------------------------- reading failures

_FAILURE_CODES = {
    "unreachable": "db.unreachable", "auth-failed": "db.auth-failed",
    "database-missing": "db.auth-failed", "not-inspectable": "db.not-inspectable",
}


def failure_findings(state: DatabaseState) -> list[Finding]:
    """The database could not be read: one finding naming the rung and the reason."""
    failure = state.failure
    if failure is None:
        return []
    if failure.code == "driver-missing":
        return [skipped(AREA, failure.reason, fix="pip install 'authdoctor[postgres]'")]
    code = _FAILURE_CODES.get(failure.code, "db.unreadable")
    evidence = {"database": state.shown or failure.evidence.get("url", ""),
                "found by": state.origin, "failed at": failure.rung.value}
    evidence.update({k: v for k, v in failure.evidence.items() if k not in ("url", "path")})
    fixes = {
        "not-found": "Give --database sqlite:////<DATA_DIR>/webui.db with the path on this machine.",
        "not-sqlite": "Point --database at Open WebUI's DATA_DIR/webui.db.",
        "corrupt": "Restore webui.db (with its -wal and -shm files) from a backup; if you copied "
                   "it, copy all three files while the app is stopped.",
        "locked": "Retry when the writer is done, or read a copy taken with `sqlite3 webui.db "
                  "'.backup copy.db'`.",
        "wal-without-shm": "Copy webui.db together with webui.db-wal and webui.db-shm, or start "
                           "the app once so that it checkpoints the WAL.",
        "permission-denied": "Run authdoctor as a user that can read webui.db (and its -wal and "
                             "-shm files).",
        "timeout": "Raise --probe-timeout, or read a copy of the database.",
        "url-invalid": "Give --database sqlite:////absolute/path/webui.db or "
                       "postgresql://user@host:5432/db.",
    }
    title = {
        "db.unreachable": f"the database server cannot be reached: {failure.reason}",
        "db.auth-failed": failure.reason,
        "db.not-inspectable": f"the database is not inspectable: {failure.reason}",
    }.get(code, failure.reason if failure.code == "url-invalid"
          else f"the database cannot be read: {failure.reason}")
    return [finding(code, title, detail=(
        f"{failure.reason}. Nothing was written. The checks that need the database did not run; "
        "the other areas judged the environment's values."),
        fix=fixes.get(failure.code, ""), evidence=evidence, subject="--database"
        if state.origin == "--database" else state.origin)]


def schema_findings(observation: DatabaseObservation) -> list[Finding]:
    """`db.schema-mismatch` for a revision other than 0.12.4's head."""
    from authdoctor.probes.db import HEAD_REVISION

    schema = observation.schema
    if schema.status == "current":
        return []
    what = {
        "older": f"an older Open WebUI revision ({schema.revision}); 0.12.4 migrates it at its "
                 "next start",
        "unknown": f"a revision 0.12.4 does not know ({schema.revision}): a newer release wrote it "
                   "(0.12.4 refuses to start against it), or another application",
        "legacy": "only the pre-alembic migratehistory table (a release from before 0.3)",
        "missing": "no alembic_version table: not an Open WebUI database, or one never started",
    }[schema.status]
    missing = "; ".join(f"{k}: {v}" for k, v in sorted(observation.problems.items()))
    return [finding(
        "db.schema-mismatch", f"the database schema is {what.split(' (')[0].split(':')[0]}",
        detail=(f"The database holds {what}. authdoctor reads 0.12.4's schema (head "
                f"{HEAD_REVISION}); what could be read was read."
                + (f" Not read: {missing}." if missing else "")),
        fix="Point --database at the Open WebUI 0.12.4 instance's database.",
        evidence={"revision": schema.revision or "<none>", "expected": HEAD_REVISION,
                  "status": schema.status},
        subject="alembic_version")]


# --------------------------------------------------------------------------- settings that apply

def _shown_value(value: EffectiveValue, text: str | None) -> str:
    if text is None:
        return "<unset>"
    if value.spec.secret:
        return mask(text)
    from authdoctor.masking import mask_credentials

    return repr(mask_credentials(text))


def shadow_findings(state: DatabaseState) -> list[Finding]:
    """`config.env-shadowed-by-db`: the environment sets a value the config table overrides."""
    from authdoctor.openwebui.dbconfig import as_env_text, reset_on_start

    env = state.environment
    findings = []
    for value in state.effective:
        if value.winner != "database" or not value.differs or value.env_name is None:
            continue
        stored = as_env_text(value.stored, value.spec.kind, value.sep)
        env_shown = _shown_value(value, value.env_text)
        db_shown = _shown_value(value, stored)
        if value.spec.secret:
            title = (f"{value.env_name} is ignored: the app uses another value stored in its "
                     "database")
        else:
            title = f"{value.env_name}={env_shown} is ignored; the app uses {db_shown} from its database"
        reset = env is not None and reset_on_start(env)
        detail = (f"The config table's row {value.spec.key} holds {db_shown} (last saved "
                  f"{_when(state, value.spec.key)}) and the app reads it on every request; the "
                  f"environment's {value.env_name}={env_shown} only seeded the row at the first "
                  "start. The other checks of this report judged the database's value.")
        if reset:
            detail += (" RESET_CONFIG_ON_START=true: at the next start every row is deleted and "
                       "re-seeded, so the environment's value applies from then on.")
        findings.append(finding(
            "config.env-shadowed-by-db", title, detail=detail,
            fix=(f"Change it in Admin Panel > Settings (the row {value.spec.key}), or restart once "
                 f"with RESET_CONFIG_ON_START=true to take {value.env_name} from the environment "
                 "(that reseeds every row)."),
            evidence={"environment": f"{value.env_name}={env_shown}",
                      "database": f"{value.spec.key}={db_shown}",
                      "ENABLE_PERSISTENT_CONFIG": "true",
                      **({"ENABLE_OAUTH_PERSISTENT_CONFIG": "true"}
                         if value.spec.key.startswith("oauth.") else {})},
            subject=value.env_name,
            location=env.location(value.env_name) if env is not None else None))
    return findings


def _when(state: DatabaseState, key: str) -> str:
    observation = state.observation
    stamp = observation.config_updated_at.get(key) if observation is not None else None
    if not stamp:
        return "at an unknown time"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------------- users and roles

def _true(env: EnvSource, name: str, default: str) -> bool:
    return getenv(env, name, default).lower() == "true"


def user_findings(observation: DatabaseObservation, env: EnvSource) -> list[Finding]:
    """No account, no admin, pending accounts, OAuth sign-ins that cannot find their account."""
    from authdoctor.openwebui.oauth import configured_providers

    if "users" in observation.problems:
        return []
    findings = []
    roles = observation.users_by_role
    total = observation.users
    signup = _true(env, "ENABLE_SIGNUP", "True") and _true(env, "WEBUI_AUTH", "True")
    default_role = getenv(env, "DEFAULT_USER_ROLE", "pending")
    evidence_roles = ", ".join(f"{role}: {n}" for role, n in sorted(roles.items())) or "none"
    if total == 0:
        findings.append(finding(
            "db.no-users", "no account yet: whoever signs up first becomes admin",
            detail=("The user table is empty. The first sign-up is made admin and closes sign-up"
                    + (" (sign-up is open now)." if signup else "; sign-up is closed now, so the "
                       "first account comes from LDAP, OAuth or WEBUI_ADMIN_EMAIL.")),
            fix="Sign up as the admin now, before the app is reachable by others (or start once "
                "with WEBUI_ADMIN_EMAIL and WEBUI_ADMIN_PASSWORD).",
            evidence={"accounts": "0", "ENABLE_SIGNUP": str(signup).lower()},
            subject="user", severity=Severity.WARNING if signup else Severity.INFO))
        return findings
    if roles.get("admin", 0) == 0:
        findings.append(finding(
            "db.no-admin", f"{total} account(s), none of them admin",
            detail=("Nobody can approve pending users, change roles or edit the settings stored in "
                    "the database; the app creates an admin only for the very first account."),
            fix=("Make one account admin in the database (with the app stopped and a backup "
                 "taken): UPDATE \"user\" SET role='admin' WHERE email='you@example.com';"),
            evidence={"accounts by role": evidence_roles}, subject="user.role"))
    pending = roles.get("pending", 0)
    if pending:
        everyone = pending == total - roles.get("admin", 0)
        findings.append(finding(
            "db.users-pending",
            (f"all {pending} non-admin account(s) are pending" if everyone
             else f"{pending} of {total} accounts are pending") + ": they sign in but use nothing",
            detail=(f"New accounts get the default role {default_role!r}"
                    + (" and sign-up is open" if signup else "")
                    + ". A pending user sees 'awaiting approval' after signing in; every other "
                    "request answers 401, which users report as a broken sign-in."),
            fix=("Approve them in Admin Panel > Users"
                 + (", or set the default user role to 'user' in Admin Panel > Settings > General "
                    "(the row ui.default_user_role)" if default_role == "pending" else "") + "."),
            evidence={"accounts by role": evidence_roles, "default role": default_role},
            subject="DEFAULT_USER_ROLE"))
    providers = set(configured_providers(env))
    oauth_on = bool(providers) and _true(env, "ENABLE_OAUTH", "True")
    merge = _true(env, "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "False")
    oauth_signup = _true(env, "ENABLE_OAUTH_SIGNUP", "False")
    if oauth_on and not merge and observation.password_users_without_oauth \
            and "auth" not in observation.problems:
        answer = ("400 'This email is already registered'" if oauth_signup else
                  "403 'You do not have permission' (OAuth sign-up is off)")
        findings.append(finding(
            "db.oauth-email-taken",
            f"{observation.password_users_without_oauth} password account(s) cannot sign in with "
            "OAuth: merge by email is off",
            detail=("These accounts have a password (or were created by LDAP) and no OAuth "
                    "subject. The app finds an OAuth user only by the provider's subject while "
                    f"OAUTH_MERGE_ACCOUNTS_BY_EMAIL is false, so their OAuth sign-in answers {answer}."),
            fix=("Set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true if the IdP verifies emails (the row "
                 "oauth.merge_accounts_by_email when ENABLE_OAUTH_PERSISTENT_CONFIG=true)."),
            evidence={"password accounts without an OAuth link":
                      str(observation.password_users_without_oauth),
                      "providers": ", ".join(sorted(providers)),
                      "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "false",
                      "ENABLE_OAUTH_SIGNUP": str(oauth_signup).lower()},
            subject="OAUTH_MERGE_ACCOUNTS_BY_EMAIL"))
    orphaned = {p: n for p, n in observation.oauth_providers.items()
                if p not in providers and not p.startswith("mcp:")}
    if orphaned and providers:
        count = sum(orphaned.values())
        findings.append(finding(
            "db.oauth-provider-orphaned",
            f"{count} account link(s) to provider(s) no longer configured: "
            + ", ".join(sorted(orphaned)),
            detail=("These accounts store their OAuth subject under a provider the settings do "
                    f"not configure now (configured: {', '.join(sorted(providers))}). Sign-in "
                    "through another provider does not find them"
                    + (", and with merge by email off it fails 'Email is already registered'."
                       if not merge else "; merge by email is on, so they are re-linked by email.")),
            fix="Configure the provider again, or set OAUTH_MERGE_ACCOUNTS_BY_EMAIL=true while the "
                "accounts move to the new provider.",
            evidence={"links by provider": ", ".join(f"{p}: {n}" for p, n in sorted(orphaned.items())),
                      "configured": ", ".join(sorted(providers))},
            subject="user.oauth", severity=Severity.WARNING if not merge else Severity.INFO))
    if "auth" not in observation.problems:
        if observation.null_session_stamps:
            findings.append(finding(
                "db.session-stamp-missing",
                f"{observation.null_session_stamps} account(s) have no session stamp",
                detail=("Their auth.session_stamp is NULL (rows from before 0.12.0 never rotated), "
                        "so a token without the stamp claim passes: tokens issued before the "
                        "upgrade cannot be revoked by a stamp until one is set."),
                fix="Revoke these users' sessions (Admin Panel > Users) or have them change their "
                    "password.",
                evidence={"accounts without a stamp": str(observation.null_session_stamps)},
                subject="auth.session_stamp"))
        if observation.inactive_accounts:
            findings.append(finding(
                "db.account-inactive",
                f"{observation.inactive_accounts} account(s) are marked inactive: every request "
                "gets 401",
                detail=("auth.active is false for these accounts; 0.12.4 never sets that itself, "
                        "but refuses them: 401 'Invalid authentication request.'"),
                fix="Set auth.active back to true for them (app stopped, backup taken), or delete "
                    "the accounts.",
                evidence={"inactive accounts": str(observation.inactive_accounts)},
                subject="auth.active"))
    return findings


# --------------------------------------------------------------------------- OAuth sessions

def fernet_key(key: str) -> bytes:
    """The Fernet key 0.12.4 derives (models/oauth_sessions.py): a key of 44 characters is used
    as is, any other is urlsafe_b64(sha256(key))."""
    if len(key) != 44:
        return base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())
    return key.encode()


def written_at(token: str) -> int | None:
    """The encryption time a Fernet token carries in bytes 1-8 (readable without the key)."""
    try:
        raw = base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 9 or raw[0] != 0x80:
        return None
    return int.from_bytes(raw[1:9], "big")


def decrypt_sample(samples: Iterable[SessionSample], key: str) -> list[tuple[SessionSample, Any]]:
    """Each sampled session with its decrypted JSON (a dict), or None when it does not decrypt.
    The decrypted tokens never leave this function's result, and the result is never shown."""
    from cryptography.fernet import Fernet, InvalidToken

    fernet = Fernet(fernet_key(key))
    result: list[tuple[SessionSample, Any]] = []
    for sample in samples:
        try:
            data = json.loads(fernet.decrypt(sample.token.encode()))
        except (InvalidToken, ValueError, TypeError):
            data = None
        result.append((sample, data if isinstance(data, dict) else None))
    return result


def _date(epoch: int | None) -> str:
    if epoch is None:
        return "an unknown time"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def session_findings(observation: DatabaseObservation, env: EnvSource, now: datetime) -> list[Finding]:
    """Sampled OAuth sessions decrypted with the key the settings give."""
    from authdoctor.openwebui.values import encryption_key, fernet_key_problem, used_as_fernet_key

    if "oauth_sessions" in observation.problems or not observation.session_sample:
        return []
    key = encryption_key(env, "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY")
    if not key.value:
        return [skipped(AREA, f"{observation.sessions} stored OAuth session(s) not tested: no "
                        "WEBUI_SECRET_KEY in the settings (start.sh generates one at start, which "
                        "authdoctor cannot see)")]
    if used_as_fernet_key(key.value) and fernet_key_problem(key.value) is not None:
        return []    # secret.encryption-key-invalid: the app does not start with this key
    key_name = "WEBUI_SECRET_KEY" if key.inherited else key.name
    results = decrypt_sample(observation.session_sample, key.value)
    failed = [s for s, data in results if data is None]
    findings = []
    if failed:
        ok = [s for s, data in results if data is not None]
        failed_times = [t for t in (written_at(s.token) for s in failed) if t is not None]
        ok_times = [t for t in (written_at(s.token) for s in ok) if t is not None]
        when = f"written between {_date(min(failed_times))} and {_date(max(failed_times))}" \
            if failed_times else ""
        change = ""
        if ok_times and failed_times and max(failed_times) < min(ok_times):
            change = (f" The key changed between {_date(max(failed_times))} and "
                      f"{_date(min(ok_times))}: rows written since decrypt.")
        elif ok_times:
            change = (" Rows that decrypt and rows that do not were written at overlapping times: "
                      "the replicas use different keys.")
        findings.append(finding(
            "db.oauth-session-undecryptable",
            f"{len(failed)} of {len(results)} sampled OAuth session(s) do not decrypt with "
            f"{key_name}",
            detail=(f"The sessions {when} were encrypted with another key than {key_name} gives "
                    "(rotated, regenerated when the container was re-created, or different "
                    "between replicas)." + change + " The app deletes such a session when it "
                    "reads it (sign-in, token refresh, an admin's view of the user's sessions), "
                    "so tool calls with the user's OAuth token fail and the user must sign in "
                    "again."),
            fix=(f"Give every replica the key the sessions were written with ({key_name}); if it "
                 "is lost, nothing restores them: users sign in with OAuth again."),
            evidence={"sampled": f"{len(results)} of {observation.sessions} (newest first)",
                      "decrypt": str(len(ok)), "do not decrypt": str(len(failed)),
                      "key": key_name + (" (inherited: OAUTH_SESSION_TOKEN_ENCRYPTION_KEY unset)"
                                         if key.inherited else "")},
            subject=key_name, location=env.location(key_name)))
    epoch = int(now.timestamp())
    stranded = [s for s, data in results if data is not None and not data.get("refresh_token")
                and s.expires_at != NO_EXPIRY and s.expires_at - REFRESH_WINDOW_S < epoch]
    if stranded:
        providers = sorted({s.provider for s in stranded})
        findings.append(finding(
            "db.oauth-session-no-refresh",
            f"{len(stranded)} sampled OAuth session(s) expired without a refresh token",
            detail=("The access tokens of these sessions have expired (or expire within 5 "
                    "minutes) and the provider sent no refresh token: at the next use the app "
                    "logs 'No refresh token available' and deletes the session, so calls with the "
                    "user's token fail until the user signs in again."),
            fix="Ask the IdP for refresh tokens: add offline_access to OAUTH_SCOPES where the IdP "
                "needs it, or enable refresh tokens for this client.",
            evidence={"providers": ", ".join(providers),
                      "sampled": f"{len(results)} of {observation.sessions}",
                      "expired (all sessions)": str(observation.sessions_expired)},
            subject="OAUTH_SCOPES"))
    return findings


# --------------------------------------------------------------------------- MFA secrets

MFA_HKDF_INFO = b"open-webui/mfa-encryption/v1"


def mfa_cipher(env: EnvSource) -> tuple[Any, str] | None:
    """The Fernet 0.12.4 encrypts TOTP secrets with (utils/mfa.py cipher): MFA_ENCRYPTION_KEY as
    is, else HKDF-SHA256 of WEBUI_SECRET_KEY (info 'open-webui/mfa-encryption/v1'); and the key's
    name. None when there is no key to try (or MFA_ENCRYPTION_KEY is not a Fernet key: the app
    cannot use it either)."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from authdoctor.openwebui.values import secret_key

    override = getenv(env, "MFA_ENCRYPTION_KEY", "")
    if override:
        try:
            return Fernet(override.encode()), "MFA_ENCRYPTION_KEY"
        except ValueError:
            return None
    key = secret_key(env).value
    if not key:
        return None
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MFA_HKDF_INFO).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived)), "WEBUI_SECRET_KEY"


def mfa_findings(observation: DatabaseObservation, env: EnvSource) -> list[Finding]:
    """`db.mfa-secret-undecryptable`: enrolled TOTP secrets that the settings' key cannot read."""
    from cryptography.fernet import InvalidToken

    if not observation.mfa_secret_sample:
        return []
    found = mfa_cipher(env)
    if found is None:
        return []
    cipher, key_name = found
    failed = 0
    for secret in observation.mfa_secret_sample:
        try:
            cipher.decrypt(secret.encode())
        except (InvalidToken, ValueError):
            failed += 1
    if not failed:
        return []
    enabled = _true(env, "ENABLE_MFA", "False")
    consequence = ("MFA is on, so the app refuses to start: 'Stored MFA secrets cannot be decrypted. "
                   "Restore the WEBUI_SECRET_KEY or MFA_ENCRYPTION_KEY they were encrypted with.'"
                   if enabled else
                   "MFA is off now; switching it on makes the app refuse to start, and these users' "
                   "authenticator codes answer 503 'Authenticator configuration is unavailable'.")
    return [finding(
        "db.mfa-secret-undecryptable",
        f"{failed} of {len(observation.mfa_secret_sample)} sampled MFA secret(s) do not decrypt with "
        f"{key_name}",
        detail=(f"The authenticator (TOTP) secrets are encrypted with a key derived from "
                f"{key_name}; these were written with another one (the key changed since). "
                + consequence),
        fix=(f"Restore the {key_name} the secrets were written with; if it is lost, reset MFA for "
             "these users (Admin Panel > Users) so they enrol again."),
        evidence={"MFA enrolled": str(observation.mfa_enrolled), "sampled": str(len(
            observation.mfa_secret_sample)), "do not decrypt": str(failed), "key": key_name,
            "ENABLE_MFA": str(enabled).lower()},
        subject=key_name, location=env.location(key_name),
        severity=Severity.ERROR)]


# --------------------------------------------------------------------------- a token (--token)

def token_findings(observation: DatabaseObservation, env: EnvSource, token: str | None) -> list[Finding]:
    """Would the app accept `token`? Its signature with WEBUI_SECRET_KEY (when the settings hold
    it), its account, and its session stamp against the database."""
    from authdoctor.errors import UsageError
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token, extract_token
    from authdoctor.openwebui.values import secret_key

    account = observation.token_account
    if not token or account is None:
        return []
    try:
        text = extract_token(token)
        payload = decode_token(text).payload
    except (MalformedTokenError, UsageError):   # the jwt area reports a malformed token
        return []
    if not isinstance(payload, dict):
        return []
    findings: list[Finding] = []
    key = secret_key(env).value
    if key:
        import jwt as pyjwt

        try:
            pyjwt.decode(text, key, algorithms=["HS256"],
                         options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                  "verify_aud": False, "verify_iss": False})
        except pyjwt.InvalidSignatureError:
            findings.append(finding(
                "jwt.bad-signature", "the token is not signed with this WEBUI_SECRET_KEY: the app "
                "answers 401 '401 Unauthorized'",
                detail=("The app verifies every token with WEBUI_SECRET_KEY (HS256). This token was "
                        "signed with another key: another instance, or a key that changed since."),
                fix="Sign in again; give every replica the same WEBUI_SECRET_KEY.",
                evidence={"token": "given with --token (never shown)"}, subject="WEBUI_SECRET_KEY"))
        except pyjwt.PyJWTError:
            pass
    user = str(payload.get("id", ""))
    if not account.user_found or not account.auth_found or account.active is False:
        why = ("no account with the token's user id" if not account.user_found else
               "no auth row for the account" if not account.auth_found else "the account is inactive")
        findings.append(finding(
            "db.token-account-missing", f"the token's account cannot sign in: {why}",
            detail=("The app reads the token's user from the auth table on every request; "
                    f"{why}, so it answers 401 'Invalid authentication request.' The token may "
                    "come from another instance or database."),
            fix="Use a token from this instance; check that every replica uses the same "
                "DATABASE_URL.",
            evidence={"user id": user or "<none>", "found": why}, subject="auth"))
        return findings
    claim = payload.get("session_stamp")
    if claim != account.session_stamp:
        why = ("the token carries no session_stamp claim while the account has one"
               if claim is None else "the account's stamp was rotated after the token was issued")
        findings.append(finding(
            "db.token-stamp-stale", "the token's session stamp is stale: the app answers 401 "
            "'Invalid token'",
            detail=(f"The app compares the token's session_stamp with auth.session_stamp on every "
                    f"request; {why}. A password change, an admin's session revoke or an MFA "
                    "policy change rotates the stamp and signs out every earlier token."),
            fix="Sign in again for a new token.",
            evidence={"user id": user, "token stamp": "present" if claim else "absent",
                      "database stamp": "differs" if account.session_stamp else "NULL"},
            subject="auth.session_stamp"))
    return findings


# --------------------------------------------------------------------------- secrets at rest

def secret_findings(observation: DatabaseObservation, env: EnvSource) -> list[Finding]:
    """`db.secrets-at-rest`: what a copy of the database hands over (counts only)."""
    from authdoctor.probes.db import SECRET_CONFIG_KEYS

    held = []
    if observation.api_keys:
        enabled = _true(env, "ENABLE_API_KEYS", "False")
        held.append(f"{observation.api_keys} API key(s) of {observation.api_key_users} user(s) "
                    f"(API keys are {'enabled' if enabled else 'disabled now, usable again if enabled'})")
    stored = sorted(k for k in SECRET_CONFIG_KEYS if observation.config.get(k))
    if stored:
        held.append("config rows " + ", ".join(stored))
    if not held:
        return []
    return [finding(
        "db.secrets-at-rest", "the database holds credentials in plain text: " + "; ".join(held),
        detail=("0.12.4 stores API keys (they never expire and survive a password change) and the "
                "secrets saved in the admin forms in plain text. A database backup or copy is as "
                "sensitive as these credentials."),
        fix="Protect backups like the secrets they hold; delete unused API keys; rotate the LDAP "
            "bind password and API keys if a copy leaked.",
        evidence={"API keys": str(observation.api_keys),
                  "secret config rows": ", ".join(stored) or "none"},
        subject="api_key")]


# --------------------------------------------------------------------------- the db show view

def summary_findings(state: DatabaseState) -> list[Finding]:
    """`db show`: the effective settings, the accounts, the groups (info)."""
    from authdoctor.masking import mask_credentials
    from authdoctor.openwebui.dbconfig import as_env_text

    observation = state.observation
    assert observation is not None
    findings = []
    if state.effective:
        rows: dict[str, str] = {}
        for value in state.effective:
            text = value.effective_text
            if value.spec.secret:
                shown = "set" if text else "<unset>"
            elif value.spec.kind == "bool" and text is not None:
                shown = "true" if text.lower() == "true" else "false"
            else:  # a URL's user:password (webui.url) is a credential like any other
                shown = repr(mask_credentials(text)) if text is not None else "<unset>"
            origin = ("database" if value.winner == "database" else
                      "environment" if value.env_name else "default")
            if value.winner != "database" and value.has_row and value.differs:
                stored = as_env_text(value.stored, value.spec.kind, value.sep)
                origin += ("; row not used: " + ("set" if value.spec.secret else
                                                 repr(mask_credentials(stored or ""))))
            rows[f"{value.spec.var} ({value.spec.key})"] = f"{shown} [{origin}]"
        findings.append(finding(
            "db.effective-settings", f"sign-in settings as the app uses them ({len(rows)})",
            detail=_persistence_note(state),
            evidence=rows, subject="config"))
    roles = ", ".join(f"{r}: {n}" for r, n in sorted(observation.users_by_role.items())) or "none"
    kinds = ", ".join(f"{k}: {n}" for k, n in sorted(observation.password_kinds.items())) or "none"
    links = ", ".join(f"{p}: {n}" for p, n in sorted(observation.oauth_providers.items())) or "none"
    sessions = ", ".join(f"{p}: {n}" for p, n in sorted(observation.sessions_by_provider.items()))
    findings.append(finding(
        "db.accounts", f"{observation.users} account(s): {roles}",
        detail="Counts only; no email or name is shown.",
        evidence={"by role": roles, "first account's role": observation.first_user_role or "<none>",
                  "password kinds": kinds, "OAuth links": links,
                  "SCIM-provisioned": str(observation.scim_users),
                  "MFA enrolled": str(observation.mfa_enrolled),
                  "OAuth sessions": f"{observation.sessions} ({sessions or 'none'}), "
                                    f"{observation.sessions_expired} expired",
                  "API keys": str(observation.api_keys)},
        subject="user"))
    groups: dict[str, str] = {}
    for group in observation.group_sample:
        granted = sorted(_granted(group.permissions))
        groups[group.name] = (f"{group.members} member(s)"
                              + (f", parent {group.parent}" if group.parent else "")
                              + (f", grants {', '.join(granted)}" if granted else ", grants nothing"))
    more = observation.groups - len(observation.group_sample)
    if more > 0:
        groups["…"] = f"{more} more group(s)"
    findings.append(finding(
        "db.groups", f"{observation.groups} group(s), {observation.group_members} membership(s)",
        detail="Permissions are combined across the defaults and every group of a user: the most "
               "permissive wins.", evidence=groups, subject="group"))
    return findings


def _granted(permissions: Any, prefix: str = "") -> list[str]:
    if not isinstance(permissions, dict):
        return []
    out = []
    for key, value in permissions.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_granted(value, path + "."))
        elif value is True:
            out.append(path)
    return out


def _persistence_note(state: DatabaseState) -> str:
    from authdoctor.openwebui.dbconfig import oauth_persistent, persistent, reset_on_start

    env = state.environment
    if env is None:
        return ""
    notes = [f"ENABLE_PERSISTENT_CONFIG={'true' if persistent(env) else 'false'}",
             f"ENABLE_OAUTH_PERSISTENT_CONFIG={'true' if oauth_persistent(env) else 'false'}"]
    if reset_on_start(env):
        notes.append("RESET_CONFIG_ON_START=true (rows are re-seeded at every start)")
    return "Where each value comes from, as 0.12.4 decides it: " + ", ".join(notes) + "."


# --------------------------------------------------------------------------- the area

def evaluate(state: DatabaseState | None, env: EnvSource, now: datetime, *,
             token: str | None = None, summary: bool = False) -> list[Finding]:
    """Every finding of the db area from the run's database state (pure)."""
    if state is None:
        return [skipped(AREA, "no database given (--database URL)")]
    if state.failure is not None:
        return failure_findings(state)
    observation = state.observation
    if observation is None:
        return [skipped(AREA, state.not_read or "the database was not read")]
    findings = [*schema_findings(observation), *shadow_findings(state),
                *user_findings(observation, env), *session_findings(observation, env, now),
                *mfa_findings(observation, env),
                *token_findings(observation, env, token), *secret_findings(observation, env)]
    if summary:
        findings += summary_findings(state)
    if observation.schema.status == "current":  # otherwise db.schema-mismatch names them
        findings += [skipped(AREA, f"the {name.replace('_', ' ')} part of the database was not read: "
                             f"{why}; what depends on it is not judged")
                     for name, why in sorted(observation.problems.items())]
    return findings


def _token(ctx: CheckContext) -> str | None:
    account = ctx.deployment.test_account
    return account.token if account is not None else None


async def check_live(ctx: CheckContext, *, summary: bool = False) -> list[Finding]:
    """The database was read before the run (`authdoctor.settings.database`); evaluate it."""
    return evaluate(ctx.deployment.database, ctx.deployment.env, ctx.now, token=_token(ctx),
                    summary=summary)


CHECK = CheckSpec(area=AREA, title="The app's database", live=check_live)
