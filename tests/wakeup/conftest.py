"""Fixtures for the wake-up tests: a real executor, scheduler thread and SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.wakeup import Scheduler, SqliteWakeupStore, WakeupCoordinator
from tests.wakeup.wakeup_helpers import FAST, FakeBackend, MakeCoordinator


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="wakeup-test")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def scheduler(executor: ThreadPoolExecutor) -> Iterator[Scheduler]:
    sched = Scheduler(executor)
    sched.start()
    yield sched
    sched.stop()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "wakeup.sqlite3"


@pytest.fixture
def store(state_path: Path) -> Iterator[SqliteWakeupStore]:
    opened = SqliteWakeupStore(state_path)
    yield opened
    opened.close()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def make_coordinator(
    store: SqliteWakeupStore,
    scheduler: Scheduler,
    executor: ThreadPoolExecutor,
    backend: FakeBackend,
) -> Iterator[MakeCoordinator]:
    """Build a coordinator on the shared fixtures; keyword arguments override ``FAST``."""
    built: list[WakeupCoordinator] = []

    def make(**overrides: Any) -> WakeupCoordinator:
        coordinator = WakeupCoordinator(
            store=store,
            scheduler=scheduler,
            executor=executor,
            wake=backend.wake,
            check=backend.check,
            deliver=backend.deliver,
            **{**FAST, **overrides},
        )
        built.append(coordinator)
        return coordinator

    yield make
    for coordinator in built:
        coordinator.shutdown()
