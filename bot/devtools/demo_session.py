"""One person's conversation with the bot: lines typed in, signed requests out, messages shown.

A line is a slash command (`/backup agents`) or a click on a numbered button (`click 3`).
Each goes to the bot as the signed request Slack would send, and the session waits until the
bot has answered before the next line, so a click can use the buttons of the previous answer.

The bot writes exactly one audit line per request, once the person has been answered (or told
why not); the next audit line after a request is how the session knows it is done, without
guessing how many messages an answer takes (and a request never audited delays only itself).

Wake-up follow-ups and shared lists are the messages that everyone in the channel sees; the
session counts those it asked for so a script can wait for them and name any that never came.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from bot.devtools.demo_screen import Button, Screen
from bot.devtools.fake_slack import Message
from bot.devtools.local_stack import LocalStack
from bot.devtools.slack_sender import SentRequest
from bot.logs import audit_logger
from bot.simulator import Simulator
from bot.slack.action_ids import WAKEUP_ACTIONS, ActionId
from bot.slack.commands import WakeupCommand, parse_command

WATCH_INTERVAL = 0.25
"""How often the watcher looks up from waiting for messages, to notice it should stop."""

_CLICK = re.compile(r"click\s+(\d+)", re.IGNORECASE)
_SIM = re.compile(r"sim\s+(\S+)\s+(.+)", re.IGNORECASE)
_WAIT = re.compile(r"wait\s+(\d+(?:\.\d+)?)", re.IGNORECASE)
MAX_WAIT = 60.0
"""A script's ``wait N`` pauses at most this long."""
_SHOWN_BODY = 200


@dataclass(frozen=True)
class Person:
    """Who types in the demo, and where: what Slack puts in every request."""

    user_id: str
    user_name: str
    channel_id: str
    channel_name: str


ALICE_IN_OPS = Person("U0ALICE", "alice", "C0OPS", "ops")


@dataclass(frozen=True)
class SlashCommand:
    command: str
    text: str


@dataclass(frozen=True)
class Click:
    number: int


@dataclass(frozen=True)
class SimChange:
    """A change to the simulated account (``sim backup web1``), so the watch has news."""

    verb: str
    agent: str


SIM_VERBS: dict[str, str] = {
    "backup": "records a successful backup now",
    "disable": "turns the agent's backups off",
    "enable": "turns them back on",
    "power-off": "powers its server off (it never wakes)",
    "power-on": "powers it back on",
}


@dataclass(frozen=True)
class Wait:
    """``wait 6``: let the bot work (a sweep, a follow-up) before the next line."""

    seconds: float


Action = SlashCommand | Click | SimChange | Wait


def parse_line(line: str) -> Action | None:
    """`/cmd text`, `click N`, `sim VERB AGENT` or `wait N`; None for anything else."""
    line = line.strip()
    if line.startswith("/") and len(line) > 1:
        command, _, text = line.partition(" ")
        return SlashCommand(command, text.strip())
    wait = _WAIT.fullmatch(line)
    if wait is not None:
        return Wait(min(float(wait[1]), MAX_WAIT))
    sim = _SIM.fullmatch(line)
    if sim is not None and sim[1].lower() in SIM_VERBS:
        return SimChange(sim[1].lower(), sim[2].strip())
    match = _CLICK.fullmatch(line)
    return Click(int(match[1])) if match else None


def apply_sim_change(simulator: Simulator, change: SimChange) -> str:
    """Make the change in the simulator; a sentence saying what happened."""
    try:
        if change.verb == "backup":
            simulator.record_backup(change.agent)
        elif change.verb in ("disable", "enable"):
            simulator.set_disabled(change.agent, change.verb == "disable")
        else:
            simulator.set_powered(change.agent, change.verb == "power-on")
    except LookupError as exc:
        return f"The simulator has no such agent: {exc}"
    return f"Simulator: {change.agent} {SIM_VERBS[change.verb]}; the next sweep will see it."


def ack_message(sent: SentRequest, person: Person) -> Message | None:
    """The ack body as the message Slack shows for it; None when it shows nothing.

    Slack shows a JSON ack with text or blocks as a message, and a plain-text ack as its text.
    """
    payload: dict[str, Any] = (
        sent.json if sent.json is not None else {"text": sent.body} if sent.body.strip() else {}
    )
    if not (payload.get("text") or payload.get("blocks")):
        return None
    return Message(
        via="ack",
        channel_id=person.channel_id,
        user_id=person.user_id,
        response_type=str(payload.get("response_type") or "ephemeral"),
        replace_original=False,
        delete_original=False,
        text=str(payload.get("text") or ""),
        blocks=list(payload.get("blocks") or []),
        payload=payload,
        received_at=time.monotonic(),
        ts=f"{time.time():.6f}",
    )


def _in_channel(message: Message) -> bool:
    """A channel message answering a request (a follow-up, a share), not a watch post."""
    return message.response_type == "in_channel" and message.via == "response_url"


