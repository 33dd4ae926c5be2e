"""`run_demo` with a script, in this process, against the whole stack on loopback."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from bot.devtools.demo import run_demo
from tests.demo.demo_helpers import FAST_WAKEUPS, FOLLOW_UP


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float

    def after(self, line: str) -> str:
        """The output from the echo of `line` on."""
        marker = f"› {line}\n"
        assert marker in self.out, self.out
        return self.out[self.out.index(marker) :]


def demo(
    capsys: pytest.CaptureFixture[str],
    *lines: str,
    as_json: bool = False,
    timeout: float = 20.0,
    environ: Mapping[str, str] = FAST_WAKEUPS,
) -> Run:
    started = time.monotonic()
    code = run_demo(
        script=list(lines),
        as_json=as_json,
        timeout=timeout,
        wake_delay=(0.0, 0.2),
        environ=environ,
    )
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err, time.monotonic() - started)


def test_agents_then_wakeup_shows_the_list_and_the_follow_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = demo(capsys, "/backup agents", "/backup wakeup")
    assert run.code == 0, run.err
    assert "Account prod            simulator http://127.0.0.1:" in run.out
    assert "Account lab             simulator http://127.0.0.1:" in run.out
    assert "Slack stand-in        http://127.0.0.1:" in run.out
    assert "You are @alice (U0ALICE) in #ops (C0OPS)." in run.out
    listing = run.after("/backup agents")
    for name in ("web1", "web2", "db1", "reporting-old"):
        assert name in listing
    wakeup = run.after("/backup wakeup")
    assert "── ack " in wakeup
    assert "Only visible to you (U0ALICE)" in wakeup
    follow_up = wakeup[wakeup.index("#C0OPS (everyone)") :]
    assert FOLLOW_UP in follow_up
    assert "Done: 2 line(s) answered, 1 channel message(s) arrived." in run.out
    assert "\x1b[" not in run.out  # not a terminal: no colour
    assert run.err == ""


def test_bot_logs_go_to_the_file_named_in_the_banner(capsys: pytest.CaptureFixture[str]) -> None:
    run = demo(capsys, "/backup help")
    assert run.code == 0, run.err
    match = re.search(r"Bot log +(\S+)", run.out)
    assert match is not None
    log = Path(match[1]).read_text(encoding="utf-8")
    entries = [json.loads(line) for line in log.splitlines()]
    assert any(e["logger"] == "audit" and e["action"] == "help" for e in entries)
    assert any("ALLOWED_CHANNEL_IDS is empty" in e["message"] for e in entries)
    assert "ALLOWED_CHANNEL_IDS" not in run.out + run.err


def test_click_shares_the_list_in_the_channel(capsys: pytest.CaptureFixture[str]) -> None:
    run = demo(capsys, "/backup agents", "click 1")
    assert run.code == 0, run.err
    assert "[1 Share in channel]" in run.after("/backup agents")
    shared = run.after("click 1")
    assert "#C0OPS (everyone)" in shared
    assert "Shared by" in shared
    assert "web1" in shared
    assert "Done: 2 line(s) answered, 1 channel message(s) arrived." in run.out


def test_wake_up_button_waits_for_its_follow_up(capsys: pytest.CaptureFixture[str]) -> None:
    run = demo(capsys, "/backup agent web1", "click 2")
    assert run.code == 0, run.err
    assert "[1 Refresh] [2 Wake up]" in run.after("/backup agent web1")
    clicked = run.after("click 2")
    assert FOLLOW_UP in clicked[clicked.index("#C0OPS (everyone)") :]


def test_json_prints_each_posted_payload_with_a_builder_link(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = demo(capsys, "/backup agents", as_json=True)
    assert run.code == 0, run.err
    decoder = json.JSONDecoder()
    chunks = run.out.split("\n── ")[1:]
    assert len(chunks) == 2  # the ack, then the list through the response_url
    payloads = []
    for chunk in chunks:
        _header, _, rest = chunk.partition("\n")
        payload, end = decoder.raw_decode(rest)
        link = re.search(r"^Block Kit Builder: (\S+)$", rest[end:], re.MULTILINE)
        assert link is not None
        assert json.loads(unquote(link[1].partition("#")[2])) == {"blocks": payload["blocks"]}
        payloads.append(payload)
    assert payloads[0]["response_type"] == "ephemeral"
    assert "web1" in json.dumps(payloads[1])
    assert "Buttons: [1 Share in channel]" in chunks[1]


def test_a_follow_up_that_does_not_come_in_time_fails_the_script(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = demo(capsys, "/backup wakeup", timeout=0.5, environ={"WAKEUP_CHECK_AFTER": "60"})
    assert run.code == 1
    assert "did not arrive: the wake-up follow-up to line 1 `/backup wakeup`" in run.err
    assert FOLLOW_UP not in run.out
    assert run.seconds < 10


def test_an_ack_that_is_not_200_fails_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    run = demo(capsys, "/backup help", "/unknown", "/backup agents")
    assert run.code == 1
    assert "line 2 `/unknown`: the bot answered HTTP 404" in run.err
    assert "› /backup agents" not in run.out


def test_click_on_a_button_not_shown_fails_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    run = demo(capsys, "/backup help", "click 1")
    assert run.code == 1
    assert "line 2 `click 1`: there is no such button (0 shown so far)" in run.err


def test_lines_that_are_not_commands_or_clicks_start_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = demo(capsys, "/backup agents", "clik 1", "help")
    assert run.code == 2
    expected = "expected `/backup …`, `click N`, `sim VERB AGENT` or `wait N`, got 'clik 1'"
    assert f"--script line 2: {expected}" in run.err
    assert "--script line 3:" in run.err
    assert run.out == ""


def test_bad_settings_from_the_environment_are_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = demo(capsys, "/backup help", environ={"WAKEUP_CHECK_EVERY": "soon"})
    assert run.code == 2
    assert "WAKEUP_CHECK_EVERY must be a duration" in run.err
