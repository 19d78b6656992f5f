"""`${VAR}` interpolation, so secrets stay in the environment instead of in files. Two dialects:

- `interpolate`: python-dotenv's (what Open WebUI's own `.env` loading does, and deploy.yaml):
  `${NAME}` and `${NAME:-default}`; anything else, `$NAME` included, is literal text.
- `interpolate_compose`: the compose specification's (docker compose, for compose files):
  `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`,
  `${NAME?message}`, `${NAME:+replacement}`, `${NAME+replacement}`, nesting in the default
  or replacement, and `$$` for a literal `$` (a `$` before anything else stays as it is). A
  required variable that is missing, or a malformed `${...}`, is an error, as in compose (which
  then refuses the file).

Both run in time linear in the text (python-dotenv's own regex takes quadratic time on a line of
`${${${…`), and both spend an `InterpolationBudget`: the number of characters that substitution
may produce for one file. `${A}` repeated on every line of a file, each line doubling the last, is
a few hundred bytes that would otherwise grow to gigabytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_INTERPOLATED_CHARS = 16 * 1024 * 1024
"""What `${VAR}` references may produce in one settings file, in characters (README, Size limits):
room for several multi-megabyte secrets, far below what could exhaust memory."""

MAX_NESTING = 32
"""`${A:-${B:-${C}}}`: how deep defaults, messages and replacements may nest (compose)."""


class InterpolationError(Exception):
    """A reference compose would refuse, or the budget is spent. The message never holds a
    variable's value (a `:?` message is the file author's text, shown as written)."""


class InterpolationTooLarge(InterpolationError):
    """The file's references produce more than the budget allows."""


@dataclass
class InterpolationBudget:
    """Characters substitution may still produce; one per settings file."""

    left: int = MAX_INTERPOLATED_CHARS
    limit: int = MAX_INTERPOLATED_CHARS

    def spend(self, chars: int) -> None:
        self.left -= chars
        if self.left < 0:
            raise InterpolationTooLarge(
                f"the variable references in this file (${{VAR}}, $(VAR)) produce more than "
                f"{self.limit:,} characters; refused (does a variable refer to another one many "
                "times over?)")


# --- python-dotenv ---------------------------------------------------------------------------


def interpolate(value: str, env: Mapping[str, str],
                budget: InterpolationBudget | None = None) -> tuple[str, list[str]]:
    """The value with python-dotenv's references resolved, and the names that were neither set nor
    defaulted (they resolve to the empty string; callers decide whether that is an error).

    Same matches as python-dotenv's `\\$\\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\\}`: the name
    runs to the first `}` or `:`; after a `:` only `:-default}` completes the reference; a `${`
    that completes nothing is literal text. The next `}`/`:` positions are remembered, so every
    character is looked at a bounded number of times."""
    if "${" not in value:
        return value, []
    budget = budget if budget is not None else InterpolationBudget()
    missing: list[str] = []
    parts: list[str] = []
    cursor = 0
    # The next '}' or ':' (and the next '}') found by the last search, -1 when there is none
    # after it; searches start at increasing positions, so a result stays valid until passed.
    stop = brace = -2
    start = value.find("${")
    while start != -1:
        name_start = start + 2
        if stop != -1 and stop < name_start:
            found = _STOP.search(value, name_start)
            stop = found.start() if found else -1
        end = -1
        default: str | None = None
        if stop != -1:
            if value[stop] == "}":
                end = stop
            elif value.startswith(":-", stop):
                if brace != -1 and brace < stop + 2:
                    brace = value.find("}", stop + 2)
                if brace != -1:
                    end = brace
                    default = value[stop + 2:brace]
        if end == -1:  # this '${' completes nothing: literal text
            start = value.find("${", start + 1)
            continue
        name = value[name_start:stop]
        parts.append(value[cursor:start])
        if name in env:
            resolved = env[name]
        else:
            if default is None:
                missing.append(name)
            resolved = default or ""
        budget.spend(len(resolved))
        parts.append(resolved)
        cursor = end + 1
        start = value.find("${", cursor)
    parts.append(value[cursor:])
    return "".join(parts), missing


_STOP = re.compile(r"[}:]")


# --- compose specification --------------------------------------------------------------------

_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_OPERATORS = (":?", "?", ":-", "-", ":+", "+")


