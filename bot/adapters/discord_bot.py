"""Rapport's Discord bot (discord.py): ``/rapport``, "Check with Rapport", DM reminders, watched channels.

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
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import discord
from discord import app_commands

from bot import commands, wording
from bot.adapters import discord_render as render
from bot.coach import Coach
from bot.types import (
    DEFAULT_LEASE,
    DEFAULT_RETRY,
    SETTING_RANGES,
    ChannelDigest,
    Clock,
    DueReminder,
    Message,
    StartupError,
    Undeliverable,
    UnknownContactError,
    UserRef,
    utcnow,
)

log = logging.getLogger(__name__)

PLATFORM = "discord"
#: OAuth2 scopes for the invite: the bot user, and the slash commands / context menu.
SCOPES = ("bot", "applications.commands")
#: The guild permissions the bot needs, and no more. Interaction replies and DMs need none; the bot must see the
#: channels it reads replies and watched posts in, and post the weekly digest (plain text) in watched channels.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True)
#: Discord's JSON error codes meaning a DM to this user will never go through (DMs closed, no shared server).
DM_CLOSED_CODES = {50007, 50278}
UNKNOWN_USER, UNKNOWN_CHANNEL = 10013, 10003


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str
    api_url: str
    database_url: str
    guild_id: int | None = None
    reminder_interval: float = 60.0
    reminder_lease: timedelta = DEFAULT_LEASE
    reminder_retry: timedelta = DEFAULT_RETRY
    #: Answer an interaction directly if the work is done within this many seconds; otherwise defer first.
    reply_within: float = 2.0


@dataclass(slots=True)
class Reply:
    """An answer computed off the event loop; ``view`` is built on the loop (discord.py views need one)."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: Callable[[], discord.ui.View] | None = None

    def kwargs(self) -> dict:
        out: dict = {}
        if self.content is not None:
            out["content"] = self.content
        if self.embed is not None:
            out["embed"] = self.embed
        if self.view is not None:
            out["view"] = self.view()
        return out


def workspace_of(interaction: discord.Interaction) -> str:
    return str(interaction.guild_id) if interaction.guild_id else "dm"


def user_of(interaction: discord.Interaction, workspace: str | None = None) -> UserRef:
    return UserRef(PLATFORM, workspace or workspace_of(interaction), str(interaction.user.id))


def bot_of(interaction: discord.Interaction) -> RapportBot:
    return interaction.client  # type: ignore[return-value]


# -- buttons and selects: persistent, their state in the custom_id ------------------------------------------


