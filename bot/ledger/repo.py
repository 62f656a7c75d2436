"""Ledger queries and the scheduling rules that keep the reminder rows right.

Rules (per user, from their settings):
- an outreach schedules follow-up #1 ``follow_up_days`` later; each sent follow-up schedules the next, spaced
  the same, up to ``max_follow_ups``;
- a reply from the contact (seen or marked) cancels that contact's pending follow-ups;
- once there has been a reply, a keep-in-touch nudge is due ``keep_in_touch_days`` after the last
  interaction in either direction (or, for a contact the user put in a circle, that circle's days:
  ``bot.plan.CIRCLE_DAYS``), and every new interaction moves it;
- nothing is due inside the user's quiet hours: a due time that falls there moves to the end of them;
- one chain per contact: a new outreach ends the contact's pending follow-ups (status ``replaced``) and starts
  a new chain; the same send logged twice within ``SAME_SEND`` (a menu and a command) is one outreach;
- snooze only pushes back: each pending reminder moves ``days`` after the later of its due time and now.

Times are the user's calendar: "N days later" is N calendar days later at the same wall-clock time in the user's
zone (``local_days_later``), then moved out of quiet hours. DST rule (one for every computed time): a wall time
that does not exist (skipped by a spring-forward) moves forward by the length of the gap (02:30 becomes 03:30),
and a wall time that happens twice (a fall-back) is its first occurrence (the one before the clocks go back).
This is the "compatible" rule of RFC 5545 and JavaScript's Temporal, and what zoneinfo does with ``fold=0``.
Each reminder keeps what it was planned from (``base_at`` and ``after_days``), so changing the zone or the quiet
hours re-plans every pending reminder (``replan``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.ledger.schema import Contact, Outreach, Reminder, Reply, Step, User
from bot.plan import CIRCLE_DAYS
from bot.types import DEFAULTS, MENTION, SETTING_RANGES, SNOOZE_DAYS_ERROR, SNOOZE_DAYS_RANGE, TOGGLES, UserRef

__all__ = ["SETTING_RANGES", "UserRef"]  # re-exported for callers of the ledger

FOLLOW_UP, KEEP_IN_TOUCH = "follow_up", "keep_in_touch"


#: The longest contact name (the ``contacts`` columns' width: PostgreSQL refuses longer, SQLite would keep it).
CONTACT_NAME_MAX = 200


def contact_key(name: str) -> tuple[str, str]:
    """(key, display) for a contact: a platform mention becomes its id, a name is case- and space-folded.

    ``ValueError`` (one line) for an empty name or one longer than ``CONTACT_NAME_MAX`` characters."""
    key, display = _contact_key(name)
    length = max(len(key), len(display))  # case folding can lengthen a name ("ß" compares as "ss")
    if length > CONTACT_NAME_MAX:
        raise ValueError(f"a contact name is at most {CONTACT_NAME_MAX} characters (this one has {length})")
    return key, display


def _contact_key(name: str) -> tuple[str, str]:
    raw = name.strip()
    if not raw:
        raise ValueError('a contact needs a name or a mention (e.g. "Dana Lee" or @dana)')
    mention = MENTION.fullmatch(raw)
    if mention:
        return mention.group(1), raw
    display = " ".join(raw.lstrip("@").split())
    if not display:
        raise ValueError('a contact needs a name or a mention (e.g. "Dana Lee" or @dana)')
    return display.casefold(), display


def zone(name: str | None) -> ZoneInfo:
    """The time zone ``name``; UTC for None or an unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def wall_time(tz: ZoneInfo, day, at: time) -> datetime:
    """The instant (UTC) when the clocks in ``tz`` show ``at`` on ``day``, by the module's DST rule: a skipped
    wall time moves forward by the gap, a repeated one is its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def local_days_later(tz: ZoneInfo, when: datetime, days: int) -> datetime:
    """``days`` calendar days after the aware ``when`` at the same wall-clock time in ``tz``, as UTC."""
    local = when.astimezone(tz)
    return wall_time(tz, local.date() + timedelta(days=days), local.time().replace(fold=0))


def in_quiet_hours(user: User, when: datetime) -> bool:
    """Whether the aware ``when`` falls in the user's quiet hours (local, start inclusive, end exclusive)."""
    start, end = user.quiet_start_hour, user.quiet_end_hour
    hour = when.astimezone(zone(user.timezone)).hour
    if start == end:
        return False
    return (hour >= start or hour < end) if start > end else (start <= hour < end)


