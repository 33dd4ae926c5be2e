"""Reading the service's loose JSON into ``models.Agent``.

The wire disagrees with the docs (booleans as strings, ids as strings, sizes as prose,
.NET dates, a documented example that is not even valid JSON), so every field has one
reader that accepts each form seen in the wild. A field that cannot be read becomes
``None`` with a warning instead of losing the agent, and one bad agent never loses the list.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.backup_api.models import Agent, AgentStatus, PublicKey

_log = logging.getLogger(__name__)

T = TypeVar("T")


class ShapeError(ValueError):
    """Valid JSON, but not the shape the operation returns."""


# --- JSON -------------------------------------------------------------------------------

# A whole string literal (kept as is, so nothing inside a string is touched), or a number
# with a leading zero standing as a value: after ':', ',' or '[' and before ',', '}' or ']'.
_STRING_OR_LEADING_ZERO = re.compile(
    r'"(?:[^"\\]|\\.)*"'
    r"|(?<=[:,\[])(\s*)(-?0\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])"
)


def _quote_number(match: re.Match[str]) -> str:
    if match.group(2) is None:
        return match.group(0)
    return f'{match.group(1)}"{match.group(2)}"'


def loads_lenient(text: str) -> object:
    """``json.loads``, but numbers with a leading zero (``09528``) become strings.

    The service's own documented list example holds ``"ExponentHex": 09528``; quoting the
    number keeps its digits, which is what a hex exponent needs. Raises ``ValueError``
    (the original ``JSONDecodeError``) when the text is not JSON even after that repair.
    """
    text = text.lstrip("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        repaired = _STRING_OR_LEADING_ZERO.sub(_quote_number, text)
        if repaired == text:
            raise
        try:
            return json.loads(repaired)
        except json.JSONDecodeError:
            raise error from None


_MESSAGE_KEYS = ("message", "Message")
MAX_SERVICE_MESSAGE = 300


def service_message(text: str) -> str | None:
    """The human message inside an error body, on one line and at most ~300 characters.

    Understands ``{"message": ...}``, ``{"Message": ...}``, one level of wrapping such as
    ``{"badRequest": {"message": ...}}``, a bare JSON string, and plain text or HTML.
    """
    stripped = text.strip()
    if not stripped:
        return None
    try:
        found = _find_message(loads_lenient(stripped))
    except ValueError:
        found = None
    if found is None:
        found = re.sub(r"<[^>]*>", " ", stripped) if stripped.startswith("<") else stripped
    line = " ".join(found.split())
    if len(line) > MAX_SERVICE_MESSAGE:
        line = line[: MAX_SERVICE_MESSAGE - 1].rstrip() + "…"
    return line or None


def _find_message(body: object, depth: int = 0) -> str | None:
    if isinstance(body, str):
        return body
    if not isinstance(body, dict) or depth > 1:
        return None
    for key in _MESSAGE_KEYS:
        if isinstance(body.get(key), str):
            return str(body[key])
    for value in body.values():
        if isinstance(value, dict) and (found := _find_message(value, depth + 1)) is not None:
            return found
    return None


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for 'expected X, got Y' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


# --- dates ------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# .NET writes DateTime.MinValue (year 1, shifted by the server's zone) for "never".
_FIRST_REAL_MS = (datetime(2, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)
# The offset only names the sender's zone: the milliseconds are UTC either way.
_MS_DATE = re.compile(r"\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/")


def parse_iso8601(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (``Z``, offsets, any fractional seconds).

    A value without an offset is taken as UTC. Raises ``ValueError``.
    """
    return _to_utc(datetime.fromisoformat(text.strip()))


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError(str(error)) from error


def _date(value: object) -> datetime | None:
    text = _text(value).strip()
    if not text:
        return None
    if match := _MS_DATE.fullmatch(text):
        millis = int(match.group(1))
        if millis < _FIRST_REAL_MS:
            return None
        try:
            return _EPOCH + timedelta(milliseconds=millis)
        except OverflowError as error:
            raise ValueError(str(error)) from error
    moment = datetime.fromisoformat(text)
    return None if moment.year <= 1 else _to_utc(moment)


# --- other field readers (each raises ValueError for a value it cannot read) ----------------


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("not a string")


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("not a boolean")


_DIGITS = re.compile(r"\s*[0-9]+\s*")


def _agent_id(value: object) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ValueError("not a positive integer")


def _status(value: object) -> AgentStatus:
    wanted = _text(value).strip().lower()
    for status in (AgentStatus.ONLINE, AgentStatus.OFFLINE):
        if wanted == status.value.lower():
            return status
    return AgentStatus.UNKNOWN


