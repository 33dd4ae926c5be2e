"""The bounded pool that runs the slow part of every command after its ack.

A flood of commands must neither grow memory without bound nor leave people waiting minutes
for a stale answer, so the queue has a ceiling and a full queue says "busy" at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class BusyError(Exception):
    """Too much work is queued already; the user is asked to try again shortly."""


class BoundedExecutor(Executor):
    """A thread pool whose queue has a ceiling; ``drain`` gives shutdown a deadline."""

    def __init__(self, *, workers: int, max_pending: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._workers = workers
        self._slots = threading.BoundedSemaphore(max_pending)
        self._in_flight = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if not self._slots.acquire(blocking=False):
            raise BusyError("too many requests are waiting")
        with self._lock:
            self._in_flight += 1
        try:
            future = self._pool.submit(fn, *args, **kwargs)
        except RuntimeError:
            self._release()
            raise BusyError("the bot is shutting down") from None
        future.add_done_callback(lambda _f: self._release())
        return future

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.notify_all()
        self._slots.release()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def queued(self) -> int:
        """Work waiting for a worker: what is in flight beyond the workers' number."""
        return max(0, self._in_flight - self._workers)

    def drain(self, *, timeout: float) -> bool:
        """Stop taking work and wait up to ``timeout`` for what is queued or running.

        Returns True when everything finished in time.
        """
        self._pool.shutdown(wait=False, cancel_futures=False)
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
