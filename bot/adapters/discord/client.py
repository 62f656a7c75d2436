"""Rapport's Discord bot (discord.py): the client: ``/rapport``, "Check with Rapport", DM reminders, watched channels.

An auto-sharded client with an app-command tree. Every handler runs the (synchronous) coach in a worker thread so
the event loop never blocks, and answers within ``reply_within`` seconds or defers first. Buttons and selects are
``DynamicItem``s: their ``custom_id`` carries what they act on (a check, a contact, a guild), they are registered
once at start, and so they work on messages sent before a restart. The reminder rows in the ledger are the
schedule and guarantee each reminder goes out once. discord.py waits out 429s itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from datetime import timedelta

import discord
import yarl
from discord import app_commands

from bot import commands, health, wording
from bot.adapters.discord import PLATFORM, render
from bot.adapters.discord import text as discord_text
from bot.adapters.discord.commands import RapportGroup, RapportTree, check_message
from bot.adapters.discord.components import (
    DYNAMIC_ITEMS,
    ForgetButton,
    NotAPitch,
    StopNotes,
    user_of,
    verdict_view,
    view_of,
)
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.render import Reply
from bot.coach import Coach
from bot.settings import DiscordConfig
from bot.types import (
    DEFAULT_LEASE,
    DEFAULT_RETRY,
    Clock,
    Message,
    StartupError,
    UnknownContactError,
    UserRef,
    unreachable,
    utcnow,
)

log = logging.getLogger(__name__)

#: OAuth2 scopes for the invite: the bot user, and the slash commands / context menu.
SCOPES = ("bot", "applications.commands")
#: The guild permissions the bot needs, and no more. Interaction replies and DMs need none; the bot must see the
#: channels it reads replies and watched posts in, and post the weekly digest (plain text) in watched channels.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True)


class RapportBot(discord.AutoShardedClient):
    """The auto-sharded client: app commands and components, channel messages, and the delivery rounds.

    Every handler runs the (synchronous) coach in a worker thread so the event loop never blocks, and answers
    within ``reply_within`` seconds or defers first. ``clock`` gives the current time (UTC).

    ``shard_ids`` (with ``shard_count``) runs only those gateway shards, so several processes share a bot: each gets
    the events of its shards' guilds (Discord routes a guild to shard ``(guild_id >> 22) % shard_count``, DMs to
    shard 0). Every process runs the delivery rounds for all users: a reminder is a DM sent over HTTP, which any
    process can send, and the ledger's claims (a conditional UPDATE with a lease) make each go out once. Only the
    process running shard 0 syncs the application commands."""

    def __init__(
        self,
        coach: Coach,
        *,
        guild_id: int | None = None,
        reminder_interval: float = 60.0,
        reminder_lease: timedelta = DEFAULT_LEASE,
        reminder_retry: timedelta = DEFAULT_RETRY,
        reply_within: float = 2.0,
        clock: Clock = utcnow,
        announce: Callable[[str], None] | None = None,
        shard_ids: tuple[int, ...] | None = None,
        shard_count: int | None = None,
    ):
        # Rapport has no voice: no warnings about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # channels and threads, to tell a thread reply from a post
        intents.guild_messages = True  # replies, mentions and watched posts
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,
            shard_ids=list(shard_ids) if shard_ids is not None else None,
            shard_count=shard_count,
        )
        self.coach = coach
        self.guild_id = guild_id
        self.reminder_interval = reminder_interval
        self.rounds = coach.rounds(PLATFORM, reminder_lease, reminder_retry)
        self.reply_within = reply_within
        self.clock = clock
        self.announce = announce
        self.tree = RapportTree(self)
        self.tree.add_command(RapportGroup())
        self.tree.add_command(app_commands.ContextMenu(name="Check with Rapport", callback=check_message))
        self._stopping = asyncio.Event()
        self._ticker: asyncio.Task | None = None
        self._tick: asyncio.Future | None = None

    # -- start and stop -------------------------------------------------------------------------------------
    @property
    def reads_message_content(self) -> bool:
        """Whether the gateway sends message content (the application has the privileged intent)."""
        return self._connection._intents.message_content

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs the application commands: it runs every shard, or shard 0."""
        return self.shard_ids is None or 0 in self.shard_ids

    async def setup_hook(self) -> None:
        # The privileged message content intent is asked for only when the application has it enabled (asking
        # without it makes Discord close the gateway with 4014); without it, /rapport watch says so.
        """After login: ask for the content intent if the application has it, register the persistent
        components, sync the commands (to ``guild_id`` or globally) and start the delivery rounds."""
        flags = self.application_flags
        self._connection._intents.message_content = bool(
            flags.gateway_message_content or flags.gateway_message_content_limited
        )
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if not self.syncs_commands:
            where = "by the process running shard 0"
        elif self.guild_id is not None:
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            where = f"to guild {self.guild_id}"
        else:
            synced = await self.tree.sync()
            where = "globally (Discord can take up to an hour to show changes)"
        if self.syncs_commands:
            log.info("synced %d application commands %s", len(synced), where)
        self._ticker = asyncio.create_task(self._reminder_loop(), name="rapport-reminders")
        if self.announce:
            content = "on" if self.reads_message_content else "off (watched channels need it)"
            self.announce(
                f"Rapport for Discord: logged in as {self.user}, commands synced {where}; "
                f"message content intent {content}."
            )

    async def launch_shards(self) -> None:
        """Connect the shards, at the gateway URL ``GET /gateway/bot`` gives, as Discord's docs ask.

        discord.py asks for that URL only when it picks the shard count itself; given ``shard_count`` it would use
        its built-in ``wss://gateway.discord.gg``, which is also where a session it cannot resume reconnects."""
        if self.shard_count is not None and not self.is_closed():
            _recommended, url, _limits = await self.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await super().launch_shards()

    async def close(self) -> None:
        """Stop: the reminder in flight is sent and recorded, nothing new is claimed, held claims are released."""
        self._stopping.set()
        self.rounds.halt()
        if self._tick is not None and not self._tick.done():
            await asyncio.wait({self._tick}, timeout=15)  # let the send in flight finish
        if self._ticker is not None:
            self._ticker.cancel()
        await asyncio.to_thread(self.rounds.release)
        await super().close()

    # -- answering interactions -------------------------------------------------------------------------------
    async def answer(self, interaction: discord.Interaction, work: Callable[[], Reply], *, edit: bool = False) -> None:
        """Run ``work`` off the loop and answer privately: at once if it is quick, else defer first.

        ``edit`` updates the message the component or form belongs to instead of sending a new one.
        """
        task = asyncio.ensure_future(asyncio.to_thread(self._guarded, work))
        done, _ = await asyncio.wait({task}, timeout=self.reply_within)
        if not done:
            if edit:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await task
        kwargs = reply.kwargs()
        if edit:
            kwargs.setdefault("content", None)
            kwargs.setdefault("embed", None)
            kwargs.setdefault("view", None)
            if done:
                await interaction.response.edit_message(**kwargs)
            else:
                await interaction.edit_original_response(**kwargs)
        elif done:
            await interaction.response.send_message(ephemeral=True, **kwargs)
        else:
            await interaction.followup.send(ephemeral=True, **kwargs)
        await self._tell_notice(interaction)

    @staticmethod
    def _guarded(work: Callable[[], Reply]) -> Reply:
        try:
            return work()
        except Exception:
            log.exception("an interaction failed")
            return Reply(render.SORRY)

    async def _tell_notice(self, interaction: discord.Interaction) -> None:
        """A one-time notice (e.g. "your DMs are closed"), told in the user's next interaction."""
        try:
            notice = await asyncio.to_thread(self.coach.take_notice, user_of(interaction))
            if notice in wording.NOTICES:
                await interaction.followup.send(wording.NOTICES[notice], ephemeral=True)
        except Exception:
            log.exception("could not pass on a notice")

    # -- what the handlers do (in a worker thread) ------------------------------------------------------------
    def check(self, user: UserRef, text: str, source: str) -> Reply:
        """Check ``text`` for ``user`` and record it; the verdict embed with its buttons (in a worker thread).

        ``source`` is ``"command"`` or ``"context_menu"`` (whose empty message gets its own words)."""
        if not text.strip():
            if source == "context_menu":
                return Reply(wording.NO_TEXT)
            return Reply("Give me a draft to check: `/rapport check draft: your message`.")
        checked = self.coach.check(user, text, self.clock(), source)
        return Reply(
            embed=render.verdict_embed(checked.verdict, text),
            view=lambda: verdict_view(
                user.workspace, checked.check_id, checked.verdict.label, rewrite=checked.verdict.rewrite is not None
            ),
        )

    def log_outreach(self, user: UserRef, contact: discord.abc.User, check_id: int) -> str:
        """ "I sent it to…" on a verdict: log outreach to ``contact`` with that check's score."""
        if contact.bot:
            return wording.NOT_A_BOT
        logged = self.coach.record_outreach(user, f"<@{contact.id}>", self.clock(), check_id=check_id)
        return render.logged_text(logged)

    def run_command(self, user: UserRef, command: commands.Command, channel: str | None = None) -> Reply:
        """The answer to a grammar command (in a worker thread)."""
        now = self.clock()
        try:
            match command:
                case commands.Check(draft=draft, to=to):
                    reply = self.check(user, draft, "command")
                    standing = self.coach.standing(user, to) if to else None
                    if standing is not None and reply.embed is not None:
                        where = wording.standing_text(standing)
                        reply.embed.add_field(name="Where you stand", value=where, inline=False)
                    return reply
                case commands.Step(kind=kind, contact=contact, how=how):
                    return Reply(wording.step_text(kind, self.coach.log_step(user, contact, kind, now, how), how))
                case commands.Circle(contact=contact, circle=circle):
                    return Reply(wording.circle_text(self.coach.set_circle(user, contact, circle)))
                case commands.Plan():
                    return Reply(render.plan_text(self.coach.plan(user, now)))
                case commands.Ladder():
                    return Reply(render.ladder_text(self.coach.ladder(user)))
                case commands.Sent(contact=contact):
                    return Reply(render.logged_text(self.coach.record_outreach(user, contact, now, channel=channel)))
                case commands.Replied(contact=contact):
                    self.coach.record_reply(user, contact, now)
                    return Reply(wording.replied_text(contact))
                case commands.Done(contact=contact):
                    ended = self.coach.mark_done(user, contact)
                    return Reply(wording.done_text(contact) if ended else wording.nothing_pending_text(contact))
                case commands.Snooze(contact=contact, days=days):
                    moved = self.coach.snooze(user, contact, days, now)
                    if not moved:
                        return Reply(wording.nothing_pending_text(contact))
                    return Reply(wording.snoozed_text(contact, discord.utils.format_dt(moved[0], "R")))
                case commands.Followups():
                    return Reply(render.followups_text(self.coach.followups(user, now)))
                case commands.Stats():
                    return Reply(render.clip(wording.stats_line(self.coach.stats(user, now))))
                case commands.Forget():
                    return Reply(wording.FORGET_ASK, view=lambda: view_of(ForgetButton("yes"), ForgetButton("no")))
                case commands.Hint(text=hint):
                    return Reply(hint)
        except UnknownContactError:
            return Reply(wording.no_outreach_text(getattr(command, "contact", "them")))
        return Reply(embed=discord.Embed(title="Rapport", description=render.HELP, colour=discord.Colour.blurple()))

    def watch(self, interaction: discord.Interaction, on: bool, digest_days: int) -> Reply:
        """``/rapport watch`` (``on``) or ``unwatch`` in the interaction's channel: needs a server channel, the
        Manage Channels permission and, to watch, the message content intent."""
        word = "watch" if on else "unwatch"
        if interaction.guild_id is None or interaction.channel_id is None:
            return Reply(f"Run `/rapport {word}` in the server channel itself.")
        if not interaction.permissions.manage_channels:
            return Reply(f"`/rapport {word}` needs the Manage Channels permission here. Ask someone who has it.")
        workspace, channel = str(interaction.guild_id), str(interaction.channel_id)
        if not on:
            return Reply(wording.UNWATCHED if self.coach.unwatch(PLATFORM, workspace, channel) else wording.NOT_WATCHED)
        if not self.reads_message_content:
            return Reply(render.NO_CONTENT_INTENT)
        by = str(interaction.user.id)
        if not self.coach.watch(PLATFORM, workspace, channel, by, self.clock(), digest_days=digest_days):
            return Reply(wording.ALREADY_WATCHED)
        return Reply(render.watch_text(digest_days))

    # -- messages: replies and watched channels ---------------------------------------------------------------
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a server or was removed (``GUILD_DELETE`` without ``unavailable``; an outage is not this):
        its watched channels are opted out."""
        gone = await asyncio.to_thread(self.coach.unwatch_workspace, PLATFORM, str(guild.id))
        log.info("left a server: %d watched channel(s) of it opted out", gone)

    async def on_message(self, message: discord.Message) -> None:
        """A channel message: a contact's reply (thread, reply or mention) or a post in a watched channel,
        whose pitch gets its author a private DM. Bots, webhooks, DMs and system messages are ignored."""
        if message.author.bot or message.author == self.user or message.webhook_id is not None or message.guild is None:
            return  # bots (ourselves included), webhooks, and DMs
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return  # joins, pins, thread notices...
        channel_id, parent_id, parent_author = message.channel.id, None, None
        if isinstance(message.channel, discord.Thread) and message.channel.parent_id is not None:
            channel_id = message.channel.parent_id
            if message.id != message.channel.id:  # not a forum post's first message: an answer in the thread
                parent_id = str(message.channel.id)
        if message.reference is not None and message.reference.message_id is not None:
            parent_id = str(message.reference.message_id)
            if isinstance(message.reference.resolved, discord.Message):
                parent_author = str(message.reference.resolved.author.id)
        seen = Message(
            platform=PLATFORM,
            workspace=str(message.guild.id),
            channel_id=str(channel_id),
            message_id=str(message.id),
            author_id=str(message.author.id),
            text=discord_text.readable(message),
            at=message.created_at,
            parent_id=parent_id,
            parent_author_id=parent_author,
            mentions=tuple(dict.fromkeys(str(u.id) for u in message.mentions)),
        )
        try:
            observed = await asyncio.to_thread(self.coach.observe, seen)
        except Exception:
            log.exception("could not learn from a message")
            return
        if observed.replies:
            log.info("recorded %d reply(ies) seen in a channel", len(observed.replies))
        if observed.coaching is not None and observed.check_id is not None:
            await self._coach_author(message, channel_id, observed.coaching, observed.check_id)

    async def _coach_author(self, message: discord.Message, channel_id: int, verdict, check_id: int) -> None:
        """A private DM to the author (Discord has no ephemeral messages outside interactions)."""
        workspace = str(message.guild.id)
        view = view_of(NotAPitch(workspace, check_id), StopNotes(workspace))
        try:
            dm = await self.create_dm(message.author)
            await dm.send(embed=render.coaching_embed(verdict, str(channel_id)), view=view)
        except discord.HTTPException as exc:
            log.info("could not DM a coaching note (HTTP %s, code %s)", exc.status, exc.code)

    # -- reminders and digests ------------------------------------------------------------------------------------
    async def _reminder_loop(self) -> None:
        """Delivery rounds every ``reminder_interval`` seconds, each in a worker thread with its own HTTP client."""
        notifier = DiscordNotifier(self.http.token, self.coach, self._guild_name)
        try:
            while not self._stopping.is_set():
                self._tick = asyncio.ensure_future(asyncio.to_thread(self.tick, notifier))
                try:
                    await self._tick
                except Exception:  # a database outage or a Discord error: log it, try again next round
                    log.exception("reminder round failed; retrying in %s s", self.reminder_interval)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.reminder_interval)
        finally:
            await asyncio.to_thread(notifier.close)

    def tick(self, notifier: DiscordNotifier) -> None:
        """One round: due reminders as DMs, then watched channels' digests (in a worker thread)."""
        self.rounds.run(notifier, notifier.post_channel_digest, self.clock())

    def _guild_name(self, workspace: str) -> str | None:
        guild = self.get_guild(int(workspace)) if workspace.isdigit() else None
        return guild.name if guild else None


