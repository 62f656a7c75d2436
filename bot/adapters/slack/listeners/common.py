"""What the Slack listeners share: who the user is, learning a new user's time zone, notices, App Home, apologies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import wording
from bot.adapters.slack import PLATFORM, blocks
from bot.coach import Coach
from bot.types import Clock, Logged, Unavailable, UserRef

log = logging.getLogger(__name__)


def user_of(context) -> UserRef:
    """The user a request comes from (bolt's ``context``)."""
    return UserRef(PLATFORM, context.team_id or context.enterprise_id or "", context.user_id)


class Listener:
    """Base of each kind's listeners: the coach, the clock, and the steps every user-facing answer shares."""

    def __init__(self, coach: Coach, clock: Clock):
        self.coach = coach
        self.clock = clock

    def new_user(self, user: UserRef) -> bool:
        """Make sure the user has a ledger row; True if they are new."""
        return self.coach.ensure_user(user, self.clock())

    def learn_timezone(self, client: WebClient, user: UserRef) -> None:
        """The user's reminders follow their Slack time zone, unless they set one by hand (after the ack; a
        failure only logs). ``users.info``'s ``tz``; ``user_change`` events keep it current in between."""
        try:
            tz = client.users_info(user=user.user_id)["user"].get("tz")
            self.coach.follow_timezone(user, tz, self.clock())
        except (SlackApiError, ValueError, KeyError) as exc:
            log.warning("could not read a user's time zone: %s", exc)

    def after(self, client: WebClient, user: UserRef, new: bool, say: Callable[[str], None]) -> None:
        """After answering: read the user's time zone if new or not read for a day, and pass on a one-time
        notice through ``say``."""
        if new or self.coach.timezone_due(user, self.clock()):
            self.learn_timezone(client, user)
        notice = self.coach.take_notice(user)
        if notice:
            say(wording.NOTICES[notice])

    def publish_home(self, client: WebClient, user: UserRef) -> None:
        """Publish the user's App Home: follow-ups due, reply stats, recent checks."""
        now = self.clock()
        view = blocks.home_view(
            self.coach.followups(user, now),
            self.coach.stats(user, now),
            self.coach.recent_checks(user),
            plan=self.coach.plan(user, now),
            ladder=self.coach.ladder(user),
        )
        client.views_publish(user_id=user.user_id, view=view)


def apology(exc: Exception, what: str) -> str:
    """Log a failure (one line for a database outage, a traceback otherwise) and say sorry in the right words."""
    if isinstance(exc, Unavailable):
        log.warning("%s failed: the database is unavailable (%s)", what, exc)
        return wording.UNAVAILABLE
    log.error("%s failed", what, exc_info=exc)
    return wording.SORRY


def logged_text(logged: Logged) -> str:
    """After logging outreach, with the follow-up date in the reader's own time zone (Slack date formatting)."""
    at = logged.follow_up_due
    due = f"<!date^{int(at.timestamp())}^{{date_short_pretty}}|{at:%a %d %b}>" if at is not None else None
    return wording.logged_text(logged.contact, due)


def from_ts(ts: str) -> datetime:
    """A Slack message timestamp (``"1700000000.000100"``) as a UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)
