"""One soak: start everything, run traffic and chaos until the time is up, drain, check."""

from __future__ import annotations

import json
import platform
import secrets
import shutil
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.soak import checks
from bench.soak.bot import BotProcess
from bench.soak.chaos import BASE_LATENCY, Chaos
from bench.soak.plan import WATCH_CHANNEL, Plan
from bench.soak.traffic import Ledger, Sender, Sent, Traffic
from bench.stack import DEFAULT_REGION, move_agents_to
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.local_stack import stack_environment
from bot.devtools.processes import poll_until
from bot.simulator import Simulator, SimulatorConfig

JOIN_TIMEOUT = 30.0
FINAL_WAKEUP_TRIES = 5


def run_soak(plan: Plan, *, announce: Any = print) -> checks.Report:
    bot_token = f"xoxb-soak-{secrets.token_hex(12)}"
    signing_secret = secrets.token_hex(16)
    api_key = f"soak-key-{secrets.token_hex(12)}"
    password = f"soak-pw-{secrets.token_hex(8)}"
    config = SimulatorConfig(
        agents_count=plan.agents,
        seed=plan.seed % 100_000,
        wake_delay=(0.3, 3.0),
        latency=BASE_LATENCY,
        api_key=api_key,
        password=password,
    )
    started_wall = datetime.now(UTC)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backup-soak-")))
        simulator = stack.enter_context(Simulator(config))
        move_agents_to(simulator, DEFAULT_REGION)
        for agent in simulator.agents():
            agent_id = int(str(agent["MachineAgentId"]))
            simulator.set_disabled(agent_id, False)
            simulator.record_backup(agent_id)
        slack = stack.enter_context(FakeSlack(bot_token=bot_token))
        state_path = workdir / "state.sqlite3"
        env = stack_environment(
            simulator=simulator,
            slack=slack,
            state_path=state_path,
            bot_token=bot_token,
            signing_secret=signing_secret,
        )
        env.update(plan.bot_env)
        bot = BotProcess(env, workdir)
        bot.start()
        stack.callback(lambda: bot.stop("SIGTERM"))
        ledger = Ledger()
        traffic = Traffic(plan, bot, slack, simulator, signing_secret, ledger)
        chaos = Chaos(plan, bot, slack, simulator, traffic)
        stop = threading.Event()
        deadline = time.monotonic() + plan.seconds
        threads = [
            threading.Thread(target=traffic.client, args=(i, stop, deadline), name=f"client-{i}")
            for i in range(plan.client_threads)
        ]
        threads += [
            threading.Thread(target=chaos.faults, args=(stop, deadline), name="faults"),
            threading.Thread(target=chaos.restarts, args=(stop, deadline), name="restarts"),
            threading.Thread(target=chaos.agents, args=(stop, deadline), name="agents"),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        try:
            while time.monotonic() < deadline and not stop.wait(min(5.0, plan.seconds)):
                pass
        finally:
            stop.set()
            for thread in threads:
                thread.join(JOIN_TIMEOUT)
        announce(f"soak: traffic over after {plan.seconds:g} s; draining")
        drained = _drain(plan, bot, chaos, traffic, ledger, slack)
        threading.Event().wait(plan.settle)
        health = bot.health() or {}
        bot.stop("SIGTERM")
        report = checks.Report()
        messages = slack.messages
        sent = ledger.snapshot()
        checks.check_requests(report, sent, messages, bot.stops)
        checks.check_wakeups(report, sent, messages, bot.stops)
        checks.check_incidents(report, state_path, messages, bot.stops)
        run_secrets = [bot_token, signing_secret, api_key, password, *simulator.issued_tokens()]
        checks.check_messages(report, messages, run_secrets, bot.log_paths)
        if not drained:
            report.fail("drained", f"work still pending after {plan.drain_timeout:g} s: {health}")
        for slow in bot.slow_sigterms:
            report.fail("SIGTERM exits within 10 s", f"generation {slow.generation}")
        if bot.start_failures:
            report.fail("restarts", "; ".join(bot.start_failures[:3]))
        if report.broken:
            kept = Path(tempfile.gettempdir()) / f"backup-soak-{plan.seed}"
            shutil.copytree(workdir, kept, dirs_exist_ok=True)
            announce(f"soak: the bot's logs and state file are kept in {kept}")
        samples = bot.samples()
        final = bot.final_sample()
        report.figures.update(
            seed=plan.seed,
            minutes=round(plan.seconds / 60, 2),
            started=started_wall.isoformat(timespec="seconds"),
            machine=_machine(),
            generations=len(bot.generations),
            sigterms=sum(s.signal == "SIGTERM" for s in bot.stops[:-1]),
            sigkills=sum(s.signal == "SIGKILL" for s in bot.stops),
            faults=chaos.log.counts(),
            peak_rss_mib=round(max((s.rss_mib for s in samples), default=0.0), 1),
            final_rss_mib=round(final.rss_mib, 1) if final else 0.0,
            peak_threads=max((s.threads for s in samples), default=0),
            final_threads=final.threads if final else 0,
            backup_api_requests=sum(simulator.stats().values()),
        )
        return report


def _drain(
    plan: Plan,
    bot: BotProcess,
    chaos: Chaos,
    traffic: Traffic,
    ledger: Ledger,
    slack: FakeSlack,
) -> bool:
    """Clear every condition and fault, make sure a bot is up, and wait for the work to end."""
    chaos.heal_all()
    if bot.current() is None:
        bot.start()
    # Powered-on agents are Offline until woken: one last wake-up lets "did not wake" resolve.
    # It must start a job of its own: joining one whose POST went out before the agents were
    # powered on would wake none of them.
    _final_wakeup(plan, bot, traffic)
    state_path = Path(bot.env["STATE_PATH"])

    def settled() -> bool:
        health = bot.health()
        if health is None or health.get("wakeups_active") or health.get("followups_pending"):
            return False
        return _open_incidents(state_path) == 0 and _pending_posts(slack, ledger) == 0

    return poll_until(settled, timeout=plan.drain_timeout, interval=1.0)


def _final_wakeup(plan: Plan, bot: BotProcess, traffic: Traffic) -> None:
    senders: dict[int, Any] = {}

    def idle() -> bool:
        health = bot.health()
        return health is not None and not health.get("wakeups_active")

    try:
        for _ in range(FINAL_WAKEUP_TRIES):
            poll_until(idle, timeout=plan.drain_timeout / 2, interval=0.5)
            sent = Sender(traffic, senders).command(
                "wakeup", "wakeup", traffic.wakeup_user(), WATCH_CHANNEL, wakeup=True
            )
            if "Waking up agents" in sent.body:
                return
    finally:
        for sender in senders.values():
            sender.close()


def _open_incidents(state_path: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{state_path}?mode=ro", uri=True, timeout=1.0) as db:
            row = db.execute("SELECT COUNT(*) FROM watch_incidents WHERE resolved_at IS NULL")
            return int(row.fetchone()[0])
    except sqlite3.Error:
        return -1


def _pending_posts(slack: FakeSlack, ledger: Ledger) -> int:
    """Acked requests whose answer has not come yet (a slow job may still be running)."""
    answered = {m.response_url for m in slack.messages if m.response_url}
    recent = time.monotonic() - 30.0
    waiting: list[Sent] = [
        e
        for e in ledger.snapshot()
        if e.acked and e.kind == "click" and e.sent_at > recent and e.response_url not in answered
    ]
    return len(waiting)


def _machine() -> str:
    import os

    python = platform.python_version()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {python}"


def write_json(report: checks.Report, path: Path) -> None:
    payload = {"figures": report.figures, "broken": report.broken, "ok": not report.broken}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
