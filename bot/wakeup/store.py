"""Durable wake-up state, so a restart in the middle of a wait still answers everyone.

The store is also where coalescing is decided: "is a job for this account still running?"
and "add me to it" happen in one transaction, and so do "finish the job" and "who is
waiting for it". A request can therefore never slip between a job's last check and its
deliveries. ``WakeupStore`` is kept small so that a shared store (several instances, one
claiming each follow-up) can replace SQLite without touching the coordinator.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.storage import Connection, SqliteFile, StateStoreError
from bot.wakeup.outcome import WakeupOutcome

_MEMORY = ":memory:"
_KEEP_FINISHED_FOR = 7 * 24 * 3600.0


# The statements of each schema version; a file at version N gets versions N+1.. at open.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_key TEXT NOT NULL,
            started_at REAL NOT NULL,
            woken INTEGER NOT NULL DEFAULT 0,
            finished_at REAL,
            outcome TEXT
        )""",
        "CREATE UNIQUE INDEX jobs_one_active_per_account ON jobs (account_key)"
        " WHERE finished_at IS NULL",
        "CREATE INDEX jobs_by_finished_at ON jobs (finished_at)",
        """CREATE TABLE follow_ups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            response_url TEXT NOT NULL,
            requested_at REAL NOT NULL,
            user_name TEXT NOT NULL,
            team_id TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL,
            last_error TEXT
        )""",
        "CREATE INDEX follow_ups_by_job_and_state ON follow_ups (job_id, state)",
        "CREATE INDEX follow_ups_by_state ON follow_ups (state)",
    ),
    # Version 2: watched channels (bot/watch/store.py).
    (
        """CREATE TABLE watch_subscriptions (
            channel_id TEXT NOT NULL,
            account_key TEXT NOT NULL,
            configured INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            last_report_at REAL,
            PRIMARY KEY (channel_id, account_key)
        )""",
        """CREATE TABLE watch_accounts (
            account_key TEXT PRIMARY KEY,
            swept INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            first_failure_at REAL,
            last_error TEXT,
            last_sweep_at REAL
        )""",
        """CREATE TABLE watch_agents (
            account_key TEXT NOT NULL,
            agent_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            datacenter TEXT,
            online INTEGER NOT NULL,
            is_disabled INTEGER,
            last_backup REAL,
            first_seen REAL NOT NULL,
            PRIMARY KEY (account_key, agent_id)
        )""",
        """CREATE TABLE watch_incidents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_key TEXT NOT NULL,
            condition TEXT NOT NULL,
            agent_id INTEGER NOT NULL,
            agent_name TEXT NOT NULL,
            datacenter TEXT,
            since REAL,
            opened_at REAL NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            resolved_at REAL,
            resolution TEXT,
            acknowledged_by TEXT,
            acknowledged_at REAL,
            snoozed_until REAL,
            snoozed_by TEXT
        )""",
        "CREATE UNIQUE INDEX watch_incidents_one_open ON watch_incidents"
        " (account_key, condition, agent_id) WHERE resolved_at IS NULL",
        "CREATE INDEX watch_incidents_by_resolved_at ON watch_incidents (resolved_at)",
        """CREATE TABLE watch_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel_id TEXT NOT NULL,
            account_key TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('incident', 'group', 'catchup')),
            state TEXT NOT NULL DEFAULT 'posting' CHECK (state IN ('posting', 'posted')),
            ts TEXT,
            rendered TEXT NOT NULL DEFAULT '',
            page INTEGER NOT NULL DEFAULT 1,
            pages INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL,
            reminded_at REAL
        )""",
        "CREATE INDEX watch_messages_by_channel ON watch_messages (channel_id, account_key)",
        """CREATE TABLE watch_message_items (
            message_id INTEGER NOT NULL REFERENCES watch_messages (id) ON DELETE CASCADE,
            incident_id INTEGER NOT NULL REFERENCES watch_incidents (id) ON DELETE CASCADE,
            replied INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (message_id, incident_id)
        )""",
        "CREATE INDEX watch_message_items_by_incident ON watch_message_items (incident_id)",
        """CREATE TABLE watch_quiet (
            channel_id TEXT PRIMARY KEY,
            since REAL NOT NULL
        )""",
        """CREATE TABLE watch_announcements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_key TEXT NOT NULL,
            at REAL NOT NULL,
            appeared TEXT NOT NULL,
            disappeared TEXT NOT NULL
        )""",
        """CREATE TABLE watch_announcement_deliveries (
            announcement_id INTEGER NOT NULL
                REFERENCES watch_announcements (id) ON DELETE CASCADE,
            channel_id TEXT NOT NULL,
            PRIMARY KEY (announcement_id, channel_id)
        )""",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)

