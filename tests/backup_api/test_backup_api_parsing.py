"""The agent object, row by row against the field table of the API reference."""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backup_api import Agent, AgentStatus, PublicKey, loads_lenient, parse_agent, parse_agents
from bot.backup_api.parsing import ShapeError, merge_agent

SEED = Path(__file__).parent / "fixtures" / "seed_list_example.json.txt"
MB = 1024**2
LOGGER = "bot.backup_api.parsing"


def parse_one(**fields: object) -> Agent:
    agent = parse_agent({"MachineAgentId": 7, **fields})
    assert agent is not None
    return agent


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# --- the user's own example -------------------------------------------------------------


def test_seed_example_is_not_strict_json_but_parses() -> None:
    text = SEED.read_text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    agents = parse_agents(loads_lenient(text))
    assert [a.id for a in agents] == [213563, 213564]
    first = agents[0]
    assert first.name == "Web Server2"
    assert first.status is AgentStatus.ONLINE
    assert first.public_key is not None
    assert first.public_key.exponent_hex == "09528"
    assert first.public_key.modulus_hex is not None
    assert first.public_key.modulus_hex.startswith("a5261939")
    assert agents[1].public_key is not None
    assert agents[1].public_key.exponent_hex == "82374"
    assert first.vault_size_text == "35.3 MB"
    assert first.vault_size_bytes == round(35.3 * MB)
    assert first.os_version == ""
    assert first.last_successful_backup is None
    assert (first.cleanup_allowed, first.is_disabled, first.is_encrypted) == (True, False, True)
    assert first.use_service_net is True


# --- MachineAgentId ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [(213563, 213563), ("213563", 213563), (" 42 ", 42), (42.0, 42)]
)
def test_agent_id_as_number_or_numeric_string(raw: object, expected: int) -> None:
    agent = parse_agent({"MachineAgentId": raw})
    assert agent is not None
    assert agent.id == expected


@pytest.mark.parametrize("raw", [None, "abc", "", -1, 0, True, 4.5, [1], {"id": 1}, "１２"])
def test_unreadable_agent_id_skips_the_agent_with_a_warning(
    raw: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_agent({"MachineAgentId": raw, "MachineName": "x"}) is None
    assert any("MachineAgentId" in m for m in warnings_of(caplog))


def test_missing_agent_id_skips_the_agent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_agent({"MachineName": "x"}) is None
    assert warnings_of(caplog)


@pytest.mark.parametrize("raw", ["agent", 5, None, [{"MachineAgentId": 1}]])
def test_a_non_object_is_not_an_agent(raw: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_agent(raw) is None
    assert warnings_of(caplog)


# --- strings ----------------------------------------------------------------------------

STRING_FIELDS = {
    "MachineName": "name",
    "AgentVersion": "agent_version",
    "Architecture": "architecture",
    "Flavor": "flavor",
    "OperatingSystem": "os_name",
    "OperatingSystemVersion": "os_version",
    "Datacenter": "datacenter",
    "IPAddress": "ip_address",
    "BackupContainer": "backup_container",
    "HostServerId": "host_server_id",
}


@pytest.mark.parametrize(("wire", "attr"), STRING_FIELDS.items())
def test_string_fields_are_kept_as_sent(wire: str, attr: str) -> None:
    assert getattr(parse_one(**{wire: "some value"}), attr) == "some value"


def test_empty_os_version_stays_empty_and_display_skips_it() -> None:
    agent = parse_one(OperatingSystem="Windows Server 2012", OperatingSystemVersion="")
    assert agent.os_version == ""
    assert agent.os_display == "Windows Server 2012"


def test_backup_datacenter_none_literal_means_none() -> None:
    assert parse_one(BackupDatacenter="None").backup_datacenter is None
    assert parse_one(BackupDatacenter="none").backup_datacenter is None
    assert parse_one(BackupDatacenter="ORD").backup_datacenter == "ORD"
    assert parse_one().backup_datacenter is None


# --- booleans ---------------------------------------------------------------------------

BOOL_FIELDS = {
    "IsDisabled": "is_disabled",
    "IsEncrypted": "is_encrypted",
    "CleanupAllowed": "cleanup_allowed",
    "UseServiceNet": "use_service_net",
}


@pytest.mark.parametrize(("wire", "attr"), BOOL_FIELDS.items())
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        (" False ", False),
    ],
)
def test_booleans_as_json_or_strings(wire: str, attr: str, raw: object, expected: bool) -> None:
    assert getattr(parse_one(**{wire: raw}), attr) is expected


