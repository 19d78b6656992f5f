"""`authdoctor check`: load settings, run the checks, render, and decide the exit code.

`--timeout` is a deadline for the whole run, not for each probe: loading the settings, the checks
(settings and live halves) and rendering all happen before it. The run goes through
`authdoctor.deadline.call_before`; the checks get the deadline minus a reserve for rendering, so
a slow area becomes an `internal.deadline-exceeded` finding in a report that is still written.
If loading or rendering itself overruns, the run ends with one line naming the phase (exit 3).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from authdoctor.settings import SettingsInputs

if TYPE_CHECKING:
    from datetime import datetime

    from authdoctor.checks.base import CheckSpec
    from authdoctor.settings.model import Deployment


@dataclass(frozen=True)
class ProbeFlags:
    """The command line's probe options, laid over the settings' `probe:` section: `--ca-file`
    (an extra CA), `--insecure` (TLS not verified; reported as `probe.tls-not-verified`),
    `--no-idp-requests` (no client presented to the IdP's authorize and token endpoints),
    `--register-mcp-clients` (MCP tool servers' OAuth clients registered, as the app does),
    `--id-token` (an ID token to verify and compare with the claims the app reads; `-` was read
    from stdin by `read_id_token` before)."""

    ca_file: str | None = None
    insecure: bool = False
    idp_requests: bool = True
    register_mcp_clients: bool = False
    id_token: str | None = None
    ldap_user: str | None = None
    """`ldap test --user`: the LDAP test user (over `test_account.ldap_user`)."""
    ldap_password: str | None = field(default=None, repr=False)
    """`ldap test --password-env/--password-stdin`: its password (never on the command line)."""
    app_user: str | None = None
    """`--user`: the app test account's email (or LDAP login name) for the live sign-in (over
    `test_account.email`)."""
    app_password: str | None = field(default=None, repr=False)
    """`--password-env`: its password, read from that environment variable (never the command line)."""
    signout: bool = False
    """`--signout`: sign the test session out and check that the old token is refused."""
    app_token: str | None = field(default=None, repr=False)
    """`--token`: a session token the user gave, sent back to the app's session endpoint (over
    `test_account.token`); `run_check` reads `-` from stdin (`commands.redis.read_token`)."""
    database: str | None = field(default=None, repr=False)
    """`--database URL`: the app's database, read read-only (`authdoctor.settings.database`)."""
    database_from_settings: bool = False
    """`db show`: without `--database`, read the database the settings name whatever its kind
    (`check` connects to a PostgreSQL one only when given `--database`)."""

    def apply(self, deployment: Deployment) -> Deployment:
        if self.id_token:
            from authdoctor.settings.model import TestAccount

            account = replace(deployment.test_account or TestAccount(), id_token=self.id_token.strip())
            deployment = replace(deployment, test_account=account)
        if self.ldap_user is not None or self.ldap_password is not None:
            from authdoctor.settings.model import TestAccount

            account = deployment.test_account or TestAccount()
            if self.ldap_user is not None:
                account = replace(account, ldap_user=self.ldap_user)
            if self.ldap_password is not None:
                account = replace(account, ldap_password=self.ldap_password)
            deployment = replace(deployment, test_account=account)
        if self.app_user is not None or self.app_password is not None or self.app_token is not None:
            from authdoctor.settings.model import TestAccount

            account = deployment.test_account or TestAccount()
            if self.app_token is not None:
                account = replace(account, token=self.app_token)
            if self.app_user is not None:
                account = replace(account, email=self.app_user)
            if self.app_password is not None:
                account = replace(account, password=self.app_password)
            deployment = replace(deployment, test_account=account)
        probe = deployment.probe
        changes: dict[str, object] = {}
        if self.signout:
            changes["signout"] = True
        if self.ca_file is not None:
            changes["ca_file"] = self.ca_file
        if self.insecure:
            changes["verify_tls"] = False
        if not self.idp_requests:
            changes["idp_requests"] = False
        if self.register_mcp_clients:
            changes["register_mcp_clients"] = True
        return replace(deployment, probe=replace(probe, **changes)) if changes else deployment  # type: ignore[arg-type]


def read_id_token(flags: ProbeFlags, inputs: SettingsInputs) -> ProbeFlags:
    """`--id-token -` reads the token from stdin (unless stdin already carries the settings); an
    empty token is a usage error. The token is never echoed, not even in an error."""
    from authdoctor.errors import UsageError

    value = flags.id_token or ""
    if value.strip() == "-":
        if "-" in (*inputs.docker_inspect, *inputs.k8s):
            raise UsageError("--id-token -: stdin already carries the settings (--docker-inspect - "
                             "or --k8s -); give the token itself or through a file's contents")
        from authdoctor.commands.common import read_token_argument

        value = read_token_argument("-")
    if not value.strip():
        raise UsageError("--id-token: the token is empty")
    return replace(flags, id_token=value.strip())


