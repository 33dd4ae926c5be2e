"""``backup-bot demo``: talk to the real bot in a terminal, as if in Slack, with nothing to set up.

Everything runs in this process on 127.0.0.1 with ports the OS picks, so two demos can run side
by side: the Cloud Backup API simulator, a Slack stand-in, and the real bot (Bolt, HTTP mode)
started by ``LocalStack`` exactly as the end-to-end tests start it. Wake-up timings are short
so the channel follow-up comes seconds after ``/backup wakeup``; the bot's logs go to a file
so the terminal shows only the conversation.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError
from bot.devtools.demo_screen import Screen
from bot.devtools.demo_session import Action, Person, Session, parse_line
from bot.devtools.local_stack import LocalAccount, LocalStack
from bot.http_server import EVENTS_PATH
from bot.logs import JsonFormatter, RedactingFilter
from bot.simulator import SimulatorConfig

DEMO_BOT_SETTINGS: Mapping[str, str] = {
    "WAKEUP_CHECK_AFTER": "2",
    "WAKEUP_CHECK_EVERY": "1",
    "WAKEUP_GIVE_UP_AFTER": "12",
    "WATCH_CHANNEL_IDS": "C0OPS",
    "WATCH_INTERVAL": "5",
}
"""Bot settings for the demo; each can be overridden by an environment variable of its name."""

LAB_TENANT = "654321"
DEMO_CHANNEL_DEFAULTS = {"C0OPS": "prod"}
"""#ops may use both accounts; a command that names none is about prod."""


def demo_accounts(wake_delay: tuple[float, float]) -> list[LocalAccount]:
    """Two Rackspace accounts, each with its own simulator: the built-in one as ``prod``,
    and a generated ``lab`` usable only in #lab and #ops (``account:lab``)."""
    return [
        LocalAccount("prod", SimulatorConfig(wake_delay=wake_delay)),
        LocalAccount(
            "lab",
            SimulatorConfig(tenant_id=LAB_TENANT, agents_count=12, wake_delay=wake_delay),
            channels=("C0LAB", "C0OPS"),
        ),
    ]


FIRST_SWEEP_WAIT = 10.0
"""How long the demo waits for the watch's first sweep before the first line."""
ANSWER_WAIT = 15.0
"""How long the prompt waits for the bot's answer before letting the person type again."""

QUIT_WORDS = frozenset({"quit", "exit"})
EXIT_FAILED = 1
EXIT_USAGE = 2

HELP = """\
Type a slash command as you would in Slack, or press a button:
  /backup help                         the bot's own help
  /backup agents                       every agent and its status
  /backup agents web status:offline    filter by words, dc:, status:, region:
  /backup agent web1                   one agent, with Refresh and Wake up buttons
  /backup agents account:lab           the other account (#ops may use prod and lab)
  /backup wakeup                       wake the agents; the channel hears when they are up
  /backup report                       the watch's report of the account, now
  click 2                              press button [2]
  sim backup reporting-old             the simulator records a backup: its incident resolves
  sim disable web1 | sim enable web1   turn an agent's backups off or on
  sim power-off web2 | sim power-on web2
  wait 6                               let the bot work for 6 s (a sweep runs every 5 s)
#ops watches the account: stale and disabled backups are posted, updated and resolved.
Buttons are numbered across the whole session: a number always means the same button.
help shows this again; quit, exit, Ctrl-D or Ctrl-C leave."""


def bot_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The demo's bot settings, each taken from `environ` when set there."""
    return {name: environ.get(name, default) for name, default in DEMO_BOT_SETTINGS.items()}


def banner(stack: LocalStack, person: Person, log_path: Path) -> str:
    settings = stack.settings
    low, high = stack.simulator.config.wake_delay
    return "\n".join(
        [
            "backup-bot demo: the real bot, a Cloud Backup API simulator and a Slack stand-in",
            *(
                f"  Account {name:<14}  simulator {sim.url}"
                f"  (woken agents come online after {low:g}–{high:g} s)"
                for name, sim in (stack.simulators or {"default": stack.simulator}).items()
            ),
            f"  Bot (HTTP mode)       {stack.server.url}{EVENTS_PATH}",
            f"  Slack stand-in        {stack.slack.url}  (Web API and response_url receiver)",
            f"  Bot log               {log_path}",
            f"  Wake-ups              checked after {settings.wakeup_check_after:g} s,"
            f" then every {settings.wakeup_check_every:g} s, given up after"
            f" {settings.wakeup_give_up_after:g} s",
            f"  Watch                 #{person.channel_name} watches the account; a sweep every"
            f" {settings.watch_interval:g} s",
            f"You are @{person.user_name} ({person.user_id})"
            f" in #{person.channel_name} ({person.channel_id}).",
        ]
    )


