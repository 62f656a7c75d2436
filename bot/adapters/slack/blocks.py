"""Block Kit for Rapport's Slack app: every message, modal and App Home view, built from coach results.

Every builder's result is checked by slack_sdk's Block Kit models (``Block.parse(...).validate_json()``, which
raises ``SlackObjectFormationError`` on a broken element) and fitted to Slack's counts: at most 50 blocks in a
message, 100 in a modal or App Home. Long lists end with "…and N more" and where to see the rest; a digest too
long for one message is split (``digest_messages``). Text a person wrote is escaped (``text.escape``).
"""

from __future__ import annotations

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import commands, wording
from bot.adapters.slack.text import escape as _escape
from bot.types import SETTING_RANGES, TOGGLES

#: Slack limits: section text 3000 characters, button value 2000, plain-text input 3000.
_TEXT_MAX = 3000
_VALUE_MAX = 2000
#: Block Kit counts (Slack refuses more with ``invalid_blocks``): a message, and a modal or App Home view.
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
#: Blocks one reminder takes (its line and its buttons).
_PER_REMINDER = 2
#: Where a cut list of follow-ups can be seen in full (a message points to App Home, App Home to the command).
IN_HOME = "Open my App Home tab to see them all."
IN_FOLLOWUPS = "`/rapport followups` lists the ones due first."
#: Sections of 3000 characters a plan or a ladder may take: in a message, and (more) in App Home.
LIST_PARTS, HOME_LIST_PARTS = 4, 8
#: Where a cut plan or ladder continues, from a message and in App Home.
PLAN_REST_MESSAGE = f"{wording.PLAN_REST} My App Home tab shows more."
LADDER_REST_MESSAGE = f"{wording.LADDER_REST} My App Home tab shows more."


def checked(blocks: list[dict], limit: int = MESSAGE_BLOCKS) -> list[dict]:
    """``blocks`` unchanged once slack_sdk's models accept each one and there are at most ``limit``.

    Raises ``SlackObjectFormationError`` naming what breaks a Block Kit rule (a programming error, never input).
    """
    if not 1 <= len(blocks) <= limit:
        raise SlackObjectFormationError(f"{len(blocks)} blocks; Slack takes 1 to {limit} here")
    for block in blocks:
        Block.parse(block).validate_json()
    return blocks


def _checked_view(view: dict) -> dict:
    """A modal or App Home ``view`` once slack_sdk's ``View`` model accepts it (at most 100 blocks)."""
    View(**view).validate_json()
    checked(view["blocks"], VIEW_BLOCKS)
    return view


HELP = "\n".join(
    [
        "*Rapport* helps your messages start conversations instead of pitches.",
        commands.help_text("/rapport "),
        "Or use the message shortcut *Check with Rapport* on any message. The DM with me takes the same words.",
    ]
)


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text[:_TEXT_MAX]}


def section(text: str) -> dict:
    """A section block of mrkdwn ``text`` (cut to Slack's 3000 characters)."""
    return {"type": "section", "text": _mrkdwn(text)}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def help_blocks() -> list[dict]:
    """The help: every command of the chat grammar, then the shortcut."""
    return checked([section(HELP)])


def verdict_blocks(verdict, check_id: int | None = None, draft: str | None = None) -> list[dict]:
    """The private answer to a check: score, flagged phrases and why, open questions, tip, then the buttons."""
    blocks = [section(f"*{wording.headline(verdict)}*")]
    if verdict.flags:
        lines = [f"• _“{_escape(' '.join(f.text.split()))}”_: {f.why}" for f in verdict.flags]
        blocks.append(section("\n".join(lines)))
    elif verdict.label == "conversation":
        blocks.append(section("Nothing salesy stood out."))
    questions = "\n".join(f"• {_escape(q)}" for q in verdict.questions)
    blocks.append(section(f"*{wording.questions_intro(verdict)}*\n" + questions))
    blocks.append(section(f"*Tip:* {verdict.tip}"))
    if verdict.rewrite:
        blocks.append(section(f"*{wording.REWRITE_INTRO}*\n>{_escape(verdict.rewrite)}"))
    signals = "  ·  ".join(f"{s.label} {s.show(s.value)}" for s in verdict.signals)
    notes = [f"_{n}_" for n in verdict.notes]
    blocks.append({"type": "context", "elements": [_mrkdwn("  ·  ".join([signals, *notes]))]})
    if check_id is not None:
        elements = [
            {
                "type": "users_select",
                "action_id": "sent_to",
                "placeholder": {"type": "plain_text", "text": "I sent it to…"},
            }
        ]
        if draft is not None and len(draft) <= _VALUE_MAX:
            elements.append(_button("Check again", "check_again", draft))
        if verdict.rewrite and len(verdict.rewrite) <= _VALUE_MAX:
            elements.append(_button(wording.CHECK_REWRITE, "check_rewrite", verdict.rewrite))
        if verdict.label in ("pitch", "borderline"):
            elements.append(_button("Not a pitch", "not_a_pitch", str(check_id)))
        blocks.append({"type": "actions", "block_id": f"check:{check_id}", "elements": elements})
    return checked(blocks)


