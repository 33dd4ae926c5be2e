"""The bot under test as a child process that the soak stops, kills and starts again.

Each start is a *generation* with its own port and its own log file (a restart must not
truncate the log of the one before, which the secret check reads). Every stop is recorded
with its signal and time: the invariants decide what a request was owed from them.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import ProcessSample, Sampler
from bench.stack import BOT_COMMAND
from bot.devtools.processes import ServedProcess

SIGTERM_EXIT_LIMIT = 10.0
"""README: after SIGTERM the process exits within 10 s."""
SAMPLE_EVERY = 1.0


@dataclass(frozen=True)
class Stop:
    generation: int
    signal: str
    """"SIGTERM" or "SIGKILL"."""
    at: float
    """time.monotonic() when the signal was sent."""
    exit_seconds: float
    """How long the process took to exit."""


@dataclass
class Generation:
    number: int
    process: ServedProcess
    sampler: Sampler
    started_at: float
    samples: list[ProcessSample] = field(default_factory=list)


class BotProcess:
    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self._workdir = workdir
        self._lock = threading.Lock()
        self._current: Generation | None = None
        self.generations: list[Generation] = []
        self.stops: list[Stop] = []
        self.slow_sigterms: list[Stop] = []
        self.start_failures: list[str] = []

    @property
    def log_paths(self) -> list[Path]:
        return [g.process.log_path for g in self.generations]

    def current(self) -> tuple[int, str] | None:
        """The running generation's number and events URL, or None while it is down."""
        with self._lock:
            if self._current is None:
                return None
            return self._current.number, self._current.process.events_url

    def health(self) -> dict[str, object] | None:
        with self._lock:
            current = self._current
        if current is None:
            return None
        try:
            return current.process.health()
        except Exception:
            return None

    def start(self) -> None:
        number = len(self.generations) + 1
        log_path = self._workdir / f"bot-{number}.log"
        try:
            process = ServedProcess(
                [*BOT_COMMAND], self.env, workdir=self._workdir, log_path=log_path
            )
        except Exception as exc:
            self.start_failures.append(f"generation {number}: {exc}")
            raise
        sampler = Sampler(process.pid, interval=SAMPLE_EVERY).__enter__()
        generation = Generation(number, process, sampler, time.monotonic())
        with self._lock:
            self.generations.append(generation)
            self._current = generation

    def stop(self, how: str) -> Stop | None:
        """SIGTERM (with a bounded wait) or SIGKILL the running generation."""
        with self._lock:
            generation, self._current = self._current, None
        if generation is None:
            return None
        sent = time.monotonic()
        if how == "SIGKILL":
            generation.process.kill()
        else:
            generation.process.signal(signal.SIGTERM)
            try:
                generation.process.wait(SIGTERM_EXIT_LIMIT)
            except subprocess.TimeoutExpired:
                generation.process.kill()
                self.slow_sigterms.append(
                    Stop(generation.number, how, sent, time.monotonic() - sent)
                )
            generation.process.kill()  # closes its health session; nothing is left to kill
        generation.samples = generation.sampler.stop()
        stop = Stop(generation.number, how, sent, time.monotonic() - sent)
        self.stops.append(stop)
        return stop

    def samples(self) -> list[ProcessSample]:
        return [sample for g in self.generations for sample in g.samples]

    def final_sample(self) -> ProcessSample | None:
        for generation in reversed(self.generations):
            if generation.samples:
                return generation.samples[-1]
        return None
