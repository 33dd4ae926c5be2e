"""Fault knobs for tests and benchmarks: latency, failures, expired tokens, broken bodies, hangs.

One ``Faults`` object is shared by every request thread, so each knob is read and consumed
under one lock: "fail the next 3 requests" fails exactly 3, however many arrive at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus


@dataclass(frozen=True)
class Failure:
    """What a failed request answers instead of its real response."""

    status: int
    retry_after: float | None = None
    body: str | None = None


@dataclass
class _FailRule:
    remaining: int
    failure: Failure
    path_contains: str | None


class Faults:
    """Thread-safe fault knobs; ``reset`` returns them to their start state."""

    def __init__(self, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._start_latency = latency
        self._latency = latency
        self._rules: list[_FailRule] = []
        self._malformed = 0
        self._hangs = 0
        self._hang_seconds = 0.0
        self._token_epoch = 0

    def set_latency(self, seconds: float) -> None:
        """Seconds added to every backup API request from now on."""
        _check_non_negative("latency", seconds)
        with self._lock:
            self._latency = seconds

    @property
    def latency(self) -> float:
        with self._lock:
            return self._latency

    def fail_next(
        self,
        n: int,
        status: int = 503,
        retry_after: float | None = None,
        body: str | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Answer ``status`` to the next ``n`` backup API requests (whose path holds a string).

        ``body`` defaults to a JSON message; ``retry_after`` becomes a ``Retry-After`` header
        (a non-integer value is sent as is, which real HTTP would not do).
        """
        _check_count(n)
        HTTPStatus(status)  # ValueError unless a known HTTP status code
        if retry_after is not None:
            _check_non_negative("retry_after", retry_after)
            retry_after = float(retry_after)
        if n == 0:
            return
        with self._lock:
            self._rules.append(_FailRule(n, Failure(status, retry_after, body), path_contains))

    def expire_tokens(self) -> None:
        """Every token issued so far is answered 401 from now on; new tokens work."""
        with self._lock:
            self._token_epoch += 1

    @property
    def token_epoch(self) -> int:
        """Tokens issued in an older epoch are expired."""
        with self._lock:
            return self._token_epoch

    def malformed_next(self, n: int = 1) -> None:
        """The next ``n`` successful JSON responses carry a broken body with status 200."""
        _check_count(n)
        with self._lock:
            self._malformed += n

    def hang_next(self, n: int, seconds: float) -> None:
        """The next ``n`` backup API requests stall ``seconds`` (replaces a pending hang)."""
        _check_count(n)
        _check_non_negative("seconds", seconds)
        with self._lock:
            self._hangs = n
            self._hang_seconds = seconds

    def reset(self) -> None:
        """Back to the configured start; tokens already expired stay expired."""
        with self._lock:
            self._latency = self._start_latency
            self._rules.clear()
            self._malformed = 0
            self._hangs = 0
            self._hang_seconds = 0.0

    def take_failure(self, path: str) -> Failure | None:
        """Consume one pending failure that applies to ``path``, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.path_contains is None or rule.path_contains in path:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule.failure
            return None

    def take_malformed(self) -> bool:
        with self._lock:
            if self._malformed == 0:
                return False
            self._malformed -= 1
            return True

    def take_hang(self) -> float:
        """Seconds this request must stall (0 when no hang is pending)."""
        with self._lock:
            if self._hangs == 0:
                return 0.0
            self._hangs -= 1
            return self._hang_seconds

    def apply(self, settings: Mapping[str, object]) -> None:
        """Set knobs from the admin endpoint's JSON, all or nothing.

        Keys: latency, fail_next (with fail_status, retry_after, fail_body,
        fail_path_contains), expire_tokens, malformed_next, hang_next (with hang_seconds).
        """
        operations = _operations(settings)
        probe = Faults()
        for operation in operations:  # the setters' own checks, on a throw-away object
            operation(probe)
        for operation in operations:
            operation(self)


_FAIL_OPTIONS = {"fail_status", "retry_after", "fail_body", "fail_path_contains"}
_ADMIN_KEYS = {"latency", "fail_next", "expire_tokens", "malformed_next", "hang_next"}
_ADMIN_KEYS |= _FAIL_OPTIONS | {"hang_seconds"}


def _operations(settings: Mapping[str, object]) -> list[Callable[[Faults], None]]:
    unknown = set(settings) - _ADMIN_KEYS
    if unknown:
        raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
    if "fail_next" not in settings and _FAIL_OPTIONS & set(settings):
        raise ValueError("fail_status, retry_after, fail_body, fail_path_contains need fail_next")
    if ("hang_next" in settings) != ("hang_seconds" in settings):
        raise ValueError("hang_next and hang_seconds go together")
    operations: list[Callable[[Faults], None]] = []
    if "latency" in settings:
        operations.append(partial(Faults.set_latency, seconds=_number(settings, "latency")))
    if "fail_next" in settings:
        operations.append(
            partial(
                Faults.fail_next,
                n=_integer(settings, "fail_next"),
                status=_integer(settings, "fail_status", 503),
                retry_after=_optional_number(settings, "retry_after"),
                body=_text(settings, "fail_body"),
                path_contains=_text(settings, "fail_path_contains"),
            )
        )
    if settings.get("expire_tokens") is True:
        operations.append(Faults.expire_tokens)
    elif settings.get("expire_tokens", False) is not False:
        raise ValueError("expire_tokens must be true or false")
    if "malformed_next" in settings:
        operations.append(partial(Faults.malformed_next, n=_integer(settings, "malformed_next")))
    if "hang_next" in settings:
        operations.append(
            partial(
                Faults.hang_next,
                n=_integer(settings, "hang_next"),
                seconds=_number(settings, "hang_seconds"),
            )
        )
    return operations


def _integer(settings: Mapping[str, object], key: str, default: int = 0) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer")
    return value


def _number(settings: Mapping[str, object], key: str) -> float:
    value = settings.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return float(value)


def _optional_number(settings: Mapping[str, object], key: str) -> float | None:
    return None if settings.get(key) is None else _number(settings, key)


def _text(settings: Mapping[str, object], key: str) -> str | None:
    value = settings.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"count must be >= 0, got {n}")


def _check_non_negative(name: str, seconds: float) -> None:
    if seconds < 0:
        raise ValueError(f"{name} must be >= 0, got {seconds}")
