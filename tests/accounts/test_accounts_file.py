"""ACCOUNTS_FILE read by load_settings: the format of issue 11, and every problem at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.accounts import Refusal
from bot.config import ConfigError, Settings, load_settings

PROD_KEY = "prod-api-key-0123456789"
LAB_TOKEN = "lab-token-abcdef0123"
FILE_KEY = "file-api-key-9876543210"

GOOD = """\
default_account = "prod"              # optional: where nothing else decides

[accounts.prod]
username = "rax-prod"
api_key_env = "RAX_PROD_API_KEY"
region = "dfw"
identity_url = "http://127.0.0.1:9/v2.0/"
channels = ["C0PROD", "c0ops"]
wakeup_allowed_user_ids = ["U0BOSS"]
watch_allowed_user_ids = ["U0BOSS"]

[accounts.lab]
backup_api_url = "http://127.0.0.1:9/v1.0/123456/"
auth_token_env = "RAX_LAB_TOKEN"

[channels]
C0OPS = "prod"
"""


def write(tmp_path: Path, text: str, name: str = "accounts.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def env_for(path: Path, **extra: str) -> dict[str, str]:
    return {
        "ACCOUNTS_FILE": str(path),
        "RAX_PROD_API_KEY": PROD_KEY,
        "RAX_LAB_TOKEN": LAB_TOKEN,
        "WAKEUP_ALLOWED_USER_IDS": "U0GLOBAL",
        "WATCH_ALLOWED_USER_IDS": "U0GLOBALW",
        **extra,
    }


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    for secret in (PROD_KEY, LAB_TOKEN, FILE_KEY, "inline-secret-value"):
        assert secret not in message
    return caught.value.problems


def load(tmp_path: Path, text: str, **extra: str) -> Settings:
    return load_settings(env_for(write(tmp_path, text), **extra))


def test_the_issue_format_is_read(tmp_path: Path) -> None:
    settings = load(tmp_path, GOOD)
    accounts = settings.accounts
    assert accounts.names() == ("prod", "lab")
    assert accounts.default_account == "prod"
    assert accounts.channel_defaults == (("C0OPS", "prod"),)
    assert accounts.source == tmp_path / "accounts.toml"
    prod = accounts.get("prod")
    lab = accounts.get("lab")
    assert prod is not None
    assert lab is not None
    assert prod.uses_identity
    assert (prod.username, prod.api_key.reveal(), prod.region) == ("rax-prod", PROD_KEY, "DFW")
    assert prod.identity_url == "http://127.0.0.1:9/v2.0/"
    assert prod.channels == frozenset({"C0PROD", "C0OPS"})
    assert prod.wakeup_allowed_user_ids == frozenset({"U0BOSS"})
    assert prod.watch_allowed_user_ids == frozenset({"U0BOSS"})
    assert not lab.uses_identity
    assert lab.backup_api_url == "http://127.0.0.1:9/v1.0/123456"
    assert lab.auth_token.reveal() == LAB_TOKEN
    assert lab.channels is None
    assert lab.identity_url == "https://identity.api.rackspacecloud.com/v2.0/"
    # Lists an account does not set fall back to the global ones.
    assert lab.wakeup_allowed_user_ids == frozenset({"U0GLOBAL"})
    assert lab.watch_allowed_user_ids == frozenset({"U0GLOBALW"})
    assert accounts.resolve("C0OPS", None) == prod
    assert accounts.resolve("C0PROD", None) == prod  # default_account, usable there
    assert accounts.resolve("C0LAB", None) == lab  # the only account usable there
    assert isinstance(accounts.resolve("C0LAB", "prod"), Refusal)
    assert PROD_KEY in settings.secrets()
    assert LAB_TOKEN in settings.secrets()
    for text in (repr(settings), str(settings.accounts)):
        assert PROD_KEY not in text
        assert LAB_TOKEN not in text


def test_a_secret_file_is_read_and_one_trailing_newline_stripped(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(FILE_KEY + "\n", encoding="utf-8")
    (tmp_path / "token").write_text(LAB_TOKEN + "\r\n", encoding="utf-8")
    (tmp_path / "spaced").write_text(" two-newlines\n\n", encoding="utf-8")
    text = f"""\
        [accounts.a]
        username = "u"
        api_key_file = "{tmp_path / "key"}"
        [accounts.b]
        backup_api_url = "http://127.0.0.1:9/v1.0/1"
        auth_token_file = "token"
        [accounts.c]
        username = "u"
        api_key_file = "spaced"
        """
    accounts = load(tmp_path, text).accounts
    assert [a.secrets() for a in accounts.accounts] == [
        [FILE_KEY],
        [LAB_TOKEN],  # relative to the accounts file's directory
        [" two-newlines\n"],  # only one newline goes
    ]


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("api_key", "api_key_env or api_key_file"),
        ("auth_token", "auth_token_env or auth_token_file"),
        (
            "password",
            "api_key_env or api_key_file (the bot signs in with an API key, not a password)",
        ),
    ],
)
def test_an_inline_secret_refuses_the_start_naming_the_key(
    tmp_path: Path, key: str, hint: str
) -> None:
    path = write(
        tmp_path,
        f"""\
        [accounts.prod]
        username = "rax-prod"
        api_key_env = "RAX_PROD_API_KEY"
        {key} = "inline-secret-value"
        """,
    )
    (line,) = problems_of(env_for(path))
    assert line == (
        f"ACCOUNTS_FILE {path}: accounts.prod.{key}: a secret written in the file, which gets"
        f" committed: remove it and use {hint}"
    )


def test_an_inline_secret_alone_is_one_line_not_a_missing_variable_too(tmp_path: Path) -> None:
    path = write(tmp_path, '[accounts.prod]\nusername = "u"\npassword = "inline-secret-value"\n')
    (line,) = problems_of(env_for(path))
    assert line.startswith(f"ACCOUNTS_FILE {path}: accounts.prod.password: a secret written")


def test_every_problem_of_the_file_is_listed_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        default_account = "nope"
        colour = "blue"

        [accounts.prod]
        username = "rax-prod"
        api_key_env = "RAX_MISSING"
        channels = ["C0PROD"]
        region = "DFW"
        flavour = "x"

        [accounts.lab]
        backup_api_url = "http://127.0.0.1:9/v1.0/1"
        auth_token_file = "/nonexistent/token"
        region = "ORD"

        [accounts.empty]
        region = "DFW"

        [accounts.both]
        username = "u"
        api_key_env = "RAX_PROD_API_KEY"
        backup_api_url = "http://127.0.0.1:9/v1.0/1"
        auth_token_env = "RAX_LAB_TOKEN"

        [accounts.walled]
        username = "u"
        api_key_env = "RAX_PROD_API_KEY"
        channels = ["C0WALL"]

        [channels]
        C0OPS = "ghost"
        C0ELSE = "walled"
        """,
    )
    found = problems_of(env_for(path))
    where = f"ACCOUNTS_FILE {path}"
    assert found == [
        f"{where}: colour: unknown key; expected default_account, accounts, channels",
        f"{where}: accounts.prod.flavour: unknown key; expected username, api_key_env,"
        " api_key_file, region, identity_url, backup_api_url, auth_token_env, auth_token_file,"
        " channels, wakeup_allowed_user_ids, watch_allowed_user_ids",
        f"{where}: accounts.prod.api_key_env: the variable RAX_MISSING is not set or empty",
        f"{where}: accounts.lab.auth_token_file: cannot read /nonexistent/token:"
        " No such file or directory",
        f"{where}: accounts.lab.region: only works with username and an API key:"
        " backup_api_url already fixes the region",
        f"{where}: accounts.empty: no credentials: give username with api_key_env (or"
        " api_key_file), or backup_api_url with auth_token_env (or auth_token_file)",
        f"{where}: accounts.both: both Rackspace Identity credentials (username, api_key_*)"
        " and a direct endpoint (backup_api_url, auth_token_*): keep one of them",
        f"{where}: default_account: no account named 'nope' in [accounts]",
        f"{where}: channels.C0OPS: no account named 'ghost' in [accounts]",
        f"{where}: channels.C0ELSE: account walled may not be used in C0ELSE: add the channel"
        " to accounts.walled.channels, or choose another account",
    ]


