"""Open WebUI `.env` files (dotenv syntax: quotes, `export`, comments, `${VAR}`, CRLF).

Parsing is python-dotenv's; what we add is provenance (file and line of every variable) and the
raw line, so checks can point at the line and notice stray whitespace or quotes. Plain lines
(`NAME=value` without quotes or `#`, blank lines, comments) take a fast path with python-dotenv's
exact result; every other line is parsed by python-dotenv itself (a 5 MiB file of short lines:
about 20 s through python-dotenv alone).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from dotenv.parser import Binding, Original, Position, Reader, parse_binding

from authdoctor.errors import ConfigError
from authdoctor.findings import SourceLocation
from authdoctor.settings.files import read_text
from authdoctor.settings.interpolate import (
    InterpolationBudget,
    InterpolationError,
    interpolate,
    interpolate_compose,
)
from authdoctor.settings.model import EnvSource, EnvVar


def parse_env_text(text: str, path: str, environ: Mapping[str, str] | None = None, *,
                   compose: bool = False) -> dict[str, EnvVar]:
    """Variables of a dotenv text. `${VAR}` resolves from earlier lines, then `environ`.
    A line dotenv cannot parse is a ConfigError naming the line (compose refuses such files too),
    and so are references that together produce more than the file's interpolation budget.

    `compose=True` reads a compose `env_file:` (or the project `.env`) as docker compose does:
    its references follow the compose specification, so `${VAR:?message}` with VAR unset stops
    the run with the author's message, as `docker compose up` does; Open WebUI's own
    `load_dotenv` (python-dotenv) is the default."""
    environ = os.environ if environ is None else environ
    resolve = interpolate_compose if compose else interpolate
    budget = InterpolationBudget()
    result: dict[str, EnvVar] = {}
    lookup: dict[str, str] = dict(environ)  # earlier lines win over the environment
    for binding in _bindings(text):
        line = binding.original.line
        if binding.error:
            # Never echo any of the line, not even its first word: a malformed line is often a
            # secret with a typo around it, or a wrapped secret. Say where and what kind.
            column, kind = _line_problem(binding.original.string)
            raise ConfigError(f"cannot parse line, column {column}: {kind}; expected NAME=value",
                              path=path, line=line)
        if binding.key is None:
            continue
        if binding.value is None:
            # A bare word with no '=': python-dotenv's load_dotenv (Open WebUI) sets nothing for
            # it, and compose / `docker run --env-file` pass the host's variable through, if set.
            # Usually it is the second half of a wrapped value (a secret), so it is never kept
            # under its own text as a name unless the environment really has that variable.
            if binding.key not in environ:
                continue
            value = environ[binding.key]
        else:
            value = binding.value
        # dotenv attaches preceding blank lines to a binding: point at the key's own line
        original = binding.original.string
        start = original.find(binding.key)
        start = 0 if start < 0 else original.rfind("\n", 0, start) + 1
        line += original[:start].count("\n")
        raw = original[start:].rstrip("\n")
        after_eq = raw.split("=", 1)[1].lstrip() if "=" in raw else ""
        if binding.value is not None and not after_eq.startswith("'"):
            try:
                value, _missing = resolve(value, lookup, budget)
            except InterpolationError as exc:
                raise ConfigError(f"{binding.key}: {exc}", path=path, line=line,
                                  key=binding.key) from None
        result[binding.key] = EnvVar(
            name=binding.key,
            value=value,
            location=SourceLocation(path=path, line=line, key=binding.key),
            raw=raw,
        )
        lookup[binding.key] = value
    return result


_NAME = re.compile(r"[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.\-]*")


def _line_problem(text: str) -> tuple[int, str]:
    """(1-based column, kind of error) of a line python-dotenv refused, without quoting it."""
    first = text.split("\n", 1)[0]
    name = _NAME.match(first)
    if name is None:
        start = len(first) - len(first.lstrip(" \t"))
        return start + 1, "a line must start with a variable name"
    rest = first[name.end():].lstrip(" \t")
    if not rest.startswith("="):
        return name.end() + 1, "no '=' after the variable name (a space in the name, or a missing '=')"
    value = rest[1:].lstrip(" \t")
    column = len(first) - len(value) + 1
    if value[:1] in ("'", '"'):
        return column, "a quoted value whose closing quote is missing or followed by other text"
    return column, "the value cannot be read"


def load_env_file(path: str | Path, environ: Mapping[str, str] | None = None) -> EnvSource:
    text = read_text(path, "env file")
    return EnvSource(label=str(path), vars=parse_env_text(text, str(path), environ))


def load_process_env(environ: Mapping[str, str] | None = None) -> EnvSource:
    environ = os.environ if environ is None else environ
    variables = {
        name: EnvVar(name=name, value=value,
                     location=SourceLocation(path="(process environment)", key=name))
        for name, value in environ.items()
    }
    return EnvSource(label="process environment", vars=variables)


# A line python-dotenv reads as NAME=value with nothing to decode: an identifier, '=', and a value
# that does not start with a quote or whitespace and holds no '#' or carriage return. dotenv
# returns the rest of the line, right-stripped. Blank and comment-only lines give no variable.
_PLAIN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([^\s'\"#][^#\r\n]*)?(?:\r?\n|\Z)")
_NOTHING = re.compile(r"[ \t]*(?:#[^\r\n]*)?\r?\n")


def _bindings(text: str) -> Iterator[Binding]:
    """python-dotenv's bindings for `text`, in time linear in its length. Every binding starts at
    its own line (python-dotenv attaches preceding blank lines to a binding; the caller finds the
    key's line either way)."""
    reader = Reader(io.StringIO(text))
    source = reader.string  # the text without a byte-order mark, as python-dotenv reads it
    position, line, length = 0, 1, len(source)
    while position < length:
        nothing = _NOTHING.match(source, position)
        if nothing is not None:
            position, line = nothing.end(), line + 1
            continue
        plain = _PLAIN.match(source, position)
        if plain is not None:
            value = (plain.group(2) or "").rstrip()
            yield Binding(key=plain.group(1), value=value,
                          original=Original(string=plain.group(0), line=line), error=False)
            position, line = plain.end(), line + 1
            continue
        reader.position = Position(chars=position, line=line)
        yield parse_binding(reader)
        position, line = reader.position.chars, reader.position.line
