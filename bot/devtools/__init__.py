"""A local Slack stand-in: fake Web API and response_url receiver, signed sender, renderer."""

from bot.devtools.block_kit import buttons
from bot.devtools.fake_slack import Attempt, FakeSlack, Message
from bot.devtools.render import Rendered, block_kit_builder_url, render_message, render_mrkdwn
from bot.devtools.slack_sender import SentRequest, SlackSender

__all__ = [
    "Attempt",
    "FakeSlack",
    "Message",
    "Rendered",
    "SentRequest",
    "SlackSender",
    "block_kit_builder_url",
    "buttons",
    "render_message",
    "render_mrkdwn",
]