@pytest.mark.parametrize("raw", ["yes", "1", 1, 0, [], {}])
def test_unreadable_boolean_is_unknown(raw: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_one(IsDisabled=raw).is_disabled is None
    assert any("7" in m and "IsDisabled" in m for m in warnings_of(caplog))


# --- BackupVaultSize --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0 KB", 0),
        ("512 B", 512),
        ("35.3 KB", round(35.3 * 1024)),
        ("35.3 MB", round(35.3 * MB)),
        ("2 GB", 2 * 1024**3),
        ("1.5 TB", round(1.5 * 1024**4)),
        ("2GB", 2 * 1024**3),
        ("7 kb", 7 * 1024),
        ("35.3", round(35.3 * MB)),
    ],
)
def test_vault_size_strings(raw: str, expected: int) -> None:
    agent = parse_one(BackupVaultSize=raw)
    assert agent.vault_size_bytes == expected
    assert agent.vault_size_text == raw


@pytest.mark.parametrize(("raw", "expected"), [(35, 35 * MB), (1.5, round(1.5 * MB)), (0, 0)])
def test_vault_size_bare_numbers_are_megabytes(raw: float, expected: int) -> None:
    agent = parse_one(BackupVaultSize=raw)
    assert agent.vault_size_bytes == expected
    assert agent.vault_size_text == str(raw)


def test_vault_size_null_is_unknown() -> None:
    agent = parse_one(BackupVaultSize=None)
    assert (agent.vault_size_bytes, agent.vault_size_text) == (None, None)


def test_unreadable_vault_size_keeps_the_text(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        agent = parse_one(BackupVaultSize="lots")
    assert (agent.vault_size_bytes, agent.vault_size_text) == (None, "lots")
    assert any("BackupVaultSize" in m for m in warnings_of(caplog))


@pytest.mark.parametrize("raw", [True, {}, [1], -3, "-3 MB"])
def test_wrong_vault_size_types(raw: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_one(BackupVaultSize=raw).vault_size_bytes is None
    assert warnings_of(caplog)


# --- Status -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Online", AgentStatus.ONLINE),
        ("online", AgentStatus.ONLINE),
        ("OFFLINE", AgentStatus.OFFLINE),
        ("Offline", AgentStatus.OFFLINE),
        ("Unknown", AgentStatus.UNKNOWN),
        ("Busy", AgentStatus.UNKNOWN),
        ("", AgentStatus.UNKNOWN),
    ],
)
def test_status_strings(raw: str, expected: AgentStatus) -> None:
    assert parse_one(Status=raw).status is expected


def test_missing_or_wrong_status_is_unknown(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_one().status is AgentStatus.UNKNOWN
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_one(Status=1).status is AgentStatus.UNKNOWN
    assert any("Status" in m for m in warnings_of(caplog))


# --- TimeOfLastSuccessfulBackup -----------------------------------------------------------

JAN_10_2013 = datetime(2013, 1, 10, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "/Date(1357817400000)/",
        "/Date(1357817400000-0600)/",
        "/Date(1357817400000+0100)/",
        "\\/Date(1357817400000)\\/",
        "2013-01-10T11:30:00Z",
        "2013-01-10T11:30:00.000Z",
        "2013-01-10T05:30:00-06:00",
        "2013-01-10T11:30:00",
    ],
)
def test_date_forms(raw: str) -> None:
    moment = parse_one(TimeOfLastSuccessfulBackup=raw).last_successful_backup
    assert moment == JAN_10_2013
    assert moment is not None
    assert moment.tzinfo is UTC


