"""The one service every adapter calls. Knows no platform SDK: plain text and dataclasses in and out."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import reminders
from bot.ledger import repo
from bot.ledger.repo import UserRef
from bot.ledger.schema import (
    ChannelPost,
    Check,
    Contact,
    Outreach,
    ProcessedEvent,
    Reminder,
    Reply,
    User,
    WatchedChannel,
)
from classifier import PitchModel, Verdict, check, check_many, load_model


class UnknownContactError(LookupError):
    """A reply or action names someone the user never logged outreach to."""


@dataclass(frozen=True, slots=True)
class Logged:
    contact: str
    at: datetime
    follow_up_due: datetime | None = None
    cancelled_follow_ups: int = 0


@dataclass(frozen=True, slots=True)
class Stats:
    reached: int
    replied: int
    reply_rate: float | None
    median_hours_to_reply: float | None
    #: label of the checked draft -> (outreach count, how many got a reply)
    by_draft_label: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Drafts checked, how many read as a pitch, and how many of those the user marked "Not a pitch".
    checks: int = 0
    pitch_checks: int = 0
    disputed: int = 0


@dataclass(frozen=True, slots=True)
class Feedback:
    """Across all users: how often a pitch verdict was disputed ("Not a pitch"), the measured false-positive rate."""

    users: int
    checks: int
    pitch_checks: int
    disputed: int

    @property
    def disputed_rate(self) -> float | None:
        return self.disputed / self.pitch_checks if self.pitch_checks else None


@dataclass(frozen=True, slots=True)
class RecentCheck:
    id: int
    at: datetime
    score: int
    label: str
    disputed: bool


@dataclass(frozen=True, slots=True)
class Message:
    """A message an adapter saw, reduced to what the coach needs. The text is scored, never stored."""

    platform: str
    workspace: str
    channel_id: str
    message_id: str
    author_id: str
    text: str
    at: datetime
    #: The thread parent or the message replied to, and its author, when there is one.
    parent_id: str | None = None
    parent_author_id: str | None = None
    #: User ids the message mentions.
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    #: (whose contact answered, the contact) for every reply this message recorded.
    replies: list[tuple[UserRef, str]] = field(default_factory=list)
    #: Set when the message is a post in a watched channel that reads as a pitch and its author wants coaching.
    coaching: Verdict | None = None
    check_id: int | None = None


class Coach:
    def __init__(self, model: PitchModel | None = None, sessions: sessionmaker[Session] | None = None):
        self._model = model
        self._sessions = sessions

    @property
    def model(self) -> PitchModel:
        if self._model is None:
            self._model = load_model()
        return self._model

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            raise RuntimeError("this coach has no ledger; pass sessions= to use outreach and reminders")
        return self._sessions

    # -- drafts ----------------------------------------------------------------------------------------
    def check_draft(self, text: str) -> Verdict:
        """Score a draft and say why, with open questions to lead with instead."""
        return check(self.model, text)

    def check_drafts(self, texts: Sequence[str]) -> list[Verdict]:
        return check_many(self.model, texts)

    def record_check(self, user: UserRef, verdict: Verdict, at: datetime, source: str) -> int:
        """Remember that ``user`` checked a draft (score and label, never the text); returns the check's id."""
        self.ensure_user(user, at)
        with self.sessions.begin() as session:
            owner = repo.get_or_create_user(session, user, at)
            check = Check(owner_id=owner.id, at=at, source=source, score=verdict.pitch_probability, label=verdict.label)
            session.add(check)
            session.flush()
            return check.id

    def dispute(self, user: UserRef, check_id: int, at: datetime) -> bool:
        """The user says the checked draft is not a pitch; False if it is not their check or already disputed."""
        with self.sessions.begin() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return False
            result = session.execute(
                update(Check)
                .where(Check.id == check_id, Check.owner_id == owner.id, Check.disputed_at.is_(None))
                .values(disputed_at=at)
            )
            return result.rowcount == 1

    def recent_checks(self, user: UserRef, limit: int = 5) -> list[RecentCheck]:
        with self.sessions() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return []
            rows = session.scalars(
                select(Check).where(Check.owner_id == owner.id).order_by(Check.at.desc(), Check.id.desc()).limit(limit)
            )
            return [RecentCheck(c.id, c.at, round(c.score * 100), c.label, c.disputed_at is not None) for c in rows]

    def feedback(self) -> Feedback:
        """Checks and "Not a pitch" marks across every user (no one is named)."""
        with self.sessions() as session:
            users, checks, pitch, disputed = session.execute(
                select(
                    func.count(func.distinct(Check.owner_id)),
                    func.count(Check.id),
                    func.count(Check.id).filter(Check.label == "pitch"),
                    func.count(Check.id).filter(Check.label == "pitch", Check.disputed_at.is_not(None)),
                )
            ).one()
        return Feedback(users, checks, pitch, disputed)

    # -- users and platform events -------------------------------------------------------------------
    def ensure_user(self, user: UserRef, now: datetime, timezone: str | None = None) -> bool:
        """Make sure ``user`` has a ledger row (a new one takes ``timezone``); True if this call created it.

        Safe when two requests from a new user arrive at once: the loser of the insert finds the winner's row.
        """
        try:
            with self.sessions.begin() as session:
                if repo.get_user(session, user) is not None:
                    return False
                repo.get_or_create_user(session, user, now, timezone=timezone)
                return True
        except IntegrityError:
            return False

    def take_notice(self, user: UserRef) -> str | None:
        """A one-time notice for the user (e.g. ``"dm_closed"``), cleared as it is read."""
        with self.sessions.begin() as session:
            owner = repo.get_user(session, user)
            if owner is None or owner.notice is None:
                return None
            notice = owner.notice
            cleared = session.execute(
                update(User).where(User.id == owner.id, User.notice == notice).values(notice=None)
            ).rowcount
            return notice if cleared == 1 else None

    def first_seen(self, platform: str, event_id: str, at: datetime) -> bool:
        """True the first time an event id arrives; False for a retried delivery of it (processed once)."""
        try:
            with self.sessions.begin() as session:
                session.add(ProcessedEvent(platform=platform, event_id=event_id, at=at))
        except IntegrityError:
            return False
        return True

    def prune_events(self, before: datetime) -> int:
        """Forget processed event ids older than ``before`` (platforms stop retrying within hours)."""
        with self.sessions.begin() as session:
            return session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < before)).rowcount

    # -- team channels -------------------------------------------------------------------------------
    def watch(
        self, platform: str, workspace: str, channel_id: str, by: str, at: datetime, digest_days: int = 7
    ) -> bool:
        """Opt a channel in to coaching and the digest; False if it already was."""
        if not 1 <= digest_days <= 90:
            raise ValueError("digest_days: must be a whole number from 1 to 90")
        try:
            with self.sessions.begin() as session:
                session.add(
                    WatchedChannel(
                        platform=platform,
                        workspace=workspace,
                        channel_id=channel_id,
                        added_by=by,
                        added_at=at,
                        digest_days=digest_days,
                    )
                )
        except IntegrityError:
            return False
        return True

    def unwatch(self, platform: str, workspace: str, channel_id: str) -> bool:
        """Opt a channel out; its post aggregates go too. False if it was not watched."""
        with self.sessions.begin() as session:
            channel = _watched(session, platform, workspace, channel_id)
            if channel is None:
                return False
            session.delete(channel)
            return True

    def is_watched(self, platform: str, workspace: str, channel_id: str) -> bool:
        with self.sessions() as session:
            return _watched(session, platform, workspace, channel_id) is not None

    def observe(self, message: Message) -> Observation:
        """Learn from a message the bot saw: record contacts' replies, and coach pitches in watched channels.

        A reply is recorded for a user who logged outreach to the message's author when the message answers
        them: it is in their thread or replies to their message (``parent_author_id``), or mentions them.
        """
        replies: list[tuple[UserRef, str]] = []
        addressed = {message.parent_author_id, *message.mentions} - {None, message.author_id}
        for owner_id in sorted(addressed):
            ref = UserRef(message.platform, message.workspace, owner_id)
            try:
                logged = self.record_reply(ref, f"<@{message.author_id}>", message.at)
            except UnknownContactError:  # not someone this user reached out to
                continue
            replies.append((ref, logged.contact))
        with self.sessions.begin() as session:
            channel = _watched(session, message.platform, message.workspace, message.channel_id)
            if channel is None:
                return Observation(replies)
            if message.parent_id is not None:
                session.execute(
                    update(ChannelPost)
                    .where(
                        ChannelPost.channel_id == channel.id,
                        ChannelPost.message_id == message.parent_id,
                        ChannelPost.author_id != message.author_id,
                        ChannelPost.replied_at.is_(None),
                    )
                    .values(replied_at=message.at)
                )
                return Observation(replies)
            channel_pk = channel.id
        verdict = self.check_draft(message.text)
        questions = next((int(s.value) for s in verdict.signals if s.name == "questions"), 0)
        try:
            with self.sessions.begin() as session:
                session.add(
                    ChannelPost(
                        channel_id=channel_pk,
                        message_id=message.message_id,
                        author_id=message.author_id,
                        at=message.at,
                        is_pitch=verdict.label == "pitch",
                        questions=questions,
                    )
                )
        except IntegrityError:  # the same post seen twice (a retried event): count and coach it once
            return Observation(replies)
        if verdict.label != "pitch":
            return Observation(replies)
        author = UserRef(message.platform, message.workspace, message.author_id)
        with self.sessions() as session:
            row = repo.get_user(session, author)
            if row is not None and not row.channel_coaching:
                return Observation(replies)
        return Observation(replies, verdict, self.record_check(author, verdict, message.at, "channel"))

    def record_outreach(
        self,
        user: UserRef,
        contact: str,
        at: datetime,
        *,
        note: str | None = None,
        channel: str | None = None,
        thread_ref: str | None = None,
        verdict: Verdict | None = None,
        check_id: int | None = None,
    ) -> Logged:
        """Log that ``user`` reached out to ``contact``; schedules the first follow-up.

        The draft's score comes from ``verdict``, or from the user's earlier check ``check_id``.
        """
        self.ensure_user(user, at)
        try:
            return self._record_outreach(user, contact, at, note, channel, thread_ref, verdict, check_id)
        except IntegrityError:  # the same new contact logged twice at once: the other insert won, use its row
            return self._record_outreach(user, contact, at, note, channel, thread_ref, verdict, check_id)

    def _record_outreach(self, user, contact, at, note, channel, thread_ref, verdict, check_id) -> Logged:
        with self.sessions.begin() as session:
            owner = repo.get_or_create_user(session, user, at)
            who = repo.get_or_create_contact(session, owner, contact)
            score = label = None
            if verdict is not None:
                score, label = verdict.pitch_probability, verdict.label
            elif check_id is not None:
                check = session.get(Check, check_id)
                if check is not None and check.owner_id == owner.id:
                    score, label = check.score, check.label
            outreach = Outreach(
                owner_id=owner.id,
                contact_id=who.id,
                at=at,
                channel=channel,
                thread_ref=thread_ref,
                note=note,
                pitch_score=score,
                pitch_label=label,
            )
            session.add(outreach)
            session.flush()
            repo.schedule_follow_up(session, owner, outreach, 1, at)
            repo.reschedule_keep_in_touch(session, owner, who)
            session.flush()
            due = session.scalar(select(Reminder.due_at).where(Reminder.outreach_id == outreach.id, Reminder.seq == 1))
            return Logged(who.display, at, follow_up_due=due)

    def record_reply(self, user: UserRef, contact: str, at: datetime) -> Logged:
        """Log that ``contact`` answered ``user``; cancels pending follow-ups, starts keep-in-touch."""
        with self.sessions.begin() as session:
            owner, who = _known_contact(session, user, contact)
            session.add(Reply(owner_id=owner.id, contact_id=who.id, at=at))
            session.flush()
            cancelled = repo.cancel_follow_ups(session, owner, who)
            repo.reschedule_keep_in_touch(session, owner, who)
            return Logged(who.display, at, cancelled_follow_ups=cancelled)

    def followups(self, user: UserRef, now: datetime) -> list[reminders.DueReminder]:
        """What is due for ``user`` at ``now``: follow-ups and keep-in-touch nudges, oldest first."""
        return reminders.due(self.sessions, now, user)

    def mark_done(self, user: UserRef, contact: str) -> int:
        """End the pending follow-ups to ``contact`` (the user handled it); returns how many ended."""
        with self.sessions.begin() as session:
            owner, who = _known_contact(session, user, contact)
            return repo.end_pending(session, owner, who, status="done", kind=repo.FOLLOW_UP)

    def snooze(self, user: UserRef, contact: str, until: datetime) -> int:
        """Move the contact's pending reminders to ``until`` (outside quiet hours); returns how many moved."""
        with self.sessions.begin() as session:
            owner, who = _known_contact(session, user, contact)
            return repo.move_pending(session, owner, who, repo.outside_quiet_hours(owner, until))

    def update_settings(self, user: UserRef, now: datetime, **changes) -> dict:
        """Change the user's reminder settings (validated); returns the settings now in force."""
        self.ensure_user(user, now)
        with self.sessions.begin() as session:
            owner = repo.get_or_create_user(session, user, now)
            repo.apply_settings(owner, changes)
            return repo.settings_of(owner)

    def stats(self, user: UserRef) -> Stats:
        with self.sessions() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return Stats(0, 0, None, None, {})
            checks, pitch_checks, disputed = session.execute(
                select(
                    func.count(Check.id),
                    func.count(Check.id).filter(Check.label == "pitch"),
                    func.count(Check.id).filter(Check.label == "pitch", Check.disputed_at.is_not(None)),
                ).where(Check.owner_id == owner.id)
            ).one()
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

    def export(self, user: UserRef) -> dict:
        """Everything the ledger holds about ``user``, as plain JSON-ready data."""
        with self.sessions() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return {"user": _ref(user), "contacts": []}
            contacts = session.scalars(select(Contact).where(Contact.owner_id == owner.id)).all()
            data = {"user": _ref(user), "settings": repo.settings_of(owner), "contacts": []}
            for c in contacts:
                data["contacts"].append(
                    {
                        "contact": c.display,
                        "outreach": [
                            {
                                "at": o.at.isoformat(),
                                "channel": o.channel,
                                "thread_ref": o.thread_ref,
                                "pitch_score": o.pitch_score,
                                "pitch_label": o.pitch_label,
                                "note": o.note,
                            }
                            for o in session.scalars(select(Outreach).where(Outreach.contact_id == c.id))
                        ],
                        "replies": [
                            r.at.isoformat() for r in session.scalars(select(Reply).where(Reply.contact_id == c.id))
                        ],
                        "reminders": [
                            {"kind": r.kind, "due_at": r.due_at.isoformat(), "status": r.status}
                            for r in session.scalars(select(Reminder).where(Reminder.contact_id == c.id))
                        ],
                    }
                )
            return data

    def forget(self, user: UserRef) -> bool:
        """Delete everything about ``user`` (their ledger and their posts' channel aggregates); False if nothing."""
        with self.sessions.begin() as session:
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


def _known_contact(session: Session, user: UserRef, contact: str) -> tuple[User, Contact]:
    """The user and a contact they logged outreach to, or ``UnknownContactError``."""
    owner = repo.get_user(session, user)
    who = repo.find_contact(session, owner, contact) if owner else None
    if who is None:
        raise UnknownContactError(f"no outreach to {contact!r} is logged yet; log it first with 'sent'")
    return owner, who


def _watched(session: Session, platform: str, workspace: str, channel_id: str) -> WatchedChannel | None:
    return session.scalar(
        select(WatchedChannel).where(
            WatchedChannel.platform == platform,
            WatchedChannel.workspace == workspace,
            WatchedChannel.channel_id == channel_id,
        )
    )


def _ref(user: UserRef) -> dict:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}
