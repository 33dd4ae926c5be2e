"""The bot in Socket Mode answers commands and clicks as it does over HTTP."""

from __future__ import annotations

from bot.devtools.fake_slack import RESPONSE_URL, Message
from bot.devtools.socket_mode_sender import SentEnvelope
from tests.e2e.e2e_helpers import ALICE, OPS, REPORTING_OLD, button, shown
from tests.support.stacks import SocketStack


def answer_to(stack: SocketStack, sent: SentEnvelope) -> Message:
    return stack.slack.wait_for(
        lambda m: m.via == RESPONSE_URL and m.response_url == sent.response_url
    )


def test_agents_are_acked_over_the_socket_then_listed_at_the_response_url(
    stack: SocketStack,
) -> None:
    sent = stack.sender.command("agents")

    assert sent.ack["envelope_id"] == sent.envelope_id
    assert sent.payload is not None
    assert "Fetching agents and their status…" in shown(sent.payload)
    assert sent.payload["response_type"] == "ephemeral"
    listed = answer_to(stack, sent)
    assert listed.replace_original
    assert listed.user_id == ALICE
    assert "Backup agents: 8" in shown(listed)
    assert "web1" in shown(listed)


def test_share_in_channel_click_posts_the_list_for_everyone(stack: SocketStack) -> None:
    listed = answer_to(stack, stack.sender.command("agents"))

    clicked = stack.sender.click(button(listed, "agents_share"), message=listed)

    assert clicked.ack == {"envelope_id": clicked.envelope_id}  # a click's ack shows nothing
    shared = answer_to(stack, clicked)
    assert shared.response_type == "in_channel"
    assert not shared.replace_original
    assert shared.channel_id == OPS
    assert f"Shared by <@{ALICE}>" in shown(shared)


def test_wakeup_is_acked_then_followed_up_in_the_channel(stack: SocketStack) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake

    sent = stack.sender.command("wakeup")

    assert sent.payload is not None
    assert "Waking up agents for" in shown(sent.payload)
    follow_up = stack.slack.wait_for(lambda m: m.response_type == "in_channel")
    assert follow_up.response_url == sent.response_url
    assert follow_up.channel_id == OPS
    assert f"<@{ALICE}> I woke the agents of account" in shown(follow_up)
    assert stack.simulator.stats()["wakeupagents"] == 1
