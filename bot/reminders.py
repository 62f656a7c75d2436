"""Find due reminders and deliver each one once, through whatever ``Notifier`` the adapter supplies.

The reminder rows are the schedule. A worker claims a row with a conditional UPDATE (unclaimed, or its
lease ran out) and checks the row count, which works the same on SQLite and PostgreSQL; then it records the
attempt, sends, and marks the row sent. Two workers never both claim a row. A worker that dies after claiming
leaves the row to be claimed again once the lease expires, so nothing due is lost.

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
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.ledger.db import describe
from bot.ledger.repo import FOLLOW_UP, get_user, outside_quiet_hours, schedule_follow_up, zone
from bot.ledger.schema import ChannelPost, Contact, Outreach, Reminder, Reply, User, WatchedChannel
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
)

__all__ = ["DEFAULT_LEASE", "DEFAULT_RETRY", "ChannelDigest", "DueReminder", "Notifier", "Undeliverable"]

log = logging.getLogger(__name__)

MAX_RETRY = timedelta(hours=1)
#: ``Notifier.delivered`` is asked about messages from this long before the first attempt (clocks differ a little).
LOOKBACK = timedelta(minutes=10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claimable(now: datetime):
    return (Reminder.status == "pending") & or_(Reminder.claimed_by.is_(None), Reminder.claimed_until < now)


def _as_due(session: Session, reminder: Reminder) -> tuple[DueReminder, User]:
    user = session.get(User, reminder.owner_id)
    contact = session.get(Contact, reminder.contact_id)
    ref = UserRef(user.platform, user.workspace, user.user_id)
    return DueReminder(reminder.id, ref, contact.display, reminder.kind, reminder.seq, reminder.due_at), user


def due(sessions: sessionmaker[Session], now: datetime, user: UserRef | None = None) -> list[DueReminder]:
    """Pending reminders due at ``now`` (all users, or one), oldest first; claims are not considered."""
    with sessions() as session:
        query = (
            select(Reminder, Contact.display, User.platform, User.workspace, User.user_id)
            .join(Contact, Contact.id == Reminder.contact_id)
            .join(User, User.id == Reminder.owner_id)
            .where(Reminder.status == "pending", Reminder.due_at <= now)
        )
        if user is not None:
            owner = get_user(session, user)
            if owner is None:
                return []
            query = query.where(Reminder.owner_id == owner.id)
        rows = session.execute(query.order_by(Reminder.due_at, Reminder.id)).all()
        return [
            DueReminder(r.id, UserRef(platform, workspace, user_id), display, r.kind, r.seq, r.due_at)
            for r, display, platform, workspace, user_id in rows
        ]


def claim(sessions: sessionmaker[Session], reminder_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
    """Atomically take one reminder for ``worker`` until ``now + lease``; False if someone else has it."""
    with sessions.begin() as session:
        result = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, _claimable(now))
            .values(claimed_by=worker, claimed_until=now + lease)
        )
        return result.rowcount == 1


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
    """
    worker = worker or worker_name()
    with sessions() as session:
        query = (
            select(Reminder.id)
            .join(User, User.id == Reminder.owner_id)
            .where(Reminder.due_at <= now, _claimable(now), User.daily_digest.is_(False))
        )
        if user is not None:
            owner = get_user(session, user)
            if owner is None:
                return []
            query = query.where(Reminder.owner_id == owner.id)
        if platform is not None:
            query = query.where(User.platform == platform)
        ids = list(session.scalars(query.order_by(Reminder.due_at, Reminder.id).limit(limit)))
    delivered: list[DueReminder] = []
    for reminder_id in ids:
        if stop is not None and stop.is_set():
            break
        if not claim(sessions, reminder_id, worker, now, lease):
            continue
        with sessions() as session:
            row = session.get(Reminder, reminder_id)
            item, owner = _as_due(session, row)
            attempted_at, attempts = row.attempted_at, row.attempts
        wake = outside_quiet_hours(owner, now)
        if wake > now:  # the user's quiet hours began after this was scheduled: wait for morning
            _release(sessions, reminder_id, worker, due_at=wake)
            continue
        if attempted_at is not None:
            try:
                arrived = notifier.delivered(item, attempted_at - LOOKBACK)
            except Exception as exc:
                log.warning("cannot tell whether reminder %s arrived (%s); will ask again", reminder_id, _why(exc))
                _back_off(sessions, reminder_id, worker, now, attempts, retry)
                continue
            if arrived:
                log.info("reminder %s had arrived on an earlier attempt; not sending it again", reminder_id)
                if _mark_sent(sessions, reminder_id, worker, now):
                    delivered.append(item)
                continue
        _begin_attempt(sessions, reminder_id, worker, now)
        try:
            notifier.send(item)
        except Undeliverable:
            log.warning("reminder %s cannot reach its user; set aside, the user will be told", reminder_id)
            _set_aside(sessions, reminder_id, worker, owner.id)
            continue
        except Exception as exc:
            wait = _back_off(sessions, reminder_id, worker, now, attempts + 1, retry)
            log.warning(
                "reminder %s was not delivered (%s); retrying in %.0f s", reminder_id, _why(exc), wait.total_seconds()
            )
            continue
        if _mark_sent(sessions, reminder_id, worker, now):
            delivered.append(item)
    if stop is not None and stop.is_set():
        return delivered
    return delivered + _deliver_digests(sessions, notifier, now, worker, lease, user, platform)


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
    with sessions() as session:
        query = (
            select(User)
            .join(Reminder, Reminder.owner_id == User.id)
            .where(User.daily_digest.is_(True), Reminder.due_at <= now, _claimable(now))
            .distinct()
        )
        if only is not None:
            query = query.where(
                User.platform == only.platform, User.workspace == only.workspace, User.user_id == only.user_id
            )
        if platform is not None:
            query = query.where(User.platform == platform)
        users = list(session.scalars(query))
    delivered: list[DueReminder] = []
    for owner in users:
        if outside_quiet_hours(owner, now) > now:
            continue
        local = now.astimezone(zone(owner.timezone))
        start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)
        with sessions.begin() as session:
            previous = owner.last_digest_at
            took_day = session.execute(
                update(User)
                .where(User.id == owner.id, or_(User.last_digest_at.is_(None), User.last_digest_at < start_of_day))
                .values(last_digest_at=now)
            ).rowcount
        if took_day != 1:
            continue
        with sessions.begin() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.owner_id == owner.id, Reminder.due_at <= now, _claimable(now))
                .values(claimed_by=worker, claimed_until=now + lease)
            )
        with sessions() as session:
            mine = session.scalars(
                select(Reminder)
                .where(Reminder.claimed_by == worker, Reminder.owner_id == owner.id)
                .order_by(Reminder.due_at, Reminder.id)
            )
            items = [_as_due(session, r)[0] for r in mine]
        try:
            items = [i for i in items if not _arrived_before(sessions, notifier, i, worker, now, delivered)]
            if not items:
                continue
            for item in items:
                _begin_attempt(sessions, item.id, worker, now)
            notifier.send_digest(items[0].user, items)
        except Undeliverable:
            log.warning("daily digest for user %s cannot reach them; set aside, they will be told", owner.id)
            for item in items:
                _set_aside(sessions, item.id, worker, owner.id)
            continue
        except Exception:
            log.exception("daily digest for user %s could not be delivered; it stays due", owner.id)
            for item in items:
                _release(sessions, item.id, worker)
            with sessions.begin() as session:
                session.execute(update(User).where(User.id == owner.id).values(last_digest_at=previous))
            continue
        delivered += [item for item in items if _mark_sent(sessions, item.id, worker, now)]
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
    with sessions() as session:
        attempted_at = session.get(Reminder, item.id).attempted_at
    if attempted_at is None or not notifier.delivered(item, attempted_at - LOOKBACK):
        return False
    if _mark_sent(sessions, item.id, worker, now):
        delivered.append(item)
    return True


