"""The signing and encryption keys, judged from settings alone (settings half; no live part).

Failure modes named here, with the app behaviour each rests on (Open WebUI 0.12.4 source):

- `secret.missing`: `env.py` reads `os.getenv('WEBUI_SECRET_KEY', os.getenv('WEBUI_JWT_SECRET_KEY',
  ''))` and raises `SystemExit('WEBUI_SECRET_KEY is not set. It is a hard requirement when
  authentication is enabled…')` when it is empty and `WEBUI_AUTH` is true. The supported start
  methods paper over a missing key: the image's `start.sh` (cwd `/app/backend`) writes
  `head -c 12 /dev/random | base64` (16 characters) to `${WEBUI_SECRET_KEY_FILE:-.webui_secret_key}`
  when *both* names are empty or unset; `open-webui serve` writes `./.webui_secret_key` only when
  `WEBUI_SECRET_KEY` is unset (`is None`; set-but-empty exits). The legacy name alone breaks the
  image: start.sh then generates nothing and the Dockerfile's `ENV WEBUI_SECRET_KEY=""` hides the
  legacy fallback, so the app exits.
- `secret.not-persisted`: the generated key file lives at `/app/backend/.webui_secret_key`, outside
  the usual `/app/backend/data` volume, so recreating the container makes a new key: every token
  and `owui-session` cookie becomes invalid and stored OAuth sessions can no longer be decrypted.
  (Not reported with WEBUI_AUTH=false: there are no sessions to lose.)
- `secret.default` / `secret.weak`: the key is the HS256 key (`utils/auth.py SESSION_SECRET`); a
  published default or a short/low-entropy key lets anyone who guesses it forge any user's token
  (RFC 7518 §3.2: an HS256 key of at least 256 bits; RFC 8725 §3.5: no human-memorable keys).
- `secret.replica-mismatch`: every replica must sign and encrypt with the same keys, or tokens,
  the OAuth `state` cookie and encrypted OAuth sessions fail on the other replicas.
- `secret.encryption-key-invalid`: `OAUTH_SESSION_TOKEN_ENCRYPTION_KEY` and
  `OAUTH_CLIENT_INFO_ENCRYPTION_KEY` default to `WEBUI_SECRET_KEY`; a 44-character value is used
  as a Fernet key as-is (any other length is SHA-256-hashed into one), and one that is not 32
  url-safe-base64 bytes makes `Fernet()` raise while the app imports (`models/oauth_sessions.py`,
  `utils/oauth.py`); a set-but-empty `OAUTH_SESSION_TOKEN_ENCRYPTION_KEY` raises
  `Exception('OAUTH_SESSION_TOKEN_ENCRYPTION_KEY is not set')` at import. `MFA_ENCRYPTION_KEY`, when
  set, must itself be a Fernet key (`utils/mfa.py cipher()`, used when MFA runs).
"""

from __future__ import annotations

from authdoctor.checks._replicas import each_replica
from authdoctor.checks.base import CheckContext, CheckSpec, finding
from authdoctor.findings import Finding, Severity
from authdoctor.masking import mask
from authdoctor.openwebui.values import (
    DOCKER_DATA_DIR,
    DOCKER_KEY_FILE,
    ENCRYPTION_KEY_VARS,
    LEGACY_SECRET_VAR,
    SECRET_FILE_VAR,
    SECRET_VAR,
    encryption_key,
    fernet_key_problem,
    is_known_default_secret,
    key_file_path,
    path_under,
    read_bool,
    secret_bytes,
    secret_key,
    shannon_bits,
    used_as_fernet_key,
    webui_auth,
)
from authdoctor.settings.model import Deployment, EnvSource

AREA = "secret"
MIN_KEY_BYTES = 32
"""RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits)."""
MIN_ENTROPY_BITS = 100.0
"""Below this estimated entropy a key is guessable whatever its length (e.g. a repeated word)."""

_GENERATE = "openssl rand -hex 32"
_FIX_SET_KEY = (f"Set WEBUI_SECRET_KEY to a long random value (e.g. the output of `{_GENERATE}`), "
                "the same on every replica, and keep it: changing it signs everyone out.")
