"""``python -m bench``: run the scenarios, print the table, write ``results.json``.

The exit status is 1 only when a scenario could not run; a missed target is a result, shown
in the table and the file, not a failure of the run.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    scenario_ack,
    scenario_debug_log,
    scenario_idle,
    scenario_instances,
    scenario_list,
    scenario_metrics,
    scenario_render,
    scenario_wakeup,
    scenario_watch,
)
from bench.figures import Scenario, ScenarioResult, report, table

SCENARIOS: tuple[Scenario, ...] = (
    scenario_ack.SCENARIO,
    scenario_debug_log.SCENARIO,
    scenario_metrics.SCENARIO,
    scenario_list.SCENARIO,
    scenario_wakeup.SCENARIO,
    scenario_render.SCENARIO,
    scenario_idle.SCENARIO,
    scenario_watch.SCENARIO,
    scenario_instances.SCENARIO,
)
DEFAULT_OUTPUT = Path(__file__).with_name("results.json")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of backup-bot against a minimal or naive baseline, on loopback.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: checks that every scenario runs"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[scenario.name for scenario in SCENARIOS],
        metavar="NAME",
        help="run only this scenario (repeatable): "
        + ", ".join(scenario.name for scenario in SCENARIOS),
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="FILE",
        help=f"where to write the results (default {DEFAULT_OUTPUT})",
    )
    return parser


def run_scenario(scenario: Scenario, *, quick: bool) -> ScenarioResult:
    """Run one scenario; a failure becomes the result's error, so the others still run."""
    started = time.monotonic()
    try:
        measured = scenario.run(quick)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return ScenarioResult(
            scenario.name,
            scenario.title,
            scenario.baseline,
            seconds=time.monotonic() - started,
            error=f"{type(exc).__name__}: {exc}",
        )
    return ScenarioResult(
        scenario.name,
        scenario.title,
        scenario.baseline,
        measured.figures,
        measured.notes,
        seconds=time.monotonic() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The bench's own servers (simulator, fake Slack) would otherwise log every request.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    chosen = [s for s in SCENARIOS if args.only is None or s.name in args.only]
    mode = "quick" if args.quick else "full"
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    results: list[ScenarioResult] = []
    for scenario in chosen:
        print(f"running {scenario.name} ({mode})…", file=sys.stderr, flush=True)
        results.append(run_scenario(scenario, quick=args.quick))
    record = report(results, mode=mode, started_at=started_at, seconds=time.monotonic() - started)
    print(table(results))
    targets = record["targets"]
    print(
        f"\n{targets['met']} of {targets['total']} targets met in {record['seconds']} s "
        f"({mode}; {record['machine']['cpu_count']} CPUs, Python {record['machine']['python']}, "
        f"{record['machine']['platform']})"
    )
    args.output.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"results written to {args.output}")
    return 1 if any(result.error is not None for result in results) else 0
