"""``rapport discord``: run the Discord bot, or print its invite URL."""

from __future__ import annotations

import click

from bot.cli.base import (
    check_database_url,
    collect_at_exit,
    fail,
    main,
    need_extra,
    reminder_interval_option,
)


@main.group(name="discord", invoke_without_command=True)
@reminder_interval_option
@click.option(
    "--reply-within",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0, 2.5),
    hidden=True,
    help="Answer an interaction directly if ready within this many seconds, else defer it first (for tests).",
)
@click.option(
    "--shard-ids",
    envvar="RAPPORT_DISCORD_SHARD_IDS",
    metavar="IDS",
    help="Run only these shards, e.g. 0,1 (with --shard-count): other processes run the rest.",
)
@click.option(
    "--shard-count",
    envvar="RAPPORT_DISCORD_SHARD_COUNT",
    type=click.IntRange(1, 10_000),
    help="Shards in all, across every process (default: the number Discord recommends, all in this process).",
)
@click.pass_context
def discord_command(
    ctx: click.Context, reminder_interval: float, reply_within: float, shard_ids: str | None, shard_count: int | None
) -> None:
    """Run the Discord bot (needs the 'discord' extra).

    Slash commands, a context menu, DM reminders and watched channels.

    \b
    Settings (environment or .env):
      DISCORD_TOKEN            the bot token (Developer Portal > your app > Bot > Reset Token)
      RAPPORT_DATABASE_URL     the ledger (SQLite file by default; PostgreSQL for teams)
      RAPPORT_DISCORD_GUILD    a server id: sync commands there at start (instant, for development);
                               without it they sync globally
      RAPPORT_DISCORD_API_URL  the HTTP API base URL (Discord's by default)

    \b
    \b
    Shards across processes (each runs its share; reminders go out once whichever process takes them):
      rapport discord --shard-ids 0,1 --shard-count 4     # on one host
      rapport discord --shard-ids 2,3 --shard-count 4     # on another, same database

    Add the bot to a server with the URL from:
      rapport discord invite-url --client-id <application id>
    Setup, intents and permissions: deploy/discord.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    shards = parse_shards(shard_ids, shard_count)
    need_extra("discord", "discord", "rapport discord")
    collect_at_exit()
    from bot import settings

    try:
        config = settings.load().discord(reminder_interval, reply_within, shards)
    except settings.SettingsError as exc:
        fail(str(exc))
    check_database_url(config.database_url)
    from bot.adapters.discord.client import run
    from bot.coach import Coach
    from bot.ledger.db import LedgerError
    from bot.types import StartupError
    from classifier import load_checker

    try:
        coach = Coach.open(config.database_url, load_checker())
    except (LedgerError, ValueError) as exc:
        fail(str(exc), code=1)
    try:
        run(config, coach, announce=click.echo)
    except StartupError as exc:
        fail(str(exc), code=1)


def parse_shards(ids: str | None, count: int | None) -> tuple[tuple[int, ...] | None, int | None]:
    """``--shard-ids`` and ``--shard-count`` as ``(ids, count)``: ids sorted, each in ``0..count-1``, no repeats.

    Exits 2 with one line for ids without a count, a malformed list, an id out of range or repeated."""
    if ids is None:
        return None, count
    if count is None:
        fail("--shard-ids needs --shard-count: the number of shards across every process")
    try:
        parsed = [int(part) for part in ids.split(",")]
    except ValueError:
        fail(f"--shard-ids must be shard numbers separated by commas, e.g. 0,1; got {ids!r}")
    wrong = [n for n in parsed if not 0 <= n < count]
    if wrong:
        fail(f"--shard-ids: shard {wrong[0]} does not exist with --shard-count {count} (use 0 to {count - 1})")
    if len(set(parsed)) != len(parsed):
        fail(f"--shard-ids names a shard twice: {ids}")
    return tuple(sorted(parsed)), count


@discord_command.command(name="invite-url")
@click.option("--client-id", required=True, help="The application id (Developer Portal > General Information).")
def discord_invite_url(client_id: str) -> None:
    """Print the URL that adds the bot to a server.

    An OAuth2 URL with exactly the permissions the bot needs.
    """
    need_extra("discord", "discord", "rapport discord invite-url")
    from bot.adapters.discord.client import invite_url

    if not client_id.strip().isdigit() or not 17 <= len(client_id.strip()) <= 20:
        fail(f"--client-id must be the application id (17-20 digits), got {client_id!r}")
    click.echo(invite_url(client_id.strip()))
