"""Options and outputs of `check`, `config`, `explain`: numbers that are not numbers, contradictory
selections, --now at the edges of time, and every way writing the report can fail. Rebuilt from
the adversarial report of 2026-11-28 (options/output, 89 inputs): H6f, H6h, H7, W1, W3, U9, U10,
U14."""

from __future__ import annotations

from collections.abc import Iterator

from corpus.model import HEALTHY_ENV, Case, Stdout, marker

FILES = (("o.env", HEALTHY_ENV.encode()),)
CHECK = ("check", "--env-file", "o.env", "--offline")
NUMBERS = (
    "abc",
    "",
    "0",
    "-1",
    "inf",
    "-inf",
    "nan",
    "1e300",
    "1e-300",
    "0x10",
    "1_0",
    " 5",
    "5s",
    "9" * 400,
)


def _check(
    name: str,
    *extra: str,
    outputs: tuple[str, ...] = (),
    defects: tuple[str, ...] = (),
    files: tuple[tuple[str, bytes], ...] = FILES,
    secrets: tuple[str, ...] = (),
) -> Case:
    return Case(
        f"options/{name}", (*CHECK, *extra), files=files, outputs=outputs, defects=defects, secrets=secrets
    )


def numbers() -> Iterator[Case]:
    for option in ("--timeout", "--probe-timeout"):
        for value in NUMBERS:
            yield _check(f"check{option}={value[:12] or 'empty'}", option, value)
    yield Case(
        "options/check--timeout-online-inf", ("check", "--env-file", "o.env", "--timeout", "inf"), files=FILES
    )


