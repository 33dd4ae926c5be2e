"""Who may do what, where, and proof that a request really comes from Slack."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
import requests
from slack_sdk import WebClient

from bot.devtools.local_stack import LocalStack
from bot.devtools.slack_sender import FORM_CONTENT_TYPE
from bot.http_server import EVENTS_PATH
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, WEB2, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

REFUSED = ":no_entry_sign: Sorry, I can't do that."


def nothing_asked(stack: LocalStack) -> bool:
    return all(count == 0 for count in stack.simulator.stats().values())


# -- channels --------------------------------------------------------------------------


def test_a_command_outside_the_allowed_channels_is_refused(start_stack: StartStack) -> None:
    bot = Bot(start_stack(env={"ALLOWED_CHANNEL_IDS": f"{OPS}, C0OTHER"}))

    sent = bot.command("agents", channel=DEV)

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    assert REFUSED in shown(sent.json)
    assert "ALLOWED_CHANNEL_IDS" in shown(sent.json)
    assert nothing_asked(bot.stack)
    assert bot.stack.slack.messages == []
    _, reply = bot.ask("agents", channel=OPS)
    assert "Backup agents" in reply.text


def test_a_button_outside_the_allowed_channels_is_refused(start_stack: StartStack) -> None:
    bot = Bot(start_stack(env={"ALLOWED_CHANNEL_IDS": OPS}))
    _, view = bot.ask(f"agent {WEB2}")
    asked = bot.stack.simulator.stats()

    refusal = bot.press(view, "agent_refresh", channel=DEV)

    assert refusal.response_type == "ephemeral"
    assert not refusal.replace_original
    assert REFUSED in shown(refusal)
    assert bot.stack.simulator.stats() == asked


# -- wake-ups --------------------------------------------------------------------------


@pytest.fixture
def only_alice_wakes(start_stack: StartStack) -> Bot:
    return Bot(start_stack(env={"WAKEUP_ALLOWED_USER_IDS": ALICE}))


def test_a_wakeup_by_someone_not_allowed_is_refused(only_alice_wakes: Bot) -> None:
    bot = only_alice_wakes

    sent = bot.command("wakeup", user=BOB)

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    assert REFUSED in shown(sent.json)
    assert "WAKEUP_ALLOWED_USER_IDS" in shown(sent.json)
    assert nothing_asked(bot.stack)
    assert bot.stack.bot.wakeups.active_jobs() == 0
    _, reply = bot.ask("agents", user=BOB)  # everything else stays open to everyone
    assert "Backup agents" in reply.text


def test_a_wake_up_button_pressed_by_someone_not_allowed_is_refused(
    only_alice_wakes: Bot,
) -> None:
    bot = only_alice_wakes
    _, view = bot.ask(f"agent {WEB2}")
    # Alice posts the agent in the channel, where Bob sees its buttons.
    client = WebClient(
        base_url=bot.stack.slack.api_url, token=bot.stack.settings.slack_bot_token.reveal()
    )
    client.chat_postMessage(channel=OPS, text=view.text, blocks=view.blocks)
    shared = bot.stack.slack.wait_for(lambda m: m.via == "chat.postMessage")

    refusal = bot.press(shared, "agent_wakeup", user=BOB)

    assert refusal.response_type == "ephemeral"
    assert not refusal.replace_original
    assert REFUSED in shown(refusal)
    wait_until(bot.settled, what="the refusal to finish")
    assert bot.stack.simulator.stats()["wakeupagents"] == 0


# -- signatures ------------------------------------------------------------------------


def wakeup_form(stack: LocalStack) -> bytes:
    fields = {
        "command": "/backup",
        "text": "wakeup",
        "user_id": ALICE,
        "channel_id": OPS,
        "team_id": "T0001",
        "response_url": stack.slack.new_response_url(channel_id=OPS, user_id=ALICE),
    }
    return urlencode(fields).encode()


def assert_nothing_ran(stack: LocalStack) -> None:
    assert nothing_asked(stack)
    assert stack.slack.messages == []
    assert stack.bot.wakeups.active_jobs() == 0


def test_an_unsigned_request_is_refused(stack: LocalStack) -> None:
    response = requests.post(
        stack.server.url + EVENTS_PATH,
        data=wakeup_form(stack),
        headers={"Content-Type": FORM_CONTENT_TYPE},
        timeout=5,
    )

    assert response.status_code == 401
    assert_nothing_ran(stack)


def test_a_bad_signature_is_refused(stack: LocalStack) -> None:
    sent = stack.sender.send_raw(
        wakeup_form(stack), content_type=FORM_CONTENT_TYPE, signature="v0=" + "0" * 64
    )

    assert sent.status == 401
    assert_nothing_ran(stack)


def test_a_stale_timestamp_is_refused_even_when_signed(stack: LocalStack) -> None:
    sent = stack.sender.send_raw(
        wakeup_form(stack),
        content_type=FORM_CONTENT_TYPE,
        timestamp=int(time.time()) - 5 * 60 - 30,
    )

    assert sent.status == 401
    assert_nothing_ran(stack)


def test_a_correctly_signed_request_goes_through(stack: LocalStack) -> None:
    sent = stack.sender.send_raw(wakeup_form(stack), content_type=FORM_CONTENT_TYPE)

    assert sent.status == 200
    assert "Waking up agents" in shown(sent.json)