class SentTo(discord.ui.DynamicItem[discord.ui.UserSelect], template=r"rapport:sent:(?P<check>[0-9]+)"):
    """ "I sent it to…": pick the person; logs the outreach with the checked draft's score."""

    def __init__(self, check_id: int):
        super().__init__(
            discord.ui.UserSelect(custom_id=f"rapport:sent:{check_id}", placeholder="I sent it to…", row=0)
        )
        self.check_id = check_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(int(match["check"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        contact = self.item.values[0] if self.item.values else None
        bot = bot_of(interaction)
        user = user_of(interaction)

        def work() -> Reply:
            if contact is None:
                return Reply("Pick the person you sent it to.")
            if contact.id == interaction.user.id:
                return Reply("That's you! Pick the person you reached out to.")
            return Reply(bot.log_outreach(user, contact, self.check_id))

        await bot.answer(interaction, work)


class CheckAgain(discord.ui.DynamicItem[discord.ui.Button], template=r"rapport:again"):
    """Opens the draft (as the verdict quotes it) in a form to edit and check again."""

    def __init__(self):
        super().__init__(
            discord.ui.Button(label="Check again", style=discord.ButtonStyle.secondary, custom_id="rapport:again")
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        embeds = interaction.message.embeds if interaction.message else []
        await interaction.response.send_modal(RecheckModal(render.draft_of(embeds[0] if embeds else None)))


class RecheckModal(discord.ui.Modal, title="Check again"):
    def __init__(self, draft: str):
        # A unique custom_id per form: two people editing at once must not share one.
        super().__init__(timeout=900, custom_id=f"rapport:recheck:{os.urandom(8).hex()}")
        self.draft = discord.ui.TextInput(
            label="Your draft",
            style=discord.TextStyle.paragraph,
            default=draft[:4000] or None,
            max_length=4000,
        )
        self.add_item(self.draft)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        user = user_of(interaction)
        text = self.draft.value or ""
        await bot.answer(interaction, lambda: bot.check(user, text, "command"), edit=True)


class NotAPitch(
    discord.ui.DynamicItem[discord.ui.Button], template=r"rapport:dispute:(?P<ws>dm|[0-9]+):(?P<check>[0-9]+)"
):
    """The user disagrees with a pitch verdict: recorded (without the text) to measure false positives."""

    def __init__(self, workspace: str, check_id: int):
        super().__init__(
            discord.ui.Button(
                label="Not a pitch",
                style=discord.ButtonStyle.secondary,
                custom_id=f"rapport:dispute:{workspace}:{check_id}",
            )
        )
        self.workspace, self.check_id = workspace, check_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["ws"], int(match["check"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        user = user_of(interaction, self.workspace)

        def work() -> Reply:
            if bot.coach.dispute(user, self.check_id, bot.clock()):
                return Reply(wording.DISPUTED)
            return Reply(wording.ALREADY_DISPUTED)

        await bot.answer(interaction, work)


class StopNotes(discord.ui.DynamicItem[discord.ui.Button], template=r"rapport:optout:(?P<ws>[0-9]+)"):
    """The one-click opt-out from coaching notes on posts in watched channels."""

    def __init__(self, workspace: str):
        super().__init__(
            discord.ui.Button(
                label="Stop these notes", style=discord.ButtonStyle.secondary, custom_id=f"rapport:optout:{workspace}"
            )
        )
        self.workspace = workspace

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["ws"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        user = user_of(interaction, self.workspace)

        def work() -> Reply:
            bot.coach.update_settings(user, bot.clock(), channel_coaching=False)
            return Reply(
                "Done: no more notes on your channel posts. "
                "If you miss them, `/rapport settings channel_coaching: True` turns them back on."
            )

        await bot.answer(interaction, work)


class ReminderButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"rapport:reminder:(?P<action>done|snooze|replied):(?P<ws>dm|[0-9]+):(?P<contact>[0-9]+)",
):
    """Done / Snooze / They replied, on a reminder DM."""

    LOOK: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "done": ("Done", discord.ButtonStyle.primary),
        "snooze": ("Snooze 3 days", discord.ButtonStyle.secondary),
        "replied": ("They replied", discord.ButtonStyle.success),
    }

    def __init__(self, action: str, workspace: str, contact_id: str):
        label, style = self.LOOK[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"rapport:reminder:{action}:{workspace}:{contact_id}")
        )
        self.action, self.workspace, self.contact = action, workspace, f"<@{contact_id}>"

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["action"], match["ws"], match["contact"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        user = user_of(interaction, self.workspace)

        def work() -> Reply:
            now = bot.clock()
            try:
                if self.action == "done":
                    bot.coach.mark_done(user, self.contact)
                    text = wording.done_text(self.contact)
                elif self.action == "snooze":
                    bot.coach.snooze(user, self.contact, now + wording.SNOOZE)
                    text = wording.snoozed_text(self.contact, discord.utils.format_dt(now + wording.SNOOZE, "R"))
                else:
                    bot.coach.record_reply(user, self.contact, now)
                    text = wording.replied_text(self.contact)
            except UnknownContactError:
                text = wording.gone_text(self.contact)
            return Reply(embed=discord.Embed(description=text, colour=discord.Colour.green()))

        await bot.answer(interaction, work, edit=True)


class ForgetButton(discord.ui.DynamicItem[discord.ui.Button], template=r"rapport:forget:(?P<answer>yes|no)"):
    def __init__(self, answer: str):
        label, style = ("Yes, forget me", discord.ButtonStyle.danger) if answer == "yes" else ("Keep it", None)
        super().__init__(
            discord.ui.Button(
                label=label, style=style or discord.ButtonStyle.secondary, custom_id=f"rapport:forget:{answer}"
            )
        )
        self.answer = answer

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        user = user_of(interaction)

        def work() -> Reply:
            if self.answer != "yes":
                return Reply(wording.KEPT)
            gone = bot.coach.forget(user)
            return Reply(wording.FORGOTTEN if gone else wording.NOTHING_TO_FORGET)

        await bot.answer(interaction, work, edit=True)


DYNAMIC_ITEMS = (SentTo, CheckAgain, NotAPitch, StopNotes, ReminderButton, ForgetButton)


def _view(*items: discord.ui.Item) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def verdict_view(workspace: str, check_id: int, label: str) -> discord.ui.View:
    items: list[discord.ui.Item] = [SentTo(check_id), CheckAgain()]
    if label != "conversation":
        items.append(NotAPitch(workspace, check_id))
    return _view(*items)


def reminder_view(reminder: DueReminder) -> discord.ui.View | None:
    match = commands.MENTION.fullmatch(reminder.contact)
    if match is None:
        return None
    return _view(*(ReminderButton(action, reminder.user.workspace, match[1]) for action in ReminderButton.LOOK))


# -- the /rapport commands and the context menu ---------------------------------------------------------------

Days = app_commands.Range[int, *SETTING_RANGES["follow_up_days"]]
MaxFollowUps = app_commands.Range[int, *SETTING_RANGES["max_follow_ups"]]
KeepInTouchDays = app_commands.Range[int, *SETTING_RANGES["keep_in_touch_days"]]
Hour = app_commands.Range[int, 0, 23]
DigestDays = app_commands.Range[int, *commands.DIGEST_DAYS_RANGE]
SnoozeDays = app_commands.Range[int, 1, 365]


async def answer_command(
    interaction: discord.Interaction, command: commands.Command, about: discord.abc.User | None = None
):
    """Answer a ``/rapport`` subcommand: the options map onto the one chat grammar's command (``bot.commands``)."""
    bot, me = bot_of(interaction), user_of(interaction)
    if isinstance(command, commands.Sent) and about is not None:
        if about.id == interaction.user.id:
            await bot.answer(interaction, lambda: Reply("That's you! Pick the person you reached out to."))
            return
        if about.bot:
            await bot.answer(interaction, lambda: Reply("Bots don't write back. Pick the person you reached out to."))
            return
    channel = str(interaction.channel_id) if interaction.channel_id else None
    await bot.answer(interaction, lambda: bot.run_command(me, command, channel))


class RapportGroup(app_commands.Group):
    def __init__(self):
        super().__init__(name="rapport", description="Start conversations, not pitches")

    @app_commands.command(description="Check a draft privately before you send it")
    @app_commands.describe(draft="The message you are about to send")
    async def check(self, interaction: discord.Interaction, draft: str) -> None:
        await answer_command(interaction, commands.Check(draft))

    @app_commands.command(description="Log that you reached out to someone (I'll remind you to follow up)")
    @app_commands.describe(user="Who you sent your message to")
    async def sent(self, interaction: discord.Interaction, user: discord.User) -> None:
        await answer_command(interaction, commands.Sent(f"<@{user.id}>"), about=user)

    @app_commands.command(description="Log that someone replied to you (ends the follow-up reminders)")
    @app_commands.describe(user="Who replied")
    async def replied(self, interaction: discord.Interaction, user: discord.User) -> None:
        await answer_command(interaction, commands.Replied(f"<@{user.id}>"))

    @app_commands.command(description="Stop the follow-up reminders for someone (you handled it)")
    @app_commands.describe(user="Who you followed up with")
    async def done(self, interaction: discord.Interaction, user: discord.User) -> None:
        await answer_command(interaction, commands.Done(f"<@{user.id}>"))

    @app_commands.command(description="Push someone's reminders back a few days")
    @app_commands.describe(user="Whose reminders", days="How many days to wait (default 3)")
    async def snooze(self, interaction: discord.Interaction, user: discord.User, days: SnoozeDays = 3) -> None:
        await answer_command(interaction, commands.Snooze(f"<@{user.id}>", days))

    @app_commands.command(description="Who is waiting on you")
    async def followups(self, interaction: discord.Interaction) -> None:
        await answer_command(interaction, commands.Followups())

    @app_commands.command(description="Who replied, and how fast")
    async def stats(self, interaction: discord.Interaction) -> None:
        await answer_command(interaction, commands.Stats())

    @app_commands.command(description="See or change your reminder settings")
    @app_commands.describe(
        **{
            **wording.SETTING_LABELS,
            "quiet_start_hour": wording.SETTING_LABELS["quiet_start_hour"] + "; the same start and end turns them off",
        }
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        follow_up_days: Days | None = None,
        max_follow_ups: MaxFollowUps | None = None,
        keep_in_touch_days: KeepInTouchDays | None = None,
        quiet_start_hour: Hour | None = None,
        quiet_end_hour: Hour | None = None,
        timezone: str | None = None,
        daily_digest: bool | None = None,
        channel_coaching: bool | None = None,
    ) -> None:
        bot, me = bot_of(interaction), user_of(interaction)
        changes = {
            name: value
            for name, value in {
                "follow_up_days": follow_up_days,
                "max_follow_ups": max_follow_ups,
                "keep_in_touch_days": keep_in_touch_days,
                "quiet_start_hour": quiet_start_hour,
                "quiet_end_hour": quiet_end_hour,
                "timezone": timezone.strip() if timezone else None,
                "daily_digest": daily_digest,
                "channel_coaching": channel_coaching,
            }.items()
            if value is not None
        }

        def work() -> Reply:
            try:
                current = bot.coach.update_settings(me, bot.clock(), **changes)
            except ValueError as exc:
                return Reply(f"Hmm: {exc}. Nothing was changed.")
            return Reply(render.settings_text(current, changed=bool(changes)))

        await bot.answer(interaction, work)

    @app_commands.command(description="Delete everything Rapport holds about you")
    async def forget(self, interaction: discord.Interaction) -> None:
        await answer_command(interaction, commands.Forget())

    @app_commands.command(description="What Rapport can do")
    async def help(self, interaction: discord.Interaction) -> None:
        await answer_command(interaction, commands.Help())

    @app_commands.command(description="Coach pitches in this channel privately, with a digest (Manage Channels)")
    @app_commands.describe(digest_days="Days between digests of how conversations go here (default 7)")
    async def watch(self, interaction: discord.Interaction, digest_days: DigestDays = 7) -> None:
        bot = bot_of(interaction)
        await bot.answer(interaction, lambda: bot.watch(interaction, True, digest_days))

    @app_commands.command(description="Stop coaching in this channel and delete its digest numbers (Manage Channels)")
    async def unwatch(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        await bot.answer(interaction, lambda: bot.watch(interaction, False, 7))


async def check_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """The message context menu "Check with Rapport": the same private check, of any message."""
    bot, user = bot_of(interaction), user_of(interaction)
    await bot.answer(interaction, lambda: bot.check(user, message.content, "context_menu"))


class RapportTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("a command failed: %s", error, exc_info=error)
        if not interaction.response.is_done():
            await interaction.response.send_message(render.SORRY, ephemeral=True)


# -- the client -------------------------------------------------------------------------------------------------


class RapportBot(discord.AutoShardedClient):
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
    ):
        # Rapport has no voice: no warnings about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # channels and threads, to tell a thread reply from a post
        intents.guild_messages = True  # replies, mentions and watched posts
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), max_messages=None)
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
        return self._connection._intents.message_content

    async def setup_hook(self) -> None:
        # The privileged message content intent is asked for only when the application has it enabled (asking
        # without it makes Discord close the gateway with 4014); without it, /rapport watch says so.
        flags = self.application_flags
        self._connection._intents.message_content = bool(
            flags.gateway_message_content or flags.gateway_message_content_limited
        )
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.guild_id is not None:
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            where = f"to guild {self.guild_id}"
        else:
            synced = await self.tree.sync()
            where = "globally (Discord can take up to an hour to show changes)"
        log.info("synced %d application commands %s", len(synced), where)
        self._ticker = asyncio.create_task(self._reminder_loop(), name="rapport-reminders")
        if self.announce:
            content = "on" if self.reads_message_content else "off (watched channels need it)"
            self.announce(
                f"Rapport for Discord: logged in as {self.user}, commands synced {where}; "
                f"message content intent {content}."
            )

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
        if not text.strip():
            if source == "context_menu":
                return Reply(wording.NO_TEXT)
            return Reply("Give me a draft to check: `/rapport check draft: your message`.")
        checked = self.coach.check(user, text, self.clock(), source)
        return Reply(
            embed=render.verdict_embed(checked.verdict, text),
            view=lambda: verdict_view(user.workspace, checked.check_id, checked.verdict.label),
        )

    def log_outreach(self, user: UserRef, contact: discord.abc.User, check_id: int) -> str:
        """ "I sent it to…" on a verdict: log outreach to ``contact`` with that check's score."""
        if contact.bot:
            return "Bots don't write back. Pick the person you reached out to."
        logged = self.coach.record_outreach(user, f"<@{contact.id}>", self.clock(), check_id=check_id)
        return render.logged_text(logged)

    def run_command(self, user: UserRef, command: commands.Command, channel: str | None = None) -> Reply:
        """The answer to a grammar command (in a worker thread)."""
        now = self.clock()
        try:
            match command:
                case commands.Check(draft=draft):
                    return self.check(user, draft, "command")
                case commands.Sent(contact=contact):
                    return Reply(render.logged_text(self.coach.record_outreach(user, contact, now, channel=channel)))
                case commands.Replied(contact=contact):
                    self.coach.record_reply(user, contact, now)
                    return Reply(wording.replied_text(contact))
                case commands.Done(contact=contact):
                    ended = self.coach.mark_done(user, contact)
                    return Reply(wording.done_text(contact) if ended else wording.nothing_pending_text(contact))
                case commands.Snooze(contact=contact, days=days):
                    until = now + timedelta(days=days)
                    if not self.coach.snooze(user, contact, until):
                        return Reply(wording.nothing_pending_text(contact))
                    return Reply(wording.snoozed_text(contact, discord.utils.format_dt(until, "R")))
                case commands.Followups():
                    return Reply(render.followups_text(self.coach.followups(user, now)))
                case commands.Stats():
                    return Reply(wording.stats_line(self.coach.stats(user)))
                case commands.Forget():
                    return Reply(wording.FORGET_ASK, view=lambda: _view(ForgetButton("yes"), ForgetButton("no")))
                case commands.Hint(text=hint):
                    return Reply(hint)
        except UnknownContactError:
            return Reply(wording.no_outreach_text(getattr(command, "contact", "them")))
        return Reply(embed=discord.Embed(title="Rapport", description=render.HELP, colour=discord.Colour.blurple()))

    def watch(self, interaction: discord.Interaction, on: bool, digest_days: int) -> Reply:
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
    async def on_message(self, message: discord.Message) -> None:
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
            text=message.content,
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
        view = _view(NotAPitch(workspace, check_id), StopNotes(workspace))
        try:
            dm = await self.create_dm(message.author)
            await dm.send(embed=render.coaching_embed(verdict, str(channel_id)), view=view)
        except discord.HTTPException as exc:
            log.info("could not DM a coaching note (HTTP %s, code %s)", exc.status, exc.code)

    # -- reminders and digests ------------------------------------------------------------------------------------
    async def _reminder_loop(self) -> None:
        notifier = DiscordNotifier(self, asyncio.get_running_loop())
        while not self._stopping.is_set():
            self._tick = asyncio.ensure_future(asyncio.to_thread(self.tick, notifier))
            try:
                await self._tick
            except Exception:  # a database outage or a Discord error: log it, try again next round
                log.exception("reminder round failed; retrying in %s s", self.reminder_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.reminder_interval)

    def tick(self, notifier: DiscordNotifier) -> None:
        """One round: due reminders as DMs, then watched channels' digests (in a worker thread)."""
        self.rounds.run(notifier, notifier.post_channel_digest, self.clock())

    async def dm(self, user_id: str, **kwargs) -> None:
        """DM a user; ``Undeliverable`` when Discord says they cannot get DMs from us."""
        try:
            channel = await self.create_dm(discord.Object(int(user_id)))
            await channel.send(**kwargs)
        except discord.Forbidden as exc:
            if exc.code in DM_CLOSED_CODES:
                raise Undeliverable(f"Discord code {exc.code}") from exc
            raise
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_USER:
                raise Undeliverable(f"Discord code {exc.code}") from exc
            raise

    def _guild_name(self, workspace: str) -> str | None:
        guild = self.get_guild(int(workspace)) if workspace.isdigit() else None
        return guild.name if guild else None

    async def send_reminder(self, reminder: DueReminder) -> None:
        embed = render.reminder_embed(reminder, self._guild_name(reminder.user.workspace))
        view = reminder_view(reminder)
        # discord.py sends the nonce with enforce_nonce: a repeat within minutes returns the first message.
        nonce = f"reminder-{reminder.id}"  # Discord allows 25 characters
        await self.dm(reminder.user.user_id, embed=embed, nonce=nonce, **({"view": view} if view else {}))

    async def send_digest(self, user: UserRef, items: list[DueReminder]) -> None:
        await self.dm(user.user_id, embed=render.digest_embed(items), nonce=f"digest-{items[0].id}")

    async def reminder_delivered(self, reminder: DueReminder, since: datetime) -> bool:
        """Whether the DM holds a message of ours whose footer names this reminder (see ``render.marked``)."""
        channel = await self.create_dm(discord.Object(int(reminder.user.user_id)))
        async for message in channel.history(limit=200, after=since, oldest_first=True):
            if message.author.id == self.user.id and reminder.id in render.marked(message.embeds):
                return True
        return False

    async def post_channel_digest(self, digest: ChannelDigest) -> bool:
        """Post a digest; False if the channel is gone (then it is unwatched)."""
        channel = self.get_partial_messageable(int(digest.channel_id), guild_id=int(digest.workspace))
        try:
            await channel.send(wording.channel_digest_text(digest))
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_CHANNEL:
                raise
            return False
        return True


class DiscordNotifier:
    """The ``Notifier`` for ``deliver_due``: called in a worker thread, it sends through the bot's event loop."""

    TIMEOUT = 120.0  # generous: discord.py may be waiting out a 429

    def __init__(self, bot: RapportBot, loop: asyncio.AbstractEventLoop):
        self.bot = bot
        self.loop = loop

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(self.TIMEOUT)

    def send(self, reminder: DueReminder) -> None:
        self._run(self.bot.send_reminder(reminder))

    def send_digest(self, user: UserRef, items: list[DueReminder]) -> None:
        self._run(self.bot.send_digest(user, items))

    def delivered(self, reminder: DueReminder, since: datetime) -> bool:
        return self._run(self.bot.reminder_delivered(reminder, since))

    def post_channel_digest(self, digest: ChannelDigest) -> None:
        if not self._run(self.bot.post_channel_digest(digest)):
            log.warning("watched channel %s no longer exists; it is unwatched", digest.channel_id)
            self.bot.coach.unwatch(PLATFORM, digest.workspace, digest.channel_id)


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
    )
    asyncio.run(_serve(bot, config))


async def _serve(bot: RapportBot, config: DiscordConfig) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
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
        raise StartupError(f"cannot reach Discord at {config.api_url}: {exc.__class__.__name__}") from None


def invite_url(client_id: str) -> str:
    """The OAuth2 URL that adds the bot to a server with its scopes and exactly ``PERMISSIONS``."""
    return discord.utils.oauth_url(client_id, permissions=PERMISSIONS, scopes=SCOPES)
