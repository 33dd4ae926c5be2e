"""The slash command parser: every subcommand, every option, and what people really type."""

from __future__ import annotations

import random

import pytest

from bot.backup_api.models import AgentStatus
from bot.services.agent_query import DATACENTERS
from bot.slack.commands import (
    MAX_COMMAND_LENGTH,
    AgentCommand,
    AgentQuery,
    AgentsCommand,
    HelpCommand,
    InvalidCommand,
    WakeupCommand,
    parse_command,
)


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help agents", "\n\t"])
def test_help_and_empty_text_give_usage(text: str) -> None:
    assert parse_command(text) == HelpCommand()


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("agents", AgentQuery()),
        ("agents web", AgentQuery(words=("web",))),
        ("agents web 10.0.0 prod", AgentQuery(words=("web", "10.0.0", "prod"))),
        ("agents dc:DFW", AgentQuery(dc="DFW")),
        ("agents dc:dfw", AgentQuery(dc="DFW")),
        ("agents status:offline", AgentQuery(status=AgentStatus.OFFLINE)),
        ("agents status:Online", AgentQuery(status=AgentStatus.ONLINE)),
        ("agents status:UNKNOWN", AgentQuery(status=AgentStatus.UNKNOWN)),
        ("agents region:ord", AgentQuery(region="ORD")),
        (
            "agents web dc:LON status:offline region:LON db",
            AgentQuery(words=("web", "db"), dc="LON", status=AgentStatus.OFFLINE, region="LON"),
        ),
        ("agents DC:syd", AgentQuery(dc="SYD")),
        ('agents "web:01"', AgentQuery(words=("web:01",))),
        ("agents fe80::1", AgentQuery(words=("fe80::1",))),
    ],
)
def test_agents_words_and_options(text: str, query: AgentQuery) -> None:
    assert parse_command(text) == AgentsCommand(query)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agent 213563", AgentCommand(ref="213563")),
        ("agent Web Server2", AgentCommand(ref="Web Server2")),
        ('agent "Web  Server2"', AgentCommand(ref="Web  Server2")),
        ("agent web-01 region:dfw", AgentCommand(ref="web-01", region="DFW")),
        (
            "agent 8C2B7D9E-1A2B-4C3D-9E8F-0A1B2C3D4E5F",
            AgentCommand(ref="8C2B7D9E-1A2B-4C3D-9E8F-0A1B2C3D4E5F"),
        ),
        ("wakeup", WakeupCommand()),
        ("WAKEUP region:hkg", WakeupCommand(region="HKG")),
    ],
)
def test_agent_and_wakeup(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "unknown", "suggestion"),
    [
        ("agnets", "agnets", "agents"),
        ("Agnet web", "Agnet", "agent"),
        ("wake", "wake", "wakeup"),
        ("wakup region:ORD", "wakup", "wakeup"),
        ("hlep", "hlep", "help"),
        ("xyz", "xyz", None),
        ("dc:DFW", "dc:DFW", None),
    ],
)
def test_unknown_word_is_named_with_nearest_subcommand(
    text: str, unknown: str, suggestion: str | None
) -> None:
    assert parse_command(text) == HelpCommand(unknown=unknown, suggestion=suggestion)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("agents status:sleepy", "`sleepy` is not a status; use online, offline or unknown"),
        ("agents dc:XYZ", "`XYZ` is not a datacenter; use one of IAD ORD DFW HKG LON SYD"),
        ("agents region:MARS", "`MARS` is not a region"),
        ("agents foo:bar", "I don't know the option `foo:`"),
        ("agents stat:offline", "Did you mean `status:`?"),
        ("agents dc:", "`dc:` needs a value, for example `dc:DFW`"),
        ("agents dc:DFW dc:ORD", "`dc:` is given twice"),
        ("agent web dc:DFW", "`agent` does not take `dc:`"),
        ("agent", "Tell me which agent"),
        ("agent region:ORD", "Tell me which agent"),
        ("wakeup web-01", "`wakeup` takes no names"),
        ("wakeup status:online", "`wakeup` does not take `status:`"),
    ],
)
def test_bad_input_gives_a_clear_message(text: str, phrase: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, InvalidCommand)
    assert phrase in parsed.message


