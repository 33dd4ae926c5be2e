"""PostgreSQL stopped under load, then started again: two instances keep answering what
needs no state, refuse a wake-up clearly meanwhile, report it on /healthz, and carry on
without a restart once the server is back (a wake-up caught in the outage included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.postgres import TempPostgres
from bot.simulator import SimulatorConfig
from tests.instances.conftest import start_deployment
from tests.reliability.rel_process import BotProcess, Deployment
from tests.support.waiting import wait_until


@pytest.fixture
def two(tmp_path: Path, database: str) -> Iterator[tuple[Deployment, list[BotProcess]]]:
    for d in start_deployment(
        tmp_path, database, SimulatorConfig(wake_delay=(2.0, 2.0)), WAKEUP_GIVE_UP_AFTER="5"
    ):
        yield d, [d.start() for _ in range(2)]


def answered(d: Deployment, response_url: str | None) -> bool:
    return any(m.response_url == response_url for m in d.slack.messages)


def test_the_store_stopped_and_started_again_under_load(
    two: tuple[Deployment, list[BotProcess]], pg: TempPostgres
) -> None:
    d, (a, b) = two
    caught = a.sender.command("wakeup", user_id="U0EARLY")  # its wait spans the outage
    assert caught.status == 200
    pg.stop()
    try:
        listed = [
            p.sender.command("agents", user_id=f"U0LIST{n}") for n, p in enumerate([a, b] * 5)
        ]
        refused = b.sender.command("wakeup", user_id="U0LATE")
        health = a.health()
        wait_until(
            lambda: all(answered(d, s.response_url) for s in listed), what="every agents list"
        )
    finally:
        pg.start()

    assert [s.status for s in listed] == [200] * 10
    assert refused.status == 200
    assert "state store is unreachable" in refused.body
    assert health["status"] == "ok"
    assert health["state"] == "unreachable"
    assert "password" not in str(health)
    assert not answered(d, refused.response_url)  # nothing pending, nobody told later

    wait_until(
        lambda: all(p.health()["state"] == "ok" for p in (a, b)), what="the store back", timeout=30
    )
    again = b.sender.command("wakeup", user_id="U0AGAIN")
    assert "state store" not in again.body
    wait_until(
        lambda: answered(d, again.response_url), what="the new wake-up's follow-up", timeout=20
    )
    wait_until(
        lambda: answered(d, caught.response_url), what="the caught wake-up's follow-up", timeout=20
    )
    wait_until(lambda: a.settled() and b.settled(), what="settled", timeout=20)
    followed = [m for m in d.slack.messages if m.response_url == caught.response_url]
    assert len(followed) == 1
