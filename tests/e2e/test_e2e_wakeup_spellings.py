"""Every spelling of ``wakeup`` that the parser runs is held to the wake-up allow-list.

The access check once read its own word split of the text while dispatch used the full
parser, so a quoted, curly-quoted or invisibly prefixed ``wakeup`` woke agents for anyone.
"""

from __future__ import annotations

import pytest

from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import BOB, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

BOSS = "U0BOSS"
REFUSED = "You are not on the list of people who may wake backup agents"
SPELLINGS = [
    "wakeup",
    '"wakeup"',
    "“wakeup”",
    "„wakeup“",
    "'wakeup'",
    "‘wakeup’",
    "\u200bwakeup",
    "\u200dwakeup",
    "\u2060wakeup",
    "\ufeffwakeup",
    "\u00a0wakeup",
    "\twakeup",
    "\nwakeup",
    "wakeup\n",
    "WakeUp",
    "WAKEUP",
    "   wakeup",
    '"WAKEUP" region:dfw',
    "wake\u200bup",
    "wakeup\tregion:DFW",
]


@pytest.fixture
def only_boss_wakes(start_stack: StartStack) -> Bot:
    return Bot(start_stack(env={"WAKEUP_ALLOWED_USER_IDS": BOSS}))


def wakeup_calls(stack: LocalStack) -> int:
    return stack.simulator.stats()["wakeupagents"]


@pytest.mark.parametrize("text", SPELLINGS, ids=ascii)
def test_every_spelling_of_wakeup_is_refused_for_someone_not_on_the_list(
    only_boss_wakes: Bot, text: str
) -> None:
    bot = only_boss_wakes

    refused = bot.command(text, user=BOB)

    assert REFUSED in shown(refused.json), (text, refused.body)
    wait_until(bot.settled, what="nothing to be left running")
    assert wakeup_calls(bot.stack) == 0
    assert bot.stack.bot.wakeups.active_jobs() == 0

    allowed = bot.command(text, user=BOSS)

    assert "Waking up agents" in shown(allowed.json), (text, allowed.body)
    wait_until(lambda: wakeup_calls(bot.stack) == 1, what="the boss's wake-up POST")


def test_the_audit_line_names_the_canonical_subcommand_and_keeps_the_raw_text(
    only_boss_wakes: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = only_boss_wakes

    bot.command("“wakeup”", user=BOB)

    [line] = [vars(r) for r in caplog.records if r.name == "audit"]
    assert (line["action"], line["outcome"]) == ("wakeup", "refused")
    assert line["text"] == "“wakeup”"
