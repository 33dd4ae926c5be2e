"""An HTTP app in its own process: the bot, or the minimal Bolt baseline.

Memory and threads are only meaningful for a process that holds nothing else, and a separate
process also keeps the app's interpreter lock apart from the simulator, the fake Slack and
the bench's own client threads, as it would be in production.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from bench.measure import ProcessSample, poll_until, read_process
from bot.http_server import EVENTS_PATH, HEALTH_PATH

logger = logging.getLogger(__name__)

START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
_LOG_TAIL = 3000

BOT_COMMAND = (sys.executable, "-m", "bot", "serve", "--http")
MINIMAL_BOLT_COMMAND = (sys.executable, str(Path(__file__).with_name("minimal_bolt.py")))
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
"""All that is taken from the caller's environment: bot settings in the shell must not leak
into a measurement."""


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class StartError(RuntimeError):
    """The app did not come up; the message ends with the tail of its log."""


class ServedProcess:
    """Starts ``argv`` listening on a free loopback port and waits until ``/healthz`` answers.

    The process gets ``env`` and little else (see ``INHERITED``), runs in ``workdir`` (so it
    finds no stray ``.env``) and logs to a file there rather than to a pipe nobody reads.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], *, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._name = " ".join(argv[1:])
        self._log_path = workdir / f"app-{self.port}.log"
        inherited = {name: os.environ[name] for name in INHERITED if name in os.environ}
        full_env = {**inherited, **env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                list(argv), env=full_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        self._health = requests.Session()
        try:
            if not poll_until(self._ready, timeout=START_TIMEOUT):
                raise StartError(f"{self._name} did not answer {HEALTH_PATH}:\n{self.log_tail()}")
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def events_url(self) -> str:
        return self.url + EVENTS_PATH

    def sample(self) -> ProcessSample:
        return read_process(self.pid)

    def health(self) -> dict[str, Any]:
        response = self._health.get(self.url + HEALTH_PATH, timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def log_tail(self) -> str:
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM, a bounded wait for a clean exit, then SIGKILL.

        The health connection is closed only afterwards: the bot's server could be handling
        that close when the signal arrives, and then it may miss the signal.
        """
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                logger.warning("%s ignored SIGTERM for %g s: killed", self._name, STOP_TIMEOUT)
                self._process.kill()
                self._process.wait(timeout=STOP_TIMEOUT)
        self._health.close()

    def __enter__(self) -> ServedProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _ready(self) -> bool:
        if self._process.poll() is not None:
            code = self._process.returncode
            raise StartError(f"{self._name} exited with {code}:\n{self.log_tail()}")
        try:
            self._health.get(self.url + HEALTH_PATH, timeout=1).raise_for_status()
        except requests.RequestException:
            return False
        return True