def run_demo(
    *,
    script: list[str] | None,
    as_json: bool,
    timeout: float,
    wake_delay: tuple[float, float],
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the demo; the exit status: 0, or 1 when a script failed, 2 for a usage error.

    With `script`, run its lines, then wait up to `timeout` seconds (counted from the first
    line) for every wake-up follow-up; without, read lines at a prompt until quit or EOF.
    `environ` (default: the process environment) can override ``DEMO_BOT_SETTINGS``.
    """
    environ = os.environ if environ is None else environ
    actions = _script_actions(script) if script is not None else []
    if actions is None:
        return EXIT_USAGE
    out = sys.stdout
    screen = Screen(out, as_json=as_json, color=_use_color(out, environ), width=_width(out))
    log_path = _new_log_path()
    with _bot_log(log_path) as log_handler:
        try:
            stack = LocalStack.start(
                accounts=demo_accounts(wake_delay),
                channel_defaults=DEMO_CHANNEL_DEFAULTS,
                env=bot_settings(environ),
            )
        except ConfigError as exc:
            _error(str(exc))
            return EXIT_USAGE
        log_handler.addFilter(RedactingFilter(stack.settings.secrets()))
        try:
            with Session(stack, screen) as session:
                screen.say(banner(stack, session.person, log_path))
                session.settle_watch(FIRST_SWEEP_WAIT)
                if script is None:
                    screen.say(HELP + "\n")
                    return _interactive(session, screen, sys.stdin)
                return _run_script(session, screen, script, actions, timeout)
        except KeyboardInterrupt:
            out.write("\n")
            return 0
        finally:
            stack.stop()


def _script_actions(script: list[str]) -> list[Action] | None:
    """Every line read, or None after reporting the lines that are not commands or clicks."""
    actions = [parse_line(line) for line in script]
    valid = [action for action in actions if action is not None]
    for number, (line, action) in enumerate(zip(script, actions, strict=True), start=1):
        if action is None:
            _error(
                f"--script line {number}: expected `/backup …`, `click N`, "
                f"`sim VERB AGENT` or `wait N`, got {line!r}"
            )
    return valid if len(valid) == len(actions) else None


def _run_script(
    session: Session, screen: Screen, lines: list[str], actions: list[Action], timeout: float
) -> int:
    deadline = time.monotonic() + timeout
    for number, (line, action) in enumerate(zip(lines, actions, strict=True), start=1):
        label = f"line {number} `{line}`"
        screen.echo(line)
        problem = session.run(action, label=label, answer_timeout=deadline - time.monotonic())
        if problem is not None:
            _error(f"{label}: {problem}")
            return EXIT_FAILED
    missing = session.missing_in_channel(deadline - time.monotonic())
    if missing:
        _error(f"gave up after {timeout:g} s; did not arrive: " + "; ".join(missing))
        return EXIT_FAILED
    arrived = len(session.in_channel_expected)
    screen.say(f"Done: {len(lines)} line(s) answered, {arrived} channel message(s) arrived.")
    return 0


def _interactive(session: Session, screen: Screen, stdin: TextIO) -> int:
    """Lines from a terminal at a prompt, or from a pipe echoed so the transcript reads well."""
    typed = stdin.isatty()
    prompt = f"#{session.person.channel_name} @{session.person.user_name}> "
    while True:
        line = screen.read_line(prompt) if typed else (stdin.readline() or None)
        if line is None:
            return 0
        line = line.strip()
        if not line:
            continue
        if not typed:
            screen.echo(line)
        if line.lower() in QUIT_WORDS:
            return 0
        if line.lower() == "help":
            screen.say(HELP)
            continue
        action = parse_line(line)
        if action is None:
            screen.warn(f"Not a slash command or a click: {line!r}. Type help for examples.")
            continue
        problem = session.run(action, label=f"`{line}`", answer_timeout=ANSWER_WAIT)
        if problem is not None:
            screen.warn(problem)


@contextmanager
def _bot_log(path: Path) -> Iterator[logging.Handler]:
    """The bot's logs, INFO and up as JSON lines, go to `path` while the demo runs."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def _new_log_path() -> Path:
    """A log file that outlives the demo, so it can be read after quitting."""
    fd, name = tempfile.mkstemp(prefix="backup-bot-demo-", suffix=".log")
    os.close(fd)
    return Path(name)


def _use_color(out: TextIO, environ: Mapping[str, str]) -> bool:
    return out.isatty() and not environ.get("NO_COLOR")


def _width(out: TextIO) -> int:
    return min(100, shutil.get_terminal_size((100, 24)).columns) if out.isatty() else 100


def _error(text: str) -> None:
    print(f"backup-bot demo: {text}", file=sys.stderr, flush=True)
