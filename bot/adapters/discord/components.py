"""Buttons, selects and forms: persistent ``DynamicItem``s whose ``custom_id`` carries what they act on (a check, a
contact, a guild), registered once at start, so they work on messages sent before a restart."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar

import discord

from bot import wording
from bot.adapters.discord import PLATFORM, render
from bot.adapters.discord.render import Reply
from bot.types import MENTION, DueReminder, UnknownContactError, UserRef

if TYPE_CHECKING:
    from bot.adapters.discord.client import RapportBot


def workspace_of(interaction: discord.Interaction) -> str:
    """The interaction's guild id as a string, or ``"dm"`` outside a server."""
    return str(interaction.guild_id) if interaction.guild_id else "dm"


def user_of(interaction: discord.Interaction, workspace: str | None = None) -> UserRef:
    """The interaction's user; ``workspace`` overrides the guild (a button in a DM knows its server)."""
    return UserRef(PLATFORM, workspace or workspace_of(interaction), str(interaction.user.id))


def bot_of(interaction: discord.Interaction) -> RapportBot:
    """The ``RapportBot`` an interaction arrived at."""
    return interaction.client  # type: ignore[return-value]


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
        """Log outreach to the picked user with the checked draft's score."""
        contact = self.item.values[0] if self.item.values else None
        bot = bot_of(interaction)
        user = user_of(interaction)

        def work() -> Reply:
            if contact is None:
                return Reply("Pick the person you sent it to.")
            if contact.id == interaction.user.id:
                return Reply(wording.NOT_YOURSELF)
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
        """Open the quoted draft in a form to edit."""
        embeds = interaction.message.embeds if interaction.message else []
        await interaction.response.send_modal(RecheckModal(render.draft_of(embeds[0] if embeds else None)))


class CheckRewrite(discord.ui.DynamicItem[discord.ui.Button], template=r"rapport:rewrite"):
    """ "Check this version": checks the verdict's suggested rewrite in one click."""

    def __init__(self):
        super().__init__(
            discord.ui.Button(
                label=wording.CHECK_REWRITE, style=discord.ButtonStyle.primary, custom_id="rapport:rewrite"
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        """Check the rewrite the verdict shows and answer with its own verdict, privately."""
        embeds = interaction.message.embeds if interaction.message else []
        text = render.rewrite_of(embeds[0] if embeds else None)
        bot = bot_of(interaction)
        user = user_of(interaction)
        await bot.answer(interaction, lambda: bot.check(user, text, "command"))


class RecheckModal(discord.ui.Modal, title="Check again"):
    """The form behind "Check again": the draft, editable; submitting checks it again."""

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
        """Check the edited draft and update the verdict message."""
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
        """Record the dispute (never the text)."""
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
        """Turn off coaching notes on this user's channel posts."""
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
    template=r"rapport:reminder:(?P<action>done|snooze|replied|emailed|called|met):(?P<ws>dm|[0-9]+):(?P<contact>[0-9]+)",
):
    """Done / Snooze / They replied, and the ladder's Emailed / Called / Met, on a reminder DM."""

    LOOK: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "done": ("Done", discord.ButtonStyle.primary),
        "snooze": ("Snooze 3 days", discord.ButtonStyle.secondary),
        "replied": ("They replied", discord.ButtonStyle.success),
        "emailed": ("Emailed", discord.ButtonStyle.secondary),
        "called": ("Called", discord.ButtonStyle.secondary),
        "met": ("Met", discord.ButtonStyle.secondary),
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
        """Done / Snooze 3 days / They replied / Emailed / Called / Met, then the reminder message loses its
        buttons."""
        bot = bot_of(interaction)
        user = user_of(interaction, self.workspace)

        def work() -> Reply:
            now = bot.clock()
            try:
                if self.action == "done":
                    bot.coach.mark_done(user, self.contact)
                    text = wording.done_text(self.contact)
                elif self.action in ("emailed", "called", "met"):
                    text = wording.step_text(self.action, bot.coach.log_step(user, self.contact, self.action, now))
                elif self.action == "snooze":
                    moved = bot.coach.snooze(user, self.contact, wording.SNOOZE.days, now)
                    when = moved[0] if moved else now + wording.SNOOZE
                    text = wording.snoozed_text(self.contact, discord.utils.format_dt(when, "R"))
                else:
                    bot.coach.record_reply(user, self.contact, now)
                    text = wording.replied_text(self.contact)
            except UnknownContactError:
                text = wording.gone_text(self.contact)
            return Reply(embed=discord.Embed(description=text, colour=discord.Colour.green()))

        await bot.answer(interaction, work, edit=True)


class ForgetButton(discord.ui.DynamicItem[discord.ui.Button], template=r"rapport:forget:(?P<answer>yes|no)"):
    """ "Yes, forget me" / "Keep it" under the question ``/rapport forget`` asks."""

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
        """Delete everything about the user, or keep it."""
        bot = bot_of(interaction)
        user = user_of(interaction)

        def work() -> Reply:
            if self.answer != "yes":
                return Reply(wording.KEPT)
            gone = bot.coach.forget(user)
            return Reply(wording.FORGOTTEN if gone else wording.NOTHING_TO_FORGET)

        await bot.answer(interaction, work, edit=True)


DYNAMIC_ITEMS = (SentTo, CheckAgain, CheckRewrite, NotAPitch, StopNotes, ReminderButton, ForgetButton)


def view_of(*items: discord.ui.Item) -> discord.ui.View:
    """A persistent view (no timeout) holding ``items``; build it on the event loop."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def verdict_view(workspace: str, check_id: int, label: str, rewrite: bool = False) -> discord.ui.View:
    """The buttons under a verdict: "I sent it to…", "Check again", "Check this version" (when there is a
    rewrite) and, for a pitch or borderline verdict, "Not a pitch"."""
    items: list[discord.ui.Item] = [SentTo(check_id), CheckAgain()]
    if rewrite:
        items.append(CheckRewrite())
    if label in ("pitch", "borderline"):
        items.append(NotAPitch(workspace, check_id))
    return view_of(*items)


def reminder_view(reminder: DueReminder) -> discord.ui.View | None:
    """Done / Snooze / They replied for a reminder whose contact is a mention; None for a plain name."""
    match = MENTION.fullmatch(reminder.contact)
    if match is None:
        return None
    return view_of(*(ReminderButton(action, reminder.user.workspace, match[1]) for action in ReminderButton.LOOK))
