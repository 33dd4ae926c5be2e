"""Who may do what, and where: one Bolt middleware for commands and buttons alike.

It runs before any listener, so a button on a message shared in another channel, or pressed by
someone else, is held to the same rules as the command that made it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse

from bot.slack.blocks import refusal_message
from bot.slack.incoming import Incoming, from_body
from bot.slack.jobs import Jobs, Reply, audit


def refusal_reason(
    incoming: Incoming, *, allowed_channels: frozenset[str], wakeup_users: frozenset[str]
) -> str | None:
    """Why this request is refused, or None when it may go ahead."""
    if allowed_channels and incoming.channel_id.upper() not in allowed_channels:
        return (
            "This bot only answers in its ops channels. "
            "Ask an admin to add this channel to ALLOWED_CHANNEL_IDS."
        )
    if incoming.wants_wakeup and wakeup_users and incoming.user_id.upper() not in wakeup_users:
        return (
            "You are not on the list of people who may wake backup agents. "
            "Ask an admin to add you to WAKEUP_ALLOWED_USER_IDS."
        )
    return None


def access_middleware(
    *, allowed_channels: frozenset[str], wakeup_users: frozenset[str], jobs: Jobs
) -> Callable[..., BoltResponse | None]:
    def check_access(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        incoming = from_body(body)
        reason = (
            refusal_reason(incoming, allowed_channels=allowed_channels, wakeup_users=wakeup_users)
            if incoming is not None
            else None
        )
        if incoming is None or reason is None:
            next()
            return None
        message = refusal_message(reason=reason)
        if incoming.kind == "command":
            audit(incoming, "refused")
            return BoltResponse(
                status=200,
                body=json.dumps({**message, "response_type": "ephemeral"}),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        # A button: the ack body shows nothing, so answer through the response_url, off the
        # request path.
        options = {"response_type": "ephemeral", "replace_original": False}
        jobs.start(incoming, lambda: Reply(message, options, outcome="refused"))
        return BoltResponse(status=200, body="")

    return check_access