_RECREATE = ("every sign-in token and the OAuth state cookie become invalid (everyone is signed "
             "out) and stored OAuth sessions can no longer be decrypted ('Error decrypting tokens')")


def missing_findings(env: EnvSource) -> list[Finding]:
    """`secret.missing` (and the legacy-name trap). Silent when WEBUI_AUTH is off."""
    if not webui_auth(env):
        return []
    key = secret_key(env)
    if not key.primary_set and key.legacy_set:
        return [finding(
            "secret.missing",
            "only the deprecated WEBUI_JWT_SECRET_KEY is set: the Docker image does not start",
            detail=("WEBUI_SECRET_KEY is empty or unset and WEBUI_JWT_SECRET_KEY holds the key. In "
                    "the official image start.sh sees WEBUI_JWT_SECRET_KEY, so it generates no key, "
                    "and the Dockerfile sets WEBUI_SECRET_KEY=\"\", which hides the legacy "
                    "fallback in env.py: Open WebUI exits with 'WEBUI_SECRET_KEY is not set. It is "
                    "a hard requirement when authentication is enabled.' `open-webui serve` "
                    "ignores the legacy name and generates ./.webui_secret_key instead; only a "
                    "plain uvicorn start reads it."),
            fix="Rename WEBUI_JWT_SECRET_KEY to WEBUI_SECRET_KEY (same value, so existing tokens "
                "stay valid).",
            evidence={SECRET_VAR: mask(env.get(SECRET_VAR)),
                      LEGACY_SECRET_VAR: mask(env.get(LEGACY_SECRET_VAR))},
            subject=SECRET_VAR, location=env.location(LEGACY_SECRET_VAR),
            severity=Severity.ERROR,
        )]
    if not key.start_script_generates or env.get(SECRET_FILE_VAR):
        return []
    empty_but_set = env.get(SECRET_VAR) is not None
    serve = ("`open-webui serve` exits with 'WEBUI_SECRET_KEY is not set' because the variable "
             "is set but empty" if empty_but_set else
             "`open-webui serve` writes one to ./.webui_secret_key in whatever directory it is "
             "started from")
    return [finding(
        "secret.missing",
        "WEBUI_SECRET_KEY is not set: Open WebUI runs on a key generated at start",
        detail=("Authentication is on and neither WEBUI_SECRET_KEY nor WEBUI_SECRET_KEY_FILE is "
                "set. The Docker image's start.sh then generates a random 16-character key into "
                f"{DOCKER_KEY_FILE}; {serve}; a plain uvicorn start exits with 'WEBUI_SECRET_KEY "
                "is not set'. A generated key is not under your control: it differs per replica "
                "and is lost with the file, and then " + _RECREATE + "."),
        fix=_FIX_SET_KEY,
        evidence={SECRET_VAR: mask(env.get(SECRET_VAR)), SECRET_FILE_VAR: "<unset>"},
        subject=SECRET_VAR, location=env.location(SECRET_VAR),
        severity=Severity.WARNING,
    )]


