"""What Rapport's Discord bot shows: embeds and message text built from coach results (no I/O, no coach calls).

The words come from ``bot.wording`` (shared with every adapter); this module only adds Discord's markup and
keeps within Discord's limits (embed title 256, description 4096, field value 1024, footer 2048, 6000 in all).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import discord

from bot import commands, wording

TITLE_MAX, DESCRIPTION_MAX, FIELD_MAX, FOOTER_MAX = 256, 4096, 1024, 2048
#: Drafts are quoted back in the verdict (so "Check again" can start from them) up to this length.
DRAFT_SHOWN_MAX = 3000
TRUNCATED = "…"

COLOURS = {
    "pitch": discord.Colour.red(),
    "borderline": discord.Colour.gold(),
    "conversation": discord.Colour.green(),
    "unscored": discord.Colour.blurple(),
}

#: What ``/rapport`` offers on Discord: the chat grammar's words as subcommands (options instead of text).
SUBCOMMANDS = {"check", "sent", "replied", "done", "snooze", "followups", "stats", "settings", "watch", "unwatch"}
HELP = "\n".join(
    [
        "Rapport helps your messages start conversations instead of pitches.",
        commands.help_text("/rapport ", contact="user:", only=SUBCOMMANDS | {"forget"}),
        "• **Check with Rapport** (right-click a message → Apps): check any message",
        "`/rapport watch` and `/rapport unwatch` need Manage Channels. I notice replies in channels I can read.",
        "Only you see my answers. I keep scores and dates, never the text of your messages.",
    ]
)

NO_CONTENT_INTENT = (
    "I can't read the posts in channels yet, so watching would quietly do nothing. "
    "Whoever runs Rapport can turn on the **Message Content** intent (Developer Portal → Bot → Privileged Gateway "
    "Intents) and restart me; then run `/rapport watch` again."
)

SORRY = wording.SORRY


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + TRUNCATED


def quote(draft: str) -> str:
    """The draft as a Discord block quote; ``unquote`` gives it back (unless it was cut to fit)."""
    text = draft.strip()
    if len(text) > DRAFT_SHOWN_MAX:
        text = text[: DRAFT_SHOWN_MAX - 1] + TRUNCATED
    return "\n".join(">" + (" " + line if line else "") for line in text.splitlines())


def unquote(description: str | None) -> str:
    """The draft inside a verdict embed's description (``quote`` reversed)."""
    lines = []
    for line in (description or "").splitlines():
        if line.startswith("> "):
            line = line[2:]
        elif line.startswith(">"):
            line = line[1:]
        lines.append(line)
    return "\n".join(lines)


def _one_line(text: str, limit: int = 80) -> str:
    return _clip(" ".join(text.split()), limit)


def _signals(verdict) -> str:
    return "  ·  ".join(s.summary() for s in verdict.signals)


def verdict_embed(verdict, draft: str | None = None, intro: str | None = None) -> discord.Embed:
    """The private answer to a check: score, flagged phrases and why, open questions, tip."""
    description = "\n\n".join(part for part in (intro, quote(draft) if draft else None) if part)
    embed = discord.Embed(
        title=_clip(wording.headline(verdict), TITLE_MAX),
        description=description[:DESCRIPTION_MAX] or None,
        colour=COLOURS[verdict.label],
    )
    if verdict.flags:
        lines = [f"• “{discord.utils.escape_markdown(_one_line(f.text))}”: {f.why}" for f in verdict.flags]
        embed.add_field(name="What reads as a pitch", value=_clip("\n".join(lines), FIELD_MAX), inline=False)
    elif verdict.label == "conversation":
        embed.add_field(name="Looks good", value="Nothing salesy stood out.", inline=False)
    if verdict.questions:
        embed.add_field(
            name=wording.questions_intro(verdict),
            value=_clip("\n".join(f"• {q}" for q in verdict.questions), FIELD_MAX),
            inline=False,
        )
    embed.add_field(name="Tip", value=_clip(verdict.tip, FIELD_MAX), inline=False)
    if verdict.rewrite:
        embed.add_field(name=wording.REWRITE_INTRO, value=_clip(verdict.rewrite, FIELD_MAX), inline=False)
    footer = "  ·  ".join(part for part in (_signals(verdict), *verdict.notes) if part)
    if footer:
        embed.set_footer(text=_clip(footer, FOOTER_MAX))
    return fitted(embed)


