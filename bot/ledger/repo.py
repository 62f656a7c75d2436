"""Ledger queries and the scheduling rules that keep the reminder rows right.

Rules (per user, from their settings):
- an outreach schedules follow-up #1 ``follow_up_days`` later; each sent follow-up schedules the next, spaced
  the same, up to ``max_follow_ups``;
- a reply from the contact (seen or marked) cancels that contact's pending follow-ups;
- once there has been a reply, a keep-in-touch nudge is due ``keep_in_touch_days`` after the last
  interaction in either direction, and every new interaction moves it;
- nothing is due inside the user's quiet hours: a due time that falls there moves to the end of them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.ledger.schema import Contact, Outreach, Reminder, Reply, User
from bot.types import DEFAULTS, MENTION, SETTING_RANGES, UserRef

__all__ = ["SETTING_RANGES", "UserRef"]  # re-exported for callers of the ledger

FOLLOW_UP, KEEP_IN_TOUCH = "follow_up", "keep_in_touch"


def contact_key(name: str) -> tuple[str, str]:
    """(key, display) for a contact: a platform mention becomes its id, a name is case- and space-folded."""
    raw = name.strip()
    if not raw:
        raise ValueError("a contact needs a name or a mention")
    mention = MENTION.fullmatch(raw)
    if mention:
        return mention.group(1), raw
    display = " ".join(raw.lstrip("@").split())
    if not display:
        raise ValueError("a contact needs a name or a mention")
    return display.casefold(), display


def zone(name: str | None) -> ZoneInfo:
    """The time zone ``name``; UTC for None or an unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def outside_quiet_hours(user: User, when: datetime) -> datetime:
    """``when`` if it is outside the user's quiet hours, else the end of that quiet period."""
    local = when.astimezone(zone(user.timezone))
    start, end = user.quiet_start_hour, user.quiet_end_hour
    if start == end:
        return when
    quiet = (local.hour >= start or local.hour < end) if start > end else (start <= local.hour < end)
    if not quiet:
        return when
    wake = datetime.combine(local.date(), time(end), tzinfo=local.tzinfo)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(when.tzinfo)


def get_user(session: Session, ref: UserRef) -> User | None:
    """The user's row, or None."""
    return session.scalar(
        select(User).where(User.platform == ref.platform, User.workspace == ref.workspace, User.user_id == ref.user_id)
    )


def get_or_create_user(session: Session, ref: UserRef, now: datetime, timezone: str | None = None) -> User:
    """The user's row; a new one starts with the defaults (and ``timezone`` when it is a valid zone name)."""
    user = get_user(session, ref)
    if user is None:
        user = User(
            platform=ref.platform,
            workspace=ref.workspace,
            user_id=ref.user_id,
            **{**DEFAULTS, "timezone": zone(timezone).key},
            created_at=now,
        )
        session.add(user)
        session.flush()
    return user


def find_contact(session: Session, user: User, name: str) -> Contact | None:
    """The user's contact ``name`` (a mention or a name, folded as ``contact_key`` folds it), or None."""
    key, _ = contact_key(name)
    return session.scalar(select(Contact).where(Contact.owner_id == user.id, Contact.key == key))


def get_or_create_contact(session: Session, user: User, name: str) -> Contact:
    """The user's contact ``name``, created if new."""
    contact = find_contact(session, user, name)
    if contact is None:
        key, display = contact_key(name)
        contact = Contact(owner_id=user.id, key=key, display=display)
        session.add(contact)
        session.flush()
    return contact


def schedule_follow_up(session: Session, user: User, outreach: Outreach, seq: int, after: datetime) -> None:
    """Add follow-up number ``seq`` for ``outreach``, ``follow_up_days`` after ``after`` (outside quiet hours)."""
    due = outside_quiet_hours(user, after + timedelta(days=user.follow_up_days))
    session.add(
        Reminder(
            owner_id=user.id,
            contact_id=outreach.contact_id,
            outreach_id=outreach.id,
            kind=FOLLOW_UP,
            seq=seq,
            due_at=due,
            status="pending",
        )
    )


