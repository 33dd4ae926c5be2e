"""The Cloud Backup v1.0 endpoints over real HTTP: shapes, quirks, auth, errors, regions."""

from __future__ import annotations

import json
import re

import pytest
import requests

from bot.simulator import Simulator
from tests.simulator.sim_helpers import StartSimulator, agent_by_name, backup_get
from tests.support.waiting import wait_until

MS_DATE = re.compile(r"/Date\(\d+\)/")


def test_list_hides_status_size_and_last_backup_that_details_tell(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    listed = backup_get(http, sim, "user/agents", token).json()

    web1 = next(agent for agent in listed if agent["MachineName"] == "web1")
    assert {a["Status"] for a in listed} == {"Unknown"}
    assert {a["BackupVaultSize"] for a in listed} == {None}
    assert {a["TimeOfLastSuccessfulBackup"] for a in listed} == {None}
    details = backup_get(http, sim, f"agent/{web1['MachineAgentId']}", token).json()
    assert details["Status"] == "Online"
    assert details["BackupVaultSize"] == "35.3 MB"
    assert MS_DATE.fullmatch(details["TimeOfLastSuccessfulBackup"])
    unquirked = {"Status", "BackupVaultSize", "TimeOfLastSuccessfulBackup"}
    assert {k: v for k, v in details.items() if k not in unquirked} == {
        k: v for k, v in web1.items() if k not in unquirked
    }


def test_details_carry_the_wire_types(sim: Simulator, http: requests.Session, token: str) -> None:
    agent_id = agent_by_name(sim, "app-win1")["MachineAgentId"]

    details = backup_get(http, sim, f"agent/{agent_id}", token).json()

    assert isinstance(details["MachineAgentId"], int)
    assert 100000 <= details["MachineAgentId"] <= 999999
    for flag in ("IsDisabled", "IsEncrypted", "CleanupAllowed", "UseServiceNet"):
        assert isinstance(details[flag], bool)
    assert details["OperatingSystem"] == "Windows Server 2019"
    assert details["OperatingSystemVersion"] == ""
    assert details["Status"] == "Offline"
    assert set(details["PublicKey"]) == {"ModulusHex", "ExponentHex"}
    assert re.fullmatch(r"[0-9a-f-]{36}", details["HostServerId"])
    assert details["BackupContainer"].startswith("https://storage101.dfw1.clouddrive.com/v1/")
    assert details["BackupDatacenter"] == "DFW"


def test_dates_and_urls_go_out_with_escaped_slashes(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    agent_id = agent_by_name(sim, "web2")["MachineAgentId"]

    raw = backup_get(http, sim, f"agent/{agent_id}", token).text

    assert re.search(r'"TimeOfLastSuccessfulBackup":"\\/Date\(\d{13}\)\\/"', raw)
    assert '"BackupContainer":"https:\\/\\/storage101' in raw
    assert "/" not in raw.replace("\\/", "")


def test_never_backed_up_agent_has_null_date_and_no_backup_datacenter(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    agent_id = agent_by_name(sim, "staging-api")["MachineAgentId"]

    details = backup_get(http, sim, f"agent/{agent_id}", token).json()

    assert details["TimeOfLastSuccessfulBackup"] is None
    assert details["BackupDatacenter"] == "None"
    assert details["BackupVaultSize"] == "0 KB"


def test_agent_by_host_server_id(sim: Simulator, http: requests.Session, token: str) -> None:
    db1 = agent_by_name(sim, "db1")

    found = backup_get(http, sim, f"agent/server/{db1['HostServerId']}", token)
    missing = backup_get(http, sim, "agent/server/00000000-0000-4000-8000-000000000000", token)

    assert found.status_code == 200
    assert found.json()["MachineAgentId"] == db1["MachineAgentId"]
    assert missing.status_code == 404


def test_missing_token_is_401_with_a_message(sim: Simulator, http: requests.Session) -> None:
    response = backup_get(http, sim, "user/agents", None)

    assert response.status_code == 401
    assert response.json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Keystone uri=")


def test_unknown_token_is_401(sim: Simulator, http: requests.Session) -> None:
    response = backup_get(http, sim, "user/agents", "0" * 32)

    assert response.status_code == 401
    assert "expired or invalid" in response.json()["message"]


def test_token_past_its_ttl_is_401(start_simulator: StartSimulator, http: requests.Session) -> None:
    simulator = start_simulator(token_ttl=0.05)
    token = simulator.issue_token()

    wait_until(
        lambda: backup_get(http, simulator, "user/agents", token).status_code == 401,
        timeout=3.0,
        what="the token to be refused",
    )
    assert backup_get(http, simulator, "user/agents", simulator.issue_token()).status_code == 200


def test_other_tenant_in_the_path_is_403(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    response = http.get(
        f"{sim.region_url()}/v1.0/999999/user/agents", headers={"X-Auth-Token": token}, timeout=5
    )

    assert response.status_code == 403
    assert response.json()["message"]


@pytest.mark.parametrize("agent_id", ["123", "abc", "-310201", "3.5", "%C2%B3"])
def test_unknown_or_non_integer_agent_is_404(
    sim: Simulator, http: requests.Session, token: str, agent_id: str
) -> None:
    response = backup_get(http, sim, f"agent/{agent_id}", token)

    assert response.status_code == 404
    assert "anything matching the Request-URI" in response.json()["message"]


@pytest.mark.parametrize(
    "path", ["/v1.0/123456/user/agentz", "/lon/v1.0/123456/user/agents", "/", "/v2.0/tokens"]
)
def test_unknown_path_is_404(sim: Simulator, http: requests.Session, token: str, path: str) -> None:
    response = http.get(sim.region_url() + path, headers={"X-Auth-Token": token}, timeout=5)

    assert response.status_code == 404


def test_the_old_region_prefix_is_gone(sim: Simulator, http: requests.Session, token: str) -> None:
    response = http.get(f"{sim.url}/dfw/v1.0/123456/user/agents", headers={"X-Auth-Token": token})

    assert response.status_code == 404


def test_wrong_method_is_404_not_405(sim: Simulator, http: requests.Session, token: str) -> None:
    """The real service has no GET wakeupagents route at all, so no Allow header either."""
    response = backup_get(http, sim, "user/wakeupagents", token)

    assert response.status_code == 404
    assert "Allow" not in response.headers


def test_each_region_serves_only_its_agents(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    names = {
        region: sorted(
            a["MachineName"] for a in backup_get(http, sim, "user/agents", token, region).json()
        )
        for region in ("DFW", "ORD", "IAD", "HKG", "SYD")
    }

    assert names["ORD"] == ["ord-db1", "ord-web1"]
    assert names["IAD"] == ["iad-cache1"]
    assert names["HKG"] == ["hkg-edge1"]
    assert names["SYD"] == ["syd-web1"]
    assert len(names["DFW"]) == 8
    assert "web1" in names["DFW"]
    ord_id = agent_by_name(sim, "ord-web1")["MachineAgentId"]
    assert backup_get(http, sim, f"agent/{ord_id}", token, "DFW").status_code == 404
    assert backup_get(http, sim, f"agent/{ord_id}", token, "ORD").status_code == 200


def test_wakeupagents_answers_200_with_an_empty_body(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    response = http.post(
        f"{sim.backup_url()}/user/wakeupagents",
        headers={"X-Auth-Token": token, "Content-Length": "0"},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.content == b""


def test_query_strings_are_ignored(sim: Simulator, http: requests.Session, token: str) -> None:
    response = backup_get(http, sim, "user/agents?marker=1", token)

    assert response.status_code == 200
    assert json.loads(response.content)
