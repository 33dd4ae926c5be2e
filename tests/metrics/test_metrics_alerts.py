"""The README's alert rules: they name metrics the bot exposes, and fire on their faults.

The rules are read from the README itself, so the documented rules are the tested ones. Each
is evaluated over two scrapes (``tests/metrics/promql.py``): quiet while the bot is healthy,
firing once the matching fault has played out, quiet again after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.slack.delivery import DeliveryPolicy
from tests.e2e.e2e_helpers import REPORTING_OLD, WEB1, WEB2, Bot, shown
from tests.metrics.conftest import reset_faults, set_faults
from tests.metrics.promql import fires, metric_names
from tests.metrics.scrape import Scrape, scrape
from tests.support.stacks import StartStack, stack_factory
from tests.support.waiting import wait_until

README = Path(__file__).resolve().parents[2] / "README.md"
FOLLOW_UPS_FAILING = "BackupBotFollowUpsFailing"
API_UNAVAILABLE = "BackupBotBackupApiUnavailable"
WATCH_FAILING = "BackupBotWatchSweepsFailing"
FAST_GIVE_UP = DeliveryPolicy(
    timeout=2, retries=0, followup_backoff=0.01, followup_backoff_max=0.02, followup_attempts=2
)
"""Slack refusals play out in milliseconds: no retry inside a call, two attempts in all."""


def readme_rules() -> dict[str, str]:
    """Alert name -> expression, from the README's rules block."""
    text = README.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "groups:" in b]
    assert len(blocks) == 1, "the README should hold exactly one block of alert rules"
    rules = yaml.safe_load(blocks[0])["groups"][0]["rules"]
    return {rule["alert"]: " ".join(str(rule["expr"]).split()) for rule in rules}


@pytest.fixture
def start_stack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[StartStack]:
    with stack_factory(tmp_path, caplog, delivery=FAST_GIVE_UP) as start:
        yield start


def test_the_readme_has_the_three_rules() -> None:
    assert set(readme_rules()) == {FOLLOW_UPS_FAILING, API_UNAVAILABLE, WATCH_FAILING}


def test_every_metric_a_rule_names_is_exposed(start_stack: StartStack) -> None:
    found = scrape(start_stack().server.url)
    for alert, expr in readme_rules().items():
        names = metric_names(expr)
        assert names, alert
        missing = {name for name in names if not found.has_sample_name(name)}
        assert not missing, f"{alert} names metrics the bot does not expose: {missing}"


def test_each_rule_fires_on_its_fault_and_not_otherwise(start_stack: StartStack) -> None:
    rules = readme_rules()
    stack = start_stack()
    bot = Bot(stack)
    stack.simulator.remove_agent(REPORTING_OLD)  # powered off: it would never wake
    url = stack.server.url

    def firing(window: tuple[Scrape, Scrape]) -> set[str]:
        return {alert for alert, expr in rules.items() if fires(expr, *window)}

    start = scrape(url)
    bot.ask("agents")
    healthy = scrape(url)
    assert firing((start, healthy)) == set()

    # Slack refuses every post of the follow-up, through the response_url and in the channel.
    stack.slack.fail_response_urls(FAST_GIVE_UP.followup_attempts, status=404)
    stack.slack.fail_next(FAST_GIVE_UP.followup_attempts, status=500, method="chat.postMessage")
    bot.command("wakeup")
    wait_until(
        lambda: scrape(url).value("backup_bot_followups_total", result="failed") == 1,
        what="the follow-up to be given up",
    )
    given_up = scrape(url)
    assert firing((healthy, given_up)) == {FOLLOW_UPS_FAILING}
    assert given_up.value("backup_bot_followups_total", result="retried") == 1
    calls = "backup_bot_slack_api_calls_total"
    assert given_up.value(calls, method="response_url", status="404") == 2
    assert given_up.value(calls, method="chat.postMessage", status="500") == 2
    wait_until(bot.settled, what="the wake-up to settle")

    # The backup API answers 503 to everything for a while.
    quiet = scrape(url)
    assert firing((given_up, quiet)) == set()
    set_faults(stack.simulator, fail_next=20, fail_status=503)
    for agent in (WEB1, WEB2):
        _, failed = bot.ask(f"agent {agent}")
        assert "503" in shown(failed)
    outage = scrape(url)
    assert firing((quiet, outage)) == {API_UNAVAILABLE}

    reset_faults(stack.simulator)
    bot.ask(f"agent {WEB1}")
    recovered = scrape(url)
    assert firing((outage, recovered)) == set()
    # A window with failures and a success in it is not an outage either.
    assert firing((quiet, recovered)) == set()
