"""`authdoctor jwt decode|verify`: what is in a token, and does it verify.

`jwt decode` parses its four options itself (`parse_decode_args`), and `authdoctor.cli.main`
runs it without typer when the command line is plainly `jwt decode ...` (`fast_command`): typer
0.29 coerces every non-bool parameter, its own `--help` included, through a pydantic
TypeAdapter, and importing pydantic alone costs about as much as `import typer, rich.console`
(benchmarks/startup.py). Through typer (help) the same parser runs from the
`decode` command, which declares no typer parameters. Usage errors end as one line and exit 2
through the CLI's error boundary either way. `jwt verify` loads keys, PyJWT and maybe httpx
anyway, so it uses ordinary typer options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, NamedTuple

import typer

from authdoctor.errors import UsageError
from authdoctor.exitcodes import EXIT_CODES_HELP

TOKEN_HELP = ("The JWT, 'Bearer <JWT>', a Cookie header value ('token=<JWT>; ...'), or - to read it "
              "from stdin (keeps it out of your shell history).")

DECODE_HELP = f"""Show a token's header and claims, its times (UTC and relative) and what the claims
mean for Open WebUI, and report what is wrong with it without a key: malformed, unsigned
(alg none), expired, not yet valid, issued in the future, no expiry, a very long lifetime, or
signed with a known default or example secret. The signature is not checked: use `jwt verify`.

The token is never printed, only its shape.

\b
Arguments:
  TOKEN             the JWT, 'Bearer <JWT>', a Cookie header value ('token=<JWT>; ...'),
                    or - to read it from stdin (keeps it out of your shell history)
Options:
  --json            machine-readable output (a stable JSON document)
  --now TIME        fixed clock for reproducible output (ISO 8601 or Unix seconds)
  --fail-on LEVEL   exit 1 when a finding is at or above: error (default), warning or info
  --leeway SECONDS  clock leeway for exp/nbf/iat (default 0, as Open WebUI; always reported)
  --redis-url URL   also look the token up in this Redis, as Open WebUI does: is its jti
                    revoked, is its user's revoked_at at or after its iat (GET and TTL only)
  --redis-prefix P  REDIS_KEY_PREFIX of the app (default open-webui)

Examples:

\b
  authdoctor jwt decode eyJhbGciOi...
  authdoctor jwt decode 'Bearer eyJhbGciOi...'
  pbpaste | authdoctor jwt decode - --json
  authdoctor jwt decode - --redis-url redis://:pass@redis:6379/0

{EXIT_CODES_HELP}
"""

VERIFY_HELP = f"""Everything `jwt decode` reports, plus the signature: HS256/384/512 with a secret,
RS/PS/ES/EdDSA with a PEM key or certificate, a JWK, or a JWKS file or URL (the token's kid picks
the key; every key tried is listed). Optionally the expected issuer and audience.

Examples:

\b
  authdoctor jwt verify TOKEN --secret-env WEBUI_SECRET_KEY
  authdoctor jwt verify TOKEN --secret-file /app/backend/data/.webui_secret_key
  authdoctor jwt verify TOKEN --jwks https://idp.example.org/realms/main/protocol/openid-connect/certs \\
      --issuer https://idp.example.org/realms/main --audience open-webui
  authdoctor jwt verify TOKEN --key public.pem --alg RS256
  authdoctor jwt verify TOKEN --issuer https://idp.example.org/realms/main --audience open-webui