def _why(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {describe(exc)}"


def _begin_attempt(sessions: sessionmaker[Session], reminder_id: int, worker: str, now: datetime) -> None:
    """Record, before sending, that a send is starting (the first attempt's time is kept)."""
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
            .values(attempted_at=func.coalesce(Reminder.attempted_at, now), attempts=Reminder.attempts + 1)
        )


def _back_off(
    sessions: sessionmaker[Session], reminder_id: int, worker: str, now: datetime, attempts: int, retry: timedelta
) -> timedelta:
    """Keep the claim for a while after a failure, twice as long for each attempt so far: the next try waits."""
    wait = min(retry * 2 ** max(attempts - 1, 0), MAX_RETRY)
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
            .values(claimed_until=now + wait)
        )
    return wait


def release(sessions: sessionmaker[Session], worker: str) -> int:
    """Hand back every pending reminder ``worker`` still holds (on a graceful stop); returns how many."""
    with sessions.begin() as session:
        return session.execute(
            update(Reminder)
            .where(Reminder.claimed_by == worker, Reminder.status == "pending")
            .values(claimed_by=None, claimed_until=None)
        ).rowcount


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
            self._run(notifier, post_channel_digest, now)
        except DBAPIError as exc:
            raise Unavailable(describe(exc)) from exc

    def _run(self, notifier: Notifier, post_channel_digest, now: datetime) -> None:
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
            deliver_channel_digests(self.sessions, post_channel_digest, now, self.platform)

    def halt(self) -> None:
        self.halted.set()

    def release(self) -> None:
        release_at_stop(self.sessions, self.worker)


