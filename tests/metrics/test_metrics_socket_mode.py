"""Socket Mode serves no HTTP: ``backup-bot serve`` starts a metrics listener on METRICS_PORT.

The bot runs as its own process, connected over the Slack stand-in's socket as in production;
the test scrapes the listener it starts (``METRICS_PORT=0``: a free port, read from the log).
"""

from __future__ import annotations

import re
import secrets
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack, Message
from bot.devtools.processes import child_environment, serve_command
from bot.devtools.socket_mode_sender import SentEnvelope, SocketModeSender
from bot.simulator import Simulator, SimulatorConfig
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, REPORTING_OLD, WEB1, WEB2, shown
from tests.metrics.conftest import reset_faults, set_faults
from tests.metrics.scrape import assert_bounded_and_clean, scrape
from tests.support.stacks import socket_environment
from tests.support.waiting import wait_until

STOP_DEADLINE = 10.0
_LISTENING = re.compile(r"serving GET /metrics and GET /healthz on (http://127\.0\.0\.1:\d+)")


@pytest.fixture
def tokens() -> dict[str, str]:
    return {
        "app_token": f"xapp-1-A0BACKUPBOT-1-{secrets.token_hex(12)}",
        "bot_token": f"xoxb-local-{secrets.token_hex(12)}",
    }


@pytest.fixture
def slack(tokens: dict[str, str]) -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=tokens["bot_token"], app_token=tokens["app_token"]) as fake:
        yield fake


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(wake_delay=(0.0, 0.0))) as started:
        yield started


def answer(slack: FakeSlack, sent: SentEnvelope) -> Message:
    return slack.wait_for(lambda m: m.via == RESPONSE_URL and m.response_url == sent.response_url)


def idle(url: str) -> bool:
    health = requests.get(url + "/healthz", timeout=5).json()
    return health["in_flight"] == health["wakeups_active"] == health["followups_pending"] == 0


def test_serve_in_socket_mode_exposes_metrics_on_metrics_port(
    simulator: Simulator, slack: FakeSlack, tokens: dict[str, str], tmp_path: Path
) -> None:
    env = socket_environment(simulator, slack, tmp_path / "state.sqlite3", **tokens)
    env.update(METRICS_PORT="0", WAKEUP_ALLOWED_USER_IDS=ALICE)
    simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            serve_command(),
            env=child_environment(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(
            lambda: _LISTENING.search(log.read_text()) is not None or process.poll() is not None,
            timeout=20,
            what="the metrics listener",
        )
        match = _LISTENING.search(log.read_text())
        assert match is not None, log.read_text()
        url = match.group(1)
        slack.socket_mode.wait_connected(timeout=20)
        health = requests.get(url + "/healthz", timeout=5)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert requests.get(url + "/slack/events", timeout=5).status_code == 404
        before = scrape(url)

        sender = SocketModeSender(slack)
        assert "web1" in shown(answer(slack, sender.command("agents")))
        assert "web1" in shown(answer(slack, sender.command(f"agent {WEB1}")))
        sender.command("wakeup")
        slack.wait_for(lambda m: m.response_type == "in_channel", timeout=10)
        refused = sender.command("wakeup", user_id=BOB)
        assert "can't do that" in shown(refused.payload)
        set_faults(simulator, fail_next=10, fail_status=503)
        assert "503" in shown(answer(slack, sender.command(f"agent {WEB2}")))
        reset_faults(simulator)
        # A request is counted once answered; the health check says when nothing is left.
        wait_until(lambda: idle(url), what="the bot to finish its work")

        after = scrape(url)
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=STOP_DEADLINE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    logged = log.read_text()
    assert status == 0, logged

    def moved(metric: str, /, **labels: str) -> float:
        return after.value(metric, **labels) - before.value(metric, **labels)

    requests_total = "backup_bot_requests_total"
    assert moved(requests_total, kind="command", name="agents", outcome="ok") == 1
    assert moved(requests_total, kind="command", name="agent", outcome="ok") == 1
    assert moved(requests_total, kind="command", name="agent", outcome="api_error") == 1
    assert moved(requests_total, kind="command", name="wakeup", outcome="started") == 1
    assert moved(requests_total, kind="command", name="wakeup", outcome="refused") == 1
    assert moved("backup_bot_ack_seconds_count", kind="command") == 5
    api = "backup_bot_backup_api_calls_total"
    assert moved(api, operation="get_agent", status="503") == 1
    assert moved(api, operation="wake_up_agents", status="200") == 1
    assert moved("backup_bot_backup_api_retries_total", operation="get_agent") == 1
    assert moved("backup_bot_wakeups_started_total") == 1
    assert moved("backup_bot_wakeups_finished_total", outcome="awake") == 1
    assert moved("backup_bot_wakeup_duration_seconds_count") == 1
    assert moved("backup_bot_followups_total", result="delivered") == 1
    assert moved("backup_bot_slack_api_calls_total", method="response_url", status="ok") >= 4
    assert_bounded_and_clean(
        after,
        [ALICE, BOB, OPS, DEV, "123456", str(WEB1), *tokens.values(), *simulator.issued_tokens()],
    )
    assert tokens["app_token"] not in logged
    assert "Traceback" not in logged
