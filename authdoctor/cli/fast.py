"""Command lines that run without typer: a dispatch table the CLI entry point asks first.

typer 0.29 coerces every non-bool parameter, its own `--help` included, through a pydantic
TypeAdapter, and importing pydantic costs about as much as `import typer, rich.console`
(benchmarks/startup.py). The commands people run in loops and in CI, `check`, `explain CODE` and
`jwt decode`, are parsed here instead, but only in their plain shapes: known options, each value
as `--opt VALUE` or `--opt=VALUE` (short `-x VALUE`), values that typer would accept as they are.
Anything else (help, a typo, an unusual value, an option this parser does not know) returns
None, and typer handles the command line with its own messages. The global flags never reach
this parser: `authdoctor.cli.main` takes them out wherever they stand and sets `GlobalState`.
So the fast path never changes what a command does or says; tests/test_cli_fast.py runs the same
command lines both ways and compares exit code, stdout and stderr.

The returned callable runs inside `authdoctor.cli.main`'s error boundary, so errors look the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Command = Callable[[], int]


def fast_command(args: list[str]) -> Command | None:
    """A callable that runs `args` without typer, or None to let typer handle them. `args` carries
    no global flags: `authdoctor.cli.main` takes them out and sets `GlobalState` from them."""
    if not args:
        return None
    if args[0] == "jwt":  # `jwt decode` has its own parser
        from authdoctor.cli.jwt_cmd import fast_command as jwt_decode_command

        return jwt_decode_command(args)
    parse = _TABLE.get(args[0])
    return parse(args[1:]) if parse is not None else None


# --------------------------------------------------------------------------- option parsing

# `check`'s options (authdoctor/cli/check_cmd.py), by every spelling typer accepts.
_CHECK_LISTS = {"--env-file": "env_file", "-e": "env_file", "--compose": "compose",
                "--service": "service", "--only": "only", "--skip": "skip", "--ignore": "ignore",
                "--docker-inspect": "docker_inspect", "--k8s": "k8s"}
_CHECK_VALUES = {"--config": "config", "-c": "config", "--public-url": "public_url",
                 "--url": "app_url",
                 "--fail-on": "fail_on", "--timeout": "timeout", "--probe-timeout": "probe_timeout",
                 "--now": "now", "--format": "output_format", "-f": "output_format",
                 "--output": "output", "-o": "output", "--ca-file": "ca_file",
                 "--id-token": "id_token", "--user": "user", "--password-env": "password_env",
                 "--token": "token"}
_CHECK_FLAGS = {"--from-env": "from_env", "--offline": "offline", "--verbose": "verbose",
                "-v": "verbose", "--insecure": "insecure", "--no-idp-requests": "no_idp_requests",
                "--register-mcp-clients": "register_mcp_clients", "--signout": "signout"}
_SECONDS = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")
# typer's defaults for `check` (authdoctor/cli/check_cmd.py); a test compares them.
CHECK_DEFAULT_TIMEOUT = 30.0
CHECK_DEFAULTS: dict[str, str] = {"fail_on": "error", "output_format": "text"}

Parsed = tuple[dict[str, list[str]], dict[str, str], set[str], list[str]]


def _split(args: list[str], lists: dict[str, str], values: dict[str, str],
           flags: dict[str, str]) -> Parsed | None:
    """Options and positional arguments, or None for anything outside the plain shape."""
    repeated: dict[str, list[str]] = {}
    single: dict[str, str] = {}
    seen_flags: set[str] = set()
    positional: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, sep, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in flags and not sep:
            seen_flags.add(flags[name])
            continue
        if name not in lists and name not in values:
            return None  # help, a typo, a global option after the subcommand, -xVALUE: typer
        if sep:
            value = inline
        elif index < len(args) and not args[index].startswith("-"):
            value = args[index]
            index += 1
        else:
            return None  # a missing value, or one that looks like an option: typer says which
        if name in lists:
            repeated.setdefault(lists[name], []).append(value)
        else:
            single[values[name]] = value  # click keeps the last
    return repeated, single, seen_flags, positional


def _plain_seconds(value: str | None) -> bool:
    """Absent, or a plain decimal number of seconds that typer reads as the same float (its
    range is checked by `run_check` on both paths)."""
    return value is None or _SECONDS.fullmatch(value) is not None


def _check(args: list[str]) -> Command | None:
    parsed = _split(args, _CHECK_LISTS, _CHECK_VALUES, _CHECK_FLAGS)
    if parsed is None:
        return None
    lists, values, flags, positional = parsed
    timeout, probe_timeout = values.get("timeout"), values.get("probe_timeout")
    if positional or not _plain_seconds(timeout) or not _plain_seconds(probe_timeout):
        return None

    def run() -> int:
        import sys

        from authdoctor.cli.settings_options import settings_inputs
        from authdoctor.commands.check import ProbeFlags, run_check, with_account

        inputs = settings_inputs(values.get("config"), lists.get("env_file"), lists.get("compose"),
                                 lists.get("service"), "from_env" in flags, values.get("public_url"),
                                 docker_inspect=lists.get("docker_inspect"), k8s=lists.get("k8s"),
                                 app_url=values.get("app_url"))
        return run_check(
            inputs=inputs,
            only=lists.get("only", []), skip=lists.get("skip", []), ignore=lists.get("ignore", []),
            offline="offline" in flags, fail_on=values.get("fail_on", CHECK_DEFAULTS["fail_on"]),
            timeout=CHECK_DEFAULT_TIMEOUT if timeout is None else float(timeout),
            probe_timeout=None if probe_timeout is None else float(probe_timeout),
            now=values.get("now"), output_format=values.get("output_format", CHECK_DEFAULTS["output_format"]),
            output=values.get("output"), verbose="verbose" in flags, stderr=sys.stderr,
            probe_flags=with_account(
                ProbeFlags(ca_file=values.get("ca_file"), insecure="insecure" in flags,
                           idp_requests="no_idp_requests" not in flags,
                           register_mcp_clients="register_mcp_clients" in flags,
                           id_token=values.get("id_token")),
                values.get("user"), values.get("password_env"), "signout" in flags, inputs,
                values.get("token")),
        )

    return run


def _explain(args: list[str]) -> Command | None:
    parsed = _split(args, {}, {}, {"--list": "list", "-l": "list", "--json": "json"})
    if parsed is None:
        return None
    _, _, flags, positional = parsed
    if len(positional) > 1 or (not positional and "list" not in flags):
        return None  # typer's own messages for extra arguments and the bare command

    def run() -> int:
        from authdoctor.commands.explain import run_explain

        return run_explain(positional[0] if positional else None, list_all="list" in flags,
                           as_json="json" in flags)

    return run


_TABLE: dict[str, Callable[[list[str]], Command | None]] = {
    "check": _check,
    "explain": _explain,
}