def cancel_follow_ups(session: Session, user: User, contact: Contact) -> int:
    """Cancel the contact's pending follow-ups; returns how many."""
    return end_pending(session, user, contact, status="cancelled", kind=FOLLOW_UP)


def last_interaction(session: Session, user: User, contact: Contact) -> datetime | None:
    """The latest outreach to or reply from the contact, or None."""
    last_out = session.scalar(
        select(Outreach.at)
        .where(Outreach.owner_id == user.id, Outreach.contact_id == contact.id)
        .order_by(Outreach.at.desc())
    )
    last_in = session.scalar(
        select(Reply.at).where(Reply.owner_id == user.id, Reply.contact_id == contact.id).order_by(Reply.at.desc())
    )
    return max((t for t in (last_out, last_in) if t is not None), default=None)


def has_replied(session: Session, user: User, contact: Contact) -> bool:
    """Whether the contact ever replied."""
    return session.scalar(select(Reply.id).where(Reply.owner_id == user.id, Reply.contact_id == contact.id)) is not None


def reschedule_keep_in_touch(session: Session, user: User, contact: Contact) -> None:
    """Move (or create) the contact's one pending keep-in-touch nudge to follow the last interaction."""
    if not has_replied(session, user, contact):
        return
    last = last_interaction(session, user, contact)
    due = outside_quiet_hours(user, last + timedelta(days=user.keep_in_touch_days))
    pending = session.scalar(
        select(Reminder).where(
            Reminder.contact_id == contact.id, Reminder.kind == KEEP_IN_TOUCH, Reminder.status == "pending"
        )
    )
    if pending is None:
        session.add(
            Reminder(owner_id=user.id, contact_id=contact.id, kind=KEEP_IN_TOUCH, seq=0, due_at=due, status="pending")
        )
    else:  # a new time is a new reminder: an earlier, unfinished send of it no longer counts
        pending.due_at, pending.attempted_at, pending.attempts = due, None, 0


def settings_of(user: User) -> dict:
    """The user's settings as a plain dict (the names ``apply_settings`` takes)."""
    return {
        "timezone": user.timezone,
        **{name: getattr(user, name) for name in SETTING_RANGES},
        "daily_digest": user.daily_digest,
        "channel_coaching": user.channel_coaching,
    }


def apply_settings(user: User, changes: dict) -> None:
    """Validate and apply ``changes``; raise ``ValueError`` naming the first bad one."""
    for name, value in changes.items():
        if value is None:
            continue
        if name == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"timezone: {value!r} is not a time zone name like Europe/Berlin") from None
            user.timezone_by_hand = True
        elif name in SETTING_RANGES:
            low, high = SETTING_RANGES[name]
            if not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name}: must be a whole number from {low} to {high}")
        elif name in ("daily_digest", "channel_coaching"):
            if not isinstance(value, bool):
                raise ValueError(f"{name}: must be true or false")
        else:
            raise ValueError(f"{name}: not a setting")
        setattr(user, name, value)


def end_pending(session: Session, user: User, contact: Contact, *, status: str, kind: str | None = None) -> int:
    """End the contact's pending reminders (of ``kind``, or all) with ``status``; returns how many."""
    query = update(Reminder).where(
        Reminder.owner_id == user.id, Reminder.contact_id == contact.id, Reminder.status == "pending"
    )
    if kind is not None:
        query = query.where(Reminder.kind == kind)
    return session.execute(query.values(status=status)).rowcount


def move_pending(session: Session, user: User, contact: Contact, due_at: datetime) -> int:
    """Move the contact's pending reminders to ``due_at``; returns how many."""
    query = update(Reminder).where(
        Reminder.owner_id == user.id, Reminder.contact_id == contact.id, Reminder.status == "pending"
    )
    # A claim in progress is left alone: that worker is sending right now and will mark the row sent.
    # A new time is a new reminder: an earlier, unfinished send of it no longer counts as delivering it.
    return session.execute(query.values(due_at=due_at, attempted_at=None, attempts=0)).rowcount
