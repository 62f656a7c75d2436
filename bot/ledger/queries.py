"""The coach's reads and writes, one function per question, each inside a session the caller opened.

The coach (``bot.coach``) opens the session and the transaction; these functions only build and run statements,
so every SQL statement Rapport runs outside the reminder queue (``bot.ledger.queue``) lives here or in
``bot.ledger.repo`` (the scheduling rules).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.ledger import repo
from bot.ledger.schema import (
    ChannelPost,
    Check,
    Contact,
    Outreach,
    ProcessedEvent,
    Reminder,
    Reply,
    Step,
    User,
    WatchedChannel,
)
from bot.types import (
    SAME_SEND,
    ChannelDigest,
    Feedback,
    Logged,
    Message,
    Observation,
    RecentCheck,
    Stats,
    UnknownContactError,
    UserRef,
)

if TYPE_CHECKING:
    from classifier import Verdict


def ping(session: Session) -> None:
    """Ask the database a trivial question; raises (SQLAlchemy's error) when it cannot answer."""
    session.execute(select(1))


def known_contact(session: Session, user: UserRef, contact: str) -> tuple[User, Contact]:
    """The user and a contact they logged outreach to; ``UnknownContactError`` if there is none."""
    owner = repo.get_user(session, user)
    who = repo.find_contact(session, owner, contact) if owner else None
    if who is None:
        raise UnknownContactError(f"no outreach to {contact!r} is logged yet; log it first with 'sent'")
    return owner, who


def add_check(
    session: Session, user: UserRef, at: datetime, source: str, score: float, label: str, led: bool | None = None
) -> int:
    """Store a check (probability 0-1, label, whether it led with a question; never the text); returns its id."""
    owner = repo.get_or_create_user(session, user, at)
    check = Check(owner_id=owner.id, at=at, source=source, score=score, label=label, question_led=led)
    session.add(check)
    session.flush()
    return check.id


def dispute(session: Session, user: UserRef, check_id: int, at: datetime) -> bool:
    """Mark the user's check as "Not a pitch"; False if it is not theirs or already marked."""
    owner = repo.get_user(session, user)
    if owner is None:
        return False
    result = session.execute(
        update(Check)
        .where(Check.id == check_id, Check.owner_id == owner.id, Check.disputed_at.is_(None))
        .values(disputed_at=at)
    )
    return result.rowcount == 1


def recent_checks(session: Session, user: UserRef, limit: int) -> list[RecentCheck]:
    """The user's last ``limit`` checks, newest first."""
    owner = repo.get_user(session, user)
    if owner is None:
        return []
    rows = session.scalars(
        select(Check).where(Check.owner_id == owner.id).order_by(Check.at.desc(), Check.id.desc()).limit(limit)
    )
    return [RecentCheck(c.id, c.at, round(c.score * 100), c.label, c.disputed_at is not None) for c in rows]


def _check_counts(owner_id: int | None = None):
    query = select(
        func.count(Check.id),
        func.count(Check.id).filter(Check.label == "pitch"),
        func.count(Check.id).filter(Check.label == "pitch", Check.disputed_at.is_not(None)),
    )
    return query if owner_id is None else query.where(Check.owner_id == owner_id)


def feedback(session: Session) -> Feedback:
    """Checks and "Not a pitch" marks across every user."""
    users = session.scalar(select(func.count(func.distinct(Check.owner_id))))
    checks, pitch, disputed = session.execute(_check_counts()).one()
    return Feedback(users, checks, pitch, disputed)


def take_notice(session: Session, user: UserRef) -> str | None:
    """The user's one-time notice, cleared as it is read (by exactly one reader)."""
    owner = repo.get_user(session, user)
    if owner is None or owner.notice is None:
        return None
    notice = owner.notice
    cleared = session.execute(
        update(User).where(User.id == owner.id, User.notice == notice).values(notice=None)
    ).rowcount
    return notice if cleared == 1 else None


def add_processed_event(session: Session, platform: str, event_id: str, at: datetime) -> None:
    """Remember an event id (its unique key refuses a second one with ``IntegrityError``)."""
    session.add(ProcessedEvent(platform=platform, event_id=event_id, at=at))


def seen_event(session: Session, platform: str, event_id: str) -> bool:
    """Whether the event id was processed (its mark was written with what it recorded)."""
    return (
        session.scalar(
            select(ProcessedEvent.event_id).where(
                ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id
            )
        )
        is not None
    )


def observe(session: Session, message: Message, verdict: Verdict | None, event_id: str | None) -> Observation:
    """Everything one message records, in the caller's one transaction: the event id as processed (its unique key
    refuses a second one with ``IntegrityError``), the contacts' replies it carries, and in a watched channel the
    reply mark or the post's aggregates (``verdict`` is the post's, scored before; None skips the post), with a
    check for the author when it reads as a pitch and they want notes."""
    if event_id is not None:
        add_processed_event(session, message.platform, event_id, message.at)
        session.flush()
    replies: list[tuple[UserRef, str]] = []
    for owner_id in sorted({message.parent_author_id, *message.mentions} - {None, message.author_id}):
        ref = UserRef(message.platform, message.workspace, owner_id)
        try:
            logged = add_reply(session, ref, f"<@{message.author_id}>", message.at, message.at)
        except (UnknownContactError, ValueError):  # not someone this user reached out to, or not since then
            continue
        replies.append((ref, logged.contact))
    channel = watched(session, message.platform, message.workspace, message.channel_id)
    if channel is None:
        return Observation(replies)
    if message.parent_id is not None:
        mark_channel_reply(session, channel, message.parent_id, message.author_id, message.at)
        return Observation(replies)
    known = select(ChannelPost.id).where(
        ChannelPost.channel_id == channel.id, ChannelPost.message_id == message.message_id
    )
    if verdict is None or session.scalar(known) is not None:  # the same post seen twice: counted and coached once
        return Observation(replies)
    questions = next((int(s.value) for s in verdict.signals if s.name == "questions"), 0)
    is_pitch = verdict.label == "pitch"
    add_channel_post(
        session, channel.id, message.message_id, message.author_id, message.at, is_pitch=is_pitch, questions=questions
    )
    author = UserRef(message.platform, message.workspace, message.author_id)
    if not is_pitch or not wants_channel_coaching(session, author):
        return Observation(replies)
    check_id = add_check(session, author, message.at, "channel", verdict.pitch_probability, verdict.label)
    return Observation(replies, verdict, check_id)


def prune_events(session: Session, before: datetime) -> int:
    """Forget processed event ids older than ``before``; returns how many."""
    return session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < before)).rowcount


