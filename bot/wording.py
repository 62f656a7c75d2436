"""What Rapport says, in plain text, once for every adapter: each adapter only adds its platform's markup."""

from __future__ import annotations

from datetime import timedelta

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
    return f"Keep in touch with {r.contact}: it's been a while. What are they working on these days?"


def digest_text(items) -> str:
    """A daily digest: every due reminder in one message."""
    return "Your Rapport digest for today:\n" + "\n".join(f"  • {reminder_line(r)}" for r in items)


def stats_line(stats) -> str:
    """The user's reply figures in one paragraph."""
    rate = f"{stats.reply_rate:.0%}" if stats.reply_rate is not None else "n/a"
    median = f"{stats.median_hours_to_reply:g} h" if stats.median_hours_to_reply is not None else "n/a"
    line = f"Reached {stats.reached}, {stats.replied} replied ({rate}); median time to reply {median}."
    for label, (n, ok) in sorted(stats.by_draft_label.items()):
        line += f" Checked drafts that read as {label}: {ok} of {n} got a reply."
    if stats.checks:
        line += f" Drafts checked: {stats.checks}, {stats.pitch_checks} read as a pitch"
        line += f", {stats.disputed} of those you marked 'Not a pitch'." if stats.disputed else "."
    return line


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
}
