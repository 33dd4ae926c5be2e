"""HTTP plumbing shared by the backup client and Identity.

One place decides how a request is retried, timed, logged and how a transport failure
or a non-2xx answer becomes a ``BackupApiError``, so both callers fail the same way.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import requests
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from bot import __version__
from bot.backup_api.errors import (
    BackupApiConnectionError,
    BackupApiError,
    BackupApiHttpError,
    BackupApiTimeoutError,
    MalformedResponseError,
    http_error,
)
from bot.backup_api.parsing import loads_lenient, service_message

_log = logging.getLogger(__name__)

USER_AGENT = f"backup-bot/{__version__}"
RETRY_STATUSES = frozenset({502, 503, 504})
# The wake-up POST is retried too: waking agents twice is harmless, and so is
# authenticating twice with Identity.
RETRY_METHODS = frozenset({"GET", "POST"})

Timeout = tuple[float, float]
"""(connect, read) seconds, as requests takes them."""
CallObserver = Callable[[str, str, float, int], None]
"""Told of each finished call: operation, final status (an HTTP code, ``timeout`` or
``connection_error``), seconds retries included, and retries made (``bot.metrics``)."""


class _Retry(Retry):
    """urllib3's Retry, except that a read timeout is never repeated.

    A read timeout has already made the caller wait the whole read timeout; repeating it
    would keep a chat user waiting several times as long. A connection cut mid-answer
    (e.g. a keep-alive connection the server had just closed) is still retried.
    """

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_policy(
    *, max_retries: int, backoff_factor: float, backoff_max: float, retry_after_max: float
) -> Retry:
    """Retries for failed connections and 502/503/504, with jittered exponential backoff.

    Retry-After is honoured up to ``retry_after_max`` (rounded up to whole seconds, the
    header's unit).
    """
    return _Retry(
        total=max_retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,
        backoff_max=backoff_max,
        respect_retry_after_header=True,
        retry_after_max=math.ceil(retry_after_max),
        raise_on_status=False,
    )


def configure_session(session: requests.Session, retry: Retry, *, pool_size: int) -> None:
    """Mount the retry policy and set the headers every request carries.

    The pool keeps a connection per parallel detail request (and never fewer than
    requests' default), so concurrent calls reuse connections instead of discarding them.
    """
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=max(pool_size, DEFAULT_POOLSIZE))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    operation: str,
    timeout: Timeout,
    headers: Mapping[str, str] | None = None,
    json_body: object = None,
    observe: CallObserver | None = None,
) -> requests.Response:
    """One request (retries included), logged without headers; any status is returned.

    Redirects are not followed: requests would carry ``X-Auth-Token`` to any host.
    """
    path = urlsplit(url).path
    started = time.monotonic()
    try:
        response = session.request(
            method,
            url,
            headers=headers,
            json=json_body,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        failure = _transport_failure(error, operation, url, timeout, _retry_total(session, url))
        if observe is not None:
            status = "timeout" if isinstance(failure, BackupApiTimeoutError) else "connection_error"
            observe(operation, status, time.monotonic() - started, failure.retries)
        _log.debug(
            "%s %s -> %s after %d ms", method, path, type(failure).__name__, _ms_since(started)
        )
        raise failure from error
    if observe is not None:
        status = str(response.status_code) if 100 <= response.status_code <= 599 else "other"
        observe(operation, status, time.monotonic() - started, retries_made(response))
    _log.debug(
        "%s %s -> %d in %d ms (retries: %d)",
        method,
        path,
        response.status_code,
        _ms_since(started),
        retries_made(response),
    )
    return response


def is_success(response: requests.Response) -> bool:
    return 200 <= response.status_code < 300


def retries_made(response: requests.Response) -> int:
    """How many times urllib3 retried before this response."""
    retry = getattr(response.raw, "retries", None)
    return len(retry.history) if isinstance(retry, Retry) else 0


def http_failure(
    response: requests.Response,
    operation: str,
    *,
    secrets: Iterable[str] = (),
    agent_lookup: bool = False,
    meaning: str | None = None,
    hint: str | None = None,
) -> BackupApiHttpError:
    """The error for a non-2xx answer; ``secrets`` are blanked out of the service's text."""
    return http_error(
        operation,
        response.status_code,
        meaning=meaning,
        service_message=service_message(_redact(response.text, secrets)),
        retries=retries_made(response),
        agent_lookup=agent_lookup,
        hint=hint,
    )


def read_json(response: requests.Response, operation: str) -> object:
    """The decoded body of a 2xx answer (leniently: see ``loads_lenient``)."""
    text = response.text
    if not text.strip():
        raise _malformed(response, operation, "the service sent an empty answer")
    try:
        return loads_lenient(text)
    except ValueError:
        raise _malformed(
            response, operation, "the service sent an answer that is not JSON"
        ) from None


def _malformed(response: requests.Response, operation: str, meaning: str) -> MalformedResponseError:
    return MalformedResponseError(operation, meaning, retries=retries_made(response))


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _retry_total(session: requests.Session, url: str) -> int:
    adapter = session.get_adapter(url)
    total = adapter.max_retries.total if isinstance(adapter, HTTPAdapter) else 0
    return total if isinstance(total, int) and not isinstance(total, bool) else 0


def _transport_failure(
    error: requests.RequestException, operation: str, url: str, timeout: Timeout, retry_total: int
) -> BackupApiError:
    """A requests exception as an error a user can read; URL credentials never appear."""
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    causes = list(_causes(error))
    retries = retry_total if any(isinstance(c, MaxRetryError) for c in causes) else 0
    if isinstance(error, requests.ConnectTimeout):
        meaning = f"could not connect to {host} within {timeout[0]:g} s"
        return BackupApiTimeoutError(operation, meaning, retries=retries)
    if isinstance(error, requests.Timeout):
        meaning = f"{host} did not answer within {timeout[1]:g} s"
        return BackupApiTimeoutError(operation, meaning, retries=retries)
    if any(isinstance(c, NameResolutionError) for c in causes):
        problem = "its name could not be resolved"
    elif any(isinstance(c, ConnectionRefusedError) for c in causes):
        problem = "connection refused"
    elif any(isinstance(c, ProtocolError | ConnectionResetError) for c in causes):
        problem = "the connection was cut"
    else:
        problem = type(error).__name__
    return BackupApiConnectionError(
        operation, f"could not reach {host} ({problem})", retries=retries
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps: causes, contexts, urllib3 reasons, wrapped args."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending and len(seen) < 32:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(current.args[:1])
        pending.extend(item for item in linked if isinstance(item, BaseException))
