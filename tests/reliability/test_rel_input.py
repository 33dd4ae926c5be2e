"""Hostile text from users and the backup API: a clear answer, shown literally, never obeyed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import ALICE, BUILD_RUNNER, DB1, REPORTING_OLD, WEB2, Bot, shown
from tests.reliability.rel_checks import asks_slack_to_link, control_sequences, readable
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

PINGS = "<!here> <!channel> <!everyone> <@U0BOB> <#C0DEV> <http://evil.example|click>"

HOSTILE_COMMANDS = {
    "4,000 characters": "agents " + "x" * 3993,
    "4,000 characters, one word": "w" * 4000,
    "unicode": "agents 🚀 ünïcödé 名前 \u202eevil \u0000",
    "quotes": 'agents "web 1" \'db\' “smart” ‘single’ "unclosed',
    "mrkdwn": "agents *bold* _it_ ~s~ `code` ```block``` > quote",
    "pings, raw": f"agents {PINGS}",
    "pings, as Slack escapes them": "agents &lt;!here&gt; &lt;!channel&gt; &amp;",
    "pings as the subcommand": "<!here>",
    "pings in a lookup": f"agent {PINGS}",
    "pings in a wake-up": f"wakeup {PINGS}",
    "pings in an option": "agents dc:<!channel> status:<!here>",
}


def everything_said(bot: Bot, ack: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The ack and every message posted since, once nothing is left running."""
    wait_until(bot.settled, what="the command to finish")
    return [ack or {}, *(message.payload for message in bot.stack.slack.messages)]


@pytest.mark.parametrize("text", HOSTILE_COMMANDS.values(), ids=HOSTILE_COMMANDS.keys())
def test_hostile_command_text_gets_a_clear_private_answer_and_injects_nothing(
    bot: Bot, text: str
) -> None:
    sent = bot.command(text)

    said = everything_said(bot, sent.json)
    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    for message in said:
        assert control_sequences(message) == [], message
        assert not asks_slack_to_link(message)
        assert message.get("response_type", "ephemeral") == "ephemeral"
        assert "Traceback" not in json.dumps(message)
    assert bot.stack.simulator.stats()["wakeupagents"] == 0


def test_a_4000_character_command_says_how_long_commands_may_be(bot: Bot) -> None:
    sent = bot.command("agents " + "x" * 3993)

    assert "That command is 4000 characters long; I read commands of up to 500." in shown(sent.json)
    assert bot.stack.simulator.stats()["list_agents"] == 0


HOSTILE = "<!channel> *b* _i_ `t` & <http://x|y>"
"""Every character Slack could act on, short enough that no field truncates it."""


@pytest.fixture
def hostile_stack(start_stack: StartStack) -> LocalStack:
    stack = start_stack(env={"WAKEUP_GIVE_UP_AFTER": "0.3"})
    stack.simulator.remove_agent(REPORTING_OLD)
    stack.simulator.set_agent_fields(WEB2, MachineName=f"web {HOSTILE}", OperatingSystem=HOSTILE)
    stack.simulator.set_agent_fields(BUILD_RUNNER, MachineName=HOSTILE)  # disabled: not woken
    return stack


def assert_shown_literally(
    message: dict[str, Any], *, allowed_mentions: tuple[str, ...] = ()
) -> None:
    assert control_sequences(message, allowed_mentions=allowed_mentions) == []
    assert HOSTILE in readable(shown(message))


def test_hostile_names_and_os_names_are_shown_literally_everywhere(
    hostile_stack: LocalStack,
) -> None:
    bot = Bot(hostile_stack)

    _, listed = bot.ask("agents")
    _, view = bot.ask(f"agent {WEB2}")
    _, choices = bot.ask("agent web")  # web1, web2: a choice
    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    for message in (listed, view, choices):
        assert_shown_literally(message.payload)
    assert "Not online" in shown(follow_up)
    assert_shown_literally(follow_up.payload, allowed_mentions=(ALICE,))


def test_a_hostile_service_message_is_quoted_literally(bot: Bot) -> None:
    body = json.dumps({"message": HOSTILE})
    bot.stack.simulator.faults.fail_next(1, status=400, body=body, path_contains=f"/agent/{DB1}")

    _, reply = bot.ask(f"agent {DB1}")

    assert "answered 400" in shown(reply)
    assert_shown_literally(reply.payload)
