"""Discord's gateway shards across processes: ``rapport discord --shard-ids 0,1 --shard-count 4`` and
``--shard-ids 2,3 --shard-count 4`` on one PostgreSQL each run their half, every guild's events reach one of them,
the commands are synced once, and every reminder goes out once whichever process's round takes it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.repo import UserRef
from bot.ledger.schema import Reminder
from tests.bot.discord.conftest import BotProcess
from tests.fakes import discord_api as d
from tests.fakes.discord_gateway import shard_of
from tests.wait import wait_for

RAPPORT = [sys.executable, "-m", "bot"]
PITCH = "Hi! We help companies like yours cut costs 40%. Free for a demo Friday?"
#: One guild on each of the 4 shards (Discord routes a guild to shard ``(guild_id >> 22) % 4``).
GUILDS = tuple(str((290_000_000_000 + shard) << 22) for shard in range(4))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--shard-ids", "0,1"], "rapport: --shard-ids needs --shard-count"),
        (["--shard-ids", "0,4", "--shard-count", "4"], "rapport: --shard-ids: shard 4 does not exist"),
        (["--shard-ids", "0,x", "--shard-count", "4"], "rapport: --shard-ids must be shard numbers"),
        (["--shard-ids", "1,1", "--shard-count", "4"], "rapport: --shard-ids names a shard twice"),
        (["--shard-count", "0"], "Invalid value for '--shard-count'"),
    ],
)
def test_bad_shard_options_are_one_line_and_exit_2(args, expected, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "RAPPORT_"))}
    result = subprocess.run([*RAPPORT, "discord", *args], capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert expected in result.stderr.decode() and result.stderr.decode().count("\n") <= 2


def test_guilds_in_the_stand_in_fall_on_every_shard():
    assert [shard_of(g, 4) for g in GUILDS] == [0, 1, 2, 3]


def test_two_processes_run_the_shards_and_send_each_reminder_once(postgres_url, tmp_path):
    ledger = Coach(sessions=open_ledger(postgres_url))
    owners = [f"16100000000000{n:05d}" for n in range(30)]
    with d.DiscordStandIn(guilds=GUILDS) as stand_in:
        shards = ("--shard-count", "4", "--reminder-interval", "0.3")
        first = BotProcess(stand_in, postgres_url, tmp_path, "--shard-ids", "0,1", *shards)
        second = BotProcess(stand_in, postgres_url, tmp_path / "b", "--shard-ids", "2,3", *shards)
        (tmp_path / "b").mkdir()
        try:
            first.start()
            stand_in.wait_identified(2, timeout=60)  # discord.py identifies a process's shards 5 s apart
            second.start()
            stand_in.wait_identified(4, timeout=60)
            assert sorted(tuple(i["shard"]) for i in stand_in.identifies) == [(0, 4), (1, 4), (2, 4), (3, 4)]
            assert stand_in.refused_identifies == []
            # 30 users in the 4 guilds get a follow-up due now, while both processes run their rounds.
            for _ in range(3):  # a few slow moments (429s) so that the two processes' rounds overlap
                stand_in.rate_limit("POST", r"/channels/\d+/messages", retry_after=0.2)
            now = datetime.now(UTC)
            for n, owner in enumerate(owners):
                ref = UserRef("discord", GUILDS[n % 4], owner)
                ledger.update_settings(ref, now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
                ledger.record_outreach(ref, "<@1610000000000099999>", now - timedelta(days=4))
            # Each guild's command reaches the one process running its shard, and is answered once.
            for guild in GUILDS:
                payload = d.slash("check", "1610000000000088888", {"draft": PITCH}, guild_id=guild)
                stand_in.interact(payload)
                callback = re.escape(f"/interactions/{payload['id']}/{payload['token']}/callback")
                assert len(stand_in.of("POST", callback)) == 1
            # Every reminder went out once, with both processes' rounds taking part.
            wait_for(lambda: len(delivered(stand_in)) >= len(owners), timeout=60, what="30 reminder DMs")
            later = UserRef("discord", GUILDS[0], "1610000000000077777")  # a barrier: a reminder due later went out
            ledger.update_settings(later, now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
            ledger.record_outreach(later, "<@1610000000000099999>", datetime.now(UTC) - timedelta(days=4))
            wait_for(lambda: later.user_id in delivered(stand_in), timeout=30, what="the later reminder")
            sent = delivered(stand_in)
            assert {owner: sent[owner] for owner in owners} == dict.fromkeys(owners, 1)
            with ledger.sessions() as session:
                workers = session.scalars(select(Reminder.claimed_by).where(Reminder.status == "sent"))
                assert len({worker.split(":")[1] for worker in workers}) == 2
            # The application commands were synced once, by the process running shard 0.
            assert len(stand_in.of("PUT", rf"/applications/{d.APP_ID}/commands")) == 1
        finally:
            second.stop()
            first.stop()
            ledger.sessions.kw["bind"].dispose()
        assert stand_in.violations == [], stand_in.violations


def delivered(stand_in: d.DiscordStandIn) -> Counter:
    """Reminder DMs created (HTTP 200), by recipient."""
    sent = Counter()
    for call in stand_in.of("POST", r"/channels/\d+/messages"):
        recipient = stand_in.dm_channels.get(call.path.split("/")[2])
        if call.status == 200 and recipient is not None:
            sent[recipient] += 1
    return sent
