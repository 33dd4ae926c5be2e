"""Button values: whatever a client sends back is refused or served, never an exception.

A button's value comes back from the client and can be anything: the bot's own value, the
same value edited or cut short, another region's, or random text. Each decoder answers None
(refused) or a value the bot can serve, and the bot's own values always decode to what was
encoded.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.slack import blocks
from bot.slack.blocks.limits import MAX_BUTTON_VALUE
from bot.slack.commands import DATACENTERS, AgentQuery, AgentsCommand, parse_command
from tests.properties.prop_strategies import agent_ids, hostile_text, more_examples, queries
from tests.support.block_checks import agent_button, message_problems

every_char = st.characters(exclude_categories=[])
page_values = st.builds(
    lambda query, page: blocks.encode_page_value(query, page) or "",
    queries,
    st.integers(0, 10**6),
)
agent_values = st.builds(
    blocks.encode_agent_value, agent_ids, st.one_of(st.none(), st.sampled_from(DATACENTERS))
)
NEAR_MISSES = (
    *("1:OR1", "1:12", "1:o_rd", "1:ORD:DFW", "1:ORD@", "1:ORD@prod", "1@Prod", "1@-x"),
    *("1:ORD@p q", "1@prod@dev"),
    *("1:ORD@" + "x" * 60, "١٢٣", "1\n", " 1 ", "0", "-1", "1" * 19, "1.0", "1e3", "0x1F"),
    *('{"q":"","p":-1}', '{"q":"","p":1.0}', '{"q":"","p":true}', '{"q":1,"p":1}', '{"p":1}'),
    *('{"q":"","p":1,"q":2}', '{"q":"a\\ud800","p":0}', "[]", "null", '"x"', "{"),
)
"""Values one edit away from what the bot writes."""
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["q", "p", "x"]), children, max_size=3),
    ),
    max_leaves=8,
)


@st.composite
def edited(draw: st.DrawFn, original: st.SearchStrategy[str]) -> str:
    """A value the bot wrote, then cut, spliced or retyped by hand."""
    value = draw(original)
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(value)))
        end = draw(st.integers(start, len(value)))
        value = value[:start] + draw(st.text(every_char, max_size=4)) + value[end:]
    if draw(st.booleans()):
        value = value[: draw(st.integers(0, len(value)))]
    return value


returned_values = st.one_of(
    edited(page_values),
    edited(agent_values),
    st.text(every_char),
    json_values.map(json.dumps),
    st.integers(1, 5000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 5000).map(lambda depth: '{"q":' * depth),
    st.builds(
        lambda q, p: json.dumps({"q": q, "p": p}), hostile_text, st.integers(-(10**30), 10**30)
    ),
    st.builds(lambda i, r: f"{i}:{r}", st.integers(-5, 10**20), hostile_text),
    st.sampled_from(NEAR_MISSES),
)


@more_examples(5)
@given(returned_values)
def test_a_page_value_is_refused_or_served(value: str) -> None:
    decoded = blocks.decode_page_value(value)
    if decoded is None:
        return
    text, page = decoded
    assert isinstance(text, str)
    assert type(page) is int
    assert page >= 0
    parsed = parse_command("agents " + text)
    if isinstance(parsed, AgentsCommand):
        message = blocks.agents_message(
            [],
            query=parsed.query,
            command="/backup",
            page=page,
            fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
            cache_ttl=60,
            account_id="1",
            region=parsed.query.region,
        )
        assert message_problems(message) == []


@more_examples(5)
@given(returned_values)
def test_an_agent_value_is_refused_or_served(value: str) -> None:
    decoded = agent_button(value)
    if decoded is None:
        return
    agent_id, region = decoded
    assert type(agent_id) is int
    assert agent_id >= 0
    assert region is None or (region.isascii() and region.isalpha() and region.isupper())


@more_examples(2)
@given(returned_values, st.data())
def test_every_reader_of_a_button_answers_for_any_value(value: str, data: st.DataObject) -> None:
    try:
        from bot.slack.action_ids import ActionId
        from bot.slack.request import read_button
    except ImportError:
        return
    action_id = data.draw(st.sampled_from([*ActionId, "", "agents", "watch"]), label="action_id")
    known = ActionId(action_id) if action_id in ActionId._value2member_map_ else None
    read_button(known, value)


@given(queries, st.integers(0, 10**9))
def test_a_page_value_the_bot_writes_reads_back(query: AgentQuery, page: int) -> None:
    value = blocks.encode_page_value(query, page)
    if value is None:
        return
    assert len(value) <= MAX_BUTTON_VALUE
    decoded = blocks.decode_page_value(value)
    assert decoded is not None
    assert decoded[1] == page


@given(agent_ids, st.one_of(st.none(), st.sampled_from(DATACENTERS), hostile_text))
def test_an_agent_value_the_bot_writes_reads_back(agent_id: int, region: str | None) -> None:
    known = region.upper() if region is not None and region.upper() in DATACENTERS else None
    assert agent_button(blocks.encode_agent_value(agent_id, region)) == (agent_id, known)


_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


@more_examples(3)
@given(returned_values)
def test_an_agent_button_names_no_account_it_could_not_have_written(value: str) -> None:
    try:
        from bot.slack.action_ids import ActionId
        from bot.slack.request import AgentButton, read_button
    except ImportError:
        return
    read = read_button(ActionId.AGENT_REFRESH, value)
    account = getattr(read, "account", None)
    if isinstance(read, AgentButton) and account is not None:
        assert _ACCOUNT.fullmatch(account)


@given(agent_ids, st.one_of(st.none(), st.sampled_from(DATACENTERS)), st.data())
def test_an_agent_value_with_its_account_reads_back(
    agent_id: int, region: str | None, data: st.DataObject
) -> None:
    if "account" not in inspect.signature(blocks.encode_agent_value).parameters:
        return
    from bot.slack.action_ids import ActionId
    from bot.slack.request import AgentButton, read_button

    account = data.draw(st.one_of(st.none(), st.from_regex(_ACCOUNT, fullmatch=True)))
    value = blocks.encode_agent_value(agent_id, region, account)  # type: ignore[call-arg]
    assert read_button(ActionId.AGENT_WAKEUP, value) == AgentButton(agent_id, region, account)


watch_values = st.one_of(
    returned_values,
    st.builds(lambda i, s: f"w1:{i}:{s}", st.integers(-5, 10**20), st.integers(-5, 10**9)),
    st.builds(lambda i, a: f"w1:{i}@{a}", st.integers(-5, 10**20), hostile_text),
    st.builds(lambda k: f"w1:r:{k}", hostile_text),
    st.sampled_from(["w1:", "w1:0", "w1:1", "w1:1:3600", "w1:1:0", "w1:r:", "w1:r:ORD", "w2:1"]),
)


@more_examples(3)
@given(watch_values)
def test_a_watch_button_value_is_refused_or_served(value: str) -> None:
    try:
        from bot.slack import incident_values
    except ImportError:
        return
    incident = incident_values.decode_incident(value)
    incident_id = getattr(incident, "incident_id", incident)
    assert incident_id is None or (type(incident_id) is int and incident_id >= 1)
    snooze = incident_values.decode_snooze(value)
    assert snooze is None or (snooze.incident_id >= 1 and snooze.seconds >= 1)
    report = incident_values.decode_report(value)
    assert report is None or isinstance(report, str)


@given(st.integers(1, 10**17), st.sampled_from(DATACENTERS))
def test_a_watch_button_value_the_bot_writes_reads_back(incident_id: int, region: str) -> None:
    try:
        from bot.slack import incident_values
    except ImportError:
        return
    decoded = incident_values.decode_incident(incident_values.encode_incident(incident_id))
    assert getattr(decoded, "incident_id", decoded) == incident_id
    assert incident_values.decode_report(incident_values.encode_report(region)) == region
