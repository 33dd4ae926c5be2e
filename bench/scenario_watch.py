"""Watching: how long a sweep takes, what commands feel during it, what it holds, how often.

A watched account is swept every ``WATCH_INTERVAL``: one list call and one details call per
agent, through the same shared fetch as ``/backup agents``. So a sweep should cost what the
list costs (about 2 + N / concurrency round trips), people typing ``/backup agents`` during it
should not notice it, the fleet it keeps should be small, and one account watched by many
channels should still be swept once per interval.

The watch is started by configuration (``WATCH_CHANNEL_IDS``), as an operator would, so the
sweep begins as the bot starts; the bench sees it only from outside: the simulator's request
counters and the posts that reach the Slack stand-in.
"""

from __future__ import annotations

import math
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.clients import SLACK_ACK_DEADLINE, Command, Sent, send_all
from bench.figures import Figure, Measured, Scenario, at_most, exactly
from bench.measure import p99
from bench.stack import (
    BOT_COMMAND,
    DEFAULT_REGION,
    MINIMAL_BOLT_COMMAND,
    BenchStack,
    bench_stack,
    move_agents_to,
)
from bot.config import Settings
from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack, Message
from bot.devtools.local_stack import stack_environment
from bot.devtools.processes import ServedProcess, poll_until
from bot.simulator import Simulator, SimulatorConfig

CONCURRENCY = Settings().backup_api_concurrency
WATCH_CHANNEL = "C0WATCH"
COMMAND_CHANNEL = "C0OPS"
PROBE_EVERY = 0.005
"""How often the simulator's counters are read: a tenth of a round trip at 50 ms."""
SAMPLES = 5
SAMPLE_EVERY = 0.1
RSS_LIMIT_MB = 30.0
ACK_LIMIT = 2.0
"""Ack p99 during a sweep may be at most this many times the minimal Bolt app's."""
SWEEP_SLACK = 1.1
"""A sweep may take this much of 2 + ⌈N/C⌉ round trips."""


@dataclass(frozen=True)
class Params:
    agents: int
    latency: float
    commands: int
    burst_at: float
    """Share of the details calls made before the burst of commands goes out."""
    quiet: float
    """Seconds without a new post in the watched channel that mark its first sweep delivered."""
    settle: float
    channels: int
    channel_agents: int
    interval: float
    intervals: int
    timeout: float


FULL = Params(
    agents=5000,
    latency=0.05,
    commands=50,
    burst_at=0.25,
    quiet=1.0,
    settle=2.0,
    channels=100,
    channel_agents=10,
    interval=2.0,
    intervals=4,
    timeout=150.0,
)
QUICK = Params(
    agents=80,
    latency=0.1,
    commands=5,
    burst_at=0.25,
    quiet=0.3,
    settle=0.2,
    channels=10,
    channel_agents=5,
    interval=1.0,
    intervals=2,
    timeout=30.0,
)


class SweepProbe:
    """Reads the simulator's counters every few milliseconds from before the bot starts.

    ``started`` is when the sweep's list call reached the simulator; ``fetched`` when its last
    details call did, plus one latency for its answer to come back.
    """

    def __init__(self, simulator: Simulator, agents: int, latency: float, timeout: float) -> None:
        self._simulator = simulator
        self._agents = agents
        self._latency = latency
        self._deadline = time.monotonic() + timeout
        self._stop = threading.Event()
        self.started: float | None = None
        self.fetched: float | None = None
        self.details_seen = 0
        self._thread = threading.Thread(target=self._run, name="sweep-probe", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            stats = self._simulator.stats()
            now = time.monotonic()
            if self.started is None and stats["list_agents"] >= 1:
                self.started = now
            self.details_seen = stats["agent_details"]
            if self.started is not None and self.details_seen >= self._agents:
                self.fetched = now + self._latency
                return
            self._stop.wait(PROBE_EVERY)

    def wait_for_details(self, share: float, timeout: float) -> bool:
        wanted = math.ceil(self._agents * share)
        return poll_until(lambda: self.details_seen >= wanted, timeout=timeout, interval=0.01)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)


