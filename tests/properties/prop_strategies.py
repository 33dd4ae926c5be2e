"""Generators shared by the property tests: hostile text, agents, fleets of any size, queries.

Text mixes fully random unicode with fragments chosen to hit Slack's markup (``<!here>``,
``<@U…>``, links, entities, formatting characters, line breaks, the invisible characters the
bot itself inserts), because purely random text almost never spells a mention.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import settings
from hypothesis import strategies as st

from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.slack.commands import DATACENTERS, AgentQuery

MAX_FLEET = 5000


def more_examples(factor: int) -> settings:
    """The active profile's example count times ``factor``, for properties that are cheap."""
    return settings(max_examples=settings.default.max_examples * factor)


MARKUP = (
    "<!here>",
    "<!channel>",
    "<!everyone>",
    "<!subteam^S123|team>",
    "<@U12345678>",
    "<@W0ABC|bob>",
    "<#C12345678|general>",
    "<http://evil.example|click>",
    "<https://x.y>",
    "<mailto:a@b.c>",
    "http://evil.example",
    "<!date^0^{date}|forged>",
    "&amp;",
    "&lt;",
    "&gt;",
    "&#60;",
    "&copy",
    "&",
    "<",
    ">",
    "*",
    "_",
    "~",
    "`",
    "```",
    "> ",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\u2028",
    '"',
    "“",
    "’",
    ":",
    "dc:",
    "status:",
    "region:",
    "\u200b",
    "\u00ad",
    "\u2060",
    "\ufeff",
    "\u202e",
    "🔥",
    "日本語",
    " ",
    "web",
    "01",
)

any_char = st.characters(exclude_categories=["Cs"])
any_text = st.text(any_char)
"""Any unicode string a person or a JSON body can carry (lone surrogates aside)."""

hostile_text = st.one_of(
    any_text,
    st.lists(st.one_of(st.sampled_from(MARKUP), st.text(any_char, max_size=6)), max_size=12).map(
        "".join
    ),
)
long_text = st.one_of(
    hostile_text,
    st.tuples(st.sampled_from(MARKUP), st.integers(1, 3500)).map(lambda pair: pair[0] * pair[1]),
)
"""Hostile text, sometimes thousands of characters long."""

optional_text = st.one_of(st.none(), long_text)

aware_datetimes = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=13))]),
)
any_datetime = st.one_of(st.none(), aware_datetimes, st.datetimes())

agent_ids = st.integers(min_value=1, max_value=10**15)


@st.composite
def agents(draw: st.DrawFn, agent_id: int | None = None) -> Agent:
    """An agent with any values the adapter can produce, however odd."""
    key = draw(
        st.one_of(
            st.none(), st.builds(PublicKey, modulus_hex=optional_text, exponent_hex=optional_text)
        )
    )
    return Agent(
        id=draw(agent_ids) if agent_id is None else agent_id,
        name=draw(long_text),
        status=draw(st.sampled_from(AgentStatus)),
        datacenter=draw(st.one_of(st.none(), st.sampled_from(DATACENTERS), long_text)),
        ip_address=draw(optional_text),
        os_name=draw(optional_text),
        os_version=draw(optional_text),
        agent_version=draw(optional_text),
        architecture=draw(optional_text),
        flavor=draw(optional_text),
        is_disabled=draw(st.one_of(st.none(), st.booleans())),
        is_encrypted=draw(st.one_of(st.none(), st.booleans())),
        cleanup_allowed=draw(st.one_of(st.none(), st.booleans())),
        use_service_net=draw(st.one_of(st.none(), st.booleans())),
        vault_size_bytes=draw(st.one_of(st.none(), st.integers(0, 2**70))),
        vault_size_text=draw(optional_text),
        last_successful_backup=draw(any_datetime),
        backup_container=draw(optional_text),
        backup_datacenter=draw(optional_text),
        host_server_id=draw(optional_text),
        public_key=key,
    )


@st.composite
def fleets(draw: st.DrawFn) -> list[Agent]:
    """0 to 5,000 agents with distinct ids: usually a handful, now and then thousands.

    A large fleet repeats a few drawn agents under fresh ids (and numbered names), so it
    costs a few draws rather than thousands and the default run stays fast.
    """
    if draw(st.integers(0, 9)) != 0:
        return draw(st.lists(agents(), max_size=25, unique_by=lambda agent: agent.id))
    size = draw(st.integers(26, MAX_FLEET))
    models = draw(st.lists(agents(), min_size=1, max_size=6))
    first_id = draw(st.integers(1, 10**12))
    numbered = draw(st.booleans())
    return [
        replace(
            models[index % len(models)],
            id=first_id + index,
            name=f"{models[index % len(models)].name}{index}"
            if numbered
            else models[index % len(models)].name,
        )
        for index in range(size)
    ]


queries = st.builds(
    AgentQuery,
    words=st.lists(hostile_text, max_size=4).map(tuple),
    dc=st.one_of(st.none(), st.sampled_from(DATACENTERS), hostile_text),
    status=st.one_of(st.none(), st.sampled_from(AgentStatus)),
    region=st.one_of(st.none(), st.sampled_from(DATACENTERS), hostile_text),
)
"""Any query object at all, including ones the parser could never produce."""
