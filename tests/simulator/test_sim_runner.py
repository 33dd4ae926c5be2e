"""``run_simulator``: the banner with the bot's settings, and a clean stop on a signal."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from bot.simulator import Simulator, banner_lines
from tests.simulator.sim_helpers import StartSimulator


def test_env_lines_point_the_bot_at_the_simulator(sim: Simulator) -> None:
    assert sim.env_lines() == [
        f"RACKSPACE_IDENTITY_URL={sim.url}/v2.0/",
        "RACKSPACE_USERNAME=demo",
        "RACKSPACE_API_KEY=demo-api-key",
        "RACKSPACE_REGION=DFW",
    ]


def test_env_lines_follow_the_config(start_simulator: StartSimulator) -> None:
    simulator = start_simulator(username="ops", api_key="k-123", default_region="ORD")

    assert simulator.env_lines()[1:] == [
        "RACKSPACE_USERNAME=ops",
        "RACKSPACE_API_KEY=k-123",
        "RACKSPACE_REGION=ORD",
    ]


def test_banner_holds_the_url_the_env_lines_and_the_hooks(sim: Simulator) -> None:
    lines = banner_lines(sim)

    assert lines[0] == f"Cloud Backup simulator on {sim.url} (tenant 123456, 13 agents)"
    start = lines.index(sim.env_lines()[0])
    assert lines[start : start + 4] == sim.env_lines()
    assert any(f"{sim.url}/__admin/faults" in line for line in lines)


RUN = (
    "from bot.simulator import SimulatorConfig, run_simulator; "
    "run_simulator(SimulatorConfig(agents_count=5))"
)


def _read_identity_url(lines: queue.Queue[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        line = lines.get(timeout=remaining)
        if line.startswith("RACKSPACE_IDENTITY_URL="):
            return line.strip().split("=", 1)[1]
    pytest.fail("no RACKSPACE_IDENTITY_URL line in time")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_simulator_serves_until_a_signal(sig: signal.Signals) -> None:
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(
        [sys.executable, "-c", RUN], stdout=subprocess.PIPE, text=True
    ) as process:

        def pump() -> None:
            for line in process.stdout or ():
                lines.put(line)

        reader = threading.Thread(target=pump)
        reader.start()
        try:
            identity_url = _read_identity_url(lines, timeout=10)
            credentials = {"username": "demo", "apiKey": "demo-api-key"}
            body = {"auth": {"RAX-KSKEY:apiKeyCredentials": credentials}}
            assert requests.post(identity_url + "tokens", json=body, timeout=5).status_code == 200

            process.send_signal(sig)

            assert process.wait(timeout=5) == 0
        finally:
            process.kill()
            reader.join(timeout=5)
    assert "Simulator stopped.\n" in list(lines.queue)
