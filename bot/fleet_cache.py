"""A short-lived, shared view of each region's agents.

Operators often type ``/backup agents`` twice, page through a list, or several of them look at
once during an incident. A full fetch costs one list call plus one details call per agent, so
concurrent requests for the same region share one fetch (single flight), and a finished fetch
is served again for ``ttl`` seconds. The age is shown to the user, so the cache never hides
how fresh an answer is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass
class _Entry(Generic[V]):
    future: Future[V]
    done_at: float | None = None


class SingleFlightCache(Generic[V]):
    """Keyed cache where concurrent misses for one key run the loader once.

    The loader runs in the first caller's thread; others wait on its future. Failures are not
    cached: the next call after a failure tries again.
    """

    def __init__(
        self, loader: Callable[[str], V], *, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._loader = loader
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry[V]] = {}
        self.loads = 0

    @property
    def ttl(self) -> float:
        return self._ttl

    def get(self, key: str, *, fresh: bool = False, timeout: float | None = None) -> V:
        """The cached value, or a new one; ``fresh`` skips a finished entry (not one in flight)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and not self._usable(entry, fresh=fresh):
                entry = None
            owner = entry is None
            if entry is None:
                entry = _Entry(Future())
                self._entries[key] = entry
                self.loads += 1
        if owner:
            self._load(key, entry)
        return entry.future.result(timeout=timeout)

    def invalidate(self, key: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.done_at is not None:
                del self._entries[key]

    def _usable(self, entry: _Entry[V], *, fresh: bool) -> bool:
        if entry.done_at is None:
            return True  # in flight: always join it
        if fresh or entry.future.exception() is not None:
            return False
        return self._clock() - entry.done_at < self._ttl

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
