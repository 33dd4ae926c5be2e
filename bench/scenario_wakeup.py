"""Wake-up storm: many ``/backup wakeup`` from many people in many channels within seconds.

A wake-up waits tens of seconds for agents to come online. Each request must cost no upstream
call of its own while one is under way, hold no thread while it waits, and still end with
its own follow-up, once, in the channel it came from.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.clients import SLACK_ACK_DEADLINE, Command, Sent, send_all
from bench.figures import Figure, Measured, Scenario, at_most, exactly
from bench.measure import ProcessSample, Sampler
from bench.naive import NaiveRequest, ThreadPerWakeup, WakeupTimings
from bench.stack import DEFAULT_REGION, BenchStack, bench_stack
from bot.devtools.fake_slack import FakeSlack, Message
from bot.devtools.processes import poll_until
from bot.simulator import Simulator, SimulatorConfig

SAMPLE_INTERVAL = 0.05
SMALL_STORM_DIVISOR = 10
"""The first storm is this many times smaller; a flat bot peaks at the same size for both."""
FLAT_THREADS_PER_WAKEUP = 0.1
"""At most one thread per ten extra wake-ups: a thread per wake-up would add one each."""
FLAT_RSS_MIB = 10.0
"""Under 60 kB per extra wake-up: room for first-use allocations, none for per-wake-up state
that stays (a waiting thread alone keeps its stack and its own connection)."""
_MENTION = re.compile(r"<@([A-Z0-9]+)>")


@dataclass(frozen=True)
class Params:
    wakeups: int
    users: int
    channels: int
    window: float
    """Seconds over which the wake-ups are spread."""
    client_threads: int
    latency: float
    wake_delay: tuple[float, float]
    timings: WakeupTimings
    settle: float
    """Seconds to let the bot settle before reading its idle size, and to wait after the
    last follow-up for any duplicate."""


FULL = Params(
    wakeups=200,
    users=50,
    channels=10,
    window=2.0,
    client_threads=20,
    latency=0.05,
    wake_delay=(1.0, 2.0),
    timings=WakeupTimings(check_after=3.0, check_every=0.5, give_up_after=5.0),
    settle=0.5,
)
QUICK = Params(
    wakeups=8,
    users=4,
    channels=2,
    window=0.2,
    client_threads=4,
    latency=0.01,
    wake_delay=(0.02, 0.05),
    timings=WakeupTimings(check_after=0.2, check_every=0.05, give_up_after=0.4),
    settle=0.1,
)


@dataclass(frozen=True)
class Delivery:
    delivered: int
    extra: int
    """Follow-ups beyond one per request: duplicates, or in a channel nobody asked from."""


@dataclass(frozen=True)
class Storm:
    """One storm against the bot: the acks, what reached the API and Slack, the bot's size."""

    sent: list[Sent]
    wakeup_calls: int
    delivery: Delivery
    samples: list[ProcessSample]

    @property
    def started(self) -> int:
        return sum("Waking up agents" in sent.body for sent in self.sent)

    @property
    def spread(self) -> float:
        return max(sent.sent_at for sent in self.sent) - min(sent.sent_at for sent in self.sent)

    @property
    def peak_threads(self) -> int:
        return max(sample.threads for sample in self.samples)

    @property
    def peak_rss_mib(self) -> float:
        return max(sample.rss_mib for sample in self.samples)


@dataclass(frozen=True)
class Ours:
    idle: ProcessSample
    small: Storm
    full: Storm


