"""mrkdwn escaping: whatever the input, Slack shows it literally and reads no markup in it.

``shown`` is what a Slack client displays for a mrkdwn string: the three entities read back
as characters. The zero-width spaces and soft hyphen that ``literal`` adds are invisible, so
comparisons drop them (and the same characters in the input) on both sides.
"""

from __future__ import annotations

import re
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.blocks.limits import ELLIPSIS, truncate
from bot.slack.commands import parse_command
from bot.slack.mrkdwn import (
    INVISIBLE,
    ZERO_WIDTH_SPACE,
    code,
    date_token,
    escape,
    flatten,
    literal,
    mention,
)
from tests.properties.prop_strategies import aware_datetimes, hostile_text, more_examples
from tests.support.block_checks import markup_problems

_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARACTER = {"amp": "&", "lt": "<", "gt": ">"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

texts = st.one_of(hostile_text, st.text(st.characters(exclude_categories=["Cs"]), max_size=300))


def shown(mrkdwn: str) -> str:
    """What Slack displays: each entity once, as its character."""
    return _ENTITY.sub(lambda match: _CHARACTER[match.group(1)], mrkdwn)


def visible(text: str) -> str:
    return "".join(char for char in text if char not in INVISIBLE)


@more_examples(5)
@given(texts)
def test_escape_shows_the_input_and_leaves_no_markup(text: str) -> None:
    escaped = escape(text)
    assert shown(escaped) == text
    assert markup_problems(escaped) == []
    assert shown(escape(escaped)) == escaped, "escaping twice must show the once-escaped text"


@more_examples(5)
@given(texts)
def test_literal_shows_the_input_on_one_line_with_formatting_defused(text: str) -> None:
    out = literal(text)
    assert visible(shown(out)) == visible(flatten(text))
    assert markup_problems(out) == []
    assert not _CONTROL.search(out)
    assert not out.startswith("&gt;"), "a leading > would start a block quote"
    for index, char in enumerate(out):
        if char == "`" or char in "*_~":
            before = out[index - 1] if index > 0 else ""
            after = out[index + 1] if index + 1 < len(out) else ""
            padded = before == after == ZERO_WIDTH_SPACE
            in_word = char != "`" and before.isalnum() and after.isalnum()
            assert padded or in_word, f"{char!r} at {index} of {out!r} can still format"


@more_examples(5)
@given(texts)
def test_code_is_a_clean_span_or_literal_text(text: str) -> None:
    out = code(text)
    assert markup_problems(out) == []
    if len(out) >= 2 and out[0] == out[-1] == "`" and "`" not in out[1:-1]:
        assert shown(out[1:-1]) == flatten(text)
        assert flatten(text).strip()
    else:
        assert out == literal(text)


@more_examples(5)
@given(texts)
def test_a_name_copied_from_a_message_finds_the_same_agent(name: str) -> None:
    """Copying what ``literal`` shows (invisible marks and all) and typing it as a command."""
    copied = shown(literal(name))
    assert parse_command("agent " + escape(copied)) == parse_command("agent " + escape(name))


@more_examples(5)
@given(texts, st.integers(1, 400))
def test_flatten_and_truncate_are_idempotent(text: str, limit: int) -> None:
    assert flatten(flatten(text)) == flatten(text)
    cut = truncate(text, limit)
    assert truncate(cut, limit) == cut
    assert len(cut) <= max(limit, len(ELLIPSIS))
    assert cut == text or cut.endswith(ELLIPSIS)


@more_examples(5)
@given(
    st.lists(st.one_of(texts.map(literal), aware_datetimes.map(date_token)), max_size=8),
    st.integers(2, 600),
)
def test_truncating_escaped_text_never_splits_an_entity_or_a_token(
    pieces: list[str], limit: int
) -> None:
    cut = truncate(" ".join(pieces), limit)
    assert markup_problems(cut) == []


@given(st.one_of(st.from_regex(r"[UW][A-Z0-9]{2,30}", fullmatch=True), texts))
def test_a_mention_is_a_user_id_or_plain_text(user_id: str) -> None:
    out = mention(user_id)
    if out.startswith("<@"):
        assert re.fullmatch(r"<@[UW][A-Z0-9]{2,30}>", out)
        assert out == f"<@{user_id}>"
    else:
        assert out == literal(user_id)
        assert markup_problems(out) == []


@given(st.one_of(st.none(), aware_datetimes, st.datetimes(min_value=datetime(1, 1, 2))))
def test_a_date_is_one_token_with_a_utc_fallback(moment: datetime | None) -> None:
    out = date_token(moment)
    if moment is None:
        assert out == "never"
    else:
        assert markup_problems(out) == []
