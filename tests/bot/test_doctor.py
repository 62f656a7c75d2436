"""rapport doctor: a clear report, exit 1 on a problem, no secrets shown, nothing migrated."""

from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from bot.cli import main
from bot.ledger.db import open_ledger

GOOD_DISCORD = "MTA4MjAxNTQ0NzY4ODU0NDE2MA.GcXyZa.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run(monkeypatch, tmp_path, **env):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "RAPPORT_MODEL"):
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
        SLACK_BOT_TOKEN="xoxb-1-2-abc",
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99aaabbb85a5",
        DISCORD_TOKEN=GOOD_DISCORD,
    )
    assert result.exit_code == 0, result.output
    rows = [line.split(None, 2) for line in result.output.splitlines()]
    assert any(row[:2] == ["ok", "migrations"] and row[2].startswith("up to date") for row in rows)
    assert "FAIL" not in result.output and "warn" not in result.output
    assert GOOD_DISCORD not in result.output and "xoxb-1-2-abc" not in result.output


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
