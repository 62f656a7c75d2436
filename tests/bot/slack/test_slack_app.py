"""End to end: the real ``rapport slack`` process over HTTP on 127.0.0.1, the Slack Web API stand-in, signed
requests with payloads shaped as Slack documents them. The ledger is read back from the app's database."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.repo import UserRef
from bot.tools.slack_load import run_load, sign
from tests.bot.slack.conftest import ROOT, SECRET, SlackApp
from tests.fakes.slack_api import TEAM_ID, SlackStandIn
from tests.wait import wait_for

PITCH = (
    "Hi! We help companies like yours cut hiring costs by 40%. Book a 15-minute demo this week, "
    "the discount ends Friday: https://example.com/demo"
)
BUTTON_TRIGGER = "13345224609.738474920.8088930838d88f008e0"
INVITE_HINT = "I can't join this channel by myself: invite me with `/invite @Rapport` so I can see the posts."
QUESTION = "Loved your talk on onboarding. What made you change how new people spend their first week?"


def ledger(app: SlackApp) -> Coach:
    return Coach(sessions=open_ledger(app.database_url))


def user(user_id: str) -> UserRef:
    return UserRef("slack", TEAM_ID, user_id)


def block_action(action: dict, user_id: str, response_url: str, container: dict | None = None) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0RAPPORT",
        "token": "deprecated-verification-token",
        "container": container or {"type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": True},
        "trigger_id": BUTTON_TRIGGER,
        "team": {"id": TEAM_ID, "domain": "rapport-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": "C1GENERAL", "name": "general"},
        "response_url": response_url,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }


def view_submission(view: dict, user_id: str, values: dict) -> dict:
    """A modal submitted with ``values`` as ``view.state.values``."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "rapport-test"},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0RAPPORT",
        "token": "deprecated-verification-token",
        "trigger_id": "1.2.4",
        "view": {**view, "id": "V1", "state": {"values": values}, "hash": "1.abc", "private_metadata": ""},
    }


