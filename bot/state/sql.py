"""The little the stores' SQL needs from a connection, met by sqlite3 and by psycopg.

The wake-up and watch stores write their statements once, with ``?`` placeholders and SQL
that both engines accept; each engine's store only says how a transaction is opened. Rows
are read by column name (``row["id"]``) or position (``row[0]``), as ``sqlite3.Row`` allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Cursor: ...
