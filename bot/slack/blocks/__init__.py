"""Block Kit messages for every reply the bot gives, built purely from values.

Each builder returns ``{"text": fallback, "blocks": [...]}`` (plus ``response_type`` where
the reply's audience is fixed), already within Slack's limits and with every foreign string
escaped, so a handler can pass it straight to ``ack``, ``respond`` or ``chat.postMessage``.
"""

from bot.slack.blocks.agent import (
    agent_choices_message,
    agent_message,
    agent_not_found_message,
    encode_agent_value,
)
from bot.slack.blocks.agents import (
    AGENTS_PER_PAGE,
    agents_message,
    decode_page_value,
    encode_page_value,
    page_count,
)
from bot.slack.blocks.errors import (
    error_message,
    refusal_message,
    store_unavailable_message,
    working_message,
)
from bot.slack.blocks.help import help_message
from bot.slack.blocks.limits import check_message, truncate
from bot.slack.blocks.wakeup import wakeup_ack_message, wakeup_followup_message

__all__ = [
    "AGENTS_PER_PAGE",
    "agent_choices_message",
    "agent_message",
    "agent_not_found_message",
    "agents_message",
    "check_message",
    "decode_page_value",
    "encode_agent_value",
    "encode_page_value",
    "error_message",
    "help_message",
    "page_count",
    "refusal_message",
    "store_unavailable_message",
    "truncate",
    "wakeup_ack_message",
    "wakeup_followup_message",
    "working_message",
]
