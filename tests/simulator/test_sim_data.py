"""The data sets (built-in, generated, from a file) and the test hooks that change them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.simulator import ABSENT, Simulator, SimulatorConfig
from tests.simulator.sim_helpers import (
    StartSimulator,
    agent_by_name,
    backup_get,
    status_of,
    wake_up,
)

BUILT_IN_NAMES = {
    "web1",
    "web2",
    "db1",
    "app-win1",
    "build-runner",
    "staging-api",
    "reporting-old",
    "files-encrypted",
    "ord-web1",
    "ord-db1",
    "iad-cache1",
    "hkg-edge1",
    "syd-web1",
}
DOC_IP = re.compile(r"(203\.0\.113|198\.51\.100|192\.0\.2)\.\d{1,3}")


def _backup_time(agent: dict[str, Any]) -> datetime:
    match = re.fullmatch(r"/Date\((\d+)\)/", agent["TimeOfLastSuccessfulBackup"])
    assert match is not None
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)


def test_built_in_set_has_the_interesting_cases(sim: Simulator) -> None:
    agents = {agent["MachineName"]: agent for agent in sim.agents()}

    assert set(agents) == BUILT_IN_NAMES
    assert sum(a["Datacenter"] == "DFW" for a in agents.values()) == 8
    assert {name for name, a in agents.items() if a["Status"] == "Online"} == {"web1", "db1"}
    assert [name for name, a in agents.items() if a["IsDisabled"]] == ["build-runner"]
    assert [name for name, a in agents.items() if a["IsEncrypted"]] == ["files-encrypted"]
    assert agents["staging-api"]["TimeOfLastSuccessfulBackup"] is None
    assert agents["app-win1"]["OperatingSystem"] == "Windows Server 2019"
    assert agents["db1"]["BackupVaultSize"] == "2 GB"
    assert len({a["MachineAgentId"] for a in agents.values()}) == 13
    assert all(100000 <= a["MachineAgentId"] <= 999999 for a in agents.values())
    assert all(DOC_IP.fullmatch(a["IPAddress"]) for a in agents.values())
    age = datetime.now(UTC) - _backup_time(agents["web1"])
    assert timedelta(hours=5) < age < timedelta(hours=7)


def test_powered_off_is_simulator_only(sim: Simulator, http: requests.Session, token: str) -> None:
    raw = backup_get(http, sim, "user/agents", token).text

    assert "_powered_on" not in raw
    assert all("_powered_on" not in agent for agent in sim.agents())


def stable(config: SimulatorConfig) -> list[dict[str, Any]]:
    """The agents without their backup dates, which follow the clock."""
    return [{**a, "TimeOfLastSuccessfulBackup": None} for a in Simulator(config).agents()]


def test_same_seed_same_account_other_seed_other_keys() -> None:
    first, again = stable(SimulatorConfig()), stable(SimulatorConfig())
    other = stable(SimulatorConfig(seed=8))

    assert first == again
    assert [a["MachineName"] for a in other] == [a["MachineName"] for a in first]
    assert [a["HostServerId"] for a in other] != [a["HostServerId"] for a in first]


def test_agents_count_generates_a_deterministic_spread() -> None:
    agents = stable(SimulatorConfig(agents_count=200))

    assert [a["MachineName"] for a in agents[:2]] == ["agent-00001", "agent-00002"]
    assert agents[-1]["MachineName"] == "agent-00200"
    per_region = {r: sum(a["Datacenter"] == r for a in agents) for r in ("DFW", "ORD", "SYD")}
    assert per_region["DFW"] > 80
    assert per_region["ORD"] > 0
    assert per_region["SYD"] > 0
    assert 0 < sum(a["IsDisabled"] for a in agents) < 30
    assert len({a["MachineAgentId"] for a in agents}) == 200
    assert all(DOC_IP.fullmatch(a["IPAddress"]) for a in agents)
    assert stable(SimulatorConfig(agents_count=200)) == agents


def test_generated_agents_are_served(
    start_simulator: StartSimulator, http: requests.Session
) -> None:
    simulator = start_simulator(agents_count=30)
    token = simulator.issue_token()

    listed = backup_get(http, simulator, "user/agents", token).json()

    assert len(listed) == len(simulator.agents("DFW"))
    assert {a["Datacenter"] for a in listed} == {"DFW"}


def test_agents_count_zero_is_an_empty_account(
    start_simulator: StartSimulator, http: requests.Session
) -> None:
    simulator = start_simulator(agents_count=0)

    response = backup_get(http, simulator, "user/agents", simulator.issue_token())

    assert (response.status_code, response.json()) == (200, [])


def test_agents_count_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="agents_count"):
        Simulator(SimulatorConfig(agents_count=-1))


def _write(tmp_path: Path, agents: object) -> Path:
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(agents), encoding="utf-8")
    return path


FILE_AGENTS = [
    {
        "MachineAgentId": 213563,
        "MachineName": "Web Server2",
        "Datacenter": "DFW",
        "IsDisabled": "false",
        "PublicKey": {"ExponentHex": "09528", "ModulusHex": "a526"},
        "Status": "Offline",
        "TimeOfLastSuccessfulBackup": "/Date(1357817400000-0600)/",
        "SomethingNew": [1, 2],
    },
    {
        "MachineAgentId": 213564,
        "MachineName": "Web Server",
        "Datacenter": "DFW",
        "_powered_on": False,
    },
]


def test_agents_file_is_served_verbatim(
    start_simulator: StartSimulator, http: requests.Session, tmp_path: Path
) -> None:
    simulator = start_simulator(agents_file=_write(tmp_path, FILE_AGENTS), wake_delay=(0, 0))
    token = simulator.issue_token()

    details = backup_get(http, simulator, "agent/213563", token)
    wake_up(http, simulator, token)

    assert details.json() == FILE_AGENTS[0]
    assert '"\\/Date(1357817400000-0600)\\/"' in details.text
    assert status_of(http, simulator, token, "Web Server2") == "Online"
    assert status_of(http, simulator, token, "Web Server") == "Offline"
    assert "_powered_on" not in backup_get(http, simulator, "agent/213564", token).json()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"agents": []}, "JSON list"),
        (["web1"], "expected an object"),
        ([{"Datacenter": "DFW"}], "MachineAgentId"),
        ([{"MachineAgentId": "12x", "Datacenter": "DFW"}], "MachineAgentId"),
        ([{"MachineAgentId": True, "Datacenter": "DFW"}], "MachineAgentId"),
        ([{"MachineAgentId": 1}], "Datacenter"),
        ([{"MachineAgentId": 1, "Datacenter": "DFW", "_powered_on": "no"}], "_powered_on"),
        ([{"MachineAgentId": 1, "Datacenter": "DFW"}] * 2, "duplicate"),
    ],
)
def test_invalid_agents_files_are_refused(tmp_path: Path, content: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Simulator(SimulatorConfig(agents_file=_write(tmp_path, content)))


def test_remove_agent_makes_it_vanish(sim: Simulator, http: requests.Session, token: str) -> None:
    web2 = agent_by_name(sim, "web2")

    sim.remove_agent(web2["MachineAgentId"])

    listed = backup_get(http, sim, "user/agents", token).json()
    assert "web2" not in {a["MachineName"] for a in listed}
    assert backup_get(http, sim, f"agent/{web2['MachineAgentId']}", token).status_code == 404
    server = backup_get(http, sim, f"agent/server/{web2['HostServerId']}", token)
    assert server.status_code == 404
    with pytest.raises(KeyError):
        sim.remove_agent(web2["MachineAgentId"])


def test_set_agent_fields_overrides_the_wire(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    agent_id = agent_by_name(sim, "web2")["MachineAgentId"]

    sim.set_agent_fields(
        agent_id,
        MachineName="<!channel>",
        MachineAgentId=str(agent_id),
        IsEncrypted="true",
        HostServerId=ABSENT,
        Status="Online",
    )

    details = backup_get(http, sim, f"agent/{agent_id}", token).json()
    listed = backup_get(http, sim, "user/agents", token).json()
    assert details["MachineName"] == "<!channel>"
    assert details["MachineAgentId"] == str(agent_id)
    assert details["IsEncrypted"] == "true"
    assert details["Status"] == "Online"
    assert "HostServerId" not in details
    overridden = next(a for a in listed if a["MachineName"] == "<!channel>")
    assert overridden["Status"] == "Unknown"  # the list keeps lying


def test_overriding_is_disabled_changes_behaviour(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    agent_id = agent_by_name(sim, "web2")["MachineAgentId"]

    sim.set_agent_fields(agent_id, IsDisabled=True)
    wake_up(http, sim, token)

    assert status_of(http, sim, token, "web2") == "Offline"


def test_set_agent_fields_refuses_what_json_cannot_carry(sim: Simulator) -> None:
    agent_id = agent_by_name(sim, "web2")["MachineAgentId"]

    with pytest.raises(ValueError, match="MachineName"):
        sim.set_agent_fields(agent_id, MachineName=object())
    with pytest.raises(KeyError):
        sim.set_agent_fields(1, MachineName="x")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"wake_delay": (5.0, 1.0)}, "wake_delay"),
        ({"wake_delay": (-1.0, 1.0)}, "wake_delay"),
        ({"idle_timeout": 0.0}, "idle_timeout"),
        ({"latency": -1.0}, "latency"),
        ({"agents_count": 3, "agents_file": Path("x.json")}, "not both"),
    ],
)
def test_invalid_configs_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimulatorConfig(**fields)


def test_config_repr_hides_credentials() -> None:
    text = repr(SimulatorConfig(api_key="k-secret", password="p-secret"))

    assert "k-secret" not in text
    assert "p-secret" not in text
