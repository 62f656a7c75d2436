"""``/rapport`` as Discord app commands: the chat grammar's words as subcommands, their options mapped onto the
grammar's commands (``bot.commands``); and the message context menu "Check with Rapport"."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot import commands, wording
from bot.adapters.discord import render, text
from bot.adapters.discord.components import bot_of, user_of
from bot.adapters.discord.render import Reply
from bot.types import CIRCLE_NAMES, MEET_HOW, SETTING_RANGES, SNOOZE_DAYS_RANGE

log = logging.getLogger(__name__)


Days = app_commands.Range[int, *SETTING_RANGES["follow_up_days"]]
MaxFollowUps = app_commands.Range[int, *SETTING_RANGES["max_follow_ups"]]
KeepInTouchDays = app_commands.Range[int, *SETTING_RANGES["keep_in_touch_days"]]
Hour = app_commands.Range[int, 0, 23]
Budget = app_commands.Range[int, *SETTING_RANGES["weekly_budget_minutes"]]
Minutes = app_commands.Range[int, 1, 480]
DigestDays = app_commands.Range[int, *commands.DIGEST_DAYS_RANGE]
SnoozeDays = app_commands.Range[int, SNOOZE_DAYS_RANGE[0], SNOOZE_DAYS_RANGE[1]]


async def answer_command(
    interaction: discord.Interaction, command: commands.Command, about: discord.abc.User | None = None
):
    """Answer a ``/rapport`` subcommand: the options map onto the one chat grammar's command (``bot.commands``)."""
    bot, me = bot_of(interaction), user_of(interaction)
    if isinstance(command, commands.Sent | commands.Step) and about is not None:
        if about.id == interaction.user.id:
            await bot.answer(interaction, lambda: Reply(wording.NOT_YOURSELF))
            return
        if about.bot:
            await bot.answer(interaction, lambda: Reply(wording.NOT_A_BOT))
            return
    channel = str(interaction.channel_id) if interaction.channel_id else None
    await bot.answer(interaction, lambda: bot.run_command(me, command, channel))


