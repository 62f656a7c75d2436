"""The terminal adapter: renders coach results as plain text (colour only where the terminal shows it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from bot.coach import UnknownContactError
from bot.reminders import deliver_due
from bot.wording import (
    REWRITE_INTRO,
    digest_text,
    done_text,
    headline,
    logged_text,
    questions_intro,
    reminder_line,
    replied_text,
    stats_line,
)
from classifier import Signal, Verdict

COLOURS = {"pitch": "red", "borderline": "yellow", "conversation": "green", "unscored": "cyan"}


def render_verdict(verdict: Verdict) -> str:
    """The human-readable check, the same on every terminal; ``click.echo`` drops colour when piped."""
    lines = [click.style(headline(verdict), fg=COLOURS[verdict.label], bold=True)]
    if verdict.flags:
        width = min(40, max(len(f.text) for f in verdict.flags) + 2)
        for flag in verdict.flags:
            quoted = f'"{_one_line(flag.text)}"'
            lines.append(f"  {click.style(quoted.ljust(width), fg='yellow')} {flag.why}")
    elif verdict.label == "conversation":
        lines.append("  Nothing salesy stood out.")
    lines.append(questions_intro(verdict))
    lines += [f"  • {q}" for q in verdict.questions]
    lines.append(f"Tip: {verdict.tip}")
    if verdict.rewrite:
        lines += [REWRITE_INTRO, f"  {verdict.rewrite}"]
    lines.append(click.style("  " + "  ·  ".join(_signal(s) for s in verdict.signals), dim=True))
    lines += [click.style(f"Note: {n}", fg="cyan") for n in verdict.notes]
    return "\n".join(lines)


def _one_line(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signal(s: Signal) -> str:
    """One signal as ``name value mark (target)``, e.g. ``words 15 ✗ (50-125)``."""
    return s.summary(with_target=True)


CHAT_HELP = """Commands (the same the Slack and Discord apps take):
  /rapport <draft>      check a draft before you send it
  sent <contact>        log that you reached out (a name or @handle)
  replied <contact>     log that they answered (cancels follow-ups)
  done <contact>        stop follow-up reminders for them
  snooze <contact> [N]  push their reminders back N days (default 3)
  followups             what is due now
  stats                 who replied, and how fast
  help                  this list
  quit                  leave (Ctrl-D works too)"""


class ConsoleChat:
    """A terminal session over the coach. ``clock`` is injectable so reminders can be tested without waiting."""

    def __init__(self, coach, user, echo=click.echo, clock=None):
        self.coach = coach
        self.user = user
        self.echo = echo
        self.clock = clock or (lambda: datetime.now(UTC))
        self.last_verdict = None

    # The Notifier for this session's own reminders.
    def send(self, reminder) -> None:
        self.echo(click.style(f"⏰ {reminder_line(reminder)}", fg="cyan"))

    def send_digest(self, user, items) -> None:
        self.echo(click.style(f"⏰ {digest_text(items)}", fg="cyan"))

    def delivered(self, reminder, since) -> bool:
        """The terminal keeps no record to look in: a reminder whose printing was cut off prints again."""
        return False

    def deliver(self) -> None:
        deliver_due(self.coach.sessions, self, self.clock(), user=self.user)

    def handle(self, line: str) -> bool:
        """Run one command; False when the session should end."""
        word, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        word = word.lower()
        try:
            if word in ("quit", "exit"):
                return False
            if word in ("/rapport", "check"):
                if not rest:
                    self.echo("Give me a draft: /rapport <your message>")
                else:
                    self.last_verdict = self.coach.check_draft(rest)
                    self.echo(render_verdict(self.last_verdict))
            elif word == "sent" and rest:
                logged = self.coach.record_outreach(self.user, rest, self.clock(), verdict=self.last_verdict)
                self.last_verdict = None
                self.echo(logged_text(logged.contact, f"{logged.follow_up_due:%a %d %b}"))
            elif word == "replied" and rest:
                logged = self.coach.record_reply(self.user, rest, self.clock())
                self.echo(replied_text(logged.contact))
            elif word == "done" and rest:
                n = self.coach.mark_done(self.user, rest)
                self.echo(done_text(rest) if n else f"Nothing pending for {rest}.")
            elif word == "snooze" and rest:
                name, _, days = rest.rpartition(" ")
                if not (name and days.isdigit()):
                    name, days = rest, "3"
                n = self.coach.snooze(self.user, name, self.clock() + timedelta(days=int(days)))
                self.echo(
                    f"Snoozed {n} reminder(s) for {name} by {days} days." if n else f"Nothing pending for {name}."
                )
            elif word == "followups":
                items = self.coach.followups(self.user, self.clock())
                self.echo("\n".join(f"  {reminder_line(r)}" for r in items) or "Nothing due. Nice.")
            elif word == "stats":
                self.echo(stats_line(self.coach.stats(self.user)))
            elif word:
                self.echo(CHAT_HELP)
        except (UnknownContactError, ValueError) as exc:
            self.echo(f"Hmm: {exc}")
        return True

    def run(self, read=input) -> None:
        self.echo("Rapport chat. Type 'help' for commands, 'quit' to leave.")
        while True:
            self.deliver()
            try:
                line = read("rapport> ")
            except EOFError:
                self.echo("")
                return
            if not self.handle(line):
                return
