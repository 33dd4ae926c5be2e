"""``/backup watch`` through the whole bot: commands, buttons and the wake-up hook.

The watcher's own behaviour (conditions, grouping, quiet hours, reports, restarts) is
proven in the other tests of this folder; these check what the Slack side adds: parsing,
access, answers, buttons and the wiring in ``build_bot``.
"""

from __future__ import annotations

import pytest

from bot.devtools.fake_slack import Message
from bot.slack.action_ids import ActionId
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

BUILD_RUNNER_NAME = "build-runner"
STAGING = "staging-api"
REPORTING_OLD_NAME = "reporting-old"
FIRST_SWEEP = 5
"""Incidents in the built-in account: four stale backups and one disabled."""


def incident_posts(bot: Bot, channel: str = OPS) -> list[Message]:
    return [
        m
        for m in bot.stack.slack.posts(channel)
        if not m.thread_ts
        and any(b.get("action_id") == ActionId.INCIDENT_ACKNOWLEDGE for b in _buttons(m))
    ]


def _buttons(message: Message) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for block in message.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if isinstance(element, dict):
                found.append(element)
    return found


def watched(bot: Bot, channel: str = OPS, *, user: str = ALICE) -> Message:
    """``/backup watch`` and its private answer, once the first sweep has posted."""
    _, answer = bot.ask("watch", user=user, channel=channel)
    return answer


def test_watch_answers_with_the_rules_and_posts_each_problem_once(bot: Bot) -> None:
    answer = watched(bot)

    assert answer.response_type == "ephemeral"
    assert "now watches" in shown(answer)
    assert "Stale backup" in shown(answer)
    wait_until(lambda: len(incident_posts(bot)) >= FIRST_SWEEP, what="the first sweep's incidents")
    posted = shown_all(incident_posts(bot))
    for name in (BUILD_RUNNER_NAME, STAGING, REPORTING_OLD_NAME):
        assert name in posted
    assert "Backups disabled" in posted

    again = watched(bot)

    assert "already watches" in shown(again)
    assert "open incident" in shown(again)
    wait_until(bot.settled, what="the second sweep")
    assert len(incident_posts(bot)) == FIRST_SWEEP  # nothing posted twice


def shown_all(messages: list[Message]) -> str:
    return "\n".join(shown(m) for m in messages)


def test_a_private_channel_without_the_bot_is_told_to_invite_it(bot: Bot) -> None:
    bot.stack.slack.make_private_without_bot(DEV)

    answer = watched(bot, DEV)

    assert "invite" in shown(answer).lower()
    assert bot.stack.bot.watcher.accounts() == []


def test_acknowledge_and_snooze_change_the_incident_message_in_place(bot: Bot) -> None:
    watched(bot)
    wait_until(lambda: len(incident_posts(bot)) >= FIRST_SWEEP, what="the incidents")
    incident = incident_posts(bot)[0]

    answer = bot.press(incident, ActionId.INCIDENT_ACKNOWLEDGE, user=BOB)

    assert "acknowledged" in shown(answer)
    wait_until(
        lambda: any(BOB in shown(u) for u in bot.stack.slack.updates(OPS, incident.ts)),
        what="the incident message to name who acknowledged",
    )
    second = incident_posts(bot)[1]
    snoozed = bot.press(second, ActionId.INCIDENT_SNOOZE_4H, user=BOB)
    assert "Snoozed for 4 hours" in shown(snoozed)


def test_report_is_private_with_a_share_button_that_posts_it_for_everyone(bot: Bot) -> None:
    watched(bot)
    wait_until(lambda: len(incident_posts(bot)) >= FIRST_SWEEP, what="the incidents")

    _, report = bot.ask("report")

    assert report.response_type == "ephemeral"
    assert "agents" in shown(report).lower()
    shared = bot.press(report, ActionId.REPORT_SHARE)
    assert shared.response_type == "in_channel"


def test_unwatch_stops_and_a_configured_channel_cannot_be_unwatched(
    start_stack: StartStack,
) -> None:
    bot = Bot(start_stack(env={"WATCH_CHANNEL_IDS": DEV}))
    watched(bot)

    removed = bot.command("unwatch")
    configured = bot.command("unwatch", channel=DEV)

    assert "no longer watches" in shown(removed.json)
    assert "WATCH_CHANNEL_IDS" in shown(configured.json)
    assert bot.stack.bot.watcher.accounts() == [""]  # DEV still watches by configuration


@pytest.fixture
def only_alice_watches(start_stack: StartStack) -> Bot:
    return Bot(start_stack(env={"WATCH_ALLOWED_USER_IDS": ALICE}))


def test_watch_unwatch_and_incident_buttons_are_held_to_the_watch_list(
    only_alice_watches: Bot,
) -> None:
    bot = only_alice_watches
    refused = "WATCH_ALLOWED_USER_IDS"

    assert refused in shown(bot.command("watch", user=BOB).json)
    assert refused in shown(bot.command("unwatch", user=BOB).json)
    assert bot.stack.bot.watcher.accounts() == []
    watched(bot)
    wait_until(lambda: len(incident_posts(bot)) >= FIRST_SWEEP, what="the incidents")
    incident = incident_posts(bot)[0]
    for action in (ActionId.INCIDENT_ACKNOWLEDGE, ActionId.INCIDENT_SNOOZE_1D):
        answer = bot.press(incident, action, user=BOB)
        assert refused in shown(answer)
    assert bot.stack.slack.updates(OPS, incident.ts) == []
    _, report = bot.ask("report", user=BOB)  # the report is open to everyone
    assert report.response_type == "ephemeral"


def test_an_edited_incident_button_is_refused_and_changes_nothing(bot: Bot) -> None:
    watched(bot)
    wait_until(lambda: len(incident_posts(bot)) >= FIRST_SWEEP, what="the incidents")
    incident = incident_posts(bot)[0]
    button = next(b for b in _buttons(incident) if b["action_id"] == ActionId.INCIDENT_ACKNOWLEDGE)

    sent = bot.stack.sender.click(
        {**button, "value": "w1:999999999"}, message=incident, user_id=ALICE
    )
    unknown = bot.answer_to(sent)
    sent = bot.stack.sender.click({**button, "value": "<!channel>"}, message=incident)
    tampered = bot.answer_to(sent)

    assert "no longer know" in shown(unknown)
    assert "could not be read" in shown(tampered)
    assert bot.stack.slack.updates(OPS, incident.ts) == []


def test_a_wakeup_that_gives_up_opens_a_did_not_wake_incident(start_stack: StartStack) -> None:
    bot = Bot(start_stack(env={"WAKEUP_GIVE_UP_AFTER": "0.5"}))
    watched(bot)
    wait_until(lambda: len(incident_posts(bot)) >= FIRST_SWEEP, what="the first incidents")

    bot.command("wakeup")

    wait_until(
        lambda: "Did not wake" in shown_all(incident_posts(bot)),
        what="the did-not-wake incident",
    )
    assert REPORTING_OLD_NAME in shown_all(
        [m for m in incident_posts(bot) if "Did not wake" in shown(m)]
    )
