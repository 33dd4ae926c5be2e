"""The serving path imports no development tool.

The wheel ships the simulator and the Slack stand-in for ``backup-bot simulator`` and
``backup-bot demo``; a production ``backup-bot serve`` must never load them (they hold fake
credentials and serve test hooks). Checked in a fresh interpreter, since this test process
has long imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
DEV_ONLY = ("bot.simulator", "bot.devtools")

PROBE = """
import json, sys
import bot.cli, bot.serve
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] == "bot")))
"""


def imported_by_serving_path() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=CHECKOUT,  # `-c` puts the working directory first on sys.path: this tree's bot
        env={"PATH": os.environ.get("PATH", os.defpath), "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    modules: list[str] = json.loads(done.stdout)
    return modules


def test_serving_path_imports_neither_the_simulator_nor_the_slack_stand_in() -> None:
    modules = imported_by_serving_path()
    assert "bot.serve" in modules  # the probe looked at the right thing
    assert [name for name in modules if _dev_only(name)] == []


def _dev_only(module: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in DEV_ONLY)
