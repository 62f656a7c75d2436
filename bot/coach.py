"""The one service every adapter calls. Knows no platform SDK: plain text and dataclasses in and out."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import reminders
from bot.ledger import repo
from bot.ledger.repo import UserRef
from bot.ledger.schema import Contact, Outreach, Reminder, Reply, User
from classifier import PitchModel, Verdict, load_model


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
        return self.model.check(text)

    def check_drafts(self, texts: Sequence[str]) -> list[Verdict]:
        return self.model.check_many(texts)

    # -- the ledger --------------------------------------------------------------------------------------
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
    ) -> Logged:
        """Log that ``user`` reached out to ``contact``; schedules the first follow-up."""
        with self.sessions.begin() as session:
            owner = repo.get_or_create_user(session, user, at)
            who = repo.get_or_create_contact(session, owner, contact)
            outreach = Outreach(
                owner_id=owner.id,
                contact_id=who.id,
                at=at,
                channel=channel,
                thread_ref=thread_ref,
                note=note,
                pitch_score=verdict.pitch_probability if verdict else None,
                pitch_label=verdict.label if verdict else None,
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
        with self.sessions.begin() as session:
            owner = repo.get_or_create_user(session, user, now)
            repo.apply_settings(owner, changes)
            return repo.settings_of(owner)

    def stats(self, user: UserRef) -> Stats:
        with self.sessions() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return Stats(0, 0, None, None, {})
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
        """Delete everything about ``user``; False if there was nothing."""
        with self.sessions.begin() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return False
            session.delete(owner)
            return True


def _known_contact(session: Session, user: UserRef, contact: str) -> tuple[User, Contact]:
    """The user and a contact they logged outreach to, or ``UnknownContactError``."""
    owner = repo.get_user(session, user)
    who = repo.find_contact(session, owner, contact) if owner else None
    if who is None:
        raise UnknownContactError(f"no outreach to {contact!r} is logged yet; log it first with 'sent'")
    return owner, who


def _ref(user: UserRef) -> dict:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}
