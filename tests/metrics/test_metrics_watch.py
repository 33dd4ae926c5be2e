"""The watch's figures over real HTTP: sweeps counted and timed, open incidents by condition."""

from __future__ import annotations

from tests.e2e.e2e_helpers import Bot
from tests.metrics.scrape import scrape
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until


def test_sweeps_and_open_incidents_by_condition(start_stack: StartStack) -> None:
    stack = start_stack(env={"WATCH_CHANNEL_IDS": "C0OPS"})
    bot = Bot(stack)
    url = stack.server.url

    wait_until(
        lambda: scrape(url).value("backup_bot_watch_open_incidents", condition="stale") == 4,
        what="the first sweep's incidents in /metrics",
    )
    found = scrape(url)
    assert found.value("backup_bot_watch_open_incidents", condition="disabled") == 1
    assert found.value("backup_bot_watch_open_incidents", condition="api_down") == 0
    assert found.value("backup_bot_watch_sweeps_total", outcome="ok") >= 1
    assert found.value("backup_bot_watch_sweep_seconds_count") >= 1

    stack.simulator.record_backup("reporting-old")
    bot.stack.bot.watcher.sweep_now("").result(timeout=10)

    assert scrape(url).value("backup_bot_watch_open_incidents", condition="stale") == 3
