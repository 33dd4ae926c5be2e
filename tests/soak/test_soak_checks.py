"""The soak's invariants on planted records: each one breaks when its promise does, and the
crash edge and the kills it excuses are counted apart rather than hidden."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from bench.soak.bot import Stop
from bench.soak.checks import (
    Report,
    check_incidents,
    check_messages,
    check_requests,
    check_wakeups,
)
from bench.soak.plan import WATCH_CHANNEL
from bench.soak.traffic import Sent
from bot.devtools.fake_slack import RESPONSE_URL, Message

URL = "http://127.0.0.1:1/response/abc"
WAKEUP_ACK = '{"text": ":alarm_clock: Waking up agents for account 1… I\'ll post here"}'


def message(
    text: str, *, at: float, via: str = "chat.postMessage", channel: str = "C0S01", url: str = ""
) -> Message:
    return Message(
        via=via,
        channel_id=channel,
        user_id=None,
        response_type="in_channel",
        replace_original=False,
        delete_original=False,
        text=text,
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        payload={"text": text},
        received_at=at,
        response_url=url,
    )


def wakeup(user: str = "UW00001", *, status: int | None = 200) -> Sent:
    return Sent(
        "command",
        "wakeup",
        user,
        "C0S01",
        URL,
        generation=1,
        sent_at=10.0,
        elapsed=0.01,
        status=status,
        body=WAKEUP_ACK if status == 200 else "",
        wakeup=True,
    )


def follow_up(at: float, user: str = "UW00001") -> Message:
    return message(f":white_check_mark: <@{user}> every agent is online", at=at)


def kill(at: float, generation: int = 1) -> Stop:
    return Stop(generation, "SIGKILL", at, 0.01)


def test_an_acked_wake_up_without_a_follow_up_breaks_the_invariant() -> None:
    report = Report()
    check_wakeups(report, [wakeup()], [], [])
    assert "owed follow-up delivered" in report.broken
    assert report.figures["followups_missing"] == 1


def test_a_wake_up_never_acked_is_owed_nothing() -> None:
    report = Report()
    check_wakeups(report, [wakeup(status=None)], [], [])
    assert report.broken == {}
    assert report.figures["wakeups_owed"] == 0


def test_a_second_follow_up_is_a_duplicate_unless_a_sigkill_followed_the_first() -> None:
    copies = [follow_up(20.0), follow_up(30.0)]
    plain = Report()
    check_wakeups(plain, [wakeup()], copies, [])
    assert "no duplicate follow-up" in plain.broken
    assert plain.figures["followup_duplicates"] == 1

    edge = Report()
    check_wakeups(edge, [wakeup()], copies, [kill(20.5)])
    assert edge.broken == {}
    assert edge.figures["followup_crash_edge_duplicates"] == 1
    assert edge.figures["followups_exactly_once"] == 0

    late_kill = Report()
    check_wakeups(late_kill, [wakeup()], copies, [kill(25.0)])
    assert "no duplicate follow-up" in late_kill.broken


def test_one_follow_up_in_its_channel_is_exactly_once() -> None:
    report = Report()
    check_wakeups(report, [wakeup()], [follow_up(20.0)], [kill(21.0)])
    assert report.broken == {}
    assert report.figures["followups_exactly_once"] == 1


def click(*, elapsed: float = 0.01, generation: int = 1) -> Sent:
    return Sent("click", "agents_page_next", "U0S001", "C0S01", URL, generation, 10.0, elapsed, 200)


def test_a_late_ack_and_an_unanswered_click_break_their_invariants() -> None:
    report = Report()
    check_requests(report, [click(elapsed=3.5)], [], [])
    assert "ack within 3 s" in report.broken
    assert "answered" in report.broken


def test_a_click_whose_bot_was_sigkilled_before_answering_is_not_owed() -> None:
    report = Report()
    check_requests(report, [click()], [], [kill(11.0)])
    assert report.broken == {}
    assert report.figures["acked_lost_to_sigkill"] == 1
    sigterm = Report()
    check_requests(sigterm, [click()], [], [Stop(1, "SIGTERM", 11.0, 1.0)])
    assert "answered" in sigterm.broken


def test_an_answer_on_the_response_url_counts() -> None:
    report = Report()
    answer = message("Agents 1-10 of 30", at=12.0, via=RESPONSE_URL, url=URL)
    check_requests(report, [click()], [answer], [])
    assert report.broken == {}
    assert report.figures["answered"] == 1


def test_a_secret_in_a_message_or_a_log_and_a_broken_limit_are_found(tmp_path: Path) -> None:
    log = tmp_path / "bot-1.log"
    log.write_text('{"level": "INFO", "message": "token xoxb-secret-1"}\n', encoding="utf-8")
    too_long = message("x" * 3100, at=1.0)
    leaking = message("here is xoxb-secret-1", at=2.0)
    report = Report()
    check_messages(report, [too_long, leaking], ["xoxb-secret-1"], [log])
    assert set(report.broken) == {
        "Block Kit limits",
        "no secret in a message",
        "no secret in the log",
    }


def incident_state(path: Path, *, resolved: bool, ts: str) -> Path:
    """The watch tables the check reads, as the bot's state file holds them."""
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE watch_incidents (id INTEGER PRIMARY KEY, condition TEXT,"
            " resolved_at REAL);"
            "CREATE TABLE watch_messages (id INTEGER PRIMARY KEY, channel_id TEXT, kind TEXT,"
            " state TEXT, ts TEXT);"
            "CREATE TABLE watch_message_items (message_id INTEGER, incident_id INTEGER);"
        )
        db.execute(
            "INSERT INTO watch_incidents VALUES (7, 'disabled', ?)", (5.0 if resolved else None,)
        )
        db.execute(
            "INSERT INTO watch_messages VALUES (1, ?, 'incident', 'posted', ?)", (WATCH_CHANNEL, ts)
        )
        db.execute("INSERT INTO watch_message_items VALUES (1, 7)")
    return path


