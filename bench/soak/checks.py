"""The invariants, checked once the run has drained; see the package docstring for what each
one means under faults. Pure functions of what was recorded."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.soak.bot import Stop
from bench.soak.plan import ACK_DEADLINE, CRASH_EDGE, WATCH_CHANNEL
from bench.soak.traffic import WAKEUP_ACKS, Sent
from bot.devtools.fake_slack import RESPONSE_URL, Message
from bot.slack.blocks.limits import check_message

WORKING = ":hourglass_flowing_sand:"
_SINGLE_INCIDENT = re.compile(r"· incident (\d+)")
_MENTION = re.compile(r"<@(UW\d+)>")
SHOWN = 8
"""Examples kept per broken invariant."""


@dataclass
class Report:
    figures: dict[str, Any] = field(default_factory=dict)
    broken: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, invariant: str, example: str) -> None:
        self.broken.setdefault(invariant, [])
        if len(self.broken[invariant]) < SHOWN:
            self.broken[invariant].append(example)


def _killed_after(stops: Sequence[Stop], generation: int | None, moment: float) -> bool:
    return any(
        s.signal == "SIGKILL" and s.generation == generation and s.at >= moment for s in stops
    )


def _kill_within(stops: Sequence[Stop], start: float, seconds: float) -> bool:
    return any(s.signal == "SIGKILL" and start <= s.at <= start + seconds for s in stops)


def _ack_text(entry: Sent) -> str:
    try:
        body = json.loads(entry.body)
    except ValueError:
        return ""
    return str(body.get("text") or "") if isinstance(body, dict) else ""


def check_requests(
    report: Report, sent: Sequence[Sent], messages: Sequence[Message], stops: Sequence[Stop]
) -> None:
    by_url: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        if message.via == RESPONSE_URL:
            by_url[message.response_url].append(message)
    acked = [e for e in sent if e.acked]
    late = [e for e in acked if (e.elapsed or 0.0) > ACK_DEADLINE]
    for entry in late:
        report.fail("ack within 3 s", f"{entry.kind} {entry.name}: {entry.elapsed:.2f} s")
    answered = lost_to_kill = not_owed_expired = 0
    for entry in acked:
        text = _ack_text(entry)
        needs_post = entry.kind == "click" or (
            text.startswith(WORKING) and "already under way" not in text
        )
        if not needs_post:
            if text:
                answered += 1
            else:
                report.fail("answered", f"{entry.kind} {entry.name}: empty ack {entry.body!r}")
            continue
        if by_url.get(entry.response_url):
            answered += 1
        elif entry.expired_on_purpose:
            not_owed_expired += 1
        elif _killed_after(stops, entry.generation, entry.sent_at):
            lost_to_kill += 1
        else:
            report.fail(
                "answered",
                f"{entry.kind} {entry.name} by {entry.user_id} in {entry.channel_id}"
                f" (generation {entry.generation}): no answer",
            )
    report.figures.update(
        commands_sent=len(sent),
        commands_by_kind=_count(e.kind + ":" + e.name for e in sent),
        acked=len(acked),
        acked_within_3s=len(acked) - len(late),
        not_acked_bot_down_or_stopping=len(sent) - len(acked),
        answered=answered,
        acked_lost_to_sigkill=lost_to_kill,
        ack_p99_s=_p99([e.elapsed or 0.0 for e in acked]),
    )


def check_wakeups(
    report: Report, sent: Sequence[Sent], messages: Sequence[Message], stops: Sequence[Stop]
) -> None:
    by_url: dict[str, list[Message]] = defaultdict(list)
    follow_ups: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        if message.via == RESPONSE_URL:
            by_url[message.response_url].append(message)
        if message.response_type == "in_channel" and message.via != "chat.update":
            for user in set(_MENTION.findall(message.text)):
                follow_ups[user].append(message)
    asked = [e for e in sent if e.wakeup]
    owed = exactly_once = duplicates = crash_edge = not_owed_delivered = missing = 0
    for entry in asked:
        if entry.kind == "command":
            is_owed = entry.acked and any(s in entry.body for s in WAKEUP_ACKS)
        else:
            is_owed = any(
                s in m.text for m in by_url.get(entry.response_url, []) for s in WAKEUP_ACKS
            )
        copies = sorted(follow_ups.get(entry.user_id, []), key=lambda m: m.received_at)
        for copy in copies:
            if copy.channel_id != entry.channel_id:
                report.fail("follow-up in its channel", f"{entry.user_id}: in {copy.channel_id}")
        edge = sum(
            1 for before in copies[:-1] if _kill_within(stops, before.received_at, CRASH_EDGE)
        )
        extra = max(0, len(copies) - 1)
        crash_edge += min(edge, extra)
        if extra > edge:
            duplicates += extra - edge
            report.fail("no duplicate follow-up", f"{entry.user_id}: {len(copies)} follow-ups")
        if is_owed:
            owed += 1
            if not copies:
                missing += 1
                report.fail(
                    "owed follow-up delivered",
                    f"{entry.kind} wakeup by {entry.user_id} in {entry.channel_id}"
                    f" (generation {entry.generation})",
                )
            elif len(copies) == 1:
                exactly_once += 1
        elif copies:
            not_owed_delivered += 1
    report.figures.update(
        wakeups_asked=len(asked),
        wakeups_owed=owed,
        followups_exactly_once=exactly_once,
        followups_missing=missing,
        followup_duplicates=duplicates,
        followup_crash_edge_duplicates=crash_edge,
        followups_delivered_not_owed=not_owed_delivered,
    )


def check_incidents(
    report: Report, state_path: Path, messages: Sequence[Message], stops: Sequence[Stop]
) -> None:
    with sqlite3.connect(f"file:{state_path}?mode=ro", uri=True) as db:
        incidents = db.execute(
            "SELECT id, condition, resolved_at FROM watch_incidents ORDER BY id"
        ).fetchall()
        rows = db.execute(
            "SELECT m.id, m.kind, m.state, m.ts, i.incident_id FROM watch_messages AS m"
            " JOIN watch_message_items AS i ON i.message_id = m.id WHERE m.channel_id = ?",
            (WATCH_CHANNEL,),
        ).fetchall()
    posts = [m for m in messages if m.via == "chat.postMessage" and m.channel_id == WATCH_CHANNEL]
    top = [m for m in posts if not m.thread_ts]
    by_ts = {m.ts: m for m in top}
    stored_ts: dict[int, set[str]] = defaultdict(set)
    kinds: dict[str, str] = {}
    for _mid, kind, state, ts, incident_id in rows:
        if state == "posted" and ts:
            stored_ts[incident_id].add(ts)
            kinds[ts] = kind
    orphans: dict[int, list[Message]] = defaultdict(list)
    for message in top:
        if message.ts in kinds:
            continue
        for found in _SINGLE_INCIDENT.findall(json.dumps(message.blocks, ensure_ascii=False)):
            orphans[int(found)].append(message)
    posted_once = never_posted = reposted = crash_edge = resolved = 0
    for incident_id, condition, resolved_at in incidents:
        visible = [ts for ts in stored_ts.get(incident_id, set()) if ts in by_ts]
        extra = orphans.get(incident_id, [])
        edge = sum(1 for m in extra if _kill_within(stops, m.received_at, CRASH_EDGE))
        crash_edge += edge
        if len(visible) == 1 and not extra:
            posted_once += 1
        elif not visible:
            never_posted += 1
            report.fail("incident posted", f"incident {incident_id} ({condition}) never posted")
        if len(visible) > 1 or len(extra) > edge:
            reposted += 1
            report.fail(
                "incident posted once",
                f"incident {incident_id} ({condition}): {len(visible)} recorded posts,"
                f" {len(extra)} unrecorded",
            )
        if resolved_at is None:
            report.fail("incident resolved", f"incident {incident_id} ({condition}) still open")
            continue
        if visible and not _resolved_in_slack(visible[0], kinds, by_ts, messages, stops, report):
            continue
        resolved += 1
    group_orphans = sum(
        1
        for m in top
        if m.ts not in kinds and re.match(r"^[A-Z][a-z ]+: \d+ agents?, \d+ still open", m.text)
    )
    if group_orphans:
        report.fail("incident posted once", f"{group_orphans} grouped posts the state lacks")
    report.figures.update(
        incidents_opened=len(incidents),
        incidents_by_condition=_count(str(c) for _, c, _ in incidents),
        incidents_posted_once=posted_once,
        incidents_never_posted=never_posted,
        incidents_posted_twice=reposted,
        incident_crash_edge_reposts=crash_edge,
        incidents_resolved=resolved,
    )


def _resolved_in_slack(
    ts: str,
    kinds: dict[str, str],
    by_ts: dict[str, Message],
    messages: Sequence[Message],
    stops: Sequence[Stop],
    report: Report,
) -> bool:
    updates = [
        m
        for m in messages
        if m.via == "chat.update" and m.channel_id == WATCH_CHANNEL and m.ts == ts
    ]
    final = updates[-1].text if updates else by_ts[ts].text
    if kinds.get(ts) == "incident" and not final.startswith("Resolved"):
        report.fail("incident resolved", f"message {ts} still reads {final[:60]!r}")
        return False
    replies = [
        m
        for m in messages
        if m.via == "chat.postMessage"
        and m.channel_id == WATCH_CHANNEL
        and m.thread_ts == ts
        and m.text.startswith("Resolved")
    ]
    if not replies:
        report.fail("incident resolved", f"message {ts}: no resolution reply")
        return False
    edge = sum(1 for m in replies[:-1] if _kill_within(stops, m.received_at, CRASH_EDGE))
    if kinds.get(ts) == "incident" and len(replies) - 1 > edge:
        report.fail("one resolution reply", f"message {ts}: {len(replies)} resolution replies")
    return True


def check_messages(
    report: Report, messages: Sequence[Message], secrets: Sequence[str], logs: Sequence[Path]
) -> None:
    over_limit = leaks = traces = 0
    for message in messages:
        if message.delete_original:
            continue
        shown: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        if "response_type" in message.payload:
            shown["response_type"] = message.payload["response_type"]
        problems = check_message(shown)
        if problems:
            over_limit += 1
            report.fail("Block Kit limits", f"{message.via} {message.text[:50]!r}: {problems[0]}")
        dumped = json.dumps(message.payload) + message.text
        if any(secret in dumped for secret in secrets):
            leaks += 1
            report.fail("no secret in a message", f"{message.via} {message.text[:50]!r}")
        if "Traceback (most recent call last)" in dumped:
            traces += 1
            report.fail("no stack trace in Slack", f"{message.via} {message.text[:50]!r}")
    log_leaks = 0
    levels: dict[str, int] = {}
    for path in logs:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            if secret in text:
                log_leaks += 1
                report.fail("no secret in the log", f"{path.name}: a secret of {len(secret)} chars")
        for line in text.splitlines():
            level = _log_line(report, path.name, line)
            levels[level] = levels.get(level, 0) + 1
    report.figures.update(
        messages_recorded=len(messages),
        messages_over_block_kit_limits=over_limit,
        messages_with_a_secret=leaks,
        messages_with_a_stack_trace=traces,
        log_files=len(logs),
        log_secret_hits=log_leaks,
        log_lines_by_level=dict(sorted(levels.items())),
    )


def _log_line(report: Report, name: str, line: str) -> str:
    """The line's level; an exception or a line that is not JSON is an unexpected error.

    The bot logs JSON only (LOG_FORMAT=json), so text on its stderr is Python's own report of
    something nobody caught, and an ``exception`` field is a trace the bot did not expect.
    """
    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        if line.strip():
            report.fail("no unexpected error in the log", f"{name}: {line[:160]}")
            return "unstructured"
        return "blank"
    if "exception" in entry:
        last = str(entry["exception"]).strip().splitlines()[-1:] or [""]
        report.fail(
            "no unexpected error in the log",
            f"{name}: {str(entry.get('message'))[:100]} / {last[0][:120]}",
        )
    return str(entry.get("level", "unknown"))


def _count(items: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in items:
        found[item] = found.get(item, 0) + 1
    return dict(sorted(found.items()))


def _p99(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3)
