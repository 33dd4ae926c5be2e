"""Wake-up behaviour: delays, who never wakes, falling back to Offline when idle."""

from __future__ import annotations

import pytest
import requests

from bot.simulator import Simulator
from bot.simulator.agents import AgentBook
from bot.simulator.data import SeedAgent
from tests.simulator.sim_helpers import StartSimulator, status_of, wake_up
from tests.support.waiting import wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _seed(agent_id: int, *, status: str = "Offline", **fields: object) -> SeedAgent:
    powered_on = bool(fields.pop("powered_on", True))
    wire: dict[str, object] = {
        "MachineAgentId": agent_id,
        "Datacenter": "DFW",
        "IsDisabled": False,
        "Status": status,
        **fields,
    }
    return SeedAgent(agent_id, wire, powered_on)


def _book(clock: FakeClock, *seeds: SeedAgent, delay: tuple[float, float] = (10, 10)) -> AgentBook:
    return AgentBook(seeds, wake_delay=delay, idle_timeout=300, seed=7, clock=clock)


def _status(book: AgentBook, agent_id: int) -> object:
    details = book.details("DFW", agent_id)
    assert details is not None
    return details["Status"]


def test_agent_comes_online_after_its_delay_then_idles_back_offline() -> None:
    clock = FakeClock()
    book = _book(clock, _seed(1))

    book.wake("DFW")
    clock.now += 9.9
    before = _status(book, 1)
    clock.now += 0.1
    online = _status(book, 1)
    clock.now += 299.9
    still_online = _status(book, 1)
    clock.now += 0.1

    assert (before, online, still_online, _status(book, 1)) == (
        "Offline",
        "Online",
        "Online",
        "Offline",
    )


def test_each_wake_up_keeps_an_online_agent_awake() -> None:
    clock = FakeClock()
    book = _book(clock, _seed(1, status="Online"))

    clock.now += 200
    book.wake("DFW")
    clock.now += 250

    assert _status(book, 1) == "Online"
    clock.now += 50
    assert _status(book, 1) == "Offline"


def test_a_second_wake_up_does_not_postpone_a_pending_one() -> None:
    clock = FakeClock()
    book = _book(clock, _seed(1))

    book.wake("DFW")
    clock.now += 5
    book.wake("DFW")
    clock.now += 5

    assert _status(book, 1) == "Online"


def test_delays_are_drawn_per_agent_within_the_range_and_seeded() -> None:
    def online_times() -> list[float]:
        clock = FakeClock()
        book = _book(clock, *(_seed(i) for i in range(1, 21)), delay=(10, 20))
        book.wake("DFW")
        times = {}
        for step in range(0, 2001):  # 0.01 s resolution across 0..20 s
            clock.now = 1000.0 + step / 100
            for agent_id in range(1, 21):
                if agent_id not in times and _status(book, agent_id) == "Online":
                    times[agent_id] = step / 100
        return [times[i] for i in range(1, 21)]

    first, second = online_times(), online_times()

    assert first == second
    assert all(10 <= t <= 20 for t in first)
    assert len(set(first)) > 10


@pytest.mark.parametrize(
    "seed",
    [_seed(1, IsDisabled=True), _seed(1, IsDisabled="true"), _seed(1, powered_on=False)],
    ids=["disabled", "disabled-as-string", "powered-off"],
)
def test_disabled_or_powered_off_agents_never_come_online(seed: SeedAgent) -> None:
    clock = FakeClock()
    book = _book(clock, seed)

    book.wake("DFW")
    clock.now += 60

    assert _status(book, 1) == "Offline"


def test_an_online_seed_that_is_disabled_starts_offline() -> None:
    book = _book(FakeClock(), _seed(1, status="Online", IsDisabled=True))

    assert _status(book, 1) == "Offline"


def test_a_wake_up_touches_only_its_region() -> None:
    clock = FakeClock()
    book = _book(clock, _seed(1), _seed(2, Datacenter="ORD"))

    book.wake("DFW")
    clock.now += 10

    assert _status(book, 1) == "Online"
    assert book.details("ORD", 2) == {**book.all_details("ORD")[0], "Status": "Offline"}


def test_wakeupagents_over_http_wakes_enabled_agents_only(
    sim: Simulator, http: requests.Session, token: str
) -> None:
    names = ["web2", "app-win1", "build-runner", "reporting-old", "ord-web1"]
    assert {status_of(http, sim, token, name) for name in names} == {"Offline"}

    assert wake_up(http, sim, token).status_code == 200

    assert [status_of(http, sim, token, name) for name in names] == [
        "Online",
        "Online",
        "Offline",  # disabled
        "Offline",  # powered off
        "Offline",  # another region
    ]


def test_online_agent_falls_back_offline_after_idle_timeout(
    start_simulator: StartSimulator, http: requests.Session
) -> None:
    simulator = start_simulator(wake_delay=(0.0, 0.0), idle_timeout=0.3)
    token = simulator.issue_token()
    assert status_of(http, simulator, token, "web1") == "Online"
    wait_until(
        lambda: status_of(http, simulator, token, "web1") == "Offline",
        timeout=3.0,
        what="web1 to be Offline",
    )

    wake_up(http, simulator, token)

    assert status_of(http, simulator, token, "web1") == "Online"
    wait_until(
        lambda: status_of(http, simulator, token, "web1") == "Offline",
        timeout=3.0,
        what="web1 to be Offline",
    )


def test_wake_up_delay_over_http(start_simulator: StartSimulator, http: requests.Session) -> None:
    simulator = start_simulator(wake_delay=(0.3, 0.3))
    token = simulator.issue_token()

    wake_up(http, simulator, token)

    assert status_of(http, simulator, token, "web2") == "Offline"
    wait_until(
        lambda: status_of(http, simulator, token, "web2") == "Online",
        timeout=3.0,
        what="web2 to be Online",
    )