_FOLLOW_UP_SELECT = """
    SELECT f.id, f.job_id, f.user_id, f.channel_id, f.response_url, f.requested_at,
           f.user_name, f.team_id, f.attempts, f.next_attempt_at, j.outcome
    FROM follow_ups AS f JOIN jobs AS j ON j.id = f.job_id
    WHERE f.state = 'pending' AND j.finished_at IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked and where to answer; ``response_url`` is a capability and is never logged."""

    user_id: str
    channel_id: str
    response_url: str = field(repr=False)
    requested_at: float
    user_name: str = ""
    team_id: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    job_id: int
    account_key: str
    started_at: float
    woken: bool


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One requester's pending answer; ``attempts`` counts failed deliveries so far."""

    follow_up_id: int
    job_id: int
    requester: Requester
    outcome: WakeupOutcome
    attempts: int = 0
    next_attempt_at: float | None = None


class WakeupStore(Protocol):
    """What the coordinator needs from durable state; each call is one atomic transaction."""

    shared: bool
    """Several instances use it: rows carry an owner and a lease that must be renewed.
    False (SQLite, one process): every claim is trivially held and never needs renewing."""

    def add_request(
        self,
        account_key: str,
        requester: Requester,
        *,
        started_at: float,
        owner: str | None = None,
        lease_until: float | None = None,
    ) -> tuple[Job, bool]:
        """Join the account's running job or start one (held by ``owner``); True when joined."""
        ...

    # ``owner`` fences a write: it happens only while that owner holds the row (False if not).
    # None writes unfenced (one process, or a tool).

    @staticmethod
    def _insert_follow_up(conn: Connection, job: Job, requester: Requester) -> None:
        conn.execute(
            "INSERT INTO follow_ups (job_id, user_id, channel_id, response_url,"
            " requested_at, user_name, team_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                job.job_id,
                requester.user_id,
                requester.channel_id,
                requester.response_url,
                requester.requested_at,
                requester.user_name,
                requester.team_id,
            ),
        )

    def mark_woken(self, job_id: int, *, owner: str | None = None) -> bool: ...

    def restart_job(self, job_id: int, *, started_at: float, owner: str | None = None) -> bool:
        """Give a job whose POST was never recorded a fresh start time."""
        ...

    def finish_job(
        self,
        job_id: int,
        outcome: WakeupOutcome,
        *,
        owner: str | None = None,
        lease_until: float | None = None,
    ) -> list[FollowUp]:
        """Record the outcome; returns the follow-ups to deliver, now held by ``owner``
        (none if already finished, or no longer held)."""
        ...

    def mark_delivered(self, follow_up_id: int, *, owner: str | None = None) -> bool: ...

    def record_delivery_failure(
        self, follow_up_id: int, *, error: str, retry_at: float | None, owner: str | None = None
    ) -> bool:
        """Count a failed attempt; ``retry_at=None`` marks the follow-up failed for good."""
        ...

    def claim(self, owner: str, *, now: float, lease: float) -> tuple[list[Job], list[FollowUp]]:
        """Take the running jobs and the undelivered follow-ups of finished jobs that nobody
        holds (or whose holder let its lease run out) for ``lease`` seconds."""
        ...

    def renew(
        self, owner: str, job_ids: Iterable[int], follow_up_ids: Iterable[int], *, until: float
    ) -> tuple[set[int], set[int]]:
        """Extend ``owner``'s leases; returns the job and follow-up ids it still holds."""
        ...

    def active_jobs(self) -> list[Job]: ...

    def undelivered_follow_ups(self) -> list[FollowUp]:
        """Pending follow-ups of finished jobs (those of running jobs come with the finish)."""
        ...

    def count_active_jobs(self) -> int: ...

    def count_pending_follow_ups(self) -> int: ...

    def close(self) -> None: ...


