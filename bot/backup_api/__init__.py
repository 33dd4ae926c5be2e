"""Rackspace Cloud Backup API adapter: the only part of the bot that speaks to the service."""

from bot.backup_api.auth import (
    DEFAULT_IDENTITY_URL,
    Auth,
    Grant,
    IdentityAuth,
    StaticTokenAuth,
)
from bot.backup_api.catalog import Endpoint
from bot.backup_api.client import BackupApiClient, Fleet, build_client
from bot.backup_api.errors import (
    AgentNotFoundError,
    AuthenticationError,
    BackupApiConnectionError,
    BackupApiError,
    BackupApiHttpError,
    BackupApiTimeoutError,
    MalformedResponseError,
    RegionNotFoundError,
    ServiceUnavailableError,
)
from bot.backup_api.models import Agent, AgentStatus, PublicKey
from bot.backup_api.parsing import loads_lenient, parse_agent, parse_agents

__all__ = [
    "DEFAULT_IDENTITY_URL",
    "Agent",
    "AgentNotFoundError",
    "AgentStatus",
    "Auth",
    "AuthenticationError",
    "BackupApiClient",
    "BackupApiConnectionError",
    "BackupApiError",
    "BackupApiHttpError",
    "BackupApiTimeoutError",
    "Endpoint",
    "Fleet",
    "Grant",
    "IdentityAuth",
    "MalformedResponseError",
    "PublicKey",
    "RegionNotFoundError",
    "ServiceUnavailableError",
    "StaticTokenAuth",
    "build_client",
    "loads_lenient",
    "parse_agent",
    "parse_agents",
]
