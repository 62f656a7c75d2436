"""The reminder queue: the reminder rows are the schedule, and a worker claims each row before sending it.

A claim is a conditional UPDATE (pending, and unclaimed or its lease ran out) whose row count says who won; it
works the same on SQLite and PostgreSQL, so two workers never both hold a row, and a row whose worker died is
claimed again once the lease ends. Around a send: ``begin_attempt`` records it first (so a later worker can ask
the platform whether it arrived), ``mark_sent`` ends it, ``back_off`` keeps the claim after a failure for twice
as long each time, ``set_aside`` gives up on a user the platform will never reach, and ``release`` hands back
what a stopping worker holds. Every function opens its own transaction from ``sessions``.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.ledger.ladder import nudge_stage
from bot.ledger.repo import FOLLOW_UP, KEEP_IN_TOUCH, get_user, schedule_follow_up, zone
from bot.ledger.schema import Contact, Outreach, Reminder, Reply, User
from bot.types import DueReminder, UserRef

log = logging.getLogger(__name__)

Sessions = sessionmaker[Session]
#: Failed sends wait ``retry`` after the first failure, twice as long after each further one, up to this.
MAX_RETRY = timedelta(hours=1)


def worker_name() -> str:
    """A name unique to this process and call: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claimable(now: datetime):
    """The SQL condition for a reminder a worker may claim at ``now``: pending, and unclaimed or its lease over."""
    return (Reminder.status == "pending") & or_(Reminder.claimed_by.is_(None), Reminder.claimed_until < now)


def not_planned():
    """The SQL condition for a reminder sent on its own: not a keep-in-touch nudge of a user who chose the weekly
    plan (the plan replaces those)."""
    return or_(User.weekly_plan.is_(False), Reminder.kind != KEEP_IN_TOUCH)


def as_due(session: Session, reminder: Reminder) -> tuple[DueReminder, User]:
    """A reminder row as the plain ``DueReminder`` a notifier gets, with its owner's row."""
    user = session.get(User, reminder.owner_id)
    contact = session.get(Contact, reminder.contact_id)
    ref = UserRef(user.platform, user.workspace, user.user_id)
    due_at = reminder.due_at.astimezone(zone(user.timezone))
    step = _next_stage(session, reminder) if reminder.kind == KEEP_IN_TOUCH else None
    return DueReminder(reminder.id, ref, contact.display, reminder.kind, reminder.seq, due_at, step), user


def _next_stage(session: Session, reminder: Reminder) -> str | None:
    """For a keep-in-touch nudge: the rung it proposes (``bot.ledger.ladder.nudge_stage``), or None."""
    return nudge_stage(session, session.get(User, reminder.owner_id), session.get(Contact, reminder.contact_id))


def due(sessions: Sessions, now: datetime, user: UserRef | None = None) -> list[DueReminder]:
    """Pending reminders due at ``now`` (all users, or one), oldest first, due times in each user's zone; claims
    are not considered, nor keep-in-touch nudges of users who chose the weekly plan (it replaces them)."""
    with sessions() as session:
        query = (
            select(Reminder, Contact.display, User.platform, User.workspace, User.user_id, User.timezone)
            .join(Contact, Contact.id == Reminder.contact_id)
            .join(User, User.id == Reminder.owner_id)
            .where(Reminder.status == "pending", Reminder.due_at <= now, not_planned())
        )
        if user is not None:
            owner = get_user(session, user)
            if owner is None:
                return []
            query = query.where(Reminder.owner_id == owner.id)
        rows = session.execute(query.order_by(Reminder.due_at, Reminder.id)).all()
        return [
            DueReminder(
                r.id,
                UserRef(platform, workspace, user_id),
                display,
                r.kind,
                r.seq,
                r.due_at.astimezone(zone(tz)),
                _next_stage(session, r) if r.kind == KEEP_IN_TOUCH else None,
            )
            for r, display, platform, workspace, user_id, tz in rows
        ]


def due_ids(
    sessions: Sessions, now: datetime, *, limit: int = 500, user: UserRef | None = None, platform: str | None = None
) -> list[int]:
    """The ids a worker tries to claim at ``now``: due, claimable, of users without the daily digest (all users,
    one platform's or one user's), oldest first, at most ``limit``. This is the query the delivery rounds run."""
    with sessions() as session:
        query = (
            select(Reminder.id)
            .join(User, User.id == Reminder.owner_id)
            .where(Reminder.due_at <= now, claimable(now), User.daily_digest.is_(False), not_planned())
        )
        if user is not None:
            owner = get_user(session, user)
            if owner is None:
                return []
            query = query.where(Reminder.owner_id == owner.id)
        if platform is not None:
            query = query.where(User.platform == platform)
        return list(session.scalars(query.order_by(Reminder.due_at, Reminder.id).limit(limit)))


