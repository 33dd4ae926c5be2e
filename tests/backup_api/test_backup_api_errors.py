"""The error family: meanings from the spec, one-line sentences, service messages."""

from __future__ import annotations

import pytest

from bot.backup_api import (
    AgentNotFoundError,
    AuthenticationError,
    BackupApiError,
    BackupApiHttpError,
    BackupApiTimeoutError,
    RegionNotFoundError,
    ServiceUnavailableError,
)
from bot.backup_api.errors import http_error, status_meaning
from bot.backup_api.parsing import MAX_SERVICE_MESSAGE, service_message

SPEC_MEANINGS = {
    400: "There were one or more errors in the request.",
    401: "The supplied token was not authorized to access the resources. "
    "Either it is expired or invalid.",
    403: "Access to the requested resource was denied.",
    404: "Nothing matches the request URI.",
    500: "Instance fault: the service failed while handling the request.",
    503: "Service unavailable: a generic server error.",
}


@pytest.mark.parametrize(("status", "meaning"), SPEC_MEANINGS.items())
def test_meanings_from_the_spec(status: int, meaning: str) -> None:
    assert status_meaning(status) == meaning
    assert http_error("list agents", status).meaning == meaning


@pytest.mark.parametrize("status", [418, 599, 302])
def test_other_codes_get_a_generic_meaning(status: int) -> None:
    assert status_meaning(status)


@pytest.mark.parametrize(
    ("status", "agent_lookup", "cls"),
    [
        (404, True, AgentNotFoundError),
        (404, False, BackupApiHttpError),
        (401, False, AuthenticationError),
        (403, False, AuthenticationError),
        (500, True, ServiceUnavailableError),
        (503, False, ServiceUnavailableError),
        (400, False, BackupApiHttpError),
    ],
)
def test_http_error_picks_the_subclass(
    status: int, agent_lookup: bool, cls: type[BackupApiHttpError]
) -> None:
    error = http_error("get agent 1", status, agent_lookup=agent_lookup)
    assert type(error) is cls
    assert isinstance(error, BackupApiError)
    assert error.status == status
    assert error.hint


def test_sentence_tells_operation_status_retries_and_service_message() -> None:
    error = http_error("list agents", 503, service_message="Down for maintenance.", retries=3)
    assert str(error) == (
        "Could not list agents: HTTP 503 (Service unavailable: a generic server error), "
        'retried 3 times. The service said: "Down for maintenance".'
    )
    assert error.short_reason == "HTTP 503, retried 3 times"
    assert "\n" not in str(error)


def test_sentence_without_extras() -> None:
    error = http_error("get agent 42", 404, agent_lookup=True)
    assert str(error) == "Could not get agent 42: HTTP 404 (Nothing matches the request URI)."
    assert error.service_message is None
    assert error.retries == 0


def test_non_http_errors_read_as_sentences() -> None:
    error = BackupApiTimeoutError(
        "wake up agents", "dfw.example did not answer within 30 s", retries=1
    )
    assert (
        str(error)
        == "Could not wake up agents: dfw.example did not answer within 30 s, retried once."
    )
    assert error.status is None
    assert error.short_reason == "timed out, retried once"


def test_region_not_found_lists_regions() -> None:
    error = RegionNotFoundError(
        "use region XYZ", "no endpoint in XYZ; it has DFW, ORD", available=("DFW", "ORD")
    )
    assert error.available == ("DFW", "ORD")
    assert "DFW, ORD" in error.hint


def test_repr_is_short_and_structured() -> None:
    error = http_error("list agents", 503, service_message="x", retries=2)
    assert repr(error) == (
        "ServiceUnavailableError(operation='list agents', status=503, retries=2)"
    )


# --- the service's message ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"message": "Agent is gone"}', "Agent is gone"),
        ('{"Message": "Agent is gone"}', "Agent is gone"),
        ('{"badRequest": {"code": 400, "message": "Bad id"}}', "Bad id"),
        (
            '{"unauthorized": {"code": 401, "message": "Unable to authenticate user with '
            'credentials provided."}}',
            "Unable to authenticate user with credentials provided.",
        ),
        ('"just a string"', "just a string"),
        ("Service Unavailable", "Service Unavailable"),
        ("  several\n lines\tof text ", "several lines of text"),
        ("<html><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway"),
        ('{"code": 42}', '{"code": 42}'),
        ("", None),
        ("   \n", None),
    ],
)
def test_service_message_forms(body: str, expected: str | None) -> None:
    assert service_message(body) == expected


def test_long_service_message_is_cut() -> None:
    message = service_message('{"message": "' + "x" * 1000 + '"}')
    assert message is not None
    assert len(message) <= MAX_SERVICE_MESSAGE
    assert message.endswith("…")
