"""`authdoctor ldap test`: Open WebUI's LDAP sign-in walked against the real directory, on its own,
through `check`'s runner (only the ldap area: its settings half and its live half, see
`authdoctor.checks._ldap_live`).

The test user comes from `--user` (else `test_account.ldap_user` in deploy.yaml); its password
from the environment variable `--password-env` names, or from stdin with `--password-stdin`
(else `test_account.ldap_password`), never from the command line itself, where it would land in
the shell history and the process list. The password goes to the LDAP server in the user's bind
only, and never into the report (the output's safety net masks it too).

Everything else (formats, `--output`, `--fail-on`, `--now`, `--timeout`, `--probe-timeout`,
`--ca-file`, `--insecure`, exit codes) is `authdoctor.commands.check.run_check`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, BinaryIO, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.commands.check import ProbeFlags
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment

MAX_PASSWORD_BYTES = 4096


def read_password(*, password_env: str | None, password_stdin: bool, inputs: SettingsInputs,
                  environ: Mapping[str, str] | None = None, stdin: BinaryIO | None = None) -> str | None:
    """The test user's password from the named environment variable or stdin (one line, the line
    end removed), or None when neither is asked for. Never echoed, not even in an error."""
    if password_env is not None and password_stdin:
        raise UsageError("give --password-env or --password-stdin, not both")
    if password_env is not None:
        name = password_env.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):  # not a name: maybe the password itself
            raise UsageError("--password-env: give the NAME of an environment variable that holds the "
                             "password (e.g. --password-env ALICE_PW), not the password")
        value = (os.environ if environ is None else environ).get(name)
        if value is None:
            raise UsageError(f"--password-env {name}: the environment variable {name} is not set")
        if not value.strip():
            raise UsageError(f"--password-env {name}: the password is empty (the app refuses empty "
                             "passwords)")
        return value
    if password_stdin:
        if "-" in (*inputs.docker_inspect, *inputs.k8s):
            raise UsageError("--password-stdin: stdin already carries the settings (--docker-inspect - "
                             "or --k8s -)")
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(MAX_PASSWORD_BYTES + 1)
        if len(data) > MAX_PASSWORD_BYTES:
            raise UsageError("--password-stdin: stdin holds more than a password")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("--password-stdin: the password on stdin is not UTF-8 text") from None
        text = text[:-1] if text.endswith("\n") else text
        text = text[:-1] if text.endswith("\r") else text
        if not text.strip():
            raise UsageError("--password-stdin: the password is empty (the app refuses empty passwords)")
        return text
    return None


def require_ldap(deployment: Deployment) -> str | None:
    """A `UsageError` unless LDAP sign-in is on; else the report's target: the LDAP server."""
    from authdoctor.openwebui.envread import env_true

    env = deployment.env
    if not env_true(env, "ENABLE_LDAP", "false"):
        raise UsageError("the settings do not enable LDAP sign-in (ENABLE_LDAP=true); nothing to test")
    from authdoctor.checks.ldap import read_settings

    settings = read_settings(env)  # the app's defaults: LDAP_USE_TLS true, port 389
    scheme = "ldaps" if settings.use_tls else "ldap"
    return f"{scheme}://{settings.host}" + (f":{settings.port_raw}" if settings.port_raw else "")


def run_ldap_test(*, inputs: SettingsInputs, user: str | None, password_env: str | None,
                  password_stdin: bool, fail_on: str, timeout: float, probe_timeout: float | None,
                  now: str | None, output_format: str, output: str | None, verbose: bool,
                  stderr: TextIO, ignore: Sequence[str] = (), probe_flags: ProbeFlags) -> int:
    from dataclasses import replace

    from authdoctor.checks.registry import all_checks
    from authdoctor.commands.check import run_check

    if inputs.empty:
        raise UsageError("give the app's settings (e.g. authdoctor ldap test --env-file .env --user alice)")
    if user is not None and not user.strip():
        raise UsageError("--user: the name is empty")
    password = read_password(password_env=password_env, password_stdin=password_stdin, inputs=inputs)
    flags = replace(probe_flags, ldap_user=user.strip() if user is not None else None, ldap_password=password)
    checks = {"ldap": all_checks()["ldap"]}
    return run_check(inputs=inputs, only=[], skip=[], ignore=ignore, offline=False, fail_on=fail_on,
                     timeout=timeout, probe_timeout=probe_timeout, now=now, output_format=output_format,
                     output=output, verbose=verbose, stderr=stderr, checks=checks, command="ldap test",
                     probe_flags=flags, after_load=require_ldap)
