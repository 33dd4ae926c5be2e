"""Errors of the state store that callers tell apart."""

from __future__ import annotations

from bot.wakeup.store import StateStoreError

__all__ = ["StateStoreError", "StateUnavailable"]


class StateUnavailable(StateStoreError):
    """The store cannot be reached right now (PostgreSQL down or the network cut).

    Unlike other store errors this passes: the pool reconnects once the server is back, so
    the bot refuses what needs state meanwhile and keeps running.
    """
