"""Deliver due reminders and daily digests once each, through whatever ``Notifier`` the adapter supplies.

The reminder rows are the schedule, and the queue (``bot.ledger.queue``) hands each one to one worker: claimed,
attempted, then marked sent. Two workers never both claim a row. A worker that dies after claiming leaves the
row to be claimed again once the lease expires, so nothing due is lost. Watched channels' digests are
``bot.channel_digests``.

A send that failed or never finished may still have reached the platform (it took the message, then the
answer was lost, or the worker was killed before marking the row). Such a row keeps ``attempted_at``, and
the next attempt first asks the platform (``Notifier.delivered``) whether that message is there: if it is,
the row is marked sent without sending again. So a reminder is delivered once, not at least once. Failed
sends wait before the next try, twice as long each time (``retry`` up to ``MAX_RETRY``).

A worker stopping gracefully passes ``stop``: the send in flight finishes and is recorded, nothing new is
claimed, and ``release`` hands back whatever the worker still holds.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot import channel_digests
from bot.ledger import queue
from bot.ledger.db import describe
from bot.ledger.queue import claim, due, release, worker_name
from bot.ledger.repo import outside_quiet_hours, zone
from bot.plan import week_start
from bot.relationships import weekly_plan
from bot.types import (
    DEFAULT_LEASE,
    DEFAULT_RETRY,
    ChannelDigest,
    DueReminder,
    Notifier,
    Stop,
    Unavailable,
    Undeliverable,
    UserRef,
    WeeklyPlan,
)

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_RETRY",
    "ChannelDigest",
    "DueReminder",
    "Notifier",
    "Undeliverable",
    "claim",
    "deliver_due",
    "due",
    "release",
    "worker_name",
]

log = logging.getLogger(__name__)

#: ``Notifier.delivered`` is asked about messages from this long before the first attempt (clocks differ a little).
LOOKBACK = timedelta(minutes=10)


def deliver_due(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    now: datetime,
    *,
    worker: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    retry: timedelta = DEFAULT_RETRY,
    limit: int = 500,
    user: UserRef | None = None,
    platform: str | None = None,
    stop: Stop | None = None,
) -> list[DueReminder]:
    """Deliver every reminder due at ``now`` (all users', one platform's, or one user's) this worker can claim.

    Returns what was delivered. When ``stop`` is set, the send in flight finishes and no more are claimed.
    Database errors propagate (SQLAlchemy's); a notifier's errors are handled per reminder.
    """
    worker = worker or worker_name()
    delivered: list[DueReminder] = []
    for reminder_id in queue.due_ids(sessions, now, limit=limit, user=user, platform=platform):
        if stop is not None and stop.is_set():
            break
        if not claim(sessions, reminder_id, worker, now, lease):
            continue
        item, owner, attempted_at, attempts = queue.claimed(sessions, reminder_id)
        wake = outside_quiet_hours(owner, now)
        if wake > now:  # the user's quiet hours began after this was scheduled: wait for morning
            queue.unclaim(sessions, reminder_id, worker, due_at=wake)
            continue
        if attempted_at is not None:
            try:
                arrived = notifier.delivered(item, attempted_at - LOOKBACK)
            except Exception as exc:
                log.warning("cannot tell whether reminder %s arrived (%s); will ask again", reminder_id, _why(exc))
                queue.back_off(sessions, reminder_id, worker, now, attempts, retry)
                continue
            if arrived:
                log.info("reminder %s had arrived on an earlier attempt; not sending it again", reminder_id)
                if queue.mark_sent(sessions, reminder_id, worker, now):
                    delivered.append(item)
                continue
        queue.begin_attempt(sessions, reminder_id, worker, now)
        try:
            notifier.send(item)
        except Undeliverable as exc:
            log.warning("reminder %s cannot reach its user (%s); set aside, the user will be told", reminder_id, exc)
            queue.set_aside(sessions, reminder_id, worker, owner.id, exc.notice)
            continue
        except Exception as exc:
            wait = queue.back_off(sessions, reminder_id, worker, now, attempts + 1, retry)
            log.warning(
                "reminder %s was not delivered (%s); retrying in %.0f s", reminder_id, _why(exc), wait.total_seconds()
            )
            continue
        if queue.mark_sent(sessions, reminder_id, worker, now):
            delivered.append(item)
    if stop is not None and stop.is_set():
        return delivered
    delivered += _deliver_digests(sessions, notifier, now, worker, lease, user, platform)
    if stop is None or not stop.is_set():
        deliver_plans(sessions, notifier, now, user, platform, lease)
    return delivered


def deliver_plans(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    now: datetime,
    only: UserRef | None,
    platform: str | None,
    lease: timedelta = DEFAULT_LEASE,
) -> list[WeeklyPlan]:
    """One weekly plan per user who chose it, at the first round of their week (Monday, their zone) outside their
    quiet hours. A worker first leases the user's week for ``lease`` (a conditional UPDATE: of two workers, one
    wins); after the send it records the week as done. A failed send ends the lease so a later round retries; a
    crash leaves the lease to run out, and a later round sends the plan. A week with nobody due sends nothing.
    Returns the plans sent."""
    sent: list[WeeklyPlan] = []
    for owner in queue.plan_users(sessions, only, platform):
        if outside_quiet_hours(owner, now) > now:
            continue
        start = week_start(now.astimezone(zone(owner.timezone)))
        if owner.last_plan_at is not None and owner.last_plan_at >= start:  # this week's went out (as read)
            continue
        if not queue.claim_week(sessions, owner.id, start, now, lease):
            continue
        ref = UserRef(owner.platform, owner.workspace, owner.user_id)
        with sessions() as session:
            weekly = weekly_plan(session, ref, now)
        if not weekly.items and not weekly.waiting:
            queue.week_done(sessions, owner.id, now)
            continue
        try:
            notifier.send_plan(ref, weekly)
        except Undeliverable as exc:  # DMs closed, or refused as malformed (Refused): this week's is given up
            log.warning("weekly plan for user %s cannot reach them (%s); they will be told", owner.id, exc)
            if exc.notice is not None:
                queue.set_notice(sessions, owner.id, exc.notice)
            queue.week_done(sessions, owner.id, now)
            continue
        except Exception:
            log.exception("weekly plan for user %s could not be delivered; a later round retries", owner.id)
            queue.give_back_week(sessions, owner.id)
            continue
        queue.week_done(sessions, owner.id, now)
        sent.append(weekly)
    return sent


def _deliver_digests(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    now: datetime,
    worker: str,
    lease: timedelta,
    only: UserRef | None,
    platform: str | None,
) -> list[DueReminder]:
    """One message a day for users who chose the daily digest, after their quiet hours end.

    A worker first claims the user's day (a conditional UPDATE of ``last_digest_at``), then that user's due
    reminders. If the send fails, both claims are undone so a later run retries; if the worker dies after
    claiming the day, the reminders stay pending and go out in the next day's digest.
    """
    delivered: list[DueReminder] = []
    for owner in queue.digest_users(sessions, now, only, platform):
        if outside_quiet_hours(owner, now) > now:
            continue
        local = now.astimezone(zone(owner.timezone))
        start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)
        previous = owner.last_digest_at
        if not queue.claim_day(sessions, owner.id, start_of_day, now):
            continue
        items = queue.claim_all_due(sessions, owner.id, worker, now, lease)
        try:
            items = [i for i in items if not _arrived_before(sessions, notifier, i, worker, now, delivered)]
            if not items:
                continue
            for item in items:
                queue.begin_attempt(sessions, item.id, worker, now)
            notifier.send_digest(items[0].user, items)
        except Undeliverable as exc:
            log.warning("daily digest for user %s cannot reach them (%s); set aside, they will be told", owner.id, exc)
            for item in items:
                queue.set_aside(sessions, item.id, worker, owner.id, exc.notice)
            continue
        except Exception:
            log.exception("daily digest for user %s could not be delivered; it stays due", owner.id)
            for item in items:
                queue.unclaim(sessions, item.id, worker)
            queue.give_back_day(sessions, owner.id, previous)
            continue
        delivered += [item for item in items if queue.mark_sent(sessions, item.id, worker, now)]
    return delivered


def _arrived_before(
    sessions: sessionmaker[Session],
    notifier: Notifier,
    item: DueReminder,
    worker: str,
    now: datetime,
    delivered: list[DueReminder],
) -> bool:
    """For a digest item an earlier attempt may have sent: True (and marked sent) if it arrived then."""
    attempted_at = queue.claimed(sessions, item.id)[2]
    if attempted_at is None or not notifier.delivered(item, attempted_at - LOOKBACK):
        return False
    if queue.mark_sent(sessions, item.id, worker, now):
        delivered.append(item)
    return True


def _why(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {describe(exc)}"


def release_at_stop(sessions: sessionmaker[Session], worker: str) -> None:
    """``release`` for a bot stopping gracefully: logs what it handed back, and never raises (with the database
    down, the claims free up when their leases end)."""
    try:
        released = release(sessions, worker)
    except Exception as exc:
        log.warning("could not release reminder claims at stop (%s); they free up when their lease ends", _why(exc))
        return
    if released:
        log.info("released %d reminder claim(s) at stop", released)


class Rounds:
    """A bot process's delivery rounds: its worker name, lease, retry wait and stop flag, kept in one place.

    ``run`` delivers the platform's due reminders, then its watched channels' digests; ``halt`` (from any
    thread) lets the send in flight finish and starts nothing more; ``release`` then hands back what is held.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        platform: str,
        lease: timedelta = DEFAULT_LEASE,
        retry: timedelta = DEFAULT_RETRY,
    ):
        self.sessions = sessions
        self.platform = platform
        self.lease = lease
        self.retry = retry
        self.worker = worker_name()
        self.halted = threading.Event()

    def run(self, notifier: Notifier, post_channel_digest, now: datetime) -> None:
        """One round at ``now``: the platform's due reminders through ``notifier``, then watched channels' digests
        through ``post_channel_digest(digest)``. ``Unavailable`` when the database is down (try next round)."""
        try:
            deliver_due(
                self.sessions,
                notifier,
                now,
                worker=self.worker,
                lease=self.lease,
                retry=self.retry,
                platform=self.platform,
                stop=self.halted,
            )
            if not self.halted.is_set():
                channel_digests.deliver(self.sessions, post_channel_digest, now, self.platform)
        except DBAPIError as exc:
            raise Unavailable(describe(exc)) from exc

    def halt(self) -> None:
        """Finish the send in flight, then start nothing more (safe from any thread)."""
        self.halted.set()

    def release(self) -> None:
        """Hand back what this worker still holds; never raises."""
        release_at_stop(self.sessions, self.worker)
