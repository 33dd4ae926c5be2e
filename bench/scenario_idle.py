"""Idle cost: memory and threads of the bot at rest, next to a minimal Bolt app at rest.

Both run in their own process behind the same waitress setup, started the same way and
read after the same pause, so the difference is what the bot keeps ready: its pools, its
scheduler, its state store and its clients.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Sequence

from bench.figures import Figure, Measured, Scenario
from bench.measure import ProcessSample
from bench.stack import BOT_COMMAND, MINIMAL_BOLT_COMMAND, bench_stack
from bot.simulator import SimulatorConfig

SAMPLES = 5
SAMPLE_EVERY = 0.1
SETTLE_FULL = 2.0
SETTLE_QUICK = 0.2


def run(quick: bool) -> Measured:
    settle = SETTLE_QUICK if quick else SETTLE_FULL
    ours = _idle(BOT_COMMAND, settle)
    baseline = _idle(MINIMAL_BOLT_COMMAND, settle)
    return Measured(
        (
            Figure(
                "RSS",
                "MB",
                statistics.median([sample.rss_mib for sample in ours]),
                statistics.median([sample.rss_mib for sample in baseline]),
            ),
            Figure(
                "threads",
                "threads",
                max(sample.threads for sample in ours),
                max(sample.threads for sample in baseline),
            ),
        ),
        (
            f"read {settle:g} s after /healthz first answered: median RSS and most threads of "
            f"{SAMPLES} samples {SAMPLE_EVERY * 1000:g} ms apart",
        ),
    )


def _idle(argv: Sequence[str], settle: float) -> list[ProcessSample]:
    with bench_stack(SimulatorConfig(), argv=argv) as stack:
        pause = threading.Event()
        pause.wait(settle)
        samples = []
        for _ in range(SAMPLES):
            samples.append(stack.sample())
            pause.wait(SAMPLE_EVERY)
        return samples


SCENARIO = Scenario(
    name="idle",
    title="Idle cost",
    baseline="a minimal Bolt app that only acks, same waitress setup, own process",
    run=run,
)
