"""Which account a channel may use and which one a request is about: the walls, pure."""

from __future__ import annotations

import dataclasses

import pytest

from bot.accounts import AccountConfig, Accounts, Refusal
from bot.config import Secret, load_settings

PROD = AccountConfig(
    name="prod",
    username="rax-prod",
    api_key=Secret("prod-key"),
    channels=frozenset({"C0PROD", "C0OPS"}),
)
STAGING = AccountConfig(
    name="staging",
    username="rax-staging",
    api_key=Secret("staging-key"),
    channels=frozenset({"C0OPS", "C0STAGE"}),
)
LAB = AccountConfig(
    name="lab",
    backup_api_url="http://127.0.0.1:9/v1.0/42",
    auth_token=Secret("lab-token"),
    channels=None,
)
CLIENT = AccountConfig(
    name="client-a",
    username="rax-client",
    api_key=Secret("client-key"),
    channels=frozenset({"C0CLIENT"}),
)


def accounts(default: str | None = None, **channels: str) -> Accounts:
    return Accounts(
        accounts=(PROD, STAGING, LAB, CLIENT),
        default_account=default,
        channel_defaults=tuple((c, n) for c, n in channels.items()),
    )


def names(found: tuple[AccountConfig, ...]) -> list[str]:
    return [a.name for a in found]


def test_an_account_with_channels_is_usable_only_there_and_one_without_everywhere() -> None:
    walls = accounts()
    assert names(walls.usable_in("C0PROD")) == ["prod", "lab"]
    assert names(walls.usable_in("C0OPS")) == ["prod", "staging", "lab"]
    assert names(walls.usable_in("C0CLIENT")) == ["lab", "client-a"]
    assert names(walls.usable_in("C0ELSEWHERE")) == ["lab"]


def test_channel_ids_compare_case_insensitively() -> None:
    assert names(accounts().usable_in("c0prod")) == ["prod", "lab"]
    assert accounts(C0OPS="staging").resolve(" c0ops ", None) == STAGING


def test_the_account_named_wins_when_it_is_usable_there() -> None:
    assert accounts(C0OPS="prod").resolve("C0OPS", "staging") == STAGING
    assert accounts().resolve("C0PROD", "LAB") == LAB  # names ignore case


def test_a_walled_off_name_gets_the_same_answer_as_a_name_that_does_not_exist() -> None:
    walls = accounts()
    walled = walls.resolve("C0PROD", "client-a")
    missing = walls.resolve("C0PROD", "client-b")
    assert isinstance(walled, Refusal)
    assert isinstance(missing, Refusal)
    assert (walled.reason, walled.usable) == (missing.reason, missing.usable)
    assert walled.message.replace("client-a", "X") == missing.message.replace("client-b", "X")
    assert "client-a" not in walled.usable
    assert walled.usable == ("prod", "lab")
    assert "Accounts usable here: prod, lab." in walled.message


def test_the_channel_default_comes_next() -> None:
    assert accounts(C0OPS="staging").resolve("C0OPS", None) == STAGING
    assert accounts(C0OPS="staging").resolve("C0OPS", "") == STAGING


def test_channel_defaults_given_in_code_match_any_spelling() -> None:
    assert accounts(c0ops="staging").resolve("C0OPS", None) == STAGING


def test_a_channel_default_that_is_not_usable_there_is_skipped() -> None:
    # load_settings refuses such a file; resolve still never crosses the wall.
    found = accounts(C0PROD="client-a").resolve("C0PROD", None)
    assert isinstance(found, Refusal)
    assert found.reason == "ambiguous"


def test_the_only_account_usable_in_a_channel_is_chosen() -> None:
    assert accounts().resolve("C0ELSEWHERE", None) == LAB
    single = Accounts(accounts=(CLIENT,))
    assert single.resolve("C0CLIENT", None) == CLIENT


def test_default_account_decides_where_several_are_usable() -> None:
    assert accounts(default="lab").resolve("C0OPS", None) == LAB
    assert accounts(default="prod", C0OPS="staging").resolve("C0OPS", None) == STAGING


