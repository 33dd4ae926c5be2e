"""A local Slack stand-in: fake Web API, response_url receiver and Socket Mode endpoint,
signed and Socket Mode senders, renderer."""

from bot.devtools.block_kit import buttons
from bot.devtools.fake_slack import Attempt, FakeSlack, Message
from bot.devtools.render import Rendered, block_kit_builder_url, render_message, render_mrkdwn
from bot.devtools.slack_sender import SentRequest, SlackSender
from bot.devtools.socket_mode_sender import SentEnvelope, SocketModeSender

__all__ = [
    "Attempt",
    "FakeSlack",
    "Message",
    "Rendered",
    "SentEnvelope",
    "SentRequest",
    "SlackSender",
    "SocketModeSender",
    "block_kit_builder_url",
    "buttons",
    "render_message",
    "render_mrkdwn",
]
