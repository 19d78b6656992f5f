"""Reading a file named on the command line (`--key`, `--secret-file`, `--jwks FILE`,
`--ca-file`) without ever blocking.

Only a regular file is read. A FIFO would block the run until someone writes to it, a device
such as /dev/zero never ends, and a directory is a mistake; each is a one-line `UsageError`
(exit 2). The file is opened with O_NONBLOCK (opening a FIFO with no writer then returns at once)
and checked with fstat on the open descriptor, so there is no window between the check and the
read in which the path could be swapped.
"""

from __future__ import annotations

import os
import stat

from authdoctor.errors import UsageError


def shown_path(path: str) -> str:
    """The path as an error may quote it: a secret pasted where a file name belongs (`--secret-file
    hunter2`) is told by its length only (`authdoctor.masking.shown_argument`)."""
    from authdoctor.masking import shown_argument

    return shown_argument(path, "path")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular_file(path: str, option: str) -> int:
    """An open, read-only descriptor of the regular file at `path` (the caller closes it)."""
    if not path:
        raise UsageError(f"{option} '': give a file name")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UsageError(f"{option} {shown_path(path)}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UsageError(f"{option} {shown_path(path)} is {_kind(mode)}: give a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_regular_file(path: str, option: str) -> None:
    """Raise `UsageError` unless `path` is a readable regular file (for libraries that take a path,
    such as `ssl.SSLContext.load_verify_locations`)."""
    os.close(open_regular_file(path, option))


def read_regular_file(path: str, option: str, limit: int) -> bytes:
    """Up to `limit` bytes of the regular file at `path`."""
    fd = open_regular_file(path, option)
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read(limit)
    except OSError as exc:
        raise UsageError(f"{option} {shown_path(path)}: {exc.strerror or exc}") from None
