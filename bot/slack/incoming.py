"""Who asked, where, and for what: read once from a payload, for ACLs, audit and replies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

WAKEUP_ACTIONS = frozenset({"agent_wakeup"})
_AUDIT_ARGS_MAX = 200
"""Characters of the command text or button value kept in an audit line."""


@dataclass(frozen=True)
class Incoming:
    kind: str  # "command" or "button"
    name: str  # the subcommand word, or the button's action_id
    args: str  # the rest of the command text, or the button value
    user_id: str
    user_name: str
    channel_id: str
    team_id: str
    response_url: str = field(repr=False)
    received: float = field(default_factory=time.monotonic)

    @property
    def wants_wakeup(self) -> bool:
        return (self.kind == "command" and self.name == "wakeup") or self.name in WAKEUP_ACTIONS

    def audit_fields(self) -> dict[str, Any]:
        """Fields for a log record's ``extra``: none may be a LogRecord attribute (``args``!)."""
        return {
            "kind": self.kind,
            "action": self.name,
            "arguments": self.args[:_AUDIT_ARGS_MAX],
            "user": self.user_id,
            "channel": self.channel_id,
            "team": self.team_id,
        }


def from_body(body: dict[str, Any]) -> Incoming | None:
    """Read a slash command or a block_actions payload; None for anything else."""
    if "command" in body:
        text = str(body.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        return Incoming(
            kind="command",
            name=word.lower(),
            args=rest.strip(),
            user_id=str(body.get("user_id", "")),
            user_name=str(body.get("user_name", "")),
            channel_id=str(body.get("channel_id", "")),
            team_id=str(body.get("team_id", "")),
            response_url=str(body.get("response_url", "")),
        )
    if body.get("type") == "block_actions":
        actions = body.get("actions") or [{}]
        action = actions[0] if isinstance(actions[0], dict) else {}
        user = body.get("user") or {}
        channel = body.get("channel") or (body.get("container") or {})
        return Incoming(
            kind="button",
            name=str(action.get("action_id", "")),
            args=str(action.get("value", "")),
            user_id=str(user.get("id", "")),
            user_name=str(user.get("username") or user.get("name") or ""),
            channel_id=str(channel.get("id") or channel.get("channel_id") or ""),
            team_id=str((body.get("team") or {}).get("id", "")),
            response_url=str(body.get("response_url", "")),
        )
    return None