def _signal(s) -> str:
    return s.summary()


def recheck_modal(draft: str) -> dict:
    """The "Check again" modal, with ``draft`` editable (up to 3000 characters)."""
    view = {
        "type": "modal",
        "callback_id": "recheck",
        "title": {"type": "plain_text", "text": "Check again"},
        "submit": {"type": "plain_text", "text": "Check"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [
            {
                "type": "input",
                "block_id": "draft",
                "label": {"type": "plain_text", "text": "Your draft"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "initial_value": draft[:_TEXT_MAX],
                },
            }
        ],
    }
    return _checked_view(view)


def verdict_modal(verdict, draft: str) -> dict:
    """The modal after "Check again": the new verdict, with the draft still editable."""
    view = recheck_modal(draft)
    view["blocks"] = [*verdict_blocks(verdict), {"type": "divider"}, *view["blocks"]]
    return _checked_view(view)


#: The ladder's buttons on a reminder: (label, the step it logs).
STEP_BUTTONS = (("Emailed", "emailed"), ("Called", "called"), ("Met", "met"))


def reminder_blocks(reminder) -> list[dict]:
    """A reminder with Done / Snooze / They replied and the ladder's Emailed / Called / Met; its actions block is
    ``reminder:<id>``."""
    value = reminder.contact
    return checked(
        [
            section(f"⏰ {wording.reminder_line(reminder)}"),
            {
                "type": "actions",
                "block_id": f"reminder:{reminder.id}",
                "elements": [
                    _button("Done", "reminder_done", value, "primary"),
                    _button("Snooze 3 days", "reminder_snooze", value),
                    _button("They replied", "reminder_replied", value),
                    *(_button(label, f"reminder_{kind}", value) for label, kind in STEP_BUTTONS),
                ],
            },
        ]
    )


def digest_messages(items: list) -> list[tuple[list, list[dict]]]:
    """A daily digest as ``(its reminders, its blocks)`` messages of at most 50 blocks, each reminder in one.

    A digest of 24 or fewer is one message; a longer one continues in "(2/3)"-style parts, in order.
    """
    per_message = (MESSAGE_BLOCKS - 1) // _PER_REMINDER
    parts = [items[i : i + per_message] for i in range(0, len(items), per_message)] or [[]]
    messages = []
    for number, part in enumerate(parts, 1):
        title = "*Your Rapport digest for today*" + (f" ({number}/{len(parts)})" if len(parts) > 1 else "")
        body = [section(title)]
        for item in part:
            body += reminder_blocks(item)
        messages.append((part, checked(body)))
    return messages


def followups_blocks(items, room: int = MESSAGE_BLOCKS, elsewhere: str = IN_HOME) -> list[dict]:
    """What is due, each with its buttons, in at most ``room`` blocks.

    When they do not all fit, the first ones are shown and a last line says "…and N more" and ``elsewhere``
    (where to see them all).
    """
    if not items:
        return [section(wording.NOTHING_DUE)]
    blocks = [section(f"*{len(items)} due*")]
    fit = len(items) if 1 + len(items) * _PER_REMINDER <= room else (room - 2) // _PER_REMINDER
    for item in items[:fit]:
        blocks += reminder_blocks(item)
    if fit < len(items):
        blocks.append(section(wording.and_more(len(items) - fit, elsewhere)))
    return checked(blocks, room)


def stats_blocks(stats) -> list[dict]:
    """The user's reply figures."""
    return checked([section(wording.stats_line(stats))])


def _list_sections(lines: list[str], parts: int, where: str) -> list[dict]:
    """``lines`` as bulleted mrkdwn sections of whole lines (at most ``parts`` of 3000 characters), "…and N more"
    and ``where`` last when they do not all fit. Contacts here are mentions (``<@U123>``): kept as such."""
    return [section(text) for text in wording.fit_lines([f"• {line}" for line in lines], _TEXT_MAX, where, parts)]


def plan_blocks(plan, parts: int = LIST_PARTS, where: str = PLAN_REST_MESSAGE) -> list[dict]:
    """A weekly plan: its title, one line per contact in at most ``parts`` sections (whole lines; "…and N more"
    and ``where`` when they do not fit), then its notes."""
    title, people, notes = wording.plan_parts(plan)
    rest = [section("\n".join(notes))] if notes else []
    return checked([section(f"*{title}*"), *_list_sections(people, parts, where), *rest])


def ladder_blocks(standings, parts: int = LIST_PARTS, where: str = LADDER_REST_MESSAGE) -> list[dict]:
    """Every relationship and its rung, one whole line each in at most ``parts`` sections ("…and N more" and
    ``where`` when they do not fit)."""
    if not standings:
        return checked([section(wording.NO_RELATIONSHIPS)])
    return checked(_list_sections(wording.ladder_lines(standings), parts, where))


def standing_block(standing) -> dict:
    """Where the relationship a checked draft is for stands (a context line under the verdict)."""
    return {"type": "context", "elements": [_mrkdwn(wording.standing_text(standing))]}


def home_view(followups, stats, recent, plan=None, ladder=None) -> dict:
    """App Home: this week's plan and the ladder (when given), follow-ups due (as many as fit), reply figures,
    recent checks; at most 100 blocks."""
    top = [
        {"type": "header", "text": {"type": "plain_text", "text": "Rapport"}},
        section("Check drafts with `/rapport <draft>`; log who you reached out to, and I'll remind you."),
    ]
    if plan is not None:
        top += [
            {"type": "header", "text": {"type": "plain_text", "text": "This week"}},
            *plan_blocks(plan, HOME_LIST_PARTS, wording.PLAN_REST),
        ]
    if ladder is not None:
        top += [
            {"type": "header", "text": {"type": "plain_text", "text": "Relationships"}},
            *ladder_blocks(ladder, HOME_LIST_PARTS, wording.LADDER_REST),
        ]
    top.append({"type": "header", "text": {"type": "plain_text", "text": "Follow-ups due"}})
    bottom = [
        {"type": "header", "text": {"type": "plain_text", "text": "Replies"}},
        *stats_blocks(stats),
        {"type": "header", "text": {"type": "plain_text", "text": "Recent checks"}},
    ]
    if recent:
        lines = [
            f"• <!date^{int(c.at.timestamp())}^{{date_short}} {{time}}|{c.at:%Y-%m-%d %H:%M} UTC>: "
            f"score {c.score}, {wording.HEADLINES[c.label]}" + (" (you said: not a pitch)" if c.disputed else "")
            for c in recent
        ]
        bottom.append(section("\n".join(lines)))
    else:
        bottom.append(section("No checks yet. Try `/rapport <draft>`."))
    room = VIEW_BLOCKS - len(top) - len(bottom)
    due = followups_blocks(followups, room, IN_FOLLOWUPS)
    return _checked_view({"type": "home", "blocks": [*top, *due, *bottom]})


def settings_modal(current: dict) -> dict:
    """The settings form, filled with ``current`` (as ``Coach.update_settings`` returns it)."""

    def number(name: str, label: str) -> dict:
        low, high = SETTING_RANGES[name]
        return {
            "type": "input",
            "block_id": name,
            "label": {"type": "plain_text", "text": label},
            "element": {
                "type": "number_input",
                "action_id": "value",
                "is_decimal_allowed": False,
                "min_value": str(low),
                "max_value": str(high),
                "initial_value": str(current[name]),
            },
        }

    def toggle(name: str, label: str) -> dict:
        option = {"text": {"type": "plain_text", "text": label}, "value": "on"}
        element = {"type": "checkboxes", "action_id": "value", "options": [option]}
        if current[name]:
            element["initial_options"] = [option]
        return {"type": "input", "block_id": name, "optional": True, "label": _plain(label), "element": element}

    return _checked_view(
        {
            "type": "modal",
            "callback_id": "settings",
            "title": _plain("Rapport settings"),
            "submit": _plain("Save"),
            "close": _plain("Cancel"),
            "blocks": [
                *(number(name, wording.SETTING_LABELS[name]) for name in SETTING_RANGES),
                *(toggle(name, wording.SETTING_LABELS[name]) for name in TOGGLES),
            ],
        }
    )


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def settings_from_view(state: dict) -> dict:
    """The changes a submitted settings modal asks for, from ``view.state.values``."""
    changes: dict = {}
    for name in SETTING_RANGES:
        raw = (state.get(name, {}).get("value") or {}).get("value")
        if raw is not None:
            try:
                changes[name] = int(raw)
            except ValueError:
                changes[name] = raw
    for name in TOGGLES:
        if name in state:
            changes[name] = bool(state[name]["value"].get("selected_options"))
    return changes


def forget_blocks() -> list[dict]:
    """The question ``/rapport forget`` asks, with its two buttons."""
    return checked(
        [
            section(wording.FORGET_ASK),
            {
                "type": "actions",
                "elements": [
                    _button("Yes, forget me", "forget_confirm", "yes", "danger"),
                    _button("Keep it", "forget_cancel", "no"),
                ],
            },
        ]
    )


def channel_digest_blocks(digest) -> list[dict]:
    """A watched channel's digest (totals only)."""
    return checked([section(wording.channel_digest_text(digest))])


def coaching_blocks(verdict, check_id: int) -> list[dict]:
    """The private note to the author of a post in a watched channel that reads as a pitch."""
    intro = section(
        "Only you can see this. Your post reads like a pitch, and questions tend to get more replies here. "
        "Turn these notes off any time in `/rapport settings`."
    )
    return checked([intro, *verdict_blocks(verdict, check_id)[:-1], _not_a_pitch_only(check_id)])


def _not_a_pitch_only(check_id: int) -> dict:
    return {
        "type": "actions",
        "block_id": f"check:{check_id}",
        "elements": [_button("Not a pitch", "not_a_pitch", str(check_id))],
    }


def text_of(blocks: list[dict]) -> str:
    """A plain-text fallback for notifications (``text`` alongside ``blocks``)."""
    for block in blocks:
        if block.get("type") == "section":
            return block["text"]["text"][:300]
    return "Rapport"
