"""The app's own database as a settings source: which database, read once per run, and the
settings that really apply laid over the environment.

`attach_database(deployment, explicit=..., ...)` (called by `commands/check.py` before the checks
run) decides which database the app uses, reads it read-only (`authdoctor.probes.db`), and returns
the deployment with `database` set (a `DatabaseState`: the observation, or why it was not read)
and, when the config table was read, every replica's variables replaced by the values the app
really uses (`authdoctor.openwebui.dbconfig`). Every other check then judges the effective
values; the db area reports where the database and the environment disagree.

Which database (first that applies):
1. `--database URL` (explicit): read unless `--offline` (which reads nothing but the settings).
2. The settings' `DATABASE_URL` (or DATABASE_TYPE/USER/PASSWORD/HOST/PORT/NAME, all set, as
   0.12.4's env.py composes them), else `DATA_DIR/webui.db`: read when it is an SQLite file that
   exists on this machine. A PostgreSQL `DATABASE_URL` from the settings is not connected to
   unasked (the database holds every user's data): the db area says how to ask (`--database`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from authdoctor.masking import mask_url
from authdoctor.settings.model import Deployment, EnvSource, UnknownValueError

if TYPE_CHECKING:
    from authdoctor.openwebui.dbconfig import EffectiveValue
    from authdoctor.probes.db import DatabaseObservation, DatabaseUnavailable


@dataclass(frozen=True)
class DatabaseState:
    """The run's database: where it is (`shown`, credentials masked), how authdoctor found it
    (`origin`), and either the observation, the failure, or why it was not read (`not_read`).
    `effective` are the primary replica's settings key by key (empty unless the config table was
    read); `environment` is that replica's variables before the overlay."""

    shown: str
    origin: str
    observation: DatabaseObservation | None = None
    failure: DatabaseUnavailable | None = None
    not_read: str = ""
    effective: tuple[EffectiveValue, ...] = ()
    environment: EnvSource | None = field(default=None, repr=False)
    url_secrets: tuple[str, ...] = field(default=(), repr=False)
    """The URL's credentials (for the output safety net)."""

    @property
    def read(self) -> bool:
        return self.observation is not None

    @property
    def config_applied(self) -> bool:
        """The config table was read and laid over the settings."""
        return self.observation is not None and "config" not in self.observation.problems \
            and bool(self.effective)

    def secret_values(self) -> set[str]:
        values = set(self.url_secrets)
        if self.observation is not None:
            values.update(self.observation.secret_values())
        return values


def database_url(env: EnvSource) -> tuple[str | None, str]:
    """The URL the app's env.py ends up with from these settings, and where it came from; None
    when only the app's built-in default (`BACKEND_DIR/data/webui.db`) applies."""
    try:
        parts = {name: env.get(name) for name in ("DATABASE_TYPE", "DATABASE_HOST", "DATABASE_PORT",
                                                  "DATABASE_NAME")}
        user, password = env.get("DATABASE_USER"), env.get("DATABASE_PASSWORD")
        url, data_dir = env.get("DATABASE_URL"), env.get("DATA_DIR")
    except UnknownValueError:
        return None, "a database setting's value is not in the input"
    credentials = (user or "") + (f":{password}" if password else "")
    if all(parts.values()) and user:
        composed = (f"{parts['DATABASE_TYPE']}://{credentials}@{parts['DATABASE_HOST']}:"
                    f"{parts['DATABASE_PORT']}/{parts['DATABASE_NAME']}")
        return composed.replace("postgres://", "postgresql://"), "DATABASE_TYPE/USER/HOST/PORT/NAME"
    if parts["DATABASE_TYPE"] == "sqlite+sqlcipher" and not url:
        return f"sqlite+sqlcipher:///{data_dir or '.'}/webui.db", "DATABASE_TYPE=sqlite+sqlcipher"
    if url:
        return url.replace("postgres://", "postgresql://"), "DATABASE_URL"
    if data_dir:
        return f"sqlite:///{data_dir.rstrip('/')}/webui.db", "DATA_DIR/webui.db"
    return None, "DATABASE_URL and DATA_DIR are not set"


def _token_user(deployment: Deployment) -> str | None:
    account = deployment.test_account
    if account is None or not account.token:
        return None
    from authdoctor.errors import UsageError
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token, extract_token

    try:
        payload = decode_token(extract_token(account.token)).payload
    except (MalformedTokenError, UsageError):
        return None
    user = payload.get("id") if isinstance(payload, dict) else None
    return str(user) if isinstance(user, str) and user else None