def with_account(flags: ProbeFlags, user: str | None, password_env: str | None, signout: bool,
                 inputs: SettingsInputs, token: str | None = None) -> ProbeFlags:
    """`flags` with `--user`, `--password-env`, `--signout` and `--token`; the password is read
    here from the named variable (never from the command line); `run_check` reads a `--token -`
    from stdin and takes the JWT out of 'Bearer ...' or a Cookie value (`commands.redis.read_token`)."""
    from authdoctor.commands.ldap import read_password

    password = read_password(password_env=password_env, password_stdin=False, inputs=inputs)
    return replace(flags, app_user=user.strip() if user is not None else None, app_password=password,
                   signout=signout, app_token=token)


def check_test_account(deployment: Deployment, *, offline: bool, password_given: bool = False) -> None:
    """The app test account is whole (a user and a password) before the live sign-in may run,
    and `--signout` has one to sign out; a usage error names what is missing."""
    from authdoctor.errors import UsageError

    account = deployment.test_account
    user = account.email if account is not None else None
    password = account.password if account is not None else None
    if user is not None and not user.strip():
        raise UsageError("--user: the test account's email (or LDAP login name) is empty")
    if user and not password:
        raise UsageError("--user needs the account's password: --password-env VAR (the NAME of an "
                         "environment variable holding it) or test_account.password in deploy.yaml")
    if password_given and not user:
        raise UsageError("--password-env needs the account: --user EMAIL (or test_account.email in "
                         "deploy.yaml)")
    if deployment.probe.signout and not (user and password):
        raise UsageError("--signout signs the test account's session out: give --user EMAIL and "
                         "--password-env VAR")
    if deployment.probe.signout and offline:
        raise UsageError("--signout needs the live probes; it cannot be combined with --offline")
def check_database_url(database: str) -> None:
    """`--database` that is not a database URL at all is a usage error (exit 2); a database that
    cannot be read is a finding of the db area."""
    from authdoctor.errors import UsageError
    from authdoctor.probes.db import DatabaseUnavailable, parse_database_url

    if not database.strip():
        raise UsageError("--database: the URL is empty")
    try:
        parse_database_url(database)
    except DatabaseUnavailable as exc:
        if exc.code == "url-invalid":
            raise UsageError(f"--database: {exc.reason}") from None


def _with_database(deployment: Deployment, flags: ProbeFlags | None, *, offline: bool,
                   command: str, timeout: float, now: datetime | None) -> Deployment:
    """The app's database read once for the run (`authdoctor.settings.database`): `--database`,
    or for `check` the database the settings name when it is an SQLite file on this machine."""
    from authdoctor.clock import utcnow
    from authdoctor.settings.database import attach_database

    explicit = flags.database if flags is not None else None
    if explicit is None:
        explicit = deployment.probe.database      # deploy.yaml probe.database
    if explicit is None and flags is not None and flags.database_from_settings:
        from authdoctor.settings.database import database_url

        explicit, _ = database_url(deployment.env)
    if explicit is None and command != "check":
        return deployment
    return attach_database(deployment, explicit=explicit, offline=offline, timeout=timeout,
                           now=now or utcnow(), implicit=command == "check")


def _refuse_output_over_database(output: str | None, deployment: Deployment,
                                 flags: ProbeFlags | None) -> None:
    """`--output` must never name the app's SQLite file or a file beside it (-wal, -shm, -journal):
    the report would destroy the database or be taken for its journal (exit 2, nothing read)."""
    if output is None or output == "-" or not output.strip():
        return
    from authdoctor.errors import UsageError
    from authdoctor.probes.db import DatabaseUnavailable, parse_database_url
    from authdoctor.settings.database import database_url
    from authdoctor.settings.model import UnknownValueError

    url = flags.database if flags is not None else None
    try:
        url = url or deployment.probe.database or database_url(deployment.env)[0]
        target = parse_database_url(url) if url else None
    except (DatabaseUnavailable, UnknownValueError, ValueError):
        return
    if target is None or target.kind != "sqlite" or not target.path:
        return
    wanted = os.path.realpath(output)
    bases = {target.path, os.path.realpath(target.path)}  # SQLite names the -wal after the real file
    for name in (*bases, *(base + side for base in bases for side in ("-wal", "-shm", "-journal"))):
        try:
            same = wanted == os.path.realpath(name) or (
                os.path.exists(output) and os.path.exists(name) and os.path.samefile(output, name))
        except (OSError, ValueError):
            same = False
        if same:
            raise UsageError(f"--output {output} is the app's database or a file beside it ({name}); "
                             "refusing to write there: choose another file for the report")


