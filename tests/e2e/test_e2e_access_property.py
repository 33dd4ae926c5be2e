"""For any text, the access decision and what runs agree: a text is refused as a wake-up for
someone not on the list exactly when it runs a wake-up for someone on it.

Both sides are observed over real HTTP, from the ack each user gets, not from the parser.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.devtools.local_stack import LocalStack
from bot.simulator import SimulatorConfig
from tests.e2e.e2e_helpers import BOB, SlackUsers, shown
from tests.support.stacks import FAST_ENV

BOSS = "U0BOSS"
REFUSED = "You are not on the list of people who may wake backup agents"
WAKING = ("Waking up agents", "is already under way")

QUOTES = st.sampled_from(["", '"', "“", "”", "„", "'", "‘", "’"])
INVISIBLE = st.sampled_from(["", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
SPACE = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0", "\u3000"])
WORD = st.sampled_from(["wakeup", "WAKEUP", "WakeUp", "wake", "up", "wake-up", "agents", "help"])
OPTION = st.sampled_from(["", " region:ORD", " region:dfw", " region:", " dc:DFW", " web"])


@st.composite
def wakeup_like(draw: st.DrawFn) -> str:
    """Texts near a wake-up: quoted, padded, invisibly prefixed, with options or junk."""
    quote = draw(QUOTES)
    word = draw(WORD)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(word)))
        word = word[:cut] + draw(INVISIBLE) + word[cut:]
    return draw(SPACE) + draw(INVISIBLE) + quote + word + draw(QUOTES) + draw(OPTION) + draw(SPACE)


TEXTS = st.one_of(wakeup_like(), st.text(max_size=60))


@pytest.fixture(scope="module")
def users() -> Iterator[SlackUsers]:
    with (
        tempfile.TemporaryDirectory(prefix="backup-bot-prop-") as tmp,
        LocalStack.start(
            simulator_config=SimulatorConfig(wake_delay=(0.0, 0.0)),
            env={**FAST_ENV, "WAKEUP_ALLOWED_USER_IDS": BOSS},
            state_path=Path(tmp) / "state.sqlite3",
        ) as stack,
    ):
        yield SlackUsers(stack)


@settings(max_examples=60, deadline=None)
@given(text=TEXTS)
def test_refused_as_a_wakeup_exactly_when_it_runs_a_wakeup(users: SlackUsers, text: str) -> None:
    as_bob = shown(users.command(text, user=BOB).json)
    as_boss = shown(users.command(text, user=BOSS).json)
    refused = REFUSED in as_bob
    ran = any(word in as_boss for word in WAKING)

    assert refused == ran, (text, as_bob, as_boss)
