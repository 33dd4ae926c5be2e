"""An in-process Rackspace Cloud Backup v1.0 + Identity v2.0 simulator on 127.0.0.1.

The demo, the tests and the benchmarks run the real bot against it, and Rackspace's own
``rcbu`` client runs against it unchanged; it reproduces the real service's wire quirks
(escaped slashes, ``/Date(ms)/`` dates, an untruthful list call, delayed wake-ups) and its
layout (one host per region, here one port per region; paths with or without the tenant).
See ``app`` for the served paths.

Test hooks, on the Identity port (``Simulator.url``), loopback clients only, no token:

* ``POST /__admin/faults`` with a JSON object of fault knobs (see ``Faults.apply``);
  ``GET /__admin/stats``; ``POST /__admin/reset``.
* ``POST /__admin/agents/{agent}/{action}``, ``{agent}`` a MachineAgentId or MachineName
  (404 if none or several match); each answers 200 with the agent as details show it now:

  - ``backup``: a backup succeeded just now (``TimeOfLastSuccessfulBackup``; a first
    backup also sets ``BackupDatacenter``, "None" before).
  - ``last-backup`` with ``{"at": "2024-05-01T12:00:00Z"}`` (ISO 8601 with an offset, or
    ``null`` for never) or ``{"age_seconds": 259200}``: the last success at any time, for
    stale-backup tests.
  - ``disable`` / ``enable``: ``IsDisabled``; a disabled agent is Offline and ignores
    wake-ups; once enabled it stays Offline until the next wake-up.
  - ``power-off`` / ``power-on``: a powered-off agent is Offline and never wakes; powered
    on, it is Offline until the next wake-up.

  The list call keeps its quirks whatever a hook did (Status ``Unknown``, vault size and
  last backup null): only agent details show the change, as with the real service.
  ``Simulator`` offers the same as methods: ``record_backup``, ``clear_last_backup``,
  ``set_disabled``, ``set_powered``, ``find_agent``.
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
