"""The agent hooks (``POST /__admin/agents/{id or name}/{action}``) a watch on backups needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from bot.simulator import Simulator
from tests.simulator.sim_helpers import agent_by_name, backup_get, status_of, wake_up
from tests.support.waiting import wait_until


def hook(
    http: requests.Session, sim: Simulator, agent: str | int, action: str, body: object = None
) -> requests.Response:
    url = f"{sim.url}/__admin/agents/{agent}/{action}"
    return http.post(url, json=body, timeout=5)


def details(http: requests.Session, sim: Simulator, token: str, name: str) -> dict[str, Any]:
    agent = agent_by_name(sim, name)
    response = backup_get(http, sim, f"agent/{agent['MachineAgentId']}", token)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def ms(moment: datetime) -> str:
    return f"/Date({round(moment.timestamp() * 1000)})/"


def backup_time(answer: dict[str, Any]) -> datetime:
    millis = int(answer["TimeOfLastSuccessfulBackup"].removeprefix("/Date(").removesuffix(")/"))
    return datetime.fromtimestamp(millis / 1000, UTC)


@pytest.mark.parametrize("ref", ["staging-api", "310220"])
def test_record_a_backup_now_by_name_or_id(
    sim: Simulator, http: requests.Session, token: str, ref: str
) -> None:
    assert details(http, sim, token, "staging-api")["TimeOfLastSuccessfulBackup"] is None
    before = datetime.now(UTC)

    response = hook(http, sim, ref, "backup")

    assert response.status_code == 200
    assert response.json()["MachineName"] == "staging-api"
    shown = details(http, sim, token, "staging-api")
    assert before - timedelta(seconds=1) <= backup_time(shown) <= datetime.now(UTC)
    assert shown["BackupDatacenter"] == "DFW"  # was "None" before the first backup
    listed = backup_get(http, sim, "user/agents", token).json()
    assert {a["TimeOfLastSuccessfulBackup"] for a in listed} == {None}  # the list's quirk stays


def test_set_the_last_backup_to_any_time(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    stale = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    assert hook(http, sim, "web1", "last-backup", {"at": "2024-05-01T12:00:00Z"}).status_code == 200
    assert details(http, sim, token, "web1")["TimeOfLastSuccessfulBackup"] == ms(stale)

    hook(http, sim, "web1", "last-backup", {"age_seconds": 3 * 86400})
    age = datetime.now(UTC) - backup_time(details(http, sim, token, "web1"))
    # Dates on the wire are whole milliseconds, so the age may read up to 1 ms short.
    assert timedelta(days=3, milliseconds=-1) <= age < timedelta(days=3, minutes=1)

    hook(http, sim, "web1", "last-backup", {"at": None})
    assert details(http, sim, token, "web1")["TimeOfLastSuccessfulBackup"] is None


def test_the_hook_wins_over_an_earlier_field_override(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.set_agent_fields(sim.find_agent("web2"), TimeOfLastSuccessfulBackup="/Date(0)/")

    hook(http, sim, "web2", "last-backup", {"at": "2025-01-02T03:04:05+00:00"})

    expected = ms(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert details(http, sim, token, "web2")["TimeOfLastSuccessfulBackup"] == expected


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"at": "yesterday"},
        {"at": "2024-05-01T12:00:00"},
        {"at": 5},
        {"age_seconds": -1},
        {"age_seconds": True},
        {"at": None, "age_seconds": 1},
        {"when": "now"},
        [1],
    ],
)
def test_bad_last_backup_settings_are_400(
    sim: Simulator, http: requests.Session, body: object
) -> None:
    response = hook(http, sim, "web1", "last-backup", body)

    assert response.status_code == 400
    assert response.json()["message"]


def test_disable_and_enable_backups(sim: Simulator, http: requests.Session, token: str) -> None:
    assert status_of(http, sim, token, "web1") == "Online"

    assert hook(http, sim, "web1", "disable").json()["IsDisabled"] is True

    assert details(http, sim, token, "web1")["IsDisabled"] is True
    assert status_of(http, sim, token, "web1") == "Offline"
    wake_up(http, sim, token)
    assert status_of(http, sim, token, "web1") == "Offline"  # a disabled agent never wakes
    assert hook(http, sim, "web1", "enable").json()["IsDisabled"] is False
    assert status_of(http, sim, token, "web1") == "Offline"  # until woken
    wake_up(http, sim, token)
    wait_until(
        lambda: status_of(http, sim, token, "web1") == "Online",
        timeout=3.0,
        what="web1 to be Online",
    )


def test_power_off_and_on(sim: Simulator, http: requests.Session, token: str) -> None:
    assert hook(http, sim, "db1", "power-off").json()["Status"] == "Offline"

    wake_up(http, sim, token)
    assert status_of(http, sim, token, "db1") == "Offline"  # powered off: never wakes
    assert details(http, sim, token, "db1")["IsDisabled"] is False
    hook(http, sim, "db1", "power-on")
    assert status_of(http, sim, token, "db1") == "Offline"
    wake_up(http, sim, token)
    wait_until(
        lambda: status_of(http, sim, token, "db1") == "Online", timeout=3.0, what="db1 to be Online"
    )


def test_a_seeded_powered_off_agent_can_be_powered_on(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    wake_up(http, sim, token)
    assert status_of(http, sim, token, "reporting-old") == "Offline"

    hook(http, sim, "reporting-old", "power-on")
    wake_up(http, sim, token)

    wait_until(
        lambda: status_of(http, sim, token, "reporting-old") == "Online",
        timeout=3.0,
        what="reporting-old to be Online",
    )


def test_unknown_agent_or_action(sim: Simulator, http: requests.Session) -> None:
    assert hook(http, sim, "no-such-agent", "backup").status_code == 404
    assert hook(http, sim, "999", "disable").status_code == 404
    assert hook(http, sim, "web1", "explode").status_code == 404
    assert hook(http, sim, "web1", "backup", {"at": "now"}).status_code == 400
    assert http.get(f"{sim.url}/__admin/agents/web1/backup", timeout=5).status_code == 405
    on_a_region = http.post(f"{sim.region_url()}/__admin/agents/web1/backup", timeout=5)
    assert on_a_region.status_code == 404


def test_ambiguous_name_is_404(start_simulator: Any, http: requests.Session) -> None:
    sim = start_simulator()
    sim.set_agent_fields(sim.find_agent("web2"), MachineName="web1")

    response = hook(http, sim, "web1", "backup")

    assert response.status_code == 404
    assert "2 agents" in response.json()["message"]


def test_python_api_for_the_same_hooks(sim: Simulator, http: requests.Session, token: str) -> None:
    moment = datetime(2023, 3, 4, 5, 6, 7, tzinfo=UTC)

    sim.record_backup("ord-web1", at=moment)
    sim.set_disabled("web2")
    sim.set_powered(310205, False)

    assert agent_by_name(sim, "ord-web1")["TimeOfLastSuccessfulBackup"] == ms(moment)
    assert agent_by_name(sim, "web2")["IsDisabled"] is True
    assert status_of(http, sim, token, "db1") == "Offline"
    sim.clear_last_backup("ord-web1")
    assert agent_by_name(sim, "ord-web1")["TimeOfLastSuccessfulBackup"] is None
    with pytest.raises(LookupError):
        sim.record_backup("nobody")
