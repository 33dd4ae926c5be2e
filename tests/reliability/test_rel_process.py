"""The bot as a process: killed, stopped, or started on a state file it cannot use."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from bot.devtools.fake_slack import RESPONSE_URL
from bot.simulator import SimulatorConfig
from tests.e2e.e2e_helpers import ALICE, BOB, DEV, OPS, REPORTING_OLD, WEB1, shown
from tests.reliability.rel_process import Deployment, deployment
from tests.support.waiting import wait_until

EXIT_DEADLINE = 10.0
CAROL = "U0CAROL"


def woken_jobs(state_path: Path) -> int:
    """Wake-ups whose POST is recorded and that still wait, read from the bot's state file."""
    with closing(sqlite3.connect(f"file:{state_path}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT COUNT(*) FROM jobs WHERE woken = 1 AND finished_at IS NULL")
        count: int = row.fetchone()[0]
    return count


def follow_ups_by_requester(deployed: Deployment) -> Counter[tuple[str | None, str]]:
    return Counter(
        (m.user_id if m.via == RESPONSE_URL else None, m.channel_id)
        for m in deployed.slack.messages
        if m.response_type == "in_channel"
    )


# -- SIGKILL -------------------------------------------------------------------------------


def test_sigkill_during_the_wait_then_a_restart_posts_every_follow_up_once(
    tmp_path: Path,
) -> None:
    with deployment(tmp_path, simulator=SimulatorConfig(wake_delay=(2.0, 2.0))) as deployed:
        deployed.simulator.remove_agent(REPORTING_OLD)
        first = deployed.start()
        first.sender.command("wakeup", user_id=ALICE, channel_id=OPS)
        first.sender.command("wakeup", user_id=BOB, channel_id=DEV)  # joins Alice's
        first.sender.command("wakeup region:ORD", user_id=CAROL, channel_id=OPS)
        wait_until(lambda: woken_jobs(deployed.state_path) == 2, what="both POSTs recorded")

        first.signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        assert follow_ups_by_requester(deployed) == Counter()  # killed before any was due
        second = deployed.start()

        deployed.slack.wait_for_count(3, lambda m: m.response_type == "in_channel", timeout=15)
        wait_until(second.settled, what="the resumed wake-ups to settle")
        assert follow_ups_by_requester(deployed) == Counter(
            {(ALICE, OPS): 1, (BOB, DEV): 1, (CAROL, OPS): 1}
        )
        assert deployed.simulator.stats()["wakeupagents"] == 2  # not posted again


# -- SIGTERM -------------------------------------------------------------------------------


def test_sigterm_stops_taking_requests_finishes_what_runs_and_keeps_what_waits(
    tmp_path: Path,
) -> None:
    with deployment(tmp_path, simulator=SimulatorConfig(wake_delay=(3.0, 3.0))) as deployed:
        deployed.simulator.remove_agent(REPORTING_OLD)
        first = deployed.start()
        first.sender.command("wakeup")
        wait_until(lambda: woken_jobs(deployed.state_path) == 1, what="the POST recorded")
        server_id = deployed.simulator.agents()[0]["HostServerId"]
        deployed.simulator.faults.set_latency(1.0)
        first.sender.command(f"agent {server_id}")
        wait_until(
            lambda: deployed.simulator.stats()["agent_by_server"] == 1,
            what="the lookup to reach the backup API",
        )

        stopping = time.monotonic()
        first.signal(signal.SIGTERM)
        wait_until(first.refuses_connections, what="the bot to stop listening")
        still_running = first.poll() is None
        exit_code = first.wait(EXIT_DEADLINE)
        took = time.monotonic() - stopping

        assert still_running  # it stopped listening before its work was done
        assert exit_code == 0
        assert took < EXIT_DEADLINE
        answer = deployed.slack.wait_for(lambda m: m.via == RESPONSE_URL, timeout=1)
        assert "web1" in shown(answer)  # the lookup in flight was finished
        assert follow_ups_by_requester(deployed) == Counter()  # the wake-up was kept

        deployed.simulator.faults.set_latency(0.0)
        second = deployed.start()
        deployed.slack.wait_for(lambda m: m.response_type == "in_channel", timeout=15)
        wait_until(second.settled, what="the resumed wake-up to settle")
        assert follow_ups_by_requester(deployed) == Counter({(ALICE, OPS): 1})


def test_sigterm_with_a_hung_backup_api_still_exits_in_time_and_tells_the_user(
    tmp_path: Path,
) -> None:
    with deployment(tmp_path, env={"BACKUP_API_READ_TIMEOUT": "30"}) as deployed:
        bot = deployed.start()
        deployed.simulator.faults.hang_next(1, 30.0)
        bot.sender.command(f"agent {WEB1}")
        wait_until(
            lambda: deployed.simulator.stats()["agent_details"] == 1,
            what="the lookup to reach the backup API",
        )

        stopping = time.monotonic()
        bot.signal(signal.SIGTERM)
        exit_code = bot.wait(EXIT_DEADLINE)
        took = time.monotonic() - stopping

        assert exit_code == 0
        assert took < EXIT_DEADLINE
        [notice] = deployed.slack.messages
        assert notice.response_type == "ephemeral"
        assert "The bot was restarting and stopped before it had an answer" in shown(notice)
        assert "Try again in a minute." in shown(notice)


# -- the state file ------------------------------------------------------------------------


def test_a_missing_state_file_is_created(tmp_path: Path) -> None:
    state_path = tmp_path / "new" / "dir" / "state.sqlite3"
    with deployment(tmp_path, env={"STATE_PATH": str(state_path)}) as deployed:
        deployed.start()

        assert state_path.is_file()


def unwritable_by_position(path: Path) -> Path:
    """A state path whose directory is a regular file: no user can create it, root included."""
    path.write_text("not a directory")
    return path / "state.sqlite3"


def unwritable_by_directory(path: Path) -> Path:
    """A directory where the file should be."""
    path.mkdir()
    return path


def unwritable_by_permissions(path: Path) -> Path:
    """A read-only file in a read-only directory."""
    if os.geteuid() == 0:
        pytest.skip("root writes through file permissions; the other cases cover it")
    path.mkdir()
    state = path / "state.sqlite3"
    sqlite3.connect(state).close()
    state.chmod(0o444)
    path.chmod(0o555)
    return state


@pytest.mark.parametrize(
    "make_unusable",
    [unwritable_by_position, unwritable_by_directory, unwritable_by_permissions],
    ids=["parent is a file", "directory in its place", "read-only file"],
)
def test_an_unusable_state_file_stops_the_start_with_one_clear_line(
    tmp_path: Path, make_unusable: Callable[[Path], Path]
) -> None:
    state_path = make_unusable(tmp_path / "state")
    with deployment(tmp_path, env={"STATE_PATH": str(state_path)}) as deployed:
        result = deployed.run()

    assert result.returncode == 2
    assert_one_clear_line(result.stderr, state_path)


def test_a_corrupt_state_file_stops_the_start_and_is_left_as_it_was(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 64
    state_path = tmp_path / "state.sqlite3"
    state_path.write_bytes(garbage)
    with deployment(tmp_path, env={"STATE_PATH": str(state_path)}) as deployed:
        result = deployed.run()

    assert result.returncode == 2
    assert_one_clear_line(result.stderr, state_path)
    assert "damaged or not a SQLite database" in result.stderr
    assert "Move it aside" in result.stderr
    assert state_path.read_bytes() == garbage  # nothing pending in it was thrown away


def assert_one_clear_line(stderr: str, state_path: Path) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("backup-bot: ")
    assert str(state_path) in lines[0]
    assert "Traceback" not in stderr


def test_sigterm_right_after_a_client_hangs_up_still_stops_the_bot(tmp_path: Path) -> None:
    # The signal lands while the server handles the closed connection; it must not be
    # swallowed there as a handler error.
    with deployment(tmp_path) as deployed:
        for _ in range(3):
            bot = deployed.start()
            host, port = bot.url.removeprefix("http://").split(":")
            with socket.create_connection((host, int(port)), timeout=5) as conn:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
                assert conn.recv(4096).startswith(b"HTTP/1.1 200")
            bot.signal(signal.SIGTERM)
            assert bot.wait(EXIT_DEADLINE) == 0
