"""What every state store shares, below the wake-up and watch stores that use it: the little
their SQL needs from a connection (met by sqlite3 and by psycopg), and the store's errors.

The wake-up and watch stores write their statements once, with ``?`` placeholders and SQL
that both engines accept; each engine's store only says how a transaction is opened. Rows
are read by column name (``row["id"]``) or position (``row[0]``), as ``sqlite3.Row`` allows.
``bot.state`` opens the stores; this module imports none of them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...


class StateStoreError(Exception):
    """The state file cannot be used; the message names the file and what to do about it."""


class StateUnavailable(StateStoreError):
    """The store cannot be reached right now (PostgreSQL down or the network cut).

    Unlike other store errors this passes: the pool reconnects once the server is back, so
    the bot refuses what needs state meanwhile and keeps running.
    """


class SqliteFile:
    """One SQLite connection behind one lock, for a store in a file: what every SQLite store
    shares. ``failure`` names the store in errors (``Wake-up state store``)."""

    failure = "State store"
    _path: str
    _lock: threading.Lock
    _conn: sqlite3.Connection

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE``: writers queue at the start, never fail half-way on a lock."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    self._conn.execute("COMMIT")
                finally:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                raise StateStoreError(f"{self.failure} {self._path} failed: {exc}") from exc
