"""A Slack retry of a request that already ran runs nothing, on both engines: the whole bot
over loopback HTTP, requests signed as Slack signs them, the retry resent byte for byte
with ``X-Slack-Retry-Num``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from slack_sdk.signature import SignatureVerifier

from bot.devtools.local_stack import LocalStack
from bot.devtools.postgres import TempPostgres
from bot.devtools.slack_payloads import SlackPayloads
from bot.simulator import SimulatorConfig
from bot.state.requests import SqliteRequestLedger
from tests.state.conftest import fresh_database
from tests.support.stacks import FAST_ENV
from tests.support.waiting import wait_until


@pytest.fixture
def stack(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalStack]:
    env = {**FAST_ENV}
    if engine == "postgres":
        pg: TempPostgres = request.getfixturevalue("postgres")
        env.update(STATE_URL=fresh_database(pg), STATE_PATH="")
    local = LocalStack.start(
        simulator_config=SimulatorConfig(wake_delay=(0.0, 0.1)),
        env=env,
        state_path=tmp_path / "state.sqlite3",
    )
    try:
        yield local
    finally:
        local.stop()


def post(stack: LocalStack, body: bytes, *, retry: int | None = None) -> requests.Response:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(stack.signing_secret).generate_signature(
            timestamp=stamp, body=body
        ),
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return requests.post(stack.sender._events_url, data=body, headers=headers, timeout=10)


def test_a_retried_wakeup_runs_once_and_a_second_wakeup_is_a_new_request(
    stack: LocalStack,
) -> None:
    payloads = SlackPayloads(fake_slack=stack.slack)
    first = payloads.command("wakeup")
    body = urlencode(first.form_fields()).encode()

    answers = [post(stack, body), post(stack, body, retry=1), post(stack, body, retry=2)]
    wait_until(
        lambda: any(m.response_url == first.response_url for m in stack.slack.messages),
        what="the follow-up of the first wake-up",
    )
    again = payloads.command("wakeup")  # typed again: its own trigger and response_url
    post(stack, urlencode(again.form_fields()).encode())
    wait_until(
        lambda: any(m.response_url == again.response_url for m in stack.slack.messages),
        what="the follow-up of the second wake-up",
    )

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "wak" in answers[0].text.lower()
    assert answers[1].text == answers[2].text == ""  # acked, nothing ran
    assert stack.simulator.stats()["wakeupagents"] == 2
    followups = [m for m in stack.slack.messages if m.response_url == first.response_url]
    assert len(followups) == 1


def test_the_ledger_knows_a_fingerprint_until_it_expires(tmp_path: Path) -> None:
    ledger = SqliteRequestLedger(tmp_path / "state.sqlite3")
    try:
        assert ledger.first_time("a", now=100.0, ttl=10.0)
        assert not ledger.first_time("a", now=105.0, ttl=10.0)
        assert ledger.first_time("b", now=105.0, ttl=10.0)
        assert ledger.first_time("a", now=111.0, ttl=10.0)  # expired: a new request
    finally:
        ledger.close()
