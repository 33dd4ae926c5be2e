"""A restart in the middle of a wait: every follow-up is delivered, and only once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.wakeup import Scheduler, SqliteWakeupStore, WakeupCoordinator
from tests.support.waiting import wait_until
from tests.wakeup.wakeup_helpers import FAST, FakeBackend, fleet, requester


@contextmanager
def running(
    state_path: Path, backend: FakeBackend, **overrides: Any
) -> Iterator[tuple[WakeupCoordinator, Scheduler, ThreadPoolExecutor]]:
    """A coordinator with its own store, scheduler and executor, like one bot process."""
    executor = ThreadPoolExecutor(max_workers=4)
    scheduler = Scheduler(executor)
    scheduler.start()
    coordinator = WakeupCoordinator(
        store=SqliteWakeupStore(state_path),
        scheduler=scheduler,
        executor=executor,
        wake=backend.wake,
        check=backend.check,
        deliver=backend.deliver,
        **{**FAST, **overrides},
    )
    try:
        yield coordinator, scheduler, executor
    finally:
        scheduler.stop()
        executor.shutdown(wait=True)


def kill(scheduler: Scheduler, executor: ThreadPoolExecutor) -> None:
    """Stop the threads of a "process" without any cleanup of its coordinator or store."""
    scheduler.stop()
    executor.shutdown(wait=True)


def settled(coordinator: WakeupCoordinator) -> bool:
    return coordinator.active_jobs() == 0 and coordinator.pending_deliveries() == 0


def test_a_restart_mid_wait_delivers_each_pending_follow_up_once(state_path: Path) -> None:
    before = FakeBackend(statuses=lambda account, n: fleet(online=account == "early"))
    with running(state_path, before) as (first, scheduler, executor):
        first.request("early", requester("U1"))
        first.request("late", requester("U2"))
        first.request("late", requester("U3"))
        wait_until(lambda: first.pending_deliveries() == 2, what="the early follow-up")
        before.wait(lambda: len(before.checks_of("late")) >= 2)
        kill(scheduler, executor)
    assert [r.user_id for r, _ in before.deliveries] == ["U1"]

    after = FakeBackend(statuses=lambda account, n: fleet(online=True))
    with running(state_path, after) as (second, scheduler, _):
        assert second.resume() == 1
        wait_until(lambda: settled(second), what="the resumed follow-ups")
        wait_until(lambda: scheduler.pending() == 0, what="nothing left scheduled")

    assert sorted(r.user_id for r, _ in after.deliveries) == ["U2", "U3"]
    assert after.wakes == []  # the POST was recorded before the restart
    assert all(outcome.all_awake for _, outcome in after.deliveries)


def test_a_job_whose_post_was_not_recorded_is_posted_again_with_a_fresh_start(
    state_path: Path,
) -> None:
    stored = SqliteWakeupStore(state_path)
    stored.add_request("acct", requester("U1"), started_at=1.0)  # long past the give-up time

    backend = FakeBackend(statuses=lambda account, n: fleet(online=n >= 2))
    with running(state_path, backend) as (coordinator, _, _):
        assert coordinator.resume() == 1
        wait_until(lambda: settled(coordinator), what="the follow-up")

    assert backend.wakes == ["acct"]
    [(_, outcome)] = backend.deliveries
    assert outcome.all_awake
    assert not outcome.gave_up
    assert outcome.started_at > 1.0
    assert len(backend.checks) == 2
    stored.close()


def test_a_retrying_delivery_resumes_with_its_attempts_counted(state_path: Path) -> None:
    before = FakeBackend(delivery_failures=1)
    slow_retry = {"delivery_backoff": 0.3, "delivery_backoff_max": 0.3}
    with running(state_path, before, **slow_retry) as (first, scheduler, executor):
        first.request("acct", requester("U1"))
        before.wait(lambda: len(before.delivery_attempts) == 1)
        wait_until(lambda: scheduler.pending() == 1, what="the retry to be recorded and scheduled")
        kill(scheduler, executor)

    after = FakeBackend(delivery_failures=1000)
    with running(state_path, after, delivery_attempts=3) as (second, _, _):
        assert second.resume() == 1
        wait_until(lambda: settled(second), what="the delivery to be given up")

    assert len(after.delivery_attempts) == 2  # 1 before the restart + 2 after = 3 attempts


def test_sigkill_mid_wait_then_restart_delivers_exactly_once(tmp_path: Path) -> None:
    state = tmp_path / "state" / "wakeup.sqlite3"
    events = tmp_path / "events.log"
    online = tmp_path / "online"
    online.mkdir()
    (online / "early").touch()
    child = [
        sys.executable,
        str(Path(__file__).with_name("wakeup_child.py")),
        "--state",
        str(state),
        "--events",
        str(events),
        "--online",
        str(online),
    ]

    def lines() -> list[str]:
        return events.read_text().splitlines() if events.exists() else []

    first = subprocess.Popen([*child, "first"], stderr=subprocess.PIPE, text=True)
    try:
        wait_until(
            lambda: "ready" in lines() or first.poll() is not None, timeout=20.0, what="the child"
        )
        assert "ready" in lines(), first.stderr.read() if first.stderr else ""
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        if first.stderr:
            first.stderr.close()
    assert first.returncode == -signal.SIGKILL
    (online / "late").touch()
    (online / "stuck").touch()

    second = subprocess.run(
        [*child, "resume"], capture_output=True, text=True, timeout=30, check=False
    )

    assert second.returncode == 0, second.stderr
    recorded = Counter(lines())
    assert recorded["resumed 2"] == 1  # "late" (checking) and "stuck" (POST not recorded)
    deliveries = {line: count for line, count in recorded.items() if line.startswith("deliver")}
    assert deliveries == {
        "deliver early U1 True": 1,
        "deliver late U2 True": 1,
        "deliver late U3 True": 1,
        "deliver stuck U4 True": 1,
    }
    assert recorded["wake late"] == 1
    assert recorded["wake stuck"] == 2
