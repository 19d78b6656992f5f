"""Property tests for the kinds of bad input the adversarial report of 2026-11-28 found: the
whole CLI, run in this process (`corpus.inprocess`), must pass the corpus's one assertion
(`corpus.check.problems`: exit 0/1/2, one line for 2, no traceback, no secret, parsable
reports, in time) for
- non-UTF-8 bytes, which Python hands over as surrogate escapes, in the environment and argv;
- integers of any size (and floats) in a token's time claims;
- strings that look more or less like numbers or dates in numeric options;
- YAML alias structures (the billion-laughs family) in deploy.yaml and compose files;
- compose `environment:` shapes with YAML's odd scalars, tags, anchors and secrets.
The fixed corpus (tests/test_bad_input_corpus.py) holds the report's exact inputs; these explore
around them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus.check import Outcome, problems
from corpus.inprocess import run
from corpus.model import Case, b64, marker
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

URL = "https://chat.example.org"
FORMATS = ("text", "json", "sarif", "junit")
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def assert_sane(case: Case, outcome: Outcome) -> None:
    found = problems(case, outcome)
    assert not found, f"{list(case.argv)!r}: " + "; ".join(found)


# --- non-UTF-8 bytes as surrogate escapes ---------------------------------------------------------

# argv and environment strings are C strings: no NUL
_escaped = st.binary(min_size=1, max_size=12).map(
    lambda raw: raw.replace(b"\0", b"").decode("utf-8", "surrogateescape")
)
_odd_text = st.one_of(
    _escaped,
    st.text(max_size=20).map(lambda text: text.replace("\0", "")),
    st.tuples(
        st.text(max_size=8),
        st.sampled_from(["\udcff", "\udce9", "\udc80", "\x1b[2J", "\u202e", "\n"]),
        st.text(max_size=8),
    ).map("".join).map(lambda text: text.replace("\0", "")),
)
_names = st.one_of(
    st.sampled_from(
        [
            "WEBUI_URL",
            "WEBUI_NAME",
            "WEBUI_SECRET_KEY",
            "REDIS_URL",
            "OAUTH_CLIENT_ID",
            "CORS_ALLOW_ORIGIN",
            "LDAP_SERVER_HOST",
            "OPENID_PROVIDER_URL",
        ]
    ),
    st.tuples(st.just("WEBUI_"), _escaped.filter(lambda s: "=" not in s)).map("".join),
)


@EXAMPLES
@given(st.dictionaries(_names, _odd_text, max_size=6), st.sampled_from([*FORMATS, "config", "config-json"]))
def test_environment_bytes_never_break_the_cli(environ: dict[str, str], fmt: str) -> None:
    secret = marker("fuzz/from-env-secret", 24)
    env = {"WEBUI_URL": URL, **environ, "WEBUI_SECRET_KEY": secret + environ.get("WEBUI_SECRET_KEY", "")}
    if fmt.startswith("config"):
        argv: tuple[str, ...] = (
            "config",
            "show",
            "--from-env",
            *(("--json",) if fmt == "config-json" else ()),
        )
    else:
        argv = ("check", "--from-env", "--offline", "--format", fmt)
    case = Case("fuzz/from-env", argv, secrets=(secret,))
    assert_sane(case, run(argv, env=env))


@EXAMPLES
@given(
    _odd_text,
    st.sampled_from(["--public-url", "--now", "--env-file", "--only", "--ignore", "--output"]),
    st.sampled_from(FORMATS),
)
def test_argv_bytes_never_break_check(tmp_path: Path, value: str, option: str, fmt: str) -> None:
    (tmp_path / "o.env").write_text(f"WEBUI_URL={URL}\n")
    if option == "--output":  # stay inside tmp_path, whatever the text
        value = "out-" + value.replace("/", "_")
    argv = ("check", "--env-file", "o.env", "--offline", "--format", fmt, option, value)
    case = Case("fuzz/argv", argv, files=(("o.env", f"WEBUI_URL={URL}\n".encode()),))
    outputs = (value,) if option == "--output" else ()
    assert_sane(case, run(argv, cwd=tmp_path, outputs=outputs))


@EXAMPLES
@given(_odd_text, st.sampled_from(["--secret-env", "--jwks", "--issuer", "--audience", "--alg"]))
def test_argv_bytes_never_break_jwt_verify(value: str, option: str) -> None:
    secret = marker("fuzz/verify-secret", 24)
    tok = f"{b64(json.dumps({'alg': 'HS256'}))}.{b64(json.dumps({'exp': 1798138903}))}.c2ln"
    argv = (
        "jwt",
        "verify",
        tok,
        option,
        value,
        *(() if option == "--secret-env" else ("--secret-env", "SEC")),
        "--timeout",
        "1",
    )
    case = Case("fuzz/verify-argv", argv, secrets=(secret,))
    environ = {"SEC": secret + value}
    if value and "=" not in value:
        environ[value] = secret
    assert_sane(case, run(argv, env=environ))


# --- integers of any size in time claims ----------------------------------------------------------

_time_values: st.SearchStrategy[object] = st.one_of(
    st.integers(),
    st.integers(min_value=10**300, max_value=10**4200),
    st.integers(max_value=-(10**300), min_value=-(10**4200)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([True, None, "1798138903", [], {}]),
)


@EXAMPLES
@given(
    st.dictionaries(st.sampled_from(["exp", "iat", "nbf", "auth_time"]), _time_values, min_size=1),
    st.booleans(),
    st.sampled_from(["decode", "verify"]),
)
def test_time_claims_of_any_size(claims: dict[str, object], as_json: bool, command: str) -> None:
    signature = b64(marker("fuzz/time-signature"))
    tok = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}.{b64(json.dumps(claims))}.{signature}"
    key = ("--secret-env", "SEC") if command == "verify" else ()
    argv = ("jwt", command, tok, *key, *(("--json",) if as_json else ()))
    case = Case("fuzz/time-claims", argv, secrets=(signature,))
    assert_sane(case, run(argv, env={"SEC": marker("fuzz/time-secret")}))


# --- numeric options ------------------------------------------------------------------------------

_numberish = st.one_of(
    st.floats().map(repr),
    st.integers().map(str),
    st.text(alphabet="0123456789.eE+-_xXinfatyINFAN :Z", max_size=14),
    st.sampled_from(
        [
            "",
            " ",
            "1e309",
            "-0.0",
            "0x1p3",
            "١٢",
            "5s",
            "1_000",
            "inf",
            "-inf",
            "nan",
            "NaN",
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00+01:00",
            "1700000000.5",
        ]
    ),
)


@EXAMPLES
@given(
    _numberish,
    st.sampled_from(
        [
            ("check", "--timeout"),
            ("check", "--probe-timeout"),
            ("check", "--now"),
            ("decode", "--leeway"),
            ("decode", "--now"),
            ("verify", "--leeway"),
            ("verify", "--timeout"),
            ("verify", "--now"),
        ]
    ),
    st.sampled_from(FORMATS),
)
def test_numeric_options_take_any_string(
    tmp_path: Path, value: str, where: tuple[str, str], fmt: str
) -> None:
    command, option = where
    tok = f"{b64(json.dumps({'alg': 'HS256'}))}.{b64(json.dumps({'exp': 1798138903}))}.c2ln"
    if command == "check":
        (tmp_path / "o.env").write_text(f"WEBUI_URL={URL}\n")
        argv: tuple[str, ...] = ("check", "--env-file", "o.env", "--offline", "--format", fmt, option, value)
    elif command == "decode":
        argv = ("jwt", "decode", tok, option, value, *(("--json",) if fmt == "json" else ()))
    else:
        argv = ("jwt", "verify", tok, "--secret-env", "SEC", option, value, "--json")
    case = Case("fuzz/numeric-option", argv)
    assert_sane(case, run(argv, cwd=tmp_path, env={"SEC": marker("fuzz/numeric-secret")}))


# --- YAML alias structures ------------------------------------------------------------------------


def alias_chain(fan_out: int, depth: int, prefix: str = "") -> list[str]:
    """YAML lines anchoring a list of `fan_out` items, then `depth` levels each holding `fan_out`
    aliases of the level below: fan_out ** (depth + 1) items once expanded."""
    lines = [f"{prefix}l0: &l0 [{','.join(['lol'] * fan_out)}]"]
    lines += [f"{prefix}l{i}: &l{i} [{','.join([f'*l{i - 1}'] * fan_out)}]" for i in range(1, depth + 1)]
    return lines


@settings(
    max_examples=25,
    deadline=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.integers(2, 9),
    st.integers(1, 8),
    st.sampled_from(
        [
            "deploy:env",
            "deploy:x",
            "deploy:ldap.host",
            "deploy:top",
            "compose:environment",
            "compose:image",
            "compose:volumes",
            "compose:labels",
            "config-show:deploy",
            "config-show:compose",
        ]
    ),
)
def test_alias_structures_end_quickly(tmp_path: Path, fan_out: int, depth: int, where: str) -> None:
    """No shrinking: a failing example is a hang, and each shrink step would wait for the limit."""
    top = f"l{depth}"
    if where.endswith("compose") or where.startswith("compose"):
        spot = where.split(":")[1] if where.startswith("compose") else "environment"
        lines = alias_chain(fan_out, depth, "x-")
        lines += [
            "services:",
            "  w:",
            "    image: " + (f"*{top}" if spot == "image" else "ghcr.io/open-webui/open-webui"),
            f"    {spot}: *{top}" if spot != "image" else "",
        ]
        (tmp_path / "docker-compose.yml").write_text("\n".join(lines) + "\n")
        source: tuple[str, ...] = ("--compose", "docker-compose.yml")
    else:
        spot = where.split(":")[1] if where.startswith("deploy") else "env"
        lines = ["version: 1", f"public_url: {URL}", *alias_chain(fan_out, depth, "x-")]
        lines += {
            "env": [f"env: *{top}"],
            "x": [f"x-more: *{top}"],
            "ldap.host": ["ldap:", f"  host: *{top}"],
            "top": [f"replicas: *{top}"],
        }[spot]
        (tmp_path / "deploy.yaml").write_text("\n".join(lines) + "\n")
        source = ("--config", "deploy.yaml")
    argv = ("config", "show", *source) if where.startswith("config-show") else ("check", *source, "--offline")
    case = Case("fuzz/aliases", argv)
    assert_sane(case, run(argv, cwd=tmp_path, limit_s=5.0))


# --- compose environment shapes -------------------------------------------------------------------

_yaml_scalars = st.one_of(
    st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "off",
            "~",
            "null",
            "''",
            '""',
            "0x1F",
            "0o17",
            "1e3",
            ".inf",
            "-.nan",
            "2001-12-14",
            "12:30:45",
            "!!str 1",
            "!!binary aGk=",
            "!custom x",
            "&a x",
            "*a",
            "[1, 2]",
            "{a: 1}",
            "|\n        block",
            "'quoted'' quote'",
            '"esc\\t\\u263a"',
            "${HOME}",
            "$$x",
            "${X:?missing}",
            "${X:-${Y}}",
            "'  spaces  '",
            "'https://u:p@h/'",
        ]
    ),
    st.text(alphabet="abcXYZ019 :#-_./'\"${}&*!|>", max_size=16),
)


@EXAMPLES
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "WEBUI_URL",
                    "WEBUI_SECRET_KEY",
                    "REDIS_URL",
                    "LDAP_APP_PASSWORD",
                    "WEBUI_AUTH",
                    "CORS_ALLOW_ORIGIN",
                    "1",
                    "''",
                    "A=B",
                    "<<",
                    "? x",
                ]
            ),
            _yaml_scalars,
        ),
        max_size=6,
    ),
    st.booleans(),
    st.sampled_from(["check", "config"]),
)
def test_compose_environment_shapes(
    tmp_path: Path, entries: list[tuple[str, str]], as_list: bool, command: str
) -> None:
    secret = marker("fuzz/compose-secret", 24)
    body = [f"      - {name}={value}" if as_list else f"      {name}: {value}" for name, value in entries]
    body.append(f"      - WEBUI_SECRET_KEY={secret}" if as_list else f"      WEBUI_SECRET_KEY: {secret}")
    text = (
        "\n".join(
            ["services:", "  w:", "    image: ghcr.io/open-webui/open-webui:main", "    environment:", *body]
        )
        + "\n"
    )
    (tmp_path / "docker-compose.yml").write_text(text)
    argv = (
        ("check", "--compose", "docker-compose.yml", "--offline", "--format", "json")
        if command == "check"
        else ("config", "show", "--compose", "docker-compose.yml", "--json")
    )
    case = Case("fuzz/compose-environment", argv, secrets=(secret,))
    assert_sane(case, run(argv, cwd=tmp_path, env={"HOME": "/home/x", "Y": "y"}))


@pytest.mark.parametrize("fan_out", [2])
def test_alias_chain_is_what_it_says(fan_out: int) -> None:
    import yaml

    data = yaml.safe_load("\n".join(alias_chain(fan_out, 3)))
    assert len(data["l3"]) == fan_out and len(data["l3"][0][0][0]) == fan_out
