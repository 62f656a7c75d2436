"""The ``rapport`` command group and what its subcommands share: failing in one line, times, the ledger."""

from __future__ import annotations

import functools
import getpass
import sys
from datetime import UTC, datetime

import click

from bot.coach import Coach
from bot.types import UserRef, utcnow

EXIT_BAD_INPUT = 2


def repair(text: str) -> str:
    """Arguments with invalid UTF-8 arrive with surrogate escapes; turn those bytes into U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_stdin() -> str:
    """Standard input as text (invalid UTF-8 becomes U+FFFD)."""
    return sys.stdin.buffer.read().decode("utf-8", "replace")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print ``rapport: <message>`` on stderr and exit with ``code`` (2: bad input, 1: the environment)."""
    click.echo(f"rapport: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show informational log messages on stderr.")
def main(verbose: bool) -> None:
    """Rapport: coaching for networking messages that start conversations instead of pitches."""
    from bot import logs

    try:
        logs.setup(verbose)
    except ValueError as exc:
        fail(str(exc))


def model_coach() -> Coach:
    """A coach with its model loaded, or a clear one-line error."""
    from classifier import load_model

    try:
        return Coach(load_model())
    except ValueError as exc:
        fail(str(exc))


# -- the ledger: outreach, replies, reminders ------------------------------------------------------------


def parse_time(value: str | None) -> datetime:
    """``--now``/``--at``: ISO 8601; a time without a zone is taken as UTC. Defaults to the current time."""
    if value is None:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time, e.g. 2026-11-22T09:30 or 2026-11-22") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ledger_coach() -> Coach:
    """A coach on the configured ledger (migrated), or exit 1 with one line (an in-memory SQLite URL is refused:
    what a command logged there would vanish with it)."""
    from bot import settings
    from bot.ledger.db import LedgerError, is_memory, open_ledger

    try:
        url = settings.load().database()
        if is_memory(url):
            fail(
                "RAPPORT_DATABASE_URL is an in-memory SQLite database, gone when the command ends; "
                "use a file, e.g. sqlite:////home/you/rapport.db",
                code=1,
            )
        return Coach(sessions=open_ledger(url))
    except (LedgerError, settings.SettingsError) as exc:
        fail(str(exc), code=1)


#: How SQLite reports a full disk, a file it may not write, or a folder it cannot create its journal in.
STORAGE_TROUBLE = ("disk I/O error", "disk is full", "readonly database", "unable to open database file")


def ledger_errors(command):
    """Database failures (read-only file, lost connection, full disk) become one line and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from sqlalchemy.exc import SQLAlchemyError

        from bot.ledger.db import describe
        from bot.types import Unavailable

        try:
            return command(*args, **kwargs)
        except (SQLAlchemyError, Unavailable) as exc:
            reason = str(exc) if isinstance(exc, Unavailable) else describe(exc)
            if any(sign in reason for sign in STORAGE_TROUBLE):
                from bot import settings

                reason += (
                    f" (check free space and write permission where the database is: {settings.load().database()})"
                )
            fail(f"the database refused: {reason}", code=1)

    return wrapper


#: The platform name of the terminal's users (``rapport remind`` and ``rapport chat`` deliver only theirs).
TERMINAL = "cli"


def local_user(user: str | None) -> UserRef:
    """The command line's user: ``("cli", "local", user or the login name)``."""
    return UserRef(TERMINAL, "local", user or getpass.getuser())


def shown(when: datetime) -> str:
    """An aware time as the user reads it, in the zone it carries: ``Mon 09 Mar 2026 20:30 EDT``."""
    return f"{when:%a %d %b %Y %H:%M %Z}"


user_option = click.option("--user", help="Whose ledger. [default: your login name]")
at_option = click.option("--at", "at", metavar="ISO8601", help="When it happened. [default: now]")
now_option = click.option("--now", "now", metavar="ISO8601", help="Pretend it is this time. [default: now]")


def reminder_json(r) -> dict:
    """A due reminder as a JSON-ready dict (``due_at`` ISO 8601)."""
    return {"id": r.id, "user": r.user.user_id, "contact": r.contact, "kind": r.kind, "due_at": r.due_at.isoformat()}


reminder_interval_option = click.option(
    "--reminder-interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between rounds of reminder and digest delivery.",
)
