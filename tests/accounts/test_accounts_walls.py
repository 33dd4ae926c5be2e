"""Several accounts in one bot, end to end: each bound to its channels, none crossing walls.

Two simulators, one per account, behind one bot with an accounts file. ``prod`` may be used
in #prod and #ops, ``lab`` in #lab and #ops; #ops has no default, #dev may use neither.
"""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from bot.devtools.fake_slack import Message
from bot.devtools.local_stack import LocalAccount
from bot.simulator import Simulator, SimulatorConfig
from bot.slack.action_ids import ActionId
from tests.e2e.e2e_helpers import ALICE, BOB, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

PROD, LAB, OPS, DEV = "C0PROD", "C0LAB", "C0OPS", "C0DEV"
WEB1 = 310201  # a built-in agent of prod
LAB_TENANT = "654321"


@pytest.fixture
def two_accounts(start_stack: StartStack) -> Bot:
    stack = start_stack(
        accounts=[
            LocalAccount("prod", SimulatorConfig(wake_delay=(0.0, 0.1)), channels=(PROD, OPS)),
            LocalAccount(
                "lab",
                SimulatorConfig(tenant_id=LAB_TENANT, agents_count=12, wake_delay=(0.0, 0.1)),
                channels=(LAB, OPS),
            ),
        ],
        env={"WAKEUP_GIVE_UP_AFTER": "2"},
    )
    return Bot(stack)


def sims(bot: Bot) -> dict[str, Simulator]:
    return bot.stack.simulators


def calls(bot: Bot) -> dict[str, dict[str, int]]:
    return {name: sim.stats() for name, sim in sims(bot).items()}


def lab_agent_id(bot: Bot) -> int:
    """A lab agent behind the default region's endpoint (generated agents are spread out)."""
    return int(str(sims(bot)["lab"].agents("DFW")[0]["MachineAgentId"]))


def test_each_channel_sees_its_own_account_named_in_every_answer(two_accounts: Bot) -> None:
    bot = two_accounts

    _, prod = bot.ask("agents", channel=PROD)
    _, lab = bot.ask("agents", channel=LAB)

    assert "*prod*" in shown(prod)
    assert "web1" in shown(prod)
    assert "*lab*" in shown(lab)
    assert LAB_TENANT in shown(lab)
    assert "web1" not in shown(lab)


def test_a_name_not_usable_here_gets_the_answer_of_a_name_that_does_not_exist(
    two_accounts: Bot,
) -> None:
    bot = two_accounts
    before = calls(bot)

    walled = bot.command("agents account:lab", channel=PROD)
    unknown = bot.command("agents account:nosuch", channel=PROD)

    assert "There is no account lab here. Accounts usable here: prod." in shown(walled.json)
    assert "There is no account nosuch here. Accounts usable here: prod." in shown(unknown.json)
    assert calls(bot) == before  # refused before any call to either account


def test_where_no_default_decides_the_answer_lists_the_accounts_usable_here(
    two_accounts: Bot,
) -> None:
    bot = two_accounts

    ambiguous = bot.command("agents", channel=OPS)
    nowhere = bot.command("agents", channel=DEV)
    _, named = bot.ask("agents account:lab", channel=OPS)

    assert "Several accounts can be used here: prod, lab" in shown(ambiguous.json)
    assert "No Rackspace account may be used in this channel" in shown(nowhere.json)
    assert "*lab*" in shown(named)


def share_in(bot: Bot, message: Message, channel: str) -> Message:
    """Someone posts a copy of a message, buttons and all, in another channel."""
    client = WebClient(
        base_url=bot.stack.slack.api_url, token=bot.stack.settings.slack_bot_token.reveal()
    )
    client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)
    return bot.stack.slack.wait_for(
        lambda m: m.via == "chat.postMessage" and m.channel_id == channel
    )


