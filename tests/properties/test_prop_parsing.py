"""Agent parsing: any JSON anywhere gives agents or skipped records, and loses no valid agent.

Valid records are generated together with the agent they must become, in every wire form the
service has been seen to use, then hidden among junk: any JSON value as a record, any JSON
value in any field. The list must come back with each valid agent, equal field by field, in
order, with one warning for each record skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.backup_api import Agent, AgentStatus, PublicKey, loads_lenient, parse_agent, parse_agents
from bot.backup_api.parsing import MAX_SERVICE_MESSAGE, service_message
from tests.properties.prop_strategies import more_examples

WIRE_FIELDS = (
    "MachineAgentId",
    "MachineName",
    "Status",
    "Datacenter",
    "IPAddress",
    "OperatingSystem",
    "OperatingSystemVersion",
    "AgentVersion",
    "Architecture",
    "Flavor",
    "IsDisabled",
    "IsEncrypted",
    "CleanupAllowed",
    "UseServiceNet",
    "BackupVaultSize",
    "TimeOfLastSuccessfulBackup",
    "BackupContainer",
    "BackupDatacenter",
    "HostServerId",
    "PublicKey",
)
TEXT_FIELDS = {
    "Datacenter": "datacenter",
    "IPAddress": "ip_address",
    "OperatingSystem": "os_name",
    "OperatingSystemVersion": "os_version",
    "AgentVersion": "agent_version",
    "Architecture": "architecture",
    "Flavor": "flavor",
    "BackupContainer": "backup_container",
    "HostServerId": "host_server_id",
}
FLAG_FIELDS = {
    "IsDisabled": "is_disabled",
    "IsEncrypted": "is_encrypted",
    "CleanupAllowed": "cleanup_allowed",
    "UseServiceNet": "use_service_net",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

extreme_values = st.one_of(
    st.integers(min_value=2**53, max_value=10**400),
    st.floats(min_value=1e300),
    st.sampled_from(["1e400", "35.3 MB", "9" * 400, "9" * 320 + " PB", "1.5 TiB", "-3 KB"]),
    st.sampled_from(["/Date(-62135596800000)/", "/Date(99999999999999999)/", "/Date(-9)/"]),
    st.sampled_from(["0001-01-01", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]),
    st.sampled_from(["", " ", "true", " False ", "none", "1", "0", "-1", "01", "١٢٣"]),
)
"""Values at the edges of each reader: huge numbers, odd sizes and dates, near-booleans."""
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), extreme_values
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(WIRE_FIELDS), st.text()), children, max_size=4),
    ),
    max_leaves=12,
)
"""Any value ``json.loads`` can return (it reads ``NaN`` and ``Infinity`` too, and integers
of up to 4,300 digits)."""

junk_records = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(WIRE_FIELDS), json_values, max_size=len(WIRE_FIELDS)),
)


@st.composite
def valid_records(draw: st.DrawFn) -> tuple[dict[str, Any], Agent]:
    """A record in the wire's many spellings, and the agent it stands for."""
    agent_id = draw(st.integers(1, 10**18))
    record: dict[str, Any] = {
        "MachineAgentId": draw(
            st.sampled_from(
                [agent_id, str(agent_id), f" {agent_id} "]
                + ([float(agent_id)] if agent_id < 2**53 else [])
            )
        )
    }
    expected: dict[str, Any] = {"id": agent_id}

    name = draw(st.one_of(st.none(), st.text()))
    if name is not None or draw(st.booleans()):
        record["MachineName"] = name
    expected["name"] = name or ""

    status = draw(st.sampled_from(["Online", "online", " OFFLINE ", "Offline", "Unknown", "?"]))
    record["Status"] = status
    expected["status"] = {"online": AgentStatus.ONLINE, "offline": AgentStatus.OFFLINE}.get(
        status.strip().lower(), AgentStatus.UNKNOWN
    )

    for wire, attribute in TEXT_FIELDS.items():
        value = draw(st.one_of(st.none(), st.text(max_size=20)))
        if value is not None or draw(st.booleans()):
            record[wire] = value
        expected[attribute] = value

    for wire, attribute in FLAG_FIELDS.items():
        flag = draw(st.one_of(st.none(), st.booleans()))
        if flag is not None:
            record[wire] = draw(st.sampled_from([flag, str(flag).lower(), f" {flag} "]))
        expected[attribute] = flag

    amount = draw(st.integers(0, 10**6))
    unit, power = draw(st.sampled_from([("", 2), (" B", 0), ("KB", 1), (" MB", 2), ("GiB", 3)]))
    size = draw(st.sampled_from([f"{amount}{unit}", amount] if unit == "" else [f"{amount}{unit}"]))
    record["BackupVaultSize"] = size
    expected["vault_size_bytes"] = amount * 1024**power
    expected["vault_size_text"] = str(size)

    moment = draw(
        st.one_of(
            st.none(),
            st.datetimes(min_value=datetime(2, 1, 2), max_value=datetime(9999, 1, 1)).map(
                lambda naive: naive.replace(tzinfo=UTC)
            ),
        )
    )
    if moment is not None:
        millis = (moment - EPOCH) // timedelta(milliseconds=1)
        record["TimeOfLastSuccessfulBackup"] = draw(
            st.sampled_from([f"/Date({millis})/", f"/Date({millis}+0000)/", moment.isoformat()])
        )
        if not record["TimeOfLastSuccessfulBackup"].startswith("/"):
            expected_moment = moment
        else:
            expected_moment = EPOCH + timedelta(milliseconds=millis)
    else:
        record["TimeOfLastSuccessfulBackup"] = draw(
            st.sampled_from([None, "", "/Date(-62135596800000)/", "0001-01-01T00:00:00"])
        )
        expected_moment = None
    expected["last_successful_backup"] = expected_moment

    backup_dc = draw(st.one_of(st.none(), st.sampled_from(["None", "", " none "]), st.text()))
    if backup_dc is not None:
        record["BackupDatacenter"] = backup_dc
    shown_dc = None if backup_dc is None or backup_dc.strip().lower() in ("", "none") else backup_dc
    expected["backup_datacenter"] = shown_dc

    if draw(st.booleans()):
        modulus = draw(st.text("0123456789abcdef", max_size=40))
        exponent = draw(st.one_of(st.integers(0, 10**6), st.text("0123456789", max_size=6)))
        record["PublicKey"] = {"ModulusHex": modulus, "ExponentHex": exponent}
        expected["public_key"] = PublicKey(modulus_hex=modulus, exponent_hex=str(exponent))
    return record, Agent(**expected)


