"""The watcher end to end over real HTTP: simulator, real client and fleet cache, Slack
stand-in, a state file; the clock is moved by hand so nothing waits hours."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.action_ids import ActionId
from bot.slack.blocks import check_message
from bot.slack.incident_values import decode_incident
from bot.watch import ChannelUnreachable, WatchSettings
from tests.watch.watch_stack import (
    DAY,
    DEV,
    HOUR,
    OPS,
    WatchStack,
    settle,
    stack_fixture,
    sweep,
    wire_agent,
)

WEB1, STALE1, NEVER1, OFF1, GONE1 = 1001, 1002, 1003, 1004, 1005
SETTINGS = WatchSettings(interval=3600.0, digest_at=None, remind_every=0.0, tick_every=3600.0)


def agents() -> list[dict[str, object]]:
    return [
        wire_agent(WEB1, "web1", backup_age=HOUR),
        wire_agent(STALE1, "reporting-old", backup_age=37 * DAY),
        wire_agent(NEVER1, "staging-api", backup_age=None),
        wire_agent(OFF1, "build-runner", backup_age=HOUR, disabled=True),
    ]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[WatchStack]:
    yield from stack_fixture(tmp_path, agents(), SETTINGS)


def buttons(message: object) -> list[dict[str, object]]:
    blocks = getattr(message, "blocks", [])
    return [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def test_each_condition_opens_one_message_and_unchanged_sweeps_post_nothing(
    stack: WatchStack,
) -> None:
    watcher = stack.new_watcher()
    watcher.start()
    status = watcher.subscribe(OPS, "")
    status.first_sweep.result(timeout=15)
    assert status.new
    assert not status.configured
    stale = stack.post_about("Stale backup: reporting-old")
    never = stack.post_about("Stale backup: staging-api")
    disabled = stack.post_about("Backups disabled: build-runner")
    assert "no successful backup for 37 days" in str(stale.blocks).lower()
    assert "never had a successful backup" in str(never.blocks).lower()
    assert not [m for m in stack.posts() if "web1" in m.text]
    for message in (stale, never, disabled):
        assert check_message({"text": message.text, "blocks": message.blocks}) == []
        ids = {b["action_id"] for b in buttons(message)}
        assert {ActionId.INCIDENT_ACKNOWLEDGE, ActionId.INCIDENT_SNOOZE_1H, "agent_show"} <= ids
    count = len(stack.slack.messages)
    for _ in range(3):
        stack.clock.advance(300)
        sweep(watcher)
    assert len(stack.slack.messages) == count, stack.summary()


def test_resolution_updates_the_same_ts_and_replies_once_in_its_thread(
    stack: WatchStack,
) -> None:
    watcher = stack.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    stale = stack.post_about("Stale backup: reporting-old")
    disabled = stack.post_about("Backups disabled: build-runner")
    stack.set_backup(STALE1, age=60)
    stack.set_disabled(OFF1, False)
    stack.clock.advance(600)
    sweep(watcher)
    sweep(watcher)
    for original, why in ((stale, "successful backup"), (disabled, "enabled again")):
        updates = stack.slack.updates(OPS, original.ts)
        assert len(updates) == 1, stack.summary()
        assert updates[0].text.startswith("Resolved")
        assert not buttons(updates[0])
        replies = stack.slack.replies(OPS, original.ts)
        assert len(replies) == 1
        assert why in str(replies[0].blocks)
    assert len(stack.posts()) == 4  # the greeting and three incidents: nothing new


def test_acknowledge_and_snooze_update_the_message_and_decode_from_its_buttons(
    stack: WatchStack,
) -> None:
    watcher = stack.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    stale = stack.post_about("Stale backup: reporting-old")
    ack = next(b for b in buttons(stale) if b["action_id"] == ActionId.INCIDENT_ACKNOWLEDGE)
    incident = decode_incident(ack["value"])
    assert incident is not None
    assert watcher.acknowledge(incident.incident_id, "U0ALICE") is not None
    settle(watcher)
    updates = stack.slack.updates(OPS, stale.ts)
    assert len(updates) == 1
    assert "Acknowledged by <@U0ALICE>" in str(updates[0].blocks)
    assert ActionId.INCIDENT_ACKNOWLEDGE not in {b["action_id"] for b in buttons(updates[0])}
    assert watcher.snooze(incident.incident_id, "U0BOB", 4 * HOUR) is not None
    settle(watcher)
    updates = stack.slack.updates(OPS, stale.ts)
    assert len(updates) == 2
    assert "Snoozed until" in str(updates[1].blocks)
    assert watcher.acknowledge(999_999, "U0ALICE") is None
    # The snooze ends: the line goes away, once.
    stack.clock.advance(5 * HOUR)
    sweep(watcher)
    sweep(watcher)
    assert len(stack.slack.updates(OPS, stale.ts)) == 3


def test_a_channel_the_bot_cannot_post_in_subscribes_nothing(stack: WatchStack) -> None:
    watcher = stack.new_watcher()
    watcher.start()
    stack.slack.make_private_without_bot(DEV)
    with pytest.raises(ChannelUnreachable) as caught:
        watcher.subscribe(DEV, "")
    assert caught.value.code == "not_in_channel"
    assert watcher.accounts() == []
    stack.slack.invite_bot(DEV)
    watcher.subscribe(DEV, "").first_sweep.result(timeout=15)
    assert watcher.accounts() == [""]


def test_two_channels_share_one_sweep_and_each_gets_its_own_messages(stack: WatchStack) -> None:
    watcher = stack.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    loads = stack.cache.loads
    watcher.subscribe(DEV, "").first_sweep.result(timeout=15)
    assert stack.cache.loads == loads + 1
    assert len([m for m in stack.posts(DEV) if "Stale backup" in m.text]) == 2
    stack.clock.advance(300)
    loads = stack.cache.loads
    sweep(watcher)
    assert stack.cache.loads == loads + 1
    # A list right after a sweep is served from the shared fetch.
    stack.cache.get_future("").result(timeout=15)
    assert stack.cache.loads == loads + 1
    assert watcher.unsubscribe(DEV, "") == "removed"
    assert watcher.unsubscribe(DEV, "") == "absent"


def test_configured_channels_cannot_be_unwatched(stack: WatchStack) -> None:
    watcher = stack.new_watcher(channels=((OPS, ""),))
    watcher.start()
    assert watcher.accounts() == [""]
    assert watcher.unsubscribe(OPS, "") == "configured"
    status = watcher.subscribe(OPS, "")
    assert status.configured
    assert not status.new
    status.first_sweep.result(timeout=15)


def test_one_accounts_sweeps_never_overlap(stack: WatchStack) -> None:
    watcher = stack.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    stack.sim.faults.set_latency(0.05)
    loads = stack.cache.loads
    stack.sim.reset_stats()
    futures = [watcher.sweep_now("") for _ in range(5)]
    for future in futures:
        future.result(timeout=15)
    # One running, the four asked meanwhile share the one that follows it.
    assert stack.cache.loads == loads + 2
    assert stack.sim.stats().get("list_agents") == 2


def test_sweeps_and_ticks_run_on_their_own_timers(stack: WatchStack) -> None:
    watcher = stack.new_watcher(interval=0.2, tick_every=0.1, remind_every=0.0)
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)
    loads = stack.cache.loads
    deadline = time.monotonic() + 10
    pause = threading.Event()
    while stack.cache.loads < loads + 2 and time.monotonic() < deadline:
        pause.wait(0.02)
    assert stack.cache.loads >= loads + 2
    assert len([m for m in stack.posts() if "Stale backup" in m.text]) == 2
