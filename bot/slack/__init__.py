"""The Slack side of the bot: commands, messages and the Bolt app that serves them."""