@contextmanager
def watching_stack(
    config: SimulatorConfig,
    *,
    channels: Sequence[str],
    env: Mapping[str, str] | None = None,
    probe_timeout: float,
) -> Iterator[tuple[BenchStack, SweepProbe]]:
    """``bench_stack`` with every agent in the bot's region, ``channels`` in
    ``WATCH_CHANNEL_IDS``, and a probe reading the simulator from before the bot starts, so
    it sees the sweep the bot begins with."""
    bot_token = f"xoxb-bench-{secrets.token_hex(12)}"
    signing_secret = secrets.token_hex(16)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backup-bench-")))
        simulator = stack.enter_context(Simulator(config))
        move_agents_to(simulator, DEFAULT_REGION)
        simulator.reset_stats()
        slack = stack.enter_context(FakeSlack(bot_token=bot_token))
        app_env = stack_environment(
            simulator=simulator,
            slack=slack,
            state_path=workdir / "state.sqlite3",
            bot_token=bot_token,
            signing_secret=signing_secret,
        )
        app_env.update(env or {})
        app_env["WATCH_CHANNEL_IDS"] = ",".join(channels)
        agents = len(simulator.agents())
        probe = SweepProbe(simulator, agents, config.latency, probe_timeout)
        stack.callback(probe.close)
        app = stack.enter_context(ServedProcess([*BOT_COMMAND], app_env, workdir=workdir))
        yield BenchStack(simulator, slack, app, signing_secret), probe


@dataclass(frozen=True)
class SweepRun:
    started: float
    """When the sweep's list call reached the simulator."""
    fetched: float
    """When the answer to its last details call was on its way back."""
    first_post: float
    """When the first post of the sweep reached the watched channel."""
    sent: list[Sent]
    replies: list[Message]
    upstream_calls: int

    @property
    def wall(self) -> float:
        return self.first_post - self.started

    def sent_during(self) -> int:
        return sum(self.started <= sent.sent_at < self.first_post for sent in self.sent)


@dataclass(frozen=True)
class Memory:
    watching_mib: float
    idle_mib: float
    posts: int


@dataclass(frozen=True)
class Sharing:
    list_calls: int
    intervals: int
    window: float
    channels_posted: int


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    sweep = _sweep_under_load(params)
    baseline = _minimal_bolt_acks(params)
    memory = _memory(params)
    sharing = _sharing(params)
    return Measured(
        (
            *_sweep_figures(sweep, baseline, params),
            *_memory_figures(memory),
            *_sharing_figures(sharing, params),
        ),
        _notes(params),
    )


def _sweep_under_load(params: Params) -> SweepRun:
    """The first sweep of N agents, started by configuration, with a burst of
    ``/backup agents`` sent once a share of its details calls were made."""
    config = SimulatorConfig(agents_count=params.agents, latency=params.latency)
    with watching_stack(config, channels=[WATCH_CHANNEL], probe_timeout=params.timeout) as (
        stack,
        probe,
    ):
        send_all(stack, [Command("help", "UWARMUP", COMMAND_CHANNEL)], threads=1)
        if not probe.wait_for_details(params.burst_at, timeout=params.timeout):
            raise RuntimeError(f"the sweep made only {probe.details_seen} details calls")
        users = [f"UW{index:04d}" for index in range(params.commands)]
        commands = [Command("agents", user, COMMAND_CHANNEL) for user in users]
        sent = send_all(stack, commands, threads=len(commands))
        first = stack.slack.wait_for(_watch_post, timeout=params.timeout)
        wanted = set(users)

        def is_reply(message: Message) -> bool:
            return message.via == RESPONSE_URL and message.user_id in wanted

        replies = stack.wait_for_messages(len(users), is_reply, timeout=params.timeout)
        if probe.started is None or probe.fetched is None:
            raise RuntimeError("the probe did not see the sweep's calls")
        stats = stack.simulator.stats()
        return SweepRun(
            started=probe.started,
            fetched=probe.fetched,
            first_post=first.received_at,
            sent=sent,
            replies=replies,
            upstream_calls=stats["list_agents"] + stats["agent_details"],
        )


