"""``backup-bot simulator``: run the simulator in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from bot.simulator.admin import ACTIONS
from bot.simulator.config import SimulatorConfig
from bot.simulator.data import REGIONS
from bot.simulator.server import Simulator


def banner_lines(simulator: Simulator) -> list[str]:
    """What the operator needs: where it listens, the bot's settings, the test hooks.

    The API key printed is the simulator's own fake demo credential, printed on purpose.
    """
    config = simulator.config
    agents = len(simulator.agents())
    return [
        f"Cloud Backup simulator on {simulator.url} (tenant {config.tenant_id}, {agents} agents)",
        "Point the bot at it with these settings:",
        "",
        *simulator.env_lines(),
        "",
        "Cloud Backup endpoints (also in the Identity catalog; the tenant may be left out):",
        *(f"  {region}  {simulator.backup_url(region)}" for region in REGIONS),
        "",
        f"Test hooks (loopback only, no token): POST {simulator.url}/__admin/faults, "
        f"GET {simulator.url}/__admin/stats, POST {simulator.url}/__admin/reset, "
        f"POST {simulator.url}/__admin/agents/{{id or name}}/{{{'|'.join(ACTIONS)}}}",
        "Press Ctrl+C to stop.",
    ]


def run_simulator(config: SimulatorConfig) -> None:
    """Start, print the banner, serve until SIGINT/SIGTERM, then stop cleanly.

    Must run on the main thread (signal handlers); previous handlers are restored on exit.
    """
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Simulator(config) as simulator:
            print("\n".join(banner_lines(simulator)), flush=True)
            stop.wait()
            print("Simulator stopped.", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