def _backup_datacenter(value: object) -> str | None:
    text = _text(value)
    return None if text.strip().lower() in ("", "none") else text


def _key_part(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


_SIZE = re.compile(
    r"\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>(?:[KMGTP]i?)?B|bytes?)?\s*", re.IGNORECASE
)
_POWERS = {"B": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}


def _vault_bytes(value: object) -> int:
    """Bytes in binary multiples (1 KB = 1024 B); a bare number is MB, as the docs say."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            amount, unit = float(value), "M"
        elif isinstance(value, str) and (match := _SIZE.fullmatch(value)):
            amount, unit = float(match["amount"]), (match["unit"] or "M")[0].upper()
        else:
            raise ValueError("not a size")
    except OverflowError as error:  # an integer too large for a float
        raise ValueError("not a size") from error
    size = amount * 1024.0 ** _POWERS[unit]
    if not math.isfinite(size) or size < 0:  # also a finite amount whose bytes overflow
        raise ValueError("not a size")
    return round(size)


def _vault_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Fields:
    """Reads named fields of one record, logging (not raising) what it cannot read."""

    def __init__(self, record: Mapping[str, object], agent_id: int, prefix: str = "") -> None:
        self._record = record
        self._agent_id = agent_id
        self._prefix = prefix

    def read(self, key: str, reader: Callable[[object], T | None]) -> T | None:
        value = self._record.get(key)
        if value is None:
            return None
        try:
            return reader(value)
        except ValueError:
            _log.warning(
                "Agent %s: field %s%s is unreadable (%s); treating it as unknown",
                self._agent_id,
                self._prefix,
                key,
                _short_repr(value),
            )
            return None


# --- agents -----------------------------------------------------------------------------


def parse_agent(obj: object) -> Agent | None:
    """One agent object, or ``None`` (with a warning) when it has no readable id."""
    if not isinstance(obj, dict):
        _log.warning("Skipping an agent record that is %s, not an object", json_type(obj))
        return None
    raw_id = obj.get("MachineAgentId")
    try:
        agent_id = _agent_id(raw_id)
    except ValueError:
        _log.warning(
            "Skipping an agent record without a readable MachineAgentId (%s)", _short_repr(raw_id)
        )
        return None
    record = _Fields(obj, agent_id)

    def public_key(value: object) -> PublicKey:
        if not isinstance(value, dict):
            raise ValueError("not an object")
        key = _Fields(value, agent_id, prefix="PublicKey.")
        return PublicKey(
            modulus_hex=key.read("ModulusHex", _key_part),
            exponent_hex=key.read("ExponentHex", _key_part),
        )

    return Agent(
        id=agent_id,
        name=record.read("MachineName", _text) or "",
        status=record.read("Status", _status) or AgentStatus.UNKNOWN,
        datacenter=record.read("Datacenter", _text),
        ip_address=record.read("IPAddress", _text),
        os_name=record.read("OperatingSystem", _text),
        os_version=record.read("OperatingSystemVersion", _text),
        agent_version=record.read("AgentVersion", _text),
        architecture=record.read("Architecture", _text),
        flavor=record.read("Flavor", _text),
        is_disabled=record.read("IsDisabled", _flag),
        is_encrypted=record.read("IsEncrypted", _flag),
        cleanup_allowed=record.read("CleanupAllowed", _flag),
        use_service_net=record.read("UseServiceNet", _flag),
        vault_size_bytes=record.read("BackupVaultSize", _vault_bytes),
        vault_size_text=_vault_text(obj.get("BackupVaultSize")),
        last_successful_backup=record.read("TimeOfLastSuccessfulBackup", _date),
        backup_container=record.read("BackupContainer", _text),
        backup_datacenter=record.read("BackupDatacenter", _backup_datacenter),
        host_server_id=record.read("HostServerId", _text),
        public_key=record.read("PublicKey", public_key),
    )


def parse_agents(body: object) -> list[Agent]:
    """The list call's array; unreadable entries are skipped, never the whole list.

    Raises ``ShapeError`` when the body is not an array at all.
    """
    if not isinstance(body, list):
        raise ShapeError(f"expected an array of agents, got {json_type(body)}")
    return [agent for agent in map(parse_agent, body) if agent is not None]


def merge_agent(listed: Agent, detail: Agent) -> Agent:
    """Details win field by field; the list fills in whatever details left unsaid.

    The status always comes from details: the list call's status is never true.
    """
    filled = {
        f.name: getattr(listed, f.name)
        for f in fields(Agent)
        if f.name not in ("id", "status") and getattr(detail, f.name) in (None, "")
    }
    return replace(detail, id=listed.id, **filled)
