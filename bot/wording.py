"""What Rapport says, in plain text, once for every adapter: each adapter only adds its platform's markup."""

from __future__ import annotations

from datetime import timedelta

from bot import evidence

#: How far the reminder buttons' "Snooze" pushes a contact's reminders.
SNOOZE = timedelta(days=3)

HEADLINES = {
    "pitch": "reads as a pitch",
    "borderline": "could read as a pitch",
    "conversation": "reads like a conversation",
    "unscored": "not scored (too short, or not English)",
}


#: Heading of a verdict's question-led rewrite (``Verdict.rewrite``), the same in every adapter.
REWRITE_INTRO = "Try this instead:"
#: Label of the one-click button that checks the rewrite.
CHECK_REWRITE = "Check this version"


def headline(verdict) -> str:
    """``Pitch score <0-100>/100 — <what it reads as>``; an unscored draft says why instead of a number."""
    if verdict.label == "unscored":
        return "No score: " + ("not English" if any("English" in n for n in verdict.notes) else "too short to judge")
    return f"Pitch score {verdict.score}/100 — {HEADLINES[verdict.label]}"


def questions_intro(verdict) -> str:
    """The line before the suggested open questions."""
    if verdict.label in ("conversation", "unscored"):
        return "Questions that keep it going:"
    return "Try leading with a question instead:"


def reminder_line(r) -> str:
    """One due reminder."""
    if r.kind == "follow_up":
        return (
            f"Follow up with {r.contact}: no reply yet (reminder {r.seq}). "
            "Ask how things are going, not whether they read it."
        )
    step = getattr(r, "next_stage", None)
    if step is not None:
        return f"Keep in touch with {r.contact}: you've gone back and forth a few times. {next_rung_text(step)}"
    return f"Keep in touch with {r.contact}: it's been a while. What are they working on these days?"


def digest_text(items) -> str:
    """A daily digest: every due reminder in one message."""
    return "Your Rapport digest for today:\n" + "\n".join(f"  • {reminder_line(r)}" for r in items)


def stats_line(stats) -> str:
    """The user's reply figures: the totals, then (when there are any) reply rates by how the checked draft read
    and by whether it led with a question, each with its count and Wilson 95% interval, a comparison only once
    each side has 10 sends (``bot.evidence``), and the relationships on each rung with their 30-day movement."""
    rate = f"{stats.reply_rate:.0%}" if stats.reply_rate is not None else "n/a"
    median = f"{stats.median_hours_to_reply:g} h" if stats.median_hours_to_reply is not None else "n/a"
    line = f"Reached {stats.reached}, {stats.replied} replied ({rate}); median time to reply {median}."
    if stats.checks:
        line += f" Drafts checked: {stats.checks}, {stats.pitch_checks} read as a pitch"
        line += f", {stats.disputed} of those you marked 'Not a pitch'." if stats.disputed else "."
    return "\n".join([line, *evidence_lines(stats)])


def evidence_lines(stats, whose: str = "your") -> list[str]:
    """The lines of ``stats_line`` after the totals (see there); empty when nothing was checked or climbed.
    ``whose`` names the drafts (``"your"``; a team digest says ``"the team's"``)."""
    lines = []
    labels = {k: evidence.Rate(*stats.by_draft_label[k]) for k in HEADLINES if k in stats.by_draft_label}
    if labels:
        lines.append(f"Reply rate by how {whose} checked drafts read:")
        lines += [f"  • {evidence.rate_text(HEADLINES[k], r)}" for k, r in labels.items()]
        said = evidence.compare(
            "conversations",
            labels.get("conversation", evidence.Rate(0, 0)),
            "pitches",
            labels.get("pitch", evidence.Rate(0, 0)),
            whose,
        )
        lines.append(f"  {said}" if said else f"  (No comparison until each side has {evidence.ENOUGH} sends.)")
    led = {k: evidence.Rate(*v) for k, v in getattr(stats, "by_question", {}).items()}
    if led:
        question, other = led.get(True, evidence.Rate(0, 0)), led.get(False, evidence.Rate(0, 0))
        lines += [
            f"Reply rate by how {whose} checked drafts began:",
            f"  • {evidence.rate_text('led with a question', question)}",
            f"  • {evidence.rate_text('did not', other)}",
        ]
        said = evidence.compare("question-led messages", question, "other messages", other, whose)
        lines.append(f"  {said}" if said else f"  (No comparison until each side has {evidence.ENOUGH} sends.)")
    rungs, before = getattr(stats, "rungs", {}), getattr(stats, "rungs_before", {})
    if any(rungs.values()):
        parts = []
        for stage, n in rungs.items():
            moved = n - before.get(stage, 0)
            parts.append(f"{STAGE_NAMES[stage]} {n}" + (f" ({moved:+d} in 30 days)" if moved else ""))
        lines.append("Relationships: " + ", ".join(parts) + ".")
    return lines


