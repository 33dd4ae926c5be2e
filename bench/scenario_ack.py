"""Ack under load: many ``/backup agents`` at once while the backup API takes a second per call.

Slack drops a command that is not acknowledged within 3 seconds. The bot must ack before it
calls the backup API, so its ack latency should stay close to that of an app that does
nothing but ack, however slow the API is and however many people ask at once.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.clients import SLACK_ACK_DEADLINE, Command, Sent, send_all
from bench.figures import Figure, Measured, Scenario, at_most, exactly
from bench.measure import p99
from bench.stack import MINIMAL_BOLT_COMMAND, BenchStack, bench_stack
from bot.devtools.fake_slack import RESPONSE_URL, Message
from bot.simulator import SimulatorConfig

REPLY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Params:
    commands: int
    regions: tuple[str, ...]
    """One burst per region: each region has its own cache entry, so every burst is cold."""
    latency: float


FULL = Params(commands=50, regions=("DFW", "ORD", "IAD"), latency=1.0)
QUICK = Params(commands=5, regions=("DFW",), latency=0.2)


@dataclass(frozen=True)
class Run:
    sent: list[Sent]
    replies: list[Message]
    list_calls: int

    def list_seconds(self) -> list[float]:
        """Per list delivered: seconds from its command being sent to its arrival."""
        sent_at = {sent.command.user_id: sent.sent_at for sent in self.sent}
        return [reply.received_at - sent_at[str(reply.user_id)] for reply in self.replies]


def run(quick: bool) -> Measured:
    params = QUICK if quick else FULL
    config = SimulatorConfig(latency=params.latency)
    with bench_stack(config) as stack:
        ours = bursts(stack, params, wait_for_replies=True)
    with bench_stack(config, argv=MINIMAL_BOLT_COMMAND) as stack:
        baseline = bursts(stack, params, wait_for_replies=False)
    return Measured(
        _figures(ours, baseline, params),
        (
            f"{len(params.regions)} burst(s) of {params.commands} concurrent commands, one "
            f"connection each, one region per burst ({', '.join(params.regions)}) so that each "
            f"meets a cold cache; backup API latency {params.latency:g} s per call",
            "ack latency is measured by the client, from sending the request to the answer",
        ),
    )


def bursts(stack: BenchStack, params: Params, *, wait_for_replies: bool) -> Run:
    """Warm up with one command, then send the bursts one after the other."""
    _burst(stack, [Command("help", "UWARMUP")], wait_for_replies=False)
    stack.simulator.reset_stats()
    sent: list[Sent] = []
    replies: list[Message] = []
    for burst, region in enumerate(params.regions, start=1):
        text = f"agents region:{region}"
        users = [f"U{burst}X{index:04d}" for index in range(params.commands)]
        burst_sent, burst_replies = _burst(
            stack, [Command(text, user) for user in users], wait_for_replies=wait_for_replies
        )
        sent.extend(burst_sent)
        replies += burst_replies
    return Run(sent, replies, stack.simulator.stats()["list_agents"])


def _burst(
    stack: BenchStack, commands: Sequence[Command], *, wait_for_replies: bool
) -> tuple[list[Sent], list[Message]]:
    sent = send_all(stack, commands, threads=len(commands))
    if not wait_for_replies:
        return sent, []
    users = {command.user_id for command in commands}

    def is_reply(message: Message) -> bool:
        return message.via == RESPONSE_URL and message.user_id in users

    return sent, stack.wait_for_messages(len(users), is_reply, timeout=REPLY_TIMEOUT)


def _figures(ours: Run, baseline: Run, params: Params) -> tuple[Figure, ...]:
    def ms(run: Run, statistic: Callable[[Sequence[float]], float]) -> float:
        return statistic([sent.elapsed for sent in run.sent]) * 1000

    def lost(run: Run) -> float:
        return sum(not sent.acked_in_time for sent in run.sent)

    p99_limit = 2 * ms(baseline, p99)
    bursts = len(params.regions)
    total = params.commands * bursts
    return (
        Figure(
            "ack latency p50", "ms", ms(ours, statistics.median), ms(baseline, statistics.median)
        ),
        Figure(
            "ack latency p99",
            "ms",
            ms(ours, p99),
            ms(baseline, p99),
            at_most(p99_limit, f"≤ 2× baseline ({p99_limit:.1f} ms)"),
        ),
        Figure("ack latency max", "ms", ms(ours, max), ms(baseline, max)),
        Figure(
            f"no ack within {SLACK_ACK_DEADLINE:g} s",
            "commands",
            lost(ours),
            lost(baseline),
            exactly(0),
        ),
        Figure("lists delivered", "messages", len(ours.replies), None, exactly(total)),
        Figure("slowest list, from its command", "s", max(ours.list_seconds(), default=0.0)),
        Figure(
            "list calls per burst",
            "calls",
            ours.list_calls / bursts,
            None,
            exactly(1, "= 1 (one fetch shared)"),
        ),
    )


SCENARIO = Scenario(
    name="ack",
    title="Ack under load",
    baseline="a minimal Bolt app that only acks, same waitress setup, own process",
    run=run,
)
