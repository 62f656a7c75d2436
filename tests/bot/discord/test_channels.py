"""What the bot learns from channel messages (MESSAGE_CREATE through the gateway): replies, and watched channels."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.ledger.repo import UserRef
from tests.fakes import discord_api as d
from tests.wait import wait_for

PITCH = "Hey all! Our platform helps startups like yours 10x their pipeline. Book a free demo this week: link below."
QUESTION = "Has anyone here moved their onboarding docs into the codebase? How did the team keep them fresh?"
WATCHED = "1300000000000000301"


def ref(user_id: str) -> UserRef:
    return UserRef("discord", d.GUILD_ID, user_id)


def messages_to(discord_api, channel_id: str) -> list:
    return discord_api.of("POST", re.escape(f"/channels/{channel_id}/messages"))


def dms_to(discord_api, user_id: str) -> list:
    channels = [c for c, u in discord_api.dm_channels.items() if u == user_id]
    return [call for channel in channels for call in messages_to(discord_api, channel)]


def after_a_later_pitch(discord_api, channel: str, author: str) -> None:
    """A barrier instead of a sleep: a pitch posted later in ``channel`` by ``author`` (a fresh user) got its
    coaching DM, so the bot has handled every message dispatched before it."""
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(author, PITCH + " (later)", channel_id=channel))
    wait_for(lambda: dms_to(discord_api, author), what="the coaching DM for the later pitch")


def watch(discord_api, admin: str, channel: str) -> None:
    payload = d.slash("watch", admin, channel_id=channel, permissions=d.MANAGE_CHANNELS)
    assert discord_api.interact(payload).body["data"]["content"].startswith("Watching this channel.")


def test_a_pitch_in_a_watched_channel_gets_a_private_dm_to_its_author_only(bot, discord_api, ledger):
    admin, author, other = "1600000000000000301", "1600000000000000302", "1600000000000000303"
    watch(discord_api, admin, WATCHED)
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(other, QUESTION, channel_id=WATCHED))
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(author, PITCH, channel_id=WATCHED))
    discord_api.wait_for("POST", "/users/@me/channels", where=lambda c: str(c.body["recipient_id"]) == author)
    (note,) = wait_for(lambda: dms_to(discord_api, author))
    embed = note.body["embeds"][0]
    assert embed["description"].startswith(f"Only you got this note. Your post in <#{WATCHED}> reads like a pitch")
    assert "reads as a pitch" in embed["title"]
    (check,) = ledger.recent_checks(ref(author))
    buttons = [c["custom_id"] for row in note.body["components"] for c in row["components"]]
    assert buttons == [f"rapport:dispute:{d.GUILD_ID}:{check.id}", f"rapport:optout:{d.GUILD_ID}"]
    after_a_later_pitch(discord_api, WATCHED, "1600000000000000304")
    assert messages_to(discord_api, WATCHED) == []  # nothing in the channel itself
    assert dms_to(discord_api, other) == []  # the question got no note
    assert all(str(call.body["recipient_id"]) != admin for call in discord_api.of("POST", "/users/@me/channels"))


def test_the_coaching_dm_has_a_one_click_opt_out(bot, discord_api, ledger):
    admin, author = "1600000000000000311", "1600000000000000312"
    channel = "1300000000000000311"
    watch(discord_api, admin, channel)
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(author, PITCH, channel_id=channel))
    (note,) = wait_for(lambda: dms_to(discord_api, author))
    dm_message = discord_api.messages[note.answer["id"]]
    # The button is pressed in the DM: no guild in the interaction; the guild comes from the button itself.
    press = d.press(dm_message, f"rapport:optout:{d.GUILD_ID}", author, guild_id=None)
    answer = discord_api.interact(press).body["data"]
    assert answer["flags"] == 64 and answer["content"].startswith("Done: no more notes on your channel posts.")
    assert ledger.update_settings(ref(author), datetime.now(UTC))["channel_coaching"] is False
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(author, PITCH + " Last chance!", channel_id=channel))
    after_a_later_pitch(discord_api, channel, "1600000000000000313")
    assert len(dms_to(discord_api, author)) == 1  # no second note
    assert messages_to(discord_api, channel) == []


def test_bots_are_ignored_including_ourselves(bot, discord_api, ledger):
    admin, other_bot = "1600000000000000321", "1600000000000000322"
    channel = "1300000000000000321"
    watch(discord_api, admin, channel)
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(other_bot, PITCH, channel_id=channel, bot=True))
    ours = d.channel_message(d.BOT_ID, PITCH, channel_id=channel, bot=True)
    discord_api.dispatch("MESSAGE_CREATE", ours)
    after_a_later_pitch(discord_api, channel, "1600000000000000323")
    assert dms_to(discord_api, other_bot) == [] and dms_to(discord_api, d.BOT_ID) == []
    assert ledger.recent_checks(ref(other_bot)) == [] and ledger.recent_checks(ref(d.BOT_ID)) == []


def test_a_reply_is_recorded_from_a_message_reference(bot, discord_api, ledger):
    me, contact = "1600000000000000331", "1600000000000000332"
    payload = d.slash("sent", me, {"user": contact}, resolved_users=[d.user(contact)])
    assert discord_api.interact(payload).body["data"]["content"].startswith("Logged.")
    mine = d.channel_message(me, "Hi! How did the migration go in the end?", channel_id=d.OTHER_CHANNEL_ID)
    discord_api.dispatch("MESSAGE_CREATE", mine)
    answer = d.channel_message(
        contact, "It went well, thanks for asking!", channel_id=d.OTHER_CHANNEL_ID, reply_to=mine
    )
    assert answer["type"] == 19 and answer["message_reference"]["message_id"] == mine["id"]
    discord_api.dispatch("MESSAGE_CREATE", answer)
    assert wait_for(lambda: ledger.stats(ref(me)).replied == 1)
    assert ledger.followups(ref(me), datetime(2100, 1, 1, tzinfo=UTC))[0].kind == "keep_in_touch"  # follow-ups ended


def test_a_reply_is_recorded_from_a_mention(bot, discord_api, ledger):
    me, contact, stranger = "1600000000000000341", "1600000000000000342", "1600000000000000343"
    ledger.record_outreach(ref(me), f"<@{contact}>", datetime.now(UTC))
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(stranger, f"<@{me}> hi!", mentions=[me]))
    discord_api.dispatch("MESSAGE_CREATE", d.channel_message(contact, f"<@{me}> good question, yes!", mentions=[me]))
    assert wait_for(lambda: ledger.stats(ref(me)).replied == 1)
    (contact_row,) = ledger.export(ref(me))["contacts"]
    assert contact_row["contact"] == f"<@{contact}>" and len(contact_row["replies"]) == 1
