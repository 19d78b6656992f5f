"""The `authdoctor` command line. Thin: each subcommand lives in its own module and returns an
exit code; `main` is the one error boundary that turns the tool's own errors into exit 2, a bug
into exit 3, and never shows a traceback unless --debug.

Heavy libraries (httpx, redis, ldap3, dnspython, cryptography) are imported inside the
functions that need them, so `authdoctor jwt decode` starts as fast as typer itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated, NoReturn

import typer

from authdoctor import __version__
from authdoctor.exitcodes import EXIT_CODES_HELP, ExitCode
from authdoctor.output import GlobalState

HELP = f"""Diagnose broken sign-in on a self-hosted web app (Open WebUI first).

authdoctor reads the deployment's settings, probes the real services (OIDC provider, LDAP,
Redis, the app itself) and names the root cause with the exact setting to change.

Start here:

\b
  authdoctor check --env-file .env             Open WebUI's own variables, no config to write
  authdoctor check --env-file .env --offline   settings only, no network
  authdoctor jwt decode TOKEN                  what is in this token, why is it rejected
  authdoctor explain CODE                      what a finding means and how to fix it

{EXIT_CODES_HELP}
"""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"authdoctor {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="authdoctor",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )

    @app.callback()
    def root(
        version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                              help="Print the version and exit.")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")] = False,
        no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR is honoured too).")]
        = False,
    ) -> None:
        GlobalState.debug = debug
        GlobalState.no_color = no_color

    from authdoctor.cli import (
        app_cmd,
        check_cmd,
        config_cmd,
        db_cmd,
        explain_cmd,
        har_cmd,
        jwt_cmd,
        ldap_cmd,
        oidc_cmd,
        rbac_cmd,
        redis_cmd,
    )

    check_cmd.register(app)
    jwt_cmd.register(app)
    oidc_cmd.register(app)
    ldap_cmd.register(app)
    redis_cmd.register(app)
    app_cmd.register(app)
    db_cmd.register(app)
    har_cmd.register(app)
    explain_cmd.register(app)
    config_cmd.register(app)
    rbac_cmd.register(app)
    return app


GLOBAL_FLAGS = ("--no-color", "--debug")


def split_global_flags(args: list[str]) -> tuple[list[str], list[str]]:
    """The global flags given anywhere before `--` (each once, in order) and the command line
    without them: `jwt decode T --no-color` means the same as `--no-color jwt decode T`. After
    `--` a flag is an argument like any other."""
    end = args.index("--") if "--" in args else len(args)
    flags = list(dict.fromkeys(arg for arg in args[:end] if arg in GLOBAL_FLAGS))
    rest = [arg for arg in args[:end] if arg not in GLOBAL_FLAGS]
    return flags, [*rest, *args[end:]]


def hoist_global_flags(args: list[str]) -> list[str]:
    """The command line with its global flags moved to the front, where typer's root callback
    reads them, so typer sees the same flags as the fast path (which gets none: `main` has set
    `GlobalState` from them already)."""
    flags, command = split_global_flags(args)
    return [*flags, *command]


def _run_typer(args: list[str]) -> int | None:
    """typer's app. On EPIPE while it prints (help, usage) typer swaps stdout for click's
    `PacifyFlushWrapper` and exits 1, which would read as "findings"; that is a reader that went
    away like any other, so it becomes `BrokenPipeError` here."""
    try:
        result = build_app()(args=args, prog_name="authdoctor", standalone_mode=False)
    except SystemExit as exc:
        if exc.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            raise BrokenPipeError from None
        raise
    return result if isinstance(result, int) else None


def _show_usage_error(exc: Exception) -> None:
    """click's usage errors as the one line every other error is (`authdoctor: error: ...`), with
    where to find help. A bare command group (`authdoctor jwt`) still prints its help."""
    show = getattr(exc, "show", None)
    format_message = getattr(exc, "format_message", None)
    if type(exc).__name__ == "NoArgsIsHelpError" or not callable(format_message):
        if callable(show):
            show()
        else:
            sys.stderr.write(f"authdoctor: error: {exc}\n")
        return
    message = " ".join(str(format_message()).split())
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path if ctx is not None else 'authdoctor'} --help')"
    sys.stderr.write(f"authdoctor: error: {message}{where}\n")


def _say(text: str) -> None:
    """One line on stderr. A closed or full stderr must not change the exit code: the line is
    lost, the code still tells what happened."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _unwritable_output(exc: OSError) -> bool:
    """An OSError that reached the boundary because stdout could not take text that typer or
    click printed themselves (help, --version): a full disk, /dev/full, a closed descriptor."""
    import errno

    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EBADF)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point and the single error boundary."""
    from authdoctor.cli.fast import fast_command
    from authdoctor.errors import AuthdoctorError, DeadlineExceeded
    from authdoctor.output import EXIT_BROKEN_PIPE, OutputClosed, StdoutUnwritable, one_line, silence_stdout

    flags, command = split_global_flags(sys.argv[1:] if argv is None else list(argv))
    # The global flags are read here, once, for every route (typer's root callback, which still
    # declares them for its parsing and --help, sets the same values).
    GlobalState.debug = "--debug" in flags
    GlobalState.no_color = "--no-color" in flags
    fast = fast_command(command)  # check, explain, jwt decode without typer's pydantic start-up cost
    try:
        result = fast() if fast is not None else _run_typer([*flags, *command])
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _say("authdoctor: interrupted\n")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors from option parsing: exit 2
        _show_usage_error(exc)
        code = getattr(exc, "exit_code", ExitCode.USAGE)
        sys.exit(code if isinstance(code, int) and code != 1 else ExitCode.USAGE)
    except DeadlineExceeded as exc:
        _say(f"authdoctor: error: {one_line(str(exc))}\n")
        if argv is None:  # the real process (not a test calling main): see _leave_now
            _leave_now(ExitCode.INTERNAL)
        sys.exit(ExitCode.INTERNAL)
    except AuthdoctorError as exc:
        _say(f"authdoctor: error: {one_line(str(exc))}\n")
        if isinstance(exc, StdoutUnwritable):
            silence_stdout()
        sys.exit(ExitCode.USAGE)
    except (OutputClosed, BrokenPipeError):
        # The reader went away (`| head`): stop quietly, as tools stopped by SIGPIPE do.
        silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except KeyboardInterrupt:
        _say("authdoctor: interrupted\n")
        sys.exit(130)
    except OSError as exc:
        if not _unwritable_output(exc):
            _internal_error(exc)
        _say(f"authdoctor: error: cannot write to stdout: {exc.strerror or exc}\n")
        silence_stdout()
        sys.exit(ExitCode.USAGE)
    except Exception as exc:
        _internal_error(exc)
    sys.exit(int(result or 0))


def _leave_now(code: int) -> NoReturn:
    """Exit without the interpreter's shutdown. Work abandoned at the deadline may still hold a
    lock, such as a read of stdin that never ends (`--k8s -` fed by a process that stays open);
    the shutdown would wait on it and abort with SIGABRT instead of exiting 3."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)


def _internal_error(exc: BaseException) -> NoReturn:
    from authdoctor.output import one_line

    if GlobalState.debug:
        import traceback

        traceback.print_exc()
    _say(f"authdoctor: internal error: {type(exc).__name__}: {one_line(str(exc))}\n"
         "This is a bug in authdoctor; re-run with --debug and report the traceback.\n")
    sys.exit(ExitCode.INTERNAL)
