"""Many people typing slash commands at once: client threads, each on its own connection.

Slack opens its own connections to the request URL, so sharing one connection pool between
simulated users would queue them behind each other in the bench rather than in the app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench.stack import BenchStack
from bot.devtools.slack_sender import SlackSender

SLACK_ACK_DEADLINE = 3.0
"""Slack shows an error and drops a command that is not acknowledged within this."""
START_LEAD = 0.3
"""Seconds between queueing the commands and the first one going out, so every client
thread is ready when the burst starts."""


@dataclass(frozen=True)
class Command:
    text: str
    user_id: str
    channel_id: str = "C0OPS"


@dataclass(frozen=True)
class Sent:
    command: Command
    sent_at: float
    """time.monotonic() when the request went out."""
    elapsed: float
    """Seconds until the app answered, or until the request failed."""
    status: int | None
    """None when no HTTP answer came at all."""
    body: str = ""

    @property
    def acked_in_time(self) -> bool:
        return self.status == 200 and self.elapsed <= SLACK_ACK_DEADLINE


def send_all(
    stack: BenchStack,
    commands: Sequence[Command],
    *,
    threads: int,
    offsets: Sequence[float] | None = None,
) -> list[Sent]:
    """Send every command, the i-th ``offsets[i]`` seconds after a common start (all at once
    by default), from ``threads`` client threads; the results keep the commands' order."""
    if offsets is not None and len(offsets) != len(commands):
        raise ValueError("one offset per command")
    start = time.monotonic() + START_LEAD
    local = threading.local()
    senders: list[SlackSender] = []
    senders_lock = threading.Lock()

    def sender() -> SlackSender:
        if not hasattr(local, "sender"):
            local.sender = stack.sender()
            with senders_lock:
                senders.append(local.sender)
        made: SlackSender = local.sender
        return made

    def send(index: int) -> Sent:
        command = commands[index]
        client = sender()
        due = start + (offsets[index] if offsets is not None else 0.0)
        threading.Event().wait(max(0.0, due - time.monotonic()))
        sent_at = time.monotonic()
        try:
            answer = client.command(
                command.text, user_id=command.user_id, channel_id=command.channel_id
            )
        except requests.RequestException:
            return Sent(command, sent_at, time.monotonic() - sent_at, None)
        return Sent(command, sent_at, answer.elapsed, answer.status, answer.body)

    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="client") as pool:
            return list(pool.map(send, range(len(commands))))
    finally:
        for made in senders:
            made.close()
