"""`authdoctor redis inspect`: the app's Redis checked live, on its own, through `check`'s runner.

The settings (`--env-file`, `--config`, ... any settings source of `check`) name the Redis the way
Open WebUI reads them (REDIS_URL, REDIS_SENTINEL_HOSTS/PORT, REDIS_CLUSTER, REDIS_KEY_PREFIX,
JWT_EXPIRES_IN). Only the redis area runs: its settings half, and its live half with the key
summary (`redis.revocation-keys`) added. `--token` (or `test_account.token` in deploy.yaml) also
looks up that token's revocation keys (`jwt.revoked`).

Everything else (formats, `--output`, `--fail-on`, `--now`, `--timeout`, `--probe-timeout`,
`--ca-file`, `--insecure`, exit codes) is `authdoctor.commands.check.run_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.commands.check import ProbeFlags
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment


def read_token(token: str | None, inputs: SettingsInputs) -> str | None:
    """`--token TOKEN|-` (`-`: stdin, unless stdin carries the settings); never echoed."""
    if token is None:
        return None
    from authdoctor.commands.common import read_token_argument
    from authdoctor.jwt.tokens import extract_token

    if token.strip() == "-":
        if "-" in (*inputs.docker_inspect, *inputs.k8s):
            raise UsageError("--token -: stdin already carries the settings (--docker-inspect - or "
                             "--k8s -); give the token itself")
        token = read_token_argument("-")
    text = extract_token(token)
    if not text.strip():
        raise UsageError("--token: the token is empty")
    return text.strip()


def run_redis_inspect(*, inputs: SettingsInputs, token: str | None, fail_on: str, timeout: float,
                      probe_timeout: float | None, now: str | None, output_format: str,
                      output: str | None, verbose: bool, stderr: TextIO,
                      ignore: Sequence[str] = (), probe_flags: ProbeFlags | None = None) -> int:
    from dataclasses import replace
    from functools import partial

    from authdoctor.checks.redis import check_live
    from authdoctor.checks.registry import all_checks
    from authdoctor.commands.check import run_check

    if inputs.empty:
        raise UsageError("give the app's settings, e.g. authdoctor redis inspect --env-file .env "
                         "(REDIS_URL, REDIS_SENTINEL_HOSTS, REDIS_CLUSTER, REDIS_KEY_PREFIX)")
    text = read_token(token, inputs)
    spec = all_checks()["redis"]
    checks = {"redis": replace(spec, live=partial(check_live, summary=True, token=text))}
    return run_check(inputs=inputs, only=[], skip=[], ignore=ignore, offline=False, fail_on=fail_on,
                     timeout=timeout, probe_timeout=probe_timeout, now=now, output_format=output_format,
                     output=output, verbose=verbose, stderr=stderr, checks=checks,
                     command="redis inspect", probe_flags=probe_flags, after_load=redis_shown)


def redis_shown(deployment: Deployment) -> str | None:
    """The report's target: the Redis the app would use (password masked), as the probe picks it."""
    from authdoctor.checks.redis import redis_target
    from authdoctor.masking import mask_url

    target, _ = redis_target(deployment.env)
    return mask_url(target.url) if target is not None and target.url else None
