"""The ladder, the plan and a draft's standing in Discord, end to end: slash commands and reminder buttons through
the stand-in's gateway to a running ``rapport discord``, and the weekly plan it DMs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.bot.discord.test_commands import private, ref
from tests.fakes import discord_api as d


def test_steps_circles_the_ladder_and_the_plan_by_slash_command(bot, discord_api, ledger):
    me, sam = "1600000000000000701", "1600000000000000702"

    def run(sub: str, options: dict | None = None) -> str:
        payload = d.slash(sub, me, options, resolved_users=[d.user(sam)] if options else None)
        return private(discord_api.interact(payload))["content"]

    assert run("met", {"user": sam, "how": "coffee"}).startswith(f"Logged: you met <@{sam}> (coffee). Now met.")
    assert run("called", {"user": sam}).startswith(f"Logged: you called <@{sam}>. Now met.")
    circle = run("circle", {"user": sam, "circle": "wider"})
    assert circle == f"<@{sam}> is in your wider circle (keep in touch quarterly)."
    assert run("ladder") == f"• <@{sam}>: met, 0 messages, wider, quarterly"
    assert run("plan").startswith("**Nobody is due this week")
    assert run("met", {"user": me}) == "That's you! Pick the person you reached out to."
    assert ledger.standing(ref(me), f"<@{sam}>").stage == "met"


def test_a_draft_for_someone_in_the_ledger_says_where_you_stand(bot, discord_api, ledger):
    me, kim = "1600000000000000711", "1600000000000000712"
    now = datetime.now(UTC)
    for hours in (3, 2):
        ledger.record_outreach(ref(me), f"<@{kim}>", now - timedelta(hours=hours))
        ledger.record_reply(ref(me), f"<@{kim}>", now - timedelta(hours=hours - 1), now=now)
    payload = d.slash("check", me, {"draft": "How did the launch go?"}, resolved_users=[d.user(kim)])
    payload["data"]["options"][0]["options"].append({"name": "to", "type": 6, "value": kim})
    embed = private(discord_api.interact(payload))["embeds"][0]
    [field] = [f for f in embed["fields"] if f["name"] == "Where you stand"]
    assert field["value"].startswith(f"You've traded 4 messages with <@{kim}> (in conversation); a call might be next")


def test_a_reminder_s_called_button_logs_the_step_and_the_weekly_plan_comes_as_a_dm(bot, discord_api, ledger):
    me, lee, ann = "1600000000000000721", "1600000000000000722", "1600000000000000723"
    now = datetime.now(UTC)
    ledger.update_settings(ref(me), now - timedelta(days=200), quiet_start_hour=0, quiet_end_hour=0)
    ledger.record_outreach(ref(me), f"<@{lee}>", now - timedelta(days=4))
    [dm] = discord_api.wait_for("POST", r"/channels/\d+/messages", where=lambda c: f"<@{lee}>" in str(c.body))
    message = discord_api.messages[dm.answer["id"]]
    press = d.press(message, f"rapport:reminder:called:{d.GUILD_ID}:{lee}", me, guild_id=None)
    update = discord_api.interact(press)
    assert update.body["data"]["embeds"][0]["description"].startswith(f"Logged: you called <@{lee}>. Now talked off")
    assert ledger.standing(ref(me), f"<@{lee}>").stage == "off_feed"
    # The weekly plan: Ann was last heard from 100 days ago (a wider circle: due), so this week's plan names her.
    ledger.record_outreach(ref(me), f"<@{ann}>", now - timedelta(days=101))
    ledger.record_reply(ref(me), f"<@{ann}>", now - timedelta(days=100), now=now)
    ledger.update_settings(ref(me), now, weekly_plan=True)
    [plan] = discord_api.wait_for("POST", r"/channels/\d+/messages", where=lambda c: "Your week of" in str(c.body))
    assert plan.body["content"].startswith("**Your week of") and f"<@{ann}>: a message (3 min" in plan.body["content"]