class SqlWakeupStore(WakeupStore):
    """The wake-up store's SQL, shared by both engines; a subclass opens the transactions."""

    _keep_finished_for: float = _KEEP_FINISHED_FOR

    def _transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    shared = True
    _lock_jobs = ""
    """PostgreSQL: " FOR UPDATE SKIP LOCKED", so instances claiming at once split the rows."""
    _lock_follow_ups = ""

    def _claimable(self, alias: str, owner: str, now: float) -> tuple[str, tuple[Any, ...]]:
        # SQLite serves one process: whatever another (earlier) process held is ours now.
        return f"({alias}owner IS NULL OR {alias}owner <> ?)", (owner,)

    def claim(self, owner: str, *, now: float, lease: float) -> tuple[list[Job], list[FollowUp]]:
        until = now + lease
        with self._transaction() as conn:
            where, params = self._claimable("", owner, now)
            rows = conn.execute(
                "UPDATE jobs SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM jobs"  # noqa: S608 (constant SQL)
                f" WHERE finished_at IS NULL AND {where} ORDER BY id{self._lock_jobs})"
                " RETURNING id, account_key, started_at, woken",
                (owner, until, *params),
            ).fetchall()
            where, params = self._claimable("f.", owner, now)
            ids = [
                r["id"]
                for r in conn.execute(
                    "UPDATE follow_ups SET owner = ?, lease_until = ? WHERE id IN (SELECT f.id"  # noqa: S608 (constant SQL)
                    " FROM follow_ups AS f JOIN jobs AS j ON j.id = f.job_id"
                    f" WHERE f.state = 'pending' AND j.finished_at IS NOT NULL AND {where}"
                    f" ORDER BY f.id{self._lock_follow_ups}) RETURNING id",
                    (owner, until, *params),
                ).fetchall()
            ]
            follow_ups = (
                conn.execute(
                    _FOLLOW_UP_SELECT + f" AND f.id IN ({_marks(ids)}) ORDER BY f.id", ids
                ).fetchall()
                if ids
                else []
            )
        jobs = sorted(
            (Job(r["id"], r["account_key"], r["started_at"], bool(r["woken"])) for r in rows),
            key=lambda job: job.job_id,
        )
        return jobs, [_follow_up_from_row(row) for row in follow_ups]

    def renew(
        self, owner: str, job_ids: Iterable[int], follow_up_ids: Iterable[int], *, until: float
    ) -> tuple[set[int], set[int]]:
        held: list[set[int]] = []
        with self._transaction() as conn:
            for table, wanted in (("jobs", list(job_ids)), ("follow_ups", list(follow_up_ids))):
                if not wanted:
                    held.append(set())
                    continue
                rows = conn.execute(
                    f"UPDATE {table} SET lease_until = ? WHERE owner = ?"  # noqa: S608 (constant SQL)
                    f" AND id IN ({_marks(wanted)}) RETURNING id",
                    (until, owner, *wanted),
                ).fetchall()
                held.append({r["id"] for r in rows})
        return held[0], held[1]

    def add_request(
        self,
        account_key: str,
        requester: Requester,
        *,
        started_at: float,
        owner: str | None = None,
        lease_until: float | None = None,
    ) -> tuple[Job, bool]:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT id, started_at, woken FROM jobs"
                " WHERE account_key = ? AND finished_at IS NULL",
                (account_key,),
            ).fetchone()
            joined = row is not None
            if row is None:
                inserted = (
                    conn.execute(
                        "INSERT INTO jobs (account_key, started_at, owner, lease_until)"
                        " VALUES (?, ?, ?, ?) RETURNING id",
                        (account_key, started_at, owner, lease_until),
                    )
                    if self.shared
                    else conn.execute(
                        "INSERT INTO jobs (account_key, started_at) VALUES (?, ?) RETURNING id",
                        (account_key, started_at),
                    )
                ).fetchone()
                job = Job(inserted["id"], account_key, started_at, woken=False)
            else:
                job = Job(row["id"], account_key, row["started_at"], bool(row["woken"]))
            self._insert_follow_up(conn, job, requester)
        return job, joined

    def mark_woken(self, job_id: int, *, owner: str | None = None) -> bool:
        fence, held_by = _fence(owner if self.shared else None)
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET woken = 1 WHERE id = ?" + fence,  # noqa: S608 (constant SQL)
                (job_id, *held_by),
            )
            return cursor.rowcount > 0

    def restart_job(self, job_id: int, *, started_at: float, owner: str | None = None) -> bool:
        fence, held_by = _fence(owner if self.shared else None)
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET started_at = ? WHERE id = ?" + fence,  # noqa: S608 (constant SQL)
                (started_at, job_id, *held_by),
            )
            return cursor.rowcount > 0

    def finish_job(
        self,
        job_id: int,
        outcome: WakeupOutcome,
        *,
        owner: str | None = None,
        lease_until: float | None = None,
    ) -> list[FollowUp]:
        fence, held_by = _fence(owner if self.shared else None)
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET finished_at = ?, outcome = ? WHERE id = ? AND finished_at IS NULL"  # noqa: S608 (constant SQL)
                + fence,
                (outcome.finished_at, _encode_outcome(outcome), job_id, *held_by),
            )
            if cursor.rowcount == 0:
                return []
            if self.shared:  # the finisher delivers: it holds the follow-ups from now on
                conn.execute(
                    "UPDATE follow_ups SET owner = ?, lease_until = ?"
                    " WHERE job_id = ? AND state = 'pending'",
                    (owner, lease_until, job_id),
                )
            rows = conn.execute(
                _FOLLOW_UP_SELECT + " AND f.job_id = ? ORDER BY f.id", (job_id,)
            ).fetchall()
            # Settled jobs are kept a while for inspection, then dropped with their follow-ups.
            conn.execute(
                "DELETE FROM jobs WHERE finished_at < ? AND NOT EXISTS"
                " (SELECT 1 FROM follow_ups AS f WHERE f.job_id = jobs.id AND f.state = 'pending')",
                (outcome.finished_at - self._keep_finished_for,),
            )
        return [_follow_up_from_row(row) for row in rows]

    def mark_delivered(self, follow_up_id: int, *, owner: str | None = None) -> bool:
        fence, held_by = _fence(owner if self.shared else None)
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE follow_ups SET state = 'delivered' WHERE id = ?" + fence,  # noqa: S608 (constant SQL)
                (follow_up_id, *held_by),
            )
            return cursor.rowcount > 0

    def record_delivery_failure(
        self, follow_up_id: int, *, error: str, retry_at: float | None, owner: str | None = None
    ) -> bool:
        fence, held_by = _fence(owner if self.shared else None)
        state = "pending" if retry_at is not None else "failed"
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE follow_ups SET attempts = attempts + 1, last_error = ?,"  # noqa: S608 (constant SQL)
                " next_attempt_at = ?, state = ? WHERE id = ?" + fence,
                (error, retry_at, state, follow_up_id, *held_by),
            )
            return cursor.rowcount > 0

    def active_jobs(self) -> list[Job]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT id, account_key, started_at, woken FROM jobs"
                " WHERE finished_at IS NULL ORDER BY id"
            ).fetchall()
        return [Job(r["id"], r["account_key"], r["started_at"], bool(r["woken"])) for r in rows]

    def undelivered_follow_ups(self) -> list[FollowUp]:
        with self._transaction() as conn:
            rows = conn.execute(_FOLLOW_UP_SELECT + " ORDER BY f.id").fetchall()
        return [_follow_up_from_row(row) for row in rows]

    def count_active_jobs(self) -> int:
        return self._count("SELECT COUNT(*) FROM jobs WHERE finished_at IS NULL")

    def count_pending_follow_ups(self) -> int:
        return self._count("SELECT COUNT(*) FROM follow_ups WHERE state = 'pending'")

    def _count(self, sql: str) -> int:
        with self._transaction() as conn:
            count: int = conn.execute(sql).fetchone()[0]
        return count


