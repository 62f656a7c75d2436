"""The one service every adapter calls. Knows no platform SDK: plain text and ``bot.types`` in and out.

Every method that touches the ledger raises ``Unavailable`` (one line) when the database cannot be reached or
written, and nothing of SQLAlchemy leaks out: adapters catch ``Unavailable`` and say so to the user.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import reminders
from bot.drafts import DraftChecker
from bot.ledger import queries, repo
from bot.ledger.db import describe, open_ledger
from bot.relationships import Relationships, leads_with_question
from bot.relationships import ledger_guard as _ledger
from bot.types import (
    DEFAULT_LEASE,
    DEFAULT_RETRY,
    Checked,
    DueReminder,
    Feedback,
    Logged,
    Message,
    Notifier,
    Observation,
    RecentCheck,
    Unavailable,
    UnknownContactError,
    UserRef,
    utcnow,
)
from classifier import Verdict

if TYPE_CHECKING:
    from classifier import PitchModel

__all__ = ["Coach", "Message", "Unavailable", "UnknownContactError"]


class Coach(DraftChecker, Relationships):
    """Checks drafts (``DraftChecker``), records outreach, replies and channel posts, and reports on them, for any
    adapter.

    ``model`` is loaded on first use when not given; ``sessions`` is the ledger (``Coach.open(url)`` makes one).
    Times passed in (``at``, ``now``) must be timezone-aware.
    """

    def __init__(self, model: PitchModel | None = None, sessions: sessionmaker[Session] | None = None):
        super().__init__(model)
        self._sessions = sessions

    @classmethod
    def open(cls, database_url: str, model: PitchModel | None = None) -> Coach:
        """A coach on the ledger at ``database_url`` (migrated first); ``LedgerError`` (one line) if it cannot be."""
        return cls(model, open_ledger(database_url))

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The ledger's session factory; ``RuntimeError`` for a coach without a ledger."""
        if self._sessions is None:
            raise RuntimeError("this coach has no ledger; pass sessions= to use outreach and reminders")
        return self._sessions

    @property
    def engine(self):
        """The ledger's SQLAlchemy engine, for a platform SDK's own stores kept in the same database (Slack's
        installations); ``RuntimeError`` for a coach without a ledger."""
        return self.sessions.kw["bind"]

    def healthy(self) -> tuple[bool, str]:
        """(True, "ok") when the database answers a query now, else (False, the driver's one-line reason)."""
        try:
            with self.sessions() as session:
                queries.ping(session)
        except Exception as exc:
            return False, describe(exc)
        return True, "ok"

    def close(self) -> None:
        """Close the ledger's connections (a new session opens them again)."""
        if self._sessions is not None:
            self._sessions.kw["bind"].dispose()

    # -- drafts (check_draft and check_drafts come from DraftChecker) --------------------------------------
    @_ledger
    def check(self, user: UserRef, text: str, at: datetime, source: str, to: str | None = None) -> Checked:
        """Check ``user``'s draft and record the check (score and label, never the text): the verdict and its id,
        and, for a draft ``to`` someone in the user's ledger, where that relationship stands.

        ``source`` says where: ``"command"``, ``"shortcut"``, ``"context_menu"`` or ``"channel"``.
        """
        verdict = self.check_draft(text)
        standing = self.standing(user, to) if to else None
        return Checked(verdict, self.record_check(user, verdict, at, source), standing)

    @_ledger
    def record_check(self, user: UserRef, verdict: Verdict, at: datetime, source: str) -> int:
        """Remember that ``user`` checked a draft with this ``verdict``; returns the check's id."""
        self.ensure_user(user, at)
        with self.sessions.begin() as session:
            led = leads_with_question(verdict.text)
            return queries.add_check(session, user, at, source, verdict.pitch_probability, verdict.label, led)

    @_ledger
    def dispute(self, user: UserRef, check_id: int, at: datetime) -> bool:
        """The user says the checked draft is not a pitch; False if it is not their check or already disputed."""
        with self.sessions.begin() as session:
            return queries.dispute(session, user, check_id, at)

    @_ledger
    def recent_checks(self, user: UserRef, limit: int = 5) -> list[RecentCheck]:
        """The user's last ``limit`` checks, newest first."""
        with self.sessions() as session:
            return queries.recent_checks(session, user, limit)

    @_ledger
    def feedback(self) -> Feedback:
        """Checks and "Not a pitch" marks across every user (no one is named)."""
        with self.sessions() as session:
            return queries.feedback(session)

    # -- users and platform events -------------------------------------------------------------------
    @_ledger
    def ensure_user(self, user: UserRef, now: datetime, timezone: str | None = None) -> bool:
        """Make sure ``user`` has a ledger row (a new one takes ``timezone``); True if this call created it.

        Safe when two requests from a new user arrive at once: the loser of the insert finds the winner's row.
        A known user (nearly every call) costs one read, outside any write transaction.
        """
        with self.sessions() as session:
            if repo.get_user(session, user) is not None:
                return False
        try:
            with self.sessions.begin() as session:
                if repo.get_user(session, user) is not None:
                    return False
                repo.get_or_create_user(session, user, now, timezone=timezone)
                return True
        except IntegrityError:
            return False

    @_ledger
    def take_notice(self, user: UserRef) -> str | None:
        """A one-time notice for the user (e.g. ``"dm_closed"``), cleared as it is read (by one reader only).

        Called after nearly every answer and nearly always empty: one read, and a write transaction only when
        there is a notice to clear."""
        with self.sessions() as session:
            owner = repo.get_user(session, user)
            if owner is None or owner.notice is None:
                return None
        with self.sessions.begin() as session:
            return queries.take_notice(session, user)

    @_ledger
    def first_seen(self, platform: str, event_id: str, at: datetime) -> bool:
        """True the first time an event id arrives; False for a retried delivery of it (processed once).

        This marks the id on its own: for an event that records something, pass the id to ``observe`` instead,
        which marks it in the same transaction as the record."""
        try:
            with self.sessions.begin() as session:
                queries.add_processed_event(session, platform, event_id, at)
        except IntegrityError:
            return False
        return True

    @_ledger
    def prune_events(self, before: datetime) -> int:
        """Forget processed event ids older than ``before`` (platforms stop retrying within hours)."""
        with self.sessions.begin() as session:
            return queries.prune_events(session, before)

    # -- team channels -------------------------------------------------------------------------------
    @_ledger
    def watch(
        self, platform: str, workspace: str, channel_id: str, by: str, at: datetime, digest_days: int = 7
    ) -> bool:
        """Opt a channel in to coaching and a digest every ``digest_days`` (1-90, else ``ValueError``); False if
        it already was."""
        if not 1 <= digest_days <= 90:
            raise ValueError("digest_days: must be a whole number from 1 to 90")
        try:
            with self.sessions.begin() as session:
                queries.add_watched(session, platform, workspace, channel_id, by, at, digest_days)
        except IntegrityError:
            return False
        return True

    @_ledger
    def unwatch(self, platform: str, workspace: str, channel_id: str) -> bool:
        """Opt a channel out; its post aggregates go too. False if it was not watched."""
        with self.sessions.begin() as session:
            channel = queries.watched(session, platform, workspace, channel_id)
            if channel is None:
                return False
            session.delete(channel)
            return True

    @_ledger
    def unwatch_workspace(self, platform: str, workspace: str) -> int:
        """Opt out every watched channel of a workspace the bot left (their post aggregates go too); how many."""
        with self.sessions.begin() as session:
            gone = [c for c in queries.watched_channels(session, platform) if c.workspace == workspace]
            for channel in gone:
                session.delete(channel)
            return len(gone)

    @_ledger
    def is_watched(self, platform: str, workspace: str, channel_id: str) -> bool:
        """Whether the channel is opted in."""
        with self.sessions() as session:
            return queries.watched(session, platform, workspace, channel_id) is not None

    @_ledger
    def seen(self, platform: str, event_id: str) -> bool:
        """Whether the event id was processed already (a retry to acknowledge and drop); reads only."""
        with self.sessions() as session:
            return queries.seen_event(session, platform, event_id)

    @_ledger
    def observe(self, message: Message, event_id: str | None = None) -> Observation:
        """Learn from a message the bot saw: record contacts' replies, and coach pitches in watched channels.

        A reply is recorded for a user who logged outreach to the message's author when the message answers
        them: it is in their thread or replies to their message (``parent_author_id``), or mentions them.
        ``event_id`` (the platform's id of the delivery) is marked processed in the same transaction as what the
        message records, so a failure records neither and a retry of a recorded event records nothing again
        (an empty ``Observation``).
        """
        verdict = None
        if message.parent_id is None and self.is_watched(message.platform, message.workspace, message.channel_id):
            verdict = self.check_draft(message.text)  # scored before the transaction, which stays short
        for attempt in range(2):
            try:
                with self.sessions.begin() as session:
                    return queries.observe(session, message, verdict, event_id)
            except IntegrityError:
                if event_id is not None and self.seen(message.platform, event_id):
                    return Observation()
                if attempt:  # a race with another delivery on the post or a new user's row: their rows now exist
                    raise
        raise AssertionError("unreachable")

    # -- outreach, replies, reminders -----------------------------------------------------------------
    @_ledger
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
        now: datetime | None = None,
    ) -> Logged:
        """Log that ``user`` reached out to ``contact`` (a mention or a name); schedules the first follow-up.

        The draft's score comes from ``verdict``, or from the user's earlier check ``check_id``. ``ValueError``
        for an empty contact or for a send dated after ``now`` (default: the current time).
        """
        repo.not_in_future("a send", at, now or utcnow())
        self.ensure_user(user, at)
        fields = {"note": note, "channel": channel, "thread_ref": thread_ref, "pitch_score": None, "pitch_label": None}
        fields["question_led"] = None
        if verdict is not None:
            fields.update(pitch_score=verdict.pitch_probability, pitch_label=verdict.label)
            fields["question_led"] = leads_with_question(verdict.text)
        for attempt in range(2):  # the same new contact logged twice at once: the other insert won, use its row
            try:
                with self.sessions.begin() as session:
                    return queries.add_outreach(session, user, contact, at, check_id, **fields)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @_ledger
    def record_reply(self, user: UserRef, contact: str, at: datetime, now: datetime | None = None) -> Logged:
        """Log that ``contact`` answered ``user`` at ``at``; cancels pending follow-ups, starts keep-in-touch.

        ``UnknownContactError`` if the user never logged outreach to them; ``ValueError`` (one line) for a reply
        dated before the first outreach to them or after ``now`` (default: the current time).
        """
        with self.sessions.begin() as session:
            return queries.add_reply(session, user, contact, at, now or utcnow())

    @_ledger
    def followups(self, user: UserRef, now: datetime) -> list[DueReminder]:
        """What is due for ``user`` at ``now``: follow-ups and keep-in-touch nudges, oldest first."""
        return reminders.due(self.sessions, now, user)

    @_ledger
    def mark_done(self, user: UserRef, contact: str) -> int:
        """End the pending follow-ups to ``contact`` (the user handled it); returns how many ended."""
        with self.sessions.begin() as session:
            owner, who = queries.known_contact(session, user, contact)
            return repo.end_pending(session, owner, who, status="done", kind=repo.FOLLOW_UP)

    @_ledger
    def snooze(self, user: UserRef, contact: str, days: int, now: datetime) -> list[datetime]:
        """Push the contact's pending reminders back ``days`` (1-365) local days from the later of their due time
        and ``now``, out of quiet hours: never forward. Returns the new due times in the user's zone, earliest
        first (empty: nothing was pending). ``ValueError`` (``SNOOZE_DAYS_ERROR``) for a bad ``days``."""
        repo.check_snooze_days(days)
        with self.sessions.begin() as session:
            owner, who = queries.known_contact(session, user, contact)
            return [repo.local(owner, due) for due in repo.snooze_pending(session, owner, who, days, now)]

    @_ledger
    def update_settings(self, user: UserRef, now: datetime, **changes) -> dict:
        """Change the user's reminder settings (``ValueError`` naming the first bad one); returns those in force.

        Names and ranges: ``bot.types.SETTING_RANGES``, plus ``timezone``, ``daily_digest``, ``channel_coaching``.
        A new zone or new quiet hours re-plan the pending reminders (``bot.ledger.repo.replan``).
        """
        self.ensure_user(user, now)
        with self.sessions.begin() as session:
            owner = repo.get_or_create_user(session, user, now)
            before = (owner.timezone, owner.quiet_start_hour, owner.quiet_end_hour)
            repo.apply_settings(owner, changes)
            if (owner.timezone, owner.quiet_start_hour, owner.quiet_end_hour) != before:
                repo.replan(session, owner)  # pending reminders follow the new calendar
            return repo.settings_of(owner)

    @_ledger
    def follow_timezone(self, user: UserRef, timezone: str | None, now: datetime) -> bool:
        """The platform says ``user`` is in ``timezone``: take it unless they set a zone by hand (or have no row,
        or it is not a zone name). Records the check either way; True if the zone changed."""
        with self.sessions.begin() as session:
            owner = repo.get_user(session, user)
            if owner is None:
                return False
            owner.timezone_checked_at = now
            if owner.timezone_by_hand or not timezone or timezone == owner.timezone:
                return False
            if repo.zone(timezone).key != timezone:  # not a zone name this machine knows
                return False
            owner.timezone = timezone
            return True

    @_ledger
    def timezone_due(self, user: UserRef, now: datetime, every: timedelta = timedelta(days=1)) -> bool:
        """Whether ``user``'s zone should be read from the platform again: never read, or not for ``every``,
        and not set by hand."""
        with self.sessions() as session:
            owner = repo.get_user(session, user)
            if owner is None or owner.timezone_by_hand:
                return False
            return owner.timezone_checked_at is None or now - owner.timezone_checked_at >= every

    @_ledger
    def export(self, user: UserRef) -> dict:
        """Everything the ledger holds about ``user``, as plain JSON-ready data."""
        with self.sessions() as session:
            return queries.export(session, user)

    @_ledger
    def forget(self, user: UserRef) -> bool:
        """Delete everything about ``user`` (their ledger and their posts' channel aggregates); False if nothing."""
        with self.sessions.begin() as session:
            return queries.forget(session, user)

    @_ledger
    def forget_workspace(self, platform: str, workspace: str) -> int:
        """Delete everything about one workspace (the app was uninstalled there): every user's ledger, as
        ``forget`` does for one, and its watched channels; other workspaces are untouched. How many users."""
        with self.sessions.begin() as session:
            return queries.forget_workspace(session, platform, workspace)

    # -- delivering reminders --------------------------------------------------------------------------
    def rounds(
        self, platform: str, lease: timedelta = DEFAULT_LEASE, retry: timedelta = DEFAULT_RETRY
    ) -> reminders.Rounds:
        """A bot process's delivery rounds for ``platform`` (see ``bot.reminders.Rounds``)."""
        return reminders.Rounds(self.sessions, platform, lease, retry)

    @_ledger
    def deliver(self, notifier: Notifier, now: datetime, user: UserRef | None = None, **options) -> list[DueReminder]:
        """Deliver what is due at ``now`` (everyone's, or ``user``'s) through ``notifier``, each reminder once.

        ``options`` go to ``bot.reminders.deliver_due`` (``worker``, ``stop``...).
        """
        return reminders.deliver_due(self.sessions, notifier, now, user=user, **options)

    def release(self, worker: str) -> None:
        """Hand back what ``worker`` still holds (on a stop); never raises."""
        reminders.release_at_stop(self.sessions, worker)
