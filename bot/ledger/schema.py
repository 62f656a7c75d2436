"""The ledger's tables. No message text is ever stored: ids, times, scores and the user's own notes only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


#: Tables the Slack app's installation and OAuth state stores (slack_sdk's) keep in the ledger's database: created
#: by migration 0008 to match slack_sdk's own definitions, not mapped here (the ledger does not import slack_sdk).
SLACK_STORE_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


class Base(DeclarativeBase):
    """The declarative base of the ledger's tables."""

    pass


class User(Base):
    """A user of one platform and workspace, with their reminder settings."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: The user chose ``timezone`` themselves: the platform's zone no longer overrides it.
    timezone_by_hand: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: When the platform's zone for this user was last read (at most daily on use).
    timezone_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_days: Mapped[int] = mapped_column(Integer, default=3)
    max_follow_ups: Mapped[int] = mapped_column(Integer, default=2)
    keep_in_touch_days: Mapped[int] = mapped_column(Integer, default=30)
    quiet_start_hour: Mapped[int] = mapped_column(Integer, default=21)
    quiet_end_hour: Mapped[int] = mapped_column(Integer, default=8)
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When this user's last daily digest went out (claimed), so there is one a day at most.
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Private coaching notes on this user's posts in watched channels (they can opt out).
    channel_coaching: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    #: Something to tell the user once, at their next interaction (e.g. "your DMs are closed").
    notice: Mapped[str | None] = mapped_column(String(32))
    #: One weekly plan instead of separate keep-in-touch nudges (``bot.plan``).
    weekly_plan: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Minutes a week for keeping in touch, and the rough minutes each kind of action takes.
    weekly_budget_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    cost_message: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    cost_call: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    cost_coffee: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    #: When this user's last weekly plan went out (or the week was found empty), so there is one a week at most.
    last_plan_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A worker's lease on this week's plan: another worker may take it over once it has passed (a crash).
    plan_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Contact(Base):
    """Someone a user reached out to: a platform user id, or an off-platform name (``key`` is normalised)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("owner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    display: Mapped[str] = mapped_column(String(200))
    #: close | regular | wider, chosen by the user; None: from the stage and the history (``bot.ledger.ladder``).
    circle: Mapped[str | None] = mapped_column(String(16))


class Outreach(Base):
    """A message the user sent to a contact: when, where, and the checked draft's score (never its text)."""

    __tablename__ = "outreach"
    __table_args__ = (Index("ix_outreach_owner_contact_at", "owner_id", "contact_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str | None] = mapped_column(String(200))
    thread_ref: Mapped[str | None] = mapped_column(String(200))
    pitch_score: Mapped[float | None] = mapped_column(Float)
    pitch_label: Mapped[str | None] = mapped_column(String(16))
    #: Whether the checked draft's first sentence was a question (None: not checked).
    question_led: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)


class Reply(Base):
    """A reply from a contact: when (never its text)."""

    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_owner_contact_at", "owner_id", "contact_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Step(Base):
    """A step off the feed with a contact: ``kind`` emailed | called | met (``how``: coffee, lunch, video...)."""

    __tablename__ = "steps"
    __table_args__ = (Index("ix_steps_owner_contact_at", "owner_id", "contact_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16))
    how: Mapped[str | None] = mapped_column(String(16))


#: The predicate of the partial unique index ``uq_reminders_one_pending_keep_in_touch`` (both databases).
ONE_PENDING_KEEP_IN_TOUCH = "kind = 'keep_in_touch' AND status = 'pending'"


class Reminder(Base):
    """One reminder to deliver. These rows are the schedule: workers claim them, nothing lives in memory.

    ``status``: pending -> sent, or cancelled (a reply came) or done (the user marked it). A pending row is
    claimable when unclaimed or when its claim's lease has run out (the worker died between claim and send).
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("outreach_id", "kind", "seq", name="uq_reminders_outreach_kind_seq"),
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_owner_contact", "owner_id", "contact_id"),
        Index("ix_reminders_owner_status_due", "owner_id", "status", "due_at"),
        # At most one pending keep-in-touch nudge per contact: the clock moves, the row is reused. PostgreSQL has
        # the same partial index (migration 0001), but ``postgresql_where`` is not repeated here: naming it makes
        # SQLAlchemy import its whole PostgreSQL dialect when this module loads, on every ledger command (~40 ms of
        # 'rapport log show'). tests/bot/ledger/test_reads.py holds that both databases carry this predicate.
        Index(
            "uq_reminders_one_pending_keep_in_touch",
            "contact_id",
            unique=True,
            sqlite_where=text(ONE_PENDING_KEEP_IN_TOUCH),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    outreach_id: Mapped[int | None] = mapped_column(ForeignKey("outreach.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # follow_up | keep_in_touch
    seq: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the first send began. Set before sending and kept until the row is sent: a later attempt asks the
    #: platform whether that send arrived (it may have, if the worker died or the answer was lost).
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Sends tried so far; each failure waits twice as long as the last before the next try.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: What ``due_at`` was planned from: ``after_days`` local calendar days after ``base_at``, then out of quiet
    #: hours (``bot.ledger.repo.plan``). Kept so a change of zone or quiet hours can plan it again.
    base_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    after_days: Mapped[int | None] = mapped_column(Integer)


class Check(Base):
    """One checked draft: the score and label only, never the text. ``disputed_at``: the user said "Not a pitch"."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_owner_at", "owner_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))  # command | shortcut | channel | cli
    score: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(16))
    question_led: Mapped[bool | None] = mapped_column(Boolean)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProcessedEvent(Base):
    """Platform events already handled, so a retried delivery is processed once."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WatchedChannel(Base):
    """A team channel opted in to coaching and a periodic digest of aggregates."""

    __tablename__ = "watched_channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    digest_days: Mapped[int] = mapped_column(Integer, default=7)
    #: The end of the period the last digest covered (claimed before posting).
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelPost(Base):
    """A top-level post in a watched channel, for the digest: whether it read as a pitch, questions, replies."""

    __tablename__ = "channel_posts"
    __table_args__ = (
        UniqueConstraint("channel_id", "message_id"),
        Index("ix_channel_posts_channel_at", "channel_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("watched_channels.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(128))
    #: Kept only to tell replies from the author's own follow-ups and to honour "forget me"; never reported.
    author_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_pitch: Mapped[bool] = mapped_column(Boolean)
    questions: Mapped[int] = mapped_column(Integer)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
