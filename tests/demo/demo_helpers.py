"""What the demo tests share: fast wake-up settings and a reader for a child's output."""

from __future__ import annotations

import queue
import threading
import time
from typing import IO

FAST_WAKEUPS = {
    "WAKEUP_CHECK_AFTER": "0.1",
    "WAKEUP_CHECK_EVERY": "0.1",
    "WAKEUP_GIVE_UP_AFTER": "0.6",
    "WATCH_CHANNEL_IDS": "",
}
"""The built-in data has a powered-off agent, so every wake-up ends by giving up: keep it short.
No channel watches by default here, so the button numbers are those of the lines under test
(``test_demo_watch.py`` shows the watch)."""

FOLLOW_UP = "I woke the agents"


class LineReader:
    """A child's output read on a thread, so a test can wait for a line with a deadline."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float) -> str:
        """Everything read until a line containing `text`; fails at the deadline or at EOF."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {timeout} s in:\n{self.text}") from None
            if line is None:
                raise AssertionError(f"output ended without {text!r}:\n{self.text}")
            self.lines.append(line)
        return self.text

    @property
    def text(self) -> str:
        return "".join(self.lines)
