"""How an answer is shown: the response_url options each kind of reply uses."""

from __future__ import annotations

from typing import Any

REPLACE: dict[str, Any] = {"replace_original": True}
"""Replace the ack ("Fetching agents…") or the private message a button was pressed on."""
EPHEMERAL_NEW: dict[str, Any] = {"response_type": "ephemeral", "replace_original": False}
"""A new private message to the person who asked."""
IN_CHANNEL_NEW: dict[str, Any] = {"response_type": "in_channel", "replace_original": False}
"""A new message everyone in the channel sees."""