def persistence_findings(env: EnvSource) -> list[Finding]:
    """`secret.not-persisted`: a generated key whose file a container recreate loses. Judged from
    the compose service's volumes when known, else against the usual /app/backend/data volume."""
    key = secret_key(env)
    if not key.start_script_generates or not webui_auth(env):
        return []
    path = key_file_path(env)
    configured = env.get(SECRET_FILE_VAR) or None
    compose = env.compose
    if compose is not None:
        volumes = [v for v in compose.volume_targets if v]
        if any(path_under(path, target) for target in volumes):
            return []
        seen = (f"the service '{compose.name}' mounts volumes at "
                f"{', '.join(volumes) if volumes else '(none)'}")
    else:
        if path_under(path, DOCKER_DATA_DIR):
            return []
        seen = (f"the usual Open WebUI volume is {DOCKER_DATA_DIR}, which does not contain it "
                "(pass --compose to check the real volumes)")
    where = (f"WEBUI_SECRET_KEY_FILE={configured}" if configured else
             f"start.sh's default ({DOCKER_KEY_FILE})")
    return [finding(
        "secret.not-persisted",
        "the generated secret key is not on a volume: recreating the container changes it",
        detail=(f"With no WEBUI_SECRET_KEY the key is generated once and kept in {path} "
                f"({where}); {seen}. A `docker compose up` that recreates the container (new "
                "image, changed settings) starts with an empty file system there and generates a "
                "new key: " + _RECREATE + "."),
        fix=(_FIX_SET_KEY + f" Or point WEBUI_SECRET_KEY_FILE into the data volume, e.g. "
             f"WEBUI_SECRET_KEY_FILE={DOCKER_DATA_DIR}/.webui_secret_key."),
        evidence={"key file": path, SECRET_FILE_VAR: configured or "<unset>",
                  "volumes": (", ".join(compose.volume_targets) or "(none)") if compose else "unknown"},
        subject=SECRET_VAR, location=env.location(SECRET_FILE_VAR),
        severity=Severity.WARNING,
    )]


def strength_findings(env: EnvSource) -> list[Finding]:
    """`secret.default` / `secret.weak` for the key env.py would use."""
    key = secret_key(env)
    if not key.value:
        return []
    auth = webui_auth(env)
    name = key.source or SECRET_VAR
    location = env.location(name)
    evidence = {name: mask(key.value)}
    off = ("" if auth else " (WEBUI_AUTH is off, so there are no user sessions to forge, but the "
           "key still signs the session cookie and encrypts stored OAuth tokens)")
    if is_known_default_secret(key.value):
        return [finding(
            "secret.default",
            f"{name} is a well-known default or placeholder value",
            detail=("The key signs every sign-in token (HS256). It is a published default or a "
                    "placeholder from an example file (or the built-in fallback of Open WebUI "
                    "≤ 0.10), so anyone can sign a token for any user id, "
                    "including the admin's, and Open WebUI will accept it" + off + "."),
            fix=_FIX_SET_KEY,
            evidence=evidence, subject=name, location=location,
            severity=Severity.ERROR if auth else Severity.INFO,
        )]
    size = secret_bytes(key.value)
    bits = shannon_bits(key.value)
    reasons = []
    if size < MIN_KEY_BYTES:
        reasons.append(f"it is {size} bytes long; HS256 keys need at least {MIN_KEY_BYTES} "
                       "(RFC 7518 §3.2)")
    if bits < MIN_ENTROPY_BITS:
        reasons.append(f"its characters carry about {bits:.0f} bits of entropy at most (repeated "
                       "or few distinct characters), far below a random 256-bit key (RFC 8725 §3.5)")
    if not reasons:
        return []
    return [finding(
        "secret.weak",
        f"{name} is too weak to protect sign-in tokens",
        detail=("The key signs every sign-in token with HS256; " + "; ".join(reasons) + ". A token "
                "captured anywhere (browser storage, a log, a proxy) lets an attacker test "
                "guesses offline and, once found, sign tokens for any user" + off + "."),
        fix=_FIX_SET_KEY,
        evidence={**evidence, "bytes": str(size), "entropy estimate": f"{bits:.0f} bits"},
        subject=name, location=location,
        severity=Severity.WARNING if auth else Severity.INFO,
    )]


