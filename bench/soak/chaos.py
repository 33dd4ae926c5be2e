"""Faults at random, and agents that change under the watch; each one logged with its time.

Slack faults are bounded so that the bot's own retries (3 per call) can absorb them: a
refusal streak of at most 3 calls, and delays below the bot's 10 s Slack timeout, so an
answer is never lost to a fault the bot is built to ride out.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench.soak.bot import BotProcess
from bench.soak.plan import Plan
from bench.soak.traffic import Traffic
from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack
from bot.simulator import Simulator

BASE_LATENCY = 0.02
RESTART_PAUSE = (0.2, 2.0)
OUTAGE_REQUESTS = 100_000
"""An outage fails every request until it is lifted (well before this many)."""
MAX_CHANGED = 2
"""At most this many agents disabled, stale or powered off at once (each): new incidents of a
condition stay below the watch's grouping threshold of five."""


@dataclass
class ChaosLog:
    events: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), what))

    def counts(self) -> dict[str, int]:
        with self.lock:
            found: dict[str, int] = {}
            for _, what in self.events:
                kind = what.split(" ", 1)[0]
                found[kind] = found.get(kind, 0) + 1
            return found


class Chaos:
    def __init__(
        self,
        plan: Plan,
        bot: BotProcess,
        slack: FakeSlack,
        simulator: Simulator,
        traffic: Traffic,
    ) -> None:
        self._plan = plan
        self._bot = bot
        self._slack = slack
        self._simulator = simulator
        self._traffic = traffic
        self.log = ChaosLog()
        self._agents = [int(str(a["MachineAgentId"])) for a in simulator.agents()]
        self.disabled: set[int] = set()
        self.stale: set[int] = set()
        self.powered_off: set[int] = set()

    # -- faults ----------------------------------------------------------------------------

    def faults(self, stop: threading.Event, deadline: float) -> None:
        rng = random.Random(self._plan.seed * 1000 + 101)
        kinds = [
            (4, self._api_503),
            (1, self._api_outage),
            (3, self._latency),
            (2, self._hang),
            (2, self._malformed),
            (2, self._token_expiry),
            (3, self._slack_429),
            (3, self._slack_5xx),
            (2, self._slack_slow),
            (2, self._expire_urls),
        ]
        while not stop.wait(rng.uniform(*self._plan.chaos_every)):
            if time.monotonic() >= deadline:
                return
            rng.choices([k for _, k in kinds], [w for w, _ in kinds])[0](rng, stop)

    def _api_503(self, rng: random.Random, stop: threading.Event) -> None:
        n = rng.randint(2, 12)
        self._simulator.faults.fail_next(n, status=rng.choice([503, 503, 502, 504]))
        self.log.note(f"api_5xx burst of {n}")

    def _api_outage(self, rng: random.Random, stop: threading.Event) -> None:
        """Long enough for several sweeps in a row to fail: the watch's "API unreachable"."""
        seconds = rng.uniform(18.0, 30.0)
        self._simulator.faults.fail_next(OUTAGE_REQUESTS, status=503)
        self.log.note(f"api_outage {seconds:.0f} s")
        stop.wait(seconds)
        self._simulator.faults.reset()

    def _latency(self, rng: random.Random, stop: threading.Event) -> None:
        spike = rng.uniform(0.3, 1.5)
        self._simulator.faults.set_latency(spike)
        self.log.note(f"api_latency {spike:.2f} s")
        stop.wait(rng.uniform(3.0, 10.0))
        self._simulator.faults.set_latency(BASE_LATENCY)

    def _hang(self, rng: random.Random, stop: threading.Event) -> None:
        n = rng.randint(1, 3)
        self._simulator.faults.hang_next(n, 4.5)
        self.log.note(f"api_hang {n} requests")

    def _malformed(self, rng: random.Random, stop: threading.Event) -> None:
        n = rng.randint(1, 3)
        self._simulator.faults.malformed_next(n)
        self.log.note(f"api_malformed {n} bodies")

    def _token_expiry(self, rng: random.Random, stop: threading.Event) -> None:
        self._simulator.faults.expire_tokens()
        self.log.note("token_expiry")

    def _slack_429(self, rng: random.Random, stop: threading.Event) -> None:
        method = rng.choice(["chat.postMessage", "chat.update", RESPONSE_URL])
        n = rng.randint(1, 3)
        self._slack.rate_limit_next(n, retry_after=1, method=method)
        self.log.note(f"slack_429 {n} on {method}")

    def _slack_5xx(self, rng: random.Random, stop: threading.Event) -> None:
        status = rng.choice([500, 502, 503, 504])
        n = rng.randint(1, 3)
        if rng.random() < 0.4:
            self._slack.fail_response_urls(n, status=status)
            self.log.note(f"slack_5xx {n} x {status} on response_url")
        else:
            self._slack.fail_next(n, status=status)
            self.log.note(f"slack_5xx {n} x {status} on the Web API")

    def _slack_slow(self, rng: random.Random, stop: threading.Event) -> None:
        n = rng.randint(1, 4)
        seconds = rng.uniform(0.5, 4.0)
        method = rng.choice([None, RESPONSE_URL])
        self._slack.delay_next(n, seconds, method=method)
        self.log.note(f"slack_slow {n} by {seconds:.1f} s on {method or 'the Web API'}")

    def _expire_urls(self, rng: random.Random, stop: threading.Event) -> None:
        """For a while, every wake-up's response_url dies right after its ack."""
        self._traffic.expire_share = 1.0
        self.log.note("expired_response_urls")
        stop.wait(rng.uniform(5.0, 15.0))
        self._traffic.expire_share = 0.0

    # -- restarts --------------------------------------------------------------------------

    def restarts(self, stop: threading.Event, deadline: float) -> None:
        rng = random.Random(self._plan.seed * 1000 + 202)
        while not stop.wait(rng.uniform(*self._plan.restart_every)):
            if time.monotonic() >= deadline - 5.0:
                return
            how = rng.choice(["SIGTERM", "SIGKILL", "SIGKILL"])
            self.log.note(f"{how} of the bot")
            self._bot.stop(how)
            stop.wait(rng.uniform(*RESTART_PAUSE))
            self._start_bounded(stop)

    def _start_bounded(self, stop: threading.Event) -> None:
        for _ in range(3):
            try:
                self._bot.start()
                return
            except Exception:
                stop.wait(1.0)

    # -- agents under the watch -------------------------------------------------------------

    def agents(self, stop: threading.Event, deadline: float) -> None:
        rng = random.Random(self._plan.seed * 1000 + 303)
        sim = self._simulator
        while not stop.wait(rng.uniform(*self._plan.agents_every)):
            if time.monotonic() >= deadline:
                return
            agent = rng.choice(self._agents)
            move = rng.choice(["disable", "stale", "power_off", "heal", "heal"])
            if move == "disable" and len(self.disabled) < MAX_CHANGED:
                sim.set_disabled(agent, True)
                self.disabled.add(agent)
            elif move == "stale" and len(self.stale) < MAX_CHANGED:
                sim.record_backup(agent, datetime.now(UTC) - timedelta(hours=3))
                self.stale.add(agent)
            elif move == "power_off" and len(self.powered_off) < MAX_CHANGED:
                sim.set_powered(agent, False)
                self.powered_off.add(agent)
            elif move == "heal":
                self._heal_one(rng)
                continue
            else:
                continue
            self.log.note(f"agent_{move} {agent}")

    def _heal_one(self, rng: random.Random) -> None:
        sim = self._simulator
        changed = [("enable", a) for a in self.disabled] + [("backup", a) for a in self.stale]
        changed += [("power_on", a) for a in self.powered_off]
        if not changed:
            return
        what, agent = rng.choice(sorted(changed))
        if what == "enable":
            sim.set_disabled(agent, False)
            self.disabled.discard(agent)
        elif what == "backup":
            sim.record_backup(agent)
            self.stale.discard(agent)
        else:
            sim.set_powered(agent, True)
            self.powered_off.discard(agent)
        self.log.note(f"agent_{what} {agent}")

    def heal_all(self) -> None:
        """Every condition cleared, every fault off: what the end of the soak checks from."""
        sim = self._simulator
        sim.faults.reset()
        sim.faults.set_latency(BASE_LATENCY)
        self._traffic.expire_share = 0.0
        for agent in self._agents:
            sim.set_disabled(agent, False)
            sim.set_powered(agent, True)
            sim.record_backup(agent)
        self.disabled.clear()
        self.stale.clear()
        self.powered_off.clear()
        self.log.note("heal_all")
