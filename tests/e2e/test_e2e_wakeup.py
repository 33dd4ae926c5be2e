"""The wake-up follow-up: in the channel, once per requester, whatever happens meanwhile."""

from __future__ import annotations

import pytest

from bot.devtools.fake_slack import RESPONSE_URL
from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, REPORTING_OLD, WEB2, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until


def in_channel_count(stack: LocalStack) -> int:
    return sum(m.response_type == "in_channel" for m in stack.slack.messages)


def test_the_follow_up_names_who_asked_who_is_up_and_who_is_not(
    stack: LocalStack, bot: Bot
) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake

    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    assert follow_up.via == RESPONSE_URL
    assert follow_up.channel_id == OPS
    assert not follow_up.replace_original
    text = shown(follow_up)
    assert f":white_check_mark: <@{ALICE}> I woke the agents of account 123456 (DFW) in " in text
    assert "6 of 7 agents online" in text
    online = next(line for line in text.splitlines() if "*Online*" in line)
    assert all(name in online for name in ("web1", "web2", "db1", "app-win1", "staging-api"))
    assert "*Not online*: build-runner (disabled, so it will not wake)" in text
    wait_until(bot.settled, what="the wake-up to settle")
    assert in_channel_count(stack) == 1
    assert stack.simulator.stats()["wakeupagents"] == 1


def test_the_follow_up_after_giving_up_lists_the_agents_still_offline(
    start_stack: StartStack,
) -> None:
    bot = Bot(start_stack(env={"WAKEUP_GIVE_UP_AFTER": "0.3"}))

    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    text = shown(follow_up)
    assert f":hourglass: <@{ALICE}> I woke the agents of" in text
    assert "gave up waiting after less than 1 s: 6 of 8 agents online" in text
    not_online = next(line for line in text.splitlines() if "*Not online*" in line)
    assert "reporting-old" in not_online
    assert "build-runner (disabled, so it will not wake)" in not_online


def test_a_failed_wake_up_is_told_in_the_channel(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.faults.fail_next(2, status=503, path_contains="wakeupagents")

    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    text = shown(follow_up)
    assert f":warning: <@{ALICE}> the wake-up of" in text
    assert "did not finish" in text
    assert "503" in text
    assert "Traceback" not in text


def test_overlapping_wake_ups_share_one_post_and_each_requester_hears_back(
    start_stack: StartStack,
) -> None:
    stack = start_stack(env={"WAKEUP_CHECK_AFTER": "0.3"})
    stack.simulator.remove_agent(REPORTING_OLD)
    bot = Bot(stack)

    first = bot.command("wakeup", user=ALICE, channel=OPS)
    second = bot.command("wakeup", user=BOB, channel=DEV)

    assert "Waking up agents" in shown(first.json)
    assert "already under way" in shown(second.json)
    follow_ups = bot.follow_ups(2)
    assert sorted((m.channel_id, m.user_id) for m in follow_ups) == [(DEV, BOB), (OPS, ALICE)]
    for message in follow_ups:
        assert f"<@{message.user_id}>" in message.text
    wait_until(bot.settled, what="the wake-up to settle")
    assert in_channel_count(stack) == 2
    assert stack.simulator.stats()["wakeupagents"] == 1


@pytest.mark.parametrize("configured_region", ["DFW", ""], ids=["named", "from Identity"])
def test_the_command_and_the_button_for_the_default_region_share_one_post(
    start_stack: StartStack, configured_region: str
) -> None:
    # Without RACKSPACE_REGION the default region is the one Identity says (DFW here); the
    # button names it, the command does not: still one account.
    stack = start_stack(env={"WAKEUP_CHECK_AFTER": "0.3", "RACKSPACE_REGION": configured_region})
    stack.simulator.remove_agent(REPORTING_OLD)
    bot = Bot(stack)
    _, view = bot.ask(f"agent {WEB2}", user=BOB, channel=DEV)

    bot.command("wakeup")
    joined = bot.press(view, "agent_wakeup", user=BOB)

    assert "already under way" in shown(joined)
    assert {m.user_id for m in bot.follow_ups(2)} == {ALICE, BOB}
    assert stack.simulator.stats()["wakeupagents"] == 1


def test_wake_ups_of_different_regions_are_separate(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)

    bot.command("wakeup region:ORD", user=BOB, channel=DEV)
    bot.command("wakeup")

    by_channel = {m.channel_id: m for m in bot.follow_ups(2)}
    assert "account 123456 (ORD)" in by_channel[DEV].text
    assert "2 of 2 agents online" in by_channel[DEV].text
    assert "account 123456 (DFW)" in by_channel[OPS].text
    assert stack.simulator.stats()["wakeupagents"] == 2


@pytest.mark.parametrize("problem", ["used up", "expired"])
def test_a_dead_response_url_falls_back_to_chat_post_message(
    stack: LocalStack, bot: Bot, problem: str
) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)
    if problem == "used up":
        stack.slack.fail_response_urls(1, status=404)

    sent = bot.command("wakeup")
    if problem == "expired":
        assert sent.response_url is not None
        stack.slack.expire_response_url(sent.response_url)
    [follow_up] = bot.follow_ups(1)

    assert follow_up.via == "chat.postMessage"
    assert follow_up.channel_id == OPS
    assert f"<@{ALICE}>" in follow_up.text
    wait_until(bot.settled, what="the follow-up to be marked delivered")
    assert in_channel_count(stack) == 1


def test_a_restart_mid_wait_posts_the_follow_up_once(start_stack: StartStack) -> None:
    stack = start_stack(wake_delay=(1.0, 1.0))
    stack.simulator.remove_agent(REPORTING_OLD)
    bot = Bot(stack)
    bot.command("wakeup")
    wait_until(
        lambda: any(job.woken for job in stack.bot.store.active_jobs()),
        what="the wake-up POST to be recorded",
    )

    stack.stop_bot()
    assert stack.slack.messages == []  # stopped mid-wait, nothing said yet
    stack.start_bot()

    [follow_up] = bot.follow_ups(1)
    assert follow_up.channel_id == OPS
    assert f"<@{ALICE}>" in follow_up.text
    assert "6 of 7 agents online" in follow_up.text
    wait_until(bot.settled, what="the resumed wake-up to settle")
    assert in_channel_count(stack) == 1
    assert stack.simulator.stats()["wakeupagents"] == 1  # not posted again


def test_a_follow_up_that_could_not_be_delivered_is_delivered_after_a_restart(
    stack: LocalStack, bot: Bot
) -> None:
    stack.simulator.remove_agent(REPORTING_OLD)
    stack.slack.fail_response_urls(1, status=404)
    stack.slack.fail_next(1, status=404, method="chat.postMessage")

    bot.command("wakeup")
    wait_until(
        lambda: stack.slack.calls("chat.postMessage") == 1 and stack.bot.store.active_jobs() == [],
        what="the first delivery attempt to fail",
    )
    wait_until(lambda: stack.bot.wakeups.pending_deliveries() == 1, what="a stored follow-up")
    stack.stop_bot()
    stack.start_bot()

    [follow_up] = bot.follow_ups(1)
    assert follow_up.channel_id == OPS
    assert f"<@{ALICE}>" in follow_up.text
    wait_until(bot.settled, what="the follow-up to be marked delivered")
    assert in_channel_count(stack) == 1
