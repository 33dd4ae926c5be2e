"""The benchmark suite still runs: every scenario once at a tiny size, through ``python -m bench``.

Only the shape of the results is checked, never a timing: these are not timed tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 90.0
KEY_FIGURES = {
    "ack": {"ack latency p50", "ack latency p99", "ack latency max", "no ack within 3 s"},
    "debug_log": {"ack latency p50 at DEBUG", "ack latency p99 at DEBUG"},
    "metrics": {"ack latency p50 with metrics", "ack latency p99 with metrics"},
    "list": {"N=3: time to the list", "N=3: time in API round trips"},
    "wakeup": {"wakeupagents calls", "follow-ups delivered", "follow-ups duplicated or misplaced"},
    "render": {"render p50", "render max", "pages over Slack's limits"},
    "idle": {"RSS", "threads"},
    "watch": {
        "sweep in API round trips",
        "ack latency p99 during the sweep",
        "RSS cost of watching",
        "list calls over the intervals",
    },
    "instances": {
        "wakeupagents calls",
        "follow-ups delivered",
        "follow-ups duplicated or misplaced",
        "killed instance's share delivered after the kill",
        "ack p99 on PostgreSQL",
    },
}
FIGURE_KEYS = {"name", "unit", "ours", "baseline", "ratio", "target", "met"}


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    done = run_bench("--quick", "--output", str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(output.read_text(encoding="utf-8"))


def test_every_scenario_reports_its_figures(quick_run: tuple[str, dict[str, Any]]) -> None:
    _, results = quick_run
    scenarios = {scenario["name"]: scenario for scenario in results["scenarios"]}
    assert set(scenarios) == set(KEY_FIGURES)
    for name, wanted in KEY_FIGURES.items():
        scenario = scenarios[name]
        assert scenario["error"] is None
        assert scenario["baseline"]
        names = {figure["name"] for figure in scenario["figures"]}
        assert wanted <= names, f"{name} lacks {wanted - names}"


def test_each_figure_has_ours_baseline_ratio_target_and_verdict(
    quick_run: tuple[str, dict[str, Any]],
) -> None:
    _, results = quick_run
    figures = [figure for scenario in results["scenarios"] for figure in scenario["figures"]]
    for figure in figures:
        assert set(figure) == FIGURE_KEYS
        assert isinstance(figure["ours"], int | float)
        if figure["baseline"] not in (None, 0):
            assert figure["ratio"] == pytest.approx(figure["ours"] / figure["baseline"], rel=1e-3)
        else:
            assert figure["ratio"] is None
        assert isinstance(figure["met"], bool) == (figure["target"] is not None)
    judged = [figure["met"] for figure in figures if figure["met"] is not None]
    assert results["targets"] == {"met": sum(judged), "total": len(judged)}


def test_the_run_records_the_machine_and_prints_a_table(
    quick_run: tuple[str, dict[str, Any]],
) -> None:
    stdout, results = quick_run
    assert results["mode"] == "quick"
    assert {"platform", "cpu_count", "python"} <= set(results["machine"])
    for scenario in results["scenarios"]:
        assert f"== {scenario['title']}" in stdout
    assert "targets met" in stdout


def test_only_runs_the_named_scenario(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = run_bench("--quick", "--only", "render", "--output", str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(output.read_text(encoding="utf-8"))
    assert [scenario["name"] for scenario in results["scenarios"]] == ["render"]


def test_an_unknown_scenario_is_refused() -> None:
    done = run_bench("--only", "nosuch")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