def incident_post(ts: str, *, at: float, text: str = "Backups disabled: web-01") -> Message:
    return replace(
        message(text, at=at, channel=WATCH_CHANNEL),
        ts=ts,
        blocks=[
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Opened · incident 7"}]}
        ],
    )


def resolution(ts: str, *, at: float) -> list[Message]:
    update = replace(
        incident_post(ts, at=at, text="Resolved — Backups disabled: web-01"), via="chat.update"
    )
    reply = replace(message("Resolved: web-01", at=at, channel=WATCH_CHANNEL), thread_ts=ts)
    return [update, reply]


def test_an_incident_posted_twice_is_found_and_a_sigkill_right_after_excuses_it(
    tmp_path: Path,
) -> None:
    state = incident_state(tmp_path / "state.sqlite3", resolved=True, ts="2.000002")
    seen = [incident_post("1.000001", at=1.0), incident_post("2.000002", at=9.0)]
    seen += resolution("2.000002", at=12.0)
    plain = Report()
    check_incidents(plain, state, seen, [])
    assert "incident posted once" in plain.broken
    edge = Report()
    check_incidents(edge, state, seen, [kill(1.5)])
    assert edge.broken == {}
    assert edge.figures["incident_crash_edge_reposts"] == 1


def test_an_incident_left_open_or_never_shown_resolved_breaks_the_invariant(
    tmp_path: Path,
) -> None:
    open_state = incident_state(tmp_path / "open.sqlite3", resolved=False, ts="1.000001")
    report = Report()
    check_incidents(report, open_state, [incident_post("1.000001", at=1.0)], [])
    assert "incident resolved" in report.broken
    done_state = incident_state(tmp_path / "done.sqlite3", resolved=True, ts="1.000001")
    unedited = Report()
    check_incidents(unedited, done_state, [incident_post("1.000001", at=1.0)], [])
    assert "incident resolved" in unedited.broken
    shown = Report()
    seen = [incident_post("1.000001", at=1.0), *resolution("1.000001", at=3.0)]
    check_incidents(shown, done_state, seen, [])
    assert shown.broken == {}
    assert shown.figures["incidents_posted_once"] == 1
    assert shown.figures["incidents_resolved"] == 1