def rewrite_of(embed: discord.Embed | None) -> str:
    """The rewrite a verdict embed suggests ("Try this instead"), for "Check this version"; "" if none."""
    fields = embed.fields if embed is not None else []
    return next((f.value or "" for f in fields if f.name == wording.REWRITE_INTRO), "")


def draft_of(embed: discord.Embed | None) -> str:
    """The draft a verdict embed quotes, for "Check again"."""
    return unquote(embed.description if embed is not None else None)


def coaching_embed(verdict, channel_id: str) -> discord.Embed:
    """The private DM to the author of a post in a watched channel that reads as a pitch."""
    intro = (
        f"Only you got this note. Your post in <#{channel_id}> reads like a pitch, and posts that ask a question "
        "tend to get more replies there. A few ideas for next time:"
    )
    return verdict_embed(verdict, intro=intro)


def logged_text(logged) -> str:
    """After logging outreach, with the follow-up date as a Discord timestamp (shown in the reader's zone)."""
    due = discord.utils.format_dt(logged.follow_up_due, "D") if logged.follow_up_due else None
    return wording.logged_text(logged.contact, due)


#: A reminder's number in its embed footer ("Reminder #12", "Reminders #12 #13"): how the bot recognises, in the
#: DM's history, a reminder an earlier attempt already delivered.
MARK = re.compile(r"#(\d+)")


def reminder_embed(reminder, guild_name: str | None = None) -> discord.Embed:
    """A reminder DM; its footer carries ``Reminder #<id>`` (how ``marked`` finds it again)."""
    embed = discord.Embed(description=f"⏰ {wording.reminder_line(reminder)}", colour=discord.Colour.blurple())
    footer = f"Reminder #{reminder.id}" + (f" · From {guild_name}" if guild_name else "")
    embed.set_footer(text=_clip(footer, FOOTER_MAX))
    return embed


#: What one message may carry in all its embeds' text (titles, descriptions, fields, footers).
EMBED_TOTAL_MAX = 6000
_DIGEST_FOOTER = "Reminders {numbers} · buttons come with separate reminders; /rapport followups lists them."


def digest_embeds(items) -> list[tuple[list, discord.Embed]]:
    """A daily digest as ``(its reminders, its embed)`` messages, each within Discord's embed limits.

    Every reminder is in exactly one part, its line whole in the description and its number in the footer
    (how ``marked`` finds it again); a long digest continues in "(2/3)"-style parts, in order.
    """
    parts: list[list] = [[]]
    for item in items:
        trial = [*parts[-1], item]
        lines = "\n".join(f"• {wording.reminder_line(r)}" for r in trial)
        footer = _DIGEST_FOOTER.format(numbers=" ".join(f"#{r.id}" for r in trial))
        if parts[-1] and (len(lines) > DESCRIPTION_MAX or len(footer) > FOOTER_MAX or len(lines) + len(footer) > 5800):
            parts.append([item])
        else:
            parts[-1] = trial
    out = []
    for number, part in enumerate(parts, 1):
        title = "Your Rapport digest for today" + (f" ({number}/{len(parts)})" if len(parts) > 1 else "")
        embed = discord.Embed(title=title, colour=discord.Colour.blurple())
        embed.description = _clip("\n".join(f"• {wording.reminder_line(r)}" for r in part), DESCRIPTION_MAX)
        embed.set_footer(text=_clip(_DIGEST_FOOTER.format(numbers=" ".join(f"#{r.id}" for r in part)), FOOTER_MAX))
        out.append((part, embed))
    return out


def fitted(embed: discord.Embed) -> discord.Embed:
    """``embed`` within the 6000 characters Discord allows in a message's embeds: the description (a quoted
    draft), then the longest fields, are cut with "…" until it fits. Returns the same embed."""
    while len(embed) > EMBED_TOTAL_MAX:
        excess = len(embed) - EMBED_TOTAL_MAX
        if embed.description and len(embed.description) > 1:
            embed.description = _clip(embed.description, max(1, len(embed.description) - excess))
            continue
        index, longest = max(enumerate(embed.fields), key=lambda pair: len(pair[1].value or ""))
        value = longest.value or ""
        embed.set_field_at(index, name=longest.name, value=_clip(value, max(1, len(value) - excess)), inline=False)
    return embed


