"""``backup-bot serve`` (or another app) in a child process, as a deployment runs it.

Signals, exit codes, start-up messages and memory only exist for a real process, so the
reliability tests and the benchmarks both start one; they share this module so that both
start it the same way. The child gets the environment its caller means to give it and a few
variables it cannot run without (``INHERITED``), never the developer's own bot settings: a
``SLACK_*`` or ``RACKSPACE_*`` variable left in a shell must not change what a test or a
measurement sees. It runs in a work directory of its own (so it finds no stray ``.env``) and
logs to a file there, not to a pipe that could fill up and block it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from bot.http_server import EVENTS_PATH, HEALTH_PATH

logger = logging.getLogger(__name__)

START_TIMEOUT = 30.0
"""A cold interpreter importing Bolt can take several seconds on a loaded machine."""
STOP_TIMEOUT = 5.0
_LOG_TAIL = 3000

INHERITED = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "SYSTEMROOT",
    "PYTHONPATH",
    "VIRTUAL_ENV",
)
"""All that is taken from the caller's own environment: what an interpreter needs to start."""


def poll_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.01) -> bool:
    """Check ``condition`` until it holds (True) or ``timeout`` seconds pass (False).

    The one polling loop of the tests and the benchmarks; it waits on an Event, which a
    bounded ``timeout`` always ends, and never sleeps past the deadline.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        if condition():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        pause.wait(min(interval, remaining))


def free_port() -> int:
    """A loopback port nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` over the few ``INHERITED`` variables, and nothing else of the caller's."""
    inherited = {name: os.environ[name] for name in INHERITED if name in os.environ}
    return {**inherited, **env}


def serve_command(*args: str) -> list[str]:
    """``backup-bot serve`` with ``args``, run by this interpreter (so in this virtualenv)."""
    return [sys.executable, "-m", "bot", "serve", *args]


def run_to_end(
    argv: Sequence[str], env: Mapping[str, str], *, workdir: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` until it exits, its output captured: for starts that are meant to fail."""
    return subprocess.run(
        list(argv),
        env=child_environment(env),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class StartError(RuntimeError):
    """The app did not come up; the message ends with the tail of its log."""


class ServedProcess:
    """``argv`` listening on a free loopback port, ready once ``/healthz`` answers.

    ``HOST`` and ``PORT`` are set for it; stdout and stderr both go to ``log_path`` (by
    default a file in ``workdir`` named for the port). With ``wait_healthy=False`` it returns
    as soon as the process is started, for a mode that serves no HTTP (Socket Mode); the
    caller then waits for what that mode does instead.
    """

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        workdir: Path,
        log_path: Path | None = None,
        wait_healthy: bool = True,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or workdir / f"app-{self.port}.log"
        self._name = " ".join(argv[1:])
        full_env = child_environment({**env, "HOST": "127.0.0.1", "PORT": str(self.port)})
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                list(argv), env=full_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )
        self._health = requests.Session()
        if not wait_healthy:
            return
        try:
            if not poll_until(self._ready, timeout=start_timeout, interval=0.05):
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

    @property
    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self) -> str:
        try:
            return self.log[-_LOG_TAIL:]
        except OSError:
            return "(no log)"

    def health(self) -> dict[str, Any]:
        response = self._health.get(self.url + HEALTH_PATH, timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def healthy(self) -> bool:
        """``/healthz`` answers 200 right now."""
        try:
            return requests.get(self.url + HEALTH_PATH, timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def refuses_connections(self) -> bool:
        """Nothing accepts a connection on the port any more (the server has closed)."""
        try:
            requests.get(self.url + HEALTH_PATH, timeout=1)
        except requests.ConnectionError:
            return True
        return False

    def poll(self) -> int | None:
        """The exit status, or None while it runs."""
        return self._process.poll()

    def signal(self, signum: int) -> None:
        self._process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        """The exit status; ``subprocess.TimeoutExpired`` if it is still running then."""
        return self._process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL whatever is left; a process that already exited loses nothing."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT)
        self._health.close()

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
        self.kill()

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
