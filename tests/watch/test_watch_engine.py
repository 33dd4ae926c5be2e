"""The incident state machine as pure functions, with examples and a stateful property test."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bot.backup_api.models import Agent, AgentStatus
from bot.watch.engine import sweep_failed, sweep_succeeded, wake_gave_up
from bot.watch.model import (
    ACCOUNT_LEVEL,
    AccountState,
    Announce,
    Condition,
    EngineSettings,
    Open,
    Resolve,
    Transition,
)

S = EngineSettings(stale_after=26 * 3600.0, api_down_after=3)
T0 = 1_800_000_000.0


def agent(
    agent_id: int,
    *,
    age: float | None = 3600.0,
    disabled: bool = False,
    online: bool = False,
    now: float = T0,
) -> Agent:
    last = None if age is None else datetime.fromtimestamp(now - age, UTC)
    return Agent(
        id=agent_id,
        name=f"a{agent_id}",
        status=AgentStatus.ONLINE if online else AgentStatus.OFFLINE,
        is_disabled=disabled,
        last_successful_backup=last,
    )


def opens(transitions: list[Transition]) -> set[tuple[Condition, int]]:
    return {t.incident.key for t in transitions if isinstance(t, Open)}


def resolves(transitions: list[Transition]) -> set[tuple[Condition, int]]:
    return {t.key for t in transitions if isinstance(t, Resolve)}


def test_first_sweep_opens_stale_disabled_and_never_backed_up_at_once() -> None:
    state, out = sweep_succeeded(
        AccountState(""),
        [agent(1), agent(2, age=40 * 86400), agent(3, disabled=True), agent(4, age=None)],
        [],
        T0,
        S,
    )
    assert opens(out) == {(Condition.STALE, 2), (Condition.DISABLED, 3), (Condition.STALE, 4)}
    assert not [t for t in out if isinstance(t, Announce)]
    _, again = sweep_succeeded(
        state,
        [agent(1), agent(2, age=40 * 86400), agent(3, disabled=True), agent(4, age=None)],
        [],
        T0 + 300,
        S,
    )
    assert again == []


def test_never_backed_up_agent_seen_later_counts_from_first_seen() -> None:
    state, _ = sweep_succeeded(AccountState(""), [agent(1)], [], T0, S)
    state, out = sweep_succeeded(state, [agent(1), agent(5, age=None)], [], T0 + 60, S)
    assert opens(out) == set()
    assert next(t for t in out if isinstance(t, Announce)).appeared[0].agent_id == 5
    state, out = sweep_succeeded(
        state,
        [agent(1, now=T0 + S.stale_after), agent(5, age=None)],
        [],
        T0 + 60 + S.stale_after - 1,
        S,
    )
    assert opens(out) == set()
    _, out = sweep_succeeded(
        state,
        [agent(1, now=T0 + S.stale_after), agent(5, age=None)],
        [],
        T0 + 60 + S.stale_after,
        S,
    )
    assert opens(out) == {(Condition.STALE, 5)}


def test_failed_sweeps_open_nothing_resolve_nothing_then_one_api_down() -> None:
    state, _ = sweep_succeeded(AccountState(""), [agent(2, age=40 * 86400)], [], T0, S)
    for n in range(1, 3):
        state, out = sweep_failed(state, "503 Service Unavailable", T0 + n, S)
        assert out == []
    state, out = sweep_failed(state, "503 Service Unavailable", T0 + 3, S)
    assert opens(out) == {(Condition.API_DOWN, ACCOUNT_LEVEL)}
    assert state.open[(Condition.API_DOWN, ACCOUNT_LEVEL)].since == T0 + 1
    state, out = sweep_failed(state, "503 Service Unavailable", T0 + 4, S)
    assert out == []
    state, out = sweep_succeeded(state, [agent(2, age=40 * 86400, now=T0 + 5)], [], T0 + 5, S)
    assert resolves(out) == {(Condition.API_DOWN, ACCOUNT_LEVEL)}
    assert (Condition.STALE, 2) in state.open


def test_unverified_agents_are_left_as_they_were() -> None:
    state, _ = sweep_succeeded(AccountState(""), [agent(2, age=40 * 86400)], [], T0, S)
    state, out = sweep_succeeded(state, [agent(2, age=None)], [2], T0 + 60, S)
    assert out == []
    assert (Condition.STALE, 2) in state.open


def test_did_not_wake_skips_disabled_and_resolves_when_online() -> None:
    state, _ = sweep_succeeded(AccountState(""), [agent(1), agent(3, disabled=True)], [], T0, S)
    state, out = wake_gave_up(state, [agent(1), agent(3, disabled=True)], T0 + 60, woken_at=T0)
    assert opens(out) == {(Condition.NO_WAKE, 1)}
    state, out = wake_gave_up(state, [agent(1)], T0 + 90, woken_at=T0 + 30)
    assert out == []
    _, out = sweep_succeeded(
        state, [agent(1, online=True), agent(3, disabled=True)], [], T0 + 120, S
    )
    assert resolves(out) == {(Condition.NO_WAKE, 1)}


class IncidentMachine(RuleBasedStateMachine):
    """Random sweeps, failures and wake-ups; the invariants hold after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.state = AccountState("")
        self.now = T0
        self.opened: set[tuple[Condition, int]] = set()

    def _track(self, out: list[Transition]) -> None:
        for t in out:
            if isinstance(t, Open):
                assert t.incident.key not in self.opened, "opened twice without a resolve"
                self.opened.add(t.incident.key)
            elif isinstance(t, Resolve):
                assert t.key in self.opened, "resolved something not open"
                self.opened.discard(t.key)

    @rule(
        fleet=st.lists(
            st.tuples(
                st.integers(1, 6),
                st.sampled_from([None, 60.0, 40 * 86400.0]),
                st.booleans(),
                st.booleans(),
            ),
            max_size=6,
            unique_by=lambda x: x[0],
        ),
        unverified=st.sets(st.integers(1, 6), max_size=2),
        step=st.floats(1, 3 * 86400),
    )
    def sweep(
        self, fleet: list[tuple[int, float | None, bool, bool]], unverified: set[int], step: float
    ) -> None:
        self.now += step
        agents = [agent(i, age=a, disabled=d, online=o, now=self.now) for i, a, d, o in fleet]
        before = dict(self.state.open)
        self.state, out = sweep_succeeded(self.state, agents, unverified, self.now, S)
        self._track(out)
        for key in before:
            if key[1] in unverified and key[1] in {a.id for a in agents}:
                assert key in self.state.open, "an unverified agent's incident changed"

    @rule(step=st.floats(1, 600))
    def fail(self, step: float) -> None:
        self.now += step
        before = {k for k in self.state.open if k[0] is not Condition.API_DOWN}
        self.state, out = sweep_failed(self.state, "boom", self.now, S)
        self._track(out)
        assert {k for k in self.state.open if k[0] is not Condition.API_DOWN} == before
        assert all(isinstance(t, Open) or not isinstance(t, Resolve) for t in out)

    @rule(ids=st.sets(st.integers(1, 6), max_size=3))
    def wake(self, ids: set[int]) -> None:
        self.now += 60
        self.state, out = wake_gave_up(
            self.state, [agent(i) for i in ids], self.now, woken_at=self.now - 60
        )
        self._track(out)

    @invariant()
    def open_matches_transitions(self) -> None:
        assert set(self.state.open) == self.opened

    @invariant()
    def api_down_only_after_enough_failures(self) -> None:
        if (Condition.API_DOWN, ACCOUNT_LEVEL) in self.state.open:
            assert self.state.failures >= S.api_down_after


IncidentMachine.TestCase.settings = hsettings(
    max_examples=60, stateful_step_count=25, deadline=None
)
TestIncidentMachine = IncidentMachine.TestCase
