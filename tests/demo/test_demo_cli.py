"""`backup-bot demo` as a person runs it: the console entry point in a child process."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.processes import child_environment
from tests.demo.demo_helpers import FAST_WAKEUPS, FOLLOW_UP, LineReader

ROOT = Path(__file__).resolve().parents[2]
DEMO = [sys.executable, "-m", "bot", "demo", "--wake-delay", "0", "0.2"]
EXIT_WAIT = 15.0


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return child_environment({**FAST_WAKEUPS, "TMPDIR": str(tmp_path)})


@pytest.fixture
def interactive(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """The demo reading lines from a pipe, as when its input is not a terminal."""
    child = subprocess.Popen(
        DEMO,
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield child
    if child.poll() is None:
        child.kill()
    child.wait(EXIT_WAIT)
    for stream in (child.stdin, child.stdout, child.stderr):
        if stream is not None:
            stream.close()


def test_script_through_the_console_entry_point(env: dict[str, str]) -> None:
    done = subprocess.run(
        [*DEMO, "--script", "/backup agents", "/backup wakeup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "web1" in done.stdout
    assert FOLLOW_UP in done.stdout
    assert done.stderr == ""


def test_follow_up_appears_at_the_prompt_without_more_input(
    interactive: subprocess.Popen[str],
) -> None:
    assert interactive.stdin is not None
    assert interactive.stdout is not None
    output = LineReader(interactive.stdout)
    output.wait_for("quit, exit", timeout=EXIT_WAIT)  # the help under the banner: ready
    interactive.stdin.write("/backup wakeup\n")
    interactive.stdin.flush()
    text = output.wait_for(FOLLOW_UP, timeout=EXIT_WAIT)
    assert text.index("› /backup wakeup") < text.index("── ack") < text.index(FOLLOW_UP)
    interactive.stdin.write("click 7\n")
    interactive.stdin.close()
    text = output.wait_for("there is no such button", timeout=EXIT_WAIT)
    assert interactive.wait(EXIT_WAIT) == 0


def test_ctrl_c_stops_cleanly(interactive: subprocess.Popen[str]) -> None:
    assert interactive.stdout is not None
    assert interactive.stderr is not None
    LineReader(interactive.stdout).wait_for("quit, exit", timeout=EXIT_WAIT)
    interactive.send_signal(signal.SIGINT)
    assert interactive.wait(EXIT_WAIT) == 0
    assert "Traceback" not in interactive.stderr.read()
