"""``GET /metrics`` in HTTP mode after a scripted session: each figure moved as it should.

The session runs against the real bot over loopback (signed requests in, the Slack stand-in
and the simulator out); the faults come from the simulator's admin endpoint and the
stand-in's knobs. Figures are compared before and after, as a Prometheus server would.
"""

from __future__ import annotations

import requests

from bot.devtools.local_stack import LocalStack
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, REPORTING_OLD, WEB1, WEB2, Bot, shown
from tests.metrics.conftest import reset_faults, set_faults
from tests.metrics.scrape import Scrape, assert_bounded_and_clean, delta, scrape
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until

TENANT = "123456"


def forbidden_texts(stack: LocalStack) -> list[str]:
    """What must never show in the exposition: people, places, accounts, agents, secrets."""
    return [
        ALICE,
        BOB,
        OPS,
        DEV,
        TENANT,
        str(WEB1),
        str(WEB2),
        stack.slack.url,
        stack.simulator.url,
        *stack.settings.secrets(),
        *stack.simulator.issued_tokens(),
    ]


def histogram_consistent(found: Scrape, metric: str, /, **labels: str) -> None:
    """The +Inf bucket counts every observation: a parsed histogram, not a guess."""
    assert found.value(f"{metric}_bucket", le="+Inf", **labels) == found.value(
        f"{metric}_count", **labels
    )


def test_a_session_moves_every_figure(start_stack: StartStack) -> None:
    stack = start_stack(env={"WAKEUP_ALLOWED_USER_IDS": ALICE})
    bot = Bot(stack)
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake
    before = scrape(stack.server.url)

    # A list, then the same list again: one fetch, then the cache.
    _, listed = bot.ask("agents")
    assert "web1" in shown(listed)
    bot.ask("agents")
    # Two lists of another region while its fetch is slow: the second shares the first.
    set_faults(stack.simulator, latency=0.3)
    first = bot.command("agents region:ORD")
    second = bot.command("agents region:ORD")
    bot.answer_to(first)
    bot.answer_to(second)
    reset_faults(stack.simulator)
    # A lookup; its answer's response_url is rate limited once (and retried).
    stack.slack.rate_limit_next(1, retry_after=0, method="response_url")
    _, found = bot.ask(f"agent {WEB1}")
    assert "web1" in shown(found)
    # A wake-up, joined by a second request while its POST is slow; two follow-ups.
    set_faults(stack.simulator, latency=0.3)
    bot.command("wakeup")
    bot.command("wakeup", channel=DEV)
    reset_faults(stack.simulator)
    bot.follow_ups(2)
    # A refused command: Bob may not wake agents.
    refused = bot.command("wakeup", user=BOB)
    assert "can't do that" in shown(refused.json)
    # An outage: the backup API answers 503 to everything, retries included.
    set_faults(stack.simulator, fail_next=10, fail_status=503)
    _, failed = bot.ask(f"agent {WEB2}")
    assert "503" in shown(failed)
    reset_faults(stack.simulator)
    wait_until(bot.settled, what="the wake-up and its follow-ups to settle")

    after = scrape(stack.server.url)

    def moved(metric: str, /, **labels: str) -> float:
        return delta(after, before, metric, **labels)

    requests_total = "backup_bot_requests_total"
    assert moved(requests_total, kind="command", name="agents", outcome="ok") == 4
    assert moved(requests_total, kind="command", name="agent", outcome="ok") == 1
    assert moved(requests_total, kind="command", name="agent", outcome="api_error") == 1
    assert moved(requests_total, kind="command", name="wakeup", outcome="started") == 1
    assert moved(requests_total, kind="command", name="wakeup", outcome="joined") == 1
    assert moved(requests_total, kind="command", name="wakeup", outcome="refused") == 1
    assert moved("backup_bot_ack_seconds_count", kind="command") == 9
    assert moved("backup_bot_ack_seconds_sum", kind="command") > 0
    histogram_consistent(after, "backup_bot_ack_seconds", kind="command")

    api = "backup_bot_backup_api_calls_total"
    assert moved(api, operation="authenticate", status="200") == 1
    assert moved(api, operation="list_agents", status="200") >= 2  # DFW, ORD, then checks
    assert moved(api, operation="get_agent", status="200") >= 2
    assert moved(api, operation="wake_up_agents", status="200") == 1
    assert moved(api, operation="get_agent", status="503") == 1
    assert moved("backup_bot_backup_api_retries_total", operation="get_agent") == 1
    for operation in ("list_agents", "get_agent", "wake_up_agents", "authenticate"):
        assert moved("backup_bot_backup_api_call_seconds_count", operation=operation) == moved(
            api, operation=operation
        )
        histogram_consistent(after, "backup_bot_backup_api_call_seconds", operation=operation)
    assert moved("backup_bot_identity_authentications_total", outcome="ok") == 1

    cache = "backup_bot_fleet_cache_requests_total"
    assert moved(cache, result="hit") >= 1
    assert moved(cache, result="shared") >= 1
    assert moved(cache, result="fetch") >= 2

    assert moved("backup_bot_wakeups_started_total") == 1
    assert moved("backup_bot_wakeups_joined_total") == 1
    assert moved("backup_bot_wakeups_finished_total", outcome="awake") == 1
    assert moved("backup_bot_wakeups_finished_total", outcome="gave_up") == 0
    assert moved("backup_bot_wakeup_duration_seconds_count") == 1
    assert moved("backup_bot_wakeup_duration_seconds_sum") > 0
    histogram_consistent(after, "backup_bot_wakeup_duration_seconds")
    assert moved("backup_bot_followups_total", result="delivered") == 2
    assert moved("backup_bot_followups_total", result="retried") == 0
    assert moved("backup_bot_followups_total", result="failed") == 0

    slack = "backup_bot_slack_api_calls_total"
    answers = [m for m in stack.slack.messages if m.via == "response_url"]
    assert moved(slack, method="response_url", status="ok") == len(answers)
    assert moved("backup_bot_slack_rate_limited_total", method="response_url") == 1

    assert after.value("backup_bot_executor_in_flight", pool="work") == 0
    assert after.value("backup_bot_executor_queue_depth", pool="work") == 0
    assert {labels["pool"] for labels in after.series("backup_bot_executor_queue_depth")} == {
        "work",
        "wakeup",
    }
    assert moved("backup_bot_busy_answers_total") == 0
    assert_bounded_and_clean(after, forbidden_texts(stack))


