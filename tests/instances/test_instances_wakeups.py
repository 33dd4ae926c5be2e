"""Three instances on one database, wake-ups sent to them in turn: one ``wakeupagents`` POST
per overlap and every follow-up posted once, also when the instance holding the wait is
killed with SIGKILL in the middle of it."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.slack_sender import SentRequest
from bot.simulator import SimulatorConfig
from tests.instances.conftest import LEASE, holder, query, start_deployment
from tests.metrics.scrape import scrape
from tests.reliability.rel_process import BotProcess, Deployment
from tests.support.waiting import wait_until

USERS = [f"U0USER{n}" for n in range(6)]
CHANNELS = ["C0OPS", "C0DEV", "C0WEB"]


def send_round_robin(processes: list[BotProcess], count: int) -> list[SentRequest]:
    sent = []
    for n in range(count):
        process = processes[n % len(processes)]
        sent.append(
            process.sender.command(
                "wakeup", user_id=USERS[n % len(USERS)], channel_id=CHANNELS[n % len(CHANNELS)]
            )
        )
    return sent


def follow_ups(d: Deployment, sent: list[SentRequest]) -> Counter[str]:
    urls = {s.response_url for s in sent}
    return Counter(m.response_url for m in d.slack.messages if m.response_url in urls)


def all_delivered(d: Deployment, sent: list[SentRequest]) -> bool:
    return len(follow_ups(d, sent)) == len(sent)


@pytest.fixture
def three(tmp_path: Path, database: str) -> Iterator[tuple[Deployment, list[BotProcess]]]:
    for d in start_deployment(
        tmp_path,
        database,
        SimulatorConfig(wake_delay=(1.0, 1.0)),
        WAKEUP_GIVE_UP_AFTER="4",
    ):
        yield d, [d.start() for _ in range(3)]


def test_round_robin_wakeups_share_one_post_per_overlap_and_follow_up_once(
    three: tuple[Deployment, list[BotProcess]],
) -> None:
    d, processes = three
    first = send_round_robin(processes, 9)
    wait_until(lambda: all_delivered(d, first), what="nine follow-ups", timeout=30)
    wait_until(lambda: all(p.settled() for p in processes), what="settled", timeout=10)
    second = send_round_robin(processes[1:] + processes[:1], 6)
    wait_until(lambda: all_delivered(d, second), what="six more follow-ups", timeout=30)
    wait_until(lambda: all(p.settled() for p in processes), what="settled again", timeout=10)

    assert [s.status for s in first + second] == [200] * 15
    assert d.simulator.stats()["wakeupagents"] == 2  # one per overlap
    assert set(follow_ups(d, first + second).values()) == {1}


def test_sigkill_of_the_instance_holding_the_wait_loses_no_follow_up(
    three: tuple[Deployment, list[BotProcess]], database: str
) -> None:
    d, processes = three
    sent = send_round_robin(processes, 6)
    wait_until(
        lambda: bool(query(database, "SELECT 1 FROM jobs WHERE woken = 1 AND finished_at IS NULL")),
        what="the wake-up POSTed and recorded",
    )
    [(owner,)] = query(database, "SELECT owner FROM jobs WHERE finished_at IS NULL")
    victim = holder(processes, str(owner))
    victim.signal(signal.SIGKILL)
    assert victim.wait(10) == -signal.SIGKILL
    survivors = [p for p in processes if p is not victim]

    wait_until(
        lambda: all_delivered(d, sent),
        what="every follow-up, by the survivors",
        timeout=4 + 6 * LEASE,
    )
    wait_until(lambda: all(p.settled() for p in survivors), what="settled", timeout=10)

    assert d.simulator.stats()["wakeupagents"] == 1  # the POST was recorded: not sent again
    assert set(follow_ups(d, sent).values()) == {1}
    taken_over = sum(scrape(p.url).value("backup_bot_leases_taken_over_total") for p in survivors)
    assert taken_over >= 1  # the dead instance's job, taken over once its lease ran out
