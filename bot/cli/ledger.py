"""The ledger from the command line: ``log``, ``export``, ``forget``, ``followups``, ``stats``, ``remind``, ``done``,
``snooze``, ``settings``, ``chat`` and ``db``."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from bot.cli.base import (
    TERMINAL,
    at_option,
    fail,
    ledger_coach,
    ledger_errors,
    local_user,
    main,
    now_option,
    parse_time,
    reminder_json,
    shown,
    user_option,
)
from bot.types import SNOOZE_DAYS_ERROR, UnknownContactError
from bot.wording import NOTHING_DUE, NOTHING_TO_FORGET, digest_text, plan_text, reminder_line, stats_line


@main.group()
def log() -> None:
    """Record outreach and replies; show your log."""


@log.command(name="sent")
@click.argument("contact")
@click.option("--note", help="A private note for yourself (the only text Rapport keeps).")
@at_option
@user_option
@ledger_errors
def log_sent(contact: str, note: str | None, at: str | None, user: str | None) -> None:
    """Record that you reached out to CONTACT (a name or @handle).

    \b
    Example:
      rapport log sent "Dana Lee" --note "met at PyCon"
    """
    when = parse_time(at)
    try:
        logged = ledger_coach().record_outreach(local_user(user), contact, when, note=note)
    except ValueError as exc:
        fail(str(exc))
    if logged.follow_up_due is None:
        click.echo(f"Logged: you reached out to {logged.contact} (earlier than your last outreach to them).")
        return
    due = shown(logged.follow_up_due)
    click.echo(f"Logged: you reached out to {logged.contact}. I'll remind you to follow up on {due}.")


@log.command(name="replied")
@click.argument("contact")
@at_option
@user_option
@ledger_errors
def log_replied(contact: str, at: str | None, user: str | None) -> None:
    """Record that CONTACT replied to you (cancels pending follow-ups)."""
    try:
        logged = ledger_coach().record_reply(local_user(user), contact, parse_time(at))
    except (UnknownContactError, ValueError) as exc:
        fail(str(exc))
    note = f" Cancelled {logged.cancelled_follow_ups} pending follow-up(s)." if logged.cancelled_follow_ups else ""
    click.echo(f"Logged: {logged.contact} replied.{note}")


@log.command(name="show")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON (the same as 'rapport export').")
@user_option
@ledger_errors
def log_show(as_json: bool, user: str | None) -> None:
    """Whom you reached, who replied, and your reply stats."""
    coach = ledger_coach()
    ref = local_user(user)
    data = coach.export(ref)
    if as_json:
        click.echo(json.dumps({**data, "stats": asdict(coach.stats(ref))}, indent=2))
        return
    if not data["contacts"]:
        click.echo('Nothing logged yet. Try: rapport log sent "Dana Lee"')
        return
    tz = ZoneInfo(data["settings"]["timezone"])
    for c in data["contacts"]:
        click.echo(f"  {c['contact']}: {'; '.join(contact_parts(c, tz))}")
    # the totals and rungs only: the reply rates with their intervals are 'rapport stats' (SciPy takes ~0.7 s)
    totals = replace(coach.stats(ref), by_draft_label={}, by_question={})
    click.echo(stats_line(totals))
    if data["contacts"] and any(o.get("pitch_label") for c in data["contacts"] for o in c["outreach"]):
        click.echo("Reply rates by how your drafts read: rapport stats")


def contact_parts(contact: dict, tz: ZoneInfo) -> list[str]:
    """What ``log show`` says of one exported contact: its steps off the feed, outreach and replies, times in
    ``tz``; a contact with steps only has no outreach or reply part."""

    def when(iso: str) -> str:
        return f"{datetime.fromisoformat(iso).astimezone(tz):%Y-%m-%d %H:%M %Z}"

    parts = []
    if contact.get("steps"):
        how = {id(s): f" ({s['how']})" if s.get("how") else "" for s in contact["steps"]}
        parts.append(", ".join(f"{s['kind']}{how[id(s)]} {when(s['at'])}" for s in contact["steps"]))
    if contact["outreach"]:
        parts.append(f"reached out {', '.join(when(o['at']) for o in contact['outreach'])}")
    if contact["replies"]:
        parts.append(f"replied {', '.join(when(r) for r in contact['replies'])}")
    elif contact["outreach"]:
        parts.append("no reply yet")
    return parts or ["nothing logged"]


@main.command()
@click.option(
    "--json", "as_json", is_flag=True, default=True, help="JSON output (the only format; accepted for scripts)."
)
@user_option
@ledger_errors
def export(as_json: bool, user: str | None) -> None:
    """Print everything Rapport holds about you, as JSON."""
    click.echo(json.dumps(ledger_coach().export(local_user(user)), indent=2))


@main.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@user_option
@ledger_errors
def forget(yes: bool, user: str | None) -> None:
    """Delete everything Rapport holds about you."""
    ref = local_user(user)
    if not yes:
        click.confirm(f"Delete all outreach, replies, reminders and chat history of {ref.user_id}?", abort=True)
    gone = ledger_coach().forget(ref)
    from bot.adapters.console import history_file

    history = history_file()  # the chat's typed lines hold drafts and names: they go too
    if history.exists():
        history.unlink()
        gone = True
    click.echo("Done: everything about you is deleted." if gone else NOTHING_TO_FORGET)


@main.command()
@now_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@user_option
@ledger_errors
def followups(now: str | None, as_json: bool, user: str | None) -> None:
    """List follow-ups and keep-in-touch nudges that are due."""
    items = ledger_coach().followups(local_user(user), parse_time(now))
    if as_json:
        click.echo(json.dumps([reminder_json(r) for r in items]))
        return
    if not items:
        click.echo(NOTHING_DUE)
    for r in items:
        click.echo(f"  {reminder_line(r)}")


@main.command()
@click.option("--all", "everyone", is_flag=True, help="Totals across every user of this database (no one named).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@user_option
@ledger_errors
def stats(everyone: bool, as_json: bool, user: str | None) -> None:
    """Reply rates, and how often 'Not a pitch' was pressed.

    With --all: how often a pitch verdict was marked 'Not a pitch' (the measured false-positive rate).
    """
    coach = ledger_coach()
    if everyone:
        fb = coach.feedback()
        data = {**asdict(fb), "disputed_rate": fb.disputed_rate}
        if as_json:
            click.echo(json.dumps(data))
            return
        rate = f"{fb.disputed_rate:.1%}" if fb.disputed_rate is not None else "n/a"
        click.echo(
            f"{fb.checks} drafts checked by {fb.users} people; {fb.pitch_checks} read as a pitch, "
            f"{fb.disputed} of those marked 'Not a pitch' ({rate})."
        )
        return
    result = coach.stats(local_user(user), parse_time(None))
    click.echo(json.dumps(stats_json(result)) if as_json else stats_line(result))


def stats_json(result) -> dict:
    """``Stats`` as JSON-ready data, each reply rate with its Wilson 95% interval: ``by_draft_label`` maps a label
    to ``{"sent", "replied", "rate", "interval": [low, high]}`` (fractions 0-1; rate and interval null for 0 sent),
    ``by_question`` the same under "question_led" and "other"."""
    from bot.evidence import Rate

    def rate(sent_replied) -> dict:
        r = Rate(*sent_replied)
        return {"sent": r.sent, "replied": r.replied, "rate": r.rate, "interval": list(r.interval or ()) or None}

    data = asdict(result)
    data["by_draft_label"] = {label: rate(v) for label, v in result.by_draft_label.items()}
    names = {True: "question_led", False: "other"}
    data["by_question"] = {names[led]: rate(v) for led, v in result.by_question.items()}
    return data


@main.command()
@now_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per delivered reminder.")
@ledger_errors
def remind(now: str | None, as_json: bool) -> None:
    """Print the terminal users' due reminders once (for cron).

    Slack and Discord users' reminders are left to their bots, which send them as DMs.

    \b
    Example (crontab, every 10 minutes):
      */10 * * * * rapport remind

    SIGTERM stops it after the reminder being printed; what was not reached stays due for the next run.
    """
    import signal
    import threading

    from bot.reminders import worker_name

    class Printer:
        def send(self, reminder) -> None:
            click.echo(json.dumps(reminder_json(reminder)) if as_json else reminder_line(reminder))

        def send_digest(self, user, items) -> None:
            if as_json:
                for reminder in items:
                    click.echo(json.dumps({**reminder_json(reminder), "digest": True}))
            else:
                click.echo(digest_text(items))

        def send_plan(self, user, plan) -> None:
            if as_json:
                items = [{"contact": i.contact, "action": i.action, "minutes": i.minutes} for i in plan.items]
                click.echo(json.dumps({"user": user.user_id, "plan": items, "minutes": plan.minutes}))
            else:
                click.echo(plan_text(plan))

        def delivered(self, reminder, since) -> bool:
            """Standard output keeps no record to look in: a reminder whose printing was cut off prints again."""
            return False

    stop, worker = threading.Event(), worker_name()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    coach = ledger_coach()
    try:
        coach.deliver(Printer(), parse_time(now), worker=worker, stop=stop, platform=TERMINAL)
    finally:
        coach.release(worker)


@main.command()
@click.argument("contact")
@user_option
@ledger_errors
def done(contact: str, user: str | None) -> None:
    """Stop the follow-up reminders for CONTACT (you handled it)."""
    try:
        n = ledger_coach().mark_done(local_user(user), contact)
    except (UnknownContactError, ValueError) as exc:
        fail(str(exc))
    click.echo(
        f"Done: {n} follow-up reminder(s) for {contact} ended." if n else f"No pending follow-ups for {contact}."
    )


@main.command()
@click.argument("contact")
@click.option("--days", default="3", show_default=True, help="How many days to push back (1-365).")
@now_option
@user_option
@ledger_errors
def snooze(contact: str, days: str, now: str | None, user: str | None) -> None:
    """Push CONTACT's pending reminders back by a few days.

    They move from when they were due, or from now if that is later.
    """
    if not days.strip().isdigit():
        fail(f"invalid value for '--days': {SNOOZE_DAYS_ERROR}")
    try:
        moved = ledger_coach().snooze(local_user(user), contact, int(days), parse_time(now))
    except UnknownContactError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(f"invalid value for '--days': {exc}" if str(exc) == SNOOZE_DAYS_ERROR else str(exc))
    if not moved:
        click.echo(f"Nothing pending for {contact}.")
        return
    click.echo(f"Snoozed {len(moved)} reminder(s) for {contact}; the next is due {shown(moved[0])}.")


@main.command(name="settings")
@click.option("--follow-up-days", type=int, help="Days without a reply before a follow-up reminder (1-60).")
@click.option("--max-follow-ups", type=int, help="Follow-up reminders per outreach at most (0-5).")
@click.option("--keep-in-touch-days", type=int, help="Days after the last exchange for a keep-in-touch nudge (1-365).")
@click.option("--quiet-hours", metavar="START-END", help="Hours with no reminders, e.g. 21-8.")
@click.option("--timezone", help="Your time zone, e.g. Europe/Berlin (quiet hours use it).")
@click.option(
    "--daily-digest/--separate-reminders", default=None, help="One message a day instead of one per reminder."
)
@click.option("--weekly-plan/--no-weekly-plan", default=None, help="One plan a week instead of keep-in-touch nudges.")
@click.option("--budget", "weekly_budget_minutes", type=int, help="Minutes a week for keeping in touch (10-1200).")
@click.option("--cost-message", type=int, help="Minutes a message takes, for the plan (1-120).")
@click.option("--cost-call", type=int, help="Minutes a call takes (1-240).")
@click.option("--cost-coffee", type=int, help="Minutes a coffee takes (1-480).")
@user_option
@ledger_errors
def settings_command(
    follow_up_days,
    max_follow_ups,
    keep_in_touch_days,
    quiet_hours,
    timezone,
    daily_digest,
    user: str | None,
    **plan_settings,
) -> None:
    """Show or change your reminder settings.

    \b
    Example:
      rapport settings --follow-up-days 5 --quiet-hours 21-8 --timezone Europe/Berlin
    """
    changes = {
        "follow_up_days": follow_up_days,
        "max_follow_ups": max_follow_ups,
        "keep_in_touch_days": keep_in_touch_days,
        "timezone": timezone,
        "daily_digest": daily_digest,
        **plan_settings,
    }
    if quiet_hours is not None:
        try:
            start, end = (int(part) for part in quiet_hours.split("-"))
        except ValueError:
            raise click.BadParameter("use START-END in whole hours, e.g. 21-8", param_hint="--quiet-hours") from None
        if not (0 <= start <= 23 and 0 <= end <= 23):
            raise click.BadParameter("hours are 0-23, e.g. 21-8", param_hint="--quiet-hours")
        changes.update(quiet_start_hour=start, quiet_end_hour=end)
    try:
        current = ledger_coach().update_settings(local_user(user), parse_time(None), **changes)
    except ValueError as exc:
        said = as_options(str(exc))
        fail(said if said.endswith(")") else f"{said} (see 'rapport settings --help')")
    for name, value in current.items():
        option, unit = SETTING_OPTIONS.get(name, (f"--{name.replace('_', '-')}", ""))
        if name == "quiet_end_hour":
            continue
        if name == "quiet_start_hour":
            value = f"{value}-{current.get('quiet_end_hour')}"
        shown = ("on" if value else "off") if isinstance(value, bool) else f"{value}{unit}"
        click.echo(f"  {option}: {shown}")


#: Each setting's option in ``rapport settings`` and the unit its value is shown with.
SETTING_OPTIONS = {
    "timezone": ("--timezone", ""),
    "follow_up_days": ("--follow-up-days", " days"),
    "max_follow_ups": ("--max-follow-ups", ""),
    "keep_in_touch_days": ("--keep-in-touch-days", " days"),
    "quiet_start_hour": ("--quiet-hours", " (hours, your time zone)"),
    "quiet_end_hour": ("--quiet-hours", ""),
    "daily_digest": ("--daily-digest", ""),
    "channel_coaching": ("channel coaching (Slack and Discord)", ""),
    "weekly_plan": ("--weekly-plan", ""),
    "weekly_budget_minutes": ("--budget", " min a week"),
    "cost_message": ("--cost-message", " min"),
    "cost_call": ("--cost-call", " min"),
    "cost_coffee": ("--cost-coffee", " min"),
}


def as_options(message: str) -> str:
    """The coach's settings error with each setting's field name (``weekly_budget_minutes``) replaced by the option
    that sets it (``--budget``)."""
    names = sorted(SETTING_OPTIONS, key=len, reverse=True)
    return re.sub(r"\b(" + "|".join(names) + r")\b", lambda m: SETTING_OPTIONS[m.group(1)][0], message)


@main.command()
@user_option
@ledger_errors
def chat(user: str | None) -> None:
    """A terminal session: check drafts, log outreach, see reminders.

    Line editing and history (up/down arrows) where the terminal has them; Ctrl-D or 'quit' leaves.
    Reminders print as they come due.

    \b
    Example:
      rapport chat --user dana
    """
    from bot.adapters.console import ConsoleChat, line_reader

    coach = ledger_coach()  # the model loads on the first check, so the session opens at once
    ConsoleChat(coach, local_user(user)).run(read=line_reader())


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command(name="upgrade")
@ledger_errors
def db_upgrade() -> None:
    """Apply database migrations (also done on start)."""
    ledger_coach()
    click.echo("The database is up to date.")
