"""Durable watch state: subscriptions, incidents, their Slack messages, held items, reports.

It lives in the wake-up state file (schema version 2 in bot/wakeup/store.py) behind its own
connection. ``WatchStore`` is the contract a PostgreSQL store will also meet; its SQL sticks
to what both engines accept (``ON CONFLICT``, partial unique indexes, no ``INSERT OR``).

Posting is recorded around the call: a message row is written as ``posting`` before
``chat.postMessage`` and becomes ``posted`` with its ``ts`` after, so a restart never posts
a message that is known to be out. What remains at-least-once: a crash between Slack
accepting a post and the ``posted`` commit leaves a ``posting`` row, which the next start
discards so the incident is posted again (a duplicate is better than a lost alert). Thread
replies and reminders are marked before they are sent, so the same window can lose one
of those instead (at-most-once): they matter less than the alert itself.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from bot.storage import Connection, SqliteFile
from bot.wakeup.store import _connect
from bot.watch.model import (
    AccountState,
    Announce,
    Announcement,
    Condition,
    Incident,
    IncidentKey,
    Open,
    OpenIncident,
    Resolve,
    SeenAgent,
    Transition,
    Update,
)

CATCH_UP_ACCOUNT = "*"
"""The account key of catch-up messages, which speak of every account a channel watches."""


@dataclass(frozen=True, slots=True)
class Subscription:
    channel_id: str
    account_key: str
    configured: bool
    created_at: float
    last_report_at: float | None


@dataclass(frozen=True, slots=True)
class MessageItem:
    incident_id: int
    replied: bool


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One Slack message the watcher owns: an incident's, a grouped one, or a catch-up."""

    message_id: int
    channel_id: str
    account_key: str
    kind: str
    posted: bool
    ts: str | None
    rendered: str
    page: int
    pages: int
    created_at: float
    reminded_at: float | None
    items: tuple[MessageItem, ...]


class WatchStore(Protocol):
    """Each method is one atomic transaction."""

    shared: bool
    """Several instances use it (PostgreSQL): sweeps and channel deliveries are held under
    leases. False (SQLite, one process): every lease is trivially held."""

    def hold(self, name: str, owner: str, *, now: float, until: float) -> tuple[bool, float]:
        """Take or extend the lease ``name`` for ``owner`` until ``until``, if nobody else
        holds it past ``now``; returns whether it is held and until when the row runs."""
        ...

    def release(self, name: str, owner: str) -> None:
        """Let the lease go at once, if ``owner`` still holds it."""
        ...

    def subscribe(
        self, channel_id: str, account_key: str, *, now: float, configured: bool = False
    ) -> bool:
        """True when the channel did not watch the account yet."""
        ...

    def unsubscribe(self, channel_id: str, account_key: str) -> str:
        """``removed``, ``configured`` (refused) or ``absent``."""
        ...

    def subscriptions(self) -> list[Subscription]: ...

    def set_last_report(self, channel_id: str, account_key: str, at: float) -> None: ...

    def load_state(self, account_key: str) -> AccountState: ...

    def apply(
        self,
        state: AccountState,
        transitions: Sequence[Transition],
        *,
        now: float,
        swept: bool,
        fence: tuple[str, str] | None = None,
    ) -> bool:
        """Store the engine's new state and its transitions (``swept``: a sweep happened).

        ``fence`` (lease name, owner): only while that owner holds the lease; False if not.
        """
        ...

    def incident(self, incident_id: int) -> Incident | None: ...

    def incidents(self, account_key: str, *, open_only: bool) -> list[Incident]: ...

    def incidents_resolved_since(self, account_key: str, since: float) -> list[Incident]: ...

    def acknowledge(self, incident_id: int, user_id: str, *, now: float) -> Incident | None: ...

    def snooze(self, incident_id: int, user_id: str, *, until: float) -> Incident | None: ...

    def messages(self, channel_id: str, account_key: str | None = None) -> list[MessageRecord]:
        """The channel's messages, of one account (catch-ups, kept under ``*``, included)."""
        ...

    def begin_message(
        self,
        channel_id: str,
        account_key: str,
        kind: str,
        incident_ids: Sequence[int],
        *,
        now: float,
        page: int = 1,
        pages: int = 1,
        owner: str | None = None,
        lease_until: float | None = None,
    ) -> int: ...

    def message_posted(self, message_id: int, ts: str, rendered: str) -> None: ...

    def drop_message(self, message_id: int) -> None: ...

    def set_rendered(self, message_id: int, rendered: str) -> None: ...

    def mark_replied(self, message_id: int, incident_ids: Iterable[int]) -> None: ...

    def set_reminded(self, message_id: int, at: float) -> None: ...

    def discard_unconfirmed_posts(
        self, owner: str | None = None, *, now: float | None = None, channel: str | None = None
    ) -> int:
        """Drop ``posting`` rows: on a shared store only ``owner``'s own, unowned ones and
        those whose lease ran out before ``now``; with ``channel`` (held under its delivery
        lease), every one of that channel."""
        ...

    def quiet_since(self, channel_id: str) -> float | None: ...

    def set_quiet(self, channel_id: str, since: float | None) -> None: ...

    def pending_announcements(self, channel_id: str) -> list[Announcement]: ...

    def announcement_delivered(self, announcement_id: int, channel_id: str) -> None: ...

    def prune(self, *, before: float) -> int: ...

    def close(self) -> None: ...