@dataclass(frozen=True)
class Naive:
    wakeup_calls: int
    delivery: Delivery
    peak_threads: int


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    small_size = max(1, params.wakeups // SMALL_STORM_DIVISOR)
    config = SimulatorConfig(latency=params.latency, wake_delay=params.wake_delay)
    ours = _ours(config, params, small_size)
    naive_small = _naive(config, params, small_size)
    naive = _naive(config, params, params.wakeups)
    timings = params.timings
    full = ours.full
    return Measured(
        _figures(ours, naive_small, naive, params, small_size),
        (
            f"{params.wakeups} wake-ups from {params.users} users in {params.channels} channels, "
            f"sent over {full.spread:.2f} s; wake-up jobs started (from the acks): {full.started}",
            f"before it, the same bot took a storm of {small_size} at the same rate; "
            "'flat' compares the peaks of the two",
            f"WAKEUP_CHECK_AFTER={timings.check_after:g}, WAKEUP_CHECK_EVERY="
            f"{timings.check_every:g}, WAKEUP_GIVE_UP_AFTER={timings.give_up_after:g}; "
            f"backup API latency {params.latency * 1000:g} ms per call",
            f"bot process idle: {ours.idle.threads} threads, {ours.idle.rss_mib:.1f} MB RSS; "
            f"peak with {small_size}: {ours.small.peak_threads} threads, "
            f"{ours.small.peak_rss_mib:.1f} MB; peak with {params.wakeups}: "
            f"{full.peak_threads} threads, {full.peak_rss_mib:.1f} MB (sampled every "
            f"{SAMPLE_INTERVAL * 1000:g} ms)",
            "naive: a thread per wake-up that POSTs wakeupagents, sleeps, polls the details "
            "and posts its follow-up; its threads are its own, counted at their peak",
        ),
    )


def _commands(params: Params, count: int) -> list[Command]:
    """Every (user, channel) pair differs, so each follow-up can be traced to its request."""
    if count > params.users * params.channels:
        raise ValueError("more wake-ups than (user, channel) pairs")
    commands = []
    for index in range(count):
        user, round_ = index % params.users, index // params.users
        channel = (user + round_) % params.channels
        commands.append(Command("wakeup", f"U{user:05d}", f"C{channel:05d}"))
    return commands


def _offsets(params: Params, count: int) -> list[float]:
    """Evenly spread at the full storm's rate."""
    return [index * params.window / params.wakeups for index in range(count)]


def _ours(config: SimulatorConfig, params: Params, small_size: int) -> Ours:
    timings = params.timings
    env = {
        "WAKEUP_CHECK_AFTER": str(timings.check_after),
        "WAKEUP_CHECK_EVERY": str(timings.check_every),
        "WAKEUP_GIVE_UP_AFTER": str(timings.give_up_after),
    }
    with bench_stack(config, env=env) as stack:
        threading.Event().wait(params.settle)
        idle = stack.sample()
        small = _storm(stack, params, small_size)
        full = _storm(stack, params, params.wakeups)
        return Ours(idle, small, full)


def _storm(stack: BenchStack, params: Params, count: int) -> Storm:
    """Send ``count`` wake-ups and wait until the bot has delivered every follow-up."""
    stack.slack.clear()
    stack.simulator.reset_stats()
    commands = _commands(params, count)
    timeout = params.timings.give_up_after + 60.0

    def settled() -> bool:
        health = stack.app.health()
        return bool(health["wakeups_active"] == 0 and health["followups_pending"] == 0)

    with Sampler(stack.app.pid, interval=SAMPLE_INTERVAL) as sampler:
        sent = send_all(
            stack, commands, threads=params.client_threads, offsets=_offsets(params, count)
        )
        stack.wait_for_messages(count, _is_follow_up, timeout=timeout)
        poll_until(settled, timeout=timeout, interval=0.05)
        samples = sampler.stop()
    delivery = _delivery(stack.slack, commands, settle=params.settle)
    return Storm(sent, stack.simulator.stats()["wakeupagents"], delivery, samples)


def _naive(config: SimulatorConfig, params: Params, count: int) -> Naive:
    commands = _commands(params, count)
    with Simulator(config) as simulator, FakeSlack() as slack:
        wakeups = [
            NaiveRequest(
                command.user_id,
                slack.new_response_url(channel_id=command.channel_id, user_id=command.user_id),
                offset,
            )
            for command, offset in zip(commands, _offsets(params, count), strict=True)
        ]
        naive = ThreadPerWakeup(simulator, DEFAULT_REGION, params.timings)
        naive.run(wakeups, timeout=params.timings.give_up_after + 60.0)
        return Naive(
            simulator.stats()["wakeupagents"],
            _delivery(slack, commands, settle=params.settle),
            naive.peak_threads,
        )


def _is_follow_up(message: Message) -> bool:
    return message.response_type == "in_channel"


def _delivery(slack: FakeSlack, commands: Sequence[Command], *, settle: float) -> Delivery:
    """Follow-ups counted per (channel, mentioned user), after a last wait for duplicates."""
    threading.Event().wait(settle)
    expected = {(command.channel_id, command.user_id) for command in commands}
    seen = Counter(
        (message.channel_id, match.group(1) if match else None)
        for message in slack.messages
        if _is_follow_up(message)
        for match in [_MENTION.search(message.text)]
    )
    delivered = sum(1 for key in expected if seen[key] > 0)
    extra = sum(seen.values()) - delivered
    return Delivery(delivered, extra)


def _figures(
    ours: Ours, naive_small: Naive, naive: Naive, params: Params, small_size: int
) -> tuple[Figure, ...]:
    full = ours.full
    lost = sum(not sent.acked_in_time for sent in full.sent)
    growth = f"{small_size} → {params.wakeups} wake-ups"
    thread_limit = (params.wakeups - small_size) * FLAT_THREADS_PER_WAKEUP
    return (
        Figure(f"no ack within {SLACK_ACK_DEADLINE:g} s", "commands", lost, None, exactly(0)),
        Figure(
            "wakeupagents calls",
            "calls",
            full.wakeup_calls,
            naive.wakeup_calls,
            exactly(1, "= 1 (one overlap)"),
        ),
        Figure(
            "follow-ups delivered",
            "messages",
            full.delivery.delivered,
            naive.delivery.delivered,
            exactly(params.wakeups),
        ),
        Figure(
            "follow-ups duplicated or misplaced",
            "messages",
            full.delivery.extra,
            naive.delivery.extra,
            exactly(0),
        ),
        Figure(
            "threads added, idle → peak",
            "threads",
            full.peak_threads - ours.idle.threads,
            naive.peak_threads,
        ),
        Figure(
            f"peak threads added, {growth}",
            "threads",
            full.peak_threads - ours.small.peak_threads,
            naive.peak_threads - naive_small.peak_threads,
            at_most(thread_limit, f"≤ {thread_limit:g} (< 1 per 10 wake-ups)"),
        ),
        Figure(
            f"peak RSS added, {growth}",
            "MB",
            full.peak_rss_mib - ours.small.peak_rss_mib,
            None,
            at_most(FLAT_RSS_MIB, f"≤ {FLAT_RSS_MIB:g} MB (flat)"),
        ),
    )


SCENARIO = Scenario(
    name="wakeup",
    title="Wake-up storm",
    baseline="a thread per wake-up that POSTs, sleeps and polls until done (in the bench)",
    run=run,
)
