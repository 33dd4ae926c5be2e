"""One thread that hands due work to an executor, so waiting never holds a worker.

A wake-up waits about a minute between its POST and its last check; with a thread per
wait, a burst of requests would exhaust any bounded pool. Here every pending wait is an
entry in one heap and the only thread involved sleeps on a Condition until the earliest
entry is due or new work arrives.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Handle:
    """Identifies one scheduled call, for ``Scheduler.cancel``."""

    when: float
    fn: Callable[[], None] = field(repr=False)


def _run_logged(fn: Callable[[], None]) -> None:
    """Run background work; a failure is logged, because nobody waits on its future."""
    try:
        fn()
    except Exception:
        logger.exception("Background wake-up work failed")


def submit_logged(executor: Executor, fn: Callable[[], None]) -> None:
    """Hand ``fn`` to the executor; a refusal (shut down, or a bounded queue full) is logged.

    Raising instead would end the scheduler thread. Wake-up steps are stored before they
    are scheduled, so refused work is picked up again by the next start's ``resume``.
    """
    try:
        executor.submit(_run_logged, fn)
    except Exception as exc:
        logger.error(
            "Executor refused wake-up work (%s); it stays stored until the next start", exc
        )


class Scheduler:
    """Calls functions at wall-clock times, on an executor.

    ``when`` is epoch seconds (``time.time()``) so that due times read back from disk after
    a restart mean the same moment. Waiting uses the Condition's timeout, re-evaluated on
    every wake, so the thread is idle between due times.
    """

    def __init__(self, executor: Executor, *, name: str = "wakeup-scheduler") -> None:
        self._executor = executor
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Handle]] = []
        self._seq = itertools.count()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call_at(self, when: float, fn: Callable[[], None]) -> Handle:
        handle = Handle(when, fn)
        with self._cond:
            if self._stopping:
                raise RuntimeError("scheduler is stopped")
            heapq.heappush(self._heap, (when, next(self._seq), handle))
            if self._heap[0][2] is handle:  # only a new earliest call changes the wait
                self._cond.notify()
        return handle

    def call_later(self, delay: float, fn: Callable[[], None]) -> Handle:
        return self.call_at(time.time() + delay, fn)

    def cancel(self, handle: Handle) -> None:
        """Forget a call that has not been dispatched yet; a no-op afterwards."""
        with self._cond:
            for index, entry in enumerate(self._heap):
                if entry[2] is handle:
                    del self._heap[index]
                    heapq.heapify(self._heap)
                    return

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def stop(self, *, timeout: float = 5.0) -> None:
        """Stop dispatching; calls not yet due are dropped, work already handed over runs on."""
        with self._cond:
            self._stopping = True
            self._heap.clear()
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while (handle := self._next_due()) is not None:
            submit_logged(self._executor, handle.fn)

    def _next_due(self) -> Handle | None:
        """Block until the earliest call is due (returned) or the scheduler stops (None)."""
        with self._cond:
            while not self._stopping:
                if not self._heap:
                    self._cond.wait()
                    continue
                delay = self._heap[0][0] - time.time()
                if delay <= 0:
                    return heapq.heappop(self._heap)[2]
                self._cond.wait(delay)
            return None
