"""Starting, stopping and restarting ``rapport discord``: the token, intents, command sync, deferred answers, and the
reminder DMs and channel digests the running bot delivers exactly once across a restart."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner
from sqlalchemy import update

from bot.adapters.discord.client import PERMISSIONS
from bot.cli import main
from bot.coach import Coach, Message
from bot.ledger.db import open_ledger
from bot.ledger.repo import UserRef
from bot.ledger.schema import Reminder
from bot.reminders import due
from bot.wording import NOTICES
from tests.bot.discord.conftest import RAPPORT, ROOT, BotProcess
from tests.fakes import discord_api as d
from tests.fakes.discord_api import DiscordStandIn
from tests.wait import wait_for

GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 15
PITCH = "Hey all! Our platform helps startups like yours 10x their pipeline. Book a free demo this week: link below."
QUESTION = "Has anyone here moved their onboarding docs into the codebase? How did the team keep them fresh?"


def ref(user_id: str) -> UserRef:
    return UserRef("discord", d.GUILD_ID, user_id)


def a_later_reminder(ledger: Coach, stand_in: DiscordStandIn, user: str) -> str:
    """A barrier instead of a sleep: a follow-up for ``user`` (a fresh user) falls due now; once its DM arrives,
    the bot has run a whole delivery round after everything before it. Returns that DM channel's path."""
    now = datetime.now(UTC)
    ledger.update_settings(ref(user), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
    ledger.record_outreach(ref(user), "<@1600000000000000999>", now - timedelta(days=4))

    def dm_path():
        channel = next((c for c, u in stand_in.dm_channels.items() if u == user), None)
        path = f"/channels/{channel}/messages"
        return path if channel and any(c.path == path and c.status == 200 for c in stand_in.calls) else None

    return wait_for(dm_path, timeout=20, what=f"the later reminder DM to {user}")


def _run_cli(env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "RAPPORT_"))}
    base["RAPPORT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'never.db'}"
    return subprocess.run(
        [RAPPORT, "-v", "discord"], env={**base, **env}, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def test_a_missing_token_stops_with_one_line(tmp_path):
    result = _run_cli({}, tmp_path)
    assert result.returncode == 2
    assert result.stderr == "rapport: DISCORD_TOKEN is not set (set it in the environment or in a .env file here)\n"
    assert result.stdout == ""


def test_a_malformed_token_stops_with_one_line_without_showing_it(tmp_path):
    token = "my-secret-token-abc123"
    result = _run_cli({"DISCORD_TOKEN": token}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("rapport: DISCORD_TOKEN is malformed: expected a bot token: ")
    assert result.stderr.count("\n") == 1
    assert token not in result.stdout + result.stderr


def test_a_token_discord_refuses_stops_with_one_line_without_showing_it(tmp_path):
    refused = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.this-token-was-revoked-long-ago-xyz"
    with DiscordStandIn() as stand_in:
        result = _run_cli({"DISCORD_TOKEN": refused, "RAPPORT_DISCORD_API_URL": stand_in.api_url}, tmp_path)
        assert [(c.method, c.path, c.status) for c in stand_in.calls] == [("GET", "/users/@me", 401)]
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("rapport: Discord refused DISCORD_TOKEN (401 Unauthorized)")
    assert "Traceback" not in result.stderr
    assert refused not in result.stdout + result.stderr


def test_help_and_invite_url():
    runner = CliRunner()
    shown = runner.invoke(main, ["discord", "--help"])
    assert shown.exit_code == 0
    for name in ("DISCORD_TOKEN", "RAPPORT_DISCORD_GUILD", "RAPPORT_DATABASE_URL", "invite-url", "deploy/discord.md"):
        assert name in shown.output
    made = runner.invoke(main, ["discord", "invite-url", "--client-id", d.APP_ID])
    assert made.exit_code == 0
    url = urlsplit(made.output.strip())
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == [d.APP_ID]
    assert query["scope"] == ["bot applications.commands"]
    assert int(query["permissions"][0]) == (1 << 10) | (1 << 11)  # View Channels and Send Messages, nothing else
    assert f"permissions={PERMISSIONS.value}" in (ROOT / "deploy" / "discord.md").read_text()
    bad = runner.invoke(main, ["discord", "invite-url", "--client-id", "rapport"])
    assert bad.exit_code == 2 and "--client-id must be the application id" in bad.output


def test_without_the_content_intent_watch_says_so_and_slow_answers_are_deferred(tmp_path):
    with DiscordStandIn(message_content=False) as stand_in:
        bot = BotProcess(
            stand_in,
            f"sqlite:///{tmp_path / 'rapport.db'}",
            tmp_path,
            "--reminder-interval",
            "0.3",
            "--reply-within",
            "0",
            RAPPORT_DISCORD_GUILD=d.GUILD_ID,
        ).start()
        try:
            identify = stand_in.identifies[0]
            assert identify["intents"] == GUILDS | GUILD_MESSAGES  # no privileged intent asked for
            (sync,) = stand_in.of("PUT", rf"/applications/{d.APP_ID}/guilds/{d.GUILD_ID}/commands")
            assert stand_in.of("PUT", rf"/applications/{d.APP_ID}/commands") == []  # not global
            commands = {c["name"]: c for c in sync.body}
            assert commands["Check with Rapport"]["type"] == 3  # the message context menu
            assert {o["name"] for o in commands["rapport"]["options"]} == {
                *("check", "sent", "replied", "done", "snooze", "followups", "stats", "settings", "forget", "help"),
                *("watch", "unwatch", "met", "called", "emailed", "circle", "plan", "ladder"),
            }

            admin = "1600000000000000401"
            payload = d.slash("watch", admin, permissions=d.MANAGE_CHANNELS)
            deferred = stand_in.interact(payload)
            assert deferred.body == {"type": 5, "data": {"flags": 64}}  # "thinking", privately
            (answer,) = stand_in.wait_for("POST", re.escape(f"/webhooks/{d.APP_ID}/{payload['token']}"))
            assert answer.query["wait"] == "1" and answer.body["flags"] == 64
            assert answer.body["content"].startswith("I can't read the posts in channels yet")
            assert "Message Content" in answer.body["content"]
            ledger = Coach(sessions=open_ledger(bot.database_url))
            assert not ledger.is_watched("discord", d.GUILD_ID, d.CHANNEL_ID)

            ask = d.slash("forget", admin)
            stand_in.interact(ask)
            (question,) = stand_in.wait_for("POST", re.escape(f"/webhooks/{d.APP_ID}/{ask['token']}"))
            keep = d.press(question.answer, "rapport:forget:no", admin)
            assert stand_in.interact(keep).body == {"type": 6}  # deferred update of the message with the button
            (edit,) = stand_in.wait_for("PATCH", re.escape(f"/webhooks/{d.APP_ID}/{keep['token']}/messages/@original"))
            assert edit.body["content"] == "Kept. Nothing was deleted." and edit.body["components"] == []
        finally:
            assert bot.stop() == 0
        assert d.BOT_TOKEN not in bot.output()


def test_reminders_and_digests_go_out_once_across_a_restart_and_their_buttons_still_work(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'rapport.db'}"
    me, contact = "1600000000000000501", "1600000000000000502"
    closed, closed_contact = "1600000000000000503", "1600000000000000504"
    channel, poster, asker = "1300000000000000501", "1600000000000000505", "1600000000000000506"
    now = datetime.now(UTC)
    # What the ledger holds before the bot starts: two follow-ups due, and a watched channel whose week is over.
    sessions = open_ledger(database_url)
    ledger = Coach(sessions=sessions)
    for user, who in ((me, contact), (closed, closed_contact)):
        ledger.update_settings(ref(user), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
        ledger.record_outreach(ref(user), f"<@{who}>", now - timedelta(days=4))
    ledger.watch("discord", d.GUILD_ID, channel, "1600000000000000509", now - timedelta(days=8))
    for author, text, days in ((poster, PITCH, 3), (asker, QUESTION, 2)):
        at = now - timedelta(days=days)
        ledger.observe(Message("discord", d.GUILD_ID, channel, d.snowflake(at), author, text, at))

    with DiscordStandIn(closed_dms={closed}) as stand_in:
        stand_in.rate_limit("POST", r"/channels/\d+/messages", retry_after=0.2)
        bot = BotProcess(stand_in, database_url, tmp_path)
        # -- first lifetime: deliver ------------------------------------------------------------------------------
        bot.start()
        assert stand_in.identifies[0]["intents"] == GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT
        assert stand_in.of("PUT", rf"/applications/{d.APP_ID}/commands")  # synced globally without a guild set

        def sent_to(user_id: str, status: int = 200) -> list:
            dms = [c for c, u in stand_in.dm_channels.items() if u == user_id]
            return [
                c for c in stand_in.calls if c.path in {f"/channels/{x}/messages" for x in dms} and c.status == status
            ]

        (reminder,) = wait_for(lambda: sent_to(me))
        assert reminder.body["embeds"][0]["description"].startswith(f"⏰ Follow up with <@{contact}>: no reply yet")
        buttons = [c["custom_id"] for row in reminder.body["components"] for c in row["components"]]
        assert buttons == [
            f"rapport:reminder:{a}:{d.GUILD_ID}:{contact}"
            for a in ("done", "snooze", "replied", "emailed", "called", "met")
        ]
        wait_for(lambda: sent_to(closed, 403))
        (digest,) = stand_in.wait_for(
            "POST", re.escape(f"/channels/{channel}/messages"), where=lambda c: c.status == 200
        )
        text = digest.body["content"]
        assert text.startswith("How conversations went here over the last 8 days:")
        assert "2 posts" in text and "50% of posts read as pitches" in text
        assert poster not in text and asker not in text  # never who posted what
        assert [c.status for c in stand_in.of("POST", r"/channels/\d+/messages") if c.status == 429] == [429]
        assert wait_for(lambda: not ledger.followups(ref(me), datetime.now(UTC)))  # marked sent
        a_later_reminder(ledger, stand_in, "1600000000000000507")  # a later round: nothing is sent again
        assert len(sent_to(me)) == 1 and len(sent_to(closed, 403)) == 1
        assert bot.stop() == 0
        assert "Rapport for Discord: logged in as Rapport" in bot.output()

        # -- second lifetime, same database: nothing twice; the old DM's buttons work ------------------------------
        calls_before = len(stand_in.calls)
        bot.start()
        later = a_later_reminder(ledger, stand_in, "1600000000000000508")
        new = [c for c in stand_in.calls[calls_before:] if re.fullmatch(r"/channels/\d+/messages", c.path)]
        new = [c for c in new if c.path != later]
        assert new == []
        dm_message = stand_in.messages[reminder.answer["id"]]
        press = d.press(dm_message, f"rapport:reminder:replied:{d.GUILD_ID}:{contact}", me, guild_id=None)
        update = stand_in.interact(press)
        assert update.body["type"] == 7
        assert (
            update.body["data"]["embeds"][0]["description"]
            == f"Nice, <@{contact}> replied. Keep the conversation going."
        )
        assert update.body["data"]["components"] == []  # the buttons go once used
        assert ledger.stats(ref(me)).replied == 1

        # The user whose DMs are closed is told once, at their next interaction, and only once.
        first = d.slash("stats", closed)
        stand_in.interact(first)
        (notice,) = stand_in.wait_for("POST", re.escape(f"/webhooks/{d.APP_ID}/{first['token']}"))
        assert notice.body["content"] == NOTICES["dm_closed"] and notice.body["flags"] == 64
        second = d.slash("stats", closed)
        assert stand_in.interact(second).body["data"]["content"].startswith("Reached ")
        third = d.slash("stats", closed)  # a barrier: an answer that comes after the second one's
        assert stand_in.interact(third).body["data"]["content"].startswith("Reached ")
        assert stand_in.followups(second) == [] and stand_in.followups(third) == []
        assert len(sent_to(closed, 403)) == 1  # never retried
        assert bot.stop() == 0
        assert d.BOT_TOKEN not in bot.output()
    sessions.kw["bind"].dispose()


def test_a_reminder_is_not_sent_twice_when_an_answer_is_lost_or_an_earlier_send_had_arrived(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'rapport.db'}"
    lost, earlier = "1600000000000000601", "1600000000000000602"
    now = datetime.now(UTC)
    sessions = open_ledger(database_url)
    ledger = Coach(sessions=sessions)
    for user in (lost, earlier):
        ledger.update_settings(ref(user), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
        ledger.record_outreach(ref(user), "<@1600000000000000699>", now - timedelta(days=4))
    [in_doubt] = due(sessions, now, ref(earlier))
    with sessions.begin() as session:  # a previous bot process sent it and died before recording that
        session.execute(update(Reminder).where(Reminder.id == in_doubt.id).values(attempted_at=now, attempts=1))

    with DiscordStandIn() as stand_in:
        dm = d.snowflake()
        stand_in.dm_channels[dm] = earlier
        footer = {"text": f"Reminder #{in_doubt.id} · From Rapport Test"}
        arrived = d.message(dm, d.user(d.BOT_ID, "Rapport", bot=True), embeds=[{"description": "⏰", "footer": footer}])
        stand_in.messages[arrived["id"]] = arrived
        stand_in.lose_answers = 1  # the first DM is created, but Discord answers 500
        bot = BotProcess(stand_in, database_url, tmp_path).start()
        try:
            assert wait_for(lambda: not ledger.followups(ref(lost), datetime.now(UTC)), timeout=20)
            assert wait_for(lambda: not ledger.followups(ref(earlier), datetime.now(UTC)))
            later = a_later_reminder(ledger, stand_in, "1600000000000000603")  # a later round
            posts = [c for c in stand_in.of("POST", r"/channels/\d+/messages") if c.path != later]
            assert [c.status for c in posts] == [500, 200]  # discord.py retried with the same nonce...
            created = {m["id"] for m in stand_in.messages.values() if m["channel_id"] in posts[0].path}
            assert created == {posts[1].answer["id"]}  # ...and got back the one message Discord had taken
            assert posts[0].body["nonce"] == posts[1].body["nonce"] and posts[0].body["enforce_nonce"] is True
            assert stand_in.of("GET", rf"/channels/{dm}/messages")  # the in-doubt one was looked up...
            assert not [c for c in posts if c.path == f"/channels/{dm}/messages"]  # ...and not sent again
        finally:
            bot.stop()
    sessions.kw["bind"].dispose()


def test_the_bot_beats_a_heartbeat_while_connected(tmp_path):
    """The container's healthcheck (python -m bot.health --heartbeat) sees the Discord process itself."""
    beat = tmp_path / "beat" / "discord.heartbeat"

    def healthy() -> bool:
        check = [sys.executable, "-m", "bot.health", "--heartbeat", str(beat)]
        return subprocess.run(check, capture_output=True, cwd=ROOT, timeout=30).returncode == 0

    with DiscordStandIn() as stand_in:
        bot = BotProcess(stand_in, f"sqlite:///{tmp_path / 'rapport.db'}", tmp_path, RAPPORT_HEARTBEAT_FILE=str(beat))
        assert not healthy()
        bot.start()
        try:
            wait_for(healthy, timeout=30, what="a fresh heartbeat the healthcheck accepts")
        finally:
            assert bot.stop() == 0
