"""The usage text: every subcommand and option, and a pointer when a word was not understood."""

from __future__ import annotations

from bot.services.agent_query import DATACENTERS
from bot.slack.blocks.common import Message, command_span, context, message, section
from bot.slack.blocks.limits import truncate
from bot.slack.mrkdwn import code

MAX_SHOWN = 60


def help_message(
    *, command: str, unknown: str | None = None, suggestion: str | None = None
) -> Message:
    """Usage for ``command``, the configured slash command; ``unknown`` is a word not understood."""
    usage = "\n".join(
        [
            command_span(command, "agents [words] [dc:DFW] [status:offline] [region:ORD]"),
            "Lists the backup agents, problems first. Every word must appear in an agent's "
            "name, IP address or id. `dc:` keeps one datacenter, `status:` one status "
            "(online, offline or unknown), `region:` picks the regional API to ask.",
            "",
            command_span(command, "agent <id | name | server id> [region:ORD]"),
            "Everything about one agent, with buttons to refresh it or wake it up.",
            "",
            command_span(command, "wakeup [region:ORD]"),
            "Wakes every agent of the account (the backup API cannot wake one alone) and "
            "posts in the channel when they are awake.",
            "",
            command_span(command, "watch [region:ORD]")
            + "  ·  "
            + command_span(command, "unwatch"),
            "This channel watches the account's backups: stale or disabled backups and agents "
            "that do not wake are posted once, kept current and closed in their thread, with a "
            "daily report. `unwatch` stops it.",
            "",
            command_span(command, "report [region:ORD]"),
            "The daily report now, privately, with a button to share it.",
            "",
            command_span(command, "help"),
            "This message.",
            "",
            "Where the bot serves several Rackspace accounts, `account:NAME` on any of these "
            "picks one; without it the channel's own account is used.",
        ]
    )
    examples = ", ".join(
        command_span(command, example)
        for example in ("agents web status:offline", "agent 213563", "wakeup region:ORD")
    )
    blocks = [
        section(usage),
        context(f"Examples: {examples}. Datacenters and regions: {' '.join(DATACENTERS)}."),
    ]
    fallback = (
        f"How to use {command_span(command)}: agents, agent, wakeup, watch, unwatch, report, help."
    )
    if unknown is not None:
        opening = f"I don't know {code(truncate(unknown, MAX_SHOWN))}."
        if suggestion is not None:
            opening += f" Did you mean {code(truncate(suggestion, MAX_SHOWN))}?"
        blocks.insert(0, section(opening))
        fallback = f"{opening} {fallback}"
    return message(fallback, blocks, response_type="ephemeral")