class RapportGroup(app_commands.Group):
    """``/rapport`` and its subcommands: each maps its options onto a command of the chat grammar."""

    def __init__(self):
        super().__init__(name="rapport", description="Start conversations, not pitches")

    @app_commands.command(description="Check a draft privately before you send it")
    @app_commands.describe(draft="The message you are about to send", to="Who it is for (I'll say where you stand)")
    async def check(self, interaction: discord.Interaction, draft: str, to: discord.User | None = None) -> None:
        """``/rapport check draft: [to:]``"""
        await answer_command(interaction, commands.Check(text.decode(draft), f"<@{to.id}>" if to else None))

    @app_commands.command(description="Log that you met someone: coffee, lunch, a video call (the top rung)")
    @app_commands.describe(user="Who you met", how="How you met")
    @app_commands.choices(how=[app_commands.Choice(name=h, value=h) for h in MEET_HOW])
    async def met(self, interaction: discord.Interaction, user: discord.User, how: str | None = None) -> None:
        """``/rapport met user: [how:]``"""
        await answer_command(interaction, commands.Step("met", f"<@{user.id}>", how), about=user)

    @app_commands.command(description="Log that you talked on the phone (off the feed)")
    @app_commands.describe(user="Who you called")
    async def called(self, interaction: discord.Interaction, user: discord.User) -> None:
        """``/rapport called user:``"""
        await answer_command(interaction, commands.Step("called", f"<@{user.id}>"), about=user)

    @app_commands.command(description="Log that you emailed someone (off the feed)")
    @app_commands.describe(user="Who you emailed")
    async def emailed(self, interaction: discord.Interaction, user: discord.User) -> None:
        """``/rapport emailed user:``"""
        await answer_command(interaction, commands.Step("emailed", f"<@{user.id}>"), about=user)

    @app_commands.command(description="How often to keep in touch with someone")
    @app_commands.describe(user="Who", circle="close: every 2 weeks, regular: monthly, wider: quarterly")
    @app_commands.choices(circle=[app_commands.Choice(name=c, value=c) for c in (*CIRCLE_NAMES, "default")])
    async def circle(self, interaction: discord.Interaction, user: discord.User, circle: str) -> None:
        """``/rapport circle user: circle:``"""
        await answer_command(interaction, commands.Circle(f"<@{user.id}>", None if circle == "default" else circle))

    @app_commands.command(description="Whom to reach this week, and how, within your time budget")
    async def plan(self, interaction: discord.Interaction) -> None:
        """``/rapport plan``"""
        await answer_command(interaction, commands.Plan())

    @app_commands.command(description="Where each relationship stands")
    async def ladder(self, interaction: discord.Interaction) -> None:
        """``/rapport ladder``"""
        await answer_command(interaction, commands.Ladder())

    @app_commands.command(description="Log that you reached out to someone (I'll remind you to follow up)")
    @app_commands.describe(user="Who you sent your message to")
    async def sent(self, interaction: discord.Interaction, user: discord.User) -> None:
        """``/rapport sent user:`` (not yourself, not a bot)."""
        await answer_command(interaction, commands.Sent(f"<@{user.id}>"), about=user)

    @app_commands.command(description="Log that someone replied to you (ends the follow-up reminders)")
    @app_commands.describe(user="Who replied")
    async def replied(self, interaction: discord.Interaction, user: discord.User) -> None:
        """``/rapport replied user:``"""
        await answer_command(interaction, commands.Replied(f"<@{user.id}>"))

    @app_commands.command(description="Stop the follow-up reminders for someone (you handled it)")
    @app_commands.describe(user="Who you followed up with")
    async def done(self, interaction: discord.Interaction, user: discord.User) -> None:
        """``/rapport done user:``"""
        await answer_command(interaction, commands.Done(f"<@{user.id}>"))

    @app_commands.command(description="Push someone's reminders back a few days")
    @app_commands.describe(user="Whose reminders", days="How many days to wait (default 3)")
    async def snooze(self, interaction: discord.Interaction, user: discord.User, days: SnoozeDays = 3) -> None:
        """``/rapport snooze user: [days:]`` (1-365 days, default 3)."""
        await answer_command(interaction, commands.Snooze(f"<@{user.id}>", days))

    @app_commands.command(description="Who is waiting on you")
    async def followups(self, interaction: discord.Interaction) -> None:
        """``/rapport followups``"""
        await answer_command(interaction, commands.Followups())

    @app_commands.command(description="Your reply rates by how drafts read, where relationships stand, time to reply")
    async def stats(self, interaction: discord.Interaction) -> None:
        """``/rapport stats``"""
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
        weekly_plan: bool | None = None,
        weekly_budget_minutes: Budget | None = None,
        cost_message: Minutes | None = None,
        cost_call: Minutes | None = None,
        cost_coffee: Minutes | None = None,
    ) -> None:
        """``/rapport settings``: shows the settings; any option given changes it (validated by the coach)."""
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
                "weekly_plan": weekly_plan,
                "weekly_budget_minutes": weekly_budget_minutes,
                "cost_message": cost_message,
                "cost_call": cost_call,
                "cost_coffee": cost_coffee,
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
        """``/rapport forget``: asks first, with buttons."""
        await answer_command(interaction, commands.Forget())

    @app_commands.command(description="What Rapport can do")
    async def help(self, interaction: discord.Interaction) -> None:
        """``/rapport help``"""
        await answer_command(interaction, commands.Help())

    @app_commands.command(description="Coach pitches in this channel privately, with a digest (Manage Channels)")
    @app_commands.describe(digest_days="Days between digests of how conversations go here (default 7)")
    async def watch(self, interaction: discord.Interaction, digest_days: DigestDays = 7) -> None:
        """``/rapport watch [digest_days:]`` (1-90, default 7)."""
        bot = bot_of(interaction)
        await bot.answer(interaction, lambda: bot.watch(interaction, True, digest_days))

    @app_commands.command(description="Stop coaching in this channel and delete its digest numbers (Manage Channels)")
    async def unwatch(self, interaction: discord.Interaction) -> None:
        """``/rapport unwatch``"""
        bot = bot_of(interaction)
        await bot.answer(interaction, lambda: bot.watch(interaction, False, 7))


async def check_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """The message context menu "Check with Rapport": the same private check, of any message."""
    bot, user = bot_of(interaction), user_of(interaction)
    await bot.answer(interaction, lambda: bot.check(user, text.readable(message), "context_menu"))


class RapportTree(app_commands.CommandTree):
    """The command tree; a command that raised is logged and answered with an apology."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("a command failed: %s", error, exc_info=error)
        if not interaction.response.is_done():
            await interaction.response.send_message(render.SORRY, ephemeral=True)