{EXIT_CODES_HELP}
"""

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (a stable JSON document).")]
NowOpt = Annotated[str | None, typer.Option(
    "--now", metavar="TIME", help="Fixed clock for reproducible output (ISO 8601 or Unix seconds).")]
FailOnOpt = Annotated[str, typer.Option(
    "--fail-on", metavar="SEVERITY", help="Exit 1 when a finding is at or above: error, warning or info.")]
LeewayOpt = Annotated[float, typer.Option(
    "--leeway", metavar="SECONDS",
    help="Clock leeway for exp/nbf/iat (default 0, as Open WebUI; always reported).")]


def register(app: typer.Typer) -> None:
    jwt_app = typer.Typer(help="Decode and verify JWTs (Open WebUI session tokens, OIDC ID tokens).",
                          no_args_is_help=True)
    app.add_typer(jwt_app, name="jwt")

    @jwt_app.command("decode", help=DECODE_HELP, no_args_is_help=True, options_metavar="[OPTIONS] TOKEN",
                     context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def decode(ctx: typer.Context) -> int:
        from authdoctor.commands.jwt import run_jwt_decode

        args = parse_decode_args(ctx.args)
        return run_jwt_decode(token=args.token, as_json=args.as_json, now=args.now, fail_on=args.fail_on,
                              leeway=args.leeway, redis_url=args.redis_url, redis_prefix=args.redis_prefix)

    @jwt_app.command("verify", help=VERIFY_HELP)
    def verify(
        token: Annotated[str, typer.Argument(metavar="TOKEN", help=TOKEN_HELP, show_default=False)],
        secret_env: Annotated[str | None, typer.Option(
            "--secret-env", metavar="NAME", help="HMAC secret from this environment variable, "
            "e.g. WEBUI_SECRET_KEY.")] = None,
        secret_file: Annotated[str | None, typer.Option(
            "--secret-file", metavar="FILE", help="HMAC secret from a file (trailing newlines dropped, "
            "as start.sh reads .webui_secret_key).")] = None,
        key: Annotated[str | None, typer.Option(
            "--key", metavar="FILE", help="Public key, private key or certificate (PEM), a JWK or a "
            "JWKS file.")] = None,
        jwks: Annotated[str | None, typer.Option(
            "--jwks", metavar="URL|FILE", help="A JWKS: the provider's jwks_uri, or a saved copy.")] = None,
        alg: Annotated[list[str] | None, typer.Option(
            "--alg", metavar="ALG", help="Allowed algorithm (repeatable or comma-separated; default: "
            "those the key type supports; never none).")] = None,
        leeway: LeewayOpt = 0.0,
        issuer: Annotated[str | None, typer.Option(
            "--issuer", metavar="ISS", help="Expected iss, compared exactly. Without a key option the "
            "JWKS is found through {ISS}/.well-known/openid-configuration, and iss must equal the "
            "issuer that document names.")] = None,
        audience: Annotated[str | None, typer.Option(
            "--audience", metavar="AUD", help="Expected audience (aud must contain it), e.g. the "
            "client id.")] = None,
        ca_file: Annotated[str | None, typer.Option(
            "--ca-file", metavar="FILE", help="Extra CA bundle for a --jwks or --issuer https URL.")] = None,
        timeout: Annotated[float, typer.Option(
            "--timeout", metavar="SECONDS", help="Deadline for the whole run, fetching a --jwks URL "
            "included (0.1 to 86400).")] = 5.0,
        as_json: JsonOpt = False,
        now: NowOpt = None,
        fail_on: FailOnOpt = "error",
    ) -> int:
        from authdoctor.commands.jwt import KeyOptions, run_jwt_verify

        keys = KeyOptions(secret_env=secret_env, secret_file=secret_file, key=key, jwks=jwks,
                          ca_file=ca_file, timeout_s=timeout)
        return run_jwt_verify(token=token, keys=keys, algorithms=alg or [], leeway=check_leeway(leeway),
                              issuer=issuer, audience=audience, as_json=as_json, now=now, fail_on=fail_on)


class DecodeArgs(NamedTuple):
    token: str
    as_json: bool = False
    now: str | None = None
    fail_on: str = "error"
    leeway: float = 0.0
    redis_url: str | None = None
    redis_prefix: str = "open-webui"


_VALUE_OPTIONS = ("--now", "--fail-on", "--leeway", "--redis-url", "--redis-prefix")


def parse_decode_args(args: list[str]) -> DecodeArgs:
    """`jwt decode`'s arguments: TOKEN (or -) and --json, --now, --fail-on, --leeway, --redis-url,
    --redis-prefix, each value
    as `--opt VALUE` or `--opt=VALUE`; `--` ends the options. Raises `UsageError` (exit 2) with
    click's wording for unknown options and missing values."""
    positional: list[str] = []
    values: dict[str, str] = {}
    as_json = False
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            positional.extend(args[index:])
            break
        name, sep, inline = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if sep:
                values[name] = inline
            elif index < len(args):
                values[name] = args[index]
                index += 1
            else:
                raise UsageError(f"Option '{name}' requires an argument.")
        elif arg == "--json":
            as_json = True
        elif arg.startswith("-") and arg != "-":
            from authdoctor.masking import shown_argument

            # A pasted password that starts with '-' lands here: name it only if option-shaped.
            raise UsageError(f"No such option: {shown_argument(name, 'option')}")
        else:
            positional.append(arg)
    if not positional:
        raise UsageError("Missing argument 'TOKEN'. Give the JWT, or - to read it from stdin.")
    if len(positional) > 1:
        raise UsageError(f"Got {len(positional)} arguments; give one TOKEN (quote it if it contains "
                         "spaces, e.g. 'Bearer eyJ...')")
    leeway = 0.0
    if "--leeway" in values:
        try:
            leeway = float(values["--leeway"])
        except ValueError:
            raise UsageError(f"--leeway {values['--leeway']!r} is not a number of seconds") from None
        leeway = check_leeway(leeway, values["--leeway"])
    redis_url = values.get("--redis-url")
    if redis_url is not None and not redis_url.strip():
        raise UsageError("--redis-url: the URL is empty")
    prefix = values.get("--redis-prefix", "open-webui")
    if not prefix:
        raise UsageError("--redis-prefix: the prefix is empty")
    return DecodeArgs(token=positional[0], as_json=as_json, now=values.get("--now"),
                      fail_on=values.get("--fail-on", "error"), leeway=leeway, redis_url=redis_url,
                      redis_prefix=prefix)


