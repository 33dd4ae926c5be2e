"""Watchers of three instances on one PostgreSQL database: each periodic sweep runs once per
interval cluster-wide, each incident is posted once, and when the sweeping instance stops
the next sweep runs elsewhere."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.config import Secret, Settings
from bot.devtools.fake_slack import DEFAULT_BOT_TOKEN
from bot.devtools.postgres import TempPostgres
from bot.slack.blocks.watch_messages import BlockKitWatchMessages
from bot.slack.poster import WebClientPoster
from bot.state import Stores, open_stores
from bot.watch import Watcher, WatchSettings
from tests.state.conftest import fresh_database
from tests.support.waiting import wait_until
from tests.watch.watch_stack import DAY, OPS, WatchStack, start_stack, wire_agent

INTERVAL = 1.0
LEASE = 0.6
STALE = [wire_agent(n, f"srv-{n}", backup_age=3 * DAY) for n in (1, 2, 3)]


class Instances:
    """Watchers sharing one database, one simulator and one Slack stand-in."""

    def __init__(self, stack: WatchStack, url: str) -> None:
        self.stack = stack
        self.url = url
        self.stores: list[Stores] = []
        self.watchers: list[Watcher] = []
        self.sweeps: Counter[str] = Counter()
        self._lock = threading.Lock()

    def start(self, name: str) -> Watcher:
        stores = open_stores(Settings(state_url=Secret(self.url)))

        def fleet(key: str, fresh: bool) -> Any:
            with self._lock:
                self.sweeps[name] += 1
            return self.stack.fleet(key, True)

        watcher = Watcher(
            store=stores.watch,
            fleet=fleet,
            messages=BlockKitWatchMessages(),
            poster=WebClientPoster(
                WebClient(token=DEFAULT_BOT_TOKEN, base_url=self.stack.slack.api_url)
            ),
            settings=WatchSettings(interval=INTERVAL, channels=((OPS, ""),), tick_every=0.3),
            lease=LEASE,
        )
        watcher.start()
        self.stores.append(stores)
        self.watchers.append(watcher)
        return watcher

    def total_sweeps(self) -> int:
        with self._lock:
            return sum(self.sweeps.values())

    def close(self) -> None:
        for watcher in self.watchers:
            watcher.stop()
        for stores in self.stores:
            stores.close()


@pytest.fixture
def instances(tmp_path: Path, postgres: TempPostgres) -> Iterator[Instances]:
    stack = start_stack(tmp_path, STALE, WatchSettings())
    group = Instances(stack, fresh_database(postgres))
    try:
        yield group
    finally:
        group.close()
        stack.close()


def incident_posts(stack: WatchStack) -> Counter[str]:
    """How many top-level posts name each agent (thread replies left out)."""
    return Counter(
        name
        for m in stack.posts(OPS)
        if not m.thread_ts and "Stale backup" in m.text
        for name in ("srv-1", "srv-2", "srv-3")
        if name in m.text
    )


def test_three_instances_sweep_once_per_interval_and_post_each_incident_once(
    instances: Instances,
) -> None:
    for name in ("a", "b", "c"):
        instances.start(name)
    started = time.monotonic()
    wait_until(lambda: len(incident_posts(instances.stack)) == 3, what="three incidents posted")
    wait_until(lambda: instances.total_sweeps() >= 4, what="four sweeps", timeout=20)
    elapsed = time.monotonic() - started
    sweeps = instances.total_sweeps()

    # Unleased, each of the three would sweep every interval: three times as many.
    assert sweeps <= elapsed / INTERVAL + 2, (sweeps, elapsed)
    assert incident_posts(instances.stack) == Counter({"srv-1": 1, "srv-2": 1, "srv-3": 1})
    assert "watch message(s) may have been posted" not in "".join(
        m.text for m in instances.stack.posts(OPS)
    )


def test_when_the_sweeping_instance_stops_the_next_sweep_runs_elsewhere(
    instances: Instances,
) -> None:
    first = instances.start("a")
    wait_until(lambda: len(incident_posts(instances.stack)) == 3, what="the first sweep's posts")
    for name in ("b", "c"):
        instances.start(name)
    first.stop()  # gone mid-interval, its sweep lease still held
    before = instances.total_sweeps()
    instances.stack.sim.set_agent_fields(3, IsDisabled=True)

    wait_until(
        lambda: any("Backups disabled" in m.text for m in instances.stack.posts(OPS)),
        what="the new incident, found by a sweep of another instance",
        timeout=20,
    )
    wait_until(lambda: instances.total_sweeps() >= before + 2, what="two more sweeps", timeout=20)

    assert instances.sweeps["b"] + instances.sweeps["c"] >= 2
    disabled = [m for m in instances.stack.posts(OPS) if "Backups disabled" in m.text]
    assert len([m for m in disabled if not m.thread_ts]) == 1
    assert incident_posts(instances.stack) == Counter({"srv-1": 1, "srv-2": 1, "srv-3": 1})
