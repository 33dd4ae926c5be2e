"""Every way the backup API can fail reaches the user as a clear, private message."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.devtools.fake_slack import Message
from bot.devtools.local_stack import LocalStack
from bot.storage import StateUnavailable
from tests.e2e.e2e_helpers import ALICE, OPS, Bot, shown
from tests.support.stacks import StartStack


@dataclass(frozen=True)
class Failure:
    command: str
    expected: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    fault: Callable[[LocalStack], None] = lambda _stack: None


FAILURES = {
    "503 after retries": Failure(
        "agents",
        ("Could not list agents: the backup API answered 503", "Service unavailable"),
        fault=lambda stack: stack.simulator.faults.fail_next(2, status=503),
    ),
    "401 wrong API key": Failure(
        "agents",
        ("answered 401", "refused the username 'demo'", "Check RACKSPACE_USERNAME"),
        env={"RACKSPACE_API_KEY": "wrong-key-123"},
    ),
    "403": Failure(
        "agents",
        ("answered 403", "Access to the requested resource was denied", "Cloud Backup role"),
        fault=lambda stack: stack.simulator.faults.fail_next(1, status=403),
    ),
    "404 no such agent": Failure(
        "agent 999999",
        ("Could not get agent 999999: the backup API answered 404", "may have been removed"),
    ),
    "timeout": Failure(
        "agents",
        ("did not answer within 0.3 s", "slow or unreachable"),
        env={"BACKUP_API_READ_TIMEOUT": "0.3"},
        fault=lambda stack: stack.simulator.faults.set_latency(1.0),
    ),
    "malformed body": Failure(
        "agents",
        ("Could not list agents", "not JSON", "sent something unexpected"),
        fault=lambda stack: stack.simulator.faults.malformed_next(1),
    ),
    "unknown region": Failure(
        "agents region:LON",
        ("no Cloud Backup endpoint in LON", "Use one of: DFW, HKG, IAD, ORD, SYD"),
    ),
}


def assert_private_and_clean(message: Message) -> None:
    assert message.response_type == "ephemeral"
    assert not message.replace_original  # the failure is its own message
    text = shown(message)
    assert text.startswith(":warning: Could not ")
    assert "Traceback" not in text
    assert 'File "' not in text


@pytest.mark.parametrize("case", FAILURES.values(), ids=FAILURES.keys())
def test_each_backup_api_error_reaches_the_user(start_stack: StartStack, case: Failure) -> None:
    stack = start_stack(env=case.env)
    case.fault(stack)

    _, reply = Bot(stack).ask(case.command)

    assert_private_and_clean(reply)
    for expected in case.expected:
        assert expected in shown(reply)
    assert stack.env["RACKSPACE_API_KEY"] not in shown(reply)


def test_a_503_is_retried_before_it_is_reported(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.faults.fail_next(2, status=503)

    bot.ask("agents")

    assert stack.simulator.stats()["list_agents"] == 2  # BACKUP_API_RETRIES=1


def test_a_503_that_clears_within_the_retries_is_never_seen(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.faults.fail_next(1, status=503)

    _, reply = bot.ask("agents")

    assert "Backup agents" in reply.text


def test_an_unexpected_error_shows_an_id_that_matches_its_log_line(
    stack: LocalStack, bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(region_key: str, **_options: object) -> None:
        raise RuntimeError("internal detail the user must not see")

    monkeypatch.setattr(stack.bot.service, "fleet_future", broken)

    _, reply = bot.ask("agents")

    assert_private_and_clean(reply)
    assert "internal detail" not in shown(reply)
    match = re.search(r"error id `([0-9a-f]{8})`", shown(reply))
    assert match is not None, shown(reply)
    [logged] = [
        r
        for r in caplog.records
        if getattr(r, "error_id", None) == match.group(1) and r.levelno == logging.ERROR
    ]
    assert logged.exc_info is not None  # the trace is in the log, not in the message


def break_wakeups(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> bool:
        raise RuntimeError("state file trouble")

    monkeypatch.setattr(stack.bot.wakeups, "request", broken)


def logged_error_id(text: str, caplog: pytest.LogCaptureFixture) -> str:
    match = re.search(r"error id `([0-9a-f]{8})`", text)
    assert match is not None, text
    assert any(getattr(r, "error_id", None) == match.group(1) for r in caplog.records)
    return match.group(1)


def test_an_unexpected_error_before_the_ack_still_answers_with_an_id(
    stack: LocalStack, bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_wakeups(stack, monkeypatch)

    sent = bot.command("wakeup", user=ALICE, channel=OPS)

    assert sent.json is not None
    assert sent.json["response_type"] == "ephemeral"
    assert "state file trouble" not in sent.body
    logged_error_id(shown(sent.json), caplog)
    assert stack.simulator.stats()["wakeupagents"] == 0


def test_an_unexpected_error_after_a_buttons_ack_is_told_through_its_response_url(
    stack: LocalStack, bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, view = bot.ask("agent web1")
    break_wakeups(stack, monkeypatch)

    reply = bot.press(view, "agent_wakeup")

    assert_private_and_clean(reply)
    assert "state file trouble" not in shown(reply)
    logged_error_id(shown(reply), caplog)


def test_a_store_lost_after_the_checks_refuses_the_wakeup_and_the_watch_clearly(
    stack: LocalStack, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(*_args: object) -> None:
        raise StateUnavailable("the server closed the connection")

    monkeypatch.setattr(stack.bot.wakeups, "request", gone)
    monkeypatch.setattr(stack.bot.watcher, "subscribe", gone)

    wakeup = bot.command("wakeup")
    _, watch = bot.ask("watch")

    for text in (shown(wakeup.json), shown(watch)):
        assert "state store is unreachable" in text
        assert "error id" not in text
    assert stack.simulator.stats()["wakeupagents"] == 0
