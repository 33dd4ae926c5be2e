"""Talking to the whole bot as Slack users do, and reading what it posted back.

Every helper goes through the stack's real HTTP endpoints: commands and clicks are signed
requests to the bot, replies are what the fake Slack recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack, Message
from bot.devtools.local_stack import LocalStack
from bot.devtools.slack_sender import SentRequest, SlackSender, buttons

ALICE = "U0ALICE"
BOB = "U0BOB"
OPS = "C0OPS"
DEV = "C0DEV"

# The built-in simulator account (DFW unless noted); see bot/simulator/data.py.
WEB1, WEB2, DB1 = 310201, 310202, 310205
BUILD_RUNNER = 310214  # disabled
STAGING_API = 310220  # never backed up
REPORTING_OLD = 310223  # powered off: enabled, yet it never wakes
ORD_DB1 = 420118


def texts(value: object) -> Iterator[str]:
    """Every ``text`` string in a message or block tree, in order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def shown(message: Message | dict[str, Any] | None) -> str:
    """The fallback text and every block text of a message, one per line."""
    if message is None:
        return ""
    if isinstance(message, Message):
        return "\n".join([message.text, *texts(message.blocks)])
    return "\n".join(texts(message))


def button(message: Message, action_id: str, *, index: int = 0) -> dict[str, Any]:
    found = [b for b in buttons(message.blocks) if b.get("action_id") == action_id]
    assert len(found) > index, f"no {action_id} button #{index} in {shown(message)!r}"
    return found[index]


def action_ids(message: Message) -> list[str]:
    return [str(b.get("action_id")) for b in buttons(message.blocks)]


class Reachable(Protocol):
    """A running bot as Slack reaches it: a signed sender to it, the fake Slack it posts to."""

    @property
    def sender(self) -> SlackSender: ...

    @property
    def slack(self) -> FakeSlack: ...


class SlackUsers:
    """Any running bot seen from Slack: commands and clicks in, recorded messages out."""

    def __init__(self, target: Reachable) -> None:
        self.target = target

    def command(self, text: str, *, user: str = ALICE, channel: str = OPS) -> SentRequest:
        sent = self.target.sender.command(text, user_id=user, channel_id=channel)
        assert sent.status == 200, sent.body
        return sent

    def ask(
        self, text: str, *, user: str = ALICE, channel: str = OPS, timeout: float = 10.0
    ) -> tuple[SentRequest, Message]:
        """A command whose answer comes later; returns the ack and that answer."""
        sent = self.command(text, user=user, channel=channel)
        return sent, self.answer_to(sent, timeout=timeout)

    def click(
        self,
        message: Message,
        action_id: str,
        *,
        index: int = 0,
        user: str = ALICE,
        channel: str | None = None,
    ) -> SentRequest:
        sent = self.target.sender.click(
            button(message, action_id, index=index),
            message=message,
            user_id=user,
            channel_id=channel,
        )
        assert sent.status == 200, sent.body
        return sent

    def press(
        self,
        message: Message,
        action_id: str,
        *,
        index: int = 0,
        user: str = ALICE,
        channel: str | None = None,
        timeout: float = 10.0,
    ) -> Message:
        """A click whose answer comes through its response_url; returns that answer."""
        sent = self.click(message, action_id, index=index, user=user, channel=channel)
        return self.answer_to(sent, timeout=timeout)

    def answer_to(self, sent: SentRequest, *, timeout: float = 10.0) -> Message:
        """The first post through the response_url of this command or click.

        Matching the URL, not the user and channel, keeps a wake-up follow-up that lands
        meanwhile from being taken for the answer.
        """
        assert sent.response_url, "the request carried no response_url"
        return self.target.slack.wait_for(
            lambda m: m.via == RESPONSE_URL and m.response_url == sent.response_url,
            timeout=timeout,
        )

    def reply(
        self,
        since: float,
        *,
        user: str = ALICE,
        channel: str = OPS,
        timeout: float = 10.0,
    ) -> Message:
        """The first response_url post for ``user`` in ``channel`` after ``since``."""
        return self.target.slack.wait_for(
            lambda m: (
                m.received_at >= since
                and m.via == RESPONSE_URL
                and m.user_id == user
                and m.channel_id == channel
            ),
            timeout=timeout,
        )

    def follow_ups(self, n: int = 1, *, timeout: float = 10.0) -> list[Message]:
        """The first ``n`` messages posted for everyone in a channel."""
        return self.target.slack.wait_for_count(
            n, lambda m: m.response_type == "in_channel", timeout=timeout
        )


class Bot(SlackUsers):
    """The in-process stack seen from Slack, which can also tell when it has nothing left to do."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__(stack)
        self.stack = stack

    def settled(self) -> bool:
        """No wake-up running, no follow-up waiting, nothing queued or scheduled."""
        runtime = self.stack.bot
        return (
            runtime.wakeups.active_jobs() == 0
            and runtime.wakeups.pending_deliveries() == 0
            and runtime.executor.in_flight == 0
        )