def encryption_findings(env: EnvSource) -> list[Finding]:
    """`secret.encryption-key-invalid`: keys that make the app's Fernet setup raise."""
    findings: list[Finding] = []
    inherited_bad: list[str] = []
    secret = secret_key(env)
    for name in ENCRYPTION_KEY_VARS:
        key = encryption_key(env, name)
        if not key.inherited and key.value == "" and name == "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY":
            findings.append(finding(
                "secret.encryption-key-invalid",
                f"{name} is set but empty: Open WebUI does not start",
                detail=("An empty value does not fall back to WEBUI_SECRET_KEY (only an unset "
                        "variable does), and models/oauth_sessions.py raises "
                        f"Exception('{name} is not set') while the app starts."),
                fix=(f"Remove the {name}= line (it then defaults to WEBUI_SECRET_KEY) or set it to "
                     "a Fernet key (`openssl rand -base64 32 | tr '+/' '-_'`)."),
                evidence={name: "<empty>"}, subject=name, location=env.location(name),
                severity=Severity.ERROR,
            ))
            continue
        if not used_as_fernet_key(key.value):
            continue
        problem = fernet_key_problem(key.value)
        if problem is None:
            continue
        if key.inherited:
            inherited_bad.append(name)
            continue
        findings.append(finding(
            "secret.encryption-key-invalid",
            f"{name} is 44 characters but not a Fernet key: Open WebUI does not start",
            detail=(f"A 44-character value is used as a Fernet key as-is (other lengths are hashed "
                    f"into one), and {problem}: Fernet() raises 'Fernet key must be 32 url-safe "
                    "base64-encoded bytes' while the app imports ('Error initializing Fernet with "
                    "provided key' in the log)."),
            fix=(f"Set {name} to a real Fernet key (`openssl rand -base64 32 | tr '+/' '-_'`), or "
                 "to a longer random value, which the app hashes into a key. Changing it makes "
                 "stored OAuth sessions unreadable: users sign in again."),
            evidence={name: mask(key.value)}, subject=name, location=env.location(name),
            severity=Severity.ERROR,
        ))
    if inherited_bad and secret.value:
        problem = fernet_key_problem(secret.value)
        source = secret.source or SECRET_VAR
        findings.append(finding(
            "secret.encryption-key-invalid",
            f"{source} is 44 characters but not a Fernet key: Open WebUI does not start",
            detail=(f"{' and '.join(inherited_bad)} are unset, so they default to {source}. A "
                    f"44-character key is used as a Fernet key as-is, and {problem}: Fernet() "
                    "raises while the app imports ('Error initializing Fernet with provided key'), "
                    "so the app never starts. (Any other length would be hashed into a valid key.)"),
            fix=(f"Use a {source} of another length (e.g. `openssl rand -hex 32`, 64 characters), "
                 f"or set {' and '.join(inherited_bad)} to a Fernet key "
                 "(`openssl rand -base64 32 | tr '+/' '-_'`)."),
            evidence={source: mask(secret.value), "length": "44",
                      **dict.fromkeys(inherited_bad, "<unset: uses " + source + ">")},
            subject=source, location=env.location(source),
            severity=Severity.ERROR,
        ))
    elif (secret.value and used_as_fernet_key(secret.value) and fernet_key_problem(secret.value)
          and read_bool(env, "ENABLE_VALVE_ENCRYPTION").value):
        source = secret.source or SECRET_VAR
        findings.append(finding(
            "secret.encryption-key-invalid",
            f"{source} is 44 characters but not a Fernet key: valve encryption fails",
            detail=("ENABLE_VALVE_ENCRYPTION=true encrypts valves with a Fernet key taken from "
                    "WEBUI_SECRET_KEY as-is when it is 44 characters long (utils/valves.py); this "
                    "one is not a Fernet key, so saving or reading valves raises."),
            fix=f"Use a {source} of another length (e.g. `openssl rand -hex 32`).",
            evidence={source: mask(secret.value)}, subject=source, location=env.location(source),
            severity=Severity.WARNING,
        ))
    mfa = env.get("MFA_ENCRYPTION_KEY")
    if mfa:
        problem = fernet_key_problem(mfa)
        if problem is not None:
            findings.append(finding(
                "secret.encryption-key-invalid",
                "MFA_ENCRYPTION_KEY is not a Fernet key: MFA enrolment and verification fail",
                detail=("When set, MFA_ENCRYPTION_KEY is used as a Fernet key as-is, whatever its "
                        f"length (utils/mfa.py cipher()); {problem}, so every operation that "
                        "encrypts or decrypts an authenticator secret raises."),
                fix="Set MFA_ENCRYPTION_KEY to `openssl rand -base64 32 | tr '+/' '-_'`, or remove "
                    "it to derive the key from WEBUI_SECRET_KEY.",
                evidence={"MFA_ENCRYPTION_KEY": mask(mfa)}, subject="MFA_ENCRYPTION_KEY",
                location=env.location("MFA_ENCRYPTION_KEY"), severity=Severity.WARNING,
            ))
    return findings


