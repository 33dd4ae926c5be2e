"""``backup-bot state migrate --from PATH --to URL``: an SQLite state into PostgreSQL.

What is copied is what a running bot still owes someone: unfinished wake-up jobs and every
undelivered follow-up (with the finished job it answers), the watch subscriptions with their
report times, the seen fleets and sweep state of each account, the open incidents with the
Slack messages (and ``ts``) that show them, and quiet-hour marks. History (delivered
follow-ups, resolved incidents) stays behind.

Each row is matched on what identifies it outside the file (a follow-up by its
``response_url``, an incident by account, condition and agent, a message by channel and
``ts``), never on SQLite's ids, so a second run finds everything there and copies nothing.
The copy is one PostgreSQL transaction: it lands whole or not at all. Stop the bot that
uses the file first, or what it does meanwhile is not copied.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage import Connection, StateStoreError
from bot.wakeup.store import SCHEMA_VERSION as SQLITE_SCHEMA_VERSION

KINDS = (
    ("jobs", "wake-up jobs"),
    ("follow_ups", "follow-ups"),
    ("subscriptions", "watch subscriptions"),
    ("accounts", "watched accounts"),
    ("agents", "seen agents"),
    ("incidents", "open incidents"),
    ("messages", "incident messages"),
    ("quiet", "quiet-hour marks"),
)


@dataclass
class MigrationReport:
    copied: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        return [
            f"{label}: {self.copied[kind]} copied, {self.already[kind]} already there"
            for kind, label in KINDS
        ]


def _open_source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StateStoreError(f"State file {path} not found: give the STATE_PATH the bot used")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise StateStoreError(f"Cannot read the state file {path}: {exc}") from exc
    if version > SQLITE_SCHEMA_VERSION or version < 1:
        conn.close()
        raise StateStoreError(
            f"State file {path} has schema version {version}; this bot copies"
            f" versions 1 to {SQLITE_SCHEMA_VERSION}"
        )
    return conn


def _tables(src: sqlite3.Connection) -> set[str]:
    return {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def migrate(source: Path, url: str) -> MigrationReport:
    """Copy ``source``'s pending work into the PostgreSQL state at ``url`` (schema migrated
    first); returns what was copied and what was found already there."""
    from bot.state.postgres import PostgresState

    src = _open_source(source)
    try:
        state = PostgresState(url)
        try:
            report = MigrationReport()
            with state.transaction() as dst:
                _copy_wakeups(src, dst, report)
                if "watch_subscriptions" in _tables(src):
                    _copy_watch(src, dst, report)
            return report
        finally:
            state.close()
    finally:
        src.close()


def _count(report: MigrationReport, kind: str, inserted: bool) -> None:
    (report.copied if inserted else report.already)[kind] += 1


def _copy_wakeups(src: sqlite3.Connection, dst: Connection, report: MigrationReport) -> None:
    jobs = src.execute(
        "SELECT id, account_key, started_at, woken, finished_at, outcome FROM jobs"
        " WHERE finished_at IS NULL OR id IN"
        " (SELECT job_id FROM follow_ups WHERE state = 'pending') ORDER BY id"
    ).fetchall()
    for job in jobs:
        target = _target_job(dst, job)
        if target is None:
            target = dst.execute(
                "INSERT INTO jobs (account_key, started_at, woken, finished_at, outcome)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (
                    job["account_key"],
                    job["started_at"],
                    job["woken"],
                    job["finished_at"],
                    job["outcome"],
                ),
            ).fetchone()["id"]
            _count(report, "jobs", True)
        else:
            _count(report, "jobs", False)
        for f in src.execute(
            "SELECT user_id, channel_id, response_url, requested_at, user_name, team_id,"
            " attempts, next_attempt_at, last_error FROM follow_ups"
            " WHERE job_id = ? AND state = 'pending' ORDER BY id",
            (job["id"],),
        ).fetchall():
            # A response_url is made for one request: it names the follow-up anywhere.
            known = dst.execute(
                "SELECT 1 FROM follow_ups WHERE response_url = ? AND user_id = ?",
                (f["response_url"], f["user_id"]),
            ).fetchone()
            if known is None:
                dst.execute(
                    "INSERT INTO follow_ups (job_id, user_id, channel_id, response_url,"
                    " requested_at, user_name, team_id, attempts, next_attempt_at, last_error)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (target, *tuple(f)),
                )
            _count(report, "follow_ups", known is None)


def _target_job(dst: Connection, job: Any) -> int | None:
    """The job already copied (same account and start), or for a running one the account's
    running job: its requesters join that one rather than start a second."""
    row = dst.execute(
        "SELECT id FROM jobs WHERE account_key = ? AND started_at = ?",
        (job["account_key"], job["started_at"]),
    ).fetchone()
    if row is None and job["finished_at"] is None:
        row = dst.execute(
            "SELECT id FROM jobs WHERE account_key = ? AND finished_at IS NULL",
            (job["account_key"],),
        ).fetchone()
    return None if row is None else int(row["id"])


def _copy_watch(src: sqlite3.Connection, dst: Connection, report: MigrationReport) -> None:
    for s in src.execute(
        "SELECT channel_id, account_key, configured, created_at, last_report_at"
        " FROM watch_subscriptions"
    ).fetchall():
        cursor = dst.execute(
            "INSERT INTO watch_subscriptions (channel_id, account_key, configured, created_at,"
            " last_report_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            tuple(s),
        )
        _count(report, "subscriptions", cursor.rowcount > 0)
    for a in src.execute(
        "SELECT account_key, swept, failures, first_failure_at, last_error, last_sweep_at"
        " FROM watch_accounts"
    ).fetchall():
        cursor = dst.execute(
            "INSERT INTO watch_accounts (account_key, swept, failures, first_failure_at,"
            " last_error, last_sweep_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            tuple(a),
        )
        _count(report, "accounts", cursor.rowcount > 0)
    for g in src.execute(
        "SELECT account_key, agent_id, name, datacenter, online, is_disabled, last_backup,"
        " first_seen FROM watch_agents"
    ).fetchall():
        cursor = dst.execute(
            "INSERT INTO watch_agents (account_key, agent_id, name, datacenter, online,"
            " is_disabled, last_backup, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            tuple(g),
        )
        _count(report, "agents", cursor.rowcount > 0)
    incident_ids = _copy_incidents(src, dst, report)
    _copy_messages(src, dst, report, incident_ids)
    for q in src.execute("SELECT channel_id, since FROM watch_quiet").fetchall():
        cursor = dst.execute(
            "INSERT INTO watch_quiet (channel_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
            tuple(q),
        )
        _count(report, "quiet", cursor.rowcount > 0)


def _copy_incidents(
    src: sqlite3.Connection, dst: Connection, report: MigrationReport
) -> dict[int, int]:
    """Open incidents; returns SQLite id → PostgreSQL id."""
    ids: dict[int, int] = {}
    for i in src.execute(
        "SELECT id, account_key, condition, agent_id, agent_name, datacenter, since, opened_at,"
        " detail, acknowledged_by, acknowledged_at, snoozed_until, snoozed_by"
        " FROM watch_incidents WHERE resolved_at IS NULL ORDER BY id"
    ).fetchall():
        row = dst.execute(
            "INSERT INTO watch_incidents (account_key, condition, agent_id, agent_name,"
            " datacenter, since, opened_at, detail, acknowledged_by, acknowledged_at,"
            " snoozed_until, snoozed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING id",
            tuple(i)[1:],
        ).fetchone()
        if row is None:
            row = dst.execute(
                "SELECT id FROM watch_incidents WHERE account_key = ? AND condition = ?"
                " AND agent_id = ? AND resolved_at IS NULL",
                (i["account_key"], i["condition"], i["agent_id"]),
            ).fetchone()
            _count(report, "incidents", False)
        else:
            _count(report, "incidents", True)
        ids[int(i["id"])] = int(row["id"])
    return ids


def _copy_messages(
    src: sqlite3.Connection, dst: Connection, report: MigrationReport, incident_ids: dict[int, int]
) -> None:
    """Posted messages showing an open incident, so resolutions update them, not repost."""
    for m in src.execute(
        "SELECT id, channel_id, account_key, kind, ts, rendered, page, pages, created_at,"
        " reminded_at FROM watch_messages WHERE state = 'posted' AND ts IS NOT NULL ORDER BY id"
    ).fetchall():
        items = [
            (incident_ids[int(r["incident_id"])], r["replied"])
            for r in src.execute(
                "SELECT incident_id, replied FROM watch_message_items WHERE message_id = ?",
                (m["id"],),
            ).fetchall()
            if int(r["incident_id"]) in incident_ids
        ]
        if not items:
            continue
        known = dst.execute(
            "SELECT 1 FROM watch_messages WHERE channel_id = ? AND ts = ?",
            (m["channel_id"], m["ts"]),
        ).fetchone()
        _count(report, "messages", known is None)
        if known is not None:
            continue
        message_id = dst.execute(
            "INSERT INTO watch_messages (channel_id, account_key, kind, state, ts, rendered,"
            " page, pages, created_at, reminded_at)"
            " VALUES (?, ?, ?, 'posted', ?, ?, ?, ?, ?, ?) RETURNING id",
            tuple(m)[1:],
        ).fetchone()["id"]
        dst.executemany(
            "INSERT INTO watch_message_items (message_id, incident_id, replied) VALUES (?, ?, ?)",
            [(message_id, incident, replied) for incident, replied in items],
        )


def run_migrate(source: Path, url: str) -> int:
    """The command: what was copied, one line per kind; an error in one line (exit 1)."""
    try:
        report = migrate(source, url)
    except StateStoreError as exc:
        print(f"backup-bot state migrate: {exc}", file=sys.stderr)
        return 1
    print(f"Copied the pending state of {source} into PostgreSQL:")
    for line in report.lines():
        print(f"  {line}")
    return 0
