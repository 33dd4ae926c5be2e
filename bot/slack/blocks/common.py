"""Block Kit pieces shared by every message, each one cut to Slack's limits as it is made.

Text objects never come out empty (Slack rejects that) and mrkdwn ones are ``verbatim``, so
Slack does not turn a bare URL or channel name inside an agent's name into a link; the
bot's own mentions and dates are written as ``<…>`` tokens, which ``verbatim`` keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.backup_api.models import Agent, AgentStatus
from bot.services.backup import AccountRef
from bot.slack.blocks.limits import (
    MAX_BUTTON_TEXT,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_FIELDS,
    MAX_SECTION_TEXT,
    MAX_TEXT_OBJECT,
    truncate,
)
from bot.slack.mrkdwn import code, literal

Block = dict[str, Any]
Message = dict[str, Any]

EMPTY_TEXT = "—"
NO_NAME = "(no name)"
MAX_NAME = 80
"""Characters of an agent's name shown in lists; the single-agent view shows more."""
MAX_ACCOUNT = 40
MAX_COMMAND = 40
MAX_REGION = 20

STATUS_EMOJI = {
    AgentStatus.ONLINE: ":large_green_circle:",
    AgentStatus.OFFLINE: ":red_circle:",
    AgentStatus.UNKNOWN: ":white_circle:",
}


def mrkdwn_text(text: str, limit: int = MAX_TEXT_OBJECT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(_non_empty(text), limit), "verbatim": True}


def plain_text(text: str, limit: int = MAX_TEXT_OBJECT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(_non_empty(text), limit), "emoji": True}


def section(text: str, *, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn_text(text, MAX_SECTION_TEXT)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def field_sections(fields: Sequence[str]) -> list[Block]:
    """Two-column fields, as many sections as Slack's ten-per-section rule needs."""
    return [
        {
            "type": "section",
            "fields": [
                mrkdwn_text(field, MAX_FIELD_TEXT)
                for field in fields[start : start + MAX_SECTION_FIELDS]
            ],
        }
        for start in range(0, len(fields), MAX_SECTION_FIELDS)
    ]


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, MAX_HEADER_TEXT)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn_text(text) for text in texts]}


def actions(*buttons: Block) -> Block:
    return {"type": "actions", "elements": list(buttons)}


def button(
    text: str,
    *,
    action_id: str,
    value: str,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    """A button; ``action_id`` and ``value`` are the bot's own and must already fit."""
    element: Block = {
        "type": "button",
        "text": plain_text(text, MAX_BUTTON_TEXT),
        "action_id": str(action_id),
        "value": value,
    }
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def confirm_dialog(*, title: str, text: str, confirm: str, deny: str) -> dict[str, Any]:
    return {
        "title": plain_text(title, MAX_CONFIRM_TITLE),
        "text": mrkdwn_text(text, MAX_CONFIRM_TEXT),
        "confirm": plain_text(confirm, MAX_CONFIRM_BUTTON),
        "deny": plain_text(deny, MAX_CONFIRM_BUTTON),
    }


def message(text: str, blocks: list[Block], *, response_type: str | None = None) -> Message:
    """The payload: ``text`` is the notification and screen-reader fallback for ``blocks``."""
    payload: Message = {"text": truncate(_non_empty(text), MAX_FALLBACK_TEXT), "blocks": blocks}
    if response_type is not None:
        payload["response_type"] = response_type
    return payload


def status_text(status: AgentStatus) -> str:
    """The status as a word, with its emoji beside it, never the emoji alone."""
    return f"{STATUS_EMOJI[status]} {status.label}"


def status_count(status: AgentStatus, count: int) -> str:
    """``:red_circle: 3 offline``: a count of agents in one status."""
    return f"{STATUS_EMOJI[status]} {count:,} {status.label.lower()}"


def agent_name(agent: Agent, limit: int = MAX_NAME) -> str:
    """The agent's name as mrkdwn, shortened to ``limit`` characters before escaping."""
    return literal(truncate(agent.name.strip() or NO_NAME, limit))


def value_text(
    value: str | None, *, limit: int, missing: str = "unknown", as_code: bool = False
) -> str:
    """A value from the API as mrkdwn: shortened, escaped, or ``missing`` when it is blank."""
    if value is None or not value.strip():
        return missing
    shortened = truncate(value, limit)
    return code(shortened) if as_code else literal(shortened)


def command_span(command: str, arguments: str = "") -> str:
    """``/backup agents web`` in a code span, ready to copy."""
    return code(f"{truncate(command, MAX_COMMAND)} {arguments}".strip())


def account_phrase(account_id: str, region: str | None, name: str | None = None) -> str:
    """``account 123456 (DFW)`` as mrkdwn; ``the account`` before the id is known. With
    several accounts, their configured name comes first: ``*prod* (account 123456, DFW)``."""
    shown_region = literal(truncate(region, MAX_REGION)) if region else ""
    number = literal(truncate(account_id, MAX_ACCOUNT)) if account_id.strip() else ""
    if name:
        details = ", ".join(
            part for part in (f"account {number}" if number else "", shown_region) if part
        )
        return f"*{literal(truncate(name, MAX_ACCOUNT))}*" + (f" ({details})" if details else "")
    where = f" ({shown_region})" if shown_region else ""
    if not number:
        return f"the account{where}"
    return f"account {number}{where}"


def known_account_phrase(known: AccountRef) -> str:
    """``account_phrase`` of what calls told us about an account (never a call to learn it)."""
    return account_phrase(known.account_id, known.region, known.name)


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "Yes" if value else "No"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def format_duration(seconds: float) -> str:
    """``14 s``, ``2 min 5 s``: short enough for a sentence, exact enough for a person."""
    whole = round(seconds)
    if seconds < 1:
        return "less than 1 s"
    if whole < 120:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _non_empty(text: str) -> str:
    return text if text.strip() else EMPTY_TEXT