def test_a_toml_syntax_error_names_the_file_and_the_place(tmp_path: Path) -> None:
    path = write(tmp_path, '[accounts.prod]\nusername = "rax-prod\n')
    (line,) = problems_of(env_for(path))
    assert line.startswith(f"ACCOUNTS_FILE {path}: not valid TOML: ")
    assert "line 2" in line


def test_a_missing_accounts_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    assert problems_of(env_for(path)) == [
        f"ACCOUNTS_FILE {path}: cannot read it: No such file or directory"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "accounts: missing: describe at least one account as [accounts.NAME]"),
        ("[accounts]\n", "accounts: empty: describe at least one account as [accounts.NAME]"),
        (
            '[accounts.prod]\nusername = "u"\n',
            "accounts.prod.api_key_env: missing: name the variable (api_key_env) or the"
            " mounted file (api_key_file) that holds it",
        ),
        (
            '[accounts.prod]\napi_key_env = "RAX_PROD_API_KEY"\n',
            "accounts.prod.username: missing: the Rackspace user of the API key",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "A"\napi_key_file = "b"\n',
            "accounts.prod: both api_key_env and api_key_file: keep one of them",
        ),
        (
            '[accounts.lab]\nauth_token_env = "RAX_LAB_TOKEN"\n',
            "accounts.lab.backup_api_url: missing: the full base URL with the tenant id, e.g."
            " https://dfw.backup.api.rackspacecloud.com/v1.0/123456",
        ),
        (
            '[accounts.lab]\nbackup_api_url = "ftp://x/v1.0/1"\nauth_token_env = "RAX_LAB_TOKEN"\n',
            "accounts.lab.backup_api_url: must be an http(s) URL, got 'ftp://x/v1.0/1'",
        ),
        (
            '[accounts.lab]\nbackup_api_url = "http://x"\nauth_token_env = "RAX_LAB_TOKEN"\n',
            "accounts.lab.backup_api_url: must be the full base URL including the tenant id,"
            " e.g. https://dfw.backup.api.rackspacecloud.com/v1.0/123456",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\nregion = 5\n',
            "accounts.prod.region: must be a string in quotes, got a number",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\nregion = "D-1"\n',
            "accounts.prod.region: must be a region like DFW or ORD, got 'D-1'",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\nchannels = []\n',
            "accounts.prod.channels: empty, so the account could be used nowhere: list its"
            " channels, or remove the key to allow every channel",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\n'
            'channels = ["#general"]\n',
            "accounts.prod.channels: must be channel IDs like C0123ABCD, got #general",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\n'
            'wakeup_allowed_user_ids = "U0BOSS"\n',
            "accounts.prod.wakeup_allowed_user_ids: must be a list of user IDs like U0123ABCD,"
            ' e.g. ["C0123ABCD"]',
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "not a name"\n',
            "accounts.prod.api_key_env: must be a variable name like RAX_PROD_API_KEY,"
            " got 'not a name'",
        ),
        (
            '[accounts."bad name"]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\n',
            "accounts.bad name: an account name is 1 to 32 letters, digits, - or _, starting"
            " with a letter or digit",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\n'
            '[accounts.PROD]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\n',
            "accounts.PROD: the same name as accounts.prod (names ignore case)",
        ),
        (
            'accounts = "prod"\n',
            "accounts: must be a table of [accounts.NAME] sections",
        ),
        (
            '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_PROD_API_KEY"\n'
            "[channels]\nC0OPS = 3\n",
            "channels.C0OPS: must be the name of an account in quotes",
        ),
    ],
)
def test_each_problem_has_its_message(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert problems_of(env_for(path)) == [f"ACCOUNTS_FILE {path}: {expected}"]


def test_an_empty_secret_file_is_a_problem_and_an_empty_variable_too(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("\n", encoding="utf-8")
    path = write(
        tmp_path,
        """\
        [accounts.a]
        username = "u"
        api_key_file = "key"
        [accounts.b]
        username = "u"
        api_key_env = "RAX_EMPTY"
        """,
    )
    assert problems_of(env_for(path, RAX_EMPTY="  ")) == [
        f"ACCOUNTS_FILE {path}: accounts.a.api_key_file: the file key is empty",
        f"ACCOUNTS_FILE {path}: accounts.b.api_key_env: the variable RAX_EMPTY is not set or empty",
    ]


def test_single_account_variables_next_to_the_file_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    found = problems_of(
        env_for(path, RACKSPACE_USERNAME="ops", RACKSPACE_REGION="ORD", BACKUP_API_URL="")
    )
    assert found == [
        "RACKSPACE_USERNAME is set, but ACCOUNTS_FILE describes the accounts: move it into the"
        " file (or leave ACCOUNTS_FILE empty)",
        "RACKSPACE_REGION is set, but ACCOUNTS_FILE describes the accounts: move it into the"
        " file (or leave ACCOUNTS_FILE empty)",
    ]


def test_file_problems_join_the_other_settings_problems_in_one_message(tmp_path: Path) -> None:
    path = write(tmp_path, '[accounts.prod]\nusername = "u"\napi_key_env = "RAX_MISSING"\n')
    found = problems_of(env_for(path, PORT="many"))
    assert found == [
        "PORT must be a whole number, got 'many'",
        f"ACCOUNTS_FILE {path}: accounts.prod.api_key_env: the variable RAX_MISSING is not set"
        " or empty",
    ]


def test_serve_exits_2_with_every_problem_on_stderr(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        [accounts.prod]
        username = "rax-prod"
        api_key = "inline-secret-value"
        [channels]
        C0OPS = "ghost"
        """,
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ACCOUNTS_FILE": str(path),
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_SIGNING_SECRET": "s3cr3t",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--http", "--env-file", str(tmp_path / "none")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "inline-secret-value" not in done.stderr + done.stdout
    assert f"ACCOUNTS_FILE {path}: accounts.prod.api_key: a secret written in the file" in (
        done.stderr
    )
    assert f"ACCOUNTS_FILE {path}: channels.C0OPS: no account named 'ghost'" in done.stderr


def test_the_shipped_example_file_loads(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "accounts.example.toml"
    text = example.read_text(encoding="utf-8").replace(
        "/run/secrets/rax_staging_api_key", str(tmp_path / "staging-key")
    )
    (tmp_path / "staging-key").write_text("staging-key-value\n", encoding="utf-8")
    accounts = load(tmp_path, text).accounts
    assert accounts.names() == ("prod", "staging", "lab")
    assert accounts.resolve("C0OPS", None).name == "prod"  # type: ignore[union-attr]
    assert accounts.resolve("C0STAGING", None).name == "staging"  # type: ignore[union-attr]
    assert isinstance(accounts.resolve("C0LAB", "prod"), Refusal)