class _AuditLines(logging.Handler):
    """Counts the bot's audit lines as they are written."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self._count = 0
        self._changed = threading.Condition()

    @property
    def count(self) -> int:
        with self._changed:
            return self._count

    def emit(self, record: logging.LogRecord) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count >= count, max(0.0, timeout))


class Session:
    """Sends lines to the bot of `stack` as `person` and shows every message on `screen`.

    Use it as a context manager: it watches the Slack stand-in on a background thread and
    listens to the bot's audit log until it is closed. Two sessions in one process would count
    each other's audit lines; demos side by side run in separate processes.
    """

    def __init__(self, stack: LocalStack, screen: Screen, person: Person = ALICE_IN_OPS) -> None:
        self._stack = stack
        self._screen = screen
        self.person = person
        self._audit = _AuditLines()
        self._audit_level = logging.NOTSET
        self._in_channel: list[str] = []
        self._shown = 0
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="demo-watcher", daemon=True)

    def __enter__(self) -> Session:
        audit = audit_logger()
        self._audit_level = audit.level
        audit.setLevel(logging.INFO)
        audit.addHandler(self._audit)
        self._watcher.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._watcher.join(WATCH_INTERVAL * 4)
        audit = audit_logger()
        audit.removeHandler(self._audit)
        audit.setLevel(self._audit_level)

    @property
    def in_channel_expected(self) -> list[str]:
        """What each channel message asked for so far is, in the order they were asked for."""
        return list(self._in_channel)

    def run(self, action: Action, *, label: str, answer_timeout: float) -> str | None:
        """Send one line and wait up to `answer_timeout` for its answer; a problem, or None."""
        if isinstance(action, SimChange):
            self._screen.say(apply_sim_change(self._stack.simulator, action))
            return None
        if isinstance(action, Wait):
            self._stopping.wait(action.seconds)
            self.catch_up()
            return None
        target = self._target(action)
        if target is None:
            return f"there is no such button ({self._screen.button_count} shown so far)"
        written = self._audit.count
        with self._screen.holding():
            sent = (
                self._command(target) if isinstance(target, SlashCommand) else self._click(target)
            )
            ack = ack_message(sent, self.person) if sent.status == 200 else None
            if ack is not None:
                self._screen.show(ack)
        if sent.status != 200:
            return f"the bot answered HTTP {sent.status}: {sent.body[:_SHOWN_BODY]!r}"
        expected = self._channel_message_expected(target)
        if expected is not None:
            self._in_channel.append(f"{expected} {label}")
        answered = self._audit.wait_for(written + 1, answer_timeout)
        self.catch_up()
        return None if answered else f"no answer from the bot within {answer_timeout:.3g} s"

    def missing_in_channel(self, timeout: float) -> list[str]:
        """Waits up to `timeout` for every channel message asked for; those that did not come."""
        expected = list(self._in_channel)
        try:
            self._stack.slack.wait_for_count(len(expected), _in_channel, timeout=max(0.0, timeout))
        except TimeoutError:
            arrived = sum(1 for message in self._stack.slack.messages if _in_channel(message))
            return expected[arrived:]
        finally:
            self.catch_up()
        return []

    def settle_watch(self, timeout: float) -> None:
        """Wait for a sweep of every watched account, so its posts come before the prompt."""
        watcher = self._stack.bot.watcher
        for key in watcher.accounts():
            with contextlib.suppress(Exception):
                watcher.sweep_now(key).result(timeout=timeout)
        self.catch_up()

    def catch_up(self) -> None:
        """Show every message the Slack stand-in received that is not on screen yet."""
        with self._screen.holding():
            new = self._stack.slack.messages[self._shown :]
            for message in new:
                self._screen.show(message)
            self._shown += len(new)

    def _command(self, action: SlashCommand) -> SentRequest:
        person = self.person
        return self._stack.sender.command(
            action.text,
            command=action.command,
            user_id=person.user_id,
            user_name=person.user_name,
            channel_id=person.channel_id,
            channel_name=person.channel_name,
        )

    def _click(self, button: Button) -> SentRequest:
        """A click as Slack sends it: a fresh response_url for this interaction."""
        person = self.person
        return self._stack.sender.click(
            button.element,
            message=button.message,
            user_id=person.user_id,
            user_name=person.user_name,
            channel_name=person.channel_name,
        )

    def _target(self, action: SlashCommand | Click) -> SlashCommand | Button | None:
        if isinstance(action, SlashCommand):
            return action
        self.catch_up()
        return self._screen.button(action.number)

    def _channel_message_expected(self, target: SlashCommand | Button) -> str | None:
        """What everyone in the channel will see because of this request, if anything."""
        if isinstance(target, SlashCommand):
            ours = target.command == self._stack.settings.slash_command
            if ours and isinstance(parse_command(target.text), WakeupCommand):
                return "the wake-up follow-up to"
            return None
        action_id = target.element.get("action_id")
        if action_id in WAKEUP_ACTIONS:
            return "the wake-up follow-up to"
        if action_id == ActionId.AGENTS_SHARE:
            return "the list shared in the channel by"
        return None

    def _watch(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                self._stack.slack.wait_for_count(self._shown + 1, timeout=WATCH_INTERVAL)
            self.catch_up()
        self.catch_up()
