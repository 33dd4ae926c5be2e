"""How the watcher talks to Slack: two calls, behind a protocol, so the watcher never imports
a Slack client (``bot.slack.poster`` implements it over slack_sdk)."""

from __future__ import annotations

from typing import Any, Protocol

UNREACHABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
"""Slack errors meaning the bot cannot post in the channel until someone acts."""


class PostError(Exception):
    """Slack refused a post or an update; ``code`` is Slack's error code."""

    def __init__(self, code: str, channel: str) -> None:
        self.code = code
        self.channel = channel
        super().__init__(f"Slack refused the message for channel {channel}: {code}")


class ChannelUnreachable(PostError):
    """The bot is not in the channel (a private channel it was not invited to) or it is gone."""


class SlackPoster(Protocol):
    def post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> str:
        """Post with chat.postMessage; returns the message's ``ts``."""
        ...

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        """Replace a message the bot posted, with chat.update."""
        ...
