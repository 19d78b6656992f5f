"""Live progress on stderr while checks run: only on a terminal, never in CI or pipes."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, TextIO


class Progress:
    """A rich status line naming the areas still running (with how far a slow step has got, e.g.
    `redis (120,000 keys scanned)`). A no-op when not on a TTY."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._running: list[str] = []
        self._notes: dict[str, str] = {}
        self._status: Any = None

    @classmethod
    def for_stream(cls, stream: TextIO, enabled: bool = True) -> Progress:
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        if not (enabled and tty) or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
            return cls(None)
        return cls(stream)

    def __enter__(self) -> Progress:
        if self._stream is not None:
            from rich.console import Console

            from authdoctor.output import GlobalState

            # the same rule as the report's colour: never with NO_COLOR or --no-color
            console = Console(file=self._stream,
                              no_color="NO_COLOR" in os.environ or GlobalState.no_color)
            self._status = console.status("checking…", spinner="dots")
            self._status.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._status is not None:
            self._status.stop()

    def update(self, area: str, event: str) -> None:
        """`event` is "start", "done", or a note on how far the area has got."""
        if self._status is None:
            return
        if event == "start":
            self._running.append(area)
        elif event == "done":
            if area in self._running:
                self._running.remove(area)
            self._notes.pop(area, None)
        else:
            self._notes[area] = event
        self._status.update(f"checking: {self.line()}")

    def line(self) -> str:
        """The areas still running, each with its note."""
        return ", ".join(f"{a} ({self._notes[a]})" if a in self._notes else a
                         for a in self._running) or "finishing"
