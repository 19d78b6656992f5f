"""Reading a settings file as text: every failure becomes a one-line `ConfigError`."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

from authdoctor.errors import ConfigError

MAX_SETTINGS_FILE_BYTES = 5 * 1024 * 1024
"""The largest settings file read (README, Size limits): a 4 MB secret fits; bigger is refused."""

_READS: ContextVar[list[str] | None] = ContextVar("authdoctor_settings_reads", default=None)


@contextmanager
def recording_reads() -> Iterator[list[str]]:
    """Every settings file read inside the block, also those a source names itself (a compose
    `env_file:`, the project `.env`): `--output` must never overwrite any of them."""
    reads: list[str] = []
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def read_text(path: str | Path, what: str) -> str:
    """The file's text, or a ConfigError that says what is wrong with it (an empty path, missing,
    a folder, a FIFO, device or socket, unreadable, too big, not UTF-8 text).

    Only regular files are read, so nothing can block (a FIFO with no writer) or never end
    (/dev/zero, /dev/stdin on a terminal). The check is made on the opened file itself (opened
    without blocking), so a path that changes between a check and the read cannot slip through."""
    if str(path) == "":
        raise ConfigError(f"the {what} path is empty; give the path of a file")
    if "\x00" in str(path):
        raise ConfigError(f"the {what} path contains a NUL character; no file can have that name")
    reads = _READS.get()
    if reads is not None:
        reads.append(str(path))
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", path=str(p)) from None
    except IsADirectoryError:
        raise ConfigError(f"{what} is a directory, not a file", path=str(p)) from None
    except PermissionError:
        raise ConfigError(f"{what} is not readable (permission denied)", path=str(p)) from None
    except OSError as exc:
        raise ConfigError(f"{what} cannot be read: {exc.strerror or exc}", path=str(p)) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError(f"{what} is a directory, not a file", path=str(p))
        if not stat.S_ISREG(mode):
            kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                    "a socket" if stat.S_ISSOCK(mode) else "a device")
            raise ConfigError(f"{what} is not a regular file but {kind}; only regular files "
                              "are read", path=str(p))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_SETTINGS_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"{what} cannot be read: {exc.strerror or exc}", path=str(p)) from None
    if len(data) > MAX_SETTINGS_FILE_BYTES:
        raise ConfigError(f"{what} is larger than {MAX_SETTINGS_FILE_BYTES:,} bytes (5 MiB); "
                          "settings files that big are refused", path=str(p))
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
