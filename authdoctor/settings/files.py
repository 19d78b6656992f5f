"""Reading a settings file as text: every failure becomes a one-line `ConfigError`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from authdoctor.errors import ConfigError

MAX_SETTINGS_FILE_BYTES = 5 * 1024 * 1024


def read_text(path: str | Path, what: str) -> str:
    """The file's text, or a ConfigError that says what is wrong with it (missing, a folder,
    unreadable, too big, not UTF-8 text)."""
    p = Path(path)
    try:
        if p.is_dir():
            raise ConfigError(f"{what} is a directory, not a file", path=str(p))
        p.stat()  # FileNotFoundError / PermissionError first, with their own messages
        if not p.is_file():
            # /dev/zero, a FIFO, a socket: reading could block or never end.
            raise ConfigError(f"{what} is not a regular file", path=str(p))
        with p.open("rb") as handle:
            data = handle.read(MAX_SETTINGS_FILE_BYTES + 1)
        if len(data) > MAX_SETTINGS_FILE_BYTES:
            raise ConfigError(f"{what} is larger than {MAX_SETTINGS_FILE_BYTES} bytes; "
                              "settings files that big are refused", path=str(p))
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", path=str(p)) from None
    except PermissionError:
        raise ConfigError(f"{what} is not readable (permission denied)", path=str(p)) from None
    except OSError as exc:
        raise ConfigError(f"{what} cannot be read: {exc.strerror or exc}", path=str(p)) from None
    if b"\x00" in data:
        raise ConfigError(f"{what} is a binary file, not text", path=str(p))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                          path=str(p), line=line) from None


STDIN_PATH = "<stdin>"


def read_text_or_stdin(path: str, what: str, stdin: BinaryIO | None = None) -> tuple[str, str]:
    """(text, the name to show in locations): the file's text, or stdin's for `-` (bounded like a
    file: `docker inspect x | authdoctor check --docker-inspect -`)."""
    if path != "-":
        return read_text(path, what), path
    if stdin is None and sys.stdin.isatty():
        # Waiting for typed input would look like a hang: the `-` is meant for a pipe.
        raise ConfigError(f"'-' reads the {what} from stdin, but stdin is a terminal; pipe it in, "
                          "e.g. `docker inspect open-webui | authdoctor check --docker-inspect -`",
                          path=STDIN_PATH)
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        data = stream.read(MAX_SETTINGS_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{what} cannot be read: {exc.strerror or exc}", path=STDIN_PATH) from None
    if len(data) > MAX_SETTINGS_FILE_BYTES:
        raise ConfigError(f"{what} is larger than {MAX_SETTINGS_FILE_BYTES} bytes; "
                          "settings that big are refused", path=STDIN_PATH)
    if b"\x00" in data:
        raise ConfigError(f"{what} is binary data, not text", path=STDIN_PATH)
    try:
        return data.decode("utf-8-sig"), STDIN_PATH
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                          path=STDIN_PATH, line=line) from None
