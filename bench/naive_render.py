"""The rendering baseline: the same page built the library way, with slack_sdk's block models.

It shows the same things as the bot's page (a header, a summary, ten agents, the page number,
the paging buttons) and sorts and counts the whole fleet on every render as the bot does,
but does no escaping and no cutting to Slack's limits: what a first version would write.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.backup_api.models import Agent, AgentStatus

PER_PAGE = 10


def render_page(agents: Sequence[Agent], page: int) -> dict[str, Any]:
    ordered = sorted(agents, key=lambda a: (a.status is AgentStatus.ONLINE, a.name.casefold()))
    pages = max(1, math.ceil(len(ordered) / PER_PAGE))
    online = sum(agent.status is AgentStatus.ONLINE for agent in ordered)
    summary = f"*{len(ordered)} agents* · {online} online · {len(ordered) - online} not online"
    blocks: list[Block] = [
        HeaderBlock(text="Backup agents"),
        SectionBlock(text=MarkdownTextObject(text=summary)),
    ]
    for agent in ordered[page * PER_PAGE : (page + 1) * PER_PAGE]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_entry(agent))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Page {page + 1} of {pages}")]))
    buttons = []
    if page > 0:
        buttons.append(ButtonElement(text="Previous", action_id="prev", value=str(page - 1)))
    if page < pages - 1:
        buttons.append(ButtonElement(text="Next", action_id="next", value=str(page + 1)))
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return {"text": f"Backup agents, page {page + 1}", "blocks": [b.to_dict() for b in blocks]}


def _entry(agent: Agent) -> str:
    backup = agent.last_successful_backup
    when = backup.strftime("%Y-%m-%d %H:%M") if backup else "never"
    return (
        f"*{agent.name}* `{agent.id}`\n{agent.status.value} · {agent.datacenter} · "
        f"{agent.os_display} · last backup {when} · vault {agent.vault_size_text}"
    )