def claim(sessions: Sessions, reminder_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
    """Atomically take one reminder for ``worker`` until ``now + lease``; False if someone else has it."""
    with sessions.begin() as session:
        result = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, claimable(now))
            .values(claimed_by=worker, claimed_until=now + lease)
        )
        return result.rowcount == 1


def claimed(sessions: Sessions, reminder_id: int) -> tuple[DueReminder, User, datetime | None, int]:
    """A claimed reminder: as due, its owner's row, when a send was first attempted (or None), and how many times."""
    with sessions() as session:
        row = session.get(Reminder, reminder_id)
        item, owner = as_due(session, row)
        return item, owner, row.attempted_at, row.attempts


def begin_attempt(sessions: Sessions, reminder_id: int, worker: str, now: datetime) -> None:
    """Record, before sending, that a send is starting (the first attempt's time is kept)."""
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
            .values(attempted_at=func.coalesce(Reminder.attempted_at, now), attempts=Reminder.attempts + 1)
        )


def back_off(
    sessions: Sessions, reminder_id: int, worker: str, now: datetime, attempts: int, retry: timedelta
) -> timedelta:
    """Keep the claim for a while after a failure, twice as long for each attempt so far: the next try waits.

    Returns the wait: ``retry * 2 ** (attempts - 1)``, at most ``MAX_RETRY``.
    """
    wait = min(retry * 2 ** max(attempts - 1, 0), MAX_RETRY)
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
            .values(claimed_until=now + wait)
        )
    return wait


def unclaim(sessions: Sessions, reminder_id: int, worker: str, due_at: datetime | None = None) -> None:
    """Hand back one reminder (due at ``due_at`` from now on, when given: e.g. after the user's quiet hours)."""
    values: dict = {"claimed_by": None, "claimed_until": None}
    if due_at is not None:
        values["due_at"] = due_at
    with sessions.begin() as session:
        session.execute(
            update(Reminder).where(Reminder.id == reminder_id, Reminder.claimed_by == worker).values(**values)
        )


def release(sessions: Sessions, worker: str) -> int:
    """Hand back every pending reminder ``worker`` still holds (on a graceful stop); returns how many."""
    with sessions.begin() as session:
        return session.execute(
            update(Reminder)
            .where(Reminder.claimed_by == worker, Reminder.status == "pending")
            .values(claimed_by=None, claimed_until=None)
        ).rowcount


def set_aside(
    sessions: Sessions, reminder_id: int, worker: str, owner_id: int, notice: str | None = "dm_closed"
) -> None:
    """The platform will never take this reminder: stop retrying, and leave its user ``notice`` (a key of
    ``bot.wording.NOTICES``; None leaves none)."""
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
            .values(status="undeliverable", claimed_until=None)
        )
        if notice is not None:
            session.execute(update(User).where(User.id == owner_id).values(notice=notice))


def mark_sent(sessions: Sessions, reminder_id: int, worker: str, now: datetime) -> bool:
    """Mark sent and, for a follow-up still unanswered, schedule the next one (up to the user's maximum).

    False if the claim had moved on (another worker took the row after this one's lease ran out).
    """
    with sessions.begin() as session:
        result = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker, Reminder.status == "pending")
            .values(status="sent", sent_at=now, claimed_until=None)
        )
        if result.rowcount != 1:
            log.warning("reminder %s was delivered but its claim had moved on", reminder_id)
            return False
        reminder = session.get(Reminder, reminder_id)
        if reminder.kind == FOLLOW_UP and reminder.outreach_id is not None:
            user = session.get(User, reminder.owner_id)
            outreach = session.get(Outreach, reminder.outreach_id)
            replied = session.scalar(
                select(Reply.id).where(Reply.contact_id == outreach.contact_id, Reply.at >= outreach.at)
            )
            if replied is None and reminder.seq < user.max_follow_ups:
                schedule_follow_up(session, user, outreach, reminder.seq + 1, now)
        return True


