"""The tool's own exception tree. Every error a user can cause ends here, never as a traceback.

    AuthdoctorError                 base: message is one plain sentence for the terminal
    ├── UsageError                  bad flag or argument (exit 2)
    ├── ConfigError                 unreadable/invalid deploy.yaml, .env, compose file (exit 2)
    │                               (carries file, line and key when known)
    ├── ProbeError                  a network probe failed; checks turn it into a finding
    └── DeadlineExceeded            the whole-run --timeout cut the run (exit 3)

The CLI maps `UsageError`/`ConfigError` to exit code 2 and `DeadlineExceeded` to exit code 3, at
one boundary (`authdoctor.cli`).
`ProbeError` never reaches the CLI: check modules translate it into findings.
"""

from __future__ import annotations


class AuthdoctorError(Exception):
    """Base class: `str(err)` is the one-line message shown to the user."""


class UsageError(AuthdoctorError):
    """The command line itself is wrong (unknown format, conflicting flags, bad value)."""


class ConfigError(AuthdoctorError):
    """A settings source cannot be read or is invalid.

    `path`, `line` and `key` locate the problem; the message already mentions them.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        location = ""
        if path:
            shown = _printable(path)
            location = shown if line is None else f"{shown}:{line}"
        prefix = f"{location}: " if location else ""
        super().__init__(f"{prefix}{message}")
        self.path = path
        self.line = line
        self.key = key


def _printable(text: str) -> str:
    """`text` with control characters (a newline in a path) and undecodable bytes escaped, so
    the error stays one line on the terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


class ProbeError(AuthdoctorError):
    """A network probe failed. `stage` says where: dns, tcp, tls, http, protocol, timeout."""

    def __init__(self, message: str, *, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


class DeadlineExceeded(AuthdoctorError):
    """The run's `--timeout` passed before it completed. Not the user's mistake and not a bug: the
    CLI prints the one-line message and exits 3 ("could not complete")."""