def _watch_post(message: Message) -> bool:
    return message.via == "chat.postMessage" and message.channel_id == WATCH_CHANNEL


def _minimal_bolt_acks(params: Params) -> list[Sent]:
    """The same burst against the minimal Bolt app, after the same warm-up."""
    with bench_stack(SimulatorConfig(latency=params.latency), argv=MINIMAL_BOLT_COMMAND) as stack:
        send_all(stack, [Command("help", "UWARMUP", COMMAND_CHANNEL)], threads=1)
        commands = [
            Command("agents", f"UW{index:04d}", COMMAND_CHANNEL) for index in range(params.commands)
        ]
        return send_all(stack, commands, threads=len(commands))


def _memory(params: Params) -> Memory:
    """Two bots side by side: one watching N agents, read once its first sweep is delivered
    and has settled; one watching nothing, read at the same moments."""
    config = SimulatorConfig(agents_count=params.agents, latency=params.latency)
    with (
        bench_stack(SimulatorConfig()) as idle,
        watching_stack(config, channels=[WATCH_CHANNEL], probe_timeout=params.timeout) as (
            watching,
            _,
        ),
    ):
        watching.slack.wait_for(_watch_post, timeout=params.timeout)
        if not poll_until(
            lambda: _quiet_for(watching.slack, params.quiet), timeout=params.timeout, interval=0.05
        ):
            raise RuntimeError("the watched channel kept receiving posts")
        pause = threading.Event()
        pause.wait(params.settle)
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(SAMPLES):
            ours.append(watching.sample().rss_mib)
            theirs.append(idle.sample().rss_mib)
            pause.wait(SAMPLE_EVERY)
        posts = sum(_watch_post(message) for message in watching.slack.messages)
    return Memory(statistics.median(ours), statistics.median(theirs), posts)


def _quiet_for(slack: FakeSlack, seconds: float) -> bool:
    posts = [message for message in slack.messages if message.channel_id == WATCH_CHANNEL]
    return bool(posts) and time.monotonic() - posts[-1].received_at >= seconds


def _sharing(params: Params) -> Sharing:
    """Many channels watch one account with a short interval: count the list calls."""
    channels = [f"C0W{index:04d}" for index in range(params.channels)]
    config = SimulatorConfig(agents_count=params.channel_agents, latency=params.latency)
    env = {"WATCH_INTERVAL": f"{params.interval:g}"}
    with watching_stack(config, channels=channels, env=env, probe_timeout=params.timeout) as (
        stack,
        probe,
    ):
        if not poll_until(lambda: probe.started is not None, timeout=params.timeout):
            raise RuntimeError("no sweep started")
        assert probe.started is not None
        # Half an interval past the last one expected, so a sweep on time is never cut off.
        window = params.intervals * params.interval + params.interval / 2
        threading.Event().wait(max(0.0, probe.started + window - time.monotonic()))
        list_calls = stack.simulator.stats()["list_agents"]
        watched = set(channels)
        posted = {
            message.channel_id
            for message in stack.slack.messages
            if message.via == "chat.postMessage" and message.channel_id in watched
        }
    return Sharing(list_calls, params.intervals, window, len(posted))


