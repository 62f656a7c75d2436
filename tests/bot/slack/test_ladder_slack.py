"""End to end in Slack: the ladder's commands and buttons, the plan in a command, App Home and a DM, and a draft
checked for someone in the ledger. The real ``rapport slack`` process over HTTP on 127.0.0.1, the Web API stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.bot.slack.test_slack_app import block_action, ledger, texts, user
from tests.wait import wait_for


def test_steps_circles_the_ladder_and_the_plan_by_command(app):
    _, body = app.command("sent <@U2BO|bo>", user="U7LA")
    _, body = app.command("replied <@U2BO>", user="U7LA")
    _, body = app.command("met <@U2BO|bo> coffee", user="U7LA")
    assert texts(body["blocks"]).startswith("Logged: you met <@U2BO> (coffee). Now met.")
    _, body = app.command("circle <@U2BO> regular", user="U7LA")
    assert texts(body["blocks"]) == "<@U2BO> is in your regular circle (keep in touch monthly)."
    _, body = app.command("circle <@U9NOBODY> close", user="U7LA")
    assert "no outreach" in texts(body["blocks"])
    _, body = app.command("ladder", user="U7LA")
    assert texts(body["blocks"]) == "• <@U2BO>: met, 2 messages, regular, monthly"
    _, body = app.command("plan", user="U7LA")
    assert texts(body["blocks"]).startswith("*Nobody is due this week")  # met today: not due for a month
    wait_for(lambda: ledger(app).standing(user("U7LA"), "<@U2BO>").stage == "met", what="the step in the ledger")


def test_a_draft_for_someone_in_the_ledger_says_where_the_relationship_stands(app):
    for _ in range(2):
        app.command("sent <@U2BO|bo>", user="U8MO")
        ledger(app).record_reply(user("U8MO"), "<@U2BO>", datetime.now(UTC))
    _, body = app.command("check to <@U2BO|bo>: How did the launch go? What surprised you?", user="U8MO")
    context = [b for b in body["blocks"] if b["type"] == "context"][-1]
    assert context["elements"][0]["text"].startswith("You've traded 4 messages with <@U2BO> (in conversation); a call")


def test_the_reminder_s_ladder_buttons_log_the_step(app, stand_in):
    app.command("sent <@U2BO|bo>", user="U9NI")
    url = stand_in.response_url("called-U9NI")
    called = {"type": "button", "action_id": "reminder_called", "block_id": "reminder:1", "value": "<@U2BO>"}
    assert app.interact(block_action(called, "U9NI", url))[0] == 200
    [answer] = stand_in.wait_for("response_url", path="called-U9NI")
    assert answer.params["text"].startswith("Logged: you called <@U2BO>. Now talked off the feed.")
    assert ledger(app).standing(user("U9NI"), "<@U2BO>").stage == "off_feed"


def test_app_home_shows_the_plan_and_the_ladder_and_the_weekly_plan_comes_as_a_dm(app, stand_in):
    coach, me, now = ledger(app), user("U4PL"), datetime.now(UTC)
    coach.record_outreach(me, "<@U2BO>", now - timedelta(days=120))
    coach.record_reply(me, "<@U2BO>", now - timedelta(days=119), now=now)
    # Opted in only now: a round between opting in and the relationship would find the week empty and close it.
    coach.update_settings(me, now, weekly_plan=True, quiet_start_hour=0, quiet_end_hour=0)

    def plans():  # a keep-in-touch nudge may reach the DM first, from a round before the opt-in
        found = stand_in.of("chat.postMessage", channel="U4PL")
        return [c for c in found if c.status == 200 and c.params["text"].startswith("Your week of")]

    [dm] = wait_for(plans, timeout=15, what="the weekly plan DM")  # the app's next delivery round
    assert "<@U2BO>: a message (3 min, in conversation)" in dm.params["text"]
    event = {"type": "app_home_opened", "user": "U4PL", "channel": "D4PL", "tab": "home", "event_ts": "1.1"}
    assert app.event(event, "Ev0HOMEPLAN")[0] == 200
    [published] = stand_in.wait_for("views.publish", user_id="U4PL")
    shown = json.dumps(published.params["view"])
    assert "This week" in shown and "Relationships" in shown and "<@U2BO>: in conversation, 2 messages" in shown