# -- running it ----------------------------------------------------------------------------------------------------


class _RedactToken(logging.Filter):
    """Defence in depth: no log line ever carries the token, whoever logs it."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[DISCORD_TOKEN]"), None
        return True


def run(config: DiscordConfig, coach: Coach, announce: Callable[[str], None] | None = None) -> None:
    """Run the bot until SIGTERM/SIGINT; ``StartupError`` (one line) if it cannot start."""
    redact = _RedactToken(config.token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    discord.http.Route.BASE = config.api_url.rstrip("/")
    bot = RapportBot(
        coach,
        guild_id=config.guild_id,
        reminder_interval=config.reminder_interval,
        reminder_lease=config.reminder_lease,
        reminder_retry=config.reminder_retry,
        reply_within=config.reply_within,
        announce=announce,
        shard_ids=config.shard_ids,
        shard_count=config.shard_count,
    )
    asyncio.run(_serve(bot, config))


async def _serve(bot: RapportBot, config: DiscordConfig) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    heartbeat = health.heartbeat_path()  # for the container's healthcheck: python -m bot.health --heartbeat
    beating = heartbeat and asyncio.create_task(health.beat(heartbeat, lambda: bot.is_ready() and not bot.is_closed()))
    try:
        async with bot:
            await bot.start(config.token)
    except discord.LoginFailure:
        raise StartupError(
            "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "Discord refused an intent this bot did not enable; check Privileged Gateway Intents in the "
            "Developer Portal"
        ) from None
    except discord.HTTPException as exc:
        raise StartupError(f"Discord answered HTTP {exc.status} at start: {exc.text or exc.response.reason}") from None
    except OSError as exc:  # aiohttp.ClientConnectorError and friends
        raise unreachable("Discord", config.api_url, exc, "RAPPORT_DISCORD_API_URL") from None
    finally:
        if beating:
            beating.cancel()


def invite_url(client_id: str) -> str:
    """The OAuth2 URL that adds the bot to a server with its scopes and exactly ``PERMISSIONS``."""
    return discord.utils.oauth_url(client_id, permissions=PERMISSIONS, scopes=SCOPES)
