"""The Slack requests already run, kept a few minutes so that a retry of one runs nothing.

Slack retries a request it got no timely answer for (``X-Slack-Retry-Num``), and with
several instances the retry may reach another one. Each request's fingerprint is recorded
once, in the shared store, before anything runs; whoever finds it already there acks with
no work. Rows expire after ``ttl``: Slack's retries come within a minute or so.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from bot.storage import Connection, SqliteFile, StateStoreError

DEDUPE_TTL = 600.0
PRUNE_EVERY = 200
"""Expired rows are dropped on every this many-th record, not on each."""


class RequestLedger(Protocol):
    def first_time(self, fingerprint: str, *, now: float, ttl: float = DEDUPE_TTL) -> bool:
        """Record ``fingerprint`` until ``now + ttl``; False when it was already recorded
        (and has not expired): the request ran before."""
        ...

    def close(self) -> None: ...


class SqlRequestLedger(RequestLedger):
    """The ledger's SQL, shared by both engines; a subclass opens the transactions."""

    _count = 0

    def _transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def first_time(self, fingerprint: str, *, now: float, ttl: float = DEDUPE_TTL) -> bool:
        self._count += 1
        with self._transaction() as conn:
            if self._count % PRUNE_EVERY == 0:
                conn.execute("DELETE FROM slack_requests WHERE expires_at < ?", (now,))
            row = conn.execute(
                "INSERT INTO slack_requests (fingerprint, expires_at) VALUES (?, ?)"
                " ON CONFLICT (fingerprint) DO UPDATE SET expires_at = excluded.expires_at"
                " WHERE slack_requests.expires_at < ? RETURNING fingerprint",
                (fingerprint, now + ttl, now),
            ).fetchone()
        return row is not None


class SqliteRequestLedger(SqliteFile, SqlRequestLedger):
    """Beside the wake-up and watch tables in the state file, on its own connection.

    The table sits outside the versioned schema (created if missing): it holds minutes of
    data that an older bot can ignore. Commits are not synced (``synchronous=NORMAL`` in
    WAL mode): this write is on every command's ack path, and losing the last few rows in
    a power cut only lets a retry that arrives across it run once more.
    """

    failure = "Request ledger in"

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                self._path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS slack_requests ("
                " fingerprint TEXT PRIMARY KEY, expires_at REAL NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise StateStoreError(f"Request ledger in {self._path} failed: {exc}") from exc
