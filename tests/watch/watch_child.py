"""A watcher in its own process, for the SIGKILL test: it subscribes, sweeps, says ``ready``
on stdout and waits to be killed."""

from __future__ import annotations

import argparse
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_sdk import WebClient

from bot.backup_api import build_client
from bot.devtools.fake_slack import DEFAULT_BOT_TOKEN
from bot.fleet_cache import SingleFlightCache
from bot.slack.blocks.watch_messages import BlockKitWatchMessages
from bot.slack.poster import WebClientPoster
from bot.watch import SqliteWatchStore, Watcher, WatchSettings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--slack", required=True)
    parser.add_argument("--identity", required=True)
    parser.add_argument("--now", type=float, required=True)
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    client = build_client(
        identity_url=args.identity,
        username="demo",
        api_key="demo-api-key",
        region="DFW",
        max_retries=0,
    )
    pool = ThreadPoolExecutor(2)
    cache = SingleFlightCache(
        lambda _key: client.list_agents_with_status(), ttl=15.0, executor=pool
    )
    watcher = Watcher(
        store=SqliteWatchStore(args.state),
        fleet=lambda key, fresh: cache.get_future(key, fresh=fresh),
        messages=BlockKitWatchMessages(),
        poster=WebClientPoster(WebClient(token=DEFAULT_BOT_TOKEN, base_url=args.slack)),
        settings=WatchSettings(
            interval=3600.0, digest_at=None, remind_every=0.0, tick_every=3600.0
        ),
        now=lambda: args.now,
    )
    watcher.start()
    watcher.subscribe(args.channel, "").first_sweep.result(timeout=15)
    print("ready", flush=True)
    threading.Event().wait(60)  # killed long before this
    sys.exit("not killed")


if __name__ == "__main__":
    main()
