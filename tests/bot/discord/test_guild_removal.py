"""Leaving a server: ``GUILD_DELETE`` for a removed guild opts its watched channels out; an outage
(``GUILD_DELETE`` with ``unavailable: true``) leaves them alone, and other servers' channels stay watched."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.coach import Coach
from bot.ledger.db import open_ledger
from tests.bot.discord.conftest import BotProcess
from tests.fakes import discord_api as d
from tests.fakes.discord_api import DiscordStandIn
from tests.wait import wait_for

SECOND_GUILD, SECOND_CHANNEL = "1200000000000000077", "1300000000000000077"


def test_leaving_a_server_unwatches_its_channels_and_an_outage_does_not(tmp_path):
    url = f"sqlite:///{tmp_path / 'rapport.db'}"
    with DiscordStandIn(d.BOT_TOKEN, guilds=(d.GUILD_ID, SECOND_GUILD)) as stand_in:
        bot = BotProcess(stand_in, url, tmp_path).start()  # migrates the ledger
        try:
            coach = Coach(sessions=open_ledger(url))
            now = datetime.now(UTC)
            coach.watch("discord", d.GUILD_ID, d.CHANNEL_ID, "1600000000000000001", now)
            coach.watch("discord", SECOND_GUILD, SECOND_CHANNEL, "1600000000000000001", now)
            stand_in.dispatch("GUILD_DELETE", {"id": d.GUILD_ID, "unavailable": True})  # an outage, not a removal
            stand_in.dispatch("GUILD_DELETE", {"id": SECOND_GUILD})  # removed from the server
            wait_for(lambda: not coach.is_watched("discord", SECOND_GUILD, SECOND_CHANNEL), what="the unwatch")
            assert coach.is_watched("discord", d.GUILD_ID, d.CHANNEL_ID)
        finally:
            bot.stop()
        assert stand_in.violations == []
