"""Plain types the coach and every adapter share: who a user is, what a setting may be, and what the coach returns.

No SQLAlchemy, no platform SDK: an adapter imports these (with ``bot.coach``, ``bot.commands`` and ``bot.wording``)
and nothing of the ledger.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from classifier import Verdict

#: Returns the current time, timezone-aware (UTC); injectable so reminders are testable without waiting.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time in UTC (the default ``Clock``)."""
    return datetime.now(UTC)


class StartupError(RuntimeError):
    """A bot cannot start; the message says why in one line (never with a secret)."""


def unreachable(what: str, url: str, exc: BaseException, setting: str) -> StartupError:
    """The ``StartupError`` for a platform API that cannot be reached: ``cannot reach <what> at <url>: <reason>
    (check the network connection, or <setting> if it points elsewhere)``. The reason is the system's own words
    (``Connection refused``, ``Name or service not known``), read from ``urllib``'s ``reason`` or aiohttp's
    ``os_error`` when ``exc`` wraps one."""
    inner = getattr(exc, "os_error", None) or getattr(exc, "reason", None) or exc
    number = getattr(inner, "errno", None)
    if isinstance(number, int) and number > 0:  # asyncio words ECONNREFUSED "Connect call failed (...)"
        reason = os.strerror(number)
    else:
        reason = getattr(inner, "strerror", None) or str(inner) or exc.__class__.__name__
    return StartupError(
        f"cannot reach {what} at {url}: {reason} (check the network connection, or {setting} if it points elsewhere)"
    )


class Unavailable(RuntimeError):  # noqa: N818 - it names the situation
    """The ledger's database cannot be reached or written right now; the message is the driver's one line.

    Nothing was recorded: the user may try again. Raised by every ``Coach`` method that touches the ledger.
    """


class UnknownContactError(LookupError):
    """A reply or action names someone the user never logged outreach to."""


class Undeliverable(Exception):  # noqa: N818 - it names the situation, as ``LookupError`` does
    """Raised by a ``Notifier`` when the platform will never take this user's DM (e.g. DMs closed).

    The reminder is set aside instead of being retried forever, and the user is told once, at their next
    interaction (``Coach.take_notice`` returns ``notice``: ``"dm_closed"`` here; None tells nobody).
    """

    notice: str | None = "dm_closed"


