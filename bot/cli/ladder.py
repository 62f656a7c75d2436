"""The relationship ladder from the command line: ``log met|called|emailed``, ``ladder``, ``circle`` and ``plan``
(``plan --demo`` shows a week's plan on seeded data, in a throwaway database)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from bot.cli.base import (
    at_option,
    fail,
    ledger_coach,
    ledger_errors,
    local_user,
    main,
    now_option,
    parse_time,
    user_option,
)
from bot.cli.ledger import log
from bot.types import CIRCLE_NAMES, MEET_HOW, UnknownContactError, UserRef
from bot.wording import NO_RELATIONSHIPS, circle_text, ladder_lines, plan_text, step_text


def _step(kind: str, contact: str, how: str | None, at, user: str | None) -> None:
    try:
        standing = ledger_coach().log_step(local_user(user), contact, kind, parse_time(at), how)
    except ValueError as exc:
        fail(str(exc))
    click.echo(step_text(kind, standing, how))


@log.command(name="met", short_help="Record that you met CONTACT.")
@click.argument("contact")
@click.option("--how", type=click.Choice(MEET_HOW, case_sensitive=False), help="How you met (any case).")
@at_option
@user_option
@ledger_errors
def log_met(contact: str, how: str | None, at, user: str | None) -> None:
    """Record that you met CONTACT (the top rung of the ladder).

    \b
    Example:
      rapport log met "Dana Lee" --how coffee
    """
    _step("met", contact, how, at, user)


@log.command(name="called")
@click.argument("contact")
@at_option
@user_option
@ledger_errors
def log_called(contact: str, at, user: str | None) -> None:
    """Record that you talked to CONTACT on the phone (off the feed)."""
    _step("called", contact, None, at, user)


@log.command(name="emailed")
@click.argument("contact")
@at_option
@user_option
@ledger_errors
def log_emailed(contact: str, at, user: str | None) -> None:
    """Record that you emailed CONTACT (off the feed)."""
    _step("emailed", contact, None, at, user)


@main.command(short_help="Where each relationship stands.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@user_option
@ledger_errors
def ladder(as_json: bool, user: str | None) -> None:
    """Where each relationship stands: connected, in conversation, talked off the feed, met."""
    rows = ledger_coach().ladder(local_user(user))
    if as_json:
        click.echo(json.dumps([{**_plain(s)} for s in rows]))
        return
    click.echo("\n".join(f"  {line}" for line in ladder_lines(rows)) if rows else NO_RELATIONSHIPS)


def _plain(standing) -> dict:
    from dataclasses import asdict

    data = asdict(standing)
    data["last_at"] = standing.last_at.isoformat() if standing.last_at else None
    return data


@main.command(short_help="How often to keep in touch with CONTACT.")
@click.argument("contact")
@click.argument("circle", type=click.Choice([*CIRCLE_NAMES, "default"]))
@user_option
@ledger_errors
def circle(contact: str, circle: str, user: str | None) -> None:
    """Put CONTACT in a CIRCLE: close (every 2 weeks), regular (monthly), wider (quarterly), or back to the
    default from where the relationship stands."""
    try:
        standing = ledger_coach().set_circle(local_user(user), contact, None if circle == "default" else circle)
    except UnknownContactError as exc:
        fail(str(exc))
    click.echo(circle_text(standing))


@main.command(short_help="Whom to reach this week, within your budget.")
@click.option(
    "--demo", is_flag=True, help="Show a week's plan on seeded data (a throwaway database; yours is untouched)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@now_option
@user_option
@ledger_errors
def plan(demo: bool, as_json: bool, now, user: str | None) -> None:
    """This week's plan: whom to reach and how (a message, a call, a coffee), within your weekly budget.

    \b
    Examples:
      rapport plan
      rapport plan --demo
      rapport settings --weekly-plan --budget 90
    """
    if demo and now is not None:
        fail("--demo shows a fixed week on seeded data and takes no --now (drop one of them)")
    if demo:
        with tempfile.TemporaryDirectory() as folder:
            from bot.coach import Coach

            coach = Coach.open(f"sqlite:///{Path(folder) / 'demo.db'}")
            me, monday = seed_demo(coach)
            click.echo(plan_json(coach.plan(me, monday)) if as_json else plan_text(coach.plan(me, monday)))
            coach.close()
        return
    week = ledger_coach().plan(local_user(user), parse_time(now))
    click.echo(plan_json(week) if as_json else plan_text(week))


def plan_json(week) -> str:
    """A ``WeeklyPlan`` as one JSON object: ``week_start`` (ISO 8601), ``budget``, ``minutes``, ``waiting``, ``needed``
    and ``items`` (each ``contact``, ``action``, ``minutes``, ``due_at``, ``circle``, ``stage``)."""
    items = [{**asdict(item), "due_at": item.due_at.isoformat()} for item in week.items]
    return json.dumps({**asdict(week), "week_start": week.week_start.isoformat(), "items": items})


#: The demo's week: it starts on this Monday (UTC).
DEMO_MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def seed_demo(coach) -> tuple[UserRef, datetime]:
    """Seed ``coach``'s ledger with a small, fixed network for ``plan --demo``; returns the user and the Monday."""
    me = UserRef("cli", "demo", "you")
    day = timedelta(days=1)
    monday = DEMO_MONDAY

    def talk(name: str, days_ago: int, rounds: int = 1) -> None:
        for n in range(rounds):
            at = monday - (days_ago + 2 * (rounds - n)) * day
            coach.record_outreach(me, name, at, now=monday)
            coach.record_reply(me, name, at + timedelta(hours=3), now=monday)

    talk("Dana Lee", 20, rounds=2)
    coach.log_step(me, "Dana Lee", "met", monday - 16 * day, how="coffee", now=monday)  # close: due 2 days ago
    talk("Sam Ortiz", 40, rounds=2)
    coach.log_step(me, "Sam Ortiz", "called", monday - 33 * day, now=monday)  # regular: due 3 days ago -> a call
    talk("Priya Nair", 95)  # wider: due a week ago -> a message
    talk("Lee Chen", 28, rounds=2)  # in conversation, back and forth: regular, due as the week begins
    talk("Marta Rossi", 10)
    coach.log_step(me, "Marta Rossi", "met", monday - 9 * day, how="lunch", now=monday)  # close: due in 5 days -> waits
    talk("Jo Park", 200)  # wider, months overdue: first
    # connected, no reply yet: follow-ups, not the plan
    coach.record_outreach(me, "Alex Kim", monday - 5 * day, now=monday)
    return me, monday