def marked(embeds) -> set[int]:
    """The reminder numbers in these embeds' footers."""
    return {int(n) for e in embeds if e.footer and e.footer.text for n in MARK.findall(e.footer.text.split("·")[0])}


#: Where the rest of a cut follow-ups list is: each reminder came as a DM with its buttons.
IN_DMS = "Each one is also in my DMs with its buttons; mark some done to see the rest here."


#: Discord's limit on a message's content.
CONTENT_MAX = 2000


def followups_text(items, limit: int = CONTENT_MAX) -> str:
    """What is due, as many whole lines as fit in ``limit`` characters (at most 20); then "…and N more"."""
    if not items:
        return wording.NOTHING_DUE
    head = f"**{len(items)} due**"
    lines: list[str] = []
    for shown, item in enumerate(items):
        line = f"• {wording.reminder_line(item)}"
        rest = wording.and_more(len(items) - shown - 1, IN_DMS) if shown + 1 < len(items) else ""
        if shown == 20 or len("\n".join([head, *lines, line, rest])) > limit:
            lines.append(wording.and_more(len(items) - shown, IN_DMS))
            break
        lines.append(line)
    return _clip("\n".join([head, *lines]), limit)


def clip(text: str, limit: int = CONTENT_MAX) -> str:
    """``text`` within a message's ``limit`` characters (cut with "…")."""
    return _clip(text, limit)


def plan_text(plan, limit: int = CONTENT_MAX) -> str:
    """A weekly plan as message content: bold title, a whole line per contact, its notes, within ``limit``
    characters ("…and N more" when the contacts do not all fit)."""
    title, people, notes = wording.plan_parts(plan)
    head, tail = f"**{title}**", "\n".join(notes)
    room = limit - len(head) - 1 - (len(tail) + 1 if tail else 0)
    body = wording.fit_lines([f"• {line}" for line in people], room, wording.PLAN_REST)
    return _clip("\n".join([head, *body, *([tail] if tail else [])]), limit)


def ladder_text(standings, limit: int = CONTENT_MAX) -> str:
    """Every relationship and its rung, a whole line each within ``limit`` characters ("…and N more" when they
    do not all fit)."""
    if not standings:
        return wording.NO_RELATIONSHIPS
    lines = [f"• {line}" for line in wording.ladder_lines(standings)]
    return "\n".join(wording.fit_lines(lines, limit, wording.LADDER_REST))


def settings_text(current: dict, changed: bool) -> str:
    """The settings in force (``changed``: just saved)."""
    quiet = (
        "off"
        if current["quiet_start_hour"] == current["quiet_end_hour"]
        else f"{current['quiet_start_hour']}:00-{current['quiet_end_hour']}:00"
    )
    lines = [
        "Saved. Your settings now:" if changed else "Your settings (change any with the options of this command):",
        f"• follow up after **{current['follow_up_days']}** days without a reply, "
        f"at most **{current['max_follow_ups']}** times",
        f"• keep in touch after **{current['keep_in_touch_days']}** days",
        f"• quiet hours **{quiet}** ({current['timezone']})",
        f"• daily digest **{'on' if current['daily_digest'] else 'off'}**",
        f"• private notes on my posts in watched channels **{'on' if current['channel_coaching'] else 'off'}**",
        f"• weekly plan **{'on' if current['weekly_plan'] else 'off'}**, **{current['weekly_budget_minutes']}** "
        f"minutes a week (message {current['cost_message']}, call {current['cost_call']}, "
        f"coffee {current['cost_coffee']})",
    ]
    return "\n".join(lines)


def watch_text(days: int) -> str:
    """After ``/rapport watch``."""
    return wording.watching_text(days)


@dataclass(slots=True)
class Reply:
    """An answer computed off the event loop; ``view`` is built on the loop (discord.py views need one)."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: Callable[[], discord.ui.View] | None = None

    def kwargs(self) -> dict:
        """The keyword arguments for discord.py's send or edit (builds the view: call it on the event loop)."""
        out: dict = {}
        if self.content is not None:
            out["content"] = self.content
        if self.embed is not None:
            out["embed"] = self.embed
        if self.view is not None:
            out["view"] = self.view()
        return out
