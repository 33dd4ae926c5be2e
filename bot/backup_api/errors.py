"""Every way a backup API call can fail, as one exception family a chat reply can render.

Each error answers the three questions an operator asks: what was the bot doing
(``operation``), what went wrong (``meaning``, ``status``, ``service_message``,
``retries``) and what to try (``hint``). ``str(err)`` is one sentence fit for a chat
message, so callers never have to assemble one from the parts.
"""

from __future__ import annotations

from typing import ClassVar

# The user's spec (response-code table) for the codes it documents; generic texts for the rest.
STATUS_MEANINGS: dict[int, str] = {
    400: "There were one or more errors in the request.",
    401: (
        "The supplied token was not authorized to access the resources. "
        "Either it is expired or invalid."
    ),
    403: "Access to the requested resource was denied.",
    404: "Nothing matches the request URI.",
    405: "The request method is not allowed for this resource.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request was too large.",
    429: "Too many requests: the service is rate limiting.",
    500: "Instance fault: the service failed while handling the request.",
    502: "Bad gateway: a proxy in front of the service got no valid answer from it.",
    503: "Service unavailable: a generic server error.",
    504: "Gateway timeout: a proxy in front of the service gave up waiting for it.",
}


def status_meaning(status: int) -> str:
    """The documented meaning of an HTTP status, or a generic one for its class."""
    if status in STATUS_MEANINGS:
        return STATUS_MEANINGS[status]
    if 400 <= status < 500:
        return "The service rejected the request."
    if 500 <= status < 600:
        return "The service failed while handling the request."
    return "The service answered with an unexpected HTTP status."


class BackupApiError(Exception):
    """Root of the family: catch this to report any backup API failure to a user."""

    default_hint: ClassVar[str] = "Try again later; if it keeps failing, check the bot's logs."

    def __init__(
        self,
        operation: str,
        meaning: str,
        *,
        status: int | None = None,
        service_message: str | None = None,
        retries: int = 0,
        hint: str | None = None,
    ) -> None:
        self.operation = operation
        self.meaning = meaning
        self.status = status
        self.service_message = service_message
        self.retries = retries
        self.hint = hint or self.default_hint
        super().__init__(self._sentence())

    def _cause(self) -> str:
        """What went wrong, as a clause; subclasses with a status say it first."""
        return self.meaning.rstrip(".")

    def _sentence(self) -> str:
        parts = [f"Could not {self.operation}: {self._cause()}"]
        if self.retries:
            parts.append(f", retried {_times(self.retries)}")
        if self.service_message:
            parts.append(f'. The service said: "{self.service_message.rstrip(".")}"')
        return "".join(parts) + "."

    @property
    def short_reason(self) -> str:
        """A few words for a per-item note (e.g. an agent whose details failed)."""
        reason = self._short()
        return f"{reason}, retried {_times(self.retries)}" if self.retries else reason

    def _short(self) -> str:
        return self.meaning.rstrip(".")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(operation={self.operation!r}, status={self.status!r}, "
            f"retries={self.retries!r})"
        )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


class BackupApiHttpError(BackupApiError):
    """The service answered with a non-2xx status."""

    def __init__(
        self,
        operation: str,
        status: int,
        *,
        meaning: str | None = None,
        service_message: str | None = None,
        retries: int = 0,
        hint: str | None = None,
    ) -> None:
        super().__init__(
            operation,
            meaning or status_meaning(status),
            status=status,
            service_message=service_message,
            retries=retries,
            hint=hint,
        )

    def _cause(self) -> str:
        return f"HTTP {self.status} ({self.meaning.rstrip('.')})"

    def _short(self) -> str:
        return f"HTTP {self.status}"


class AgentNotFoundError(BackupApiHttpError):
    """404 on an agent lookup: the agent does not exist (any more) in this account/region."""

    default_hint = "The agent may have been removed or belong to another region; list agents again."


class ServiceUnavailableError(BackupApiHttpError):
    """A 5xx that outlived the retries."""

    default_hint = "The backup service is having trouble; try again in a few minutes."


class AuthenticationError(BackupApiHttpError):
    """Credentials or token refused: a 401 that re-authentication could not fix, or a 403."""

    default_hint = "Check the bot's Rackspace credentials."


class RegionNotFoundError(BackupApiError):
    """The wanted region has no Cloud Backup endpoint for this account."""

    def __init__(
        self, operation: str, meaning: str, *, available: tuple[str, ...], hint: str | None = None
    ) -> None:
        self.available = available
        default = f"Use one of: {', '.join(available)}." if available else None
        super().__init__(operation, meaning, hint=hint or default)


class BackupApiTimeoutError(BackupApiError):
    """No connection or no answer within the configured timeout."""

    default_hint = "The backup service is slow or unreachable; try again later."

    def _short(self) -> str:
        return "timed out"


class BackupApiConnectionError(BackupApiError):
    """The connection could not be made or broke (refused, DNS failure, reset)."""

    default_hint = "Check the network and the backup API address; try again later."

    def _short(self) -> str:
        return "connection failed"


class MalformedResponseError(BackupApiError):
    """A 2xx whose body is not JSON, or not the shape the operation returns."""

    default_hint = "The service sent something unexpected; try again, and report it if it persists."

    def _short(self) -> str:
        return "unreadable response"


_STATUS_HINTS: dict[int, str] = {
    400: "The service did not accept the bot's request; report this with the bot's logs.",
    403: "Check that the Rackspace user has a Cloud Backup role on this account.",
    404: "Check the backup API address (BACKUP_API_URL, or the region).",
    429: "Wait a minute before trying again.",
}


def http_error(
    operation: str,
    status: int,
    *,
    meaning: str | None = None,
    service_message: str | None = None,
    retries: int = 0,
    agent_lookup: bool = False,
    hint: str | None = None,
) -> BackupApiHttpError:
    """The right subclass for a non-2xx answer; a 404 is "agent not found" only on lookups."""
    cls: type[BackupApiHttpError] = BackupApiHttpError
    status_hint = _STATUS_HINTS.get(status)
    if status in (401, 403):
        cls = AuthenticationError
    elif status == 404 and agent_lookup:
        cls = AgentNotFoundError
        status_hint = None  # the agent is missing, not the API: its own hint says so
    elif status >= 500:
        cls = ServiceUnavailableError
    return cls(
        operation,
        status,
        meaning=meaning,
        service_message=service_message,
        retries=retries,
        hint=hint or status_hint,
    )