def watched(session: Session, platform: str, workspace: str, channel_id: str) -> WatchedChannel | None:
    """The watched channel's row, or None."""
    return session.scalar(
        select(WatchedChannel).where(
            WatchedChannel.platform == platform,
            WatchedChannel.workspace == workspace,
            WatchedChannel.channel_id == channel_id,
        )
    )


def add_watched(session: Session, platform: str, workspace: str, channel_id: str, by: str, at: datetime, days: int):
    """Opt a channel in (its unique key refuses a second row with ``IntegrityError``)."""
    session.add(
        WatchedChannel(
            platform=platform, workspace=workspace, channel_id=channel_id, added_by=by, added_at=at, digest_days=days
        )
    )


def mark_channel_reply(session: Session, channel: WatchedChannel, parent_id: str, author_id: str, at: datetime):
    """A reply in a watched channel: its parent post (by someone else) counts as replied."""
    session.execute(
        update(ChannelPost)
        .where(
            ChannelPost.channel_id == channel.id,
            ChannelPost.message_id == parent_id,
            ChannelPost.author_id != author_id,
            ChannelPost.replied_at.is_(None),
        )
        .values(replied_at=at)
    )


def add_channel_post(session: Session, channel_pk: int, message_id: str, author_id: str, at: datetime, **counts):
    """A top-level post's aggregates (``is_pitch``, ``questions``); ``IntegrityError`` for a post seen before."""
    session.add(ChannelPost(channel_id=channel_pk, message_id=message_id, author_id=author_id, at=at, **counts))


def wants_channel_coaching(session: Session, user: UserRef) -> bool:
    """Whether notes on the user's posts in watched channels are on (they are for someone Rapport never met)."""
    row = repo.get_user(session, user)
    return row is None or row.channel_coaching


