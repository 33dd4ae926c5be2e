"""Ack under load with ``LOG_LEVEL=DEBUG``: operators turn DEBUG on when something is wrong.

The same bursts as the ack scenario, run against the bot at INFO (the baseline) and at DEBUG
in one run, with JSON logs. At DEBUG, Bolt and slack_sdk log several lines per request; the
bot's log writer must keep that off the request threads.
"""

from __future__ import annotations

import statistics

from bench.figures import Figure, Measured, Scenario, at_most
from bench.measure import p99
from bench.scenario_ack import FULL, QUICK, Run, bursts
from bench.stack import bench_stack
from bot.simulator import SimulatorConfig

DEBUG_LIMIT = 1.5
"""DEBUG may cost at most this much of INFO's ack p99."""


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    config = SimulatorConfig(latency=params.latency)
    runs: dict[str, Run] = {}
    for level in ("INFO", "DEBUG"):
        with bench_stack(config, env={"LOG_LEVEL": level, "LOG_FORMAT": "json"}) as stack:
            runs[level] = bursts(stack, params, wait_for_replies=True)

    def ms(level: str, statistic: str) -> float:
        elapsed = [sent.elapsed for sent in runs[level].sent]
        return (statistics.median(elapsed) if statistic == "p50" else p99(elapsed)) * 1000

    limit = DEBUG_LIMIT * ms("INFO", "p99")
    return Measured(
        (
            Figure("ack latency p50 at DEBUG", "ms", ms("DEBUG", "p50"), ms("INFO", "p50")),
            Figure(
                "ack latency p99 at DEBUG",
                "ms",
                ms("DEBUG", "p99"),
                ms("INFO", "p99"),
                at_most(limit, f"≤ {DEBUG_LIMIT:g}× INFO ({limit:.1f} ms)"),
            ),
            Figure(
                "lists delivered at DEBUG",
                "messages",
                len(runs["DEBUG"].replies),
                len(runs["INFO"].replies),
            ),
        ),
        (
            f"{len(params.regions)} burst(s) of {params.commands} concurrent `/backup agents`, "
            f"backup API latency {params.latency:g} s, JSON logs; the baseline is the same bot "
            "at LOG_LEVEL=INFO in the same run",
        ),
    )


SCENARIO = Scenario(
    name="debug_log",
    title="Ack under load at LOG_LEVEL=DEBUG",
    baseline="the same bot at LOG_LEVEL=INFO, same run",
    run=run,
)
