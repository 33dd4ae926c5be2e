"""``backup-bot``: serve the bot, check its setup, move its state, run the backup API simulator
or the demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__


def _positive(value: str) -> float:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backup-bot",
        description="A Slack bot that lists Rackspace Cloud Backup agents and wakes them up.",
    )
    parser.add_argument("--version", action="version", version=f"backup-bot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="force HTTP mode")
    mode.add_argument("--socket", action="store_true", help="force Socket Mode")
    serve.add_argument("--env-file", default=".env", help="read settings from this file too")

    doctor = sub.add_parser(
        "doctor", help="check the settings, Rackspace, Slack and the state store, one line each"
    )
    doctor.add_argument("--env-file", default=".env", help="read settings from this file too")

    state = sub.add_parser("state", help="manage the durable state")
    state_sub = state.add_subparsers(dest="state_command", required=True, metavar="ACTION")
    migrate = state_sub.add_parser(
        "migrate",
        help="copy pending work from an SQLite state file into PostgreSQL (stop the bot first)",
    )
    migrate.add_argument("--from", dest="source", type=Path, required=True, metavar="PATH")
    migrate.add_argument("--to", dest="url", required=True, metavar="URL", help="a STATE_URL")

    sim = sub.add_parser("simulator", help="serve a local Cloud Backup API + Identity simulator")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8900, help="0 picks a free port")
    sim.add_argument("--agents", type=Path, metavar="FILE", help="JSON list of agents")
    sim.add_argument("--agents-count", type=int, metavar="N", help="generate N agents")
    sim.add_argument(
        "--wake-delay",
        type=_positive,
        nargs=2,
        metavar=("MIN", "MAX"),
        default=(10.0, 20.0),
        help="seconds before a woken agent is online (default 10 20)",
    )
    sim.add_argument("--latency", type=_positive, default=0.0, help="seconds added per request")

    demo = sub.add_parser("demo", help="the whole bot on loopback, with a local Slack stand-in")
    demo.add_argument(
        "--script", nargs="+", metavar="LINE", help="run these lines, wait for follow-ups, exit"
    )
    demo.add_argument("--json", action="store_true", help="print messages as the JSON posted")
    demo.add_argument(
        "--timeout", type=_positive, default=60.0, help="--script: give up after this long"
    )
    demo.add_argument(
        "--wake-delay",
        type=_positive,
        nargs=2,
        metavar=("MIN", "MAX"),
        default=(2.0, 5.0),
        help="simulated wake-up delay (default 2 5)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from bot.serve import serve

        return serve(
            mode="http" if args.http else "socket" if args.socket else None, env_file=args.env_file
        )
    if args.command == "doctor":
        from bot.doctor import run_doctor

        return run_doctor(args.env_file)
    if args.command == "state":
        from bot.state.migrate import run_migrate

        return run_migrate(args.source, args.url)
    if args.command == "simulator":
        from bot.simulator import SimulatorConfig, run_simulator

        if args.agents is not None and not args.agents.is_file():
            print(f"backup-bot simulator: no such file: {args.agents}", file=sys.stderr)
            return 2
        try:
            run_simulator(
                SimulatorConfig(
                    host=args.host,
                    port=args.port,
                    agents_file=args.agents,
                    agents_count=args.agents_count,
                    wake_delay=(min(args.wake_delay), max(args.wake_delay)),
                    latency=args.latency,
                )
            )
        except ValueError as exc:
            print(f"backup-bot simulator: {exc}", file=sys.stderr)
            return 2
        return 0
    from bot.devtools.demo import run_demo

    return run_demo(
        script=args.script,
        as_json=args.json,
        timeout=args.timeout,
        wake_delay=(min(args.wake_delay), max(args.wake_delay)),
    )
