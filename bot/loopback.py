"""A stdlib HTTP server serving on a background thread, for the local stand-ins.

The backup API simulator and the Slack stand-in both run this way inside tests, the demo and
the benchmarks; stopping must free the port and end the thread, or the next one cannot start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from socketserver import BaseServer
from typing import Generic, TypeVar

S = TypeVar("S", bound=BaseServer)


class ServingThread(Generic[S]):
    def __init__(self, server: S, *, name: str, poll_interval: float) -> None:
        # ``stop`` waits up to one poll interval, and tests start and stop many servers.
        self.server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name=name,
            daemon=True,
        )
        self._thread.start()

    def stop(self, *, before_close: Callable[[], None] | None = None, timeout: float) -> None:
        """Stop serving, run ``before_close`` (e.g. drop kept-alive connections), free the port."""
        self.server.shutdown()
        if before_close is not None:
            before_close()
        self.server.server_close()
        self._thread.join(timeout)
