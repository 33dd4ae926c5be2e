"""No secret in any log line or any message, with the bot logging everything it can (DEBUG)."""

from __future__ import annotations

import io
import json
import logging
import secrets
import signal
from pathlib import Path

from bot.logs import JsonFormatter, RedactingFilter
from bot.simulator import SimulatorConfig
from tests.e2e.e2e_helpers import BOB, SlackUsers
from tests.reliability.rel_process import BotProcess, Deployment, deployment
from tests.support.waiting import wait_until

COMMANDS = [
    "",
    "help",
    "bogus",
    "agents dc:NOWHERE",
    "agents status:offline",
    "agent nothing-matches-this",
    "wakeup region:ORD",
]


def use_every_command_and_button(bot: BotProcess, deployed: Deployment) -> None:
    """Each subcommand, each button, an error from the backup API and a token renewal."""
    users = SlackUsers(bot)
    for text in COMMANDS:
        users.command(text)
    # Let the wake-ups' follow-ups land first, so none is taken for a button's answer below.
    wait_until(bot.settled, timeout=15, what="the wake-ups to post their follow-ups")
    _, listed = users.ask("agents")
    second = users.press(listed, "agents_page_next")
    users.press(second, "agents_page_prev")
    users.press(listed, "agents_share")
    _, choices = users.ask("agent agent-0001")
    view = users.press(choices, "agent_show")
    deployed.simulator.faults.expire_tokens()
    users.press(view, "agent_refresh")
    users.press(view, "agent_wakeup", user=BOB)
    first = deployed.simulator.agents()[0]
    users.ask(f"agent {first['HostServerId']}")
    deployed.simulator.faults.fail_next(1, status=403)
    users.ask(f"agent {first['MachineAgentId']}")
    # Every wake-up was stored before its ack: settled means every follow-up went out.
    wait_until(bot.settled, timeout=15, what="the bot to have nothing left to do")


def test_no_secret_reaches_a_log_line_or_a_message_at_debug_level(tmp_path: Path) -> None:
    api_key = f"rk-{secrets.token_hex(16)}"
    app_token = f"xapp-1-A0BACKUP-{secrets.token_hex(12)}"
    simulator = SimulatorConfig(agents_count=60, api_key=api_key, wake_delay=(0.0, 0.1))
    env = {
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
        "SLACK_APP_TOKEN": app_token,
        "WAKEUP_GIVE_UP_AFTER": "0.3",  # some generated agents are powered off
    }
    with deployment(tmp_path, env=env, simulator=simulator) as deployed:
        bot = deployed.start()
        acks = [bot.sender.command(text).body for text in ("agents", "wakeup")]
        use_every_command_and_button(bot, deployed)
        bot.signal(signal.SIGTERM)
        assert bot.wait(10) == 0
        tokens = deployed.simulator.issued_tokens()
        log = bot.log
        posted = json.dumps([message.payload for message in deployed.slack.messages])

    assert len(tokens) == 2  # the first token, and the one after it expired
    assert '"logger": "slack_sdk.web.base_client"' in log  # the libraries did log at DEBUG
    assert all(line.startswith("{") for line in log.splitlines())  # every line is JSON
    everything = "\n".join([log, posted, *acks])
    for secret in [*deployed.secrets(), *tokens]:
        assert secret not in everything
    assert api_key in deployed.secrets()
    assert app_token in deployed.secrets()


def test_a_secret_slipping_into_a_library_debug_line_is_masked() -> None:
    """The last line of defence, should a library ever log what it should not."""
    bot_token = f"xoxb-{secrets.token_hex(12)}"
    api_key = f"rk-{secrets.token_hex(16)}"
    unknown_token = f"xoxp-{secrets.token_hex(12)}"  # never configured: masked by its shape
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([bot_token, api_key]))
    handler.setFormatter(JsonFormatter())
    library = logging.getLogger("slack_sdk.web.base_client")
    level = library.level
    library.addHandler(handler)
    library.setLevel(logging.DEBUG)
    try:
        library.debug("Sending a request - headers: %s", {"Authorization": f"Bearer {bot_token}"})
        library.debug("Received %s", unknown_token)
        try:
            raise RuntimeError(f"refused key {api_key}")
        except RuntimeError:
            library.debug("failed", exc_info=True, extra={"detail": api_key})
    finally:
        library.removeHandler(handler)
        library.setLevel(level)

    logged = stream.getvalue()
    assert logged.count("[redacted]") == 4
    for secret in (bot_token, api_key, unknown_token):
        assert secret not in logged
