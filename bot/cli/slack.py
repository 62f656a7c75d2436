"""``rapport slack``: run the Slack app, or load-test a running one."""

from __future__ import annotations

import json
import sys

import click

from bot.cli.base import (
    check_database_url,
    collect_at_exit,
    fail,
    main,
    need_extra,
    reminder_interval_option,
)


@main.group(invoke_without_command=True)
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on (HTTP mode).")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(1, 65535), help="HTTP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@reminder_interval_option
@click.pass_context
def slack(ctx: click.Context, host: str, port: int, workers: int, threads: int, reminder_interval: float) -> None:
    """Run the Slack app (needs the 'slack' extra).

    \b
    Example:
      SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... rapport slack --port 3000

    \b
    Settings (environment or .env):
      SLACK_BOT_TOKEN        the bot token (xoxb-...), for one workspace
      SLACK_SIGNING_SECRET   verifies that requests come from Slack (HTTP mode)
      SLACK_APP_TOKEN        an app-level token (xapp-...): use Socket Mode instead of HTTP
      SLACK_CLIENT_ID        with SLACK_CLIENT_SECRET: many workspaces, each installed
      SLACK_CLIENT_SECRET    at https://<your host>/slack/install (HTTP mode)
      SLACK_REDIRECT_URI     https://<your host>/slack/oauth_redirect, if the app has several
      RAPPORT_DATABASE_URL   the ledger (SQLite file by default; PostgreSQL for teams)
      RAPPORT_SLACK_API_URL  the Web API base URL (Slack's by default)

    In HTTP mode, point the app's slash command, interactivity and event subscriptions at
    https://<your host>/slack/events (see deploy/slack-manifest.yaml). GET /healthz answers 200
    while the database does.
    """
    if ctx.invoked_subcommand is not None:
        return
    need_extra("slack", "slack_bolt", "rapport slack")
    collect_at_exit()
    from bot.adapters.slack.server import check_token, serve_http, serve_socket_mode
    from bot.ledger.db import LedgerError, open_ledger
    from bot.types import StartupError

    config = _slack_config(reminder_interval)
    check_database_url(config.database_url)
    try:
        open_ledger(config.database_url)  # migrate once, before any worker starts
        identity = check_token(config) if config.oauth is None else None
    except (StartupError, LedgerError) as exc:
        fail(str(exc), code=1)
    mode = "Socket Mode" if config.app_token else f"HTTP on {host}:{port}, POST /slack/events"
    if identity is None:
        click.echo(f"Rapport for Slack: many workspaces, {mode}, install at GET /slack/install.")
    else:
        click.echo(f"Rapport for Slack: {identity.get('team', 'workspace')} as {identity.get('user', 'bot')}, {mode}.")
    if config.app_token:
        serve_socket_mode(config)
    else:
        serve_http(config, host, port, workers, threads)


def _slack_config(reminder_interval: float = 60.0):
    from bot import settings

    try:
        return settings.load().slack(reminder_interval)
    except settings.SettingsError as exc:
        fail(str(exc))


@slack.command(name="loadtest")
@click.option("--url", default="http://127.0.0.1:3000/slack/events", show_default=True, help="The running app.")
@click.option(
    "--requests", "total", default=200, show_default=True, type=click.IntRange(1, 100_000), help="Checks to send."
)
@click.option(
    "--concurrency", default=20, show_default=True, type=click.IntRange(1, 1000), help="Requests in flight at once."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def slack_loadtest(url: str, total: int, concurrency: int, as_json: bool) -> None:
    """Load-test a running Slack app; print ack latency.

    Sends /rapport checks signed with SLACK_SIGNING_SECRET.
    """
    from bot import settings
    from bot.tools.slack_load import run_load

    try:
        secret = settings.load().secret("SLACK_SIGNING_SECRET")
    except settings.SettingsError as exc:
        fail(str(exc))
    result = run_load(url, secret, total=total, concurrency=concurrency)
    click.echo(json.dumps(result) if as_json else result["summary"])
    if result["errors"]:
        sys.exit(1)