_SELECT_INCIDENTS = (
    "SELECT id, account_key, condition, agent_id, agent_name, datacenter, since, opened_at,"
    " detail, resolved_at, resolution, acknowledged_by, acknowledged_at, snoozed_until,"
    " snoozed_by FROM watch_incidents"
)
_BY_ID = _SELECT_INCIDENTS + " WHERE id = ?"
_OF_ACCOUNT = _SELECT_INCIDENTS + " WHERE account_key = ? ORDER BY id"
_OPEN_OF_ACCOUNT = _SELECT_INCIDENTS + " WHERE account_key = ? AND resolved_at IS NULL ORDER BY id"
_RESOLVED_SINCE = (
    _SELECT_INCIDENTS + " WHERE account_key = ? AND resolved_at IS NOT NULL AND resolved_at >= ?"
    " ORDER BY resolved_at, id"
)


class SqlWatchStore(WatchStore):
    """The watch store's SQL, shared by both engines; a subclass opens the transactions."""

    def _transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    shared = True

    # -- leases -------------------------------------------------------------------------

    def hold(self, name: str, owner: str, *, now: float, until: float) -> tuple[bool, float]:
        with self._transaction() as conn:
            row = conn.execute(
                "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until"
                " WHERE leases.owner = excluded.owner OR leases.until <= ? RETURNING until",
                (name, owner, until, now),
            ).fetchone()
            if row is not None:
                return True, float(row["until"])
            row = conn.execute("SELECT until FROM leases WHERE name = ?", (name,)).fetchone()
        return False, float(row["until"]) if row is not None else now

    def release(self, name: str, owner: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    def _fenced(self, conn: Connection, fence: tuple[str, str] | None) -> bool:
        if fence is None or not self.shared:
            return True
        row = conn.execute(
            "SELECT owner FROM leases WHERE name = ?" + self._lock_lease,  # noqa: S608 (constant SQL)
            (fence[0],),
        ).fetchone()
        return row is not None and row["owner"] == fence[1]

    _lock_lease = ""
    """PostgreSQL: " FOR UPDATE", so a fenced write and a take-over do not interleave."""

    # -- subscriptions ------------------------------------------------------------------

    def subscribe(
        self, channel_id: str, account_key: str, *, now: float, configured: bool = False
    ) -> bool:
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO watch_subscriptions (channel_id, account_key, configured,"
                " created_at, last_report_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (channel_id, account_key) DO NOTHING",
                (channel_id, account_key, int(configured), now, now),
            )
            if cursor.rowcount == 0 and configured:
                conn.execute(
                    "UPDATE watch_subscriptions SET configured = 1"
                    " WHERE channel_id = ? AND account_key = ?",
                    (channel_id, account_key),
                )
            return cursor.rowcount > 0

    def unsubscribe(self, channel_id: str, account_key: str) -> str:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT configured FROM watch_subscriptions"
                " WHERE channel_id = ? AND account_key = ?",
                (channel_id, account_key),
            ).fetchone()
            if row is None:
                return "absent"
            if row["configured"]:
                return "configured"
            conn.execute(
                "DELETE FROM watch_subscriptions WHERE channel_id = ? AND account_key = ?",
                (channel_id, account_key),
            )
            conn.execute(
                "DELETE FROM watch_announcement_deliveries WHERE channel_id = ? AND"
                " announcement_id IN (SELECT id FROM watch_announcements WHERE account_key = ?)",
                (channel_id, account_key),
            )
            return "removed"

    def subscriptions(self) -> list[Subscription]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT channel_id, account_key, configured, created_at, last_report_at"
                " FROM watch_subscriptions ORDER BY channel_id, account_key"
            ).fetchall()
        return [
            Subscription(
                r["channel_id"],
                r["account_key"],
                bool(r["configured"]),
                r["created_at"],
                r["last_report_at"],
            )
            for r in rows
        ]

    def set_last_report(self, channel_id: str, account_key: str, at: float) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE watch_subscriptions SET last_report_at = ?"
                " WHERE channel_id = ? AND account_key = ?",
                (at, channel_id, account_key),
            )

    # -- engine state -------------------------------------------------------------------

    def load_state(self, account_key: str) -> AccountState:
        with self._transaction() as conn:
            account = conn.execute(
                "SELECT swept, failures, first_failure_at, last_error FROM watch_accounts"
                " WHERE account_key = ?",
                (account_key,),
            ).fetchone()
            agents = conn.execute(
                "SELECT agent_id, name, datacenter, online, is_disabled, last_backup, first_seen"
                " FROM watch_agents WHERE account_key = ?",
                (account_key,),
            ).fetchall()
            incidents = conn.execute(
                "SELECT condition, agent_id, since, detail, agent_name, datacenter"
                " FROM watch_incidents WHERE account_key = ? AND resolved_at IS NULL",
                (account_key,),
            ).fetchall()
        seen = {
            r["agent_id"]: SeenAgent(
                agent_id=r["agent_id"],
                name=r["name"],
                datacenter=r["datacenter"],
                online=bool(r["online"]),
                is_disabled=None if r["is_disabled"] is None else bool(r["is_disabled"]),
                last_backup=r["last_backup"],
                first_seen=r["first_seen"],
            )
            for r in agents
        }
        opened: dict[IncidentKey, OpenIncident] = {}
        for r in incidents:
            key = (Condition(r["condition"]), int(r["agent_id"]))
            opened[key] = OpenIncident(
                key, r["since"], r["detail"], r["agent_name"], r["datacenter"]
            )
        return AccountState(
            account_key=account_key,
            swept=bool(account["swept"]) if account else False,
            agents=MappingProxyType(seen),
            failures=account["failures"] if account else 0,
            first_failure_at=account["first_failure_at"] if account else None,
            last_error=account["last_error"] if account else None,
            open=MappingProxyType(opened),
        )

    def apply(
        self,
        state: AccountState,
        transitions: Sequence[Transition],
        *,
        now: float,
        swept: bool,
        fence: tuple[str, str] | None = None,
    ) -> bool:
        key = state.account_key
        with self._transaction() as conn:
            if not self._fenced(conn, fence):
                return False
            conn.execute(
                "INSERT INTO watch_accounts (account_key, swept, failures, first_failure_at,"
                " last_error, last_sweep_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (account_key) DO UPDATE SET swept = excluded.swept,"
                " failures = excluded.failures, first_failure_at = excluded.first_failure_at,"
                " last_error = excluded.last_error,"
                " last_sweep_at = COALESCE(excluded.last_sweep_at, watch_accounts.last_sweep_at)",
                (
                    key,
                    int(state.swept),
                    state.failures,
                    state.first_failure_at,
                    state.last_error,
                    now if swept else None,
                ),
            )
            if swept:
                conn.execute("DELETE FROM watch_agents WHERE account_key = ?", (key,))
                conn.executemany(
                    "INSERT INTO watch_agents (account_key, agent_id, name, datacenter, online,"
                    " is_disabled, last_backup, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            key,
                            a.agent_id,
                            a.name,
                            a.datacenter,
                            int(a.online),
                            None if a.is_disabled is None else int(a.is_disabled),
                            a.last_backup,
                            a.first_seen,
                        )
                        for a in state.agents.values()
                    ],
                )
            for transition in transitions:
                self._apply_one(conn, key, transition, now)
        return True

    def _apply_one(
        self, conn: Connection, account_key: str, transition: Transition, now: float
    ) -> None:
        if isinstance(transition, Open):
            i = transition.incident
            conn.execute(
                "INSERT INTO watch_incidents (account_key, condition, agent_id, agent_name,"
                " datacenter, since, opened_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    account_key,
                    i.key[0].value,
                    i.key[1],
                    i.agent_name,
                    i.datacenter,
                    i.since,
                    now,
                    i.detail,
                ),
            )
        elif isinstance(transition, Update):
            i = transition.incident
            conn.execute(
                "UPDATE watch_incidents SET agent_name = ?, datacenter = ?, detail = ?"
                " WHERE account_key = ? AND condition = ? AND agent_id = ?"
                " AND resolved_at IS NULL",
                (i.agent_name, i.datacenter, i.detail, account_key, i.key[0].value, i.key[1]),
            )
        elif isinstance(transition, Resolve):
            conn.execute(
                "UPDATE watch_incidents SET resolved_at = ?, resolution = ?"
                " WHERE account_key = ? AND condition = ? AND agent_id = ?"
                " AND resolved_at IS NULL",
                (now, transition.reason, account_key, transition.key[0].value, transition.key[1]),
            )
        elif isinstance(transition, Announce):
            inserted = conn.execute(
                "INSERT INTO watch_announcements (account_key, at, appeared, disappeared)"
                " VALUES (?, ?, ?, ?) RETURNING id",
                (
                    account_key,
                    now,
                    json.dumps([[a.agent_id, a.name] for a in transition.appeared]),
                    json.dumps([[a.agent_id, a.name] for a in transition.disappeared]),
                ),
            ).fetchone()
            conn.execute(
                "INSERT INTO watch_announcement_deliveries (announcement_id, channel_id)"
                " SELECT ?, channel_id FROM watch_subscriptions WHERE account_key = ?",
                (inserted["id"], account_key),
            )

    # -- incidents ----------------------------------------------------------------------

    def incident(self, incident_id: int) -> Incident | None:
        with self._transaction() as conn:
            row = conn.execute(_BY_ID, (incident_id,)).fetchone()
        return None if row is None else _incident(row)

    def incidents(self, account_key: str, *, open_only: bool) -> list[Incident]:
        query = _OPEN_OF_ACCOUNT if open_only else _OF_ACCOUNT
        with self._transaction() as conn:
            rows = conn.execute(query, (account_key,)).fetchall()
        return [_incident(r) for r in rows]

    def incidents_resolved_since(self, account_key: str, since: float) -> list[Incident]:
        with self._transaction() as conn:
            rows = conn.execute(_RESOLVED_SINCE, (account_key, since)).fetchall()
        return [_incident(r) for r in rows]

    def acknowledge(self, incident_id: int, user_id: str, *, now: float) -> Incident | None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE watch_incidents SET acknowledged_by = ?, acknowledged_at = ?"
                " WHERE id = ? AND resolved_at IS NULL AND acknowledged_by IS NULL",
                (user_id, now, incident_id),
            )
        return self.incident(incident_id)

    def snooze(self, incident_id: int, user_id: str, *, until: float) -> Incident | None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE watch_incidents SET snoozed_until = ?, snoozed_by = ?"
                " WHERE id = ? AND resolved_at IS NULL",
                (until, user_id, incident_id),
            )
        return self.incident(incident_id)

    # -- messages -----------------------------------------------------------------------

    def messages(self, channel_id: str, account_key: str | None = None) -> list[MessageRecord]:
        wanted = (account_key, CATCH_UP_ACCOUNT) if account_key is not None else None
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT id, channel_id, account_key, kind, state, ts, rendered, page, pages,"
                " created_at, reminded_at FROM watch_messages"
                " WHERE channel_id = ? ORDER BY id",
                (channel_id,),
            ).fetchall()
            items = conn.execute(
                "SELECT i.message_id, i.incident_id, i.replied FROM watch_message_items AS i"
                " JOIN watch_messages AS m ON m.id = i.message_id"
                " WHERE m.channel_id = ? ORDER BY i.incident_id",
                (channel_id,),
            ).fetchall()
        if wanted is not None:
            rows = [r for r in rows if r["account_key"] in wanted]
        by_message: dict[int, list[MessageItem]] = {}
        for item in items:
            by_message.setdefault(item["message_id"], []).append(
                MessageItem(item["incident_id"], bool(item["replied"]))
            )
        return [
            MessageRecord(
                message_id=r["id"],
                channel_id=r["channel_id"],
                account_key=r["account_key"],
                kind=r["kind"],
                posted=r["state"] == "posted",
                ts=r["ts"],
                rendered=r["rendered"],
                page=r["page"],
                pages=r["pages"],
                created_at=r["created_at"],
                reminded_at=r["reminded_at"],
                items=tuple(by_message.get(r["id"], ())),
            )
            for r in rows
        ]

    def begin_message(
        self,
        channel_id: str,
        account_key: str,
        kind: str,
        incident_ids: Sequence[int],
        *,
        now: float,
        page: int = 1,
        pages: int = 1,
        owner: str | None = None,
        lease_until: float | None = None,
    ) -> int:
        with self._transaction() as conn:
            inserted = (
                conn.execute(
                    "INSERT INTO watch_messages (channel_id, account_key, kind, created_at, page,"
                    " pages, owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (channel_id, account_key, kind, now, page, pages, owner, lease_until),
                )
                if self.shared
                else conn.execute(
                    "INSERT INTO watch_messages (channel_id, account_key, kind, created_at, page,"
                    " pages) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (channel_id, account_key, kind, now, page, pages),
                )
            ).fetchone()
            message_id: int = inserted["id"]
            conn.executemany(
                "INSERT INTO watch_message_items (message_id, incident_id) VALUES (?, ?)",
                [(message_id, incident_id) for incident_id in incident_ids],
            )
        return message_id

    def message_posted(self, message_id: int, ts: str, rendered: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE watch_messages SET state = 'posted', ts = ?, rendered = ? WHERE id = ?",
                (ts, rendered, message_id),
            )

    def drop_message(self, message_id: int) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM watch_messages WHERE id = ?", (message_id,))

    def set_rendered(self, message_id: int, rendered: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE watch_messages SET rendered = ? WHERE id = ?", (rendered, message_id)
            )

    def mark_replied(self, message_id: int, incident_ids: Iterable[int]) -> None:
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE watch_message_items SET replied = 1"
                " WHERE message_id = ? AND incident_id = ?",
                [(message_id, incident_id) for incident_id in incident_ids],
            )

    def set_reminded(self, message_id: int, at: float) -> None:
        with self._transaction() as conn:
            conn.execute("UPDATE watch_messages SET reminded_at = ? WHERE id = ?", (at, message_id))

    def discard_unconfirmed_posts(
        self, owner: str | None = None, *, now: float | None = None, channel: str | None = None
    ) -> int:
        sql = "DELETE FROM watch_messages WHERE state = 'posting'"
        params: tuple[Any, ...] = ()
        if channel is not None:
            sql, params = sql + " AND channel_id = ?", (channel,)
        elif self.shared and owner is not None:
            # Another live instance may be posting right now: leave its rows alone.
            sql += " AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until < ?)"
            params = (owner, time.time() if now is None else now)
        with self._transaction() as conn:
            cursor = conn.execute(sql, params)
            return cursor.rowcount

    # -- quiet hours and announcements -----------------------------------------------------

    def quiet_since(self, channel_id: str) -> float | None:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT since FROM watch_quiet WHERE channel_id = ?", (channel_id,)
            ).fetchone()
        return None if row is None else float(row["since"])

    def set_quiet(self, channel_id: str, since: float | None) -> None:
        with self._transaction() as conn:
            if since is None:
                conn.execute("DELETE FROM watch_quiet WHERE channel_id = ?", (channel_id,))
            else:
                conn.execute(
                    "INSERT INTO watch_quiet (channel_id, since) VALUES (?, ?)"
                    " ON CONFLICT (channel_id) DO NOTHING",
                    (channel_id, since),
                )

    def pending_announcements(self, channel_id: str) -> list[Announcement]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT a.id, a.account_key, a.at, a.appeared, a.disappeared"
                " FROM watch_announcements AS a JOIN watch_announcement_deliveries AS d"
                " ON d.announcement_id = a.id WHERE d.channel_id = ? ORDER BY a.id",
                (channel_id,),
            ).fetchall()
        return [
            Announcement(
                r["id"],
                r["account_key"],
                r["at"],
                tuple((int(i), str(n)) for i, n in json.loads(r["appeared"])),
                tuple((int(i), str(n)) for i, n in json.loads(r["disappeared"])),
            )
            for r in rows
        ]

    def announcement_delivered(self, announcement_id: int, channel_id: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM watch_announcement_deliveries"
                " WHERE announcement_id = ? AND channel_id = ?",
                (announcement_id, channel_id),
            )

    def prune(self, *, before: float) -> int:
        """Drop incidents resolved before ``before``, and messages left with nothing in them."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM watch_incidents WHERE resolved_at IS NOT NULL AND resolved_at < ?",
                (before,),
            )
            conn.execute(
                "DELETE FROM watch_messages WHERE state = 'posted' AND NOT EXISTS"
                " (SELECT 1 FROM watch_message_items AS i WHERE i.message_id = watch_messages.id)"
            )
            conn.execute("DELETE FROM watch_announcements WHERE at < ?", (before,))
            return cursor.rowcount


class SqliteWatchStore(SqliteFile, SqlWatchStore):
    """One connection and one lock, WAL and ``synchronous=FULL`` like the wake-up store."""

    failure = "Watch state store"

    shared = False

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._lock = threading.Lock()
        self._conn = _connect(self._path)

    def hold(self, name: str, owner: str, *, now: float, until: float) -> tuple[bool, float]:
        return True, until  # one process: the lease is trivially held

    def release(self, name: str, owner: str) -> None:
        return None


def _incident(r: Any) -> Incident:
    return Incident(
        incident_id=r["id"],
        account_key=r["account_key"],
        condition=Condition(r["condition"]),
        agent_id=r["agent_id"],
        agent_name=r["agent_name"],
        datacenter=r["datacenter"],
        since=r["since"],
        opened_at=r["opened_at"],
        detail=r["detail"],
        resolved_at=r["resolved_at"],
        resolution=r["resolution"],
        acknowledged_by=r["acknowledged_by"],
        acknowledged_at=r["acknowledged_at"],
        snoozed_until=r["snoozed_until"],
        snoozed_by=r["snoozed_by"],
    )