def attach_database(deployment: Deployment, *, explicit: str | None, offline: bool,
                    timeout: float, now: datetime, implicit: bool = True) -> Deployment:
    """The deployment with its database read (see the module docstring). Never raises for the
    database itself: a failure is kept in `DatabaseState.failure` for the db area to report.
    `implicit=False` reads only an explicit `--database`."""
    from authdoctor.masking import credential_parts

    result = _attach(deployment, explicit=explicit, offline=offline, timeout=timeout, now=now,
                     implicit=implicit)
    if explicit is not None and result.database is not None:
        secrets = tuple(credential_parts(explicit))
        result = replace(result, database=replace(result.database, url_secrets=secrets))
    return result


def _attach(deployment: Deployment, *, explicit: str | None, offline: bool,
            timeout: float, now: datetime, implicit: bool) -> Deployment:
    if explicit is not None:
        url, origin = explicit, "--database"
    elif not implicit:
        return deployment
    else:
        found, origin = database_url(deployment.env)
        if found is None:
            return replace(deployment, database=DatabaseState(
                shown="", origin=origin, not_read=f"no database given (--database URL; {origin})"))
        url = found
    shown = mask_url(url)
    if offline:
        # Nothing is read offline (the db area is skipped with the other live halves); a
        # --database that is no URL at all was refused before (check_database_url). Deciding this
        # before the reader is imported keeps sqlite3 and the reader off `check --offline`'s
        # start-up path (benchmarks/startup.py).
        return replace(deployment, database=DatabaseState(shown=shown, origin=origin,
                                                          not_read="--offline"))
    from authdoctor.probes.db import DatabaseUnavailable, parse_database_url

    try:
        target = parse_database_url(url, schema=_schema(deployment.env))
    except DatabaseUnavailable as exc:
        return replace(deployment, database=DatabaseState(shown=shown, origin=origin, failure=exc))
    if target.kind == "postgresql" and explicit is None:
        return replace(deployment, database=DatabaseState(
            shown=shown, origin=origin,
            not_read=(f"{origin} names a PostgreSQL database; authdoctor connects to it only when "
                      f"asked: --database \"$DATABASE_URL\"")))
    if target.kind == "sqlite" and explicit is None and not os.path.isfile(target.path):
        return replace(deployment, database=DatabaseState(
            shown=shown, origin=origin,
            not_read=(f"{origin} names {target.path}, which is not a file on this machine (a path "
                      "inside the container?); give --database sqlite:////<path on this "
                      "machine>/webui.db")))
    return read_into(deployment, url, shown=shown, origin=origin, timeout=timeout, now=now)


def _schema(env: EnvSource) -> str | None:
    try:
        return env.get("DATABASE_SCHEMA") or None
    except UnknownValueError:
        return None


def read_into(deployment: Deployment, url: str, *, shown: str, origin: str, timeout: float,
              now: datetime) -> Deployment:
    """Read the database at `url` and lay its config over every replica."""
    from authdoctor.openwebui.dbconfig import effective_values, overlay
    from authdoctor.probes.db import DatabaseUnavailable, open_readonly, read_observation

    started = time.monotonic()
    try:
        with open_readonly(url, timeout=timeout, schema=_schema(deployment.env)) as db:
            observation = read_observation(db, now=now.timestamp(),
                                           token_user_id=_token_user(deployment),
                                           deadline=started + timeout)
    except DatabaseUnavailable as exc:
        return replace(deployment, database=DatabaseState(shown=shown, origin=origin, failure=exc))
    state = DatabaseState(shown=shown, origin=origin, observation=observation,
                          environment=deployment.env)
    if "config" in observation.problems or not observation.schema.tables:
        return replace(deployment, database=state)
    where = observation.shown
    replicas = []
    primary: tuple[EffectiveValue, ...] = ()
    # Without settings (`db show --database URL` alone) the view is against an empty environment:
    # every value is the row's or the app's default.
    for index, replica in enumerate(deployment.replicas or (deployment.env,)):
        try:
            values = effective_values(replica, observation.config)
        except UnknownValueError:
            replicas.append(replica)      # not judged: config.value-unknown says which value
            continue
        if index == 0:
            primary = tuple(values)
        replicas.append(overlay(replica, values, where))
    if not deployment.replicas:
        return replace(deployment, database=replace(state, effective=primary))
    return replace(deployment, replicas=tuple(replicas),
                   database=replace(state, effective=primary))


__all__ = ["DatabaseState", "attach_database", "database_url", "read_into"]
