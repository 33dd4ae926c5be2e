"""A bot child process gets the settings its test gives it, never the developer's own."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.devtools.processes import INHERITED, child_environment, run_to_end

PRINT_ENVIRONMENT = "import json, os; print(json.dumps(dict(os.environ)))"


@pytest.fixture(autouse=True)
def developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a developer's shell may hold while the tests run."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-the-developers-own")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "the-developers-own")
    monkeypatch.setenv("RACKSPACE_API_KEY", "the-developers-own")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")


def test_only_the_given_settings_and_the_inherited_few_reach_the_child(tmp_path: Path) -> None:
    done = run_to_end(
        [sys.executable, "-c", PRINT_ENVIRONMENT],
        {"SLACK_BOT_TOKEN": "xoxb-the-tests", "PORT": "0"},
        workdir=tmp_path,
        timeout=30,
    )

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["SLACK_BOT_TOKEN"] == "xoxb-the-tests"
    assert "SLACK_SIGNING_SECRET" not in seen
    assert "RACKSPACE_API_KEY" not in seen
    assert "LOG_LEVEL" not in seen
    assert seen["PATH"] == "/usr/bin:/bin"
    # The interpreter may add a variable of its own (LC_CTYPE on some systems), none of ours.
    assert set(seen) - {"LC_CTYPE"} <= {*INHERITED, "SLACK_BOT_TOKEN", "PORT"}


def test_the_caller_wins_over_an_inherited_variable() -> None:
    assert child_environment({"PATH": "/opt/bin"})["PATH"] == "/opt/bin"
