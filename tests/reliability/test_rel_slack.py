"""Slack misbehaving: each follow-up still arrives exactly once, late rather than never."""

from __future__ import annotations

import time

import pytest

from bot.devtools.fake_slack import RESPONSE_URL, Attempt
from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import ALICE, REPORTING_OLD, Bot
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

POST_MESSAGE = "chat.postMessage"


@pytest.fixture
def stack(start_stack: StartStack) -> LocalStack:
    stack = start_stack()
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake
    return stack


def attempts(stack: LocalStack, via: str) -> list[Attempt]:
    return [attempt for attempt in stack.slack.attempts if attempt.via == via]


def in_channel_count(stack: LocalStack) -> int:
    return sum(m.response_type == "in_channel" for m in stack.slack.messages)


def assert_posted_once(bot: Bot) -> None:
    wait_until(bot.settled, what="the follow-up to be marked delivered")
    assert in_channel_count(bot.stack) == 1


def test_a_rate_limited_fallback_waits_for_retry_after_and_posts_once(
    stack: LocalStack, bot: Bot
) -> None:
    stack.slack.fail_response_urls(1, status=404)
    stack.slack.rate_limit_next(1, retry_after=1, method=POST_MESSAGE)

    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    assert follow_up.via == POST_MESSAGE
    assert f"<@{ALICE}>" in follow_up.text
    limited, posted = attempts(stack, POST_MESSAGE)
    assert (limited.status, posted.status) == (429, 200)
    assert posted.received_at - limited.received_at >= 1.0
    assert_posted_once(bot)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_slack_server_error_is_retried_with_backoff(
    stack: LocalStack, bot: Bot, status: int
) -> None:
    stack.slack.fail_response_urls(2, status=status)

    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    assert follow_up.via == RESPONSE_URL  # retried in place, no fallback needed
    assert [a.status for a in attempts(stack, RESPONSE_URL)] == [status, status, 200]
    assert_posted_once(bot)


def test_a_slack_timeout_is_retried(stack: LocalStack, bot: Bot) -> None:
    # The slow answer would be refused anyway, so only a retry can deliver the follow-up.
    stack.slack.delay_next(1, 2.0, method=RESPONSE_URL)
    stack.slack.fail_response_urls(1, status=500)

    started = time.monotonic()
    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    assert follow_up.via == RESPONSE_URL
    assert follow_up.received_at - started < 2.0  # it did not wait for the slow answer
    assert_posted_once(bot)


def test_a_follow_up_slack_would_not_take_stays_stored_and_is_posted_later(
    stack: LocalStack, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    # Three tries of each path (FAST_DELIVERY: 2 retries per call) all fail.
    stack.slack.fail_response_urls(3, status=503)
    stack.slack.fail_next(3, status=503, method=POST_MESSAGE)

    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    assert follow_up.via == RESPONSE_URL
    assert [a.status for a in attempts(stack, POST_MESSAGE)] == [503, 503, 503]
    assert [a.status for a in attempts(stack, RESPONSE_URL)] == [503, 503, 503, 200]
    retried = [
        r.getMessage() for r in caplog.records if "failed (attempt 1 of 5)" in r.getMessage()
    ]
    assert len(retried) == 1
    assert "retrying in 0.1 s" in retried[0]
    assert_posted_once(bot)
