"""Running the Slack app: HTTP under gunicorn (commands, events, interactivity at ``POST /slack/events``, and
``GET /healthz``; with many workspaces also ``GET /slack/install`` and ``GET /slack/oauth_redirect``), or Socket
Mode when an app-level token is given."""

from __future__ import annotations

import json
import logging
import signal
import threading

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import create_app, make_client
from bot.adapters.slack.scheduler import Scheduler
from bot.coach import Coach
from bot.settings import SlackConfig
from bot.types import StartupError, unreachable

__all__ = ["SlackConfig", "StartupError"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: Requests Socket Mode handles at once (slack_sdk's default thread pool size).
SOCKET_MODE_CONCURRENCY = 10
#: Seconds a worker has, after SIGTERM, to finish requests and the reminder in flight.
GRACEFUL_TIMEOUT = 20


def check_token(config: SlackConfig) -> dict:
    """``auth.test`` once before starting, so a bad token or an unreachable API is one clear line.

    The SDK's own error log of each failed attempt is held back meanwhile: the ``StartupError`` says it once.
    """
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL)
    try:
        return make_client(config.bot_token, config.api_url).auth_test().data
    except SlackApiError as exc:
        raise StartupError(
            f"SLACK_BOT_TOKEN was refused by Slack: {exc.response.get('error')} "
            "(copy the Bot User OAuth Token again from OAuth & Permissions)"
        ) from None
    except OSError as exc:
        raise unreachable("the Slack API", config.api_url, exc, "RAPPORT_SLACK_API_URL") from None
    finally:
        sdk_log.setLevel(level)


def build(config: SlackConfig, request_threads: int = 8) -> tuple[Coach, object, Scheduler]:
    """The coach (ledger + model), the bolt app and its reminder scheduler, for one process serving
    ``request_threads`` requests at once.

    With ``config.oauth`` (many workspaces) the app gets bolt's OAuth flow and each workspace's token comes from
    its installation in the ledger's database; otherwise ``config.bot_token`` serves the one workspace.
    """
    coach = Coach.open(config.database_url)
    coach.model  # noqa: B018 - load the model now, not on the first user's check
    client = make_client(config.bot_token, config.api_url)
    installations = None
    if config.oauth is not None:
        from bot.adapters.slack.installs import Installations

        installations = Installations(config.oauth, coach.engine, config.api_url)
    app = create_app(coach, client, config.signing_secret, installations=installations, request_threads=request_threads)
    scheduler = Scheduler(
        coach,
        client,
        interval=config.reminder_interval,
        lease=config.reminder_lease,
        retry=config.reminder_retry,
        workspaces=installations,
    )
    return coach, app, scheduler


def wsgi_app(coach: Coach, app) -> callable:
    """Bolt's WSGI handler for ``/slack/events`` plus ``GET /healthz`` (200 when the database answers)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok, why = coach.healthy()
            status, body = ("200 OK", {"ok": True}) if ok else ("503 Service Unavailable", {"ok": False, "error": why})
            data = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        return slack(environ, start_response)

    return application


class _GunicornLogs(glogging.Logger):
    """gunicorn's error log through Rapport's one handler (JSON off a terminal, secrets redacted)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            if getattr(handler, "_gunicorn", False):
                self.error_log.removeHandler(handler)
        self.error_log.propagate = True


class _Gunicorn(BaseApplication):
    def __init__(self, config: SlackConfig, options: dict):
        self.config = config
        self.options = options
        self.scheduler: Scheduler | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_exit", self._worker_exit)

    def load(self):
        """Runs in each worker after the fork: its own database pool, model, client and scheduler."""
        coach, app, self.scheduler = build(self.config, self.options["threads"])
        self.scheduler.start()
        return wsgi_app(coach, app)

    def _worker_exit(self, _server, _worker) -> None:
        """After the worker's last request: let the reminder in flight finish and hand back claims."""
        if self.scheduler is not None:
            self.scheduler.stop(timeout=GRACEFUL_TIMEOUT - 5)


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict:
    """gunicorn's settings for ``rapport slack``: no access log; its error log through Rapport's handler."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": _GunicornLogs,
        "proc_name": "rapport-slack",
        "control_socket_disable": True,
    }


def serve_http(config: SlackConfig, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C stops gracefully: requests in flight finish)."""
    _Gunicorn(config, gunicorn_options(host, port, workers, threads)).run()


def serve_socket_mode(config: SlackConfig) -> None:
    """Socket Mode: Slack pushes requests over a websocket; no public URL needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    _coach, app, scheduler = build(config, SOCKET_MODE_CONCURRENCY)
    handler = SocketModeHandler(app, config.app_token, concurrency=SOCKET_MODE_CONCURRENCY)
    # Bolt's start() waits forever and installs no SIGTERM handler: as a container's PID 1 the signal would be
    # ignored (docker stop waits, then kills), elsewhere it ends the process before the scheduler hands back
    # its claims. SIGTERM, like Ctrl-C, ends the wait so the finally below runs.
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.set())
    scheduler.start()
    try:
        handler.connect()
        log.info("Socket Mode connected")
        stopping.wait()
        log.info("SIGTERM: stopping")
    finally:
        signal.signal(signal.SIGTERM, previous)
        handler.close()
        scheduler.stop()
