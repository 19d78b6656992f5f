"""The run's clock. `--now` fixes it so reports are reproducible."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from authdoctor.errors import UsageError


def utcnow() -> datetime:
    return datetime.now(UTC)


# The range a fixed clock may take. Checks add durations to it (a cookie's Max-Age, a token's
# lifetime), and dates must stay printable in every format, so the ends of the calendar are kept
# out with a year's margin: 0001-01-01 or 9999-12-31 with an offset is outside what a datetime holds
# in UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
_HELP = "use ISO 8601 like 2026-11-26T12:00:00Z or Unix seconds"


def parse_now(value: str) -> datetime:
    """`--now` accepts ISO 8601 (`2026-11-26T12:00:00Z`) or Unix seconds (`1764158400`,
    `1764158400.5`), between 1970-01-01 and 9998-12-31 UTC. Anything else is a `UsageError`."""
    text = value.strip()
    if not text:
        raise UsageError(f"--now {value!r} is empty: {_HELP}")
    try:
        if _is_number(text):
            seconds = float(text)
            if not math.isfinite(seconds):
                raise ValueError(text)
            parsed = datetime.fromtimestamp(seconds, UTC)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        if _is_number(text) or _looks_like_a_date(text):
            raise UsageError(f"--now {value!r} is outside the range authdoctor can compute with "
                             f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, UTC)") from None
        raise UsageError(f"--now {value!r} is not a date: {_HELP}") from None
    if not EARLIEST <= parsed <= LATEST:
        raise UsageError(f"--now {value!r} is outside the range authdoctor can compute with "
                         f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, UTC)")
    return parsed


def _is_number(text: str) -> bool:
    return re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", text,
                        re.IGNORECASE) is not None


def _looks_like_a_date(text: str) -> bool:
    return re.match(r"[+-]?\d{4,}-\d{2}-\d{2}", text) is not None


def humanize_delta(seconds: float) -> str:
    """'3 h', '2 d 4 h', '45 s' — for 'expired 3 h ago'."""
    seconds = abs(int(seconds))
    units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    parts = []
    for name, size in units:
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count} {name}")
        if len(parts) == 2:
            break
    return " ".join(parts) or "0 s"
