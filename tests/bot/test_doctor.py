"""rapport doctor: a clear report, exit 1 on a problem, no secrets shown, nothing migrated."""

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from bot.cli import main
from bot.ledger.db import open_ledger

GOOD_DISCORD = "MTA4MjAxNTQ0NzY4ODU0NDE2MA.GcXyZa.abcdefghijklmnopqrstuvwxyz0123456789AB"
GOOD_BOT = "xoxb-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx"
GOOD_APP = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"


def run(monkeypatch, tmp_path, **env):
    for name in (
        *("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"),
        *("DISCORD_TOKEN", "RAPPORT_MODEL"),
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(main, ["doctor"])


def test_a_healthy_setup_passes(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    open_ledger(url)
    result = run(
        monkeypatch,
        tmp_path,
        RAPPORT_DATABASE_URL=url,
        SLACK_BOT_TOKEN=GOOD_BOT,
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99aaabbb85a5",
        SLACK_APP_TOKEN=GOOD_APP,
        DISCORD_TOKEN=GOOD_DISCORD,
    )
    assert result.exit_code == 0, result.output
    rows = [line.split(None, 2) for line in result.output.splitlines()]
    assert any(row[:2] == ["ok", "migrations"] and row[2].startswith("up to date") for row in rows)
    assert "FAIL" not in result.output and "warn" not in result.output
    assert GOOD_DISCORD not in result.output and GOOD_BOT not in result.output and GOOD_APP not in result.output


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-x"),  # a placeholder with the right prefix
        ("SLACK_BOT_TOKEN", "xoxb-1-2-abc"),  # ids far too short
        ("SLACK_BOT_TOKEN", "xoxp-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx"),  # a user token
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"),  # the README's placeholder
        ("SLACK_APP_TOKEN", "xapp-x"),
        ("SLACK_APP_TOKEN", "xoxb-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx"),  # a bot token in its place
        ("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99aaabbb85a"),  # one digit short
        ("DISCORD_TOKEN", "abcdefghijklmnopqrstuvwxyz.GcXyZa.abcdefghijklmnopqrstuvwxyz0123456789AB"),  # no user id
        ("DISCORD_TOKEN", "x.y.z"),
    ],
)
def test_malformed_token_shapes_fail_without_showing_the_value(monkeypatch, tmp_path, name, value):
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    open_ledger(url)
    env = {"SLACK_BOT_TOKEN": GOOD_BOT, "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99aaabbb85a5"}
    env |= {"DISCORD_TOKEN": GOOD_DISCORD, name: value}
    result = run(monkeypatch, tmp_path, RAPPORT_DATABASE_URL=url, **env)
    assert result.exit_code == 1, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].split()[1] == name and "expected" in failed[0], result.output
    assert value not in result.output


def test_problems_fail_with_a_clear_line_and_no_secret(monkeypatch, tmp_path):
    result = run(
        monkeypatch,
        tmp_path,
        RAPPORT_DATABASE_URL="postgresql+psycopg://rapport:hunter22@127.0.0.1:1/rapport",
        SLACK_BOT_TOKEN="xoxp-user-token",
        DISCORD_TOKEN="not-a-token",
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("FAIL  database") and "cannot reach" in line for line in lines)
    assert any(line.startswith("FAIL  SLACK_BOT_TOKEN") for line in lines)
    assert any(line.startswith("FAIL  DISCORD_TOKEN") for line in lines)
    assert "hunter22" not in result.output and "xoxp-user-token" not in result.output
    assert "not-a-token" not in result.output


