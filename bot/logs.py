"""Structured logging with a last line of defence against leaked secrets.

Secrets are kept out of log calls by construction (``Secret``, redacted reprs); the filter
here masks any that still slip through, e.g. inside a third-party library's debug output.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener
from typing import Any

# Slack tokens have a recognisable shape; mask them even when we were not told their value.
_TOKEN_SHAPE = re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{6,}")
_AUDIT = "audit"
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Rewrites a record's message so that no known secret (nor token-shaped text) survives."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN_SHAPE.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = self.redact(message), None
        for key, value in list(vars(record).items()):
            if key not in _RESERVED and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with any ``extra=`` fields beside the message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED:
                entry[key] = value
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, default=str, ensure_ascii=False)


QUEUE_CAPACITY = 50_000
"""Log records waiting to be written; past that, records are counted and dropped."""


class _Enqueue(QueueHandler):
    """Hands records to the writer thread, so no request thread waits on the log file.

    Writing each line to stderr under the handler's lock made every thread that logs queue
    behind the one writing; at DEBUG, where Bolt and slack_sdk log several lines a request,
    that wait dominated the ack latency.
    """

    def __init__(self, q: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(q)
        self._dropped = 0
        self._dropped_lock = threading.Lock()

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # Merge the arguments now, while they still hold the values of the moment; the
        # redaction and the JSON happen on the writer thread.
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.stack_info = None if record.stack_info is None else str(record.stack_info)
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            with self._dropped_lock:
                self._dropped += 1

    def take_dropped(self) -> int:
        with self._dropped_lock:
            dropped, self._dropped = self._dropped, 0
        return dropped


class _Logging:
    """The process's one writer thread; ``stop`` writes what is queued and ends it."""

    def __init__(self, target: logging.Handler) -> None:
        self.queue: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_CAPACITY)
        self.handler = _Enqueue(self.queue)
        self._listener = QueueListener(self.queue, target, respect_handler_level=True)
        self._listener.start()
        self._stopped = False

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._listener.stop()
        dropped = self.handler.take_dropped()
        if dropped:
            print(f"backup-bot: {dropped} log record(s) dropped: the log was full", file=sys.stderr)


_current: _Logging | None = None


def setup_logging(*, level: str = "INFO", fmt: str = "json", secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once for the whole process: records go through a queue to
    one writer thread, which redacts and formats them."""
    global _current
    target = logging.StreamHandler(sys.stderr)
    target.addFilter(RedactingFilter(secrets))
    if fmt == "json":
        target.setFormatter(JsonFormatter())
    else:
        target.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stop_logging()
    _current = _Logging(target)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(_current.handler)
    root.setLevel(level)
    # Quiet libraries that would otherwise log every request at INFO.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def stop_logging() -> None:
    """Write every queued record and stop the writer; before exiting, including ``os._exit``."""
    if _current is not None:
        _current.stop()


atexit.register(stop_logging)


def audit_logger() -> logging.Logger:
    return logging.getLogger(_AUDIT)