class Refused(Undeliverable):
    """Raised by a ``Notifier`` when the platform refused the message itself as malformed, even as plain text:
    a bug on our side, not the user's closed DMs (their notice is ``"message_refused"``)."""

    notice = "message_refused"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user as every adapter names one: ``("slack", team id, user id)``, ``("discord", guild id or "dm", id)``,
    ``("cli", "local", login name)``."""

    platform: str
    workspace: str
    user_id: str


#: Settings a user may change that are whole numbers, with their valid ranges (inclusive; days or hours 0-23).
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "follow_up_days": (1, 60),
    "max_follow_ups": (0, 5),
    "keep_in_touch_days": (1, 365),
    "quiet_start_hour": (0, 23),
    "quiet_end_hour": (0, 23),
    "weekly_budget_minutes": (10, 1200),
    "cost_message": (1, 120),
    "cost_call": (1, 240),
    "cost_coffee": (1, 480),
}
#: Settings that are on or off.
TOGGLES: tuple[str, ...] = ("daily_digest", "channel_coaching", "weekly_plan")
#: The settings a new user starts with.
DEFAULTS: dict[str, object] = {
    "timezone": "UTC",
    "follow_up_days": 3,
    "max_follow_ups": 2,
    "keep_in_touch_days": 30,
    "quiet_start_hour": 21,
    "quiet_end_hour": 8,
    "daily_digest": False,
    "channel_coaching": True,
    "weekly_plan": False,
    "weekly_budget_minutes": 60,
    "cost_message": 3,
    "cost_call": 20,
    "cost_coffee": 60,
}
#: Ways to meet someone (``log met --how``), and the circles a contact may be put in.
MEET_HOW: tuple[str, ...] = ("coffee", "lunch", "video", "drinks", "event")
CIRCLE_NAMES: tuple[str, ...] = ("close", "regular", "wider")
#: How many days a snooze may push reminders back (inclusive), everywhere: CLI, chat, buttons.
SNOOZE_DAYS_RANGE: tuple[int, int] = (1, 365)
#: The one line for a snooze of a bad number of days, the same in every adapter.
SNOOZE_DAYS_ERROR = f"snooze takes a whole number of days from {SNOOZE_DAYS_RANGE[0]} to {SNOOZE_DAYS_RANGE[1]}"
#: Outreach to the same contact logged twice within this long (the Slack menu and ``/rapport sent`` for one
#: send) is one outreach.
SAME_SEND = timedelta(minutes=15)
#: How long a claim holds a reminder. It must outlast the slowest send (the Slack client waits out 429s).
DEFAULT_LEASE = timedelta(minutes=5)
#: The wait after a first failed send; it doubles with each further failure, up to an hour.
DEFAULT_RETRY = timedelta(seconds=30)

#: A platform mention with its user id: Slack ``<@U123>`` / ``<@U123|name>``, Discord ``<@123>`` / ``<@!123>``.
#: Group 1 is the id.
MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>")


# -- what the coach returns -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Checked:
    """A checked draft and the id of its record (score and label only, never the text)."""

    verdict: Verdict
    check_id: int
    #: For a draft to someone in the user's ledger: where that relationship stands.
    standing: Standing | None = None


@dataclass(frozen=True, slots=True)
class Logged:
    """Outreach or a reply, as logged: the contact as displayed, when, and what it did to the reminders."""

    contact: str
    at: datetime
    #: When the contact's next follow-up falls due (after logging outreach), outside the user's quiet hours.
    #: Times the coach returns (``at`` too) are in the user's zone, ready to show.
    follow_up_due: datetime | None = None
    #: How many pending follow-ups a reply ended.
    cancelled_follow_ups: int = 0


@dataclass(frozen=True, slots=True)
class Stats:
    """One user's reply figures; rates are fractions 0-1, times in hours; None when there is nothing to divide."""

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
    #: whether the checked draft led with a question -> (outreach count, how many got a reply)
    by_question: dict[bool, tuple[int, int]] = field(default_factory=dict)
    #: stage of the ladder -> relationships on it now, and 30 days ago (``bot.ledger.ladder.STAGES``)
    rungs: dict[str, int] = field(default_factory=dict)
    rungs_before: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a relationship stands: its rung (``bot.ledger.ladder.STAGES``), messages traded both ways, its circle
    (close | regular | wider) and whether the user chose it, the last interaction (user's zone) and the next rung
    (None at the top)."""

    contact: str
    stage: str
    messages: int
    circle: str
    circle_chosen: bool
    last_at: datetime | None
    next_stage: str | None


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One contact in a weekly plan: how to reach them (message | call | coffee), its minutes, when they fell due
    (user's zone) and their circle and rung."""

    contact: str
    action: str
    minutes: int
    due_at: datetime
    circle: str
    stage: str


@dataclass(frozen=True, slots=True)
class WeeklyPlan:
    """A user's plan for the week starting ``week_start`` (user's zone): ``items`` in order, their total minutes
    (never above ``budget``), how many due contacts wait for next week, and ``needed``: the minutes a week the
    user's circles ask for at their rhythm (``bot.plan.weekly_need``)."""

    week_start: datetime
    budget: int
    items: list[PlanItem]
    minutes: int
    waiting: int
    needed: int = 0


@dataclass(frozen=True, slots=True)
class Feedback:
    """Across all users: how often a pitch verdict was disputed ("Not a pitch"), the measured false-positive rate."""

    users: int
    checks: int
    pitch_checks: int
    disputed: int

    @property
    def disputed_rate(self) -> float | None:
        """Disputed pitch verdicts as a fraction 0-1 of all pitch verdicts; None before the first one."""
        return self.disputed / self.pitch_checks if self.pitch_checks else None


@dataclass(frozen=True, slots=True)
class RecentCheck:
    """One of a user's recent checks: score 0-100, label, and whether they marked it "Not a pitch"."""

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
    """What the coach learnt from a ``Message``."""

    #: (whose contact answered, the contact) for every reply this message recorded.
    replies: list[tuple[UserRef, str]] = field(default_factory=list)
    #: Set when the message is a post in a watched channel that reads as a pitch and its author wants coaching.
    coaching: Verdict | None = None
    check_id: int | None = None


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A follow-up (``kind="follow_up"``, ``seq`` 1, 2...) or keep-in-touch nudge (``seq`` 0) that is due;
    ``due_at`` is in the user's zone."""

    id: int
    user: UserRef
    contact: str
    kind: str
    seq: int
    due_at: datetime
    #: For a keep-in-touch nudge after a few messages back and forth: the next rung to propose (``Standing``).
    next_stage: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelDigest:
    """Aggregates of a watched channel's top-level posts over one period. It never says who posted what."""

    platform: str
    workspace: str
    channel_id: str
    since: datetime
    until: datetime
    posts: int
    questions: int
    posts_with_question: int
    pitches: int
    replied: int
    replied_pitches: int
    replied_with_question: int
    #: The workspace's users' evidence, summed (``bot.ledger.ladder.team_totals``); None when there is none.
    team: Stats | None = None


class Notifier(Protocol):
    """How an adapter delivers reminders; the ledger decides what is due and makes each delivery happen once."""

    def send(self, reminder: DueReminder) -> None:
        """Deliver one reminder; raise to leave it for a later attempt (``Undeliverable``: never retry)."""

    def send_digest(self, user: UserRef, items: list[DueReminder]) -> None:
        """Deliver a user's daily digest (all their due reminders in one message); raise to retry later."""

    def send_plan(self, user: UserRef, plan: WeeklyPlan) -> None:
        """Deliver a user's weekly plan (one message); raise to retry later."""

    def delivered(self, reminder: DueReminder, since: datetime) -> bool:
        """Whether a message for this reminder (alone or in a digest) reached its user since ``since``.

        Asked before retrying a send that may have arrived; raise when the platform cannot tell now.
        """


class Stop(Protocol):
    """A stop flag (``threading.Event`` fits): when set, delivery finishes the send in flight and claims no more."""

    def is_set(self) -> bool: ...
