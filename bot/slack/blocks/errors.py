"""Private replies for failures, refusals and "working on it".

Text the bot wrote (what failed, what it means, what to try) may use mrkdwn, so it is only
escaped; what the backup API said is foreign and shown as :func:`literal` text in quotes.
"""

from __future__ import annotations

from bot.slack.blocks.common import Message, context, message, section
from bot.slack.blocks.limits import truncate
from bot.slack.mrkdwn import code, escape, literal

MAX_SERVICE_MESSAGE_SHOWN = 500
MAX_ERROR_ID_SHOWN = 40


def error_message(
    *,
    what_failed: str,
    status: int | None,
    meaning: str | None,
    service_message: str | None,
    hint: str | None,
    error_id: str | None = None,
    retries: int = 0,
) -> Message:
    """``:warning: Could not list agents: the backup API answered 503 (…). It said: “…”.``

    ``status`` is the backup API's HTTP status, None when it never answered or the failure
    was the bot's own; ``error_id`` points an admin at the log entry for the latter;
    ``retries`` tells the user the failure was not a single unlucky call.
    """
    text = f":warning: Could not {escape(what_failed)}"
    if status is not None:
        text += f": the backup API answered {status}"
        if meaning:
            text += f" ({escape(meaning)})"
    elif meaning:
        text += f": {escape(meaning)}"
    if not text.endswith((".", "!", "?", "…")):
        text += "."
    if retries > 0:
        text += f" I retried {retries} time{'s' if retries != 1 else ''}."
    if service_message and service_message.strip():
        said = literal(truncate(service_message.strip(), MAX_SERVICE_MESSAGE_SHOWN))
        text += f" It said: “{said}”."
    if hint:
        text += f" {escape(hint)}"
    if error_id is not None:
        text += (
            f"\nSomething went wrong on our side (error id "
            f"{code(truncate(error_id, MAX_ERROR_ID_SHOWN))}). "
            "An admin can find it in the bot's log."
        )
    return message(text, [section(text)], response_type="ephemeral")


def refusal_message(*, reason: str) -> Message:
    """A polite no: ``reason`` is the bot's own sentence, such as which channels may be used."""
    text = f":no_entry_sign: Sorry, I can't do that. {escape(reason)}"
    blocks = [section(text), context("Ask a Slack admin of this workspace if you need access.")]
    return message(text, blocks, response_type="ephemeral")


def store_unavailable_message(what: str) -> Message:
    """The state store cannot be reached: ``what`` (the bot's own words) was not accepted."""
    text = (
        f":warning: The state store is unreachable right now, so this {what} was not"
        " accepted: nothing is pending and nobody will be told later. Try again in a"
        " minute; commands that only read, like listing agents, still work."
    )
    return message(text, [section(text)], response_type="ephemeral")


def working_message(text: str) -> Message:
    """The instant acknowledgement while the slow part runs."""
    shown = f":hourglass_flowing_sand: {escape(text)}"
    return message(shown, [context(shown)], response_type="ephemeral")