def test_date_as_it_is_escaped_on_the_wire() -> None:
    body = loads_lenient(
        '{"MachineAgentId": 1, "TimeOfLastSuccessfulBackup": "\\/Date(1357817400000)\\/"}'
    )
    agent = parse_agent(body)
    assert agent is not None
    assert agent.last_successful_backup == JAN_10_2013


def test_fractional_seconds_and_offsets_in_iso_dates() -> None:
    agent = parse_one(TimeOfLastSuccessfulBackup="2014-12-14T22:54:49.574Z")
    assert agent.last_successful_backup == datetime(2014, 12, 14, 22, 54, 49, 574000, tzinfo=UTC)
    agent = parse_one(TimeOfLastSuccessfulBackup="2013-04-23T09:45:24.000-05:00")
    assert agent.last_successful_backup == datetime(2013, 4, 23, 14, 45, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "/Date(-62135578800000)/",
        "/Date(-62135596800000)/",
        "/Date(-62135578800000-0500)/",
        "/Date(-62135596800000+0000)/",
        "0001-01-01T00:00:00",
        "0001-01-01T05:00:00Z",
        "",
    ],
)
def test_never_backed_up(raw: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        agent = parse_one(TimeOfLastSuccessfulBackup=raw)
    assert agent.last_successful_backup is None
    assert agent.never_backed_up
    assert not warnings_of(caplog)


def test_dates_before_1970_that_are_not_the_sentinel_are_real() -> None:
    agent = parse_one(TimeOfLastSuccessfulBackup="/Date(-1000)/")
    assert agent.last_successful_backup == datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_one(TimeOfLastSuccessfulBackup="/Date(0)/").last_successful_backup == datetime(
        1970, 1, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "raw",
    [
        "yesterday",
        "/Date(abc)/",
        "/Date(1357817400000",
        1357817400000,
        True,
        {},
        "/Date(999999999999999999)/",
    ],
)
def test_unreadable_dates(raw: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_one(TimeOfLastSuccessfulBackup=raw).last_successful_backup is None
    assert any("TimeOfLastSuccessfulBackup" in m for m in warnings_of(caplog))


# --- PublicKey --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [(10001, "10001"), ("09528", "09528"), ("10001", "10001")]
)
def test_public_key_exponent_number_or_string(raw: object, expected: str) -> None:
    agent = parse_one(PublicKey={"ModulusHex": "a5f0", "ExponentHex": raw})
    assert agent.public_key == PublicKey(modulus_hex="a5f0", exponent_hex=expected)


def test_public_key_missing_parts_and_null() -> None:
    assert parse_one(PublicKey={}).public_key == PublicKey()
    assert parse_one(PublicKey=None).public_key is None
    assert parse_one().public_key is None


def test_public_key_wrong_types(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        assert parse_one(PublicKey="a5f0").public_key is None
        key = parse_one(PublicKey={"ModulusHex": ["a5"], "ExponentHex": True}).public_key
    assert key == PublicKey()
    messages = warnings_of(caplog)
    assert any("PublicKey.ModulusHex" in m for m in messages)
    assert any("PublicKey.ExponentHex" in m for m in messages)


# --- missing, unknown and wrong fields ----------------------------------------------------


def test_only_an_id_gives_an_agent_with_everything_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        agent = parse_agent({"MachineAgentId": 5, "SomethingNew": {"nested": [1]}, "Extra": 1})
    assert agent == Agent(id=5)
    assert not warnings_of(caplog)


WIRE_FIELDS = [
    *STRING_FIELDS,
    "BackupDatacenter",
    *BOOL_FIELDS,
    "BackupVaultSize",
    "PublicKey",
    "Status",
    "TimeOfLastSuccessfulBackup",
]


@pytest.mark.parametrize("wire", WIRE_FIELDS)
def test_a_wrong_type_in_any_field_loses_only_that_field(
    wire: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, LOGGER):
        agent = parse_agent({"MachineAgentId": 9, "MachineName": "db", wire: [["odd"]]})
    assert agent is not None
    expected = Agent(id=9, name="" if wire == "MachineName" else "db")
    assert agent == expected
    assert any(m.startswith("Agent 9: field ") and wire in m for m in warnings_of(caplog))


def test_one_bad_agent_never_loses_the_list(caplog: pytest.LogCaptureFixture) -> None:
    body = [
        {"MachineAgentId": 1, "MachineName": "a"},
        "not an agent",
        {"MachineName": "no id"},
        None,
        {"MachineAgentId": "two", "MachineName": "bad id"},
        {"MachineAgentId": 3, "MachineName": "c", "IsDisabled": "maybe"},
    ]
    with caplog.at_level(logging.WARNING, LOGGER):
        agents = parse_agents(body)
    assert [(a.id, a.name, a.is_disabled) for a in agents] == [(1, "a", None), (3, "c", None)]
    assert len(warnings_of(caplog)) == 5


@pytest.mark.parametrize("body", [{"agents": []}, "[]", None, 3])
def test_list_body_that_is_not_an_array(body: object) -> None:
    with pytest.raises(ShapeError, match="expected an array of agents"):
        parse_agents(body)


def test_empty_list() -> None:
    assert parse_agents([]) == []


# --- merging list data with details -------------------------------------------------------


def test_details_win_and_the_list_fills_gaps() -> None:
    listed = parse_one(
        MachineName="web",
        Status="Offline",
        IPAddress="203.0.113.1",
        BackupContainer="https://files/x",
        OperatingSystemVersion="22.04",
    )
    detail = parse_one(Status="Online", IPAddress="203.0.113.2", BackupVaultSize="1 GB")
    merged = merge_agent(listed, detail)
    assert merged.status is AgentStatus.ONLINE
    assert merged.ip_address == "203.0.113.2"
    assert merged.vault_size_bytes == 1024**3
    assert merged.name == "web"
    assert merged.backup_container == "https://files/x"
    assert merged.os_version == "22.04"


def test_status_never_comes_from_the_list() -> None:
    listed = parse_one(Status="Offline")
    merged = merge_agent(listed, parse_one())
    assert merged.status is AgentStatus.UNKNOWN


def test_merge_covers_every_field() -> None:
    full = parse_one(
        MachineName="n",
        Datacenter="DFW",
        IPAddress="ip",
        OperatingSystem="os",
        OperatingSystemVersion="v",
        AgentVersion="av",
        Architecture="64-bit",
        Flavor="f",
        IsDisabled=True,
        IsEncrypted=True,
        CleanupAllowed=True,
        UseServiceNet=True,
        BackupVaultSize="1 KB",
        TimeOfLastSuccessfulBackup="/Date(0)/",
        BackupContainer="c",
        BackupDatacenter="ORD",
        HostServerId="h",
        PublicKey={"ModulusHex": "m", "ExponentHex": "e"},
    )
    merged = merge_agent(full, Agent(id=7))
    for f in fields(Agent):
        if f.name != "status":
            assert getattr(merged, f.name) == getattr(full, f.name), f.name


# --- lenient JSON -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 09528}', {"a": "09528"}),
        ("[01, 0.5, -007, 0]", ["01", 0.5, "-007", 0]),
        ('{"a": 00.5e3, "b": 1}', {"a": "00.5e3", "b": 1}),
        ('{"a":\n  0123\n}', {"a": "0123"}),
        ('{"s": "x: 0123", "t": 012}', {"s": "x: 0123", "t": "012"}),
        ('{"s": "quote \\" : 0123", "t": 012}', {"s": 'quote " : 0123', "t": "012"}),
        ('{"a": 10001}', {"a": 10001}),
        ('\ufeff{"a": 1}', {"a": 1}),
    ],
)
def test_loads_lenient(text: str, expected: object) -> None:
    assert loads_lenient(text) == expected


@pytest.mark.parametrize("text", ["not json", '{"a": 0123', "{'a': 1}", ""])
def test_loads_lenient_still_rejects_what_is_not_json(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads_lenient(text)
