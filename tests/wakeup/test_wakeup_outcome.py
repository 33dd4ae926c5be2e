from __future__ import annotations

from bot.backup_api.models import Agent, AgentStatus
from bot.wakeup import WakeupOutcome, all_enabled_online, still_offline

ONLINE = Agent(id=1, status=AgentStatus.ONLINE, is_disabled=False)
OFFLINE = Agent(id=2, status=AgentStatus.OFFLINE, is_disabled=False)
DISABLED = Agent(id=3, status=AgentStatus.OFFLINE, is_disabled=True)
UNSURE = Agent(id=4, status=AgentStatus.UNKNOWN, is_disabled=None)


def test_disabled_agents_never_block_but_unknown_ones_do() -> None:
    assert all_enabled_online([ONLINE, DISABLED])
    assert not all_enabled_online([ONLINE, OFFLINE, DISABLED])
    assert still_offline([ONLINE, OFFLINE, DISABLED, UNSURE]) == (OFFLINE, UNSURE)
    assert all_enabled_online([])


def test_outcome_splits_its_agents_for_the_message() -> None:
    outcome = WakeupOutcome("acct", (ONLINE, OFFLINE, DISABLED), 100.0, 112.5, gave_up=True)

    assert outcome.online == (ONLINE,)
    assert outcome.still_offline == (OFFLINE,)
    assert outcome.disabled == (DISABLED,)
    assert not outcome.all_awake
    assert outcome.elapsed == 12.5


def test_an_error_is_never_awake() -> None:
    assert WakeupOutcome("acct", (ONLINE,), 1.0, 2.0, gave_up=False).all_awake
    assert not WakeupOutcome("acct", (), 1.0, 2.0, gave_up=False, error="503").all_awake
