"""Reading one Open WebUI variable exactly as the app's own line of code does.

Open WebUI 0.12.4 reads almost every setting with one of a few idioms (`env.py`, `config.py`):

- `os.getenv(NAME, default)`: an unset variable gives the default, an empty one gives `''`;
  values are never stripped.
- `os.getenv(NAME, 'False').lower() == 'true'`: a boolean is true for `true` in any case and for
  nothing else (`1`, `yes`, `on` and ` true` are false).
- `max(int(os.getenv(NAME, '1')), 1)` inside `try/except ValueError` (UVICORN_WORKERS): a bad
  value silently becomes the default.

These helpers mirror those idioms over an `EnvSource`, so a check says what the app will do.
(Helper A's `authdoctor.openwebui.values` holds the richer app-exact parsers; these three are the
small subset the OAuth/LDAP/Redis/trusted-header checks need.)
"""

from __future__ import annotations

from typing import overload

from authdoctor.settings.model import EnvSource


@overload
def getenv(env: EnvSource, name: str, default: str) -> str: ...
@overload
def getenv(env: EnvSource, name: str, default: None = None) -> str | None: ...
def getenv(env: EnvSource, name: str, default: str | None = None) -> str | None:
    """`os.getenv(name, default)` against these settings."""
    value = env.get(name)
    return default if value is None else value


def env_true(env: EnvSource, name: str, default: str) -> bool:
    """`os.getenv(name, default).lower() == 'true'`."""
    return getenv(env, name, default).lower() == "true"


def env_int_or(env: EnvSource, name: str, default: int, minimum: int | None = None) -> int:
    """`int(os.getenv(name, str(default)))` falling back to `default` on ValueError, then clamped
    to `minimum` (the app's `max(..., 1)`)."""
    try:
        value = int(getenv(env, name, str(default)))
    except ValueError:
        value = default
    return value if minimum is None else max(value, minimum)


def int_or_none(value: str) -> int | None:
    """Python's `int(value)` (which accepts surrounding spaces, `+`, and `_` separators), or None
    where the app's `int()` call would raise ValueError."""
    try:
        return int(value)
    except ValueError:
        return None
