"""The slash command and its buttons, grouped by kind; each group registers itself.

Nothing here calls the backup API on the request path: each listener acks within
milliseconds and hands the slow part to ``Jobs``, whose work returns the message to send,
built by the pure block builders. Every listener reads the ``SlackRequest`` that the reader
middleware put in the context.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands
from bot.slack.listeners.deps import ListenerDeps

__all__ = ["ListenerDeps", "register"]


def register(app: App, deps: ListenerDeps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
