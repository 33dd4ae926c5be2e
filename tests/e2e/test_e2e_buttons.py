"""Every button the bot draws, clicked as Slack sends clicks."""

from __future__ import annotations

import json
import re

from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import (
    ALICE,
    OPS,
    ORD_DB1,
    REPORTING_OLD,
    WEB2,
    Bot,
    action_ids,
    button,
    shown,
)
from tests.support.stacks import StartStack

_PAGE = re.compile(r"Page (\d+) of (\d+)")
_ID = re.compile(r"^\*.+?\*  `(\d+)`", re.MULTILINE)


def page_of(text: str) -> tuple[int, int]:
    match = _PAGE.search(text)
    assert match is not None, text
    return int(match.group(1)), int(match.group(2))


def listed_ids(text: str) -> list[int]:
    return [int(found) for found in _ID.findall(text)]


def test_previous_and_next_page_through_the_list(start_stack: StartStack) -> None:
    bot = Bot(start_stack(agents_count=60))
    in_dfw = len(bot.stack.simulator.agents("DFW"))
    assert in_dfw > 20  # three pages at least

    _, first = bot.ask("agents")
    assert page_of(shown(first)) == (1, -(-in_dfw // 10))
    assert action_ids(first) == ["agents_page_next", "agents_share"]
    assert json.loads(button(first, "agents_page_next")["value"]) == {"q": "", "p": 1}

    second = bot.press(first, "agents_page_next")
    assert second.replace_original
    assert page_of(shown(second))[0] == 2
    assert action_ids(second) == ["agents_page_prev", "agents_page_next", "agents_share"]
    assert not set(listed_ids(shown(first))) & set(listed_ids(shown(second)))

    third = bot.press(second, "agents_page_next")
    back = bot.press(third, "agents_page_prev")
    assert page_of(shown(third))[0] == 3
    assert listed_ids(shown(back)) == listed_ids(shown(second))
    # The pages come from the one fetch: paging never calls the list again.
    assert bot.stack.simulator.stats()["list_agents"] == 1


def test_paging_keeps_the_filter(start_stack: StartStack) -> None:
    bot = Bot(start_stack(agents_count=60))

    _, first = bot.ask("agents status:offline")
    second = bot.press(first, "agents_page_next")

    assert "matching `status:offline`" in shown(second)
    assert "Online" not in "\n".join(shown(second).splitlines()[2:])
    assert page_of(shown(second))[0] == 2


def test_share_in_channel_posts_the_page_for_everyone(bot: Bot) -> None:
    _, mine = bot.ask("agents web")

    shared = bot.press(mine, "agents_share")

    assert shared.response_type == "in_channel"
    assert not shared.replace_original
    assert shared.channel_id == OPS
    assert f"Shared by <@{ALICE}>" in shown(shared)
    assert listed_ids(shown(shared)) == listed_ids(shown(mine))
    assert "agents_share" not in action_ids(shared)


def test_refresh_shows_the_agent_as_it_is_now(bot: Bot) -> None:
    _, view = bot.ask(f"agent {WEB2}")
    assert "Offline" in shown(view)
    before = bot.stack.simulator.stats()["agent_details"]
    bot.stack.simulator.set_agent_fields(WEB2, Status="Online", BackupVaultSize="40 MB")

    refreshed = bot.press(view, "agent_refresh")

    assert refreshed.replace_original
    assert ":large_green_circle: Online" in shown(refreshed)
    assert "40 MB" in shown(refreshed)
    assert bot.stack.simulator.stats()["agent_details"] == before + 1


def test_wake_up_from_the_agent_view(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)
    _, view = bot.ask(f"agent {WEB2}")

    ack = bot.press(view, "agent_wakeup")

    assert ack.response_type == "ephemeral"
    assert not ack.replace_original
    assert "Waking up agents for account 123456 (DFW)" in shown(ack)
    [follow_up] = bot.follow_ups(1)
    assert f"<@{ALICE}>" in follow_up.text
    assert stack.simulator.stats()["wakeupagents"] == 1


def test_show_picks_one_of_several_matches(bot: Bot) -> None:
    _, choices = bot.ask("agent web")

    view = bot.press(choices, "agent_show", index=1)

    assert view.replace_original
    assert view.blocks[0]["text"]["text"] == "web2"
    assert f"`{WEB2}`" in shown(view)


def test_show_asks_the_region_the_choice_came_from(bot: Bot) -> None:
    _, choices = bot.ask("agent ord region:ORD")
    assert "2 agents match `ord`" in shown(choices)

    view = bot.press(choices, "agent_show", index=0)

    assert view.blocks[0]["text"]["text"] == "ord-db1"
    assert f"`{ORD_DB1}`" in shown(view)
