"""backup-bot: Rackspace Cloud Backup agents, listed and woken from Slack."""

__version__ = "0.1.0"