def channel_digest_text(d) -> str:
    """A watched channel's digest: aggregates only, never who posted what."""

    def share(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "n/a"

    others = d.posts - d.pitches
    lines = [
        f"How conversations went here over the last {max(1, (d.until - d.since).days)} days:",
        f"• {d.posts} posts, {d.questions} questions asked ({d.posts_with_question} posts asked at least one)",
        f"• {share(d.pitches, d.posts)} of posts read as pitches",
        f"• {share(d.replied, d.posts)} of posts got a reply: "
        f"{share(d.replied_with_question, d.posts_with_question)} of those that asked a question, "
        f"{share(d.replied_pitches, d.pitches)} of pitches, {share(d.replied - d.replied_pitches, others)} of the rest",
    ]
    if d.posts_with_question and d.replied_with_question / d.posts_with_question > (d.replied / d.posts):
        lines.append("Questions are getting answered: keep asking.")
    team = getattr(d, "team", None)
    if team is not None:
        rate = f"{team.reply_rate:.0%}" if team.reply_rate is not None else "n/a"
        lines.append(
            f"Across the team's own outreach (totals, nobody named): {team.replied} of {team.reached} "
            f"people reached replied ({rate})."
        )
        lines += evidence_lines(team, whose="the team's")
    return "\n".join(lines)


NOTICES = {
    "dm_closed": "I couldn't DM you a reminder because your direct messages are closed. "
    "Open them to get follow-up reminders, or check /rapport followups now and then.",
    "message_refused": "A reminder I tried to DM you was turned down as malformed: that's a bug on my side, and "
    "it's logged. Your follow-ups are all in /rapport followups in the meantime.",
}


SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
UNAVAILABLE = "My database isn't available right now, so nothing was recorded. Please try again in a minute."


def logged_text(contact: str, due: str | None) -> str:
    """After logging outreach; ``due`` is the follow-up date as the platform shows dates."""
    when = f" on {due}" if due else ""
    return f"Logged. I'll remind you to follow up with {contact}{when} if they haven't replied."


def watching_text(days: int) -> str:
    """After a channel is opted in (``days`` between digests)."""
    return (
        "Watching this channel. Posts that read as pitches get a private note to their author only, and every "
        f"{days} days I'll post how conversations are going here (totals only, never names)."
    )


KEPT = "Kept. Nothing was deleted."


def replied_text(contact: str) -> str:
    """After logging a reply."""
    return f"Nice, {contact} replied. Keep the conversation going."


def done_text(contact: str) -> str:
    """After ending a contact's follow-ups."""
    return f"Done: no more follow-up reminders for {contact}."


def gone_text(contact: str) -> str:
    """A reminder button pressed for someone the user has since removed (e.g. after "forget")."""
    return f"{contact} is no longer in your log."


def no_outreach_text(contact: str) -> str:
    """``replied`` for someone the user never logged outreach to."""
    return f"I have no outreach to {contact} logged yet. Log it with `/rapport sent`."


def snoozed_text(contact: str, when: str) -> str:
    """After "Snooze"; ``when`` is how the platform says the new time (e.g. "in 3 days")."""
    return f"Snoozed: I'll remind you about {contact} again {when}."


def nothing_pending_text(contact: str) -> str:
    """Done or snooze for a contact with nothing pending."""
    return f"Nothing pending for {contact}."


NOTHING_DUE = "Nothing due. Nice."


def and_more(count: int, where: str) -> str:
    """The last line of a list cut to fit a platform's limits: how many were left out and ``where`` they are."""
    return f"…and {count} more. {where}".rstrip()


UNWATCHED = "This channel is no longer watched. Its digest numbers are deleted."
NOT_WATCHED = "This channel wasn't being watched."
ALREADY_WATCHED = "This channel is already watched."
DISPUTED = "Thanks for telling me. I noted it (not your text) so we can see how often I get this wrong."
ALREADY_DISPUTED = "Already noted, thanks."
FORGET_ASK = "This deletes everything Rapport holds about you here: outreach, replies, reminders, checks. Sure?"
FORGOTTEN = "Done. Everything Rapport held about you here is deleted."
NOTHING_TO_FORGET = "There was nothing to delete."
#: "I sent it to…" / "sent" naming the user themself, or a bot.
NOT_YOURSELF = "That's you! Pick the person you reached out to."
NOT_A_BOT = "Bots don't write back. Pick the person you reached out to."
NO_TEXT = "That message has no text I can check."

#: What each reminder setting means, as every settings form and command option labels it.
SETTING_LABELS = {
    "follow_up_days": "Days without a reply before a follow-up reminder",
    "max_follow_ups": "Follow-up reminders per outreach, at most",
    "keep_in_touch_days": "Days after the last exchange before a keep-in-touch nudge",
    "quiet_start_hour": "Quiet hours start (0-23, your time zone)",
    "quiet_end_hour": "Quiet hours end (0-23)",
    "timezone": "Your time zone, e.g. Europe/Berlin",
    "daily_digest": "One reminder digest a day instead of separate messages",
    "channel_coaching": "Private coaching notes on my posts in watched channels",
    "weekly_plan": "One weekly plan of whom to reach instead of separate keep-in-touch nudges",
    "weekly_budget_minutes": "Minutes a week for keeping in touch",
    "cost_message": "Minutes a message takes",
    "cost_call": "Minutes a call takes",
    "cost_coffee": "Minutes a coffee takes",
}


# -- the ladder and the weekly plan --------------------------------------------------------------------------------
#: The rungs of the ladder as users read them.
STAGE_NAMES = {
    "connected": "connected",
    "in_conversation": "in conversation",
    "off_feed": "talked off the feed",
    "met": "met",
}
#: For each rung: what would reach it, and a concrete open question to propose it with.
NEXT_RUNG = {
    "in_conversation": ("a reply", "Ask one open question about what they're working on, and listen."),
    "off_feed": ("a call", "Ask if they'd be up for a 20-minute call about what they're working on?"),
    "met": ("coffee", "Ask what they're working on these days, over coffee?"),
}
#: What each action of a weekly plan says.
ACTION_TEXT = {"message": "a message", "call": "a call", "coffee": "a coffee"}
CIRCLE_TEXT = {"close": "close, every 2 weeks", "regular": "regular, monthly", "wider": "wider, quarterly"}
#: How often each circle keeps in touch, as a sentence says it.
CIRCLE_PERIOD = {"close": "every 2 weeks", "regular": "monthly", "wider": "quarterly"}
#: The ladder of someone who has logged nobody yet (a sentence of its own, never a list item).
NO_RELATIONSHIPS = "No relationships yet. Log a message with `sent`, or a step with `met`, `called` or `emailed`."
#: Where a cut list continues: the plan and the ladder are in order (most overdue, furthest along first).
PLAN_REST = "The most overdue come first."
LADDER_REST = "The furthest along come first."
STEP_TEXT = {"emailed": "emailed", "called": "called", "met": "met"}


def next_rung_text(stage: str | None) -> str:
    """What to propose to reach ``stage`` (the next rung), with its open question; the top rung keeps meeting."""
    if stage is None:
        return "Keep meeting: ask how the plans they shared last time turned out."
    what, question = NEXT_RUNG[stage]
    return f"{what[0].upper()}{what[1:]} might be next. {question}"


def standing_text(s) -> str:
    """Where a relationship stands (``Standing``): "You've traded 4 messages with Dana (in conversation); a call
    might be next. Ask if ..."."""
    where = STAGE_NAMES[s.stage]
    traded = f"You've traded {s.messages} message{'s' * (s.messages != 1)} with {s.contact} ({where})"
    if s.next_stage is None:
        return f"{traded}. {next_rung_text(None)}"
    what, question = NEXT_RUNG[s.next_stage]
    return f"{traded}; {what} might be next. {question}"


def step_text(kind: str, s, how: str | None = None) -> str:
    """After logging a step off the feed."""
    done = f"{STEP_TEXT[kind]} {s.contact}" + (f" ({how})" if how else "")
    return f"Logged: you {done}. Now {STAGE_NAMES[s.stage]}. {next_rung_text(s.next_stage)}"


def circle_text(s) -> str:
    """After choosing a circle."""
    chosen = "" if s.circle_chosen else ", the default for where you are"
    return f"{s.contact} is in your {s.circle} circle (keep in touch {CIRCLE_PERIOD[s.circle]}{chosen})."


def ladder_lines(standings) -> list[str]:
    """One line per relationship: rung, messages, circle."""
    if not standings:
        return [NO_RELATIONSHIPS]
    return [
        f"{s.contact}: {STAGE_NAMES[s.stage]}, {s.messages} message{'s' * (s.messages != 1)}, "
        f"{CIRCLE_TEXT[s.circle]}" + ("" if s.circle_chosen else " (default)")
        for s in standings
    ]


def plan_parts(plan) -> tuple[str, list[str], list[str]]:
    """A weekly plan as ``(title, one line per contact, notes after them)``; the title says the minutes."""
    if not plan.items and not plan.waiting:
        return f"Nobody is due this week (week of {plan.week_start:%a %d %b}). Enjoy it.", [], []
    title = (
        f"Your week of {plan.week_start:%a %d %b}: {len(plan.items)} to reach, about {plan.minutes} of your "
        f"{plan.budget} minutes."
    )
    people = [
        f"{item.contact}: {ACTION_TEXT[item.action]} ({item.minutes} min, {STAGE_NAMES[item.stage]})"
        for item in plan.items
    ]
    notes = []
    if plan.waiting:
        notes.append(f"{plan.waiting} more can wait until next week.")
    if plan.needed > plan.budget:
        notes.append(
            f"Your circles ask for about {plan.needed} minutes a week, more than your {plan.budget}: some will wait "
            "longer than their circle (raise the budget in settings, or move some to a wider circle)."
        )
    return title, people, notes


def plan_lines(plan) -> list[str]:
    """A weekly plan: its title, one line per contact, then what waits (``plan_parts`` in one list)."""
    title, people, notes = plan_parts(plan)
    return [title, *people, *notes]


def fit_lines(lines: list[str], limit: int, where: str, parts: int = 1) -> list[str]:
    """``lines`` packed whole, in order, into at most ``parts`` texts of at most ``limit`` characters each (lines
    joined by newlines). When they do not all fit, the last text ends with "…and N more. {where}" (``and_more``)
    and N counts the lines left out: a line is never cut in the middle (one longer than ``limit`` alone is
    clipped with "…"). Returns ``[]`` for no lines.
    """
    texts: list[list[str]] = [[]]
    size = shown = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        need = len(line) + (1 if texts[-1] else 0)
        if size + need > limit:
            if len(texts) == parts:
                break
            texts.append([])
            size, need = 0, len(line)
        texts[-1].append(line)
        size += need
        shown += 1
    if shown < len(lines):
        last = texts[-1]
        while last and len("\n".join([*last, and_more(len(lines) - shown, where)])) > limit:
            last.pop()
            shown -= 1
        last.append(and_more(len(lines) - shown, where))
    return ["\n".join(text) for text in texts if text]


def plan_text(plan) -> str:
    """A weekly plan as plain text, one contact a line."""
    lines = plan_lines(plan)
    return "\n".join([lines[0], *(f"  • {line}" for line in lines[1:])])
