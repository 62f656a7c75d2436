"""``/rapport`` subcommands, the "Check with Rapport" context menu and the verdict's buttons, end to end.

Each test dispatches INTERACTION_CREATE payloads through the stand-in's gateway to a running ``rapport discord`` and
asserts on the interaction callback the bot POSTs back, and on the ledger the bot writes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.ledger.repo import UserRef
from tests.fakes import discord_api as d
from tests.wait import wait_for

PITCH = "Hi! We help companies like yours cut costs 40%. Free for a demo Friday?"
BETTER = "Hi Sam, loved your talk on onboarding at DevDays. How did you get the team to adopt the new checklist?"


def ref(user_id: str, guild: str = d.GUILD_ID) -> UserRef:
    return UserRef("discord", guild, user_id)


def data(call) -> dict:
    return call.body["data"]


def private(call) -> dict:
    """The data of an ephemeral channel-message response (callback type 4, flags 64)."""
    assert call.body["type"] == 4, call.body
    assert data(call)["flags"] == 64, call.body
    return data(call)


def custom_ids(msg: dict) -> list[str]:
    return [c.get("custom_id") for row in msg["components"] for c in row["components"]]


def created(call) -> dict:
    """The message the stand-in created for a callback, as a later component interaction carries it."""
    return call.answer["resource"]["message"]


def test_check_answers_privately_with_the_verdict_in_an_embed(bot, discord_api, ledger):
    me = "1600000000000000101"
    call = discord_api.interact(d.slash("check", me, {"draft": PITCH}))
    answer = private(call)
    embed = answer["embeds"][0]
    assert embed["title"].startswith("Pitch score ") and "reads as a pitch" in embed["title"]
    assert embed["description"] == "> " + PITCH
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "“Free for a demo Friday?”" in fields["What reads as a pitch"]
    assert fields["Try leading with a question instead:"].count("• ") >= 1
    assert fields["Tip"]
    assert answer["allowed_mentions"] == {"parse": []}
    (check,) = ledger.recent_checks(ref(me))
    assert check.label == "pitch" and embed["title"].startswith(f"Pitch score {check.score}/100")
    assert fields["Try this instead:"] and "demo" not in fields["Try this instead:"]
    assert custom_ids(answer) == [
        f"rapport:sent:{check.id}",
        "rapport:again",
        "rapport:rewrite",
        f"rapport:dispute:{d.GUILD_ID}:{check.id}",
    ]


def test_check_this_version_checks_the_rewrite_in_one_click(bot, discord_api, ledger):
    me = "1600000000000000201"
    call = discord_api.interact(d.slash("check", me, {"draft": PITCH}))
    rewrite = {f["name"]: f["value"] for f in private(call)["embeds"][0]["fields"]}["Try this instead:"]
    answer = private(discord_api.interact(d.press(created(call), "rapport:rewrite", me)))
    embed = answer["embeds"][0]
    assert embed["description"] == "> " + rewrite
    assert "reads like a conversation" in embed["title"]
    assert [c.label for c in ledger.recent_checks(ref(me))] == ["conversation", "pitch"]


def test_i_sent_it_to_logs_the_outreach_with_the_checked_score(bot, discord_api, ledger):
    me, dana = "1600000000000000111", "1600000000000000112"
    call = discord_api.interact(d.slash("check", me, {"draft": PITCH}))
    (check,) = ledger.recent_checks(ref(me))
    pick = d.press(created(call), f"rapport:sent:{check.id}", me, values=[dana], resolved_users=[d.user(dana)])
    answer = private(discord_api.interact(pick))
    assert answer["content"].startswith(f"Logged. I'll remind you to follow up with <@{dana}> on <t:")
    (contact,) = ledger.export(ref(me))["contacts"]
    assert contact["contact"] == f"<@{dana}>"
    assert contact["outreach"][0]["pitch_label"] == "pitch"
    assert round(contact["outreach"][0]["pitch_score"] * 100) == check.score
    assert [r["kind"] for r in contact["reminders"]] == ["follow_up"]


def test_not_a_pitch_records_the_disagreement_once(bot, discord_api, ledger):
    me = "1600000000000000121"
    call = discord_api.interact(d.slash("check", me, {"draft": PITCH}))
    (check,) = ledger.recent_checks(ref(me))
    button = f"rapport:dispute:{d.GUILD_ID}:{check.id}"
    first = private(discord_api.interact(d.press(created(call), button, me)))
    assert first["content"].startswith("Thanks for telling me")
    assert ledger.stats(ref(me)).disputed == 1
    assert ledger.recent_checks(ref(me))[0].disputed
    again = private(discord_api.interact(d.press(created(call), button, me)))
    assert again["content"] == "Already noted, thanks."
    assert ledger.stats(ref(me)).disputed == 1


def test_check_again_opens_the_draft_and_updates_the_verdict(bot, discord_api, ledger):
    me = "1600000000000000131"
    call = discord_api.interact(d.slash("check", me, {"draft": PITCH}))
    verdict_message = created(call)
    form = discord_api.interact(d.press(verdict_message, "rapport:again", me))
    assert form.body["type"] == 9  # MODAL
    (row,) = form.body["data"]["components"]
    (text_input,) = row["components"]
    assert text_input["value"] == PITCH and text_input["style"] == 2
    modal_id = form.body["data"]["custom_id"]
    assert modal_id.startswith("rapport:recheck:")
    submitted = d.submit(modal_id, {text_input["custom_id"]: BETTER}, me, verdict_message)
    update = discord_api.interact(submitted)
    assert update.body["type"] == 7  # UPDATE_MESSAGE: the private verdict is replaced
    embed = data(update)["embeds"][0]
    assert "reads like a conversation" in embed["title"] and embed["description"] == "> " + BETTER
    assert [c.label for c in ledger.recent_checks(ref(me))] == ["conversation", "pitch"]
    assert "rapport:again" in custom_ids(data(update))


def test_context_menu_checks_any_message_privately(bot, discord_api, ledger):
    me, author = "1600000000000000141", "1600000000000000142"
    target = d.message(d.CHANNEL_ID, d.user(author), PITCH, guild_id=d.GUILD_ID)
    answer = private(discord_api.interact(d.context_menu(target, me)))
    assert "reads as a pitch" in answer["embeds"][0]["title"]
    assert answer["embeds"][0]["description"] == "> " + PITCH
    assert len(ledger.recent_checks(ref(me))) == 1
    assert ledger.recent_checks(ref(author)) == []  # the author is not involved
    empty = d.message(d.CHANNEL_ID, d.user(author), "", guild_id=d.GUILD_ID)
    assert (
        private(discord_api.interact(d.context_menu(empty, me)))["content"] == "That message has no text I can check."
    )


def test_sent_and_replied_log_outreach_and_replies(bot, discord_api, ledger):
    me, sam, kim = "1600000000000000151", "1600000000000000152", "1600000000000000153"

    def run(sub: str, who: str) -> str:
        payload = d.slash(sub, me, {"user": who}, resolved_users=[d.user(who)])
        return private(discord_api.interact(payload))["content"]

    assert run("replied", kim) == f"I have no outreach to <@{kim}> logged yet. Log it with `/rapport sent`."
    assert re.fullmatch(
        rf"Logged\. I'll remind you to follow up with <@{sam}> on <t:\d+:D> if they haven't replied\.", run("sent", sam)
    )
    assert run("sent", me) == "That's you! Pick the person you reached out to."
    assert run("replied", sam) == f"Nice, <@{sam}> replied. Keep the conversation going."
    stats = ledger.stats(ref(me))
    assert (stats.reached, stats.replied) == (1, 1)
    assert private(discord_api.interact(d.slash("stats", me)))["content"].startswith("Reached 1, 1 replied (100%)")


def test_followups_lists_what_is_due(bot, discord_api, ledger):
    me, lee, max_ = "1600000000000000161", "1600000000000000162", "1600000000000000163"
    assert private(discord_api.interact(d.slash("followups", me)))["content"] == "Nothing due. Nice."
    # A daily-digest user: the running bot sends today's digest of what is due...
    answer = private(
        discord_api.interact(
            d.slash("settings", me, {"daily_digest": True, "quiet_start_hour": 0, "quiet_end_hour": 0})
        )
    )
    assert "daily digest **on**" in answer["content"]
    four_days_ago = datetime.now(UTC) - timedelta(days=4)
    ledger.record_outreach(ref(me), f"<@{lee}>", four_days_ago)
    dm = discord_api.wait_for("POST", r"/channels/\d+/messages", where=lambda c: f"<@{lee}>" in str(c.body))[-1]
    assert discord_api.dm_channels[dm.path.split("/")[2]] == me
    assert dm.body["embeds"][0]["title"] == "Your Rapport digest for today"
    assert wait_for(lambda: not ledger.followups(ref(me), datetime.now(UTC)))  # marked sent
    # ...and what comes due later that day waits for tomorrow's digest, listed by /rapport followups.
    ledger.record_outreach(ref(me), f"<@{max_}>", four_days_ago)
    listed = private(discord_api.interact(d.slash("followups", me)))["content"]
    assert listed.startswith("**1 due**") and f"Follow up with <@{max_}>" in listed and f"<@{lee}>" not in listed


def test_settings_show_change_and_refuse_bad_values(bot, discord_api, ledger):
    me = "1600000000000000171"
    shown = private(discord_api.interact(d.slash("settings", me)))["content"]
    assert shown.startswith("Your settings") and "follow up after **3** days" in shown
    changed = private(discord_api.interact(d.slash("settings", me, {"follow_up_days": 5, "timezone": "Europe/Berlin"})))
    assert changed["content"].startswith("Saved.") and "(Europe/Berlin)" in changed["content"]
    refused = private(discord_api.interact(d.slash("settings", me, {"timezone": "Mars/Olympus", "follow_up_days": 9})))
    assert refused["content"].startswith("Hmm: timezone: 'Mars/Olympus' is not a time zone name")
    current = ledger.update_settings(ref(me), datetime.now(UTC))
    assert (current["follow_up_days"], current["timezone"]) == (5, "Europe/Berlin")


def test_forget_asks_first_then_deletes(bot, discord_api, ledger):
    me, pat = "1600000000000000181", "1600000000000000182"
    ledger.record_outreach(ref(me), f"<@{pat}>", datetime.now(UTC))
    ask = discord_api.interact(d.slash("forget", me))
    assert private(ask)["content"].startswith("This deletes everything")
    assert custom_ids(private(ask)) == ["rapport:forget:yes", "rapport:forget:no"]
    keep = discord_api.interact(d.press(created(ask), "rapport:forget:no", me))
    assert keep.body["type"] == 7 and data(keep)["content"] == "Kept. Nothing was deleted."
    assert data(keep)["components"] == []
    assert ledger.stats(ref(me)).reached == 1
    ask = discord_api.interact(d.slash("forget", me))
    gone = discord_api.interact(d.press(created(ask), "rapport:forget:yes", me))
    assert data(gone)["content"] == "Done. Everything Rapport held about you here is deleted."
    assert ledger.export(ref(me))["contacts"] == []


def test_help(bot, discord_api):
    answer = private(discord_api.interact(d.slash("help", "1600000000000000191")))
    text = answer["embeds"][0]["description"]
    for command in ("/rapport check", "Check with Rapport", "/rapport sent", "/rapport watch", "/rapport forget"):
        assert command in text


def test_watch_and_unwatch_need_manage_channels(bot, discord_api, ledger):
    me, channel = "1600000000000000201", d.OTHER_CHANNEL_ID
    refused = private(discord_api.interact(d.slash("watch", me, channel_id=channel)))
    assert "needs the Manage Channels permission" in refused["content"]
    assert not ledger.is_watched("discord", d.GUILD_ID, channel)
    admin = {"channel_id": channel, "permissions": d.MANAGE_CHANNELS}
    watched = private(discord_api.interact(d.slash("watch", me, {"digest_days": 14}, **admin)))
    assert watched["content"].startswith("Watching this channel.") and "every 14 days" in watched["content"]
    assert ledger.is_watched("discord", d.GUILD_ID, channel)
    assert private(discord_api.interact(d.slash("watch", me, **admin)))["content"] == "This channel is already watched."
    assert (
        "needs the Manage Channels"
        in private(discord_api.interact(d.slash("unwatch", me, channel_id=channel)))["content"]
    )
    assert private(discord_api.interact(d.slash("unwatch", me, **admin)))["content"].startswith(
        "This channel is no longer watched."
    )
    assert not ledger.is_watched("discord", d.GUILD_ID, channel)
    in_dm = private(discord_api.interact(d.slash("watch", me, guild_id=None, channel_id="1700000000000000001")))
    assert in_dm["content"] == "Run `/rapport watch` in the server channel itself."


def test_done_and_snooze_come_from_the_one_grammar(bot, discord_api, ledger):
    me, sam, kim = "1600000000000000231", "1600000000000000232", "1600000000000000233"
    ledger.record_outreach(ref(me), f"<@{sam}>", datetime.now(UTC))
    ledger.record_outreach(ref(me), f"<@{kim}>", datetime.now(UTC))

    def run(sub: str, who: str, **options) -> str:
        payload = d.slash(sub, me, {"user": who, **options}, resolved_users=[d.user(who)])
        return private(discord_api.interact(payload))["content"]

    assert run("done", sam) == f"Done: no more follow-up reminders for <@{sam}>."
    assert re.fullmatch(rf"Snoozed: I'll remind you about <@{kim}> again <t:\d+:R>\.", run("snooze", kim, days=5))
    due = ledger.followups(ref(me), datetime.now(UTC) + timedelta(days=30))
    assert [r.contact for r in due] == [f"<@{kim}>"]
    assert (
        run("done", "1600000000000000234")
        == "I have no outreach to <@1600000000000000234> logged yet. Log it with `/rapport sent`."
    )
