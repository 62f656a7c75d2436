"""Rapport's Slack app (slack-bolt): ``/rapport``, the message shortcut, App Home, DM reminders, watched channels.

Every listener acks first (a check takes milliseconds, so its verdict travels in the ack itself); anything that
talks to Slack's Web API happens after the ack. Retried events are processed once (their ``event_id`` is kept
under a unique key), 429s are retried after ``Retry-After`` by slack_sdk's retry handler, and the reminder
rows in the ledger are the schedule, so a restart loses nothing.

- ``listeners/``: one module per kind (commands, events, shortcuts, views, actions), each with ``register``;
- ``blocks.py``: Block Kit for every message, modal and App Home view;
- ``notifier.py``: reminder DMs; ``scheduler.py``: the delivery rounds; ``server.py``: gunicorn or Socket Mode.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.coach import Coach
from bot.types import Clock, utcnow

PLATFORM = "slack"


def make_client(token: str | None, api_url: str) -> WebClient:
    """A Web API client for ``api_url`` that waits out 429s (``Retry-After``) and retries 5xx and dropped links."""
    client = WebClient(token=token, base_url=api_url.rstrip("/") + "/")
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
    )
    return client


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins: it is the same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def listener_threads(request_threads: int) -> int:
    """How many threads run listeners when ``request_threads`` threads serve requests: twice as many.

    Bolt runs each listener in its own pool while the request's thread waits for ``ack()``; a listener keeps its
    pool thread after acking, for the work that follows (a ``users.info`` call, a notice). Bolt's default pool has 5
    threads, fewer than gunicorn's 8, so under 20 concurrent ``/rapport`` checks acks queued for a pool thread
    behind other requests' after-ack work. With twice the request threads, every request in flight gets a pool
    thread even while as many earlier listeners finish their after-ack work.
    """
    return 2 * request_threads


def create_app(
    coach: Coach,
    client: WebClient,
    signing_secret: str | None,
    clock: Clock = utcnow,
    installations=None,
    request_threads: int = 8,
) -> App:
    """The bolt app with every Rapport listener registered (``signing_secret`` is None in Socket Mode).

    One workspace: ``client`` carries the bot token. Many workspaces: ``installations`` (``installs.Installations``)
    adds bolt's OAuth flow (``/slack/install``, ``/slack/oauth_redirect``) and authorizes each request with its
    workspace's token; ``client`` is then token-less (it sets the API URL). ``request_threads`` is how many requests
    the server handles at once (gunicorn's ``--threads``, Socket Mode's concurrency); listeners get
    ``listener_threads(request_threads)`` threads.
    """
    from bot.adapters.slack import listeners
    from bot.adapters.slack.installs import OneWorkspace

    logging.getLogger("slack_bolt.App").addFilter(_TokenFromClient())
    oauth = {}
    if installations is not None:
        oauth = {
            "oauth_settings": installations.oauth_settings(),
            "installation_store": installations.store,
            "authorize": installations.authorize(),
        }
    app = App(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        process_before_response=False,
        **oauth,
        listener_executor=ThreadPoolExecutor(
            max_workers=listener_threads(request_threads), thread_name_prefix="rapport-listener"
        ),
    )
    listeners.register(app, coach, clock, installations if installations is not None else OneWorkspace(client))
    return app
