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
    INCIDENT_ACKNOWLEDGE = "watch_acknowledge"
    INCIDENT_SNOOZE_1H = "watch_snooze_1h"
    INCIDENT_SNOOZE_4H = "watch_snooze_4h"
    INCIDENT_SNOOZE_1D = "watch_snooze_1d"
    INCIDENT_SNOOZE_1W = "watch_snooze_1w"
    REPORT_SHARE = "watch_report_share"


PAGE_ACTIONS = frozenset({ActionId.AGENTS_PREVIOUS, ActionId.AGENTS_NEXT, ActionId.AGENTS_SHARE})
"""Buttons whose value is a query and a page."""
AGENT_ACTIONS = frozenset({ActionId.AGENT_REFRESH, ActionId.AGENT_WAKEUP, ActionId.AGENT_SHOW})
"""Buttons whose value names one agent (and its region)."""
WAKEUP_ACTIONS = frozenset({ActionId.AGENT_WAKEUP})
"""Buttons that wake agents: held to the wake-up allow-list."""

SNOOZES: tuple[tuple[ActionId, str, int], ...] = (
    (ActionId.INCIDENT_SNOOZE_1H, "1 hour", 3600),
    (ActionId.INCIDENT_SNOOZE_4H, "4 hours", 4 * 3600),
    (ActionId.INCIDENT_SNOOZE_1D, "1 day", 86400),
    (ActionId.INCIDENT_SNOOZE_1W, "1 week", 7 * 86400),
)
"""The Snooze buttons: action, label, seconds."""
SNOOZE_SECONDS = {action: seconds for action, _, seconds in SNOOZES}
SNOOZE_ACTIONS = frozenset(SNOOZE_SECONDS)
INCIDENT_ACTIONS = frozenset({ActionId.INCIDENT_ACKNOWLEDGE, *SNOOZE_ACTIONS})
"""Buttons that change an incident: held to WATCH_ALLOWED_USER_IDS."""
