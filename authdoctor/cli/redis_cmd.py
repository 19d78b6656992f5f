"""`authdoctor redis inspect`: the app's Redis, inspected live (see `authdoctor.commands.redis`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from authdoctor.cli.check_cmd import (
    CaFileOpt,
    FailOnOpt,
    FormatOpt,
    IgnoreOpt,
    InsecureOpt,
    NowOpt,
    OutputOpt,
    ProbeTimeoutOpt,
    TimeoutOpt,
    VerboseOpt,
)
from authdoctor.cli.settings_options import (
    ComposeOpt,
    ConfigOpt,
    DockerInspectOpt,
    EnvFileOpt,
    FromEnvOpt,
    K8sOpt,
    ServiceOpt,
    settings_inputs,
)
from authdoctor.exitcodes import EXIT_CODES_HELP

INSPECT_HELP = f"""Inspect the Redis Open WebUI 0.12.4 uses for token revocation, live and read-only.

The settings (--env-file, --config, ...) name the Redis as the app reads them: REDIS_URL
(redis://, rediss:// with its ssl_* parameters, unix://), REDIS_SENTINEL_HOSTS and
REDIS_SENTINEL_PORT (the URL's host is the master name), REDIS_CLUSTER (every master is
scanned), REDIS_KEY_PREFIX (default open-webui) and JWT_EXPIRES_IN.

Reported: whether it can be reached (DNS, TCP, TLS, the credentials; the app fails open when it
cannot), persistence (RDB/AOF) and maxmemory-policy, the Sentinel master and replicas or the
Cluster's slot coverage, and the revocation keys: how many, a TTL histogram, keys without a TTL,
TTLs longer than JWT_EXPIRES_IN, per-user revoked_at keys and keys under another prefix.

What is sent (read-only, no retries, each step within --probe-timeout): PING, AUTH, SELECT, INFO,
CONFIG GET save, SCAN MATCH *:auth:* COUNT 1000 with pipelined TTL, GET and TTL of the --token's
keys, SENTINEL MASTER/REPLICAS, CLUSTER INFO/SLOTS, CLIENT SETNAME. Never KEYS, never a write.
The scan stops before the --timeout deadline and says so.

Examples:

\b
  authdoctor redis inspect --env-file .env
  authdoctor redis inspect --env-file .env --token "$TOKEN"
  pbpaste | authdoctor redis inspect --env-file .env --token - --format json

{EXIT_CODES_HELP}
"""


def register(app: typer.Typer) -> None:
    redis_app = typer.Typer(help="Inspect the Redis that holds token revocations.", no_args_is_help=True)
    app.add_typer(redis_app, name="redis")

    @redis_app.command("inspect", help=INSPECT_HELP)
    def inspect(
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        token: Annotated[str | None, typer.Option(
            "--token", metavar="TOKEN|-",
            help="An Open WebUI token (or 'Bearer ...', a Cookie value, - for stdin): is it revoked? "
                 "(default: test_account.token of --config). Never shown.")] = None,
        ignore: IgnoreOpt = None,
        fail_on: FailOnOpt = "error",
        timeout: TimeoutOpt = 30.0,
        probe_timeout: ProbeTimeoutOpt = None,
        ca_file: CaFileOpt = None,
        insecure: InsecureOpt = False,
        now: NowOpt = None,
        output_format: FormatOpt = "text",
        output: OutputOpt = None,
        verbose: VerboseOpt = False,
    ) -> int:
        from authdoctor.commands.check import ProbeFlags
        from authdoctor.commands.redis import run_redis_inspect

        return run_redis_inspect(
            inputs=settings_inputs(config, env_file, compose, service, from_env, None,
                                   docker_inspect=docker_inspect, k8s=k8s),
            token=token, ignore=ignore or [], fail_on=fail_on, timeout=timeout,
            probe_timeout=probe_timeout, now=now, output_format=output_format, output=output,
            verbose=verbose, stderr=sys.stderr, probe_flags=ProbeFlags(ca_file=ca_file, insecure=insecure))