def add_outreach(session: Session, user: UserRef, contact: str, at: datetime, check_id: int | None, **fields) -> Logged:
    """Log outreach; one chain of follow-ups per contact. The score comes from ``fields`` or the user's check.

    The same send logged twice within ``SAME_SEND`` (a menu and a command) is one outreach: the second fills in
    what the first lacked (unless the contact replied in between: then it is a new message). A newer outreach
    ends the contact's pending follow-ups (``replaced``) and starts the
    chain again from follow-up #1; an older one (logged late) is recorded and leaves the chain as it is.
    """
    owner = repo.get_or_create_user(session, user, at)
    who = repo.get_or_create_contact(session, owner, contact)
    if fields.get("pitch_score") is None and check_id is not None:
        check = session.get(Check, check_id)
        if check is not None and check.owner_id == owner.id:
            fields.update(pitch_score=check.score, pitch_label=check.label, question_led=check.question_led)
    mine = (Outreach.owner_id == owner.id, Outreach.contact_id == who.id)
    same = session.scalar(
        select(Outreach).where(*mine, Outreach.at.between(at - SAME_SEND, at + SAME_SEND)).order_by(Outreach.at)
    )
    if same is not None and session.scalar(  # a reply in between makes this a new message, not the same send
        select(func.count(Reply.id)).where(Reply.owner_id == owner.id, Reply.contact_id == who.id, Reply.at >= same.at)
    ):
        same = None
    if same is not None:
        for name, value in fields.items():
            if value is not None and getattr(same, name) is None:
                setattr(same, name, value)
        return Logged(who.display, repo.local(owner, same.at), follow_up_due=_next_follow_up(session, owner, who))
    latest = session.scalar(select(func.max(Outreach.at)).where(*mine))
    outreach = Outreach(owner_id=owner.id, contact_id=who.id, at=at, **fields)
    session.add(outreach)
    session.flush()
    if latest is None or at > latest:
        repo.end_pending(session, owner, who, status="replaced", kind=repo.FOLLOW_UP)
        repo.schedule_follow_up(session, owner, outreach, 1, at)
    repo.reschedule_keep_in_touch(session, owner, who)
    session.flush()
    return Logged(who.display, repo.local(owner, at), follow_up_due=_next_follow_up(session, owner, who))


def _next_follow_up(session: Session, owner: User, who: Contact) -> datetime | None:
    """The contact's next pending follow-up, in the user's zone, or None."""
    due = session.scalar(
        select(func.min(Reminder.due_at)).where(
            Reminder.contact_id == who.id, Reminder.kind == repo.FOLLOW_UP, Reminder.status == "pending"
        )
    )
    return repo.local(owner, due.replace(tzinfo=UTC) if due is not None and due.tzinfo is None else due)


def add_reply(session: Session, user: UserRef, contact: str, at: datetime, now: datetime) -> Logged:
    """Log a reply; cancels the contact's pending follow-ups and moves the keep-in-touch nudge.

    ``ValueError`` (one line) for a reply dated before the first outreach to the contact or after ``now``.
    """
    owner, who = known_contact(session, user, contact)
    repo.not_in_future("a reply", at, now, owner)
    first = session.scalar(
        select(func.min(Outreach.at)).where(Outreach.owner_id == owner.id, Outreach.contact_id == who.id)
    )
    first = first.replace(tzinfo=UTC) if first is not None and first.tzinfo is None else first
    if first is not None and at < first:
        raise ValueError(
            f"{who.display} can't have replied at {_shown(owner, at)}: that is before you first reached out "
            f"({_shown(owner, first)})"
        )
    session.add(Reply(owner_id=owner.id, contact_id=who.id, at=at))
    session.flush()
    cancelled = repo.cancel_follow_ups(session, owner, who)
    repo.reschedule_keep_in_touch(session, owner, who)
    return Logged(who.display, repo.local(owner, at), cancelled_follow_ups=cancelled)


def _shown(owner: User, when: datetime) -> str:
    """A time as the user reads it: ``2026-03-09 20:30 EDT`` in their zone."""
    return f"{repo.local(owner, when):%Y-%m-%d %H:%M %Z}"


def stats(session: Session, user: UserRef) -> Stats:
    """Reach, replies and the median time to a first reply (hours), by the label of the checked draft too."""
    owner = repo.get_user(session, user)
    if owner is None:
        return Stats(0, 0, None, None, {})
    checks, pitch_checks, disputed = session.execute(_check_counts(owner.id)).one()
    outreach = session.execute(
        select(Outreach.contact_id, Outreach.at, Outreach.pitch_label).where(Outreach.owner_id == owner.id)
    ).all()
    replies = session.execute(select(Reply.contact_id, Reply.at).where(Reply.owner_id == owner.id)).all()
    first_out: dict[int, datetime] = {}
    for contact_id, at, _ in outreach:
        first_out[contact_id] = min(at, first_out.get(contact_id, at))
    reply_times: dict[int, list[datetime]] = {}
    for contact_id, at in replies:
        reply_times.setdefault(contact_id, []).append(at)
    waits = []
    for contact_id, start in first_out.items():
        after = [t for t in reply_times.get(contact_id, []) if t >= start]
        if after:
            waits.append((min(after) - start).total_seconds() / 3600)
    by_label: dict[str, tuple[int, int]] = {}
    for contact_id, at, label in outreach:
        if label:
            answered = any(t >= at for t in reply_times.get(contact_id, []))
            n, ok = by_label.get(label, (0, 0))
            by_label[label] = (n + 1, ok + answered)
    reached = len(first_out)
    return Stats(
        reached=reached,
        replied=len(waits),
        reply_rate=len(waits) / reached if reached else None,
        median_hours_to_reply=round(statistics.median(waits), 1) if waits else None,
        by_draft_label=by_label,
        checks=checks,
        pitch_checks=pitch_checks,
        disputed=disputed,
    )