MAX_LEEWAY_S = 10**9


def check_leeway(leeway: float, given: object = None) -> float:
    """`--leeway` of `jwt decode` and `jwt verify`: finite seconds from 0 to 10^9 (`inf` and `nan`
    are usage errors, not crashes in the time arithmetic)."""
    if not 0 <= leeway < MAX_LEEWAY_S:  # False for nan too
        shown = repr(given) if given is not None else repr(leeway)
        raise UsageError(f"--leeway {shown}: give seconds, 0 or more "
                         f"(below {MAX_LEEWAY_S:.0e})")
    return leeway


def fast_command(args: list[str]) -> Callable[[], int] | None:
    """`jwt decode ...` without typer, or None to let typer handle the command line.

    typer 0.29 coerces even its own `--help` option through pydantic on every invocation, which
    alone costs about as much as importing typer and rich (benchmarks/startup.py). `jwt decode` is
    the command people run in a loop and in scripts, so the CLI entry point asks this function
    first. It takes only the plain shape `jwt decode ARGS` with no help flag; everything else
    (help, other commands) goes through typer. `args` carries no global flags: `authdoctor.cli.main`
    takes them out and sets `GlobalState` from them. The returned callable runs inside
    `authdoctor.cli.main`'s error boundary, so errors look the same.
    """
    rest = args[2:]
    if args[:2] != ["jwt", "decode"] or not rest:
        return None
    options = rest[:rest.index("--")] if "--" in rest else rest
    if any(arg in ("-h", "--help") for arg in options):
        return None

    def run() -> int:
        from authdoctor.commands.jwt import run_jwt_decode

        parsed = parse_decode_args(rest)
        return run_jwt_decode(token=parsed.token, as_json=parsed.as_json, now=parsed.now,
                              fail_on=parsed.fail_on, leeway=parsed.leeway, redis_url=parsed.redis_url,
                              redis_prefix=parsed.redis_prefix)

    return run
