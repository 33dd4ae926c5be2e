"""SIGKILL mid-incident: the next process resolves by updating the original message."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.processes import child_environment
from bot.watch import WatchSettings
from tests.watch.watch_stack import DAY, HOUR, OPS, WatchStack, stack_fixture, sweep, wire_agent

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = WatchSettings(interval=3600.0, digest_at=None, remind_every=0.0, tick_every=3600.0)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[WatchStack]:
    agents = [
        wire_agent(1001, "web1", backup_age=HOUR),
        wire_agent(1002, "reporting-old", backup_age=37 * DAY),
    ]
    yield from stack_fixture(tmp_path, agents, SETTINGS)


def test_sigkill_then_restart_posts_nothing_twice(stack: WatchStack) -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("watch_child.py")),
            "--state",
            str(stack.state_path),
            "--slack",
            stack.slack.api_url,
            "--identity",
            stack.sim.identity_url,
            "--now",
            str(stack.clock()),
            "--channel",
            OPS,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment({"PYTHONPATH": str(ROOT)}),
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "ready", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    stale = stack.post_about("Stale backup: reporting-old")
    posted = len(stack.posts())
    watcher = stack.new_watcher()
    watcher.start()
    stack.clock.advance(300)
    sweep(watcher)
    assert len(stack.posts()) == posted, stack.summary()
    stack.set_backup(1002, age=60)
    sweep(watcher)
    assert stack.slack.updates(OPS, stale.ts)[-1].text.startswith("Resolved")
    assert len(stack.slack.replies(OPS, stale.ts)) == 1
    assert len(stack.posts()) == posted
