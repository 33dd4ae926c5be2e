"""Nobody gets more than they should: every subcommand and every button, and shared lists."""

from __future__ import annotations

import pytest

from bot.devtools.fake_slack import Message
from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, WEB2, Bot, action_ids, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

REFUSED = ":no_entry_sign: Sorry, I can't do that."
SUBCOMMANDS = ["", "help", "bogus", "agents", f"agent {WEB2}", "wakeup", "wakeup region:ORD"]


@pytest.fixture
def guarded(start_stack: StartStack) -> Bot:
    """Commands work in OPS only, and only Alice may wake agents; 40-odd agents to page."""
    return Bot(
        start_stack(
            agents_count=60,
            env={"ALLOWED_CHANNEL_IDS": OPS, "WAKEUP_ALLOWED_USER_IDS": ALICE},
        )
    )


def nothing_asked(stack: LocalStack) -> bool:
    return all(count == 0 for count in stack.simulator.stats().values())


@pytest.mark.parametrize("text", SUBCOMMANDS, ids=lambda text: text or "(empty)")
def test_every_subcommand_outside_the_allowed_channels_is_refused(guarded: Bot, text: str) -> None:
    sent = guarded.command(text, channel=DEV)

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    assert REFUSED in shown(sent.json)
    wait_until(guarded.settled, what="nothing to be left running")
    assert nothing_asked(guarded.stack)
    assert guarded.stack.slack.messages == []


def every_button(bot: Bot) -> list[tuple[Message, str]]:
    """A message for each button the bot draws, with that button's action_id."""
    _, first = bot.ask("agents")
    second = bot.press(first, "agents_page_next")
    _, agent = bot.ask("agent agent-0001")  # several match: a choice of agents
    assert "agent_show" in action_ids(agent)
    shown_agent = bot.press(agent, "agent_show")
    found = [(first, "agents_share"), (first, "agents_page_next"), (second, "agents_page_prev")]
    found += [(agent, "agent_show"), (shown_agent, "agent_refresh")]
    return [*found, (shown_agent, "agent_wakeup")]


def test_every_button_outside_the_allowed_channels_is_refused(guarded: Bot) -> None:
    buttons = every_button(guarded)
    asked = guarded.stack.simulator.stats()

    for message, action_id in buttons:
        refusal = guarded.press(message, action_id, channel=DEV)

        assert refusal.response_type == "ephemeral", action_id
        assert not refusal.replace_original, action_id
        assert REFUSED in shown(refusal), action_id
    wait_until(guarded.settled, what="nothing to be left running")
    assert guarded.stack.simulator.stats() == asked
    assert not any(m.response_type == "in_channel" for m in guarded.stack.slack.messages)


def test_only_the_wake_up_button_is_closed_to_someone_not_allowed_to_wake(guarded: Bot) -> None:
    for message, action_id in every_button(guarded):
        reply = guarded.press(message, action_id, user=BOB)

        if action_id == "agent_wakeup":
            assert REFUSED in shown(reply)
            assert "WAKEUP_ALLOWED_USER_IDS" in shown(reply)
        else:
            assert REFUSED not in shown(reply), action_id
    wait_until(guarded.settled, what="nothing to be left running")
    assert guarded.stack.simulator.stats()["wakeupagents"] == 0


def test_paging_a_shared_list_answers_the_clicker_and_leaves_the_shared_one(
    start_stack: StartStack,
) -> None:
    bot = Bot(start_stack(agents_count=60))
    _, mine = bot.ask("agents")
    shared = bot.press(mine, "agents_share")
    assert shared.response_type == "in_channel"

    page = bot.press(shared, "agents_page_next", user=BOB)

    assert page.response_type == "ephemeral"
    assert not page.replace_original  # the shared message stays as everyone saw it
    assert "Page 2 of" in shown(page)
    assert "Shared by" not in shown(page)
    assert "agents_share" in action_ids(page)  # Bob's own copy, his to share
    since_shared = [m for m in bot.stack.slack.messages if m.received_at > shared.received_at]
    assert not any(m.replace_original for m in since_shared)
    again = bot.press(page, "agents_page_next", user=BOB)
    assert again.replace_original  # his private copy pages in place, as any private list
    assert "Page 3 of" in shown(again)
