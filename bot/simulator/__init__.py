"""An in-process Rackspace Cloud Backup v1.0 + Identity v2.0 simulator on 127.0.0.1.

The demo, the tests and the benchmarks run the real bot against it; it reproduces the
real service's wire quirks (escaped slashes, ``/Date(ms)/`` dates, an untruthful list
call, delayed wake-ups) and offers fault knobs. See ``app`` for the served paths.
"""

from bot.simulator.agents import ABSENT
from bot.simulator.config import SimulatorConfig
from bot.simulator.data import REGIONS
from bot.simulator.faults import Faults
from bot.simulator.runner import banner_lines, run_simulator
from bot.simulator.server import Simulator

__all__ = [
    "ABSENT",
    "REGIONS",
    "Faults",
    "Simulator",
    "SimulatorConfig",
    "banner_lines",
    "run_simulator",
]
