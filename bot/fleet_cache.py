"""A short-lived, shared view of each region's agents.

Operators often type ``/backup agents`` twice, page through a list, or several of them look at
once during an incident. A full fetch costs one list call plus one details call per agent, so
concurrent requests for the same region share one fetch (single flight), and a finished fetch
is served again for ``ttl`` seconds. The age is shown to the user, so the cache never hides
how fresh an answer is.

Loads run on their own small pool and callers get a future: a burst of fifty requests holds no
worker thread while the one fetch they share is under way, so other commands keep moving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass
class _Entry(Generic[V]):
    future: Future[V]
    started_at: float
    done_at: float | None = None


class SingleFlightCache(Generic[V]):
    """Keyed cache where concurrent misses for one key run the loader once.

    Failures are not cached: the next request after a failure tries again.
    """

    def __init__(
        self,
        loader: Callable[[str], V],
        *,
        ttl: float,
        executor: Executor,
        clock: Callable[[], float] = time.monotonic,
        on_lookup: Callable[[str], None] | None = None,
    ) -> None:
        """``on_lookup`` hears how each ``get_future`` was served: hit, shared or fetch."""
        self._loader = loader
        self._on_lookup = on_lookup
        self._ttl = ttl
        self._executor = executor
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry[V]] = {}
        self.loads = 0

    @property
    def ttl(self) -> float:
        return self._ttl

    def get_future(
        self, key: str, *, fresh: bool = False, asked_at: float | None = None
    ) -> Future[V]:
        """The value for ``key`` as a future; never blocks.

        ``fresh`` refuses a finished value, yet still joins a load in flight: that load
        answers with data at least as new as the question. ``asked_at`` (a ``clock`` time)
        accepts any value whose load started after it, even past the ttl, so a request that
        waited in a queue still shares the fetch that a burst started.
        """
        with self._lock:
            entry = self._entries.get(key)
            result = "fetch"
            if entry is not None and self._usable(entry, fresh=fresh, asked_at=asked_at):
                result = "shared" if entry.done_at is None else "hit"
            else:
                entry = _Entry(Future(), started_at=self._clock())
                self._entries[key] = entry
                self.loads += 1
                try:
                    self._executor.submit(self._load, key, entry)
                except RuntimeError as exc:  # shutting down: fail this request, not the next
                    del self._entries[key]
                    entry.future.set_exception(exc)
        if self._on_lookup is not None:
            self._on_lookup(result)
        return entry.future

    def get(self, key: str, *, fresh: bool = False, timeout: float | None = None) -> V:
        return self.get_future(key, fresh=fresh).result(timeout=timeout)

    def _usable(self, entry: _Entry[V], *, fresh: bool, asked_at: float | None) -> bool:
        if entry.done_at is None:
            return True  # in flight: always join it
        if entry.future.exception() is not None:
            return False
        if asked_at is not None and entry.started_at >= asked_at:
            return True
        return not fresh and self._clock() - entry.done_at < self._ttl

    def _load(self, key: str, entry: _Entry[V]) -> None:
        try:
            value = self._loader(key)
        except BaseException as exc:
            with self._lock:
                entry.done_at = self._clock()
                if self._entries.get(key) is entry:
                    del self._entries[key]
            entry.future.set_exception(exc)
            return
        with self._lock:
            entry.done_at = self._clock()
        entry.future.set_result(value)
