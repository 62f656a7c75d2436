"""Discord's text rules and limits: mentions, emoji and timestamps made readable before a check; embeds, digests
and lists fitted to Discord's documented limits, which the stand-in enforces (HTTP 400, code 50035)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot import wording
from bot.adapters.discord import render, text
from bot.adapters.discord.notifier import DiscordNotifier
from bot.types import DueReminder, Undeliverable, UserRef
from tests.fakes import discord_api as d
from tests.fakes.discord_api import DiscordStandIn
from tests.fakes.discord_limits import message_error

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def due(count: int) -> list[DueReminder]:
    me = UserRef("discord", d.GUILD_ID, "1600000000000000301")
    return [
        DueReminder(i, me, f"<@{1600000000000000400 + i}>", "follow_up", 1, NOW - timedelta(days=1))
        for i in range(1, count + 1)
    ]


def test_entities_discord_sends_are_made_readable():
    said = "Hi <@!123> <:wave:9876543210> see <t:1767225600:R> in <#55> for <@&77>, run </rapport check:42>"
    assert text.decode(said) == "Hi @user :wave: see 2026-01-01 00:00 UTC in #channel for @role, run /rapport check"
    assert text.decode("AT&T <3 R&D") == "AT&T <3 R&D"  # Discord escapes nothing


def test_the_context_menu_checks_a_message_as_people_read_it(bot, discord_api, ledger):
    me, author, dana = "1600000000000000311", "1600000000000000312", "1600000000000000313"
    said = f"Hi <@{dana}> <:wave:9876543210>! We help teams like yours cut costs 40%. Book a demo Friday?"
    target = d.message(d.CHANNEL_ID, d.user(author), said, guild_id=d.GUILD_ID, mentions=[d.user(dana, "dana")])
    call = discord_api.interact(d.context_menu(target, me))
    answer = call.body["data"]
    assert answer["embeds"][0]["description"] == "> Hi @dana :wave:! We help teams like yours cut costs 40%. " + (
        "Book a demo Friday?"
    )


def test_a_long_digest_is_split_within_the_embed_limits_and_each_reminder_is_in_one_part():
    items = due(120)
    parts = render.digest_embeds(items)
    assert len(parts) > 1
    for _, embed in parts:
        assert message_error({"embeds": [embed.to_dict()]}) is None
    numbers = [n for _, embed in parts for n in render.marked([embed])]
    assert sorted(numbers) == [i.id for i in items]
    assert [len(p) for p, _ in parts] == [len(render.marked([e])) for _, e in parts]
    assert all(f"• {wording.reminder_line(i)}" in e.description for p, e in parts for i in p)  # whole lines


def test_an_embed_over_6000_characters_is_cut_to_fit():
    embed = discord.Embed(title="t" * 200, description="d" * 4000)
    for name in ("a", "b", "c"):
        embed.add_field(name=name, value="v" * 1024, inline=False)
    embed.set_footer(text="f" * 500)
    assert message_error({"embeds": [embed.to_dict()]}) is not None  # Discord refuses this one
    fitted = render.fitted(embed)
    assert len(fitted) <= render.EMBED_TOTAL_MAX and message_error({"embeds": [fitted.to_dict()]}) is None
    assert fitted.description.endswith(render.TRUNCATED) and fitted.fields[2].value == "v" * 1024


def test_a_long_followups_list_is_cut_with_and_n_more_within_2000_characters():
    shown = render.followups_text(due(40))
    assert len(shown) <= render.CONTENT_MAX
    listed = shown.count("\n• ")
    assert shown.endswith(wording.and_more(40 - listed, render.IN_DMS))
    assert "more" not in render.followups_text(due(3))


def test_a_dm_refused_as_malformed_is_logged_sent_as_text_then_set_aside(caplog):
    refusal = {"code": 50035, "message": "Invalid Form Body", "errors": {}}
    with DiscordStandIn(d.BOT_TOKEN) as stand_in:
        previous, discord.http.Route.BASE = discord.http.Route.BASE, stand_in.api_url.rstrip("/")
        notifier = DiscordNotifier(d.BOT_TOKEN, coach=None)
        try:
            [item] = due(1)
            stand_in.script("POST", r"/channels/\d+/messages", 400, refusal)
            with caplog.at_level(logging.ERROR, logger="bot.adapters.discord.notifier"):
                notifier.send(item)
            assert "bug: Discord refused a reminder message as malformed (code 50035)" in caplog.text
            [sent] = [c for c in stand_in.of("POST", r"/channels/\d+/messages") if c.status == 200]
            assert sent.body["content"].endswith(f"(Reminder #{item.id})") and not sent.body.get("embeds")
            assert notifier.delivered(item, NOW - timedelta(days=400))  # found again: never sent twice

            stand_in.script("POST", r"/channels/\d+/messages", 400, refusal)
            stand_in.script("POST", r"/channels/\d+/messages", 400, refusal)
            with pytest.raises(Undeliverable):
                notifier.send(item)
        finally:
            notifier.close()
            discord.http.Route.BASE = previous
