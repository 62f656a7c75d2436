"""Several ``rapport slack`` processes behind a load balancer, sharing one PostgreSQL: each event is handled once
even when Slack's retry reaches another process, and the processes' reminder rounds send each reminder once.

Two real app processes (two gunicorn masters, as on two hosts) run against the Web API stand-in and the
PostgreSQL from ``RAPPORT_TEST_POSTGRES_URL`` (the ``postgres_url`` fixture: skipped without it, except in CI).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.schema import Reminder, Reply
from tests.bot.slack.conftest import SlackApp, stand_in_for
from tests.bot.slack.test_slack_app import PITCH, message_event, user
from tests.wait import wait_for


@pytest.fixture
def two_apps(postgres_url, tmp_path):
    """Two ``rapport slack`` processes on one database and one Web API stand-in: ``(stand_in, a, b, coach)``."""
    with stand_in_for() as stand_in:
        first = tmp_path / "a"
        second = tmp_path / "b"
        first.mkdir()
        second.mkdir()
        a = SlackApp(stand_in, postgres_url, first, interval=0.2).start()
        try:
            b = SlackApp(stand_in, postgres_url, second, interval=0.2).start()
            try:
                coach = Coach(sessions=open_ledger(postgres_url))
                yield stand_in, a, b, coach
                coach.sessions.kw["bind"].dispose()
            finally:
                b.stop()
        finally:
            a.stop()


def both_at_once(a: SlackApp, b: SlackApp, event: dict, event_id: str) -> None:
    """The same event to both processes at the same moment: ``a`` gets the delivery, ``b`` Slack's retry."""
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(a.event, event, event_id)
        retry = pool.submit(b.event, event, event_id, 1)
        assert first.result()[0] == 200 and retry.result()[0] == 200


def test_an_event_delivered_to_two_processes_is_handled_once(two_apps):
    stand_in, a, b, coach = two_apps
    # A pitch in a watched channel: its author gets one private note, whichever process takes each delivery.
    a.command("watch", user="U1ANA", channel="C2TEAM")
    stand_in.wait_for("conversations.join", channel="C2TEAM")
    both_at_once(a, b, message_event(PITCH, "U8HO", f"{time.time():.6f}"), "Ev0TWOPITCH")
    # A contact's answer in the user's thread: one reply recorded.
    a.command("sent <@U2BO>", user="U9IV")
    reply = message_event("Happy to chat", "U2BO", f"{time.time():.6f}", thread_ts="1700000100.000100")
    both_at_once(a, b, {**reply, "parent_user_id": "U9IV"}, "Ev0TWOREPLY")
    # App Home opened: published once. A command in the DM with the bot: answered once.
    home = {"type": "app_home_opened", "user": "U1ANA", "channel": "D1ANA", "tab": "home", "event_ts": "1.1"}
    both_at_once(b, a, home, "Ev0TWOHOME")
    dm = {**message_event("stats", "U1ANA", f"{time.time():.6f}", channel="D1ANA"), "channel_type": "im"}
    both_at_once(a, b, dm, "Ev0TWODM")
    # One delivery each: wait for every effect, then for a later event through each process (a barrier).
    stand_in.wait_for("chat.postEphemeral", user="U8HO")
    wait_for(lambda: coach.stats(user("U9IV")).replied == 1, what="the reply to be recorded")
    stand_in.wait_for("views.publish", user_id="U1ANA")
    stand_in.wait_for("chat.postMessage", channel="D1ANA")
    for app, author, event_id in ((a, "U8HP", "Ev0LATERA"), (b, "U8HQ", "Ev0LATERB")):
        app.event(message_event(PITCH + " (later)", author, f"{time.time():.6f}"), event_id)
        stand_in.wait_for("chat.postEphemeral", user=author)
    assert len(stand_in.of("chat.postEphemeral", user="U8HO")) == 1
    assert len(stand_in.of("views.publish", user_id="U1ANA")) == 1
    assert len(stand_in.of("chat.postMessage", channel="D1ANA")) == 1
    with coach.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Reply)) == 1


def test_reminder_rounds_in_two_processes_send_each_reminder_once(two_apps):
    stand_in, _, _, coach = two_apps
    stand_in.hold["chat.postMessage"] = 0.02  # Slack's answer takes a moment: both processes' rounds overlap
    now = datetime.now(UTC)
    owners = [f"U{n:02d}REM" for n in range(30)]
    for owner in owners:
        coach.update_settings(user(owner), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
        coach.record_outreach(user(owner), "<@U2BO>", now - timedelta(days=4))
    wait_for(
        lambda: {c.params["channel"] for c in stand_in.of("chat.postMessage")} >= set(owners),
        timeout=30,
        what="a reminder DM to each of the 30 users",
    )
    # A barrier: a reminder falling due later went out, so the rounds that were running have ended.
    coach.update_settings(user("U99LATE"), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
    coach.record_outreach(user("U99LATE"), "<@U2BO>", datetime.now(UTC) - timedelta(days=4))
    stand_in.wait_for("chat.postMessage", channel="U99LATE")
    sent = Counter(c.params["channel"] for c in stand_in.of("chat.postMessage"))
    assert {owner: sent[owner] for owner in owners} == dict.fromkeys(owners, 1)
    # Both processes took part: a sent reminder keeps the name (host:pid:random) of the worker that sent it.
    with coach.sessions() as session:
        workers = session.scalars(select(Reminder.claimed_by).where(Reminder.status == "sent"))
        assert len({worker.split(":")[1] for worker in workers}) == 2
