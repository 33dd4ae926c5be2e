"""Measuring helpers: a percentile, bounded polling, and a process's memory and threads.

Memory and threads are read from ``/proc/<pid>/status`` (Linux), the same numbers ``ps`` and
``top`` show, so no dependency is needed to watch another process.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_SAMPLES = 100_000


def p99(values: Sequence[float]) -> float:
    """The 99th percentile, interpolated between neighbours (statistics' inclusive method)."""
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[98]


@dataclass(frozen=True)
class ProcessSample:
    rss_kib: int
    threads: int

    @property
    def rss_mib(self) -> float:
        return self.rss_kib / 1024


def read_process(pid: int) -> ProcessSample:
    """Resident memory and thread count of a live process."""
    fields: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return ProcessSample(rss_kib=int(fields["VmRSS"].split()[0]), threads=int(fields["Threads"]))


class Sampler:
    """Reads a process's memory and threads every ``interval`` seconds on a background thread.

    Samples are capped at ``MAX_SAMPLES``; a process that exits ends the sampling quietly.
    """

    def __init__(self, pid: int, *, interval: float = 0.05) -> None:
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._samples: list[ProcessSample] = []
        self._thread = threading.Thread(target=self._run, name=f"sampler-{pid}", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> list[ProcessSample]:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        return list(self._samples)

    def _run(self) -> None:
        while len(self._samples) < MAX_SAMPLES:
            try:
                self._samples.append(read_process(self._pid))
            except (OSError, KeyError, ValueError):
                return
            if self._stop.wait(self._interval):
                return