def outside_quiet_hours(user: User, when: datetime) -> datetime:
    """``when`` (as UTC) if it is outside the user's quiet hours, else the end of that quiet period."""
    when = when.astimezone(UTC)
    if not in_quiet_hours(user, when):
        return when
    tz = zone(user.timezone)
    local = when.astimezone(tz)
    day = local.date()
    if user.quiet_start_hour > user.quiet_end_hour and local.hour >= user.quiet_start_hour:
        day += timedelta(days=1)  # quiet hours across midnight, evening part: they end tomorrow morning
    return wall_time(tz, day, time(user.quiet_end_hour))


def plan(user: User, base: datetime, days: int) -> datetime:
    """When a reminder planned ``days`` after ``base`` is due: the user's calendar, then out of quiet hours (UTC)."""
    return outside_quiet_hours(user, local_days_later(zone(user.timezone), base, days))


def local(user: User, when: datetime | None) -> datetime | None:
    """``when`` in the user's zone (for showing it to them); None stays None."""
    return None if when is None else when.astimezone(zone(user.timezone))


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
    """Add follow-up number ``seq`` for ``outreach``, ``follow_up_days`` local days after ``after`` (``plan``)."""
    session.add(
        Reminder(
            owner_id=user.id,
            contact_id=outreach.contact_id,
            outreach_id=outreach.id,
            kind=FOLLOW_UP,
            seq=seq,
            due_at=plan(user, after, user.follow_up_days),
            base_at=after,
            after_days=user.follow_up_days,
            status="pending",
        )
    )


def cancel_follow_ups(session: Session, user: User, contact: Contact) -> int:
    """Cancel the contact's pending follow-ups; returns how many."""
    return end_pending(session, user, contact, status="cancelled", kind=FOLLOW_UP)


def last_interaction(session: Session, user: User, contact: Contact) -> datetime | None:
    """The latest interaction with the contact (outreach, reply or step off the feed), or None."""
    last_out = session.scalar(
        select(Outreach.at)
        .where(Outreach.owner_id == user.id, Outreach.contact_id == contact.id)
        .order_by(Outreach.at.desc())
    )
    last_in = session.scalar(
        select(Reply.at).where(Reply.owner_id == user.id, Reply.contact_id == contact.id).order_by(Reply.at.desc())
    )
    last_step = session.scalar(
        select(Step.at).where(Step.owner_id == user.id, Step.contact_id == contact.id).order_by(Step.at.desc())
    )
    return max((t for t in (last_out, last_in, last_step) if t is not None), default=None)


def has_replied(session: Session, user: User, contact: Contact) -> bool:
    """Whether the contact ever replied, or the user logged a step off the feed with them (a relationship to keep)."""
    mine = (Reply.owner_id == user.id, Reply.contact_id == contact.id)
    if session.scalar(select(Reply.id).where(*mine)) is not None:
        return True
    return session.scalar(select(Step.id).where(Step.owner_id == user.id, Step.contact_id == contact.id)) is not None


def reschedule_keep_in_touch(session: Session, user: User, contact: Contact) -> None:
    """Move (or create) the contact's one pending keep-in-touch nudge to follow the last interaction, by the
    contact's chosen circle's days, else the user's ``keep_in_touch_days``."""
    if not has_replied(session, user, contact):
        return
    last = last_interaction(session, user, contact)
    days = CIRCLE_DAYS[contact.circle] if contact.circle else user.keep_in_touch_days
    due = plan(user, last, days)
    pending = session.scalar(
        select(Reminder).where(
            Reminder.contact_id == contact.id, Reminder.kind == KEEP_IN_TOUCH, Reminder.status == "pending"
        )
    )
    if pending is None:
        session.add(
            Reminder(
                owner_id=user.id,
                contact_id=contact.id,
                kind=KEEP_IN_TOUCH,
                seq=0,
                due_at=due,
                base_at=last,
                after_days=days,
                status="pending",
            )
        )
    else:  # a new time is a new reminder: an earlier, unfinished send of it no longer counts
        pending.due_at, pending.base_at, pending.after_days = due, last, days
        pending.attempted_at, pending.attempts = None, 0