def readable_id(record: object) -> bool:
    """The reference reading of 'this record names an agent' (MachineAgentId >= 1)."""
    if not isinstance(record, dict):
        return False
    raw = record.get("MachineAgentId")
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        return int(raw) >= 1
    if isinstance(raw, float) and raw.is_integer():
        return raw >= 1
    return isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1


@contextmanager
def parser_warnings() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("bot.backup_api.parsing")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@more_examples(5)
@given(json_values)
def test_any_json_record_gives_an_agent_or_none(record: object) -> None:
    with parser_warnings() as warnings:
        agent = parse_agent(record)
    assert (agent is not None) == readable_id(record)
    if agent is None:
        assert [w for w in warnings if w.getMessage().startswith("Skipping")]


@more_examples(3)
@given(st.integers(1, 10**18), st.dictionaries(st.sampled_from(WIRE_FIELDS[1:]), json_values))
def test_junk_in_any_field_never_loses_the_agent(agent_id: int, fields: dict[str, Any]) -> None:
    agent = parse_agent({"MachineAgentId": agent_id, **fields})
    assert agent is not None
    assert agent.id == agent_id


EDGES: dict[str, list[object]] = {
    "Status": ["", " ", "ONLINE", "online\n", "Offline ", 0, True],
    "BackupVaultSize": [
        *(10**400, 1.8e302, -1.0, float("nan"), float("inf"), "9" * 400, "1e3 MB", "-3 KB"),
        *(" 12 GiB ", "35.3", "1.5 TiB", "0 PB", "12 XB", "", True),
    ],
    "TimeOfLastSuccessfulBackup": [
        *("/Date(-62135596800000)/", "/Date(99999999999999999)/", "/Date(-9)/", "0001-01-01"),
        *("\\/Date(0+0100)\\/", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"),
        *("2024-02-30", "", " ", "now", 0),
    ],
    "PublicKey": [
        *({}, [], "key", {"ModulusHex": 10**4000}, {"ExponentHex": 9528}, None),
        *({"ModulusHex": {"x": 1}, "ExponentHex": [1]}, {"ExponentHex": True}),
    ],
    **{flag: ["", " ", "TRUE", "yes", "1", 1, 0, "false ", None] for flag in FLAG_FIELDS},
}
"""Values at the edges of each field's reader, tried far more often than chance would."""
GENERIC_EDGES: list[object] = ["", " ", "\x00", "None", 0, -1, 10**400, 1e308, [], {}, True]


@more_examples(3)
@pytest.mark.parametrize("field", WIRE_FIELDS[1:])
@given(agent_id=st.integers(1, 10**18), data=st.data())
def test_any_value_in_one_field_never_loses_the_agent(
    field: str, agent_id: int, data: st.DataObject
) -> None:
    edges = st.sampled_from(EDGES.get(field, GENERIC_EDGES))
    value = data.draw(st.one_of(json_values, edges), label=field)
    agent = parse_agent({"MachineAgentId": agent_id, field: value})
    assert agent is not None
    assert agent.id == agent_id


@more_examples(2)
@given(valid_records())
def test_every_wire_spelling_reads_as_its_agent(case: tuple[dict[str, Any], Agent]) -> None:
    record, expected = case
    assert parse_agent(record) == expected


@more_examples(1)
@given(
    valid=st.lists(valid_records(), max_size=8),
    junk=st.lists(junk_records, max_size=8),
    positions=st.lists(st.integers(0, 16), max_size=8),
)
def test_a_list_keeps_every_valid_agent_among_junk(
    valid: list[tuple[dict[str, Any], Agent]], junk: list[object], positions: list[int]
) -> None:
    records: list[object] = [record for record, _ in valid]
    for item, position in zip(junk, positions + [len(records)] * len(junk), strict=False):
        records.insert(min(position, len(records)), item)
    with parser_warnings() as warnings:
        agents = parse_agents(records)
    expected = iter(agent for _, agent in valid)
    wanted = next(expected, None)
    for agent in agents:
        if agent == wanted:
            wanted = next(expected, None)
    assert wanted is None, f"lost {wanted}"
    assert len(agents) == sum(map(readable_id, records))
    skipped = [w for w in warnings if w.getMessage().startswith("Skipping")]
    assert len(skipped) == len(records) - len(agents)


@more_examples(5)
@given(st.text())
def test_any_body_is_json_or_a_value_error(text: str) -> None:
    with suppress(ValueError):
        loads_lenient(text)
    shown = service_message(text)
    assert shown is None or (shown.strip() and len(shown) <= MAX_SERVICE_MESSAGE)
