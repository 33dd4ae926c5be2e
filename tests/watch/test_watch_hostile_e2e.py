"""Hostile agent names through the whole watcher: every message Slack accepted is valid and
nothing in it pings, links or formats by accident."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.watch import WatchSettings
from tests.slack_blocks.conftest import HOSTILE, inspect_message
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

NAMES = [name for name in HOSTILE if name.strip()][:12]
SETTINGS = WatchSettings(
    interval=3600.0,
    digest_at=9 * HOUR,
    remind_every=DAY,
    tick_every=3600.0,
    quiet_hours=(22 * HOUR, 7 * HOUR),
)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[WatchStack]:
    agents = [wire_agent(3000 + i, name, backup_age=40 * DAY) for i, name in enumerate(NAMES)] + [
        wire_agent(3100, NAMES[0], backup_age=HOUR, disabled=True)
    ]
    yield from stack_fixture(tmp_path, agents, SETTINGS)


def test_hostile_names_in_every_watch_message(hostile: WatchStack) -> None:
    stack = hostile
    noon = datetime.fromtimestamp(stack.clock(), UTC).replace(hour=12, minute=0, second=0)
    stack.clock.set(noon.timestamp())
    watcher = stack.new_watcher()
    watcher.start()
    watcher.subscribe(OPS, "").first_sweep.result(timeout=15)  # grouped stale + one disabled
    stack.clock.advance(DAY + 60)  # reminders due, report due
    settle(watcher)
    stack.clock.set(noon.timestamp() + DAY + 11 * HOUR)  # 23:00: quiet
    stack.set_backup(3000, age=60)
    stack.set_disabled(3100, False)
    sweep(watcher)
    stack.clock.advance(9 * HOUR)  # 08:00 next day: catch-up, then replies and updates
    sweep(watcher)
    stack.set_backup(3001, age=60)
    sweep(watcher)
    kinds = {m.via for m in stack.slack.messages} | {
        m.text.split(":")[0] for m in stack.slack.messages
    }
    for expected in (
        "chat.update",
        "Stale backup",
        "Backups disabled",
        "Still open",
        "Backup report",
        "While quiet hours were on",
        "Resolved",
    ):
        assert expected in kinds, stack.summary()
    for message in stack.slack.messages:
        problems = inspect_message({"text": message.text, "blocks": message.blocks})
        assert problems == [], (message.text, problems)
    private = watcher.report("")
    assert inspect_message(private) == []