def settings_of(user: User) -> dict:
    """The user's settings as a plain dict (the names ``apply_settings`` takes)."""
    return {
        "timezone": user.timezone,
        **{name: getattr(user, name) for name in SETTING_RANGES},
        **{name: getattr(user, name) for name in TOGGLES},
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
        elif name in TOGGLES:
            if not isinstance(value, bool):
                raise ValueError(f"{name}: must be true or false")
        else:
            raise ValueError(f"{name}: not a setting")
        setattr(user, name, value)
    budget = user.weekly_budget_minutes if user.weekly_budget_minutes is not None else DEFAULTS["weekly_budget_minutes"]
    message = user.cost_message if user.cost_message is not None else DEFAULTS["cost_message"]
    if message > budget:
        raise ValueError(
            f"cost_message: a message ({message} min) would cost more than the whole weekly budget, "
            f"weekly_budget_minutes ({budget} min), so no plan could hold anyone "
            "(raise weekly_budget_minutes or lower cost_message)"
        )


#: A reply, step or send this far ahead of the clock still counts as now (clocks differ a little).
CLOCK_SKEW = timedelta(minutes=5)


def not_in_future(what: str, at: datetime, now: datetime, user: User | None = None) -> None:
    """``ValueError`` (one line) when ``what`` (``"a send"``) is dated after ``now`` (beyond ``CLOCK_SKEW``); the
    times are shown in ``user``'s zone, or in UTC without one."""
    if at > now + CLOCK_SKEW:

        def shown(when: datetime) -> str:
            return f"{local(user, when) if user is not None else when.astimezone(UTC):%Y-%m-%d %H:%M %Z}"

        raise ValueError(
            f"{what} can't be in the future: {shown(at)} is after now ({shown(now)}); log it when it has happened"
        )


def end_pending(session: Session, user: User, contact: Contact, *, status: str, kind: str | None = None) -> int:
    """End the contact's pending reminders (of ``kind``, or all) with ``status``; returns how many."""
    query = update(Reminder).where(
        Reminder.owner_id == user.id, Reminder.contact_id == contact.id, Reminder.status == "pending"
    )
    if kind is not None:
        query = query.where(Reminder.kind == kind)
    return session.execute(query.values(status=status)).rowcount


def check_snooze_days(days) -> int:
    """``days`` if it is a whole number of days a snooze may push back (``SNOOZE_DAYS_RANGE``), else ``ValueError``
    with the one line every adapter shows."""
    low, high = SNOOZE_DAYS_RANGE
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        raise ValueError(SNOOZE_DAYS_ERROR)
    return days


def snooze_pending(session: Session, user: User, contact: Contact, days: int, now: datetime) -> list[datetime]:
    """Push each of the contact's pending reminders back ``days`` local days after the later of its due time and
    ``now`` (then out of quiet hours): a snooze never brings one forward. Returns the new due times (UTC), sorted.
    ``ValueError`` for days outside ``SNOOZE_DAYS_RANGE``."""
    check_snooze_days(days)
    rows = session.scalars(
        select(Reminder).where(
            Reminder.owner_id == user.id, Reminder.contact_id == contact.id, Reminder.status == "pending"
        )
    ).all()
    for row in rows:
        start = max(row.due_at, now)
        # A new time is a new reminder: an earlier, unfinished send of it no longer counts as delivering it.
        row.due_at, row.base_at, row.after_days = plan(user, start, days), start, days
        row.attempted_at, row.attempts = None, 0
    return sorted(row.due_at for row in rows)


def replan(session: Session, user: User) -> int:
    """Re-plan the user's pending reminders after their zone or quiet hours changed; returns how many moved.

    A reminder that knows what it was planned from is planned again (same days, the new calendar); an older
    row without that only moves out of the new quiet hours."""
    moved = 0
    for row in session.scalars(select(Reminder).where(Reminder.owner_id == user.id, Reminder.status == "pending")):
        if row.base_at is not None and row.after_days is not None:
            due = plan(user, row.base_at, row.after_days)
        else:
            due = outside_quiet_hours(user, row.due_at)
        if due != row.due_at:
            row.due_at, moved = due, moved + 1
    return moved