def test_a_backtick_in_a_bad_value_cannot_break_the_message_code_span() -> None:
    parsed = parse_command("agents dc:`x`")
    assert isinstance(parsed, InvalidCommand)
    assert parsed.message.count("`") % 2 == 0


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    parsed = parse_command("agents dc:" + "Z" * 400)
    assert isinstance(parsed, InvalidCommand)
    assert len(parsed.message) < 150


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  AGENTS   web\t\tdc:dfw  ", AgentsCommand(AgentQuery(words=("web",), dc="DFW"))),
        ("Agents\u00a0web", AgentsCommand(AgentQuery(words=("web",)))),
        ("agents “web server” dc:ORD", AgentsCommand(AgentQuery(words=("web server",), dc="ORD"))),
        ("agent „db 01“", AgentCommand(ref="db 01")),
        ("agent O’Brien’s box", AgentCommand(ref="O'Brien's box")),
        ("agents &lt;!channel&gt;", AgentsCommand(AgentQuery(words=("<!channel>",)))),
        ("agents R&amp;D", AgentsCommand(AgentQuery(words=("R&D",)))),
        ("agents &amp;lt;", AgentsCommand(AgentQuery(words=("&lt;",)))),
        ("agents web\u200b_server", AgentsCommand(AgentQuery(words=("web_server",)))),
        ("agents \u00ad&gt;quoted", AgentsCommand(AgentQuery(words=(">quoted",)))),
        ('agents "unclosed web', AgentsCommand(AgentQuery(words=("unclosed", "web")))),
        ('agents ""', AgentsCommand(AgentQuery())),
        ("agent\nweb-01", AgentCommand(ref="web-01")),
    ],
)
def test_tolerates_spacing_case_quotes_and_slack_encoding(text: str, expected: object) -> None:
    assert parse_command(text) == expected


def test_text_over_the_cap_is_refused() -> None:
    parsed = parse_command("agents " + "w" * 4000)
    assert isinstance(parsed, InvalidCommand)
    assert "4007 characters" in parsed.message
    assert str(MAX_COMMAND_LENGTH) in parsed.message


def test_text_at_the_cap_is_read() -> None:
    text = "agents " + "w" * (MAX_COMMAND_LENGTH - len("agents "))
    assert isinstance(parse_command(text), AgentsCommand)


def test_the_cap_counts_characters_as_typed_not_as_slack_escapes_them() -> None:
    text = "agents " + "&lt;" * 400
    parsed = parse_command(text)
    assert parsed == AgentsCommand(AgentQuery(words=("<" * 400,)))


@pytest.mark.parametrize(
    "query",
    [
        AgentQuery(),
        AgentQuery(words=("web",)),
        AgentQuery(words=("web server", "db")),
        AgentQuery(words=("status:offline",)),
        AgentQuery(words=("<!channel>", "R&D", "*bold*", "`tick`")),
        AgentQuery(words=("日本語", "émoji🔥")),
        AgentQuery(dc="DFW", status=AgentStatus.UNKNOWN, region="SYD"),
        AgentQuery(words=("a", "b"), dc="IAD", status=AgentStatus.OFFLINE, region="ORD"),
    ],
)
def test_to_text_round_trips(query: AgentQuery) -> None:
    assert parse_command("agents " + query.to_text()) == AgentsCommand(query)


def test_to_text_is_canonical() -> None:
    query = AgentQuery(words=("web",), dc="DFW", status=AgentStatus.OFFLINE)
    assert query.to_text() == "web dc:DFW status:offline"


def test_to_text_round_trips_for_random_parsed_queries() -> None:
    """Whatever the parser accepts, its canonical text parses back to the same query."""
    rng = random.Random(20240102)
    alphabet = "abcXYZ019 :_-*`<>&\"'“”.\u00a0é🔥"
    options = [*(f"dc:{dc}" for dc in DATACENTERS), "status:online", "status:offline"]
    for _ in range(500):
        pieces = ["".join(rng.choices(alphabet, k=rng.randint(1, 8))) for _ in range(3)]
        pieces += rng.sample(options, k=rng.randint(0, 1))
        parsed = parse_command("agents " + " ".join(pieces))
        if isinstance(parsed, AgentsCommand):
            again = parse_command("agents " + parsed.query.to_text())
            assert again == parsed, pieces


@pytest.mark.parametrize(
    "text",
    ["'wakeup'", "‘wakeup’", "\u200dwakeup", "\u200cwakeup", "wake\u200dup", "'WAKEUP' region:ORD"],
    ids=ascii,
)
def test_single_quotes_and_zero_width_joiners_do_not_hide_a_wakeup(text: str) -> None:
    assert isinstance(parse_command(text), WakeupCommand)


def test_an_apostrophe_inside_a_word_is_part_of_it() -> None:
    parsed = parse_command("agents o'brien")
    assert isinstance(parsed, AgentsCommand)
    assert parsed.query.words == ("o'brien",)