def _sweep_figures(sweep: SweepRun, baseline: list[Sent], params: Params) -> list[Figure]:
    budget = 2 + math.ceil(params.agents / CONCURRENCY)
    limit = SWEEP_SLACK * budget

    def ms(sent: list[Sent], statistic: str) -> float:
        elapsed = [one.elapsed for one in sent]
        return (statistics.median(elapsed) if statistic == "p50" else p99(elapsed)) * 1000

    def lost(sent: list[Sent]) -> float:
        return sum(not one.acked_in_time for one in sent)

    ack_limit = ACK_LIMIT * ms(baseline, "p99")
    return [
        Figure(
            "sweep in API round trips",
            "round trips",
            sweep.wall / params.latency,
            budget,
            at_most(limit, f"≤ {SWEEP_SLACK:g} × (2 + ⌈N/{CONCURRENCY}⌉) = {limit:.1f}"),
        ),
        Figure(
            "sweep's fetch in API round trips",
            "round trips",
            (sweep.fetched - sweep.started) / params.latency,
            budget,
        ),
        Figure("sweep wall time", "s", sweep.wall),
        Figure(
            "ack latency p50 during the sweep", "ms", ms(sweep.sent, "p50"), ms(baseline, "p50")
        ),
        Figure(
            "ack latency p99 during the sweep",
            "ms",
            ms(sweep.sent, "p99"),
            ms(baseline, "p99"),
            at_most(ack_limit, f"≤ {ACK_LIMIT:g}× baseline ({ack_limit:.1f} ms)"),
        ),
        Figure(
            f"no ack within {SLACK_ACK_DEADLINE:g} s during the sweep",
            "commands",
            lost(sweep.sent),
            lost(baseline),
            exactly(0),
        ),
        Figure(
            "commands sent while the sweep ran",
            "commands",
            sweep.sent_during(),
            None,
            exactly(params.commands),
        ),
        Figure("lists delivered", "messages", len(sweep.replies), None, exactly(params.commands)),
        Figure(
            "upstream calls beyond the sweep's",
            "calls",
            sweep.upstream_calls - (1 + params.agents),
            None,
            exactly(0, "= 0 (the lists share the sweep's fetch)"),
        ),
    ]


def _memory_figures(memory: Memory) -> list[Figure]:
    return [
        Figure("RSS watching", "MB", memory.watching_mib, memory.idle_mib),
        Figure(
            "RSS cost of watching",
            "MB",
            memory.watching_mib - memory.idle_mib,
            None,
            at_most(RSS_LIMIT_MB, f"≤ {RSS_LIMIT_MB:g} MB"),
        ),
        Figure("posts of the first sweep", "messages", memory.posts),
    ]


def _sharing_figures(sharing: Sharing, params: Params) -> list[Figure]:
    limit = sharing.intervals + 1
    return [
        Figure(
            "list calls over the intervals",
            "calls",
            sharing.list_calls,
            None,
            at_most(limit, f"≤ intervals + 1 = {limit}"),
        ),
        Figure(
            "channels that got the posts",
            "channels",
            sharing.channels_posted,
            None,
            exactly(params.channels),
        ),
    ]


def _notes(params: Params) -> tuple[str, ...]:
    budget = 2 + math.ceil(params.agents / CONCURRENCY)
    return (
        f"N={params.agents:,} agents at {params.latency * 1000:g} ms per backup API call, "
        f"BACKUP_API_CONCURRENCY={CONCURRENCY}: the formula's baseline is 2 + ⌈N/C⌉ = {budget} "
        "round trips; round trips = wall time / latency",
        f"the watch is started by WATCH_CHANNEL_IDS={WATCH_CHANNEL}; the sweep runs from its "
        "list call reaching the simulator (its counters read every "
        f"{PROBE_EVERY * 1000:g} ms from before the bot starts) to its first post reaching "
        "the watched channel: the end a user sees, after the fetch, the bookkeeping and the "
        "first Slack call; the fetch alone ends one latency after the N-th details call "
        "reached the simulator",
        f"{params.commands} concurrent `/backup agents`, one connection each, sent once "
        f"{params.burst_at:.0%} of the details calls were made; both apps warmed up by one "
        "`/backup help`; the baseline is the same burst against the minimal Bolt app",
        f"RSS: median of {SAMPLES} samples {SAMPLE_EVERY * 1000:g} ms apart, read "
        f"{params.settle:g} s after the watched channel got no post for {params.quiet:g} s, "
        "next to the same bot watching nothing, started at the same time",
        f"{params.channels} channels in WATCH_CHANNEL_IDS watch one account of "
        f"{params.channel_agents} agents with WATCH_INTERVAL={params.interval:g}; list calls "
        f"counted over {params.intervals} intervals and a half from the first list call",
    )


SCENARIO = Scenario(
    name="watch",
    title="Watching an account",
    baseline="2 + ⌈N/C⌉ round trips; a minimal Bolt app's acks; the same bot watching nothing",
    run=run,
)
