"""The command parser: any text gives a command or a clear answer, and queries survive buttons.

A list's query rides in its paging buttons and is parsed again when one is clicked, so a
query that does not come back the same would show page 2 of a different list.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.backup_api.models import AgentStatus
from bot.slack import blocks
from bot.slack.commands import (
    DATACENTERS,
    MAX_COMMAND_LENGTH,
    AgentCommand,
    AgentQuery,
    AgentsCommand,
    HelpCommand,
    InvalidCommand,
    WakeupCommand,
    parse_command,
)
from bot.slack.mrkdwn import escape
from tests.properties.prop_strategies import MARKUP, any_char, any_text, hostile_text, more_examples

COMMAND_TYPES = (HelpCommand, AgentsCommand, AgentCommand, WakeupCommand, InvalidCommand)

every_char = st.characters(exclude_categories=[])
"""Every code point, lone surrogates included: a JSON body can carry them."""

command_words = st.one_of(
    st.sampled_from(["agents", "AGENTS", "agent", "Agent", "wakeup", "help", "agnets", "wake"]),
    st.sampled_from(["agents", "agent", "wakeup", "“agents”", '"agent"', "&lt;agents"]),
    hostile_text,
)
option_tokens = st.one_of(
    st.tuples(
        st.sampled_from(["dc", "DC", "status", "region", "Region", "stat", "foo", ""]),
        st.one_of(st.sampled_from([*DATACENTERS, "dfw", "online", "Offline", ""]), hostile_text),
    ).map(":".join),
    st.text(st.sampled_from('"“”&amp;lt; :'), max_size=8),
)
typed_texts = st.tuples(
    command_words, st.lists(st.one_of(hostile_text, option_tokens, st.sampled_from(MARKUP)))
).map(lambda parts: " ".join([parts[0], *parts[1]]))
"""A subcommand (or something like one), then words and options."""
command_texts = st.one_of(
    st.text(every_char),
    st.text(any_char, min_size=400, max_size=1200),
    typed_texts,
    typed_texts.map(escape),
)
"""Any text at all, and text as Slack sends what a person typed (``&``, ``<``, ``>`` escaped)."""

# Canonical spellings: words of letters, digits and a little punctuation, options as the
# bot writes them.
canonical_words = st.one_of(
    st.text(st.characters(categories=["L", "N"], include_characters="-._/@"), min_size=1),
    st.text(st.characters(categories=["L", "N"], include_characters=" -._/@:"), min_size=1).filter(
        str.strip
    ),
    st.sampled_from(["web:01", "fe80::1", "dc:DFW", "status:online", "a b", "x:"]),
)
"""Words as the bot writes them: those with spaces or shaped like an option get quoted."""
plain_words = st.text(
    st.characters(categories=["L", "N"], include_characters="-._/@"), min_size=1, max_size=12
)
"""Words that need no quotes, as an agent's name or id is usually typed."""
datacenters = st.sampled_from(DATACENTERS)


@more_examples(5)
@given(command_texts)
def test_any_text_gives_a_command_or_a_clear_answer(text: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, COMMAND_TYPES)
    if isinstance(parsed, InvalidCommand):
        assert parsed.message.strip()
    if isinstance(parsed, HelpCommand) and parsed.unknown is not None:
        assert parsed.unknown.strip()
    if isinstance(parsed, AgentCommand):
        assert parsed.ref.strip()
    if isinstance(parsed, AgentsCommand | AgentCommand | WakeupCommand):
        region = parsed.query.region if isinstance(parsed, AgentsCommand) else parsed.region
        assert region is None or region in DATACENTERS


@more_examples(5)
@given(any_text)
def test_text_over_the_limit_is_refused_with_its_length(text: str) -> None:
    padded = "agents " + "x" * MAX_COMMAND_LENGTH + text
    parsed = parse_command(padded)
    assert isinstance(parsed, InvalidCommand)
    assert str(MAX_COMMAND_LENGTH) in parsed.message


@more_examples(5)
@given(command_texts, st.integers(0, 10_000))
def test_a_parsed_query_comes_back_unchanged_through_a_paging_button(text: str, page: int) -> None:
    parsed = parse_command("agents " + text)
    if not isinstance(parsed, AgentsCommand):
        return
    value = blocks.encode_page_value(parsed.query, page)
    assert value is not None, "a query the parser accepted must fit in a button"
    decoded = blocks.decode_page_value(value)
    assert decoded is not None
    assert parse_command("agents " + decoded[0]) == parsed
    assert decoded[1] == page


@more_examples(5)
@given(
    words=st.lists(canonical_words, max_size=5),
    dc=st.one_of(st.none(), datacenters),
    status=st.one_of(st.none(), st.sampled_from(AgentStatus)),
    region=st.one_of(st.none(), datacenters),
)
def test_canonical_agents_spellings_round_trip(
    words: list[str], dc: str | None, status: AgentStatus | None, region: str | None
) -> None:
    query = AgentQuery(words=tuple(words), dc=dc, status=status, region=region)
    text = query.to_text()
    assert parse_command(f"agents {text}") == AgentsCommand(query)
    assert parse_command(f"AGENTS  {text}  ") == AgentsCommand(query)


@more_examples(5)
@given(ref=st.lists(plain_words, min_size=1, max_size=4), region=st.one_of(st.none(), datacenters))
def test_canonical_agent_and_wakeup_spellings_round_trip(
    ref: list[str], region: str | None
) -> None:
    option = f" region:{region}" if region is not None else ""
    assert parse_command(f"agent {' '.join(ref)}{option}") == AgentCommand(
        ref=" ".join(ref), region=region
    )
    assert parse_command(f"wakeup{option}") == WakeupCommand(region=region)
    assert parse_command(f"wakeup{option.lower()}") == WakeupCommand(region=region)
