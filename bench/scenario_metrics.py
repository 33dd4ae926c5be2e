"""Ack under load with metrics on: counting must not slow the answer Slack waits 3 s for.

The same bursts of concurrent ``/backup agents`` as the ack scenario, against the bot with
``METRICS=on`` and with ``METRICS=off`` (the baseline) in one run. Each setting runs
``ROUNDS`` times, alternating which goes first, and the samples of a setting are pooled, so a
slow moment of the shared machine does not land on one setting only. Each stack is checked to
serve (or not serve) ``/metrics``, so the run measured what it says.
"""

from __future__ import annotations

import statistics

import requests

from bench.figures import Figure, Measured, Scenario, at_most
from bench.measure import p99
from bench.scenario_ack import FULL, QUICK, Params, Run, bursts
from bench.stack import bench_stack
from bot.simulator import SimulatorConfig

METRICS_LIMIT = 1.05
"""Metrics may cost at most this much of the ack p99 without them."""
ROUNDS = 3
SETTINGS = ("off", "on")


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    rounds = 1 if quick else ROUNDS
    config = SimulatorConfig(latency=params.latency)
    elapsed: dict[str, list[float]] = {setting: [] for setting in SETTINGS}
    delivered: dict[str, int] = dict.fromkeys(SETTINGS, 0)
    for round_number in range(rounds):
        order = SETTINGS if round_number % 2 == 0 else SETTINGS[::-1]
        for setting in order:
            measured = _one_run(config, params, setting)
            elapsed[setting] += [sent.elapsed for sent in measured.sent]
            delivered[setting] += len(measured.replies)

    def ms(setting: str, statistic: str) -> float:
        values = elapsed[setting]
        return (statistics.median(values) if statistic == "p50" else p99(values)) * 1000

    limit = METRICS_LIMIT * ms("off", "p99")
    return Measured(
        (
            Figure("ack latency p50 with metrics", "ms", ms("on", "p50"), ms("off", "p50")),
            Figure(
                "ack latency p99 with metrics",
                "ms",
                ms("on", "p99"),
                ms("off", "p99"),
                at_most(limit, f"≤ {METRICS_LIMIT:g}× METRICS=off ({limit:.1f} ms)"),
            ),
            Figure("lists delivered with metrics", "messages", delivered["on"], delivered["off"]),
        ),
        (
            f"{rounds} round(s) per setting, alternating which goes first; each "
            f"{len(params.regions)} burst(s) of {params.commands} concurrent `/backup agents`, "
            f"backup API latency {params.latency:g} s; the baseline is the same bot with "
            "METRICS=off in the same run",
        ),
    )


def _one_run(config: SimulatorConfig, params: Params, setting: str) -> Run:
    with bench_stack(config, env={"METRICS": setting}) as stack:
        served = requests.get(stack.app.url + "/metrics", timeout=10).status_code
        if served != (200 if setting == "on" else 404):
            raise RuntimeError(f"METRICS={setting}, yet /metrics answered {served}")
        return bursts(stack, params, wait_for_replies=True)


SCENARIO = Scenario(
    name="metrics",
    title="Ack under load with Prometheus metrics on",
    baseline="the same bot with METRICS=off, same run",
    run=run,
)
