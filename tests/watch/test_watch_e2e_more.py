"""Grouping, reminders, quiet hours, the daily report, API down, did-not-wake, agents that
come and go, and a restart mid-incident, end to end over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backup_api.models import Agent, AgentStatus
from bot.slack.blocks import check_message
from bot.watch import WatchSettings
from tests.watch.watch_stack import (
    DAY,
    HOUR,
    OPS,
    WatchStack,
    settle,
    stack_fixture,
    sweep,
    wire_agent,
)

SETTINGS = WatchSettings(interval=3600.0, digest_at=None, remind_every=0.0, tick_every=3600.0)
MANY = list(range(2001, 2009))  # eight stale agents at once


def fleet_of_many() -> list[dict[str, object]]:
    return [
        wire_agent(1001, "web1", backup_age=HOUR),
        *(wire_agent(i, f"old-{i}", backup_age=40 * DAY) for i in MANY),
    ]


@pytest.fixture
def many(tmp_path: Path) -> Iterator[WatchStack]:
    yield from stack_fixture(tmp_path, fleet_of_many(), SETTINGS)


@pytest.fixture
def small(tmp_path: Path) -> Iterator[WatchStack]:
    agents = [
        wire_agent(1001, "web1", backup_age=HOUR),
        wire_agent(1002, "reporting-old", backup_age=37 * DAY),
        wire_agent(1004, "build-runner", backup_age=HOUR, disabled=True),
        wire_agent(1006, "db1", backup_age=HOUR, datacenter="ORD"),
    ]
    yield from stack_fixture(tmp_path, agents, SETTINGS)


def at_utc(stack: WatchStack, hour: int, minute: int = 0) -> None:
    """Move the test clock to today's (or the next day's) hour:minute UTC, forward only."""
    now = datetime.fromtimestamp(stack.clock(), UTC)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()
    while target <= stack.clock():
        target += DAY
    stack.clock.set(target)


def test_more_than_five_new_incidents_of_one_condition_are_one_message(many: WatchStack) -> None:
    watcher = many.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    grouped = many.post_about("Stale backup: 8 agents")
    assert [m for m in many.posts() if m.text.startswith("Stale backup")] == [grouped]
    for agent_id in MANY:
        assert f"`{agent_id}`" in json.dumps(grouped.blocks)
    many.set_backup(MANY[0], age=60)
    many.clock.advance(300)
    sweep(watcher)
    updates = many.slack.updates(OPS, grouped.ts)
    assert len(updates) == 1
    assert "7 still open" in updates[0].text
    replies = many.slack.replies(OPS, grouped.ts)
    assert len(replies) == 1
    assert f"old-{MANY[0]}" in json.dumps(replies[0].blocks)
    sweep(watcher)
    assert len(many.slack.updates(OPS, grouped.ts)) == 1


def test_reminders_in_the_thread_until_acknowledged(small: WatchStack) -> None:
    watcher = small.new_watcher(remind_every=DAY)
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    stale = small.post_about("Stale backup: reporting-old")
    small.clock.advance(DAY - 60)
    settle(watcher)
    assert small.slack.replies(OPS, stale.ts) == []
    small.clock.advance(120)
    settle(watcher)
    settle(watcher)
    reminders = small.slack.replies(OPS, stale.ts)
    assert len(reminders) == 1
    assert reminders[0].text.startswith("Still open")
    incidents = [i for i in watcher._store.incidents("", open_only=True) if i.agent_id == 1002]
    watcher.acknowledge(incidents[0].incident_id, "U0ALICE")
    small.clock.advance(2 * DAY)
    settle(watcher)
    assert len(small.slack.replies(OPS, stale.ts)) == 1


def test_quiet_hours_post_nothing_then_one_catch_up(small: WatchStack) -> None:
    watcher = small.new_watcher(quiet_hours=(22 * HOUR, 7 * HOUR), timezone="UTC")
    at_utc(small, 12)
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    stale = small.post_about("Stale backup: reporting-old")
    before = len(small.slack.messages)
    at_utc(small, 23)
    small.set_backup(1002, age=60)  # resolves during the night
    small.set_disabled(1001, True)  # opens during the night
    sweep(watcher)
    settle(watcher)
    small.clock.advance(HOUR)
    sweep(watcher)
    assert len(small.slack.messages) == before, small.summary()
    at_utc(small, 7, 1)
    sweep(watcher)
    sweep(watcher)
    after = small.slack.messages[before:]
    catch_ups = [m for m in after if m.text.startswith("While quiet hours were on")]
    assert len(catch_ups) == 1, small.summary()
    body = json.dumps(catch_ups[0].blocks)
    assert "web1" in body
    assert "reporting-old" in body
    # The message held back is brought up to date and its thread says what resolved it.
    assert len(small.slack.updates(OPS, stale.ts)) == 1
    assert len(small.slack.replies(OPS, stale.ts)) == 1
    assert not [m for m in small.posts() if m.text.startswith("Backups disabled: web1")]
    # The incident opened in the night resolves in the catch-up's thread.
    small.set_disabled(1001, False)
    sweep(watcher)
    assert len(small.slack.replies(OPS, catch_ups[0].ts)) == 1


def test_daily_report_at_the_configured_time_once(small: WatchStack) -> None:
    watcher = small.new_watcher(digest_at=9 * HOUR, timezone="UTC")
    at_utc(small, 8)
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    settle(watcher)
    assert not [m for m in small.posts() if m.text.startswith("Backup report")]
    small.set_backup(1002, age=60)
    sweep(watcher)
    at_utc(small, 9, 0)
    settle(watcher)
    settle(watcher)
    reports = [m for m in small.posts() if m.text.startswith("Backup report")]
    assert len(reports) == 1, small.summary()
    body = json.dumps(reports[0].blocks)
    assert "3 agents" in body  # db1 is in ORD
    assert "1 disabled" in body
    assert "reporting-old" in body  # resolved since the last report
    assert check_message({"text": reports[0].text, "blocks": reports[0].blocks}) == []
    small.set_disabled(1004, False)
    sweep(watcher)
    at_utc(small, 9, 0)
    settle(watcher)
    reports = [m for m in small.posts() if m.text.startswith("Backup report")]
    assert len(reports) == 2
    assert reports[1].text == "Backup report: all clear"
    private = watcher.report("")
    assert private["response_type"] == "ephemeral"
    assert "watch_report_share" in json.dumps(private["blocks"])


def test_api_down_after_three_failed_sweeps_then_resolved(small: WatchStack) -> None:
    watcher = small.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    before = len(small.posts())
    small.sim.faults.fail_next(100, status=503)
    for _ in range(2):
        small.clock.advance(300)
        sweep(watcher)
    assert len(small.posts()) == before
    small.clock.advance(300)
    sweep(watcher)
    down = small.post_about("Cloud Backup API unreachable")
    assert "503" in json.dumps(down.blocks) or "unavailable" in json.dumps(down.blocks).lower()
    # Nothing opened or resolved by failed sweeps: the stale incident is still open.
    assert not small.slack.updates(OPS, small.post_about("Stale backup").ts)
    small.sim.faults.reset()
    small.clock.advance(300)
    sweep(watcher)
    assert small.slack.updates(OPS, down.ts)[-1].text.startswith("Resolved")
    assert len(small.slack.replies(OPS, down.ts)) == 1


def test_did_not_wake_opens_and_resolves_when_online(small: WatchStack) -> None:
    watcher = small.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    offline = Agent(id=1001, name="web1", status=AgentStatus.OFFLINE, is_disabled=False)
    disabled = Agent(id=1004, name="build-runner", status=AgentStatus.OFFLINE, is_disabled=True)
    watcher.wake_gave_up("", [offline, disabled]).result(timeout=15)
    message = small.post_about("Did not wake: web1")
    assert not [m for m in small.posts() if m.text.startswith("Did not wake: build-runner")]
    watcher.wake_gave_up("", [offline]).result(timeout=15)
    assert len([m for m in small.posts() if m.text.startswith("Did not wake")]) == 1
    small.set_online(1001, True)
    small.clock.advance(300)
    sweep(watcher)
    assert small.slack.updates(OPS, message.ts)[-1].text.startswith("Resolved")
    assert "came online" in json.dumps(small.slack.replies(OPS, message.ts)[0].blocks)
    assert watcher.wake_gave_up("ORD", [offline]).result(timeout=15) is None  # not watched


def test_agents_that_come_and_go_are_announced_once(small: WatchStack) -> None:
    watcher = small.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    small.sim.set_agent_fields(1006, Datacenter="DFW")  # moves in
    small.sim.remove_agent(1004)  # goes away: its incident resolves
    small.clock.advance(300)
    sweep(watcher)
    sweep(watcher)
    changes = [m for m in small.posts() if m.text.startswith("Agents changed")]
    assert len(changes) == 1
    body = json.dumps(changes[0].blocks)
    assert "db1" in body
    assert "build-runner" in body
    disabled = small.post_about("Backups disabled: build-runner")
    assert small.slack.updates(OPS, disabled.ts)[-1].text.startswith("Resolved")


def test_restart_mid_incident_resolves_the_original_message(small: WatchStack) -> None:
    first = small.new_watcher()
    first.start()
    first.subscribe(OPS, "").first_sweep.result(timeout=15)
    stale = small.post_about("Stale backup: reporting-old")
    first.stop()  # or killed: the state file is all the next one has
    count = len(small.posts())
    second = small.new_watcher()
    second.start()
    small.clock.advance(300)
    sweep(second)
    assert len(small.posts()) == count  # nothing posted twice
    small.set_backup(1002, age=60)
    sweep(second)
    assert small.slack.updates(OPS, stale.ts)[-1].text.startswith("Resolved")
    assert len(small.slack.replies(OPS, stale.ts)) == 1
    assert len(small.posts()) == count
