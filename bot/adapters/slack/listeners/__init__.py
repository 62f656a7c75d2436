"""Every listener of the Slack app, one module per kind, each with ``register(app, coach, clock)``.

Plumbing shared by all of them lives here: processing each event once, and answering a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltResponse

from bot.adapters.slack import PLATFORM
from bot.adapters.slack.listeners import actions, commands, events, shortcuts, views
from bot.adapters.slack.listeners.common import apology
from bot.coach import Coach
from bot.types import Clock


def register(app: App, coach: Coach, clock: Clock, workspaces=None) -> None:
    """Register the middleware, the error handler and every listener on ``app``.

    ``workspaces`` (``installs.OneWorkspace`` or ``installs.Installations``) is told when a workspace uninstalls.
    """

    def once_per_event(body: dict, next: Callable[[], None]):
        """A retried event (``X-Slack-Retry-Num``) whose first delivery was already taken is acked, not redone.

        A channel message is marked processed by ``coach.observe``, in the transaction that records it; other
        events are marked here."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        event = body.get("event") or {}
        records = event.get("type") == "message" and event.get("channel_type") != "im"
        if event_id and records and coach.seen(PLATFORM, event_id):
            logging.getLogger(__name__).info("event %s was already processed; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        if event_id and not records and not coach.first_seen(PLATFORM, event_id, clock()):
            logging.getLogger(__name__).info("event %s was already processed; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    app.middleware(once_per_event)
    for kind in (commands, shortcuts, actions, views):
        kind.register(app, coach, clock)
    events.register(app, coach, clock, workspaces)
    app.error(failed)


def failed(error: Exception, body: dict, respond) -> None:
    """Anything a listener did not handle: logged, and the user told when Slack gave us a way to answer.

    An event we could not take (e.g. the database is down) gets HTTP 500, so Slack delivers it again.
    """
    text = apology(error, body.get("type") or "request")
    if respond is not None and body.get("type") != "event_callback":
        try:
            respond(response_type="ephemeral", replace_original=False, text=text)
        except Exception as exc:
            logging.getLogger(__name__).warning("could not tell the user about a failure: %s", exc)
