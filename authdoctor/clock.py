"""The run's clock. `--now` fixes it so reports are reproducible."""

from __future__ import annotations

from datetime import UTC, datetime

from authdoctor.errors import UsageError


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_now(value: str) -> datetime:
    """`--now` accepts ISO 8601 (`2026-11-26T12:00:00Z`) or Unix seconds."""
    text = value.strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"--now {value!r} is not a date: use ISO 8601 like 2026-11-26T12:00:00Z "
                         "or Unix seconds") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
