from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest

from bot.wakeup import Scheduler
from tests.support.waiting import wait_until

T = TypeVar("T")


class Calls:
    """Records which scheduled function ran, when, and on which thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[tuple[str, float, str]] = []

    def fn(self, label: str) -> Callable[[], None]:
        def record() -> None:
            with self.lock:
                self.runs.append((label, time.time(), threading.current_thread().name))

        return record

    @property
    def labels(self) -> list[str]:
        with self.lock:
            return [label for label, _, _ in self.runs]


def test_calls_run_in_due_order_and_never_early(scheduler: Scheduler) -> None:
    calls = Calls()
    now = time.time()
    due = {"third": now + 0.09, "first": now + 0.03, "second": now + 0.06}
    for label, when in due.items():
        scheduler.call_at(when, calls.fn(label))

    wait_until(lambda: len(calls.labels) == 3, what="three calls")

    assert calls.labels == ["first", "second", "third"]
    for label, ran_at, thread_name in calls.runs:
        assert ran_at >= due[label]
        assert thread_name.startswith("wakeup-test"), "work must run on the executor"
    assert scheduler.pending() == 0


def test_cancel_forgets_a_call_and_is_a_no_op_afterwards(scheduler: Scheduler) -> None:
    calls = Calls()
    keep = scheduler.call_later(0.05, calls.fn("keep"))
    drop = scheduler.call_later(0.02, calls.fn("drop"))
    assert scheduler.pending() == 2

    scheduler.cancel(drop)
    assert scheduler.pending() == 1
    wait_until(lambda: calls.labels == ["keep"], what="the kept call")

    scheduler.cancel(keep)
    scheduler.cancel(drop)
    assert scheduler.pending() == 0
    assert calls.labels == ["keep"]


def test_a_failing_call_is_logged_and_does_not_stop_the_thread(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Calls()

    def explode() -> None:
        raise ValueError("broken step")

    scheduler.call_later(0.0, explode)
    scheduler.call_later(0.02, calls.fn("after"))

    wait_until(lambda: calls.labels == ["after"], what="the call after the failure")
    failures = [r for r in caplog.records if r.exc_info and "broken step" in str(r.exc_info[1])]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR


class RefusingOnce(Executor):
    """An executor that turns down its first task, as a bounded queue does when it is full."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.refused = 0

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self.refused == 0:
            self.refused += 1
            raise LookupError("queue is full")
        return self.inner.submit(fn, *args, **kwargs)


def test_a_refusing_executor_is_logged_and_does_not_stop_the_thread(
    executor: ThreadPoolExecutor, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Calls()
    sched = Scheduler(RefusingOnce(executor), name="refused")
    sched.start()
    try:
        sched.call_later(0.0, calls.fn("refused"))
        sched.call_later(0.02, calls.fn("accepted"))
        wait_until(lambda: calls.labels == ["accepted"], what="the call after the refusal")
    finally:
        sched.stop()
    assert any("queue is full" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


def test_earlier_work_wakes_a_scheduler_waiting_for_later_work(scheduler: Scheduler) -> None:
    calls = Calls()
    scheduler.call_later(60.0, calls.fn("much later"))
    started = time.monotonic()
    scheduler.call_later(0.01, calls.fn("soon"))

    wait_until(lambda: calls.labels == ["soon"], what="the earlier call")

    assert time.monotonic() - started < 1.0
    assert scheduler.pending() == 1


def test_a_slow_call_does_not_delay_the_next_one(scheduler: Scheduler) -> None:
    calls = Calls()
    release = threading.Event()

    def hold_a_worker() -> None:
        release.wait(5)

    scheduler.call_later(0.0, hold_a_worker)
    scheduler.call_later(0.02, calls.fn("next"))

    wait_until(lambda: calls.labels == ["next"], what="the call behind a slow one")
    release.set()


def test_an_idle_scheduler_blocks_instead_of_spinning(scheduler: Scheduler) -> None:
    """Many pending waits cost no thread and no CPU: one thread sleeps on the Condition."""
    thread = next(t for t in threading.enumerate() if t.name == "wakeup-scheduler")
    assert thread.ident is not None
    threads_before = threading.active_count()
    for _ in range(50):
        scheduler.call_later(60.0, lambda: None)
    window_over = threading.Event()
    cpu_clock = time.pthread_getcpuclockid(thread.ident)
    wait_until(
        lambda: {"wait", "_next_due"} <= stack_of(thread), timeout=1.0, what="the thread to block"
    )
    cpu_before = time.clock_gettime(cpu_clock)
    switches_before = context_switches(thread)

    scheduler.call_later(0.2, window_over.set)
    assert window_over.wait(5)

    # Polling every millisecond would mean ~200 switches here; a blocked thread has a few,
    # plus some for the GIL when other threads are busy.
    assert context_switches(thread) - switches_before < 60
    assert time.clock_gettime(cpu_clock) - cpu_before < 0.05
    assert threading.active_count() <= threads_before + 1  # at most the executor's worker
    assert scheduler.pending() == 50


def context_switches(thread: threading.Thread) -> int:
    status = Path(f"/proc/self/task/{thread.native_id}/status")
    if not status.exists():
        pytest.skip("needs Linux /proc to count a thread's context switches")
    return sum(
        int(line.split()[1])
        for line in status.read_text().splitlines()
        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))
    )


def stack_of(thread: threading.Thread) -> set[str]:
    """Names of the functions on a thread's stack right now."""
    assert thread.ident is not None
    frame: FrameType | None = sys._current_frames().get(thread.ident)
    names: set[str] = set()
    while frame is not None:
        names.add(frame.f_code.co_name)
        frame = frame.f_back
    return names


def test_calls_made_before_start_run_after_it(executor: ThreadPoolExecutor) -> None:
    calls = Calls()
    sched = Scheduler(executor, name="late-start")
    sched.call_later(0.0, calls.fn("early"))
    assert sched.pending() == 1
    sched.start()
    try:
        wait_until(lambda: calls.labels == ["early"], what="the call made before start")
    finally:
        sched.stop()


def test_stop_ends_the_thread_drops_pending_calls_and_refuses_new_ones(
    executor: ThreadPoolExecutor,
) -> None:
    calls = Calls()
    sched = Scheduler(executor, name="to-stop")
    sched.start()
    sched.call_later(60.0, calls.fn("never"))

    sched.stop(timeout=2.0)

    assert not any(t.name == "to-stop" for t in threading.enumerate())
    assert sched.pending() == 0
    with pytest.raises(RuntimeError, match="stopped"):
        sched.call_later(0.0, calls.fn("refused"))
    assert calls.labels == []
