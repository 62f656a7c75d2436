"""The Slack app's delivery rounds: due reminders and channel digests every ``interval`` seconds, in a thread."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import PLATFORM
from bot.adapters.slack.notifier import SlackNotifier
from bot.coach import Coach
from bot.types import DEFAULT_LEASE, DEFAULT_RETRY, Clock, Unavailable, utcnow

log = logging.getLogger(__name__)


class Scheduler(threading.Thread):
    """Delivers due reminders and channel digests every ``interval`` seconds, until ``stop()``.

    Any number of app processes may run one: the ledger's claims make each delivery happen once. ``stop()``
    lets the send in flight finish, then hands back any reminder this scheduler still holds.
    """

    def __init__(
        self,
        coach: Coach,
        client: WebClient | None,
        interval: float = 60.0,
        clock: Clock = utcnow,
        lease: timedelta = DEFAULT_LEASE,
        retry: timedelta = DEFAULT_RETRY,
        workspaces=None,
    ):
        """``client`` serves every workspace (one token), or ``workspaces`` gives each one's (many workspaces)."""
        super().__init__(name="rapport-reminders", daemon=True)
        self.coach = coach
        self.notifier = SlackNotifier(client, workspaces)
        self.interval = interval
        self.clock = clock
        self.rounds = coach.rounds(PLATFORM, lease, retry)
        self._last_prune: datetime | None = None

    def tick(self) -> None:
        """One round: due reminders, channel digests, and (hourly) forgetting old event ids."""
        now = self.clock()
        self.rounds.run(self.notifier, self.notifier.post_channel_digest, now)
        if not self.rounds.halted.is_set() and (
            self._last_prune is None or now - self._last_prune > timedelta(hours=1)
        ):
            self.coach.prune_events(now - timedelta(days=1))
            self._last_prune = now

    def run(self) -> None:
        """Rounds every ``interval`` seconds until ``stop()``; an outage logs one line and waits a round."""
        while not self.rounds.halted.is_set():
            try:
                self.tick()
            except (Unavailable, OSError, SlackApiError) as exc:  # an outage: one line, try again next round
                log.warning("reminder round failed (%s); retrying in %s s", exc, self.interval)
            except Exception:
                log.exception("reminder round failed; retrying in %s s", self.interval)
            self.rounds.halted.wait(self.interval)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop after the send in flight (waiting up to ``timeout`` s), then release this worker's claims."""
        self.rounds.halt()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        self.rounds.release()
