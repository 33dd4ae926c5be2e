"""The backup API misbehaving: every answer still arrives, clear, and nothing needs a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.devtools.local_stack import LocalStack
from bot.simulator import ABSENT, Simulator, SimulatorConfig
from tests.e2e.e2e_helpers import ALICE, DB1, REPORTING_OLD, WEB1, WEB2, Bot, button, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

WARNING = ":warning: Could not"


def listed_ids(text: str) -> set[int]:
    """Agent ids shown in a list (each entry shows its id in a code span)."""
    return {int(part.split("`")[0]) for part in text.split("`")[1::2] if part.isdigit()}


# -- outages and recovery ----------------------------------------------------------------


def test_an_outage_says_how_often_it_was_retried_and_recovery_needs_no_restart(
    start_stack: StartStack,
) -> None:
    stack = start_stack(env={"BACKUP_API_RETRIES": "2"})
    bot = Bot(stack)
    stack.simulator.faults.fail_next(3, status=503)  # one command: the call and 2 retries

    _, during = bot.ask("agents")
    _, after = bot.ask("agents")

    text = shown(during)
    assert text.startswith(f"{WARNING} list agents: the backup API answered 503")
    assert "I retried 2 times." in text
    assert "try again in a few minutes" in text
    assert during.response_type == "ephemeral"
    assert "Backup agents" in after.text  # the failure was not cached
    assert stack.simulator.stats()["list_agents"] == 4


# -- tokens -------------------------------------------------------------------------------


def test_an_expired_token_is_renewed_once_and_the_user_never_knows(
    start_stack: StartStack,
) -> None:
    bot = Bot(start_stack(env={"AGENTS_CACHE_TTL": "0"}))
    bot.ask("agents")
    bot.stack.simulator.faults.expire_tokens()

    _, reply = bot.ask("agents")

    assert "Backup agents" in reply.text
    assert WARNING not in shown(reply)
    assert bot.stack.simulator.stats()["tokens"] == 2


def test_a_token_that_expires_during_a_wake_ups_checks_is_renewed_once(
    start_stack: StartStack, caplog: pytest.LogCaptureFixture
) -> None:
    stack = start_stack(wake_delay=(0.8, 0.8))
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake
    bot = Bot(stack)
    bot.command("wakeup")
    wait_until(lambda: stack.simulator.stats()["list_agents"] >= 2, what="two wake-up checks")

    stack.simulator.faults.expire_tokens()
    [follow_up] = bot.follow_ups(1)

    assert follow_up.text.startswith(f":white_check_mark: <@{ALICE}> I woke the agents")
    assert "6 of 7 agents online" in follow_up.text
    assert stack.simulator.stats()["tokens"] == 2
    assert not [r for r in caplog.records if "check failed" in r.getMessage()]


# -- timeouts and refused connections ------------------------------------------------------


def test_a_hung_backup_api_is_reported_within_the_read_timeout(start_stack: StartStack) -> None:
    bot = Bot(start_stack(env={"BACKUP_API_READ_TIMEOUT": "0.5"}))
    bot.stack.simulator.faults.hang_next(1, 10.0)

    started = time.monotonic()
    _, reply = bot.ask(f"agent {WEB1}")

    assert reply.received_at - started < 0.5 + 1.0  # the timeout, plus a generous margin
    assert f"{WARNING} get agent {WEB1}:" in shown(reply)
    assert "did not answer within 0.5 s" in shown(reply)
    assert "slow or unreachable" in shown(reply)


def test_a_refused_connection_is_reported_at_once(stack: LocalStack, bot: Bot) -> None:
    bot.ask(f"agent {WEB1}")  # authenticated, so the backup API itself is what fails next
    stack.simulator.stop()

    started = time.monotonic()
    _, reply = bot.ask(f"agent {WEB1}")

    assert reply.received_at - started < 2.0
    assert "connection refused" in shown(reply)
    assert "Check the network and the backup API address" in shown(reply)


# -- bodies that are wrong -----------------------------------------------------------------


def test_an_agent_that_vanishes_between_the_list_and_its_details_is_left_out(
    stack: LocalStack, bot: Bot
) -> None:
    stack.simulator.faults.fail_next(1, status=404, path_contains=f"/agent/{WEB2}")

    _, reply = bot.ask("agents")

    assert WARNING not in shown(reply)
    assert WEB2 not in listed_ids(shown(reply))
    assert {WEB1, DB1} <= listed_ids(shown(reply))
    assert "7 agents" in shown(reply)


def test_unreadable_details_of_one_agent_leave_it_unverified_and_show_the_rest(
    stack: LocalStack, bot: Bot
) -> None:
    stack.simulator.faults.fail_next(
        1, status=200, body="{not json", path_contains=f"/agent/{WEB2}"
    )

    _, reply = bot.ask("agents")

    text = shown(reply)
    assert "Details could not be fetched for 1 agent" in text
    assert "details unavailable: unreadable response" in text
    assert {WEB1, WEB2, DB1} <= listed_ids(text)


def test_junk_entries_in_the_list_are_skipped_and_the_rest_is_shown(
    stack: LocalStack, bot: Bot
) -> None:
    junk: list[object] = [42, "agent", None, [], {"MachineAgentId": "not a number"}]
    body = json.dumps([*junk, *stack.simulator.agents("DFW")])
    stack.simulator.faults.fail_next(1, status=200, body=body, path_contains="/user/agents")

    _, reply = bot.ask("agents")

    assert WARNING not in shown(reply)
    assert "8 agents" in shown(reply)


def test_a_list_that_is_not_a_list_is_a_clear_error(stack: LocalStack, bot: Bot) -> None:
    body = json.dumps({"agents": []})
    stack.simulator.faults.fail_next(1, status=200, body=body, path_contains="/user/agents")

    _, reply = bot.ask("agents")

    assert shown(reply).startswith(f"{WARNING} list agents:")
    assert "expected an array of agents, got an object" in shown(reply)


WRONG_VALUES: dict[str, object] = {
    "array": [1, "two"],
    "object": {"nested": True},
    "number": 12345,
    "negative decimal": -1.5,
    "boolean": True,
    "empty string": "",
    "junk string": "\x00 <!channel> & *",
    "null": None,
    "absent": ABSENT,
}


@pytest.mark.parametrize("value", WRONG_VALUES.values(), ids=WRONG_VALUES.keys())
def test_a_wrong_type_in_every_field_never_loses_an_answer(
    start_stack: StartStack, value: object
) -> None:
    stack = start_stack(env={"WAKEUP_GIVE_UP_AFTER": "0.3"})
    bot = Bot(stack)
    [web2] = [a for a in stack.simulator.agents() if a["MachineAgentId"] == WEB2]
    # The id and the datacenter decide which agent and which region: they have their own test.
    fields = set(web2) - {"MachineAgentId", "Datacenter"}
    stack.simulator.set_agent_fields(WEB2, **dict.fromkeys(fields, value))

    _, listed = bot.ask("agents")
    _, view = bot.ask(f"agent {WEB2}")
    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1)

    assert WARNING not in shown(listed)
    assert {WEB1, WEB2, DB1} <= listed_ids(shown(listed))
    assert WARNING not in shown(view)
    assert f"`{WEB2}`" in shown(view)
    assert f"<@{ALICE}>" in follow_up.text
    assert "Traceback" not in shown(follow_up)


def test_an_unreadable_agent_id_loses_that_agent_only(stack: LocalStack, bot: Bot) -> None:
    stack.simulator.set_agent_fields(WEB2, MachineAgentId={"id": WEB2})

    _, listed = bot.ask("agents")
    _, view = bot.ask(f"agent {WEB2}")

    assert WARNING not in shown(listed)
    assert "7 agents" in shown(listed)
    assert shown(view).startswith(f"{WARNING} get agent {WEB2}:")
    assert "not a readable agent" in shown(view)


# -- a huge account ------------------------------------------------------------------------


@pytest.fixture
def five_thousand_agents(tmp_path: Path) -> Path:
    """5,000 generated agents, all in the default region, as an agents file."""
    with Simulator(SimulatorConfig(agents_count=5000)) as generator:
        agents = generator.agents()
    for agent in agents:
        agent["Datacenter"] = "DFW"
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(agents))
    return path


def test_five_thousand_agents_are_listed_paged_found_and_woken(
    start_stack: StartStack, five_thousand_agents: Path
) -> None:
    stack = start_stack(
        agents_file=five_thousand_agents,
        env={"BACKUP_API_CONCURRENCY": "16", "WAKEUP_GIVE_UP_AFTER": "0"},
    )
    bot = Bot(stack)
    last_name = max(str(a["MachineName"]) for a in stack.simulator.agents())

    _, first = bot.ask("agents", timeout=60)
    second = bot.press(first, "agents_page_next")
    _, found = bot.ask(f"agent {last_name}")
    bot.command("wakeup")
    [follow_up] = bot.follow_ups(1, timeout=60)

    assert "*5,000 agents*" in shown(first)
    assert "Page 1 of 500" in shown(first)
    assert "Page 2 of 500" in shown(second)
    assert button(second, "agents_page_prev")
    assert last_name in shown(found)
    assert "of 5,000 agents online" in follow_up.text
    assert stack.simulator.stats()["list_agents"] == 2  # the list, then one wake-up check
