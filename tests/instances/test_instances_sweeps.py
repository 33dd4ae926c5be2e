"""Three instances watching one channel on one database: one sweep per interval wherever
the sweep lease is, and SIGKILL of the sweeping instance moves the next sweep to another
one, with no incident posted twice."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.fake_slack import Message
from bot.simulator import SimulatorConfig
from bot.slack.action_ids import ActionId
from tests.instances.conftest import holder, query, start_deployment
from tests.reliability.rel_process import BotProcess, Deployment
from tests.support.waiting import wait_until

OPS = "C0OPS"
INTERVAL = 2.0
FIRST_SWEEP = 5
"""The built-in account's incidents: four stale backups and one disabled."""
WEB1 = 310201


def incident_posts(d: Deployment) -> list[Message]:
    return [
        m
        for m in d.slack.posts(OPS)
        if not m.thread_ts and ActionId.INCIDENT_ACKNOWLEDGE in str(m.blocks)
    ]


def sweeper(database: str) -> tuple[str, float]:
    [(owner, until)] = query(database, "SELECT owner, until FROM leases WHERE name LIKE 'sweep:%'")
    return str(owner), float(str(until))


@pytest.fixture
def three(tmp_path: Path, database: str) -> Iterator[tuple[Deployment, list[BotProcess]]]:
    for d in start_deployment(
        tmp_path,
        database,
        SimulatorConfig(wake_delay=(0.0, 0.1)),
        WATCH_CHANNEL_IDS=OPS,
        WATCH_INTERVAL=str(INTERVAL),
        WATCH_DIGEST_AT="off",
    ):
        yield d, [d.start() for _ in range(3)]


def test_sigkill_of_the_sweeping_instance_moves_the_next_sweep_elsewhere(
    three: tuple[Deployment, list[BotProcess]], database: str
) -> None:
    d, processes = three
    wait_until(lambda: len(incident_posts(d)) >= FIRST_SWEEP, what="the first sweep's posts")
    owner, until = sweeper(database)
    victim = holder(processes, owner)
    victim.signal(signal.SIGKILL)
    assert victim.wait(10) == -signal.SIGKILL
    d.simulator.set_agent_fields(WEB1, IsDisabled=True)

    wait_until(
        lambda: len(incident_posts(d)) == FIRST_SWEEP + 1,
        what="web1's new incident, found by another instance's sweep",
        timeout=6 * INTERVAL,
    )
    wait_until(lambda: sweeper(database)[1] > until + INTERVAL, what="a sweep after that")

    new_owner, _ = sweeper(database)
    assert holder(processes, new_owner) is not victim
    texts = Counter(m.text for m in incident_posts(d))
    assert set(texts.values()) == {1}, texts  # no incident twice
    assert len(texts) == FIRST_SWEEP + 1
    [(sweeps,)] = query(database, "SELECT last_sweep_at FROM watch_accounts")
    assert float(str(sweeps)) > until
