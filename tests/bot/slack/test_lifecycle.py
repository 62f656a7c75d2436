"""The Slack app's lifetimes: reminder DMs delivered once across a restart and a SIGTERM, channel digests from
the scheduler, and start-up errors in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters.slack import make_client
from bot.adapters.slack.scheduler import Scheduler
from bot.coach import Coach, Message
from bot.ledger.db import open_ledger
from bot.ledger.schema import Reminder
from tests.bot.slack.conftest import BOT_TOKEN, SECRET, SlackApp, stand_in_for
from tests.bot.slack.test_slack_app import PITCH, QUESTION, block_action, user
from tests.fakes import stop_process
from tests.fakes.slack_api import TEAM_ID, SlackStandIn
from tests.wait import wait_for

BUTTON_TRIGGER = "13345224609.738474920.8088930838d88f008e0"
INVITE_HINT = "I can't join this channel by myself: invite me with `/invite @Rapport` so I can see the posts."


# -- reminders across a restart, and start-up errors -----------------------------------------------
def a_later_reminder(coach: Coach, stand_in: SlackStandIn, user_id: str) -> None:
    """A barrier instead of a sleep: a follow-up for ``user_id`` (a fresh user) falls due now; once its DM is
    posted, the app has run a whole delivery round after everything before it."""
    now = datetime.now(UTC)
    coach.update_settings(user(user_id), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
    coach.record_outreach(user(user_id), "<@U2BO>", now - timedelta(days=4))
    stand_in.wait_for("chat.postMessage", channel=user_id)


def test_a_reminder_dm_is_delivered_once_across_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    coach = ledger_at(url)
    owner = user("U1ANA")
    coach.ensure_user(owner, datetime.now(UTC))
    coach.update_settings(owner, datetime.now(UTC), quiet_start_hour=0, quiet_end_hour=0)  # no quiet hours
    coach.record_outreach(owner, "<@U2BO>", datetime.now(UTC) - timedelta(days=4))
    with stand_in_for() as stand_in:
        app = SlackApp(stand_in, url, tmp_path).start()
        try:
            [dm] = stand_in.wait_for("chat.postMessage", channel="U1ANA")
            assert "Follow up with <@U2BO>" in dm.params["text"]
            assert [e["action_id"] for e in dm.params["blocks"][1]["elements"]] == [
                "reminder_done",
                "reminder_snooze",
                "reminder_replied",
                "reminder_emailed",
                "reminder_called",
                "reminder_met",
            ]
            app.stop()
            app.start()
            a_later_reminder(coach, stand_in, "U3CY")  # a whole round after the restart
            assert len(stand_in.of("chat.postMessage", channel="U1ANA")) == 1
            # the DM's "Done" button ends the follow-ups in the ledger
            done = {"type": "button", "action_id": "reminder_done", "block_id": "reminder:1", "value": "<@U2BO>"}
            app.interact(block_action(done, "U1ANA", stand_in.response_url("dm-done")))
            stand_in.wait_for("response_url", path="dm-done")
            export = coach.export(owner)["contacts"][0]["reminders"]
            assert sorted(r["status"] for r in export) == ["done", "sent"]  # #1 sent, #2 ended by "Done"
            assert coach.followups(owner, datetime.now(UTC) + timedelta(days=30)) == []
        finally:
            app.stop()


def test_sigterm_finishes_the_reminder_in_flight_and_releases_the_rest(tmp_path):
    """A stop while Slack is slow to answer a reminder DM: that DM is recorded as sent, nothing stays claimed
    (not even the reminder waiting 30 s after a failed send), and a new process delivers the rest at once."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    coach = ledger_at(url)
    owner = user("U1ANA")
    now = datetime.now(UTC)
    coach.update_settings(owner, now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
    for i in range(5):
        coach.record_outreach(owner, f"<@U2C{i}>", now - timedelta(days=4))
    with stand_in_for() as stand_in:
        stand_in.script("chat.postMessage", (500, {}, {"ok": False, "error": "internal_error"}))  # waits 30 s
        stand_in.hold_next("chat.postMessage", 2.0)  # the next reminder DM is slow to be answered
        app = SlackApp(stand_in, url, tmp_path).start()
        try:
            wait_for(lambda: stand_in.held, timeout=30, what="a DM taken by Slack, its answer pending")
            assert len(stand_in.held) == 1
            stop_process(app.process)
            app._log.close()
            log_lines = [json.loads(line) for line in app.output().splitlines() if not line.startswith("Rapport for")]
            # stderr is not a terminal: every log line is JSON, gunicorn's own included
            assert any(r["logger"] == "gunicorn.error" and r["message"] == "Handling signal: term" for r in log_lines)
            assert any(r["logger"] == "bot.reminders" and r["level"] == "WARNING" for r in log_lines)
            statuses = [r["status"] for c in coach.export(owner)["contacts"] for r in c["reminders"]]
            with coach.sessions() as session:
                held = session.scalar(
                    select(func.count()).where(Reminder.claimed_by.is_not(None), Reminder.status == "pending")
                )
            assert held == 0
            assert len(stand_in.posted("U1ANA")) == 1 and statuses.count("sent") == 1  # the one in flight
            app.start()
            stand_in.wait_for("chat.postMessage", count=5, channel="U1ANA", timeout=10)  # no 30 s wait
            a_later_reminder(coach, stand_in, "U3CY")  # a later round: nothing more for U1ANA
            assert len(stand_in.posted("U1ANA")) == 5
        finally:
            app.stop()


def ledger_at(url: str) -> Coach:
    return Coach(sessions=open_ledger(url))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN is malformed"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET is malformed"),
    ],
)
def test_a_missing_or_malformed_setting_is_one_clear_line(env, expected, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAPPORT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "slack"],
        env={**clean, **env, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"rapport: {result.stderr.strip().removeprefix('rapport: ')}"]
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert "xoxp-user-token" not in result.stderr


def test_a_refused_token_is_one_clear_line(tmp_path):
    with SlackStandIn("xoxb-the-right-one") as stand_in:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAPPORT_"))}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "slack"],
            env={
                **clean,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "RAPPORT_SLACK_API_URL": stand_in.api_url,
                "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "rapport: SLACK_BOT_TOKEN was refused by Slack: invalid_auth "
        "(copy the Bot User OAuth Token again from OAuth & Permissions)"
    )


def test_the_scheduler_posts_a_channel_digest_of_totals_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    coach = ledger_at(url)
    start = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    coach.watch("slack", TEAM_ID, "C2TEAM", by="U1ANA", at=start)
    for i, (author, text) in enumerate([("U8HO", PITCH), ("U3CY", QUESTION), ("U3CY", QUESTION)]):
        coach.observe(Message("slack", TEAM_ID, "C2TEAM", f"{i}.1", author, text, start + timedelta(hours=i)))
    coach.observe(Message("slack", TEAM_ID, "C2TEAM", "9.1", "U1ANA", "good q", start, parent_id="1.1"))
    with stand_in_for() as stand_in:
        scheduler = Scheduler(coach, make_client(BOT_TOKEN, stand_in.api_url), clock=lambda: start + timedelta(days=7))
        scheduler.tick()
        scheduler.tick()  # the same period is not posted twice
        [posted] = stand_in.of("chat.postMessage", channel="C2TEAM")
    text = posted.params["text"]
    assert "3 posts" in text and "33% of posts read as pitches" in text
    assert "U8HO" not in text and "U3CY" not in text and "<@" not in text
