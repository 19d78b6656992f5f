"""One deadline for a whole run (`check --timeout`, `jwt verify --timeout`).

A per-read timeout does not bound a run: a server that sends one byte a second never trips it,
and neither does a slow settings file, a slow check or a slow render. So the work of a run is
done where it can be abandoned: `call_before` runs it in a daemon thread and stops waiting at the
deadline. The thread is left behind (Python cannot kill a thread; as a daemon it never holds up the
exit), and the caller reports what did not finish. Pure-Python work gives up the interpreter lock
every few milliseconds, so the waiting thread wakes on time even while the worker computes.

Standard library only: `jwt verify` and `check` both use it, and it must cost nothing at start-up.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from authdoctor.errors import DeadlineExceeded, UsageError

T = TypeVar("T")

MIN_TIMEOUT_S = 0.1  # --timeout and --probe-timeout of `check`, --timeout of `jwt verify`
MAX_TIMEOUT_S = 24 * 3600.0


def check_seconds(option: str, value: float, *, minimum: float, maximum: float = MAX_TIMEOUT_S,
                  inclusive_minimum: bool = True) -> float:
    """A number of seconds from the command line: finite and within [minimum, maximum]. `inf`,
    `nan` and `1e300` are usage errors (exit 2), not crashes further down."""
    low_ok = value >= minimum if inclusive_minimum else value > minimum
    if not (math.isfinite(value) and low_ok and value <= maximum):
        low = f"{minimum:g}" if inclusive_minimum else f"more than {minimum:g}"
        raise UsageError(f"{option} {value!r}: give a number of seconds from {low} to {maximum:g}")
    return value


def render_reserve(timeout_s: float) -> float:
    """How long before a run's deadline its checks or fetches must stop, so that what finished
    can still be rendered and written: a quarter of the budget, at most one second."""
    return min(1.0, timeout_s / 4)


class Deadline:
    """An absolute point on the monotonic clock (`at`), by default `seconds` after it was made.
    `seconds` is the budget the deadline stands for, as messages name it (`--timeout 5s`)."""

    def __init__(self, seconds: float, *, at: float | None = None) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds if at is None else at

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def earlier(self, reserve_s: float) -> Deadline:
        """A deadline `reserve_s` before this one (never before now), e.g. to leave time to
        render what finished."""
        return Deadline(self.seconds, at=max(time.monotonic(), self.at - reserve_s))


class Phase:
    """What a run is doing, for the message when the deadline cuts it."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Outcome(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


def call_before(deadline: Deadline, work: Callable[[], T], *, phase: Phase | None = None,
                what: str = "--timeout") -> T:
    """`work()`'s result, or `DeadlineExceeded` at the deadline (the work is abandoned, see the
    module docstring). Exceptions from `work` are raised here, in the caller's thread."""
    outcome: _Outcome[T] = _Outcome()

    def target() -> None:
        try:
            outcome.value = work()
        except BaseException as exc:
            outcome.error = exc
        finally:
            outcome.done.set()

    threading.Thread(target=target, name="authdoctor-run", daemon=True).start()
    if not outcome.done.wait(deadline.remaining()):
        doing = f" {phase.text}" if phase is not None and phase.text else ""
        raise DeadlineExceeded(f"{what} {deadline.seconds:g}s reached{doing}; the run did not "
                               "complete (raise --timeout if the input is simply large)")
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]
