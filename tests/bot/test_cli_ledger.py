"""The ledger commands, run as a user runs them, on an SQLite file."""

import json
import os
import sqlite3
import subprocess
from datetime import UTC, datetime

import pytest

from bot.types import SNOOZE_DAYS_ERROR
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
    assert "Dana Lee: reached out 2026-11-02 10:00 UTC; replied 2026-11-02 16:00 UTC" in shown.stdout
    assert "Reached 1, 1 replied (100%); median time to reply 6 h." in shown.stdout
    data = json.loads(rapport("export", "--json").stdout)
    assert data["contacts"][0]["outreach"][0]["note"] == "asked about hiring"
    assert json.loads(rapport("log", "show", "--json").stdout)["stats"]["replied"] == 1
    assert rapport("forget").returncode == 1  # asks first; no answer on stdin aborts
    assert "deleted" in rapport("forget", "--yes").stdout
    assert json.loads(rapport("export").stdout)["contacts"] == []


def test_settings_done_and_snooze(rapport):
    r = rapport("settings", "--follow-up-days", "5", "--quiet-hours", "22-7", "--timezone", "Europe/Berlin")
    assert r.returncode == 0 and "--follow-up-days: 5 days" in r.stdout and "--timezone: Europe/Berlin" in r.stdout
    bad = rapport("settings", "--max-follow-ups", "12")
    assert bad.returncode == 2 and "--max-follow-ups: must be a whole number from 0 to 5" in bad.stderr
    assert "max_follow_ups" not in bad.stderr
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
    assert "--daily-digest: on" in rapport("settings", "--daily-digest").stdout
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


def test_the_issue_example_through_the_command_line(rapport):
    """New York, quiet 21-8, sent 20:30 EST on 6 March: due 20:30 EDT on the 9th (00:30 UTC on the 10th), and the
    confirmation says so in New York time."""
    rapport("settings", "--timezone", "America/New_York", "--quiet-hours", "21-8", "--user", "ny")
    r = rapport("log", "sent", "Avery", "--at", "2026-03-06T20:30-05:00", "--user", "ny")
    assert "I'll remind you to follow up on Mon 09 Mar 2026 20:30 EDT." in r.stdout
    [due] = json.loads(rapport("followups", "--now", "2026-03-12T00:00Z", "--json", "--user", "ny").stdout)
    assert datetime.fromisoformat(due["due_at"]) == datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
    assert due["due_at"].endswith("-04:00")  # shown in the user's zone


def test_snooze_and_reply_mistakes_are_one_line(rapport):
    rapport("log", "sent", "Finn", "--at", "2026-03-10T12:00Z")
    for days in ("0", "-2", "366", "3000000", "two"):
        r = rapport("snooze", "Finn", "--days", days, "--now", "2026-03-10T13:00Z")
        assert r.returncode == 2 and r.stderr == f"rapport: invalid value for '--days': {SNOOZE_DAYS_ERROR}\n", days
    r = rapport("snooze", "Finn", "--days", "1", "--now", "2026-03-10T13:00Z")
    assert "the next is due Sat 14 Mar 2026 12:00 UTC" in r.stdout
    r = rapport("log", "replied", "Finn", "--at", "1999-01-01")
    assert r.returncode == 2 and "before you first reached out" in r.stderr and r.stderr.count("\n") == 1
    assert "0 replied" in rapport("stats").stdout


def test_remind_takes_only_the_terminal_users_reminders(rapport, tmp_path):
    """A ledger holding a Slack, a Discord and a terminal user, each with a due follow-up: `rapport remind` prints
    only the terminal user's; the others stay pending for their bots."""
    from bot.coach import Coach
    from bot.ledger.db import open_ledger
    from bot.types import UserRef

    rapport("db", "upgrade")
    coach = Coach(sessions=open_ledger(f"sqlite:///{tmp_path / 'cli.db'}"))
    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for user in (UserRef("slack", "T1", "U1"), UserRef("discord", "42", "1001"), UserRef("cli", "local", "me")):
        coach.record_outreach(user, "<@U55>", at)
    printed = rapport("remind", "--now", "2026-11-05T12:00Z", "--json").stdout.splitlines()
    assert [json.loads(line)["user"] for line in printed] == ["me"]
    for user in (UserRef("slack", "T1", "U1"), UserRef("discord", "42", "1001")):
        assert len(coach.followups(user, datetime(2026, 11, 5, 12, tzinfo=UTC))) == 1
    coach.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"])
