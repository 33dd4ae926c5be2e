"""Rendering: every page of a 1,000-agent list, built as the bot builds it for Slack.

Each page is a fresh render over the whole fleet (filter, sort, count, then the page), as
it is when someone pages through the list; nothing is memoised between renders.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.figures import Figure, Measured, Scenario, at_most, exactly
from bench.measure import p99
from bench.naive_render import render_page
from bot.backup_api.models import Agent
from bot.backup_api.parsing import parse_agent
from bot.services.agent_query import AgentQuery
from bot.simulator.data import load_agents
from bot.slack.blocks import agents_message, check_message, page_count

RENDER_LIMIT_MS = 20.0
Render = Callable[[Sequence[Agent], int], dict[str, Any]]


@dataclass(frozen=True)
class Params:
    agents: int
    rounds: int
    """How many times every page is rendered."""


FULL = Params(agents=1000, rounds=5)
QUICK = Params(agents=25, rounds=1)


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    fleet = simulated_fleet(params.agents)
    ours_ms, ours_pages = _time_pages(_render_ours, fleet, params.rounds)
    naive_ms, naive_pages = _time_pages(render_page, fleet, params.rounds)
    pages = page_count(len(fleet))

    def over_limits(rendered: list[dict[str, Any]]) -> int:
        return sum(bool(check_message(message)) for message in rendered)

    return Measured(
        (
            Figure("render p50", "ms", statistics.median(ours_ms), statistics.median(naive_ms)),
            Figure("render p99", "ms", p99(ours_ms), p99(naive_ms)),
            Figure(
                "render max",
                "ms",
                max(ours_ms),
                max(naive_ms),
                at_most(RENDER_LIMIT_MS, f"< {RENDER_LIMIT_MS:g} ms"),
            ),
            Figure(
                "pages over Slack's limits",
                "pages",
                over_limits(ours_pages),
                over_limits(naive_pages),
                exactly(0),
            ),
        ),
        (
            f"{len(fleet):,} simulated agents, {pages} pages, each rendered {params.rounds} "
            f"time(s) after one warm-up render: {len(ours_ms)} renders timed one by one",
        ),
    )


def simulated_fleet(size: int) -> list[Agent]:
    """The simulator's generated agents, read by the bot's own parser."""
    seeds = load_agents(tenant_id="123456", now=datetime.now(UTC), seed=7, agents_count=size)
    return [agent for seed in seeds if (agent := parse_agent(seed.wire)) is not None]


def _render_ours(fleet: Sequence[Agent], page: int) -> dict[str, Any]:
    return agents_message(
        fleet,
        query=AgentQuery(),
        command="/backup",
        page=page,
        fetched_at=datetime.now(UTC),
        cache_ttl=15.0,
        account_id="123456",
        region="DFW",
    )


def _time_pages(
    render: Render, fleet: Sequence[Agent], rounds: int
) -> tuple[list[float], list[dict[str, Any]]]:
    """Milliseconds per render after one untimed warm-up, and the pages of the last round.

    The garbage earlier scenarios left in this process is collected first: a full collection
    of it landing inside one render is the bench's cost, not the bot's.
    """
    gc.collect()
    render(fleet, 0)
    times: list[float] = []
    rendered: list[dict[str, Any]] = []
    for _ in range(rounds):
        rendered = []
        for page in range(page_count(len(fleet))):
            started = time.perf_counter()
            rendered.append(render(fleet, page))
            times.append((time.perf_counter() - started) * 1000)
    return times, rendered


SCENARIO = Scenario(
    name="render",
    title="Rendering",
    baseline="the same page with slack_sdk.models.blocks + to_dict(), unescaped, uncut",
    run=run,
)
