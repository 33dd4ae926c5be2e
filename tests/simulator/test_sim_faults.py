"""Fault knobs (in-process and over the admin endpoint) and request statistics."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests

from bot.simulator import Faults, Simulator
from tests.simulator.sim_helpers import (
    StartSimulator,
    authenticate,
    backup_get,
    wake_up,
)
from tests.support.waiting import wait_until


def _list(http: requests.Session, sim: Simulator, token: str) -> requests.Response:
    return backup_get(http, sim, "user/agents", token)


def _admin(
    http: requests.Session, sim: Simulator, path: str, body: Any = None
) -> requests.Response:
    if path == "stats":
        return http.get(f"{sim.url}/__admin/stats", timeout=5)
    return http.post(f"{sim.url}/__admin/{path}", json=body, timeout=5)


def test_fail_next_fails_exactly_n_requests(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.fail_next(2)

    codes = [_list(http, sim, token).status_code for _ in range(3)]

    assert codes == [503, 503, 200]


def test_failure_status_retry_after_and_default_body(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.fail_next(1, status=500, retry_after=2)

    response = _list(http, sim, token)

    assert response.status_code == 500
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"message": "Internal Server Error"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("upstream timeout", "text/plain"), ('{"Message": "Instance Fault"}', "application/json")],
)
def test_failure_with_a_custom_body(
    sim: Simulator, http: requests.Session, token: str, body: str, content_type: str
) -> None:
    sim.faults.fail_next(1, status=503, body=body)

    response = _list(http, sim, token)

    assert (response.status_code, response.text) == (503, body)
    assert response.headers["Content-Type"].startswith(content_type)


def test_failure_with_an_empty_body(sim: Simulator, http: requests.Session, token: str) -> None:
    sim.faults.fail_next(1, status=502, body="")

    response = _list(http, sim, token)

    assert (response.status_code, response.content) == (502, b"")


def test_fail_next_only_on_matching_paths(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.fail_next(1, status=500, path_contains="/agent/")

    listed = _list(http, sim, token)
    first_id = listed.json()[0]["MachineAgentId"]
    details = backup_get(http, sim, f"agent/{first_id}", token)

    assert (listed.status_code, details.status_code) == (200, 500)
    assert backup_get(http, sim, f"agent/{first_id}", token).status_code == 200


def test_failures_come_before_authentication(sim: Simulator, http: requests.Session) -> None:
    sim.faults.fail_next(1)

    assert backup_get(http, sim, "user/agents", None).status_code == 503


def test_identity_is_not_subject_to_backup_faults(sim: Simulator, http: requests.Session) -> None:
    sim.faults.fail_next(1)
    sim.faults.set_latency(5.0)

    started = time.monotonic()
    assert authenticate(http, sim).status_code == 200
    assert time.monotonic() - started < 1.0


def test_expire_tokens_expires_old_tokens_only(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.expire_tokens()

    assert _list(http, sim, token).status_code == 401
    fresh = authenticate(http, sim).json()["access"]["token"]["id"]
    assert _list(http, sim, fresh).status_code == 200


def test_malformed_next_breaks_json_bodies_only(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.malformed_next(1)

    assert wake_up(http, sim, token).status_code == 200  # an empty body stays empty
    broken = _list(http, sim, token)

    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert _list(http, sim, token).json()


def test_latency_delays_each_backup_request(
    start_simulator: StartSimulator, http: requests.Session
) -> None:
    simulator = start_simulator(latency=0.1)
    token = simulator.issue_token()

    started = time.monotonic()
    _list(http, simulator, token)
    delayed = time.monotonic() - started
    simulator.faults.set_latency(0)
    started = time.monotonic()
    _list(http, simulator, token)

    assert delayed >= 0.1
    assert time.monotonic() - started < 0.1


def test_hang_next_stalls_and_times_the_client_out(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.hang_next(1, 2.0)

    with pytest.raises(requests.Timeout):
        http.get(f"{sim.backup_url()}/user/agents", headers={"X-Auth-Token": token}, timeout=0.1)
    assert _list(http, sim, token).status_code == 200


def test_stop_cuts_a_hang_short(sim: Simulator, token: str) -> None:
    sim.faults.hang_next(1, 30.0)
    outcome: list[str] = []

    def fetch() -> None:
        try:
            requests.get(
                f"{sim.backup_url()}/user/agents", headers={"X-Auth-Token": token}, timeout=5
            )
            outcome.append("answered")
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # Cut before the headers, or after them in the middle of the body.
            outcome.append("connection closed")

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    wait_until(lambda: sim.max_in_flight == 1, timeout=3.0, what="one request in flight")

    started = time.monotonic()
    sim.stop()
    thread.join(timeout=5)

    assert time.monotonic() - started < 2.0
    assert outcome in (["answered"], ["connection closed"])


@pytest.mark.parametrize(
    ("call", "args", "message"),
    [
        (Faults.fail_next, (-1,), "count"),
        (Faults.fail_next, (1, 999), "HTTPStatus"),
        (Faults.set_latency, (-0.1,), "latency"),
        (Faults.hang_next, (1, -1.0), "seconds"),
        (Faults.malformed_next, (-2,), "count"),
    ],
)
def test_invalid_knob_values_are_refused(call: Any, args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(Faults(), *args)


def test_reset_restores_the_configured_start() -> None:
    faults = Faults(latency=0.2)
    faults.set_latency(1.0)
    faults.fail_next(3)
    faults.malformed_next(2)
    faults.hang_next(1, 1.0)

    faults.reset()

    assert faults.latency == 0.2
    assert faults.take_failure("/x") is None
    assert not faults.take_malformed()
    assert faults.take_hang() == 0.0


def test_admin_endpoint_sets_faults(sim: Simulator, http: requests.Session, token: str) -> None:
    settings = {
        "latency": 0.05,
        "fail_next": 1,
        "fail_status": 429,
        "retry_after": 1,
        "malformed_next": 1,
    }

    assert _admin(http, sim, "faults", settings).status_code == 204
    throttled = _list(http, sim, token)
    broken = _list(http, sim, token)

    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "1")
    assert broken.status_code == 200
    assert broken.content.startswith(b"[{")
    assert not broken.content.endswith(b"]")
    assert sim.faults.latency == 0.05
    assert _admin(http, sim, "faults", {"expire_tokens": True}).status_code == 204
    assert _list(http, sim, token).status_code == 401


def test_admin_fail_next_on_a_path(sim: Simulator, http: requests.Session, token: str) -> None:
    settings = {"fail_next": 1, "fail_path_contains": "wakeupagents", "fail_body": "busy"}
    _admin(http, sim, "faults", settings)

    assert _list(http, sim, token).status_code == 200
    assert wake_up(http, sim, token).text == "busy"


@pytest.mark.parametrize(
    "settings",
    [
        {"latency": "slow"},
        {"fail_next": True},
        {"fail_next": 1, "fail_status": 999},
        {"fail_status": 500},
        {"hang_next": 1},
        {"expire_tokens": "yes"},
        {"unknown": 1},
        ["latency", 1],
    ],
)
def test_admin_refuses_bad_settings_and_applies_none(
    sim: Simulator, http: requests.Session, token: str, settings: object
) -> None:
    response = _admin(http, sim, "faults", {"malformed_next": 1, "bad": settings})
    direct = _admin(http, sim, "faults", settings)

    assert (response.status_code, direct.status_code) == (400, 400)
    assert direct.json()["message"].startswith("Invalid fault settings: ")
    assert _list(http, sim, token).json()  # malformed_next was not applied


def test_admin_refuses_malformed_json(sim: Simulator, http: requests.Session) -> None:
    response = http.post(f"{sim.url}/__admin/faults", data=b"{", timeout=5)

    assert response.status_code == 400


def test_stats_count_requests_per_endpoint(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    authenticate(http, sim)
    authenticate(http, sim, apiKey="wrong")
    _list(http, sim, token)
    agent = sim.agents()[0]
    backup_get(http, sim, f"agent/{agent['MachineAgentId']}", token)
    backup_get(http, sim, "agent/999", token)
    backup_get(http, sim, f"agent/server/{agent['HostServerId']}", token)
    wake_up(http, sim, token)
    backup_get(http, sim, "user/agents", None)

    expected = {
        "tokens": 2,
        "list_agents": 2,
        "agent_details": 2,
        "agent_by_server": 1,
        "wakeupagents": 1,
    }
    assert sim.stats() == expected
    assert _admin(http, sim, "stats").json() == {**expected, "max_in_flight": 1}
    sim.reset_stats()
    assert set(sim.stats().values()) == {0}


def test_admin_reset_clears_faults_and_stats(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    sim.faults.fail_next(5)
    _list(http, sim, token)

    assert _admin(http, sim, "reset").status_code == 204

    assert _list(http, sim, token).status_code == 200
    assert sim.stats()["list_agents"] == 1


def test_max_in_flight_sees_concurrent_requests(
    start_simulator: StartSimulator,
) -> None:
    simulator = start_simulator(latency=0.3)
    token = simulator.issue_token()
    barrier = threading.Barrier(5)
    codes: list[int] = []

    def fetch() -> None:
        barrier.wait(timeout=5)
        response = requests.get(
            f"{simulator.backup_url()}/user/agents", headers={"X-Auth-Token": token}, timeout=5
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=fetch) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    assert codes == [200] * 5
    assert simulator.max_in_flight == 5