def test_a_full_queue_counts_busy_answers(start_stack: StartStack) -> None:
    stack = start_stack(env={"WORKER_THREADS": "1", "MAX_PENDING_JOBS": "1"})
    bot = Bot(stack)
    set_faults(stack.simulator, latency=0.5)
    slow = bot.command(f"agent {WEB1}")
    busy = bot.command(f"agent {WEB2}")
    assert "busy" in shown(bot.answer_to(busy))
    bot.answer_to(slow)
    reset_faults(stack.simulator)
    wait_until(bot.settled, what="both requests to finish")  # counted after the answer
    found = scrape(stack.server.url)
    assert found.value("backup_bot_busy_answers_total") == 1
    assert found.value("backup_bot_requests_total", name="agent", outcome="busy") == 1


def test_two_bots_in_one_process_count_apart(start_stack: StartStack) -> None:
    one, two = start_stack(), start_stack()
    Bot(one).ask("agents")
    wait_until(Bot(one).settled, what="the list to be counted")  # counted after the answer
    assert scrape(one.server.url).value("backup_bot_requests_total", name="agents") == 1
    assert scrape(two.server.url).value("backup_bot_requests_total", name="agents") == 0


def test_metrics_off_serves_no_metrics_and_keeps_the_health_check(
    start_stack: StartStack,
) -> None:
    stack = start_stack(env={"METRICS": "off"})
    Bot(stack).ask("agents")
    assert stack.bot.metrics is None
    assert requests.get(stack.server.url + "/metrics", timeout=5).status_code == 404
    health = requests.get(stack.server.url + "/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
