"""Request counters, so tests and benchmarks can assert how many upstream calls the bot made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

ENDPOINTS = ("tokens", "list_agents", "agent_details", "agent_by_server", "wakeupagents")


class Stats:
    """Per-endpoint request counts and the peak of concurrent backup API requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(ENDPOINTS, 0)
        self._in_flight = 0
        self._max_in_flight = 0

    def count(self, endpoint: str) -> None:
        with self._lock:
            self._counts[endpoint] += 1

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Hold for the whole life of one backup API request."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    def reset(self) -> None:
        """Zero the counters; requests still in flight keep counting toward the new peak."""
        with self._lock:
            self._counts = dict.fromkeys(ENDPOINTS, 0)
            self._max_in_flight = self._in_flight
