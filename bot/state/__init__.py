"""Durable state: one place that opens the configured engine for the whole bot.

``STATE_URL`` puts everything in PostgreSQL, shared by several instances; without it, a
SQLite file at ``STATE_PATH`` serves one process. psycopg is imported only for the former.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.state.requests import RequestLedger
    from bot.wakeup.store import WakeupStore
    from bot.watch.store import WatchStore

__all__ = ["Stores", "open_stores"]


@dataclass(frozen=True, eq=False)
class Stores:
    """The stores of one bot and which engine holds them (``sqlite`` or ``postgres``)."""

    wakeups: WakeupStore
    watch: WatchStore
    engine: str
    requests: RequestLedger
    """Slack requests already run (bot/slack/dedupe.py)."""

    def close(self) -> None:
        self.wakeups.close()
        self.watch.close()
        self.requests.close()


def open_stores(settings: Settings) -> Stores:
    """Open, check and migrate the configured store; raises ``StateStoreError`` with one
    line an operator can act on."""
    from bot.state.requests import SqliteRequestLedger
    from bot.wakeup.store import SqliteWakeupStore
    from bot.watch.store import SqliteWatchStore

    url = settings.state_url.reveal()
    if url:
        from bot.state.postgres import (
            PostgresRequestLedger,
            PostgresState,
            PostgresWakeupStore,
            PostgresWatchStore,
        )

        state = PostgresState(url)
        return Stores(
            PostgresWakeupStore(state),
            PostgresWatchStore(state),
            "postgres",
            PostgresRequestLedger(state),
        )
    wakeups = SqliteWakeupStore(settings.state_path)
    try:
        watch = SqliteWatchStore(settings.state_path)
    except BaseException:
        wakeups.close()
        raise
    try:
        requests = SqliteRequestLedger(settings.state_path)
    except BaseException:
        wakeups.close()
        watch.close()
        raise
    return Stores(wakeups, watch, "sqlite", requests)