class SqliteWakeupStore(SqliteFile, SqlWakeupStore):
    """A SQLite file in WAL mode behind one connection and one lock.

    Every commit is synced (``synchronous=FULL``): wake-ups are human-paced, and a lost
    "delivered" mark would mean a duplicate message.
    """

    failure = "Wake-up state store"

    shared = False

    def __init__(self, path: str | Path, *, keep_finished_for: float = _KEEP_FINISHED_FOR) -> None:
        self._path = str(path)
        self._keep_finished_for = keep_finished_for
        self._lock = threading.Lock()
        self._conn = _connect(self._path)
        self._claimed = False

    def claim(self, owner: str, *, now: float, lease: float) -> tuple[list[Job], list[FollowUp]]:
        """One process owns the file, so the lease is trivially held: the first claim takes
        everything an earlier process left, later ones find nothing new."""
        with self._lock:
            if self._claimed:
                return [], []
            self._claimed = True
        return self.active_jobs(), self.undelivered_follow_ups()

    def renew(
        self, owner: str, job_ids: Iterable[int], follow_up_ids: Iterable[int], *, until: float
    ) -> tuple[set[int], set[int]]:
        return set(job_ids), set(follow_up_ids)


def _fence(owner: str | None) -> tuple[str, tuple[str, ...]]:
    """The condition that makes a write happen only while ``owner`` holds the row."""
    return ("", ()) if owner is None else (" AND owner = ?", (owner,))


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _connect(path: str) -> sqlite3.Connection:
    """Open, check and migrate the file, so that any problem shows at start, not mid-wait."""
    if path != _MEMORY:
        _ensure_directory(path)
    try:
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StateStoreError(_open_error_message(path, exc)) from exc
    try:
        _prepare(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _ensure_directory(path: str) -> None:
    directory = Path(path).parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # mkdir says "File exists" when a file stands where the directory should be.
        reason = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise StateStoreError(
            f"Cannot create directory {directory} for the wake-up state file {path}:"
            f" {reason or exc}. Create it, or choose a state path in a writable directory."
        ) from exc


def _prepare(conn: sqlite3.Connection, path: str) -> None:
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise StateStoreError(_corrupt_message(path, "; ".join(problems[:3])))
        _migrate(conn, path)
    except sqlite3.Error as exc:
        raise StateStoreError(_open_error_message(path, exc)) from exc


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the schema to ``SCHEMA_VERSION``; always writes, so a read-only file fails here."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateStoreError(
                f"Wake-up state file {path} has schema version {version}, newer than this"
                f" bot understands ({SCHEMA_VERSION}). Upgrade the bot or use another state path."
            )
        for statements in _MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _open_error_message(path: str, exc: sqlite3.Error) -> str:
    if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return _corrupt_message(path, str(exc))
    return (
        f"Cannot open the wake-up state file {path} for writing ({exc}). Make the file and its"
        " directory writable by this user (SQLite also writes -wal and -shm files next to it),"
        " or choose another state path."
    )


