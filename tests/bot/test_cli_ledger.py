"""The ledger commands, run as a user runs them, on an SQLite file."""

import json
import os
import subprocess

import pytest

from tests.bot.test_cli import CMD


@pytest.fixture
def rapport(tmp_path):
    env = {**os.environ, "NO_COLOR": "1", "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def run(*args):
        return subprocess.run([*CMD, *args], capture_output=True, text=True, env=env, timeout=120)

    return run


def test_log_followups_and_remind(rapport):
    assert rapport("log", "sent", "Dana Lee", "--at", "2026-11-02T10:00", "--note", "met at the meetup").returncode == 0
    assert rapport("log", "sent", "<@U123>", "--at", "2026-11-02T11:00").returncode == 0
    due = json.loads(rapport("followups", "--now", "2026-11-05T12:00", "--json").stdout)
    assert [(d["contact"], d["kind"]) for d in due] == [("Dana Lee", "follow_up"), ("<@U123>", "follow_up")]
    assert due[0]["due_at"] == "2026-11-05T10:00:00+00:00"
    r = rapport("log", "replied", "dana lee", "--at", "2026-11-04T09:00")
    assert r.returncode == 0 and "Cancelled 1" in r.stdout
    first = rapport("remind", "--now", "2026-11-05T12:00", "--json")
    assert [json.loads(line)["contact"] for line in first.stdout.splitlines()] == ["<@U123>"]
    assert rapport("remind", "--now", "2026-11-05T12:00", "--json").stdout == ""


def test_bad_input_is_one_clear_line(rapport, tmp_path):
    r = rapport("log", "replied", "nobody")
    assert r.returncode == 2 and "no outreach to 'nobody'" in r.stderr and "Traceback" not in r.stderr
    r = rapport("followups", "--now", "yesterday-ish")
    assert r.returncode == 2 and "not an ISO 8601 time" in r.stderr
    r = rapport("log", "sent", "   ")
    assert r.returncode == 2 and "needs a name" in r.stderr


def test_unreachable_database_is_one_clear_line(tmp_path):
    env = {**os.environ, "RAPPORT_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"}
    r = subprocess.run([*CMD, "followups"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and r.stderr.startswith("rapport: ") and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_db_upgrade(rapport):
    r = rapport("db", "upgrade")
    assert r.returncode == 0 and "up to date" in r.stdout


def test_show_export_and_forget(rapport):
    rapport("log", "sent", "Dana Lee", "--at", "2026-11-02T10:00", "--note", "asked about hiring")
    rapport("log", "replied", "Dana Lee", "--at", "2026-11-02T16:00")
    shown = rapport("log", "show")
    assert "Dana Lee: reached out 2026-11-02 10:00; replied 2026-11-02 16:00" in shown.stdout
    assert "Reached 1, 1 replied (100%); median time to reply 6 h." in shown.stdout
    data = json.loads(rapport("export", "--json").stdout)
    assert data["contacts"][0]["outreach"][0]["note"] == "asked about hiring"
    assert json.loads(rapport("log", "show", "--json").stdout)["stats"]["replied"] == 1
    assert rapport("forget").returncode == 1  # asks first; no answer on stdin aborts
    assert "deleted" in rapport("forget", "--yes").stdout
    assert json.loads(rapport("export").stdout)["contacts"] == []


def test_settings_done_and_snooze(rapport):
    r = rapport("settings", "--follow-up-days", "5", "--quiet-hours", "22-7", "--timezone", "Europe/Berlin")
    assert r.returncode == 0 and "follow up days: 5" in r.stdout and "timezone: Europe/Berlin" in r.stdout
    bad = rapport("settings", "--max-follow-ups", "12")
    assert bad.returncode == 2 and "max_follow_ups" in bad.stderr
    rapport("log", "sent", "Dana", "--at", "2026-11-02T10:00")
    rapport("log", "sent", "Lee", "--at", "2026-11-02T10:00")
    assert "ended" in rapport("done", "Dana").stdout
    assert "Snoozed 1" in rapport("snooze", "Lee", "--days", "10", "--now", "2026-11-02T10:00").stdout
    assert json.loads(rapport("followups", "--now", "2026-11-10T12:00", "--json").stdout) == []


def test_read_only_database_is_one_clear_line(rapport, tmp_path):
    assert rapport("log", "sent", "Dana").returncode == 0  # creates and migrates the file
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///file:{tmp_path / 'cli.db'}?mode=ro&uri=true"}
    r = subprocess.run([*CMD, "log", "sent", "Lee"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and r.stderr.startswith(
        "rapport: the database refused: attempt to write a readonly database (check free space and write permission"
    )
    assert r.stderr.count("\n") == 1


def test_daily_digest_from_the_command_line(rapport):
    assert "daily digest: on" in rapport("settings", "--daily-digest").stdout
    rapport("log", "sent", "Dana", "--at", "2026-11-02T10:00")
    rapport("log", "sent", "Lee", "--at", "2026-11-02T10:30")
    r = rapport("remind", "--now", "2026-11-05T12:00")
    assert r.stdout.startswith("Your Rapport digest for today:") and "Dana" in r.stdout and "Lee" in r.stdout
    assert rapport("remind", "--now", "2026-11-05T13:00").stdout == ""


def test_database_from_a_newer_rapport_is_one_clear_line(rapport, tmp_path):
    import sqlite3

    assert rapport("db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    r = rapport("followups")
    assert r.returncode == 1 and "newer than this Rapport" in r.stderr and "Traceback" not in r.stderr


def test_an_uncreatable_data_folder_is_one_clear_line(tmp_path):
    """`rapport db upgrade` where the data folder cannot be made (a root-owned volume in the image; here a
    file where the folder should be, which even root cannot get past) says so in one line, no traceback."""
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if k != "RAPPORT_DATABASE_URL"}
    env.update(NO_COLOR="1", XDG_DATA_HOME=str(blocker / "inside"))
    r = subprocess.run([*CMD, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("rapport: cannot create the database folder ") and r.stderr.count("\n") == 1
