"""``backup-bot doctor`` against two simulators and the Slack stand-in, good and broken."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from bot.devtools.fake_slack import DEFAULT_APP_TOKEN
from bot.doctor import REQUIRED_BOT_SCOPES
from bot.wakeup import SqliteWakeupStore
from tests.doctor.conftest import RunDoctor, Setup

ROOT = Path(__file__).resolve().parents[2]


def test_the_required_scopes_are_the_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    assert sorted(REQUIRED_BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


def test_good_settings_pass_every_check(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor()
    assert result.failures() == []
    assert result.code == 0
    assert result.lines == [
        "ok   configuration: loads; HTTP mode; account(s) prod, lab from ACCOUNTS_FILE"
        f" {setup.tmp_path / 'accounts.toml'}",
        f"ok   account prod: authentication: Rackspace Identity at {setup.prod.identity_url}"
        " accepted 'rax-prod'",
        f"ok   account prod, region DFW: endpoint: {setup.prod.backup_url('DFW')} (region DFW)",
        f"ok   account prod, region DFW: list call: {len(setup.prod.agents('DFW'))} agent(s)",
        "ok   account lab: authentication: the backup API accepted the token from RAX_LAB_TOKEN",
        f"ok   account lab: endpoint: {setup.lab.backup_url('DFW')} (direct)",
        f"ok   account lab: list call: {len(setup.lab.agents('DFW'))} agent(s)",
        "ok   Slack: auth.test: bot user backup-bot in workspace Example",
        "ok   Slack: scopes: commands, chat:write, chat:write.public granted",
        f"ok   state store {setup.tmp_path / 'state' / 'state.sqlite3'}: {setup.tmp_path} is"
        " writable; the file is created at start",
    ]
    assert not (setup.tmp_path / "state").exists()  # doctor creates nothing
    assert [p.name for p in setup.tmp_path.iterdir() if p.name.startswith(".backup-bot")] == []


def test_the_single_account_environment_passes_too(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(
        ACCOUNTS_FILE="",
        RACKSPACE_USERNAME="rax-prod",
        RACKSPACE_API_KEY=setup.prod.config.api_key,
        RACKSPACE_IDENTITY_URL=setup.prod.identity_url,
        WATCH_CHANNEL_IDS="C0WATCH:ORD",
    )
    assert result.code == 0, result.output
    assert "account(s) default from the environment (no ACCOUNTS_FILE)" in result.lines[0]
    # The account's default region (the user's, DFW here) and the region a watch asks for.
    assert result.line("ok   account default, region default: endpoint:").endswith(
        f"{setup.prod.backup_url('DFW')} (region DFW)"
    )
    assert result.line("ok   account default, region ORD: endpoint:").endswith(
        f"{setup.prod.backup_url('ORD')} (region ORD)"
    )


def test_a_wrong_api_key_fails_authentication(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(RAX_PROD_API_KEY="not-the-key-123")
    assert result.code == 1
    line = result.line("FAIL account prod: authentication:")
    assert "refused the username 'rax-prod'" in line
    assert "Check the username 'rax-prod' and the API key in RAX_PROD_API_KEY" in line
    assert "not-the-key-123" not in result.output
    assert not any(line.startswith("ok   account prod, region") for line in result.lines)
    assert result.line("ok   account lab: list call:")  # the other account is still checked


def test_an_unknown_region_fails_its_endpoint_with_the_regions_that_exist(
    setup: Setup, doctor: RunDoctor
) -> None:
    setup.write_accounts(setup.accounts_toml(prod_region="LON"))
    result = doctor()
    assert result.code == 1
    assert result.line("ok   account prod: authentication:")
    line = result.line("FAIL account prod, region LON: endpoint:")
    assert "no Cloud Backup endpoint in LON; it has DFW, HKG, IAD, ORD, SYD" in line
    assert line.endswith(
        "Use one of: DFW, HKG, IAD, ORD, SYD. (fix accounts.prod.region in ACCOUNTS_FILE)"
    )
    assert result.failures() == [line]


def test_a_watched_region_the_account_lacks_names_watch_channel_ids(
    setup: Setup, doctor: RunDoctor
) -> None:
    result = doctor(WATCH_CHANNEL_IDS="C0PROD:LON,C0LAB:ORD")
    assert result.line("ok   account prod, region DFW: list call:")
    line = result.line("FAIL account prod, region LON: endpoint:")
    assert line.endswith("(fix WATCH_CHANNEL_IDS)")
    assert result.line("FAIL account lab, region ORD: endpoint:").endswith(
        "a direct endpoint cannot switch regions: drop the region there, or use a username and"
        " API key for this account"
    )
    assert len(result.failures()) == 2
    assert result.code == 1


def test_an_unreachable_endpoint_fails_with_what_to_check(
    setup: Setup, doctor: RunDoctor, closed_port: int
) -> None:
    setup.write_accounts(setup.accounts_toml(lab_url=f"http://127.0.0.1:{closed_port}/v1.0/2"))
    result = doctor()
    assert result.code == 1
    line = result.line(f"FAIL account lab: endpoint http://127.0.0.1:{closed_port}/v1.0/2:")
    assert "Could not list agents" in line
    assert "Check the network and the backup API address" in line
    assert result.failures() == [line]


def test_an_unreachable_identity_fails_authentication(
    setup: Setup, doctor: RunDoctor, closed_port: int
) -> None:
    identity = f"http://127.0.0.1:{closed_port}/v2.0/"
    setup.write_accounts(setup.accounts_toml(prod_identity=identity))
    result = doctor()
    line = result.line("FAIL account prod: authentication:")
    assert f"Rackspace Identity at {identity}: Could not authenticate" in line
    assert result.code == 1


def test_a_refused_direct_token_fails_authentication(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(RAX_LAB_TOKEN="expired-token-0001")
    line = result.line("FAIL account lab: authentication:")
    assert "HTTP 401" in line
    assert "The token in RAX_LAB_TOKEN is expired or invalid" in line
    assert "expired-token-0001" not in result.output
    assert result.code == 1


def test_a_bad_slack_token_fails_auth_test(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(SLACK_BOT_TOKEN="xoxb-revoked-999")
    assert result.code == 1
    assert result.failures() == [
        "FAIL Slack: auth.test: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User"
        " OAuth Token from OAuth & Permissions (reinstall the app if it was revoked)"
    ]
    assert "xoxb-revoked-999" not in result.output


def test_a_missing_scope_is_named(setup: Setup, doctor: RunDoctor) -> None:
    setup.slack.scopes = ("commands", "chat:write", "channels:read")
    result = doctor()
    assert result.code == 1
    assert result.failures() == [
        "FAIL Slack: scopes: missing chat:write.public: add them under OAuth & Permissions ->"
        " Bot Token Scopes (as manifest.yaml lists them), then reinstall the app to the workspace"
    ]


def test_unreachable_slack_fails(setup: Setup, doctor: RunDoctor, closed_port: int) -> None:
    result = doctor(SLACK_API_URL=f"http://127.0.0.1:{closed_port}/api/")
    line = result.line("FAIL Slack: auth.test:")
    assert f"cannot reach Slack at http://127.0.0.1:{closed_port}/api/" in line
    assert "check the network and SLACK_API_URL" in line


def test_an_unwritable_state_path_fails(setup: Setup, doctor: RunDoctor) -> None:
    in_the_way = setup.tmp_path / "not-a-directory"
    in_the_way.write_text("x", encoding="utf-8")
    result = doctor(STATE_PATH=str(in_the_way / "state.sqlite3"))
    assert result.code == 1
    assert result.failures() == [
        f"FAIL state store {in_the_way / 'state.sqlite3'}: a file is in the way at {in_the_way}:"
        " choose a STATE_PATH in a writable directory"
    ]


def test_a_state_path_that_is_a_directory_fails(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(STATE_PATH=str(setup.tmp_path))
    assert result.failures() == [
        f"FAIL state store {setup.tmp_path}: is a directory: set STATE_PATH to a file path"
        " inside it"
    ]


def test_an_existing_state_file_is_opened_and_kept(setup: Setup, doctor: RunDoctor) -> None:
    state = setup.tmp_path / "state.sqlite3"
    assert doctor(STATE_PATH=str(state)).code == 0
    SqliteWakeupStore(state).close()
    with contextlib.closing(sqlite3.connect(state)) as conn, conn:
        conn.execute("CREATE TABLE kept (what TEXT)")
        conn.execute("INSERT INTO kept VALUES ('pending wake-ups')")
    result = doctor(STATE_PATH=str(state))
    assert result.line(f"ok   state store {state}: opens and is writable")
    with contextlib.closing(sqlite3.connect(state)) as conn:
        assert conn.execute("SELECT what FROM kept").fetchall() == [("pending wake-ups",)]
    state.write_bytes(b"this is not a database, and it stays " * 200)
    corrupt = state.read_bytes()
    result = doctor(STATE_PATH=str(state))
    assert result.line(f"FAIL state store {state}:")
    assert state.read_bytes() == corrupt


def test_socket_mode_app_token_that_opens_a_connection(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(SLACK_APP_TOKEN=DEFAULT_APP_TOKEN, SLACK_SIGNING_SECRET="")
    assert result.code == 0, result.output
    assert "Socket Mode" in result.lines[0]
    assert result.line("ok   Slack: Socket Mode: the app token can open a connection")
    assert "ws://" not in result.output  # the single-use URL is a credential
    assert DEFAULT_APP_TOKEN not in result.output


def test_socket_mode_app_token_refused(setup: Setup, doctor: RunDoctor) -> None:
    result = doctor(SLACK_APP_TOKEN="xapp-1-refused-0", SLACK_SIGNING_SECRET="")
    assert result.code == 1
    assert result.failures() == [
        "FAIL Slack: Socket Mode: Slack refused SLACK_APP_TOKEN (invalid_auth): create an"
        " app-level token with connections:write under Basic Information -> App-Level Tokens,"
        " and turn Socket Mode on"
    ]
    assert "xapp-1-refused-0" not in result.output


def test_settings_that_do_not_load_are_listed_and_exit_2(setup: Setup, doctor: RunDoctor) -> None:
    setup.write_accounts('[accounts.prod]\nusername = "u"\napi_key = "inline-0001"\n')
    result = doctor(SLACK_BOT_TOKEN="")
    assert result.code == 2
    accounts = setup.tmp_path / "accounts.toml"
    assert result.lines == [
        f"FAIL configuration: ACCOUNTS_FILE {accounts}: accounts.prod.api_key: a secret written"
        " in the file, which gets committed: remove it and use api_key_env or api_key_file",
        "FAIL configuration: SLACK_BOT_TOKEN is missing (the bot token, xoxb-...)",
        "FAIL configuration: 2 problem(s): fix them, then run doctor again",
    ]
    assert "inline-0001" not in result.output


def test_the_cli_runs_doctor_with_an_env_file(setup: Setup, tmp_path: Path) -> None:
    env_file = tmp_path / "doctor.env"
    env_file.write_text(
        "\n".join(f"{k}={v}" for k, v in setup.env(SLACK_BOT_TOKEN="xoxb-bad-1").items()) + "\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "doctor", "--env-file", str(env_file)],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert "ok   account prod, region DFW: list call:" in done.stdout
    assert "FAIL Slack: auth.test: Slack refused SLACK_BOT_TOKEN (invalid_auth)" in done.stdout
    for secret in (*setup.secrets(), "xoxb-bad-1"):
        assert secret not in done.stdout + done.stderr