def texts(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(json.dumps(element))
    return "\n".join(out)


# -- /rapport <draft> ------------------------------------------------------------------------------
def test_a_draft_gets_a_private_verdict_in_the_ack(app):
    status, body = app.command(PITCH)
    assert status == 200
    assert body["response_type"] == "ephemeral"
    shown = texts(body["blocks"])
    assert "Pitch score" in shown and "reads as a pitch" in shown
    assert "We help companies like yours" in shown or "companies like yours" in shown
    assert "?" in shown  # open questions to lead with
    actions = next(b for b in body["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["sent_to", "check_again", "check_rewrite", "not_a_pitch"]
    assert "Try this instead:" in shown
    assert actions["elements"][0]["type"] == "users_select"

    status, body = app.command(QUESTION)
    assert "reads like a conversation" in texts(body["blocks"])


def test_forged_and_stale_requests_get_401(app):
    body = b"command=%2Frapport&text=hello+there+friend&user_id=U1ANA&team_id=" + TEAM_ID.encode()
    forged = {"X-Slack-Signature": "v0=" + "0" * 64}
    assert app.post(body, "application/x-www-form-urlencoded", headers=forged)[0] == 401
    stale = sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert app.post(body, "application/x-www-form-urlencoded", headers=stale)[0] == 401
    other_secret = sign("0" * 32, body)
    assert app.post(body, "application/x-www-form-urlencoded", headers=other_secret)[0] == 401


def test_help_for_no_text_or_help_and_a_hint_for_an_unknown_word_or_a_name_without_its_id(app):
    for text in ("", "help"):
        status, body = app.command(text)
        assert status == 200 and "/rapport sent @someone" in texts(body["blocks"]), text
    _, body = app.command("wat")
    assert texts(body["blocks"]).startswith("I don't know “wat”. Type `help`")
    _, body = app.command("sent @dana.lee")  # typed without autocomplete: no user id, and never a draft check
    [block] = body["blocks"]
    assert block["text"]["text"].startswith("I can't tell who @dana.lee is: type @ and pick them")


def test_the_message_shortcut_checks_that_message_privately(app, stand_in):
    response_url = stand_in.response_url("shortcut-1")
    payload = {
        "type": "message_action",
        "token": "deprecated-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": "rapport-test"},
        "user": {"id": "U1ANA", "name": "ana", "team_id": TEAM_ID},
        "channel": {"id": "C1GENERAL", "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "check_with_rapport",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": response_url,
        "message_ts": "1700000000.000200",
        "message": {"type": "message", "user": "U2BO", "ts": "1700000000.000200", "text": PITCH},
    }
    status, _ = app.interact(payload)
    assert status == 200
    [call] = stand_in.wait_for("response_url", path="shortcut-1")
    assert call.params["response_type"] == "ephemeral"
    assert "reads as a pitch" in texts(call.params["blocks"])


# -- subcommands and buttons -----------------------------------------------------------------------
def test_sent_replied_followups_and_stats(app):
    _, body = app.command("sent <@U2BO|bo>", user="U3CY")
    assert "Logged" in texts(body["blocks"]) and "<@U2BO>" in texts(body["blocks"])
    _, body = app.command("followups", user="U3CY")
    assert "Nothing due" in texts(body["blocks"])
    _, body = app.command("replied <@U2BO>", user="U3CY")
    assert "replied" in texts(body["blocks"])
    _, body = app.command("replied <@U9NOBODY>", user="U3CY")
    assert "no outreach" in texts(body["blocks"])
    _, body = app.command("stats", user="U3CY")
    assert "Reached 1, 1 replied (100%)" in texts(body["blocks"])
    # a draft that merely starts with a subcommand's word is still a draft
    _, body = app.command("sent you the deck yesterday, did it help?", user="U3CY")
    assert "Pitch score" in texts(body["blocks"])


def test_a_new_user_gets_their_slack_time_zone(app, stand_in):
    app.command("stats", user="U1ANA")
    stand_in.wait_for("users.info", user="U1ANA")
    wait_for(
        lambda: ledger(app).update_settings(user("U1ANA"), datetime.now(UTC))["timezone"] == "Europe/Berlin",
        what="the time zone from users.info to be saved",
    )


def test_settings_opens_a_modal_and_saving_it_changes_the_ledger(app, stand_in):
    status, _ = app.command("settings", user="U4DI")
    assert status == 200
    [opened] = stand_in.wait_for("views.open", trigger_id="1.2.3")[-1:]
    view = opened.params["view"]
    assert view["callback_id"] == "settings"
    values = {
        "follow_up_days": {"value": {"type": "number_input", "value": "5"}},
        "max_follow_ups": {"value": {"type": "number_input", "value": "1"}},
        "keep_in_touch_days": {"value": {"type": "number_input", "value": "45"}},
        "quiet_start_hour": {"value": {"type": "number_input", "value": "22"}},
        "quiet_end_hour": {"value": {"type": "number_input", "value": "7"}},
        "daily_digest": {"value": {"type": "checkboxes", "selected_options": []}},
        "channel_coaching": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    submission = view_submission(view, "U4DI", values)
    status, body = app.interact(submission)
    assert status == 200 and not body
    saved = ledger(app).update_settings(user("U4DI"), datetime.now(UTC))
    assert (saved["follow_up_days"], saved["quiet_start_hour"], saved["channel_coaching"]) == (5, 22, False)
    values["follow_up_days"]["value"]["value"] = "99"
    status, body = app.interact(submission)
    assert body["response_action"] == "errors" and "follow_up_days" in body["errors"]


def test_check_buttons_log_outreach_with_the_score_and_record_not_a_pitch(app, stand_in, tmp_path):
    _, body = app.command(PITCH, user="U5EV")
    actions = next(b for b in body["blocks"] if b["type"] == "actions")
    check_id = actions["block_id"]
    url = stand_in.response_url("buttons-U5EV")
    pick = {"type": "users_select", "action_id": "sent_to", "block_id": check_id, "selected_user": "U2BO"}
    assert app.interact(block_action(pick, "U5EV", url))[0] == 200
    not_pitch = {"type": "button", "action_id": "not_a_pitch", "block_id": check_id, "value": check_id.split(":")[1]}
    assert app.interact(block_action(not_pitch, "U5EV", url))[0] == 200
    stand_in.wait_for("response_url", 2, path="buttons-U5EV")
    [contact] = wait_for(lambda: ledger(app).export(user("U5EV"))["contacts"], what="the outreach to be logged")
    assert contact["contact"] == "<@U2BO>" and contact["outreach"][0]["pitch_label"] == "pitch"
    wait_for(lambda: ledger(app).stats(user("U5EV")).disputed == 1, what="'Not a pitch' to be recorded")
    # the operator's view of the false-positive rate
    shown = subprocess.run(
        [sys.executable, "-m", "bot", "stats", "--all", "--json"],
        env={**app.env()},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout)["disputed"] >= 1


def test_check_again_opens_the_draft_and_shows_a_new_verdict(app, stand_in):
    _, body = app.command(PITCH, user="U6FA")
    actions = next(b for b in body["blocks"] if b["type"] == "actions")
    again = next(e for e in actions["elements"] if e["action_id"] == "check_again")
    action = {"type": "button", "action_id": "check_again", "block_id": actions["block_id"], "value": again["value"]}
    app.interact(block_action(action, "U6FA", stand_in.response_url("again")))
    [opened] = stand_in.wait_for("views.open", trigger_id=BUTTON_TRIGGER)
    modal = opened.params["view"]
    assert modal["blocks"][0]["element"]["initial_value"] == PITCH
    values = {"draft": {"text": {"type": "plain_text_input", "value": QUESTION}}}
    _, body = app.interact(view_submission(modal, "U6FA", values))
    assert body["response_action"] == "update"
    assert "reads like a conversation" in texts(body["view"]["blocks"])


def test_check_this_version_checks_the_rewrite_in_one_click(app, stand_in):
    _, body = app.command(PITCH, user="U6RW")
    actions = next(b for b in body["blocks"] if b["type"] == "actions")
    rewrite = next(e for e in actions["elements"] if e["action_id"] == "check_rewrite")
    shown = texts(body["blocks"])
    assert rewrite["value"] in shown.replace("\n>", " ")  # the button checks the rewrite the answer shows
    assert "demo" not in rewrite["value"] and rewrite["value"].split()[-1].endswith(("?", "."))
    action = {
        "type": "button",
        "action_id": "check_rewrite",
        "block_id": actions["block_id"],
        "value": rewrite["value"],
    }
    app.interact(block_action(action, "U6RW", stand_in.response_url("rewrite-U6RW")))
    [answer] = stand_in.wait_for("response_url", path="rewrite-U6RW")
    assert answer.params["response_type"] == "ephemeral" and answer.params["replace_original"] is False
    assert "reads like a conversation" in texts(answer.params["blocks"])
    wait_for(lambda: len(ledger(app).recent_checks(user("U6RW"))) == 2, what="the rewrite's check to be recorded")


def test_forget_asks_first_then_deletes(app, stand_in):
    app.command("sent <@U2BO>", user="U7GU")
    _, body = app.command("forget", user="U7GU")
    assert "Yes, forget me" in texts(body["blocks"])
    confirm = {"type": "button", "action_id": "forget_confirm", "block_id": "b", "value": "yes"}
    app.interact(block_action(confirm, "U7GU", stand_in.response_url("forget-U7GU")))
    [done] = stand_in.wait_for("response_url", path="forget-U7GU")
    assert done.params["replace_original"] is True
    assert ledger(app).export(user("U7GU"))["contacts"] == []


# -- events ----------------------------------------------------------------------------------------
def message_event(text: str, author: str, ts: str, channel: str = "C2TEAM", **extra) -> dict:
    return {
        "type": "message",
        "channel": channel,
        "user": author,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        **extra,
    }


def after_a_later_pitch(app: SlackApp, stand_in: SlackStandIn, author: str, event_id: str) -> None:
    """A barrier instead of a sleep: a pitch posted later in C2TEAM by ``author`` (a fresh user) got its private
    note, so the app has handled the events sent before it."""
    app.event(message_event(PITCH + " (later)", author, f"{time.time():.6f}"), event_id)
    stand_in.wait_for("chat.postEphemeral", user=author)


def test_a_watched_channel_coaches_the_pitch_author_privately_once(app, stand_in):
    _, body = app.command("watch", user="U1ANA", channel="C2TEAM")
    assert "Watching this channel" in texts(body["blocks"])
    stand_in.wait_for("conversations.join", channel="C2TEAM")
    ts = f"{time.time():.6f}"
    assert app.event(message_event(PITCH, "U8HO", ts), "Ev0WATCH1")[0] == 200
    assert app.event(message_event(PITCH, "U8HO", ts), "Ev0WATCH1", retry=1)[0] == 200  # Slack's retry
    [note] = stand_in.wait_for("chat.postEphemeral", user="U8HO")
    assert note.params["channel"] == "C2TEAM"
    after_a_later_pitch(app, stand_in, "U8HP", "Ev0WATCHLATER1")
    assert len(stand_in.of("chat.postEphemeral", user="U8HO")) == 1  # processed once
    assert stand_in.of("chat.postMessage", channel="C2TEAM") == []  # never a public reply
    assert "Only you can see this" in texts(note.params["blocks"])
    # a question gets no note; our own bot's messages are ignored
    app.event(message_event(QUESTION, "U8HO", f"{time.time():.6f}"), "Ev0WATCH2")
    app.event({**message_event(PITCH, "U0BOT", f"{time.time():.6f}"), "bot_id": "B0BOT"}, "Ev0WATCH3")
    after_a_later_pitch(app, stand_in, "U8HQ", "Ev0WATCHLATER2")
    assert [c.params["user"] for c in stand_in.of("chat.postEphemeral")] == ["U8HO", "U8HP", "U8HQ"]
    _, body = app.command("unwatch", user="U1ANA", channel="C2TEAM")
    assert "no longer watched" in texts(body["blocks"])


def test_a_contacts_answer_in_the_users_thread_is_recorded(app):
    app.command("sent <@U2BO>", user="U9IV")
    parent = "1700000100.000100"
    reply = message_event(
        "Thanks, happy to chat next week", "U2BO", f"{time.time():.6f}", thread_ts=parent, parent_user_id="U9IV"
    )
    assert app.event(reply, "Ev0REPLY1")[0] == 200
    wait_for(lambda: ledger(app).stats(user("U9IV")).replied == 1, what="the reply to be recorded")


def test_the_dm_with_the_bot_takes_commands(app, stand_in):
    event = {**message_event("stats", "U1ANA", f"{time.time():.6f}", channel="D1ANA"), "channel_type": "im"}
    app.event(event, "Ev0DM1")
    [answer] = stand_in.wait_for("chat.postMessage", channel="D1ANA")
    assert "Reached" in answer.params["text"]


def test_app_home_is_published(app, stand_in):
    event = {"type": "app_home_opened", "user": "U1ANA", "channel": "D1ANA", "tab": "home", "event_ts": "1.1"}
    assert app.event(event, "Ev0HOME1")[0] == 200
    [published] = stand_in.wait_for("views.publish", user_id="U1ANA")
    assert published.params["view"]["type"] == "home"
    assert "Follow-ups due" in json.dumps(published.params["view"])


def test_a_429_is_retried_after_retry_after(app, stand_in):
    stand_in.script("views.publish", (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}))
    started = time.time()
    event = {"type": "app_home_opened", "user": "U2BO", "channel": "D2BO", "tab": "home", "event_ts": "1.2"}
    app.event(event, "Ev0HOME429")
    stand_in.wait_for("views.publish", user_id="U2BO")
    calls = stand_in.of("views.publish", user_id="U2BO")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9 and time.time() - started < 15


def test_load_command_against_the_running_app(app):
    result = run_load(app.url + "/slack/events", SECRET, total=40, concurrency=10)
    assert result["errors"] == 0 and result["over_3s"] == 0, result


def test_watch_in_a_private_channel_asks_to_be_invited(app, stand_in):
    _, body = app.command("watch 14", user="U1ANA", channel="G1PRIVATE")
    assert "every 14 days" in texts(body["blocks"])
    [hint] = stand_in.wait_for("response_url", path="cmd-U1ANA", text=INVITE_HINT)
    assert hint.params["response_type"] == "ephemeral"
    _, body = app.command("sent", user="U1ANA")
    assert "Who? Mention them" in texts(body["blocks"])