def test_buttons_from_a_list_shared_into_another_accounts_channel_are_refused(
    two_accounts: Bot,
) -> None:
    bot = two_accounts
    _, lab_view = bot.ask(f"agent {lab_agent_id(bot)}", channel=LAB)
    copied = share_in(bot, lab_view, PROD)
    before = calls(bot)

    refresh = bot.press(copied, ActionId.AGENT_REFRESH, channel=PROD)
    wake = bot.press(copied, ActionId.AGENT_WAKEUP, channel=PROD)

    for answer in (refresh, wake):
        assert "There is no account lab here" in shown(answer)
    wait_until(bot.settled, what="the refusals")
    assert calls(bot) == before


def test_a_hand_edited_button_value_naming_another_account_is_refused(two_accounts: Bot) -> None:
    bot = two_accounts
    _, view = bot.ask(f"agent {WEB1}", channel=PROD)
    button = next(
        b
        for block in view.blocks
        if block.get("type") == "actions"
        for b in block["elements"]
        if b["action_id"] == ActionId.AGENT_REFRESH
    )
    assert button["value"] == f"{WEB1}:DFW@prod"
    before = calls(bot)

    sent = bot.stack.sender.click(
        {**button, "value": f"{lab_agent_id(bot)}@lab"}, message=view, channel_id=PROD
    )

    assert "There is no account lab here" in shown(bot.answer_to(sent))
    wait_until(bot.settled, what="the refusal")
    assert calls(bot) == before


def test_a_lookup_by_id_searches_only_the_accounts_usable_in_the_channel(
    two_accounts: Bot,
) -> None:
    bot = two_accounts
    lab_id = lab_agent_id(bot)

    _, in_lab = bot.ask(f"agent {lab_id}", channel=OPS)
    _, in_prod = bot.ask(f"agent {WEB1}", channel=OPS)
    _, walled = bot.ask(f"agent {lab_id}", channel=PROD)

    assert "*lab*" in shown(in_lab)
    assert "*prod*" in shown(in_prod)
    assert "web1" in shown(in_prod)
    assert "No agent matches" in shown(walled) or "not found" in shown(walled).lower()


def test_wake_ups_of_two_accounts_at_once_post_once_each_in_their_own_channel(
    two_accounts: Bot,
) -> None:
    bot = two_accounts

    bot.command("wakeup", channel=PROD)
    bot.command("wakeup", channel=LAB, user=BOB)

    follow_ups = bot.follow_ups(2, timeout=15)
    assert {m.channel_id for m in follow_ups} == {PROD, LAB}
    by_channel = {m.channel_id: shown(m) for m in follow_ups}
    assert "*prod*" in by_channel[PROD]
    assert "*lab*" in by_channel[LAB]
    assert [c["wakeupagents"] for c in calls(bot).values()] == [1, 1]


def test_an_accounts_wake_up_list_replaces_the_global_one(start_stack: StartStack) -> None:
    bot = Bot(
        start_stack(
            accounts=[
                LocalAccount("prod", channels=(PROD,)),
                LocalAccount("lab", channels=(LAB,), wakeup_allowed_user_ids=(BOB,)),
            ],
            env={"WAKEUP_ALLOWED_USER_IDS": ALICE},
        )
    )

    bob_in_prod = bot.command("wakeup", channel=PROD, user=BOB)
    alice_in_lab = bot.command("wakeup", channel=LAB, user=ALICE)
    bob_in_lab = bot.command("wakeup", channel=LAB, user=BOB)

    assert "WAKEUP_ALLOWED_USER_IDS" in shown(bob_in_prod.json)
    assert "WAKEUP_ALLOWED_USER_IDS" in shown(alice_in_lab.json)
    assert "Waking up agents" in shown(bob_in_lab.json)
    wait_until(lambda: bot.stack.simulators["lab"].stats()["wakeupagents"] == 1, what="lab's POST")
    assert bot.stack.simulators["prod"].stats()["wakeupagents"] == 0


def test_no_secret_of_any_account_in_logs_or_messages_at_debug(
    two_accounts: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = two_accounts
    bot.ask("agents", channel=PROD)
    bot.ask("agents", channel=LAB)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    posted = "\n".join(str(m.payload) for m in bot.stack.slack.messages)
    for secret in bot.stack.settings.secrets():
        assert secret not in logged
        assert secret not in posted
