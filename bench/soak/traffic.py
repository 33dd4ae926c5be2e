"""Many people using the bot at once: commands and clicks, each recorded for the invariants.

Every client thread draws its actions from its own seeded ``random.Random``, so a seed gives
the same sequence of actions per client. Buttons are pressed on messages the bot really sent
(agent lists, agent views, incident posts), as Slack would send them back.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.soak.bot import BotProcess
from bench.soak.plan import WATCH_CHANNEL, Plan
from bot.devtools.fake_slack import RESPONSE_URL, FakeSlack, Message
from bot.devtools.slack_payloads import Interaction, SlackPayloads
from bot.devtools.slack_sender import SlackSender, buttons
from bot.simulator import Simulator
from bot.slack.action_ids import SNOOZES, ActionId

SENDER_TIMEOUT = 10.0
ACK_ANSWERS = frozenset({"help", "unknown", "invalid", "unwatch", "wakeup"})
"""Commands whose ack is their whole answer."""
WAKEUP_ACKS = ("Waking up agents", "already under way")


@dataclass
class Sent:
    """One command or click, and what came of it."""

    kind: str
    """"command" or "click"."""
    name: str
    user_id: str
    channel_id: str
    response_url: str
    generation: int | None
    """The bot generation it was sent to; None when the bot was down."""
    sent_at: float
    elapsed: float | None = None
    status: int | None = None
    body: str = ""
    wakeup: bool = False
    expired_on_purpose: bool = False

    @property
    def acked(self) -> bool:
        return self.status == 200


@dataclass
class Ledger:
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entry: Sent) -> None:
        with self.lock:
            self.sent.append(entry)

    def snapshot(self) -> list[Sent]:
        with self.lock:
            return list(self.sent)


class Traffic:
    def __init__(
        self,
        plan: Plan,
        bot: BotProcess,
        slack: FakeSlack,
        simulator: Simulator,
        signing_secret: str,
        ledger: Ledger,
    ) -> None:
        self._plan = plan
        self.bot = bot
        self.slack = slack
        self._simulator = simulator
        self.signing_secret = signing_secret
        self.ledger = ledger
        self.payloads = SlackPayloads(fake_slack=slack)
        self._wakeup_users = itertools.count(1)
        self._wakeup_lock = threading.Lock()
        self._agent_ids = [int(str(a["MachineAgentId"])) for a in simulator.agents()]
        self._agent_names = [str(a["MachineName"]) for a in simulator.agents()]
        self.expire_share = 0.0
        """Chance that a wake-up's response_url is expired at once (a chaos knob)."""

    # -- the client loop -------------------------------------------------------------------

    def client(self, index: int, stop: threading.Event, deadline: float) -> None:
        rng = random.Random(self._plan.seed * 1000 + index)
        senders: dict[int, SlackSender] = {}
        actions: list[tuple[float, Callable[[random.Random, Callable[[], Sender]], None]]] = [
            (18, self._list),
            (10, self._lookup),
            (14, self._page),
            (3, self._share),
            (5, self._wakeup_command),
            (3, self._wakeup_button),
            (4, self._agent_button),
            (3, self._watch),
            (3, self._unwatch),
            (3, self._report),
            (6, self._incident_button),
            (4, self._odd_command),
        ]
        weights = [w for w, _ in actions]
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                action = rng.choices([a for _, a in actions], weights)[0]
                action(rng, lambda: Sender(self, senders))
                stop.wait(rng.uniform(*self._plan.pause))
        finally:
            for sender in senders.values():
                sender.close()

    def user(self, rng: random.Random) -> str:
        return f"U0S{rng.randrange(self._plan.users):03d}"

    def channel(self, rng: random.Random) -> str:
        if rng.random() < 0.3:
            return WATCH_CHANNEL
        return f"C0S{rng.randrange(self._plan.channels):02d}"

    def wakeup_user(self) -> str:
        with self._wakeup_lock:
            return f"UW{next(self._wakeup_users):05d}"

    # -- actions ---------------------------------------------------------------------------

    def _list(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        text = rng.choice(
            ["agents", "agents", "agents status:offline", "agents status:online", "agents web"]
        )
        sender().command("agents", text, self.user(rng), self.channel(rng))

    def _lookup(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        ref = rng.choice(
            [str(rng.choice(self._agent_ids)), rng.choice(self._agent_names), "no-such-agent"]
        )
        sender().command("agent", f"agent {ref}", self.user(rng), self.channel(rng))

    def _odd_command(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        text = rng.choice(
            ["help", "", "agnets", "agents status:sleepy", 'agent "<!here>"', "agents " + "x" * 600]
        )
        sender().command("odd", text, self.user(rng), self.channel(rng))

    def _watch(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        sender().command("watch", "watch", self.user(rng), f"C0S{rng.randrange(4):02d}")

    def _unwatch(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        channel = WATCH_CHANNEL if rng.random() < 0.2 else f"C0S{rng.randrange(4):02d}"
        sender().command("unwatch", "unwatch", self.user(rng), channel)

    def _report(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        sender().command("report", "report", self.user(rng), self.channel(rng))

    def _wakeup_command(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        sent = sender().command(
            "wakeup", "wakeup", self.wakeup_user(), self.channel(rng), wakeup=True
        )
        if rng.random() < self.expire_share:
            sent.expired_on_purpose = True
            self.slack.expire_response_url(sent.response_url)

    def _page(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        wanted = rng.choice([ActionId.AGENTS_NEXT, ActionId.AGENTS_NEXT, ActionId.AGENTS_PREVIOUS])
        found = self._recent_with(rng, {wanted})
        if found is not None:
            message, button = found
            sender().click(wanted.value, button, message, self.user(rng))

    def _share(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        found = self._recent_with(rng, {ActionId.AGENTS_SHARE})
        if found is not None:
            message, button = found
            user = message.user_id or self.user(rng)
            sender().click("share", button, message, user)

    def _agent_button(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        found = self._recent_with(rng, {ActionId.AGENT_REFRESH, ActionId.AGENT_SHOW})
        if found is not None:
            message, button = found
            sender().click(str(button.get("action_id")), button, message, self.user(rng))

    def _wakeup_button(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        found = self._recent_with(rng, {ActionId.AGENT_WAKEUP})
        if found is not None:
            message, button = found
            sender().click("wakeup_button", button, message, self.wakeup_user(), wakeup=True)

    def _incident_button(self, rng: random.Random, sender: Callable[[], Sender]) -> None:
        posts = [
            m
            for m in self.slack.posts(WATCH_CHANNEL)[-30:]
            if any(b.get("action_id") == ActionId.INCIDENT_ACKNOWLEDGE for b in buttons(m.blocks))
        ]
        if not posts:
            return
        message = rng.choice(posts)
        choices = [ActionId.INCIDENT_ACKNOWLEDGE, *(action for action, _, _ in SNOOZES)]
        wanted = rng.choice(choices)
        button = next((b for b in buttons(message.blocks) if b.get("action_id") == wanted), None)
        if button is not None:
            sender().click(wanted.value, button, message, self.user(rng))

    def _recent_with(
        self, rng: random.Random, actions: set[ActionId]
    ) -> tuple[Message, dict[str, Any]] | None:
        """A recent private answer carrying one of ``actions``, and that button."""
        recent = [
            m for m in self.slack.messages[-80:] if m.via == RESPONSE_URL and not m.delete_original
        ]
        rng.shuffle(recent)
        for message in recent:
            for button in buttons(message.blocks):
                if button.get("action_id") in actions:
                    return message, button
        return None


class Sender:
    """Sends through the bot generation that is up right now, one connection pool each."""

    def __init__(self, traffic: Traffic, senders: dict[int, SlackSender]) -> None:
        self._traffic = traffic
        self._senders = senders

    def _client(self) -> tuple[int | None, SlackSender | None]:
        current = self._traffic.bot.current()
        if current is None:
            return None, None
        generation, url = current
        if generation not in self._senders:
            for old in self._senders.values():
                old.close()
            self._senders.clear()
            self._senders[generation] = SlackSender(
                url,
                self._traffic.signing_secret,
                fake_slack=self._traffic.slack,
                timeout=SENDER_TIMEOUT,
            )
        return generation, self._senders[generation]

    def command(
        self, name: str, text: str, user_id: str, channel_id: str, *, wakeup: bool = False
    ) -> Sent:
        generation, client = self._client()
        interaction = self._traffic.payloads.command(text, user_id=user_id, channel_id=channel_id)
        entry = Sent(
            "command", name, user_id, channel_id, interaction.response_url, generation, 0.0
        )
        return self._send(client, interaction, entry, wakeup=wakeup)

    def click(
        self,
        name: str,
        button: dict[str, Any],
        message: Message,
        user_id: str,
        *,
        wakeup: bool = False,
    ) -> Sent:
        generation, client = self._client()
        interaction = self._traffic.payloads.click(button, message=message, user_id=user_id)
        entry = Sent(
            "click", name, user_id, message.channel_id, interaction.response_url, generation, 0.0
        )
        return self._send(client, interaction, entry, wakeup=wakeup)

    def _send(
        self, client: SlackSender | None, interaction: Interaction, entry: Sent, *, wakeup: bool
    ) -> Sent:
        entry.wakeup = wakeup
        entry.sent_at = time.monotonic()
        if client is not None:
            try:
                answer = client.send(interaction)
            except requests.RequestException:
                entry.elapsed = time.monotonic() - entry.sent_at
            else:
                entry.elapsed, entry.status, entry.body = answer.elapsed, answer.status, answer.body
        self._traffic.ledger.add(entry)
        return entry