def _effective(env: EnvSource, name: str) -> str:
    if name == SECRET_VAR:
        return secret_key(env).value
    return encryption_key(env, name).value


def replica_findings(deployment: Deployment) -> list[Finding]:
    """`secret.replica-mismatch`: replicas that sign or encrypt with different keys, or that will
    each generate their own. Values are never shown: only which replicas differ."""
    replicas = deployment.replicas
    findings: list[Finding] = []
    if len(replicas) > 1:
        for name in (SECRET_VAR, *ENCRYPTION_KEY_VARS):
            groups: dict[str, list[EnvSource]] = {}
            for replica in replicas:
                groups.setdefault(_effective(replica, name), []).append(replica)
            if name == SECRET_VAR and set(groups) == {""}:
                no_file = [r for r in replicas if not r.get(SECRET_FILE_VAR)]
                if no_file and webui_auth(replicas[0]):
                    findings.append(_generated_per_replica(
                        [r.label for r in no_file], len(replicas)))
                continue
            if len(groups) > 1:
                evidence = {r.label: f"key #{i}, {mask(_effective(r, name) or None)}"
                            for i, (_value, members) in enumerate(groups.items(), start=1)
                            for r in members}
                if name != SECRET_VAR and all(
                        encryption_key(r, name).inherited for r in replicas):
                    continue  # follows WEBUI_SECRET_KEY: already reported once
                findings.append(finding(
                    "secret.replica-mismatch",
                    f"replicas use different {name} values",
                    detail=(f"{len(groups)} different values of {name} across {len(replicas)} "
                            "replicas. " + _mismatch_effect(name)),
                    fix=(f"Give every replica the same {name} (from one secret store or one shared "
                         ".env), then restart them together."),
                    evidence=evidence, subject=name, severity=Severity.ERROR,
                ))
    elif (deployment.replica_count > 1 and secret_key(deployment.env).start_script_generates
          and not deployment.env.get(SECRET_FILE_VAR) and webui_auth(deployment.env)):
        findings.append(_generated_per_replica([deployment.env.label], deployment.replica_count))
    return findings


def _mismatch_effect(name: str) -> str:
    if name == SECRET_VAR:
        return ("A token signed by one replica fails the signature check on another (401 '401 "
                "Unauthorized'), and the OAuth state cookie signed by one is rejected by another "
                "('mismatching_state'), so users are signed out at random as the load balancer "
                "switches replicas.")
    return ("OAuth tokens stored by one replica cannot be decrypted by another ('Error decrypting "
            "tokens'); those sessions are deleted as corrupted.")


def _generated_per_replica(labels: list[str], count: int) -> Finding:
    return finding(
        "secret.replica-mismatch",
        "each replica generates its own secret key",
        detail=(f"{count} replicas and no WEBUI_SECRET_KEY (nor WEBUI_SECRET_KEY_FILE on shared "
                "storage) for " + ", ".join(labels) + ": start.sh generates a separate random key "
                "in each container. " + _mismatch_effect(SECRET_VAR)),
        fix=_FIX_SET_KEY,
        evidence={"replicas": str(count), SECRET_VAR: "<unset: generated per container>"},
        subject=SECRET_VAR, severity=Severity.ERROR,
    )


def check_settings(ctx: CheckContext) -> list[Finding]:
    deployment = ctx.deployment

    def per_replica(env: EnvSource) -> list[Finding]:
        return [*missing_findings(env), *persistence_findings(env), *strength_findings(env),
                *encryption_findings(env)]

    return [*each_replica(deployment, per_replica), *replica_findings(deployment)]


CHECK = CheckSpec(area=AREA, title="Secret key", settings=check_settings, live=None)