def _users_of(query, only: UserRef | None, platform: str | None):
    """``query`` over ``User`` narrowed to one user (``only``) and/or one platform (None: no narrowing)."""
    if only is not None:
        query = query.where(
            User.platform == only.platform, User.workspace == only.workspace, User.user_id == only.user_id
        )
    if platform is not None:
        query = query.where(User.platform == platform)
    return query


# -- the daily digest: a user's day is claimed, then all their due reminders ------------------------------------
def digest_users(sessions: Sessions, now: datetime, only: UserRef | None, platform: str | None) -> list[User]:
    """Users who chose the daily digest and have a claimable reminder due at ``now``."""
    with sessions() as session:
        query = (
            select(User)
            .join(Reminder, Reminder.owner_id == User.id)
            .where(User.daily_digest.is_(True), Reminder.due_at <= now, claimable(now), not_planned())
            .distinct()
        )
        return list(session.scalars(_users_of(query, only, platform)))


def claim_day(sessions: Sessions, owner_id: int, start_of_day: datetime, now: datetime) -> bool:
    """Take the user's digest for the day that began at ``start_of_day``; False if it was already taken."""
    with sessions.begin() as session:
        return (
            session.execute(
                update(User)
                .where(User.id == owner_id, or_(User.last_digest_at.is_(None), User.last_digest_at < start_of_day))
                .values(last_digest_at=now)
            ).rowcount
            == 1
        )


def give_back_day(sessions: Sessions, owner_id: int, previous: datetime | None) -> None:
    """Undo ``claim_day`` after a failed send, so a later run retries."""
    with sessions.begin() as session:
        session.execute(update(User).where(User.id == owner_id).values(last_digest_at=previous))


def claim_all_due(sessions: Sessions, owner_id: int, worker: str, now: datetime, lease: timedelta) -> list[DueReminder]:
    """Claim every claimable reminder of the user due at ``now``; returns those ``worker`` holds, oldest first."""
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.owner_id == owner_id, Reminder.due_at <= now, claimable(now))
            .where(Reminder.id.in_(select(Reminder.id).join(User, User.id == Reminder.owner_id).where(not_planned())))
            .values(claimed_by=worker, claimed_until=now + lease)
        )
    with sessions() as session:
        mine = session.scalars(
            select(Reminder)
            .where(Reminder.claimed_by == worker, Reminder.owner_id == owner_id)
            .order_by(Reminder.due_at, Reminder.id)
        )
        return [as_due(session, r)[0] for r in mine]


# -- the weekly plan: a user's week is claimed, like a digest's day -----------------------------------------------
def plan_users(sessions: Sessions, only: UserRef | None, platform: str | None) -> list[User]:
    """Users who chose the weekly plan (all, one platform's, or one)."""
    with sessions() as session:
        query = select(User).where(User.weekly_plan.is_(True))
        return list(session.scalars(_users_of(query, only, platform)))


def claim_week(sessions: Sessions, owner_id: int, start_of_week: datetime, now: datetime, lease: timedelta) -> bool:
    """Lease the user's plan for the week that began at ``start_of_week`` until ``now + lease``; False if that
    week's plan went out already or another worker holds an unexpired lease on it: a conditional UPDATE whose row
    count says who won. A worker that crashes before ``week_done`` loses the lease when it ends, so a later
    round sends the plan (at least once, never lost)."""
    with sessions.begin() as session:
        return (
            session.execute(
                update(User)
                .where(
                    User.id == owner_id,
                    or_(User.last_plan_at.is_(None), User.last_plan_at < start_of_week),
                    or_(User.plan_claimed_until.is_(None), User.plan_claimed_until <= now),
                )
                .values(plan_claimed_until=now + lease)
            ).rowcount
            == 1
        )


def week_done(sessions: Sessions, owner_id: int, now: datetime) -> None:
    """Record that this week's plan went out (or had nobody in it) at ``now`` and end the lease."""
    with sessions.begin() as session:
        session.execute(update(User).where(User.id == owner_id).values(last_plan_at=now, plan_claimed_until=None))


def give_back_week(sessions: Sessions, owner_id: int) -> None:
    """End the lease of ``claim_week`` after a failed send, so a later round retries at once."""
    with sessions.begin() as session:
        session.execute(update(User).where(User.id == owner_id).values(plan_claimed_until=None))


def set_notice(sessions: Sessions, owner_id: int, notice: str) -> None:
    """Leave the user a one-time ``notice`` (e.g. ``"dm_closed"``) for their next interaction."""
    with sessions.begin() as session:
        session.execute(update(User).where(User.id == owner_id).values(notice=notice))