def _set_aside(sessions: sessionmaker[Session], reminder_id: int, worker: str, owner_id: int) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.claimed_by == worker)
            .values(status="undeliverable", claimed_until=None)
        )
        session.execute(update(User).where(User.id == owner_id).values(notice="dm_closed"))


def deliver_channel_digests(sessions: sessionmaker[Session], post, now: datetime, platform: str) -> list[ChannelDigest]:
    """Post each watched channel's digest when its period is over, once per period, through ``post(digest)``.

    The period is claimed first (a conditional UPDATE of ``last_digest_at`` from the value read), so two
    workers never post the same digest; if ``post`` raises, the claim is undone and a later run retries.
    A period without posts is skipped quietly.
    """
    with sessions() as session:
        channels = list(session.scalars(select(WatchedChannel).where(WatchedChannel.platform == platform)))
    posted: list[ChannelDigest] = []
    for channel in channels:
        since = channel.last_digest_at or channel.added_at
        if since + timedelta(days=channel.digest_days) > now:
            continue
        same_period = (
            WatchedChannel.last_digest_at.is_(None)
            if channel.last_digest_at is None
            else WatchedChannel.last_digest_at == channel.last_digest_at
        )
        with sessions.begin() as session:
            took = session.execute(
                update(WatchedChannel).where(WatchedChannel.id == channel.id, same_period).values(last_digest_at=now)
            ).rowcount
        if took != 1:
            continue
        digest = _channel_digest(sessions, channel, since, now)
        if digest.posts == 0:
            continue
        try:
            post(digest)
        except Exception:
            log.exception("digest for watched channel %s could not be posted; it will be retried", channel.id)
            with sessions.begin() as session:
                session.execute(
                    update(WatchedChannel)
                    .where(WatchedChannel.id == channel.id, WatchedChannel.last_digest_at == now)
                    .values(last_digest_at=channel.last_digest_at)
                )
            continue
        posted.append(digest)
    return posted


def _channel_digest(
    sessions: sessionmaker[Session], channel: WatchedChannel, since: datetime, until: datetime
) -> ChannelDigest:
    with sessions() as session:
        posts = session.execute(
            select(ChannelPost.is_pitch, ChannelPost.questions, ChannelPost.replied_at).where(
                ChannelPost.channel_id == channel.id, ChannelPost.at >= since, ChannelPost.at < until
            )
        ).all()
    return ChannelDigest(
        platform=channel.platform,
        workspace=channel.workspace,
        channel_id=channel.channel_id,
        since=since,
        until=until,
        posts=len(posts),
        questions=sum(p.questions for p in posts),
        posts_with_question=sum(1 for p in posts if p.questions),
        pitches=sum(1 for p in posts if p.is_pitch),
        replied=sum(1 for p in posts if p.replied_at is not None),
        replied_pitches=sum(1 for p in posts if p.is_pitch and p.replied_at is not None),
        replied_with_question=sum(1 for p in posts if p.questions and p.replied_at is not None),
    )


def _release(sessions: sessionmaker[Session], reminder_id: int, worker: str, due_at: datetime | None = None) -> None:
    values: dict = {"claimed_by": None, "claimed_until": None}
    if due_at is not None:
        values["due_at"] = due_at
    with sessions.begin() as session:
        session.execute(
            update(Reminder).where(Reminder.id == reminder_id, Reminder.claimed_by == worker).values(**values)
        )


def _mark_sent(sessions: sessionmaker[Session], reminder_id: int, worker: str, now: datetime) -> bool:
    """Mark sent and, for a follow-up still unanswered, schedule the next one (up to the user's maximum)."""
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