def test_an_in_memory_database_is_refused(url):
    env = {**os.environ, "RAPPORT_DATABASE_URL": url}
    r = subprocess.run([*CMD, "log", "sent", "Dana"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("rapport: RAPPORT_DATABASE_URL is an in-memory SQLite database")


def test_a_missing_folder_is_named_and_reading_commands_work_read_only(rapport, tmp_path):
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'nope' / 'x.db'}"}
    r = subprocess.run([*CMD, "log", "show"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and f"the database folder {tmp_path / 'nope'} does not exist" in r.stderr
    assert not (tmp_path / "nope").exists()
    rapport("log", "sent", "Dana", "--at", "2026-11-02T10:00Z")
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///file:{tmp_path / 'cli.db'}?mode=ro&uri=true"}
    for command in (["log", "show"], ["export"], ["followups"], ["stats"]):
        r = subprocess.run([*CMD, *command], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
        assert r.returncode == 0 and ("Dana" in r.stdout or "Reached 1" in r.stdout), (command, r.stderr)
    assert not (tmp_path / "file:").exists()  # the URI made no stray folder


def test_the_ladder_the_circle_and_the_plan_from_the_command_line(rapport):
    for at in ("2026-11-02T10:00", "2026-11-03T10:00"):
        assert rapport("log", "sent", "Dana Lee", "--at", at).returncode == 0
        assert rapport("log", "replied", "Dana Lee", "--at", at.replace("T10", "T12")).returncode == 0
    called = rapport("log", "called", "Dana Lee", "--at", "2026-11-04T10:00")
    assert called.stdout.startswith("Logged: you called Dana Lee. Now talked off the feed. Coffee might be next.")
    met = rapport("log", "met", "Dana Lee", "--how", "Coffee", "--at", "2026-11-05T10:00")  # any case
    assert met.returncode == 0 and "you met Dana Lee (coffee). Now met." in met.stdout
    assert rapport("log", "emailed", "Sam", "--at", "2026-11-05T10:00").returncode == 0
    bad = rapport("log", "met", "Dana Lee", "--how", "skydiving")
    assert bad.returncode == 2 and "'skydiving' is not one of" in bad.stderr
    assert rapport("circle", "Sam", "close").stdout == "Sam is in your close circle (keep in touch every 2 weeks).\n"
    missing = rapport("circle", "Nobody", "close")
    assert missing.returncode == 2 and "Nobody is not in your log yet" in missing.stderr
    rows = json.loads(rapport("ladder", "--json").stdout)
    assert [(r["contact"], r["stage"], r["circle"]) for r in rows] == [
        ("Dana Lee", "met", "close"),
        ("Sam", "off_feed", "close"),
    ]
    assert "--budget" in rapport("settings", "--help").stdout
    assert "--budget: 45 min a week" in rapport("settings", "--weekly-plan", "--budget", "45").stdout
    plan = rapport("plan", "--now", "2026-11-23T09:00")
    assert plan.stdout == (
        "Your week of Mon 23 Nov: 2 to reach, about 40 of your 45 minutes.\n"
        "  • Dana Lee: a call (20 min, met)\n"  # a coffee (60) would not fit, and Dana has waited: a call
        "  • Sam: a call (20 min, talked off the feed)\n"
    )
    demo = rapport("plan", "--demo")
    assert demo.returncode == 0 and demo.stdout.startswith("Your week of Mon 30 Nov: 5 to reach")


def test_remind_prints_the_weekly_plan_once_and_check_to_says_where_you_stand(rapport):
    assert rapport("settings", "--weekly-plan", "--quiet-hours", "0-0").returncode == 0
    assert rapport("log", "sent", "Dana Lee", "--at", "2026-08-01T10:00").returncode == 0
    assert rapport("log", "replied", "Dana Lee", "--at", "2026-08-01T12:00").returncode == 0
    first = rapport("remind", "--now", "2026-11-23T09:00")
    assert first.stdout == (
        "Your week of Mon 23 Nov: 1 to reach, about 3 of your 60 minutes.\n"
        "  • Dana Lee: a message (3 min, in conversation)\n"
    )
    assert rapport("remind", "--now", "2026-11-24T09:00").stdout == ""  # once a week
    checked = rapport("check", "--to", "Dana Lee", "How did the launch go?")
    assert checked.returncode == 0
    assert checked.stdout.splitlines()[-1] == (
        "You've traded 2 messages with Dana Lee (in conversation); a call might be next. "
        "Ask if they'd be up for a 20-minute call about what they're working on?"
    )


def test_forget_deletes_the_chat_history_too(tmp_path):
    """``rapport chat`` keeps the lines typed (drafts and names) in the data folder: forgetting you takes them."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path}/l.db"}
    history = tmp_path / "data" / "rapport" / "chat_history"
    history.parent.mkdir(parents=True)
    history.write_text("/rapport Hi Dana, free for a demo Friday?\nsent Dana Lee\n")
    r = subprocess.run([*CMD, "forget", "--yes"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "deleted" in r.stdout, r.stderr
    assert not history.exists()
