"""Who may do what, and where: one policy for commands and buttons alike.

It judges the parsed request, so a button on a message shared in another channel, or pressed
by someone else, is held to the same rules as the command that made it, and every spelling
of a wake-up that the parser accepts is checked as a wake-up.
"""

from __future__ import annotations

from bot.slack.request import SlackRequest


def refusal_reason(
    request: SlackRequest,
    *,
    allowed_channels: frozenset[str],
    wakeup_users: frozenset[str],
    watch_users: frozenset[str] = frozenset(),
) -> str | None:
    """Why this request is refused, or None when it may go ahead."""
    if allowed_channels and request.channel_id.upper() not in allowed_channels:
        return (
            "This bot only answers in its ops channels. "
            "Ask an admin to add this channel to ALLOWED_CHANNEL_IDS."
        )
    if request.wants_wakeup and wakeup_users and request.user_id.upper() not in wakeup_users:
        return (
            "You are not on the list of people who may wake backup agents. "
            "Ask an admin to add you to WAKEUP_ALLOWED_USER_IDS."
        )
    if request.wants_watch_change and watch_users and request.user_id.upper() not in watch_users:
        return (
            "You are not on the list of people who may watch, unwatch or snooze backup alerts. "
            "Ask an admin to add you to WATCH_ALLOWED_USER_IDS."
        )
    return None