def interpolate_compose(value: str, env: Mapping[str, str],
                        budget: InterpolationBudget | None = None) -> tuple[str, list[str]]:
    """The value with compose's references resolved, and the names that were unset and not
    defaulted (compose warns and uses the empty string). Raises InterpolationError where compose
    (compose-go's template package) refuses the file: `${NAME:?message}` with NAME unset or
    empty, `${NAME?message}` with NAME unset, a `${` without a name (`${}`, `${ x}`, `${1}`),
    with something other than an operator after the name (`${x }`, `${x!}`), or never closed."""
    if "$" not in value:
        return value, []
    missing: list[str] = []
    result = _compose(value, env, budget if budget is not None else InterpolationBudget(),
                      missing, 0)
    return result, missing


def _compose(value: str, env: Mapping[str, str], budget: InterpolationBudget,
             missing: list[str], depth: int) -> str:
    if depth > MAX_NESTING:
        raise InterpolationError(f"${{...}} references are nested more than {MAX_NESTING} deep")
    parts: list[str] = []
    cursor = 0
    dollar = value.find("$")
    while dollar != -1:
        parts.append(value[cursor:dollar])
        after = dollar + 1
        if value.startswith("$", after):
            parts.append("$")
            cursor = after + 1
        elif value.startswith("{", after):
            close = _closing_brace(value, dollar)
            if close == -1:
                raise InterpolationError("a '${' is never closed with '}' (docker compose: "
                                         "invalid interpolation format); write '$$' for a "
                                         "literal '$'")
            parts.append(_braced(value[after + 1:close], env, budget, missing, depth))
            cursor = close + 1
        else:
            match = _NAME.match(value, after)
            if match is None:  # `$1`, `$ `, a trailing `$`: compose keeps the `$`
                parts.append("$")
                cursor = after
            else:
                name = match.group(0)
                if name not in env:
                    missing.append(name)
                resolved = env.get(name, "")
                budget.spend(len(resolved))
                parts.append(resolved)
                cursor = match.end()
        dollar = value.find("$", cursor)
    parts.append(value[cursor:])
    return "".join(parts)


def _closing_brace(value: str, dollar: int) -> int:
    """The `}` that closes the `${` at `dollar`, found as compose finds it: every `{` opens (and
    the character after it is skipped), every `}` closes; without a balanced one, the last `}`
    on the line (compose's regular expression then spans to it). -1 if there is none."""
    depth = 0
    index = dollar
    length = len(value)
    while index < length:
        char = value[index]
        if char == "}":
            depth -= 1
            if depth == 0:
                return index
        elif char == "{":
            depth += 1
            index += 1
        elif char == "\n":
            break
        index += 1
    line_end = value.find("\n", dollar)
    last = value.rfind("}", dollar, line_end if line_end != -1 else length)
    return last


def _braced(body: str, env: Mapping[str, str], budget: InterpolationBudget,
            missing: list[str], depth: int) -> str:
    """The value of `${body}`. The default, message or replacement is interpolated only when it
    is used, as compose does."""
    match = _NAME.match(body)
    if match is None:
        raise InterpolationError("a '${' is not followed by a variable name (docker compose: "
                                 "invalid interpolation format); write '$$' for a literal '$'")
    name = match.group(0)
    rest = body[match.end():]
    current = env.get(name, "")
    if not rest:
        if name not in env:
            missing.append(name)
        budget.spend(len(current))
        return current
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise InterpolationError("a '${NAME' is followed by something other than '}', ':-', "
                                 "'-', ':?', '?', ':+' or '+' (docker compose: invalid "
                                 "interpolation format)")
    argument = rest[len(operator):]
    is_set = name in env
    non_empty = is_set and current != ""
    if operator in (":?", "?"):
        if not (non_empty if operator == ":?" else is_set):
            shown = _author_text(argument)
            raise InterpolationError(f"required variable {name} is missing a value"
                                     + (f": {shown}" if shown else ""))
    elif operator in (":-", "-"):
        if not (non_empty if operator == ":-" else is_set):
            return _compose(argument, env, budget, missing, depth + 1)
    elif non_empty if operator == ":+" else is_set:  # ":+" and "+"
        return _compose(argument, env, budget, missing, depth + 1)
    budget.spend(len(current))
    return current


def _author_text(text: str, limit: int = 200) -> str:
    """A `:?` message as the author wrote it (its own `${...}` not resolved, so no variable's
    value can appear), on one line and at most `limit` characters."""
    flat = "".join(c if c.isprintable() else " " for c in text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
