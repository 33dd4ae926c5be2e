"""More requests than the bot takes at once: a clear "busy" at once, and service after."""

from __future__ import annotations

import time

from tests.e2e.e2e_helpers import BOB, DB1, WEB1, WEB2, Bot, shown
from tests.support.stacks import StartStack
from tests.support.waiting import wait_until


def test_a_full_queue_answers_busy_at_once_and_serves_again_when_it_drains(
    start_stack: StartStack,
) -> None:
    bot = Bot(start_stack(latency=0.5, env={"WORKER_THREADS": "1", "MAX_PENDING_JOBS": "1"}))
    since = time.monotonic()
    bot.command(f"agent {WEB1}")  # takes the only slot for half a second

    _, busy = bot.ask(f"agent {WEB2}", user=BOB)
    first = bot.reply(since)

    assert busy.response_type == "ephemeral"
    assert not busy.replace_original
    assert shown(busy).startswith(":warning: Could not start `agent`: The bot is busy")
    assert "Try again in a few seconds." in shown(busy)
    assert busy.received_at < first.received_at  # told at once, not after the queue moved
    assert f"`{WEB1}`" in shown(first)  # the request holding the slot is answered as usual
    wait_until(bot.settled, what="the slot to be free again")
    _, later = bot.ask(f"agent {DB1}", user=BOB)
    assert f"`{DB1}`" in shown(later)
    assert bot.stack.simulator.stats()["agent_details"] == 2  # the refused one never asked