def now() -> Iterator[Case]:
    values = (
        "",
        "yesterday",
        "1700000000.5",
        "1700000000",
        "-1",
        "nan",
        "1e20",
        "99999999999999999999",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-28T12:00:00+99:00",
        "\x00",
    )
    for value in values:
        for fmt in ("text", "json", "sarif", "junit"):
            edge = (value.startswith(("9999", "0001")) and "+" in value) or "-01:00" in value
            defects = (
                ("H6f",) if edge and fmt != "text" else (("U14",) if value in ("", "1700000000.5") else ())
            )
            if fmt != "text" and not (edge or value in ("", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z")):
                continue
            yield _check(f"check--now={value!r}-{fmt}", "--now", value, "--format", fmt, defects=defects)


def selection() -> Iterator[Case]:
    yield _check("only-and-skip-same-area", "--only", "secret", "--skip", "secret", defects=("W1",))
    yield _check(
        "skip-every-area",
        *[
            a
            for area in (
                "secret",
                "config",
                "jwt",
                "cookie",
                "oauth",
                "oidc",
                "logout",
                "ldap",
                "redis",
                "trusted-header",
            )
            for a in ("--skip", area)
        ],
        defects=("W1",),
    )
    for option, value in (
        ("--only", ""),
        ("--only", "SECRET"),
        ("--only", "cookies"),
        ("--skip", "nope"),
        ("--ignore", ""),
        ("--ignore", "jwt.expird"),
        ("--ignore", "*"),
        ("--fail-on", ""),
        ("--fail-on", "ERROR"),
        ("--format", ""),
        ("--format", "JSON"),
        ("--format", "yaml"),
        ("--only", "secret,cookie"),
    ):
        yield _check(f"check{option}={value or 'empty'}", option, value)
    yield _check("verbose-json", "-v", "--format", "json")
    yield _check("unknown-option", "--no-such-flag")
    yield _check("option-missing-value", "--format")
    yield _check("positional-argument", "extra")
    yield Case("options/debug-with-bad-now", ("--debug", *CHECK, "--now", "yesterday"), files=FILES)


def outputs() -> Iterator[Case]:
    secret = marker("options/output-secret", 32)
    env_text = f"WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY={secret}\n".encode()
    own = (("o.env", env_text),)
    for fmt in ("text", "json", "sarif", "junit"):
        yield _check(
            f"output-file-{fmt}",
            "--format",
            fmt,
            "--output",
            "report.out",
            outputs=("report.out",),
            files=own,
            secrets=(secret,),
        )
    yield _check("output-is-the-input", "--output", "o.env", files=own, secrets=(secret,), defects=("H7",))
    yield Case(
        "options/output-is-the-input-via-other-spelling",
        (*CHECK, "--output", "./o.env"),
        files=own,
        secrets=(secret,),
        defects=("H7",),
    )
    yield Case(
        "options/output-is-the-config",
        ("check", "--config", "deploy.yaml", "--offline", "--output", "deploy.yaml"),
        files=(("deploy.yaml", b"version: 1\npublic_url: https://chat.example.org\n"),),
        defects=("H7",),
    )
    yield _check("output-empty-string", "--output", "", defects=("U14",))
    yield _check("output-directory", "--output", ".")
    yield _check("output-missing-directory", "--output", "nope/report.txt")
    yield _check("output-dev-full", "--output", "/dev/full")
    yield _check("output-dev-null", "--output", "/dev/null")
    yield _check(
        "output-non-utf8-name", "--output", "r\udcfe.txt", "--format", "sarif", outputs=("r\udcfe.txt",)
    )
    modes: tuple[Stdout, ...] = ("closed", "full", "broken-pipe")
    for mode in modes:
        defects = {"closed": ("H6h", "U10"), "full": ("H6h", "U10"), "broken-pipe": ("W3",)}[mode]
        yield Case(f"options/stdout-{mode}/check", CHECK, files=FILES, stdout=mode, defects=defects)
        yield Case(
            f"options/stdout-{mode}/jwt-decode",
            ("jwt", "decode", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"),
            stdout=mode,
            defects=defects,
        )
        yield Case(f"options/stdout-{mode}/explain-list", ("explain", "--list"), stdout=mode, defects=defects)
        yield Case(
            f"options/stdout-{mode}/config-show",
            ("config", "show", "--env-file", "o.env"),
            files=FILES,
            stdout=mode,
            defects=defects,
        )
    yield Case("options/stdout-closed/version", ("--version",), stdout="closed", defects=("H6h",))
    yield Case(
        "options/real-process/usage-error", ("check", "--now", "yesterday", "--from-env"), process="exec"
    )
    yield Case("options/real-process/jwt-decode", ("jwt", "decode", "abc"), process="exec")


def explain_and_config() -> Iterator[Case]:
    for name, value in {
        "unknown": "jwt.expird",
        "empty": "",
        "long": "x" * 100_000,
        "ansi": "\x1b[2Jjwt",
        "surrogate": "jwt.\udcff",
        "glob": "*",
        "area-only": "jwt",
        "upper": "JWT.EXPIRED",
    }.items():
        yield Case(f"options/explain-{name}", ("explain", value))
        yield Case(f"options/explain-{name}-json", ("explain", value, "--json"))
    yield Case("options/explain-two-codes", ("explain", "jwt.expired", "cookie.secure-on-http"))
    yield Case("options/explain-list-json", ("explain", "--list", "--json"))
    yield Case("options/config-show-nothing", ("config", "show"))
    yield Case(
        "options/config-show-all-without-from-env",
        ("config", "show", "--env-file", "o.env", "--all"),
        files=FILES,
    )
    yield Case("options/config-schema-extra", ("config", "schema", "extra"))
    yield Case("options/unknown-command", ("bogus",))
    yield Case("options/unknown-subcommand", ("jwt", "sign", "x"))
    yield Case("options/public-url-garbage", (*CHECK, "--public-url", "not a url"), files=FILES)
    yield Case("options/public-url-ipv6-broken", (*CHECK, "--public-url", "http://[::1"), files=FILES)
    password = marker("options/public-url-password", 16)
    for fmt in ("text", "json", "sarif", "junit"):
        yield Case(
            f"options/public-url-password-{fmt}",
            (
                *CHECK,
                "--only",
                "secret",
                "--format",
                fmt,
                "--public-url",
                f"https://admin:{password}@chat.example.org",
            ),
            files=FILES,
            secrets=(password,),
            defects=("L3",),
        )
    yield Case(
        "options/public-url-password-config-show",
        (
            "config",
            "show",
            "--env-file",
            "o.env",
            "--public-url",
            f"https://admin:{password}@chat.example.org",
        ),
        files=FILES,
        secrets=(password,),
        defects=("L3",),
    )


def cases() -> Iterator[Case]:
    yield from numbers()
    yield from now()
    yield from selection()
    yield from outputs()
    yield from explain_and_config()
