"""The watch's messages, for any incidents: within every Block Kit limit, no live markup.

Agent names, datacenters and the API's error details come from outside; user ids come from
Slack but are checked before they become mentions. Every builder the watcher and the watch
commands use is given hostile values of each.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.blocks.incidents import (
    announcement_message,
    catchup_message,
    group_message,
    incident_action_answer,
    incident_message,
    reminder_message,
    resolution_reply,
    watching_message,
)
from bot.slack.blocks.report import report_message
from bot.slack.blocks.watching import unwatch_answer, watch_answer
from bot.watch.model import Announcement, Condition, Incident, View
from bot.watch.report import AccountReport
from bot.watch.watcher import WatchSettings
from tests.properties.prop_strategies import hostile_text, long_text
from tests.support.block_checks import message_problems

NOW = 1_800_000_000.0
USER_IDS = st.one_of(st.sampled_from(["U0ALICE", "W0BOB12"]), hostile_text)
times = st.floats(min_value=0, max_value=4_000_000_000, allow_nan=False)
optional_times = st.one_of(st.none(), times)
account_keys = st.sampled_from(["", "ORD", "prod/", "lab/SYD"])


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    resolved = draw(optional_times)
    return Incident(
        incident_id=draw(st.integers(1, 10**15)),
        account_key=draw(account_keys),
        condition=draw(st.sampled_from(list(Condition))),
        agent_id=draw(st.integers(0, 10**15)),
        agent_name=draw(long_text),
        datacenter=draw(st.one_of(st.none(), hostile_text)),
        since=draw(optional_times),
        opened_at=draw(times),
        detail=draw(long_text),
        resolved_at=resolved,
        resolution=draw(st.one_of(st.none(), long_text)) if resolved is not None else None,
        acknowledged_by=draw(st.one_of(st.none(), USER_IDS)),
        acknowledged_at=draw(optional_times),
        snoozed_until=draw(optional_times),
        snoozed_by=draw(st.one_of(st.none(), USER_IDS)),
    )


views = st.builds(
    View,
    now=st.just(NOW),
    account=st.sampled_from(["the account", "account 123456 (DFW)", "*prod* (account 1, ORD)"]),
    region=st.sampled_from([None, "ORD"]),
    account_name=st.sampled_from([None, "prod", "lab-2"]),
)
incident_lists = st.lists(incidents(), min_size=1, max_size=30)


def mentions(items: list[Incident]) -> set[str]:
    """The users the bot itself may mention: those who acknowledged or snoozed."""
    return {u for i in items for u in (i.acknowledged_by, i.snoozed_by) if u}


def assert_clean(message: dict[str, object], items: list[Incident]) -> None:
    problems = message_problems(message, allowed_mentions=mentions(items))  # type: ignore[arg-type]
    assert problems == []


@given(incident=incidents(), view=views)
def test_an_incident_message_is_within_limits_whatever_the_agent(
    incident: Incident, view: View
) -> None:
    assert_clean(incident_message(incident, view), [incident])


@given(items=incident_lists, view=views, page=st.integers(1, 5))
def test_grouped_messages_replies_and_reminders_are_within_limits(
    items: list[Incident], view: View, page: int
) -> None:
    condition = items[0].condition
    assert_clean(group_message(condition, items, view, page=page, pages=5), items)
    assert_clean(resolution_reply(items, view), items)
    assert_clean(reminder_message(items, view), items)


@given(
    opened=st.lists(incidents(), max_size=20),
    resolved=st.lists(incidents(), max_size=20),
    still_open=st.lists(incidents(), max_size=20),
    names=st.lists(st.tuples(st.integers(0, 10**9), long_text), max_size=30),
)
def test_a_catch_up_and_announcements_are_within_limits(
    opened: list[Incident],
    resolved: list[Incident],
    still_open: list[Incident],
    names: list[tuple[int, str]],
) -> None:
    announcement = Announcement(1, "", NOW, tuple(names), tuple(reversed(names)))
    label = {"": "the account"}.get
    everyone = [*opened, *resolved, *still_open]
    assert_clean(
        catchup_message(
            opened=opened,
            resolved=resolved,
            still_open=still_open,
            announcements=[announcement],
            label=lambda key: label(key) or "the account",
            now=NOW,
            since=NOW - 3600,
        ),
        everyone,
    )
    assert_clean(announcement_message(announcement, lambda _key: "the account"), [])


@given(
    open_=st.lists(incidents(), max_size=40),
    resolved=st.lists(incidents(), max_size=40),
    counts=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)),
    private=st.booleans(),
    swept=st.booleans(),
    key=account_keys,
)
def test_a_report_is_within_limits_and_shares_only_when_private(
    open_: list[Incident],
    resolved: list[Incident],
    counts: tuple[int, int, int],
    private: bool,
    swept: bool,
    key: str,
) -> None:
    report = AccountReport(key, NOW, NOW - 86400, swept, *counts, tuple(open_), tuple(resolved))
    message = report_message(report, account="account 123456 (DFW)", private=private)
    assert_clean(message, [*open_, *resolved])
    shares = "watch_report_share" in str(message["blocks"])
    assert shares == private


@given(
    rules=st.builds(
        lambda settings: settings.rules(),
        st.builds(
            WatchSettings,
            interval=st.floats(1, 10**7),
            stale_after=st.floats(1, 10**8),
            api_down_after=st.integers(1, 100),
            remind_every=st.floats(0, 10**7),
            quiet_hours=st.one_of(st.none(), st.tuples(st.floats(0, 86399), st.floats(0, 86399))),
            timezone=st.sampled_from(["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"]),
            digest_at=st.one_of(st.none(), st.floats(0, 86399)),
        ),
    ),
    items=st.lists(incidents(), max_size=30),
    new=st.booleans(),
    result=st.sampled_from(["removed", "configured", "absent"]),
    user=USER_IDS,
    incident=st.one_of(st.none(), incidents()),
    snooze=st.sampled_from([None, 3600, 86400]),
)
def test_the_answers_to_watch_unwatch_and_the_buttons_are_within_limits(
    rules: list[str],
    items: list[Incident],
    new: bool,
    result: str,
    user: str,
    incident: Incident | None,
    snooze: int | None,
) -> None:
    """The rules are the bot's own words from its settings, so they come from settings."""
    view = View(NOW, "the account")
    assert_clean(watching_message("the account", rules), [])
    answer = watch_answer(
        account="the account", new=new, rules=rules, open_incidents=items, view=view, command="/b"
    )
    assert_clean(answer, items)
    assert_clean(unwatch_answer(account="the account", result=result, command="/b"), [])
    acted = [] if incident is None else [incident]
    answered = incident_action_answer(incident, user_id=user, snoozed_for=snooze)
    problems = message_problems(answered, allowed_mentions={user, *mentions(acted)})
    assert problems == []