def _corrupt_message(path: str, detail: str) -> str:
    return (
        f"Wake-up state file {path} is damaged or not a SQLite database ({detail}). Move it aside"
        " to start with an empty state (wake-ups pending in it will not be followed up)."
    )


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot store {type(value).__name__} in wake-up state")


def _encode_outcome(outcome: WakeupOutcome) -> str:
    return json.dumps(dataclasses.asdict(outcome), default=_json_default)


_AGENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Agent))


def _decode_agent(data: dict[str, Any]) -> Agent:
    values = {name: value for name, value in data.items() if name in _AGENT_FIELDS}
    values["status"] = AgentStatus(values.get("status", AgentStatus.UNKNOWN.value))
    if values.get("last_successful_backup") is not None:
        values["last_successful_backup"] = datetime.fromisoformat(values["last_successful_backup"])
    if values.get("public_key") is not None:
        values["public_key"] = PublicKey(**values["public_key"])
    return Agent(**values)


def _decode_outcome(text: str) -> WakeupOutcome:
    data = json.loads(text)
    return WakeupOutcome(
        account_key=data["account_key"],
        agents=tuple(_decode_agent(agent) for agent in data["agents"]),
        started_at=data["started_at"],
        finished_at=data["finished_at"],
        gave_up=data["gave_up"],
        error=data["error"],
    )


def _follow_up_from_row(row: Any) -> FollowUp:
    return FollowUp(
        follow_up_id=row["id"],
        job_id=row["job_id"],
        requester=Requester(
            user_id=row["user_id"],
            channel_id=row["channel_id"],
            response_url=row["response_url"],
            requested_at=row["requested_at"],
            user_name=row["user_name"],
            team_id=row["team_id"],
        ),
        outcome=_decode_outcome(row["outcome"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
    )
