"""The chaos soak, one minute of it with a fixed seed: every invariant must hold.

``make soak`` runs ten minutes with a new seed; this keeps the soak itself working in
``make test`` (the bot as its own process, restarts, faults, the checks and the table).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = "20261201"
RUN_LIMIT = 300.0
"""One minute of traffic, the drain, starts of the bot (about 80 s here): bounded well above."""


@pytest.mark.timeout(RUN_LIMIT + 30)  # above the suite's 120 s per test
def test_a_one_minute_soak_holds_every_invariant_and_prints_its_table(tmp_path: Path) -> None:
    results = tmp_path / "soak-results.json"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RACKSPACE_"))},
        "SOAK_MINUTES": "1",
        "SOAK_SEED": SEED,
        "SOAK_RESULTS": str(results),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert f"soak: seed {SEED}" in done.stdout
    assert "| commands and clicks sent |" in done.stdout, out[-3000:]
    assert "| incidents resolved |" in done.stdout
    assert "soak: every invariant held" in done.stdout
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert figures["ok"] is True
    assert figures["figures"]["seed"] == int(SEED)
    assert figures["figures"]["commands_sent"] > 0
    assert figures["figures"]["generations"] >= 2, "the short soak restarts the bot"
