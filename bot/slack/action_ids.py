"""Every button's action id, in one place: the builders put them on buttons, the listeners
register them and the request reader decodes by them, so a button and its handler cannot
drift apart."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    AGENTS_PREVIOUS = "agents_page_prev"
    AGENTS_NEXT = "agents_page_next"
    AGENTS_SHARE = "agents_share"
    AGENT_REFRESH = "agent_refresh"
    AGENT_WAKEUP = "agent_wakeup"
    AGENT_SHOW = "agent_show"


PAGE_ACTIONS = frozenset({ActionId.AGENTS_PREVIOUS, ActionId.AGENTS_NEXT, ActionId.AGENTS_SHARE})
"""Buttons whose value is a query and a page."""
AGENT_ACTIONS = frozenset({ActionId.AGENT_REFRESH, ActionId.AGENT_WAKEUP, ActionId.AGENT_SHOW})
"""Buttons whose value names one agent (and its region)."""
WAKEUP_ACTIONS = frozenset({ActionId.AGENT_WAKEUP})
"""Buttons that wake agents: held to the wake-up allow-list."""
