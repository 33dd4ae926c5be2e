"""The demo shows the life of an incident: posted at start, resolved in place and in its thread."""

from __future__ import annotations

import pytest

from bot.devtools.demo import run_demo
from bot.devtools.demo_session import SimChange, Wait, parse_line
from tests.demo.demo_helpers import FAST_WAKEUPS

WATCHING = {**FAST_WAKEUPS, "WATCH_CHANNEL_IDS": "C0OPS", "WATCH_INTERVAL": "1"}


def test_the_watch_posts_then_a_sim_backup_resolves_in_place_and_in_the_thread(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run_demo(
        script=["sim backup reporting-old", "wait 3", "sim disable web1", "wait 3"],
        as_json=False,
        timeout=30,
        wake_delay=(0.0, 0.2),
        environ=WATCHING,
    )
    out = capsys.readouterr().out

    assert code == 0, out
    before, _, after = out.partition("› sim backup reporting-old")
    assert "Stale backup: reporting-old" in before
    assert "Backups disabled: build-runner" in before
    assert "Resolved — Stale backup: reporting-old" in after
    assert "↳ a reply in the thread of message" in after
    assert "A successful backup was recorded" in after
    assert "Backups disabled: web1" in after.partition("› sim disable web1")[2]


def test_sim_and_wait_lines_are_read_and_bounded() -> None:
    assert parse_line("sim backup reporting-old") == SimChange("backup", "reporting-old")
    assert parse_line("SIM power-off web 2") == SimChange("power-off", "web 2")
    assert parse_line("sim explode web1") is None
    assert parse_line("wait 2.5") == Wait(2.5)
    assert parse_line("wait 100000") == Wait(60.0)


def test_a_sim_change_of_an_unknown_agent_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_demo(
        script=["sim backup no-such-agent"],
        as_json=False,
        timeout=10,
        wake_delay=(0.0, 0.2),
        environ=FAST_WAKEUPS,
    )

    assert code == 0
    assert "The simulator has no such agent" in capsys.readouterr().out


def test_the_demo_has_two_accounts_and_ops_may_name_either(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run_demo(
        script=["/backup agents", "/backup agents account:lab"],
        as_json=False,
        timeout=20,
        wake_delay=(0.0, 0.2),
        environ=FAST_WAKEUPS,
    )
    out = capsys.readouterr().out

    assert code == 0, out
    prod, _, lab = out.partition("› /backup agents account:lab")
    assert "Rackspace prod (account 123456, DFW)" in prod
    assert "Rackspace lab (account 654321, DFW)" in lab
