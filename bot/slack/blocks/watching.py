"""The private answers to ``watch`` and ``unwatch``: what the channel will hear, and why not."""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.blocks.common import Message, command_span, context, message, plural, section
from bot.slack.blocks.incidents import incident_line
from bot.slack.blocks.limits import truncate
from bot.watch.model import Incident, View

MAX_LISTED = 10


def watch_answer(
    *,
    account: str,
    new: bool,
    rules: Sequence[str],
    open_incidents: Sequence[Incident],
    view: View,
    command: str,
) -> Message:
    """``account`` is mrkdwn written by the bot (``account_phrase``)."""
    if new:
        opening = f":eyes: This channel now watches {account}. A first check is running."
    else:
        opening = f":eyes: This channel already watches {account}."
    blocks = [section(opening), section("\n".join(f"• {rule}" for rule in rules))]
    if open_incidents:
        shown = [incident_line(i, view) for i in open_incidents[:MAX_LISTED]]
        more = len(open_incidents) - len(shown)
        if more > 0:
            shown.append(f"…and {more} more")
        blocks.append(
            section(
                truncate(
                    f"*{plural(len(open_incidents), 'open incident')}:*\n" + "\n".join(shown),
                    2900,
                )
            )
        )
    elif not new:
        blocks.append(section(":white_check_mark: Nothing is wrong right now."))
    blocks.append(context(f"{command_span(command, 'unwatch')} stops it."))
    return message(opening, blocks, response_type="ephemeral")


def unwatch_answer(*, account: str, result: str, command: str) -> Message:
    """``result`` is the watcher's: ``removed``, ``configured`` or ``absent``."""
    if result == "removed":
        text = f":wave: This channel no longer watches {account}."
    elif result == "configured":
        text = (
            f":lock: This channel watches {account} by configuration (WATCH_CHANNEL_IDS), "
            "so it cannot be unwatched from Slack. Ask an admin to change the setting."
        )
    else:
        text = (
            f"This channel does not watch {account}. "
            f"{command_span(command, 'watch')} starts watching it."
        )
    return message(text, [section(text)], response_type="ephemeral")


def invite_needed_message(*, command: str) -> Message:
    """The bot cannot post in the channel (private, not invited): nothing was subscribed."""
    text = (
        ":no_entry: I cannot post in this channel, so I cannot watch it: it is private and I "
        "have not been invited. Invite me (`/invite` and my name, or the channel's "
        f"Integrations tab), then type {command_span(command, 'watch')} again."
    )
    return message(text, [section(text)], response_type="ephemeral")
