"""Reading a settings file as text: every failure becomes a one-line `ConfigError`."""

from __future__ import annotations

from pathlib import Path

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
