"""The terminal adapter: renders coach results as plain text (colour only where the terminal shows it)."""

from __future__ import annotations

import atexit
import contextlib
from pathlib import Path

import click

from bot import commands
from bot.types import UnknownContactError, utcnow
from bot.wording import (
    NO_RELATIONSHIPS,
    NOTHING_DUE,
    REWRITE_INTRO,
    circle_text,
    digest_text,
    done_text,
    headline,
    ladder_lines,
    logged_text,
    nothing_pending_text,
    plan_text,
    questions_intro,
    reminder_line,
    replied_text,
    snoozed_text,
    standing_text,
    stats_line,
    step_text,
)
from classifier import Signal, Verdict  # light: scikit-learn loads with the first check

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


CHAT_HELP = "\n".join(
    [
        "Commands (the same the Slack and Discord apps take); here a contact is any name:",
        commands.help_text("", contact="<contact>", only=commands.WORDS - {"settings", "forget", "watch", "unwatch"}),
        "• `quit`: leave (Ctrl-D works too)",
    ]
)


class ConsoleChat:
    """A terminal session over the coach. ``clock`` is injectable so reminders can be tested without waiting."""

    def __init__(self, coach, user, echo=click.echo, clock=None):
        self.coach = coach
        self.user = user
        self.echo = echo
        self.clock = clock or utcnow
        self.last_verdict = None

    # The Notifier for this session's own reminders.
    def send(self, reminder) -> None:
        """Print one due reminder (the ``Notifier`` for this session's own reminders)."""
        self.echo(click.style(f"⏰ {reminder_line(reminder)}", fg="cyan"))

    def send_digest(self, user, items) -> None:
        """Print a daily digest: every due reminder of the user at once."""
        self.echo(click.style(f"⏰ {digest_text(items)}", fg="cyan"))

    def send_plan(self, user, plan) -> None:
        """Print the weekly plan."""
        self.echo(click.style(f"🗓 {plan_text(plan)}", fg="cyan"))

    def delivered(self, reminder, since) -> bool:
        """The terminal keeps no record to look in: a reminder whose printing was cut off prints again."""
        return False

    def deliver(self) -> None:
        """Print this user's reminders that are due now (each once, across sessions too)."""
        self.coach.deliver(self, self.clock(), user=self.user)

    def handle(self, line: str) -> bool:
        """Run one command (``bot.commands`` grammar, any name as a contact); False when the session should end."""
        command = commands.parse(line, names=True)
        now = self.clock()
        try:
            match command:
                case commands.Quit():
                    return False
                case commands.Hint(text=hint):
                    self.echo(hint)
                case commands.Check(draft=draft, to=to):
                    self.last_verdict = self.coach.check_draft(draft)
                    self.echo(render_verdict(self.last_verdict))
                    standing = self.coach.standing(self.user, to) if to else None
                    if standing is not None:
                        self.echo(click.style(standing_text(standing), fg="cyan"))
                case commands.Step(kind=kind, contact=contact, how=how):
                    self.echo(step_text(kind, self.coach.log_step(self.user, contact, kind, now, how), how))
                case commands.Circle(contact=contact, circle=circle):
                    self.echo(circle_text(self.coach.set_circle(self.user, contact, circle)))
                case commands.Ladder():
                    standings = self.coach.ladder(self.user)
                    lines = [f"  {line}" for line in ladder_lines(standings)]
                    self.echo("\n".join(lines) if standings else NO_RELATIONSHIPS)
                case commands.Plan():
                    self.echo(plan_text(self.coach.plan(self.user, now)))
                case commands.Sent(contact=contact):
                    logged = self.coach.record_outreach(self.user, contact, now, verdict=self.last_verdict)
                    self.last_verdict = None
                    due = logged.follow_up_due
                    self.echo(logged_text(logged.contact, f"{due:%a %d %b}" if due else None))
                case commands.Replied(contact=contact):
                    logged = self.coach.record_reply(self.user, contact, now)
                    self.echo(replied_text(logged.contact))
                case commands.Done(contact=contact):
                    n = self.coach.mark_done(self.user, contact)
                    self.echo(done_text(contact) if n else nothing_pending_text(contact))
                case commands.Snooze(contact=contact, days=days):
                    n = self.coach.snooze(self.user, contact, days, now)
                    self.echo(snoozed_text(contact, f"in {days} days") if n else nothing_pending_text(contact))
                case commands.Followups():
                    items = self.coach.followups(self.user, now)
                    self.echo("\n".join(f"  {reminder_line(r)}" for r in items) or NOTHING_DUE)
                case commands.Stats():
                    self.echo(stats_line(self.coach.stats(self.user, now)))
                case commands.Settings() | commands.Forget() | commands.Watch() | commands.Unwatch():
                    self.echo("That one is a command of its own here: see 'rapport --help'.")
                case _:
                    self.echo(CHAT_HELP)
        except (UnknownContactError, ValueError) as exc:
            self.echo(f"Hmm: {exc}")
        except OverflowError:
            self.echo("Hmm: that is too far ahead. Try a number of days up to a few years, e.g. `snooze sam 30`.")
        return True

    def run(self, read=input) -> None:
        """Read commands with ``read(prompt)`` until ``quit``, end of input (Ctrl-D) or Ctrl-C, delivering due
        reminders before each prompt. A blank line just prompts again."""
        self.echo("Rapport chat. Type 'help' for commands, 'quit' or Ctrl-D to leave.")
        while True:
            self.deliver()
            try:
                line = read("rapport> ")
            except (EOFError, KeyboardInterrupt):
                self.echo("")
                return
            if line.strip() and not self.handle(line):
                return


#: Lines of chat history kept between sessions.
HISTORY_LINES = 1000


def history_file() -> Path:
    """Where ``rapport chat`` keeps its line history (the lines typed, drafts too): Rapport's data folder."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("rapport")) / "chat_history"


def line_reader(history: Path | None = None):
    """``input`` with line editing and history (up/down arrows) through the standard library's ``readline``
    where Python has it; history persists in ``history`` (default: ``chat_history`` in Rapport's data folder)
    when that file can be written. Returns the ``read(prompt)`` callable for ``ConsoleChat.run``."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input, still Ctrl-D/Ctrl-Z to leave
        return input
    if history is None:
        history = history_file()
    with contextlib.suppress(OSError):  # first session, or no readable file: history starts empty
        readline.read_history_file(history)
    readline.set_history_length(HISTORY_LINES)

    def save() -> None:
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)
        except OSError:
            pass  # an unwritable data folder costs the history, not the session

    atexit.register(save)
    return input