def test_default_account_not_usable_in_the_channel_does_not_apply() -> None:
    found = accounts(default="prod").resolve("C0CLIENT", None)
    assert isinstance(found, Refusal)
    assert found.reason == "ambiguous"
    assert found.usable == ("lab", "client-a")
    assert found.message == (
        "Several accounts can be used here: lab, client-a. Name one with account:NAME."
    )


def test_a_channel_with_no_usable_account_is_told_so() -> None:
    walled = Accounts(accounts=(PROD, CLIENT))
    found = walled.resolve("C0ELSEWHERE", None)
    assert found == Refusal("no_account_here", None, ())
    assert found.message == "No Rackspace account may be used in this channel."
    named = walled.resolve("C0ELSEWHERE", "prod")
    assert isinstance(named, Refusal)
    assert named.reason == "unknown_account"
    assert "prod" not in named.usable
    assert named.message == "There is no account prod here, and no account may be used here."


def test_user_lists_are_per_account_and_empty_means_everyone() -> None:
    boss_only = dataclasses.replace(PROD, wakeup_allowed_user_ids=frozenset({"U0BOSS"}))
    assert boss_only.may_wake("u0boss")
    assert not boss_only.may_wake("U0OTHER")
    assert PROD.may_wake("U0ANYONE")
    assert PROD.may_watch("U0ANYONE")


def test_the_environment_describes_one_default_account_usable_everywhere() -> None:
    env = {
        "RACKSPACE_USERNAME": "ops",
        "RACKSPACE_API_KEY": "rk-0123456789abcdef",
        "RACKSPACE_REGION": "ord",
        "WAKEUP_ALLOWED_USER_IDS": "U0BOSS",
        "WATCH_ALLOWED_USER_IDS": "U0WATCH",
    }
    settings = load_settings(env)
    (account,) = settings.accounts.accounts
    assert account.name == "default"
    assert (account.username, account.api_key.reveal(), account.region) == (
        "ops",
        "rk-0123456789abcdef",
        "ORD",
    )
    assert account.channels is None
    assert account.wakeup_allowed_user_ids == frozenset({"U0BOSS"})
    assert account.watch_allowed_user_ids == frozenset({"U0WATCH"})
    assert settings.accounts.resolve("C0ANY", None) == account
    assert settings.accounts.resolve("C0ANY", "default") == account
    assert isinstance(settings.accounts.resolve("C0ANY", "prod"), Refusal)
    # The fields the bot reads today are unchanged.
    assert settings.rackspace_username == "ops"
    assert settings.rackspace_region == "ORD"


def test_the_environment_account_follows_the_settings_it_came_from() -> None:
    settings = load_settings(
        {"BACKUP_API_URL": "http://127.0.0.1:9/v1.0/7", "BACKUP_AUTH_TOKEN": "tok-abc"}
    )
    changed = dataclasses.replace(settings, backup_api_url="http://127.0.0.1:10/v1.0/8")
    assert changed.accounts.accounts[0].backup_api_url == "http://127.0.0.1:10/v1.0/8"
    assert not changed.accounts.accounts[0].uses_identity
    assert changed.accounts.accounts[0].client_options() == {
        "backup_api_url": "http://127.0.0.1:10/v1.0/8",
        "backup_auth_token": "tok-abc",
    }


def test_accounts_given_in_code_are_kept_by_settings() -> None:
    settings = load_settings({"RACKSPACE_USERNAME": "ops", "RACKSPACE_API_KEY": "k-1"})
    mine = accounts()
    assert dataclasses.replace(settings, accounts=mine).accounts is mine


@pytest.mark.parametrize("account", [PROD, LAB])
def test_secrets_stay_out_of_reprs(account: AccountConfig) -> None:
    walls = accounts()
    for text in (repr(account), str(account), repr(walls), f"{walls}"):
        for secret in ("prod-key", "staging-key", "lab-token", "client-key"):
            assert secret not in text
    assert sorted(walls.secrets()) == ["client-key", "lab-token", "prod-key", "staging-key"]
