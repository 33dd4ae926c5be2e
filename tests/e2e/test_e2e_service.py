"""Running the bot: instant acks under load, one audit line per request, health, manifest."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bot.devtools.local_stack import LocalStack
from bot.devtools.slack_sender import SentRequest
from bot.http_server import HEALTH_PATH
from bot.logs import JsonFormatter
from tests.e2e.e2e_helpers import ALICE, BOB, DB1, DEV, OPS, REPORTING_OLD, WEB1, WEB2, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"
SLOW_API = 2.0
ACK_BUDGET = 1.0
"""Far above what an ack takes, far below the 3 s Slack allows and the API's latency."""


def test_acks_come_at_once_while_the_backup_api_is_slow(start_stack: StartStack) -> None:
    bot = Bot(start_stack(latency=SLOW_API))
    ids = [WEB1, WEB2, DB1, 310211, 310214, 310220, 310223, 310230, WEB1, WEB2]
    users = [f"U0USER{n}" for n in range(len(ids))]

    def send(n: int) -> tuple[SentRequest, float]:
        sent = bot.command(f"agent {ids[n]}", user=users[n])
        return sent, time.monotonic()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        acks = list(pool.map(send, range(len(ids))))

    for n, (sent, acked_at) in enumerate(acks):
        assert sent.status == 200
        assert f"Looking up agent {ids[n]}" in shown(sent.json)
        assert sent.elapsed < ACK_BUDGET
        result = bot.reply(started, user=users[n], timeout=10)
        assert f"`{ids[n]}`" in shown(result)
        assert acked_at < result.received_at  # the ack never waited for the answer
    assert bot.stack.simulator.max_in_flight >= 5  # more than Bolt's default pool at once


def test_a_slow_list_is_acked_before_it_is_answered(start_stack: StartStack) -> None:
    bot = Bot(start_stack(latency=SLOW_API / 2))

    sent = bot.command("agents")
    acked_at = time.monotonic()

    assert sent.elapsed < ACK_BUDGET
    assert "Fetching agents" in shown(sent.json)
    reply = bot.reply(acked_at - sent.elapsed)
    assert reply.received_at > acked_at
    assert "Backup agents" in reply.text


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "audit"]


def test_one_json_audit_line_per_command_and_button(
    start_stack: StartStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="audit")
    stack = start_stack(env={"ALLOWED_CHANNEL_IDS": OPS})
    stack.simulator.remove_agent(REPORTING_OLD)  # so the wake-up below ends at once
    bot = Bot(stack)

    bot.command("help")
    _, listed = bot.ask("agents web")
    bot.press(listed, "agents_share")
    bot.command("agents", user=BOB, channel=DEV)
    bot.command("wakeup")
    wait_until(lambda: len(audit_lines(caplog)) >= 5, what="five audit lines")
    wait_until(bot.settled, what="every request to finish")

    lines = audit_lines(caplog)
    assert [(a["kind"], a["action"], a["outcome"]) for a in lines] == [
        ("command", "help", "help"),
        ("command", "agents", "ok"),
        ("button", "agents_share", "ok"),
        ("command", "agents", "refused"),
        ("command", "wakeup", "started"),
    ]
    assert [(a["user"], a["channel"]) for a in lines] == [
        *[(ALICE, OPS)] * 3,
        (BOB, DEV),
        (ALICE, OPS),
    ]
    assert lines[1]["text"] == "agents web"
    for line in lines:
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
    everything = json.dumps(lines)
    for secret in stack.settings.secrets():
        assert secret not in everything
    assert "/response/" not in everything  # response_urls are capabilities


def test_a_failure_is_audited_with_its_status(
    stack: LocalStack, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="audit")
    stack.simulator.faults.fail_next(1, status=403)

    bot.ask("agents")
    wait_until(lambda: len(audit_lines(caplog)) == 1, what="the audit line")

    [line] = audit_lines(caplog)
    assert (line["outcome"], line["status"]) == ("api_error", 403)


def test_healthz_answers_json(bot: Bot) -> None:
    response = requests.get(bot.stack.server.url + HEALTH_PATH, timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    health = response.json()
    assert health["status"] == "ok"
    assert {"in_flight", "wakeups_active", "followups_pending"} <= set(health)


def test_stopping_the_bot_frees_its_port_at_once(stack: LocalStack, bot: Bot) -> None:
    bot.command("help")  # leaves a kept-alive connection open
    url = stack.server.url

    started = time.monotonic()
    stack.stop_bot()

    assert time.monotonic() - started < ACK_BUDGET
    with pytest.raises(requests.ConnectionError):
        requests.get(url + HEALTH_PATH, timeout=5)


def test_the_manifest_is_a_schema_1_slack_app_manifest() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))

    assert manifest["_metadata"]["major_version"] == 1
    assert manifest["display_information"]["name"]
    features = manifest["features"]
    assert features["bot_user"]["display_name"]
    [command] = features["slash_commands"]
    assert command["command"] == "/backup"
    assert command["description"]
    assert command["usage_hint"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert {"commands", "chat:write", "chat:write.public"} <= set(scopes)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_a_burst_of_lists_shares_one_fetch_and_holds_no_worker(start_stack: StartStack) -> None:
    # No reuse after a fetch (ttl 0) and two workers: the burst must still cost one fetch,
    # and a lookup sent during it must not queue behind the waiting lists.
    stack = start_stack(env={"AGENTS_CACHE_TTL": "0", "WORKER_THREADS": "2"}, latency=0.3)
    bot = Bot(stack)
    users = [f"U0LIST{n}" for n in range(12)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        acks = list(pool.map(lambda user: bot.command("agents", user=user), users))
    assert all(sent.status == 200 for sent in acks)
    lookup = bot.command(f"agent {WEB1}", user=BOB)
    assert lookup.status == 200
    for user in users:
        assert "Backup agents" in shown(bot.reply(started, user=user, timeout=10))
    assert stack.simulator.stats()["list_agents"] == 1
    assert f"`{WEB1}`" in shown(bot.reply(started, user=BOB, timeout=10))