def test_pending_migrations_are_reported_not_applied(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run(monkeypatch, tmp_path, RAPPORT_DATABASE_URL=url)
    assert result.exit_code == 0
    assert "run 'rapport db upgrade'" in result.output
    assert "users" not in inspect(create_engine(url)).get_table_names()


SECRET = "8f742231b10e8888abcd99aaabbb85a5"
CLIENT = {"SLACK_CLIENT_ID": "1234567890.0987654321", "SLACK_CLIENT_SECRET": "3f1e2d3c4b5a69788796a5b4c3d2e1f0"}


def slack_line(result) -> str:
    [line] = [line for line in result.output.splitlines() if line.split()[1:2] == ["slack"]]
    return line


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": SECRET},
            "warn one workspace (HTTP) on SLACK_BOT_TOKEN, once SLACK_BOT_TOKEN is fixed",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "FAIL one workspace: SLACK_SIGNING_SECRET not set"),
        ({}, "warn one workspace: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET not set"),
        (
            {**CLIENT, "SLACK_SIGNING_SECRET": SECRET},
            "ok many workspaces: install at https://<your host>/slack/",
        ),
        (
            {"SLACK_CLIENT_ID": CLIENT["SLACK_CLIENT_ID"]},
            "FAIL many workspaces: SLACK_CLIENT_SECRET, SLACK_SIG",
        ),
    ],
)
def test_doctor_says_which_slack_mode_and_what_it_misses_in_one_line(monkeypatch, tmp_path, env, line):
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    open_ledger(url)
    result = run(monkeypatch, tmp_path, RAPPORT_DATABASE_URL=url, **env)
    status, _what, detail = slack_line(result).split(None, 2)
    assert f"{status} {detail}".startswith(line), result.output
    assert CLIENT["SLACK_CLIENT_SECRET"] not in result.output


def test_many_workspaces_settings_need_http_mode_and_both_credentials(monkeypatch, tmp_path):
    from bot import settings

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    for name, value in CLIENT.items():
        monkeypatch.setenv(name, value)
    config = settings.load().slack()
    assert config.bot_token is None and config.oauth.client_id == CLIENT["SLACK_CLIENT_ID"]
    assert config.oauth.token_rotation_minutes == 120  # bolt's default
    monkeypatch.setenv("SLACK_APP_TOKEN", GOOD_APP)
    with pytest.raises(settings.SettingsError, match=r"^SLACK_APP_TOKEN is set, but many workspaces need HTTP mode"):
        settings.load().slack()
    monkeypatch.delenv("SLACK_APP_TOKEN")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "not-hex")
    with pytest.raises(settings.SettingsError, match=r"^SLACK_CLIENT_SECRET is malformed"):
        settings.load().slack()
    monkeypatch.delenv("SLACK_CLIENT_SECRET")
    with pytest.raises(settings.SettingsError, match=r"^SLACK_CLIENT_SECRET is not set"):
        settings.load().slack()


def test_a_platform_whose_extra_is_missing_fails_naming_it(monkeypatch, tmp_path):
    import sys

    url = f"sqlite:///{tmp_path / 'ok.db'}"
    open_ledger(url)
    monkeypatch.setitem(sys.modules, "slack_bolt", None)  # find_spec answers None: as if not installed
    monkeypatch.setitem(sys.modules, "discord", None)
    result = run(
        monkeypatch,
        tmp_path,
        RAPPORT_DATABASE_URL=url,
        SLACK_BOT_TOKEN=GOOD_BOT,
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99aaabbb85a5",
        DISCORD_TOKEN=GOOD_DISCORD,
    )
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    slack = [line for line in lines if line.split(None, 2)[1:2] == ["slack"]]
    discord = [line for line in lines if line.split(None, 2)[1:2] == ["discord"]]
    assert len(slack) == 1 and slack[0].startswith("FAIL") and "pip install '.[slack]'" in slack[0], lines
    assert len(discord) == 1 and discord[0].startswith("FAIL") and "pip install '.[discord]'" in discord[0], lines


def test_malformed_client_credentials_give_no_ok_slack_line(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    open_ledger(url)
    result = run(
        monkeypatch,
        tmp_path,
        RAPPORT_DATABASE_URL=url,
        SLACK_CLIENT_ID="not-an-id",
        SLACK_CLIENT_SECRET="x",
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99aaabbb85a5",
    )
    assert result.exit_code == 1, result.output
    rows = [line.split(None, 2) for line in result.output.splitlines()]
    assert ["FAIL", "SLACK_CLIENT_ID"] in [row[:2] for row in rows], result.output
    assert not any(row[:2] == ["ok", "slack"] for row in rows), result.output
