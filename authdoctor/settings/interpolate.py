"""`${VAR}` / `${VAR:-default}` interpolation, as docker compose and .env files do it, so secrets
stay in the environment instead of in files."""

from __future__ import annotations

from collections.abc import Mapping

from dotenv.variables import Literal, Variable, parse_variables


def interpolate(value: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """The value with references resolved, and the names that were neither set nor defaulted
    (they resolve to the empty string, like compose; callers decide whether that is an error)."""
    if "${" not in value:
        return value, []
    missing: list[str] = []
    parts: list[str] = []
    for atom in parse_variables(value):
        if isinstance(atom, Variable):
            if atom.name not in env and atom.default is None:
                missing.append(atom.name)
            parts.append(atom.resolve(env))
        elif isinstance(atom, Literal):
            parts.append(atom.value)
    return "".join(parts), missing
