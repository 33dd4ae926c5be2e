"""The list with true status: ``/backup agents`` for N agents at 50 ms per backup API call.

The list call does not tell the truth about status, so every agent's details are needed: N + 1
calls. Fetched in parallel that is about 2 + N / concurrency round trips; fetched one by one,
N + 1. A second request while the first is in flight, or soon after, should cost nothing.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from bench.figures import YES_NO, Figure, Measured, Scenario, at_most, exactly
from bench.naive import fetch_fleet_sequentially
from bench.stack import DEFAULT_REGION, BenchStack, bench_stack, move_agents_to
from bot.config import Settings
from bot.devtools.fake_slack import RESPONSE_URL, Message
from bot.simulator import Simulator, SimulatorConfig
from bot.slack.blocks.common import format_duration

CONCURRENCY = Settings().backup_api_concurrency
CACHE_TTL = Settings().agents_cache_ttl
LIST_TIMEOUT = 120.0
UPSTREAM = ("list_agents", "agent_details")


@dataclass(frozen=True)
class Params:
    sizes: tuple[int, ...]
    latency: float
    reuse_after: float
    """Seconds after the first list arrives that a third request is sent."""


FULL = Params(sizes=(10, 100, 1000), latency=0.05, reuse_after=2.0)
QUICK = Params(sizes=(3,), latency=0.01, reuse_after=0.1)


@dataclass(frozen=True)
class Ours:
    wall: float
    second_in_flight: bool
    second_calls: int
    third_calls: int
    ttl_shown: bool


@dataclass(frozen=True)
class Naive:
    wall: float
    calls: int


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    figures: list[Figure] = []
    ttl_shown = True
    for size in params.sizes:
        config = SimulatorConfig(agents_count=size, latency=params.latency)
        ours = _ours(config, size, params)
        naive = _naive(config)
        figures.extend(_figures(size, ours, naive, params))
        ttl_shown = ttl_shown and ours.ttl_shown
    figures.append(
        Figure(
            "cache lifetime shown in each list", YES_NO, float(ttl_shown), None, exactly(1, "yes")
        )
    )
    return Measured(
        tuple(figures),
        (
            f"backup API latency {params.latency * 1000:g} ms per call, "
            f"BACKUP_API_CONCURRENCY={CONCURRENCY}, AGENTS_CACHE_TTL={CACHE_TTL:g}",
            "wall time runs from sending the command to the list arriving at response_url; "
            "round trips = wall time / latency",
            "the 2nd request is sent as soon as the 1st is acked; the 3rd "
            f"{params.reuse_after:g} s after the 1st list arrived",
        ),
    )


def _ours(config: SimulatorConfig, size: int, params: Params) -> Ours:
    env = {"BACKUP_API_CONCURRENCY": str(CONCURRENCY), "AGENTS_CACHE_TTL": str(CACHE_TTL)}
    with (
        bench_stack(config, env=env, agents_in_default_region=True) as stack,
        stack.sender() as sender,
    ):
        online = sum(agent["Status"] == "Online" for agent in stack.simulator.agents())
        stack.simulator.reset_stats()
        started = time.monotonic()
        sender.command("agents", user_id="UFIRST")
        second_sent = time.monotonic()
        sender.command("agents", user_id="USECOND")
        first = _list_for(stack, "UFIRST", size, online)
        _list_for(stack, "USECOND", size, online)
        second_calls = _upstream_calls(stack.simulator) - (1 + size)

        threading.Event().wait(params.reuse_after)
        before = _upstream_calls(stack.simulator)
        sender.command("agents", user_id="UTHIRD")
        third = _list_for(stack, "UTHIRD", size, online)
        third_calls = _upstream_calls(stack.simulator) - before
    return Ours(
        wall=first.received_at - started,
        second_in_flight=second_sent < first.received_at,
        second_calls=second_calls,
        third_calls=third_calls,
        ttl_shown=all(_shows_ttl(message) for message in (first, third)),
    )


def _naive(config: SimulatorConfig) -> Naive:
    with Simulator(config) as simulator:
        move_agents_to(simulator, DEFAULT_REGION)
        simulator.reset_stats()
        started = time.monotonic()
        fetch_fleet_sequentially(simulator, DEFAULT_REGION)
        wall = time.monotonic() - started
        return Naive(wall, _upstream_calls(simulator))


def _list_for(stack: BenchStack, user_id: str, size: int, online: int) -> Message:
    """The list sent to ``user_id``, checked to hold every agent and the true status."""

    def is_list(message: Message) -> bool:
        return message.via == RESPONSE_URL and message.user_id == user_id

    message = stack.slack.wait_for(is_list, timeout=LIST_TIMEOUT)
    expected = f"Backup agents: {size:,} ({online:,} online,"
    if not message.text.startswith(expected):
        raise RuntimeError(f"expected a list starting {expected!r}, got {message.text!r}")
    return message


def _shows_ttl(message: Message) -> bool:
    """The context line names the cache lifetime, written as the bot writes durations."""
    lifetime = format_duration(CACHE_TTL)
    return any(lifetime in element.get("text", "") for element in _context_elements(message))


def _context_elements(message: Message) -> list[dict[str, str]]:
    return [
        element
        for block in message.blocks
        if block.get("type") == "context"
        for element in block.get("elements", [])
    ]


def _upstream_calls(simulator: Simulator) -> int:
    stats = simulator.stats()
    return sum(stats[endpoint] for endpoint in UPSTREAM)


def _figures(size: int, ours: Ours, naive: Naive, params: Params) -> list[Figure]:
    budget = 2 + math.ceil(size / CONCURRENCY)
    in_flight = "in flight" if ours.second_in_flight else "NOT in flight"
    return [
        Figure(f"N={size:,}: time to the list", "s", ours.wall, naive.wall),
        Figure(
            f"N={size:,}: time in API round trips",
            "round trips",
            ours.wall / params.latency,
            naive.wall / params.latency,
            at_most(budget, f"≤ 2 + ⌈N/{CONCURRENCY}⌉ = {budget}"),
        ),
        Figure(
            f"N={size:,}: calls for a 2nd request ({in_flight})",
            "calls",
            ours.second_calls,
            naive.calls,
            exactly(0),
        ),
        Figure(
            f"N={size:,}: calls for a 3rd, {params.reuse_after:g} s after",
            "calls",
            ours.third_calls,
            naive.calls,
            exactly(0),
        ),
    ]


SCENARIO = Scenario(
    name="list",
    title="The list with true status",
    baseline="the list, then each agent's details one by one (requests, keep-alive session)",
    run=run,
)