def run_check(*, inputs: SettingsInputs, only: Sequence[str], skip: Sequence[str],
              ignore: Sequence[str], offline: bool, fail_on: str, timeout: float,
              probe_timeout: float | None, now: str | None, output_format: str, output: str | None,
              verbose: bool, stderr: TextIO, deployment: Deployment | None = None,
              checks: Mapping[str, CheckSpec] | None = None, command: str = "check",
              target: str | None = None, probe_flags: ProbeFlags | None = None,
              after_load: Callable[[Deployment], str | None] | None = None) -> int:
    """The whole run. Other commands that report findings (`oidc probe`) reuse it: `deployment`
    replaces reading `inputs`, `checks` the registry, and `command`/`target` name the report;
    `after_load` may refuse the loaded settings (a `UsageError`) within the run's deadline, or
    return the report's target named from them (the Redis or LDAP server a command probes)."""
    from authdoctor.checks.registry import all_checks
    from authdoctor.clock import parse_now
    from authdoctor.commands.common import check_ignore_codes, parse_fail_on, parse_format, render_report
    from authdoctor.deadline import MIN_TIMEOUT_S, Deadline, Phase, call_before, check_seconds, render_reserve
    from authdoctor.exitcodes import exit_code_for
    from authdoctor.output import check_output_path, write_output
    from authdoctor.progress import Progress
    from authdoctor.runner import RunOptions, run_checks, select_checks
    from authdoctor.settings import load_deployment

    deadline = Deadline(check_seconds("--timeout", timeout, minimum=MIN_TIMEOUT_S))
    fmt = parse_format(output_format)
    if probe_timeout is not None:
        check_seconds("--probe-timeout", probe_timeout, minimum=MIN_TIMEOUT_S)
    if probe_flags is not None and probe_flags.id_token is not None:
        probe_flags = read_id_token(probe_flags, inputs)
    if probe_flags is not None and probe_flags.database is not None:
        check_database_url(probe_flags.database)
    if probe_flags is not None and probe_flags.app_token is not None:
        from authdoctor.commands.redis import read_token

        probe_flags = replace(probe_flags, app_token=read_token(probe_flags.app_token, inputs))
    if probe_flags is not None and probe_flags.ca_file is not None:
        from authdoctor.localfiles import check_regular_file

        check_regular_file(probe_flags.ca_file, "--ca-file")
    options = RunOptions(
        ignore=check_ignore_codes(ignore), offline=offline,
        fail_on=parse_fail_on(fail_on), timeout_s=timeout, probe_timeout_s=probe_timeout,
        now=parse_now(now) if now is not None else None,
    )
    # The areas are chosen once, here (usage errors before any work); the runner is given the
    # selection as its `checks`, so its options carry no --only/--skip to apply again.
    areas = dict(checks) if checks is not None else all_checks()
    selected = {spec.area: spec for spec in select_checks(areas, list(only), list(skip))}
    named_inputs = [name for name in (inputs.config, *inputs.env_files, *inputs.compose_files) if name]
    check_output_path(output, named_inputs)
    phase = Phase("while reading the settings")

    def work() -> tuple[str, int]:
        loaded = deployment if deployment is not None else load_deployment(inputs)
        named = after_load(loaded) if after_load is not None else None
        if probe_flags is not None:
            loaded = probe_flags.apply(loaded)
        check_test_account(loaded, offline=offline,
                           password_given=probe_flags is not None and probe_flags.app_password is not None)
        check_output_path(output, [*named_inputs, *loaded.sources, *loaded.files_read])
        _refuse_output_over_database(output, loaded, probe_flags)
        phase.text = "while reading the database"
        loaded = _with_database(loaded, probe_flags, offline=offline, command=command,
                                timeout=probe_timeout or loaded.probe.timeout_s,
                                now=options.now)
        phase.text = "while running the checks"
        checks_until = deadline.earlier(render_reserve(deadline.seconds))
        # Progress only for people: a terminal on stderr and the text format (never for CI formats).
        with Progress.for_stream(stderr, enabled=not fmt.machine_readable) as progress:
            report = run_checks(loaded, replace(options, on_progress=progress.update,
                                                deadline=checks_until.at), checks=selected,
                                 target=named or target)
        if command != "check":
            report = replace(report, command=command)
        phase.text = "while rendering the report"
        text = render_report(report, fmt, output, loaded.secret_values(), verbose=verbose)
        return text, int(exit_code_for(report))

    text, code = call_before(deadline, work, phase=phase)
    write_output(text, output)
    return code
