"""Who may do what, and where: one policy for commands and buttons alike.

It judges the parsed request, so a button on a message shared in another channel, or pressed
by someone else, is held to the same rules as the command that made it, and every spelling
of a wake-up that the parser accepts is checked as a wake-up. The account a request is
about was resolved for its channel when it was read; an account that may not be used here
is refused exactly like one that does not exist, before any call to the backup API.
"""

from __future__ import annotations

from bot.accounts import AccountConfig, Refusal
from bot.slack.request import SlackRequest


def refusal_reason(request: SlackRequest, *, allowed_channels: frozenset[str]) -> str | None:
    """Why this request is refused, or None when it may go ahead."""
    if allowed_channels and request.channel_id.upper() not in allowed_channels:
        return (
            "This bot only answers in its ops channels. "
            "Ask an admin to add this channel to ALLOWED_CHANNEL_IDS."
        )
    account = request.account
    if isinstance(account, Refusal):
        return account.message
    usable = account if isinstance(account, AccountConfig) else None
    # Fail closed: a wake-up or a watch change with no account resolved runs nothing.
    if request.wants_wakeup and (usable is None or not usable.may_wake(request.user_id)):
        return (
            "You are not on the list of people who may wake backup agents. "
            "Ask an admin to add you to WAKEUP_ALLOWED_USER_IDS."
        )
    if request.wants_watch_change and (usable is None or not usable.may_watch(request.user_id)):
        return (
            "You are not on the list of people who may watch, unwatch or snooze backup alerts. "
            "Ask an admin to add you to WATCH_ALLOWED_USER_IDS."
        )
    return None
