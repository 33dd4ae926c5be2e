"""A throwaway PostgreSQL cluster on loopback, for the tests and the benchmarks.

It runs Debian's own server binaries (package ``postgresql``): ``initdb`` into a temporary
folder and ``pg_ctl`` on a free loopback port, with trust authentication on 127.0.0.1 only.
``initdb`` and the server refuse to run as root, so as root they run as the ``postgres``
user that the package creates. ``stop()`` and ``start()`` let a test take the database away
and bring it back under load.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from bot.devtools.processes import free_port

START_TIMEOUT = 30
STOP_TIMEOUT = 15
SERVICE_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing or would not start; the message says what to install."""


def server_bin_dir() -> Path:
    """The newest installed server's binaries (``/usr/lib/postgresql/N/bin``)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not found:
        raise PostgresUnavailable(
            "no PostgreSQL server found: install Debian's package with "
            "`apt-get install postgresql` (.ci/run does so when it is missing)"
        )
    return Path(found[-1]).parent


class TempPostgres:
    """``with TempPostgres() as pg: pg.url`` — a fresh cluster, removed at the end."""

    def __init__(self) -> None:
        self._bin = server_bin_dir()
        self._root = Path(tempfile.mkdtemp(prefix="backup-bot-pg-"))
        self.data_dir = self._root / "data"
        self.port = free_port()
        self.url = f"postgresql://{SERVICE_USER}@127.0.0.1:{self.port}/postgres"
        self._as_service_user = os.geteuid() == 0
        if self._as_service_user:
            shutil.chown(self._root, user=SERVICE_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SERVICE_USER,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self._root}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )

    def start(self) -> TempPostgres:
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self._root / "server.log"),
            "-w", "-t", str(START_TIMEOUT), "start",
        )  # fmt: skip
        return self

    def stop(self, *, mode: str = "fast") -> None:
        """Stop the server (``immediate`` is a crash); the cluster stays for ``start``."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w",
                "-t", str(STOP_TIMEOUT), "stop",
            )  # fmt: skip

    def remove(self) -> None:
        try:
            self.stop(mode="immediate")
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def log_tail(self, size: int = 3000) -> str:
        try:
            return (self._root / "server.log").read_text(errors="replace")[-size:]
        except OSError:
            return "(no server log)"

    def __enter__(self) -> TempPostgres:
        try:
            return self.start()
        except BaseException:
            self.remove()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self._bin / program), *args]
        if self._as_service_user:
            argv = ["runuser", "-u", SERVICE_USER, "--", *argv]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=START_TIMEOUT + 30, check=False
        )
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}\n"
                f"{self.log_tail()}"
            )