def _ref(user: UserRef) -> dict:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}


def export(session: Session, user: UserRef) -> dict:
    """Everything held about ``user`` as JSON-ready data: settings, and per contact their circle, steps off the feed,
    outreach, replies and reminders (each in the order written). One query per table, not several per contact."""
    owner = repo.get_user(session, user)
    if owner is None:
        return {"user": _ref(user), "contacts": []}
    rows: dict[type, dict[int, list]] = {table: {} for table in (Step, Outreach, Reply, Reminder)}
    for table, by_contact in rows.items():
        for row in session.scalars(select(table).where(table.owner_id == owner.id).order_by(table.id)):
            by_contact.setdefault(row.contact_id, []).append(row)
    fields = ("channel", "thread_ref", "pitch_score", "pitch_label", "question_led", "note")
    data = {"user": _ref(user), "settings": repo.settings_of(owner), "contacts": []}
    for c in session.scalars(select(Contact).where(Contact.owner_id == owner.id).order_by(Contact.id)):
        steps, outreach, replies, reminders = (rows[table].get(c.id, ()) for table in rows)
        data["contacts"].append(
            {
                "contact": c.display,
                "circle": c.circle,
                "steps": [{"at": s.at.isoformat(), "kind": s.kind, "how": s.how} for s in steps],
                "outreach": [{"at": o.at.isoformat(), **{k: getattr(o, k) for k in fields}} for o in outreach],
                "replies": [r.at.isoformat() for r in replies],
                "reminders": [{"kind": r.kind, "due_at": r.due_at.isoformat(), "status": r.status} for r in reminders],
            }
        )
    return data


def forget(session: Session, user: UserRef) -> bool:
    """Delete the user (their rows cascade) and their posts' channel aggregates; False if there was nothing."""
    channels = select(WatchedChannel.id).where(
        WatchedChannel.platform == user.platform, WatchedChannel.workspace == user.workspace
    )
    posts = session.execute(
        delete(ChannelPost).where(ChannelPost.author_id == user.user_id, ChannelPost.channel_id.in_(channels))
    ).rowcount
    owner = repo.get_user(session, user)
    if owner is not None:
        session.delete(owner)
    return owner is not None or posts > 0


def forget_workspace(session: Session, platform: str, workspace: str) -> int:
    """Delete every user of one workspace (their rows cascade, as ``forget`` does for one) and its watched
    channels (their post aggregates cascade); how many users were deleted."""
    session.execute(
        delete(WatchedChannel).where(WatchedChannel.platform == platform, WatchedChannel.workspace == workspace)
    )
    return session.execute(delete(User).where(User.platform == platform, User.workspace == workspace)).rowcount


# -- watched channels' digests ----------------------------------------------------------------------------------
def watched_channels(session: Session, platform: str) -> list[WatchedChannel]:
    """Every watched channel of ``platform``."""
    return list(session.scalars(select(WatchedChannel).where(WatchedChannel.platform == platform)))


def claim_period(session: Session, channel: WatchedChannel, now: datetime) -> bool:
    """Take the channel's digest for the period since its last one (as read); False if another worker took it."""
    same_period = (
        WatchedChannel.last_digest_at.is_(None)
        if channel.last_digest_at is None
        else WatchedChannel.last_digest_at == channel.last_digest_at
    )
    return (
        session.execute(
            update(WatchedChannel).where(WatchedChannel.id == channel.id, same_period).values(last_digest_at=now)
        ).rowcount
        == 1
    )


def give_back_period(session: Session, channel: WatchedChannel, now: datetime) -> None:
    """Undo ``claim_period`` after a failed post, so a later run retries."""
    session.execute(
        update(WatchedChannel)
        .where(WatchedChannel.id == channel.id, WatchedChannel.last_digest_at == now)
        .values(last_digest_at=channel.last_digest_at)
    )


def channel_digest(session: Session, channel: WatchedChannel, since: datetime, until: datetime) -> ChannelDigest:
    """The channel's top-level posts from ``since`` (inclusive) to ``until``, as counts only."""
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
